/*
 * test_publisher.c - the AMQP publisher where no broker is needed: a
 * broker that is not there is a retry, quickly, with a reason that names
 * it and never the password, and the next attempts wait for the backoff;
 * a peer that accepts the connection and says nothing is a retry within
 * the timeout; a message that cannot be published (routing key or id too
 * long) is refused before any connection, in a batch too, where the
 * others get what one message alone gets; a thread's connections go with
 * the thread. tests/amqp/run-amqp.sh does the rest against rabbitmq-server.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "amqp/publisher.h"
#include "delivery/deliver.h"

static const char body[] = "<Declaration/>";

static kh_outgoing message(const char *id)
{
    kh_outgoing m = {
        .message_id = id, .family = "DEC", .content_type = "application/xml",
        .suffix = ".xml", .data = body, .size = sizeof body - 1,
    };
    return m;
}

static kh_destination destination(const char *name, char *url)
{
    kh_destination d;
    memset(&d, 0, sizeof d);
    d.name = (char *)name;
    d.kind = KH_DEST_AMQP;
    d.url = url;
    d.exchange = (char *)"customs";
    d.routing_key = (char *)"dec.{type}";
    d.max_attempts = 3;
    d.backoff_ms = 60000;
    d.backoff_max_ms = 60000;
    d.timeout_ms = 300;
    return d;
}

/* A port on loopback that nobody listens on, or (listening) one that
 * accepts connections into its backlog and never answers. */
static int loopback_socket(int listening, char *url, size_t urllen)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    if (listening)
        assert_int_equal(listen(fd, 8), 0);
    snprintf(url, urllen, "amqp://khaalga:hunter2@127.0.0.1:%u/customs", ntohs(a.sin_port));
    return fd;
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void test_no_broker(void **state)
{
    (void)state;
    char url[128], err[512];
    int fd = loopback_socket(0, url, sizeof url);   /* bound, not listening: refused */
    kh_destination d = destination("nobody-home", url);
    kh_outgoing m = message("0001-no-broker");

    int64_t start = now_ms();
    assert_int_equal(kh_deliver(&d, &m, err, sizeof err), KH_DELIVERY_RETRY);
    assert_true(now_ms() - start < 2000);
    assert_non_null(strstr(err, "amqp://127.0.0.1:"));
    assert_non_null(strstr(err, " vhost customs: cannot connect"));
    assert_null(strstr(err, "hunter2"));

    /* the next attempt does not knock again before the backoff */
    assert_int_equal(kh_amqp_publish(&d, &m, NULL, err, sizeof err), KH_DELIVERY_RETRY);
    assert_non_null(strstr(err, "next connection attempt in"));
    assert_null(strstr(err, "hunter2"));

    /* a reload that changes the destination starts afresh */
    char other[160];
    snprintf(other, sizeof other, "%s-v2", url);
    kh_destination changed = destination("nobody-home", other);
    assert_int_equal(kh_amqp_publish(&changed, &m, NULL, err, sizeof err), KH_DELIVERY_RETRY);
    assert_null(strstr(err, "next connection attempt in"));
    kh_amqp_close_connections();
    close(fd);
}

static void test_silent_peer(void **state)
{
    (void)state;
    char url[128], err[512];
    int fd = loopback_socket(1, url, sizeof url);   /* accepts, never speaks */
    kh_destination d = destination("silent", url);
    kh_outgoing m = message("0002-silent");
    int64_t start = now_ms();
    assert_int_equal(kh_amqp_publish(&d, &m, NULL, err, sizeof err), KH_DELIVERY_RETRY);
    int64_t took = now_ms() - start;
    assert_true(took >= 250 && took < 3000);
    assert_non_null(strstr(err, "login as khaalga"));
    kh_amqp_close_connections();
    close(fd);
}

