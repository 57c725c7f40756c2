/*
 * consumer.c - consuming a RabbitMQ queue with rabbitmq-c 0.11.
 *
 * The thread's loop: connect when not connected (TCP or TLS with the
 * broker verified, login with heartbeats, the queue declared a durable
 * quorum queue when it is missing, basic.qos with the prefetch,
 * basic.consume with manual acknowledgements); then wait for a delivery at
 * most WAIT_MS at a time (amqp_consume_message also sends and checks the
 * heartbeats), so that a stop is seen within that. Each delivery goes
 * through kh_process as channel "amqp" from the consumer's partner:
 *
 *   journaled (accepted, rejected, duplicate, failed)  ->  basic.ack
 *   not journaled (the journal is unavailable)         ->  basic.nack, requeue
 *
 * so an acknowledged message is always in the journal, and a message the
 * pipeline refuses is journaled as such and not delivered again and again.
 * Any error of the connection drops it; the next one is tried after a
 * backoff (BACKOFF_MS doubling up to BACKOFF_MAX_MS, with jitter) that a
 * stop interrupts. A reload that changes the consumer's settings reconnects.
 */
#include "amqp/consumer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <amqp.h>

#include "amqp/broker.h"
#include "amqp/links.h"
#include "delivery/deliver.h"
#include "pipeline/pipeline.h"
#include "util/log.h"

enum {
    FIRST_CHANNEL = 1,
    HEARTBEAT_S = 15,
    WAIT_MS = 500,              /* the longest a stop waits for the loop */
    CONNECT_TIMEOUT_MS = 5000,  /* to connect, and for each RPC */
    BACKOFF_MS = 250,
    BACKOFF_MAX_MS = 5000
};

struct kh_amqp_consumer {
    pthread_t               thread;
    pthread_mutex_t         lock;
    pthread_cond_t          wake;
    bool                    stopping;
    char                   *name;
    kh_worker              *worker;
    kh_gateway_slot        *slot;
    void                  (*routed)(void *ctx);
    void                   *ctx;
    amqp_connection_state_t connection;     /* NULL: not connected */
    amqp_channel_t          channel;
    char                   *settings;       /* what the connection was opened with */
    char                    broker[300];    /* "amqp://host:port vhost V": no password */
    unsigned                failed_opens;   /* in a row, for the backoff */
};

/* ------------------------------------------------------------ small helpers */

/* Waits ms unless stopped; true when stopping. */
static bool pause_unless_stopped(kh_amqp_consumer *k, unsigned ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec += 1;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&k->lock);
    while (!k->stopping && pthread_cond_timedwait(&k->wake, &k->lock, &until) == 0)
        ;
    bool stopping = k->stopping;
    pthread_mutex_unlock(&k->lock);
    return stopping;
}

static bool stopping(kh_amqp_consumer *k)
{
    pthread_mutex_lock(&k->lock);
    bool s = k->stopping;
    pthread_mutex_unlock(&k->lock);
    return s;
}

/* Everything the connection depends on, as one string to compare. */
static char *settings_of(const kh_consumer *c)
{
    size_t size = strlen(c->url) + strlen(c->queue) + strlen(c->from) + (c->tls_ca ? strlen(c->tls_ca) : 0) + 32;
    char *s = malloc(size);
    if (s)
        snprintf(s, size, "%s|%s|%s|%s|%u|%d", c->url, c->queue, c->from, c->tls_ca ? c->tls_ca : "", c->prefetch,
                 c->single_active);
    return s;
}

/* The result of the last RPC; 0, or -1 with err "broker: what: why".
 * *code: the reply code of a channel close (404 …), 0 otherwise. */
static int rpc_ok(kh_amqp_consumer *k, const char *what, int *code, char *err, size_t errlen)
{
    amqp_rpc_reply_t reply = amqp_get_rpc_reply(k->connection);
    if (code)
        *code = kh_amqp_channel_close_code(reply);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL)
        return 0;
    char why[256];
    kh_amqp_describe_reply(reply, why, sizeof why);
    snprintf(err, errlen, "%s: %s: %s", k->broker, what, why);
    return -1;
}

