/*
 * session.c - the console's in-memory sessions with idle and absolute
 * expiry, and their CSRF tokens (session.h). Tokens are compared in
 * constant time; the table is small and scanned whole.
 */
#include "console/session.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

struct kh_sessions {
    pthread_mutex_t lock;
    kh_session     *slots;     /* token[0] == '\0': free */
    size_t          capacity;
    int64_t         idle_ms, lifetime_ms;
};

static int random_token(char out[KH_TOKEN_SIZE])
{
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        return -1;
    for (size_t i = 0; i < sizeof bytes; i++)
        snprintf(out + 2 * i, 3, "%02x", bytes[i]);
    return 0;
}

static bool expired(const kh_sessions *s, const kh_session *x, int64_t now_ms)
{
    return now_ms >= x->expires_ms || now_ms - x->last_used_ms >= s->idle_ms;
}

static void forget(kh_session *x)
{
    OPENSSL_cleanse(x, sizeof *x);
}

static bool same_token(const char *a, const char *b)
{
    return strlen(b) == KH_TOKEN_SIZE - 1 && CRYPTO_memcmp(a, b, KH_TOKEN_SIZE - 1) == 0;
}

kh_sessions *kh_sessions_new(size_t capacity, int64_t idle_ms, int64_t lifetime_ms)
{
    kh_sessions *s = calloc(1, sizeof *s);
    if (!s || !(s->slots = calloc(capacity ? capacity : 1, sizeof *s->slots))) {
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    s->capacity = capacity ? capacity : 1;
    s->idle_ms = idle_ms;
    s->lifetime_ms = lifetime_ms;
    return s;
}

void kh_sessions_free(kh_sessions *s)
{
    if (!s)
        return;
    OPENSSL_cleanse(s->slots, s->capacity * sizeof *s->slots);
    free(s->slots);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int kh_sessions_create(kh_sessions *s, const char *user, int64_t now_ms, kh_session *out)
{
    kh_session fresh = { .created_ms = now_ms, .last_used_ms = now_ms, .expires_ms = now_ms + s->lifetime_ms };
    if (random_token(fresh.token) != 0 || random_token(fresh.csrf) != 0)
        return -1;
    snprintf(fresh.user, sizeof fresh.user, "%s", user);
    pthread_mutex_lock(&s->lock);
    kh_session *slot = NULL, *least_recent = &s->slots[0];
    for (size_t i = 0; i < s->capacity; i++) {
        kh_session *x = &s->slots[i];
        if (x->token[0] && expired(s, x, now_ms))
            forget(x);
        if (!x->token[0] && !slot)
            slot = x;
        if (x->last_used_ms < least_recent->last_used_ms)
            least_recent = x;
    }
    if (!slot)
        slot = least_recent;
    *slot = fresh;
    *out = fresh;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

int kh_sessions_use(kh_sessions *s, const char *token, int64_t now_ms, kh_session *out)
{
    if (!token || strlen(token) != KH_TOKEN_SIZE - 1)
        return -1;
    int found = -1;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->capacity; i++) {
        kh_session *x = &s->slots[i];
        if (!x->token[0] || !same_token(x->token, token))
            continue;
        if (expired(s, x, now_ms)) {
            forget(x);
            break;
        }
        x->last_used_ms = now_ms;
        *out = *x;
        found = 0;
        break;
    }
    pthread_mutex_unlock(&s->lock);
    return found;
}

void kh_sessions_end(kh_sessions *s, const char *token)
{
    if (!token || strlen(token) != KH_TOKEN_SIZE - 1)
        return;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->capacity; i++)
        if (s->slots[i].token[0] && same_token(s->slots[i].token, token))
            forget(&s->slots[i]);
    pthread_mutex_unlock(&s->lock);
}

void kh_sessions_end_user(kh_sessions *s, const char *user)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->capacity; i++)
        if (s->slots[i].token[0] && strcmp(s->slots[i].user, user) == 0)
            forget(&s->slots[i]);
    pthread_mutex_unlock(&s->lock);
}

size_t kh_sessions_count(kh_sessions *s, int64_t now_ms)
{
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->capacity; i++)
        if (s->slots[i].token[0] && !expired(s, &s->slots[i], now_ms))
            n++;
    pthread_mutex_unlock(&s->lock);
    return n;
}

bool kh_csrf_matches(const kh_session *session, const char *given)
{
    return given && session->csrf[0] && same_token(session->csrf, given);
}
