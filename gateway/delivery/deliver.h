/*
 * deliver.h - handing one message to one destination: a spool folder
 * (written under a temporary name, fsync'd, renamed to its final name, the
 * folder fsync'd), an HTTP endpoint (POST with libcurl) or an AMQP
 * exchange (amqp/publisher.h, with publisher confirms), one message or a
 * batch of them; and the retry delay after a failed attempt (exponential
 * backoff with jitter).
 */
#ifndef KHAALGA_DELIVERY_DELIVER_H
#define KHAALGA_DELIVERY_DELIVER_H

#include <stddef.h>

#include "config/config.h"

typedef enum kh_delivery_result {
    KH_DELIVERED = 0,          /* durably handed over */
    KH_DELIVERY_RETRY = 1,     /* a temporary failure: try again later (disk full, 5xx, timeout, no broker ack) */
    KH_DELIVERY_REFUSED = 2    /* the destination refuses it for good (4xx other than 408/429) */
} kh_delivery_result;

typedef struct kh_outgoing {
    const char *message_id;    /* the journal's stable id: names the file, X-Message-Id header */
    const char *family;        /* DEC, PAY … (header X-Message-Family) */
    const char *content_type;  /* application/xml, application/EDIFACT */
    const char *suffix;        /* file name suffix: ".xml", ".edi" */
    const void *data;
    size_t      size;
} kh_outgoing;

/* What is known of a message besides its family, for an AMQP routing key
 * and headers; any field may be NULL. */
typedef struct kh_outgoing_facts {
    const char *partner;       /* the partner it came from */
    const char *type;          /* the declaration type code (IM, EX …) */
    const char *office;        /* the declaration office */
    const char *format;        /* the format it came in: edifact, xml */
    const char *wco_version;   /* the WCO DM version of the normalized form (3.7) */
    const char *signer;        /* the signer's identity when its signature was verified */
    const char *digest;        /* SHA-256 of the original bytes, hexadecimal */
} kh_outgoing_facts;

/* One message of a batch for one destination, and what became of it. */
typedef struct kh_batch_item {
    const kh_outgoing       *message;
    const kh_outgoing_facts *facts;     /* NULL: none known */
    kh_delivery_result       result;    /* set by the delivery */
    char                     err[512];  /* why, when not delivered */
} kh_batch_item;

/* Delivers to the destination; err says why when not delivered. */
kh_delivery_result kh_deliver(const kh_destination *d, const kh_outgoing *m, char *err, size_t errlen);
/* The same, with the message's facts (NULL: none known). */
kh_delivery_result kh_deliver_with_facts(const kh_destination *d, const kh_outgoing *m, const kh_outgoing_facts *facts,
                                         char *err, size_t errlen);

/* Delivers the n messages of items to the destination, each with its own
 * result and err as kh_deliver_with_facts gives them: to an amqp
 * destination they are published back to back and their confirms awaited
 * together (kh_amqp_publish_batch); to a folder or an HTTP endpoint, one
 * after the other. */
void kh_deliver_batch(const kh_destination *d, kh_batch_item *items, size_t n);

/* Writes m into folder as ID+suffix (the dead-letter folder uses this too). */
kh_delivery_result kh_deliver_to_folder(const char *folder, const kh_outgoing *m, char *err, size_t errlen);

/* The delay before attempt n (1 = the first retry): base * 2^(n-1), at most
 * max, with "full jitter" (uniformly random between half and all of it). */
unsigned kh_backoff_ms(unsigned attempt, unsigned base_ms, unsigned max_ms);

/* Process-wide libcurl set-up, once, before threads start. */
int kh_delivery_global_init(void);

#endif
