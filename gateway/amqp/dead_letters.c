/*
 * dead_letters.c - the watcher of an amqp destination's dead-letter queue
 * (dead_letters.h), with rabbitmq-c 0.11.
 *
 * The thread's loop: connect when not connected (TCP or TLS with the broker
 * verified, login with heartbeats; on channel 1 the dead-letter exchange
 * QUEUE.dlx, the dead-letter queue QUEUE.dead bound to it and the parking
 * queue QUEUE.dead.unknown declared as the publisher declares them, so that
 * it does not matter which of the two connects first; channel 2 in confirm
 * mode; basic.qos 1 and basic.consume of QUEUE.dead with manual
 * acknowledgements on channel 1); then wait for a dead-lettered message at
 * most WAIT_MS at a time, so that a stop is seen within that. Each one:
 *
 *   message_id a delivery of the journal  ->  marked dead, then basic.ack
 *   no message_id, or an unknown one      ->  published to QUEUE.dead.unknown on
 *                                             channel 2, confirmed, then basic.ack
 *   the journal could not take it         ->  basic.nack, requeue, and a pause
 *   the parking queue did not confirm     ->  the connection dropped (the message
 *                                             goes back to QUEUE.dead), and a pause
 *
 * With a prefetch of 1 nothing else is delivered on channel 1 while a
 * message is in hand, so the wait for a confirm on channel 2 sees only
 * confirms, returns and closes. Any error of the connection drops it; the
 * next one is tried after a backoff (BACKOFF_MS doubling up to
 * BACKOFF_MAX_MS, with jitter) that a stop interrupts.
 */
#include "amqp/dead_letters.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <amqp.h>

#include "amqp/broker.h"
#include "amqp/links.h"
#include "amqp/death.h"
#include "amqp/names.h"
#include "delivery/deliver.h"
#include "journal/journal.h"
#include "util/log.h"

enum {
    CONSUME_CHANNEL = 1,
    PARK_CHANNEL = 2,
    HEARTBEAT_S = 15,
    WAIT_MS = 500,              /* the longest a stop waits for the loop */
    CONNECT_TIMEOUT_MS = 5000,  /* to connect, and for each RPC */
    CONFIRM_TIMEOUT_MS = 5000,  /* for the parking queue's confirm */
    BACKOFF_MS = 250,
    BACKOFF_MAX_MS = 5000,
    GROUP_MAX = 32              /* destinations sharing one queue */
};

/* A delivery id as the journal writes it: "ID" or "ID-N". */
enum { DELIVERY_ID_MAX = KH_MESSAGE_ID_SIZE + 8 };

static const char PARKED_HEADER[] = "x-khaalga-parked";

struct kh_amqp_dead_letters {
    pthread_t               thread;
    pthread_mutex_t         lock;
    pthread_cond_t          wake;
    bool                    stopping;
    char                   *destination;    /* [destination NAME] */
    kh_journal             *journal;
    kh_gateway_slot        *slot;
    amqp_connection_state_t connection;     /* NULL: not connected */
    char                   *settings;       /* what the connection was opened with */
    char                    broker[300];    /* "amqp://host:port vhost V": no password */
    char                    dead_queue[KH_AMQP_NAME_MAX + 1];      /* QUEUE.dead */
    char                    parking_queue[KH_AMQP_NAME_MAX + 1];   /* QUEUE.dead.unknown */
    uint64_t                next_publish_tag;   /* on the confirm channel, from 1 */
    unsigned                failed_opens;   /* in a row, for the backoff */
};

/* ------------------------------------------------------------ which destinations */

static bool shares_queue(const kh_destination *a, const kh_destination *b)
{
    return a->kind == KH_DEST_AMQP && b->kind == KH_DEST_AMQP && a->queue && b->queue && a->url && b->url
        && !strcmp(a->queue, b->queue) && !strcmp(a->url, b->url);
}

bool kh_amqp_dead_letters_watched_by(const kh_config *c, const kh_destination *d)
{
    if (d->kind != KH_DEST_AMQP || !d->queue || !d->watch_dead_letters)
        return false;
    for (size_t i = 0; i < c->ndestinations; i++) {
        const kh_destination *other = &c->destinations[i];
        if (other->watch_dead_letters && shares_queue(other, d))
            return other == d;
    }
    return false;
}

/* The names of the destinations that publish to d's queue (d among them):
 * a dead-lettered message may be a delivery to any of them. */
