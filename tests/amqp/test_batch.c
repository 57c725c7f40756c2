/*
 * test_batch.c - publishing a batch and matching its confirms, against the
 * private rabbitmq-server of tests/amqp/run-batch.sh (KH_TEST_AMQP_URL;
 * KH_TEST_BROKER_STOP and KH_TEST_BROKER_START stop and start it):
 *
 *   - one message of a batch is unroutable: only that one is a retry, the
 *     others are delivered and are the only ones in the queue;
 *   - hundreds of messages in one batch, each acked (one by one or by a
 *     `multiple` ack) and in the queue;
 *   - a queue full with reject-publish: the messages it nacks are retries;
 *   - the connection cut right after the broker's first ack (a proxy
 *     between the publisher and the broker lets only a few publishes
 *     through, passes one basic.ack and closes): exactly the messages that
 *     ack covers are delivered, the rest are retries, and publishing the
 *     retries again puts every message in the queue;
 *   - the broker stopped in the middle of a batch (the proxy stops it after
 *     letting some publishes through): what it did not ack is a retry, what
 *     it acked is in the queue after it is started again, and then the
 *     retries are delivered too;
 *   - the delivery loop's round hands the due entries of an amqp
 *     destination over as one batch and records each one's attempt.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <cmocka.h>

#include "amqp/publisher.h"
#include "config/config.h"
#include "delivery/deliver.h"
#include "delivery/worker.h"
#include "journal/journal.h"

enum { MAX_MESSAGES = 400, BODY_SIZE = 4096, PROXY_BUFFER = 1 << 20 };

static char broker_url[512];
static char broker_host[128];
static int broker_port;
static char body[BODY_SIZE];

/* ------------------------------------------------------------ messages */

typedef struct batch {
    char              ids[MAX_MESSAGES][48];
    kh_outgoing       messages[MAX_MESSAGES];
    kh_outgoing_facts facts[MAX_MESSAGES];
    kh_batch_item     items[MAX_MESSAGES];
    size_t            count;
} batch;

/* count messages PREFIX-0 … with declaration type type (for {type}) */
static void make_batch(batch *b, const char *prefix, size_t count, const char *type)
{
    memset(b, 0, sizeof *b);
    b->count = count;
    for (size_t i = 0; i < count; i++) {
        snprintf(b->ids[i], sizeof b->ids[i], "%s-%03zu", prefix, i);
        kh_outgoing m = { b->ids[i], "DEC", "application/xml", ".xml", body, sizeof body };
        b->messages[i] = m;
        b->facts[i].type = type;
        b->items[i].message = &b->messages[i];
        b->items[i].facts = &b->facts[i];
        b->items[i].result = KH_DELIVERED;      /* the publisher must set it */
    }
}

/* The messages of b that are not delivered, as a new batch (the next
 * attempt), with their ids kept. */
static size_t retries_of(const batch *b, batch *next)
{
    memset(next, 0, sizeof *next);
    for (size_t i = 0; i < b->count; i++) {
        if (b->items[i].result == KH_DELIVERED)
            continue;
        size_t k = next->count++;
        snprintf(next->ids[k], sizeof next->ids[k], "%s", b->ids[i]);
        kh_outgoing m = { next->ids[k], "DEC", "application/xml", ".xml", body, sizeof body };
        next->messages[k] = m;
        next->facts[k] = b->facts[i];
        next->items[k].message = &next->messages[k];
        next->items[k].facts = &next->facts[k];
        next->items[k].result = KH_DELIVERED;
    }
    return next->count;
}

static size_t delivered_count(const batch *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->count; i++)
        n += b->items[i].result == KH_DELIVERED;
    return n;
}

/* Each test has its own queue, bound to the exchange for QUEUE.IM; the
 * routing key is QUEUE.{type}. */
