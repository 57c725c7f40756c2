/*
 * test_registry.c - the duplicate registry: lookups and records in memory
 * and in a file, persistence across close and open, two handles on one
 * file, the schema version, and its refusals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "edifact/registry.h"

/* A temporary directory holding the registry file. */
typedef struct scratch {
    char dir[64];
    char path[96];
} scratch;

static int make_scratch(void **state)
{
    scratch *s = calloc(1, sizeof *s);

    if (s == NULL)
        return -1;
    snprintf(s->dir, sizeof s->dir, "/tmp/test_registry.XXXXXX");
    if (mkdtemp(s->dir) == NULL)
        return -1;
    snprintf(s->path, sizeof s->path, "%s/registry.db", s->dir);
    *state = s;
    return 0;
}

static int remove_scratch(void **state)
{
    scratch *s = *state;
    const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
    char file[128];

    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(file, sizeof file, "%s%s", s->path, suffixes[i]);
        unlink(file);
    }
    rmdir(s->dir);
    free(s);
    return 0;
}

static kh_edi_registry *open_registry(const char *path)
{
    char err[256] = "";
    kh_edi_registry *r = kh_edi_registry_open(path, err, sizeof err);

    if (r == NULL)
        fail_msg("cannot open the registry: %s", err);
    return r;
}

/* "2024-05-01T08:30:00Z" */
static void assert_iso8601_utc(const char *when)
{
    assert_int_equal(strlen(when), 20);
    assert_int_equal(when[4], '-');
    assert_int_equal(when[7], '-');
    assert_int_equal(when[10], 'T');
    assert_int_equal(when[13], ':');
    assert_int_equal(when[16], ':');
    assert_int_equal(when[19], 'Z');
    assert_true(strncmp(when, "20", 2) == 0);
}

static int pragma_value(const char *path, const char *pragma, char *out, size_t len)
{
    sqlite3 *db;
    sqlite3_stmt *stmt;
    char sql[64];
    int rc = -1;

    snprintf(sql, sizeof sql, "PRAGMA %s", pragma);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        goto done;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        goto done;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(stmt, 0));
        rc = 0;
    }
    sqlite3_finalize(stmt);
done:
    sqlite3_close(db);
    return rc;
}

/* ------------------------------------------------------------ tests */

static void test_in_memory(void **state)
{
    kh_edi_registry *r = open_registry(NULL);
    char first[32] = "", again[32] = "";

    (void)state;
    assert_int_equal(kh_edi_registry_lookup(r, "SENDER", "CUSTOMS", "IC1", first, sizeof first), 0);
    assert_string_equal(first, "");
    assert_int_equal(kh_edi_registry_record(r, "SENDER", "CUSTOMS", "IC1"), 0);
    assert_int_equal(kh_edi_registry_lookup(r, "SENDER", "CUSTOMS", "IC1", first, sizeof first), 1);
    assert_iso8601_utc(first);

    /* Recording again keeps the first time. */
    assert_int_equal(kh_edi_registry_record(r, "SENDER", "CUSTOMS", "IC1"), 0);
    assert_int_equal(kh_edi_registry_lookup(r, "SENDER", "CUSTOMS", "IC1", again, sizeof again), 1);
    assert_string_equal(again, first);

    /* first_seen is optional. */
    assert_int_equal(kh_edi_registry_lookup(r, "SENDER", "CUSTOMS", "IC1", NULL, 0), 1);
    kh_edi_registry_close(r);

    /* An in-memory registry lasts one run. */
    r = open_registry(NULL);
    assert_int_equal(kh_edi_registry_lookup(r, "SENDER", "CUSTOMS", "IC1", NULL, 0), 0);
    kh_edi_registry_close(r);
}

static void test_key_is_all_three(void **state)
{
    kh_edi_registry *r = open_registry(NULL);

    (void)state;
    assert_int_equal(kh_edi_registry_record(r, "S", "R", "1"), 0);
    assert_int_equal(kh_edi_registry_lookup(r, "S", "R", "1", NULL, 0), 1);
    assert_int_equal(kh_edi_registry_lookup(r, "S", "R", "2", NULL, 0), 0);
    assert_int_equal(kh_edi_registry_lookup(r, "S", "X", "1", NULL, 0), 0);
    assert_int_equal(kh_edi_registry_lookup(r, "X", "R", "1", NULL, 0), 0);
    /* No confusion between ("S", "R1") and ("SR", "1"), or by case. */
    assert_int_equal(kh_edi_registry_record(r, "AB", "C", "1"), 0);
    assert_int_equal(kh_edi_registry_lookup(r, "A", "BC", "1", NULL, 0), 0);
    assert_int_equal(kh_edi_registry_lookup(r, "ab", "C", "1", NULL, 0), 0);
    /* Non-ASCII and quotes go through as they are. */
    assert_int_equal(kh_edi_registry_record(r, "Өлзий'); DROP TABLE interchange; --", "R", "1"), 0);
    assert_int_equal(kh_edi_registry_lookup(r, "Өлзий'); DROP TABLE interchange; --", "R", "1",
                                            NULL, 0), 1);
    assert_int_equal(kh_edi_registry_lookup(r, "S", "R", "1", NULL, 0), 1);
    kh_edi_registry_close(r);
}