static size_t destinations_sharing(const kh_config *c, const kh_destination *d, const char **names, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < c->ndestinations && n < max; i++)
        if (shares_queue(&c->destinations[i], d))
            names[n++] = c->destinations[i].name;
    return n;
}

/* ------------------------------------------------------------ small helpers */

/* Waits ms unless stopped; true when stopping. */
static bool pause_unless_stopped(kh_amqp_dead_letters *w, unsigned ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec += 1;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->lock);
    while (!w->stopping && pthread_cond_timedwait(&w->wake, &w->lock, &until) == 0)
        ;
    bool stopping = w->stopping;
    pthread_mutex_unlock(&w->lock);
    return stopping;
}

static bool stopping(kh_amqp_dead_letters *w)
{
    pthread_mutex_lock(&w->lock);
    bool s = w->stopping;
    pthread_mutex_unlock(&w->lock);
    return s;
}

static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Everything the connection depends on, as one string to compare. */
static char *settings_of(const kh_destination *d)
{
    size_t size = strlen(d->url) + strlen(d->queue) + (d->tls_ca ? strlen(d->tls_ca) : 0) + 8;
    char *s = malloc(size);
    if (s)
        snprintf(s, size, "%s|%s|%s", d->url, d->queue, d->tls_ca ? d->tls_ca : "");
    return s;
}

/* The result of the last RPC; 0, or -1 with err "broker: what: why". */
static int rpc_ok(kh_amqp_dead_letters *w, const char *what, char *err, size_t errlen)
{
    amqp_rpc_reply_t reply = amqp_get_rpc_reply(w->connection);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL)
        return 0;
    char why[256];
    kh_amqp_describe_reply(reply, why, sizeof why);
    snprintf(err, errlen, "%s: %s: %s", w->broker, what, why);
    return -1;
}

static amqp_table_entry_t text_entry(const char *key, const char *value)
{
    amqp_table_entry_t e;
    e.key = amqp_cstring_bytes(key);
    e.value.kind = AMQP_FIELD_KIND_UTF8;
    e.value.value.bytes = amqp_cstring_bytes(value);
    return e;
}

/* ------------------------------------------------------------ the connection */

static void drop_connection(kh_amqp_dead_letters *w, bool politely)
{
    if (!w->connection)
        return;
    if (politely) {
        amqp_channel_close(w->connection, PARK_CHANNEL, AMQP_REPLY_SUCCESS);
        amqp_channel_close(w->connection, CONSUME_CHANNEL, AMQP_REPLY_SUCCESS);
        amqp_connection_close(w->connection, AMQP_REPLY_SUCCESS);
    }
    amqp_destroy_connection(w->connection);
    w->connection = NULL;
}

/* QUEUE.dlx, QUEUE.dead bound to it and QUEUE.dead.unknown, with the
 * arguments the publisher gives them (a durable fanout exchange, durable
 * quorum queues). */
static int declare_queues(kh_amqp_dead_letters *w, const kh_destination *d, char *err, size_t errlen)
{
    amqp_connection_state_t c = w->connection;
    char dead_exchange[KH_AMQP_NAME_MAX + 8], what[400];
    snprintf(dead_exchange, sizeof dead_exchange, "%s.dlx", d->queue);
    amqp_table_entry_t quorum_only[] = { text_entry("x-queue-type", "quorum") };
    amqp_table_t quorum_arguments = { 1, quorum_only };

    snprintf(what, sizeof what, "declare dead-letter exchange %s", dead_exchange);
    amqp_exchange_declare(c, CONSUME_CHANNEL, amqp_cstring_bytes(dead_exchange), amqp_cstring_bytes("fanout"),
                          0, 1, 0, 0, amqp_empty_table);
    if (rpc_ok(w, what, err, errlen) != 0)
        return -1;
    snprintf(what, sizeof what, "declare dead-letter queue %s", w->dead_queue);
    amqp_queue_declare(c, CONSUME_CHANNEL, amqp_cstring_bytes(w->dead_queue), 0, 1, 0, 0, quorum_arguments);
    if (rpc_ok(w, what, err, errlen) != 0)
        return -1;
    snprintf(what, sizeof what, "bind %s to %s", w->dead_queue, dead_exchange);
    amqp_queue_bind(c, CONSUME_CHANNEL, amqp_cstring_bytes(w->dead_queue), amqp_cstring_bytes(dead_exchange),
                    amqp_cstring_bytes(""), amqp_empty_table);
    if (rpc_ok(w, what, err, errlen) != 0)
        return -1;
    snprintf(what, sizeof what, "declare parking queue %s", w->parking_queue);
    amqp_queue_declare(c, CONSUME_CHANNEL, amqp_cstring_bytes(w->parking_queue), 0, 1, 0, 0, quorum_arguments);
    return rpc_ok(w, what, err, errlen);
}

