/*
 * response.c - a validation's findings as a WCO Response document, built
 * with libxml2's tree API (so every value is escaped) in the element order of
 * the profile's res.xsd.
 */
#include "wco/response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void add_error(xmlNodePtr response, xmlNsPtr res, const kh_finding *f)
{
    xmlNodePtr error = xmlNewChild(response, res, (const xmlChar *)"Error", NULL);
    bool mongolian = f->message_mn[0] != '\0';
    xmlNodePtr d = child(error, res, "Description", mongolian ? f->message_mn : f->message_en);
    xmlNewProp(d, (const xmlChar *)"languageID", (const xmlChar *)(mongolian ? "mn" : "en"));
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

xmlDocPtr kh_response_build(const kh_profile *p, const kh_validation *v, const char *id, const char *issued)
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
    child(response, res, "FunctionCode", v->errors ? "27" : "29");
    child(response, res, "ID", id);
    child(response, res, "IssueDateTime", issued);
    for (size_t i = 0; i < v->count; i++)
        if (strcmp(v->findings[i].severity, "error") == 0)
            add_error(response, res, &v->findings[i]);
    xmlNodePtr declaration = xmlNewChild(response, res, (const xmlChar *)"Declaration", NULL);
    child(declaration, res, "FunctionalReferenceID", v->message_ref[0] ? v->message_ref : "UNKNOWN");
    return doc;
}
