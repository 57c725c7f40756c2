/*
 * requester.h - questions to CAIS over AMQP whose answers go back to the
 * HTTP caller that asked: "does this company owe customs?" (the certificate
 * of no debt), "what is the status of declaration X?". Each question is
 * published to the [queries] exchange with the routing key query.KIND,
 * reply_to the broker's direct reply-to and a correlation_id of its own;
 * the answer with that correlation_id wakes the caller, who waits at most
 * the configured timeout. One thread owns the connection (a rabbitmq-c
 * connection belongs to one thread); callers hand it their questions.
 * docs/amqp.md ("Queries") is the operator's side of this.
 */
#ifndef KHAALGA_AMQP_REQUESTER_H
#define KHAALGA_AMQP_REQUESTER_H

#include <stddef.h>

#include "pipeline/gateway.h"

typedef struct kh_amqp_requester kh_amqp_requester;

/* Starts the thread; it reads [queries] from the gateway in force in
 * slot each time it connects. NULL with err. */
kh_amqp_requester *kh_amqp_requester_start(kh_gateway_slot *slot, char *err, size_t errlen);
/* Stops the thread: questions in flight, and any asked later, get
 * KH_ASK_UNAVAILABLE at once. Returns when no caller waits any more. */
void kh_amqp_requester_stop(kh_amqp_requester *r);
/* Frees it, stopped, once nobody can ask any more. */
void kh_amqp_requester_free(kh_amqp_requester *r);

typedef enum kh_ask_result {
    KH_ASK_ANSWERED = 0,   /* CAIS answered: the answer is filled in */
    KH_ASK_TIMEOUT,        /* no answer within the timeout */
    KH_ASK_UNAVAILABLE,    /* the broker cannot be reached, or the connection broke meanwhile */
    KH_ASK_UNROUTABLE      /* nobody listens for this kind of question (basic.return) */
} kh_ask_result;

typedef struct kh_answer {
    char  *body;                  /* malloc'd; the caller frees it */
    size_t size;
    char   content_type[128];     /* as CAIS gave it, or "" */
    char   correlation_id[48];    /* of the question */
} kh_answer;

/* Asks question (its body, JSON) of kind for partner (NULL: the customs
 * network itself) and waits up to timeout_ms for the answer. why says what
 * happened when it is not answered. */
kh_ask_result kh_amqp_ask(kh_amqp_requester *r, const char *kind, const char *partner, const char *question,
                          size_t size, unsigned timeout_ms, kh_answer *answer, char *why, size_t whylen);

#endif
