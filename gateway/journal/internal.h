/*
 * internal.h - what the files of gateway/journal share: the connection, its
 * statements (prepared once per connection and reused), and write
 * transactions (one process-wide lock around each, so the connections of
 * one process never wait on each other inside SQLite).
 */
#ifndef KHAALGA_JOURNAL_INTERNAL_H
#define KHAALGA_JOURNAL_INTERNAL_H

#include <sqlite3.h>

#include "journal/journal.h"

typedef enum kh_statement {
    ST_INSERT_MESSAGE,
    ST_INSERT_PART,
    ST_INSERT_STAGE,
    ST_INSERT_ERROR,
    ST_INSERT_ACKNOWLEDGEMENT,
    ST_INSERT_OUTBOX,
    ST_INSERT_INTERCHANGE,
    ST_FIND_INTERCHANGE,
    ST_FIND_DIGEST,
    ST_FIND_ORIGINAL,
    ST_FIND_DELIVERED,
    ST_INSERT_MESSAGE_INTERCHANGE,
    ST_INSERT_SENT,
    ST_FIND_SENT,
    ST_OUTBOX_DUE,
    ST_NORMALIZED,
    ST_OUTBOX_DELIVERED,
    ST_OUTBOX_RETRY,
    ST_OUTBOX_DEAD,
    ST_MESSAGE_SETTLE,
    ST_MESSAGE_FAILED,
    ST_STATEMENT_COUNT
} kh_statement;

struct kh_journal {
    sqlite3      *db;
    sqlite3_stmt *statements[ST_STATEMENT_COUNT];
};

/* The statement, reset and with its bindings cleared; NULL on error. */
sqlite3_stmt *kh_journal_statement(kh_journal *j, kh_statement which);

/* Runs a statement that returns no rows (a cached one stays prepared). */
int kh_journal_step_done(sqlite3_stmt *st);

void kh_journal_bind_text(sqlite3_stmt *st, int at, const char *text);

/* BEGIN IMMEDIATE under the process-wide write lock; COMMIT or ROLLBACK
 * releases it. */
int kh_journal_begin(kh_journal *j);
int kh_journal_commit(kh_journal *j);
void kh_journal_rollback(kh_journal *j);

#endif
