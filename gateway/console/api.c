/*
 * api.c - the console's JSON API over the journal (docs/console.md): the
 * overview, message search, one message, the dead deliveries, partners,
 * routes and destinations, the audit trail, and replay (operators only,
 * written to the audit trail as console:USER). Every query argument is
 * checked and a bad one is a 400 naming it; the journal is read through
 * this thread's read-only connection, and a replay opens a writing one for
 * its transaction.
 */
#define _GNU_SOURCE    /* strptime, timegm */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amqp/links.h"
#include "console/internal.h"
#include "journal/search.h"
#include "util/json.h"
#include "util/log.h"

enum { MAX_BODY_SHOWN = 1024 * 1024, OVERVIEW_KEPT_MS = 3000, MAX_TEXT_ARGUMENT = 128 };

/* ------------------------------------------------------------ arguments */

static bool is_message_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= KH_MESSAGE_ID_SIZE)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || *s == '-'))
            return false;
    return true;
}

static bool one_of(const char *value, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (strcmp(value, *allowed) == 0)
            return true;
    return false;
}

/* "YYYY-MM-DDTHH:MM[:SS[.mmm]][Z]", UTC, into milliseconds; -1 when not. */
static int64_t parse_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M", &tm);
    if (!rest)
        return -1;
    int ms = 0;
    if (*rest == ':') {
        if (rest[1] < '0' || rest[1] > '5' || rest[2] < '0' || rest[2] > '9')
            return -1;
        tm.tm_sec = (rest[1] - '0') * 10 + rest[2] - '0';
        rest += 3;
        if (*rest == '.') {
            rest++;
            for (int i = 0; i < 3; i++, rest++) {
                if (*rest < '0' || *rest > '9')
                    return -1;
                ms = ms * 10 + (*rest - '0');
            }
        }
    }
    if (*rest == 'Z')
        rest++;
    if (*rest)
        return -1;
    time_t t = timegm(&tm);
    if (t < 0)
        return -1;
    return (int64_t)t * 1000 + ms;
}

static const char *argument(kh_console_request *r, const char *name)
{
    const char *v = r->query(r->query_cls, name);
    return v && v[0] ? v : NULL;
}

static bool bad_argument(kh_console_answer *a, const char *name, const char *what)
{
    char text[256];
    snprintf(text, sizeof text, "%s: %s", name, what);
    kh_answer_error(a, 400, "bad-argument", text);
    return true;
}

/* limit=N within 1..max (default dflt); false after answering 400. */
static bool read_limit(kh_console_request *r, kh_console_answer *a, int dflt, int max, int *limit)
{
    const char *v = argument(r, "limit");
    *limit = dflt;
    if (!v)
        return true;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 1 || n > max) {
        char what[64];
        snprintf(what, sizeof what, "a whole number from 1 to %d", max);
        bad_argument(a, "limit", what);
        return false;
    }
    *limit = (int)n;
    return true;
}

static bool text_argument(kh_console_request *r, kh_console_answer *a, const char *name, const char **out)
{
    *out = argument(r, name);
    if (*out && strlen(*out) > MAX_TEXT_ARGUMENT) {
        bad_argument(a, name, "longer than 128 characters");
        return false;
    }
    return true;
}

/* ------------------------------------------------------------ answers */

static bool need_journal(kh_console_request *r, kh_console_answer *a)
{
    if (r->journal)
        return true;
    kh_answer_error(a, 503, "journal-unavailable", "the journal cannot be read now; try again");
    return false;
}

/* Runs one journal writer into the answer: 200, or 503 when it failed. */
static void journal_answer(kh_console_answer *a, int rc, char *json, size_t size)
{
    if (rc != 0) {
        free(json);
        kh_answer_error(a, 503, "journal-unavailable", "the journal could not answer; try again");
        return;
    }
    a->status = 200;
    a->body = json;
    a->size = size;
}

/* A URL with its user name, password and query left out: what may be shown. */
static void shown_url(FILE *f, const char *url)
{
    const char *scheme_end = strstr(url, "://");
    if (!scheme_end) {
        kh_json_string(f, "(not shown)");
        return;
    }
    const char *host = scheme_end + 3;
    const char *path_start = host + strcspn(host, "/?#");
    const char *at = NULL;
    for (const char *p = host; p < path_start; p++)
        if (*p == '@')
            at = p;
    if (at)
        host = at + 1;
    size_t path_len = strcspn(path_start, "?#");
    char shown[512];
    snprintf(shown, sizeof shown, "%.*s%.*s%.*s", (int)(scheme_end + 3 - url), url, (int)(path_start - host), host,
             (int)path_len, path_start);
    kh_json_string(f, shown);
}

