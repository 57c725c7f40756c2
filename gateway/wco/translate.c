/*
 * translate.c - the translation pipeline:
 *   EDIFACT      -> checked by the EDIFACT engine -> EDIFACT-XML -> sheet -> WCO DM
 *   EDIFACT-XML  -> sheet -> WCO DM
 *   camt.054, permit XML -> sheet -> WCO DM
 *   WCO DM       -> sheet -> EDIFACT-XML -> EDIFACT   (with to_edifact)
 * The sheet is chosen by source type (and directory) in the profile.
 */
#include "wco/translate.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "edifact/xml_in.h"
#include "edifact/xml_out.h"
#include "xml/safe_parse.h"

#define EDIFACT_XML_NS "urn:khaalga:edifact-xml:1"
#define CAMT054_NS_PREFIX "urn:iso:std:iso:20022:tech:xsd:camt.054."
#define PERMIT_NS "urn:khaalga:agency-permit:1"

const char *kh_source_name(kh_source_kind kind)
{
    switch (kind) {
    case KH_SOURCE_EDIFACT:     return "EDIFACT";
    case KH_SOURCE_EDIFACT_XML: return "EDIFACT-XML";
    case KH_SOURCE_WCO:         return "WCO DM";
    case KH_SOURCE_CAMT054:     return "ISO 20022 camt.054";
    case KH_SOURCE_PERMIT:      return "agency permit";
    case KH_SOURCE_UNKNOWN:     break;
    }
    return "unknown";
}

/* The namespace of the root element, read from the first start tag: enough
 * to recognize the source without parsing it twice. */
static void root_namespace(const char *data, size_t size, char *ns, size_t nslen)
{
    ns[0] = '\0';
    const char *p = data, *end = data + size;
    /* skip the prolog: declarations, comments, processing instructions */
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt || lt + 1 >= end)
            return;
        if (lt[1] == '?' || lt[1] == '!') {
            const char *gt = memchr(lt, '>', (size_t)(end - lt));
            if (!gt)
                return;
            p = gt + 1;
            continue;
        }
        const char *gt = memchr(lt, '>', (size_t)(end - lt));
        if (!gt)
            return;
        /* the element's prefix, then its xmlns or xmlns:prefix */
        const char *name = lt + 1, *name_end = name;
        while (name_end < gt && *name_end != ' ' && *name_end != '\t' && *name_end != '\n' &&
               *name_end != '\r' && *name_end != '>' && *name_end != '/')
            name_end++;
        const char *colon = memchr(name, ':', (size_t)(name_end - name));
        char attr[80];
        if (colon)
            snprintf(attr, sizeof attr, "xmlns:%.*s=", (int)(colon - name), name);
        else
            snprintf(attr, sizeof attr, "xmlns=");
        size_t alen = strlen(attr);
        for (const char *q = name_end; q + alen < gt; q++) {
            if (memcmp(q, attr, alen) != 0 || (q[-1] != ' ' && q[-1] != '\t' && q[-1] != '\n' && q[-1] != '\r'))
                continue;
            char quote = q[alen];
            const char *v = q + alen + 1;
            const char *v_end = memchr(v, quote, (size_t)(gt - v));
            if ((quote == '"' || quote == '\'') && v_end)
                snprintf(ns, nslen, "%.*s", (int)(v_end - v), v);
            return;
        }
        return;
    }
}

