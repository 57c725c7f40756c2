/*
 * certificate.h - the signer's certificate: read from the signature's
 * X509Data, and judged by Khaalga itself (chain to the domain's roots,
 * validity now, revocation, key size, key usage, identity), so that each
 * failure gets its own reason code.
 */
#ifndef KHAALGA_DSIG_CERTIFICATE_H
#define KHAALGA_DSIG_CERTIFICATE_H

#include <openssl/x509.h>
#include <libxml/tree.h>

#include "dsig/trust_domain.h"

/* The certificates of the X509Data elements under key_info; NULL (with
 * detail) when there is none or one does not decode. */
STACK_OF(X509) *kh_certificates_read(xmlNodePtr key_info, char *detail, size_t detail_len);

/* The one certificate of the set that issued none of the others; NULL when
 * there is not exactly one. */
X509 *kh_certificates_leaf(STACK_OF(X509) *certs);

/* The UTF-8 text of the subject field nid of cert into out ("" when absent). */
void kh_certificate_subject_field(X509 *cert, int nid, char *out, size_t outlen);

/* Judges leaf (with the other certificates as untrusted intermediates) and
 * fills the signer fields of the verdict. Returns KH_DSIG_OK or the reason. */
kh_dsig_reason kh_certificate_judge(const kh_trust_domain *domain, X509 *leaf, STACK_OF(X509) *certs,
                                    const char *expected_sender, kh_dsig_verdict *verdict);

#endif
