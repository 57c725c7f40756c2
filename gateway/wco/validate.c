/*
 * validate.c - schema validation and business rules for one document, with
 * every finding placed by XPath, line, and WCO class and element IDs.
 */
#include "wco/validate.h"
#include "util/json.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/xmlschemas.h>

static kh_finding *add_finding(kh_validation *v)
{
    if (v->count == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        kh_finding *f = realloc(v->findings, cap * sizeof *f);
        if (!f)
            return NULL;
        v->findings = f;
        v->cap = cap;
    }
    kh_finding *f = &v->findings[v->count++];
    memset(f, 0, sizeof *f);
    return f;
}

static void place(const kh_profile *p, xmlNodePtr node, kh_finding *f)
{
    if (!node)
        return;
    if (node->type == XML_ATTRIBUTE_NODE)
        node = node->parent;
    f->node = node;
    xmlChar *path = xmlGetNodePath(node);
    snprintf(f->path, sizeof f->path, "%s", path ? (const char *)path : "");
    xmlFree(path);
    f->line = xmlGetLineNo(node);
    kh_schema_index_lookup(p->index, node, &f->where);
}

/* libxml2 reports a missing element at its parent ("Missing child
 * element(s). Expected is ( {ns}Name )") or at the element that came in its
 * place ("This element is not expected. Expected is ( {ns}Name )"). When one
 * element is expected, the pointer goes to it: that is what is missing. */
static void point_at_missing_element(const kh_profile *p, xmlErrorPtr e, kh_finding *f)
{
    const char *msg = e->message, *mark = msg ? strstr(msg, "Expected is ( {") : NULL;
    xmlNodePtr node = e->node;
    if (!mark || !node || node->type != XML_ELEMENT_NODE)
        return;
    const char *name = strchr(mark, '}');
    const char *end = name ? strstr(name, " )") : NULL;
    if (!name || !end || memchr(name, ',', (size_t)(end - name)))
        return;
    char expected[128];
    snprintf(expected, sizeof expected, "%.*s", (int)(end - name - 1), name + 1);
    xmlNodePtr parent = strstr(msg, "Missing child") ? node : node->parent;
    kh_schema_index_lookup_child(p->index, parent, expected, &f->where);
    xmlChar *path = xmlGetNodePath(parent);
    snprintf(f->path, sizeof f->path, "%s/%s", path ? (const char *)path : "", expected);
    xmlFree(path);
}

typedef struct collector {
    const kh_profile *profile;
    kh_validation    *v;
} collector;

static void on_schema_error(void *ctx, xmlErrorPtr e)
{
    collector *c = ctx;
    kh_finding *f = add_finding(c->v);
    if (!f)
        return;
    snprintf(f->code, sizeof f->code, "XSD%d", e->code);
    snprintf(f->severity, sizeof f->severity, "%s", e->level == XML_ERR_WARNING ? "warning" : "error");
    snprintf(f->message_en, sizeof f->message_en, "%s", e->message ? e->message : "schema error");
    size_t n = strlen(f->message_en);
    while (n && (f->message_en[n - 1] == '\n' || f->message_en[n - 1] == ' '))
        f->message_en[--n] = '\0';
    place(c->profile, e->node, f);
    if (!f->line)
        f->line = e->line;
    point_at_missing_element(c->profile, e, f);
    if (e->level == XML_ERR_WARNING)
        c->v->warnings++;
    else
        c->v->errors++;
}

static void on_rule_failure(void *ctx, const kh_rule_failure *r)
{
    collector *c = ctx;
    kh_finding *f = add_finding(c->v);
    if (!f)
        return;
    snprintf(f->code, sizeof f->code, "%s", r->rule_id);
    snprintf(f->severity, sizeof f->severity, "%s", r->severity);
    snprintf(f->message_en, sizeof f->message_en, "%s", r->message_en);
    snprintf(f->message_mn, sizeof f->message_mn, "%s", r->message_mn);
    place(c->profile, r->node, f);
    if (strcmp(r->severity, "warning") == 0)
        c->v->warnings++;
    else
        c->v->errors++;
}

/* The message's own reference (its ID, else its FunctionalReferenceID), to
 * name it in reports. */
static void message_reference(xmlNodePtr message, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int pass = 0; pass < 2; pass++)
        for (xmlNodePtr c = message ? message->children : NULL; c; c = c->next)
            if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, pass ? "FunctionalReferenceID" : "ID") == 0) {
                xmlChar *t = xmlNodeGetContent(c);
                snprintf(buf, len, "%s", t ? (const char *)t : "");
                xmlFree(t);
                return;
            }
}

struct kh_validator {
    const kh_profile      *profile;
    xmlSchemaValidCtxtPtr *contexts;     /* one per family, made when first needed */
};

kh_validator *kh_validator_new(const kh_profile *p)
{
    kh_validator *val = calloc(1, sizeof *val);
    if (!val)
        return NULL;
    val->profile = p;
    val->contexts = calloc(p->family_count ? p->family_count : 1, sizeof *val->contexts);
    if (!val->contexts) {
        free(val);
        return NULL;
    }
    return val;
}