/* Connects, logs in, declares the queues, opens the confirm channel and
 * starts consuming QUEUE.dead. 0, or -1 with err (and no connection). */
static int open_connection(kh_amqp_dead_letters *w, const kh_destination *d, char *err, size_t errlen)
{
    snprintf(w->dead_queue, sizeof w->dead_queue, "%s.dead", d->queue);
    snprintf(w->parking_queue, sizeof w->parking_queue, "%s.dead.unknown", d->queue);
    char connection_name[200];
    snprintf(connection_name, sizeof connection_name, "khaalga dead letters %s", d->name);
    w->connection = kh_amqp_open(d->url, d->tls_ca, connection_name, HEARTBEAT_S, CONNECT_TIMEOUT_MS, CONSUME_CHANNEL,
                                 w->broker, sizeof w->broker, err, errlen);
    if (!w->connection)
        return -1;
    int rc = -1;
    if (declare_queues(w, d, err, errlen) != 0)
        goto out;
    amqp_channel_open(w->connection, PARK_CHANNEL);
    if (rpc_ok(w, "open channel", err, errlen) != 0)
        goto out;
    amqp_confirm_select(w->connection, PARK_CHANNEL);
    if (rpc_ok(w, "confirm.select", err, errlen) != 0)
        goto out;
    w->next_publish_tag = 1;
    amqp_basic_qos(w->connection, CONSUME_CHANNEL, 0, 1, 0);
    if (rpc_ok(w, "basic.qos", err, errlen) != 0)
        goto out;
    amqp_basic_consume(w->connection, CONSUME_CHANNEL, amqp_cstring_bytes(w->dead_queue), amqp_empty_bytes, 0, 0, 0,
                       amqp_empty_table);
    if (rpc_ok(w, "basic.consume", err, errlen) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0) {
        amqp_destroy_connection(w->connection);
        w->connection = NULL;
    }
    return rc;
}

/* Connects for d unless connected with the same settings; false when
 * there is no connection (after a backoff that a stop interrupts). */
static bool connected(kh_amqp_dead_letters *w, const kh_destination *d)
{
    char *settings = settings_of(d);
    if (!settings)
        return false;
    if (w->connection && w->settings && strcmp(settings, w->settings) == 0) {
        free(settings);
        return true;
    }
    drop_connection(w, true);
    free(w->settings);
    w->settings = settings;
    char err[600] = "", detail[1000];
    if (open_connection(w, d, err, sizeof err) == 0) {
        w->failed_opens = 0;
        snprintf(detail, sizeof detail, "destination %s: %s, watching %s (what is not Khaalga's goes to %s)",
                 d->name, w->broker, w->dead_queue, w->parking_queue);
        kh_log("info", "amqp-dead-letters", NULL, detail);
        kh_amqp_link_report("dead-letters", d->name, w->broker, true, detail);
        return true;
    }
    w->failed_opens++;
    snprintf(detail, sizeof detail, "destination %s (attempt %u): %s", d->name, w->failed_opens, err);
    kh_log("error", "amqp-dead-letters-down", NULL, detail);
    kh_amqp_link_report("dead-letters", d->name, w->broker, false, err);
    pause_unless_stopped(w, kh_backoff_ms(w->failed_opens, BACKOFF_MS, BACKOFF_MAX_MS));
    return false;
}

/* ------------------------------------------------------------ the parking queue */

/* Waits for the confirm of publish tag on the confirm channel, at most
 * CONFIRM_TIMEOUT_MS. 0 when the broker acked it; -1 with why otherwise
 * (nacked, returned, no confirm, the connection or a channel lost). */
