/*
 * http.c - the HTTP ingress on libmicrohttpd: a pool of threads, each with
 * its own pipeline worker (journal connection), made on first use. Answers
 * carry the outcome, never internal detail. With [server] tls_listen, an
 * HTTPS listener (GnuTLS inside libmicrohttpd) asks for client certificates
 * from the tls_client_ca; a verified certificate names the partner whose
 * client_certificate is its serialNumber, organizationIdentifier or CN.
 */
#include "ingress/http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "dsig/dsig.h"
#include "ingress/queries.h"
#include "pipeline/pipeline.h"
#include "serve/metrics.h"
#include "util/listen.h"

enum { MAX_DAEMONS = 8, STOP_GRACE_MS = 1000 };

struct kh_http {
    struct MHD_Daemon *daemons[MAX_DAEMONS];
    size_t             ndaemons;
    char              *tls_cert, *tls_key, *tls_trust;   /* PEM, kept while the TLS daemon runs */
    kh_gateway_slot   *slot;
    kh_routed_fn       routed;
    void              *ctx;
    kh_amqp_requester *requester;    /* NULL: no [queries] */
    char              *journal;
    size_t             max_body;
    pthread_key_t      worker_key;
};

typedef struct request {
    char  *body;
    size_t size, cap;
    bool   too_large;
} request;

/* ------------------------------------------------------------ answers */

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *type, const char *body,
                              size_t size, const char *message_id)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(size, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (message_id && message_id[0])
        MHD_add_response_header(r, "X-Message-Id", message_id);
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result answer_error(struct MHD_Connection *c, unsigned status, const char *reason, const char *text)
{
    char body[512];
    int n = snprintf(body, sizeof body, "{\"id\":null,\"verdict\":\"rejected\",\"reason\":\"%s\",\"errors\":"
                     "[{\"code\":\"%s\",\"place\":\"\",\"text\":\"%s\"}]}\n", reason, reason, text);
    return answer(c, status, "application/json", body, (size_t)n, NULL);
}

static unsigned status_of(const kh_outcome *o)
{
    switch (o->verdict) {
    case KH_ACCEPTED: return MHD_HTTP_ACCEPTED;
    case KH_DUPLICATE: return MHD_HTTP_OK;
    case KH_TEMPORARY: return MHD_HTTP_SERVICE_UNAVAILABLE;
    case KH_INTERNAL: return MHD_HTTP_INTERNAL_SERVER_ERROR;
    case KH_REJECTED:
        if (strcmp(o->reason, "unsupported") == 0)
            return MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
        if (strcmp(o->reason, "unknown-partner") == 0 || strcmp(o->reason, "identity-mismatch") == 0 ||
            strcmp(o->reason, "not-allowed") == 0)
            return MHD_HTTP_FORBIDDEN;
        return MHD_HTTP_UNPROCESSABLE_CONTENT;
    }
    return MHD_HTTP_INTERNAL_SERVER_ERROR;
}

static bool wants_json(struct MHD_Connection *c)
{
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    return accept && strstr(accept, "application/json");
}

/* The outcome: the acknowledgement document itself (CONTRL, signed RES)
 * when there is one and JSON was not asked for; JSON otherwise. */
static enum MHD_Result answer_outcome(struct MHD_Connection *c, const kh_outcome *o)
{
    unsigned status = status_of(o);
    if (o->reply && !wants_json(c)) {
        struct MHD_Response *r = MHD_create_response_from_buffer(o->reply_size, o->reply, MHD_RESPMEM_MUST_COPY);
        if (!r)
            return MHD_NO;
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, o->reply_type);
        if (o->id[0])
            MHD_add_response_header(r, "X-Message-Id", o->id);
        MHD_add_response_header(r, "X-Verdict", o->reason);
        MHD_add_response_header(r, "X-Acknowledgement", o->reply_kind);
        enum MHD_Result ok = MHD_queue_response(c, status, r);
        MHD_destroy_response(r);
        return ok;
    }
    char *json = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&json, &size);
    if (!mem)
        return MHD_NO;
    kh_outcome_print_json(mem, o);
    fclose(mem);
    enum MHD_Result ok = answer(c, status, "application/json", json, size, o->id);
    free(json);
    return ok;
}

/* ------------------------------------------------------------ the worker of this thread */

static void free_worker(void *w)
{
    kh_worker_free(w);
}

static kh_worker *this_thread_worker(kh_http *h)
{
    kh_worker *w = pthread_getspecific(h->worker_key);
    if (!w) {
        char err[256];
        w = kh_worker_new(h->journal, err, sizeof err);
        if (w)
            pthread_setspecific(h->worker_key, w);
    }
    return w;
}

