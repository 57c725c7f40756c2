/*
 * rules.c - loads XPath rule files and checks documents against them.
 *
 * Every expression is compiled when the file is loaded; checking a document
 * makes one XPath context with the file's namespaces, its parameters as
 * variables, and two functions in the rules namespace:
 *   kh:lookup(table, key)     the value of the row `key` of a table, or ''
 *   kh:days(date1, date2)     days from date1 to date2 (ISO dates; NaN if not)
 */
#include "wco/rules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#define RULES_NS "urn:khaalga:rules:1"

typedef struct rule {
    char *id, *severity, *message_en, *message_mn;
    xmlXPathCompExprPtr context, assertion, pointer;   /* pointer may be NULL */
} rule;

typedef struct pair { char *a, *b; } pair;

typedef struct row_table {
    char  *name;
    pair  *rows;
    size_t count;
} row_table;

struct kh_rules {
    pair      *namespaces;  size_t namespace_count;
    pair      *params;      size_t param_count;
    row_table *tables;      size_t table_count;
    rule      *rules;       size_t rule_count;
};

/* ------------------------------------------------------------ loading */

static bool is_rules_element(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns && strcmp((const char *)n->ns->href, RULES_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

static char *prop(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *s = v ? strdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

static char *text_of(xmlNodePtr n)
{
    xmlChar *v = xmlNodeGetContent(n);
    char *s = strdup(v ? (const char *)v : "");
    xmlFree(v);
    return s;
}

static bool append(void **array, size_t *count, size_t item)
{
    void *p = realloc(*array, (*count + 1) * item);
    if (!p)
        return false;
    memset((char *)p + *count * item, 0, item);
    *array = p;
    (*count)++;
    return true;
}

static xmlXPathCompExprPtr compile(const char *expr, const char *what, const char *id, char *err, size_t errlen)
{
    xmlXPathCompExprPtr c = expr ? xmlXPathCompile((const xmlChar *)expr) : NULL;
    if (!c)
        snprintf(err, errlen, "rule %s: the %s \"%s\" is not an XPath 1.0 expression", id, what, expr ? expr : "");
    return c;
}

static int load_rule(kh_rules *r, xmlNodePtr n, char *err, size_t errlen)
{
    if (!append((void **)&r->rules, &r->rule_count, sizeof *r->rules))
        return -1;
    rule *ru = &r->rules[r->rule_count - 1];
    ru->id = prop(n, "id");
    ru->severity = prop(n, "severity");
    char *context = prop(n, "context"), *pointer = prop(n, "pointer"), *assertion = NULL;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (is_rules_element(c, "assert")) {
            free(assertion);
            assertion = text_of(c);
        } else if (is_rules_element(c, "message")) {
            xmlChar *lang = xmlNodeGetLang(c);
            char **slot = lang && strcmp((const char *)lang, "mn") == 0 ? &ru->message_mn : &ru->message_en;
            free(*slot);
            *slot = text_of(c);
            xmlFree(lang);
        }
    }
    int rc = 0;
    const char *id = ru->id ? ru->id : "(no id)";
    if (!ru->id || !ru->severity || (strcmp(ru->severity, "error") != 0 && strcmp(ru->severity, "warning") != 0)) {
        snprintf(err, errlen, "rule %s: needs an id and a severity of error or warning", id);
        rc = -1;
    } else if (!ru->message_en || !ru->message_mn) {
        snprintf(err, errlen, "rule %s: needs a message in English and in Mongolian", id);
        rc = -1;
    } else if (!(ru->context = compile(context, "context", id, err, errlen)) ||
               !(ru->assertion = compile(assertion, "assertion", id, err, errlen)) ||
               (pointer && !(ru->pointer = compile(pointer, "pointer", id, err, errlen)))) {
        rc = -1;
    }
    free(context);
    free(pointer);
    free(assertion);
    return rc;
}

static int load_table(kh_rules *r, xmlNodePtr n)
{
    if (!append((void **)&r->tables, &r->table_count, sizeof *r->tables))
        return -1;
    row_table *t = &r->tables[r->table_count - 1];
    t->name = prop(n, "name");
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (!is_rules_element(c, "row"))
            continue;
        if (!append((void **)&t->rows, &t->count, sizeof *t->rows))
            return -1;
        t->rows[t->count - 1].a = prop(c, "key");
        t->rows[t->count - 1].b = prop(c, "value");
    }
    return 0;
}

static int load_pair(pair **array, size_t *count, xmlNodePtr n, const char *a, const char *b)
{
    if (!append((void **)array, count, sizeof **array))
        return -1;
    (*array)[*count - 1].a = prop(n, a);
    (*array)[*count - 1].b = prop(n, b);
    return (*array)[*count - 1].a && (*array)[*count - 1].b ? 0 : -1;
}

kh_rules *kh_rules_load(const char *path, char *err, size_t errlen)
{
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        snprintf(err, errlen, "%s: cannot be read as XML", path);
        return NULL;
    }
    kh_rules *r = calloc(1, sizeof *r);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    int rc = r && root && is_rules_element(root, "rules") ? 0 : -1;
    if (rc != 0)
        snprintf(err, errlen, "%s: not a rule file (root element rules in %s)", path, RULES_NS);
    for (xmlNodePtr n = root ? root->children : NULL; n && rc == 0; n = n->next) {
        char why[400] = "";
        if (is_rules_element(n, "namespace"))
            rc = load_pair(&r->namespaces, &r->namespace_count, n, "prefix", "uri");
        else if (is_rules_element(n, "param"))
            rc = load_pair(&r->params, &r->param_count, n, "name", "value");
        else if (is_rules_element(n, "table"))
            rc = load_table(r, n);
        else if (is_rules_element(n, "rule"))
            rc = load_rule(r, n, why, sizeof why);
        if (rc != 0)
            snprintf(err, errlen, "%s: line %ld: %s", path, xmlGetLineNo(n), why[0] ? why : "incomplete declaration");
    }
    xmlFreeDoc(doc);
    if (rc != 0) {
        kh_rules_free(r);
        return NULL;
    }
    return r;
}

