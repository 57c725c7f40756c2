/*
 * search.c - the journal read by the operator console (search.h): every
 * query here only reads, on a connection opened read-only, and writes its
 * answer as JSON. Message content is written as JSON strings and nothing
 * else: it is hostile input, and the console shows it as text.
 */
#include "journal/search.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "journal/internal.h"
#include "util/json.h"

static const int64_t hour_ms = 60 * 60 * 1000;

kh_journal *kh_journal_open_readonly(const char *path, char *err, size_t errlen)
{
    kh_journal *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (sqlite3_open_v2(path, &j->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(j->db, "PRAGMA query_only = 1", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, j->db ? sqlite3_errmsg(j->db) : "cannot be opened");
        kh_journal_close(j);
        return NULL;
    }
    sqlite3_busy_timeout(j->db, 5000);
    return j;
}

/* ------------------------------------------------------------ JSON helpers */

static sqlite3_stmt *prepare(kh_journal *j, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    return st;
}

static void iso_time(int64_t ms, char out[32])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03dZ", base, (int)(ms % 1000));
}

static void key(FILE *out, const char *name, bool comma)
{
    if (comma)
        fputc(',', out);
    kh_json_string(out, name);
    fputc(':', out);
}

static void text_field(FILE *out, const char *name, const unsigned char *value, bool comma)
{
    key(out, name, comma);
    if (value)
        kh_json_string(out, (const char *)value);
    else
        fputs("null", out);
}

static void time_field(FILE *out, const char *name, sqlite3_stmt *st, int column, bool comma)
{
    key(out, name, comma);
    if (sqlite3_column_type(st, column) == SQLITE_NULL) {
        fputs("null", out);
        return;
    }
    char when[32];
    iso_time(sqlite3_column_int64(st, column), when);
    kh_json_string(out, when);
}

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t left)
{
    unsigned char c = s[0];
    size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || n > left || (n == 2 && c < 0xC2))
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (n == 3 && ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0)))
        return 0;
    if (n == 4 && ((c == 0xF0 && s[1] < 0x90) || c > 0xF4 || (c == 0xF4 && s[1] >= 0x90)))
        return 0;
    return n;
}

static bool is_utf8(const unsigned char *s, size_t size)
{
    for (size_t i = 0; i < size;) {
        size_t n = utf8_sequence(s + i, size - i);
        if (!n)
            return false;
        i += n;
    }
    return true;
}

/* A body as {"size":N,"encoding":"utf-8"|"iso-8859-1","truncated":B,"text":"…"}:
 * UTF-8 as it is; anything else read as ISO 8859-1. At most max bytes of it,
 * cut before a character that would not fit whole. */
static void body_field(FILE *out, const char *name, const void *data, size_t size, size_t max, bool comma)
{
    const unsigned char *s = data ? data : (const unsigned char *)"";
    bool utf8 = is_utf8(s, size);
    size_t shown = size < max ? size : max;
    if (utf8)
        while (shown > 0 && shown < size && (s[shown] & 0xC0) == 0x80)
            shown--;
    key(out, name, comma);
    fprintf(out, "{\"size\":%zu,\"encoding\":\"%s\",\"truncated\":%s,\"text\":\"", size, utf8 ? "utf-8" : "iso-8859-1",
            shown < size ? "true" : "false");
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c == 0x7F)
            fprintf(out, "\\u%04x", c);
        else if (c >= 0x80 && !utf8)
            fprintf(out, "%c%c", 0xC0 | (c >> 6), 0x80 | (c & 0x3F));
        else
            fputc(c, out);
    }
    fputs("\"}", out);
}

/* A URL's user name and password ("scheme://user:password@host") dropped
 * from text in place: delivery errors name their destination's URL. */
