/*
 * journal.c - the journal's connection and schema, its statement cache and
 * write transactions; and what reads or maintains the whole journal:
 * status, statistics, metrics counts, replay, interrupted messages and
 * pruning. WAL with synchronous FULL, so a committed write survives a crash
 * or a power cut. (entry.c writes messages, outbox.c the deliveries.)
 */
#include "journal/internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/json.h"

/* One writer at a time in this process: SQLite's own busy handler would
 * sleep between retries, which is what makes latencies jump. */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const statement_sql[ST_STATEMENT_COUNT] = {
    [ST_INSERT_MESSAGE] =
        "INSERT INTO messages (id, received_at, channel, content_type, digest, raw, size, partner, format, family,"
        " type, office, reference, sender, recipient, signer, state, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [ST_INSERT_PART] =
        "INSERT INTO parts (message_id, part, family, type, office, normalized) VALUES (?, ?, ?, ?, ?, ?)",
    [ST_INSERT_STAGE] =
        "INSERT INTO stages (message_id, stage, outcome, at, elapsed_us, detail) VALUES (?, ?, ?, ?, ?, ?)",
    [ST_INSERT_ERROR] = "INSERT INTO errors (message_id, code, place, text) VALUES (?, ?, ?, ?)",
    [ST_INSERT_ACKNOWLEDGEMENT] = "INSERT INTO acknowledgements (message_id, kind, at, body) VALUES (?, ?, ?, ?)",
    [ST_INSERT_OUTBOX] =
        "INSERT INTO outbox (message_id, part, delivery_id, destination, state, next_at)"
        " VALUES (?, ?, ?, ?, 'pending', ?)",
    [ST_INSERT_INTERCHANGE] =
        "INSERT OR IGNORE INTO interchanges (sender, recipient, reference, message_id) VALUES (?, ?, ?, ?)",
    [ST_FIND_INTERCHANGE] =
        "SELECT message_id FROM interchanges WHERE sender = ? AND recipient = ? AND reference = ?",
    [ST_FIND_DIGEST] =
        "SELECT id FROM messages WHERE digest = ? AND state IN ('routed', 'unrouted', 'delivered')"
        " ORDER BY received_at LIMIT 1",
    [ST_FIND_ORIGINAL] =
        "SELECT id, coalesce(partner, ''), coalesce(format, ''), coalesce(recipient, '') FROM messages"
        " WHERE reference = ? AND family = ? AND state IN ('routed', 'unrouted', 'delivered', 'failed')"
        " ORDER BY received_at DESC LIMIT 1",
    [ST_INSERT_MESSAGE_INTERCHANGE] =
        "INSERT OR REPLACE INTO message_interchanges (message_id, sender, recipient, reference) VALUES (?, ?, ?, ?)",
    [ST_INSERT_SENT] =
        "INSERT OR REPLACE INTO sent_interchanges (sender, recipient, reference, message_id, part) VALUES (?, ?, ?, ?, ?)",
    [ST_FIND_SENT] = "SELECT message_id FROM sent_interchanges WHERE sender = ? AND recipient = ? AND reference = ?",
    [ST_FIND_DELIVERED] =
        "SELECT m.id, coalesce(m.partner, ''), coalesce(m.format, ''), coalesce(m.recipient, '')"
        " FROM outbox o JOIN messages m ON m.id = o.message_id WHERE o.delivery_id = ? AND o.part > 0"
        " AND m.state IN ('routed', 'unrouted', 'delivered', 'failed') LIMIT 1",
    [ST_OUTBOX_DUE] =
        "SELECT o.entry, o.message_id, o.part, o.delivery_id, o.destination, coalesce(p.family,"
        " CASE WHEN o.part = 0 THEN (SELECT upper(a.kind) FROM acknowledgements a WHERE a.message_id = o.message_id)"
        " END, m.family, ''), coalesce(m.partner, ''), o.attempts, coalesce(p.type, ''), coalesce(p.office, ''),"
        " coalesce(m.format, ''), coalesce(m.signer, ''), m.digest"
        " FROM outbox o JOIN messages m ON m.id = o.message_id"
        " LEFT JOIN parts p ON p.message_id = o.message_id AND p.part = o.part"
        " WHERE o.state = 'pending' AND o.next_at <= ? ORDER BY o.next_at, o.entry LIMIT ?",
    /* part 0 is the acknowledgement (kh_journal_entry_deliver_acknowledgement) */
    [ST_NORMALIZED] = "SELECT normalized FROM parts WHERE message_id = ?1 AND part = ?2"
                      " UNION ALL SELECT body FROM acknowledgements WHERE ?2 = 0 AND message_id = ?1 LIMIT 1",
    /* only a pending entry: one the broker dead-lettered while its attempt
     * was in hand (journal/dead_letters.c) stays dead */
    [ST_OUTBOX_DELIVERED] =
        "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL"
        " WHERE entry = ? AND state = 'pending'",
    [ST_OUTBOX_RETRY] =
        "UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE entry = ? AND state = 'pending'",
    [ST_OUTBOX_DEAD] =
        "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ? WHERE entry = ? AND state = 'pending'",
    [ST_MESSAGE_SETTLE] =
        "UPDATE messages SET state = 'delivered', updated_at = ? WHERE id = ?"
        " AND state NOT IN ('rejected', 'duplicate')"
        " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = messages.id AND o.state <> 'delivered')",
    /* a rejected message whose acknowledgement cannot be delivered stays rejected */
    [ST_MESSAGE_FAILED] = "UPDATE messages SET state = 'failed', updated_at = ? WHERE id = ?"
                          " AND state NOT IN ('rejected', 'duplicate')",
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS messages ("
    "  id TEXT PRIMARY KEY, received_at INTEGER NOT NULL, channel TEXT NOT NULL, content_type TEXT,"
    "  digest TEXT NOT NULL, raw BLOB NOT NULL, size INTEGER NOT NULL,"
    "  partner TEXT, format TEXT, family TEXT, type TEXT, office TEXT, reference TEXT, sender TEXT,"
    "  recipient TEXT, signer TEXT, state TEXT NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS messages_received ON messages(received_at);"
    "CREATE INDEX IF NOT EXISTS messages_state ON messages(state);"
    "CREATE INDEX IF NOT EXISTS messages_reference ON messages(reference);"
    "CREATE INDEX IF NOT EXISTS messages_digest ON messages(digest);"
    "CREATE TABLE IF NOT EXISTS parts ("
    "  message_id TEXT NOT NULL, part INTEGER NOT NULL, family TEXT, type TEXT, office TEXT,"
    "  normalized BLOB NOT NULL, PRIMARY KEY (message_id, part));"
    "CREATE TABLE IF NOT EXISTS stages ("
    "  message_id TEXT NOT NULL, stage TEXT NOT NULL, outcome TEXT NOT NULL, at INTEGER NOT NULL,"
    "  elapsed_us INTEGER NOT NULL, detail TEXT);"
    "CREATE INDEX IF NOT EXISTS stages_message ON stages(message_id);"
    "CREATE TABLE IF NOT EXISTS errors (message_id TEXT NOT NULL, code TEXT, place TEXT, text TEXT);"
    "CREATE INDEX IF NOT EXISTS errors_message ON errors(message_id);"
    "CREATE TABLE IF NOT EXISTS acknowledgements ("
    "  message_id TEXT NOT NULL, kind TEXT NOT NULL, at INTEGER NOT NULL, body BLOB);"
    "CREATE INDEX IF NOT EXISTS acknowledgements_message ON acknowledgements(message_id);"
    "CREATE TABLE IF NOT EXISTS outbox ("
    "  entry INTEGER PRIMARY KEY, message_id TEXT NOT NULL, part INTEGER NOT NULL, delivery_id TEXT NOT NULL,"
    "  destination TEXT NOT NULL,"
    "  state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"
    "  last_error TEXT, delivered_at INTEGER);"
    "CREATE INDEX IF NOT EXISTS outbox_due ON outbox(state, next_at);"
    "CREATE INDEX IF NOT EXISTS outbox_message ON outbox(message_id);"
    "CREATE TABLE IF NOT EXISTS interchanges ("
    "  sender TEXT NOT NULL, recipient TEXT NOT NULL, reference TEXT NOT NULL, message_id TEXT NOT NULL,"
    "  PRIMARY KEY (sender, recipient, reference));"
    /* the interchange each EDIFACT message came in, taken or not: to find it by that reference */
    "CREATE TABLE IF NOT EXISTS message_interchanges (message_id TEXT PRIMARY KEY, sender TEXT, recipient TEXT,"
    "  reference TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS message_interchanges_reference ON message_interchanges(reference);"
    /* interchanges Khaalga wrote (a part delivered as EDIFACT), for the CONTRL that answers one */
    "CREATE TABLE IF NOT EXISTS sent_interchanges ("
    "  sender TEXT NOT NULL, recipient TEXT NOT NULL, reference TEXT NOT NULL, message_id TEXT NOT NULL,"
    "  part INTEGER NOT NULL, PRIMARY KEY (sender, recipient, reference));"
    "CREATE TABLE IF NOT EXISTS audit (at INTEGER NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,"
    "  message_id TEXT, detail TEXT);";

int64_t kh_journal_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

kh_journal *kh_journal_open(const char *path, char *err, size_t errlen)
{
    kh_journal *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (sqlite3_open_v2(path, &j->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, j->db ? sqlite3_errmsg(j->db) : "cannot be opened");
        kh_journal_close(j);
        return NULL;
    }
    sqlite3_busy_timeout(j->db, 10000);
    char *why = NULL;
    if (sqlite3_exec(j->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, &why) != SQLITE_OK ||
        sqlite3_exec(j->db, schema, NULL, NULL, &why) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, why ? why : sqlite3_errmsg(j->db));
        sqlite3_free(why);
        kh_journal_close(j);
        return NULL;
    }
    return j;
}

void kh_journal_close(kh_journal *j)
{
    if (!j)
        return;
    for (int i = 0; i < ST_STATEMENT_COUNT; i++)
        sqlite3_finalize(j->statements[i]);
    sqlite3_close(j->db);
    free(j);
}

sqlite3_stmt *kh_journal_statement(kh_journal *j, kh_statement which)
{
    sqlite3_stmt *st = j->statements[which];
    if (!st) {
        if (sqlite3_prepare_v3(j->db, statement_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
            return NULL;
        j->statements[which] = st;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

int kh_journal_step_done(sqlite3_stmt *st)
{
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

void kh_journal_bind_text(sqlite3_stmt *st, int at, const char *text)
{
    if (text)
        sqlite3_bind_text(st, at, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, at);
}

int kh_journal_begin(kh_journal *j)
{
    pthread_mutex_lock(&write_lock);
    if (sqlite3_exec(j->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    pthread_mutex_unlock(&write_lock);
    return -1;
}

int kh_journal_commit(kh_journal *j)
{
    int rc = sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    if (rc != 0)
        sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&write_lock);
    return rc;
}

void kh_journal_rollback(kh_journal *j)
{
    sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&write_lock);
}

/* ------------------------------------------------------------ small helpers */

static sqlite3_stmt *prepare(kh_journal *j, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    return st;
}

static void bind_text(sqlite3_stmt *st, int at, const char *text)
{
    kh_journal_bind_text(st, at, text);
}

/* Runs a statement that returns no rows; 0 or -1. */
static int run(sqlite3_stmt *st)
{
    int rc = st && sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    return rc;
}

static int exec(kh_journal *j, const char *sql)
{
    return sqlite3_exec(j->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* ------------------------------------------------------------ replay */

long kh_journal_outbox_depth(kh_journal *j)
{
    sqlite3_stmt *st = prepare(j, "SELECT count(*) FROM outbox WHERE state = 'pending'");
    long n = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}
int kh_journal_replay(kh_journal *j, const char *id, const char *who)
{
    if (kh_journal_begin(j) != 0)
        return -1;
    int64_t now = kh_journal_now_ms();
    sqlite3_stmt *st = prepare(j, id ? "UPDATE outbox SET state = 'pending', next_at = ?, attempts = 0"
                                       " WHERE message_id = ? AND state = 'dead'"
                                     : "UPDATE outbox SET state = 'pending', next_at = ?, attempts = 0"
                                       " WHERE state = 'dead'");
    int changed = -1;
    if (st) {
        sqlite3_bind_int64(st, 1, now);
        if (id)
            bind_text(st, 2, id);
        if (sqlite3_step(st) == SQLITE_DONE)
            changed = sqlite3_changes(j->db);
        sqlite3_finalize(st);
    }
    if (changed > 0) {
        st = prepare(j, id ? "UPDATE messages SET state = 'routed', updated_at = ? WHERE id = ? AND state = 'failed'"
                           : "UPDATE messages SET state = 'routed', updated_at = ? WHERE state = 'failed'"
                             " AND id IN (SELECT message_id FROM outbox WHERE state = 'pending')");
        if (st) {
            sqlite3_bind_int64(st, 1, now);
            if (id)
                bind_text(st, 2, id);
        }
        if (run(st) != 0)
            changed = -1;
    }
    if (changed >= 0) {
        st = prepare(j, "INSERT INTO audit (at, who, action, message_id, detail) VALUES (?, ?, 'replay', ?, ?)");
        char detail[64];
        snprintf(detail, sizeof detail, "%d deliveries put back", changed);
        if (st) {
            sqlite3_bind_int64(st, 1, now);
            bind_text(st, 2, who ? who : "unknown");
            bind_text(st, 3, id);
            bind_text(st, 4, detail);
        }
        if (run(st) != 0)
            changed = -1;
    }
    if (changed >= 0)
        return kh_journal_commit(j) == 0 ? changed : -1;
    kh_journal_rollback(j);
    return -1;
}


/* ------------------------------------------------------------ status, statistics, pruning */

static void json_key_text(FILE *out, const char *key, const unsigned char *value, bool comma)
{
    if (comma)
        fputc(',', out);
    kh_json_string(out, key);
    fputc(':', out);
    if (value)
        kh_json_string(out, (const char *)value);
    else
        fputs("null", out);
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

int kh_journal_partner_of(kh_journal *j, const char *id, char *partner, size_t len)
{
    sqlite3_stmt *st = prepare(j, "SELECT coalesce(partner, '') FROM messages WHERE id = ?");
    if (!st)
        return -1;
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    int found = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
    if (found == 0)
        snprintf(partner, len, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return found;
}

int kh_journal_status_json(kh_journal *j, const char *id, FILE *out)
{
    sqlite3_stmt *st = prepare(j, "SELECT id, state, received_at, channel, partner, format, family, type, office,"
                                  " reference, sender, recipient, signer, size, digest FROM messages WHERE id = ?");
    if (!st)
        return -1;
    bind_text(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return 1;
    }
    static const char *const names[] = { "id", "state", NULL, "channel", "partner", "format", "family", "type",
                                         "office", "reference", "sender", "recipient", "signer" };
    char when[32];
    fputc('{', out);
    for (int i = 0; i < 13; i++) {
        if (i == 2) {
            iso_time(sqlite3_column_int64(st, 2), when);
            json_key_text(out, "received_at", (const unsigned char *)when, true);
            continue;
        }
        json_key_text(out, names[i], sqlite3_column_text(st, i), i > 0);
    }
    fprintf(out, ",\"size\":%lld", (long long)sqlite3_column_int64(st, 13));
    json_key_text(out, "sha256", sqlite3_column_text(st, 14), true);
    sqlite3_finalize(st);

    fputs(",\"stages\":[", out);
    st = prepare(j, "SELECT stage, outcome, at, elapsed_us, detail FROM stages WHERE message_id = ? ORDER BY rowid");
    bind_text(st, 1, id);
    for (int n = 0; st && sqlite3_step(st) == SQLITE_ROW; n++) {
        fputs(n ? ",{" : "{", out);
        json_key_text(out, "stage", sqlite3_column_text(st, 0), false);
        json_key_text(out, "outcome", sqlite3_column_text(st, 1), true);
        iso_time(sqlite3_column_int64(st, 2), when);
        json_key_text(out, "at", (const unsigned char *)when, true);
        fprintf(out, ",\"elapsed_us\":%lld", (long long)sqlite3_column_int64(st, 3));
        json_key_text(out, "detail", sqlite3_column_text(st, 4), true);
        fputc('}', out);
    }
    sqlite3_finalize(st);

    fputs("],\"errors\":[", out);
    st = prepare(j, "SELECT code, place, text FROM errors WHERE message_id = ? ORDER BY rowid");
    bind_text(st, 1, id);
    for (int n = 0; st && sqlite3_step(st) == SQLITE_ROW; n++) {
        fputs(n ? ",{" : "{", out);
        json_key_text(out, "code", sqlite3_column_text(st, 0), false);
        json_key_text(out, "place", sqlite3_column_text(st, 1), true);
        json_key_text(out, "text", sqlite3_column_text(st, 2), true);
        fputc('}', out);
    }
    sqlite3_finalize(st);

    fputs("],\"acknowledgements\":[", out);
    st = prepare(j, "SELECT kind, at FROM acknowledgements WHERE message_id = ? ORDER BY rowid");
    bind_text(st, 1, id);
    for (int n = 0; st && sqlite3_step(st) == SQLITE_ROW; n++) {
        fputs(n ? ",{" : "{", out);
        json_key_text(out, "kind", sqlite3_column_text(st, 0), false);
        iso_time(sqlite3_column_int64(st, 1), when);
        json_key_text(out, "at", (const unsigned char *)when, true);
        fputc('}', out);
    }
    sqlite3_finalize(st);

    fputs("],\"deliveries\":[", out);
    st = prepare(j, "SELECT destination, state, attempts, last_error, delivered_at, delivery_id FROM outbox"
                    " WHERE message_id = ? ORDER BY entry");
    bind_text(st, 1, id);
    for (int n = 0; st && sqlite3_step(st) == SQLITE_ROW; n++) {
        fputs(n ? ",{" : "{", out);
        json_key_text(out, "destination", sqlite3_column_text(st, 0), false);
        json_key_text(out, "delivery_id", sqlite3_column_text(st, 5), true);
        json_key_text(out, "state", sqlite3_column_text(st, 1), true);
        fprintf(out, ",\"attempts\":%d", sqlite3_column_int(st, 2));
        json_key_text(out, "last_error", sqlite3_column_text(st, 3), true);
        if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
            iso_time(sqlite3_column_int64(st, 4), when);
            json_key_text(out, "delivered_at", (const unsigned char *)when, true);
        }
        fputc('}', out);
    }
    sqlite3_finalize(st);
    fputs("]}\n", out);
    return 0;
}

int kh_journal_stats_json(kh_journal *j, int64_t since_ms, FILE *out)
{
    /* latency: from reception to the last synchronous stage recorded */
    sqlite3_stmt *st = prepare(
        j, "SELECT strftime('%Y-%m-%dT%H:00Z', m.received_at / 1000, 'unixepoch') AS hour,"
           " coalesce(m.family, '-'), coalesce(m.partner, '-'), coalesce(m.office, '-'), count(*),"
           " sum(m.state = 'rejected'), sum(m.state = 'delivered'), sum(m.state = 'failed'),"
           " avg(l.ms), max(l.ms), coalesce(sum(d.n), 0)"
           " FROM messages m LEFT JOIN (SELECT s.message_id, max(s.at) - mm.received_at AS ms FROM stages s"
           "   JOIN messages mm ON mm.id = s.message_id WHERE s.stage NOT IN ('deliver', 'dead-lettered')"
           "   GROUP BY s.message_id) l ON l.message_id = m.id"
           " LEFT JOIN (SELECT message_id, count(*) AS n FROM outbox WHERE state = 'dead' GROUP BY message_id) d"
           "   ON d.message_id = m.id"
           " WHERE m.received_at >= ? GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, since_ms);
    while (sqlite3_step(st) == SQLITE_ROW) {
        fputc('{', out);
        json_key_text(out, "hour", sqlite3_column_text(st, 0), false);
        json_key_text(out, "family", sqlite3_column_text(st, 1), true);
        json_key_text(out, "partner", sqlite3_column_text(st, 2), true);
        json_key_text(out, "office", sqlite3_column_text(st, 3), true);
        fprintf(out, ",\"messages\":%d,\"rejected\":%d,\"delivered\":%d,\"failed\":%d,\"dead\":%d,"
                     "\"latency_ms_avg\":%.1f,\"latency_ms_max\":%lld}\n",
                sqlite3_column_int(st, 4), sqlite3_column_int(st, 5), sqlite3_column_int(st, 6),
                sqlite3_column_int(st, 7), sqlite3_column_int(st, 10), sqlite3_column_double(st, 8),
                (long long)sqlite3_column_int64(st, 9));
    }
    sqlite3_finalize(st);
    return 0;
}

static int count_groups(kh_journal *j, const char *sql, size_t nlabels, kh_count_fn fn, void *ctx)
{
    sqlite3_stmt *st = prepare(j, sql);
    if (!st)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *labels[4];
        for (size_t i = 0; i < nlabels; i++) {
            const unsigned char *t = sqlite3_column_text(st, (int)i);
            labels[i] = t ? (const char *)t : "";
        }
        fn(ctx, labels, nlabels, sqlite3_column_double(st, (int)nlabels));
    }
    sqlite3_finalize(st);
    return 0;
}

int kh_journal_count_messages(kh_journal *j, kh_count_fn fn, void *ctx)
{
    return count_groups(j, "SELECT coalesce(family, ''), coalesce(partner, ''), state, count(*) FROM messages"
                           " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", 3, fn, ctx);
}

int kh_journal_count_errors(kh_journal *j, kh_count_fn fn, void *ctx)
{
    return count_groups(j, "SELECT coalesce(code, ''), count(*) FROM errors GROUP BY 1 ORDER BY 1", 1, fn, ctx);
}

int kh_journal_stage_histogram(kh_journal *j, const double *bounds_s, size_t nbounds, kh_count_fn fn, void *ctx)
{
    sqlite3_stmt *st = prepare(j, "SELECT DISTINCT stage FROM stages ORDER BY 1");
    if (!st)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        char stage[64];
        snprintf(stage, sizeof stage, "%s", (const char *)sqlite3_column_text(st, 0));
        char le[32];
        const char *labels[2] = { stage, le };
        for (size_t b = 0; b <= nbounds; b++) {
            sqlite3_stmt *q = prepare(j, b < nbounds ? "SELECT count(*) FROM stages WHERE stage = ? AND elapsed_us <= ?"
                                                     : "SELECT count(*), coalesce(sum(elapsed_us), 0) FROM stages"
                                                       " WHERE stage = ?");
            if (!q)
                continue;
            bind_text(q, 1, stage);
            if (b < nbounds) {
                sqlite3_bind_int64(q, 2, (sqlite3_int64)(bounds_s[b] * 1e6));
                snprintf(le, sizeof le, "%g", bounds_s[b]);
            }
            if (sqlite3_step(q) == SQLITE_ROW) {
                if (b < nbounds) {
                    fn(ctx, labels, 2, sqlite3_column_double(q, 0));
                } else {
                    snprintf(le, sizeof le, "+Inf");
                    fn(ctx, labels, 2, sqlite3_column_double(q, 0));
                    snprintf(le, sizeof le, "sum");
                    fn(ctx, labels, 2, sqlite3_column_double(q, 1) / 1e6);
                    snprintf(le, sizeof le, "count");
                    fn(ctx, labels, 2, sqlite3_column_double(q, 0));
                }
            }
            sqlite3_finalize(q);
        }
    }
    sqlite3_finalize(st);
    return 0;
}

long kh_journal_prune(kh_journal *j, int64_t before_ms)
{
    if (kh_journal_begin(j) != 0)
        return -1;
    static const char *const tables[] = {
        "DELETE FROM stages WHERE message_id IN (SELECT id FROM doomed)",
        "DELETE FROM errors WHERE message_id IN (SELECT id FROM doomed)",
        "DELETE FROM acknowledgements WHERE message_id IN (SELECT id FROM doomed)",
        "DELETE FROM interchanges WHERE message_id IN (SELECT id FROM doomed)",
        "DELETE FROM sent_interchanges WHERE message_id IN (SELECT id FROM doomed)",
        "DELETE FROM message_interchanges WHERE message_id IN (SELECT id FROM doomed)",
        "DELETE FROM outbox WHERE message_id IN (SELECT id FROM doomed)",
        "DELETE FROM parts WHERE message_id IN (SELECT id FROM doomed)",
        "DELETE FROM messages WHERE id IN (SELECT id FROM doomed)",
    };
    long removed = -1;
    sqlite3_stmt *st = prepare(j, "CREATE TEMP TABLE doomed AS SELECT id FROM messages WHERE received_at < ?"
                                  " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = messages.id"
                                  " AND o.state = 'pending')");
    if (st) {
        sqlite3_bind_int64(st, 1, before_ms);
        if (run(st) == 0) {
            removed = 0;
            for (size_t i = 0; i < sizeof tables / sizeof tables[0] && removed >= 0; i++) {
                if (exec(j, tables[i]) != 0)
                    removed = -1;
                else if (i + 1 == sizeof tables / sizeof tables[0])
                    removed = sqlite3_changes(j->db);
            }
        }
        exec(j, "DROP TABLE IF EXISTS temp.doomed");
    }
    if (removed >= 0)
        return kh_journal_commit(j) == 0 ? removed : -1;
    kh_journal_rollback(j);
    return -1;
}