static void free_pairs(pair *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].a);
        free(p[i].b);
    }
    free(p);
}

void kh_rules_free(kh_rules *r)
{
    if (!r)
        return;
    free_pairs(r->namespaces, r->namespace_count);
    free_pairs(r->params, r->param_count);
    for (size_t i = 0; i < r->table_count; i++) {
        free(r->tables[i].name);
        free_pairs(r->tables[i].rows, r->tables[i].count);
    }
    free(r->tables);
    for (size_t i = 0; i < r->rule_count; i++) {
        rule *ru = &r->rules[i];
        free(ru->id);
        free(ru->severity);
        free(ru->message_en);
        free(ru->message_mn);
        xmlXPathFreeCompExpr(ru->context);
        xmlXPathFreeCompExpr(ru->assertion);
        xmlXPathFreeCompExpr(ru->pointer);
    }
    free(r->rules);
    free(r);
}

size_t kh_rules_count(const kh_rules *rules) { return rules->rule_count; }

/* ------------------------------------------------------------ functions */

static void fn_lookup(xmlXPathParserContextPtr ctxt, int nargs)
{
    if (nargs != 2) {
        xmlXPathSetArityError(ctxt);
        return;
    }
    xmlChar *key = xmlXPathPopString(ctxt);
    xmlChar *name = xmlXPathPopString(ctxt);
    const kh_rules *r = ctxt->context->userData;
    const char *value = "";
    for (size_t i = 0; r && i < r->table_count; i++) {
        if (!r->tables[i].name || strcmp(r->tables[i].name, (const char *)name) != 0)
            continue;
        for (size_t j = 0; j < r->tables[i].count; j++)
            if (r->tables[i].rows[j].a && strcmp(r->tables[i].rows[j].a, (const char *)key) == 0)
                value = r->tables[i].rows[j].b ? r->tables[i].rows[j].b : "";
    }
    xmlFree(key);
    xmlFree(name);
    valuePush(ctxt, xmlXPathNewString((const xmlChar *)value));
}

