/*
 * normalize.c - a message into the profile's form and onto its routes: the
 * profile's sheet (or the document as it is when it already is WCO DM),
 * validation with each error's origin, the reply naming those origins, the
 * partner's allowed families, and the destinations of its routes; a
 * response is also carried back to the partner it answers (answer.c).
 */
#include "pipeline/internal.h"

#include <stdlib.h>
#include <string.h>

#include "pipeline/routing.h"
#include "wco/reply.h"
#include "wco/response.h"
#include "wco/translate.h"
#include "xml/safe_parse.h"

typedef struct wco_facts {
    char type[16], office[16], agency[32], reference[64];
} wco_facts;

/* Copies the text of n into an empty field. */
static void take_text(xmlNodePtr n, char *field, size_t len)
{
    if (field[0])
        return;    /* the first one in document order counts */
    xmlChar *text = xmlNodeGetContent(n);
    snprintf(field, len, "%s", text ? (const char *)text : "");
    xmlFree(text);
}

/* One walk of the document for the routing facts: the first TypeCode,
 * DeclarationOfficeID and AgencyID elements, whatever their namespace. */
static void walk_facts(xmlNodePtr n, wco_facts *f)
{
    for (; n && !(f->type[0] && f->office[0] && f->agency[0]); n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)n->name;
        if (strcmp(name, "TypeCode") == 0)
            take_text(n, f->type, sizeof f->type);
        else if (strcmp(name, "DeclarationOfficeID") == 0)
            take_text(n, f->office, sizeof f->office);
        else if (strcmp(name, "AgencyID") == 0)
            take_text(n, f->agency, sizeof f->agency);
        walk_facts(n->children, f);
    }
}

static void read_facts(xmlDocPtr doc, const kh_validation *v, wco_facts *f)
{
    memset(f, 0, sizeof *f);
    walk_facts(xmlDocGetRootElement(doc), f);
    snprintf(f->reference, sizeof f->reference, "%s", v->message_ref);
}

/* ------------------------------------------------------------ translate, validate, route */

static void collect_findings(kh_outcome *o, const kh_translation *t, const kh_validation *v, uint32_t message)
{
    /* t is NULL when nothing was translated: the place is the document's own path */
    for (size_t i = 0; i < v->count; i++) {
        const kh_finding *f = &v->findings[i];
        if (strcmp(f->severity, "error") != 0)
            continue;
        char place[200];
        kh_origin origin;
        if (t && kh_translation_origin(t, message, f->node, &origin)) {
            if (origin.tag[0])
                snprintf(place, sizeof place, "message %u segment %u %s element %u component %u", origin.message,
                         origin.segment, origin.tag, origin.element, origin.component);
            else
                snprintf(place, sizeof place, "%s", origin.path);
        } else {
            snprintf(place, sizeof place, "%s", f->path);
        }
        kh_outcome_add_problem(o, f->code, place, f->message_en);
    }
}

/* The message in the profile's form: translated by the profile's sheet, or
 * taken as it is when it already is a WCO DM document of the profile. */
typedef struct normalized {
    char          *bytes;
    size_t         size;
    xmlDocPtr      doc;          /* the WCO DM document */
    bool           translated;   /* t holds the translation (and where values came from) */
    kh_translation t;
    uint32_t       message;      /* which message of an interchange */
    char           family[16];
} normalized;

static void normalized_free(normalized *n)
{
    free(n->bytes);
    if (n->translated)
        kh_translation_free(&n->t);
    else
        xmlFreeDoc(n->doc);
    memset(n, 0, sizeof *n);
}

/* 0 when n is filled; otherwise the outcome is finished and its verdict
 * returned. */
