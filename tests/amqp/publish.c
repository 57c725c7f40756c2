/*
 * publish.c - the tests' publisher: puts files into a queue with
 * rabbitmq-c, the way CAIS publishes its answers, so that
 * tests/amqp/run-reverse.sh can feed `khaalga serve`'s consumer.
 *
 *     publish [--message-id ID] URL QUEUE [--correlation-id ID] FILE...
 *
 * Each file is one persistent message (content type application/xml, with
 * the message_id given, and the correlation_id given, as CAIS names the
 * message it answers) to the default exchange with the queue's name as
 * routing key, on a channel
 * in confirm mode; it exits 0 once the broker has confirmed them all, 2
 * when the broker cannot be reached or refuses one.
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
    fprintf(stderr, "publish: %s failed (reply type %d)\n", what, r.reply_type);
    return 1;
}

static char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    size_t capacity = 0;
    *size = 0;
    for (;;) {
        if (*size + 65536 > capacity) {
            capacity = *size + 65536;
            char *bigger = realloc(data, capacity);
            if (!bigger)
                break;
            data = bigger;
        }
        size_t n = fread(data + *size, 1, capacity - *size, f);
        if (n == 0)
            break;
        *size += n;
    }
    fclose(f);
    return data;
}

int main(int argc, char **argv)
{
    const char *message_id = NULL;
    if (argc > 2 && !strcmp(argv[1], "--message-id")) {
        message_id = argv[2];
        argv += 2;
        argc -= 2;
    }
    if (argc < 4) {
        fprintf(stderr, "usage: publish [--message-id ID] URL QUEUE [--correlation-id ID] FILE...\n");
        return 64;
    }
    struct amqp_connection_info info;
    if (amqp_parse_url(argv[1], &info) != AMQP_STATUS_OK) {
        fprintf(stderr, "publish: bad URL\n");
        return 64;
    }
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    struct timeval timeout = { 5, 0 };
    if (!s || amqp_socket_open_noblock(s, info.host, info.port, &timeout) != AMQP_STATUS_OK) {
        fprintf(stderr, "publish: cannot connect to %s:%d\n", info.host, info.port);
        return 2;
    }
    amqp_set_rpc_timeout(c, &timeout);
    if (failed(amqp_login(c, info.vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, info.user, info.password), "login"))
        return 2;
    amqp_channel_open(c, 1);
    if (failed(amqp_get_rpc_reply(c), "channel.open"))
        return 2;
    amqp_confirm_select(c, 1);
    if (failed(amqp_get_rpc_reply(c), "confirm.select"))
        return 2;

    int status = 0, first = 3;
    const char *correlation_id = NULL;
    if (argc > 5 && strcmp(argv[3], "--correlation-id") == 0) {
        correlation_id = argv[4];
        first = 5;
    }
    for (int i = first; i < argc && status == 0; i++) {
        size_t size = 0;
        char *body = read_file(argv[i], &size);
        if (!body) {
            fprintf(stderr, "publish: %s cannot be read\n", argv[i]);
            return 2;
        }
        amqp_basic_properties_t p;
        memset(&p, 0, sizeof p);
        p._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
        p.content_type = amqp_cstring_bytes("application/xml");
        p.delivery_mode = 2;
        if (correlation_id) {
            p._flags |= AMQP_BASIC_CORRELATION_ID_FLAG;
            p.correlation_id = amqp_cstring_bytes(correlation_id);
        }
        if (message_id) {
            p._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
            p.message_id = amqp_cstring_bytes(message_id);
        }
        amqp_bytes_t bytes = { size, body };
        if (amqp_basic_publish(c, 1, amqp_empty_bytes, amqp_cstring_bytes(argv[2]), 1, 0, &p, bytes) != AMQP_STATUS_OK)
            status = 2;
        free(body);
        /* wait for its confirm */
        while (status == 0) {
            amqp_frame_t frame;
            if (amqp_simple_wait_frame_noblock(c, &frame, &timeout) != AMQP_STATUS_OK) {
                fprintf(stderr, "publish: no confirm for %s\n", argv[i]);
                status = 2;
            } else if (frame.frame_type == AMQP_FRAME_METHOD && frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
                break;
            } else if (frame.frame_type == AMQP_FRAME_METHOD && (frame.payload.method.id == AMQP_BASIC_NACK_METHOD
                                                                 || frame.payload.method.id == AMQP_BASIC_RETURN_METHOD)) {
                fprintf(stderr, "publish: %s was refused or returned (no queue %s?)\n", argv[i], argv[2]);
                status = 2;
            }
        }
    }
    amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
    return status;
}
