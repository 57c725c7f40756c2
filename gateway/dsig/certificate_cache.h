/*
 * certificate_cache.h - decoded certificates kept for reuse: partners send
 * the same certificates with every message, and decoding one costs far more
 * (about 0.1 ms with OpenSSL 3.0) than the signature check itself.
 */
#ifndef KHAALGA_DSIG_CERTIFICATE_CACHE_H
#define KHAALGA_DSIG_CERTIFICATE_CACHE_H

#include <stddef.h>

#include <openssl/x509.h>

/* The certificate of these DER bytes (a new reference the caller frees),
 * decoded once and then served from a small bounded table keyed by the
 * exact bytes; NULL when they are not one whole certificate. Thread-safe. */
X509 *kh_certificate_from_der(const unsigned char *der, size_t len);

/* Empties the table (at shutdown). */
void kh_certificate_cache_clear(void);

#endif
