/*
 * server.c - the console's listener on libmicrohttpd, apart from the
 * partners' one: its own address, a small thread pool with a read-only
 * journal connection each, optionally HTTPS with the server's certificate
 * and client certificates of the console's users. At the door: a session
 * (cookie) for everything under /console/api but the login, a CSRF token
 * and a same-origin request for everything that changes something, small
 * bodies only. Every answer carries a strict Content-Security-Policy and
 * is not cached; the web files come from the program itself.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "console/assets.h"
#include "console/internal.h"
#include "dsig/dsig.h"
#include "journal/search.h"
#include "util/log.h"
#include "util/listen.h"

enum { THREADS = 2, MAX_CONNECTIONS = 64, MAX_SESSIONS = 256, THROTTLE_ENTRIES = 1024,
       FREE_USER_FAILURES = 3, FREE_CLIENT_FAILURES = 10 };

static const char security_policy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

typedef struct pending_body {
    char  *data;
    size_t size;
    bool   too_large;
} pending_body;

/* ------------------------------------------------------------ answers */

FILE *kh_answer_open(kh_console_answer *a, unsigned status)
{
    a->status = status;
    FILE *f = open_memstream(&a->body, &a->size);
    if (!f)
        a->status = 500;
    return f;
}

int kh_answer_close(kh_console_answer *a, FILE *f)
{
    (void)a;
    return fclose(f);
}

void kh_answer_error(kh_console_answer *a, unsigned status, const char *code, const char *text)
{
    free(a->body);
    a->body = NULL;
    a->size = 0;
    FILE *f = kh_answer_open(a, status);
    if (!f)
        return;
    fprintf(f, "{\"error\":\"%s\",\"text\":\"", code);
    for (const char *p = text; *p; p++) {    /* our own texts: no control characters */
        if (*p == '"' || *p == '\\')
            fputc('\\', f);
        fputc(*p, f);
    }
    fputs("\"}\n", f);
    kh_answer_close(a, f);
}

static void common_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Content-Security-Policy", security_policy);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
}

static enum MHD_Result send_answer(struct MHD_Connection *c, kh_console_answer *a, bool secure)
{
    if (!a->body) {
        a->status = 500;
        a->body = strdup("{\"error\":\"internal\",\"text\":\"out of memory\"}\n");
        a->size = a->body ? strlen(a->body) : 0;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(a->size, a->body ? a->body : "", MHD_RESPMEM_MUST_COPY);
    free(a->body);
    a->body = NULL;
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    common_headers(r);
    if (secure)
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
    if (a->set_cookie[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, a->set_cookie);
    if (a->retry_after_s) {
        char seconds[16];
        snprintf(seconds, sizeof seconds, "%u", a->retry_after_s);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, seconds);
    }
    enum MHD_Result ok = MHD_queue_response(c, a->status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *code, const char *text)
{
    kh_console_answer a = { 0 };
    kh_answer_error(&a, status, code, text);
    return send_answer(c, &a, false);
}

static enum MHD_Result redirect(struct MHD_Connection *c, const char *to)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, to);
    common_headers(r);
    enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_FOUND, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result send_asset(struct MHD_Connection *c, const char *name)
{
    const kh_console_asset *asset = NULL;
    for (size_t i = 0; i < kh_console_nassets; i++)
        if (strcmp(kh_console_assets[i].name, name) == 0)
            asset = &kh_console_assets[i];
    if (!asset)
        return send_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such file");
    const char *known = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    bool unchanged = known && strcmp(known, asset->etag) == 0;
    struct MHD_Response *r = unchanged ? MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT)
                                       : MHD_create_response_from_buffer(asset->size, (void *)asset->data,
                                                                         MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, asset->type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, asset->etag);
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    common_headers(r);
    enum MHD_Result ok = MHD_queue_response(c, unchanged ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ok;
}

/* ------------------------------------------------------------ who is asking */

static void close_journal(void *j)
{
    kh_journal_close(j);
}

static kh_journal *this_thread_journal(kh_console *console)
{
    kh_journal *j = pthread_getspecific(console->journal_key);
    if (!j) {
        char err[512];
        j = kh_journal_open_readonly(console->journal_path, err, sizeof err);
        if (j)
            pthread_setspecific(console->journal_key, j);
        else
            kh_log("error", "journal-unavailable", NULL, err);
    }
    return j;
}

static void client_address(struct MHD_Connection *c, char *out, size_t outlen)
{
    snprintf(out, outlen, "unknown");
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr)
        return;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)outlen);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)outlen);
}

