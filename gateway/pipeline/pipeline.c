/*
 * pipeline.c - one message through the stages: receive (archive), recognize,
 * check or verify against the partner, translate, validate, route, and
 * acknowledge; each stage recorded in the journal with its time. Nothing is
 * answered before the message is in the journal.
 */
#include "pipeline/pipeline.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "edifact/contrl.h"
#include "edifact/interchange.h"
#include "edifact/registry.h"
#include "pipeline/routing.h"
#include "util/json.h"
#include "util/log.h"
#include "wco/reply.h"
#include "wco/response.h"
#include "wco/translate.h"
#include "wco/validate.h"
#include "xml/safe_parse.h"

enum { MAX_ROUTED = 16, MAX_PROBLEMS = 200 };

struct kh_worker {
    const kh_gateway *gateway;    /* of the message being processed */
    kh_journal       *journal;
    kh_journal_entry *entry;      /* the message being processed, written when it is decided */
};

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

/* ------------------------------------------------------------ the outcome */

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void add_problem(kh_outcome *o, const char *code, const char *place, const char *text)
{
    if (o->nproblems >= MAX_PROBLEMS)
        return;
    kh_problem *grown = realloc(o->problems, (o->nproblems + 1) * sizeof *grown);
    if (!grown)
        return;
    o->problems = grown;
    kh_problem *p = &o->problems[o->nproblems++];
    snprintf(p->code, sizeof p->code, "%s", code ? code : "");
    snprintf(p->place, sizeof p->place, "%s", place ? place : "");
    snprintf(p->text, sizeof p->text, "%s", text ? text : "");
}

void kh_outcome_free(kh_outcome *o)
{
    free(o->problems);
    free(o->reply);
    memset(o, 0, sizeof *o);
}

static const char *verdict_name(kh_verdict v)
{
    switch (v) {
    case KH_ACCEPTED: return "accepted";
    case KH_REJECTED: return "rejected";
    case KH_DUPLICATE: return "duplicate";
    case KH_TEMPORARY: return "temporary-failure";
    default: return "internal-error";
    }
}

void kh_outcome_print_json(FILE *out, const kh_outcome *o)
{
    fputs("{\"id\":", out);
    if (o->id[0])
        kh_json_string(out, o->id);
    else
        fputs("null", out);
    fputs(",\"verdict\":", out);
    kh_json_string(out, verdict_name(o->verdict));
    fputs(",\"reason\":", out);
    kh_json_string(out, o->reason);
    if (o->partner[0]) {
        fputs(",\"partner\":", out);
        kh_json_string(out, o->partner);
    }
    if (o->family[0]) {
        fputs(",\"family\":", out);
        kh_json_string(out, o->family);
    }
    if (o->duplicate_of[0]) {
        fputs(",\"duplicate_of\":", out);
        kh_json_string(out, o->duplicate_of);
    }
    fputs(",\"errors\":[", out);
    for (size_t i = 0; i < o->nproblems; i++) {
        fputs(i ? ",{\"code\":" : "{\"code\":", out);
        kh_json_string(out, o->problems[i].code);
        fputs(",\"place\":", out);
        kh_json_string(out, o->problems[i].place);
        fputs(",\"text\":", out);
        kh_json_string(out, o->problems[i].text);
        fputc('}', out);
    }
    fputs("]}\n", out);
}

/* The decision, into the outcome and the message's journal entry. */
static kh_verdict finish(kh_worker *w, kh_outcome *o, kh_verdict verdict, const char *reason)
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

static void stage(kh_worker *w, const kh_outcome *o, const char *name, const char *outcome, int64_t since_us,
                  const char *detail)
{
    (void)o;
    kh_journal_entry_stage(w->entry, name, outcome, now_us() - since_us, detail);
}

static void describe(kh_worker *w, const kh_message_facts *facts)
{
    kh_journal_entry_describe(w->entry, facts);
}

static void set_reply(kh_outcome *o, char *body, size_t size, const char *type, const char *kind)
{
    free(o->reply);
    o->reply = body;
    o->reply_size = size;
    snprintf(o->reply_type, sizeof o->reply_type, "%s", type);
    snprintf(o->reply_kind, sizeof o->reply_kind, "%s", kind);
}

/* ------------------------------------------------------------ WCO DM facts */

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