static kh_destination destination(const char *name, const char *url, const char *queue)
{
    static char keys[8][2][64];
    static int next;
    char (*key)[64] = keys[next++ % 8];
    snprintf(key[0], sizeof key[0], "%s.{type}", queue);
    snprintf(key[1], sizeof key[1], "%s.IM", queue);
    kh_destination d;
    memset(&d, 0, sizeof d);
    d.name = (char *)name;
    d.kind = KH_DEST_AMQP;
    d.url = (char *)url;
    d.exchange = (char *)"batch-tests";
    d.routing_key = key[0];
    d.queue = (char *)queue;
    d.binding_key = key[1];
    d.queue_delivery_limit = 20;
    d.max_attempts = 100;
    d.backoff_ms = 50;
    d.backoff_max_ms = 200;
    d.timeout_ms = 10000;
    return d;
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Publishes what is not delivered again until it all is (the delivery
 * loop's retries), for at most seconds. */
static void deliver_the_rest(const kh_destination *d, const batch *b, int seconds)
{
    batch *rest = malloc(sizeof *rest), *next = malloc(sizeof *next);
    assert_non_null(rest);
    assert_non_null(next);
    retries_of(b, rest);
    int64_t until = now_ms() + seconds * 1000;
    while (rest->count && now_ms() < until) {
        kh_amqp_publish_batch(d, rest->items, rest->count);
        retries_of(rest, next);
        memcpy(rest, next, sizeof *rest);
        for (size_t i = 0; i < rest->count; i++) {      /* pointers into the copy */
            rest->messages[i].message_id = rest->ids[i];
            rest->items[i].message = &rest->messages[i];
            rest->items[i].facts = &rest->facts[i];
        }
        if (rest->count)
            usleep(100 * 1000);
    }
    assert_int_equal(rest->count, 0);
    free(rest);
    free(next);
}

/* ------------------------------------------------------------ the queue */

static amqp_connection_state_t connect_plain(void)
{
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    struct timeval timeout = { 10, 0 };
    assert_non_null(s);
    assert_int_equal(amqp_socket_open_noblock(s, broker_host, broker_port, &timeout), AMQP_STATUS_OK);
    amqp_set_rpc_timeout(c, &timeout);
    assert_int_equal(amqp_login(c, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest").reply_type,
                     AMQP_RESPONSE_NORMAL);
    amqp_channel_open(c, 1);
    assert_int_equal(amqp_get_rpc_reply(c).reply_type, AMQP_RESPONSE_NORMAL);
    return c;
}

static void disconnect(amqp_connection_state_t c)
{
    amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
}

/* Takes every message of the queue (basic.get, no ack): how many times
 * each id of b is there, in copies[]; returns how many messages there were. */
static size_t take_queue(const char *queue, const batch *b, unsigned *copies)
{
    amqp_connection_state_t c = connect_plain();
    memset(copies, 0, b->count * sizeof *copies);
    size_t total = 0;
    for (;;) {
        amqp_rpc_reply_t r = amqp_basic_get(c, 1, amqp_cstring_bytes(queue), 1);
        assert_int_equal(r.reply_type, AMQP_RESPONSE_NORMAL);
        if (r.reply.id == AMQP_BASIC_GET_EMPTY_METHOD)
            break;
        amqp_message_t m;
        assert_int_equal(amqp_read_message(c, 1, &m, 0).reply_type, AMQP_RESPONSE_NORMAL);
        total++;
        for (size_t i = 0; i < b->count; i++)
            if (m.properties.message_id.len == strlen(b->ids[i])
                && !memcmp(m.properties.message_id.bytes, b->ids[i], m.properties.message_id.len))
                copies[i]++;
        amqp_destroy_message(&m);
    }
    disconnect(c);
    return total;
}

static void bind_queue(const char *queue, const char *key)
{
    amqp_connection_state_t c = connect_plain();
    amqp_queue_bind(c, 1, amqp_cstring_bytes(queue), amqp_cstring_bytes("batch-tests"), amqp_cstring_bytes(key),
                    amqp_empty_table);
    assert_int_equal(amqp_get_rpc_reply(c).reply_type, AMQP_RESPONSE_NORMAL);
    disconnect(c);
}

static void run(const char *variable)
{
    const char *command = getenv(variable);
    assert_non_null(command);
    assert_int_equal(system(command), 0);
}

/* ------------------------------------------------------------ the proxy */

/* Between the publisher and the broker, frame by frame. Armed, it lets
 * `publishes` basic.publish (with their content) through and then either
 * holds the publisher's frames until the broker's next basic.ack has gone
 * through and closes, or runs KH_TEST_BROKER_STOP and goes on relaying. */
typedef enum { RELAY, CUT_AFTER_ACK, STOP_BROKER } proxy_mode;

static struct proxy {
    int             listener, port;
    pthread_t       thread;
    pthread_mutex_t lock;
    proxy_mode      mode;
    unsigned        publishes;      /* let through before acting */
    unsigned        seen;           /* publishes since it was armed */
    bool            acted;          /* the cut or the stop happened */
    int             stop_status;    /* of KH_TEST_BROKER_STOP */
    uint64_t        ack_tag;        /* the basic.ack let through before the cut */
    bool            ack_multiple;
    unsigned        most_unconfirmed;   /* publishes let through and not yet confirmed, at most */
    bool            stopping;
} proxy = { .lock = PTHREAD_MUTEX_INITIALIZER };

typedef struct pipe_buffer {
    unsigned char *data;
    size_t         length;
} pipe_buffer;

static int send_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The length of the complete frame at the start of b, 0 when incomplete. */
static size_t frame_length(const pipe_buffer *b)
{
    if (b->length < 7)
        return 0;
    size_t size = ((size_t)b->data[3] << 24) | ((size_t)b->data[4] << 16) | ((size_t)b->data[5] << 8) | b->data[6];
    return b->length >= size + 8 ? size + 8 : 0;
}

/* Is the frame a method frame of class 60 (basic) and this method? */
static bool is_basic_method(const unsigned char *frame, unsigned method)
{
    return frame[0] == AMQP_FRAME_METHOD && frame[7] == 0 && frame[8] == 60 && frame[9] == 0 && frame[10] == method;
}

static void consume(pipe_buffer *b, size_t n)
{
    memmove(b->data, b->data + n, b->length - n);
    b->length -= n;
}

/* After the broker's side ended: the publisher reads what was sent and
 * then the end (not a reset), and its side is read until it closes. */
static void end_client(int client)
{
    shutdown(client, SHUT_WR);
    unsigned char sink[65536];
    struct pollfd p = { client, POLLIN, 0 };
    int64_t until = now_ms() + 15000;
    while (now_ms() < until && poll(&p, 1, 100) >= 0)
        if ((p.revents & (POLLIN | POLLHUP | POLLERR)) && recv(client, sink, sizeof sink, 0) <= 0)
            break;
}

static void relay(int client, int broker)
{
    pipe_buffer up = { malloc(PROXY_BUFFER), 0 }, down = { malloc(PROXY_BUFFER), 0 };
    bool header_sent = false, holding = false;
    uint64_t published = 0, confirmed = 0;      /* on this connection */
    for (;;) {
        if (!up.data || !down.data)
            break;
        struct pollfd fds[2] = { { client, holding ? 0 : POLLIN, 0 }, { broker, POLLIN, 0 } };
        if (poll(fds, 2, 100) < 0)
            break;
        if (proxy.stopping)
            break;
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = recv(client, up.data + up.length, PROXY_BUFFER - up.length, 0);
            if (r <= 0)
                break;
            up.length += (size_t)r;
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = recv(broker, down.data + down.length, PROXY_BUFFER - down.length, 0);
            if (r <= 0) {
                send_all(client, down.data, down.length);
                end_client(client);
                break;
            }
            down.length += (size_t)r;
        }
        /* the publisher's side: the protocol header, then frames */
        if (!header_sent && up.length >= 8) {
            if (send_all(broker, up.data, 8) != 0)
                break;
            consume(&up, 8);
            header_sent = true;
        }
        size_t n;
        while (header_sent && !holding && (n = frame_length(&up))) {
            pthread_mutex_lock(&proxy.lock);
            proxy_mode mode = proxy.mode;
            if (mode != RELAY && is_basic_method(up.data, 40) && proxy.seen++ == proxy.publishes) {
                if (mode == CUT_AFTER_ACK) {
                    holding = true;
                } else {
                    proxy.stop_status = system(getenv("KH_TEST_BROKER_STOP"));
                    proxy.mode = RELAY;
                    proxy.acted = true;
                }
            }
            if (!holding && is_basic_method(up.data, 40) && ++published - confirmed > proxy.most_unconfirmed)
                proxy.most_unconfirmed = (unsigned)(published - confirmed);
            pthread_mutex_unlock(&proxy.lock);
            if (holding)
                break;
            send_all(broker, up.data, n);     /* to a stopped broker: lost */
            consume(&up, n);
        }
        /* the broker's side */
        bool cut = false;
        while ((n = frame_length(&down))) {
            if (send_all(client, down.data, n) != 0)
                break;
            pthread_mutex_lock(&proxy.lock);
            uint64_t tag = 0;
            if (is_basic_method(down.data, 80) || is_basic_method(down.data, 120)) {     /* ack, nack */
                for (int i = 0; i < 8; i++)
                    tag = tag << 8 | down.data[11 + i];
                if (tag > confirmed)
                    confirmed = tag;
            }
            if (proxy.mode == CUT_AFTER_ACK && holding && is_basic_method(down.data, 80)) {
                proxy.ack_tag = tag;
                proxy.ack_multiple = down.data[19] & 1;
                proxy.mode = RELAY;
                proxy.acted = true;
                cut = true;
            }
            pthread_mutex_unlock(&proxy.lock);
            consume(&down, n);
            if (cut)
                break;
        }
        if (cut) {
            end_client(client);
            break;
        }
    }
    free(up.data);
    free(down.data);
}

static void *proxy_loop(void *unused)
{
    (void)unused;
    while (!proxy.stopping) {
        struct pollfd p = { proxy.listener, POLLIN, 0 };
        if (poll(&p, 1, 100) <= 0)
            continue;
        int client = accept(proxy.listener, NULL, NULL);
        if (client < 0)
            continue;
        int broker = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)broker_port) };
        inet_pton(AF_INET, broker_host, &a.sin_addr);
        if (broker >= 0 && connect(broker, (struct sockaddr *)&a, sizeof a) == 0)
            relay(client, broker);
        if (broker >= 0)
            close(broker);
        close(client);
    }
    return NULL;
}

