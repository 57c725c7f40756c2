/*
 * config.c - reading and checking the configuration of `khaalga serve`.
 *
 * inih does the ini syntax (comments, "key = value", whitespace); it hands
 * each line to line_reader() below, which counts lines, opens sections and
 * refuses overlong lines, and each key to key_handler(), which looks the key
 * up in its section's table and parses the value into the config. The first
 * complaint wins: reading stops there and err says "PATH:LINE: what". Once the
 * whole file is read, check_config() looks at what no single line can tell
 * (references between sections, required keys, files that must exist) and
 * says "PATH: what". docs/configuration.md is the user's side of this file.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <ini.h>

#include "amqp/names.h"
#include "config/config.h"
#include "console/password.h"

#define DEFAULT_MAX_BODY          (16u * 1024 * 1024)
#define DEFAULT_MAX_CONNECTIONS   256
#define DEFAULT_THREADS           4
#define DEFAULT_CONNECTION_TIMEOUT_S 30
#define DEFAULT_RETENTION_DAYS    90
#define DEFAULT_LOG_LEVEL         "info"
#define DEFAULT_MAX_ATTEMPTS      10
#define DEFAULT_BACKOFF_MS        1000
#define DEFAULT_BACKOFF_MAX_MS    300000
#define DEFAULT_TIMEOUT_MS        10000
#define DEFAULT_ROUTING_KEY       "{family}"
#define DEFAULT_BINDING_KEY       "#"
#define DEFAULT_QUEUE_DELIVERY_LIMIT 20
#define DEFAULT_PREFETCH          16
#define DEFAULT_QUERIES_EXCHANGE  "customs.queries"
#define DEFAULT_EDIFACT_FROM      "MNCUSTOMS"
#define MAX_QUERY_KIND            32
#define MAX_PREFETCH              65535     /* basic.qos prefetch-count is 16 bits */
#define DEFAULT_SESSION_IDLE_S    (15 * 60)
#define DEFAULT_SESSION_LIFETIME_S (8 * 60 * 60)

/* inih keeps section names in a buffer of 50 bytes and cuts longer ones. */
#define MAX_SECTION_NAME 49
#define MAX_KEYS_PER_SECTION 32
/* the index of "type" in destination_keys[]: other keys look whether it was given */
#define DESTINATION_KEY_TYPE 0

typedef enum section_kind {
    SECTION_NONE,           /* before the first [section] */
    SECTION_IGNORED,        /* a section already complained about */
    SECTION_SERVER,
    SECTION_JOURNAL,
    SECTION_PROFILE,
    SECTION_SPOOL,
    SECTION_SIGNING,
    SECTION_LOG,
    SECTION_PARTNER,
    SECTION_DESTINATION,
    SECTION_ROUTE,
    SECTION_CONSUMER,
    SECTION_QUERIES,
    SECTION_CONSOLE,
    SECTION_CONSOLE_USER,
    SECTION_KIND_COUNT
} section_kind;

struct loader;
struct key_spec;

typedef int (*value_parser)(struct loader *ld, const struct key_spec *key,
                            const char *value, void *object);

struct key_spec {
    const char  *name;
    value_parser parse;
    size_t       offset;    /* of the field in the section's object */
    int          repeats;   /* may be given more than once (listen) */
};

struct section_spec {
    const char            *kind;
    section_kind           id;
    int                    named;   /* [partner ID] rather than [server] */
    const struct key_spec *keys;
};

struct loader {
    kh_config   *config;
    FILE        *file;
    char        *base_dir;       /* relative paths are taken from here */
    char        *line;           /* the physical line, from getline() */
    size_t       line_capacity;
    int          line_no;
    int          at_eof;

    /* the section being read */
    const struct section_spec *section;
    section_kind kind;
    char         section_raw[MAX_SECTION_NAME + 1];  /* as inih sees it */
    size_t       object_index;   /* partner, destination or route */
    int          key_lines[MAX_KEYS_PER_SECTION];   /* where each key was first given */
    int          singleton_lines[SECTION_KIND_COUNT];
    const char  *untyped_destination;   /* the first [destination] without type */

    /* the first complaint */
    int          failed;
    int          error_line;     /* 0: not about one line */
    char         error[1024];
};

/* ------------------------------------------------------------ complaints */

/* Keeps the first complaint, with the line being read; returns -1. */
static int complain(struct loader *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int complain(struct loader *ld, const char *fmt, ...)
{
    if (ld->failed)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ld->error, sizeof ld->error, fmt, ap);
    va_end(ap);
    ld->failed = 1;
    ld->error_line = ld->line_no;
    return -1;
}

static int out_of_memory(struct loader *ld)
{
    return complain(ld, "out of memory");
}

/* ------------------------------------------------------------ small helpers */

static char *copy_string(struct loader *ld, const char *s)
{
    char *copy = strdup(s);
    if (!copy)
        out_of_memory(ld);
    return copy;
}

static int grow(struct loader *ld, void **array, size_t count, size_t size)
{
    void *bigger = realloc(*array, (count + 1) * size);
    if (!bigger) {
        out_of_memory(ld);
        return -1;
    }
    *array = bigger;
    memset((char *)bigger + count * size, 0, size);
    return 0;
}

static int is_name_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '.' || c == '-' || c == '_';
}

/* Names of partners, destinations and routes: letters, digits, . - _ */
static int is_valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!is_name_char((unsigned char)*s))
            return 0;
    return 1;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        *--end = '\0';
    return s;
}

/* Calls item() for each comma-separated item, trimmed; an empty item is an
 * error. Returns 0, or -1 after a complaint. */
static int for_each_item(struct loader *ld, const struct key_spec *key, const char *value,
                         int (*item)(struct loader *, const struct key_spec *, const char *, void *),
                         void *object)
{
    char *list = copy_string(ld, value);
    if (!list)
        return -1;
    int rc = 0;
    char *cursor = list;
    for (;;) {
        char *comma = strchr(cursor, ',');
        if (comma)
            *comma = '\0';
        char *it = trim(cursor);
        if (!*it) {
            rc = complain(ld, "%s: \"%s\" has an empty item", key->name, value);
            break;
        }
        if (item(ld, key, it, object) != 0) {
            rc = -1;
            break;
        }
        if (!comma)
            break;
        cursor = comma + 1;
    }
    free(list);
    return rc;
}

/* ------------------------------------------------------------ value parsers */

#define FIELD(object, key, type) ((type *)((char *)(object) + (key)->offset))

static int parse_text(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    char *copy = copy_string(ld, value);
    if (!copy)
        return -1;
    *FIELD(object, key, char *) = copy;
    return 0;
}

/* A path; a relative one is taken from the configuration file's folder. */
static int parse_path(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    if (value[0] == '/' || !ld->base_dir)
        return parse_text(ld, key, value, object);
    size_t size = strlen(ld->base_dir) + 1 + strlen(value) + 1;
    char *joined = malloc(size);
    if (!joined)
        return out_of_memory(ld);
    snprintf(joined, size, "%s/%s", ld->base_dir, value);
    *FIELD(object, key, char *) = joined;
    return 0;
}

/* A name of another section ([destination NAME]). */
static int parse_name(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    if (!is_valid_name(value))
        return complain(ld, "%s: \"%s\" is not a name (letters, digits, '.', '-', '_')", key->name, value);
    return parse_text(ld, key, value, object);
}

