/*
 * schema_index.c - reads the wco:ID / wco:Class / wco:TDED annotations of a
 * profile's schemas into three small tables:
 *   the type of each element     (namespace, element name) -> type key
 *   the children of each type    (type key, child name)    -> identity
 *   the base of each type        (type key)                -> base type key
 * plus the global elements. An instance node is looked up through its
 * parent's type; elements of the same name within one namespace are taken
 * to share one type, as they do in WCO DM schemas.
 *
 * Lookups happen once per reported error, so the tables are plain arrays.
 */
#include "wco/schema_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#define XS_NS "http://www.w3.org/2001/XMLSchema"
#define WCO_NS "urn:customs.gov.mn:wco:3.7:annotation"

typedef struct entry {
    char *key;            /* "type-key|name", "ns|name" or "type-key" */
    char *value;          /* a type key, for the type and base tables */
    kh_wco_identity identity;
    bool class_element;   /* carries wco:Class */
} entry;

typedef struct table {
    entry *e;
    size_t n, cap;
} table;

struct kh_schema_index {
    table types;      /* ns|element -> type key */
    table children;   /* type key|child -> identity */
    table bases;      /* type key -> base type key */
    table globals;    /* ns|element -> identity */
};

/* ------------------------------------------------------------ tables */

static entry *table_find(const table *t, const char *key)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->e[i].key, key) == 0)
            return &t->e[i];
    return NULL;
}

/* Adds key unless present; returns the entry (NULL when out of memory). */
static entry *table_add(table *t, const char *key)
{
    entry *found = table_find(t, key);
    if (found)
        return found;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        entry *e = realloc(t->e, cap * sizeof *e);
        if (!e)
            return NULL;
        t->e = e;
        t->cap = cap;
    }
    entry *e = &t->e[t->n];
    memset(e, 0, sizeof *e);
    e->key = strdup(key);
    if (!e->key)
        return NULL;
    t->n++;
    return e;
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->e[i].key);
        free(t->e[i].value);
    }
    free(t->e);
}

static void make_key(char *buf, size_t len, const char *a, const char *b)
{
    snprintf(buf, len, "%s|%s", a ? a : "", b ? b : "");
}

/* ------------------------------------------------------------ reading */

static bool is_xs(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns && strcmp((const char *)n->ns->href, XS_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

static void copy_prop(xmlNodePtr n, const char *name, char *buf, size_t len)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    snprintf(buf, len, "%s", v ? (const char *)v : "");
    xmlFree(v);
}

/* "prefix:Local" -> "namespace|Local" */
static void resolve_qname(xmlNodePtr context, const char *qname, char *buf, size_t len)
{
    const char *colon = strchr(qname, ':');
    char prefix[64] = "";
    const char *local = qname;
    if (colon) {
        snprintf(prefix, sizeof prefix, "%.*s", (int)(colon - qname), qname);
        local = colon + 1;
    }
    xmlNsPtr ns = xmlSearchNs(context->doc, context, colon ? (const xmlChar *)prefix : NULL);
    make_key(buf, len, ns ? (const char *)ns->href : "", local);
}

static void read_identity(xmlNodePtr el, kh_wco_identity *id, bool *class_element)
{
    for (xmlNodePtr a = el->children; a; a = a->next) {
        if (!is_xs(a, "annotation"))
            continue;
        for (xmlNodePtr info = a->children; info; info = info->next) {
            if (!is_xs(info, "appinfo"))
                continue;
            for (xmlNodePtr w = info->children; w; w = w->next) {
                if (w->type != XML_ELEMENT_NODE || !w->ns || strcmp((const char *)w->ns->href, WCO_NS) != 0)
                    continue;
                xmlChar *text = xmlNodeGetContent(w);
                const char *t = text ? (const char *)text : "";
                if (strcmp((const char *)w->name, "ID") == 0)
                    snprintf(id->id, sizeof id->id, "%s", t);
                else if (strcmp((const char *)w->name, "Class") == 0) {
                    snprintf(id->class_id, sizeof id->class_id, "%s", t);
                    *class_element = true;
                } else if (strcmp((const char *)w->name, "TDED") == 0)
                    snprintf(id->tded, sizeof id->tded, "%s", t);
                xmlFree(text);
            }
        }
    }
}

static int read_complex(kh_schema_index *idx, const char *tns, const char *type_key, xmlNodePtr ct);

static int read_element(kh_schema_index *idx, const char *tns, const char *parent_type, xmlNodePtr el)
{
    char name[128], type[256], key[512], type_key[512];
    copy_prop(el, "name", name, sizeof name);
    if (!name[0]) {
        char ref[256];
        copy_prop(el, "ref", ref, sizeof ref);
        if (!ref[0])
            return 0;
        const char *colon = strchr(ref, ':');
        snprintf(name, sizeof name, "%s", colon ? colon + 1 : ref);
    }
    kh_wco_identity identity = {0};
    bool class_element = false;
    read_identity(el, &identity, &class_element);

    make_key(key, sizeof key, parent_type ? parent_type : tns, name);
    entry *e = table_add(parent_type ? &idx->children : &idx->globals, key);
    if (!e)
        return -1;
    if (!e->identity.id[0] && !e->identity.class_id[0]) {
        e->identity = identity;
        e->class_element = class_element;
    }

    copy_prop(el, "type", type, sizeof type);
    type_key[0] = '\0';
    if (type[0]) {
        resolve_qname(el, type, type_key, sizeof type_key);
    } else {
        for (xmlNodePtr c = el->children; c; c = c->next)
            if (is_xs(c, "complexType")) {
                snprintf(type_key, sizeof type_key, "%s|@%s", tns, name);
                if (read_complex(idx, tns, type_key, c) != 0)
                    return -1;
            }
    }
    if (type_key[0]) {
        make_key(key, sizeof key, tns, name);
        entry *t = table_add(&idx->types, key);
        if (!t)
            return -1;
        if (!t->value)
            t->value = strdup(type_key);
    }
    return 0;
}

/* The element declarations inside a complex type, through sequences,
 * choices and extensions (but not into the types of the elements). */
static int read_content(kh_schema_index *idx, const char *tns, const char *type_key, xmlNodePtr node)
{
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_xs(c, "element")) {
            if (read_element(idx, tns, type_key, c) != 0)
                return -1;
        } else if (is_xs(c, "extension") || is_xs(c, "restriction")) {
            char base[256], base_key[512];
            copy_prop(c, "base", base, sizeof base);
            if (base[0]) {
                resolve_qname(c, base, base_key, sizeof base_key);
                entry *b = table_add(&idx->bases, type_key);
                if (!b)
                    return -1;
                if (!b->value)
                    b->value = strdup(base_key);
            }
            if (read_content(idx, tns, type_key, c) != 0)
                return -1;
        } else if (!is_xs(c, "annotation") && !is_xs(c, "attribute")) {
            if (read_content(idx, tns, type_key, c) != 0)
                return -1;
        }
    }
    return 0;
}

