/*
 * journal.h - the durable memory of the gateway, in SQLite (WAL, synchronous
 * FULL): every message received, byte for byte (the archive); what it was
 * found to be; its normalized form; each stage it went through with times;
 * its errors; the acknowledgement sent; the duplicate registry; and the
 * transactional outbox from which deliveries are made. A message is
 * acknowledged to its sender only after kh_journal_receive returned.
 *
 * One kh_journal per thread (SQLite connections are not shared); any number
 * of them may use the same file, also from several processes.
 */
#ifndef KHAALGA_JOURNAL_H
#define KHAALGA_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct kh_journal kh_journal;

enum { KH_MESSAGE_ID_SIZE = 40 };

kh_journal *kh_journal_open(const char *path, char *err, size_t errlen);
void kh_journal_close(kh_journal *j);

/* Milliseconds since the epoch (the journal's clock). */
int64_t kh_journal_now_ms(void);

typedef struct kh_received {
    const char *channel;        /* http, https, spool, amqp, cli */
    const char *content_type;   /* as given, or NULL */
    const void *raw;
    size_t      size;
    bool        answer_by_reply;   /* the channel cannot answer: the acknowledgement goes to the
                                    * partner's reply destination (a partner's AMQP queue) */
    const char *correlation_id;    /* AMQP: the message id the message answers, or NULL */
} kh_received;

/* What a message was found to be (any field may be NULL). */
typedef struct kh_message_facts {
    const char *partner, *format, *family, *type, *office, *reference, *sender, *recipient, *signer;
} kh_message_facts;

/* Everything the pipeline learns about one message, kept in memory while it
 * is processed and written at once when it is decided (kh_journal_write):
 * one transaction, one sync of the log, whatever the number of stages. The
 * raw bytes are not copied: they must live until the write. */
typedef struct kh_journal_entry kh_journal_entry;

/* A new entry with its stable id (time-ordered); NULL when out of memory. */
kh_journal_entry *kh_journal_entry_new(const kh_received *m);
void kh_journal_entry_free(kh_journal_entry *e);
const char *kh_journal_entry_id(const kh_journal_entry *e);

void kh_journal_entry_describe(kh_journal_entry *e, const kh_message_facts *facts);
/* A stage and its outcome ("ok", "failed", "skipped") with the time it took. */
void kh_journal_entry_stage(kh_journal_entry *e, const char *stage, const char *outcome, int64_t elapsed_us,
                            const char *detail);
/* An error found in the message: a code (verdict code, 0085 code, rule id),
 * its place (EDIFACT position or XPath) and text. */
void kh_journal_entry_error(kh_journal_entry *e, const char *code, const char *place, const char *text);
/* The acknowledgement sent (contrl, receipt, res), copied. */
void kh_journal_entry_acknowledgement(kh_journal_entry *e, const char *kind, const void *body, size_t size);
/* The acknowledgement is also to be delivered to destination, as the
 * message's part 0 (delivery id ID-ack), whatever the decision: a partner
 * whose channel cannot carry an answer gets its CONTRL, receipt or
 * rejection that way. Needs kh_journal_entry_acknowledgement. */
void kh_journal_entry_deliver_acknowledgement(kh_journal_entry *e, const char *destination);
/* The decision: rejected (or duplicate, failed); or, when the message is
 * taken, one part per message of it (an EDIFACT interchange may hold
 * several) with its normalized form (copied), its family, type and office,
 * and the destinations it is routed to. A taken message is "routed", or
 * "unrouted" when no part has a destination. Parts are numbered from 1; a
 * part is delivered as ID when the message has one part, ID-N otherwise. */
void kh_journal_entry_reject(kh_journal_entry *e, const char *state);
void kh_journal_entry_add_part(kh_journal_entry *e, const char *family, const char *type, const char *office,
                               const void *normalized, size_t size, const char *const *destinations,
                               size_t ndestinations);
/* The decision for a message taken that has nothing to deliver (a
 * partner's CONTRL): "unrouted", with no parts. */
