/*
 * requester.c - questions to CAIS over AMQP, answered to the caller.
 *
 * Callers (HTTP threads) put a question on the list and wait on a
 * condition variable until it is answered or their timeout passes. The
 * requester's thread owns the connection: when not connected it connects
 * (backoff as the consumers do), declares the exchange and consumes the
 * broker's direct reply-to pseudo-queue (amq.rabbitmq.reply-to, no acks:
 * RabbitMQ hands the answer straight back on this channel); then, in a
 * loop, publishes the questions not yet published and waits POLL_MS for
 * an answer, matching it to its question by correlation_id. A question
 * that comes back as basic.return (no queue bound for its kind) fails at
 * once; a lost connection fails every question in flight. An answer that
 * comes after its caller gave up is dropped with a log line.
 *
 * Questions are published transient, with an expiration of the caller's
 * timeout, so that CAIS never answers a question nobody waits for any more.
 */
#include "amqp/requester.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <amqp.h>

#include "amqp/broker.h"
#include "amqp/links.h"
#include "delivery/deliver.h"
#include "util/log.h"

enum {
    CHANNEL = 1,
    HEARTBEAT_S = 30,
    POLL_MS = 10,               /* the longest a new question waits to be published */
    CONNECT_TIMEOUT_MS = 5000,
    BACKOFF_MS = 250,
    BACKOFF_MAX_MS = 5000,
    MAX_ANSWER = 16 << 20       /* answers larger than this are refused */
};
static const char DIRECT_REPLY_TO[] = "amq.rabbitmq.reply-to";

typedef enum question_state { WAITING, ANSWERED, FAILED } question_state;

typedef struct question {
    struct question *next;
    char             correlation_id[48];
    char             kind[40];
    char             partner[64];
    const char      *body;          /* the caller's, valid while it waits */
    size_t           size;
    unsigned         timeout_ms;
    bool             published;
    question_state   state;
    kh_ask_result    result;        /* when FAILED */
    char             why[300];
    char            *answer;
    size_t           answer_size;
    char             content_type[128];
} question;

struct kh_amqp_requester {
    pthread_t               thread;
    pthread_mutex_t         lock;
    pthread_cond_t          changed;        /* a question was answered or failed, or stop */
    bool                    stopping;
    bool                    joined;         /* the thread was joined */
    kh_gateway_slot        *slot;
    question               *questions;      /* guarded by lock */
    uint64_t                sequence;
    amqp_connection_state_t connection;     /* the thread's; NULL: not connected */
    char                   *settings;
    char                    broker[300];
    unsigned                failed_opens;
};

/* ------------------------------------------------------------ the list */

static question *find_question(kh_amqp_requester *r, const char *correlation_id)
{
    for (question *q = r->questions; q; q = q->next)
        if (strcmp(q->correlation_id, correlation_id) == 0)
            return q;
    return NULL;
}

static void fail_question(question *q, kh_ask_result result, const char *why)
{
    q->state = FAILED;
    q->result = result;
    snprintf(q->why, sizeof q->why, "%s", why);
}

/* Fails the waiting questions (only those published, or all). */
static void fail_waiting(kh_amqp_requester *r, bool published_only, kh_ask_result result, const char *why)
{
    pthread_mutex_lock(&r->lock);
    for (question *q = r->questions; q; q = q->next)
        if (q->state == WAITING && (q->published || !published_only))
            fail_question(q, result, why);
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

static bool stopping(kh_amqp_requester *r)
{
    pthread_mutex_lock(&r->lock);
    bool s = r->stopping;
    pthread_mutex_unlock(&r->lock);
    return s;
}

/* Waits ms unless stopped. */
static void pause_unless_stopped(kh_amqp_requester *r, unsigned ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->lock);
    while (!r->stopping && pthread_cond_timedwait(&r->changed, &r->lock, &until) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&r->lock);
}

/* ------------------------------------------------------------ the connection */