static void drop_userinfo(char *s)
{
    for (char *p = strstr(s, "://"); p; p = strstr(p, "://")) {
        p += 3;
        size_t span = strcspn(p, "/@ \t\"?#");
        if (p[span] == '@')
            memmove(p, p + span + 1, strlen(p + span + 1) + 1);
    }
}

static void error_field(FILE *out, const char *name, const unsigned char *value, bool comma)
{
    char *copy = value ? strdup((const char *)value) : NULL;
    if (copy)
        drop_userinfo(copy);
    text_field(out, name, (const unsigned char *)copy, comma);
    free(copy);
}

/* ------------------------------------------------------------ search */

typedef struct where {
    char        sql[2048];
    const char *texts[16];
    int64_t     numbers[4];
    int         kinds[20];    /* 0 text, 1 number */
    int         count, ntexts, nnumbers;
} where;

static void add_text(where *w, const char *clause, int uses, const char *value)
{
    snprintf(w->sql + strlen(w->sql), sizeof w->sql - strlen(w->sql), " AND %s", clause);
    for (int i = 0; i < uses; i++) {
        w->kinds[w->count++] = 0;
        w->texts[w->ntexts++] = value;
    }
}

static void add_number(where *w, const char *clause, int64_t value)
{
    snprintf(w->sql + strlen(w->sql), sizeof w->sql - strlen(w->sql), " AND %s", clause);
    w->kinds[w->count++] = 1;
    w->numbers[w->nnumbers++] = value;
}

static void bind_where(sqlite3_stmt *st, const where *w)
{
    int t = 0, n = 0;
    for (int i = 0; i < w->count; i++) {
        if (w->kinds[i] == 0)
            kh_journal_bind_text(st, i + 1, w->texts[t++]);
        else
            sqlite3_bind_int64(st, i + 1, w->numbers[n++]);
    }
}

static bool given(const char *s)
{
    return s && s[0];
}

int kh_journal_search_json(kh_journal *j, const kh_search *q, FILE *out)
{
    where w = { .sql = "" };
    /* first, so that its one parameter is ?1; each "?" after it takes the next number */
    if (given(q->text))
        add_text(&w, "(substr(m.id, 1, length(?1)) = ?1 OR m.reference = ?1 OR m.partner = ?1"
                     " OR m.id IN (SELECT message_id FROM message_interchanges WHERE reference = ?1)"
                     " OR m.id IN (SELECT message_id FROM interchanges WHERE reference = ?1))", 1, q->text);
    if (given(q->id))
        add_text(&w, "substr(m.id, 1, length(?)) = ?", 2, q->id);
    if (given(q->partner))
        add_text(&w, "m.partner = ?", 1, q->partner);
    if (given(q->family))
        add_text(&w, "m.family = ?", 1, q->family);
    if (given(q->state))
        add_text(&w, "m.state = ?", 1, q->state);
    if (given(q->reference))
        add_text(&w, "(m.reference = ? OR m.id IN (SELECT message_id FROM message_interchanges WHERE reference = ?)"
                     " OR m.id IN (SELECT message_id FROM interchanges WHERE reference = ?))", 3, q->reference);
    if (q->from_ms > 0)
        add_number(&w, "m.received_at >= ?", q->from_ms);
    if (q->to_ms > 0)
        add_number(&w, "m.received_at < ?", q->to_ms);
    if (given(q->before))
        add_text(&w, "m.id < ?", 1, q->before);
    int limit = q->limit < 1 ? 1 : q->limit > KH_SEARCH_MAX_LIMIT ? KH_SEARCH_MAX_LIMIT : q->limit;

    char sql[4096];
    snprintf(sql, sizeof sql,
             "SELECT m.id, m.received_at, m.channel, m.format, m.partner, m.family, m.type, m.office, m.reference,"
             " m.state, m.size, (SELECT count(*) FROM errors e WHERE e.message_id = m.id),"
             " (SELECT coalesce(e.code, '') || ': ' || coalesce(e.text, '') FROM errors e WHERE e.message_id = m.id"
             "  ORDER BY e.rowid LIMIT 1)"
             " FROM messages m WHERE 1%s ORDER BY m.id DESC LIMIT %d", w.sql, limit + 1);
    sqlite3_stmt *st = prepare(j, sql);
    if (!st)
        return -1;
    bind_where(st, &w);
    fputs("{\"messages\":[", out);
    int rows = 0;
    char last[KH_MESSAGE_ID_SIZE] = "";
    bool more = false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (rows == limit) {
            more = true;
            break;
        }
        fputs(rows ? ",{" : "{", out);
        text_field(out, "id", sqlite3_column_text(st, 0), false);
        time_field(out, "received_at", st, 1, true);
        static const char *const names[] = { "channel", "format", "partner", "family", "type", "office", "reference",
                                             "state" };
        for (int i = 0; i < 8; i++)
            text_field(out, names[i], sqlite3_column_text(st, 2 + i), true);
        fprintf(out, ",\"size\":%lld,\"errors\":%d", (long long)sqlite3_column_int64(st, 10), sqlite3_column_int(st, 11));
        text_field(out, "first_error", sqlite3_column_text(st, 12), true);
        fputc('}', out);
        snprintf(last, sizeof last, "%s", (const char *)sqlite3_column_text(st, 0));
        rows++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return -1;
    fputs("],\"next\":", out);
    if (more)
        kh_json_string(out, last);
    else
        fputs("null", out);
    fputs("}\n", out);
    return 0;
}