static char *serialize(xmlDocPtr doc, size_t *size)
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
static void reply_res(kh_worker *w, kh_outcome *o, xmlDocPtr res, const char *kind)
{
    if (!res)
        return;
    char err[256];
    if (w->gateway->signer && kh_dsig_sign(w->gateway->signer, res, err, sizeof err) != 0)
        add_problem(o, "signing", "", "the reply could not be signed");
    size_t size = 0;
    char *body = serialize(res, &size);
    if (body)
        set_reply(o, body, size, "application/xml", kind);
    xmlFreeDoc(res);
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
        add_problem(o, f->code, place, f->message_en);
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
    int64_t t0 = now_us();
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
            add_problem(o, "unsupported", "", "a WCO DM document of no family of the profile");
            stage(w, o, "translate", "failed", t0, "no family");
            normalized_free(n);
            return finish(w, o, KH_REJECTED, "unsupported");
        }
        memcpy(n->bytes, data, size);
        n->size = size;
        snprintf(n->family, sizeof n->family, "%s", family->code);
        stage(w, o, "translate", "skipped", t0, "already WCO DM");
        return 0;
    }
    FILE *out = open_memstream(&n->bytes, &n->size);
    if (!out)
        return finish(w, o, KH_INTERNAL, "internal");
    kh_translate_options opt = {
        .profile = g->profile, .directories = g->directories, .limits = &g->limits,
        .message = message, .keep_documents = true,
    };
    int rc = kh_translate(&opt, data, size, o->id, out, &n->t, err, sizeof err);
    fclose(out);
    n->translated = true;
    if (rc != 0 || !n->t.result) {
        stage(w, o, "translate", "failed", t0, err);
        add_problem(o, rc == 2 ? "unsupported" : "translate", "", err[0] ? err : "the message cannot be translated");
        normalized_free(n);
        return finish(w, o, rc == 4 ? KH_INTERNAL : KH_REJECTED, rc == 2 ? "unsupported" : "invalid");
    }
    n->doc = n->t.result;
    snprintf(n->family, sizeof n->family, "%s", n->t.to);
    stage(w, o, "translate", "ok", t0, n->t.to);
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
            set_reply(o, text, size, "application/EDIFACT", "cusres");
        else
            free(text);
    } else {
        reply_res(w, o, kh_response_build_reply(g->profile, v, known, KH_CHARSET_UNKNOWN, id, issued), "res");
    }
    free(origins);
    free(known);
}

/* Normalizes message `message` of data (1 for an XML document) for
 * partner, validates it and, when it is valid and the partner may send its
 * family, adds it to the message's entry as a part with the destinations
 * its routes give. A validation failure is returned as KH_REJECTED with the
 * outcome not yet finished; the other refusals are finished here. */
static kh_verdict translate_and_route(kh_worker *w, kh_outcome *o, const kh_partner *partner, const char *data,
                                      size_t size, uint32_t message, kh_validation *v)
{
    const kh_gateway *g = w->gateway;
    normalized n;
    int refused = normalize(w, o, data, size, message, &n);
    if (refused)
        return (kh_verdict)refused;
    if (!o->family[0])
        snprintf(o->family, sizeof o->family, "%s", n.family);

    int64_t t0 = now_us();
    char err[512] = "";
    int rc = kh_validate(g->profile, n.doc, v, err, sizeof err);
    wco_facts facts;
    read_facts(n.doc, v, &facts);
    kh_message_facts mf = { .partner = partner->id, .family = n.family, .type = facts.type, .office = facts.office,
                            .reference = facts.reference };
    describe(w, &mf);
    if (rc != 0) {
        stage(w, o, "validate", "failed", t0, rc == 4 ? err : "invalid");
        collect_findings(o, n.translated ? &n.t : NULL, v, message);
        if (rc == 1)
            reply_with_errors(w, o, &n, v);
        normalized_free(&n);
        return rc == 4 ? finish(w, o, KH_INTERNAL, "internal") : KH_REJECTED;
    }
    stage(w, o, "validate", "ok", t0, NULL);

    unsigned bit = kh_family_bit(n.family);
    if (!bit || !(partner->families & bit)) {
        add_problem(o, "not-allowed", "", "the partner may not send messages of this family");
        normalized_free(&n);
        return finish(w, o, KH_REJECTED, "not-allowed");
    }

    t0 = now_us();
    const char *names[MAX_ROUTED];
    kh_route_key key = { n.family, facts.type[0] ? facts.type : NULL, facts.office[0] ? facts.office : NULL,
                         facts.agency[0] ? facts.agency : NULL };
    size_t count = kh_route_select(g->config, &key, names, MAX_ROUTED);
    kh_journal_entry_add_part(w->entry, n.family, facts.type, facts.office, n.bytes, n.size, names, count);
    normalized_free(&n);
    char detail[256] = "";
    for (size_t i = 0; i < count; i++)
        snprintf(detail + strlen(detail), sizeof detail - strlen(detail), "%s%s", i ? "," : "", names[i]);
    stage(w, o, "route", count ? "ok" : "skipped", t0, count ? detail : "no route matches");
    return KH_ACCEPTED;
}