void kh_journal_entry_take_without_parts(kh_journal_entry *e);
/* The number of parts added so far. */
size_t kh_journal_entry_parts(const kh_journal_entry *e);
/* The part added last is an EDIFACT interchange Khaalga writes (to a
 * foreign customs): remembered, so that the partner's CONTRL finds it. */
void kh_journal_entry_part_is_interchange(kh_journal_entry *e, const char *sender, const char *recipient,
                                          const char *reference);
/* Forgets the parts added (a later message of the interchange failed). */
void kh_journal_entry_drop_parts(kh_journal_entry *e);
/* The EDIFACT interchange it was: kept with the message (to find it by
 * that reference), and, when it is taken, for duplicate detection. */
void kh_journal_entry_interchange(kh_journal_entry *e, const char *sender, const char *recipient,
                                  const char *reference);

/* The entry answers an earlier message (a CAIS response to a declaration):
 * with the entry, if it is taken, a stage "answered" (outcome "ok", the
 * detail given) is written on that message, so that its lifecycle shows it. */
void kh_journal_entry_answers(kh_journal_entry *e, const char *original_id, const char *detail);

/* Writes the entry in one transaction. Durable on return 0; -1 with err
 * otherwise (then nothing may be acknowledged). */
int kh_journal_write(kh_journal *j, kh_journal_entry *e, char *err, size_t errlen);

/* Duplicates: the id of an accepted message with the same (sender,
 * recipient, interchange reference) as given, or else with the same content
 * as the entry's, into earlier; 1 when there is one, 0 when not, -1 on error. */
int kh_journal_find_duplicate(kh_journal *j, const kh_journal_entry *e, const char *sender, const char *recipient,
                              const char *reference, char earlier[KH_MESSAGE_ID_SIZE]);

/* The message an answer names: the latest taken message (routed, unrouted,
 * delivered or failed) of family whose reference (messages.reference: for
 * a declaration its FunctionalReferenceID) is reference. */
typedef struct kh_original {
    char id[KH_MESSAGE_ID_SIZE];
    char partner[64];          /* "" when not known */
    char format[16];           /* edifact, xml */
    char recipient[40];        /* EDIFACT: the UNB recipient it was sent to; "" otherwise */
} kh_original;
/* 1 when found (into original), 0 when not, -1 on error. */
int kh_journal_find_original(kh_journal *j, const char *family, const char *reference, kh_original *original);
/* The taken message one of whose parts was delivered as delivery_id (the
 * message_id a consumer saw, which its answer names in correlation_id).
 * 1 when found, 0 when not, -1 on error. */
int kh_journal_find_delivered(kh_journal *j, const char *delivery_id, kh_original *original);
/* The message one of whose parts was the interchange (sender, recipient,
 * reference) Khaalga wrote; 1 when found, 0 when not, -1 on error. */
int kh_journal_find_sent(kh_journal *j, const char *sender, const char *recipient, const char *reference,
                         char message_id[KH_MESSAGE_ID_SIZE]);

/* The outbox. */
typedef struct kh_outbox_item {
    int64_t  entry;                       /* the outbox row */
    char     message_id[KH_MESSAGE_ID_SIZE];
    int      part;
    char     delivery_id[KH_MESSAGE_ID_SIZE + 8];   /* the stable id consumers see */
    char     destination[128];
    char     family[16];
    char     partner[64];
    char     type[16], office[16];        /* of the part, "" when not known */
    char     format[16];                  /* the message's: edifact, xml */
    char     signer[128];                 /* the verified signer's identity, "" when unsigned */
    char     digest[65];                  /* SHA-256 of the original bytes */
    unsigned attempts;                    /* made so far */
} kh_outbox_item;

/* Up to max entries due at now_ms, oldest first. Returns the number. */
int kh_journal_outbox_due(kh_journal *j, int64_t now_ms, kh_outbox_item *items, int max);
/* The normalized form of part of a message (malloc'd; the caller frees). */
void *kh_journal_normalized(kh_journal *j, const char *id, int part, size_t *size);