/* ------------------------------------------------------------ one message */

int kh_journal_has_message(kh_journal *j, const char *id)
{
    sqlite3_stmt *st = prepare(j, "SELECT 1 FROM messages WHERE id = ?");
    if (!st)
        return -1;
    kh_journal_bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int audit_rows(kh_journal *j, const char *id, int limit, FILE *out)
{
    sqlite3_stmt *st = prepare(j, id ? "SELECT at, who, action, message_id, detail FROM audit WHERE message_id = ?"
                                       " ORDER BY at DESC, rowid DESC LIMIT ?"
                                     : "SELECT at, who, action, message_id, detail FROM audit"
                                       " ORDER BY at DESC, rowid DESC LIMIT ?");
    if (!st)
        return -1;
    if (id) {
        kh_journal_bind_text(st, 1, id);
        sqlite3_bind_int(st, 2, limit);
    } else {
        sqlite3_bind_int(st, 1, limit);
    }
    fputc('[', out);
    int rc;
    for (int n = 0; (rc = sqlite3_step(st)) == SQLITE_ROW; n++) {
        fputs(n ? ",{" : "{", out);
        time_field(out, "at", st, 0, false);
        text_field(out, "who", sqlite3_column_text(st, 1), true);
        text_field(out, "action", sqlite3_column_text(st, 2), true);
        text_field(out, "message_id", sqlite3_column_text(st, 3), true);
        text_field(out, "detail", sqlite3_column_text(st, 4), true);
        fputc('}', out);
    }
    fputc(']', out);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int kh_journal_message_json(kh_journal *j, const char *id, size_t max_body, FILE *out)
{
    int known = kh_journal_has_message(j, id);
    if (known != 1)
        return known == 0 ? 1 : -1;
    char *status = NULL;
    size_t status_size = 0;
    FILE *mem = open_memstream(&status, &status_size);
    if (!mem)
        return -1;
    int rc = kh_journal_status_json(j, id, mem);
    fclose(mem);
    if (rc != 0) {
        free(status);
        return -1;
    }
    drop_userinfo(status);
    fputs("{\"message\":", out);
    fputs(status, out);
    free(status);

    sqlite3_stmt *st = prepare(j, "SELECT raw, content_type FROM messages WHERE id = ?");
    if (!st)
        return -1;
    kh_journal_bind_text(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return -1;
    }
    body_field(out, "raw", sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), max_body, true);
    text_field(out, "content_type", sqlite3_column_text(st, 1), true);
    sqlite3_finalize(st);

    fputs(",\"parts\":[", out);
    st = prepare(j, "SELECT part, family, type, office, normalized FROM parts WHERE message_id = ? ORDER BY part");
    if (!st)
        return -1;
    kh_journal_bind_text(st, 1, id);
    for (int n = 0; sqlite3_step(st) == SQLITE_ROW; n++) {
        fprintf(out, "%s{\"part\":%d", n ? "," : "", sqlite3_column_int(st, 0));
        text_field(out, "family", sqlite3_column_text(st, 1), true);
        text_field(out, "type", sqlite3_column_text(st, 2), true);
        text_field(out, "office", sqlite3_column_text(st, 3), true);
        body_field(out, "normalized", sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4), max_body, true);
        fputc('}', out);
    }
    sqlite3_finalize(st);

    fputs("],\"acknowledgements\":[", out);
    st = prepare(j, "SELECT kind, at, body FROM acknowledgements WHERE message_id = ? ORDER BY rowid");
    if (!st)
        return -1;
    kh_journal_bind_text(st, 1, id);
    for (int n = 0; sqlite3_step(st) == SQLITE_ROW; n++) {
        fputs(n ? ",{" : "{", out);
        text_field(out, "kind", sqlite3_column_text(st, 0), false);
        time_field(out, "at", st, 1, true);
        body_field(out, "body", sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2), max_body, true);
        fputc('}', out);
    }
    sqlite3_finalize(st);

    fputs("],\"audit\":", out);
    if (audit_rows(j, id, 100, out) != 0)
        return -1;
    fputs("}\n", out);
    return 0;
}

