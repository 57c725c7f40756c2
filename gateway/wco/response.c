/*
 * response.c - a validation's findings as a WCO Response document, built
 * with libxml2's tree API (so every value is escaped) in the element order of
 * the profile's res.xsd; and the reply to a partner, whose errors also name
 * where in the partner's input the data came from.
 */
#include "wco/response.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define METADATA_NS "urn:customs.gov.mn:wco:3.7:metadata"

static xmlNodePtr child(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
    return xmlNewTextChild(parent, ns, (const xmlChar *)name, (const xmlChar *)text);
}

/* The goods item a path lies in: the n of "GovernmentAgencyGoodsItem[n]"
 * (1 when the item has no position, 0 when the path is in no item). */
static int goods_item_of(const char *path)
{
    const char *p = strstr(path, "GoodsItem");
    if (!p)
        return 0;
    p += strlen("GoodsItem");
    return *p == '[' ? atoi(p + 1) : 1;
}

/* A WCO class ID (99X or MNX) and element ID (3-4 letters or digits) as
 * res.xsd wants them; anything else is left out rather than sent malformed. */
static bool looks_like_class(const char *s)
{
    size_t n = strlen(s);
    return n == 3 && ((s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9') || (s[0] == 'M' && s[1] == 'N')) &&
           s[2] >= 'A' && s[2] <= 'Z';
}

static bool looks_like_tag(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > 4)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z')))
            return false;
    return true;
}

/* The error's description as the reply gives it: the text (Mongolian when
 * there is one) and, when known, where the data came from. */
typedef struct description {
    const char *text;
    const char *language;
    const char *from;            /* "" when not known */
} description;

/* At most max characters of UTF-8 text: the byte length of that prefix. */
static size_t utf8_prefix(const char *text, size_t max)
{
    size_t bytes = 0, chars = 0;
    while (text[bytes] && chars < max) {
        bytes++;
        while (((unsigned char)text[bytes] & 0xC0) == 0x80)
            bytes++;
        chars++;
    }
    return bytes;
}

static size_t utf8_length(const char *text)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        chars += (*p & 0xC0) != 0x80;
    return chars;
}

#define DESCRIPTION_MAX 512      /* characters: mn:Text512ContentType */

static void add_error(xmlNodePtr response, xmlNsPtr res, const kh_finding *f, const description *d)
{
    xmlNodePtr error = xmlNewChild(response, res, (const xmlChar *)"Error", NULL);
    bool mongolian = f->message_mn[0] != '\0';
    description plain = { mongolian ? f->message_mn : f->message_en, mongolian ? "mn" : "en", "" };
    if (!d)
        d = &plain;
    char text[2048];
    if (d->from[0]) {
        /* the place is kept whole; the text gives way when both do not fit */
        char from[600];
        snprintf(from, sizeof from, " (from %s)", d->from);
        size_t room = utf8_length(from) < DESCRIPTION_MAX ? DESCRIPTION_MAX - utf8_length(from) : 0;
        snprintf(text, sizeof text, "%.*s%s", (int)utf8_prefix(d->text, room), d->text,
                 utf8_length(from) <= DESCRIPTION_MAX ? from : "");
    } else {
        snprintf(text, sizeof text, "%.*s", (int)utf8_prefix(d->text, DESCRIPTION_MAX), d->text);
    }
    xmlNodePtr desc = child(error, res, "Description", text);
    xmlNewProp(desc, (const xmlChar *)"languageID", (const xmlChar *)d->language);
    child(error, res, "ValidationCode", f->code);
    if (!looks_like_tag(f->where.id))
        return;
    xmlNodePtr pointer = xmlNewChild(error, res, (const xmlChar *)"Pointer", NULL);
    int item = goods_item_of(f->path);
    if (item > 0) {
        char seq[16];
        snprintf(seq, sizeof seq, "%d", item);
        child(pointer, res, "SequenceNumeric", seq);
    }
    if (looks_like_class(f->where.class_id))
        child(pointer, res, "DocumentSectionCode", f->where.class_id);
    child(pointer, res, "TagID", f->where.id);
}

static xmlDocPtr build(const kh_profile *p, const kh_validation *v, const char *function_code, const char *id,
                       const char *issued, const description *descriptions)
{
    const kh_family *family = kh_profile_family(p, "RES");
    if (!family)
        return NULL;
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr root = xmlNewNode(NULL, (const xmlChar *)"MetaData");
    xmlNsPtr md = xmlNewNs(root, (const xmlChar *)METADATA_NS, (const xmlChar *)"md");
    xmlSetNs(root, md);
    xmlDocSetRootElement(doc, root);
    child(root, md, "WCODataModelVersionCode", p->wco_version ? p->wco_version : "3.7");
    child(root, md, "WCOTypeName", "RES");
    child(root, md, "ResponsibleCountryCode", p->customization ? p->customization : "MN");
    child(root, md, "ResponsibleAgencyName", "General Customs Administration of Mongolia");
    child(root, md, "AgencyAssignedCustomizationCode", p->customization ? p->customization : "MN");
    child(root, md, "AgencyAssignedCustomizationVersionCode", p->version ? p->version : "1.0");

    xmlNodePtr response = xmlNewChild(root, NULL, (const xmlChar *)"Response", NULL);
    xmlNsPtr res = xmlNewNs(response, (const xmlChar *)family->ns, (const xmlChar *)"res");
    xmlSetNs(response, res);
    child(response, res, "FunctionCode", function_code ? function_code : v->errors ? "27" : "29");
    child(response, res, "ID", id);
    child(response, res, "IssueDateTime", issued);
    for (size_t i = 0; i < v->count; i++)
        if (strcmp(v->findings[i].severity, "error") == 0)
            add_error(response, res, &v->findings[i], descriptions ? &descriptions[i] : NULL);
    xmlNodePtr declaration = xmlNewChild(response, res, (const xmlChar *)"Declaration", NULL);
    child(declaration, res, "FunctionalReferenceID", v->message_ref[0] ? v->message_ref : "UNKNOWN");
    return doc;
}