/* ------------------------------------------------------------ client certificates */

typedef enum client_proof {
    PLAIN_HTTP,              /* no TLS: the customs network's own listener */
    NO_CLIENT_CERTIFICATE,   /* TLS without a client certificate */
    CLIENT_PARTNER,          /* a verified certificate of a partner */
    CLIENT_REFUSED           /* a certificate that does not verify, or of no partner */
} client_proof;

/* Which partner the connection's client certificate proves. */
static client_proof client_partner(struct MHD_Connection *c, const kh_config *cfg, const char **partner_id)
{
    *partner_id = NULL;
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!info || !info->tls_session)
        return PLAIN_HTTP;
    gnutls_session_t session = info->tls_session;
    unsigned count = 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(session, &count);
    if (!peers || count == 0)
        return NO_CLIENT_CERTIFICATE;
    unsigned status = 0;
    if (gnutls_certificate_verify_peers2(session, &status) != GNUTLS_E_SUCCESS || status != 0)
        return CLIENT_REFUSED;
    kh_dsig_claim claim;
    if (!kh_certificate_claim(peers[0].data, peers[0].size, &claim))
        return CLIENT_REFUSED;
    const char *fields[3] = { claim.serial_number, claim.organization_identifier, claim.common_name };
    for (size_t i = 0; i < cfg->npartners; i++) {
        const kh_partner *p = &cfg->partners[i];
        if (!p->client_certificate)
            continue;
        for (size_t f = 0; f < 3; f++)
            if (fields[f][0] && strcmp(fields[f], p->client_certificate) == 0) {
                *partner_id = p->id;
                return CLIENT_PARTNER;
            }
    }
    return CLIENT_REFUSED;
}

/* ------------------------------------------------------------ routes */

static bool acceptable_type(const char *type)
{
    if (!type)
        return true;    /* recognized from the content */
    static const char *const allowed[] = { "application/edifact", "application/xml", "text/xml", "text/plain",
                                           "application/octet-stream" };
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (strncasecmp(type, allowed[i], strlen(allowed[i])) == 0)
            return true;
    return false;
}

static enum MHD_Result post_message(kh_http *h, struct MHD_Connection *c, request *rq)
{
    if (rq->too_large)
        return answer_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too-large", "the message is larger than the limit");
    kh_worker *w = this_thread_worker(h);
    if (!w)
        return answer_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "journal-unavailable", "try again later");
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    kh_received m = { .channel = "http", .content_type = type, .raw = rq->body ? rq->body : "", .size = rq->size };
    kh_outcome o;
    const kh_gateway *g = kh_gateway_acquire(h->slot);
    const char *tls_partner = NULL;
    if (client_partner(c, g->config, &tls_partner) == CLIENT_REFUSED) {
        kh_gateway_release(h->slot, g);
        return answer_error(c, MHD_HTTP_FORBIDDEN, "unknown-client-certificate",
                            "the client certificate is not one of a partner");
    }
    kh_process(w, g, &m, tls_partner, &o);
    kh_gateway_release(h->slot, g);
    if (o.verdict == KH_ACCEPTED && h->routed)
        h->routed(h->ctx);
    enum MHD_Result ok = answer_outcome(c, &o);
    kh_outcome_free(&o);
    return ok;
}

/* Over HTTPS a partner proved by its client certificate sees its own
 * messages only, and nobody else sees any; the plain HTTP listener is for
 * the customs network (operators, CAIS). */
static enum MHD_Result get_message(kh_http *h, struct MHD_Connection *c, const char *id)
{
    kh_worker *w = this_thread_worker(h);
    if (!w)
        return answer_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "journal-unavailable", "try again later");
    for (const char *p = id; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || *p == '-'))
            return answer_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such message");
    const kh_gateway *g = kh_gateway_acquire(h->slot);
    const char *tls_partner = NULL;
    client_proof proof = client_partner(c, g->config, &tls_partner);
    char owner[128] = "";
    int known = proof == CLIENT_PARTNER ? kh_journal_partner_of(kh_worker_journal(w), id, owner, sizeof owner) : 0;
    bool allowed = proof == PLAIN_HTTP || (proof == CLIENT_PARTNER && known == 0 && strcmp(owner, tls_partner) == 0);
    kh_gateway_release(h->slot, g);
    if (!allowed)    /* the same answer as for an unknown id: nothing is revealed */
        return answer_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such message");
    char *json = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&json, &size);
    if (!mem)
        return MHD_NO;
    int rc = kh_journal_status_json(kh_worker_journal(w), id, mem);
    fclose(mem);
    enum MHD_Result ok = rc == 0 ? answer(c, MHD_HTTP_OK, "application/json", json, size, id)
                       : rc == 1 ? answer_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such message")
                                 : answer_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "journal-unavailable",
                                                "try again later");
    free(json);
    return ok;
}