static char *settings_of(const kh_queries *q)
{
    size_t size = strlen(q->url) + strlen(q->exchange) + (q->tls_ca ? strlen(q->tls_ca) : 0) + 8;
    char *s = malloc(size);
    if (s)
        snprintf(s, size, "%s|%s|%s", q->url, q->exchange, q->tls_ca ? q->tls_ca : "");
    return s;
}

static void drop_connection(kh_amqp_requester *r, const char *why)
{
    if (!r->connection)
        return;
    amqp_destroy_connection(r->connection);
    r->connection = NULL;
    fail_waiting(r, true, KH_ASK_UNAVAILABLE, why);
    kh_log("error", "amqp-requester-down", NULL, why);
    kh_amqp_link_report("queries", "queries", r->broker, false, why);
}

static int rpc_ok(kh_amqp_requester *r, const char *what, char *err, size_t errlen)
{
    amqp_rpc_reply_t reply = amqp_get_rpc_reply(r->connection);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL)
        return 0;
    char why[256];
    kh_amqp_describe_reply(reply, why, sizeof why);
    snprintf(err, errlen, "%s: %s: %s", r->broker, what, why);
    return -1;
}

/* Connects, declares the exchange and consumes the direct reply-to. */
static int open_connection(kh_amqp_requester *r, const kh_queries *q, char *err, size_t errlen)
{
    r->connection = kh_amqp_open(q->url, q->tls_ca, "khaalga queries", HEARTBEAT_S, CONNECT_TIMEOUT_MS, CHANNEL,
                                 r->broker, sizeof r->broker, err, errlen);
    if (!r->connection)
        return -1;
    char what[320];
    snprintf(what, sizeof what, "declare exchange %s", q->exchange);
    amqp_exchange_declare(r->connection, CHANNEL, amqp_cstring_bytes(q->exchange), amqp_cstring_bytes("topic"), 0,
                          1, 0, 0, amqp_empty_table);
    if (rpc_ok(r, what, err, errlen) == 0) {
        amqp_basic_consume(r->connection, CHANNEL, amqp_cstring_bytes(DIRECT_REPLY_TO), amqp_empty_bytes, 0, 1, 0,
                           amqp_empty_table);
        if (rpc_ok(r, "consume the direct reply-to", err, errlen) == 0)
            return 0;
    }
    amqp_destroy_connection(r->connection);
    r->connection = NULL;
    return -1;
}

/* Connected with the settings in force, or false after a backoff. */
static bool connected(kh_amqp_requester *r, const kh_queries *q)
{
    char *settings = settings_of(q);
    if (!settings)
        return false;
    if (r->connection && r->settings && strcmp(settings, r->settings) == 0) {
        free(settings);
        return true;
    }
    drop_connection(r, "the [queries] settings changed");
    free(r->settings);
    r->settings = settings;
    char err[600] = "", detail[800];
    if (open_connection(r, q, err, sizeof err) == 0) {
        r->failed_opens = 0;
        snprintf(detail, sizeof detail, "queries: %s, exchange %s", r->broker, q->exchange);
        kh_log("info", "amqp-requester-ready", NULL, detail);
        kh_amqp_link_report("queries", "queries", r->broker, true, detail);
        return true;
    }
    r->failed_opens++;
    snprintf(detail, sizeof detail, "queries (attempt %u): %s", r->failed_opens, err);
    kh_log("error", "amqp-requester-down", NULL, detail);
    kh_amqp_link_report("queries", "queries", r->broker, false, err);
    snprintf(detail, sizeof detail, "the broker cannot be reached: %s", err);
    fail_waiting(r, false, KH_ASK_UNAVAILABLE, detail);
    pause_unless_stopped(r, kh_backoff_ms(r->failed_opens, BACKOFF_MS, BACKOFF_MAX_MS));
    return false;
}

/* ------------------------------------------------------------ questions out */

static amqp_table_entry_t text_entry(const char *key, const char *value)
{
    amqp_table_entry_t e;
    e.key = amqp_cstring_bytes(key);
    e.value.kind = AMQP_FIELD_KIND_UTF8;
    e.value.value.bytes = amqp_cstring_bytes(value);
    return e;
}

