/*
 * sign.c - signs what Khaalga sends: an enveloped signature appended to the
 * document element, exclusive C14N, RSA-SHA256 or ECDSA-SHA256 after the
 * key, a SHA-256 digest of the whole document (URI ""), and X509Data with
 * the signer's certificate chain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/templates.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/openssl/x509.h>

#include "dsig/dsig.h"

struct kh_signer {
    xmlSecKeyPtr key;
    bool         elliptic;    /* ECDSA rather than RSA */
};

/* The leaf (first) and its chain from a PEM file. */
static STACK_OF(X509) *read_chain(const char *cert_file, char *err, size_t errlen)
{
    BIO *bio = BIO_new_file(cert_file, "rb");
    if (!bio) {
        snprintf(err, errlen, "%s: cannot be read", cert_file);
        return NULL;
    }
    STACK_OF(X509) *chain = sk_X509_new_null();
    X509 *cert;
    while (chain && (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
        if (!sk_X509_push(chain, cert))
            X509_free(cert);
    BIO_free(bio);
    ERR_clear_error();
    if (!chain || sk_X509_num(chain) == 0) {
        sk_X509_free(chain);
        snprintf(err, errlen, "%s: holds no PEM certificate", cert_file);
        return NULL;
    }
    return chain;
}

static int check_key(EVP_PKEY *pkey, const char *key_file, bool *elliptic, char *err, size_t errlen)
{
    int id = EVP_PKEY_get_base_id(pkey), bits = EVP_PKEY_get_bits(pkey);
    if (id == EVP_PKEY_RSA && bits >= 2048) {
        *elliptic = false;
        return 0;
    }
    char group[64] = "";
    size_t glen = 0;
    if (id == EVP_PKEY_EC && EVP_PKEY_get_utf8_string_param(pkey, "group", group, sizeof group, &glen) == 1 &&
        strcmp(group, "prime256v1") == 0) {
        *elliptic = true;
        return 0;
    }
    snprintf(err, errlen, "%s: a %d-bit %s key; Khaalga signs with RSA of at least 2048 bits or EC P-256", key_file,
             bits, OBJ_nid2sn(id));
    return -1;
}

kh_signer *kh_signer_load(const char *key_file, const char *cert_file, char *err, size_t errlen)
{
    if (kh_dsig_library_init(err, errlen) < 0)
        return NULL;
    STACK_OF(X509) *chain = read_chain(cert_file, err, errlen);
    if (!chain)
        return NULL;
    kh_signer *s = calloc(1, sizeof *s);
    if (!s) {
        sk_X509_pop_free(chain, X509_free);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->key = xmlSecCryptoAppKeyLoad(key_file, xmlSecKeyDataFormatPem, NULL, NULL, NULL);
    EVP_PKEY *pkey = s->key ? xmlSecOpenSSLEvpKeyDataGetEvp(xmlSecKeyGetValue(s->key)) : NULL;
    X509 *leaf = sk_X509_value(chain, 0);
    int rc = -1;
    if (!pkey)
        snprintf(err, errlen, "%s: not a PEM private key", key_file);
    else if (check_key(pkey, key_file, &s->elliptic, err, errlen) < 0)
        ;
    else if (X509_check_private_key(leaf, pkey) != 1)
        snprintf(err, errlen, "%s: the first certificate does not belong to the key %s", cert_file, key_file);
    else {
        xmlSecKeyDataPtr x509 = xmlSecKeyEnsureData(s->key, xmlSecOpenSSLKeyDataX509Id);
        X509 *key_cert = X509_dup(leaf);
        rc = x509 && key_cert && xmlSecOpenSSLKeyDataX509AdoptKeyCert(x509, key_cert) == 0 ? 0 : -1;
        if (rc < 0)
            X509_free(key_cert);
        while (rc == 0 && sk_X509_num(chain) > 0) {
            X509 *cert = sk_X509_shift(chain);
            if (xmlSecOpenSSLKeyDataX509AdoptCert(x509, cert) < 0) {
                X509_free(cert);
                rc = -1;
            }
        }
        if (rc < 0)
            snprintf(err, errlen, "%s: the certificates could not be attached to the key", cert_file);
    }
    sk_X509_pop_free(chain, X509_free);
    ERR_clear_error();
    if (rc < 0) {
        kh_signer_free(s);
        return NULL;
    }
    return s;
}

void kh_signer_free(kh_signer *s)
{
    if (!s)
        return;
    if (s->key)
        xmlSecKeyDestroy(s->key);
    free(s);
}

static bool holds_signature(xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (n->ns && strcmp((const char *)n->ns->href, (const char *)xmlSecDSigNs) == 0 &&
            strcmp((const char *)n->name, "Signature") == 0)
            return true;
        if (holds_signature(n->children))
            return true;
    }
    return false;
}

int kh_dsig_sign(const kh_signer *s, xmlDocPtr doc, char *err, size_t errlen)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root) {
        snprintf(err, errlen, "the document has no element to sign");
        return -1;
    }
    if (holds_signature(root)) {
        snprintf(err, errlen, "the document is already signed");
        return -1;
    }
    xmlNodePtr signature = xmlSecTmplSignatureCreate(doc, xmlSecTransformExclC14NId,
                                                     s->elliptic ? xmlSecTransformEcdsaSha256Id
                                                                 : xmlSecTransformRsaSha256Id, NULL);
    if (!signature) {
        snprintf(err, errlen, "the signature template could not be made");
        return -1;
    }
    xmlAddChild(root, signature);
    xmlNodePtr reference = xmlSecTmplSignatureAddReference(signature, xmlSecTransformSha256Id, NULL,
                                                           (const xmlChar *)"", NULL);
    xmlNodePtr key_info = xmlSecTmplSignatureEnsureKeyInfo(signature, NULL);
    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
    int rc = -1;
    if (reference && key_info && ctx &&
        xmlSecTmplReferenceAddTransform(reference, xmlSecTransformEnvelopedId) &&
        xmlSecTmplReferenceAddTransform(reference, xmlSecTransformExclC14NId) &&
        xmlSecTmplKeyInfoAddX509Data(key_info)) {
        /* the signer's key is lent, not copied (copying it costs more than
         * the signature): signing only reads it, so threads may share it */
        ctx->signKey = s->key;
        rc = xmlSecDSigCtxSign(ctx, signature) == 0 ? 0 : -1;
        ctx->signKey = NULL;
    }
    if (ctx)
        xmlSecDSigCtxDestroy(ctx);
    if (rc < 0) {
        xmlUnlinkNode(signature);
        xmlFreeNode(signature);
        snprintf(err, errlen, "signing failed");
    }
    return rc;
}