/* ------------------------------------------------------------ the connection */

static void drop_connection(kh_amqp_consumer *k, bool politely)
{
    if (!k->connection)
        return;
    if (politely) {
        amqp_channel_close(k->connection, k->channel, AMQP_REPLY_SUCCESS);
        amqp_connection_close(k->connection, AMQP_REPLY_SUCCESS);
    }
    amqp_destroy_connection(k->connection);
    k->connection = NULL;
}

/* The queue, declared a durable quorum queue when it is missing. A passive
 * declaration first, so that a queue CAIS declared with its own arguments
 * is taken as it is; the 404 of a missing one closes the channel, and the
 * declaration is made on the next. */
static int ensure_queue(kh_amqp_consumer *k, const kh_consumer *c, char *err, size_t errlen)
{
    char what[320];
    int code = 0;
    snprintf(what, sizeof what, "look for queue %s", c->queue);
    amqp_queue_declare(k->connection, k->channel, amqp_cstring_bytes(c->queue), 1, 0, 0, 0, amqp_empty_table);
    if (rpc_ok(k, what, &code, err, errlen) == 0)
        return 0;
    if (code != 404)
        return -1;
    amqp_channel_close_ok_t close_ok = { 0 };
    if (amqp_send_method(k->connection, k->channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &close_ok) != AMQP_STATUS_OK) {
        snprintf(err, errlen, "%s: %s: the connection failed", k->broker, what);
        return -1;
    }
    k->channel++;
    amqp_channel_open(k->connection, k->channel);
    if (rpc_ok(k, "open channel", NULL, err, errlen) != 0)
        return -1;
    amqp_table_entry_t quorum[] = {
        { amqp_cstring_bytes("x-queue-type"), { AMQP_FIELD_KIND_UTF8, { .bytes = amqp_cstring_bytes("quorum") } } },
        { amqp_cstring_bytes("x-single-active-consumer"), { AMQP_FIELD_KIND_BOOLEAN, { .boolean = 1 } } },
    };
    amqp_table_t arguments = { c->single_active ? 2 : 1, quorum };
    snprintf(what, sizeof what, "declare queue %s", c->queue);
    amqp_queue_declare(k->connection, k->channel, amqp_cstring_bytes(c->queue), 0, 1, 0, 0, arguments);
    return rpc_ok(k, what, NULL, err, errlen);
}

/* Connects, logs in, finds or declares the queue and starts consuming.
 * 0, or -1 with err (and no connection). */
static int open_connection(kh_amqp_consumer *k, const kh_consumer *c, char *err, size_t errlen)
{
    char connection_name[200];
    snprintf(connection_name, sizeof connection_name, "khaalga consumer %s", c->name);
    k->channel = FIRST_CHANNEL;
    k->connection = kh_amqp_open(c->url, c->tls_ca, connection_name, HEARTBEAT_S, CONNECT_TIMEOUT_MS, k->channel,
                                 k->broker, sizeof k->broker, err, errlen);
    if (!k->connection)
        return -1;
    if (ensure_queue(k, c, err, errlen) != 0)
        goto failed;
    amqp_basic_qos(k->connection, k->channel, 0, (uint16_t)c->prefetch, 0);
    if (rpc_ok(k, "basic.qos", NULL, err, errlen) != 0)
        goto failed;
    amqp_basic_consume(k->connection, k->channel, amqp_cstring_bytes(c->queue), amqp_empty_bytes, 0, 0, 0,
                       amqp_empty_table);
    if (rpc_ok(k, "basic.consume", NULL, err, errlen) != 0)
        goto failed;
    return 0;
failed:
    amqp_destroy_connection(k->connection);
    k->connection = NULL;
    return -1;
}

/* Connects for c unless connected with the same settings; false when
 * there is no connection (after a backoff that a stop interrupts). */
