/*
 * profile.c - opens a profile folder: reads profile.xml, compiles each
 * family's schema and rules, and indexes the WCO IDs of all its schemas.
 */
#include "wco/profile.h"
#include "util/datadir.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#define PROFILE_NS "urn:khaalga:profile:1"

const char *kh_profile_default_dir(const char *given, char *buf, size_t buflen)
{
    return kh_data_path(given, "xsd/mn", buf, buflen);
}

static char *prop(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *s = v ? strdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

static bool is_profile_element(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns && strcmp((const char *)n->ns->href, PROFILE_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

/* Collects the messages of schema compilation, to report the first. */
static void schema_error(void *ctx, xmlErrorPtr e)
{
    char *first = ctx;
    if (!first[0] && e && e->message)
        snprintf(first, 300, "%s: line %d: %s", e->file ? e->file : "?", e->line, e->message);
}

static xmlSchemaPtr compile_schema(const char *path, char *err, size_t errlen)
{
    char first[300] = "";
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(path);
    if (!pc) {
        snprintf(err, errlen, "%s: cannot be read", path);
        return NULL;
    }
    xmlSchemaSetParserStructuredErrors(pc, schema_error, first);
    xmlSchemaPtr schema = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
    if (!schema) {
        size_t n = strlen(first);
        while (n && first[n - 1] == '\n')
            first[--n] = '\0';
        snprintf(err, errlen, "%s", first[0] ? first : "a schema does not compile");
    }
    return schema;
}

/* Every .xsd of the folder goes into the WCO ID index. */
static int index_schemas(kh_profile *p, char *err, size_t errlen)
{
    DIR *d = opendir(p->dir);
    if (!d) {
        snprintf(err, errlen, "%s: cannot be read", p->dir);
        return -1;
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 4, ".xsd") != 0)
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", p->dir, de->d_name);
        rc = kh_schema_index_add(p->index, path, err, errlen);
    }
    closedir(d);
    return rc;
}

static int open_family(kh_profile *p, xmlNodePtr n, kh_family *f, char *err, size_t errlen)
{
    char *code = prop(n, "code"), *schema = prop(n, "schema"), *rules = prop(n, "rules");
    f->ns = prop(n, "namespace");
    f->root = prop(n, "root");
    int rc = 0;
    if (!code || strlen(code) >= sizeof f->code || !f->ns || !f->root || !schema) {
        snprintf(err, errlen, "%s/profile.xml: line %ld: a family needs code, namespace, root and schema",
                 p->dir, xmlGetLineNo(n));
        rc = -1;
    } else {
        snprintf(f->code, sizeof f->code, "%s", code);
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", p->dir, schema);
        f->schema = compile_schema(path, err, errlen);
        if (!f->schema)
            rc = -1;
        if (rc == 0 && rules) {
            snprintf(path, sizeof path, "%s/%s", p->dir, rules);
            f->rules = kh_rules_load(path, err, errlen);
            if (!f->rules)
                rc = -1;
        }
    }
    free(code);
    free(schema);
    free(rules);
    return rc;
}

/* <sheet from="CUSDEC" directory="D96B" to="DEC" file="../../mappings/wco/cusdec-dec.xsl"/> */
static int open_sheet(kh_profile *p, xmlNodePtr n, char *err, size_t errlen)
{
    char *from = prop(n, "from"), *directory = prop(n, "directory"), *to = prop(n, "to"), *file = prop(n, "file");
    int rc;
    if (!from || !to || !file) {
        snprintf(err, errlen, "%s/profile.xml: line %ld: a sheet needs from, to and file", p->dir, xmlGetLineNo(n));
        rc = -1;
    } else {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", p->dir, file);
        rc = kh_sheets_add(&p->sheets, from, directory, to, path, err, errlen);
    }
    free(from);
    free(directory);
    free(to);
    free(file);
    return rc;
}

kh_profile *kh_profile_open(const char *dir, char *err, size_t errlen)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/profile.xml", dir);
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        snprintf(err, errlen, "%s: cannot be read as XML", path);
        return NULL;
    }
    kh_profile *p = calloc(1, sizeof *p);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    int rc = p && root && is_profile_element(root, "profile") ? 0 : -1;
    if (rc != 0)
        snprintf(err, errlen, "%s: not a profile manifest (root element profile in %s)", path, PROFILE_NS);
    if (rc == 0) {
        p->dir = strdup(dir);
        p->name = prop(root, "name");
        p->wco_version = prop(root, "wco-version");
        p->customization = prop(root, "customization");
        p->version = prop(root, "version");
        p->index = kh_schema_index_new();
        rc = p->dir && p->index ? 0 : -1;
    }
    for (xmlNodePtr n = root ? root->children : NULL; n && rc == 0; n = n->next) {
        if (is_profile_element(n, "sheet")) {
            rc = open_sheet(p, n, err, errlen);
            continue;
        }
        if (!is_profile_element(n, "family"))
            continue;
        kh_family *grown = realloc(p->families, (p->family_count + 1) * sizeof *grown);
        if (!grown) {
            rc = -1;
            break;
        }
        p->families = grown;
        kh_family *f = &p->families[p->family_count++];
        memset(f, 0, sizeof *f);
        rc = open_family(p, n, f, err, errlen);
    }
    if (rc == 0 && p->family_count == 0) {
        snprintf(err, errlen, "%s: names no family", path);
        rc = -1;
    }
    if (rc == 0)
        rc = index_schemas(p, err, errlen);
    xmlFreeDoc(doc);
    if (rc != 0) {
        kh_profile_free(p);
        return NULL;
    }
    return p;
}

void kh_profile_free(kh_profile *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->family_count; i++) {
        xmlSchemaFree(p->families[i].schema);
        kh_rules_free(p->families[i].rules);
        free(p->families[i].ns);
        free(p->families[i].root);
    }
    free(p->families);
    kh_sheets_free(&p->sheets);
    kh_schema_index_free(p->index);
    free(p->dir);
    free(p->name);
    free(p->wco_version);
    free(p->customization);
    free(p->version);
    free(p);
}

static const kh_family *family_by_ns(const kh_profile *p, xmlNodePtr n)
{
    if (!n->ns)
        return NULL;
    for (size_t i = 0; i < p->family_count; i++)
        if (strcmp(p->families[i].ns, (const char *)n->ns->href) == 0)
            return &p->families[i];
    return NULL;
}

const kh_family *kh_profile_family_of(const kh_profile *p, xmlDocPtr doc, xmlNodePtr *message)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    *message = NULL;
    if (!root)
        return NULL;
    const kh_family *f = family_by_ns(p, root);
    if (f) {
        *message = root;
        return f;
    }
    /* an envelope: the first child element in a family's namespace */
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        f = family_by_ns(p, c);
        if (f) {
            *message = c;
            return f;
        }
    }
    /* no message in a family's namespace: the envelope's WCOTypeName says
     * which family it claims to be, and that family's schema says why not */
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "WCOTypeName") != 0)
            continue;
        xmlChar *code = xmlNodeGetContent(c);
        f = code ? kh_profile_family(p, (const char *)code) : NULL;
        xmlFree(code);
        return f;
    }
    return NULL;
}

const kh_family *kh_profile_family(const kh_profile *p, const char *code)
{
    for (size_t i = 0; i < p->family_count; i++)
        if (strcmp(p->families[i].code, code) == 0)
            return &p->families[i];
    return NULL;
}
