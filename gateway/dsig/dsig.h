/*
 * dsig.h - XML-DSig for Khaalga: verifying a partner's enveloped signature
 * against the partner's trust domain, and signing what Khaalga sends.
 *
 * Verification follows the rules of DESIGN.md ("XML-DSig"): one signature,
 * a child of the document element, one reference to the document element
 * ("" or "#id"), allow-listed transforms and algorithms, keys only from
 * X509Data certificates that chain to the domain's roots, are valid now, not
 * revoked, strong enough, usable for signing and bound to the sender. Every
 * verdict carries a stable reason code (docs/xmldsig.md).
 */
#ifndef KHAALGA_DSIG_H
#define KHAALGA_DSIG_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

/* The reasons of a verdict; kh_dsig_reason_code() gives the stable text
 * code, which is what logs, JSON and the documentation use. */
typedef enum kh_dsig_reason {
    KH_DSIG_OK = 0,
    KH_DSIG_MALFORMED,              /* not well-formed XML, or a Signature missing its parts */
    KH_DSIG_DOCTYPE,                /* a DOCTYPE (entities, external subsets) */
    KH_DSIG_NO_SIGNATURE,
    KH_DSIG_MULTIPLE_SIGNATURES,
    KH_DSIG_WRAPPING,               /* signature or signed element not where they must be; duplicate IDs */
    KH_DSIG_FORBIDDEN_REFERENCE,    /* a URI other than "" or #id, more than one Reference */
    KH_DSIG_FORBIDDEN_TRANSFORM,
    KH_DSIG_FORBIDDEN_ALGORITHM,
    KH_DSIG_FORBIDDEN_KEY_INFO,     /* KeyValue, RetrievalMethod…: keys come only from certificates */
    KH_DSIG_NO_CERTIFICATE,         /* no X509Data certificate */
    KH_DSIG_DIGEST_MISMATCH,
    KH_DSIG_SIGNATURE_MISMATCH,
    KH_DSIG_UNTRUSTED_CERTIFICATE,
    KH_DSIG_EXPIRED,                /* the certificate is not valid now (expired or not yet valid) */
    KH_DSIG_REVOKED,
    KH_DSIG_CRL_STALE,              /* the domain needs a current CRL and has none */
    KH_DSIG_WEAK_KEY,
    KH_DSIG_KEY_USAGE,
    KH_DSIG_IDENTITY_MISMATCH,
    KH_DSIG_REASON_COUNT
} kh_dsig_reason;

const char *kh_dsig_reason_code(kh_dsig_reason reason);

/* Sets up xmlsec and OpenSSL once per process with safe defaults (no HUGE
 * parsing, no file/network input callbacks, xmlsec's error printing replaced
 * by kh_dsig's own). Returns 0, or -1 with err filled. Safe to call more
 * than once. */
int  kh_dsig_library_init(char *err, size_t errlen);
void kh_dsig_library_shutdown(void);

/* A trust domain: a folder with
 *   ca/       root and intermediate CA certificates (PEM or DER)
 *   pinned/   self-signed partner certificates trusted as they are
 *   crl/      certificate revocation lists (PEM or DER)
 *   domain.ini  the policy (docs/xmldsig.md): require_crl, identity, require_sender
 * Loaded once; read-only afterwards, so threads may share it. */
typedef struct kh_trust_domain kh_trust_domain;

/* extra_crl (may be NULL) is one more CRL file to use. NULL on error, with
 * err naming the file (and line, for domain.ini). */
kh_trust_domain *kh_trust_domain_load(const char *dir, const char *extra_crl, char *err, size_t errlen);
void kh_trust_domain_free(kh_trust_domain *domain);

typedef struct kh_dsig_verdict {
    kh_dsig_reason reason;
    char       detail[512];               /* what exactly, for people */
    char       signer_subject[512];       /* RFC 2253 form, when a certificate was read */
    char       signer_issuer[512];
    char       signer_serial[80];         /* hex */
    char       signer_identity[256];      /* the field the domain binds (serialNumber, organizationIdentifier, CN) */
    char       signature_method[128];     /* algorithm URIs */
    char       digest_method[128];
    xmlNodePtr signed_element;            /* on ok: the element the reference resolved to */
} kh_dsig_verdict;

/* Verifies the one signature of doc. expected_sender (may be NULL) is the
 * sender the message or the partner profile names; the signer's identity
 * must equal it. On ok the signed element is in verdict->signed_element,
 * with comments removed and adjacent text merged, so that what is read is
 * what was signed. Returns verdict->reason. */
kh_dsig_reason kh_dsig_verify(const kh_trust_domain *domain, xmlDocPtr doc, const char *expected_sender,
                              kh_dsig_verdict *verdict);

/* Parses data (hardened: no DOCTYPE, no network) and verifies it. *doc_out
 * (may be NULL) receives the document, also on rejection when it parsed;
 * the caller frees it. */
kh_dsig_reason kh_dsig_verify_memory(const kh_trust_domain *domain, const char *data, size_t size,
                                     const char *name, const char *expected_sender, kh_dsig_verdict *verdict,
                                     xmlDocPtr *doc_out);

/* The same for a file ("-" is standard input). */
kh_dsig_reason kh_dsig_verify_file(const kh_trust_domain *domain, const char *path, const char *expected_sender,
                                   kh_dsig_verdict *verdict, xmlDocPtr *doc_out);

/* Who the document says signed it, not yet verified: the subject fields of
 * the one signer certificate in its signature, to find the partner whose
 * trust domain is to verify it. Returns true when the document holds one
 * readable signer certificate. */
typedef struct kh_dsig_claim {
    char serial_number[128];
    char organization_identifier[128];
    char common_name[256];
} kh_dsig_claim;
bool kh_dsig_claimed_signer(xmlDocPtr doc, kh_dsig_claim *claim);

/* The same subject fields of a DER certificate (a TLS client's, say);
 * false when der is not one. */
bool kh_certificate_claim(const unsigned char *der, size_t size, kh_dsig_claim *claim);

/* Removes the Signature from the verified document, leaving the signed
 * content as it was before signing. */
void kh_dsig_detach_signature(xmlDocPtr doc);

/* A signing key with its certificate chain (leaf first), loaded once. */
typedef struct kh_signer kh_signer;
kh_signer *kh_signer_load(const char *key_file, const char *cert_file, char *err, size_t errlen);
void kh_signer_free(kh_signer *signer);

/* Signs doc in place: an enveloped signature appended to the document
 * element, exclusive C14N, RSA-SHA256 or ECDSA-P256-SHA256 after the key,
 * a SHA-256 digest, and X509Data with the chain. A document that already
 * holds a Signature is refused. Returns 0, or -1 with err filled. */
int kh_dsig_sign(const kh_signer *signer, xmlDocPtr doc, char *err, size_t errlen);

#endif
