/*
 * publisher.c - confirmed publishing to RabbitMQ with rabbitmq-c 0.11.
 *
 * A link is one destination's connection in one thread (rabbitmq-c
 * connections are not shared between threads). The links of a thread hang
 * from a pthread key, so they live as long as the delivery loop and are
 * closed when it ends. A link is opened at the first message: TCP or TLS
 * (peer and host name verified), login with 30 s heartbeats, channel 1 in
 * confirm mode, then the topology: the topic exchange, and when the
 * destination names a queue, a quorum queue bound to it with its
 * dead-letter exchange and queue (docs/amqp.md says why). After a failed
 * open, no new one is tried before a backoff has passed, so a broker that
 * is down costs one fast failure per message, not one timeout.
 *
 * Publishing a batch: each message basic.publish, mandatory and persistent,
 * back to back, reading without waiting what the broker sent meanwhile
 * (confirms, connection.blocked); then frames are read
 * (amqp_simple_wait_frame_noblock, which also sends and checks heartbeats)
 * until every publish is acked or nacked, up to the destination's timeout
 * after the last one. amqp/confirms.c matches each ack, nack (one tag, or
 * `multiple`) and basic.return (by message id) to its publish; a message is
 * delivered only on its own ack, without a return before it. A batch of
 * one is kh_amqp_publish.
 *
 * connection.blocked holds publishing until connection.unblocked, within
 * the timeout; publishes still unconfirmed when the broker blocks are held
 * by the link, and the next attempt of such a message waits for its
 * confirm instead of publishing a copy each time while the alarm lasts. A
 * channel or connection close, or no confirm from a broker that does not
 * block, drops the link: what it had not confirmed is tried again, and the
 * next message opens a new one.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include <amqp.h>

#include "amqp/broker.h"
#include "amqp/links.h"
#include "amqp/confirms.h"
#include "amqp/names.h"
#include "amqp/publisher.h"
#include "util/log.h"

enum {
    CHANNEL = 1,
    HEARTBEAT_S = 30,
    FRAME_MAX = 131072,
    CHANNEL_MAX = 0            /* the broker's */
};

typedef struct link {
    struct link            *next;
    char                   *destination;    /* its name */
    char                   *settings;       /* what it was opened with: a reload that changes them reopens it */
    amqp_connection_state_t connection;     /* NULL: not connected */
    uint64_t                next_delivery_tag;  /* of the next publish; confirm mode counts from 1 */
    bool                    blocked;        /* connection.blocked, not yet unblocked */
    kh_amqp_confirm        *held;           /* published while blocked, not yet confirmed */
    char                  (*held_ids)[KH_AMQP_NAME_MAX + 1];    /* their message ids */
    size_t                  held_count;
    char                    blocked_reason[128];
    char                    broker[300];    /* "amqp://host:port vhost V": no user, no password */
    unsigned                failed_opens;   /* in a row, for the backoff */
    int64_t                 next_open_ms;   /* monotonic: no open tried before */
    char                    last_error[300];
} link;

static pthread_key_t links_key;
static pthread_once_t links_once = PTHREAD_ONCE_INIT;


static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static struct timeval timeval_of_ms(int64_t ms)
{
    if (ms < 0)
        ms = 0;
    struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000) };
    return tv;
}

/* ------------------------------------------------------------ the links */

/* Closes a link's connection: politely when it still works, else by
 * dropping the socket. */
static void drop_connection(link *l, bool politely)
{
    if (!l->connection)
        return;
    kh_amqp_link_report("destination", l->destination, l->broker, false,
                        politely ? "closed" : "the connection failed; it is opened again at the next message");
    if (politely)
        amqp_connection_close(l->connection, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(l->connection);
    l->connection = NULL;
    l->blocked = false;
    l->held_count = 0;
}

static void free_link(link *l)
{
    drop_connection(l, true);
    free(l->held);
    free(l->held_ids);
    free(l->destination);
    free(l->settings);
    free(l);
}

static void free_links(void *head)
{
    for (link *l = head, *next; l; l = next) {
        next = l->next;
        free_link(l);
    }
}

static void make_links_key(void)
{
    pthread_key_create(&links_key, free_links);
}

void kh_amqp_close_connections(void)
{
    pthread_once(&links_once, make_links_key);
    free_links(pthread_getspecific(links_key));
    pthread_setspecific(links_key, NULL);
}

/* Everything a connection depends on, as one string to compare. */
static char *settings_of(const kh_destination *d)
{
    char limits[64];
    snprintf(limits, sizeof limits, "%u|%u", d->queue_delivery_limit, d->queue_max_length);
    const char *parts[] = { d->url, d->exchange, d->tls_ca, d->queue, d->binding_key, limits };
    size_t size = 1;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        size += (parts[i] ? strlen(parts[i]) : 0) + 1;
    char *s = malloc(size);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        strcat(s, parts[i] ? parts[i] : "");
        strcat(s, "|");
    }
    return s;
}

