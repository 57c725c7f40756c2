/*
 * certificate.c - reads the signer's certificates from X509Data and judges
 * the signer: a chain to the domain's roots valid now, revocation by CRL
 * (fail closed where the domain requires CRLs), RSA >= 2048 or EC >= 256
 * bits, key usage digitalSignature or nonRepudiation, and the identity field
 * the domain names equal to the sender.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "dsig/certificate.h"
#include "dsig/certificate_cache.h"

#define DSIG_NS "http://www.w3.org/2000/09/xmldsig#"

static bool is_dsig(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns && strcmp((const char *)n->ns->href, DSIG_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

/* Base64 text (with line breaks) to a certificate. */
static X509 *decode_certificate(const char *text)
{
    size_t len = strlen(text);
    unsigned char *der = OPENSSL_malloc(len + 4);
    if (!der)
        return NULL;
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    int out = 0, last = 0;
    X509 *cert = NULL;
    if (ctx) {
        EVP_DecodeInit(ctx);
        if (EVP_DecodeUpdate(ctx, der, &out, (const unsigned char *)text, (int)len) >= 0 &&
            EVP_DecodeFinal(ctx, der + out, &last) == 1)
            cert = kh_certificate_from_der(der, (size_t)(out + last));
        EVP_ENCODE_CTX_free(ctx);
    }
    OPENSSL_free(der);
    ERR_clear_error();
    return cert;
}

STACK_OF(X509) *kh_certificates_read(xmlNodePtr key_info, char *detail, size_t detail_len)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    if (!certs) {
        snprintf(detail, detail_len, "out of memory");
        return NULL;
    }
    for (xmlNodePtr data = key_info ? key_info->children : NULL; data; data = data->next) {
        if (!is_dsig(data, "X509Data"))
            continue;
        for (xmlNodePtr c = data->children; c; c = c->next) {
            if (!is_dsig(c, "X509Certificate"))
                continue;
            xmlChar *text = xmlNodeGetContent(c);
            X509 *cert = text ? decode_certificate((const char *)text) : NULL;
            xmlFree(text);
            if (!cert || !sk_X509_push(certs, cert)) {
                X509_free(cert);
                sk_X509_pop_free(certs, X509_free);
                snprintf(detail, detail_len, "an X509Certificate is not a DER certificate in base64");
                return NULL;
            }
        }
    }
    if (sk_X509_num(certs) == 0) {
        sk_X509_free(certs);
        snprintf(detail, detail_len, "KeyInfo holds no X509Certificate: keys are taken only from certificates");
        return NULL;
    }
    return certs;
}

X509 *kh_certificates_leaf(STACK_OF(X509) *certs)
{
    X509 *leaf = NULL;
    int n = sk_X509_num(certs);
    for (int i = 0; i < n; i++) {
        X509 *candidate = sk_X509_value(certs, i);
        bool issued_another = false;
        for (int j = 0; j < n && !issued_another; j++)
            if (j != i && X509_check_issued(candidate, sk_X509_value(certs, j)) == X509_V_OK &&
                X509_cmp(candidate, sk_X509_value(certs, j)) != 0)
                issued_another = true;
        if (issued_another)
            continue;
        if (leaf)
            return NULL;    /* two unrelated certificates: which one signed? */
        leaf = candidate;
    }
    return leaf;
}

static void name_text(const X509_NAME *name, char *out, size_t outlen)
{
    out[0] = '\0';
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio)
        return;
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        int n = BIO_read(bio, out, (int)outlen - 1);
        out[n > 0 ? n : 0] = '\0';
    }
    BIO_free(bio);
}

void kh_certificate_subject_field(X509 *cert, int nid, char *out, size_t outlen)
{
    out[0] = '\0';
    X509_NAME *subject = X509_get_subject_name(cert);
    int at = X509_NAME_get_index_by_NID(subject, nid, -1);
    if (at < 0)
        return;
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at)));
    if (n >= 0)
        snprintf(out, outlen, "%.*s", n, (const char *)utf8);
    OPENSSL_free(utf8);
}