static int wait_for_confirm(kh_amqp_dead_letters *w, uint64_t tag, char *why, size_t whylen)
{
    int64_t deadline = monotonic_ms() + CONFIRM_TIMEOUT_MS;
    bool returned = false;
    for (;;) {
        int64_t left = deadline - monotonic_ms();
        if (left < 0)
            left = 0;
        struct timeval wait = { (time_t)(left / 1000), (suseconds_t)((left % 1000) * 1000) };
        amqp_frame_t frame;
        int status = amqp_simple_wait_frame_noblock(w->connection, &frame, &wait);
        if (status == AMQP_STATUS_TIMEOUT) {
            snprintf(why, whylen, "no confirm from the broker within %d ms", CONFIRM_TIMEOUT_MS);
            return -1;
        }
        if (status != AMQP_STATUS_OK) {
            snprintf(why, whylen, "connection lost: %s", amqp_error_string2(status));
            return -1;
        }
        if (frame.frame_type != AMQP_FRAME_METHOD)
            continue;
        switch (frame.payload.method.id) {
        case AMQP_BASIC_ACK_METHOD: {
            const amqp_basic_ack_t *ack = frame.payload.method.decoded;
            if (frame.channel != PARK_CHANNEL || !(ack->delivery_tag == tag || (ack->multiple && ack->delivery_tag > tag)))
                continue;
            if (!returned)
                return 0;
            snprintf(why, whylen, "returned as unroutable: no queue %s", w->parking_queue);
            return -1;
        }
        case AMQP_BASIC_NACK_METHOD: {
            const amqp_basic_nack_t *nack = frame.payload.method.decoded;
            if (frame.channel != PARK_CHANNEL || !(nack->delivery_tag == tag || (nack->multiple && nack->delivery_tag > tag)))
                continue;
            snprintf(why, whylen, "the broker refused it (basic.nack)");
            return -1;
        }
        case AMQP_BASIC_RETURN_METHOD: {
            /* its header and body follow; the ack comes after them */
            amqp_message_t message;
            amqp_rpc_reply_t reply = amqp_read_message(w->connection, frame.channel, &message, 0);
            if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
                snprintf(why, whylen, "reading a returned message failed");
                return -1;
            }
            amqp_destroy_message(&message);
            returned = true;
            continue;
        }
        case AMQP_CHANNEL_CLOSE_METHOD:
            snprintf(why, whylen, "the broker closed channel %u", (unsigned)frame.channel);
            return -1;
        case AMQP_CONNECTION_CLOSE_METHOD:
            snprintf(why, whylen, "the broker closed the connection");
            return -1;
        case AMQP_BASIC_CANCEL_METHOD:
            snprintf(why, whylen, "the broker cancelled the consumer of %s", w->dead_queue);
            return -1;
        default:
            continue;
        }
    }
}

/* A copy of e, with a header saying why it is parked, into the parking
 * queue with publisher confirms; then the original is acknowledged. -1
 * when it could not be parked (the connection is then to be dropped, which
 * gives the original back to QUEUE.dead). */
static int park(kh_amqp_dead_letters *w, const kh_destination *d, const amqp_envelope_t *e, const char *why_parked,
                const char *death)
{
    amqp_basic_properties_t properties = e->message.properties;     /* shallow: e outlives the publish */
    const amqp_table_t *old = (properties._flags & AMQP_BASIC_HEADERS_FLAG) ? &properties.headers : NULL;
    int nold = old ? old->num_entries : 0;
    amqp_table_entry_t *headers = malloc(sizeof *headers * (size_t)(nold + 1));
    if (!headers) {
        kh_log("error", "amqp-dead-letters-down", NULL, "parking a message: out of memory");
        return -1;
    }
    int n = 0;
    for (int i = 0; i < nold; i++)
        if (old->entries[i].key.len != strlen(PARKED_HEADER)
            || memcmp(old->entries[i].key.bytes, PARKED_HEADER, old->entries[i].key.len))
            headers[n++] = old->entries[i];
    headers[n++] = text_entry(PARKED_HEADER, why_parked);
    properties._flags |= AMQP_BASIC_HEADERS_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
    properties.headers.num_entries = n;
    properties.headers.entries = headers;
    properties.delivery_mode = AMQP_DELIVERY_PERSISTENT;

    char why[300] = "", detail[1400];
    uint64_t tag = w->next_publish_tag++;
    int status = amqp_basic_publish(w->connection, PARK_CHANNEL, amqp_empty_bytes,
                                    amqp_cstring_bytes(w->parking_queue), 1, 0, &properties, e->message.body);
    free(headers);
    int rc = -1;
    if (status != AMQP_STATUS_OK)
        snprintf(why, sizeof why, "publish: %s", amqp_error_string2(status));
    else if (wait_for_confirm(w, tag, why, sizeof why) == 0)
        rc = 0;
    if (rc == 0 && (status = amqp_basic_ack(w->connection, CONSUME_CHANNEL, e->delivery_tag, 0)) != AMQP_STATUS_OK) {
        /* parked, not acknowledged: it comes again and is parked again (at least once) */
        snprintf(why, sizeof why, "parked, but basic.ack: %s", amqp_error_string2(status));
        rc = -1;
    }
    if (rc == 0) {
        snprintf(detail, sizeof detail, "destination %s: a message in %s moved to %s: %s; %s", d->name,
                 w->dead_queue, w->parking_queue, why_parked, death);
        kh_log("error", "dead-letter-parked", NULL, detail);
        return 0;
    }
    snprintf(detail, sizeof detail, "destination %s: %s: a message in %s could not be moved to %s: %s", d->name,
             w->broker, w->dead_queue, w->parking_queue, why);
    kh_log("error", "amqp-dead-letters-down", NULL, detail);
    return -1;
}