/* ------------------------------------------------------------ EDIFACT */

typedef struct edifact_seen {
    kh_outcome *outcome;
    char sender[36], recipient[36], reference[15];
    char sender_key[48], recipient_key[48];   /* with their qualifiers, as the duplicate registry keys them */
    bool ack_requested, duplicate;
    uint32_t messages;
} edifact_seen;

static void on_edifact_error(void *ctx, const kh_edi_error *e, const kh_edi_interchange *ic)
{
    (void)ic;
    edifact_seen *s = ctx;
    char code[8], place[200];
    snprintf(code, sizeof code, "%d", e->code);
    const kh_edi_place *p = &e->place;
    snprintf(place, sizeof place, "offset %llu message %u segment %u %s element %u component %u",
             (unsigned long long)p->offset, p->message, p->segment, p->tag, p->element, p->component);
    add_problem(s->outcome, code, place, e->text);
    if (e->code == 26)
        s->duplicate = true;
}

static void on_interchange_end(void *ctx, const kh_edi_interchange *ic)
{
    edifact_seen *s = ctx;
    snprintf(s->sender, sizeof s->sender, "%s", ic->sender);
    snprintf(s->recipient, sizeof s->recipient, "%s", ic->recipient);
    snprintf(s->reference, sizeof s->reference, "%s", ic->reference);
    snprintf(s->sender_key, sizeof s->sender_key, "%s:%s", ic->sender, ic->sender_qualifier);
    snprintf(s->recipient_key, sizeof s->recipient_key, "%s:%s", ic->recipient, ic->recipient_qualifier);
    s->ack_requested = ic->ack_requested;
    s->messages += ic->messages;
}

/* Walks the interchange once: its errors into the outcome, what it is into
 * seen, the CONTRL for its sender into *contrl. registry: the interchange
 * references already taken (NULL: duplicates within the input only).
 * Returns the walk's status, or -1 when out of memory. */
static int walk(const kh_gateway *g, const kh_received *m, kh_edi_registry *registry, edifact_seen *seen,
                char **contrl, size_t *contrl_size)
{
    *contrl = NULL;
    *contrl_size = 0;
    FILE *contrl_out = open_memstream(contrl, contrl_size);
    kh_edi_contrl *writer = contrl_out ? kh_edi_contrl_new(contrl_out, getenv("KHAALGA_NOW")) : NULL;
    kh_edi_reader *reader = kh_edi_reader_for_memory(m->raw, m->size, &g->limits);
    int rc = -1;
    if (writer && reader) {
        kh_edi_handler collector = { .ctx = seen, .error = on_edifact_error, .interchange_end = on_interchange_end };
        const kh_edi_handler *handlers[] = { &collector, kh_edi_contrl_handler(writer) };
        kh_edi_walk_options options = { .limits = g->limits, .directories = g->directories, .registry = registry };
        kh_edi_walk_result res;
        rc = kh_edi_walk(reader, &options, handlers, 2, &res);
    }
    kh_edi_contrl_free(writer);
    if (contrl_out)
        fclose(contrl_out);
    kh_edi_reader_free(reader);
    if (rc < 0) {
        free(*contrl);
        *contrl = NULL;
    }
    return rc;
}

/* An interchange the journal has taken before is walked again with its
 * reference known, so that the errors and the CONTRL say 26 (duplicate). */
static int walk_as_duplicate(const kh_gateway *g, const kh_received *m, kh_outcome *o, edifact_seen *seen,
                             char **contrl, size_t *contrl_size)
{
    char err[256];
    kh_edi_registry *taken = kh_edi_registry_open(NULL, err, sizeof err);
    if (!taken || kh_edi_registry_record(taken, seen->sender_key, seen->recipient_key, seen->reference) != 0) {
        kh_edi_registry_close(taken);
        return -1;
    }
    free(o->problems);
    o->problems = NULL;
    o->nproblems = 0;
    free(*contrl);
    edifact_seen again = { .outcome = o };
    int rc = walk(g, m, taken, &again, contrl, contrl_size);
    kh_edi_registry_close(taken);
    seen->duplicate = again.duplicate;
    return rc;
}