/* Days since 1970-01-01 of an ISO date (the first ten characters). */
static double day_number(const char *s)
{
    int y, m, d;
    if (!s || strlen(s) < 10 || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
        return NAN;
    struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12 };
    time_t t = timegm(&tm);
    return floor((double)t / 86400.0);
}

static void fn_days(xmlXPathParserContextPtr ctxt, int nargs)
{
    if (nargs != 2) {
        xmlXPathSetArityError(ctxt);
        return;
    }
    xmlChar *to = xmlXPathPopString(ctxt);
    xmlChar *from = xmlXPathPopString(ctxt);
    double days = day_number((const char *)to) - day_number((const char *)from);
    xmlFree(to);
    xmlFree(from);
    valuePush(ctxt, xmlXPathNewFloat(days));
}

/* ------------------------------------------------------------ checking */

int kh_rules_check(const kh_rules *r, xmlDocPtr doc, kh_rule_report_fn report, void *report_ctx,
                   char *err, size_t errlen)
{
    xmlXPathContextPtr x = xmlXPathNewContext(doc);
    if (!x) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    x->userData = (void *)r;
    xmlXPathRegisterNs(x, (const xmlChar *)"kh", (const xmlChar *)RULES_NS);
    for (size_t i = 0; i < r->namespace_count; i++)
        xmlXPathRegisterNs(x, (const xmlChar *)r->namespaces[i].a, (const xmlChar *)r->namespaces[i].b);
    for (size_t i = 0; i < r->param_count; i++)
        xmlXPathRegisterVariable(x, (const xmlChar *)r->params[i].a,
                                 xmlXPathNewString((const xmlChar *)r->params[i].b));
    xmlXPathRegisterFuncNS(x, (const xmlChar *)"lookup", (const xmlChar *)RULES_NS, fn_lookup);
    xmlXPathRegisterFuncNS(x, (const xmlChar *)"days", (const xmlChar *)RULES_NS, fn_days);

    int failures = 0;
    for (size_t i = 0; i < r->rule_count && failures >= 0; i++) {
        const rule *ru = &r->rules[i];
        x->node = xmlDocGetRootElement(doc);
        xmlXPathObjectPtr contexts = xmlXPathCompiledEval(ru->context, x);
        if (!contexts || contexts->type != XPATH_NODESET) {
            snprintf(err, errlen, "rule %s: the context does not select nodes", ru->id);
            xmlXPathFreeObject(contexts);
            failures = -1;
            break;
        }
        int n = contexts->nodesetval ? contexts->nodesetval->nodeNr : 0;
        for (int j = 0; j < n; j++) {
            xmlNodePtr node = contexts->nodesetval->nodeTab[j];
            x->node = node;
            xmlXPathObjectPtr result = xmlXPathCompiledEval(ru->assertion, x);
            if (!result) {
                snprintf(err, errlen, "rule %s: the assertion cannot be evaluated", ru->id);
                failures = -1;
                break;
            }
            bool holds = xmlXPathCastToBoolean(result);
            xmlXPathFreeObject(result);
            if (holds)
                continue;
            xmlNodePtr at = node;
            if (ru->pointer) {
                x->node = node;
                xmlXPathObjectPtr p = xmlXPathCompiledEval(ru->pointer, x);
                if (p && p->type == XPATH_NODESET && p->nodesetval && p->nodesetval->nodeNr > 0)
                    at = p->nodesetval->nodeTab[0];
                xmlXPathFreeObject(p);
            }
            kh_rule_failure f = { ru->id, ru->severity, ru->message_en, ru->message_mn, at };
            report(report_ctx, &f);
            failures++;
        }
        xmlXPathFreeObject(contexts);
    }
    xmlXPathFreeContext(x);
    return failures;
}
