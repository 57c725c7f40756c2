/*
 * publisher.h - delivering to a RabbitMQ exchange over AMQP 0-9-1 with
 * rabbitmq-c. Each calling thread keeps one connection per amqp
 * destination: opened at its first message with the destination's
 * topology declared, kept for the thread's life, and opened again (with
 * backoff) after an error. Each message is published mandatory and
 * persistent on a channel in confirm mode, and is delivered only when the
 * broker acknowledges it; a batch of messages is published back to back
 * and its confirms awaited together. docs/amqp.md is the operator's side of this.
 */
#ifndef KHAALGA_AMQP_PUBLISHER_H
#define KHAALGA_AMQP_PUBLISHER_H

#include <stddef.h>

#include "config/config.h"
#include "delivery/deliver.h"

/* Publishes m to the amqp destination d and waits for the broker's
 * confirm: KH_DELIVERED on basic.ack; KH_DELIVERY_RETRY when the broker
 * cannot be reached, nacks the message, returns it as unroutable, blocks
 * publishers or does not answer in d->timeout_ms; KH_DELIVERY_REFUSED when
 * the message itself cannot be published (a routing key or property too
 * long). facts (or NULL) fill the routing key's {partner}, {type} and
 * {office} and the x-khaalga-* headers. err says why when not delivered;
 * it never holds the password. */
kh_delivery_result kh_amqp_publish(const kh_destination *d, const kh_outgoing *m, const kh_outgoing_facts *facts,
                                   char *err, size_t errlen);

/* Publishes the n messages of items to the amqp destination d back to
 * back, then waits for their confirms together, up to d->timeout_ms after
 * the last publish. Each item gets its own result and err, as
 * kh_amqp_publish gives them for one message (it is a batch of one): a
 * message is delivered on the ack of its own delivery tag (or a `multiple`
 * ack covering it) without a basic.return before it; one nacked, returned
 * or unconfirmed is a retry; when the connection fails midway, what the
 * broker had acked keeps KH_DELIVERED and all the rest is a retry. */
void kh_amqp_publish_batch(const kh_destination *d, kh_batch_item *items, size_t n);

/* Closes the calling thread's connections (they are closed anyway when the
 * thread ends). */
void kh_amqp_close_connections(void);

#endif