/* ------------------------------------------------------------ dead-lettered messages */

/* The message_id of a message when it may be a delivery id of the journal
 * (printable, not too long) into id; false with why otherwise. */
static bool delivery_id_of(const amqp_basic_properties_t *p, char id[DELIVERY_ID_MAX], char *why, size_t whylen)
{
    if (!(p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG) || p->message_id.len == 0) {
        snprintf(why, whylen, "no message_id");
        return false;
    }
    if (p->message_id.len >= DELIVERY_ID_MAX) {
        snprintf(why, whylen, "a message_id of %zu bytes is no delivery of Khaalga's", p->message_id.len);
        return false;
    }
    const unsigned char *bytes = p->message_id.bytes;
    for (size_t i = 0; i < p->message_id.len; i++)
        if (bytes[i] <= 0x20 || bytes[i] >= 0x7f) {
            snprintf(why, whylen, "a message_id that is not printable is no delivery of Khaalga's");
            return false;
        }
    memcpy(id, bytes, p->message_id.len);
    id[p->message_id.len] = '\0';
    return true;
}

/* One dead-lettered message: into the journal or the parking queue, then
 * acknowledged. -1 when the connection is to be dropped. */
static int take(kh_amqp_dead_letters *w, const kh_config *c, const kh_destination *d, const amqp_envelope_t *e)
{
    const amqp_basic_properties_t *p = &e->message.properties;
    char death[600], why_parked[200], delivery_id[DELIVERY_ID_MAX], detail[1200];
    kh_amqp_death_reason((p->_flags & AMQP_BASIC_HEADERS_FLAG) ? &p->headers : NULL, d->queue,
                         d->queue_delivery_limit, death, sizeof death);
    if (!delivery_id_of(p, delivery_id, why_parked, sizeof why_parked)) {
        if (park(w, d, e, why_parked, death) == 0)
            return 0;
        pause_unless_stopped(w, BACKOFF_MAX_MS);
        return -1;
    }

    const char *names[GROUP_MAX];
    size_t nnames = destinations_sharing(c, d, names, GROUP_MAX);
    char message_id[KH_MESSAGE_ID_SIZE];
    int match = kh_journal_mark_dead_lettered(w->journal, delivery_id, names, nnames, death, message_id);
    if (match < 0) {
        snprintf(detail, sizeof detail, "destination %s: dead-lettered delivery %s could not be written: back to %s",
                 d->name, delivery_id, w->dead_queue);
        kh_log("error", "journal-unavailable", NULL, detail);
        int status = amqp_basic_nack(w->connection, CONSUME_CHANNEL, e->delivery_tag, 0, 1);
        pause_unless_stopped(w, BACKOFF_MAX_MS);    /* give the journal time before the message comes again */
        return status == AMQP_STATUS_OK ? 0 : -1;
    }
    if (match == KH_DEAD_LETTER_UNKNOWN) {
        snprintf(why_parked, sizeof why_parked, "message_id %s is no delivery to destination %s in the journal",
                 delivery_id, d->name);
        if (park(w, d, e, why_parked, death) == 0)
            return 0;
        pause_unless_stopped(w, BACKOFF_MAX_MS);
        return -1;
    }

    int status = amqp_basic_ack(w->connection, CONSUME_CHANNEL, e->delivery_tag, 0);
    if (match == KH_DEAD_LETTER_MARKED) {
        snprintf(detail, sizeof detail, "delivery %s to destination %s is dead: %s (khaalga replay %s delivers it again)",
                 delivery_id, d->name, death, message_id);
        kh_log("error", "dead-lettered", message_id, detail);
    } else {
        snprintf(detail, sizeof detail, "delivery %s to destination %s was dead already: %s", delivery_id, d->name,
                 death);
        kh_log("info", "dead-lettered", message_id, detail);
    }
    if (status != AMQP_STATUS_OK) {
        /* in the journal, not acknowledged: it comes again, and is then seen dead already */
        snprintf(detail, sizeof detail, "destination %s: %s: basic.ack: %s", d->name, w->broker,
                 amqp_error_string2(status));
        kh_log("error", "amqp-dead-letters-down", message_id, detail);
        return -1;
    }
    return 0;
}

