/*
 * registry.c - the duplicate registry in SQLite: one row per interchange
 * (sender, recipient, control reference) with the time it was first seen.
 * WAL mode and a busy timeout let the CLI and the daemon share the file;
 * the schema is versioned with PRAGMA user_version.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "registry.h"

/* How long to wait for another process holding the database. */
#define BUSY_TIMEOUT_MS 10000

/* Migration i takes the schema from user_version i to i + 1. Add new ones
 * at the end; never change one that has shipped. */
static const char *const migrations[] = {
    "CREATE TABLE IF NOT EXISTS interchange ("
    "  sender     TEXT NOT NULL,"
    "  recipient  TEXT NOT NULL,"
    "  reference  TEXT NOT NULL,"
    "  first_seen TEXT NOT NULL,"          /* ISO 8601, UTC */
    "  PRIMARY KEY (sender, recipient, reference)"
    ") WITHOUT ROWID;",
};

#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

static const char lookup_sql[] =
    "SELECT first_seen FROM interchange"
    " WHERE sender = ?1 AND recipient = ?2 AND reference = ?3";

static const char record_sql[] =
    "INSERT INTO interchange (sender, recipient, reference, first_seen)"
    " VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
    " ON CONFLICT (sender, recipient, reference) DO NOTHING";

struct kh_edi_registry {
    sqlite3 *db;
    sqlite3_stmt *lookup;
    sqlite3_stmt *record;
    char error[256];
};

static void set_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ opening */

static int read_user_version(sqlite3 *db, int *version)
{
    sqlite3_stmt *stmt;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL);

    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int(stmt, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    return rc;
}

static int use_wal(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *stmt;
    const char *mode;
    int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        set_error(err, errlen, "cannot set WAL mode: %s", sqlite3_errmsg(db));
        sqlite3_finalize(stmt);
        return -1;
    }
    mode = (const char *)sqlite3_column_text(stmt, 0);
    if (mode == NULL || strcmp(mode, "wal") != 0) {
        set_error(err, errlen, "the database stays in journal mode %s, not WAL",
                  mode ? mode : "(unknown)");
        sqlite3_finalize(stmt);
        return -1;
    }
    sqlite3_finalize(stmt);
    return 0;
}

/* Brings the schema up to SCHEMA_VERSION. Done in one write transaction, so
 * that two processes opening a new file do not both create it. */
static int migrate(sqlite3 *db, char *err, size_t errlen)
{
    char sql[64];
    int version;

    if (read_user_version(db, &version) != SQLITE_OK) {
        set_error(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(db));
        return -1;
    }
    if (version == SCHEMA_VERSION)
        return 0;
    if (version > SCHEMA_VERSION) {
        set_error(err, errlen, "schema version %d is newer than this program's (%d)",
                  version, SCHEMA_VERSION);
        return -1;
    }

    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        set_error(err, errlen, "cannot start the schema update: %s", sqlite3_errmsg(db));
        return -1;
    }
    /* Another process may have done it while we waited. */
    if (read_user_version(db, &version) != SQLITE_OK)
        goto failed;
    for (; version < SCHEMA_VERSION; version++)
        if (sqlite3_exec(db, migrations[version], NULL, NULL, NULL) != SQLITE_OK)
            goto failed;
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto failed;
    return 0;

failed:
    set_error(err, errlen, "cannot update the schema: %s", sqlite3_errmsg(db));
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

kh_edi_registry *kh_edi_registry_open(const char *path, char *err, size_t errlen)
{
    kh_edi_registry *r = calloc(1, sizeof *r);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

    if (r == NULL) {
        set_error(err, errlen, "out of memory");
        return NULL;
    }
    if (sqlite3_open_v2(path ? path : ":memory:", &r->db, flags, NULL) != SQLITE_OK) {
        set_error(err, errlen, "cannot open %s: %s", path ? path : "the registry",
                  r->db ? sqlite3_errmsg(r->db) : "out of memory");
        goto failed;
    }
    sqlite3_busy_timeout(r->db, BUSY_TIMEOUT_MS);

    if (path != NULL && use_wal(r->db, err, errlen) < 0)
        goto failed;
    if (migrate(r->db, err, errlen) < 0)
        goto failed;

    if (sqlite3_prepare_v3(r->db, lookup_sql, -1, SQLITE_PREPARE_PERSISTENT,
                           &r->lookup, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(r->db, record_sql, -1, SQLITE_PREPARE_PERSISTENT,
                           &r->record, NULL) != SQLITE_OK) {
        set_error(err, errlen, "cannot prepare the registry queries: %s",
                  sqlite3_errmsg(r->db));
        goto failed;
    }
    return r;

failed:
    kh_edi_registry_close(r);
    return NULL;
}

void kh_edi_registry_close(kh_edi_registry *r)
{
    if (r == NULL)
        return;
    sqlite3_finalize(r->lookup);
    sqlite3_finalize(r->record);
    sqlite3_close(r->db);
    free(r);
}

const char *kh_edi_registry_error(const kh_edi_registry *r)
{
    return r ? r->error : "no registry";
}

/* ------------------------------------------------------------ queries */

static int bind_key(kh_edi_registry *r, sqlite3_stmt *stmt, const char *sender,
                    const char *recipient, const char *reference)
{
    if (sender == NULL || recipient == NULL || reference == NULL) {
        snprintf(r->error, sizeof r->error, "sender, recipient and reference are required");
        return -1;
    }
    if (sqlite3_bind_text(stmt, 1, sender, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
        sqlite3_bind_text(stmt, 2, recipient, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
        sqlite3_bind_text(stmt, 3, reference, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
        snprintf(r->error, sizeof r->error, "%s", sqlite3_errmsg(r->db));
        return -1;
    }
    return 0;
}

static void done_with(sqlite3_stmt *stmt)
{
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

int kh_edi_registry_lookup(kh_edi_registry *r, const char *sender, const char *recipient,
                           const char *reference, char *first_seen, size_t first_seen_len)
{
    int rc;

    if (bind_key(r, r->lookup, sender, recipient, reference) < 0) {
        done_with(r->lookup);
        return -1;
    }
    rc = sqlite3_step(r->lookup);
    if (rc == SQLITE_ROW) {
        const char *when = (const char *)sqlite3_column_text(r->lookup, 0);

        if (first_seen != NULL && first_seen_len > 0)
            snprintf(first_seen, first_seen_len, "%s", when ? when : "");
        done_with(r->lookup);
        return 1;
    }
    if (rc != SQLITE_DONE) {
        snprintf(r->error, sizeof r->error, "lookup failed: %s", sqlite3_errmsg(r->db));
        done_with(r->lookup);
        return -1;
    }
    done_with(r->lookup);
    return 0;
}

int kh_edi_registry_record(kh_edi_registry *r, const char *sender, const char *recipient,
                           const char *reference)
{
    int rc;

    if (bind_key(r, r->record, sender, recipient, reference) < 0) {
        done_with(r->record);
        return -1;
    }
    rc = sqlite3_step(r->record);
    if (rc != SQLITE_DONE) {
        snprintf(r->error, sizeof r->error, "record failed: %s", sqlite3_errmsg(r->db));
        done_with(r->record);
        return -1;
    }
    done_with(r->record);
    return 0;
}
