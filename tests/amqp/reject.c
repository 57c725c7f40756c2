/*
 * reject.c - the tests' consumer that cannot process anything: it takes
 * each message of a queue and answers basic.nack with requeue, as a
 * consumer does with a poison message, so that the broker delivers it
 * again until the queue's x-delivery-limit dead-letters it
 * (tests/amqp/run-dead-letters.sh).
 *
 *     reject URL QUEUE COUNT IDLE_SECONDS
 *
 * Prints one line per delivery: its message_id, whether it is a
 * redelivery, and the quorum queue's x-delivery-count when there is one.
 * Stops after COUNT deliveries (0: no limit) or when none came for
 * IDLE_SECONDS. Exit 0, 2 when the broker cannot be reached or a nack
 * cannot be sent, 64 for a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <amqp.h>
#include <amqp_tcp_socket.h>

static int failed(amqp_rpc_reply_t r, const char *what)
{
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return 0;
    fprintf(stderr, "reject: %s failed (reply type %d, library error %s)\n", what, r.reply_type,
            r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION ? amqp_error_string2(r.library_error) : "-");
    return 1;
}

/* The x-delivery-count header (a number of some integer kind), or -1. */
static long long delivery_count(const amqp_basic_properties_t *p)
{
    if (!(p->_flags & AMQP_BASIC_HEADERS_FLAG))
        return -1;
    for (int i = 0; i < p->headers.num_entries; i++) {
        const amqp_table_entry_t *h = &p->headers.entries[i];
        if (h->key.len != strlen("x-delivery-count") || memcmp(h->key.bytes, "x-delivery-count", h->key.len))
            continue;
        switch (h->value.kind) {
        case AMQP_FIELD_KIND_I8: return h->value.value.i8;
        case AMQP_FIELD_KIND_U8: return h->value.value.u8;
        case AMQP_FIELD_KIND_I16: return h->value.value.i16;
        case AMQP_FIELD_KIND_U16: return h->value.value.u16;
        case AMQP_FIELD_KIND_I32: return h->value.value.i32;
        case AMQP_FIELD_KIND_U32: return h->value.value.u32;
        case AMQP_FIELD_KIND_I64: return h->value.value.i64;
        case AMQP_FIELD_KIND_U64: return (long long)h->value.value.u64;
        default: return -1;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: reject URL QUEUE COUNT IDLE_SECONDS\n");
        return 64;
    }
    char *url = argv[1];
    const char *queue = argv[2];
    long count = atol(argv[3]);
    struct timeval idle = { atol(argv[4]), 0 };

    struct amqp_connection_info info;
    if (amqp_parse_url(url, &info) != AMQP_STATUS_OK) {
        fprintf(stderr, "reject: bad URL\n");
        return 64;
    }
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    struct timeval connect_timeout = { 5, 0 };
    if (!s || amqp_socket_open_noblock(s, info.host, info.port, &connect_timeout) != AMQP_STATUS_OK) {
        fprintf(stderr, "reject: cannot connect to %s:%d\n", info.host, info.port);
        return 2;
    }
    amqp_set_rpc_timeout(c, &connect_timeout);
    if (failed(amqp_login(c, info.vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, info.user, info.password), "login"))
        return 2;
    amqp_channel_open(c, 1);
    if (failed(amqp_get_rpc_reply(c), "channel.open"))
        return 2;
    amqp_basic_qos(c, 1, 0, 1, 0);
    if (failed(amqp_get_rpc_reply(c), "basic.qos"))
        return 2;
    amqp_basic_consume(c, 1, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    if (failed(amqp_get_rpc_reply(c), "basic.consume"))
        return 2;

    int status = 0;
    long received = 0;
    while (count == 0 || received < count) {
        amqp_envelope_t e;
        amqp_maybe_release_buffers(c);
        amqp_rpc_reply_t r = amqp_consume_message(c, &e, &idle, 0);
        if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT)
            break;
        if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
            /* a frame that is not a delivery */
            amqp_frame_t frame;
            struct timeval none = { 0, 0 };
            if (amqp_simple_wait_frame_noblock(c, &frame, &none) == AMQP_STATUS_OK) {
                fprintf(stderr, "reject: frame type %d method 0x%08x\n", frame.frame_type,
                        frame.frame_type == AMQP_FRAME_METHOD ? (unsigned)frame.payload.method.id : 0u);
                continue;
            }
            fprintf(stderr, "reject: unexpected state and no frame\n");
            status = 2;
            break;
        }
        if (failed(r, "consume")) {
            status = 2;
            break;
        }
        const amqp_basic_properties_t *p = &e.message.properties;
        if (p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG)
            printf("message_id=%.*s", (int)p->message_id.len, (const char *)p->message_id.bytes);
        else
            printf("message_id=");
        printf(" redelivered=%d delivery_count=%lld\n", e.redelivered ? 1 : 0, delivery_count(p));
        fflush(stdout);
        int nacked = amqp_basic_nack(c, 1, e.delivery_tag, 0, 1);
        amqp_destroy_envelope(&e);
        if (nacked != AMQP_STATUS_OK) {
            fprintf(stderr, "reject: basic.nack: %s\n", amqp_error_string2(nacked));
            status = 2;
            break;
        }
        received++;
    }
    amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
    return status;
}