static void json_text_or_null(FILE *f, const char *s)
{
    if (s)
        kh_json_string(f, s);
    else
        fputs("null", f);
}

static void families_json(FILE *f, unsigned bits)
{
    static const char *const names[] = { "DEC", "RES", "PAY", "LPCO", "TRN" };
    fputc('[', f);
    for (unsigned i = 0, n = 0; i < 5; i++)
        if (bits & (1u << i))
            fprintf(f, "%s\"%s\"", n++ ? "," : "", names[i]);
    fputc(']', f);
}

static void destinations_config_json(FILE *f, const kh_config *c)
{
    static const char *const kinds[] = { "spool", "http", "amqp" };
    fputc('[', f);
    for (size_t i = 0; i < c->ndestinations; i++) {
        const kh_destination *d = &c->destinations[i];
        fputs(i ? ",{\"name\":" : "{\"name\":", f);
        kh_json_string(f, d->name);
        fprintf(f, ",\"type\":\"%s\",\"target\":", kinds[d->kind]);
        if (d->kind == KH_DEST_SPOOL)
            json_text_or_null(f, d->path);
        else
            shown_url(f, d->url ? d->url : "");
        fputs(",\"exchange\":", f);
        json_text_or_null(f, d->exchange);
        fputs(",\"queue\":", f);
        json_text_or_null(f, d->queue);
        fprintf(f, ",\"max_attempts\":%u,\"dead_letter\":", d->max_attempts);
        json_text_or_null(f, d->dead_letter);
        fputc('}', f);
    }
    fputc(']', f);
}

static void consumers_config_json(FILE *f, const kh_config *c)
{
    fputc('[', f);
    for (size_t i = 0; i < c->nconsumers; i++) {
        const kh_consumer *k = &c->consumers[i];
        fputs(i ? ",{\"name\":" : "{\"name\":", f);
        kh_json_string(f, k->name);
        fputs(",\"broker\":", f);
        shown_url(f, k->url ? k->url : "");
        fputs(",\"queue\":", f);
        json_text_or_null(f, k->queue);
        fputs(",\"from\":", f);
        json_text_or_null(f, k->from);
        fputc('}', f);
    }
    fputc(']', f);
}

/* A stream the answer's JSON is written to (into *json); NULL, with the
 * answer a 500, when there is no memory for it. */
static FILE *answer_stream(kh_console_answer *a, char **json, size_t *size)
{
    FILE *f = open_memstream(json, size);
    if (!f)
        kh_answer_error(a, 500, "internal", "out of memory");
    return f;
}

/* The connections to brokers as their threads last reported them. */
static void links_json(FILE *f)
{
    static const size_t max = 64;
    kh_amqp_link_state *links = calloc(max, sizeof *links);
    size_t n = links ? kh_amqp_links(links, max) : 0;
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",{\"kind\":" : "{\"kind\":", f);
        kh_json_string(f, links[i].kind);
        fputs(",\"name\":", f);
        kh_json_string(f, links[i].name);
        fputs(",\"broker\":", f);
        kh_json_string(f, links[i].broker);
        fprintf(f, ",\"up\":%s,\"since_ms\":%lld,\"detail\":", links[i].up ? "true" : "false",
                (long long)links[i].since_ms);
        kh_json_string(f, links[i].detail);
        fputc('}', f);
    }
    fputc(']', f);
    free(links);
}

/* The journal writer's output, inlined as one value of the answer. */
static int inline_json(FILE *f, kh_journal *j, int (*write)(kh_journal *, int64_t, FILE *), int64_t now)
{
    char *json = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&json, &size);
    if (!mem)
        return -1;
    int rc = write(j, now, mem);
    fclose(mem);
    if (rc == 0) {
        while (size > 0 && json[size - 1] == '\n')
            size--;
        fwrite(json, 1, size, f);
    }
    free(json);
    return rc;
}

/* ------------------------------------------------------------ endpoints */