static bool connected(kh_amqp_consumer *k, const kh_consumer *c)
{
    char *settings = settings_of(c);
    if (!settings)
        return false;
    if (k->connection && k->settings && strcmp(settings, k->settings) == 0) {
        free(settings);
        return true;
    }
    drop_connection(k, true);
    free(k->settings);
    k->settings = settings;
    char err[600] = "", detail[800];
    if (open_connection(k, c, err, sizeof err) == 0) {
        k->failed_opens = 0;
        snprintf(detail, sizeof detail, "consumer %s: %s, queue %s, prefetch %u", c->name, k->broker, c->queue,
                 c->prefetch);
        kh_log("info", "amqp-consuming", NULL, detail);
        kh_amqp_link_report("consumer", c->name, k->broker, true, detail);
        return true;
    }
    k->failed_opens++;
    snprintf(detail, sizeof detail, "consumer %s (attempt %u): %s", c->name, k->failed_opens, err);
    kh_log("error", "amqp-consumer-down", NULL, detail);
    kh_amqp_link_report("consumer", c->name, k->broker, false, err);
    pause_unless_stopped(k, kh_backoff_ms(k->failed_opens, BACKOFF_MS, BACKOFF_MAX_MS));
    return false;
}

/* ------------------------------------------------------------ messages */

/* One delivery through the pipeline; acked once journaled, nacked (back
 * to the queue) when the journal could not take it. -1 when the
 * connection failed. */
static int take(kh_amqp_consumer *k, const kh_gateway *g, const kh_consumer *c, const amqp_envelope_t *e)
{
    const amqp_basic_properties_t *p = &e->message.properties;
    char content_type[128] = "";
    if (p->_flags & AMQP_BASIC_CONTENT_TYPE_FLAG)
        kh_amqp_copy_text(content_type, sizeof content_type, p->content_type);
    char correlation_id[128] = "";
    if (p->_flags & AMQP_BASIC_CORRELATION_ID_FLAG)
        kh_amqp_copy_text(correlation_id, sizeof correlation_id, p->correlation_id);
    kh_received m = { .channel = "amqp", .content_type = content_type[0] ? content_type : NULL,
                      .raw = e->message.body.len ? e->message.body.bytes : "", .size = e->message.body.len,
                      .answer_by_reply = true, .correlation_id = correlation_id[0] ? correlation_id : NULL };
    kh_outcome o;
    kh_verdict verdict = kh_process(k->worker, g, &m, c->from, &o);
    int status;
    if (verdict == KH_TEMPORARY) {
        status = amqp_basic_nack(k->connection, k->channel, e->delivery_tag, 0, 1);
        char detail[200];
        snprintf(detail, sizeof detail, "consumer %s: the journal could not take a message: back to queue %s",
                 c->name, c->queue);
        kh_log("error", "amqp-nacked", NULL, detail);
    } else {
        status = amqp_basic_ack(k->connection, k->channel, e->delivery_tag, 0);
        if (verdict == KH_ACCEPTED && k->routed)
            k->routed(k->ctx);
    }
    if (status != AMQP_STATUS_OK) {
        /* journaled but not acknowledged: the broker delivers it again, and
         * it is then journaled as a duplicate and acknowledged */
        char detail[400];
        snprintf(detail, sizeof detail, "consumer %s: %s: %s %s", c->name, k->broker,
                 verdict == KH_TEMPORARY ? "basic.nack" : "basic.ack", amqp_error_string2(status));
        kh_log("error", "amqp-consumer-down", o.id[0] ? o.id : NULL, detail);
    }
    kh_outcome_free(&o);
    if (status != AMQP_STATUS_OK)
        return -1;
    if (verdict == KH_TEMPORARY)
        pause_unless_stopped(k, BACKOFF_MAX_MS);    /* give the journal time before the message comes again */
    return 0;
}

/* A frame that is not a delivery: the broker closing the channel or the
 * connection, or cancelling the consumer (its queue deleted), ends the
 * connection; anything else is skipped. -1 when the connection ends. */