/* "ADDRESS:PORT", ADDRESS an IPv4 address, a host name or [IPv6]. */
static int is_listen_address(const char *value)
{
    const char *colon = strrchr(value, ':');
    if (!colon || colon == value)
        return 0;
    if (value[0] == '[' && colon[-1] != ']')
        return 0;
    for (const char *p = value; p < colon; p++)
        if (*p == ' ' || *p == '\t' || *p == '/')
            return 0;
    const char *port = colon + 1;
    if (!*port || strlen(port) > 5)
        return 0;
    for (const char *p = port; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    long number = strtol(port, NULL, 10);
    return number >= 1 && number <= 65535;
}

static int parse_address(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    if (!is_listen_address(value))
        return complain(ld, "%s: \"%s\" is not ADDRESS:PORT (e.g. 0.0.0.0:8080, [::1]:8443)", key->name, value);
    return parse_text(ld, key, value, object);
}

/* listen may repeat: each line adds one address. */
static int parse_listen(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    kh_config *c = object;
    if (!is_listen_address(value))
        return complain(ld, "%s: \"%s\" is not ADDRESS:PORT (e.g. 0.0.0.0:8080, [::1]:8443)", key->name, value);
    for (size_t i = 0; i < c->nlisten; i++)
        if (strcmp(c->listen[i], value) == 0)
            return complain(ld, "%s: %s is given twice", key->name, value);
    if (grow(ld, (void **)&c->listen, c->nlisten, sizeof *c->listen) != 0)
        return -1;
    if (!(c->listen[c->nlisten] = copy_string(ld, value)))
        return -1;
    c->nlisten++;
    return 0;
}

/* Reads the leading decimal digits of s into *number; returns the rest, or
 * NULL when there are none or they overflow. */
static const char *read_number(const char *s, unsigned long long *number)
{
    if (*s < '0' || *s > '9')
        return NULL;
    unsigned long long n = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (n > (ULLONG_MAX - 9) / 10)
            return NULL;
        n = n * 10 + (unsigned)(*s - '0');
    }
    *number = n;
    return s;
}

/* A size: bytes, or a number followed by K, M or G (binary multiples). */
static int parse_size(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    unsigned long long number, multiple = 1;
    const char *unit = read_number(value, &number);
    if (unit) {
        if (!strcasecmp(unit, "K"))
            multiple = 1024ull;
        else if (!strcasecmp(unit, "M"))
            multiple = 1024ull * 1024;
        else if (!strcasecmp(unit, "G"))
            multiple = 1024ull * 1024 * 1024;
        else if (*unit)
            unit = NULL;
    }
    if (!unit || number == 0 || number > SIZE_MAX / multiple)
        return complain(ld, "%s: \"%s\" is not a size (bytes, or a number with K, M or G: 64K, 16M)", key->name, value);
    *FIELD(object, key, size_t) = (size_t)(number * multiple);
    return 0;
}

/* A positive whole number. */
static int parse_count(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    unsigned long long number;
    const char *rest = read_number(value, &number);
    if (!rest || *rest || number == 0 || number > UINT_MAX)
        return complain(ld, "%s: \"%s\" is not a positive whole number", key->name, value);
    *FIELD(object, key, unsigned) = (unsigned)number;
    return 0;
}

/* A duration in milliseconds: a number with ms, s, m or h; a bare number
 * is seconds. Returns -1 when it is not one. */
static int read_duration_ms(const char *value, unsigned long long *ms)
{
    unsigned long long number, multiple;
    const char *unit = read_number(value, &number);
    if (!unit)
        return -1;
    if (!strcmp(unit, "ms"))
        multiple = 1;
    else if (!strcmp(unit, "s") || !*unit)
        multiple = 1000;
    else if (!strcmp(unit, "m"))
        multiple = 60 * 1000;
    else if (!strcmp(unit, "h"))
        multiple = 60 * 60 * 1000;
    else
        return -1;
    if (number > ULLONG_MAX / multiple)
        return -1;
    *ms = number * multiple;
    return 0;
}

static int parse_milliseconds(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    unsigned long long ms;
    if (read_duration_ms(value, &ms) != 0 || ms == 0 || ms > UINT_MAX)
        return complain(ld, "%s: \"%s\" is not a duration (a number with ms, s, m or h: 500ms, 2s, 5m)", key->name, value);
    *FIELD(object, key, unsigned) = (unsigned)ms;
    return 0;
}

static int parse_seconds(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    unsigned long long ms;
    if (read_duration_ms(value, &ms) != 0 || ms == 0 || ms / 1000 > UINT_MAX)
        return complain(ld, "%s: \"%s\" is not a duration (a number with s, m or h: 30s, 2m)", key->name, value);
    if (ms % 1000)
        return complain(ld, "%s: \"%s\" is not a whole number of seconds", key->name, value);
    *FIELD(object, key, unsigned) = (unsigned)(ms / 1000);
    return 0;
}

static int parse_yes_no(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    if (!strcmp(value, "yes"))
        *FIELD(object, key, bool) = true;
    else if (!strcmp(value, "no"))
        *FIELD(object, key, bool) = false;
    else
        return complain(ld, "%s: \"%s\" is not yes or no", key->name, value);
    return 0;
}

static int parse_log_level(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    if (strcmp(value, "error") && strcmp(value, "info") && strcmp(value, "debug"))
        return complain(ld, "%s: \"%s\" is not error, info or debug", key->name, value);
    char **field = FIELD(object, key, char *);
    free(*field);           /* the default */
    *field = NULL;
    return parse_text(ld, key, value, object);
}

static int add_family(struct loader *ld, const struct key_spec *key, const char *item, void *object)
{
    unsigned bit = kh_family_bit(item);
    if (!bit)
        return complain(ld, "%s: \"%s\" is not a message family (DEC, RES, PAY, LPCO, TRN)", key->name, item);
    *FIELD(object, key, unsigned) |= bit;
    return 0;
}

static int parse_families(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    return for_each_item(ld, key, value, add_family, object);
}

/* acknowledgements = contrl, receipt | none */
struct acknowledgements { int contrl, receipt, none; };

static int add_acknowledgement(struct loader *ld, const struct key_spec *key, const char *item, void *object)
{
    struct acknowledgements *seen = object;
    if (!strcmp(item, "contrl"))
        seen->contrl = 1;
    else if (!strcmp(item, "receipt"))
        seen->receipt = 1;
    else if (!strcmp(item, "none"))
        seen->none = 1;
    else
        return complain(ld, "%s: \"%s\" is not contrl, receipt or none", key->name, item);
    return 0;
}

static int parse_acknowledgements(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    kh_partner *partner = object;
    struct acknowledgements seen = { 0, 0, 0 };
    if (for_each_item(ld, key, value, add_acknowledgement, &seen) != 0)
        return -1;
    if (seen.none && (seen.contrl || seen.receipt))
        return complain(ld, "%s: \"%s\": none goes alone", key->name, value);
    partner->want_contrl = seen.contrl;
    partner->want_receipt = seen.receipt;
    return 0;
}

/* edifact_id, identity and client_certificate each name one partner. */
static int parse_partner_key(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    kh_config *c = ld->config;
    for (size_t i = 0; i < c->npartners; i++) {
        const kh_partner *other = &c->partners[i];
        const char *taken = *(char *const *)((const char *)other + key->offset);
        if (other != object && taken && !strcmp(taken, value))
            return complain(ld, "%s: \"%s\" already names partner %s", key->name, value, other->id);
    }
    return parse_text(ld, key, value, object);
}

/* A UNB identification (an..35) that needs no release character. */
static int parse_edifact_id(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    size_t n = strlen(value);
    bool plain = n > 0 && n <= 35 && strcspn(value, "'+:?*") == n;
    for (const unsigned char *p = (const unsigned char *)value; plain && *p; p++)
        plain = *p > 0x20 && *p < 0x7f;
    if (!plain)
        return complain(ld, "%s: \"%s\" is not an EDIFACT identification (1 to 35 printable ASCII characters, "
                        "none of ' + : ? *)", key->name, value);
    return parse_text(ld, key, value, object);
}