int kh_journal_audit_json(kh_journal *j, const char *id, int limit, FILE *out)
{
    fputs("{\"audit\":", out);
    if (audit_rows(j, id, limit, out) != 0)
        return -1;
    fputs("}\n", out);
    return 0;
}

/* ------------------------------------------------------------ the overview */

enum { MAX_GROUPS = 64, HOUR_BUCKETS = 12, DAY_BUCKETS = 24 };

typedef struct group {
    char name[64];
    long messages, rejected, failed;
} group;

typedef struct latencies {
    int64_t *ms;
    size_t   count, cap;
} latencies;

typedef struct bucket {
    long      messages, rejected, failed;
    latencies latency;
} bucket;

typedef struct window {
    int64_t   start_ms, bucket_ms;
    size_t    nbuckets;
    long      messages, taken, rejected, duplicate, failed;
    group     families[MAX_GROUPS], partners[MAX_GROUPS];
    size_t    nfamilies, npartners;
    latencies latency;
    bucket   *buckets;
} window;

static int keep_latency(latencies *l, int64_t ms)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        int64_t *grown = realloc(l->ms, cap * sizeof *grown);
        if (!grown)
            return -1;
        l->ms = grown;
        l->cap = cap;
    }
    l->ms[l->count++] = ms;
    return 0;
}

static int by_value(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The nearest-rank percentiles p50, p90 and p99 as JSON fields. */
static void percentiles(FILE *out, latencies *l)
{
    if (!l->count) {
        fputs("\"p50\":null,\"p90\":null,\"p99\":null", out);
        return;
    }
    qsort(l->ms, l->count, sizeof *l->ms, by_value);
    static const double ps[] = { 0.50, 0.90, 0.99 };
    static const char *const names[] = { "p50", "p90", "p99" };
    for (int i = 0; i < 3; i++) {
        size_t rank = (size_t)(ps[i] * (double)l->count + 0.999999);
        if (rank < 1)
            rank = 1;
        fprintf(out, "%s\"%s\":%lld", i ? "," : "", names[i], (long long)l->ms[rank - 1]);
    }
}

static group *group_of(group *groups, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(groups[i].name, name) == 0)
            return &groups[i];
    if (*n == MAX_GROUPS)
        return &groups[MAX_GROUPS - 1];    /* the last one collects the rest */
    group *g = &groups[(*n)++];
    snprintf(g->name, sizeof g->name, "%s", *n == MAX_GROUPS ? "(others)" : name);
    return g;
}