static void overview(kh_console_request *r, kh_console_answer *a)
{
    kh_console *c = r->console;
    int64_t now = kh_journal_now_ms();
    pthread_mutex_lock(&c->overview_lock);
    if (c->overview && now - c->overview_at_ms < OVERVIEW_KEPT_MS) {
        a->body = malloc(c->overview_size);
        if (a->body) {
            memcpy(a->body, c->overview, c->overview_size);
            a->size = c->overview_size;
            a->status = 200;
        }
        pthread_mutex_unlock(&c->overview_lock);
        if (!a->body)
            kh_answer_error(a, 500, "internal", "out of memory");
        return;
    }
    pthread_mutex_unlock(&c->overview_lock);
    if (!need_journal(r, a))
        return;

    char *json = NULL;
    size_t size = 0;
    FILE *f = answer_stream(a, &json, &size);
    if (!f)
        return;
    fputs("{\"traffic\":", f);
    int rc = inline_json(f, r->journal, kh_journal_overview_json, now);
    fputs(",\"destination_states\":", f);
    if (rc == 0)
        rc = inline_json(f, r->journal, kh_journal_destinations_json, now);
    fputs(",\"destinations\":", f);
    destinations_config_json(f, r->config);
    fputs(",\"consumers\":", f);
    consumers_config_json(f, r->config);
    fputs(",\"links\":", f);
    links_json(f);
    fprintf(f, ",\"sessions\":%zu}\n", kh_sessions_count(c->sessions, now));
    fclose(f);
    if (rc == 0) {
        pthread_mutex_lock(&c->overview_lock);
        char *kept = malloc(size);
        if (kept) {
            memcpy(kept, json, size);
            free(c->overview);
            c->overview = kept;
            c->overview_size = size;
            c->overview_at_ms = now;
        }
        pthread_mutex_unlock(&c->overview_lock);
    }
    journal_answer(a, rc, json, size);
}

static void search(kh_console_request *r, kh_console_answer *a)
{
    static const char *const families[] = { "DEC", "RES", "PAY", "LPCO", "TRN", NULL };
    static const char *const states[] = { "received", "routed", "unrouted", "delivered", "rejected", "duplicate",
                                          "failed", NULL };
    kh_search q = { 0 };
    if (!text_argument(r, a, "q", &q.text) || !text_argument(r, a, "partner", &q.partner) ||
        !text_argument(r, a, "reference", &q.reference) || !read_limit(r, a, 50, KH_SEARCH_MAX_LIMIT, &q.limit))
        return;
    q.id = argument(r, "id");
    if (q.id && !is_message_id(q.id) && bad_argument(a, "id", "a message id is digits, a-f and '-'"))
        return;
    q.before = argument(r, "before");
    if (q.before && !is_message_id(q.before) && bad_argument(a, "before", "not a message id"))
        return;
    q.family = argument(r, "family");
    if (q.family && !one_of(q.family, families) && bad_argument(a, "family", "not DEC, RES, PAY, LPCO or TRN"))
        return;
    q.state = argument(r, "state");
    if (q.state && !one_of(q.state, states) &&
        bad_argument(a, "state", "not received, routed, unrouted, delivered, rejected, duplicate or failed"))
        return;
    const char *from = argument(r, "from"), *to = argument(r, "to");
    if (from && (q.from_ms = parse_time(from)) < 0 && bad_argument(a, "from", "not a time YYYY-MM-DDTHH:MM[:SS]Z (UTC)"))
        return;
    if (to && (q.to_ms = parse_time(to)) < 0 && bad_argument(a, "to", "not a time YYYY-MM-DDTHH:MM[:SS]Z (UTC)"))
        return;
    if (!need_journal(r, a))
        return;
    char *json = NULL;
    size_t size = 0;
    FILE *f = answer_stream(a, &json, &size);
    if (!f)
        return;
    int rc = kh_journal_search_json(r->journal, &q, f);
    fclose(f);
    journal_answer(a, rc, json, size);
}

static void one_message(kh_console_request *r, kh_console_answer *a, const char *id)
{
    if (!is_message_id(id)) {
        kh_answer_error(a, 404, "not-found", "no such message");
        return;
    }
    if (!need_journal(r, a))
        return;
    char *json = NULL;
    size_t size = 0;
    FILE *f = answer_stream(a, &json, &size);
    if (!f)
        return;
    int rc = kh_journal_message_json(r->journal, id, MAX_BODY_SHOWN, f);
    fclose(f);
    if (rc == 1) {
        free(json);
        kh_answer_error(a, 404, "not-found", "no such message");
        return;
    }
    journal_answer(a, rc, json, size);
}

