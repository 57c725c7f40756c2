/*
 * inspect.c - the structural checks of a signed document, made before any
 * cryptography so that what xmlsec is later asked to verify can only be the
 * one thing Khaalga will process: a single Signature, child of the document
 * element, whose single Reference ("" or "#id") resolves to the document
 * element; IDs unique; only the transforms and algorithms of DESIGN.md.
 */
#include <stdio.h>
#include <string.h>

#include "dsig/inspect.h"

#define DSIG_NS "http://www.w3.org/2000/09/xmldsig#"

static const char *const allowed_canonicalization[] = {
    "http://www.w3.org/2001/10/xml-exc-c14n#", NULL
};
static const char *const allowed_transforms[] = {
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    "http://www.w3.org/2001/10/xml-exc-c14n#", NULL
};
static const char *const allowed_signature_methods[] = {
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", NULL
};
static const char *const allowed_digest_methods[] = {
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512", NULL
};

enum { MAX_TRANSFORMS = 2 };

static bool is_dsig(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && strcmp((const char *)n->ns->href, DSIG_NS) == 0 &&
           (!name || strcmp((const char *)n->name, name) == 0);
}

static bool listed(const char *value, const char *const *list)
{
    for (; value && *list; list++)
        if (strcmp(value, *list) == 0)
            return true;
    return false;
}

/* The next element sibling (text, comments and PIs between are skipped). */
static xmlNodePtr next_element(xmlNodePtr n)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->next;
    return n;
}

static xmlNodePtr first_element(xmlNodePtr parent)
{
    return parent ? next_element(parent->children) : NULL;
}

static kh_dsig_reason reject(kh_dsig_verdict *v, kh_dsig_reason reason, const char *fmt, const char *what)
{
    snprintf(v->detail, sizeof v->detail, fmt, what ? what : "");
    return reason;
}

static void count_signatures(xmlNodePtr n, int *count, xmlNodePtr *first)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is_dsig(n, "Signature") && (*count)++ == 0)
            *first = n;
        count_signatures(n->children, count, first);
    }
}

/* An attribute that may serve as an XML ID: Id, ID, id (no namespace) or
 * xml:id. */
static bool is_id_attribute(xmlAttrPtr a)
{
    const char *name = (const char *)a->name;
    if (a->ns)
        return strcmp(name, "id") == 0 && a->ns->href &&
               strcmp((const char *)a->ns->href, "http://www.w3.org/XML/1998/namespace") == 0;
    return strcmp(name, "Id") == 0 || strcmp(name, "ID") == 0 || strcmp(name, "id") == 0;
}

typedef struct id_search {
    const char *wanted;      /* the ID a reference names, or NULL */
    xmlAttrPtr  found;
    int         found_count;
    char        duplicate[128];
} id_search;

typedef struct seen_ids {
    xmlChar **values;
    size_t    count, cap;
} seen_ids;

static bool remember_id(seen_ids *seen, const xmlChar *value, id_search *s)
{
    for (size_t i = 0; i < seen->count; i++)
        if (xmlStrEqual(seen->values[i], value)) {
            if (!s->duplicate[0])
                snprintf(s->duplicate, sizeof s->duplicate, "%s", (const char *)value);
            return true;
        }
    if (seen->count == seen->cap) {
        size_t cap = seen->cap ? seen->cap * 2 : 16;
        xmlChar **grown = xmlRealloc(seen->values, cap * sizeof *grown);
        if (!grown)
            return false;
        seen->values = grown;
        seen->cap = cap;
    }
    seen->values[seen->count++] = xmlStrdup(value);
    return true;
}

static void walk_ids(xmlNodePtr n, seen_ids *seen, id_search *s)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        for (xmlAttrPtr a = n->properties; a; a = a->next) {
            if (!is_id_attribute(a))
                continue;
            xmlChar *value = xmlNodeListGetString(n->doc, a->children, 1);
            if (!value)
                continue;
            remember_id(seen, value, s);
            if (s->wanted && strcmp((const char *)value, s->wanted) == 0) {
                s->found = a;
                s->found_count++;
            }
            xmlFree(value);
        }
        walk_ids(n->children, seen, s);
    }
}

static void find_ids(xmlDocPtr doc, id_search *s)
{
    seen_ids seen = { 0 };
    walk_ids(xmlDocGetRootElement(doc), &seen, s);
    for (size_t i = 0; i < seen.count; i++)
        xmlFree(seen.values[i]);
    xmlFree(seen.values);
}

static xmlChar *algorithm_of(xmlNodePtr n)
{
    return xmlGetNoNsProp(n, (const xmlChar *)"Algorithm");
}

