/*
 * password.c - PBKDF2-HMAC-SHA256 password hashes for the console's users:
 * made with a random salt, parsed from their self-describing string, and
 * verified in constant time (password.h).
 */
#include "console/password.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

enum { SALT_SIZE = 16, KEY_SIZE = 32 };

static const char prefix[] = "$pbkdf2-sha256$i=";

typedef struct parsed_hash {
    unsigned long iterations;
    unsigned char salt[SALT_SIZE];
    unsigned char key[KEY_SIZE];
} parsed_hash;

/* base64 without padding; out has room for 4 * ceil(size / 3) + 1. */
static void encode(const unsigned char *data, size_t size, char *out)
{
    int n = EVP_EncodeBlock((unsigned char *)out, data, (int)size);
    while (n > 0 && out[n - 1] == '=')
        out[--n] = '\0';
}

/* Exactly want bytes from unpadded base64 text of length len; 0 or -1. */
static int decode(const char *text, size_t len, unsigned char *out, size_t want)
{
    char padded[64];
    unsigned char bytes[48];
    size_t pads = (4 - len % 4) % 4;
    if (len == 0 || pads == 3 || len + pads >= sizeof padded)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'))
            return -1;
    }
    memcpy(padded, text, len);
    memset(padded + len, '=', pads);
    padded[len + pads] = '\0';
    int n = EVP_DecodeBlock(bytes, (const unsigned char *)padded, (int)(len + pads));
    if (n < 0 || (size_t)n - pads != want)
        return -1;
    memcpy(out, bytes, want);
    return 0;
}

static int parse(const char *hash, parsed_hash *p, char *why, size_t whylen)
{
    if (!hash || strncmp(hash, prefix, sizeof prefix - 1) != 0) {
        snprintf(why, whylen, "not a password hash of \"khaalga passwd\" ($pbkdf2-sha256$i=N$SALT$HASH)");
        return -1;
    }
    const char *s = hash + sizeof prefix - 1;
    char *end;
    if (*s < '1' || *s > '9') {
        snprintf(why, whylen, "the iteration count is not a number");
        return -1;
    }
    p->iterations = strtoul(s, &end, 10);
    if (*end != '$') {
        snprintf(why, whylen, "the iteration count is not a number");
        return -1;
    }
    if (p->iterations < KH_PASSWORD_MIN_ITERATIONS || p->iterations > KH_PASSWORD_MAX_ITERATIONS) {
        snprintf(why, whylen, "%lu iterations: between %d and %d are accepted", p->iterations,
                 KH_PASSWORD_MIN_ITERATIONS, KH_PASSWORD_MAX_ITERATIONS);
        return -1;
    }
    const char *salt = end + 1;
    const char *dollar = strchr(salt, '$');
    if (!dollar || decode(salt, (size_t)(dollar - salt), p->salt, SALT_SIZE) != 0) {
        snprintf(why, whylen, "the salt is not %d bytes of base64", SALT_SIZE);
        return -1;
    }
    const char *key = dollar + 1;
    if (decode(key, strlen(key), p->key, KEY_SIZE) != 0) {
        snprintf(why, whylen, "the hash is not %d bytes of base64", KEY_SIZE);
        return -1;
    }
    return 0;
}

static int derive(const char *password, const unsigned char *salt, unsigned long iterations,
                  unsigned char key[KEY_SIZE])
{
    size_t len = strnlen(password, KH_PASSWORD_MAX_LENGTH + 1);
    if (len > KH_PASSWORD_MAX_LENGTH)
        return -1;
    return PKCS5_PBKDF2_HMAC(password, (int)len, salt, SALT_SIZE, (int)iterations, EVP_sha256(), KEY_SIZE, key) == 1
               ? 0 : -1;
}

int kh_password_hash(const char *password, unsigned iterations, char out[KH_PASSWORD_HASH_SIZE], char *why,
                     size_t whylen)
{
    if (!password[0]) {
        snprintf(why, whylen, "the password is empty");
        return -1;
    }
    if (strnlen(password, KH_PASSWORD_MAX_LENGTH + 1) > KH_PASSWORD_MAX_LENGTH) {
        snprintf(why, whylen, "the password is longer than %d bytes", KH_PASSWORD_MAX_LENGTH);
        return -1;
    }
    if (iterations < KH_PASSWORD_MIN_ITERATIONS || iterations > KH_PASSWORD_MAX_ITERATIONS) {
        snprintf(why, whylen, "%u iterations: between %d and %d are accepted", iterations,
                 KH_PASSWORD_MIN_ITERATIONS, KH_PASSWORD_MAX_ITERATIONS);
        return -1;
    }
    unsigned char salt[SALT_SIZE], key[KEY_SIZE];
    if (RAND_bytes(salt, sizeof salt) != 1 || derive(password, salt, iterations, key) != 0) {
        snprintf(why, whylen, "OpenSSL could not make the hash");
        return -1;
    }
    char salt64[32], key64[48];
    encode(salt, sizeof salt, salt64);
    encode(key, sizeof key, key64);
    OPENSSL_cleanse(key, sizeof key);
    snprintf(out, KH_PASSWORD_HASH_SIZE, "%s%u$%s$%s", prefix, iterations, salt64, key64);
    return 0;
}

int kh_password_check_format(const char *hash, char *why, size_t whylen)
{
    parsed_hash p;
    return parse(hash, &p, why, whylen);
}

bool kh_password_verify(const char *password, const char *hash)
{
    /* a stand-in for a user who does not exist: the same cost, never a match */
    static const unsigned char no_salt[SALT_SIZE];
    parsed_hash p;
    char why[160];
    bool usable = hash && parse(hash, &p, why, sizeof why) == 0;
    unsigned char key[KEY_SIZE];
    if (derive(password ? password : "", usable ? p.salt : no_salt,
               usable ? p.iterations : KH_PASSWORD_ITERATIONS, key) != 0)
        usable = false;
    bool same = usable && CRYPTO_memcmp(key, p.key, KEY_SIZE) == 0;
    OPENSSL_cleanse(key, sizeof key);
    return same;
}
