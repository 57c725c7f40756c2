/*
 * session.h - the console's sessions, kept in memory: a random token (the
 * cookie), the user, and a CSRF token that every state-changing request
 * must carry in its X-CSRF-Token header. A session ends after session_idle
 * without a request, after session_lifetime whatever happens, or at logout;
 * a restart ends them all. The table is bounded: when it is full, the
 * session used least recently makes room. Safe to use from several threads.
 */
#ifndef KHAALGA_CONSOLE_SESSION_H
#define KHAALGA_CONSOLE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    KH_TOKEN_SIZE = 65,     /* 32 random bytes in hex, with the NUL */
    KH_USER_NAME_SIZE = 64
};

typedef struct kh_session {
    char    token[KH_TOKEN_SIZE];
    char    csrf[KH_TOKEN_SIZE];
    char    user[KH_USER_NAME_SIZE];
    int64_t created_ms, last_used_ms, expires_ms;   /* expires_ms: the absolute end */
} kh_session;

typedef struct kh_sessions kh_sessions;

kh_sessions *kh_sessions_new(size_t capacity, int64_t idle_ms, int64_t lifetime_ms);
void kh_sessions_free(kh_sessions *s);

/* A new session for user at now_ms into out; 0, or -1 when no random
 * token could be made. */
int kh_sessions_create(kh_sessions *s, const char *user, int64_t now_ms, kh_session *out);

/* The session of token, used now: 0 with a copy in out; -1 when there is
 * none or it has expired (an expired one is forgotten). */
int kh_sessions_use(kh_sessions *s, const char *token, int64_t now_ms, kh_session *out);

/* Ends the session of token (logout). */
void kh_sessions_end(kh_sessions *s, const char *token);

/* Ends every session of user (the user was removed from the configuration). */
void kh_sessions_end_user(kh_sessions *s, const char *user);

/* Sessions alive at now_ms. */
size_t kh_sessions_count(kh_sessions *s, int64_t now_ms);

/* Whether given is the session's CSRF token (constant time; NULL is not). */
bool kh_csrf_matches(const kh_session *session, const char *given);

#endif
