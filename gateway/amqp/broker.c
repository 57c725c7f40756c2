/*
 * broker.c - the socket to a RabbitMQ broker and the broker's replies in
 * words, for the publisher and the consumer.
 */
#include "amqp/broker.h"

#include <stdio.h>

#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <openssl/ssl.h>

amqp_socket_t *kh_amqp_new_socket(amqp_connection_state_t connection, const char *broker, bool tls,
                                  const char *tls_ca, char *err, size_t errlen)
{
    if (!tls) {
        amqp_socket_t *s = amqp_tcp_socket_new(connection);
        if (!s)
            snprintf(err, errlen, "%s: cannot make a socket", broker);
        return s;
    }
    amqp_socket_t *s = amqp_ssl_socket_new(connection);
    if (!s) {
        snprintf(err, errlen, "%s: cannot make a TLS socket", broker);
        return NULL;
    }
    amqp_ssl_socket_set_verify_peer(s, 1);
    amqp_ssl_socket_set_verify_hostname(s, 1);
    if (tls_ca) {
        if (amqp_ssl_socket_set_cacert(s, tls_ca) != AMQP_STATUS_OK) {
            snprintf(err, errlen, "%s: tls_ca %s cannot be read", broker, tls_ca);
            return NULL;
        }
    } else {
        SSL_CTX *context = amqp_ssl_socket_get_context(s);
        if (!context || SSL_CTX_set_default_verify_paths(context) != 1) {
            snprintf(err, errlen, "%s: the system's CA certificates cannot be read", broker);
            return NULL;
        }
    }
    return s;
}

void kh_amqp_copy_text(char *out, size_t outlen, amqp_bytes_t bytes)
{
    size_t n = 0;
    const unsigned char *p = bytes.bytes;
    for (size_t i = 0; i < bytes.len && n + 1 < outlen; i++)
        out[n++] = (p[i] < 0x20 || p[i] == 0x7f) ? ' ' : (char)p[i];
    out[n] = '\0';
}

void kh_amqp_describe_reply(amqp_rpc_reply_t reply, char *out, size_t outlen)
{
    char text[200];
    switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        snprintf(out, outlen, "ok");
        return;
    case AMQP_RESPONSE_NONE:
        snprintf(out, outlen, "no reply from the broker");
        return;
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        snprintf(out, outlen, "%s", amqp_error_string2(reply.library_error));
        return;
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
            const amqp_connection_close_t *close = reply.reply.decoded;
            kh_amqp_copy_text(text, sizeof text, close->reply_text);
            snprintf(out, outlen, "the broker closed the connection: %u %s", close->reply_code, text);
        } else if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
            const amqp_channel_close_t *close = reply.reply.decoded;
            kh_amqp_copy_text(text, sizeof text, close->reply_text);
            snprintf(out, outlen, "the broker closed the channel: %u %s", close->reply_code, text);
        } else {
            snprintf(out, outlen, "the broker answered with method 0x%08x", (unsigned)reply.reply.id);
        }
        return;
    }
    snprintf(out, outlen, "unknown reply");
}

int kh_amqp_channel_close_code(amqp_rpc_reply_t reply)
{
    if (reply.reply_type != AMQP_RESPONSE_SERVER_EXCEPTION || reply.reply.id != AMQP_CHANNEL_CLOSE_METHOD)
        return 0;
    return ((const amqp_channel_close_t *)reply.reply.decoded)->reply_code;
}