kh_source_kind kh_recognize(const char *data, size_t size)
{
    size_t i = 0;
    if (size >= 3 && (unsigned char)data[0] == 0xEF && (unsigned char)data[1] == 0xBB && (unsigned char)data[2] == 0xBF)
        i = 3;                                  /* a UTF-8 byte order mark */
    while (i < size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    if (size - i >= 3 && (memcmp(data + i, "UNA", 3) == 0 || memcmp(data + i, "UNB", 3) == 0))
        return KH_SOURCE_EDIFACT;
    if (i >= size || data[i] != '<')
        return KH_SOURCE_UNKNOWN;
    char ns[256];
    root_namespace(data + i, size - i, ns, sizeof ns);
    if (strcmp(ns, EDIFACT_XML_NS) == 0)
        return KH_SOURCE_EDIFACT_XML;
    if (strncmp(ns, CAMT054_NS_PREFIX, strlen(CAMT054_NS_PREFIX)) == 0)
        return KH_SOURCE_CAMT054;
    if (strcmp(ns, PERMIT_NS) == 0)
        return KH_SOURCE_PERMIT;
    if (strncmp(ns, "urn:customs.gov.mn:wco:", 23) == 0)
        return KH_SOURCE_WCO;
    return KH_SOURCE_UNKNOWN;
}

/* ------------------------------------------------------------ EDIFACT in */

/* Checks the interchange and writes its EDIFACT-XML into memory. */
static int edifact_to_xml(const kh_translate_options *opt, const char *data, size_t size,
                          char **xml, size_t *xml_len, kh_translation *t, char *err, size_t errlen)
{
    FILE *mem = open_memstream(xml, xml_len);
    kh_edi_reader *reader = kh_edi_reader_for_memory(data, size, opt->limits);
    kh_edi_xml_out *x = mem ? kh_edi_xml_out_new(mem, false) : NULL;
    if (!mem || !reader || !x) {
        snprintf(err, errlen, "out of memory");
        kh_edi_reader_free(reader);
        kh_edi_xml_out_free(x);
        if (mem)
            fclose(mem);
        return 4;
    }
    const kh_edi_handler *handlers[2] = { kh_edi_xml_out_handler(x), opt->edifact_errors };
    /* duplicates are the gateway's business, not the translation's */
    kh_edi_walk_options wo = { .limits = *opt->limits, .directories = opt->directories, .no_duplicate_check = true };
    kh_edi_walk_result res;
    int rc = kh_edi_walk(reader, &wo, handlers, opt->edifact_errors ? 2 : 1, &res);
    kh_edi_xml_out_finish(x);
    kh_edi_xml_out_free(x);
    kh_edi_reader_free(reader);
    fclose(mem);
    t->messages = res.messages;
    if (rc != 0) {
        snprintf(err, errlen, "the EDIFACT interchange has %llu error%s: it is not translated",
                 (unsigned long long)res.errors, res.errors == 1 ? "" : "s");
        return rc == 1 ? 1 : 4;
    }
    return 0;
}

/* The type and directory of message number n of an EDIFACT-XML document. */
static bool message_identity(xmlDocPtr doc, uint32_t n, kh_translation *t)
{
    xmlXPathContextPtr x = xmlXPathNewContext(doc);
    if (!x)
        return false;
    xmlXPathRegisterNs(x, (const xmlChar *)"e", (const xmlChar *)EDIFACT_XML_NS);
    char expr[96];
    snprintf(expr, sizeof expr, "(//e:message)[%u]", n);
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, x);
    bool found = o && o->nodesetval && o->nodesetval->nodeNr > 0;
    if (found) {
        xmlNodePtr m = o->nodesetval->nodeTab[0];
        xmlChar *type = xmlGetProp(m, (const xmlChar *)"type");
        xmlChar *dir = xmlGetProp(m, (const xmlChar *)"directory");
        snprintf(t->from, sizeof t->from, "%s", type ? (const char *)type : "");
        snprintf(t->directory, sizeof t->directory, "%s", dir ? (const char *)dir : "");
        xmlFree(type);
        xmlFree(dir);
    }
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(x);
    return found;
}

/* The envelope of the interchange holding message n: its syntax (charset,
 * version, UNA) and UNB parties and reference, which a reply reuses. */
static void interchange_identity(xmlDocPtr doc, uint32_t n, kh_translation *t)
{
    xmlXPathContextPtr x = xmlXPathNewContext(doc);
    if (!x)
        return;
    xmlXPathRegisterNs(x, (const xmlChar *)"e", (const xmlChar *)EDIFACT_XML_NS);
    struct { const char *expr; char *to; size_t len; } fields[] = {
        { "string(ancestor::e:interchange/@charset)", t->charset, sizeof t->charset },
        { "string(ancestor::e:interchange/@version)", t->version, sizeof t->version },
        { "string(ancestor::e:interchange/@una)", t->una, sizeof t->una },
        { "string(ancestor::e:interchange/e:UNB/e:S002/e:D0004)", t->sender, sizeof t->sender },
        { "string(ancestor::e:interchange/e:UNB/e:S003/e:D0010)", t->recipient, sizeof t->recipient },
        { "string(ancestor::e:interchange/e:UNB/e:D0020)", t->reference, sizeof t->reference },
    };
    char expr[96];
    snprintf(expr, sizeof expr, "(//e:message)[%u]", n);
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, x);
    if (o && o->nodesetval && o->nodesetval->nodeNr > 0) {
        x->node = o->nodesetval->nodeTab[0];
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            xmlXPathObjectPtr v = xmlXPathEvalExpression((const xmlChar *)fields[i].expr, x);
            xmlChar *text = v ? xmlXPathCastToString(v) : NULL;
            snprintf(fields[i].to, fields[i].len, "%s", text ? (const char *)text : "");
            xmlFree(text);
            xmlXPathFreeObject(v);
        }
    }
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(x);
}

/* ------------------------------------------------------------ the pipeline */

static int write_doc(xmlDocPtr doc, FILE *out, char *err, size_t errlen)
{
    xmlChar *text = NULL;
    int len = 0;
    xmlDocDumpFormatMemoryEnc(doc, &text, &len, "UTF-8", 1);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return 4;
    }
    size_t written = fwrite(text, 1, (size_t)len, out);
    xmlFree(text);
    return written == (size_t)len ? 0 : 4;
}

/* The WCO family of a WCO DM document, by namespace (…:DEC -> "DEC"). */
static void wco_family(xmlDocPtr doc, const kh_profile *p, char *code, size_t len)
{
    xmlNodePtr message;
    const kh_family *f = kh_profile_family_of(p, doc, &message);
    snprintf(code, len, "%s", f ? f->code : "");
}

