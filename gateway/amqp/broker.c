/*
 * broker.c - the socket to a RabbitMQ broker, opening a connection, and
 * the broker's replies in words, for the publisher, the consumers, the
 * dead-letter watchers and the requester.
 *
 * TLS: rabbitmq-c 0.11 checks the chain after the handshake and the host
 * name with its own matcher, which knows DNS names only (a broker reached
 * at an IP address could never be verified) and says no more than "peer
 * cert verification failed". So the host is given to OpenSSL's own
 * verification (X509_VERIFY_PARAM: DNS names, or iPAddress names for an
 * address; no partial wildcards), verification is made part of the
 * handshake (SSL_VERIFY_PEER: nothing is sent to a broker that is not
 * proved), and a verify callback keeps the first failure (the reason, the
 * certificate's place in the chain and its subject) in a thread-local
 * buffer that the thread opening the socket reads when the open fails.
 */
#include "amqp/broker.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* Why the last TLS handshake of this thread refused the broker's
 * certificate ("" when it did not). */
static __thread char certificate_refused[300];

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

/* OpenSSL's verify callback: keeps the first failure of the chain or name
 * checks, and leaves the verdict as it is. */
static int keep_first_failure(int ok, X509_STORE_CTX *store)
{
    if (ok || certificate_refused[0])
        return ok;
    int error = X509_STORE_CTX_get_error(store);
    int depth = X509_STORE_CTX_get_error_depth(store);
    char subject[160] = "?";
    X509 *certificate = X509_STORE_CTX_get_current_cert(store);
    if (certificate)
        X509_NAME_oneline(X509_get_subject_name(certificate), subject, sizeof subject);
    snprintf(certificate_refused, sizeof certificate_refused, "%s (certificate %d of the broker's chain, %s)",
             X509_verify_cert_error_string(error), depth, subject);
    return ok;
}

/* The host the certificate must name: an IP address or a DNS name. */
static int expect_host(SSL_CTX *context, const char *host)
{
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(context);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    unsigned char address[16];
    if (inet_pton(AF_INET, host, address) == 1 || inet_pton(AF_INET6, host, address) == 1)
        return X509_VERIFY_PARAM_set1_ip_asc(param, host) == 1 ? 0 : -1;
    return X509_VERIFY_PARAM_set1_host(param, host, 0) == 1 ? 0 : -1;
}

int kh_amqp_open_socket(amqp_socket_t *socket, bool tls, const char *broker, const char *host, int port,
                        struct timeval *timeout, char *err, size_t errlen)
{
    if (tls) {
        SSL_CTX *context = amqp_ssl_socket_get_context(socket);
        if (!context || expect_host(context, host) != 0) {
            snprintf(err, errlen, "%s: cannot connect: TLS: cannot verify the broker as %s", broker, host);
            return -1;
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, keep_first_failure);
        amqp_ssl_socket_set_verify_hostname(socket, 0);   /* OpenSSL checks the name, addresses included */
    }
    certificate_refused[0] = '\0';
    int status = amqp_socket_open_noblock(socket, host, port, timeout);
    if (status == AMQP_STATUS_OK)
        return 0;
    if (tls && certificate_refused[0])
        snprintf(err, errlen, "%s: cannot connect: TLS: certificate verification failed for %s: %s", broker, host,
                 certificate_refused);
    else
        snprintf(err, errlen, "%s: cannot connect: %s", broker, amqp_error_string2(status));
    return -1;
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
    if (kh_amqp_open_socket(socket, info.ssl, broker, info.host, info.port, &timeout, err, errlen) != 0)
        goto out;
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