static int parse_destination_type(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    kh_destination *d = object;
    if (!strcmp(value, "spool"))
        d->kind = KH_DEST_SPOOL;
    else if (!strcmp(value, "http"))
        d->kind = KH_DEST_HTTP;
    else if (!strcmp(value, "amqp"))
        d->kind = KH_DEST_AMQP;
    else
        return complain(ld, "%s: \"%s\" is not spool, http or amqp", key->name, value);
    return 0;
}

static int is_amqp_scheme(const char *url)
{
    return !strncasecmp(url, "amqp://", 7) || !strncasecmp(url, "amqps://", 8);
}

/* An http(s) URL, or an amqp(s) one for an amqp destination. When type
 * comes later in the section, check_config() matches the two. */
static int parse_url(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    const kh_destination *d = object;
    int type_known = ld->key_lines[DESTINATION_KEY_TYPE] != 0;
    char why[160];
    if ((type_known && d->kind == KH_DEST_AMQP) || (!type_known && is_amqp_scheme(value))) {
        /* not quoted: it may hold a password */
        if (kh_amqp_check_url(value, why, sizeof why) != 0)
            return complain(ld, "%s: %s", key->name, why);
        return parse_text(ld, key, value, object);
    }
    size_t scheme = !strncasecmp(value, "http://", 7) ? 7 : !strncasecmp(value, "https://", 8) ? 8 : 0;
    if (!scheme || !value[scheme] || value[scheme] == '/' || strpbrk(value, " \t"))
        return complain(ld, type_known ? "%s: \"%s\" is not an http:// or https:// URL"
                                       : "%s: \"%s\" is not an http://, https://, amqp:// or amqps:// URL",
                        key->name, value);
    return parse_text(ld, key, value, object);
}

/* A consumer's url: amqp:// or amqps:// only. */
static int parse_consumer_url(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    char why[160];
    if (!is_amqp_scheme(value))
        return complain(ld, "%s: not an amqp:// or amqps:// URL", key->name);   /* not quoted: it may hold a password */
    if (kh_amqp_check_url(value, why, sizeof why) != 0)
        return complain(ld, "%s: %s", key->name, why);
    return parse_text(ld, key, value, object);
}

static int parse_prefetch(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    if (parse_count(ld, key, value, object) != 0)
        return -1;
    if (*FIELD(object, key, unsigned) > MAX_PREFETCH)
        return complain(ld, "%s: \"%s\" is more than %d", key->name, value, MAX_PREFETCH);
    return 0;
}

/* exchange, queue: a name Khaalga declares on the broker. */
static int parse_amqp_name(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    char why[160];
    if (kh_amqp_check_name(value, why, sizeof why) != 0)
        return complain(ld, "%s: \"%s\": %s", key->name, value, why);
    return parse_text(ld, key, value, object);
}

static int parse_routing_key(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    char why[200];
    if (kh_routing_key_check(value, why, sizeof why) != 0)
        return complain(ld, "%s: \"%s\": %s", key->name, value, why);
    return parse_text(ld, key, value, object);
}

static int parse_binding_key(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    char why[200];
    if (kh_amqp_check_binding_key(value, why, sizeof why) != 0)
        return complain(ld, "%s: \"%s\": %s", key->name, value, why);
    return parse_text(ld, key, value, object);
}

static int add_route_destination(struct loader *ld, const struct key_spec *key, const char *item, void *object)
{
    kh_route *route = object;
    if (!is_valid_name(item))
        return complain(ld, "%s: \"%s\" is not a name (letters, digits, '.', '-', '_')", key->name, item);
    for (size_t i = 0; i < route->nto; i++)
        if (!strcmp(route->to[i], item))
            return complain(ld, "%s: destination %s is named twice", key->name, item);
    if (grow(ld, (void **)&route->to, route->nto, sizeof *route->to) != 0)
        return -1;
    if (!(route->to[route->nto] = copy_string(ld, item)))
        return -1;
    route->nto++;
    return 0;
}

static int parse_route_to(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    return for_each_item(ld, key, value, add_route_destination, object);
}

/* role = viewer | operator */
static int parse_role(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    kh_console_user *u = object;
    if (!strcmp(value, "viewer"))
        u->role = KH_ROLE_VIEWER;
    else if (!strcmp(value, "operator"))
        u->role = KH_ROLE_OPERATOR;
    else
        return complain(ld, "%s: \"%s\" is not viewer or operator", key->name, value);
    return 0;
}

/* A hash made by `khaalga passwd`; the value is not quoted back. */
static int parse_password_hash(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    char why[160];
    if (kh_password_check_format(value, why, sizeof why) != 0)
        return complain(ld, "%s: %s", key->name, why);
    return parse_text(ld, key, value, object);
}

/* ------------------------------------------------------------ sections */

#define CONFIG_FIELD(f) offsetof(kh_config, f)

static const struct key_spec server_keys[] = {
    { "listen",             parse_listen,  0, 1 },
    { "tls_listen",         parse_address, CONFIG_FIELD(tls_listen), 0 },
    { "tls_cert",           parse_path,    CONFIG_FIELD(tls_cert), 0 },
    { "tls_key",            parse_path,    CONFIG_FIELD(tls_key), 0 },
    { "tls_client_ca",      parse_path,    CONFIG_FIELD(tls_client_ca), 0 },
    { "max_body",           parse_size,    CONFIG_FIELD(max_body), 0 },
    { "max_connections",    parse_count,   CONFIG_FIELD(max_connections), 0 },
    { "threads",            parse_count,   CONFIG_FIELD(threads), 0 },
    { "connection_timeout", parse_seconds, CONFIG_FIELD(connection_timeout_s), 0 },
    { NULL, NULL, 0, 0 }
};

static const struct key_spec journal_keys[] = {
    { "path",           parse_path,  CONFIG_FIELD(journal), 0 },
    { "retention_days", parse_count, CONFIG_FIELD(retention_days), 0 },
    { NULL, NULL, 0, 0 }
};

static const struct key_spec profile_keys[] = {
    { "path", parse_path, CONFIG_FIELD(profile), 0 },
    { NULL, NULL, 0, 0 }
};

static const struct key_spec spool_keys[] = {
    { "path", parse_path, CONFIG_FIELD(spool), 0 },
    { NULL, NULL, 0, 0 }
};

static const struct key_spec signing_keys[] = {
    { "key",  parse_path, CONFIG_FIELD(signing_key), 0 },
    { "cert", parse_path, CONFIG_FIELD(signing_cert), 0 },
    { NULL, NULL, 0, 0 }
};

static const struct key_spec log_keys[] = {
    { "level", parse_log_level, CONFIG_FIELD(log_level), 0 },
    { NULL, NULL, 0, 0 }
};

#define PARTNER_FIELD(f) offsetof(kh_partner, f)

static const struct key_spec partner_keys[] = {
    { "edifact_id",         parse_partner_key,      PARTNER_FIELD(edifact_id), 0 },
    { "identity",           parse_partner_key,      PARTNER_FIELD(identity), 0 },
    { "families",           parse_families,         PARTNER_FIELD(families), 0 },
    { "trust",              parse_path,             PARTNER_FIELD(trust), 0 },
    { "require_signature",  parse_yes_no,           PARTNER_FIELD(require_signature), 0 },
    { "acknowledgements",   parse_acknowledgements, 0, 0 },
    { "reply",              parse_name,             PARTNER_FIELD(reply), 0 },
    { "client_certificate", parse_partner_key,      PARTNER_FIELD(client_certificate), 0 },
    { NULL, NULL, 0, 0 }
};
#define PARTNER_KEY_REQUIRE_SIGNATURE 4

#define DESTINATION_FIELD(f) offsetof(kh_destination, f)

