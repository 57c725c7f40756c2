/*
 * dead_letters.h - watching the dead-letter queue of an amqp destination.
 * A message Khaalga delivered to the destination's quorum queue QUEUE and
 * that its consumers kept rejecting is dead-lettered by the broker, after
 * the queue's delivery limit, into QUEUE.dead. One thread per watched
 * queue consumes QUEUE.dead with rabbitmq-c: a message whose message_id is
 * a delivery of the journal marks that delivery dead, with the broker's
 * reason (so that `khaalga replay` can deliver it again); any other
 * message is moved, with publisher confirms, to the parking queue
 * QUEUE.dead.unknown, never dropped. A message is acknowledged only after
 * the journal or the parking queue has it. Its own connection, bounded
 * waits, reconnection with backoff. docs/amqp.md ("Dead letters") is the
 * operator's side of this.
 */
#ifndef KHAALGA_AMQP_DEAD_LETTERS_H
#define KHAALGA_AMQP_DEAD_LETTERS_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "pipeline/gateway.h"

typedef struct kh_amqp_dead_letters kh_amqp_dead_letters;

/* Whether destination d of c is the one whose thread watches its
 * QUEUE.dead: an amqp destination with queue and watch_dead_letters, and
 * the first such one with its url and queue (destinations that publish to
 * the same queue of the same broker share one watcher). */
bool kh_amqp_dead_letters_watched_by(const kh_config *c, const kh_destination *d);

/* Starts watching the dead-letter queue of [destination name] of the
 * gateway in force in slot (each connection reads the destination's
 * settings from the gateway in force then), with its own journal
 * connection. NULL with err. */
kh_amqp_dead_letters *kh_amqp_dead_letters_start(const char *destination, const char *journal_path,
                                                 kh_gateway_slot *slot, char *err, size_t errlen);

/* Stops after the message in hand (one not yet acknowledged stays in the
 * queue), closes the connection and frees it. */
void kh_amqp_dead_letters_stop(kh_amqp_dead_letters *w);

#endif
