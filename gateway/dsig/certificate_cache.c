/*
 * certificate_cache.c - a small table of decoded certificates, one slot per
 * hash of the DER bytes (FNV-1a), the bytes themselves compared in full
 * before a slot is trusted; a new certificate takes its slot's place. Bounded
 * at CACHE_SLOTS certificates, guarded by one mutex.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "dsig/certificate_cache.h"

enum { CACHE_SLOTS = 256, MAX_CACHED_DER = 16384 };

typedef struct slot {
    unsigned char *der;
    size_t         len;
    X509          *cert;
} slot;

static slot slots[CACHE_SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t fnv1a(const unsigned char *p, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

static X509 *decode(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    X509 *cert = d2i_X509(NULL, &p, (long)len);
    if (cert && p != der + len) {    /* trailing bytes: not one whole certificate */
        X509_free(cert);
        cert = NULL;
    }
    ERR_clear_error();
    return cert;
}

X509 *kh_certificate_from_der(const unsigned char *der, size_t len)
{
    if (len == 0 || len > MAX_CACHED_DER)
        return len ? decode(der, len) : NULL;
    slot *s = &slots[fnv1a(der, len) % CACHE_SLOTS];

    pthread_mutex_lock(&lock);
    X509 *cert = NULL;
    if (s->cert && s->len == len && memcmp(s->der, der, len) == 0 && X509_up_ref(s->cert) == 1)
        cert = s->cert;
    pthread_mutex_unlock(&lock);
    if (cert)
        return cert;

    cert = decode(der, len);
    unsigned char *copy = cert ? malloc(len) : NULL;
    if (!copy || X509_up_ref(cert) != 1) {
        free(copy);
        return cert;    /* usable, only not cached */
    }
    memcpy(copy, der, len);
    pthread_mutex_lock(&lock);
    unsigned char *old_der = s->der;
    X509 *old_cert = s->cert;
    s->der = copy;
    s->len = len;
    s->cert = cert;
    pthread_mutex_unlock(&lock);
    free(old_der);
    X509_free(old_cert);
    return cert;
}

void kh_certificate_cache_clear(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        free(slots[i].der);
        X509_free(slots[i].cert);
        slots[i] = (slot){ 0 };
    }
    pthread_mutex_unlock(&lock);
}