static const struct key_spec destination_keys[] = {
    { "type",         parse_destination_type, 0, 0 },
    { "path",         parse_path,         DESTINATION_FIELD(path), 0 },
    { "url",          parse_url,          DESTINATION_FIELD(url), 0 },
    { "max_attempts", parse_count,        DESTINATION_FIELD(max_attempts), 0 },
    { "backoff",      parse_milliseconds, DESTINATION_FIELD(backoff_ms), 0 },
    { "backoff_max",  parse_milliseconds, DESTINATION_FIELD(backoff_max_ms), 0 },
    { "timeout",      parse_milliseconds, DESTINATION_FIELD(timeout_ms), 0 },
    { "dead_letter",  parse_path,         DESTINATION_FIELD(dead_letter), 0 },
    { "exchange",     parse_amqp_name,    DESTINATION_FIELD(exchange), 0 },
    { "routing_key",  parse_routing_key,  DESTINATION_FIELD(routing_key), 0 },
    { "tls_ca",       parse_path,         DESTINATION_FIELD(tls_ca), 0 },
    { "queue",        parse_amqp_name,    DESTINATION_FIELD(queue), 0 },
    { "binding_key",  parse_binding_key,  DESTINATION_FIELD(binding_key), 0 },
    { "queue_delivery_limit", parse_count, DESTINATION_FIELD(queue_delivery_limit), 0 },
    { "queue_max_length",     parse_count, DESTINATION_FIELD(queue_max_length), 0 },
    { "reply_to",     parse_amqp_name,    DESTINATION_FIELD(reply_to), 0 },
    { "edifact_to",   parse_name,         DESTINATION_FIELD(edifact_to), 0 },
    { "edifact_from", parse_edifact_id,   DESTINATION_FIELD(edifact_from), 0 },
    { "watch_dead_letters",   parse_yes_no, DESTINATION_FIELD(watch_dead_letters), 0 },
    { NULL, NULL, 0, 0 }
};

#define ROUTE_FIELD(f) offsetof(kh_route, f)

static const struct key_spec route_keys[] = {
    { "family", parse_families, ROUTE_FIELD(families), 0 },
    { "type",   parse_text,     ROUTE_FIELD(type), 0 },
    { "office", parse_text,     ROUTE_FIELD(office), 0 },
    { "agency", parse_text,     ROUTE_FIELD(agency), 0 },
    { "to",     parse_route_to, 0, 0 },
    { NULL, NULL, 0, 0 }
};

#define CONSUMER_FIELD(f) offsetof(kh_consumer, f)

static const struct key_spec consumer_keys[] = {
    { "url",      parse_consumer_url, CONSUMER_FIELD(url), 0 },
    { "tls_ca",   parse_path,         CONSUMER_FIELD(tls_ca), 0 },
    { "queue",    parse_amqp_name,    CONSUMER_FIELD(queue), 0 },
    { "prefetch", parse_prefetch,     CONSUMER_FIELD(prefetch), 0 },
    { "from",     parse_name,         CONSUMER_FIELD(from), 0 },
    { "single_active_consumer", parse_yes_no, CONSUMER_FIELD(single_active), 0 },
    { NULL, NULL, 0, 0 }
};

/* kinds = no-debt, declaration-status: words of lower-case letters,
 * digits and '-', each a word of the routing key query.KIND. */
static int parse_query_kinds(struct loader *ld, const struct key_spec *key, const char *value, void *object)
{
    (void)key;
    kh_queries *q = object;
    char *list = copy_string(ld, value);
    if (!list)
        return -1;
    int rc = 0;
    for (char *save = NULL, *word = strtok_r(list, ",", &save); word && rc == 0; word = strtok_r(NULL, ",", &save)) {
        word = trim(word);
        size_t length = strlen(word);
        if (length == 0 || length > MAX_QUERY_KIND || strspn(word, "abcdefghijklmnopqrstuvwxyz0123456789-") != length) {
            rc = complain(ld, "kinds: \"%s\" is not a query kind (lower-case letters, digits and '-', at most %d)",
                          word, MAX_QUERY_KIND);
            break;
        }
        if (kh_config_query_kind(ld->config, word)) {
            rc = complain(ld, "kinds: \"%s\" is given twice", word);
            break;
        }
        if (grow(ld, (void **)&q->kinds, q->nkinds, sizeof *q->kinds) != 0 || !(q->kinds[q->nkinds] = copy_string(ld, word)))
            rc = -1;
        else
            q->nkinds++;
    }
    free(list);
    return rc;
}

#define QUERIES_FIELD(f) offsetof(kh_queries, f)

static const struct key_spec queries_keys[] = {
    { "url",      parse_consumer_url, QUERIES_FIELD(url), 0 },
    { "tls_ca",   parse_path,         QUERIES_FIELD(tls_ca), 0 },
    { "exchange", parse_amqp_name,    QUERIES_FIELD(exchange), 0 },
    { "timeout",  parse_milliseconds, QUERIES_FIELD(timeout_ms), 0 },
    { "kinds",    parse_query_kinds,  0, 0 },
    { NULL, NULL, 0, 0 }
};

#define CONSOLE_FIELD(f) offsetof(kh_console_config, f)

static const struct key_spec console_keys[] = {
    { "listen",           parse_address, CONSOLE_FIELD(listen), 0 },
    { "tls",              parse_yes_no,  CONSOLE_FIELD(tls), 0 },
    { "client_ca",        parse_path,    CONSOLE_FIELD(client_ca), 0 },
    { "session_idle",     parse_seconds, CONSOLE_FIELD(session_idle_s), 0 },
    { "session_lifetime", parse_seconds, CONSOLE_FIELD(session_lifetime_s), 0 },
    { NULL, NULL, 0, 0 }
};

#define CONSOLE_USER_FIELD(f) offsetof(kh_console_user, f)

static const struct key_spec console_user_keys[] = {
    { "role",               parse_role,          0, 0 },
    { "password",           parse_password_hash, CONSOLE_USER_FIELD(password), 0 },
    { "client_certificate", parse_text,          CONSOLE_USER_FIELD(client_certificate), 0 },
    { NULL, NULL, 0, 0 }
};

static const struct section_spec sections[] = {
    { "server",      SECTION_SERVER,      0, server_keys },
    { "journal",     SECTION_JOURNAL,     0, journal_keys },
    { "profile",     SECTION_PROFILE,     0, profile_keys },
    { "spool",       SECTION_SPOOL,       0, spool_keys },
    { "signing",     SECTION_SIGNING,     0, signing_keys },
    { "log",         SECTION_LOG,         0, log_keys },
    { "partner",     SECTION_PARTNER,     1, partner_keys },
    { "destination", SECTION_DESTINATION, 1, destination_keys },
    { "route",       SECTION_ROUTE,       1, route_keys },
    { "consumer",    SECTION_CONSUMER,    1, consumer_keys },
    { "queries",     SECTION_QUERIES,     0, queries_keys },
    { "console",     SECTION_CONSOLE,     0, console_keys },
    { "console user", SECTION_CONSOLE_USER, 1, console_user_keys },
};

/* The line where the section being read gave key, 0 when it did not. */
static int key_line(const struct loader *ld, const char *key)
{
    if (!ld->section)
        return 0;
    size_t index = 0;
    for (const struct key_spec *k = ld->section->keys; k->name; k++, index++)
        if (!strcmp(k->name, key))
            return index < MAX_KEYS_PER_SECTION ? ld->key_lines[index] : 0;
    return 0;
}