static int publish_question(kh_amqp_requester *r, const kh_queries *settings, question *q)
{
    char routing_key[64], expiration[16];
    snprintf(routing_key, sizeof routing_key, "query.%s", q->kind);
    snprintf(expiration, sizeof expiration, "%u", q->timeout_ms);
    amqp_table_entry_t headers[2] = { text_entry("x-khaalga-query", q->kind) };
    int nheaders = 1;
    if (q->partner[0])
        headers[nheaders++] = text_entry("x-khaalga-partner", q->partner);
    amqp_basic_properties_t p;
    memset(&p, 0, sizeof p);
    p._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CORRELATION_ID_FLAG
             | AMQP_BASIC_REPLY_TO_FLAG | AMQP_BASIC_EXPIRATION_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG
             | AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_TYPE_FLAG | AMQP_BASIC_APP_ID_FLAG | AMQP_BASIC_HEADERS_FLAG;
    p.content_type = amqp_cstring_bytes("application/json");
    p.delivery_mode = 1;    /* transient: a question is worth nothing after its timeout */
    p.correlation_id = amqp_cstring_bytes(q->correlation_id);
    p.message_id = amqp_cstring_bytes(q->correlation_id);
    p.reply_to = amqp_cstring_bytes(DIRECT_REPLY_TO);
    p.expiration = amqp_cstring_bytes(expiration);
    p.timestamp = (uint64_t)time(NULL);
    p.type = amqp_cstring_bytes(q->kind);
    p.app_id = amqp_cstring_bytes("khaalga");
    p.headers.num_entries = nheaders;
    p.headers.entries = headers;
    amqp_bytes_t body = { q->size, (void *)q->body };
    return amqp_basic_publish(r->connection, CHANNEL, amqp_cstring_bytes(settings->exchange),
                              amqp_cstring_bytes(routing_key), 1, 0, &p, body);
}

/* Publishes the questions not yet published; false when the connection failed. */
static bool publish_new(kh_amqp_requester *r, const kh_queries *settings)
{
    int status = AMQP_STATUS_OK;
    pthread_mutex_lock(&r->lock);
    for (question *q = r->questions; q && status == AMQP_STATUS_OK; q = q->next)
        if (q->state == WAITING && !q->published) {
            status = publish_question(r, settings, q);
            q->published = true;
        }
    pthread_mutex_unlock(&r->lock);
    if (status == AMQP_STATUS_OK)
        return true;
    char why[400];
    snprintf(why, sizeof why, "%s: publishing a question failed: %s", r->broker, amqp_error_string2(status));
    drop_connection(r, why);
    return false;
}

/* ------------------------------------------------------------ answers in */

static void take_answer(kh_amqp_requester *r, const amqp_envelope_t *e)
{
    const amqp_basic_properties_t *p = &e->message.properties;
    char correlation_id[48] = "";
    if (p->_flags & AMQP_BASIC_CORRELATION_ID_FLAG)
        kh_amqp_copy_text(correlation_id, sizeof correlation_id, p->correlation_id);
    pthread_mutex_lock(&r->lock);
    question *q = correlation_id[0] ? find_question(r, correlation_id) : NULL;
    if (q && q->state == WAITING) {
        if (e->message.body.len > MAX_ANSWER) {
            fail_question(q, KH_ASK_UNAVAILABLE, "the answer is larger than 16 MiB");
        } else if ((q->answer = malloc(e->message.body.len ? e->message.body.len : 1)) == NULL) {
            fail_question(q, KH_ASK_UNAVAILABLE, "out of memory");
        } else {
            memcpy(q->answer, e->message.body.bytes, e->message.body.len);
            q->answer_size = e->message.body.len;
            if (p->_flags & AMQP_BASIC_CONTENT_TYPE_FLAG)
                kh_amqp_copy_text(q->content_type, sizeof q->content_type, p->content_type);
            q->state = ANSWERED;
        }
        pthread_cond_broadcast(&r->changed);
    }
    pthread_mutex_unlock(&r->lock);
    if (!q) {
        char detail[160];
        snprintf(detail, sizeof detail, "an answer with correlation_id \"%s\" that nobody waits for (any more)",
                 correlation_id);
        kh_log("notice", "query-answer-dropped", NULL, detail);
    }
}

