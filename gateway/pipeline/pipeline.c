/*
 * pipeline.c - one message through the gateway: its journal entry opened,
 * the steps of its input kind (edifact_input.c, xml_input.c, normalize.c),
 * each stage recorded, and the entry written in one transaction once the
 * message is decided; nothing is answered before. Also the worker: what
 * one thread keeps of its own.
 */
#include "pipeline/internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsig/dsig.h"
#include "util/log.h"
#include "wco/translate.h"

kh_worker *kh_worker_new(const char *journal_path, char *err, size_t errlen)
{
    kh_worker *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->journal = kh_journal_open(journal_path, err, errlen);
    if (!w->journal) {
        kh_worker_free(w);
        return NULL;
    }
    return w;
}

void kh_worker_free(kh_worker *w)
{
    if (!w)
        return;
    kh_journal_close(w->journal);
    free(w);
}

kh_journal *kh_worker_journal(kh_worker *w)
{
    return w->journal;
}

/* ------------------------------------------------------------ the message's entry */

int64_t kh_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The decision, into the outcome and the message's journal entry. */
kh_verdict kh_worker_finish(kh_worker *w, kh_outcome *o, kh_verdict verdict, const char *reason)
{
    o->verdict = verdict;
    snprintf(o->reason, sizeof o->reason, "%s", reason);
    if (verdict == KH_REJECTED || verdict == KH_DUPLICATE || verdict == KH_INTERNAL) {
        for (size_t i = 0; i < o->nproblems; i++)
            kh_journal_entry_error(w->entry, o->problems[i].code, o->problems[i].place, o->problems[i].text);
        kh_journal_entry_reject(w->entry, verdict == KH_DUPLICATE ? "duplicate"
                                          : verdict == KH_INTERNAL ? "failed" : "rejected");
    }
    return verdict;
}

void kh_worker_stage(kh_worker *w, const kh_outcome *o, const char *name, const char *outcome, int64_t since_us,
                  const char *detail)
{
    (void)o;
    kh_journal_entry_stage(w->entry, name, outcome, kh_now_us() - since_us, detail);
}

void kh_worker_describe(kh_worker *w, const kh_message_facts *facts)
{
    kh_journal_entry_describe(w->entry, facts);
}

char *kh_document_serialize(xmlDocPtr doc, size_t *size)
{
    xmlChar *text = NULL;
    int len = 0;
    xmlDocDumpMemoryEnc(doc, &text, &len, "UTF-8");
    char *copy = text ? malloc((size_t)len + 1) : NULL;
    if (copy) {
        memcpy(copy, text, (size_t)len);
        copy[len] = '\0';
        *size = (size_t)len;
    }
    xmlFree(text);
    return copy;
}

/* A WCO RES document for the partner, signed when a signer is configured. */
void kh_worker_reply_res(kh_worker *w, kh_outcome *o, xmlDocPtr res, const char *kind)
{
    if (!res)
        return;
    char err[256];
    if (w->gateway->signer && kh_dsig_sign(w->gateway->signer, res, err, sizeof err) != 0)
        kh_outcome_add_problem(o, "signing", "", "the reply could not be signed");
    size_t size = 0;
    char *body = kh_document_serialize(res, &size);
    if (body)
        kh_outcome_set_reply(o, body, size, "application/xml", kind);
    xmlFreeDoc(res);
}

/* ------------------------------------------------------------ processing */

/* The steps of the message's kind. */
static kh_verdict process(kh_worker *w, const kh_received *m, const char *tls_partner_id, kh_outcome *o)
{
    kh_worker_stage(w, o, "receive", "ok", kh_now_us(), m->channel);
    switch (kh_recognize(m->raw, m->size)) {
    case KH_SOURCE_EDIFACT:
        return kh_process_edifact(w, m, tls_partner_id, o);
    case KH_SOURCE_WCO:
    case KH_SOURCE_CAMT054:
    case KH_SOURCE_PERMIT:
    case KH_SOURCE_EDIFACT_XML:
        return kh_process_xml(w, m, tls_partner_id, o);
    default:
        kh_outcome_add_problem(o, "unsupported", "", "neither UN/EDIFACT nor an XML form this gateway knows");
        return kh_worker_finish(w, o, KH_REJECTED, "unsupported");
    }
}