/* A question for CAIS. Over HTTPS only a partner proved by its client
 * certificate may ask, and CAIS is told who asks; the plain listener is
 * the customs network's. */
static enum MHD_Result get_query(kh_http *h, struct MHD_Connection *c, const char *kind)
{
    const kh_gateway *g = kh_gateway_acquire(h->slot);
    const char *tls_partner = NULL;
    client_proof proof = client_partner(c, g->config, &tls_partner);
    if (proof != PLAIN_HTTP && proof != CLIENT_PARTNER) {
        kh_gateway_release(h->slot, g);
        return answer_error(c, MHD_HTTP_FORBIDDEN, "unknown-client-certificate",
                            "queries over HTTPS need the client certificate of a partner");
    }
    kh_query_reply reply;
    kh_query_answer(h->requester, g->config, c, kind, tls_partner, &reply);
    kh_gateway_release(h->slot, g);
    struct MHD_Response *r = MHD_create_response_from_buffer(reply.size, reply.body ? reply.body : "",
                                                             MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ok = MHD_NO;
    if (r) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, reply.content_type);
        MHD_add_response_header(r, "Cache-Control", "no-store");
        if (reply.correlation_id[0])
            MHD_add_response_header(r, "X-Correlation-Id", reply.correlation_id);
        ok = MHD_queue_response(c, reply.status, r);
        MHD_destroy_response(r);
    }
    kh_query_reply_free(&reply);
    return ok;
}

static enum MHD_Result get_metrics(kh_http *h, struct MHD_Connection *c)
{
    kh_worker *w = this_thread_worker(h);
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    if (!mem)
        return MHD_NO;
    int rc = w ? kh_metrics_write(kh_worker_journal(w), mem) : -1;
    fclose(mem);
    enum MHD_Result ok = rc == 0 ? answer(c, MHD_HTTP_OK, "text/plain; version=0.0.4", text, size, NULL)
                                 : answer_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "journal-unavailable",
                                                "try again later");
    free(text);
    return ok;
}

