/*
 * broker.c - the socket to a RabbitMQ broker, opening a connection, and
 * the broker's replies in words, for the publisher, the consumers and the
 * requester.
 */
#include "amqp/broker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

enum { FRAME_MAX = 131072 };

amqp_connection_state_t kh_amqp_open(const char *url, const char *tls_ca, const char *connection_name,
                                     int heartbeat_s, unsigned timeout_ms, amqp_channel_t channel, char *broker,
                                     size_t brokerlen, char *err, size_t errlen)
{
    char *copy = strdup(url);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    struct amqp_connection_info info;
    if (amqp_parse_url(copy, &info) != AMQP_STATUS_OK) {
        free(copy);
        snprintf(err, errlen, "the url is not an AMQP URL");
        return NULL;
    }
    snprintf(broker, brokerlen, "%s://%s:%d vhost %s", info.ssl ? "amqps" : "amqp", info.host, info.port, info.vhost);
    amqp_connection_state_t connection = amqp_new_connection();
    bool opened = false;
    if (!connection) {
        snprintf(err, errlen, "%s: out of memory", broker);
        goto out;
    }
    amqp_socket_t *socket = kh_amqp_new_socket(connection, broker, info.ssl, tls_ca, err, errlen);
    if (!socket)
        goto out;
    struct timeval timeout = { (time_t)(timeout_ms / 1000), (suseconds_t)(timeout_ms % 1000) * 1000 };
    int status = amqp_socket_open_noblock(socket, info.host, info.port, &timeout);
    if (status != AMQP_STATUS_OK) {
        snprintf(err, errlen, "%s: cannot connect: %s", broker, amqp_error_string2(status));
        goto out;
    }
    amqp_set_handshake_timeout(connection, &timeout);
    amqp_set_rpc_timeout(connection, &timeout);
    amqp_table_entry_t properties[] = {
        { amqp_cstring_bytes("connection_name"), { AMQP_FIELD_KIND_UTF8, { .bytes = amqp_cstring_bytes(connection_name) } } },
        { amqp_cstring_bytes("product"), { AMQP_FIELD_KIND_UTF8, { .bytes = amqp_cstring_bytes("khaalga") } } },
    };
    amqp_table_t client_properties = { 2, properties };
    amqp_rpc_reply_t reply = amqp_login_with_properties(connection, info.vhost, 0, FRAME_MAX, heartbeat_s,
                                                        &client_properties, AMQP_SASL_METHOD_PLAIN, info.user,
                                                        info.password);
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
        snprintf(err, errlen, "%s: login as %s refused or failed", broker, info.user);
        goto out;
    }
    amqp_channel_open(connection, channel);
    reply = amqp_get_rpc_reply(connection);
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
        char why[256];
        kh_amqp_describe_reply(reply, why, sizeof why);
        snprintf(err, errlen, "%s: open channel: %s", broker, why);
        goto out;
    }
    opened = true;
out:
    if (!opened && connection) {
        amqp_destroy_connection(connection);
        connection = NULL;
    }
    free(copy);
    return connection;
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