/* The calling thread's link to d, made when there is none; a link whose
 * settings changed (a reload) is closed and starts afresh. */
static link *link_for(const kh_destination *d)
{
    pthread_once(&links_once, make_links_key);
    char *settings = settings_of(d);
    if (!settings)
        return NULL;
    link *head = pthread_getspecific(links_key);
    for (link *l = head; l; l = l->next) {
        if (strcmp(l->destination, d->name) != 0)
            continue;
        if (strcmp(l->settings, settings) != 0) {
            drop_connection(l, true);
            free(l->settings);
            l->settings = settings;
            l->failed_opens = 0;
            l->next_open_ms = 0;
        } else {
            free(settings);
        }
        return l;
    }
    link *l = calloc(1, sizeof *l);
    if (!l || !(l->destination = strdup(d->name))) {
        free(l);
        free(settings);
        return NULL;
    }
    l->settings = settings;
    l->next = head;
    pthread_setspecific(links_key, l);
    return l;
}

/* ------------------------------------------------------------ opening */

static amqp_table_entry_t text_entry(const char *key, const char *value)
{
    amqp_table_entry_t e;
    e.key = amqp_cstring_bytes(key);
    e.value.kind = AMQP_FIELD_KIND_UTF8;
    e.value.value.bytes = amqp_cstring_bytes(value);
    return e;
}

static amqp_table_entry_t number_entry(const char *key, int64_t value)
{
    amqp_table_entry_t e;
    e.key = amqp_cstring_bytes(key);
    e.value.kind = AMQP_FIELD_KIND_I64;
    e.value.value.i64 = value;
    return e;
}

/* The result of the last RPC; 0, or -1 with err "what: why". */
static int rpc_ok(link *l, const char *what, char *err, size_t errlen)
{
    amqp_rpc_reply_t reply = amqp_get_rpc_reply(l->connection);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL)
        return 0;
    char why[256];
    kh_amqp_describe_reply(reply, why, sizeof why);
    snprintf(err, errlen, "%s: %s: %s", l->broker, what, why);
    return -1;
}

/* The exchange; with a queue, the queue, its binding, and its dead-letter
 * exchange and queue. Declaring what exists with the same arguments does
 * nothing; with other arguments the broker refuses (406), and that is
 * said. */
