/*
 * publisher.h - delivering to a RabbitMQ exchange over AMQP 0-9-1 with
 * rabbitmq-c. Each calling thread keeps one connection per amqp
 * destination: opened at its first message with the destination's
 * topology declared, kept for the thread's life, and opened again (with
 * backoff) after an error. Each message is published mandatory and
 * persistent on a channel in confirm mode, and is delivered only when the
 * broker acknowledges it. docs/amqp.md is the operator's side of this.
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

/* Closes the calling thread's connections (they are closed anyway when the
 * thread ends). */
void kh_amqp_close_connections(void);

#endif