static bool is_taken(const char *state)
{
    return !strcmp(state, "routed") || !strcmp(state, "unrouted") || !strcmp(state, "delivered") ||
           !strcmp(state, "failed");
}

static int count_into(window *w, int64_t received, const char *state, const char *family, const char *partner,
                      bool has_latency, int64_t latency_ms)
{
    if (received < w->start_ms)
        return 0;
    bool rejected = !strcmp(state, "rejected"), failed = !strcmp(state, "failed");
    w->messages++;
    w->taken += is_taken(state);
    w->rejected += rejected;
    w->failed += failed;
    w->duplicate += !strcmp(state, "duplicate");
    group *groups[2] = { group_of(w->families, &w->nfamilies, family[0] ? family : "-"),
                         group_of(w->partners, &w->npartners, partner[0] ? partner : "-") };
    for (int i = 0; i < 2; i++) {
        groups[i]->messages++;
        groups[i]->rejected += rejected;
        groups[i]->failed += failed;
    }
    size_t b = (size_t)((received - w->start_ms) / w->bucket_ms);
    if (b >= w->nbuckets)
        b = w->nbuckets - 1;
    bucket *k = &w->buckets[b];
    k->messages++;
    k->rejected += rejected;
    k->failed += failed;
    if (has_latency && (keep_latency(&w->latency, latency_ms) != 0 || keep_latency(&k->latency, latency_ms) != 0))
        return -1;
    return 0;
}

static void groups_json(FILE *out, const char *name, const group *groups, size_t n)
{
    fprintf(out, ",\"%s\":[", name);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",{" : "{", out);
        text_field(out, "name", (const unsigned char *)groups[i].name, false);
        fprintf(out, ",\"messages\":%ld,\"rejected\":%ld,\"failed\":%ld}", groups[i].messages, groups[i].rejected,
                groups[i].failed);
    }
    fputc(']', out);
}

static void window_json(FILE *out, const char *name, window *w)
{
    char when[32];
    iso_time(w->start_ms, when);
    fprintf(out, "\"%s\":{\"since\":\"%s\",\"messages\":%ld,\"accepted\":%ld,\"rejected\":%ld,\"duplicate\":%ld,"
                 "\"failed\":%ld,\"error_rate\":%.4f,\"latency_ms\":{",
            name, when, w->messages, w->taken, w->rejected, w->duplicate, w->failed,
            w->messages ? (double)(w->rejected + w->failed) / (double)w->messages : 0.0);
    percentiles(out, &w->latency);
    fprintf(out, ",\"count\":%zu}", w->latency.count);
    groups_json(out, "families", w->families, w->nfamilies);
    groups_json(out, "partners", w->partners, w->npartners);
    fprintf(out, ",\"bucket_seconds\":%lld,\"series\":[", (long long)(w->bucket_ms / 1000));
    for (size_t i = 0; i < w->nbuckets; i++) {
        bucket *k = &w->buckets[i];
        iso_time(w->start_ms + (int64_t)i * w->bucket_ms, when);
        fprintf(out, "%s{\"start\":\"%s\",\"messages\":%ld,\"rejected\":%ld,\"failed\":%ld,", i ? "," : "", when,
                k->messages, k->rejected, k->failed);
        percentiles(out, &k->latency);
        fputc('}', out);
    }
    fputs("]}", out);
}

static void window_free(window *w)
{
    free(w->latency.ms);
    for (size_t i = 0; w->buckets && i < w->nbuckets; i++)
        free(w->buckets[i].latency.ms);
    free(w->buckets);
}

