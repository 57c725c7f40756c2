/*
 * http.h - the HTTP ingress of `khaalga serve`, on GNU libmicrohttpd:
 *   POST /v1/messages        a message (EDIFACT or XML); 202 once it is
 *                            journaled and accepted, with its id and the
 *                            acknowledgement; 4xx with the errors
 *   GET  /v1/messages/{id}   the message's lifecycle as JSON
 *   GET  /v1/queries/{kind}  a question for CAIS, answered (ingress/queries.h)
 *   GET  /healthz            200 when the journal answers
 *   GET  /metrics            Prometheus text
 * Bodies above the configured size are refused (413) before they are read;
 * connections, threads and per-connection memory are bounded.
 */
#ifndef KHAALGA_INGRESS_HTTP_H
#define KHAALGA_INGRESS_HTTP_H

#include <stddef.h>

#include "amqp/requester.h"
#include "ingress/spool.h"
#include "pipeline/gateway.h"

typedef struct kh_http kh_http;

/* Listens on every address of the configuration's [server] listen.
 * requester (or NULL when there is no [queries]) answers /v1/queries. */
kh_http *kh_http_start(const kh_config *c, kh_gateway_slot *slot, kh_routed_fn routed, void *ctx,
                       kh_amqp_requester *requester, char *err, size_t errlen);
void kh_http_stop(kh_http *h);

#endif