static void replay(kh_console_request *r, kh_console_answer *a, const char *id)
{
    if (r->user->role != KH_ROLE_OPERATOR) {
        kh_answer_error(a, 403, "forbidden", "only an operator may replay; this user is a viewer");
        return;
    }
    if (!is_message_id(id)) {
        kh_answer_error(a, 404, "not-found", "no such message");
        return;
    }
    if (!need_journal(r, a))
        return;
    int known = kh_journal_has_message(r->journal, id);
    if (known != 1) {
        if (known == 0)
            kh_answer_error(a, 404, "not-found", "no such message");
        else
            kh_answer_error(a, 503, "journal-unavailable", "the journal could not answer; try again");
        return;
    }
    char err[512];
    kh_journal *writer = kh_journal_open(r->console->journal_path, err, sizeof err);
    if (!writer) {
        kh_log("error", "journal-unavailable", id, err);
        kh_answer_error(a, 503, "journal-unavailable", "the journal cannot be written now; try again");
        return;
    }
    char who[KH_USER_NAME_SIZE + 16];
    snprintf(who, sizeof who, "console:%s", r->user->name);
    int put_back = kh_journal_replay(writer, id, who);
    kh_journal_close(writer);
    if (put_back < 0) {
        kh_answer_error(a, 503, "journal-unavailable", "the replay could not be written; nothing was changed");
        return;
    }
    char detail[200];
    snprintf(detail, sizeof detail, "by %s: %d deliveries put back", who, put_back);
    kh_log("notice", "replayed", id, detail);
    if (put_back == 0) {
        kh_answer_error(a, 409, "nothing-to-replay", "the message has no dead delivery to put back");
        return;
    }
    if (r->console->replayed)
        r->console->replayed(r->console->ctx);
    FILE *f = kh_answer_open(a, 200);
    if (!f)
        return;
    fputs("{\"id\":", f);
    kh_json_string(f, id);
    fprintf(f, ",\"put_back\":%d,\"by\":", put_back);
    kh_json_string(f, who);
    fputs("}\n", f);
    kh_answer_close(a, f);
}

static void dead(kh_console_request *r, kh_console_answer *a)
{
    int limit;
    if (!read_limit(r, a, 100, 500, &limit) || !need_journal(r, a))
        return;
    char *json = NULL;
    size_t size = 0;
    FILE *f = answer_stream(a, &json, &size);
    if (!f)
        return;
    int rc = kh_journal_dead_json(r->journal, limit, f);
    fclose(f);
    journal_answer(a, rc, json, size);
}

static void audit(kh_console_request *r, kh_console_answer *a)
{
    int limit;
    const char *id = argument(r, "message");
    if (id && !is_message_id(id) && bad_argument(a, "message", "not a message id"))
        return;
    if (!read_limit(r, a, 100, 1000, &limit) || !need_journal(r, a))
        return;
    char *json = NULL;
    size_t size = 0;
    FILE *f = answer_stream(a, &json, &size);
    if (!f)
        return;
    int rc = kh_journal_audit_json(r->journal, id, limit, f);
    fclose(f);
    journal_answer(a, rc, json, size);
}

static void partners(kh_console_request *r, kh_console_answer *a)
{
    if (!need_journal(r, a))
        return;
    const kh_config *c = r->config;
    char *json = NULL;
    size_t size = 0;
    FILE *f = answer_stream(a, &json, &size);
    if (!f)
        return;
    fputs("{\"partners\":[", f);
    for (size_t i = 0; i < c->npartners; i++) {
        const kh_partner *p = &c->partners[i];
        char acks[32];
        snprintf(acks, sizeof acks, "%s%s%s", p->want_contrl ? "contrl" : "",
                 p->want_contrl && p->want_receipt ? "," : "", p->want_receipt ? "receipt" : "");
        fputs(i ? ",{\"id\":" : "{\"id\":", f);
        kh_json_string(f, p->id);
        fputs(",\"edifact_id\":", f);
        json_text_or_null(f, p->edifact_id);
        fputs(",\"identity\":", f);
        json_text_or_null(f, p->identity);
        fputs(",\"client_certificate\":", f);
        json_text_or_null(f, p->client_certificate);
        fputs(",\"families\":", f);
        families_json(f, p->families);
        fprintf(f, ",\"signed\":%s,\"require_signature\":%s,\"acknowledgements\":", p->trust ? "true" : "false",
                p->require_signature ? "true" : "false");
        kh_json_string(f, acks[0] ? acks : "none");
        fputs(",\"reply\":", f);
        json_text_or_null(f, p->reply);
        fputc('}', f);
    }
    fputs("],\"activity\":", f);
    int rc = inline_json(f, r->journal, kh_journal_partners_json, kh_journal_now_ms());
    fputs("}\n", f);
    fclose(f);
    journal_answer(a, rc, json, size);
}

