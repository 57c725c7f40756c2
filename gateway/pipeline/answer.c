/*
 * answer.c - the reverse path: a customs response (WCO RES) carried back to
 * the partner of the message it answers: the message CAIS consumed with the
 * id the RES's AMQP correlation_id names (a payment's status goes back to
 * its bank this way), else the declaration (goods, else transit) its
 * Declaration/FunctionalReferenceID names. That message gets a stage
 * "answered", and the partner's reply destination a second part of the
 * RES's entry: a CUSRES addressed to its UNB identification when it sent
 * EDIFACT, the RES signed with the gateway's key when it sent XML. The
 * delivery loop delivers that part like any other, with retries. When the
 * RES cannot be carried back, it is still taken and routed; its "reply"
 * stage and the log say why.
 */
#include "pipeline/internal.h"

#include <stdlib.h>
#include <string.h>

#include "dsig/dsig.h"
#include "util/log.h"
#include "xml/safe_parse.h"

/* The text of the first Declaration/FunctionalReferenceID under n. */
static bool find_declaration_reference(xmlNodePtr n, char *out, size_t len)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)n->name, "Declaration") == 0)
            for (xmlNodePtr c = n->children; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "FunctionalReferenceID") == 0) {
                    xmlChar *text = xmlNodeGetContent(c);
                    snprintf(out, len, "%s", text ? (const char *)text : "");
                    xmlFree(text);
                    return out[0] != '\0';
                }
        if (find_declaration_reference(n->children, out, len))
            return true;
    }
    return false;
}

/* The RES as a CUSRES interchange to partner, from the UNB recipient the
 * declaration was sent to. NULL with why. */
static char *as_cusres(kh_worker *w, const kh_outcome *o, const kh_partner *partner, const kh_original *original,
                       const char *res, size_t res_size, size_t *size, char *why, size_t whylen)
{
    char reference[16];
    kh_interchange_reference(o->id, 0, reference);
    return kh_write_edifact(w, res, res_size, original->recipient, partner->edifact_id, reference, size, why, whylen);
}

/* The RES itself, signed with the gateway's key when it has one. */
static char *as_signed_res(kh_worker *w, const kh_outcome *o, const char *res, size_t res_size, size_t *size,
                           char *why, size_t whylen)
{
    kh_xml_limits limits;
    kh_xml_limits_default(&limits);
    limits.max_bytes = res_size + 1;
    xmlDocPtr doc = kh_xml_parse_memory(res, res_size, o->id, &limits, why, whylen);
    if (!doc)
        return NULL;
    if (w->gateway->signer && kh_dsig_sign(w->gateway->signer, doc, why, whylen) != 0) {
        xmlFreeDoc(doc);
        return NULL;
    }
    char *text = kh_document_serialize(doc, size);
    xmlFreeDoc(doc);
    if (!text)
        snprintf(why, whylen, "out of memory");
    return text;
}

/* The message the response answers: the one CAIS consumed as the
 * response's correlation_id (any family: a payment's status goes back to
 * its bank), else the goods or transit declaration its
 * Declaration/FunctionalReferenceID names. reference receives what was
 * looked for. 1 when found, 0 when not, -1 on a journal error. */
static int find_answered(kh_worker *w, xmlDocPtr doc, char *reference, size_t len, kh_original *original)
{
    const char *correlation_id = w->received ? w->received->correlation_id : NULL;
    reference[0] = '\0';
    if (correlation_id) {
        snprintf(reference, len, "%s", correlation_id);
        int found = kh_journal_find_delivered(kh_worker_journal(w), correlation_id, original);
        if (found != 0)
            return found;
    }
    if (!find_declaration_reference(xmlDocGetRootElement(doc), reference, len))
        return 0;
    static const char *const answered_families[] = { "DEC", "TRN" };
    int found = 0;
    for (size_t i = 0; found == 0 && i < sizeof answered_families / sizeof *answered_families; i++)
        found = kh_journal_find_original(kh_worker_journal(w), answered_families[i], reference, original);
    return found;
}

/* The RES's "reply" stage, and a log line when it is not carried back. */
static void settle(kh_worker *w, kh_outcome *o, const char *outcome, int64_t since_us, const char *detail)
{
    kh_worker_stage(w, o, "reply", outcome, since_us, detail);
    if (strcmp(outcome, "ok") != 0)
        kh_log("notice", "not-carried-back", o->id, detail);
}

void kh_carry_back(kh_worker *w, kh_outcome *o, const kh_partner *from, xmlDocPtr doc, const char *res,
                   size_t res_size)
{
    const kh_config *c = w->gateway->config;
    int64_t t0 = kh_now_us();
    char reference[128], detail[600];
    kh_original original;
    int found = find_answered(w, doc, reference, sizeof reference, &original);
    if (found <= 0) {
        if (found < 0)
            snprintf(detail, sizeof detail, "the journal cannot be read to find the message %s answers", reference);
        else if (!reference[0])
            snprintf(detail, sizeof detail, "the response names no Declaration/FunctionalReferenceID and no "
                                            "correlation_id of a message");
        else
            snprintf(detail, sizeof detail, "no declaration %s in the journal", reference);
        settle(w, o, found < 0 ? "failed" : "skipped", t0, detail);
        return;
    }
    snprintf(detail, sizeof detail, "by %s in %s", from->id, o->id);
    kh_journal_entry_answers(w->entry, original.id, detail);

    const kh_partner *partner = kh_config_partner(c, original.partner);
    bool edifact = strcmp(original.format, "edifact") == 0;
    if (!partner || !partner->reply || (edifact && !partner->edifact_id)) {
        snprintf(detail, sizeof detail, "message %s of partner %s: %s", original.id,
                 original.partner[0] ? original.partner : "-",
                 !partner ? "the partner is not in the configuration"
                 : !partner->reply ? "the partner has no reply destination"
                 : "the partner has no edifact_id to address a CUSRES to");
        settle(w, o, "skipped", t0, detail);
        return;
    }

    char why[512] = "";
    size_t size = 0;
    char *reply = edifact ? as_cusres(w, o, partner, &original, res, res_size, &size, why, sizeof why)
                          : as_signed_res(w, o, res, res_size, &size, why, sizeof why);
    if (!reply) {
        snprintf(detail, sizeof detail, "message %s of partner %s: %s", original.id, partner->id, why);
        settle(w, o, "failed", t0, detail);
        return;
    }
    const char *destination = partner->reply;
    kh_journal_entry_add_part(w->entry, "RES", NULL, NULL, reply, size, &destination, 1);
    free(reply);
    snprintf(detail, sizeof detail, "message %s: to %s via %s as %s", original.id, partner->id, destination,
             edifact ? "CUSRES" : w->gateway->signer ? "signed RES" : "RES");
    settle(w, o, "ok", t0, detail);
    kh_log("info", "carried-back", o->id, detail);
}