/* Copies an algorithm URI into a verdict field and says whether it is allowed. */
static bool algorithm_allowed(xmlNodePtr n, const char *const *list, char *field, size_t fieldlen)
{
    xmlChar *alg = algorithm_of(n);
    if (field)
        snprintf(field, fieldlen, "%s", alg ? (const char *)alg : "");
    bool ok = listed((const char *)alg, list);
    xmlFree(alg);
    return ok;
}

/* "#" followed by an XML name without any XPointer syntax. */
static bool plain_fragment(const char *uri)
{
    if (uri[0] != '#' || uri[1] == '\0')
        return false;
    for (const char *p = uri + 1; *p; p++)
        if (*p == '(' || *p == ')' || *p == '/' || *p == ' ' || *p == '#' || *p == '\'' || *p == '"')
            return false;
    return true;
}

static kh_dsig_reason check_reference(xmlDocPtr doc, xmlNodePtr reference, kh_signature_parts *parts,
                                      kh_dsig_verdict *v)
{
    xmlChar *uri = xmlGetNoNsProp(reference, (const xmlChar *)"URI");
    kh_dsig_reason reason = KH_DSIG_OK;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!uri) {
        reason = reject(v, KH_DSIG_FORBIDDEN_REFERENCE, "the Reference has no URI%s", NULL);
    } else if (uri[0] == '\0') {
        parts->signed_element = root;
    } else if (!plain_fragment((const char *)uri)) {
        reason = reject(v, KH_DSIG_FORBIDDEN_REFERENCE,
                        "Reference URI \"%s\": only \"\" or \"#id\" of the document element is accepted",
                        (const char *)uri);
    } else {
        id_search s = { .wanted = (const char *)uri + 1 };
        find_ids(doc, &s);
        if (s.found_count == 0)
            reason = reject(v, KH_DSIG_FORBIDDEN_REFERENCE, "Reference URI \"%s\" names no element of the document",
                            (const char *)uri);
        else if (s.found->parent != root)
            reason = reject(v, KH_DSIG_WRAPPING,
                            "Reference URI \"%s\" resolves to an element that is not the document element",
                            (const char *)uri);
        else {
            parts->signed_element = root;
            parts->id_attribute = s.found;
        }
    }
    xmlFree(uri);
    if (reason != KH_DSIG_OK)
        return reason;

    xmlNodePtr child = first_element(reference);
    int transforms = 0;
    if (is_dsig(child, "Transforms")) {
        for (xmlNodePtr t = first_element(child); t; t = next_element(t->next)) {
            if (!is_dsig(t, "Transform"))
                return reject(v, KH_DSIG_MALFORMED, "Transforms holds %s", (const char *)t->name);
            char alg[256];
            if (!algorithm_allowed(t, allowed_transforms, alg, sizeof alg))
                return reject(v, KH_DSIG_FORBIDDEN_TRANSFORM,
                              "transform \"%s\": only enveloped-signature and exclusive C14N are accepted", alg);
            if (++transforms > MAX_TRANSFORMS)
                return reject(v, KH_DSIG_FORBIDDEN_TRANSFORM, "more than two transforms in the Reference%s", NULL);
        }
        child = next_element(child->next);
    }
    if (!is_dsig(child, "DigestMethod"))
        return reject(v, KH_DSIG_MALFORMED, "the Reference has no DigestMethod%s", NULL);
    if (!algorithm_allowed(child, allowed_digest_methods, v->digest_method, sizeof v->digest_method))
        return reject(v, KH_DSIG_FORBIDDEN_ALGORITHM, "digest method \"%s\": only SHA-256, SHA-384 and SHA-512 are accepted",
                      v->digest_method);
    if (!is_dsig(next_element(child->next), "DigestValue"))
        return reject(v, KH_DSIG_MALFORMED, "the Reference has no DigestValue%s", NULL);
    return KH_DSIG_OK;
}