static void test_persists_across_close_and_open(void **state)
{
    scratch *s = *state;
    kh_edi_registry *r;
    char first[32] = "", later[32] = "", value[32] = "";

    r = open_registry(s->path);
    assert_int_equal(kh_edi_registry_lookup(r, "SENDER", "CUSTOMS", "IC1", NULL, 0), 0);
    assert_int_equal(kh_edi_registry_record(r, "SENDER", "CUSTOMS", "IC1"), 0);
    assert_int_equal(kh_edi_registry_record(r, "SENDER", "CUSTOMS", "IC2"), 0);
    assert_int_equal(kh_edi_registry_lookup(r, "SENDER", "CUSTOMS", "IC1", first, sizeof first), 1);
    kh_edi_registry_close(r);

    r = open_registry(s->path);
    assert_int_equal(kh_edi_registry_lookup(r, "SENDER", "CUSTOMS", "IC1", later, sizeof later), 1);
    assert_string_equal(later, first);
    assert_int_equal(kh_edi_registry_lookup(r, "SENDER", "CUSTOMS", "IC2", NULL, 0), 1);
    assert_int_equal(kh_edi_registry_lookup(r, "SENDER", "CUSTOMS", "IC3", NULL, 0), 0);
    kh_edi_registry_close(r);

    /* The file is in WAL mode, at schema version 1. */
    assert_int_equal(pragma_value(s->path, "journal_mode", value, sizeof value), 0);
    assert_string_equal(value, "wal");
    assert_int_equal(pragma_value(s->path, "user_version", value, sizeof value), 0);
    assert_string_equal(value, "1");
}

static void test_two_handles_share_the_file(void **state)
{
    scratch *s = *state;
    kh_edi_registry *a = open_registry(s->path);
    kh_edi_registry *b = open_registry(s->path);

    assert_int_equal(kh_edi_registry_record(a, "S", "R", "42"), 0);
    assert_int_equal(kh_edi_registry_lookup(b, "S", "R", "42", NULL, 0), 1);
    assert_int_equal(kh_edi_registry_record(b, "S", "R", "42"), 0);
    assert_int_equal(kh_edi_registry_record(b, "S", "R", "43"), 0);
    assert_int_equal(kh_edi_registry_lookup(a, "S", "R", "43", NULL, 0), 1);
    kh_edi_registry_close(a);
    kh_edi_registry_close(b);
}

static void test_refuses_newer_schema(void **state)
{
    scratch *s = *state;
    char err[256] = "";
    sqlite3 *db;

    assert_int_equal(sqlite3_open(s->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 7", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    assert_null(kh_edi_registry_open(s->path, err, sizeof err));
    assert_non_null(strstr(err, "schema version 7"));
}

static void test_refuses_unusable_path(void **state)
{
    char err[256] = "";

    (void)state;
    assert_null(kh_edi_registry_open("/nonexistent/dir/registry.db", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/dir/registry.db"));
}

static void test_missing_key_parts(void **state)
{
    kh_edi_registry *r = open_registry(NULL);

    (void)state;
    assert_int_equal(kh_edi_registry_record(r, NULL, "R", "1"), -1);
    assert_non_null(strstr(kh_edi_registry_error(r), "required"));
    assert_int_equal(kh_edi_registry_lookup(r, "S", NULL, "1", NULL, 0), -1);
    /* Still usable afterwards. */
    assert_int_equal(kh_edi_registry_record(r, "S", "R", "1"), 0);
    assert_int_equal(kh_edi_registry_lookup(r, "S", "R", "1", NULL, 0), 1);
    kh_edi_registry_close(r);
}

static void test_short_first_seen_buffer(void **state)
{
    kh_edi_registry *r = open_registry(NULL);
    char small[8];

    (void)state;
    assert_int_equal(kh_edi_registry_record(r, "S", "R", "1"), 0);
    assert_int_equal(kh_edi_registry_lookup(r, "S", "R", "1", small, sizeof small), 1);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_true(strncmp(small, "20", 2) == 0);
    kh_edi_registry_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_memory),
        cmocka_unit_test(test_key_is_all_three),
        cmocka_unit_test_setup_teardown(test_persists_across_close_and_open,
                                        make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_two_handles_share_the_file,
                                        make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_refuses_newer_schema, make_scratch, remove_scratch),
        cmocka_unit_test(test_refuses_unusable_path),
        cmocka_unit_test(test_missing_key_parts),
        cmocka_unit_test(test_short_first_seen_buffer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