static int read_complex(kh_schema_index *idx, const char *tns, const char *type_key, xmlNodePtr ct)
{
    return read_content(idx, tns, type_key, ct);
}

int kh_schema_index_add(kh_schema_index *idx, const char *path, char *err, size_t errlen)
{
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        snprintf(err, errlen, "%s: cannot be read as XML", path);
        return -1;
    }
    xmlNodePtr schema = xmlDocGetRootElement(doc);
    if (!schema || !is_xs(schema, "schema")) {
        snprintf(err, errlen, "%s: not an XML schema", path);
        xmlFreeDoc(doc);
        return -1;
    }
    char tns[256], key[512];
    copy_prop(schema, "targetNamespace", tns, sizeof tns);
    int rc = 0;
    for (xmlNodePtr c = schema->children; c && rc == 0; c = c->next) {
        if (is_xs(c, "element")) {
            rc = read_element(idx, tns, NULL, c);
        } else if (is_xs(c, "complexType")) {
            char name[128];
            copy_prop(c, "name", name, sizeof name);
            make_key(key, sizeof key, tns, name);
            rc = read_complex(idx, tns, key, c);
        }
    }
    xmlFreeDoc(doc);
    if (rc != 0)
        snprintf(err, errlen, "%s: out of memory", path);
    return rc;
}

/* ------------------------------------------------------------ lookup */

/* The declaration of child `name` within the type of element `parent`,
 * through the type's bases. */
static const entry *child_of(const kh_schema_index *idx, xmlNodePtr parent, const char *name)
{
    if (!parent || parent->type != XML_ELEMENT_NODE)
        return NULL;
    char key[512];
    const char *pns = parent->ns ? (const char *)parent->ns->href : "";
    make_key(key, sizeof key, pns, (const char *)parent->name);
    const entry *t = table_find(&idx->types, key);
    for (const char *type = t ? t->value : NULL; type;) {
        make_key(key, sizeof key, type, name);
        const entry *c = table_find(&idx->children, key);
        if (c)
            return c;
        const entry *b = table_find(&idx->bases, type);
        type = b ? b->value : NULL;
    }
    return NULL;
}

static const entry *identity_of(const kh_schema_index *idx, xmlNodePtr node)
{
    const entry *c = child_of(idx, node->parent, (const char *)node->name);
    if (c)
        return c;
    char key[512];
    make_key(key, sizeof key, node->ns ? (const char *)node->ns->href : "", (const char *)node->name);
    return table_find(&idx->globals, key);
}

/* The class of an element: its own when it is a class, else the nearest
 * class above it. */
static void class_of(const kh_schema_index *idx, const entry *self, xmlNodePtr above, kh_wco_identity *out)
{
    if (self && self->class_element) {
        snprintf(out->class_id, sizeof out->class_id, "%s", self->identity.class_id);
        return;
    }
    for (xmlNodePtr n = above; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
        const entry *c = identity_of(idx, n);
        if (c && c->class_element) {
            snprintf(out->class_id, sizeof out->class_id, "%s", c->identity.class_id);
            return;
        }
    }
}

static void fill(const entry *e, kh_wco_identity *out)
{
    if (e) {
        snprintf(out->id, sizeof out->id, "%s", e->identity.id);
        snprintf(out->tded, sizeof out->tded, "%s", e->identity.tded);
    }
}

void kh_schema_index_lookup(const kh_schema_index *idx, xmlNodePtr node, kh_wco_identity *out)
{
    memset(out, 0, sizeof *out);
    if (!node || node->type != XML_ELEMENT_NODE)
        return;
    const entry *e = identity_of(idx, node);
    fill(e, out);
    class_of(idx, e, node->parent, out);
}

void kh_schema_index_lookup_child(const kh_schema_index *idx, xmlNodePtr parent, const char *name,
                                  kh_wco_identity *out)
{
    memset(out, 0, sizeof *out);
    if (!parent || parent->type != XML_ELEMENT_NODE)
        return;
    const entry *e = child_of(idx, parent, name);
    fill(e, out);
    class_of(idx, e, parent, out);
}

kh_schema_index *kh_schema_index_new(void)
{
    return calloc(1, sizeof(kh_schema_index));
}

void kh_schema_index_free(kh_schema_index *idx)
{
    if (!idx)
        return;
    table_free(&idx->types);
    table_free(&idx->children);
    table_free(&idx->bases);
    table_free(&idx->globals);
    free(idx);
}
