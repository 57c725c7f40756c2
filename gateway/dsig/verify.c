/*
 * verify.c - verifies the one enveloped signature of a document: the
 * structural checks (inspect.c), the signer's certificate from X509Data
 * judged against the domain (certificate.c), then xmlsec with that
 * certificate's key as the only key, same-document references and the
 * allow-listed transforms only. On success the signed element is handed back
 * with comments removed.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/evp.h>

#include "dsig/certificate.h"
#include "dsig/certificate_cache.h"
#include "dsig/inspect.h"
#include "dsig/trust_domain.h"
#include "xml/safe_parse.h"

static bool restrict_context(xmlSecDSigCtxPtr ctx)
{
    ctx->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
    ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument;
    return xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformExclC14NId) == 0 &&
           xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformRsaSha256Id) == 0 &&
           xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformRsaSha384Id) == 0 &&
           xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformRsaSha512Id) == 0 &&
           xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformEcdsaSha256Id) == 0 &&
           xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformEcdsaSha384Id) == 0 &&
           xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId) == 0 &&
           xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformExclC14NId) == 0 &&
           xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha256Id) == 0 &&
           xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha384Id) == 0 &&
           xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha512Id) == 0;
}

static bool any_reference_failed(xmlSecDSigCtxPtr ctx)
{
    xmlSecSize n = xmlSecPtrListGetSize(&ctx->signedInfoReferences);
    for (xmlSecSize i = 0; i < n; i++) {
        xmlSecDSigReferenceCtxPtr ref = xmlSecPtrListGetItem(&ctx->signedInfoReferences, i);
        if (ref && ref->status != xmlSecDSigStatusSucceeded)
            return true;
    }
    return false;
}

/* The judged certificate's public key, as the only key xmlsec may use: it
 * never reads KeyInfo nor picks a key itself. */
static xmlSecKeyPtr key_of(X509 *leaf)
{
    EVP_PKEY *pub = X509_get0_pubkey(leaf);
    if (!pub || EVP_PKEY_up_ref(pub) != 1)
        return NULL;
    xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(pub);
    if (!data) {
        EVP_PKEY_free(pub);
        return NULL;
    }
    xmlSecKeyPtr key = xmlSecKeyCreate();
    if (!key || xmlSecKeySetValue(key, data) < 0) {
        xmlSecKeyDataDestroy(data);
        if (key)
            xmlSecKeyDestroy(key);
        return NULL;
    }
    return key;
}

static kh_dsig_reason verify_cryptography(const kh_signature_parts *parts, X509 *leaf, kh_dsig_verdict *v)
{
    if (parts->id_attribute && !xmlIsID(parts->signature->doc, parts->id_attribute->parent, parts->id_attribute)) {
        xmlChar *id = xmlNodeListGetString(parts->signature->doc, parts->id_attribute->children, 1);
        bool added = id && xmlAddID(NULL, parts->signature->doc, id, parts->id_attribute) != NULL;
        xmlFree(id);
        if (!added) {
            snprintf(v->detail, sizeof v->detail, "the referenced ID could not be registered");
            return KH_DSIG_WRAPPING;
        }
    }
    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
    if (!ctx || !restrict_context(ctx) || !(ctx->signKey = key_of(leaf))) {
        if (ctx)
            xmlSecDSigCtxDestroy(ctx);
        snprintf(v->detail, sizeof v->detail, "the verification context could not be made");
        return KH_DSIG_MALFORMED;
    }
    kh_dsig_reason reason = KH_DSIG_OK;
    int rc = xmlSecDSigCtxVerify(ctx, parts->signature);
    if (rc == 0 && ctx->status == xmlSecDSigStatusSucceeded) {
        reason = KH_DSIG_OK;
    } else if (any_reference_failed(ctx)) {
        snprintf(v->detail, sizeof v->detail, "the digest of the signed element does not match: it was changed after signing");
        reason = KH_DSIG_DIGEST_MISMATCH;
    } else {
        snprintf(v->detail, sizeof v->detail, "the SignatureValue does not verify with the signer's key");
        reason = KH_DSIG_SIGNATURE_MISMATCH;
    }
    xmlSecDSigCtxDestroy(ctx);
    return reason;
}

