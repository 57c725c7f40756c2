/*
 * internal.h - what the files of the pipeline share: the worker (a
 * thread's journal connection and the message in hand), the outcome's
 * helpers, and the steps each input kind goes through.
 */
#ifndef KHAALGA_PIPELINE_INTERNAL_H
#define KHAALGA_PIPELINE_INTERNAL_H

#include <stdint.h>

#include "pipeline/pipeline.h"
#include "wco/validate.h"

enum { MAX_ROUTED = 16, MAX_PROBLEMS = 200 };

struct kh_worker {
    const kh_gateway *gateway;    /* of the message being processed */
    const kh_received *received;  /* the message being processed */
    kh_journal       *journal;
    kh_journal_entry *entry;      /* the message being processed, written when it is decided */
};

int64_t kh_now_us(void);

/* outcome.c */
void kh_outcome_add_problem(kh_outcome *o, const char *code, const char *place, const char *text);
/* Takes body (malloc'd) as the acknowledgement or rejection document. */
void kh_outcome_set_reply(kh_outcome *o, char *body, size_t size, const char *type, const char *kind);

/* pipeline.c: the message's journal entry */
kh_verdict kh_worker_finish(kh_worker *w, kh_outcome *o, kh_verdict verdict, const char *reason);
void kh_worker_stage(kh_worker *w, const kh_outcome *o, const char *name, const char *outcome, int64_t since_us,
                     const char *detail);
void kh_worker_describe(kh_worker *w, const kh_message_facts *facts);
/* A WCO RES for the partner, signed when a signer is configured, as the reply. */
void kh_worker_reply_res(kh_worker *w, kh_outcome *o, xmlDocPtr res, const char *kind);
char *kh_document_serialize(xmlDocPtr doc, size_t *size);

/* normalize.c */
kh_verdict kh_normalize_and_route(kh_worker *w, kh_outcome *o, const kh_partner *partner, const char *data,
                                  size_t size, uint32_t message, kh_validation *v);

/* answer.c: a RES (doc, and its bytes res) from partner `from` carried back
 * to the partner of the declaration it answers, as a part of the entry for
 * that partner's reply destination; the stage "reply" says how or why not. */
void kh_carry_back(kh_worker *w, kh_outcome *o, const kh_partner *from, xmlDocPtr doc, const char *res,
                   size_t res_size);

/* edifact_output.c: a WCO document (xml) as an EDIFACT interchange from
 * sender (NULL: the sheet's) to recipient with control reference
 * reference; NULL with why. The reference for part of a message. */
char *kh_write_edifact(kh_worker *w, const char *xml, size_t size, const char *sender, const char *recipient,
                       const char *reference, size_t *out_size, char *why, size_t whylen);
void kh_interchange_reference(const char *message_id, int part, char reference[16]);

/* edifact_input.c, xml_input.c */
kh_verdict kh_process_edifact(kh_worker *w, const kh_received *m, const char *tls_partner_id, kh_outcome *o);
kh_verdict kh_process_xml(kh_worker *w, const kh_received *m, const char *tls_partner_id, kh_outcome *o);

#endif
