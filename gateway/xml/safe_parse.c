/*
 * safe_parse.c - hardened XML parsing: XML_PARSE_NONET, never NOENT, DTDLOAD,
 * DTDATTR or HUGE. The parser's own SAX callbacks are wrapped: a DOCTYPE stops
 * it where it starts, so no internal subset, entity or external reference is
 * ever processed, and an element deeper than the limit stops it too. The size
 * is bounded before parsing.
 */
#include "xml/safe_parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

void kh_xml_limits_default(kh_xml_limits *limits)
{
    limits->max_bytes = 16 * 1024 * 1024;
    limits->max_depth = 64;
}

/* Keeps libxml2's messages out of stderr: the caller reports. */
static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

struct kh_xml_parser {
    kh_xml_limits    limits;
    xmlParserCtxtPtr ctxt;
    startElementNsSAX2Func element;     /* the parser's own callbacks */
    internalSubsetSAXFunc  doctype;
    bool             saw_doctype, too_deep;
};

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id, const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    xmlParserCtxtPtr ctxt = ctx;
    kh_xml_parser *p = ctxt->_private;
    p->saw_doctype = true;
    xmlStopParser(ctxt);
}

static void on_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                       int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
                       const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = ctx;
    kh_xml_parser *p = ctxt->_private;
    if (ctxt->nodeNr >= p->limits.max_depth) {
        p->too_deep = true;
        xmlStopParser(ctxt);
        return;
    }
    p->element(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes, nb_defaulted, attributes);
}

kh_xml_parser *kh_xml_parser_new(const kh_xml_limits *limits)
{
    kh_xml_parser *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->limits = *limits;
    p->ctxt = xmlNewParserCtxt();
    if (!p->ctxt) {
        free(p);
        return NULL;
    }
    p->ctxt->_private = p;
    p->element = p->ctxt->sax->startElementNs;
    p->doctype = p->ctxt->sax->internalSubset;
    p->ctxt->sax->startElementNs = on_element;
    p->ctxt->sax->internalSubset = on_doctype;
    return p;
}

void kh_xml_parser_free(kh_xml_parser *p)
{
    if (!p)
        return;
    xmlFreeParserCtxt(p->ctxt);
    free(p);
}

xmlDocPtr kh_xml_parser_parse(kh_xml_parser *p, const char *data, size_t size, const char *name,
                              char *err, size_t errlen)
{
    if (size > p->limits.max_bytes) {
        snprintf(err, errlen, "%s: %zu bytes, more than the limit of %zu", name, size, p->limits.max_bytes);
        return NULL;
    }
    p->saw_doctype = p->too_deep = false;
    xmlGenericErrorFunc saved = xmlGenericError;
    void *saved_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet);
    xmlResetLastError();
    xmlDocPtr doc = xmlCtxtReadMemory(p->ctxt, data, (int)size, name, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
                                      XML_PARSE_COMPACT);
    xmlSetGenericErrorFunc(saved_ctx, saved);
    if (p->saw_doctype || p->too_deep) {
        if (p->saw_doctype)
            snprintf(err, errlen, "%s: a DOCTYPE is not accepted", name);
        else
            snprintf(err, errlen, "%s: elements nested deeper than %d levels", name, p->limits.max_depth);
        xmlFreeDoc(doc);
        return NULL;
    }
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(p->ctxt);
        char what[160] = "not well-formed XML";
        if (e && e->message) {
            snprintf(what, sizeof what, "%s", e->message);
            size_t n = strlen(what);
            while (n && (what[n - 1] == '\n' || what[n - 1] == ' '))
                what[--n] = '\0';
        }
        snprintf(err, errlen, "%s: line %d: %s", name, e ? e->line : 0, what);
        return NULL;
    }
    if (doc->intSubset || doc->extSubset) {
        snprintf(err, errlen, "%s: a DOCTYPE is not accepted", name);
        xmlFreeDoc(doc);
        return NULL;
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root) {
        snprintf(err, errlen, "%s: no root element", name);
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

xmlDocPtr kh_xml_parse_memory(const char *data, size_t size, const char *name,
                              const kh_xml_limits *limits, char *err, size_t errlen)
{
    kh_xml_parser *p = kh_xml_parser_new(limits);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    xmlDocPtr doc = kh_xml_parser_parse(p, data, size, name, err, errlen);
    kh_xml_parser_free(p);
    return doc;
}

xmlDocPtr kh_xml_parse_file(const char *path, const kh_xml_limits *limits, char *err, size_t errlen)
{
    err[0] = '\0';
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    bool too_big = false;
    while (buf) {
        if (len == cap) {
            if (cap > limits->max_bytes) {
                too_big = true;
                break;
            }
            char *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            if (got < 0) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                free(buf);
                buf = NULL;
            }
            break;
        }
        len += (size_t)got;
    }
    if (fd != STDIN_FILENO)
        close(fd);
    if (!buf) {
        if (!err[0])
            snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (too_big) {
        snprintf(err, errlen, "%s: more than the limit of %zu bytes", path, limits->max_bytes);
        free(buf);
        return NULL;
    }
    xmlDocPtr doc = kh_xml_parse_memory(buf, len, strcmp(path, "-") == 0 ? "(stdin)" : path, limits, err, errlen);
    free(buf);
    return doc;
}