/* A frame that is not a delivery: a close or a cancel ends the
 * connection; anything else (a late confirm) is skipped. -1 when the
 * connection ends. */
static int other_frame(kh_amqp_dead_letters *w, char *why, size_t whylen)
{
    amqp_frame_t frame;
    struct timeval none = { 0, 0 };
    int status = amqp_simple_wait_frame_noblock(w->connection, &frame, &none);
    if (status == AMQP_STATUS_TIMEOUT)
        return 0;
    if (status != AMQP_STATUS_OK) {
        snprintf(why, whylen, "%s", amqp_error_string2(status));
        return -1;
    }
    if (frame.frame_type != AMQP_FRAME_METHOD)
        return 0;
    switch (frame.payload.method.id) {
    case AMQP_CHANNEL_CLOSE_METHOD:
        snprintf(why, whylen, "the broker closed channel %u", (unsigned)frame.channel);
        return -1;
    case AMQP_CONNECTION_CLOSE_METHOD:
        snprintf(why, whylen, "the broker closed the connection");
        return -1;
    case AMQP_BASIC_CANCEL_METHOD:
        snprintf(why, whylen, "the broker cancelled the consumer of %s", w->dead_queue);
        return -1;
    default:
        return 0;
    }
}

/* Waits up to WAIT_MS for one dead-lettered message and takes it. -1 when
 * the connection failed. */
static int watch_one(kh_amqp_dead_letters *w, const kh_config *c, const kh_destination *d)
{
    amqp_maybe_release_buffers(w->connection);
    amqp_envelope_t e;
    struct timeval wait = { WAIT_MS / 1000, (WAIT_MS % 1000) * 1000 };
    amqp_rpc_reply_t reply = amqp_consume_message(w->connection, &e, &wait, 0);
    char why[300] = "";
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) {
        int rc = take(w, c, d, &e);
        amqp_destroy_envelope(&e);
        return rc;
    }
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT)
        return 0;
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
        if (other_frame(w, why, sizeof why) == 0)
            return 0;
    } else if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
        snprintf(why, sizeof why, "%s", amqp_error_string2(reply.library_error));
    } else {
        snprintf(why, sizeof why, "the broker answered unexpectedly");
    }
    char detail[700];
    snprintf(detail, sizeof detail, "destination %s: %s: %s", d->name, w->broker, why);
    kh_log("error", "amqp-dead-letters-down", NULL, detail);
    kh_amqp_link_report("dead-letters", d->name, w->broker, false, why);
    return -1;
}

static void *loop(void *arg)
{
    kh_amqp_dead_letters *w = arg;
    while (!stopping(w)) {
        const kh_gateway *g = kh_gateway_acquire(w->slot);
        const kh_destination *d = kh_config_destination(g->config, w->destination);
        if (!d || d->kind != KH_DEST_AMQP || !d->queue || !d->watch_dead_letters) {
            /* a reload removed it or turned watching off: idle until one brings it back */
            drop_connection(w, true);
            kh_gateway_release(w->slot, g);
            pause_unless_stopped(w, WAIT_MS);
            continue;
        }
        if (connected(w, d) && watch_one(w, g->config, d) != 0)
            drop_connection(w, false);
        kh_gateway_release(w->slot, g);
    }
    drop_connection(w, true);
    return NULL;
}

kh_amqp_dead_letters *kh_amqp_dead_letters_start(const char *destination, const char *journal_path,
                                                 kh_gateway_slot *slot, char *err, size_t errlen)
{
    kh_amqp_dead_letters *w = calloc(1, sizeof *w);
    if (!w || !(w->destination = strdup(destination))) {
        free(w);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->slot = slot;
    w->journal = kh_journal_open(journal_path, err, errlen);
    if (!w->journal) {
        free(w->destination);
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, loop, w) != 0) {
        snprintf(err, errlen, "the dead-letter thread cannot be started");
        kh_journal_close(w->journal);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->wake);
        free(w->destination);
        free(w);
        return NULL;
    }
    return w;
}

void kh_amqp_dead_letters_stop(kh_amqp_dead_letters *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    kh_journal_close(w->journal);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w->settings);
    free(w->destination);
    free(w);
}
