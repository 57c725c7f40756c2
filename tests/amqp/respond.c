/*
 * respond.c - the tests' CAIS answering queries: consumes a queue bound to
 * the queries exchange and answers each question to its reply_to with its
 * correlation_id, the way CAIS answers "does this company owe customs?",
 * so that tests/amqp/run-queries.sh can ask through `khaalga serve`.
 *
 *     respond URL QUEUE EXCHANGE SECONDS BINDING_KEY...
 *
 * The queue is declared (exclusive, auto-delete) and bound with each
 * binding key. The answer is JSON: {"answer":"yes","correlation_id":…,
 * "question":<the question's body>}. A question of type "slow" is taken
 * and never answered. Runs SECONDS, then exits 0; 2 when the broker cannot
 * be reached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <amqp.h>
#include <amqp_tcp_socket.h>

static int failed(amqp_connection_state_t c, const char *what)
{
    amqp_rpc_reply_t r = amqp_get_rpc_reply(c);
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return 0;
    fprintf(stderr, "respond: %s failed\n", what);
    return 1;
}

static void answer(amqp_connection_state_t c, const amqp_envelope_t *e)
{
    const amqp_basic_properties_t *p = &e->message.properties;
    if (!(p->_flags & AMQP_BASIC_REPLY_TO_FLAG) || !(p->_flags & AMQP_BASIC_CORRELATION_ID_FLAG))
        return;
    if ((p->_flags & AMQP_BASIC_TYPE_FLAG) && p->type.len == 4 && memcmp(p->type.bytes, "slow", 4) == 0)
        return;
    size_t size = e->message.body.len + p->correlation_id.len + 64;
    char *body = malloc(size);
    if (!body)
        return;
    int n = snprintf(body, size, "{\"answer\":\"yes\",\"correlation_id\":\"%.*s\",\"question\":%.*s}",
                     (int)p->correlation_id.len, (const char *)p->correlation_id.bytes,
                     (int)e->message.body.len, (const char *)e->message.body.bytes);
    amqp_basic_properties_t reply;
    memset(&reply, 0, sizeof reply);
    reply._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_CORRELATION_ID_FLAG;
    reply.content_type = amqp_cstring_bytes("application/json");
    reply.correlation_id = p->correlation_id;
    amqp_bytes_t bytes = { (size_t)n, body };
    amqp_basic_publish(c, 1, amqp_cstring_bytes(""), p->reply_to, 0, 0, &reply, bytes);
    free(body);
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: respond URL QUEUE EXCHANGE SECONDS BINDING_KEY...\n");
        return 2;
    }
    char *url = strdup(argv[1]);
    struct amqp_connection_info info;
    if (!url || amqp_parse_url(url, &info) != AMQP_STATUS_OK) {
        fprintf(stderr, "respond: not an AMQP URL\n");
        return 2;
    }
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    if (!s || amqp_socket_open(s, info.host, info.port) != AMQP_STATUS_OK) {
        fprintf(stderr, "respond: cannot connect\n");
        return 2;
    }
    if (amqp_login(c, info.vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, info.user, info.password).reply_type
        != AMQP_RESPONSE_NORMAL) {
        fprintf(stderr, "respond: login failed\n");
        return 2;
    }
    amqp_channel_open(c, 1);
    if (failed(c, "channel.open"))
        return 2;
    amqp_exchange_declare(c, 1, amqp_cstring_bytes(argv[3]), amqp_cstring_bytes("topic"), 0, 1, 0, 0,
                          amqp_empty_table);
    if (failed(c, "exchange.declare"))
        return 2;
    amqp_queue_declare(c, 1, amqp_cstring_bytes(argv[2]), 0, 0, 1, 1, amqp_empty_table);
    if (failed(c, "queue.declare"))
        return 2;
    for (int i = 5; i < argc; i++) {
        amqp_queue_bind(c, 1, amqp_cstring_bytes(argv[2]), amqp_cstring_bytes(argv[3]), amqp_cstring_bytes(argv[i]),
                        amqp_empty_table);
        if (failed(c, "queue.bind"))
            return 2;
    }
    amqp_basic_consume(c, 1, amqp_cstring_bytes(argv[2]), amqp_empty_bytes, 0, 1, 0, amqp_empty_table);
    if (failed(c, "basic.consume"))
        return 2;
    printf("ready\n");
    fflush(stdout);
    time_t end = time(NULL) + atoi(argv[4]);
    while (time(NULL) < end) {
        amqp_maybe_release_buffers(c);
        amqp_envelope_t e;
        struct timeval wait = { 0, 200000 };
        amqp_rpc_reply_t r = amqp_consume_message(c, &e, &wait, 0);
        if (r.reply_type == AMQP_RESPONSE_NORMAL) {
            answer(c, &e);
            amqp_destroy_envelope(&e);
        } else if (!(r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT)) {
            fprintf(stderr, "respond: the connection failed\n");
            return 2;
        }
    }
    amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
    free(url);
    return 0;
}
