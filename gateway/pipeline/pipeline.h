/*
 * pipeline.h - one message through the gateway: received and archived in
 * the journal first, then recognized, checked (EDIFACT) or verified (signed
 * XML) against its partner, translated to the WCO DM profile, validated,
 * routed into the journal's outbox, and acknowledged (CONTRL, or a signed
 * WCO RES receipt). Each stage is recorded in the journal. Delivery from the
 * outbox happens apart (delivery/worker.h).
 */
#ifndef KHAALGA_PIPELINE_H
#define KHAALGA_PIPELINE_H

#include "journal/journal.h"
#include "pipeline/gateway.h"

/* A worker: what one thread needs of its own (a journal connection, the
 * duplicate registry). It outlives configuration reloads: each message is
 * processed with the gateway given for it. */
typedef struct kh_worker kh_worker;
kh_worker *kh_worker_new(const char *journal_path, char *err, size_t errlen);
void kh_worker_free(kh_worker *w);
kh_journal *kh_worker_journal(kh_worker *w);

typedef enum kh_verdict {
    KH_ACCEPTED = 0,    /* journaled, routed, acknowledged */
    KH_REJECTED,        /* journaled and refused: the errors say why */
    KH_DUPLICATE,       /* journaled; already received, not routed again */
    KH_TEMPORARY,       /* not journaled: the journal is unavailable; nothing may be acknowledged */
    KH_INTERNAL         /* journaled, then a failure of Khaalga itself */
} kh_verdict;

typedef struct kh_problem {
    char code[48];      /* a 0085 code, a rule id, a signature verdict, or a reason */
    char place[200];    /* EDIFACT place or XPath, "" when none */
    char text[400];
} kh_problem;

typedef struct kh_outcome {
    char        id[KH_MESSAGE_ID_SIZE];   /* "" when nothing was journaled */
    kh_verdict  verdict;
    char        reason[48];      /* ok, duplicate, invalid-edifact, invalid, unknown-partner, not-allowed,
                                  * unsupported, too-many-messages, or a signature verdict code */
    char        partner[64];
    char        family[16];
    char        format[16];      /* edifact, xml */
    char        duplicate_of[KH_MESSAGE_ID_SIZE];
    kh_problem *problems;
    size_t      nproblems;
    char       *reply;           /* the acknowledgement or rejection document, NULL when none */
    size_t      reply_size;
    char        reply_type[48];  /* application/EDIFACT or application/xml */
    char        reply_kind[16];  /* contrl, receipt, res */
} kh_outcome;

/* Processes one message. tls_partner_id: the partner (its id) a TLS client
 * certificate proved, or NULL; the message must then be that partner's.
 * Returns out->verdict. */
kh_verdict kh_process(kh_worker *w, const kh_gateway *g, const kh_received *m, const char *tls_partner_id,
                      kh_outcome *out);
void kh_outcome_free(kh_outcome *out);

/* The outcome as JSON, for HTTP answers and logs: id, verdict, reason,
 * partner, family and the problems (no internal detail). */
void kh_outcome_print_json(FILE *out, const kh_outcome *o);

#endif