static int normalize(kh_worker *w, kh_outcome *o, const char *data, size_t size, uint32_t message, normalized *n)
{
    const kh_gateway *g = w->gateway;
    memset(n, 0, sizeof *n);
    n->message = message;
    int64_t t0 = kh_now_us();
    char err[512] = "";
    if (kh_recognize(data, size) == KH_SOURCE_WCO) {
        kh_xml_limits limits;
        kh_xml_limits_default(&limits);
        limits.max_bytes = size + 1;
        n->doc = kh_xml_parse_memory(data, size, o->id, &limits, err, sizeof err);
        xmlNodePtr message = NULL;
        const kh_family *family = n->doc ? kh_profile_family_of(g->profile, n->doc, &message) : NULL;
        n->bytes = family ? malloc(size) : NULL;
        if (!n->bytes) {
            kh_outcome_add_problem(o, "unsupported", "", "a WCO DM document of no family of the profile");
            kh_worker_stage(w, o, "translate", "failed", t0, "no family");
            normalized_free(n);
            return kh_worker_finish(w, o, KH_REJECTED, "unsupported");
        }
        memcpy(n->bytes, data, size);
        n->size = size;
        snprintf(n->family, sizeof n->family, "%s", family->code);
        kh_worker_stage(w, o, "translate", "skipped", t0, "already WCO DM");
        return 0;
    }
    FILE *out = open_memstream(&n->bytes, &n->size);
    if (!out)
        return kh_worker_finish(w, o, KH_INTERNAL, "internal");
    kh_translate_options opt = {
        .profile = g->profile, .directories = g->directories, .limits = &g->limits,
        .message = message, .keep_documents = true,
    };
    int rc = kh_translate(&opt, data, size, o->id, out, &n->t, err, sizeof err);
    fclose(out);
    n->translated = true;
    if (rc != 0 || !n->t.result) {
        /* the journal keeps the whole reason; the sender is told it without
         * the gateway's own paths and workings */
        kh_worker_stage(w, o, "translate", "failed", t0, err);
        char told[400];
        if (rc == 2)
            snprintf(told, sizeof told, "no mapping of %s messages into the WCO DM profile", n->t.from[0] ? n->t.from : "such");
        else if (rc == 4 || !err[0])
            snprintf(told, sizeof told, "the message could not be translated");
        else
            snprintf(told, sizeof told, "%s", err);
        kh_outcome_add_problem(o, rc == 2 ? "unsupported" : "translate", "", told);
        normalized_free(n);
        return kh_worker_finish(w, o, rc == 4 ? KH_INTERNAL : KH_REJECTED, rc == 2 ? "unsupported" : "invalid");
    }
    n->doc = n->t.result;
    snprintf(n->family, sizeof n->family, "%s", n->t.to);
    kh_worker_stage(w, o, "translate", "ok", t0, n->t.to);
    return 0;
}

/* The reply a partner gets for a message that failed validation, each error
 * naming where its data came from: for EDIFACT a CUSRES in the partner's
 * directory and syntax, for XML a signed WCO RES with the input's XPaths. */
static void reply_with_errors(kh_worker *w, kh_outcome *o, const normalized *n, const kh_validation *v)
{
    const kh_gateway *g = w->gateway;
    kh_origin *origins = calloc(v->count ? v->count : 1, sizeof *origins);
    const kh_origin **known = calloc(v->count ? v->count : 1, sizeof *known);
    if (!origins || !known) {
        free(origins);
        free(known);
        return;
    }
    for (size_t i = 0; n->translated && i < v->count; i++)
        if (kh_translation_origin(&n->t, n->message, v->findings[i].node, &origins[i]))
            known[i] = &origins[i];
    char id[40], issued[40];
    kh_response_stamp(id, sizeof id, issued, sizeof issued);
    if (n->translated && kh_translation_from_edifact(&n->t)) {
        char *text = NULL, err[256];
        size_t size = 0;
        FILE *mem = open_memstream(&text, &size);
        int rc = mem ? kh_reply_write(g->profile, &n->t, v, known, mem, err, sizeof err) : 4;
        if (mem)
            fclose(mem);
        if (rc == 0 && size > 0)
            kh_outcome_set_reply(o, text, size, "application/EDIFACT", "cusres");
        else
            free(text);
    } else {
        kh_worker_reply_res(w, o, kh_response_build_reply(g->profile, v, known, KH_CHARSET_UNKNOWN, id, issued), "res");
    }
    free(origins);
    free(known);
}

/* A part of its own for a destination that takes EDIFACT (a foreign
 * customs): the message written as an interchange to the destination's
 * partner, remembered so that the partner's CONTRL finds it. A message the
 * profile cannot write as EDIFACT is a failure of the configuration (a
 * route sends a family there that has no sheet to EDIFACT): -1, with the
 * problem in the outcome. */