int kh_translate(const kh_translate_options *opt, const char *data, size_t size, const char *name,
                 FILE *out, kh_translation *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->kind = kh_recognize(data, size);
    kh_xml_limits xl;
    kh_xml_limits_default(&xl);
    char *xml = NULL;
    size_t xml_len = 0;
    xmlDocPtr in = NULL;
    int rc = 0;

    switch (t->kind) {
    case KH_SOURCE_UNKNOWN:
        snprintf(err, errlen, "%s: not a message Khaalga knows (EDIFACT, EDIFACT-XML, camt.054, agency permit or WCO DM)", name);
        return 1;
    case KH_SOURCE_EDIFACT:
        rc = edifact_to_xml(opt, data, size, &xml, &xml_len, t, err, errlen);
        if (rc == 0) {
            xl.max_bytes = xml_len + 1;
            in = kh_xml_parse_memory(xml, xml_len, name, &xl, err, errlen);
            rc = in ? 0 : 4;
        }
        free(xml);
        break;
    default:
        in = kh_xml_parse_memory(data, size, name, &xl, err, errlen);
        rc = in ? 0 : 1;
        break;
    }
    if (rc != 0)
        return rc;

    if (t->kind == KH_SOURCE_EDIFACT || t->kind == KH_SOURCE_EDIFACT_XML) {
        uint32_t n = opt->message ? opt->message : 1;
        if (!message_identity(in, n, t)) {
            snprintf(err, errlen, "%s: there is no message %u", name, n);
            xmlFreeDoc(in);
            return 1;
        }
        interchange_identity(in, n, t);
    } else if (t->kind == KH_SOURCE_WCO) {
        wco_family(in, opt->profile, t->from, sizeof t->from);
    } else {
        snprintf(t->from, sizeof t->from, "%s", t->kind == KH_SOURCE_CAMT054 ? "camt.054" : "permit");
    }

    if (t->kind == KH_SOURCE_WCO && !opt->to_edifact) {
        rc = write_doc(in, out, err, errlen);     /* already the normalized form */
        xmlFreeDoc(in);
        return rc;
    }
    const kh_sheet *sheet = kh_sheets_find(&opt->profile->sheets, t->from, t->directory, NULL);
    if (!sheet) {
        snprintf(err, errlen, "%s: profile %s has no mapping sheet from %s%s%s", name,
                 opt->profile->name ? opt->profile->name : "", t->from, t->directory[0] ? " " : "", t->directory);
        xmlFreeDoc(in);
        return 2;
    }
    snprintf(t->to, sizeof t->to, "%s", sheet->to);
    char message[16];
    snprintf(message, sizeof message, "%u", opt->message ? opt->message : 1);
    const char *params[9] = { "message", message };
    size_t np = 2;
    const char *names[] = { "sender", "recipient", "reference" };
    const char *values[] = { opt->sender, opt->recipient, opt->reference };
    for (size_t i = 0; i < 3; i++)
        if (values[i]) {
            params[np++] = names[i];
            params[np++] = values[i];
        }
    params[np] = NULL;
    /* keeping the documents is for validating them: then record where the
     * result's elements came from, so that an error can name it */
    if (opt->keep_documents && !opt->to_edifact) {
        t->provenance = kh_provenance_new(in, kh_translation_from_edifact(t));
        if (!t->provenance) {
            snprintf(err, errlen, "out of memory");
            xmlFreeDoc(in);
            return 4;
        }
    }
    xmlDocPtr result = kh_sheet_apply_recording(sheet, in, params, t->provenance, err, errlen);
    if (opt->keep_documents)
        t->source = in;
    else
        xmlFreeDoc(in);
    if (!result)
        return 1;

    if (opt->to_edifact) {
        xmlChar *text = NULL;
        int len = 0;
        xmlDocDumpMemoryEnc(result, &text, &len, "UTF-8");
        rc = text ? kh_edi_xml_to_edifact_memory((const char *)text, (size_t)len, name, out, err, errlen) : 4;
        xmlFree(text);
    } else {
        rc = write_doc(result, out, err, errlen);
    }
    if (opt->keep_documents)
        t->result = result;
    else
        xmlFreeDoc(result);
    return rc;
}

void kh_translation_free(kh_translation *t)
{
    kh_provenance_free(t->provenance);
    xmlFreeDoc(t->source);
    xmlFreeDoc(t->result);
    t->provenance = NULL;
    t->source = t->result = NULL;
}

bool kh_translation_from_edifact(const kh_translation *t)
{
    return t->kind == KH_SOURCE_EDIFACT || t->kind == KH_SOURCE_EDIFACT_XML;
}

bool kh_translation_origin(const kh_translation *t, uint32_t message, xmlNodePtr node, kh_origin *origin)
{
    if (kh_provenance_origin(t->provenance, node, origin))
        return true;
    if (kh_translation_from_edifact(t))
        return kh_origin_of(t->source, message, node, origin) == 1;
    memset(origin, 0, sizeof *origin);
    return false;
}