/* A question the broker returned: nobody listens for its kind. */
static int take_return(kh_amqp_requester *r, const amqp_basic_return_t *ret)
{
    amqp_message_t message;
    amqp_rpc_reply_t reply = amqp_read_message(r->connection, CHANNEL, &message, 0);
    if (reply.reply_type != AMQP_RESPONSE_NORMAL)
        return -1;
    char correlation_id[48] = "", routing_key[80], exchange[256], text[120], why[600];
    if (message.properties._flags & AMQP_BASIC_CORRELATION_ID_FLAG)
        kh_amqp_copy_text(correlation_id, sizeof correlation_id, message.properties.correlation_id);
    kh_amqp_copy_text(routing_key, sizeof routing_key, ret->routing_key);
    kh_amqp_copy_text(exchange, sizeof exchange, ret->exchange);
    kh_amqp_copy_text(text, sizeof text, ret->reply_text);
    snprintf(why, sizeof why, "nobody answers: no queue is bound for routing key \"%s\" on exchange %s (%u %s)",
             routing_key, exchange, ret->reply_code, text);
    pthread_mutex_lock(&r->lock);
    question *q = correlation_id[0] ? find_question(r, correlation_id) : NULL;
    if (q && q->state == WAITING) {
        fail_question(q, KH_ASK_UNROUTABLE, why);
        pthread_cond_broadcast(&r->changed);
    }
    pthread_mutex_unlock(&r->lock);
    amqp_destroy_message(&message);
    return 0;
}

/* Waits up to POLL_MS for an answer (also servicing heartbeats). */
static void wait_for_answers(kh_amqp_requester *r)
{
    amqp_maybe_release_buffers(r->connection);
    amqp_envelope_t envelope;
    struct timeval poll = { 0, POLL_MS * 1000 };
    amqp_rpc_reply_t reply = amqp_consume_message(r->connection, &envelope, &poll, 0);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) {
        take_answer(r, &envelope);
        amqp_destroy_envelope(&envelope);
        return;
    }
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT)
        return;
    char why[400];
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
        amqp_frame_t frame;
        struct timeval none = { 0, 0 };
        if (amqp_simple_wait_frame_noblock(r->connection, &frame, &none) == AMQP_STATUS_OK) {
            if (frame.frame_type != AMQP_FRAME_METHOD)
                return;
            if (frame.payload.method.id == AMQP_BASIC_RETURN_METHOD) {
                if (take_return(r, frame.payload.method.decoded) == 0)
                    return;
                snprintf(why, sizeof why, "%s: a returned question could not be read", r->broker);
            } else if (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD
                       || frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
                snprintf(why, sizeof why, "%s: the broker closed the %s", r->broker,
                         frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ? "channel" : "connection");
            } else {
                return;    /* anything else (basic.ack of nothing, …) is not ours to mind */
            }
            drop_connection(r, why);
            return;
        }
    }
    char described[256];
    kh_amqp_describe_reply(reply, described, sizeof described);
    snprintf(why, sizeof why, "%s: the connection was lost: %s", r->broker, described);
    drop_connection(r, why);
}

/* ------------------------------------------------------------ the thread */

static void *loop(void *arg)
{
    kh_amqp_requester *r = arg;
    while (!stopping(r)) {
        const kh_gateway *g = kh_gateway_acquire(r->slot);
        const kh_queries *settings = &g->config->queries;
        if (!settings->url) {
            kh_gateway_release(r->slot, g);
            drop_connection(r, "[queries] is no longer configured");
            fail_waiting(r, false, KH_ASK_UNAVAILABLE, "queries are not configured");
            pause_unless_stopped(r, 500);
            continue;
        }
        bool ready = connected(r, settings) && publish_new(r, settings);
        kh_gateway_release(r->slot, g);
        if (ready)
            wait_for_answers(r);
    }
    if (r->connection) {
        amqp_connection_close(r->connection, AMQP_REPLY_SUCCESS);
        amqp_destroy_connection(r->connection);
        r->connection = NULL;
    }
    fail_waiting(r, false, KH_ASK_UNAVAILABLE, "khaalga is stopping");
    return NULL;
}