static void start_proxy(void)
{
    proxy.listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(proxy.listener >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(proxy.listener, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(proxy.listener, (struct sockaddr *)&a, &len), 0);
    assert_int_equal(listen(proxy.listener, 4), 0);
    proxy.port = ntohs(a.sin_port);
    proxy.stopping = false;
    assert_int_equal(pthread_create(&proxy.thread, NULL, proxy_loop, NULL), 0);
}

static void stop_proxy(void)
{
    proxy.stopping = true;
    pthread_join(proxy.thread, NULL);
    close(proxy.listener);
}

static void arm_proxy(proxy_mode mode, unsigned publishes)
{
    pthread_mutex_lock(&proxy.lock);
    proxy.mode = mode;
    proxy.publishes = publishes;
    proxy.seen = 0;
    proxy.acted = false;
    proxy.stop_status = -1;
    proxy.most_unconfirmed = 0;
    proxy.ack_tag = 0;
    pthread_mutex_unlock(&proxy.lock);
}

/* ------------------------------------------------------------ tests */

static void test_one_unroutable(void **state)
{
    (void)state;
    kh_destination d = destination("batch-routes", broker_url, "batch.routes");
    static batch b;
    make_batch(&b, "route", 6, "IM");
    b.facts[2].type = "EX";         /* batch.routes.EX: no queue is bound for it */
    kh_amqp_publish_batch(&d, b.items, b.count);
    for (size_t i = 0; i < b.count; i++) {
        if (i == 2)
            continue;
        assert_int_equal(b.items[i].result, KH_DELIVERED);
        assert_string_equal(b.items[i].err, "");
    }
    assert_int_equal(b.items[2].result, KH_DELIVERY_RETRY);
    assert_non_null(strstr(b.items[2].err, "unroutable: no queue bound for routing key \"batch.routes.EX\" on exchange batch-tests"));
    unsigned copies[MAX_MESSAGES];
    assert_int_equal(take_queue("batch.routes", &b, copies), 5);
    for (size_t i = 0; i < b.count; i++)
        assert_int_equal(copies[i], i == 2 ? 0 : 1);

    /* once a queue is bound for it, its next attempt is delivered */
    bind_queue("batch.routes", "batch.routes.EX");
    static batch again;
    assert_int_equal(retries_of(&b, &again), 1);
    kh_amqp_publish_batch(&d, again.items, again.count);
    assert_int_equal(again.items[0].result, KH_DELIVERED);
    assert_int_equal(take_queue("batch.routes", &b, copies), 1);
    assert_int_equal(copies[2], 1);
    kh_amqp_close_connections();
}

static void test_hundreds(void **state)
{
    (void)state;
    kh_destination d = destination("batch-many", broker_url, "batch.many");
    static batch b;
    make_batch(&b, "many", 300, "IM");
    kh_amqp_publish_batch(&d, b.items, b.count);
    assert_int_equal(delivered_count(&b), 300);
    unsigned copies[MAX_MESSAGES];
    assert_int_equal(take_queue("batch.many", &b, copies), 300);
    for (size_t i = 0; i < b.count; i++)
        assert_int_equal(copies[i], 1);
    kh_amqp_close_connections();
}

static void test_full_queue_nacks(void **state)
{
    (void)state;
    kh_destination d = destination("batch-full", broker_url, "batch.full");
    d.queue_max_length = 2;         /* x-overflow reject-publish: the broker nacks beyond */
    /* a quorum queue learns that it is full as it takes the messages, so
     * the first batch may pass the limit; every message is either acked
     * and in the queue, or nacked and a retry */
    static batch filling, more;
    make_batch(&filling, "full", 5, "IM");
    kh_amqp_publish_batch(&d, filling.items, filling.count);
    size_t delivered = delivered_count(&filling);
    assert_true(delivered >= 2);
    for (size_t i = 0; i < filling.count; i++)
        if (filling.items[i].result != KH_DELIVERED) {
            assert_int_equal(filling.items[i].result, KH_DELIVERY_RETRY);
            assert_non_null(strstr(filling.items[i].err, "the broker refused the message (basic.nack)"));
        }
    /* the queue is full: all of the next batch is nacked, and a retry */
    make_batch(&more, "more", 4, "IM");
    kh_amqp_publish_batch(&d, more.items, more.count);
    for (size_t i = 0; i < more.count; i++) {
        assert_int_equal(more.items[i].result, KH_DELIVERY_RETRY);
        assert_non_null(strstr(more.items[i].err, "the broker refused the message (basic.nack): a queue is full"));
    }
    unsigned copies[MAX_MESSAGES];
    assert_int_equal(take_queue("batch.full", &filling, copies), delivered);
    for (size_t i = 0; i < filling.count; i++)
        assert_int_equal(copies[i], filling.items[i].result == KH_DELIVERED);
    kh_amqp_close_connections();
}

static void test_cut_after_first_ack(void **state)
{
    (void)state;
    char url[256];
    start_proxy();
    snprintf(url, sizeof url, "amqp://guest:guest@127.0.0.1:%d/%%2f", proxy.port);
    kh_destination d = destination("batch-cut", url, "batch.cut");
    static batch b;
    make_batch(&b, "cut", 40, "IM");
    arm_proxy(CUT_AFTER_ACK, 5);    /* a new connection: the tags are 1, 2, 3 … */
    kh_amqp_publish_batch(&d, b.items, b.count);
    assert_true(proxy.acted);
    assert_true(proxy.ack_tag >= 1 && proxy.ack_tag <= 5);
    for (size_t i = 0; i < b.count; i++) {
        uint64_t tag = i + 1;
        bool acked = tag == proxy.ack_tag || (proxy.ack_multiple && tag < proxy.ack_tag);
        assert_int_equal(b.items[i].result, acked ? KH_DELIVERED : KH_DELIVERY_RETRY);
        if (!acked)
            assert_non_null(strstr(b.items[i].err, "amqp://127.0.0.1:"));
    }
    assert_true(delivered_count(&b) <= 5);

    /* the next attempts deliver the rest; the broker had some already */
    deliver_the_rest(&d, &b, 20);
    unsigned copies[MAX_MESSAGES];
    take_queue("batch.cut", &b, copies);
    for (size_t i = 0; i < b.count; i++)
        assert_true(copies[i] >= 1);
    kh_amqp_close_connections();
    stop_proxy();
}

static void test_broker_stopped_midway(void **state)
{
    (void)state;
    char url[256];
    start_proxy();
    snprintf(url, sizeof url, "amqp://guest:guest@127.0.0.1:%d/%%2f", proxy.port);
    kh_destination d = destination("batch-stop", url, "batch.stop");
    static batch b;
    make_batch(&b, "stop", 40, "IM");
    /* the link opened and the topology declared before the stop */
    static batch first;
    make_batch(&first, "stop-first", 1, "IM");
    kh_amqp_publish_batch(&d, first.items, 1);
    assert_int_equal(first.items[0].result, KH_DELIVERED);

    arm_proxy(STOP_BROKER, 10);
    kh_amqp_publish_batch(&d, b.items, b.count);
    assert_true(proxy.acted);
    assert_int_equal(proxy.stop_status, 0);
    size_t delivered = delivered_count(&b);
    for (size_t i = 10; i < b.count; i++) {     /* never reached the broker */
        assert_int_equal(b.items[i].result, KH_DELIVERY_RETRY);
        assert_true(b.items[i].err[0] != '\0');
    }
    run("KH_TEST_BROKER_START");

    /* what the broker acked survived its stop */
    unsigned copies[MAX_MESSAGES];
    take_queue("batch.stop", &b, copies);
    for (size_t i = 0; i < b.count; i++)
        if (b.items[i].result == KH_DELIVERED)
            assert_int_equal(copies[i], 1);
    printf("# %zu of the batch's 40 acked before the stop\n", delivered);

    deliver_the_rest(&d, &b, 60);
    unsigned more[MAX_MESSAGES];
    take_queue("batch.stop", &b, more);
    for (size_t i = 0; i < b.count; i++)
        assert_true(copies[i] + more[i] >= 1);
    kh_amqp_close_connections();
    stop_proxy();
}

/* The delivery loop's round: the due entries of an amqp destination are
 * published as one batch (the broker sees more than one publish awaiting
 * its confirm), and each entry's attempt is recorded on its own: the
 * unroutable one waits for its next attempt with the reason, the others
 * are delivered. */
static void test_delivery_round(void **state)
{
    (void)state;
    const char *folder = getenv("KH_TEST_TMP");
    assert_non_null(folder);
    start_proxy();
    arm_proxy(RELAY, 0);
    char path[512], journal_path[512], err[512];
    snprintf(path, sizeof path, "%s/round.conf", folder);
    snprintf(journal_path, sizeof journal_path, "%s/round.db", folder);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "[spool]\npath = %s/spool\n[journal]\npath = %s\n"
               "[destination round]\ntype = amqp\nurl = amqp://guest:guest@127.0.0.1:%d/%%2f\n"
               "exchange = batch-tests\nrouting_key = batch.round.{type}\nqueue = batch.round\n"
               "binding_key = batch.round.IM\nmax_attempts = 5\nbackoff = 1s\nbackoff_max = 1s\ntimeout = 10s\n",
            folder, journal_path, proxy.port);
    fclose(f);
    kh_config *config = kh_config_load(path, err, sizeof err);
    if (!config)
        fail_msg("%s", err);
    kh_journal *j = kh_journal_open(journal_path, err, sizeof err);
    if (!j)
        fail_msg("%s", err);

    enum { ENTRIES = 6, UNROUTABLE = 3 };
    char ids[ENTRIES][KH_MESSAGE_ID_SIZE];
    const char *to[] = { "round" };
    for (int i = 0; i < ENTRIES; i++) {
        char raw[32];
        snprintf(raw, sizeof raw, "<raw>%d</raw>", i);
        kh_received m = { .channel = "test", .content_type = "application/xml", .raw = raw, .size = strlen(raw) };
        kh_journal_entry *e = kh_journal_entry_new(&m);
        assert_non_null(e);
        snprintf(ids[i], sizeof ids[i], "%s", kh_journal_entry_id(e));
        kh_message_facts facts = { .partner = "broker", .format = "xml", .family = "DEC" };
        kh_journal_entry_describe(e, &facts);
        kh_journal_entry_add_part(e, "DEC", i == UNROUTABLE ? "EX" : "IM", "1001", body, sizeof body, to, 1);
        assert_int_equal(kh_journal_write(j, e, err, sizeof err), 0);
        kh_journal_entry_free(e);
    }

    assert_int_equal(kh_delivery_run_once(j, config, kh_journal_now_ms() + 1), ENTRIES);
    assert_true(proxy.most_unconfirmed > 1);
    for (int i = 0; i < ENTRIES; i++) {
        char *status = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&status, &size);
        assert_non_null(out);
        assert_int_equal(kh_journal_status_json(j, ids[i], out), 0);
        fclose(out);
        if (i == UNROUTABLE) {
            assert_non_null(strstr(status, "\"state\":\"pending\",\"attempts\":1"));
            assert_non_null(strstr(status, "unroutable: no queue bound for routing key \\\"batch.round.EX\\\""));
        } else {
            assert_non_null(strstr(status, "\"state\":\"delivered\",\"attempts\":1"));
        }
        free(status);
    }
    assert_int_equal(kh_journal_outbox_depth(j), 1);
    kh_journal_close(j);
    kh_config_free(config);
    kh_amqp_close_connections();
    stop_proxy();
}

