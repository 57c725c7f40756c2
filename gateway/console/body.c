/*
 * body.c - reads the request bodies the console's API is sent: one flat
 * JSON object of strings, numbers, booleans and nulls (the login's
 * {"user":…,"password":…}). Anything else is refused whole.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "console/internal.h"

typedef struct reader {
    const char *p;
} reader;

static void skip_space(reader *r)
{
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
        r->p++;
}

static int hex4(const char *p, unsigned *value)
{
    *value = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16;
        if (d == 16)
            return -1;
        *value = *value * 16 + d;
    }
    return 0;
}

/* Appends code point cp as UTF-8; -1 when it does not fit. */
static int put_utf8(char *out, size_t outlen, size_t *len, unsigned cp)
{
    char bytes[4];
    size_t n;
    if (cp < 0x80) {
        bytes[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        bytes[0] = (char)(0xC0 | (cp >> 6));
        bytes[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        bytes[0] = (char)(0xE0 | (cp >> 12));
        bytes[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        bytes[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        bytes[0] = (char)(0xF0 | (cp >> 18));
        bytes[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        bytes[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        bytes[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    if (out) {
        if (*len + n >= outlen)
            return -1;
        memcpy(out + *len, bytes, n);
    }
    *len += n;
    return 0;
}

/* A string at r->p (at its opening quote), decoded into out when out is
 * not NULL. 0, or -1. */
static int read_string(reader *r, char *out, size_t outlen)
{
    if (*r->p != '"')
        return -1;
    r->p++;
    size_t len = 0;
    for (;;) {
        unsigned char c = (unsigned char)*r->p;
        if (c == '"')
            break;
        if (c < 0x20)
            return -1;    /* also the end of the text */
        if (c != '\\') {
            if (out) {
                if (len + 1 >= outlen)
                    return -1;
                out[len] = (char)c;
            }
            len++;
            r->p++;
            continue;
        }
        char e = r->p[1];
        unsigned cp;
        r->p += 2;
        switch (e) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            if (hex4(r->p, &cp) != 0)
                return -1;
            r->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00) {
                unsigned low;
                if (r->p[0] != '\\' || r->p[1] != 'u' || hex4(r->p + 2, &low) != 0 || low < 0xDC00 || low > 0xDFFF)
                    return -1;
                r->p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else if (cp >= 0xDC00 && cp < 0xE000) {
                return -1;
            }
            if (cp == 0)
                return -1;    /* no NUL inside a C string */
            break;
        default:
            return -1;
        }
        if (put_utf8(out, outlen, &len, cp) != 0)
            return -1;
    }
    r->p++;
    if (out)
        out[len] = '\0';
    return 0;
}

/* A number, true, false or null. */
static int skip_scalar(reader *r)
{
    static const char *const words[] = { "true", "false", "null" };
    for (int i = 0; i < 3; i++)
        if (strncmp(r->p, words[i], strlen(words[i])) == 0) {
            r->p += strlen(words[i]);
            return 0;
        }
    const char *start = r->p;
    if (*r->p == '-')
        r->p++;
    while ((*r->p >= '0' && *r->p <= '9') || *r->p == '.' || *r->p == 'e' || *r->p == 'E' || *r->p == '+' ||
           *r->p == '-')
        r->p++;
    return r->p > start ? 0 : -1;
}

int kh_json_object_string(const char *text, const char *name, char *out, size_t outlen)
{
    reader r = { text };
    int found = 0;
    char key[64];
    skip_space(&r);
    if (*r.p++ != '{')
        return -1;
    skip_space(&r);
    if (*r.p == '}') {
        r.p++;
    } else {
        for (;;) {
            skip_space(&r);
            if (read_string(&r, key, sizeof key) != 0)
                return -1;
            skip_space(&r);
            if (*r.p++ != ':')
                return -1;
            skip_space(&r);
            bool wanted = strcmp(key, name) == 0;
            if (*r.p == '"') {
                if (read_string(&r, wanted && !found ? out : NULL, outlen) != 0)
                    return -1;
                if (wanted)
                    found = 1;
            } else if (wanted || skip_scalar(&r) != 0) {
                return -1;
            }
            skip_space(&r);
            if (*r.p == ',') {
                r.p++;
                continue;
            }
            if (*r.p++ != '}')
                return -1;
            break;
        }
    }
    skip_space(&r);
    return *r.p ? -1 : found;
}