/* A channel that cannot answer (a partner's AMQP queue): the
 * acknowledgement goes to the reply destination of the partner that owns
 * the channel, whatever the verdict, with the message's entry. */
static void acknowledge_by_reply(kh_worker *w, kh_outcome *o, const char *channel_partner_id)
{
    int64_t t0 = kh_now_us();
    const kh_partner *p = channel_partner_id ? kh_config_partner(w->gateway->config, channel_partner_id) : NULL;
    char detail[300];
    if (!p || !p->reply) {
        snprintf(detail, sizeof detail, "%s: partner %s has no reply destination; it is kept in the journal",
                 o->reply_kind, channel_partner_id ? channel_partner_id : "-");
        kh_worker_stage(w, o, "acknowledge", "skipped", t0, detail);
        return;
    }
    kh_journal_entry_deliver_acknowledgement(w->entry, p->reply);
    snprintf(detail, sizeof detail, "%s to %s via %s", o->reply_kind, p->id, p->reply);
    kh_worker_stage(w, o, "acknowledge", "ok", t0, detail);
}

/* One log line per message: its verdict, partner, family and first error. */
static void log_outcome(const kh_received *m, const kh_outcome *o)
{
    char detail[700];
    snprintf(detail, sizeof detail, "%s %s via %s, partner %s, family %s%s%s%s%s", o->reason, o->format,
             m->channel, o->partner[0] ? o->partner : "-", o->family[0] ? o->family : "-",
             o->nproblems ? "; " : "", o->nproblems ? o->problems[0].code : "", o->nproblems ? ": " : "",
             o->nproblems ? o->problems[0].text : "");
    kh_log(o->verdict == KH_ACCEPTED || o->verdict == KH_DUPLICATE ? "info" : o->verdict == KH_REJECTED ? "notice" : "error",
           o->verdict == KH_ACCEPTED ? "accepted" : o->verdict == KH_DUPLICATE ? "duplicate"
           : o->verdict == KH_REJECTED ? "rejected" : "failed",
           o->id[0] ? o->id : NULL, detail);
}

/* The whole message goes into the journal in one transaction once it is
 * decided; only then may anything be answered. A journal that cannot take it
 * turns the outcome into a temporary failure with nothing acknowledged. */
kh_verdict kh_process(kh_worker *w, const kh_gateway *g, const kh_received *m, const char *tls_partner_id,
                      kh_outcome *o)
{
    memset(o, 0, sizeof *o);
    w->gateway = g;
    w->received = m;
    w->entry = kh_journal_entry_new(m);
    if (!w->entry) {
        o->verdict = KH_TEMPORARY;
        snprintf(o->reason, sizeof o->reason, "out-of-memory");
        return o->verdict;
    }
    snprintf(o->id, sizeof o->id, "%s", kh_journal_entry_id(w->entry));
    process(w, m, tls_partner_id, o);
    if (o->reply) {
        kh_journal_entry_acknowledgement(w->entry, o->reply_kind, o->reply, o->reply_size);
        if (m->answer_by_reply)
            acknowledge_by_reply(w, o, tls_partner_id);
    }
    char err[256];
    if (kh_journal_write(w->journal, w->entry, err, sizeof err) != 0) {
        kh_log("error", "journal-unavailable", o->id, err);
        free(o->reply);
        o->reply = NULL;
        o->id[0] = '\0';
        o->verdict = KH_TEMPORARY;
        snprintf(o->reason, sizeof o->reason, "journal-unavailable");
    }
    kh_journal_entry_free(w->entry);
    w->entry = NULL;
    w->received = NULL;
    log_outcome(m, o);
    return o->verdict;
}
