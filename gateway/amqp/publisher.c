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
 * Publishing: basic.publish, mandatory and persistent, then frames are
 * read (amqp_simple_wait_frame_noblock, which also sends and checks
 * heartbeats) until the basic.ack or basic.nack of its delivery tag, up to
 * the destination's timeout. A basic.return before the ack means no queue
 * took the message: not delivered. connection.blocked holds publishing
 * until connection.unblocked, within the same timeout; a publish still
 * unconfirmed when the broker blocks is remembered, and the next attempt
 * of that message waits for its confirm instead of publishing a copy each
 * time while the alarm lasts. A channel or connection close, or no confirm
 * from a broker that does not block, drops the link; the next message
 * opens a new one.
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
    uint64_t                unconfirmed_tag;    /* published while blocked, not yet confirmed (0: none) */
    char                    unconfirmed_id[KH_AMQP_NAME_MAX + 1];   /* its message id */
    bool                    unconfirmed_acked, unconfirmed_nacked;   /* what came for it meanwhile */
    bool                    unconfirmed_returned;   /* and it came back unroutable */
    char                    unconfirmed_returned_why[200];
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
    if (politely)
        amqp_connection_close(l->connection, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(l->connection);
    l->connection = NULL;
    l->blocked = false;
    l->unconfirmed_tag = 0;
}

