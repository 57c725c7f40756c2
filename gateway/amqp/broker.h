/*
 * broker.h - what the publisher and the consumer share about talking to a
 * RabbitMQ broker with rabbitmq-c: the socket (plain, or TLS verifying the
 * broker's certificate and name), opening it and a whole connection, and
 * the broker's words made printable.
 */
#ifndef KHAALGA_AMQP_BROKER_H
#define KHAALGA_AMQP_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/time.h>

#include <amqp.h>

/* The socket of connection: plain, or TLS verifying the broker's
 * certificate and host name against tls_ca (NULL: the system's CAs).
 * broker names it in err. NULL with err on failure. */
amqp_socket_t *kh_amqp_new_socket(amqp_connection_state_t connection, const char *broker, bool tls,
                                  const char *tls_ca, char *err, size_t errlen);

/* Connects socket (made by kh_amqp_new_socket with the same tls) to
 * host:port within timeout. Over TLS the handshake itself fails unless the
 * broker's certificate chains to the CAs and names host: a DNS name, or an
 * IP address in the certificate's iPAddress names. 0, or -1 with err
 * saying why ("cannot connect: ...", for TLS which check refused the
 * certificate and for which certificate). */
int kh_amqp_open_socket(amqp_socket_t *socket, bool tls, const char *broker, const char *host, int port,
                        struct timeval *timeout, char *err, size_t errlen);

/* Connects to url (amqp:// or amqps://, the broker verified against
 * tls_ca or the system's CAs), logs in with heartbeat_s and the client
 * property connection_name, and opens channel. timeout_ms bounds the TCP
 * connect, the handshakes and each RPC. broker receives the broker's
 * printable name ("amqp://host:port vhost V", never the password), which
 * err also uses. NULL with err when any step fails. */
amqp_connection_state_t kh_amqp_open(const char *url, const char *tls_ca, const char *connection_name,
                                     int heartbeat_s, unsigned timeout_ms, amqp_channel_t channel, char *broker,
                                     size_t brokerlen, char *err, size_t errlen);

/* A text of the broker's (reply text, reason), printable and bounded. */
void kh_amqp_copy_text(char *out, size_t outlen, amqp_bytes_t bytes);

/* What an RPC's reply says when it is not a success. */
void kh_amqp_describe_reply(amqp_rpc_reply_t reply, char *out, size_t outlen);

/* The reply code of a channel the broker closed (404 …), 0 otherwise. */
int kh_amqp_channel_close_code(amqp_rpc_reply_t reply);

#endif
