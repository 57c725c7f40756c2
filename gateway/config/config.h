/*
 * config.h - the configuration of `khaalga serve`, read from one ini file
 * with inih (docs/configuration.md; examples/khaalga.conf is the annotated
 * example): where it listens, its limits, the profile and journal, how it
 * signs, its partners, destinations, routes and the queues it consumes. Loaded whole and checked
 * before use; a reload builds a new one and swaps it in.
 */
#ifndef KHAALGA_CONFIG_H
#define KHAALGA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* Message families, as bits for a partner's allowed set. */
enum {
    KH_FAMILY_DEC = 1 << 0,
    KH_FAMILY_RES = 1 << 1,
    KH_FAMILY_PAY = 1 << 2,
    KH_FAMILY_LPCO = 1 << 3,
    KH_FAMILY_TRN = 1 << 4
};

/* "DEC" -> KH_FAMILY_DEC …; 0 when unknown. */
unsigned kh_family_bit(const char *name);

typedef struct kh_partner {
    char    *id;              /* the section name: [partner ID] */
    char    *edifact_id;      /* UNB sender identification (0004), or NULL */
    char    *identity;        /* the certificate identity (serialNumber, organizationIdentifier or CN value), or NULL */
    unsigned families;        /* KH_FAMILY_* bits it may send */
    char    *trust;           /* trust domain folder for its signatures, or NULL */
    bool     require_signature;   /* its XML must be signed (default: yes when trust is set) */
    bool     want_contrl;     /* acknowledgements = contrl: always a CONTRL for its EDIFACT */
    bool     want_receipt;    /* acknowledgements = receipt: a signed WCO RES receipt for its XML */
    char    *reply;           /* the destination its replies go to, or NULL */
    char    *client_certificate;  /* TLS client certificate identity bound to it (subject CN or serialNumber), or NULL */
} kh_partner;

typedef enum kh_destination_kind { KH_DEST_SPOOL, KH_DEST_HTTP, KH_DEST_AMQP } kh_destination_kind;

typedef struct kh_destination {
    char               *name;          /* [destination NAME] */
    kh_destination_kind kind;          /* type = spool | http */
    char               *path;          /* spool: the folder */
    char               *url;           /* http: the endpoint; amqp: amqp[s]://user:pass@host:port/vhost */
    unsigned            max_attempts;  /* then dead letter (default 10) */
    unsigned            backoff_ms;    /* first retry delay (default 1000) */
    unsigned            backoff_max_ms;/* ceiling (default 300000) */
    unsigned            timeout_ms;    /* http request / amqp connect and confirm timeout (default 10000) */
    char               *dead_letter;   /* folder for what could not be delivered */
    /* amqp (docs/amqp.md) */
    char               *exchange;      /* the topic exchange published to (required) */
    char               *routing_key;   /* template: {family} {type} {office} {partner} (default "{family}") */
    char               *tls_ca;        /* amqps: CAs that verify the broker (PEM), or NULL for the system's */
    char               *queue;         /* a quorum queue declared and bound, or NULL */
    char               *binding_key;   /* the queue's binding key (default "#") */
    unsigned            queue_delivery_limit;  /* x-delivery-limit (default 20) */
    unsigned            queue_max_length;      /* x-max-length, 0: none */
    char               *reply_to;      /* the queue a consumer answers to (reply_to, with correlation_id
                                        * = the message id), or NULL */
    /* EDIFACT: the destination gets each message as an interchange to this
     * partner's edifact_id (a foreign customs), from edifact_from */
    char               *edifact_to;    /* a partner id, or NULL: the normalized WCO XML */
    char               *edifact_from;  /* UNB sender (default MNCUSTOMS) */
    bool                watch_dead_letters;    /* consume QUEUE.dead into the journal (default: yes with queue) */
} kh_destination;

/* [consumer NAME]: a queue whose messages (CAIS's answers) are taken in
 * as coming from one partner (docs/amqp.md, "Consuming"). */
typedef struct kh_consumer {
    char    *name;          /* [consumer NAME] */
    char    *url;           /* amqp[s]://user:pass@host:port/vhost */
    char    *tls_ca;        /* amqps: CAs that verify the broker (PEM), or NULL for the system's */
    char    *queue;         /* consumed; declared a durable quorum queue when missing */
    unsigned prefetch;      /* basic.qos: unacknowledged messages at once (default 16) */
    char    *from;          /* the partner its messages are journaled as coming from */
    bool     single_active; /* declared with x-single-active-consumer: one instance at a time */
} kh_consumer;