/* Comments are not signed (exclusive C14N without comments), so they must
 * not be read either: removing them and merging the text around them makes
 * every reader see the signed text whole. */
static void remove_comments(xmlNodePtr parent)
{
    xmlNodePtr c = parent->children;
    while (c) {
        xmlNodePtr next = c->next;
        if (c->type == XML_COMMENT_NODE) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        } else if (c->type == XML_ELEMENT_NODE) {
            remove_comments(c);
        }
        c = next;
    }
    for (c = parent->children; c; c = c->next)
        while (c->type == XML_TEXT_NODE && c->next && c->next->type == XML_TEXT_NODE)
            c = xmlTextMerge(c, c->next);
}

/* The signature method names the key type: an RSA method with an EC
 * certificate (or the reverse) cannot verify. */
static kh_dsig_reason check_key_fits_method(X509 *leaf, kh_dsig_verdict *v)
{
    int id = EVP_PKEY_get_base_id(X509_get0_pubkey(leaf));
    bool rsa_method = strstr(v->signature_method, "#rsa-") != NULL;
    if ((rsa_method && id == EVP_PKEY_RSA) || (!rsa_method && id == EVP_PKEY_EC))
        return KH_DSIG_OK;
    snprintf(v->detail, sizeof v->detail, "the signature method %s does not fit the signer's %s key",
             v->signature_method, id == EVP_PKEY_EC ? "EC" : id == EVP_PKEY_RSA ? "RSA" : OBJ_nid2sn(id));
    return KH_DSIG_SIGNATURE_MISMATCH;
}

kh_dsig_reason kh_dsig_verify(const kh_trust_domain *domain, xmlDocPtr doc, const char *expected_sender,
                              kh_dsig_verdict *v)
{
    memset(v, 0, sizeof *v);
    kh_signature_parts parts;
    v->reason = kh_signature_inspect(doc, &parts, v);
    if (v->reason != KH_DSIG_OK)
        return v->reason;

    STACK_OF(X509) *certs = kh_certificates_read(parts.key_info, v->detail, sizeof v->detail);
    if (!certs)
        return v->reason = KH_DSIG_NO_CERTIFICATE;
    X509 *leaf = kh_certificates_leaf(certs);
    if (!leaf) {
        snprintf(v->detail, sizeof v->detail, "X509Data holds certificates of more than one signer");
        v->reason = KH_DSIG_UNTRUSTED_CERTIFICATE;
    } else {
        v->reason = kh_certificate_judge(domain, leaf, certs, expected_sender, v);
        if (v->reason == KH_DSIG_OK)
            v->reason = check_key_fits_method(leaf, v);
        if (v->reason == KH_DSIG_OK)
            v->reason = verify_cryptography(&parts, leaf, v);
    }
    sk_X509_pop_free(certs, X509_free);
    if (v->reason == KH_DSIG_OK) {
        remove_comments(parts.signed_element);
        v->signed_element = parts.signed_element;
        snprintf(v->detail, sizeof v->detail, "signed by %s", v->signer_subject);
    }
    return v->reason;
}

static bool is_dsig_element(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns &&
           strcmp((const char *)n->ns->href, "http://www.w3.org/2000/09/xmldsig#") == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

/* The first ds:Signature in document order, wherever it is. */
static xmlNodePtr first_signature(xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is_dsig_element(n, "Signature"))
            return n;
        xmlNodePtr inner = first_signature(n->children);
        if (inner)
            return inner;
    }
    return NULL;
}