static int outbox_json(kh_journal *j, FILE *out)
{
    sqlite3_stmt *st = prepare(j, "SELECT coalesce(sum(state = 'pending'), 0),"
                                  " coalesce(sum(state = 'pending' AND attempts > 0), 0),"
                                  " coalesce(sum(state = 'dead'), 0) FROM outbox");
    if (!st || sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return -1;
    }
    fprintf(out, ",\"outbox\":{\"pending\":%lld,\"retrying\":%lld,\"dead\":%lld}",
            (long long)sqlite3_column_int64(st, 0), (long long)sqlite3_column_int64(st, 1),
            (long long)sqlite3_column_int64(st, 2));
    sqlite3_finalize(st);
    return 0;
}

int kh_journal_overview_json(kh_journal *j, int64_t now_ms, FILE *out)
{
    /* buckets aligned on their size, the last one holding now */
    window hour = { .bucket_ms = 5 * 60 * 1000, .nbuckets = HOUR_BUCKETS };
    window day = { .bucket_ms = hour_ms, .nbuckets = DAY_BUCKETS };
    window *windows[2] = { &hour, &day };
    for (int i = 0; i < 2; i++) {
        window *w = windows[i];
        w->start_ms = (now_ms / w->bucket_ms + 1) * w->bucket_ms - (int64_t)w->nbuckets * w->bucket_ms;
        w->buckets = calloc(w->nbuckets, sizeof *w->buckets);
    }
    int rc = -1;
    /* latency: from reception to the last stage the message went through
     * before it was answered (as khaalga stats) */
    sqlite3_stmt *st = prepare(j, "SELECT m.received_at, m.state, coalesce(m.family, ''), coalesce(m.partner, ''),"
                                  " (SELECT max(s.at) FROM stages s WHERE s.message_id = m.id"
                                  "  AND s.stage NOT IN ('deliver', 'answered')) - m.received_at"
                                  " FROM messages m WHERE m.received_at >= ?");
    if (st && hour.buckets && day.buckets) {
        sqlite3_bind_int64(st, 1, day.start_ms < hour.start_ms ? day.start_ms : hour.start_ms);
        int step;
        rc = 0;
        while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t received = sqlite3_column_int64(st, 0);
            const char *state = (const char *)sqlite3_column_text(st, 1);
            const char *family = (const char *)sqlite3_column_text(st, 2);
            const char *partner = (const char *)sqlite3_column_text(st, 3);
            bool has_latency = sqlite3_column_type(st, 4) != SQLITE_NULL;
            int64_t latency = sqlite3_column_int64(st, 4);
            if (latency < 0)
                latency = 0;
            for (int i = 0; i < 2 && rc == 0; i++)
                rc = count_into(windows[i], received, state ? state : "", family, partner, has_latency, latency);
        }
        if (rc == 0 && step != SQLITE_DONE)
            rc = -1;
    }
    sqlite3_finalize(st);
    if (rc == 0) {
        char when[32];
        iso_time(now_ms, when);
        fprintf(out, "{\"now\":\"%s\",", when);
        window_json(out, "hour", &hour);
        fputc(',', out);
        window_json(out, "day", &day);
        rc = outbox_json(j, out);
        fputs("}\n", out);
    }
    window_free(&hour);
    window_free(&day);
    return rc;
}

/* ------------------------------------------------------------ deliveries, partners */