/* Settles what depends on the whole section: defaults that follow other keys. */
static void end_section(struct loader *ld)
{
    if (ld->kind == SECTION_PARTNER && !ld->key_lines[PARTNER_KEY_REQUIRE_SIGNATURE]) {
        kh_partner *p = &ld->config->partners[ld->object_index];
        p->require_signature = p->trust != NULL;
    }
    if (ld->kind == SECTION_DESTINATION && !ld->key_lines[DESTINATION_KEY_TYPE]
        && !ld->untyped_destination)
        ld->untyped_destination = ld->config->destinations[ld->object_index].name;
    if (ld->kind == SECTION_DESTINATION) {
        kh_destination *d = &ld->config->destinations[ld->object_index];
        int given_at = key_line(ld, "watch_dead_letters");
        if (!given_at) {
            d->watch_dead_letters = d->queue != NULL;
        } else if (!d->queue) {
            int line_no = ld->line_no;
            ld->line_no = given_at;
            complain(ld, "watch_dead_letters needs queue (the dead-letter queue watched is QUEUE.dead)");
            ld->line_no = line_no;
        }
    }
    ld->kind = SECTION_NONE;
    ld->section = NULL;
}

static const char *section_word(section_kind kind)
{
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        if (sections[i].id == kind)
            return sections[i].kind;
    return "?";
}

/* Adds [partner|destination|route NAME]; complains when the name is taken. */
static int add_named_object(struct loader *ld, section_kind kind, const char *name)
{
    kh_config *c = ld->config;
    size_t i;
    switch (kind) {
    case SECTION_PARTNER:
        for (i = 0; i < c->npartners; i++)
            if (!strcmp(c->partners[i].id, name))
                goto duplicate;
        if (grow(ld, (void **)&c->partners, c->npartners, sizeof *c->partners) != 0)
            return -1;
        if (!(c->partners[c->npartners].id = copy_string(ld, name)))
            return -1;
        ld->object_index = c->npartners++;
        return 0;
    case SECTION_DESTINATION:
        for (i = 0; i < c->ndestinations; i++)
            if (!strcmp(c->destinations[i].name, name))
                goto duplicate;
        if (grow(ld, (void **)&c->destinations, c->ndestinations, sizeof *c->destinations) != 0)
            return -1;
        kh_destination *d = &c->destinations[c->ndestinations];
        if (!(d->name = copy_string(ld, name)))
            return -1;
        d->kind = KH_DEST_SPOOL;
        d->max_attempts = DEFAULT_MAX_ATTEMPTS;
        d->backoff_ms = DEFAULT_BACKOFF_MS;
        d->backoff_max_ms = DEFAULT_BACKOFF_MAX_MS;
        d->timeout_ms = DEFAULT_TIMEOUT_MS;
        ld->object_index = c->ndestinations++;
        return 0;
    case SECTION_ROUTE:
        for (i = 0; i < c->nroutes; i++)
            if (!strcmp(c->routes[i].name, name))
                goto duplicate;
        if (grow(ld, (void **)&c->routes, c->nroutes, sizeof *c->routes) != 0)
            return -1;
        if (!(c->routes[c->nroutes].name = copy_string(ld, name)))
            return -1;
        ld->object_index = c->nroutes++;
        return 0;
    case SECTION_CONSUMER:
        for (i = 0; i < c->nconsumers; i++)
            if (!strcmp(c->consumers[i].name, name))
                goto duplicate;
        if (grow(ld, (void **)&c->consumers, c->nconsumers, sizeof *c->consumers) != 0)
            return -1;
        if (!(c->consumers[c->nconsumers].name = copy_string(ld, name)))
            return -1;
        c->consumers[c->nconsumers].prefetch = DEFAULT_PREFETCH;
        ld->object_index = c->nconsumers++;
        return 0;
    case SECTION_CONSOLE_USER:
        for (i = 0; i < c->console.nusers; i++)
            if (!strcmp(c->console.users[i].name, name))
                goto duplicate;
        if (grow(ld, (void **)&c->console.users, c->console.nusers, sizeof *c->console.users) != 0)
            return -1;
        if (!(c->console.users[c->console.nusers].name = copy_string(ld, name)))
            return -1;
        ld->object_index = c->console.nusers++;
        return 0;
    default:
        return -1;
    }
duplicate:
    complain(ld, "[%s %s] is given twice", section_word(kind), name);
    return -1;
}

/* A "[...]" line: which section it opens. raw is the text inside the brackets. */
static void begin_section(struct loader *ld, const char *raw)
{
    end_section(ld);
    ld->kind = SECTION_IGNORED;
    memset(ld->key_lines, 0, sizeof ld->key_lines);
    snprintf(ld->section_raw, sizeof ld->section_raw, "%s", raw);
    if (strlen(raw) > MAX_SECTION_NAME) {
        complain(ld, "section name longer than %d characters", MAX_SECTION_NAME);
        return;
    }

    char header[MAX_SECTION_NAME + 1];
    snprintf(header, sizeof header, "%s", raw);
    char *kind = trim(header);
    char *name = kind + strcspn(kind, " \t");
    if (*name)
        *name++ = '\0';
    name = trim(name);
    /* [console user NAME]: a kind of two words */
    if (!strcmp(kind, "console") && !strncmp(name, "user", 4) && (!name[4] || name[4] == ' ' || name[4] == '\t')) {
        kind = "console user";
        name = trim(name + 4);
    }

    const struct section_spec *spec = NULL;
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        if (!strcmp(sections[i].kind, kind))
            spec = &sections[i];
    if (!spec) {
        complain(ld, "unknown section [%s] (server, journal, profile, spool, signing, log, "
                 "partner ID, destination NAME, route NAME, consumer NAME, queries, console, console user NAME)",
                 trim(header));
        return;
    }
    if (spec->named) {
        if (!*name) {
            complain(ld, "[%s] needs a name: [%s NAME]", kind, kind);
            return;
        }
        if (!is_valid_name(name)) {
            complain(ld, "[%s %s]: a name is letters, digits, '.', '-' and '_'", kind, name);
            return;
        }
        if (add_named_object(ld, spec->id, name) != 0)
            return;
    } else {
        if (*name) {
            complain(ld, "[%s] takes no name", kind);
            return;
        }
        if (ld->singleton_lines[spec->id]) {
            complain(ld, "[%s] is given twice (first at line %d)", kind, ld->singleton_lines[spec->id]);
            return;
        }
        ld->singleton_lines[spec->id] = ld->line_no;
        if (spec->id == SECTION_CONSOLE)
            ld->config->console.enabled = true;
    }
    ld->section = spec;
    ld->kind = spec->id;
}

/* ------------------------------------------------------------ inih callbacks */

/* A section header as inih reads one: '[', then up to ']' unless an inline
 * comment (" ;") comes first. Returns 1 and the inside in raw. */
static int read_section_header(const char *line, char *raw, size_t rawlen)
{
    if (line[0] != '[')
        return 0;
    const char *p = line + 1;
    for (; *p && *p != ']'; p++)
        if (*p == ';' && p > line + 1 && (p[-1] == ' ' || p[-1] == '\t'))
            return 0;
    if (*p != ']')
        return 0;
    size_t len = (size_t)(p - (line + 1));
    if (len >= rawlen)
        len = rawlen - 1;
    memcpy(raw, line + 1, len);
    raw[len] = '\0';
    return 1;
}

/* inih's reader: one line at a time, counted. Leading white space is
 * dropped, so an indented key is a key (not a continuation of the value
 * above, as inih's multi-line values would have it). Stops at the first
 * complaint. */
