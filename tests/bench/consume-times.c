/*
 * consume-times.c - the consumer of the AMQP benchmark
 * (tests/bench/amqp-bench.sh): takes the messages of a queue as they come
 * (rabbitmq-c, automatic acknowledgement, so the broker pushes them without
 * waiting for acks) and notes when each arrived, so that the benchmark can
 * tell how long a message took from its HTTP POST (or its publish) to the
 * queue's consumer.
 *
 *   consume-times --url URL --queue Q --log FILE [--ready FILE]
 *                 [--save DIR] [--save-count N]
 *
 * Writes one line per message into FILE: "MESSAGE_ID RECEIVED_NS"
 * (CLOCK_MONOTONIC, comparable with the other processes of the benchmark),
 * flushed whenever no message came for 200 ms.
 * Creates --ready once it consumes. With --save, the bodies of the first N
 * messages (default 200) go into DIR, one file each (the bytes the gateway
 * published, for tests/bench/bare-publish.c). Runs until SIGTERM or SIGINT;
 * prints the count on stderr. Exit 0, 2 when the broker cannot be reached
 * or the connection is lost.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <amqp.h>
#include <amqp_tcp_socket.h>

static volatile sig_atomic_t stopping;

static void stop(int signal)
{
    (void)signal;
    stopping = 1;
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int failed(amqp_rpc_reply_t r, const char *what)
{
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return 0;
    fprintf(stderr, "consume-times: %s failed (reply type %d)\n", what, r.reply_type);
    return 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: consume-times --url URL --queue Q --log FILE [--ready FILE] [--save DIR] [--save-count N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *url_text = NULL, *queue = NULL, *log_path = NULL, *ready = NULL, *save = NULL;
    long save_count = 200;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--url")) url_text = argv[i + 1];
        else if (!strcmp(argv[i], "--queue")) queue = argv[i + 1];
        else if (!strcmp(argv[i], "--log")) log_path = argv[i + 1];
        else if (!strcmp(argv[i], "--ready")) ready = argv[i + 1];
        else if (!strcmp(argv[i], "--save")) save = argv[i + 1];
        else if (!strcmp(argv[i], "--save-count")) save_count = atol(argv[i + 1]);
        else usage();
    }
    if (!url_text || !queue || !log_path || argc % 2 == 0)
        usage();
    signal(SIGTERM, stop);
    signal(SIGINT, stop);

    char *url = strdup(url_text);
    struct amqp_connection_info info;
    if (!url || amqp_parse_url(url, &info) != AMQP_STATUS_OK)
        usage();
    FILE *log = fopen(log_path, "w");
    if (!log) {
        perror(log_path);
        return 2;
    }
    static char log_buffer[1 << 20];
    setvbuf(log, log_buffer, _IOFBF, sizeof log_buffer);

    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    struct timeval timeout = { 10, 0 };
    if (!s || amqp_socket_open_noblock(s, info.host, info.port, &timeout) != AMQP_STATUS_OK) {
        fprintf(stderr, "consume-times: cannot connect to %s:%d\n", info.host, info.port);
        return 2;
    }
    if (failed(amqp_login(c, info.vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, info.user, info.password), "login"))
        return 2;
    amqp_channel_open(c, 1);
    if (failed(amqp_get_rpc_reply(c), "channel.open"))
        return 2;
    amqp_basic_consume(c, 1, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 1, 0, amqp_empty_table);
    if (failed(amqp_get_rpc_reply(c), "basic.consume"))
        return 2;
    if (ready) {
        FILE *f = fopen(ready, "w");
        if (f)
            fclose(f);
    }

    long received = 0, saved = 0;
    int status = 0;
    while (!stopping) {
        amqp_envelope_t e;
        struct timeval wait = { 0, 200 * 1000 };
        amqp_maybe_release_buffers(c);
        amqp_rpc_reply_t r = amqp_consume_message(c, &e, &wait, 0);
        if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT) {
            fflush(log);    /* a pause: the log is complete so far */
            continue;
        }
        if (r.reply_type != AMQP_RESPONSE_NORMAL) {
            fprintf(stderr, "consume-times: the connection is lost\n");
            status = 2;
            break;
        }
        int64_t at = now_ns();
        const amqp_basic_properties_t *p = &e.message.properties;
        if (p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG)
            fprintf(log, "%.*s %lld\n", (int)p->message_id.len, (const char *)p->message_id.bytes, (long long)at);
        if (save && saved < save_count) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%06ld.body", save, saved++);
            FILE *f = fopen(path, "wb");
            if (f) {
                fwrite(e.message.body.bytes, 1, e.message.body.len, f);
                fclose(f);
            }
        }
        amqp_destroy_envelope(&e);
        received++;
    }
    fclose(log);
    fprintf(stderr, "consume-times: %ld messages\n", received);
    amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
    free(url);
    return status;
}
