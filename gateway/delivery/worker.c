/*
 * worker.c - the delivery loop: due outbox entries to their destinations,
 * results back into the journal. One thread, woken by new routed messages or
 * every half second for retries that come due. A round takes up to BATCH
 * due entries; the entries of one destination are handed over together
 * (kh_deliver_batch: an amqp destination publishes them back to back and
 * awaits their confirms together), and the round's attempts, one per
 * entry, are recorded in one transaction. Under a steady flow the loop
 * lets a round gather messages for up to GATHER_MS, so that rounds are not
 * of one or two messages each (each round costs a journal commit and a
 * wait for the broker's confirms); a message alone is delivered at once.
 */
#define _GNU_SOURCE     /* pthread_setname_np */
#include "delivery/worker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "delivery/deliver.h"
#include "util/log.h"

enum { BATCH = 64, IDLE_WAIT_MS = 500, GATHER_MS = 2, GATHER_COUNT = BATCH / 2 };
static const size_t BATCH_BYTES = 16u * 1024 * 1024;   /* of messages in memory at once */
static const int64_t PRUNE_EVERY_MS = 3600 * 1000;
static const int64_t DAY_MS = 24 * 3600 * 1000;

static const char *suffix_of(const char *data, size_t size)
{
    for (size_t i = 0; i < size; i++)
        if (data[i] != ' ' && data[i] != '\n' && data[i] != '\r' && data[i] != '\t')
            return data[i] == '<' ? ".xml" : ".edi";
    return ".dat";
}

/* The WCO DM version a normalized document states in its
 * WCODataModelVersionCode (near its start), into out; "" for anything else. */
static void wco_version_of(const char *data, size_t size, char *out, size_t len)
{
    static const char tag[] = "WCODataModelVersionCode>";
    out[0] = '\0';
    size_t window = size < 2048 ? size : 2048;
    const char *at = NULL;
    for (size_t i = 0; !at && i + sizeof tag - 1 <= window; i++)
        if (data[i] == tag[0] && memcmp(data + i, tag, sizeof tag - 1) == 0)
            at = data + i;
    if (!at)
        return;
    const char *value = at + sizeof tag - 1, *end = data + window;
    size_t n = 0;
    while (value + n < end && n + 1 < len && value[n] != '<' && ((value[n] >= '0' && value[n] <= '9') || value[n] == '.'))
        n++;
    if (value + n < end && value[n] == '<')
        snprintf(out, len, "%.*s", (int)n, value);
}

/* One due entry on its way to its destination. */
typedef struct outgoing {
    const kh_destination *destination;     /* NULL: its attempt is already decided */
    char                 *data;            /* the normalized form, while it is delivered */
    kh_outgoing           message;
    kh_outgoing_facts     facts;
    char                  wco_version[16];
} outgoing;

/* The entry's destination; an attempt decided at once when there is none. */
static void find_destination(const kh_config *c, const kh_outbox_item *it, int64_t now_ms, outgoing *o,
                             kh_attempt *a)
{
    memset(o, 0, sizeof *o);
    memset(a, 0, sizeof *a);
    a->item = it;
    o->destination = kh_config_destination(c, it->destination);
    if (!o->destination) {
        a->result = KH_ATTEMPT_RETRY;
        a->next_at_ms = now_ms + 60000;
        snprintf(a->why, sizeof a->why, "the destination is not in the configuration");
    }
}

/* The message of the entry, from the journal; false with the attempt
 * decided (dead) when the journal has no normalized form of it. */
static bool load_message(kh_journal *j, const kh_outbox_item *it, outgoing *o, kh_attempt *a)
{
    size_t size = 0;
    o->data = kh_journal_normalized(j, it->message_id, it->part, &size);
    if (!o->data) {
        a->result = KH_ATTEMPT_DEAD;
        snprintf(a->why, sizeof a->why, "the message has no normalized form in the journal");
        return false;
    }
    const char *suffix = suffix_of(o->data, size);
    kh_outgoing m = { it->delivery_id, it->family, strcmp(suffix, ".xml") == 0 ? "application/xml" : "application/EDIFACT",
                      suffix, o->data, size };
    wco_version_of(o->data, size, o->wco_version, sizeof o->wco_version);
    kh_outgoing_facts facts = { it->partner[0] ? it->partner : NULL, it->type[0] ? it->type : NULL,
                                it->office[0] ? it->office : NULL, it->format[0] ? it->format : NULL,
                                o->wco_version[0] ? o->wco_version : NULL, it->signer[0] ? it->signer : NULL,
                                it->digest[0] ? it->digest : NULL };
    o->message = m;
    o->facts = facts;
    return true;
}

