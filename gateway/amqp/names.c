/*
 * names.c - checking the names an amqp destination gives the broker, and
 * filling in the routing-key template of each message (names.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <amqp.h>

#include "amqp/names.h"

static int refuse(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* The characters AMQP 0-9-1 allows in exchange and queue names. */
static int is_name_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '-' || c == '_' || c == '.' || c == ':';
}

int kh_amqp_check_url(const char *url, char *why, size_t whylen)
{
    static const char usage[] = "amqp://user:password@host:port/vhost or amqps://…";
    if (strncasecmp(url, "amqp://", 7) != 0 && strncasecmp(url, "amqps://", 8) != 0)
        return refuse(why, whylen, "not an amqp:// or amqps:// URL (%s)", usage);
    if (strpbrk(url, " \t\r\n"))
        return refuse(why, whylen, "a URL has no white space");
    char *copy = strdup(url);
    if (!copy)
        return refuse(why, whylen, "out of memory");
    struct amqp_connection_info info;
    int rc = amqp_parse_url(copy, &info);
    int ok = rc == AMQP_STATUS_OK && info.host && *info.host;
    free(copy);
    if (!ok)
        return refuse(why, whylen, "not an AMQP URL (%s)", usage);
    return 0;
}

int kh_amqp_check_name(const char *name, char *why, size_t whylen)
{
    if (!*name)
        return refuse(why, whylen, "an empty name");
    if (strlen(name) > KH_AMQP_NAME_MAX)
        return refuse(why, whylen, "longer than %d characters", KH_AMQP_NAME_MAX);
    for (const char *p = name; *p; p++)
        if (!is_name_char((unsigned char)*p))
            return refuse(why, whylen, "a name is letters, digits, '-', '_', '.' and ':'");
    if (!strncmp(name, "amq.", 4))
        return refuse(why, whylen, "names beginning with \"amq.\" are the broker's own");
    return 0;
}

int kh_amqp_check_binding_key(const char *key, char *why, size_t whylen)
{
    if (strlen(key) > KH_AMQP_NAME_MAX)
        return refuse(why, whylen, "longer than %d characters", KH_AMQP_NAME_MAX);
    for (const char *p = key; *p; p++)
        if (!is_name_char((unsigned char)*p) && *p != '*' && *p != '#')
            return refuse(why, whylen, "a binding key is words of letters, digits, '-', '_', ':', "
                          "or '*' and '#', separated by '.'");
    return 0;
}

/* ------------------------------------------------------------ routing keys */

static const char *const field_names[] = { "family", "type", "office", "partner" };
enum { FIELD_COUNT = sizeof field_names / sizeof field_names[0] };

static const char *field_value(const kh_routing_facts *facts, int field)
{
    if (!facts)
        return NULL;
    switch (field) {
    case 0: return facts->family;
    case 1: return facts->type;
    case 2: return facts->office;
    default: return facts->partner;
    }
}

/* Which field "{name}" at p names (p at the '{'), and its length with the
 * braces; -1 when none. */
static int read_field(const char *p, size_t *length)
{
    const char *close = strchr(p, '}');
    if (!close)
        return -1;
    size_t name_length = (size_t)(close - p - 1);
    for (int i = 0; i < FIELD_COUNT; i++)
        if (strlen(field_names[i]) == name_length && !strncmp(p + 1, field_names[i], name_length)) {
            *length = name_length + 2;
            return i;
        }
    return -1;
}

int kh_routing_key_check(const char *template_, char *why, size_t whylen)
{
    if (!*template_)
        return refuse(why, whylen, "an empty routing key");
    if (strlen(template_) > KH_AMQP_NAME_MAX)
        return refuse(why, whylen, "longer than %d characters", KH_AMQP_NAME_MAX);
    for (const char *p = template_; *p; ) {
        if (*p == '{') {
            size_t length;
            if (read_field(p, &length) < 0)
                return refuse(why, whylen, "\"%.*s\" is not {family}, {type}, {office} or {partner}",
                              (int)strcspn(p, "}") + (strchr(p, '}') ? 1 : 0), p);
            p += length;
            continue;
        }
        if (!is_name_char((unsigned char)*p))
            return refuse(why, whylen, "'%c' in a routing key: use letters, digits, '-', '_', ':', '.' "
                          "and {family}, {type}, {office}, {partner}", *p);
        p++;
    }
    return 0;
}

int kh_routing_key_expand(const char *template_, const kh_routing_facts *facts, char *out, size_t outlen)
{
    if (!out || outlen == 0)
        return -1;
    size_t limit = outlen - 1 < KH_AMQP_NAME_MAX ? outlen - 1 : KH_AMQP_NAME_MAX;
    size_t n = 0;
    out[0] = '\0';
    for (const char *p = template_; *p; ) {
        if (*p != '{') {
            if (!is_name_char((unsigned char)*p) || n >= limit)
                return -1;
            out[n++] = *p++;
            continue;
        }
        size_t length;
        int field = read_field(p, &length);
        if (field < 0)
            return -1;
        p += length;
        const char *value = field_value(facts, field);
        if (!value || !*value)
            value = "none";
        for (; *value; value++) {
            unsigned char c = (unsigned char)*value;
            int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                     || c == '-' || c == '_';
            if (n >= limit)
                return -1;
            out[n++] = plain ? (char)c : '_';
        }
    }
    out[n] = '\0';
    return 0;
}
