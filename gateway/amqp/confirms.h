/*
 * confirms.h - the publishes of one batch awaiting RabbitMQ's publisher
 * confirms, each matched to what the broker says of it. On a channel in
 * confirm mode the broker numbers the publishes 1, 2, 3 … (the delivery
 * tags); basic.ack or basic.nack settles one tag or, with `multiple`,
 * every tag up to its own; a basic.return carries no tag and comes before
 * the ack of the message it returns, so it is matched by message id to the
 * earliest publish of that id still waiting. Plain bookkeeping, no I/O:
 * amqp/publisher.c reads the frames and says what came.
 */
#ifndef KHAALGA_AMQP_CONFIRMS_H
#define KHAALGA_AMQP_CONFIRMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One publish and what the broker said of it. */
typedef struct kh_amqp_confirm {
    uint64_t    tag;              /* its delivery tag; 0: not published */
    const char *message_id;       /* to recognize its basic.return */
    bool        acked, nacked;    /* settled: the first of them to come counts */
    bool        returned;         /* came back unroutable (before its ack) */
    char        returned_why[200];
} kh_amqp_confirm;

/* The publishes of a batch, in publishing order (so tags increase). */
typedef struct kh_amqp_confirms {
    kh_amqp_confirm *entries;
    size_t           count;
} kh_amqp_confirms;

/* Published and neither acked nor nacked yet. */
bool kh_amqp_confirm_waiting(const kh_amqp_confirm *e);

/* How many publishes wait for their confirm. */
size_t kh_amqp_confirms_waiting(const kh_amqp_confirms *c);

/* basic.ack (ack) or basic.nack of tag: settles the publish of that tag,
 * or with multiple every waiting publish whose tag is at most tag (tag 0
 * with multiple: every one). A publish already settled keeps its verdict.
 * Returns how many it settled. */
size_t kh_amqp_confirms_settle(kh_amqp_confirms *c, uint64_t tag, bool multiple, bool ack);

/* basic.return of the message whose id is id (idlen bytes): the earliest
 * waiting publish of that id not yet returned, marked returned with why;
 * NULL when none is (the return of a publish not of this batch). */
kh_amqp_confirm *kh_amqp_confirms_returned(kh_amqp_confirms *c, const void *id, size_t idlen, const char *why);

#endif
