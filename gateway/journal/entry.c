/*
 * entry.c - one message's record, gathered in memory while the pipeline
 * works on it and written in one transaction when it is decided: the
 * message row (raw bytes, facts, state), its parts (the normalized form of
 * each message of it) with their outbox entries, its stages, errors,
 * acknowledgement and interchange reference, and the stage it adds to the
 * message it answers; and the look-ups made while it is gathered (duplicates,
 * the message an answer names).
 */
#include "journal/internal.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/sha.h>

enum { FACTS = 9 };

typedef struct stage_row {
    char    stage[16], outcome[12];
    int64_t at, elapsed_us;
    char   *detail;
} stage_row;

typedef struct error_row {
    char *code, *place, *text;
} error_row;

typedef struct part_row {
    char   *family, *type, *office;
    char   *sent[3];         /* the interchange it is as EDIFACT: sender, recipient, reference; or NULLs */
    void   *normalized;
    size_t  size;
    char  **destinations;
    size_t  ndestinations;
} part_row;

struct kh_journal_entry {
    char         id[KH_MESSAGE_ID_SIZE];
    int64_t      received_at;
    char         digest[65];
    char        *channel, *content_type;
    const void  *raw;
    size_t       size;
    char        *facts[FACTS];    /* partner, format, family, type, office, reference, sender, recipient, signer */
    char         state[16];
    part_row    *parts;
    size_t       nparts;
    stage_row   *stages;
    size_t       nstages;
    error_row   *errors;
    size_t       nerrors;
    char        *ack_kind;
    void        *ack_body;
    size_t       ack_size;
    char        *ack_destination; /* where the acknowledgement is delivered, or NULL */
    char        *interchange[3];  /* sender, recipient, reference */
    char         answers[KH_MESSAGE_ID_SIZE];   /* the message it answers, "" when none */
    char        *answers_detail;
};

static char *copy(const char *s)
{
    return s && s[0] ? strdup(s) : NULL;
}