/* [queries]: questions for CAIS (the certificate of no debt, the status of
 * a declaration …) asked over AMQP with reply_to and correlation_id, the
 * answer given to the HTTP caller (docs/amqp.md, "Queries"). */
typedef struct kh_queries {
    char    *url;           /* amqp[s]://user:pass@host:port/vhost; NULL: no queries */
    char    *tls_ca;        /* amqps: CAs that verify the broker (PEM), or NULL for the system's */
    char    *exchange;      /* the topic exchange queries are published to, as query.KIND (default "customs.queries") */
    unsigned timeout_ms;    /* how long the caller waits for CAIS (default 10000) */
    char   **kinds;         /* the kinds that may be asked: kinds = no-debt, declaration-status */
    size_t   nkinds;
} kh_queries;

typedef struct kh_route {
    char    *name;          /* [route NAME] */
    unsigned families;      /* family = DEC, PAY … (0: any) */
    char    *type;          /* message type code (e.g. IM, EX), or NULL for any */
    char    *office;        /* declaration office, or NULL for any */
    char    *agency;        /* agency code (LPCO), or NULL for any */
    char   **to;            /* destination names, checked to exist */
    size_t   nto;
} kh_route;

/* The operator console (docs/console.md): [console] and its users,
 * [console user NAME]. */
typedef enum kh_console_role { KH_ROLE_VIEWER = 1, KH_ROLE_OPERATOR = 2 } kh_console_role;

typedef struct kh_console_user {
    char           *name;                 /* [console user NAME] */
    kh_console_role role;                 /* role = viewer | operator */
    char           *password;             /* a hash of `khaalga passwd`, or NULL */
    char           *client_certificate;   /* the CN or serialNumber of its TLS client certificate, or NULL */
} kh_console_user;

typedef struct kh_console_config {
    bool             enabled;             /* a [console] section was given */
    char            *listen;              /* "ADDRESS:PORT" */
    bool             tls;                 /* HTTPS with [server] tls_cert and tls_key */
    char            *client_ca;           /* CAs of the users' client certificates (PEM), or NULL */
    unsigned         session_idle_s;      /* (default 900) */
    unsigned         session_lifetime_s;  /* (default 28800) */
    kh_console_user *users;
    size_t           nusers;
} kh_console_config;

typedef struct kh_config {
    char          *path;
    /* [server] */
    char         **listen;          /* "ADDRESS:PORT", HTTP */
    size_t         nlisten;
    char          *tls_listen;      /* "ADDRESS:PORT", HTTPS, or NULL */
    char          *tls_cert, *tls_key, *tls_client_ca;
    size_t         max_body;        /* bytes (default 16 MiB) */
    unsigned       max_connections; /* (default 256) */
    unsigned       threads;         /* (default 4) */
    unsigned       connection_timeout_s;  /* (default 30) */
    /* [journal] */
    char          *journal;         /* SQLite file */
    unsigned       retention_days;  /* (default 90) */
    /* [profile] */
    char          *profile;         /* WCO DM profile folder, or NULL for the default */
    /* [spool] */
    char          *spool;           /* ingress folder holding in/ done/ failed/, or NULL */
    /* [signing] */
    char          *signing_key, *signing_cert;   /* for receipts and replies, or NULL */
    /* [log] */
    char          *log_level;       /* error, info (default), debug */

    kh_partner    *partners;
    size_t         npartners;
    kh_destination*destinations;
    size_t         ndestinations;
    kh_route      *routes;
    size_t         nroutes;
    kh_consumer   *consumers;
    size_t         nconsumers;
    kh_queries     queries;
    kh_console_config console;
} kh_config;

/* Reads and checks path. NULL on error, with err as "PATH:LINE: what" (or
 * "PATH: what" for a check that concerns no single line, e.g. a route to a
 * destination that does not exist). */
kh_config *kh_config_load(const char *path, char *err, size_t errlen);
void kh_config_free(kh_config *config);

const kh_partner *kh_config_partner(const kh_config *c, const char *id);
const kh_partner *kh_config_partner_by_edifact_id(const kh_config *c, const char *edifact_id);
const kh_partner *kh_config_partner_by_identity(const kh_config *c, const char *identity);
const kh_destination *kh_config_destination(const kh_config *c, const char *name);
const kh_consumer *kh_config_consumer(const kh_config *c, const char *name);
/* Whether kind is one of [queries] kinds. */
bool kh_config_query_kind(const kh_config *c, const char *kind);
const kh_console_user *kh_config_console_user(const kh_config *c, const char *name);
const kh_console_user *kh_config_console_user_by_certificate(const kh_config *c, const char *identity);

#endif
