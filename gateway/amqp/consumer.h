/*
 * consumer.h - AMQP ingress: one thread per [consumer NAME] takes the
 * messages of a RabbitMQ queue (CAIS's answers) with rabbitmq-c, puts each
 * through the pipeline as coming from the consumer's `from` partner, and
 * acknowledges it to the broker only once the journal has it. Its own
 * connection, heartbeats, reconnection with backoff after the broker goes
 * away, and bounded waits so that it stops promptly. docs/amqp.md
 * ("Consuming") is the operator's side of this.
 */
#ifndef KHAALGA_AMQP_CONSUMER_H
#define KHAALGA_AMQP_CONSUMER_H

#include <stddef.h>

#include "pipeline/gateway.h"

typedef struct kh_amqp_consumer kh_amqp_consumer;

/* Starts consuming for [consumer name] of the gateway in force in slot
 * (each connection reads its settings from the gateway in force then),
 * with its own journal connection. routed(ctx) is called after a message
 * was taken and routed (to wake the delivery loop). NULL with err. */
kh_amqp_consumer *kh_amqp_consumer_start(const char *name, const char *journal_path, kh_gateway_slot *slot,
                                         void (*routed)(void *ctx), void *ctx, char *err, size_t errlen);

/* Stops after the message in hand (unacknowledged ones go back to the
 * queue), closes the connection and frees it. */
void kh_amqp_consumer_stop(kh_amqp_consumer *k);

#endif