static void fill_claim(X509 *cert, kh_dsig_claim *claim)
{
    kh_certificate_subject_field(cert, NID_serialNumber, claim->serial_number, sizeof claim->serial_number);
    kh_certificate_subject_field(cert, NID_organizationIdentifier, claim->organization_identifier,
                                 sizeof claim->organization_identifier);
    kh_certificate_subject_field(cert, NID_commonName, claim->common_name, sizeof claim->common_name);
}

bool kh_certificate_claim(const unsigned char *der, size_t size, kh_dsig_claim *claim)
{
    memset(claim, 0, sizeof *claim);
    X509 *cert = kh_certificate_from_der(der, size);
    if (!cert)
        return false;
    fill_claim(cert, claim);
    X509_free(cert);
    return true;
}

bool kh_dsig_claimed_signer(xmlDocPtr doc, kh_dsig_claim *claim)
{
    memset(claim, 0, sizeof *claim);
    xmlNodePtr signature = first_signature(xmlDocGetRootElement(doc));
    xmlNodePtr key_info = NULL;
    for (xmlNodePtr c = signature ? signature->children : NULL; c && !key_info; c = c->next)
        if (is_dsig_element(c, "KeyInfo"))
            key_info = c;
    char ignored[256];
    STACK_OF(X509) *certs = key_info ? kh_certificates_read(key_info, ignored, sizeof ignored) : NULL;
    X509 *leaf = certs ? kh_certificates_leaf(certs) : NULL;
    if (leaf)
        fill_claim(leaf, claim);
    sk_X509_pop_free(certs, X509_free);
    return leaf != NULL;
}

/* A document that did not parse: refused for its DOCTYPE, or malformed. */
static kh_dsig_reason reject_unparsed(const char *why, kh_dsig_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->reason = strstr(why, "DOCTYPE") ? KH_DSIG_DOCTYPE : KH_DSIG_MALFORMED;
    snprintf(v->detail, sizeof v->detail, "%s", why);
    return v->reason;
}

static kh_dsig_reason verify_parsed(const kh_trust_domain *domain, xmlDocPtr doc, const char *expected_sender,
                                    kh_dsig_verdict *v, xmlDocPtr *doc_out)
{
    kh_dsig_verify(domain, doc, expected_sender, v);
    if (doc_out)
        *doc_out = doc;
    else
        xmlFreeDoc(doc);
    return v->reason;
}

kh_dsig_reason kh_dsig_verify_memory(const kh_trust_domain *domain, const char *data, size_t size, const char *name,
                                     const char *expected_sender, kh_dsig_verdict *v, xmlDocPtr *doc_out)
{
    if (doc_out)
        *doc_out = NULL;
    kh_xml_limits limits;
    kh_xml_limits_default(&limits);
    char err[512];
    xmlDocPtr doc = kh_xml_parse_memory(data, size, name, &limits, err, sizeof err);
    if (!doc)
        return reject_unparsed(err, v);
    return verify_parsed(domain, doc, expected_sender, v, doc_out);
}

kh_dsig_reason kh_dsig_verify_file(const kh_trust_domain *domain, const char *path, const char *expected_sender,
                                   kh_dsig_verdict *v, xmlDocPtr *doc_out)
{
    if (doc_out)
        *doc_out = NULL;
    kh_xml_limits limits;
    kh_xml_limits_default(&limits);
    char err[512];
    xmlDocPtr doc = kh_xml_parse_file(path, &limits, err, sizeof err);
    if (!doc)
        return reject_unparsed(err, v);
    return verify_parsed(domain, doc, expected_sender, v, doc_out);
}

void kh_dsig_detach_signature(xmlDocPtr doc)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    for (xmlNodePtr c = root ? root->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && c->ns &&
            strcmp((const char *)c->ns->href, "http://www.w3.org/2000/09/xmldsig#") == 0 &&
            strcmp((const char *)c->name, "Signature") == 0) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
            return;
        }
}