static int other_frame(kh_amqp_consumer *k, const kh_consumer *c, char *why, size_t whylen)
{
    amqp_frame_t frame;
    struct timeval none = { 0, 0 };
    int status = amqp_simple_wait_frame_noblock(k->connection, &frame, &none);
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
        snprintf(why, whylen, "the broker closed the channel");
        return -1;
    case AMQP_CONNECTION_CLOSE_METHOD:
        snprintf(why, whylen, "the broker closed the connection");
        return -1;
    case AMQP_BASIC_CANCEL_METHOD:
        snprintf(why, whylen, "the broker cancelled the consumer of queue %s", c->queue);
        return -1;
    default:
        return 0;
    }
}

/* Waits up to WAIT_MS for one delivery and takes it. -1 when the
 * connection failed. */
static int consume_one(kh_amqp_consumer *k, const kh_gateway *g, const kh_consumer *c)
{
    amqp_maybe_release_buffers(k->connection);
    amqp_envelope_t e;
    struct timeval wait = { WAIT_MS / 1000, (WAIT_MS % 1000) * 1000 };
    amqp_rpc_reply_t reply = amqp_consume_message(k->connection, &e, &wait, 0);
    char why[300] = "";
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) {
        int rc = take(k, g, c, &e);
        amqp_destroy_envelope(&e);
        return rc;
    }
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT)
        return 0;
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
        if (other_frame(k, c, why, sizeof why) == 0)
            return 0;
    } else if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
        snprintf(why, sizeof why, "%s", amqp_error_string2(reply.library_error));
    } else {
        snprintf(why, sizeof why, "the broker answered unexpectedly");
    }
    char detail[700];
    snprintf(detail, sizeof detail, "consumer %s: %s: %s", c->name, k->broker, why);
    kh_log("error", "amqp-consumer-down", NULL, detail);
    kh_amqp_link_report("consumer", c->name, k->broker, false, why);
    return -1;
}

static void *loop(void *arg)
{
    kh_amqp_consumer *k = arg;
    while (!stopping(k)) {
        const kh_gateway *g = kh_gateway_acquire(k->slot);
        const kh_consumer *c = kh_config_consumer(g->config, k->name);
        if (!c) {
            /* a reload removed it: nothing to consume until one brings it back */
            drop_connection(k, true);
            kh_gateway_release(k->slot, g);
            pause_unless_stopped(k, WAIT_MS);
            continue;
        }
        if (connected(k, c) && consume_one(k, g, c) != 0)
            drop_connection(k, false);
        kh_gateway_release(k->slot, g);
    }
    drop_connection(k, true);
    return NULL;
}

kh_amqp_consumer *kh_amqp_consumer_start(const char *name, const char *journal_path, kh_gateway_slot *slot,
                                         void (*routed)(void *ctx), void *ctx, char *err, size_t errlen)
{
    kh_amqp_consumer *k = calloc(1, sizeof *k);
    if (!k || !(k->name = strdup(name))) {
        free(k);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    k->slot = slot;
    k->routed = routed;
    k->ctx = ctx;
    k->worker = kh_worker_new(journal_path, err, errlen);
    if (!k->worker) {
        free(k->name);
        free(k);
        return NULL;
    }
    pthread_mutex_init(&k->lock, NULL);
    pthread_cond_init(&k->wake, NULL);
    if (pthread_create(&k->thread, NULL, loop, k) != 0) {
        snprintf(err, errlen, "the consumer thread cannot be started");
        kh_worker_free(k->worker);
        pthread_mutex_destroy(&k->lock);
        pthread_cond_destroy(&k->wake);
        free(k->name);
        free(k);
        return NULL;
    }
    return k;
}

void kh_amqp_consumer_stop(kh_amqp_consumer *k)
{
    if (!k)
        return;
    pthread_mutex_lock(&k->lock);
    k->stopping = true;
    pthread_cond_signal(&k->wake);
    pthread_mutex_unlock(&k->lock);
    pthread_join(k->thread, NULL);
    kh_worker_free(k->worker);
    pthread_mutex_destroy(&k->lock);
    pthread_cond_destroy(&k->wake);
    free(k->settings);
    free(k->name);
    free(k);
}
