/*
 * dead_letters.c - deliveries that a broker dead-lettered after it had
 * taken them (a consumer rejected the message until the queue's delivery
 * limit, or it expired there): the outbox entry the dead-lettered copy
 * names is marked dead with the broker's reason, in one transaction with a
 * stage "dead-lettered", so that `khaalga status` and `khaalga stats` show
 * it and `khaalga replay` puts it back into the outbox.
 */
#include "journal/internal.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The message id a delivery id comes from: the id itself (a message of one
 * part), or the id without its "-N" (part N of several). Both are tried. */
static void message_id_candidates(const char *delivery_id, char whole[KH_MESSAGE_ID_SIZE + 8],
                                  char without_part[KH_MESSAGE_ID_SIZE + 8])
{
    snprintf(whole, KH_MESSAGE_ID_SIZE + 8, "%s", delivery_id);
    snprintf(without_part, KH_MESSAGE_ID_SIZE + 8, "%s", delivery_id);
    char *dash = strrchr(without_part, '-');
    if (!dash || !dash[1])
        return;
    for (const char *p = dash + 1; *p; p++)
        if (!isdigit((unsigned char)*p))
            return;
    *dash = '\0';
}

static bool is_one_of(const char *name, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (names[i] && !strcmp(name, names[i]))
            return true;
    return false;
}

/* The entry dead with why, and its message failed (as the delivery loop
 * leaves a message whose delivery it gave up). */
static int mark_entry_dead(kh_journal *j, int64_t entry, const char *message_id, const char *why, int64_t now)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(j->db, "UPDATE outbox SET state = 'dead', last_error = ? WHERE entry = ?", -1, &st,
                           NULL) == SQLITE_OK) {
        kh_journal_bind_text(st, 1, why);
        sqlite3_bind_int64(st, 2, entry);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(st);
    if (rc != 0)
        return -1;
    st = kh_journal_statement(j, ST_MESSAGE_FAILED);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, now);
    kh_journal_bind_text(st, 2, message_id);
    return kh_journal_step_done(st);
}

static int add_stage(kh_journal *j, const char *message_id, const char *outcome, int64_t now, const char *detail)
{
    sqlite3_stmt *st = kh_journal_statement(j, ST_INSERT_STAGE);
    if (!st)
        return -1;
    kh_journal_bind_text(st, 1, message_id);
    kh_journal_bind_text(st, 2, "dead-lettered");
    kh_journal_bind_text(st, 3, outcome);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int64(st, 5, 0);
    kh_journal_bind_text(st, 6, detail);
    return kh_journal_step_done(st);
}

/* One outbox entry the dead-lettered copy names: what it becomes. A
 * pending entry is marked dead too: the broker may dead-letter a message
 * before the delivery loop has recorded the attempt that published it (the
 * loop then leaves a dead entry as it is), or while a retry waits after a
 * confirm that did not come (the broker had it all the same). */
static int settle_entry(kh_journal *j, int64_t entry, const char *message_id, const char *state, const char *why,
                        int64_t now, kh_dead_letter_match *match)
{
    if (!strcmp(state, "dead")) {
        if (*match == KH_DEAD_LETTER_UNKNOWN)
            *match = KH_DEAD_LETTER_ALREADY_DEAD;     /* the same copy again */
        return 0;
    }
    if (mark_entry_dead(j, entry, message_id, why, now) != 0 || add_stage(j, message_id, "dead", now, why) != 0)
        return -1;
    *match = KH_DEAD_LETTER_MARKED;
    return 0;
}

int kh_journal_mark_dead_lettered(kh_journal *j, const char *delivery_id, const char *const *destinations,
                                  size_t ndestinations, const char *why, char message_id[KH_MESSAGE_ID_SIZE])
{
    if (message_id)
        message_id[0] = '\0';
    if (!delivery_id || !*delivery_id || strlen(delivery_id) >= KH_MESSAGE_ID_SIZE + 8)
        return KH_DEAD_LETTER_UNKNOWN;
    char whole[KH_MESSAGE_ID_SIZE + 8], without_part[KH_MESSAGE_ID_SIZE + 8];
    message_id_candidates(delivery_id, whole, without_part);

    if (kh_journal_begin(j) != 0)
        return -1;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(j->db, "SELECT entry, message_id, destination, state FROM outbox"
                                  " WHERE message_id IN (?, ?) AND delivery_id = ? ORDER BY entry",
                           -1, &st, NULL) != SQLITE_OK) {
        kh_journal_rollback(j);
        return -1;
    }
    kh_journal_bind_text(st, 1, whole);
    kh_journal_bind_text(st, 2, without_part);
    kh_journal_bind_text(st, 3, delivery_id);

    /* read every row first: the updates must not run under an open SELECT */
    enum { MAX_ENTRIES = 16 };
    struct { int64_t entry; char message_id[KH_MESSAGE_ID_SIZE]; char state[16]; } found[MAX_ENTRIES];
    size_t nfound = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && nfound < MAX_ENTRIES) {
        const char *destination = (const char *)sqlite3_column_text(st, 2);
        if (!destination || !is_one_of(destination, destinations, ndestinations))
            continue;
        found[nfound].entry = sqlite3_column_int64(st, 0);
        snprintf(found[nfound].message_id, sizeof found[nfound].message_id, "%s",
                 (const char *)sqlite3_column_text(st, 1));
        snprintf(found[nfound].state, sizeof found[nfound].state, "%s", (const char *)sqlite3_column_text(st, 3));
        nfound++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        kh_journal_rollback(j);
        return -1;
    }

    kh_dead_letter_match match = KH_DEAD_LETTER_UNKNOWN;
    int64_t now = kh_journal_now_ms();
    for (size_t i = 0; i < nfound; i++)
        if (settle_entry(j, found[i].entry, found[i].message_id, found[i].state, why, now, &match) != 0) {
            kh_journal_rollback(j);
            return -1;
        }
    if (match != KH_DEAD_LETTER_MARKED) {
        kh_journal_rollback(j);     /* nothing was written */
    } else if (kh_journal_commit(j) != 0) {
        return -1;
    }
    if (message_id && nfound)
        snprintf(message_id, KH_MESSAGE_ID_SIZE, "%s", found[0].message_id);
    return (int)match;
}