static kh_verdict process_edifact(kh_worker *w, const kh_received *m, const char *tls_partner_id, kh_outcome *o)
{
    const kh_gateway *g = w->gateway;
    snprintf(o->format, sizeof o->format, "edifact");
    int64_t t0 = now_us();
    edifact_seen seen = { .outcome = o };
    char *contrl_text;
    size_t contrl_size;
    int rc = walk(g, m, NULL, &seen, &contrl_text, &contrl_size);
    if (rc < 0)
        return finish(w, o, KH_INTERNAL, "internal");
    char earlier[KH_MESSAGE_ID_SIZE];
    if (!seen.duplicate && seen.sender[0] &&
        kh_journal_find_duplicate(w->journal, w->entry, seen.sender, seen.recipient, seen.reference, earlier) == 1) {
        snprintf(o->duplicate_of, sizeof o->duplicate_of, "%s", earlier);
        rc = walk_as_duplicate(g, m, o, &seen, &contrl_text, &contrl_size);
        if (rc < 0)
            return finish(w, o, KH_INTERNAL, "internal");
    }

    const kh_partner *partner = kh_config_partner_by_edifact_id(g->config, seen.sender);
    kh_message_facts facts = { .format = "edifact", .sender = seen.sender, .recipient = seen.recipient,
                               .reference = seen.reference, .partner = partner ? partner->id : NULL };
    describe(w, &facts);
    bool contrl_wanted = seen.ack_requested || (partner && partner->want_contrl) || rc != 0;
    if (contrl_size > 0 && contrl_wanted && partner)
        set_reply(o, contrl_text, contrl_size, "application/EDIFACT", "contrl");
    else
        free(contrl_text);
    stage(w, o, "check", rc == 0 ? "ok" : "failed", t0, NULL);

    if (!partner) {
        add_problem(o, "unknown-partner", "UNB S002", "the interchange's sender is not a partner of this gateway");
        return finish(w, o, KH_REJECTED, "unknown-partner");
    }
    snprintf(o->partner, sizeof o->partner, "%s", partner->id);
    if (tls_partner_id && strcmp(tls_partner_id, partner->id) != 0) {
        add_problem(o, "identity-mismatch", "UNB S002", "the interchange's sender is not the partner of the TLS client certificate");
        return finish(w, o, KH_REJECTED, "identity-mismatch");
    }
    if (seen.duplicate)
        return finish(w, o, KH_DUPLICATE, "duplicate");
    if (rc != 0)
        return finish(w, o, KH_REJECTED, "invalid-edifact");
    /* every message of the interchange, all or none: the interchange is taken
     * only when each of its messages is valid */
    for (uint32_t message = 1; message <= seen.messages; message++) {
        kh_validation v = { 0 };
        kh_verdict verdict = translate_and_route(w, o, partner, m->raw, m->size, message, &v);
        kh_validation_free(&v);
        if (verdict != KH_ACCEPTED) {
            kh_journal_entry_drop_parts(w->entry);
            return verdict == KH_REJECTED && !o->reason[0] ? finish(w, o, KH_REJECTED, "invalid") : verdict;
        }
    }
    kh_journal_entry_interchange(w->entry, seen.sender, seen.recipient, seen.reference);
    return finish(w, o, KH_ACCEPTED, "ok");
}

/* ------------------------------------------------------------ XML */

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

