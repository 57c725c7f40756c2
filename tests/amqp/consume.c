/*
 * consume.c - the test's consumer: takes messages from a queue with
 * rabbitmq-c and prints one line per message with its properties, so that
 * tests/amqp/run-amqp.sh can check what Khaalga published.
 *
 *     consume [--tls-ca FILE] URL QUEUE COUNT IDLE_SECONDS [BODY_FOLDER]
 *
 * Stops after COUNT messages (0: no limit) or when none came for
 * IDLE_SECONDS. Each message is acknowledged after its line is printed;
 * with BODY_FOLDER its body is written there as MESSAGE_ID. An amqps://
 * URL connects over TLS, verifying the broker's certificate and host name
 * against the CAs of --tls-ca. Exit 0, or 2 when the broker cannot be
 * reached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>

static void print_bytes(const char *name, amqp_bytes_t b)
{
    printf(" %s=%.*s", name, (int)b.len, (const char *)b.bytes);
}

static void print_message(const amqp_envelope_t *e)
{
    const amqp_basic_properties_t *p = &e->message.properties;
    print_bytes("routing_key", e->routing_key);
    print_bytes("exchange", e->exchange);
    if (p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG)
        print_bytes("message_id", p->message_id);
    if (p->_flags & AMQP_BASIC_TYPE_FLAG)
        print_bytes("type", p->type);
    if (p->_flags & AMQP_BASIC_CONTENT_TYPE_FLAG)
        print_bytes("content_type", p->content_type);
    if (p->_flags & AMQP_BASIC_REPLY_TO_FLAG)
        print_bytes("reply_to", p->reply_to);
    if (p->_flags & AMQP_BASIC_CORRELATION_ID_FLAG)
        print_bytes("correlation_id", p->correlation_id);
    if (p->_flags & AMQP_BASIC_APP_ID_FLAG)
        print_bytes("app_id", p->app_id);
    if (p->_flags & AMQP_BASIC_DELIVERY_MODE_FLAG)
        printf(" delivery_mode=%u", p->delivery_mode);
    if (p->_flags & AMQP_BASIC_TIMESTAMP_FLAG)
        printf(" timestamp=%llu", (unsigned long long)p->timestamp);
    if (p->_flags & AMQP_BASIC_HEADERS_FLAG)
        for (int i = 0; i < p->headers.num_entries; i++) {
            const amqp_table_entry_t *h = &p->headers.entries[i];
            if (h->value.kind == AMQP_FIELD_KIND_UTF8 || h->value.kind == AMQP_FIELD_KIND_BYTES)
                printf(" header.%.*s=%.*s", (int)h->key.len, (const char *)h->key.bytes,
                       (int)h->value.value.bytes.len, (const char *)h->value.value.bytes.bytes);
        }
    printf(" size=%zu\n", e->message.body.len);
}

static void save_body(const char *folder, const amqp_envelope_t *e)
{
    const amqp_basic_properties_t *p = &e->message.properties;
    if (!folder || !(p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG) || memchr(p->message_id.bytes, '/', p->message_id.len))
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/%.*s", folder, (int)p->message_id.len, (const char *)p->message_id.bytes);
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    fwrite(e->message.body.bytes, 1, e->message.body.len, f);
    fclose(f);
}

static int failed(amqp_rpc_reply_t r, const char *what)
{
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return 0;
    fprintf(stderr, "consume: %s failed (reply type %d, library error %s)\n", what, r.reply_type,
            r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION ? amqp_error_string2(r.library_error) : "-");
    return 1;
}

int main(int argc, char **argv)
{
    const char *tls_ca = NULL;
    if (argc > 2 && !strcmp(argv[1], "--tls-ca")) {
        tls_ca = argv[2];
        argv += 2;
        argc -= 2;
    }
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: consume [--tls-ca FILE] URL QUEUE COUNT IDLE_SECONDS [BODY_FOLDER]\n");
        return 64;
    }
    char *url = argv[1];
    const char *queue = argv[2];
    long count = atol(argv[3]);
    struct timeval idle = { atol(argv[4]), 0 };
    const char *folder = argc == 6 ? argv[5] : NULL;

    struct amqp_connection_info info;
    if (amqp_parse_url(url, &info) != AMQP_STATUS_OK) {
        fprintf(stderr, "consume: bad URL\n");
        return 64;
    }
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = info.ssl ? amqp_ssl_socket_new(c) : amqp_tcp_socket_new(c);
    if (s && info.ssl && tls_ca && amqp_ssl_socket_set_cacert(s, tls_ca) != AMQP_STATUS_OK) {
        fprintf(stderr, "consume: %s cannot be read\n", tls_ca);
        return 2;
    }
    struct timeval connect_timeout = { 5, 0 };
    int status = s ? amqp_socket_open_noblock(s, info.host, info.port, &connect_timeout) : AMQP_STATUS_NO_MEMORY;
    if (status != AMQP_STATUS_OK) {
        fprintf(stderr, "consume: cannot connect to %s:%d: %s\n", info.host, info.port, amqp_error_string2(status));
        return 2;
    }
    if (failed(amqp_login(c, info.vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, info.user, info.password), "login"))
        return 2;
    amqp_channel_open(c, 1);
    if (failed(amqp_get_rpc_reply(c), "channel.open"))
        return 2;
    amqp_basic_qos(c, 1, 0, 100, 0);
    if (failed(amqp_get_rpc_reply(c), "basic.qos"))
        return 2;
    amqp_basic_consume(c, 1, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    if (failed(amqp_get_rpc_reply(c), "basic.consume"))
        return 2;

    long received = 0;
    while (count == 0 || received < count) {
        amqp_envelope_t e;
        amqp_maybe_release_buffers(c);
        amqp_rpc_reply_t r = amqp_consume_message(c, &e, &idle, 0);
        if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT)
            break;
        if (failed(r, "consume"))
            break;
        print_message(&e);
        save_body(folder, &e);
        fflush(stdout);
        amqp_basic_ack(c, 1, e.delivery_tag, 0);
        amqp_destroy_envelope(&e);
        received++;
    }
    amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
    return 0;
}