static void new_id(int64_t now_ms, char id[KH_MESSAGE_ID_SIZE])
{
    time_t secs = (time_t)(now_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    uint32_t random = 0;
    if (getrandom(&random, sizeof random, 0) != (ssize_t)sizeof random)
        random = (uint32_t)now_ms ^ (uint32_t)clock();
    char stamp[20];
    strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
    snprintf(id, KH_MESSAGE_ID_SIZE, "%s%03d-%08x", stamp, (int)(now_ms % 1000), random);
}

static void digest_hex(const void *data, size_t size, char hex[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(data, size, md);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

kh_journal_entry *kh_journal_entry_new(const kh_received *m)
{
    kh_journal_entry *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->received_at = kh_journal_now_ms();
    new_id(e->received_at, e->id);
    digest_hex(m->raw, m->size, e->digest);
    e->channel = copy(m->channel);
    e->content_type = copy(m->content_type);
    e->raw = m->raw;
    e->size = m->size;
    snprintf(e->state, sizeof e->state, "received");
    return e;
}

void kh_journal_entry_free(kh_journal_entry *e)
{
    if (!e)
        return;
    free(e->channel);
    free(e->content_type);
    for (int i = 0; i < FACTS; i++)
        free(e->facts[i]);
    kh_journal_entry_drop_parts(e);
    for (size_t i = 0; i < e->nstages; i++)
        free(e->stages[i].detail);
    free(e->stages);
    for (size_t i = 0; i < e->nerrors; i++) {
        free(e->errors[i].code);
        free(e->errors[i].place);
        free(e->errors[i].text);
    }
    free(e->errors);
    free(e->ack_kind);
    free(e->ack_body);
    free(e->ack_destination);
    for (int i = 0; i < 3; i++)
        free(e->interchange[i]);
    free(e->answers_detail);
    free(e);
}

const char *kh_journal_entry_id(const kh_journal_entry *e)
{
    return e->id;
}

static void set_fact(char **slot, const char *value)
{
    if (!value || !value[0])
        return;    /* what is not known now does not erase what was */
    free(*slot);
    *slot = strdup(value);
}

void kh_journal_entry_describe(kh_journal_entry *e, const kh_message_facts *f)
{
    const char *values[FACTS] = { f->partner, f->format, f->family, f->type, f->office,
                                  f->reference, f->sender, f->recipient, f->signer };
    for (int i = 0; i < FACTS; i++)
        set_fact(&e->facts[i], values[i]);
}

void kh_journal_entry_stage(kh_journal_entry *e, const char *stage, const char *outcome, int64_t elapsed_us,
                            const char *detail)
{
    stage_row *grown = realloc(e->stages, (e->nstages + 1) * sizeof *grown);
    if (!grown)
        return;
    e->stages = grown;
    stage_row *r = &e->stages[e->nstages++];
    snprintf(r->stage, sizeof r->stage, "%s", stage);
    snprintf(r->outcome, sizeof r->outcome, "%s", outcome);
    r->at = kh_journal_now_ms();
    r->elapsed_us = elapsed_us;
    r->detail = copy(detail);
}

void kh_journal_entry_error(kh_journal_entry *e, const char *code, const char *place, const char *text)
{
    error_row *grown = realloc(e->errors, (e->nerrors + 1) * sizeof *grown);
    if (!grown)
        return;
    e->errors = grown;
    e->errors[e->nerrors++] = (error_row){ copy(code), copy(place), copy(text) };
}

void kh_journal_entry_acknowledgement(kh_journal_entry *e, const char *kind, const void *body, size_t size)
{
    free(e->ack_kind);
    free(e->ack_body);
    e->ack_kind = copy(kind);
    e->ack_body = malloc(size ? size : 1);
    e->ack_size = e->ack_body ? size : 0;
    if (e->ack_body && size)
        memcpy(e->ack_body, body, size);
}

void kh_journal_entry_deliver_acknowledgement(kh_journal_entry *e, const char *destination)
{
    free(e->ack_destination);
    e->ack_destination = copy(destination);
}

void kh_journal_entry_reject(kh_journal_entry *e, const char *state)
{
    snprintf(e->state, sizeof e->state, "%s", state ? state : "rejected");
}

void kh_journal_entry_add_part(kh_journal_entry *e, const char *family, const char *type, const char *office,
                               const void *normalized, size_t size, const char *const *destinations,
                               size_t ndestinations)
{
    part_row *grown = realloc(e->parts, (e->nparts + 1) * sizeof *grown);
    if (!grown)
        return;
    e->parts = grown;
    part_row *p = &e->parts[e->nparts++];
    memset(p, 0, sizeof *p);
    p->family = copy(family);
    p->type = copy(type);
    p->office = copy(office);
    p->normalized = malloc(size ? size : 1);
    p->size = p->normalized ? size : 0;
    if (p->normalized && size)
        memcpy(p->normalized, normalized, size);
    p->destinations = calloc(ndestinations ? ndestinations : 1, sizeof *p->destinations);
    for (size_t i = 0; p->destinations && i < ndestinations; i++)
        if ((p->destinations[i] = strdup(destinations[i])) != NULL)
            p->ndestinations++;
}

void kh_journal_entry_take_without_parts(kh_journal_entry *e)
{
    kh_journal_entry_drop_parts(e);
    snprintf(e->state, sizeof e->state, "unrouted");
}

size_t kh_journal_entry_parts(const kh_journal_entry *e)
{
    return e->nparts;
}

void kh_journal_entry_part_is_interchange(kh_journal_entry *e, const char *sender, const char *recipient,
                                          const char *reference)
{
    if (e->nparts == 0)
        return;
    part_row *p = &e->parts[e->nparts - 1];
    const char *values[3] = { sender, recipient, reference };
    for (int k = 0; k < 3; k++) {
        free(p->sent[k]);
        p->sent[k] = copy(values[k]);
    }
}

void kh_journal_entry_drop_parts(kh_journal_entry *e)
{
    for (size_t i = 0; i < e->nparts; i++) {
        part_row *p = &e->parts[i];
        free(p->family);
        free(p->type);
        free(p->office);
        free(p->normalized);
        for (int k = 0; k < 3; k++)
            free(p->sent[k]);
        for (size_t d = 0; d < p->ndestinations; d++)
            free(p->destinations[d]);
        free(p->destinations);
    }
    free(e->parts);
    e->parts = NULL;
    e->nparts = 0;
}

/* A taken message's state, from its parts' destinations. */
static const char *state_of(const kh_journal_entry *e)
{
    if (strcmp(e->state, "received") != 0 || e->nparts == 0)
        return e->state;
    for (size_t i = 0; i < e->nparts; i++)
        if (e->parts[i].ndestinations > 0)
            return "routed";
    return "unrouted";
}

static bool taken(const kh_journal_entry *e)
{
    const char *state = state_of(e);
    return strcmp(state, "routed") == 0 || strcmp(state, "unrouted") == 0;
}

void kh_journal_entry_interchange(kh_journal_entry *e, const char *sender, const char *recipient,
                                  const char *reference)
{
    const char *values[3] = { sender, recipient, reference };
    for (int i = 0; i < 3; i++) {
        free(e->interchange[i]);
        e->interchange[i] = copy(values[i]);
    }
}

void kh_journal_entry_answers(kh_journal_entry *e, const char *original_id, const char *detail)
{
    snprintf(e->answers, sizeof e->answers, "%s", original_id ? original_id : "");
    free(e->answers_detail);
    e->answers_detail = copy(detail);
}

/* ------------------------------------------------------------ writing */

static int insert_message(kh_journal *j, const kh_journal_entry *e)
{
    sqlite3_stmt *st = kh_journal_statement(j, ST_INSERT_MESSAGE);
    if (!st)
        return -1;
    kh_journal_bind_text(st, 1, e->id);
    sqlite3_bind_int64(st, 2, e->received_at);
    kh_journal_bind_text(st, 3, e->channel ? e->channel : "unknown");
    kh_journal_bind_text(st, 4, e->content_type);
    kh_journal_bind_text(st, 5, e->digest);
    sqlite3_bind_blob64(st, 6, e->size ? e->raw : "", e->size, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)e->size);
    for (int i = 0; i < FACTS; i++)
        kh_journal_bind_text(st, 8 + i, e->facts[i]);
    kh_journal_bind_text(st, 17, state_of(e));
    sqlite3_bind_int64(st, 18, kh_journal_now_ms());
    return kh_journal_step_done(st);
}

static int insert_parts(kh_journal *j, const kh_journal_entry *e)
{
    if (!taken(e))
        return 0;
    for (size_t i = 0; i < e->nparts; i++) {
        const part_row *p = &e->parts[i];
        sqlite3_stmt *st = kh_journal_statement(j, ST_INSERT_PART);
        if (!st)
            return -1;
        kh_journal_bind_text(st, 1, e->id);
        sqlite3_bind_int(st, 2, (int)i + 1);
        kh_journal_bind_text(st, 3, p->family);
        kh_journal_bind_text(st, 4, p->type);
        kh_journal_bind_text(st, 5, p->office);
        sqlite3_bind_blob64(st, 6, p->size ? p->normalized : "", p->size, SQLITE_STATIC);
        if (kh_journal_step_done(st) != 0)
            return -1;
        char delivery_id[KH_MESSAGE_ID_SIZE + 8];
        if (e->nparts == 1)
            snprintf(delivery_id, sizeof delivery_id, "%s", e->id);
        else
            snprintf(delivery_id, sizeof delivery_id, "%s-%zu", e->id, i + 1);
        if (p->sent[0] && p->sent[1] && p->sent[2]) {
            st = kh_journal_statement(j, ST_INSERT_SENT);
            if (!st)
                return -1;
            for (int k = 0; k < 3; k++)
                kh_journal_bind_text(st, k + 1, p->sent[k]);
            kh_journal_bind_text(st, 4, e->id);
            sqlite3_bind_int(st, 5, (int)i + 1);
            if (kh_journal_step_done(st) != 0)
                return -1;
        }
        for (size_t d = 0; d < p->ndestinations; d++) {
            st = kh_journal_statement(j, ST_INSERT_OUTBOX);
            if (!st)
                return -1;
            kh_journal_bind_text(st, 1, e->id);
            sqlite3_bind_int(st, 2, (int)i + 1);
            kh_journal_bind_text(st, 3, delivery_id);
            kh_journal_bind_text(st, 4, p->destinations[d]);
            sqlite3_bind_int64(st, 5, kh_journal_now_ms());
            if (kh_journal_step_done(st) != 0)
                return -1;
        }
    }
    return 0;
}

/* The acknowledgement's outbox entry: part 0, delivered as ID-ack. */
static int insert_acknowledgement_delivery(kh_journal *j, const kh_journal_entry *e)
{
    if (!e->ack_destination)
        return 0;
    sqlite3_stmt *st = kh_journal_statement(j, ST_INSERT_OUTBOX);
    if (!st)
        return -1;
    char delivery_id[KH_MESSAGE_ID_SIZE + 8];
    snprintf(delivery_id, sizeof delivery_id, "%s-ack", e->id);
    kh_journal_bind_text(st, 1, e->id);
    sqlite3_bind_int(st, 2, 0);
    kh_journal_bind_text(st, 3, delivery_id);
    kh_journal_bind_text(st, 4, e->ack_destination);
    sqlite3_bind_int64(st, 5, kh_journal_now_ms());
    return kh_journal_step_done(st);
}

static int insert_rows(kh_journal *j, const kh_journal_entry *e)
{
    for (size_t i = 0; i < e->nstages; i++) {
        const stage_row *r = &e->stages[i];
        sqlite3_stmt *st = kh_journal_statement(j, ST_INSERT_STAGE);
        if (!st)
            return -1;
        kh_journal_bind_text(st, 1, e->id);
        kh_journal_bind_text(st, 2, r->stage);
        kh_journal_bind_text(st, 3, r->outcome);
        sqlite3_bind_int64(st, 4, r->at);
        sqlite3_bind_int64(st, 5, r->elapsed_us);
        kh_journal_bind_text(st, 6, r->detail);
        if (kh_journal_step_done(st) != 0)
            return -1;
    }
    for (size_t i = 0; i < e->nerrors; i++) {
        sqlite3_stmt *st = kh_journal_statement(j, ST_INSERT_ERROR);
        if (!st)
            return -1;
        kh_journal_bind_text(st, 1, e->id);
        kh_journal_bind_text(st, 2, e->errors[i].code);
        kh_journal_bind_text(st, 3, e->errors[i].place);
        kh_journal_bind_text(st, 4, e->errors[i].text);
        if (kh_journal_step_done(st) != 0)
            return -1;
    }
    if (e->ack_kind) {
        sqlite3_stmt *st = kh_journal_statement(j, ST_INSERT_ACKNOWLEDGEMENT);
        if (!st)
            return -1;
        kh_journal_bind_text(st, 1, e->id);
        kh_journal_bind_text(st, 2, e->ack_kind);
        sqlite3_bind_int64(st, 3, kh_journal_now_ms());
        sqlite3_bind_blob64(st, 4, e->ack_size ? e->ack_body : "", e->ack_size, SQLITE_STATIC);
        if (kh_journal_step_done(st) != 0)
            return -1;
        if (insert_acknowledgement_delivery(j, e) != 0)
            return -1;
    }
    if (e->interchange[2]) {
        sqlite3_stmt *st = kh_journal_statement(j, ST_INSERT_MESSAGE_INTERCHANGE);
        if (!st)
            return -1;
        kh_journal_bind_text(st, 1, e->id);
        for (int i = 0; i < 3; i++)
            kh_journal_bind_text(st, i + 2, e->interchange[i]);
        if (kh_journal_step_done(st) != 0)
            return -1;
    }
    if (e->interchange[0] && e->interchange[1] && e->interchange[2] && taken(e)) {
        sqlite3_stmt *st = kh_journal_statement(j, ST_INSERT_INTERCHANGE);
        if (!st)
            return -1;
        for (int i = 0; i < 3; i++)
            kh_journal_bind_text(st, i + 1, e->interchange[i]);
        kh_journal_bind_text(st, 4, e->id);
        if (kh_journal_step_done(st) != 0)
            return -1;
    }
    if (e->answers[0] && taken(e)) {
        sqlite3_stmt *st = kh_journal_statement(j, ST_INSERT_STAGE);
        if (!st)
            return -1;
        kh_journal_bind_text(st, 1, e->answers);
        kh_journal_bind_text(st, 2, "answered");
        kh_journal_bind_text(st, 3, "ok");
        sqlite3_bind_int64(st, 4, kh_journal_now_ms());
        sqlite3_bind_int64(st, 5, 0);
        kh_journal_bind_text(st, 6, e->answers_detail);
        if (kh_journal_step_done(st) != 0)
            return -1;
    }
    return 0;
}

int kh_journal_write(kh_journal *j, kh_journal_entry *e, char *err, size_t errlen)
{
    if (kh_journal_begin(j) != 0) {
        snprintf(err, errlen, "journal: %s", sqlite3_errmsg(j->db));
        return -1;
    }
    if (insert_message(j, e) != 0 || insert_parts(j, e) != 0 || insert_rows(j, e) != 0) {
        snprintf(err, errlen, "journal: %s", sqlite3_errmsg(j->db));
        kh_journal_rollback(j);
        return -1;
    }
    if (kh_journal_commit(j) != 0) {
        snprintf(err, errlen, "journal: the commit failed: %s", sqlite3_errmsg(j->db));
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ duplicates */

static int first_id(sqlite3_stmt *st, char out[KH_MESSAGE_ID_SIZE])
{
    if (!st)
        return -1;
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        snprintf(out, KH_MESSAGE_ID_SIZE, "%s", (const char *)sqlite3_column_text(st, 0));
        found = 1;
    } else if (rc != SQLITE_DONE) {
        found = -1;
    }
    sqlite3_reset(st);
    return found;
}

int kh_journal_find_duplicate(kh_journal *j, const kh_journal_entry *e, const char *sender, const char *recipient,
                              const char *reference, char earlier[KH_MESSAGE_ID_SIZE])
{
    if (sender && recipient && reference && reference[0]) {
        sqlite3_stmt *st = kh_journal_statement(j, ST_FIND_INTERCHANGE);
        if (st) {
            kh_journal_bind_text(st, 1, sender);
            kh_journal_bind_text(st, 2, recipient);
            kh_journal_bind_text(st, 3, reference);
        }
        int found = first_id(st, earlier);
        if (found != 0)
            return found;
    }
    sqlite3_stmt *st = kh_journal_statement(j, ST_FIND_DIGEST);
    if (st)
        kh_journal_bind_text(st, 1, e->digest);
    return first_id(st, earlier);
}

/* ------------------------------------------------------------ the message an answer names */

/* The row of an original (id, partner, format, recipient) from st. */
static int read_original(sqlite3_stmt *st, kh_original *original)
{
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        snprintf(original->id, sizeof original->id, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(original->partner, sizeof original->partner, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(original->format, sizeof original->format, "%s", (const char *)sqlite3_column_text(st, 2));
        snprintf(original->recipient, sizeof original->recipient, "%s", (const char *)sqlite3_column_text(st, 3));
        found = 1;
    } else if (rc != SQLITE_DONE) {
        found = -1;
    }
    sqlite3_reset(st);
    return found;
}

int kh_journal_find_original(kh_journal *j, const char *family, const char *reference, kh_original *original)
{
    memset(original, 0, sizeof *original);
    if (!reference || !reference[0])
        return 0;
    sqlite3_stmt *st = kh_journal_statement(j, ST_FIND_ORIGINAL);
    if (!st)
        return -1;
    kh_journal_bind_text(st, 1, reference);
    kh_journal_bind_text(st, 2, family);
    return read_original(st, original);
}

int kh_journal_find_delivered(kh_journal *j, const char *delivery_id, kh_original *original)
{
    memset(original, 0, sizeof *original);
    if (!delivery_id || !delivery_id[0])
        return 0;
    sqlite3_stmt *st = kh_journal_statement(j, ST_FIND_DELIVERED);
    if (!st)
        return -1;
    kh_journal_bind_text(st, 1, delivery_id);
    return read_original(st, original);
}

int kh_journal_find_sent(kh_journal *j, const char *sender, const char *recipient, const char *reference,
                         char message_id[KH_MESSAGE_ID_SIZE])
{
    sqlite3_stmt *st = kh_journal_statement(j, ST_FIND_SENT);
    if (st) {
        kh_journal_bind_text(st, 1, sender);
        kh_journal_bind_text(st, 2, recipient);
        kh_journal_bind_text(st, 3, reference);
    }
    return first_id(st, message_id);
}