static char *line_reader(char *buffer, int size, void *stream)
{
    struct loader *ld = stream;
    if (ld->failed || ld->at_eof)
        return NULL;
    ssize_t length = getline(&ld->line, &ld->line_capacity, ld->file);
    if (length < 0) {
        ld->at_eof = 1;
        return NULL;
    }
    ld->line_no++;

    char *line = ld->line;
    if (ld->line_no == 1 && !strncmp(line, "\xEF\xBB\xBF", 3))
        line += 3;
    while (*line == ' ' || *line == '\t')
        line++;
    size_t content = strcspn(line, "\r\n");
    if (size < 4 || content > (size_t)size - 3) {
        complain(ld, "line longer than %d characters", size - 3);
        return NULL;
    }
    memcpy(buffer, line, content);
    buffer[content] = '\n';
    buffer[content + 1] = '\0';

    char raw[256];
    if (read_section_header(buffer, raw, sizeof raw))
        begin_section(ld, raw);
    if (ld->failed)
        return NULL;
    return buffer;
}

static int key_handler(void *user, const char *section, const char *name, const char *value)
{
    struct loader *ld = user;
    if (ld->failed)
        return 1;
    if (ld->kind == SECTION_IGNORED)
        return 1;
    if (ld->kind == SECTION_NONE) {
        complain(ld, "%s = %s is outside any section", name, value);
        return 0;
    }
    if (strcmp(section, ld->section_raw) != 0) {
        complain(ld, "internal error: inih reads section [%s], khaalga [%s]", section, ld->section_raw);
        return 0;
    }

    const struct key_spec *key = NULL;
    size_t index = 0;
    for (const struct key_spec *k = ld->section->keys; k->name; k++, index++)
        if (!strcmp(k->name, name)) {
            key = k;
            break;
        }
    if (!key) {
        complain(ld, "unknown key \"%s\" in [%s]", name, ld->section->kind);
        return 0;
    }
    if (index >= MAX_KEYS_PER_SECTION) {    /* a section's table grew past what the loader counts */
        complain(ld, "%s: [%s] has more keys than this build can read", name, ld->section->kind);
        return 0;
    }
    if (ld->key_lines[index] && !key->repeats) {
        complain(ld, "%s is given twice in this section (first at line %d)", name, ld->key_lines[index]);
        return 0;
    }
    if (!ld->key_lines[index])
        ld->key_lines[index] = ld->line_no;
    if (!*value) {
        complain(ld, "%s has no value", name);
        return 0;
    }

    void *object = ld->config;
    if (ld->kind == SECTION_PARTNER)
        object = &ld->config->partners[ld->object_index];
    else if (ld->kind == SECTION_DESTINATION)
        object = &ld->config->destinations[ld->object_index];
    else if (ld->kind == SECTION_ROUTE)
        object = &ld->config->routes[ld->object_index];
    else if (ld->kind == SECTION_CONSUMER)
        object = &ld->config->consumers[ld->object_index];
    else if (ld->kind == SECTION_QUERIES)
        object = &ld->config->queries;
    else if (ld->kind == SECTION_CONSOLE)
        object = &ld->config->console;
    else if (ld->kind == SECTION_CONSOLE_USER)
        object = &ld->config->console.users[ld->object_index];
    return key->parse(ld, key, value, object) == 0;
}

/* ------------------------------------------------------------ checks */

static int check_file(struct loader *ld, const char *what, const char *path, int want_folder)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return complain(ld, "%s %s: %s", what, path, strerror(errno));
    if (want_folder && !S_ISDIR(st.st_mode))
        return complain(ld, "%s %s: not a folder", what, path);
    if (!want_folder && !S_ISREG(st.st_mode))
        return complain(ld, "%s %s: not a file", what, path);
    return 0;
}

/* The keys of amqp destinations: only there, complete, consistent; and
 * their defaults. */
static int check_amqp_destination(struct loader *ld, kh_destination *d)
{
    if (d->kind != KH_DEST_AMQP) {
        const char *amqp_key = d->exchange ? "exchange" : d->routing_key ? "routing_key"
            : d->tls_ca ? "tls_ca" : d->queue ? "queue" : d->binding_key ? "binding_key"
            : d->queue_delivery_limit ? "queue_delivery_limit" : d->queue_max_length ? "queue_max_length"
            : d->reply_to ? "reply_to" : NULL;
        if (amqp_key)
            return complain(ld, "[destination %s] is a%s %s destination: %s is for amqp ones", d->name,
                            d->kind == KH_DEST_HTTP ? "n" : "", d->kind == KH_DEST_HTTP ? "http" : "spool", amqp_key);
        return 0;
    }
    if (!d->url)
        return complain(ld, "[destination %s] is an amqp destination without url", d->name);
    if (!is_amqp_scheme(d->url))
        return complain(ld, "[destination %s] is an amqp destination: its url is not amqp:// or amqps://", d->name);
    if (d->path)
        return complain(ld, "[destination %s] is an amqp destination: path is for spool ones", d->name);
    if (!d->exchange)
        return complain(ld, "[destination %s] is an amqp destination without exchange", d->name);
    if (d->tls_ca && strncasecmp(d->url, "amqps://", 8) != 0)
        return complain(ld, "[destination %s] tls_ca is for amqps:// URLs", d->name);
    if (!d->queue && (d->binding_key || d->queue_delivery_limit || d->queue_max_length))
        return complain(ld, "[destination %s] %s needs queue", d->name,
                        d->binding_key ? "binding_key" : d->queue_delivery_limit ? "queue_delivery_limit"
                                                                              : "queue_max_length");
    if (d->queue && strlen(d->queue) + strlen(".dead.unknown") > KH_AMQP_NAME_MAX)
        return complain(ld, "[destination %s] queue: the name is too long for its dead-letter queues "
                        "(QUEUE.dead.unknown is at most %d characters)", d->name, KH_AMQP_NAME_MAX);
    if (!d->routing_key && !(d->routing_key = copy_string(ld, DEFAULT_ROUTING_KEY)))
        return -1;
    if (d->queue && !d->binding_key && !(d->binding_key = copy_string(ld, DEFAULT_BINDING_KEY)))
        return -1;
    if (d->queue && !d->queue_delivery_limit)
        d->queue_delivery_limit = DEFAULT_QUEUE_DELIVERY_LIMIT;
    return 0;
}

/* [console] and its users (docs/console.md). */
static int check_console(struct loader *ld)
{
    kh_config *c = ld->config;
    kh_console_config *k = &c->console;
    if (!k->enabled) {
        if (k->nusers)
            return complain(ld, "[console user %s] needs a [console] section", k->users[0].name);
        return 0;
    }
    if (!k->listen)
        return complain(ld, "[console] listen is missing");
    for (size_t i = 0; i < c->nlisten; i++)
        if (!strcmp(c->listen[i], k->listen))
            return complain(ld, "[console] listen %s is also a [server] listen", k->listen);
    if (c->tls_listen && !strcmp(c->tls_listen, k->listen))
        return complain(ld, "[console] listen %s is also the [server] tls_listen", k->listen);
    if (k->tls && (!c->tls_cert || !c->tls_key))
        return complain(ld, "[console] tls = yes needs [server] tls_cert and tls_key");
    if (k->client_ca && !k->tls)
        return complain(ld, "[console] client_ca needs tls = yes");
    if (k->session_idle_s > k->session_lifetime_s)
        return complain(ld, "[console] session_idle (%us) is longer than session_lifetime (%us)",
                        k->session_idle_s, k->session_lifetime_s);
    if (!k->nusers)
        return complain(ld, "[console] has no users: add a [console user NAME] with a role and a password");
    for (size_t i = 0; i < k->nusers; i++) {
        const kh_console_user *u = &k->users[i];
        if (!u->role)
            return complain(ld, "[console user %s] has no role (viewer or operator)", u->name);
        if (!u->password && !u->client_certificate)
            return complain(ld, "[console user %s] has neither a password nor a client_certificate", u->name);
        if (u->client_certificate && !k->client_ca)
            return complain(ld, "[console user %s] client_certificate needs [console] client_ca", u->name);
        for (size_t j = 0; j < i; j++)
            if (u->client_certificate && k->users[j].client_certificate &&
                !strcmp(u->client_certificate, k->users[j].client_certificate))
                return complain(ld, "[console user %s] client_certificate \"%s\" already names user %s", u->name,
                                u->client_certificate, k->users[j].name);
    }
    if (k->client_ca && check_file(ld, "[console] client_ca", k->client_ca, 0) != 0)
        return -1;
    return 0;
}

