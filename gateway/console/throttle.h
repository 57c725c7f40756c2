/*
 * throttle.h - login attempts slowed down after failures: per key (a user
 * name, a client address), the first few failures cost nothing; after them
 * each further attempt must wait twice as long as the one before (1 s,
 * 2 s, 4 s … at most 5 minutes) after the last failure. A success forgets
 * the key; so do 15 minutes without a failure. Bounded; thread-safe.
 */
#ifndef KHAALGA_CONSOLE_THROTTLE_H
#define KHAALGA_CONSOLE_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct kh_throttle kh_throttle;

/* free_failures: failures before waits begin. */
kh_throttle *kh_throttle_new(size_t capacity, unsigned free_failures);
void kh_throttle_free(kh_throttle *t);

/* Milliseconds to wait before key may try again; 0 when it may now. */
int64_t kh_throttle_wait(kh_throttle *t, const char *key, int64_t now_ms);
void kh_throttle_failed(kh_throttle *t, const char *key, int64_t now_ms);
void kh_throttle_succeeded(kh_throttle *t, const char *key);

#endif
