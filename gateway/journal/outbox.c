/*
 * outbox.c - the journal's outbox: the deliveries that are due, the
 * normalized form to deliver, and the results of a round of attempts,
 * recorded together in one transaction.
 */
#include "journal/internal.h"

#include <stdlib.h>
#include <string.h>

int kh_journal_outbox_due(kh_journal *j, int64_t now_ms, kh_outbox_item *items, int max)
{
    sqlite3_stmt *st = kh_journal_statement(j, ST_OUTBOX_DUE);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int(st, 2, max);
    int n = 0;
    while (n < max && sqlite3_step(st) == SQLITE_ROW) {
        kh_outbox_item *it = &items[n++];
        it->entry = sqlite3_column_int64(st, 0);
        snprintf(it->message_id, sizeof it->message_id, "%s", (const char *)sqlite3_column_text(st, 1));
        it->part = sqlite3_column_int(st, 2);
        snprintf(it->delivery_id, sizeof it->delivery_id, "%s", (const char *)sqlite3_column_text(st, 3));
        snprintf(it->destination, sizeof it->destination, "%s", (const char *)sqlite3_column_text(st, 4));
        snprintf(it->family, sizeof it->family, "%s", (const char *)sqlite3_column_text(st, 5));
        snprintf(it->partner, sizeof it->partner, "%s", (const char *)sqlite3_column_text(st, 6));
        it->attempts = (unsigned)sqlite3_column_int(st, 7);
        snprintf(it->type, sizeof it->type, "%s", (const char *)sqlite3_column_text(st, 8));
        snprintf(it->office, sizeof it->office, "%s", (const char *)sqlite3_column_text(st, 9));
        snprintf(it->format, sizeof it->format, "%s", (const char *)sqlite3_column_text(st, 10));
        snprintf(it->signer, sizeof it->signer, "%s", (const char *)sqlite3_column_text(st, 11));
        snprintf(it->digest, sizeof it->digest, "%s", (const char *)sqlite3_column_text(st, 12));
    }
    sqlite3_reset(st);
    return n;
}

void *kh_journal_normalized(kh_journal *j, const char *id, int part, size_t *size)
{
    *size = 0;
    sqlite3_stmt *st = kh_journal_statement(j, ST_NORMALIZED);
    if (!st)
        return NULL;
    kh_journal_bind_text(st, 1, id);
    sqlite3_bind_int(st, 2, part);
    void *copy = NULL;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        int n = sqlite3_column_bytes(st, 0);
        copy = malloc(n > 0 ? (size_t)n : 1);
        if (copy) {
            if (n > 0)
                memcpy(copy, sqlite3_column_blob(st, 0), (size_t)n);
            *size = (size_t)n;
        }
    }
    sqlite3_reset(st);
    return copy;
}

static int record_one(kh_journal *j, const kh_attempt *a, int64_t now)
{
    sqlite3_stmt *st;
    const char *outcome;
    switch (a->result) {
    case KH_ATTEMPT_DELIVERED:
        st = kh_journal_statement(j, ST_OUTBOX_DELIVERED);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int64(st, 2, a->item->entry);
        if (kh_journal_step_done(st) != 0)
            return -1;
        /* the message is delivered when none of its entries waits any more */
        st = kh_journal_statement(j, ST_MESSAGE_SETTLE);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, now);
        kh_journal_bind_text(st, 2, a->item->message_id);
        outcome = "ok";
        break;
    case KH_ATTEMPT_RETRY:
        st = kh_journal_statement(j, ST_OUTBOX_RETRY);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, a->next_at_ms);
        kh_journal_bind_text(st, 2, a->why);
        sqlite3_bind_int64(st, 3, a->item->entry);
        outcome = "retry";
        break;
    default:
        st = kh_journal_statement(j, ST_OUTBOX_DEAD);
        if (!st)
            return -1;
        kh_journal_bind_text(st, 1, a->why);
        sqlite3_bind_int64(st, 2, a->item->entry);
        if (kh_journal_step_done(st) != 0)
            return -1;
        st = kh_journal_statement(j, ST_MESSAGE_FAILED);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, now);
        kh_journal_bind_text(st, 2, a->item->message_id);
        outcome = "dead";
        break;
    }
    if (kh_journal_step_done(st) != 0)
        return -1;
    st = kh_journal_statement(j, ST_INSERT_STAGE);
    if (!st)
        return -1;
    kh_journal_bind_text(st, 1, a->item->message_id);
    kh_journal_bind_text(st, 2, "deliver");
    kh_journal_bind_text(st, 3, outcome);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int64(st, 5, 0);
    kh_journal_bind_text(st, 6, a->result == KH_ATTEMPT_DELIVERED ? a->item->destination : a->why);
    return kh_journal_step_done(st);
}

int kh_journal_record_attempts(kh_journal *j, const kh_attempt *attempts, size_t n)
{
    if (n == 0)
        return 0;
    if (kh_journal_begin(j) != 0)
        return -1;
    int64_t now = kh_journal_now_ms();
    for (size_t i = 0; i < n; i++)
        if (record_one(j, &attempts[i], now) != 0) {
            kh_journal_rollback(j);
            return -1;
        }
    return kh_journal_commit(j);
}
