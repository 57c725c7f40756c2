/*
 * death.h - what a dead-lettered AMQP message says about its death: the
 * x-death header RabbitMQ adds when it dead-letters a message (the queue
 * it left, why: delivery_limit, rejected, expired, maxlen; how many times),
 * or the x-first-death-* headers, put in words for the journal and the log.
 */
#ifndef KHAALGA_AMQP_DEATH_H
#define KHAALGA_AMQP_DEATH_H

#include <stddef.h>

#include <amqp.h>

/* Why the broker dead-lettered a message with these headers, e.g.
 * "dead-lettered by the broker from queue cais.declarations:
 * delivery_limit after 21 deliveries (x-delivery-limit 20)". queue and
 * delivery_limit are what Khaalga declared (delivery_limit 0: not known):
 * the number of deliveries is said only for a death in that queue. Always
 * writes a text (for headers that say nothing, that they say nothing);
 * returns 1 when the headers said why, 0 when not. */
int kh_amqp_death_reason(const amqp_table_t *headers, const char *queue, unsigned delivery_limit, char *out,
                         size_t outlen);

#endif