static void routes(kh_console_request *r, kh_console_answer *a)
{
    if (!need_journal(r, a))
        return;
    const kh_config *c = r->config;
    char *json = NULL;
    size_t size = 0;
    FILE *f = answer_stream(a, &json, &size);
    if (!f)
        return;
    fputs("{\"routes\":[", f);
    for (size_t i = 0; i < c->nroutes; i++) {
        const kh_route *rt = &c->routes[i];
        fputs(i ? ",{\"name\":" : "{\"name\":", f);
        kh_json_string(f, rt->name);
        fputs(",\"families\":", f);
        if (rt->families)
            families_json(f, rt->families);
        else
            fputs("null", f);
        fputs(",\"type\":", f);
        json_text_or_null(f, rt->type);
        fputs(",\"office\":", f);
        json_text_or_null(f, rt->office);
        fputs(",\"agency\":", f);
        json_text_or_null(f, rt->agency);
        fputs(",\"to\":[", f);
        for (size_t k = 0; k < rt->nto; k++) {
            if (k)
                fputc(',', f);
            kh_json_string(f, rt->to[k]);
        }
        fputs("]}", f);
    }
    fputs("],\"destinations\":", f);
    destinations_config_json(f, c);
    fputs(",\"consumers\":", f);
    consumers_config_json(f, c);
    fputs(",\"destination_states\":", f);
    int rc = inline_json(f, r->journal, kh_journal_destinations_json, kh_journal_now_ms());
    fputs("}\n", f);
    fclose(f);
    journal_answer(a, rc, json, size);
}

void kh_console_api(kh_console_request *r, kh_console_answer *a)
{
    bool get = strcmp(r->method, "GET") == 0, post = strcmp(r->method, "POST") == 0;
    const char *p = r->path;
    if (strncmp(p, "/messages/", 10) == 0 && p[10]) {
        const char *id = p + 10;
        const char *slash = strchr(id, '/');
        if (!slash) {
            if (get)
                one_message(r, a, id);
            else
                kh_answer_error(a, 405, "method-not-allowed", "GET a message");
            return;
        }
        if (strcmp(slash, "/replay") == 0) {
            char copy[KH_MESSAGE_ID_SIZE + 1];
            size_t n = (size_t)(slash - id);
            if (n >= sizeof copy) {
                kh_answer_error(a, 404, "not-found", "no such message");
                return;
            }
            memcpy(copy, id, n);
            copy[n] = '\0';
            if (post)
                replay(r, a, copy);
            else
                kh_answer_error(a, 405, "method-not-allowed", "POST to replay");
            return;
        }
        kh_answer_error(a, 404, "not-found", "no such resource");
        return;
    }
    static const struct {
        const char *path;
        void (*get)(kh_console_request *, kh_console_answer *);
    } reads[] = {
        { "/session", kh_console_session_json },
        { "/overview", overview },
        { "/messages", search },
        { "/dead", dead },
        { "/partners", partners },
        { "/routes", routes },
        { "/audit", audit },
    };
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++)
        if (strcmp(p, reads[i].path) == 0) {
            if (get)
                reads[i].get(r, a);
            else
                kh_answer_error(a, 405, "method-not-allowed", "only GET here");
            return;
        }
    if (strcmp(p, "/logout") == 0) {
        if (post)
            kh_console_logout(r, a);
        else
            kh_answer_error(a, 405, "method-not-allowed", "POST to log out");
        return;
    }
    kh_answer_error(a, 404, "not-found", "no such resource");
}