/* What no single line can tell. Complaints say "PATH: what". */
static int check_config(struct loader *ld)
{
    kh_config *c = ld->config;
    ld->line_no = 0;

    if (!c->journal)
        return complain(ld, "[journal] path is missing");
    if (!c->nlisten && !c->tls_listen && !c->spool && !c->nconsumers)
        return complain(ld, "nothing to receive from: no [server] listen or tls_listen, no [spool] path, no [consumer]");
    if (c->tls_listen && (!c->tls_cert || !c->tls_key))
        return complain(ld, "[server] tls_listen needs tls_cert and tls_key");
    if (!c->signing_key != !c->signing_cert)
        return complain(ld, "[signing] needs both key and cert");

    if (ld->untyped_destination)
        return complain(ld, "[destination %s] has no type (spool, http or amqp)", ld->untyped_destination);
    for (size_t i = 0; i < c->ndestinations; i++) {
        kh_destination *d = &c->destinations[i];
        if (d->kind == KH_DEST_SPOOL && !d->path)
            return complain(ld, "[destination %s] is a spool destination without path", d->name);
        if (d->kind == KH_DEST_SPOOL && d->url)
            return complain(ld, "[destination %s] is a spool destination: url is for http ones", d->name);
        if (d->kind == KH_DEST_HTTP && !d->url)
            return complain(ld, "[destination %s] is an http destination without url", d->name);
        if (d->kind == KH_DEST_HTTP && d->path)
            return complain(ld, "[destination %s] is an http destination: path is for spool ones", d->name);
        if (d->kind == KH_DEST_HTTP && d->url && is_amqp_scheme(d->url))
            return complain(ld, "[destination %s] is an http destination: its url is not http:// or https://", d->name);
        if (check_amqp_destination(ld, d) != 0)
            return -1;
        if (d->backoff_max_ms < d->backoff_ms)
            return complain(ld, "[destination %s] backoff_max (%ums) is shorter than backoff (%ums)",
                            d->name, d->backoff_max_ms, d->backoff_ms);
    }
    for (size_t i = 0; i < c->ndestinations; i++) {
        kh_destination *d = &c->destinations[i];
        const kh_partner *to = d->edifact_to ? kh_config_partner(c, d->edifact_to) : NULL;
        if (d->edifact_to && !to)
            return complain(ld, "[destination %s] edifact_to: there is no [partner %s]", d->name, d->edifact_to);
        if (to && !to->edifact_id)
            return complain(ld, "[destination %s] edifact_to: [partner %s] has no edifact_id to address it to",
                            d->name, d->edifact_to);
        if (d->edifact_from && !d->edifact_to)
            return complain(ld, "[destination %s] edifact_from needs edifact_to", d->name);
        if (d->edifact_to && !d->edifact_from && !(d->edifact_from = copy_string(ld, DEFAULT_EDIFACT_FROM)))
            return -1;
    }
    for (size_t i = 0; i < c->npartners; i++) {
        const kh_partner *p = &c->partners[i];
        if (p->reply && !kh_config_destination(c, p->reply))
            return complain(ld, "[partner %s] reply: there is no [destination %s]", p->id, p->reply);
        if (p->require_signature && !p->trust)
            return complain(ld, "[partner %s] require_signature = yes needs trust", p->id);
    }
    for (size_t i = 0; i < c->nroutes; i++) {
        const kh_route *r = &c->routes[i];
        if (!r->nto)
            return complain(ld, "[route %s] has no to", r->name);
        for (size_t j = 0; j < r->nto; j++)
            if (!kh_config_destination(c, r->to[j]))
                return complain(ld, "[route %s] to: there is no [destination %s]", r->name, r->to[j]);
    }

    for (size_t i = 0; i < c->nconsumers; i++) {
        const kh_consumer *k = &c->consumers[i];
        if (!k->url)
            return complain(ld, "[consumer %s] has no url", k->name);
        if (!k->queue)
            return complain(ld, "[consumer %s] has no queue", k->name);
        if (!k->from)
            return complain(ld, "[consumer %s] has no from (the partner its messages come from)", k->name);
        if (!kh_config_partner(c, k->from))
            return complain(ld, "[consumer %s] from: there is no [partner %s]", k->name, k->from);
        if (k->tls_ca && strncasecmp(k->url, "amqps://", 8) != 0)
            return complain(ld, "[consumer %s] tls_ca is for amqps:// URLs", k->name);
    }

    kh_queries *q = &c->queries;
    if (q->url || q->tls_ca || q->exchange || q->timeout_ms || q->nkinds) {
        if (!q->url)
            return complain(ld, "[queries] has no url");
        if (!q->nkinds)
            return complain(ld, "[queries] has no kinds (the questions that may be asked, e.g. kinds = no-debt)");
        if (q->tls_ca && strncasecmp(q->url, "amqps://", 8) != 0)
            return complain(ld, "[queries] tls_ca is for amqps:// URLs");
        if (!q->exchange && !(q->exchange = copy_string(ld, DEFAULT_QUERIES_EXCHANGE)))
            return -1;
        if (!q->timeout_ms)
            q->timeout_ms = DEFAULT_TIMEOUT_MS;
    }
    if (check_console(ld) != 0)
        return -1;

    /* the files it reads must be there now, not at the first message */
    if (c->tls_cert && check_file(ld, "[server] tls_cert", c->tls_cert, 0) != 0)
        return -1;
    if (c->tls_key && check_file(ld, "[server] tls_key", c->tls_key, 0) != 0)
        return -1;
    if (c->tls_client_ca && check_file(ld, "[server] tls_client_ca", c->tls_client_ca, 0) != 0)
        return -1;
    if (c->signing_key && check_file(ld, "[signing] key", c->signing_key, 0) != 0)
        return -1;
    if (c->signing_cert && check_file(ld, "[signing] cert", c->signing_cert, 0) != 0)
        return -1;
    if (c->profile && check_file(ld, "[profile] path", c->profile, 1) != 0)
        return -1;
    for (size_t i = 0; i < c->npartners; i++) {
        const kh_partner *p = &c->partners[i];
        char what[128];
        snprintf(what, sizeof what, "[partner %s] trust", p->id);
        if (p->trust && check_file(ld, what, p->trust, 1) != 0)
            return -1;
    }
    for (size_t i = 0; i < c->ndestinations; i++) {
        const kh_destination *d = &c->destinations[i];
        char what[128];
        snprintf(what, sizeof what, "[destination %s] tls_ca", d->name);
        if (d->tls_ca && check_file(ld, what, d->tls_ca, 0) != 0)
            return -1;
    }
    for (size_t i = 0; i < c->nconsumers; i++) {
        const kh_consumer *k = &c->consumers[i];
        char what[128];
        snprintf(what, sizeof what, "[consumer %s] tls_ca", k->name);
        if (k->tls_ca && check_file(ld, what, k->tls_ca, 0) != 0)
            return -1;
    }
    if (c->queries.tls_ca && check_file(ld, "[queries] tls_ca", c->queries.tls_ca, 0) != 0)
        return -1;
    return 0;
}

/* ------------------------------------------------------------ the interface */

/* The folder holding path, absolute when it can be. */
static char *folder_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *slash = strrchr(copy, '/');
    if (!slash)
        strcpy(copy, ".");
    else if (slash == copy)
        slash[1] = '\0';
    else
        *slash = '\0';
    char *absolute = realpath(copy, NULL);
    if (absolute) {
        free(copy);
        return absolute;
    }
    return copy;
}

