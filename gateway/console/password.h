/*
 * password.h - the console's password hashes: PBKDF2-HMAC-SHA256 with a
 * random salt and a high iteration count (OpenSSL), kept in the
 * configuration as one self-describing string
 *
 *     $pbkdf2-sha256$i=600000$SALT$HASH
 *
 * SALT (16 bytes) and HASH (32 bytes) in base64 without padding. `khaalga
 * passwd` makes them; verification compares in constant time.
 */
#ifndef KHAALGA_CONSOLE_PASSWORD_H
#define KHAALGA_CONSOLE_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

enum {
    KH_PASSWORD_ITERATIONS = 600000,        /* what `khaalga passwd` uses */
    KH_PASSWORD_MIN_ITERATIONS = 100000,    /* fewer is refused when the configuration is read */
    KH_PASSWORD_MAX_ITERATIONS = 10000000,  /* more would make each login a denial of service */
    KH_PASSWORD_MAX_LENGTH = 1024,          /* bytes of a password */
    KH_PASSWORD_HASH_SIZE = 128             /* room for a hash string with its NUL */
};

/* Hashes password with a fresh random salt into out; 0, or -1 with why. */
int kh_password_hash(const char *password, unsigned iterations, char out[KH_PASSWORD_HASH_SIZE], char *why,
                     size_t whylen);

/* 0 when hash is a well-formed hash string with an acceptable iteration
 * count; -1 with why (for the configuration's error line). */
int kh_password_check_format(const char *hash, char *why, size_t whylen);

/* Whether password is the one hash was made from. With hash NULL (no such
 * user) the same work is done and the answer is false, so that the time
 * taken does not tell which user names exist. */
bool kh_password_verify(const char *password, const char *hash);

#endif