static int declare_topology(link *l, const kh_destination *d, char *err, size_t errlen)
{
    amqp_connection_state_t c = l->connection;
    char what[400];
    snprintf(what, sizeof what, "declare exchange %s", d->exchange);
    amqp_exchange_declare(c, CHANNEL, amqp_cstring_bytes(d->exchange), amqp_cstring_bytes("topic"),
                          0, 1, 0, 0, amqp_empty_table);
    if (rpc_ok(l, what, err, errlen) != 0)
        return -1;
    if (!d->queue)
        return 0;

    char dead_exchange[KH_AMQP_NAME_MAX + 8], dead_queue[KH_AMQP_NAME_MAX + 8];
    snprintf(dead_exchange, sizeof dead_exchange, "%s.dlx", d->queue);
    snprintf(dead_queue, sizeof dead_queue, "%s.dead", d->queue);
    amqp_table_entry_t quorum_only[] = { text_entry("x-queue-type", "quorum") };
    amqp_table_t quorum_arguments = { 1, quorum_only };

    snprintf(what, sizeof what, "declare dead-letter exchange %s", dead_exchange);
    amqp_exchange_declare(c, CHANNEL, amqp_cstring_bytes(dead_exchange), amqp_cstring_bytes("fanout"),
                          0, 1, 0, 0, amqp_empty_table);
    if (rpc_ok(l, what, err, errlen) != 0)
        return -1;
    snprintf(what, sizeof what, "declare dead-letter queue %s", dead_queue);
    amqp_queue_declare(c, CHANNEL, amqp_cstring_bytes(dead_queue), 0, 1, 0, 0, quorum_arguments);
    if (rpc_ok(l, what, err, errlen) != 0)
        return -1;
    snprintf(what, sizeof what, "bind %s to %s", dead_queue, dead_exchange);
    amqp_queue_bind(c, CHANNEL, amqp_cstring_bytes(dead_queue), amqp_cstring_bytes(dead_exchange),
                    amqp_cstring_bytes(""), amqp_empty_table);
    if (rpc_ok(l, what, err, errlen) != 0)
        return -1;

    amqp_table_entry_t entries[6];
    int n = 0;
    entries[n++] = text_entry("x-queue-type", "quorum");
    entries[n++] = text_entry("x-dead-letter-exchange", dead_exchange);
    entries[n++] = text_entry("x-dead-letter-strategy", "at-least-once");
    entries[n++] = text_entry("x-overflow", "reject-publish");
    entries[n++] = number_entry("x-delivery-limit", d->queue_delivery_limit);
    if (d->queue_max_length)
        entries[n++] = number_entry("x-max-length", d->queue_max_length);
    amqp_table_t arguments = { n, entries };
    snprintf(what, sizeof what, "declare queue %s", d->queue);
    amqp_queue_declare(c, CHANNEL, amqp_cstring_bytes(d->queue), 0, 1, 0, 0, arguments);
    if (rpc_ok(l, what, err, errlen) != 0)
        return -1;
    snprintf(what, sizeof what, "bind %s to %s with %s", d->queue, d->exchange, d->binding_key);
    amqp_queue_bind(c, CHANNEL, amqp_cstring_bytes(d->queue), amqp_cstring_bytes(d->exchange),
                    amqp_cstring_bytes(d->binding_key ? d->binding_key : "#"), amqp_empty_table);
    return rpc_ok(l, what, err, errlen);
}

/* Connects, logs in, opens the confirm channel and declares the topology.
 * 0, or -1 with err (and no connection). */
static int open_link(link *l, const kh_destination *d, char *err, size_t errlen)
{
    char *url = strdup(d->url);
    if (!url) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct amqp_connection_info info;
    if (amqp_parse_url(url, &info) != AMQP_STATUS_OK) {
        free(url);
        snprintf(err, errlen, "destination %s: url is not an AMQP URL", d->name);
        return -1;
    }
    snprintf(l->broker, sizeof l->broker, "%s://%s:%d vhost %s", info.ssl ? "amqps" : "amqp", info.host, info.port,
             info.vhost);

    int rc = -1;
    char why[256];
    l->connection = amqp_new_connection();
    if (!l->connection) {
        snprintf(err, errlen, "%s: out of memory", l->broker);
        goto out;
    }
    amqp_socket_t *socket = kh_amqp_new_socket(l->connection, l->broker, info.ssl, d->tls_ca, err, errlen);
    if (!socket)
        goto out;
    struct timeval timeout = timeval_of_ms(d->timeout_ms);
    if (kh_amqp_open_socket(socket, info.ssl, l->broker, info.host, info.port, &timeout, err, errlen) != 0)
        goto out;
    amqp_set_handshake_timeout(l->connection, &timeout);
    amqp_set_rpc_timeout(l->connection, &timeout);

    /* connection.blocked is sent only to clients that say they know it */
    char connection_name[200];
    snprintf(connection_name, sizeof connection_name, "khaalga %s", d->name);
    amqp_table_entry_t capabilities[] = {
        { amqp_cstring_bytes("connection.blocked"), { AMQP_FIELD_KIND_BOOLEAN, { .boolean = 1 } } },
    };
    amqp_table_entry_t properties[] = {
        text_entry("connection_name", connection_name),
        text_entry("product", "khaalga"),
        { amqp_cstring_bytes("capabilities"), { AMQP_FIELD_KIND_TABLE, { .table = { 1, capabilities } } } },
    };
    amqp_table_t client_properties = { 3, properties };
    amqp_rpc_reply_t reply = amqp_login_with_properties(l->connection, info.vhost, CHANNEL_MAX, FRAME_MAX,
                                                        HEARTBEAT_S, &client_properties, AMQP_SASL_METHOD_PLAIN,
                                                        info.user, info.password);
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
        kh_amqp_describe_reply(reply, why, sizeof why);
        snprintf(err, errlen, "%s: login as %s: %s", l->broker, info.user, why);
        goto out;
    }
    amqp_channel_open(l->connection, CHANNEL);
    if (rpc_ok(l, "open channel", err, errlen) != 0)
        goto out;
    amqp_confirm_select(l->connection, CHANNEL);
    if (rpc_ok(l, "confirm.select", err, errlen) != 0)
        goto out;
    if (declare_topology(l, d, err, errlen) != 0)
        goto out;
    l->next_delivery_tag = 1;
    l->blocked = false;
    rc = 0;
