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
    const char *channel;        /* http, https, spool, cli */
    const char *content_type;   /* as given, or NULL */
    const void *raw;
    size_t      size;
} kh_received;

/* Archives the raw bytes under a new stable id (time-ordered). Durable on
 * return 0; -1 with err otherwise (then nothing may be acknowledged). */
int kh_journal_receive(kh_journal *j, const kh_received *m, char id[KH_MESSAGE_ID_SIZE], char *err, size_t errlen);

/* What the message was found to be (any field may be NULL). */
typedef struct kh_message_facts {
    const char *partner, *format, *family, *type, *office, *reference, *sender, *recipient, *signer;
} kh_message_facts;
int kh_journal_describe(kh_journal *j, const char *id, const kh_message_facts *facts);

/* A stage and its outcome ("ok", "failed", "skipped") with the time it took. */
int kh_journal_stage(kh_journal *j, const char *id, const char *stage, const char *outcome, int64_t elapsed_us,
                     const char *detail);

/* An error found in the message: a code (verdict code, 0085 code, rule id),
 * its place (EDIFACT position or XPath) and text. */
int kh_journal_error(kh_journal *j, const char *id, const char *code, const char *place, const char *text);

/* The acknowledgement sent (contrl, receipt, res). */
int kh_journal_acknowledgement(kh_journal *j, const char *id, const char *kind, const void *body, size_t size);

/* The message is rejected (state "rejected"). */
int kh_journal_reject(kh_journal *j, const char *id);

/* Stores the normalized form and, in the same transaction, one outbox entry
 * per destination (state "routed"; "unrouted" when there are none). */
int kh_journal_route(kh_journal *j, const char *id, const void *normalized, size_t size, const char *const *destinations,
                     size_t ndestinations);

/* Duplicates: the id of an accepted message with the same (sender,
 * recipient, interchange reference), or with the same content digest, into
 * earlier; 1 when there is one, 0 when not, -1 on error. Recording happens in
 * kh_journal_remember_interchange once a message is accepted. */
int kh_journal_find_duplicate(kh_journal *j, const char *id, const char *sender, const char *recipient,
                              const char *reference, char earlier[KH_MESSAGE_ID_SIZE]);
int kh_journal_remember_interchange(kh_journal *j, const char *id, const char *sender, const char *recipient,
                                    const char *reference);

/* The outbox. */
typedef struct kh_outbox_item {
    int64_t  entry;                       /* the outbox row */
    char     message_id[KH_MESSAGE_ID_SIZE];
    char     destination[128];
    char     family[16];
    unsigned attempts;                    /* made so far */
} kh_outbox_item;

/* Up to max entries due at now_ms, oldest first. Returns the number. */
int kh_journal_outbox_due(kh_journal *j, int64_t now_ms, kh_outbox_item *items, int max);
/* The normalized form to deliver (malloc'd; the caller frees). */
void *kh_journal_normalized(kh_journal *j, const char *id, size_t *size);
int kh_journal_delivered(kh_journal *j, int64_t entry);
int kh_journal_retry_later(kh_journal *j, int64_t entry, int64_t next_at_ms, const char *why);
int kh_journal_dead_letter(kh_journal *j, int64_t entry, const char *why);
/* Entries not yet delivered (the outbox depth). */
long kh_journal_outbox_depth(kh_journal *j);

/* Puts a message's dead or failed deliveries back in the outbox (due now);
 * with id NULL, every dead-lettered entry. who is written to the audit
 * trail. Returns the number of entries put back, -1 on error. */
int kh_journal_replay(kh_journal *j, const char *id, const char *who);

/* The raw bytes as received (malloc'd), for reprocessing. */
void *kh_journal_raw(kh_journal *j, const char *id, size_t *size);

/* The lifecycle of a message as JSON (state, facts, stages with times,
 * errors, acknowledgement kinds, deliveries) into out; 0, or 1 when there is
 * no such message. */
int kh_journal_status_json(kh_journal *j, const char *id, FILE *out);

/* Counts and latencies by hour, family, partner and customs office since
 * since_ms, as JSON lines into out. */
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

/* Messages received before before_ms whose processing never finished (the
 * process died between archiving and answering; nothing was acknowledged)
 * are marked "interrupted". Returns how many. */
long kh_journal_mark_interrupted(kh_journal *j, int64_t before_ms);

/* Deletes messages received before before_ms that are no longer in the
 * outbox. Returns how many. */
long kh_journal_prune(kh_journal *j, int64_t before_ms);

#endif
