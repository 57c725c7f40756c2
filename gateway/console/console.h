/*
 * console.h - the operator console of `khaalga serve` (docs/console.md): a
 * web application and its JSON API on a listener of its own, started only
 * when the configuration has a [console] section. Operators log in with a
 * password or a client certificate; viewers see, operators may also replay.
 */
#ifndef KHAALGA_CONSOLE_CONSOLE_H
#define KHAALGA_CONSOLE_CONSOLE_H

#include <stddef.h>

#include "pipeline/gateway.h"

typedef struct kh_console kh_console;

/* Called after a replay put deliveries back (to wake the delivery loop). */
typedef void (*kh_console_replayed_fn)(void *ctx);

/* Listens on [console] listen of the gateway in force. NULL with err. The
 * users and roles are read from the gateway in force at each request, so a
 * reload changes them; the address, TLS and session times stay until a
 * restart. */
kh_console *kh_console_start(kh_gateway_slot *slot, kh_console_replayed_fn replayed, void *ctx, char *err,
                             size_t errlen);
void kh_console_stop(kh_console *c);

#endif