int main(void)
{
    const char *url = getenv("KH_TEST_AMQP_URL");
    if (!url || !getenv("KH_TEST_BROKER_STOP") || !getenv("KH_TEST_BROKER_START") || !getenv("KH_TEST_TMP")) {
        printf("1..0 # SKIP KH_TEST_AMQP_URL, KH_TEST_BROKER_STOP, KH_TEST_BROKER_START and KH_TEST_TMP are needed "
               "(tests/amqp/run-batch.sh sets them)\n");
        return 0;
    }
    snprintf(broker_url, sizeof broker_url, "%s", url);
    char parsed[512];
    snprintf(parsed, sizeof parsed, "%s", url);
    struct amqp_connection_info info;
    if (amqp_parse_url(parsed, &info) != AMQP_STATUS_OK) {
        printf("Bail out! KH_TEST_AMQP_URL is not an AMQP URL\n");
        return 1;
    }
    snprintf(broker_host, sizeof broker_host, "%s", info.host);
    broker_port = info.port;
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (char)('a' + i % 26);
    memcpy(body, "<Declaration>", 13);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_unroutable),
        cmocka_unit_test(test_hundreds),
        cmocka_unit_test(test_full_queue_nacks),
        cmocka_unit_test(test_cut_after_first_ack),
        cmocka_unit_test(test_broker_stopped_midway),
        cmocka_unit_test(test_delivery_round),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