void kh_validator_free(kh_validator *val)
{
    if (!val)
        return;
    for (size_t i = 0; i < val->profile->family_count; i++)
        xmlSchemaFreeValidCtxt(val->contexts[i]);
    free(val->contexts);
    free(val);
}

static xmlSchemaValidCtxtPtr context_for(kh_validator *val, const kh_family *family)
{
    size_t i = (size_t)(family - val->profile->families);
    if (!val->contexts[i])
        val->contexts[i] = xmlSchemaNewValidCtxt(family->schema);
    return val->contexts[i];
}

int kh_validator_run(kh_validator *val, xmlDocPtr doc, kh_validation *v, char *err, size_t errlen)
{
    const kh_profile *p = val->profile;
    memset(v, 0, sizeof *v);
    collector c = { p, v };
    xmlNodePtr message;
    v->family = kh_profile_family_of(p, doc, &message);
    if (!v->family) {
        kh_finding *f = add_finding(v);
        if (!f)
            return 4;
        snprintf(f->code, sizeof f->code, "FAMILY");
        snprintf(f->severity, sizeof f->severity, "error");
        snprintf(f->message_en, sizeof f->message_en,
                 "the document is no message of profile %s (no element in a family's namespace)", p->name ? p->name : "");
        place(p, xmlDocGetRootElement(doc), f);
        v->errors++;
        return 1;
    }
    if (message)
        message_reference(message, v->message_ref, sizeof v->message_ref);

    xmlSchemaValidCtxtPtr vc = context_for(val, v->family);
    if (!vc) {
        snprintf(err, errlen, "out of memory");
        return 4;
    }
    xmlSchemaSetValidStructuredErrors(vc, on_schema_error, &c);
    int rc = xmlSchemaValidateDoc(vc, doc);
    xmlSchemaSetValidStructuredErrors(vc, NULL, NULL);
    if (rc < 0) {
        snprintf(err, errlen, "the schema validator failed (%d)", rc);
        return 4;
    }
    /* rules read the structure the schema promises, so they wait for it */
    if (v->errors == 0 && v->family->rules &&
        kh_rules_check(v->family->rules, doc, on_rule_failure, &c, err, errlen) < 0)
        return 4;
    return v->errors ? 1 : 0;
}

int kh_validate(const kh_profile *p, xmlDocPtr doc, kh_validation *v, char *err, size_t errlen)
{
    kh_validator *val = kh_validator_new(p);
    if (!val) {
        memset(v, 0, sizeof *v);
        snprintf(err, errlen, "out of memory");
        return 4;
    }
    int rc = kh_validator_run(val, doc, v, err, errlen);
    kh_validator_free(val);
    return rc;
}

void kh_validation_free(kh_validation *v)
{
    free(v->findings);
    memset(v, 0, sizeof *v);
}

/* ------------------------------------------------------------ printing */

void kh_validation_print_json(FILE *out, const char *file, const kh_validation *v)
{
    fputs("{\"file\":", out);
    kh_json_string(out, file);
    fputs(",\"family\":", out);
    kh_json_string(out, v->family ? v->family->code : "");
    fputs(",\"message\":", out);
    kh_json_string(out, v->message_ref);
    fprintf(out, ",\"valid\":%s,\"errors\":%zu,\"warnings\":%zu,\"findings\":[", v->errors ? "false" : "true",
            v->errors, v->warnings);
    for (size_t i = 0; i < v->count; i++) {
        const kh_finding *f = &v->findings[i];
        fputs(i ? ",{\"validationCode\":" : "{\"validationCode\":", out);
        kh_json_string(out, f->code);
        fputs(",\"severity\":", out);
        kh_json_string(out, f->severity);
        fputs(",\"description\":{\"en\":", out);
        kh_json_string(out, f->message_en);
        if (f->message_mn[0]) {
            fputs(",\"mn\":", out);
            kh_json_string(out, f->message_mn);
        }
        fputs("},\"pointer\":{\"documentSectionCode\":", out);
        kh_json_string(out, f->where.class_id);
        fputs(",\"tagID\":", out);
        kh_json_string(out, f->where.id);
        fputs(",\"path\":", out);
        kh_json_string(out, f->path);
        fprintf(out, ",\"line\":%ld}}", f->line);
    }
    fputs("]}\n", out);
}

void kh_validation_print_text(FILE *out, const char *file, const kh_validation *v)
{
    for (size_t i = 0; i < v->count; i++) {
        const kh_finding *f = &v->findings[i];
        fprintf(out, "%s:%ld: %s [class %s, tag %s]: %s %s: %s\n", file, f->line, f->path,
                f->where.class_id[0] ? f->where.class_id : "-", f->where.id[0] ? f->where.id : "-",
                f->severity, f->code, f->message_en);
    }
}