out:
    if (rc != 0 && l->connection) {
        amqp_destroy_connection(l->connection);
        l->connection = NULL;
    }
    free(url);
    return rc;
}

/* ------------------------------------------------------------ frames */

/* What reading frames found, besides the confirms of the publishes
 * awaited. */
typedef struct frame_reader {
    kh_amqp_confirms *awaited;      /* the publishes whose confirms count */
    bool              broken;       /* the link cannot be used any more */
    bool              politely;     /* and may still be closed politely */
    char              broken_why[300];
} frame_reader;

/* One frame read from the broker: confirms, returns, flow control and
 * closes. Stray frames (heartbeats, the content of nothing) are skipped. */
static void handle_frame(link *l, const amqp_frame_t *frame, frame_reader *r)
{
    char text[200];
    if (frame->frame_type != AMQP_FRAME_METHOD)
        return;
    switch (frame->payload.method.id) {
    case AMQP_BASIC_ACK_METHOD: {
        const amqp_basic_ack_t *ack = frame->payload.method.decoded;
        kh_amqp_confirms_settle(r->awaited, ack->delivery_tag, ack->multiple, true);
        break;
    }
    case AMQP_BASIC_NACK_METHOD: {
        const amqp_basic_nack_t *nack = frame->payload.method.decoded;
        kh_amqp_confirms_settle(r->awaited, nack->delivery_tag, nack->multiple, false);
        break;
    }
    case AMQP_BASIC_RETURN_METHOD: {
        /* an unroutable mandatory publish: its header and body follow */
        const amqp_basic_return_t *ret = frame->payload.method.decoded;
        char routing_key[KH_AMQP_NAME_MAX + 1], exchange[KH_AMQP_NAME_MAX + 1], why[200];
        kh_amqp_copy_text(text, sizeof text, ret->reply_text);
        kh_amqp_copy_text(routing_key, sizeof routing_key, ret->routing_key);
        kh_amqp_copy_text(exchange, sizeof exchange, ret->exchange);
        snprintf(why, sizeof why, "unroutable: no queue bound for routing key \"%s\" on exchange %s (%u %s)",
                 routing_key, exchange, (unsigned)ret->reply_code, text);
        amqp_message_t message;
        amqp_rpc_reply_t reply = amqp_read_message(l->connection, frame->channel, &message, 0);
        if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
            kh_amqp_describe_reply(reply, text, sizeof text);
            r->broken = true;
            snprintf(r->broken_why, sizeof r->broken_why, "%s: reading a returned message: %s", l->broker, text);
            break;
        }
        if (message.properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG)
            kh_amqp_confirms_returned(r->awaited, message.properties.message_id.bytes,
                                      message.properties.message_id.len, why);
        amqp_destroy_message(&message);
        break;
    }
    case AMQP_CONNECTION_BLOCKED_METHOD: {
        const amqp_connection_blocked_t *blocked = frame->payload.method.decoded;
        l->blocked = true;
        kh_amqp_copy_text(l->blocked_reason, sizeof l->blocked_reason, blocked->reason);
        kh_log("error", "amqp-blocked", NULL, l->blocked_reason);
        break;
    }
    case AMQP_CONNECTION_UNBLOCKED_METHOD:
        l->blocked = false;
        kh_log("info", "amqp-unblocked", NULL, l->broker);
        break;
    case AMQP_CHANNEL_CLOSE_METHOD: {
        const amqp_channel_close_t *close = frame->payload.method.decoded;
        kh_amqp_copy_text(text, sizeof text, close->reply_text);
        snprintf(r->broken_why, sizeof r->broken_why, "%s: the broker closed the channel: %u %s",
                 l->broker, close->reply_code, text);
        amqp_channel_close_ok_t ok = { 0 };
        amqp_send_method(l->connection, frame->channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
        r->broken = true;
        r->politely = true;     /* the connection itself still works */
        break;
    }
    case AMQP_CONNECTION_CLOSE_METHOD: {
        const amqp_connection_close_t *close = frame->payload.method.decoded;
        kh_amqp_copy_text(text, sizeof text, close->reply_text);
        snprintf(r->broken_why, sizeof r->broken_why, "%s: the broker closed the connection: %u %s",
                 l->broker, close->reply_code, text);
        amqp_connection_close_ok_t ok = { 0 };
        amqp_send_method(l->connection, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
        r->broken = true;
        break;
    }
    default:
        break;
    }
}

/* Reads frames until done(l, r) or until deadline_ms (monotonic; now:
 * only what has come already). Returns 0 when done, 1 at the deadline,
 * -1 when the link broke. */
static int read_frames_until(link *l, frame_reader *r, bool (*done)(const link *, const frame_reader *),
                             int64_t deadline_ms)
{
    while (!done(l, r)) {
        struct timeval wait = timeval_of_ms(deadline_ms - monotonic_ms());
        amqp_frame_t frame;
        amqp_maybe_release_buffers(l->connection);
        int status = amqp_simple_wait_frame_noblock(l->connection, &frame, &wait);
        if (status == AMQP_STATUS_TIMEOUT)
            return 1;
        if (status != AMQP_STATUS_OK) {
            r->broken = true;
            snprintf(r->broken_why, sizeof r->broken_why, "%s: connection lost: %s", l->broker,
                     amqp_error_string2(status));
            return -1;
        }
        handle_frame(l, &frame, r);
        if (r->broken)
            return -1;
    }
    return 0;
}

static bool never(const link *l, const frame_reader *r)
{
    (void)l, (void)r;
    return false;
}

static bool unblocked(const link *l, const frame_reader *r)
{
    (void)r;
    return !l->blocked;
}

static bool all_settled(const link *l, const frame_reader *r)
{
    (void)l;
    return kh_amqp_confirms_waiting(r->awaited) == 0;
}

/* ------------------------------------------------------------ held publishes */

/* The publishes of a batch still unconfirmed while the broker blocks
 * publishers: the next attempts of these messages wait for their confirms. */
static void hold_unconfirmed(link *l, const kh_amqp_confirms *batch)
{
    size_t waiting = kh_amqp_confirms_waiting(batch);
    l->held_count = 0;
    if (!waiting)
        return;
    kh_amqp_confirm *held = realloc(l->held, waiting * sizeof *held);
    if (held)
        l->held = held;
    char (*ids)[KH_AMQP_NAME_MAX + 1] = realloc(l->held_ids, waiting * sizeof *ids);
    if (ids)
        l->held_ids = ids;
    if (!held || !ids)
        return;     /* then they are published again: at least once */
    for (size_t i = 0; i < batch->count; i++) {
        const kh_amqp_confirm *e = &batch->entries[i];
        if (!kh_amqp_confirm_waiting(e))
            continue;
        size_t k = l->held_count++;
        l->held[k] = *e;
        snprintf(l->held_ids[k], sizeof l->held_ids[k], "%s", e->message_id);
        l->held[k].message_id = l->held_ids[k];
    }
}

/* A message of the batch published before and held since: it takes over
 * that publish (its tag and what came for it) instead of being published
 * again. */
static void take_over_held(link *l, kh_amqp_confirm *e)
{
    for (size_t k = 0; k < l->held_count; k++)
        if (l->held[k].tag && !strcmp(l->held_ids[k], e->message_id)) {
            const char *id = e->message_id;
            *e = l->held[k];
            e->message_id = id;
            l->held[k].tag = 0;
            return;
        }
}

/* Before publishing on a link that was idle: reads what came meanwhile
 * (heartbeats, blocked, a close, the confirms of held publishes) without
 * waiting. 0 when it still works. */
static int check_idle_link(link *l, char *err, size_t errlen)
{
    kh_amqp_confirms held = { l->held, l->held_count };
    frame_reader r = { &held, false, false, "" };
    if (read_frames_until(l, &r, never, monotonic_ms()) < 0) {
        snprintf(err, errlen, "%s", r.broken_why);
        drop_connection(l, r.politely);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ publishing */

/* An open link, opening it when needed (not before its backoff passed). */
static int ensure_open(link *l, const kh_destination *d, char *err, size_t errlen)
{
    char why[300];
    if (l->connection && check_idle_link(l, why, sizeof why) != 0)
        kh_log("error", "amqp-connection-lost", NULL, why);
    if (l->connection)
        return 0;
    int64_t now = monotonic_ms();
    if (now < l->next_open_ms) {
        snprintf(err, errlen, "%s (next connection attempt in %lld ms)", l->last_error,
            (long long)(l->next_open_ms - now));
        return -1;
    }
    if (open_link(l, d, l->last_error, sizeof l->last_error) != 0) {
        kh_amqp_link_report("destination", d->name, l->broker, false, l->last_error);
        l->failed_opens++;
        l->next_open_ms = monotonic_ms() + kh_backoff_ms(l->failed_opens, d->backoff_ms, d->backoff_max_ms);
        if (l->failed_opens == 1)
            kh_log("error", "amqp-connect-failed", NULL, l->last_error);
        snprintf(err, errlen, "%s", l->last_error);
        return -1;
    }
    if (l->failed_opens)
        snprintf(why, sizeof why, "%s (destination %s) after %u failed attempts", l->broker, d->name, l->failed_opens);
    else
        snprintf(why, sizeof why, "%s (destination %s)", l->broker, d->name);
    kh_log("info", "amqp-connected", NULL, why);
    kh_amqp_link_report("destination", d->name, l->broker, true, "publishing with confirms");
    l->failed_opens = 0;
    l->next_open_ms = 0;
    return 0;
}

/* A property that AMQP carries as a short string (at most 255 bytes). */
static bool fits_short_string(const char *s)
{
    return !s || strlen(s) <= KH_AMQP_NAME_MAX;
}

/* Checks what a message can be published as; its routing key into key.
 * false with the item refused when it can never be published. */
static bool publishable(const kh_destination *d, kh_batch_item *item, char *key, size_t keylen)
{
    static const kh_outgoing_facts nothing_known = { .partner = NULL };
    const kh_outgoing *m = item->message;
    const kh_outgoing_facts *facts = item->facts ? item->facts : &nothing_known;
    const char *content_type = m->content_type ? m->content_type : "application/octet-stream";
    if (!m->message_id || !*m->message_id || !fits_short_string(m->message_id) || !fits_short_string(content_type)
        || !fits_short_string(m->family) || (!m->data && m->size)) {
        item->result = KH_DELIVERY_REFUSED;
        snprintf(item->err, sizeof item->err,
                 "destination %s: the message id, family or content type cannot be an AMQP property", d->name);
        return false;
    }
    kh_routing_facts routing = { m->family, facts->type, facts->office, facts->partner };
    if (kh_routing_key_expand(d->routing_key ? d->routing_key : "{family}", &routing, key, keylen) != 0) {
        item->result = KH_DELIVERY_REFUSED;
        snprintf(item->err, sizeof item->err,
                 "destination %s: routing key %s gives a key longer than %d bytes for this message", d->name,
                 d->routing_key, KH_AMQP_NAME_MAX);
        return false;
    }
    return true;
}

/* basic.publish of one message: mandatory, persistent, with its id,
 * family, headers and a timestamp. An AMQP status. */
static int publish_one(link *l, const kh_destination *d, const kh_batch_item *item, const char *routing_key)
{
    static const kh_outgoing_facts nothing_known = { .partner = NULL };
    const kh_outgoing *m = item->message;
    const kh_outgoing_facts *facts = item->facts ? item->facts : &nothing_known;
    amqp_table_entry_t headers[10];
    int nheaders = 0;
    if (m->family)
        headers[nheaders++] = text_entry("x-khaalga-family", m->family);
    if (facts->partner)
        headers[nheaders++] = text_entry("x-khaalga-partner", facts->partner);
    if (facts->type)
        headers[nheaders++] = text_entry("x-khaalga-type", facts->type);
    if (facts->office)
        headers[nheaders++] = text_entry("x-khaalga-office", facts->office);
    if (facts->format)
        headers[nheaders++] = text_entry("x-khaalga-source-format", facts->format);
    if (facts->wco_version)
        headers[nheaders++] = text_entry("x-khaalga-wco-version", facts->wco_version);
    if (facts->digest) {
        headers[nheaders++] = text_entry("x-khaalga-signature", facts->signer ? "verified" : "none");
        if (facts->signer)
            headers[nheaders++] = text_entry("x-khaalga-signer", facts->signer);
        headers[nheaders++] = text_entry("x-khaalga-original-sha256", facts->digest);
    }

    amqp_basic_properties_t properties;
    memset(&properties, 0, sizeof properties);
    properties._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG
                      | AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_APP_ID_FLAG | AMQP_BASIC_HEADERS_FLAG;
    properties.content_type = amqp_cstring_bytes(m->content_type ? m->content_type : "application/octet-stream");
    properties.delivery_mode = AMQP_DELIVERY_PERSISTENT;
    properties.message_id = amqp_cstring_bytes(m->message_id);
    properties.timestamp = (uint64_t)time(NULL);
    properties.app_id = amqp_cstring_bytes("khaalga");
    properties.headers.num_entries = nheaders;
    properties.headers.entries = headers;
    if (m->family) {
        properties._flags |= AMQP_BASIC_TYPE_FLAG;
        properties.type = amqp_cstring_bytes(m->family);
    }
    /* an answer names this message by its correlation_id; with reply_to
     * the consumer answers to that queue */
    properties._flags |= AMQP_BASIC_CORRELATION_ID_FLAG;
    properties.correlation_id = amqp_cstring_bytes(m->message_id);
    if (d->reply_to) {
        properties._flags |= AMQP_BASIC_REPLY_TO_FLAG;
        properties.reply_to = amqp_cstring_bytes(d->reply_to);
    }
    amqp_bytes_t body = { m->size, (void *)m->data };
    return amqp_basic_publish(l->connection, CHANNEL, amqp_cstring_bytes(d->exchange),
                              amqp_cstring_bytes(routing_key), 1, 0, &properties, body);
}

/* The messages of the batch that have no result yet get this one. */
static void conclude_rest(kh_batch_item *items, const bool *concluded, size_t n, kh_delivery_result result,
                          const char *why)
{
    for (size_t i = 0; i < n; i++)
        if (!concluded[i]) {
            items[i].result = result;
            snprintf(items[i].err, sizeof items[i].err, "%s", why);
        }
}

/* The result of a publish whose confirm came (or did not). */
static void conclude_confirmed(const link *l, kh_batch_item *item, const kh_amqp_confirm *e)
{
    if (e->nacked) {
        item->result = KH_DELIVERY_RETRY;
        snprintf(item->err, sizeof item->err,
                 "%s: the broker refused the message (basic.nack): a queue is full or unavailable", l->broker);
    } else if (e->returned) {
        /* the binding may come (a consumer declares its queue at its start,
         * an operator adds one): tried again, then the dead letter */
        item->result = KH_DELIVERY_RETRY;
        snprintf(item->err, sizeof item->err, "%s: %s", l->broker, e->returned_why);
    } else {
        item->result = KH_DELIVERED;
        item->err[0] = '\0';
    }
}

/* Publishes what needs publishing and waits for the confirms. On return
 * every message of the batch has its result. entries[i] is the publish of
 * items[i]; to_publish[i] says it is to be published (not refused, not
 * taken over from a held publish); concluded[i] that it has its result. */
static void publish_and_confirm(link *l, const kh_destination *d, kh_batch_item *items, size_t n,
                                kh_amqp_confirm *entries, char (*keys)[KH_AMQP_NAME_MAX + 1],
                                const bool *to_publish, bool *concluded)
{
    kh_amqp_confirms batch = { entries, n };
    frame_reader r = { &batch, false, false, "" };
    char why[512];
    for (size_t i = 0; i < n; i++) {
        if (!to_publish[i])
            continue;
        if (l->blocked) {
            /* a memory or disk alarm on the broker: wait for it to pass, bounded */
            int rc = read_frames_until(l, &r, unblocked, monotonic_ms() + d->timeout_ms);
            if (rc < 0)
                goto broken;
            if (rc > 0) {
                snprintf(why, sizeof why, "%s: the broker blocks publishers (%s) for more than %u ms", l->broker,
                         l->blocked_reason, d->timeout_ms);
                /* what was confirmed meanwhile keeps its confirm; the rest
                 * waits, and what was published is held */
                for (size_t k = 0; k < n; k++)
                    if (!concluded[k] && entries[k].tag && !kh_amqp_confirm_waiting(&entries[k])) {
                        conclude_confirmed(l, &items[k], &entries[k]);
                        concluded[k] = true;
                    }
                conclude_rest(items, concluded, n, KH_DELIVERY_RETRY, why);
                hold_unconfirmed(l, &batch);
                return;
            }
        }
        uint64_t tag = l->next_delivery_tag++;
        int status = publish_one(l, d, &items[i], keys[i]);
        if (status != AMQP_STATUS_OK) {
            snprintf(r.broken_why, sizeof r.broken_why, "%s: publish: %s", l->broker, amqp_error_string2(status));
            r.politely = false;
            goto broken;
        }
        entries[i].tag = tag;
        /* what came meanwhile: confirms, connection.blocked, a close */
        if (read_frames_until(l, &r, never, monotonic_ms()) < 0)
            goto broken;
    }

    int rc = read_frames_until(l, &r, all_settled, monotonic_ms() + d->timeout_ms);
    if (rc < 0)
        goto broken;
    for (size_t i = 0; i < n; i++)
        if (!concluded[i] && !kh_amqp_confirm_waiting(&entries[i])) {
            conclude_confirmed(l, &items[i], &entries[i]);
            concluded[i] = true;
        }
    if (rc > 0) {
        snprintf(why, sizeof why, "%s: no confirm from the broker within %u ms%s%s%s", l->broker, d->timeout_ms,
                 l->blocked ? " (it blocks publishers: " : "", l->blocked ? l->blocked_reason : "",
                 l->blocked ? ")" : "");
        if (l->blocked) {
            /* the connection is sound, the broker holds the messages back:
             * their next attempts wait for these confirms rather than
             * publishing copies each time while the alarm lasts */
            hold_unconfirmed(l, &batch);
        } else {
            /* the broker may still take them: delivering them again is
             * harmless (at least once); a fresh connection starts a clean
             * count of tags */
            drop_connection(l, false);
        }
        conclude_rest(items, concluded, n, KH_DELIVERY_RETRY, why);
    }
    return;

broken:
    /* what was confirmed before keeps its result; the rest is tried again */
    for (size_t i = 0; i < n; i++)
        if (!concluded[i] && entries[i].tag && !kh_amqp_confirm_waiting(&entries[i])) {
            conclude_confirmed(l, &items[i], &entries[i]);
            concluded[i] = true;
        }
    conclude_rest(items, concluded, n, KH_DELIVERY_RETRY, r.broken_why);
    drop_connection(l, r.politely);
}

void kh_amqp_publish_batch(const kh_destination *d, kh_batch_item *items, size_t n)
{
    if (n == 0)
        return;
    kh_amqp_confirm *entries = calloc(n, sizeof *entries);
    char (*keys)[KH_AMQP_NAME_MAX + 1] = malloc(n * sizeof *keys);
    bool *to_publish = calloc(n, sizeof *to_publish), *concluded = calloc(n, sizeof *concluded);
    char why[512];
    if (!entries || !keys || !to_publish || !concluded) {
        for (size_t i = 0; i < n; i++) {
            items[i].result = KH_DELIVERY_RETRY;
            snprintf(items[i].err, sizeof items[i].err, "destination %s: out of memory", d->name);
        }
        goto out;
    }

    size_t publishable_count = 0;
    for (size_t i = 0; i < n; i++) {
        items[i].err[0] = '\0';
        if (publishable(d, &items[i], keys[i], sizeof keys[i])) {
            entries[i].message_id = items[i].message->message_id;
            publishable_count++;
        } else {
            concluded[i] = true;
        }
    }
    if (!publishable_count)
        goto out;

    link *l = link_for(d);
    if (!l) {
        snprintf(why, sizeof why, "destination %s: out of memory", d->name);
        conclude_rest(items, concluded, n, KH_DELIVERY_RETRY, why);
        goto out;
    }
    if (ensure_open(l, d, why, sizeof why) != 0) {
        conclude_rest(items, concluded, n, KH_DELIVERY_RETRY, why);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (concluded[i])
            continue;
        take_over_held(l, &entries[i]);
        to_publish[i] = !entries[i].tag;
    }
    l->held_count = 0;      /* held publishes of messages not in this batch are forgotten */
    publish_and_confirm(l, d, items, n, entries, keys, to_publish, concluded);
out:
    free(entries);
    free(keys);
    free(to_publish);
    free(concluded);
}

kh_delivery_result kh_amqp_publish(const kh_destination *d, const kh_outgoing *m, const kh_outgoing_facts *facts,
                                   char *err, size_t errlen)
{
    kh_batch_item item = { m, facts, KH_DELIVERY_RETRY, "" };
    kh_amqp_publish_batch(d, &item, 1);
    if (err && errlen)
        snprintf(err, errlen, "%s", item.err);
    return item.result;
}