/* The console user a verified TLS client certificate names, or NULL. */
static const kh_console_user *certificate_user(struct MHD_Connection *c, const kh_config *config)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!info || !info->tls_session || !config->console.client_ca)
        return NULL;
    gnutls_session_t session = info->tls_session;
    unsigned count = 0, status = 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(session, &count);
    if (!peers || count == 0)
        return NULL;
    if (gnutls_certificate_verify_peers2(session, &status) != GNUTLS_E_SUCCESS || status != 0)
        return NULL;
    kh_dsig_claim claim;
    if (!kh_certificate_claim(peers[0].data, peers[0].size, &claim))
        return NULL;
    const char *fields[3] = { claim.serial_number, claim.organization_identifier, claim.common_name };
    for (size_t i = 0; i < 3; i++) {
        const kh_console_user *u = kh_config_console_user_by_certificate(config, fields[i]);
        if (u)
            return u;
    }
    return NULL;
}

/* A state-changing request must come from the console's own pages: no
 * other site's Origin, and no cross-site fetch. */
static bool same_origin(struct MHD_Connection *c, bool secure)
{
    const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
    if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
        return false;
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    if (!origin)
        return true;    /* not a browser's cross-site request: scripts and curl */
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!host)
        return false;
    char expected[300];
    snprintf(expected, sizeof expected, "%s://%s", secure ? "https" : "http", host);
    return strcasecmp(origin, expected) == 0;
}

static const char *query_argument(void *cls, const char *name)
{
    return MHD_lookup_connection_value(cls, MHD_GET_ARGUMENT_KIND, name);
}

/* ------------------------------------------------------------ the API */

static enum MHD_Result api(kh_console *console, struct MHD_Connection *c, const char *method, const char *path,
                           const pending_body *body)
{
    bool secure = console->tls;
    bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    if (post && body->too_large)
        return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too-large", "the request body is larger than 16K");
    if (post && !same_origin(c, secure))
        return send_error(c, MHD_HTTP_FORBIDDEN, "cross-origin", "the request does not come from the console's pages");

    const kh_gateway *g = kh_gateway_acquire(console->slot);
    char client[INET6_ADDRSTRLEN + 1];
    client_address(c, client, sizeof client);
    kh_console_request r = {
        .console = console, .config = g->config, .method = method, .path = path,
        .body = body->data ? body->data : "", .body_size = body->size,
        .query = query_argument, .query_cls = c, .journal = this_thread_journal(console),
        .client = client, .certificate_user = certificate_user(c, g->config), .secure = secure,
    };
    kh_console_answer a = { 0 };
    kh_session session;

    if (strcmp(path, "/login") == 0) {
        const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (!post)
            kh_answer_error(&a, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", "POST to log in");
        else if (!type || strncasecmp(type, "application/json", 16) != 0)
            kh_answer_error(&a, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported-content-type",
                            "send the login as application/json");
        else
            kh_console_login(&r, &a);
    } else {
        const char *token = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, KH_CONSOLE_COOKIE);
        int64_t now = kh_journal_now_ms();
        if (kh_sessions_use(console->sessions, token, now, &session) != 0) {
            kh_answer_error(&a, MHD_HTTP_UNAUTHORIZED, "not-logged-in", "log in first; sessions end after a while");
        } else if (!(r.user = kh_config_console_user(g->config, session.user))) {
            kh_sessions_end_user(console->sessions, session.user);    /* removed by a reload */
            kh_answer_error(&a, MHD_HTTP_UNAUTHORIZED, "not-logged-in", "this user is no longer configured");
        } else if (post && !kh_csrf_matches(&session, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token"))) {
            kh_answer_error(&a, MHD_HTTP_FORBIDDEN, "csrf", "the X-CSRF-Token header is missing or wrong");
        } else {
            r.session = &session;
            kh_console_api(&r, &a);
        }
    }
    kh_gateway_release(console->slot, g);
    return send_answer(c, &a, secure);
}

/* ------------------------------------------------------------ requests */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    kh_console *console = cls;
    bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;

    if (strncmp(url, "/console/api/", 13) == 0) {
        if (!get && !post)
            return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", "GET or POST");
        pending_body *body = *con_cls;
        if (!body) {
            if (!(body = calloc(1, sizeof *body)))
                return MHD_NO;
            *con_cls = body;
            return MHD_YES;
        }
        if (*upload_data_size > 0) {
            if (!body->too_large && body->size + *upload_data_size <= KH_CONSOLE_MAX_BODY) {
                char *grown = realloc(body->data, body->size + *upload_data_size + 1);
                if (!grown)
                    return MHD_NO;
                body->data = grown;
                memcpy(body->data + body->size, upload_data, *upload_data_size);
                body->size += *upload_data_size;
                body->data[body->size] = '\0';
            } else {
                body->too_large = true;
            }
            *upload_data_size = 0;
            return MHD_YES;
        }
        if (body->data && strlen(body->data) != body->size)
            return send_error(c, MHD_HTTP_BAD_REQUEST, "bad-request", "the body holds a NUL byte");
        return api(console, c, method, url + 12, body);
    }
    if (!get)
        return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", "only GET here");
    if (strcmp(url, "/") == 0 || strcmp(url, "/console") == 0)
        return redirect(c, "/console/");
    if (strcmp(url, "/console/") == 0)
        return send_asset(c, "index.html");
    if (strncmp(url, "/console/assets/", 16) == 0)
        return send_asset(c, url + 16);
    return send_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such page");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)c;
    (void)why;
    pending_body *body = *con_cls;
    if (body) {
        free(body->data);
        free(body);
        *con_cls = NULL;
    }
}

