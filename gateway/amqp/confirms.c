/*
 * confirms.c - matching RabbitMQ's publisher confirms and returns to the
 * publishes of a batch (confirms.h). A batch is at most a round of the
 * outbox, so the scans are linear.
 */
#include "amqp/confirms.h"

#include <stdio.h>
#include <string.h>

bool kh_amqp_confirm_waiting(const kh_amqp_confirm *e)
{
    return e->tag && !e->acked && !e->nacked;
}

size_t kh_amqp_confirms_waiting(const kh_amqp_confirms *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->count; i++)
        n += kh_amqp_confirm_waiting(&c->entries[i]);
    return n;
}

size_t kh_amqp_confirms_settle(kh_amqp_confirms *c, uint64_t tag, bool multiple, bool ack)
{
    size_t settled = 0;
    for (size_t i = 0; i < c->count; i++) {
        kh_amqp_confirm *e = &c->entries[i];
        if (!kh_amqp_confirm_waiting(e))
            continue;
        if (e->tag == tag || (multiple && (tag == 0 || e->tag <= tag))) {
            if (ack)
                e->acked = true;
            else
                e->nacked = true;
            settled++;
        }
    }
    return settled;
}

kh_amqp_confirm *kh_amqp_confirms_returned(kh_amqp_confirms *c, const void *id, size_t idlen, const char *why)
{
    kh_amqp_confirm *earliest = NULL;
    for (size_t i = 0; i < c->count; i++) {
        kh_amqp_confirm *e = &c->entries[i];
        if (!kh_amqp_confirm_waiting(e) || e->returned || !e->message_id || strlen(e->message_id) != idlen
            || memcmp(e->message_id, id, idlen) != 0)
            continue;
        if (!earliest || e->tag < earliest->tag)
            earliest = e;
    }
    if (earliest) {
        earliest->returned = true;
        snprintf(earliest->returned_why, sizeof earliest->returned_why, "%s", why);
    }
    return earliest;
}