static int route_as_edifact(kh_worker *w, kh_outcome *o, const normalized *n, const wco_facts *facts,
                            const kh_destination *d)
{
    const kh_partner *to = kh_config_partner(w->gateway->config, d->edifact_to);
    char reference[16], why[512];
    kh_interchange_reference(o->id, (int)kh_journal_entry_parts(w->entry) + 1, reference);
    size_t size = 0;
    char *text = to ? kh_write_edifact(w, n->bytes, n->size, d->edifact_from, to->edifact_id, reference, &size, why,
                                       sizeof why)
                    : NULL;
    if (!text) {
        char problem[700];
        snprintf(problem, sizeof problem, "destination %s: the %s message cannot be written as EDIFACT: %s", d->name,
                 n->family, to ? why : "its partner is not in the configuration");
        kh_outcome_add_problem(o, "route", "", problem);
        return -1;
    }
    const char *destination = d->name;
    kh_journal_entry_add_part(w->entry, n->family, facts->type, facts->office, text, size, &destination, 1);
    kh_journal_entry_part_is_interchange(w->entry, d->edifact_from, to->edifact_id, reference);
    free(text);
    return 0;
}

/* Normalizes message `message` of data (1 for an XML document) for
 * partner, validates it and, when it is valid and the partner may send its
 * family, adds it to the message's entry as a part with the destinations
 * its routes give. A validation failure is returned as KH_REJECTED with the
 * outcome not yet finished; the other refusals are finished here. */
kh_verdict kh_normalize_and_route(kh_worker *w, kh_outcome *o, const kh_partner *partner, const char *data,
                                      size_t size, uint32_t message, kh_validation *v)
{
    const kh_gateway *g = w->gateway;
    normalized n;
    int refused = normalize(w, o, data, size, message, &n);
    if (refused)
        return (kh_verdict)refused;
    if (!o->family[0])
        snprintf(o->family, sizeof o->family, "%s", n.family);

    int64_t t0 = kh_now_us();
    char err[512] = "";
    int rc = kh_validate(g->profile, n.doc, v, err, sizeof err);
    wco_facts facts;
    read_facts(n.doc, v, &facts);
    kh_message_facts mf = { .partner = partner->id, .family = n.family, .type = facts.type, .office = facts.office,
                            .reference = facts.reference };
    kh_worker_describe(w, &mf);
    if (rc != 0) {
        kh_worker_stage(w, o, "validate", "failed", t0, rc == 4 ? err : "invalid");
        collect_findings(o, n.translated ? &n.t : NULL, v, message);
        if (rc == 1)
            reply_with_errors(w, o, &n, v);
        normalized_free(&n);
        return rc == 4 ? kh_worker_finish(w, o, KH_INTERNAL, "internal") : KH_REJECTED;
    }
    kh_worker_stage(w, o, "validate", "ok", t0, NULL);

    unsigned bit = kh_family_bit(n.family);
    if (!bit || !(partner->families & bit)) {
        kh_outcome_add_problem(o, "not-allowed", "", "the partner may not send messages of this family");
        normalized_free(&n);
        return kh_worker_finish(w, o, KH_REJECTED, "not-allowed");
    }

    t0 = kh_now_us();
    const char *names[MAX_ROUTED], *as_xml[MAX_ROUTED];
    kh_route_key key = { n.family, facts.type[0] ? facts.type : NULL, facts.office[0] ? facts.office : NULL,
                         facts.agency[0] ? facts.agency : NULL };
    size_t count = kh_route_select(g->config, &key, names, MAX_ROUTED), nxml = 0;
    for (size_t i = 0; i < count; i++) {
        const kh_destination *d = kh_config_destination(g->config, names[i]);
        if (!d || !d->edifact_to)
            as_xml[nxml++] = names[i];
    }
    kh_journal_entry_add_part(w->entry, n.family, facts.type, facts.office, n.bytes, n.size, as_xml, nxml);
    char detail[512] = "";
    for (size_t i = 0; i < count; i++) {
        const kh_destination *d = kh_config_destination(g->config, names[i]);
        if (d && d->edifact_to && route_as_edifact(w, o, &n, &facts, d) != 0) {
            normalized_free(&n);
            return kh_worker_finish(w, o, KH_INTERNAL, "internal");
        }
        snprintf(detail + strlen(detail), sizeof detail - strlen(detail), "%s%s%s", i ? "," : "", names[i],
                 d && d->edifact_to ? " (EDIFACT)" : "");
    }
    kh_worker_stage(w, o, "route", count ? "ok" : "skipped", t0, count ? detail : "no route matches");
    if (strcmp(n.family, "RES") == 0)
        kh_carry_back(w, o, partner, n.doc, n.bytes, n.size);
    normalized_free(&n);
    return KH_ACCEPTED;
}

