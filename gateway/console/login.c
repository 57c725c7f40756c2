/*
 * login.c - logging in to the console and out of it. A login is a POST of
 * {"user":…,"password":…} as application/json (a cross-site form cannot
 * send that); over HTTPS, a client certificate of a configured user logs
 * in with {}. Failed attempts are slowed down per user name and per client
 * address (throttle.h); the answer to a wrong password and to an unknown
 * user is the same, and takes as long. A session's cookie is HttpOnly and
 * SameSite=Strict, and Secure over HTTPS.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console/internal.h"
#include "console/password.h"
#include "util/json.h"
#include "util/log.h"

static const char *const cookie_name = KH_CONSOLE_COOKIE;

const char *kh_console_role_name(kh_console_role role)
{
    return role == KH_ROLE_OPERATOR ? "operator" : "viewer";
}

static void iso_time(int64_t ms, char out[32])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void write_session(FILE *f, const kh_session *s, const kh_console_user *u, const kh_config *config)
{
    char expires[32];
    iso_time(s->expires_ms, expires);
    fputs("{\"user\":", f);
    kh_json_string(f, u->name);
    fprintf(f, ",\"role\":\"%s\",\"may_replay\":%s,\"csrf_token\":\"%s\",\"idle_timeout_s\":%u,\"expires_at\":\"%s\"}\n",
            kh_console_role_name(u->role), u->role == KH_ROLE_OPERATOR ? "true" : "false", s->csrf,
            config->console.session_idle_s, expires);
}

static bool wait_out(kh_console_request *r, kh_console_answer *a, const char *user_key, const char *client_key,
                     int64_t now)
{
    int64_t wait = kh_throttle_wait(r->console->user_throttle, user_key, now);
    int64_t wait_client = kh_throttle_wait(r->console->client_throttle, client_key, now);
    if (wait_client > wait)
        wait = wait_client;
    if (wait <= 0)
        return false;
    kh_answer_error(a, 429, "too-many-attempts", "too many failed logins: wait before trying again");
    a->retry_after_s = (unsigned)((wait + 999) / 1000);
    return true;
}

void kh_console_login(kh_console_request *r, kh_console_answer *a)
{
    char name[KH_USER_NAME_SIZE * 4], password[KH_PASSWORD_MAX_LENGTH * 4 + 1];
    int has_name = kh_json_object_string(r->body, "user", name, sizeof name);
    int has_password = has_name < 0 ? -1 : kh_json_object_string(r->body, "password", password, sizeof password);
    if (has_name < 0 || has_password < 0) {
        kh_answer_error(a, 400, "bad-request", "send {\"user\":…,\"password\":…} as application/json");
        return;
    }
    int64_t now = kh_journal_now_ms();
    const kh_console_user *u = NULL;

    if (!has_name && !has_password) {
        /* a client certificate alone */
        u = r->certificate_user;
        if (!u) {
            kh_answer_error(a, 401, "no-certificate", "no client certificate of a console user: give user and password");
            return;
        }
    } else {
        if (!has_name || !has_password || !name[0]) {
            kh_answer_error(a, 400, "bad-request", "give both user and password");
            return;
        }
        char user_key[KH_USER_NAME_SIZE * 4 + 8], client_key[80];
        snprintf(user_key, sizeof user_key, "user:%s", name);
        snprintf(client_key, sizeof client_key, "client:%s", r->client);
        if (wait_out(r, a, user_key, client_key, now))
            return;
        u = kh_config_console_user(r->config, name);
        /* the hash is computed whether or not the user exists */
        bool good = kh_password_verify(password, u ? u->password : NULL);
        memset(password, 0, sizeof password);
        if (!good) {
            kh_throttle_failed(r->console->user_throttle, user_key, now);
            kh_throttle_failed(r->console->client_throttle, client_key, now);
            char detail[KH_USER_NAME_SIZE * 4 + 120];
            snprintf(detail, sizeof detail, "console: a failed login as \"%.64s\" from %s", name, r->client);
            kh_log("notice", "login-failed", NULL, detail);
            kh_answer_error(a, 401, "bad-credentials", "the user name or the password is wrong");
            return;
        }
        kh_throttle_succeeded(r->console->user_throttle, user_key);
        kh_throttle_succeeded(r->console->client_throttle, client_key);
    }

    kh_session s;
    if (kh_sessions_create(r->console->sessions, u->name, now, &s) != 0) {
        kh_answer_error(a, 500, "internal", "no session could be made");
        return;
    }
    snprintf(a->set_cookie, sizeof a->set_cookie, "%s=%s; Path=/console; HttpOnly; SameSite=Strict%s", cookie_name,
             s.token, r->secure ? "; Secure" : "");
    char detail[256];
    snprintf(detail, sizeof detail, "console: %s (%s) logged in from %s%s", u->name, kh_console_role_name(u->role),
             r->client, has_name ? "" : " with a client certificate");
    kh_log("info", "login", NULL, detail);
    FILE *f = kh_answer_open(a, 200);
    if (!f)
        return;
    write_session(f, &s, u, r->config);
    kh_answer_close(a, f);
}

void kh_console_logout(kh_console_request *r, kh_console_answer *a)
{
    kh_sessions_end(r->console->sessions, r->session->token);
    snprintf(a->set_cookie, sizeof a->set_cookie, "%s=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0%s",
             cookie_name, r->secure ? "; Secure" : "");
    FILE *f = kh_answer_open(a, 200);
    if (!f)
        return;
    fputs("{\"logged_out\":true}\n", f);
    kh_answer_close(a, f);
}

void kh_console_session_json(kh_console_request *r, kh_console_answer *a)
{
    FILE *f = kh_answer_open(a, 200);
    if (!f)
        return;
    write_session(f, r->session, r->user, r->config);
    kh_answer_close(a, f);
}