static void free_link(link *l)
{
    drop_connection(l, true);
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

/* What reading frames found, besides the confirm awaited. */
typedef struct confirm_wait {
    uint64_t    tag;            /* the delivery tag awaited; 0 when none */
    const char *message_id;     /* to recognize its basic.return */
    bool        acked, nacked, returned;
    char        returned_why[200];
    bool        broken;         /* the link cannot be used any more */
    bool        politely;       /* and may still be closed politely */
    char        broken_why[300];
} confirm_wait;

/* basic.ack / basic.nack: does it settle the tag awaited? */
static bool settles(uint64_t delivery_tag, bool multiple, uint64_t awaited)
{
    return awaited && (delivery_tag == awaited || (multiple && delivery_tag >= awaited));
}

/* One frame read from the broker: confirms, returns, flow control and
 * closes. Stray frames (heartbeats, the content of nothing) are skipped. */
static void handle_frame(link *l, const amqp_frame_t *frame, confirm_wait *w)
{
    char text[200];
    if (frame->frame_type != AMQP_FRAME_METHOD)
        return;
    switch (frame->payload.method.id) {
    case AMQP_BASIC_ACK_METHOD: {
        const amqp_basic_ack_t *ack = frame->payload.method.decoded;
        if (settles(ack->delivery_tag, ack->multiple, w->tag))
            w->acked = true;
        break;
    }
    case AMQP_BASIC_NACK_METHOD: {
        const amqp_basic_nack_t *nack = frame->payload.method.decoded;
        if (settles(nack->delivery_tag, nack->multiple, w->tag))
            w->nacked = true;
        break;
    }
    case AMQP_BASIC_RETURN_METHOD: {
        /* an unroutable mandatory publish: its header and body follow */
        const amqp_basic_return_t *r = frame->payload.method.decoded;
        char routing_key[KH_AMQP_NAME_MAX + 1], exchange[KH_AMQP_NAME_MAX + 1];
        kh_amqp_copy_text(text, sizeof text, r->reply_text);
        kh_amqp_copy_text(routing_key, sizeof routing_key, r->routing_key);
        kh_amqp_copy_text(exchange, sizeof exchange, r->exchange);
        unsigned code = r->reply_code;
        amqp_message_t message;
        amqp_rpc_reply_t reply = amqp_read_message(l->connection, frame->channel, &message, 0);
        if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
            kh_amqp_describe_reply(reply, text, sizeof text);
            w->broken = true;
            snprintf(w->broken_why, sizeof w->broken_why, "%s: reading a returned message: %s", l->broker, text);
            break;
        }
        bool ours = w->tag && w->message_id
            && (message.properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG)
            && message.properties.message_id.len == strlen(w->message_id)
            && !memcmp(message.properties.message_id.bytes, w->message_id, message.properties.message_id.len);
        amqp_destroy_message(&message);
        if (ours) {
            w->returned = true;
            snprintf(w->returned_why, sizeof w->returned_why,
                     "unroutable: no queue bound for routing key \"%s\" on exchange %s (%u %s)",
                     routing_key, exchange, code, text);
        }
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
        snprintf(w->broken_why, sizeof w->broken_why, "%s: the broker closed the channel: %u %s",
                 l->broker, close->reply_code, text);
        amqp_channel_close_ok_t ok = { 0 };
        amqp_send_method(l->connection, frame->channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
        w->broken = true;
        w->politely = true;     /* the connection itself still works */
        break;
    }
    case AMQP_CONNECTION_CLOSE_METHOD: {
        const amqp_connection_close_t *close = frame->payload.method.decoded;
        kh_amqp_copy_text(text, sizeof text, close->reply_text);
        snprintf(w->broken_why, sizeof w->broken_why, "%s: the broker closed the connection: %u %s",
                 l->broker, close->reply_code, text);
        amqp_connection_close_ok_t ok = { 0 };
        amqp_send_method(l->connection, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
        w->broken = true;
        break;
    }
    default:
        break;
    }
}

/* Reads frames until done(w, l) or until deadline_ms (monotonic). Returns
 * 0 when done, 1 at the deadline, -1 when the link broke. */
static int read_frames_until(link *l, confirm_wait *w, bool (*done)(const link *, const confirm_wait *),
                             int64_t deadline_ms)
{
    while (!done(l, w)) {
        struct timeval wait = timeval_of_ms(deadline_ms - monotonic_ms());
        amqp_frame_t frame;
        amqp_maybe_release_buffers(l->connection);
        int status = amqp_simple_wait_frame_noblock(l->connection, &frame, &wait);
        if (status == AMQP_STATUS_TIMEOUT)
            return 1;
        if (status != AMQP_STATUS_OK) {
            w->broken = true;
            snprintf(w->broken_why, sizeof w->broken_why, "%s: connection lost: %s", l->broker,
                     amqp_error_string2(status));
            return -1;
        }
        handle_frame(l, &frame, w);
        if (w->broken)
            return -1;
    }
    return 0;
}

static bool never(const link *l, const confirm_wait *w)
{
    (void)l, (void)w;
    return false;
}

static bool unblocked(const link *l, const confirm_wait *w)
{
    (void)w;
    return !l->blocked;
}

static bool settled(const link *l, const confirm_wait *w)
{
    (void)l;
    return w->acked || w->nacked;
}

/* Before a publish on a link that was idle: reads what came meanwhile
 * (heartbeats, blocked, a close) without waiting. 0 when it still works. */
static int check_idle_link(link *l, char *err, size_t errlen)
{
    confirm_wait w;
    memset(&w, 0, sizeof w);
    w.tag = l->unconfirmed_tag;        /* a publish held back by a blocked broker */
    w.message_id = l->unconfirmed_id;
    w.returned = l->unconfirmed_returned;
    snprintf(w.returned_why, sizeof w.returned_why, "%s", l->unconfirmed_returned_why);
    if (read_frames_until(l, &w, never, monotonic_ms()) < 0) {
        snprintf(err, errlen, "%s", w.broken_why);
        drop_connection(l, w.politely);
        return -1;
    }
    if (l->unconfirmed_tag) {
        l->unconfirmed_acked |= w.acked;
        l->unconfirmed_nacked |= w.nacked;
        l->unconfirmed_returned = w.returned;
        snprintf(l->unconfirmed_returned_why, sizeof l->unconfirmed_returned_why, "%s", w.returned_why);
    }
    return 0;
}

/* ------------------------------------------------------------ publishing */

/* A publish whose confirm did not come while the broker blocks publishers:
 * the next attempt of the same message waits for it. */
static void remember_unconfirmed(link *l, const confirm_wait *w)
{
    if (!w->tag)
        return;
    l->unconfirmed_tag = w->tag;
    snprintf(l->unconfirmed_id, sizeof l->unconfirmed_id, "%s", w->message_id);
    l->unconfirmed_acked = w->acked;
    l->unconfirmed_nacked = w->nacked;
    l->unconfirmed_returned = w->returned;
    snprintf(l->unconfirmed_returned_why, sizeof l->unconfirmed_returned_why, "%s", w->returned_why);
}

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
    l->failed_opens = 0;
    l->next_open_ms = 0;
    return 0;
}

/* A property that AMQP carries as a short string (at most 255 bytes). */
static bool fits_short_string(const char *s)
{
    return !s || strlen(s) <= KH_AMQP_NAME_MAX;
}

kh_delivery_result kh_amqp_publish(const kh_destination *d, const kh_outgoing *m, const kh_outgoing_facts *facts,
                                   char *err, size_t errlen)
{
    static const kh_outgoing_facts nothing_known = { NULL, NULL, NULL };
    if (!facts)
        facts = &nothing_known;
    if (err && errlen)
        err[0] = '\0';
    const char *content_type = m->content_type ? m->content_type : "application/octet-stream";
    if (!m->message_id || !*m->message_id || !fits_short_string(m->message_id) || !fits_short_string(content_type)
        || !fits_short_string(m->family) || (!m->data && m->size)) {
        snprintf(err, errlen, "destination %s: the message id, family or content type cannot be an AMQP property", d->name);
        return KH_DELIVERY_REFUSED;
    }
    kh_routing_facts routing = { m->family, facts->type, facts->office, facts->partner };
    char routing_key[KH_AMQP_NAME_MAX + 1];
    if (kh_routing_key_expand(d->routing_key ? d->routing_key : "{family}", &routing, routing_key,
                              sizeof routing_key) != 0) {
        snprintf(err, errlen, "destination %s: routing key %s gives a key longer than %d bytes for this message",
            d->name, d->routing_key, KH_AMQP_NAME_MAX);
        return KH_DELIVERY_REFUSED;
    }

    link *l = link_for(d);
    if (!l) {
        snprintf(err, errlen, "destination %s: out of memory", d->name);
        return KH_DELIVERY_RETRY;
    }
    if (ensure_open(l, d, err, errlen) != 0)
        return KH_DELIVERY_RETRY;

    int64_t deadline = monotonic_ms() + d->timeout_ms;
    confirm_wait w;
    memset(&w, 0, sizeof w);
    w.message_id = m->message_id;
    if (l->unconfirmed_tag && !strcmp(l->unconfirmed_id, m->message_id)) {
        /* published before, blocked since: its confirm may still come */
        w.tag = l->unconfirmed_tag;
        w.acked = l->unconfirmed_acked;
        w.nacked = l->unconfirmed_nacked;
        w.returned = l->unconfirmed_returned;
        snprintf(w.returned_why, sizeof w.returned_why, "%s", l->unconfirmed_returned_why);
    }
    l->unconfirmed_tag = 0;
    if (l->blocked && !w.acked && !w.nacked) {
        /* a memory or disk alarm on the broker: wait for it to pass, bounded */
        int rc = read_frames_until(l, &w, unblocked, deadline);
        if (rc < 0) {
            snprintf(err, errlen, "%s", w.broken_why);
            drop_connection(l, w.politely);
            return KH_DELIVERY_RETRY;
        }
        if (rc > 0) {
            snprintf(err, errlen, "%s: the broker blocks publishers (%s) for more than %u ms", l->broker,
                l->blocked_reason, d->timeout_ms);
            remember_unconfirmed(l, &w);
            return KH_DELIVERY_RETRY;
        }
    }

    amqp_table_entry_t headers[4];
    int nheaders = 0;
    if (m->family)
        headers[nheaders++] = text_entry("x-khaalga-family", m->family);
    if (facts->partner)
        headers[nheaders++] = text_entry("x-khaalga-partner", facts->partner);
    if (facts->type)
        headers[nheaders++] = text_entry("x-khaalga-type", facts->type);
    if (facts->office)
        headers[nheaders++] = text_entry("x-khaalga-office", facts->office);

    amqp_basic_properties_t properties;
    memset(&properties, 0, sizeof properties);
    properties._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG
                      | AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_APP_ID_FLAG | AMQP_BASIC_HEADERS_FLAG;
    properties.content_type = amqp_cstring_bytes(content_type);
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
    amqp_bytes_t body = { m->size, (void *)m->data };

    if (!w.tag && !w.acked && !w.nacked) {
        w.tag = l->next_delivery_tag++;
        int status = amqp_basic_publish(l->connection, CHANNEL, amqp_cstring_bytes(d->exchange),
                                        amqp_cstring_bytes(routing_key), 1, 0, &properties, body);
        if (status != AMQP_STATUS_OK) {
            snprintf(err, errlen, "%s: publish: %s", l->broker, amqp_error_string2(status));
            drop_connection(l, false);
            return KH_DELIVERY_RETRY;
        }
    }

    int rc = read_frames_until(l, &w, settled, deadline);
    if (rc < 0) {
        snprintf(err, errlen, "%s", w.broken_why);
        drop_connection(l, w.politely);
        return KH_DELIVERY_RETRY;
    }
    if (rc > 0) {
        snprintf(err, errlen, "%s: no confirm from the broker within %u ms%s%s%s", l->broker, d->timeout_ms,
            l->blocked ? " (it blocks publishers: " : "", l->blocked ? l->blocked_reason : "", l->blocked ? ")" : "");
        if (l->blocked) {
            /* the connection is sound, the broker holds the message back:
             * the next attempt waits for this confirm rather than
             * publishing a copy each time while the alarm lasts */
            remember_unconfirmed(l, &w);
        } else {
            /* the broker may still take it: delivering it again is harmless
             * (at least once); a fresh connection starts a clean count of tags */
            drop_connection(l, false);
        }
        return KH_DELIVERY_RETRY;
    }
    if (w.nacked) {
        snprintf(err, errlen, "%s: the broker refused the message (basic.nack): a queue is full or unavailable",
            l->broker);
        return KH_DELIVERY_RETRY;
    }
    if (w.returned) {
        /* the binding may come (a consumer declares its queue at its start,
         * an operator adds one): tried again, then the dead letter */
        snprintf(err, errlen, "%s: %s", l->broker, w.returned_why);
        return KH_DELIVERY_RETRY;
    }
    return KH_DELIVERED;
}