static kh_dsig_reason check_signed_info(xmlDocPtr doc, xmlNodePtr signed_info, kh_signature_parts *parts,
                                        kh_dsig_verdict *v)
{
    xmlNodePtr c14n = first_element(signed_info);
    if (!is_dsig(c14n, "CanonicalizationMethod"))
        return reject(v, KH_DSIG_MALFORMED, "SignedInfo does not start with CanonicalizationMethod%s", NULL);
    char alg[256];
    if (!algorithm_allowed(c14n, allowed_canonicalization, alg, sizeof alg))
        return reject(v, KH_DSIG_FORBIDDEN_TRANSFORM,
                      "canonicalization \"%s\": only exclusive C14N without comments is accepted", alg);
    xmlNodePtr method = next_element(c14n->next);
    if (!is_dsig(method, "SignatureMethod"))
        return reject(v, KH_DSIG_MALFORMED, "SignedInfo has no SignatureMethod%s", NULL);
    if (!algorithm_allowed(method, allowed_signature_methods, v->signature_method, sizeof v->signature_method))
        return reject(v, KH_DSIG_FORBIDDEN_ALGORITHM,
                      "signature method \"%s\": only RSA-SHA256/384/512 and ECDSA-SHA256/384 are accepted",
                      v->signature_method);
    if (first_element(method))
        return reject(v, KH_DSIG_FORBIDDEN_ALGORITHM, "SignatureMethod holds parameters (%s)",
                      (const char *)first_element(method)->name);
    xmlNodePtr reference = next_element(method->next);
    if (!is_dsig(reference, "Reference"))
        return reject(v, KH_DSIG_MALFORMED, "SignedInfo has no Reference%s", NULL);
    xmlNodePtr extra = next_element(reference->next);
    if (is_dsig(extra, "Reference"))
        return reject(v, KH_DSIG_FORBIDDEN_REFERENCE, "more than one Reference: exactly one is accepted%s", NULL);
    if (extra)
        return reject(v, KH_DSIG_MALFORMED, "SignedInfo holds %s after the Reference", (const char *)extra->name);
    return check_reference(doc, reference, parts, v);
}

static kh_dsig_reason check_key_info(xmlNodePtr key_info, kh_dsig_verdict *v)
{
    if (!key_info)
        return reject(v, KH_DSIG_NO_CERTIFICATE, "the Signature has no KeyInfo: the signer's certificate is needed%s",
                      NULL);
    bool certificate = false;
    for (xmlNodePtr c = first_element(key_info); c; c = next_element(c->next)) {
        if (is_dsig(c, "KeyName"))
            continue;
        if (!is_dsig(c, "X509Data"))
            return reject(v, KH_DSIG_FORBIDDEN_KEY_INFO,
                          "KeyInfo holds %s: keys are taken only from X509Data certificates", (const char *)c->name);
        for (xmlNodePtr x = first_element(c); x; x = next_element(x->next))
            if (is_dsig(x, "X509Certificate"))
                certificate = true;
    }
    if (!certificate)
        return reject(v, KH_DSIG_NO_CERTIFICATE, "KeyInfo holds no X509Certificate%s", NULL);
    return KH_DSIG_OK;
}

kh_dsig_reason kh_signature_inspect(xmlDocPtr doc, kh_signature_parts *parts, kh_dsig_verdict *v)
{
    memset(parts, 0, sizeof *parts);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root)
        return reject(v, KH_DSIG_MALFORMED, "the document has no element%s", NULL);

    int count = 0;
    xmlNodePtr signature = NULL;
    count_signatures(root, &count, &signature);
    if (count == 0)
        return reject(v, KH_DSIG_NO_SIGNATURE, "the document holds no ds:Signature%s", NULL);
    if (count > 1) {
        char n[16];
        snprintf(n, sizeof n, "%d", count);
        return reject(v, KH_DSIG_MULTIPLE_SIGNATURES, "the document holds %s signatures; exactly one is accepted", n);
    }
    if (signature->parent != root)
        return reject(v, KH_DSIG_WRAPPING, "the Signature is inside %s, not a child of the document element",
                      (const char *)signature->parent->name);
    parts->signature = signature;

    id_search all = { 0 };
    find_ids(doc, &all);
    if (all.duplicate[0])
        return reject(v, KH_DSIG_WRAPPING, "the ID \"%s\" is given to more than one element", all.duplicate);

    xmlNodePtr signed_info = first_element(signature);
    if (!is_dsig(signed_info, "SignedInfo"))
        return reject(v, KH_DSIG_MALFORMED, "the Signature does not start with SignedInfo%s", NULL);
    kh_dsig_reason reason = check_signed_info(doc, signed_info, parts, v);
    if (reason != KH_DSIG_OK)
        return reason;

    xmlNodePtr value = next_element(signed_info->next);
    if (!is_dsig(value, "SignatureValue"))
        return reject(v, KH_DSIG_MALFORMED, "the Signature has no SignatureValue after SignedInfo%s", NULL);
    xmlNodePtr key_info = next_element(value->next);
    if (key_info && !is_dsig(key_info, "KeyInfo"))
        return reject(v, KH_DSIG_MALFORMED,
                      "the Signature holds %s: only SignedInfo, SignatureValue and KeyInfo are accepted",
                      (const char *)key_info->name);
    if (key_info && next_element(key_info->next))
        return reject(v, KH_DSIG_MALFORMED,
                      "the Signature holds %s: only SignedInfo, SignatureValue and KeyInfo are accepted",
                      (const char *)next_element(key_info->next)->name);
    parts->key_info = key_info;
    return check_key_info(key_info, v);
}