static void test_refused_before_connecting(void **state)
{
    (void)state;
    char url[128], err[512], long_type[300], long_id[300];
    int fd = loopback_socket(0, url, sizeof url);
    kh_destination d = destination("refusals", url);
    kh_outgoing m = message("0003-long");

    memset(long_type, 'T', 260);
    long_type[260] = '\0';
    kh_outgoing_facts facts = { .partner = "altan-zam", .type = long_type, .office = "UB01" };
    assert_int_equal(kh_amqp_publish(&d, &m, &facts, err, sizeof err), KH_DELIVERY_REFUSED);
    assert_non_null(strstr(err, "longer than 255 bytes"));

    memset(long_id, '7', 260);
    long_id[260] = '\0';
    kh_outgoing too_long = message(long_id);
    assert_int_equal(kh_amqp_publish(&d, &too_long, NULL, err, sizeof err), KH_DELIVERY_REFUSED);
    assert_non_null(strstr(err, "cannot be an AMQP property"));
    kh_amqp_close_connections();
    close(fd);
}

/* A batch: the messages that can never be published are refused, each
 * with its reason, and the others get the retry and the reason that one
 * message alone gets from the same broker (a batch of one). */
static void test_batch_without_broker(void **state)
{
    (void)state;
    char url[128], err[512], long_type[300];
    int fd = loopback_socket(0, url, sizeof url);
    kh_destination d = destination("batch-nobody", url);
    memset(long_type, 'T', 260);
    long_type[260] = '\0';
    kh_outgoing first = message("0005-first"), second = message("0005-second"), no_id = message("");
    kh_outgoing_facts too_long = { .type = long_type };
    kh_batch_item batch[] = {
        { &first, NULL, KH_DELIVERED, "" },
        { &no_id, NULL, KH_DELIVERED, "" },
        { &second, &too_long, KH_DELIVERED, "" },
        { &second, NULL, KH_DELIVERED, "" },
    };
    kh_amqp_publish_batch(&d, batch, 4);
    assert_int_equal(batch[0].result, KH_DELIVERY_RETRY);
    assert_non_null(strstr(batch[0].err, " vhost customs: cannot connect"));
    assert_int_equal(batch[1].result, KH_DELIVERY_REFUSED);
    assert_non_null(strstr(batch[1].err, "cannot be an AMQP property"));
    assert_int_equal(batch[2].result, KH_DELIVERY_REFUSED);
    assert_non_null(strstr(batch[2].err, "longer than 255 bytes"));
    assert_int_equal(batch[3].result, KH_DELIVERY_RETRY);
    assert_string_equal(batch[3].err, batch[0].err);

    /* one message alone: the same reason (the backoff now speaks too) */
    assert_int_equal(kh_amqp_publish(&d, &first, NULL, err, sizeof err), KH_DELIVERY_RETRY);
    assert_non_null(strstr(err, batch[0].err));
    assert_non_null(strstr(err, "next connection attempt in"));

    /* a batch of refusals only, and an empty batch */
    kh_batch_item refused_only[] = { { &no_id, NULL, KH_DELIVERED, "" } };
    kh_amqp_publish_batch(&d, refused_only, 1);
    assert_int_equal(refused_only[0].result, KH_DELIVERY_REFUSED);
    kh_amqp_publish_batch(&d, NULL, 0);
    kh_amqp_close_connections();
    close(fd);
}

/* The delivery loop's thread ends: its links are freed with it (the
 * sanitizer build finds a leak otherwise). */
static void *publish_and_end(void *url)
{
    kh_destination d = destination("from-a-thread", url);
    kh_outgoing m = message("0004-thread");
    char err[512];
    return (void *)(intptr_t)kh_amqp_publish(&d, &m, NULL, err, sizeof err);
}

static void test_thread_end(void **state)
{
    (void)state;
    char url[128];
    int fd = loopback_socket(0, url, sizeof url);
    pthread_t thread;
    void *result;
    assert_int_equal(pthread_create(&thread, NULL, publish_and_end, url), 0);
    assert_int_equal(pthread_join(thread, &result), 0);
    assert_int_equal((intptr_t)result, KH_DELIVERY_RETRY);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_broker),
        cmocka_unit_test(test_silent_peer),
        cmocka_unit_test(test_refused_before_connecting),
        cmocka_unit_test(test_batch_without_broker),
        cmocka_unit_test(test_thread_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
