/*
 * test_console.c - the console's pieces that hold its security: password
 * hashes (made, verified, refused when malformed or too weak, a different
 * salt each time, no user costs a miss), sessions (found, idle and
 * absolute expiry, logout, a full table, a user's sessions ended), CSRF
 * tokens, the login throttle, and the JSON bodies the API reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "console/internal.h"
#include "console/password.h"
#include "console/session.h"
#include "console/throttle.h"

/* the fewest iterations accepted, so that the tests stay quick */
#define FAST KH_PASSWORD_MIN_ITERATIONS

static void test_password_round_trip(void **state)
{
    (void)state;
    char hash[KH_PASSWORD_HASH_SIZE], why[200];
    assert_int_equal(kh_password_hash("correct horse", FAST, hash, why, sizeof why), 0);
    assert_true(strncmp(hash, "$pbkdf2-sha256$i=100000$", 24) == 0);
    assert_int_equal(kh_password_check_format(hash, why, sizeof why), 0);
    assert_true(kh_password_verify("correct horse", hash));
    assert_false(kh_password_verify("correct hors", hash));
    assert_false(kh_password_verify("correct horse ", hash));
    assert_false(kh_password_verify("", hash));
}

static void test_password_salted(void **state)
{
    (void)state;
    char a[KH_PASSWORD_HASH_SIZE], b[KH_PASSWORD_HASH_SIZE], why[200];
    assert_int_equal(kh_password_hash("same", FAST, a, why, sizeof why), 0);
    assert_int_equal(kh_password_hash("same", FAST, b, why, sizeof why), 0);
    assert_string_not_equal(a, b);
    assert_true(kh_password_verify("same", a) && kh_password_verify("same", b));
}

