/*
 * spool.h - the spool-folder ingress: files dropped into FOLDER/in (written
 * and closed there, or moved in; names starting with "." are ignored as
 * unfinished) are processed through the pipeline and moved to FOLDER/done
 * (accepted, or a duplicate) or FOLDER/failed, with NAME.outcome.json beside
 * them and the acknowledgement, if any, as NAME.ack. Files waiting in in/ at
 * start are processed first; a file the journal could not take stays in in/
 * and is tried again.
 */
#ifndef KHAALGA_INGRESS_SPOOL_H
#define KHAALGA_INGRESS_SPOOL_H

#include <stddef.h>

#include "pipeline/gateway.h"

typedef struct kh_spool kh_spool;

/* Called after each message that was routed (to wake the delivery). */
typedef void (*kh_routed_fn)(void *ctx);

kh_spool *kh_spool_start(const char *folder, const char *journal_path, kh_gateway_slot *slot, kh_routed_fn routed,
                         void *ctx, char *err, size_t errlen);
void kh_spool_stop(kh_spool *s);

#endif