xmlDocPtr kh_response_build(const kh_profile *p, const kh_validation *v, const char *id, const char *issued)
{
    return build(p, v, NULL, id, issued, NULL);
}

xmlDocPtr kh_response_build_receipt(const kh_profile *p, const kh_validation *v, const char *id, const char *issued)
{
    return build(p, v, "12", id, issued, NULL);
}

/* ------------------------------------------------------------ the reply */

static bool fits(kh_edi_charset charset, const char *text, size_t len)
{
    unsigned char out[2048];
    return charset == KH_CHARSET_UNKNOWN || kh_charset_from_utf8(charset, text, len, out, sizeof out) != (size_t)-1;
}

/* text made representable in charset, character by character: as it is,
 * else upper case (UNOA has no lower case), else a space. */
static void fit_text(kh_edi_charset charset, const char *text, char *out, size_t outlen)
{
    size_t used = 0;
    for (size_t i = 0; text[i] && used + 5 < outlen;) {
        size_t n = 1;
        while (((unsigned char)text[i + n] & 0xC0) == 0x80)
            n++;
        char upper = (char)toupper((unsigned char)text[i]);
        if (fits(charset, text + i, n)) {
            memcpy(out + used, text + i, n);
            used += n;
        } else {
            out[used++] = n == 1 && fits(charset, &upper, 1) ? upper : ' ';
        }
        i += n;
    }
    out[used] = '\0';
}

/* The EDIFACT place of an error, for the RES -> CUSRES sheet's ERP. */
static void mark_edifact_place(xmlNodePtr error, const kh_origin *o)
{
    if (!o || o->kind != KH_ORIGIN_EDIFACT || !o->segment)
        return;
    xmlNsPtr kp = xmlNewNs(error, (const xmlChar *)KH_PROVENANCE_NS, (const xmlChar *)"kp");
    char number[16];
    snprintf(number, sizeof number, "%u", o->segment);
    xmlNewNsProp(error, kp, (const xmlChar *)"segment", (const xmlChar *)number);
    xmlNewNsProp(error, kp, (const xmlChar *)"tag", (const xmlChar *)o->tag);
    if (o->element) {
        snprintf(number, sizeof number, "%u", o->element);
        xmlNewNsProp(error, kp, (const xmlChar *)"element", (const xmlChar *)number);
    }
    if (o->component) {
        snprintf(number, sizeof number, "%u", o->component);
        xmlNewNsProp(error, kp, (const xmlChar *)"component", (const xmlChar *)number);
    }
}

xmlDocPtr kh_response_build_reply(const kh_profile *p, const kh_validation *v, const kh_origin *const *origins,
                                  kh_edi_charset charset, const char *id, const char *issued)
{
    size_t count = v->count ? v->count : 1;
    description *d = calloc(count, sizeof *d);
    char (*texts)[2048] = calloc(count, sizeof *texts);
    char (*places)[600] = calloc(count, sizeof *places);
    xmlDocPtr doc = NULL;
    if (!d || !texts || !places)
        goto done;
    for (size_t i = 0; i < v->count; i++) {
        const kh_finding *f = &v->findings[i];
        bool mongolian = f->message_mn[0] && fits(charset, f->message_mn, strlen(f->message_mn));
        const char *text = mongolian ? f->message_mn : f->message_en;
        d[i].language = mongolian ? "mn" : "en";
        if (fits(charset, text, strlen(text)))
            snprintf(texts[i], sizeof texts[i], "%s", text);
        else
            fit_text(charset, text, texts[i], sizeof texts[i]);
        d[i].text = texts[i];
        if (origins && origins[i])
            kh_origin_describe(origins[i], places[i], sizeof places[i]);
        if (!fits(charset, places[i], strlen(places[i])))
            places[i][0] = '\0';
        d[i].from = places[i];
    }
    doc = build(p, v, NULL, id, issued, d);
    if (!doc || !origins)
        goto done;
    /* the Errors are in the order of the error findings */
    xmlNodePtr response = xmlFirstElementChild(xmlDocGetRootElement(doc));
    while (response && strcmp((const char *)response->name, "Response") != 0)
        response = xmlNextElementSibling(response);
    xmlNodePtr error = response ? xmlFirstElementChild(response) : NULL;
    for (size_t i = 0; i < v->count; i++) {
        if (strcmp(v->findings[i].severity, "error") != 0)
            continue;
        while (error && strcmp((const char *)error->name, "Error") != 0)
            error = xmlNextElementSibling(error);
        if (!error)
            break;
        mark_edifact_place(error, origins[i]);
        error = xmlNextElementSibling(error);
    }
done:
    free(d);
    free(texts);
    free(places);
    return doc;
}

void kh_response_stamp(char *id, size_t idlen, char *issued, size_t issuedlen)
{
    const char *now = getenv("KHAALGA_NOW");
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (now && strlen(now) == 12 &&
        sscanf(now, "%4d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min) == 5) {
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
    } else {
        time_t t = time(NULL);
        gmtime_r(&t, &tm);
    }
    strftime(id, idlen, "KH-VAL-%Y%m%d%H%M%S", &tm);
    strftime(issued, issuedlen, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}