int kh_journal_dead_json(kh_journal *j, int limit, FILE *out)
{
    sqlite3_stmt *st = prepare(j, "SELECT o.message_id, o.delivery_id, o.destination, o.attempts, o.last_error,"
                                  " m.received_at, m.partner, m.family, m.reference, m.state,"
                                  " (SELECT max(s.at) FROM stages s WHERE s.message_id = o.message_id"
                                  "  AND s.stage = 'deliver')"
                                  " FROM outbox o JOIN messages m ON m.id = o.message_id WHERE o.state = 'dead'"
                                  " ORDER BY o.entry DESC LIMIT ?");
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, limit);
    fputs("{\"dead\":[", out);
    int rc;
    for (int n = 0; (rc = sqlite3_step(st)) == SQLITE_ROW; n++) {
        fputs(n ? ",{" : "{", out);
        text_field(out, "message_id", sqlite3_column_text(st, 0), false);
        text_field(out, "delivery_id", sqlite3_column_text(st, 1), true);
        text_field(out, "destination", sqlite3_column_text(st, 2), true);
        fprintf(out, ",\"attempts\":%d", sqlite3_column_int(st, 3));
        error_field(out, "last_error", sqlite3_column_text(st, 4), true);
        time_field(out, "received_at", st, 5, true);
        text_field(out, "partner", sqlite3_column_text(st, 6), true);
        text_field(out, "family", sqlite3_column_text(st, 7), true);
        text_field(out, "reference", sqlite3_column_text(st, 8), true);
        text_field(out, "state", sqlite3_column_text(st, 9), true);
        time_field(out, "last_attempt_at", st, 10, true);
        fputc('}', out);
    }
    sqlite3_finalize(st);
    fputs("]}\n", out);
    return rc == SQLITE_DONE ? 0 : -1;
}

int kh_journal_destinations_json(kh_journal *j, int64_t now_ms, FILE *out)
{
    sqlite3_stmt *st = prepare(j, "SELECT destination, sum(state = 'pending'), sum(state = 'pending' AND attempts > 0),"
                                  " sum(state = 'dead'), sum(state = 'delivered' AND delivered_at >= ?),"
                                  " max(delivered_at),"
                                  " (SELECT last_error FROM outbox p WHERE p.destination = o.destination"
                                  "  AND p.last_error IS NOT NULL ORDER BY p.entry DESC LIMIT 1)"
                                  " FROM outbox o GROUP BY destination ORDER BY destination");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, now_ms - 24 * hour_ms);
    fputc('{', out);
    int rc;
    for (int n = 0; (rc = sqlite3_step(st)) == SQLITE_ROW; n++) {
        key(out, (const char *)sqlite3_column_text(st, 0), n > 0);
        fprintf(out, "{\"pending\":%lld,\"retrying\":%lld,\"dead\":%lld,\"delivered_day\":%lld",
                (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2),
                (long long)sqlite3_column_int64(st, 3), (long long)sqlite3_column_int64(st, 4));
        time_field(out, "last_delivered_at", st, 5, true);
        error_field(out, "last_error", sqlite3_column_text(st, 6), true);
        fputc('}', out);
    }
    sqlite3_finalize(st);
    fputs("}\n", out);
    return rc == SQLITE_DONE ? 0 : -1;
}

int kh_journal_partners_json(kh_journal *j, int64_t now_ms, FILE *out)
{
    sqlite3_stmt *st = prepare(j, "SELECT partner, sum(received_at >= ?1), sum(received_at >= ?1 AND state = 'rejected'),"
                                  " sum(received_at >= ?1 AND state = 'failed'), max(received_at)"
                                  " FROM messages WHERE partner IS NOT NULL GROUP BY partner ORDER BY partner");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, now_ms - 24 * hour_ms);
    fputc('{', out);
    int rc;
    for (int n = 0; (rc = sqlite3_step(st)) == SQLITE_ROW; n++) {
        key(out, (const char *)sqlite3_column_text(st, 0), n > 0);
        fprintf(out, "{\"messages_day\":%lld,\"rejected_day\":%lld,\"failed_day\":%lld",
                (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2),
                (long long)sqlite3_column_int64(st, 3));
        time_field(out, "last_seen", st, 4, true);
        fputc('}', out);
    }
    sqlite3_finalize(st);
    fputs("}\n", out);
    return rc == SQLITE_DONE ? 0 : -1;
}
