/*
 * internal.h - what the files of the console share: the running console,
 * one request as the handlers see it, and the answer they make.
 *   server.c   the listener (libmicrohttpd), sessions and CSRF at the door,
 *              security headers, the static assets
 *   login.c    logging in and out, the session's description
 *   api.c      the JSON API over the journal
 *   body.c     reading the small JSON objects the API is sent
 */
#ifndef KHAALGA_CONSOLE_INTERNAL_H
#define KHAALGA_CONSOLE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "console/console.h"
#include "console/session.h"
#include "console/throttle.h"
#include "journal/journal.h"

enum { KH_CONSOLE_MAX_BODY = 16 * 1024 };

#define KH_CONSOLE_COOKIE "khaalga_console"

struct kh_console {
    struct MHD_Daemon     *daemon;
    kh_gateway_slot       *slot;
    kh_console_replayed_fn replayed;
    void                  *ctx;
    char                  *journal_path;
    bool                   tls;
    char                  *tls_cert, *tls_key, *tls_trust;   /* PEM, kept while the daemon runs */
    kh_sessions           *sessions;
    kh_throttle           *user_throttle;                    /* failed logins per user name */
    kh_throttle           *client_throttle;                  /* and per client address */
    pthread_key_t          journal_key;                      /* this thread's read-only journal */
    pthread_mutex_t        overview_lock;                    /* the overview, kept a few seconds */
    char                  *overview;
    size_t                 overview_size;
    int64_t                overview_at_ms;
};

typedef struct kh_console_request {
    kh_console            *console;
    const kh_config       *config;           /* of the gateway in force, for this request */
    const char            *method, *path;    /* path below /console/api */
    const char            *body;             /* NUL-terminated */
    size_t                 body_size;
    const char *         (*query)(void *cls, const char *name);   /* a query-string argument, or NULL */
    void                  *query_cls;
    kh_journal            *journal;          /* read-only, this thread's; NULL when it cannot be opened */
    const char            *client;           /* the client's address */
    const kh_console_user *certificate_user; /* the user its TLS client certificate proves, or NULL */
    bool                   secure;           /* over HTTPS */
    const kh_session      *session;          /* NULL before login */
    const kh_console_user *user;             /* the session's user, as configured now */
} kh_console_request;

typedef struct kh_console_answer {
    unsigned status;
    char    *body;           /* malloc'd JSON */
    size_t   size;
    char     set_cookie[256];
    unsigned retry_after_s;  /* 429 */
} kh_console_answer;

/* The answer's JSON is written into a memory stream. */
FILE *kh_answer_open(kh_console_answer *a, unsigned status);
int kh_answer_close(kh_console_answer *a, FILE *f);
/* {"error":code,"text":text} */
void kh_answer_error(kh_console_answer *a, unsigned status, const char *code, const char *text);

/* login.c */
void kh_console_login(kh_console_request *r, kh_console_answer *a);
void kh_console_logout(kh_console_request *r, kh_console_answer *a);
void kh_console_session_json(kh_console_request *r, kh_console_answer *a);
const char *kh_console_role_name(kh_console_role role);

/* api.c: GET and POST under /console/api other than login and logout */
void kh_console_api(kh_console_request *r, kh_console_answer *a);

/* body.c: the string value of name in a flat JSON object, decoded into out
 * (UTF-8). 1 found, 0 absent, -1 when text is not such an object or the
 * value does not fit or is not a string. */
int kh_json_object_string(const char *text, const char *name, char *out, size_t outlen);

#endif
