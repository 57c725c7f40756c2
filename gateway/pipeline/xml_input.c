/*
 * xml_input.c - an XML message through the gateway: parsed without DTD or
 * network; its partner found by its signer's certificate or by the TLS
 * client certificate; its signature verified against that partner's trust
 * domain and only the signed content taken further; a content duplicate
 * answered as such; then normalized, routed and answered with a signed
 * receipt when the partner wants one.
 */
#include "pipeline/internal.h"

#include <stdlib.h>
#include <string.h>

#include "wco/response.h"
#include "xml/safe_parse.h"

static const kh_partner *partner_of_claim(const kh_config *c, const kh_dsig_claim *claim)
{
    const char *fields[] = { claim->serial_number, claim->organization_identifier, claim->common_name };
    for (size_t i = 0; i < 3; i++) {
        if (!fields[i][0])
            continue;
        const kh_partner *p = kh_config_partner_by_identity(c, fields[i]);
        if (p)
            return p;
    }
    return NULL;
}

kh_verdict kh_process_xml(kh_worker *w, const kh_received *m, const char *tls_partner_id, kh_outcome *o)
{
    const kh_gateway *g = w->gateway;
    snprintf(o->format, sizeof o->format, "xml");
    int64_t t0 = kh_now_us();
    kh_xml_limits limits;
    kh_xml_limits_default(&limits);
    if (g->config->max_body > 0)
        limits.max_bytes = g->config->max_body;
    char err[512];
    xmlDocPtr doc = kh_xml_parse_memory(m->raw, m->size, o->id, &limits, err, sizeof err);
    if (!doc) {
        bool doctype = strstr(err, "DOCTYPE") != NULL;
        kh_outcome_add_problem(o, doctype ? "doctype" : "malformed", "", err);
        kh_worker_stage(w, o, "parse", "failed", t0, err);
        return kh_worker_finish(w, o, KH_REJECTED, doctype ? "doctype" : "malformed");
    }
    const kh_partner *partner = NULL;
    kh_dsig_claim claim;
    bool signed_document = kh_dsig_claimed_signer(doc, &claim);
    if (tls_partner_id)
        partner = kh_config_partner(g->config, tls_partner_id);
    if (!partner && signed_document)
        partner = partner_of_claim(g->config, &claim);
    if (!partner) {
        xmlFreeDoc(doc);
        kh_outcome_add_problem(o, "unknown-partner", "", signed_document ? "the signer is not a partner of this gateway"
                                                              : "an unsigned message from an unknown sender");
        return kh_worker_finish(w, o, KH_REJECTED, "unknown-partner");
    }
    snprintf(o->partner, sizeof o->partner, "%s", partner->id);
    kh_message_facts facts = { .partner = partner->id, .format = "xml" };
    kh_worker_describe(w, &facts);

    t0 = kh_now_us();
    const kh_trust_domain *domain = kh_gateway_trust(g, partner);
    if (domain && (signed_document || partner->require_signature)) {
        kh_dsig_verdict verdict;
        kh_dsig_reason reason = kh_dsig_verify(domain, doc, partner->identity, &verdict);
        if (reason != KH_DSIG_OK) {
            kh_worker_stage(w, o, "verify", "failed", t0, kh_dsig_reason_code(reason));
            kh_outcome_add_problem(o, kh_dsig_reason_code(reason), "ds:Signature", verdict.detail);
            xmlFreeDoc(doc);
            return kh_worker_finish(w, o, KH_REJECTED, kh_dsig_reason_code(reason));
        }
        kh_message_facts signer = { .signer = verdict.signer_subject };
        kh_worker_describe(w, &signer);
        kh_dsig_detach_signature(doc);
        kh_worker_stage(w, o, "verify", "ok", t0, verdict.signer_subject);
    } else if (partner->require_signature) {
        kh_worker_stage(w, o, "verify", "failed", t0, "no-signature");
        kh_outcome_add_problem(o, "no-signature", "", "the partner's messages must be signed");
        xmlFreeDoc(doc);
        return kh_worker_finish(w, o, KH_REJECTED, "no-signature");
    } else {
        kh_worker_stage(w, o, "verify", "skipped", t0, "unsigned, the partner's profile allows it");
    }

    /* what was signed, and only that, is translated */
    size_t size = 0;
    char *content = kh_document_serialize(doc, &size);
    xmlFreeDoc(doc);
    if (!content)
        return kh_worker_finish(w, o, KH_INTERNAL, "internal");
    char earlier[KH_MESSAGE_ID_SIZE];
    if (kh_journal_find_duplicate(w->journal, w->entry, NULL, NULL, NULL, earlier) == 1) {
        free(content);
        snprintf(o->duplicate_of, sizeof o->duplicate_of, "%s", earlier);
        kh_outcome_add_problem(o, "26", "", "the same message was received before");
        return kh_worker_finish(w, o, KH_DUPLICATE, "duplicate");
    }
    kh_validation v = { 0 };
    kh_verdict verdict = kh_normalize_and_route(w, o, partner, content, size, 1, &v);
    free(content);
    char id[40], issued[40];
    kh_response_stamp(id, sizeof id, issued, sizeof issued);
    if (verdict == KH_REJECTED && !o->reason[0]) {
        kh_validation_free(&v);
        return kh_worker_finish(w, o, KH_REJECTED, "invalid");
    }
    if (verdict == KH_ACCEPTED && partner->want_receipt) {
        int64_t t1 = kh_now_us();
        kh_worker_reply_res(w, o, kh_response_build_receipt(g->profile, &v, id, issued), "receipt");
        kh_worker_stage(w, o, "acknowledge", "ok", t1, "receipt");
    }
    kh_validation_free(&v);
    if (verdict != KH_ACCEPTED)
        return verdict;
    return kh_worker_finish(w, o, KH_ACCEPTED, "ok");
}