/* What the attempt's result means: delivered; a retry after the backoff;
 * or, after the destination's attempts or a refusal, the dead-letter
 * folder. */
static void conclude(const kh_outbox_item *it, const outgoing *o, kh_delivery_result r, const char *err,
                     int64_t now_ms, kh_attempt *a)
{
    const kh_destination *d = o->destination;
    unsigned attempts = it->attempts + 1;
    if (r == KH_DELIVERED) {
        a->result = KH_ATTEMPT_DELIVERED;
    } else if (r == KH_DELIVERY_RETRY && attempts < d->max_attempts) {
        a->result = KH_ATTEMPT_RETRY;
        a->next_at_ms = now_ms + kh_backoff_ms(attempts, d->backoff_ms, d->backoff_max_ms);
        snprintf(a->why, sizeof a->why, "%s", err);
    } else {
        a->result = KH_ATTEMPT_DEAD;
        snprintf(a->why, sizeof a->why, "%s after %u attempt%s: %s", r == KH_DELIVERY_REFUSED ? "refused" : "given up",
                 attempts, attempts == 1 ? "" : "s", err);
        char dead_err[256];
        if (d->dead_letter && kh_deliver_to_folder(d->dead_letter, &o->message, dead_err, sizeof dead_err) != KH_DELIVERED) {
            /* the dead-letter folder is not writable either: keep it in the outbox */
            a->result = KH_ATTEMPT_RETRY;
            a->next_at_ms = now_ms + d->backoff_max_ms;
            snprintf(a->why, sizeof a->why, "dead letter: %s", dead_err);
        }
    }
}

/* Hands a batch (indexes into the round) to its destination, concludes
 * each attempt and lets the messages go. */
static void deliver_batch(const kh_outbox_item *items, outgoing *out, kh_attempt *attempts, const size_t *members,
                          size_t count, int64_t now_ms)
{
    kh_batch_item batch[BATCH];
    for (size_t k = 0; k < count; k++) {
        batch[k].message = &out[members[k]].message;
        batch[k].facts = &out[members[k]].facts;
        batch[k].result = KH_DELIVERY_RETRY;
        batch[k].err[0] = '\0';
    }
    kh_deliver_batch(out[members[0]].destination, batch, count);
    for (size_t k = 0; k < count; k++) {
        size_t i = members[k];
        conclude(&items[i], &out[i], batch[k].result, batch[k].err, now_ms, &attempts[i]);
        free(out[i].data);
        out[i].data = NULL;
    }
}

/* Delivers a round: the entries of each destination together, in batches
 * of at most BATCH_BYTES (one larger message alone), in the order the
 * round gives them (an amqp destination publishes a batch back to back and
 * awaits its confirms together; the others take one message after the
 * other). Each entry's attempt goes into attempts. */
static void deliver_round(kh_journal *j, const kh_config *c, const kh_outbox_item *items, int n, int64_t now_ms,
                          kh_attempt *attempts)
{
    outgoing out[BATCH];
    bool done[BATCH];
    for (int i = 0; i < n; i++) {
        find_destination(c, &items[i], now_ms, &out[i], &attempts[i]);
        done[i] = !out[i].destination;
    }
    for (int first = 0; first < n; first++) {
        if (done[first])
            continue;
        const kh_destination *d = out[first].destination;
        size_t members[BATCH], count = 0, bytes = 0;
        for (int i = first; i < n; i++) {
            if (done[i] || out[i].destination != d)
                continue;
            done[i] = true;
            if (!load_message(j, &items[i], &out[i], &attempts[i]))
                continue;
            if (count && bytes + out[i].message.size > BATCH_BYTES) {
                deliver_batch(items, out, attempts, members, count, now_ms);
                count = bytes = 0;
            }
            members[count++] = (size_t)i;
            bytes += out[i].message.size;
        }
        if (count)
            deliver_batch(items, out, attempts, members, count, now_ms);
    }
}