static void test_password_refused(void **state)
{
    (void)state;
    char hash[KH_PASSWORD_HASH_SIZE], why[200];
    assert_int_equal(kh_password_hash("", FAST, hash, why, sizeof why), -1);
    assert_string_equal(why, "the password is empty");
    assert_int_equal(kh_password_hash("x", 1000, hash, why, sizeof why), -1);
    assert_non_null(strstr(why, "1000 iterations"));

    static const struct { const char *hash, *why; } bad[] = {
        { "secret", "not a password hash" },
        { "$pbkdf2-sha1$i=600000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not a password hash" },
        { "$pbkdf2-sha256$i=1000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "1000 iterations" },
        { "$pbkdf2-sha256$i=x$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not a number" },
        { "$pbkdf2-sha256$i=600000$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "salt" },
        { "$pbkdf2-sha256$i=600000$AAAAAAAAAAAAAAAAAAAA!A$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "salt" },
        { "$pbkdf2-sha256$i=600000$AAAAAAAAAAAAAAAAAAAAAA$AAAA", "hash" },
        { "$pbkdf2-sha256$i=600000$AAAAAAAAAAAAAAAAAAAAAA", "salt" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(kh_password_check_format(bad[i].hash, why, sizeof why), -1);
        if (!strstr(why, bad[i].why))
            fail_msg("%s: \"%s\" does not say \"%s\"", bad[i].hash, why, bad[i].why);
        assert_false(kh_password_verify("anything", bad[i].hash));
    }
}

static void test_password_no_user(void **state)
{
    (void)state;
    assert_false(kh_password_verify("anything", NULL));
    assert_false(kh_password_verify("", NULL));
}

static void test_sessions(void **state)
{
    (void)state;
    kh_sessions *s = kh_sessions_new(4, 1000, 5000);
    assert_non_null(s);
    kh_session a, b, found;
    assert_int_equal(kh_sessions_create(s, "olga", 0, &a), 0);
    assert_int_equal(kh_sessions_create(s, "victor", 0, &b), 0);
    assert_int_equal(strlen(a.token), KH_TOKEN_SIZE - 1);
    assert_string_not_equal(a.token, b.token);
    assert_string_not_equal(a.token, a.csrf);

    assert_int_equal(kh_sessions_use(s, a.token, 900, &found), 0);
    assert_string_equal(found.user, "olga");
    assert_string_equal(found.csrf, a.csrf);
    /* used at 900: alive until 1900, not 1000 */
    assert_int_equal(kh_sessions_use(s, a.token, 1800, &found), 0);
    /* b was last used at 0: idle too long */
    assert_int_equal(kh_sessions_use(s, b.token, 1800, &found), -1);
    assert_int_equal(kh_sessions_use(s, b.token, 1, &found), -1);   /* and forgotten */
    /* however busy, a session ends at its lifetime */
    for (int64_t t = 2500; t < 5000; t += 500)
        assert_int_equal(kh_sessions_use(s, a.token, t, &found), 0);
    assert_int_equal(kh_sessions_use(s, a.token, 5000, &found), -1);

    assert_int_equal(kh_sessions_use(s, NULL, 0, &found), -1);
    assert_int_equal(kh_sessions_use(s, "", 0, &found), -1);
    char wrong[KH_TOKEN_SIZE];
    assert_int_equal(kh_sessions_create(s, "olga", 6000, &a), 0);
    memcpy(wrong, a.token, sizeof wrong);
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    assert_int_equal(kh_sessions_use(s, wrong, 6000, &found), -1);
    assert_int_equal(kh_sessions_use(s, a.token, 6000, &found), 0);

    kh_sessions_end(s, a.token);
    assert_int_equal(kh_sessions_use(s, a.token, 6001, &found), -1);
    kh_sessions_free(s);
}

static void test_sessions_full_and_by_user(void **state)
{
    (void)state;
    kh_sessions *s = kh_sessions_new(2, 100000, 100000);
    kh_session first, second, third, found;
    assert_int_equal(kh_sessions_create(s, "a", 0, &first), 0);
    assert_int_equal(kh_sessions_create(s, "b", 10, &second), 0);
    assert_int_equal(kh_sessions_use(s, first.token, 20, &found), 0);    /* second is now the least recent */
    assert_int_equal(kh_sessions_create(s, "c", 30, &third), 0);
    assert_int_equal(kh_sessions_use(s, second.token, 40, &found), -1);
    assert_int_equal(kh_sessions_use(s, first.token, 40, &found), 0);
    assert_int_equal(kh_sessions_use(s, third.token, 40, &found), 0);
    assert_int_equal(kh_sessions_count(s, 40), 2);
    kh_sessions_end_user(s, "a");
    assert_int_equal(kh_sessions_use(s, first.token, 50, &found), -1);
    assert_int_equal(kh_sessions_count(s, 50), 1);
    kh_sessions_free(s);
}

static void test_csrf(void **state)
{
    (void)state;
    kh_sessions *s = kh_sessions_new(2, 1000, 1000);
    kh_session x, y;
    assert_int_equal(kh_sessions_create(s, "olga", 0, &x), 0);
    assert_int_equal(kh_sessions_create(s, "olga", 0, &y), 0);
    assert_true(kh_csrf_matches(&x, x.csrf));
    assert_false(kh_csrf_matches(&x, y.csrf));     /* another session's token */
    assert_false(kh_csrf_matches(&x, x.token));    /* the cookie is not the token */
    assert_false(kh_csrf_matches(&x, NULL));
    assert_false(kh_csrf_matches(&x, ""));
    char shorter[KH_TOKEN_SIZE];
    snprintf(shorter, sizeof shorter, "%.*s", KH_TOKEN_SIZE - 2, x.csrf);
    assert_false(kh_csrf_matches(&x, shorter));
    kh_sessions_free(s);
}

static void test_throttle(void **state)
{
    (void)state;
    kh_throttle *t = kh_throttle_new(8, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(kh_throttle_wait(t, "user:olga", 1000), 0);
        kh_throttle_failed(t, "user:olga", 1000);
    }
    /* the fourth failure: wait 1 s after the last failure */
    assert_int_equal(kh_throttle_wait(t, "user:olga", 1000), 1000);
    assert_int_equal(kh_throttle_wait(t, "user:olga", 1600), 400);
    assert_int_equal(kh_throttle_wait(t, "user:olga", 2000), 0);
    kh_throttle_failed(t, "user:olga", 2000);
    assert_int_equal(kh_throttle_wait(t, "user:olga", 2000), 2000);
    kh_throttle_failed(t, "user:olga", 4000);
    assert_int_equal(kh_throttle_wait(t, "user:olga", 4000), 4000);
    for (int i = 0; i < 30; i++)
        kh_throttle_failed(t, "user:olga", 10000);
    assert_int_equal(kh_throttle_wait(t, "user:olga", 10000), 5 * 60 * 1000);    /* at most 5 minutes */
    assert_int_equal(kh_throttle_wait(t, "user:victor", 10000), 0);              /* others are not slowed */
    /* forgotten after 15 minutes without a failure */
    assert_int_equal(kh_throttle_wait(t, "user:olga", 10000 + 15 * 60 * 1000), 0);
    for (int i = 0; i < 5; i++)
        kh_throttle_failed(t, "user:victor", 20000);
    assert_true(kh_throttle_wait(t, "user:victor", 20000) > 0);
    kh_throttle_succeeded(t, "user:victor");
    assert_int_equal(kh_throttle_wait(t, "user:victor", 20000), 0);
    kh_throttle_free(t);
}

static void test_throttle_full(void **state)
{
    (void)state;
    kh_throttle *t = kh_throttle_new(2, 0);
    kh_throttle_failed(t, "a", 100);
    kh_throttle_failed(t, "b", 200);
    kh_throttle_failed(t, "c", 300);    /* takes the place of a, the oldest */
    assert_int_equal(kh_throttle_wait(t, "a", 300), 0);
    assert_true(kh_throttle_wait(t, "b", 300) > 0);
    assert_true(kh_throttle_wait(t, "c", 300) > 0);
    kh_throttle_free(t);
}

static void test_json_body(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(kh_json_object_string("{\"user\":\"olga\",\"password\":\"p\\\"w\"}", "user", out, sizeof out), 1);
    assert_string_equal(out, "olga");
    assert_int_equal(kh_json_object_string("{\"user\":\"olga\",\"password\":\"p\\\"w\"}", "password", out, sizeof out), 1);
    assert_string_equal(out, "p\"w");
    assert_int_equal(kh_json_object_string(" { \"n\" : 1 , \"b\":true, \"x\":null, \"user\" : \"\\u00d6lzii \\ud83d\\ude00\" } ",
                                           "user", out, sizeof out), 1);
    assert_string_equal(out, "\xc3\x96lzii \xf0\x9f\x98\x80");
    assert_int_equal(kh_json_object_string("{}", "user", out, sizeof out), 0);
    assert_int_equal(kh_json_object_string("{\"other\":\"x\"}", "user", out, sizeof out), 0);

    static const char *const refused[] = {
        "", "[]", "{", "{\"user\":}", "{\"user\":\"a\"", "{\"user\":\"a\"} x", "{\"user\":{\"a\":1}}",
        "{\"user\":[\"a\"]}", "{\"user\":1}", "{\"user\":\"a\\u0000b\"}", "{\"user\":\"\\ud800\"}",
        "{\"user\":\"a\nb\"}", "{\"user\":\"\\x\"}", "{user:\"a\"}",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (kh_json_object_string(refused[i], "user", out, sizeof out) != -1)
            fail_msg("accepted: %s", refused[i]);
    char small[4];
    assert_int_equal(kh_json_object_string("{\"user\":\"abcd\"}", "user", small, sizeof small), -1);
}

/* [console] and its users read into the configuration, with defaults. */
static void test_config(void **state)
{
    (void)state;
    char path[] = "/tmp/test_console.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("[server]\nlisten = 127.0.0.1:8080\n[journal]\npath = j.db\n"
          "[console]\nlisten = [::1]:8081\nsession_idle = 5m\n"
          "[console user olga]\nrole = operator\n"
          "password = $pbkdf2-sha256$i=600000$d1dQNwnSUCtknhjHaaFrtQ$0hV+i/x2+01s+HA6VmmLx6CPi0FPbiuj9I5xan9EGKw\n"
          "[console user victor]\nrole = viewer\n"
          "password = $pbkdf2-sha256$i=100000$d1dQNwnSUCtknhjHaaFrtQ$0hV+i/x2+01s+HA6VmmLx6CPi0FPbiuj9I5xan9EGKw\n", f);
    fclose(f);
    char err[512];
    kh_config *c = kh_config_load(path, err, sizeof err);
    unlink(path);
    if (!c)
        fail_msg("%s", err);
    assert_true(c->console.enabled);
    assert_string_equal(c->console.listen, "[::1]:8081");
    assert_false(c->console.tls);
    assert_int_equal(c->console.session_idle_s, 300);
    assert_int_equal(c->console.session_lifetime_s, 8 * 3600);
    assert_int_equal(c->console.nusers, 2);
    const kh_console_user *olga = kh_config_console_user(c, "olga");
    assert_non_null(olga);
    assert_int_equal(olga->role, KH_ROLE_OPERATOR);
    assert_int_equal(kh_config_console_user(c, "victor")->role, KH_ROLE_VIEWER);
    assert_null(kh_config_console_user(c, "mallory"));
    assert_null(kh_config_console_user_by_certificate(c, "5000001"));
    kh_config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_round_trip),
        cmocka_unit_test(test_password_salted),
        cmocka_unit_test(test_password_refused),
        cmocka_unit_test(test_password_no_user),
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_sessions_full_and_by_user),
        cmocka_unit_test(test_csrf),
        cmocka_unit_test(test_throttle),
        cmocka_unit_test(test_throttle_full),
        cmocka_unit_test(test_json_body),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