static void describe_signer(X509 *leaf, int identity_nid, kh_dsig_verdict *v)
{
    name_text(X509_get_subject_name(leaf), v->signer_subject, sizeof v->signer_subject);
    name_text(X509_get_issuer_name(leaf), v->signer_issuer, sizeof v->signer_issuer);
    v->signer_serial[0] = '\0';
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    if (hex)
        snprintf(v->signer_serial, sizeof v->signer_serial, "%s", hex);
    OPENSSL_free(hex);
    BN_free(bn);
    kh_certificate_subject_field(leaf, identity_nid, v->signer_identity, sizeof v->signer_identity);
}

/* Without a required CRL, an issuer that publishes none is not an error. */
static int tolerate_missing_crl(int ok, X509_STORE_CTX *ctx)
{
    if (!ok && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNABLE_TO_GET_CRL)
        return 1;
    return ok;
}

static kh_dsig_reason reason_of_chain_error(int error)
{
    switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return KH_DSIG_EXPIRED;
    case X509_V_ERR_CERT_REVOKED:
        return KH_DSIG_REVOKED;
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
        return KH_DSIG_CRL_STALE;
    default:
        return KH_DSIG_UNTRUSTED_CERTIFICATE;
    }
}

/* ------------------------------------------------------------ chain verdicts kept */

/* A chain verdict depends only on the domain's store (fixed once loaded), the
 * certificates and the time: a leaf whose chain verified is taken again
 * without verifying until the first of ten minutes, the chain's notAfter and
 * the domain's earliest CRL nextUpdate. Failures are not kept. */
enum { MEMO_SLOTS = 128, MEMO_SECONDS = 600 };

typedef struct memo_slot {
    unsigned char digest[32];
    time_t        until;
} memo_slot;

struct kh_chain_memo {
    pthread_mutex_t lock;
    memo_slot       slots[MEMO_SLOTS];
};

kh_chain_memo *kh_chain_memo_new(void)
{
    kh_chain_memo *m = calloc(1, sizeof *m);
    if (m)
        pthread_mutex_init(&m->lock, NULL);
    return m;
}

void kh_chain_memo_free(kh_chain_memo *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static bool memo_holds(kh_chain_memo *m, const unsigned char digest[32], time_t now)
{
    memo_slot *slot = &m->slots[digest[0] % MEMO_SLOTS];
    pthread_mutex_lock(&m->lock);
    bool holds = slot->until > now && memcmp(slot->digest, digest, 32) == 0;
    pthread_mutex_unlock(&m->lock);
    return holds;
}

static void memo_keep(kh_chain_memo *m, const unsigned char digest[32], time_t until)
{
    memo_slot *slot = &m->slots[digest[0] % MEMO_SLOTS];
    pthread_mutex_lock(&m->lock);
    memcpy(slot->digest, digest, 32);
    slot->until = until;
    pthread_mutex_unlock(&m->lock);
}

static time_t as_time(const ASN1_TIME *t)
{
    struct tm tm;
    return t && ASN1_TIME_to_tm(t, &tm) == 1 ? timegm(&tm) : 0;
}

/* Until when a verified chain's verdict holds. */
static time_t verdict_horizon(const kh_trust_domain *d, STACK_OF(X509) *chain, time_t now)
{
    time_t until = now + MEMO_SECONDS;
    if (d->crl_horizon < until)
        until = d->crl_horizon;
    for (int i = 0; i < sk_X509_num(chain); i++) {
        time_t not_after = as_time(X509_get0_notAfter(sk_X509_value(chain, i)));
        if (not_after < until)
            until = not_after;
    }
    return until;
}

static kh_dsig_reason check_chain(const kh_trust_domain *d, X509 *leaf, STACK_OF(X509) *certs, kh_dsig_verdict *v)
{
    unsigned char digest[32];
    unsigned int digest_len = 0;
    time_t now = time(NULL);
    bool have_digest = X509_digest(leaf, EVP_sha256(), digest, &digest_len) == 1 && digest_len == 32;
    if (have_digest && memo_holds(d->memo, digest, now))
        return KH_DSIG_OK;

    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (!ctx || X509_STORE_CTX_init(ctx, d->store, leaf, certs) != 1) {
        X509_STORE_CTX_free(ctx);
        snprintf(v->detail, sizeof v->detail, "the certificate chain could not be checked");
        return KH_DSIG_UNTRUSTED_CERTIFICATE;
    }
    unsigned long flags = 0;
    if (d->policy.require_crl || d->crls > 0)
        flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
    X509_STORE_CTX_set_flags(ctx, flags);
    if (!d->policy.require_crl)
        X509_STORE_CTX_set_verify_cb(ctx, tolerate_missing_crl);
    kh_dsig_reason reason = KH_DSIG_OK;
    if (X509_verify_cert(ctx) != 1) {
        int error = X509_STORE_CTX_get_error(ctx);
        int depth = X509_STORE_CTX_get_error_depth(ctx);
        reason = reason_of_chain_error(error);
        snprintf(v->detail, sizeof v->detail, "certificate chain, depth %d: %s", depth,
                 X509_verify_cert_error_string(error));
    } else if (have_digest) {
        memo_keep(d->memo, digest, verdict_horizon(d, X509_STORE_CTX_get0_chain(ctx), now));
    }
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return reason;
}

static kh_dsig_reason check_key(X509 *leaf, kh_dsig_verdict *v)
{
    EVP_PKEY *key = X509_get0_pubkey(leaf);
    if (!key) {
        snprintf(v->detail, sizeof v->detail, "the certificate's public key cannot be read");
        return KH_DSIG_WEAK_KEY;
    }
    int bits = EVP_PKEY_get_bits(key);
    int id = EVP_PKEY_get_base_id(key);
    if (id == EVP_PKEY_RSA && bits < 2048) {
        snprintf(v->detail, sizeof v->detail, "RSA key of %d bits; at least 2048 are needed", bits);
        return KH_DSIG_WEAK_KEY;
    }
    if (id == EVP_PKEY_EC && bits < 256) {
        snprintf(v->detail, sizeof v->detail, "EC key of %d bits; at least 256 are needed", bits);
        return KH_DSIG_WEAK_KEY;
    }
    if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC) {
        snprintf(v->detail, sizeof v->detail, "a %s key: only RSA and EC keys are accepted", OBJ_nid2sn(id));
        return KH_DSIG_WEAK_KEY;
    }
    return KH_DSIG_OK;
}

