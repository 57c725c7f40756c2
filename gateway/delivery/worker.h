/*
 * worker.h - the delivery loop of the daemon: takes the outbox entries that
 * are due from the journal, hands each message to its destination, and
 * records the result: delivered; retry later with exponential backoff and
 * jitter; or, after the destination's number of attempts (or a refusal),
 * written to its dead-letter folder and marked dead. Entries survive
 * restarts: whatever was journaled and not confirmed is delivered later.
 */
#ifndef KHAALGA_DELIVERY_WORKER_H
#define KHAALGA_DELIVERY_WORKER_H

#include <stdint.h>

#include "journal/journal.h"
#include "pipeline/gateway.h"

/* Delivers every entry due at now_ms (in batches); returns how many were
 * attempted, -1 on a journal error. */
int kh_delivery_run_once(kh_journal *j, const kh_config *c, int64_t now_ms);

typedef struct kh_delivery kh_delivery;

/* Starts the loop in its own thread, with its own journal connection. Each
 * round uses the gateway in force in slot (reloads swap it). */
kh_delivery *kh_delivery_start(const char *journal_path, kh_gateway_slot *slot, char *err, size_t errlen);
/* Asks for a round (after new messages were routed): at once, or under a
 * steady flow of messages within a few ms, gathered with the next ones. */
void kh_delivery_wake(kh_delivery *d);
/* Stops the loop after its current delivery and frees it. */
void kh_delivery_stop(kh_delivery *d);

#endif