int kh_delivery_run_once(kh_journal *j, const kh_config *c, int64_t now_ms)
{
    kh_outbox_item items[BATCH];
    kh_attempt attempts[BATCH];
    int total = 0, n;
    do {
        n = kh_journal_outbox_due(j, now_ms, items, BATCH);
        if (n < 0)
            return -1;
        deliver_round(j, c, items, n, now_ms, attempts);
        if (kh_journal_record_attempts(j, attempts, (size_t)n) != 0)
            return -1;    /* delivered again next round: at least once */
        total += n;
    } while (n == BATCH);
    return total;
}

struct kh_delivery {
    pthread_t         thread;
    pthread_mutex_t   lock;
    pthread_cond_t    wake;
    bool              stopping, woken;
    unsigned          routed;          /* wakes since the last round began */
    kh_journal       *journal;
    kh_gateway_slot  *slot;
    int64_t           last_prune;
};

/* Retention: messages older than the configured days leave the journal,
 * once an hour (never what is still waiting in the outbox). */
static void prune_when_due(kh_delivery *d, const kh_config *c, int64_t now)
{
    if (now - d->last_prune < PRUNE_EVERY_MS)
        return;
    d->last_prune = now;
    unsigned days = c->retention_days ? c->retention_days : 90;
    long removed = kh_journal_prune(d->journal, now - (int64_t)days * DAY_MS);
    if (removed > 0) {
        char detail[96];
        snprintf(detail, sizeof detail, "%ld messages older than %u days removed", removed, days);
        kh_log("info", "pruned", NULL, detail);
    }
}

/* The time ms from now, for pthread_cond_timedwait. */
static struct timespec in_ms(long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec += 1;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static void *loop(void *arg)
{
    kh_delivery *d = arg;
    pthread_setname_np(pthread_self(), "kh-delivery");     /* as top -H and /proc show it */
    pthread_mutex_lock(&d->lock);
    while (!d->stopping) {
        d->woken = false;
        d->routed = 0;
        pthread_mutex_unlock(&d->lock);
        const kh_gateway *g = kh_gateway_acquire(d->slot);
        int64_t now = kh_journal_now_ms();
        int attempted = kh_delivery_run_once(d->journal, g->config, now);
        prune_when_due(d, g->config, now);
        kh_gateway_release(d->slot, g);
        pthread_mutex_lock(&d->lock);
        if (d->stopping)
            continue;
        if (d->woken) {
            /* messages were routed while the round ran; under a steady
             * flow (the round had several), gather some more for the next
             * round, published together and recorded in one transaction:
             * GATHER_MS at most, or until GATHER_COUNT were routed */
            if (attempted > 1) {
                struct timespec until = in_ms(GATHER_MS);
                while (!d->stopping && d->routed < GATHER_COUNT
                       && pthread_cond_timedwait(&d->wake, &d->lock, &until) == 0)
                    ;
            }
            continue;
        }
        struct timespec until = in_ms(IDLE_WAIT_MS);
        pthread_cond_timedwait(&d->wake, &d->lock, &until);
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

kh_delivery *kh_delivery_start(const char *journal_path, kh_gateway_slot *slot, char *err, size_t errlen)
{
    kh_delivery *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->slot = slot;
    d->journal = kh_journal_open(journal_path, err, errlen);
    if (!d->journal) {
        free(d);
        return NULL;
    }
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->wake, NULL);
    if (pthread_create(&d->thread, NULL, loop, d) != 0) {
        snprintf(err, errlen, "the delivery thread cannot be started");
        kh_journal_close(d->journal);
        free(d);
        return NULL;
    }
    return d;
}

void kh_delivery_wake(kh_delivery *d)
{
    pthread_mutex_lock(&d->lock);
    d->woken = true;
    d->routed++;
    if (d->routed == 1 || d->routed >= GATHER_COUNT)    /* the idle wait's or the gathering's end */
        pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
}

void kh_delivery_stop(kh_delivery *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->lock);
    d->stopping = true;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    kh_journal_close(d->journal);
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->wake);
    free(d);
}