static kh_dsig_reason check_key_usage(X509 *leaf, kh_dsig_verdict *v)
{
    uint32_t flags = X509_get_extension_flags(leaf);
    if (!(flags & EXFLAG_KUSAGE)) {
        snprintf(v->detail, sizeof v->detail, "the certificate has no key usage extension; digitalSignature or nonRepudiation is needed");
        return KH_DSIG_KEY_USAGE;
    }
    if (!(X509_get_key_usage(leaf) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
        snprintf(v->detail, sizeof v->detail, "the certificate's key usage allows neither digitalSignature nor nonRepudiation");
        return KH_DSIG_KEY_USAGE;
    }
    return KH_DSIG_OK;
}

static kh_dsig_reason check_identity(const kh_trust_domain *d, const char *expected_sender, kh_dsig_verdict *v)
{
    const char *field = OBJ_nid2sn(d->policy.identity_nid);
    if (!expected_sender || !expected_sender[0]) {
        if (!d->policy.require_sender)
            return KH_DSIG_OK;
        snprintf(v->detail, sizeof v->detail, "the domain binds signers to senders and no sender was named");
        return KH_DSIG_IDENTITY_MISMATCH;
    }
    if (!v->signer_identity[0]) {
        snprintf(v->detail, sizeof v->detail, "the certificate's subject has no %s to bind to sender \"%s\"", field,
                 expected_sender);
        return KH_DSIG_IDENTITY_MISMATCH;
    }
    if (strcmp(v->signer_identity, expected_sender) != 0) {
        snprintf(v->detail, sizeof v->detail, "signed by %s \"%s\", but the sender is \"%s\"", field,
                 v->signer_identity, expected_sender);
        return KH_DSIG_IDENTITY_MISMATCH;
    }
    return KH_DSIG_OK;
}

kh_dsig_reason kh_certificate_judge(const kh_trust_domain *d, X509 *leaf, STACK_OF(X509) *certs,
                                    const char *expected_sender, kh_dsig_verdict *v)
{
    describe_signer(leaf, d->policy.identity_nid, v);
    kh_dsig_reason reason = check_chain(d, leaf, certs, v);
    if (reason == KH_DSIG_OK)
        reason = check_key(leaf, v);
    if (reason == KH_DSIG_OK)
        reason = check_key_usage(leaf, v);
    if (reason == KH_DSIG_OK)
        reason = check_identity(d, expected_sender, v);
    return reason;
}
