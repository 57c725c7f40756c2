/*
 * reply.c - the reply to a translation that failed validation. Both kinds
 * start as one WCO Response built by wco/response.c with the origins of the
 * errors; an XML partner gets it as it is, an EDIFACT partner gets it
 * through the profile's RES -> CUSRES sheet (mappings/wco/res-cusres.xsl),
 * told the partner's directory, syntax and UNB parties, then written as
 * EDIFACT by the EDIFACT-XML reader.
 */
#include "wco/reply.h"

#include <stdlib.h>
#include <string.h>

#include "edifact/xml_in.h"
#include "wco/response.h"

static int write_xml(xmlDocPtr doc, FILE *out, char *err, size_t errlen)
{
    xmlChar *text = NULL;
    int len = 0;
    xmlDocDumpFormatMemoryEnc(doc, &text, &len, "UTF-8", 1);
    int rc = text && fwrite(text, 1, (size_t)len, out) == (size_t)len ? 0 : 4;
    if (rc)
        snprintf(err, errlen, "the reply cannot be written");
    xmlFree(text);
    return rc;
}

/* The RES through the RES -> CUSRES sheet, in the partner's terms. */
static int write_cusres(const kh_profile *p, const kh_translation *t, xmlDocPtr res, const char *id,
                        FILE *out, char *err, size_t errlen)
{
    const kh_sheet *sheet = kh_sheets_find(&p->sheets, "RES", NULL, "CUSRES");
    if (!sheet) {
        snprintf(err, errlen, "profile %s has no mapping sheet from RES to CUSRES", p->name ? p->name : "");
        return 2;
    }
    /* UNB 0020 (an..14): KH and the stamp's digits without the century */
    char reference[16];
    snprintf(reference, sizeof reference, "KH%.12s", id + strlen("KH-VAL-20"));
    const char *params[19];
    size_t n = 0;
    struct { const char *name, *value; } given[] = {
        { "sender", t->recipient }, { "recipient", t->sender }, { "reference", reference },
        { "directory", t->directory }, { "charset", t->charset }, { "version", t->version }, { "una", t->una },
    };
    for (size_t i = 0; i < sizeof given / sizeof given[0]; i++)
        if (given[i].value[0]) {
            params[n++] = given[i].name;
            params[n++] = given[i].value;
        }
    params[n] = NULL;
    xmlDocPtr edifact_xml = kh_sheet_apply(sheet, res, params, err, errlen);
    if (!edifact_xml)
        return 4;
    xmlChar *text = NULL;
    int len = 0;
    xmlDocDumpMemoryEnc(edifact_xml, &text, &len, "UTF-8");
    int rc = 4;
    if (!text)
        snprintf(err, errlen, "out of memory");
    else if (kh_edi_xml_to_edifact_memory((const char *)text, (size_t)len, "reply", out, err, errlen) == 0)
        rc = 0;
    xmlFree(text);
    xmlFreeDoc(edifact_xml);
    return rc;
}

int kh_reply_write(const kh_profile *p, const kh_translation *t, const kh_validation *v,
                   const kh_origin *const *origins, FILE *out, char *err, size_t errlen)
{
    char id[40], issued[40];
    kh_response_stamp(id, sizeof id, issued, sizeof issued);
    bool edifact = kh_translation_from_edifact(t);
    kh_edi_charset charset = KH_CHARSET_UNKNOWN;
    if (edifact) {
        charset = kh_charset_from_name(t->charset, strlen(t->charset));
        if (charset == KH_CHARSET_UNKNOWN)
            charset = KH_CHARSET_UNOA;          /* the narrowest: fits any syntax */
    }
    xmlDocPtr res = kh_response_build_reply(p, v, origins, charset, id, issued);
    if (!res) {
        snprintf(err, errlen, "the response cannot be built (the profile has no RES family?)");
        return 4;
    }
    int rc = edifact ? write_cusres(p, t, res, id, out, err, errlen) : write_xml(res, out, err, errlen);
    xmlFreeDoc(res);
    return rc;
}