static kh_verdict process_xml(kh_worker *w, const kh_received *m, const char *tls_partner_id, kh_outcome *o)
{
    const kh_gateway *g = w->gateway;
    snprintf(o->format, sizeof o->format, "xml");
    int64_t t0 = now_us();
    kh_xml_limits limits;
    kh_xml_limits_default(&limits);
    if (g->config->max_body > 0)
        limits.max_bytes = g->config->max_body;
    char err[512];
    xmlDocPtr doc = kh_xml_parse_memory(m->raw, m->size, o->id, &limits, err, sizeof err);
    if (!doc) {
        bool doctype = strstr(err, "DOCTYPE") != NULL;
        add_problem(o, doctype ? "doctype" : "malformed", "", err);
        stage(w, o, "parse", "failed", t0, err);
        return finish(w, o, KH_REJECTED, doctype ? "doctype" : "malformed");
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
        add_problem(o, "unknown-partner", "", signed_document ? "the signer is not a partner of this gateway"
                                                              : "an unsigned message from an unknown sender");
        return finish(w, o, KH_REJECTED, "unknown-partner");
    }
    snprintf(o->partner, sizeof o->partner, "%s", partner->id);
    kh_message_facts facts = { .partner = partner->id, .format = "xml" };
    describe(w, &facts);

    t0 = now_us();
    const kh_trust_domain *domain = kh_gateway_trust(g, partner);
    if (domain && (signed_document || partner->require_signature)) {
        kh_dsig_verdict verdict;
        kh_dsig_reason reason = kh_dsig_verify(domain, doc, partner->identity, &verdict);
        if (reason != KH_DSIG_OK) {
            stage(w, o, "verify", "failed", t0, kh_dsig_reason_code(reason));
            add_problem(o, kh_dsig_reason_code(reason), "ds:Signature", verdict.detail);
            xmlFreeDoc(doc);
            return finish(w, o, KH_REJECTED, kh_dsig_reason_code(reason));
        }
        kh_message_facts signer = { .signer = verdict.signer_subject };
        describe(w, &signer);
        kh_dsig_detach_signature(doc);
        stage(w, o, "verify", "ok", t0, verdict.signer_subject);
    } else if (partner->require_signature) {
        stage(w, o, "verify", "failed", t0, "no-signature");
        add_problem(o, "no-signature", "", "the partner's messages must be signed");
        xmlFreeDoc(doc);
        return finish(w, o, KH_REJECTED, "no-signature");
    } else {
        stage(w, o, "verify", "skipped", t0, "unsigned, the partner's profile allows it");
    }

    /* what was signed, and only that, is translated */
    size_t size = 0;
    char *content = serialize(doc, &size);
    xmlFreeDoc(doc);
    if (!content)
        return finish(w, o, KH_INTERNAL, "internal");
    char earlier[KH_MESSAGE_ID_SIZE];
    if (kh_journal_find_duplicate(w->journal, w->entry, NULL, NULL, NULL, earlier) == 1) {
        free(content);
        snprintf(o->duplicate_of, sizeof o->duplicate_of, "%s", earlier);
        add_problem(o, "26", "", "the same message was received before");
        return finish(w, o, KH_DUPLICATE, "duplicate");
    }
    kh_validation v = { 0 };
    kh_verdict verdict = translate_and_route(w, o, partner, content, size, 1, &v);
    free(content);
    char id[40], issued[40];
    kh_response_stamp(id, sizeof id, issued, sizeof issued);
    if (verdict == KH_REJECTED && !o->reason[0]) {
        kh_validation_free(&v);
        return finish(w, o, KH_REJECTED, "invalid");
    }
    if (verdict == KH_ACCEPTED && partner->want_receipt) {
        int64_t t1 = now_us();
        reply_res(w, o, kh_response_build_receipt(g->profile, &v, id, issued), "receipt");
        stage(w, o, "acknowledge", "ok", t1, "receipt");
    }
    kh_validation_free(&v);
    if (verdict != KH_ACCEPTED)
        return verdict;
    return finish(w, o, KH_ACCEPTED, "ok");
}

/* ------------------------------------------------------------ the entry */

static kh_verdict process(kh_worker *w, const kh_received *m, const char *tls_partner_id, kh_outcome *o);

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
    w->entry = kh_journal_entry_new(m);
    if (!w->entry) {
        o->verdict = KH_TEMPORARY;
        snprintf(o->reason, sizeof o->reason, "out-of-memory");
        return o->verdict;
    }
    snprintf(o->id, sizeof o->id, "%s", kh_journal_entry_id(w->entry));
    process(w, m, tls_partner_id, o);
    if (o->reply)
        kh_journal_entry_acknowledgement(w->entry, o->reply_kind, o->reply, o->reply_size);
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
    log_outcome(m, o);
    return o->verdict;
}

static kh_verdict process(kh_worker *w, const kh_received *m, const char *tls_partner_id, kh_outcome *o)
{
    stage(w, o, "receive", "ok", now_us(), m->channel);
    switch (kh_recognize(m->raw, m->size)) {
    case KH_SOURCE_EDIFACT:
        return process_edifact(w, m, tls_partner_id, o);
    case KH_SOURCE_WCO:
    case KH_SOURCE_CAMT054:
    case KH_SOURCE_PERMIT:
    case KH_SOURCE_EDIFACT_XML:
        return process_xml(w, m, tls_partner_id, o);
    default:
        add_problem(o, "unsupported", "", "neither UN/EDIFACT nor an XML form this gateway knows");
        return finish(w, o, KH_REJECTED, "unsupported");
    }
}