static enum MHD_Result get_health(kh_http *h, struct MHD_Connection *c)
{
    kh_worker *w = this_thread_worker(h);
    bool healthy = w && kh_journal_outbox_depth(kh_worker_journal(w)) >= 0;
    const char *body = healthy ? "{\"status\":\"ok\"}\n" : "{\"status\":\"journal-unavailable\"}\n";
    return answer(c, healthy ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "application/json", body, strlen(body),
                  NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    kh_http *h = cls;
    bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;

    if (strcmp(url, "/v1/messages") == 0) {
        if (!post)
            return answer_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", "POST a message here");
        request *rq = *con_cls;
        if (!rq) {
            const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
            if (!acceptable_type(type))
                return answer_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported-content-type",
                                    "send application/EDIFACT or application/xml");
            const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
            if (length && strtoull(length, NULL, 10) > h->max_body)
                return answer_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too-large", "the message is larger than the limit");
            rq = calloc(1, sizeof *rq);
            if (!rq)
                return MHD_NO;
            *con_cls = rq;
            return MHD_YES;
        }
        if (*upload_data_size > 0) {
            if (!rq->too_large && rq->size + *upload_data_size <= h->max_body) {
                if (rq->size + *upload_data_size > rq->cap) {
                    size_t cap = rq->cap ? rq->cap : 65536;
                    while (cap < rq->size + *upload_data_size)
                        cap *= 2;
                    char *grown = realloc(rq->body, cap);
                    if (!grown)
                        return MHD_NO;
                    rq->body = grown;
                    rq->cap = cap;
                }
                memcpy(rq->body + rq->size, upload_data, *upload_data_size);
                rq->size += *upload_data_size;
            } else {
                rq->too_large = true;    /* the rest is read and dropped */
            }
            *upload_data_size = 0;
            return MHD_YES;
        }
        return post_message(h, c, rq);
    }
    if (!get)
        return answer_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", "only GET here");
    if (strncmp(url, "/v1/messages/", 13) == 0 && url[13])
        return get_message(h, c, url + 13);
    if (strncmp(url, "/v1/queries/", 12) == 0 && url[12])
        return get_query(h, c, url + 12);
    if (strcmp(url, "/healthz") == 0)
        return get_health(h, c);
    if (strcmp(url, "/metrics") == 0)
        return get_metrics(h, c);
    return answer_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such resource");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)c;
    (void)why;
    request *rq = *con_cls;
    if (rq) {
        free(rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

/* One listener; tls: with the server certificate and the client CAs. */
static struct MHD_Daemon *listen_on(kh_http *h, const kh_config *cfg, const char *address, bool tls, char *err,
                                    size_t errlen)
{
    struct sockaddr_storage ss;
    if (!kh_listen_address(address, &ss)) {
        snprintf(err, errlen, "%s: %s = %s: not ADDRESS:PORT", cfg->path, tls ? "tls_listen" : "listen", address);
        return NULL;
    }
    /* ITC: so that a stop can quiesce the pool's threads (kh_http_stop) */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    unsigned connections = cfg->max_connections ? cfg->max_connections : 256;
    struct MHD_OptionItem tls_options[] = {
        { MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert },
        { MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key },
        { h->tls_trust ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0, h->tls_trust },
        { MHD_OPTION_END, 0, NULL },
    };
    struct MHD_OptionItem no_options[] = { { MHD_OPTION_END, 0, NULL } };
    if (tls)
        flags |= MHD_USE_TLS;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, h,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cfg->threads ? cfg->threads : 4),
        MHD_OPTION_CONNECTION_LIMIT, connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(cfg->connection_timeout_s ? cfg->connection_timeout_s : 30),
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, connections,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
        MHD_OPTION_ARRAY, tls ? tls_options : no_options,
        MHD_OPTION_END);
    if (!d)
        snprintf(err, errlen, "%s: %s = %s: cannot listen there (in use, not an address of this machine%s)",
                 cfg->path, tls ? "tls_listen" : "listen", address, tls ? ", or the TLS files do not fit" : "");
    return d;
}

kh_http *kh_http_start(const kh_config *cfg, kh_gateway_slot *slot, kh_routed_fn routed, void *ctx,
                       kh_amqp_requester *requester, char *err, size_t errlen)
{
    kh_http *h = calloc(1, sizeof *h);
    if (!h || !(h->journal = strdup(cfg->journal))) {
        free(h);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->slot = slot;
    h->routed = routed;
    h->ctx = ctx;
    h->requester = requester;
    h->max_body = cfg->max_body ? cfg->max_body : 16u << 20;
    pthread_key_create(&h->worker_key, free_worker);
    for (size_t i = 0; i < cfg->nlisten && h->ndaemons < MAX_DAEMONS; i++) {
        struct MHD_Daemon *d = listen_on(h, cfg, cfg->listen[i], false, err, errlen);
        if (!d) {
            kh_http_stop(h);
            return NULL;
        }
        h->daemons[h->ndaemons++] = d;
    }
    if (cfg->tls_listen && h->ndaemons < MAX_DAEMONS) {
        h->tls_cert = kh_read_text_file(cfg->tls_cert);
        h->tls_key = kh_read_text_file(cfg->tls_key);
        h->tls_trust = cfg->tls_client_ca ? kh_read_text_file(cfg->tls_client_ca) : NULL;
        struct MHD_Daemon *d = NULL;
        if (!h->tls_cert || !h->tls_key || (cfg->tls_client_ca && !h->tls_trust))
            snprintf(err, errlen, "%s: the TLS certificate, key or client CA file cannot be read", cfg->path);
        else
            d = listen_on(h, cfg, cfg->tls_listen, true, err, errlen);
        if (!d) {
            kh_http_stop(h);
            return NULL;
        }
        h->daemons[h->ndaemons++] = d;
    }
    return h;
}

/* Connections still open on the listeners. */
static unsigned open_connections(const kh_http *h)
{
    unsigned n = 0;
    for (size_t i = 0; i < h->ndaemons; i++) {
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemons[i], MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        n += info ? info->num_connections : 0;
    }
    return n;
}

void kh_http_stop(kh_http *h)
{
    if (!h)
        return;
    /* no new connections; answers being written (a message just journaled,
     * a question just failed) get up to STOP_GRACE_MS to leave */
    int listeners[MAX_DAEMONS];
    for (size_t i = 0; i < h->ndaemons; i++)
        listeners[i] = MHD_quiesce_daemon(h->daemons[i]);
    for (int waited = 0; waited < STOP_GRACE_MS && open_connections(h) > 0; waited += 20)
        usleep(20 * 1000);
    for (size_t i = 0; i < h->ndaemons; i++) {
        MHD_stop_daemon(h->daemons[i]);
        if (listeners[i] >= 0)
            close(listeners[i]);
    }
    pthread_key_delete(h->worker_key);
    free(h->tls_cert);
    free(h->tls_key);
    free(h->tls_trust);
    free(h->journal);
    free(h);
}