/* What became of one delivery attempt. */
typedef enum kh_attempt_result { KH_ATTEMPT_DELIVERED, KH_ATTEMPT_RETRY, KH_ATTEMPT_DEAD } kh_attempt_result;
typedef struct kh_attempt {
    const kh_outbox_item *item;
    kh_attempt_result     result;
    int64_t               next_at_ms;     /* for a retry */
    char                  why[600];       /* for a retry or a dead letter */
} kh_attempt;
/* Records a round of attempts in one transaction: the outbox entries, the
 * messages' states, and a "deliver" stage each. */
int kh_journal_record_attempts(kh_journal *j, const kh_attempt *attempts, size_t n);

/* Entries not yet delivered (the outbox depth). */
long kh_journal_outbox_depth(kh_journal *j);

/* Puts a message's dead or failed deliveries back in the outbox (due now);
 * with id NULL, every dead-lettered entry. who is written to the audit
 * trail. Returns the number of entries put back, -1 on error. */
int kh_journal_replay(kh_journal *j, const char *id, const char *who);

/* A delivery that a broker dead-lettered after it had taken it (a consumer
 * rejected it until the queue's delivery limit, or it expired there), as
 * the dead-lettered copy names it: delivery_id to one of destinations.
 * An entry delivered or pending (the broker may be quicker than the
 * delivery loop's record of the attempt, or than a retry after a confirm
 * that did not come) becomes dead with why as its last error, in one
 * transaction with its message failed and a stage "dead-lettered" (outcome
 * "dead"); the delivery loop then leaves it so, and kh_journal_replay puts
 * it back into the outbox. An entry dead already stays as it is (the same
 * copy again). Returns what it found (kh_dead_letter_match), -1 on a
 * journal error; message_id (or NULL) gets the message's id when known. */
typedef enum kh_dead_letter_match {
    KH_DEAD_LETTER_UNKNOWN = 0,     /* no such delivery to those destinations */
    KH_DEAD_LETTER_MARKED,
    KH_DEAD_LETTER_ALREADY_DEAD
} kh_dead_letter_match;
int kh_journal_mark_dead_lettered(kh_journal *j, const char *delivery_id, const char *const *destinations,
                                  size_t ndestinations, const char *why, char message_id[KH_MESSAGE_ID_SIZE]);

/* The partner a message came from into partner ("" when not known); 0, or
 * 1 when there is no such message, -1 on error. */
int kh_journal_partner_of(kh_journal *j, const char *id, char *partner, size_t len);

/* The lifecycle of a message as JSON (state, facts, stages with times,
 * errors, acknowledgement kinds, deliveries) into out; 0, or 1 when there is
 * no such message. */
int kh_journal_status_json(kh_journal *j, const char *id, FILE *out);

/* Counts and latencies by hour, family, partner and customs office since
 * since_ms, as JSON lines into out: messages, rejected, delivered, failed
 * (messages), dead (their deliveries given up or dead-lettered). */
int kh_journal_stats_json(kh_journal *j, int64_t since_ms, FILE *out);

/* Counts for the metrics: fn is told each group's labels and count. */
typedef void (*kh_count_fn)(void *ctx, const char *const *labels, size_t nlabels, double value);
/* Messages by family, partner and state. */
int kh_journal_count_messages(kh_journal *j, kh_count_fn fn, void *ctx);
/* Errors by code. */
int kh_journal_count_errors(kh_journal *j, kh_count_fn fn, void *ctx);
/* Stage latencies as a cumulative histogram: for each stage, one call per
 * bound (labels: stage, "le" bound in seconds) with the number of stage
 * records at most that long, then ("+Inf"), ("sum") in seconds and ("count"). */
int kh_journal_stage_histogram(kh_journal *j, const double *bounds_s, size_t nbounds, kh_count_fn fn, void *ctx);

/* Deletes messages received before before_ms that are no longer in the
 * outbox. Returns how many. */
long kh_journal_prune(kh_journal *j, int64_t before_ms);

#endif
