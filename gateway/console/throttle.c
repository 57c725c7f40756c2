/*
 * throttle.c - exponential waits after failed logins, per key, in a small
 * table whose oldest entry makes room when it is full (throttle.h).
 */
#include "console/throttle.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { KEY_SIZE = 96 };

static const int64_t first_wait_ms = 1000;
static const int64_t longest_wait_ms = 5 * 60 * 1000;
static const int64_t forget_after_ms = 15 * 60 * 1000;

typedef struct entry {
    char     key[KEY_SIZE];
    unsigned failures;
    int64_t  last_failure_ms;
} entry;

struct kh_throttle {
    pthread_mutex_t lock;
    entry          *entries;
    size_t          capacity;
    unsigned        free_failures;
};

kh_throttle *kh_throttle_new(size_t capacity, unsigned free_failures)
{
    kh_throttle *t = calloc(1, sizeof *t);
    if (!t || !(t->entries = calloc(capacity ? capacity : 1, sizeof *t->entries))) {
        free(t);
        return NULL;
    }
    pthread_mutex_init(&t->lock, NULL);
    t->capacity = capacity ? capacity : 1;
    t->free_failures = free_failures;
    return t;
}

void kh_throttle_free(kh_throttle *t)
{
    if (!t)
        return;
    free(t->entries);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

static entry *find(kh_throttle *t, const char *key, int64_t now_ms)
{
    for (size_t i = 0; i < t->capacity; i++) {
        entry *e = &t->entries[i];
        if (!e->key[0])
            continue;
        if (now_ms - e->last_failure_ms >= forget_after_ms) {
            memset(e, 0, sizeof *e);
            continue;
        }
        if (strncmp(e->key, key, KEY_SIZE - 1) == 0)
            return e;
    }
    return NULL;
}

static int64_t wait_of(const kh_throttle *t, const entry *e, int64_t now_ms)
{
    if (e->failures < t->free_failures)
        return 0;
    unsigned doublings = e->failures - t->free_failures;
    int64_t wait = doublings >= 20 ? longest_wait_ms : first_wait_ms << doublings;
    if (wait > longest_wait_ms)
        wait = longest_wait_ms;
    int64_t left = e->last_failure_ms + wait - now_ms;
    return left > 0 ? left : 0;
}

int64_t kh_throttle_wait(kh_throttle *t, const char *key, int64_t now_ms)
{
    pthread_mutex_lock(&t->lock);
    entry *e = find(t, key, now_ms);
    int64_t wait = e ? wait_of(t, e, now_ms) : 0;
    pthread_mutex_unlock(&t->lock);
    return wait;
}

void kh_throttle_failed(kh_throttle *t, const char *key, int64_t now_ms)
{
    pthread_mutex_lock(&t->lock);
    entry *e = find(t, key, now_ms);
    if (!e) {
        entry *oldest = &t->entries[0];
        for (size_t i = 0; i < t->capacity && !e; i++) {
            if (!t->entries[i].key[0])
                e = &t->entries[i];
            else if (t->entries[i].last_failure_ms < oldest->last_failure_ms)
                oldest = &t->entries[i];
        }
        if (!e)
            e = oldest;
        memset(e, 0, sizeof *e);
        snprintf(e->key, sizeof e->key, "%s", key);
    }
    e->failures++;
    e->last_failure_ms = now_ms;
    pthread_mutex_unlock(&t->lock);
}

void kh_throttle_succeeded(kh_throttle *t, const char *key)
{
    pthread_mutex_lock(&t->lock);
    for (size_t i = 0; i < t->capacity; i++)
        if (t->entries[i].key[0] && strncmp(t->entries[i].key, key, KEY_SIZE - 1) == 0)
            memset(&t->entries[i], 0, sizeof t->entries[i]);
    pthread_mutex_unlock(&t->lock);
}