/* ------------------------------------------------------------ start, stop */

static bool start_daemon(kh_console *console, const kh_config *config, char *err, size_t errlen)
{
    const kh_console_config *k = &config->console;
    struct sockaddr_storage ss;
    if (!kh_listen_address(k->listen, &ss)) {
        snprintf(err, errlen, "%s: [console] listen = %s: not ADDRESS:PORT", config->path, k->listen);
        return false;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem tls_options[] = {
        { MHD_OPTION_HTTPS_MEM_CERT, 0, console->tls_cert },
        { MHD_OPTION_HTTPS_MEM_KEY, 0, console->tls_key },
        { console->tls_trust ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0, console->tls_trust },
        { MHD_OPTION_END, 0, NULL },
    };
    struct MHD_OptionItem no_options[] = { { MHD_OPTION_END, 0, NULL } };
    if (console->tls) {
        flags |= MHD_USE_TLS;
        console->tls_cert = kh_read_text_file(config->tls_cert);
        console->tls_key = kh_read_text_file(config->tls_key);
        console->tls_trust = k->client_ca ? kh_read_text_file(k->client_ca) : NULL;
        if (!console->tls_cert || !console->tls_key || (k->client_ca && !console->tls_trust)) {
            snprintf(err, errlen, "%s: [console] the TLS certificate, key or client CA file cannot be read",
                     config->path);
            return false;
        }
        tls_options[0].ptr_value = console->tls_cert;
        tls_options[1].ptr_value = console->tls_key;
        tls_options[2].option = console->tls_trust ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END;
        tls_options[2].ptr_value = console->tls_trust;
    }
    console->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, console,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)THREADS,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS / 2,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, console,
        MHD_OPTION_ARRAY, console->tls ? tls_options : no_options,
        MHD_OPTION_END);
    if (!console->daemon) {
        snprintf(err, errlen, "%s: [console] listen = %s: cannot listen there (in use, not an address of this "
                 "machine%s)", config->path, k->listen, console->tls ? ", or the TLS files do not fit" : "");
        return false;
    }
    return true;
}

kh_console *kh_console_start(kh_gateway_slot *slot, kh_console_replayed_fn replayed, void *ctx, char *err,
                             size_t errlen)
{
    kh_console *console = calloc(1, sizeof *console);
    if (!console) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    const kh_gateway *g = kh_gateway_acquire(slot);
    const kh_config *config = g->config;
    console->slot = slot;
    console->replayed = replayed;
    console->ctx = ctx;
    console->tls = config->console.tls;
    console->journal_path = strdup(config->journal);
    console->sessions = kh_sessions_new(MAX_SESSIONS, (int64_t)config->console.session_idle_s * 1000,
                                        (int64_t)config->console.session_lifetime_s * 1000);
    console->user_throttle = kh_throttle_new(THROTTLE_ENTRIES, FREE_USER_FAILURES);
    console->client_throttle = kh_throttle_new(THROTTLE_ENTRIES, FREE_CLIENT_FAILURES);
    pthread_mutex_init(&console->overview_lock, NULL);
    pthread_key_create(&console->journal_key, close_journal);
    bool ok = console->journal_path && console->sessions && console->user_throttle && console->client_throttle;
    if (!ok)
        snprintf(err, errlen, "out of memory");
    else
        ok = start_daemon(console, config, err, errlen);
    kh_gateway_release(slot, g);
    if (!ok) {
        kh_console_stop(console);
        return NULL;
    }
    return console;
}

void kh_console_stop(kh_console *console)
{
    if (!console)
        return;
    if (console->daemon)
        MHD_stop_daemon(console->daemon);
    pthread_key_delete(console->journal_key);
    kh_sessions_free(console->sessions);
    kh_throttle_free(console->user_throttle);
    kh_throttle_free(console->client_throttle);
    pthread_mutex_destroy(&console->overview_lock);
    free(console->overview);
    free(console->tls_cert);
    free(console->tls_key);
    free(console->tls_trust);
    free(console->journal_path);
    free(console);
}
