/*
 * queries.h - GET /v1/queries/KIND?NAME=VALUE…: a question for CAIS (the
 * certificate of no debt, the status of a declaration …) built from the
 * request, asked over AMQP (amqp/requester.h) and CAIS's answer given back
 * as the HTTP response: 200 with the answer; 404 for a kind that is not
 * configured; 400 for parameters that are not acceptable; 503 when the
 * broker cannot be reached or nobody answers that kind; 504 when CAIS does
 * not answer in time.
 */
#ifndef KHAALGA_INGRESS_QUERIES_H
#define KHAALGA_INGRESS_QUERIES_H

#include <stddef.h>

#include <microhttpd.h>

#include "amqp/requester.h"
#include "config/config.h"

typedef struct kh_query_reply {
    unsigned status;              /* HTTP status */
    char     content_type[128];
    char    *body;                /* malloc'd */
    size_t   size;
    char     correlation_id[48];  /* "" when nothing was asked */
} kh_query_reply;

/* Answers the question of kind from partner (NULL: asked from the customs
 * network) with the connection's GET arguments as its parameters.
 * requester NULL: queries are not configured. */
void kh_query_answer(kh_amqp_requester *requester, const kh_config *config, struct MHD_Connection *c,
                     const char *kind, const char *partner, kh_query_reply *out);
void kh_query_reply_free(kh_query_reply *reply);

#endif