kh_amqp_requester *kh_amqp_requester_start(kh_gateway_slot *slot, char *err, size_t errlen)
{
    kh_amqp_requester *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->slot = slot;
    pthread_mutex_init(&r->lock, NULL);
    pthread_condattr_t monotonic;
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&r->changed, &monotonic);
    pthread_condattr_destroy(&monotonic);
    if (getrandom(&r->sequence, sizeof r->sequence, GRND_NONBLOCK) != (ssize_t)sizeof r->sequence)
        r->sequence = (uint64_t)time(NULL) << 20;
    if (pthread_create(&r->thread, NULL, loop, r) != 0) {
        snprintf(err, errlen, "cannot start the queries thread");
        pthread_cond_destroy(&r->changed);
        pthread_mutex_destroy(&r->lock);
        free(r);
        return NULL;
    }
    return r;
}

void kh_amqp_requester_stop(kh_amqp_requester *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    bool joined = r->joined;
    r->stopping = true;
    r->joined = true;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
    if (!joined)
        pthread_join(r->thread, NULL);
    /* callers still waiting were failed by the thread; each removes its own question */
    pthread_mutex_lock(&r->lock);
    while (r->questions)
        pthread_cond_wait(&r->changed, &r->lock);
    pthread_mutex_unlock(&r->lock);
}

void kh_amqp_requester_free(kh_amqp_requester *r)
{
    if (!r)
        return;
    kh_amqp_requester_stop(r);
    free(r->settings);
    pthread_cond_destroy(&r->changed);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* ------------------------------------------------------------ asking */

kh_ask_result kh_amqp_ask(kh_amqp_requester *r, const char *kind, const char *partner, const char *body,
                          size_t size, unsigned timeout_ms, kh_answer *answer, char *why, size_t whylen)
{
    memset(answer, 0, sizeof *answer);
    question q;
    memset(&q, 0, sizeof q);
    snprintf(q.kind, sizeof q.kind, "%s", kind);
    snprintf(q.partner, sizeof q.partner, "%s", partner ? partner : "");
    q.body = body;
    q.size = size;
    q.timeout_ms = timeout_ms;
    q.state = WAITING;

    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }

    pthread_mutex_lock(&r->lock);
    if (r->stopping) {
        pthread_mutex_unlock(&r->lock);
        snprintf(why, whylen, "khaalga is stopping");
        return KH_ASK_UNAVAILABLE;
    }
    snprintf(q.correlation_id, sizeof q.correlation_id, "q-%016llx", (unsigned long long)r->sequence++);
    q.next = r->questions;
    r->questions = &q;
    while (q.state == WAITING && pthread_cond_timedwait(&r->changed, &r->lock, &deadline) != ETIMEDOUT)
        ;
    for (question **p = &r->questions; *p; p = &(*p)->next)
        if (*p == &q) {
            *p = q.next;
            break;
        }
    pthread_cond_broadcast(&r->changed);    /* a stop may wait for the list to empty */
    pthread_mutex_unlock(&r->lock);

    snprintf(answer->correlation_id, sizeof answer->correlation_id, "%s", q.correlation_id);
    switch (q.state) {
    case ANSWERED:
        answer->body = q.answer;
        answer->size = q.answer_size;
        snprintf(answer->content_type, sizeof answer->content_type, "%s", q.content_type);
        return KH_ASK_ANSWERED;
    case FAILED:
        snprintf(why, whylen, "%s", q.why);
        return q.result;
    default:
        snprintf(why, whylen, "no answer within %u ms", timeout_ms);
        return KH_ASK_TIMEOUT;
    }
}