kh_config *kh_config_load(const char *path, char *err, size_t errlen)
{
    struct loader ld;
    memset(&ld, 0, sizeof ld);
    if (err && errlen)
        err[0] = '\0';

    kh_config *c = calloc(1, sizeof *c);
    if (!c || !(c->path = strdup(path)) || !(c->log_level = strdup(DEFAULT_LOG_LEVEL))) {
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", path);
        kh_config_free(c);
        return NULL;
    }
    c->max_body = DEFAULT_MAX_BODY;
    c->max_connections = DEFAULT_MAX_CONNECTIONS;
    c->threads = DEFAULT_THREADS;
    c->connection_timeout_s = DEFAULT_CONNECTION_TIMEOUT_S;
    c->retention_days = DEFAULT_RETENTION_DAYS;
    c->console.session_idle_s = DEFAULT_SESSION_IDLE_S;
    c->console.session_lifetime_s = DEFAULT_SESSION_LIFETIME_S;
    ld.config = c;

    ld.file = fopen(path, "re");
    if (!ld.file) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        kh_config_free(c);
        return NULL;
    }
    ld.base_dir = folder_of(path);

    int syntax_line = ini_parse_stream(line_reader, &ld, key_handler, &ld);
    if (!ld.failed && ferror(ld.file)) {
        ld.line_no = 0;
        complain(&ld, "%s", strerror(errno));
    }
    end_section(&ld);
    fclose(ld.file);

    if (syntax_line == -2) {
        ld.failed = 0;
        ld.line_no = 0;
        complain(&ld, "out of memory");
    } else if (syntax_line > 0 && (!ld.failed || syntax_line < ld.error_line)) {
        /* inih's own complaint: a line that is neither [section] nor key = value */
        ld.failed = 0;
        ld.line_no = syntax_line;
        complain(&ld, "expected [section] or key = value");
    }
    if (!ld.failed)
        check_config(&ld);

    free(ld.line);
    free(ld.base_dir);
    if (ld.failed) {
        if (err && errlen) {
            if (ld.error_line)
                snprintf(err, errlen, "%s:%d: %s", path, ld.error_line, ld.error);
            else
                snprintf(err, errlen, "%s: %s", path, ld.error);
        }
        kh_config_free(c);
        return NULL;
    }
    return c;
}

void kh_config_free(kh_config *c)
{
    if (!c)
        return;
    free(c->path);
    for (size_t i = 0; i < c->nlisten; i++)
        free(c->listen[i]);
    free(c->listen);
    free(c->tls_listen);
    free(c->tls_cert);
    free(c->tls_key);
    free(c->tls_client_ca);
    free(c->journal);
    free(c->profile);
    free(c->spool);
    free(c->signing_key);
    free(c->signing_cert);
    free(c->log_level);
    for (size_t i = 0; i < c->npartners; i++) {
        kh_partner *p = &c->partners[i];
        free(p->id);
        free(p->edifact_id);
        free(p->identity);
        free(p->trust);
        free(p->reply);
        free(p->client_certificate);
    }
    free(c->partners);
    for (size_t i = 0; i < c->ndestinations; i++) {
        kh_destination *d = &c->destinations[i];
        free(d->name);
        free(d->path);
        free(d->url);
        free(d->dead_letter);
        free(d->exchange);
        free(d->routing_key);
        free(d->tls_ca);
        free(d->queue);
        free(d->binding_key);
        free(d->reply_to);
        free(d->edifact_to);
        free(d->edifact_from);
    }
    free(c->destinations);
    for (size_t i = 0; i < c->nroutes; i++) {
        kh_route *r = &c->routes[i];
        free(r->name);
        free(r->type);
        free(r->office);
        free(r->agency);
        for (size_t j = 0; j < r->nto; j++)
            free(r->to[j]);
        free(r->to);
    }
    free(c->routes);
    for (size_t i = 0; i < c->nconsumers; i++) {
        kh_consumer *k = &c->consumers[i];
        free(k->name);
        free(k->url);
        free(k->tls_ca);
        free(k->queue);
        free(k->from);
    }
    free(c->consumers);
    free(c->queries.url);
    free(c->queries.tls_ca);
    free(c->queries.exchange);
    for (size_t i = 0; i < c->queries.nkinds; i++)
        free(c->queries.kinds[i]);
    free(c->queries.kinds);
    free(c->console.listen);
    free(c->console.client_ca);
    for (size_t i = 0; i < c->console.nusers; i++) {
        kh_console_user *u = &c->console.users[i];
        free(u->name);
        free(u->password);
        free(u->client_certificate);
    }
    free(c->console.users);
    free(c);
}

bool kh_config_query_kind(const kh_config *c, const char *kind)
{
    for (size_t i = 0; kind && i < c->queries.nkinds; i++)
        if (!strcmp(c->queries.kinds[i], kind))
            return true;
    return false;
}

unsigned kh_family_bit(const char *name)
{
    static const struct { const char *name; unsigned bit; } families[] = {
        { "DEC", KH_FAMILY_DEC }, { "RES", KH_FAMILY_RES }, { "PAY", KH_FAMILY_PAY },
        { "LPCO", KH_FAMILY_LPCO }, { "TRN", KH_FAMILY_TRN },
    };
    if (!name)
        return 0;
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        if (!strcmp(families[i].name, name))
            return families[i].bit;
    return 0;
}

const kh_partner *kh_config_partner(const kh_config *c, const char *id)
{
    if (!c || !id)
        return NULL;
    for (size_t i = 0; i < c->npartners; i++)
        if (!strcmp(c->partners[i].id, id))
            return &c->partners[i];
    return NULL;
}

const kh_partner *kh_config_partner_by_edifact_id(const kh_config *c, const char *edifact_id)
{
    if (!c || !edifact_id)
        return NULL;
    for (size_t i = 0; i < c->npartners; i++)
        if (c->partners[i].edifact_id && !strcmp(c->partners[i].edifact_id, edifact_id))
            return &c->partners[i];
    return NULL;
}

const kh_partner *kh_config_partner_by_identity(const kh_config *c, const char *identity)
{
    if (!c || !identity)
        return NULL;
    for (size_t i = 0; i < c->npartners; i++)
        if (c->partners[i].identity && !strcmp(c->partners[i].identity, identity))
            return &c->partners[i];
    return NULL;
}

const kh_destination *kh_config_destination(const kh_config *c, const char *name)
{
    if (!c || !name)
        return NULL;
    for (size_t i = 0; i < c->ndestinations; i++)
        if (!strcmp(c->destinations[i].name, name))
            return &c->destinations[i];
    return NULL;
}

const kh_consumer *kh_config_consumer(const kh_config *c, const char *name)
{
    if (!c || !name)
        return NULL;
    for (size_t i = 0; i < c->nconsumers; i++)
        if (!strcmp(c->consumers[i].name, name))
            return &c->consumers[i];
    return NULL;
}

const kh_console_user *kh_config_console_user(const kh_config *c, const char *name)
{
    if (!c || !name)
        return NULL;
    for (size_t i = 0; i < c->console.nusers; i++)
        if (!strcmp(c->console.users[i].name, name))
            return &c->console.users[i];
    return NULL;
}

const kh_console_user *kh_config_console_user_by_certificate(const kh_config *c, const char *identity)
{
    if (!c || !identity || !identity[0])
        return NULL;
    for (size_t i = 0; i < c->console.nusers; i++)
        if (c->console.users[i].client_certificate && !strcmp(c->console.users[i].client_certificate, identity))
            return &c->console.users[i];
    return NULL;
}
