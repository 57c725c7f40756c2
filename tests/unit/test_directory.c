/*
 * test_directory.c - unit tests of the directory loader: a directory and a
 * message added as data files alone are loaded and enforced; definitions,
 * code lists and message structures read as written; missing data is a clear
 * NULL, not a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "edifact/directory.h"
#include "edifact/interchange.h"

static char root[256];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A directory "D99Z" with one message type, XYZMSG, made of data only; the
 * service directories are linked from the real ones. */
static int make_directory(void **state)
{
    (void)state;
    char path[512], real[512], buf[4096];
    snprintf(root, sizeof root, "%s/khaalga-dir-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(root))
        return -1;
    const char *installed = kh_dir_default_root(NULL, buf, sizeof buf);
    for (int v = 3; v <= 4; v++) {
        snprintf(real, sizeof real, "%s/Service_V%d", installed, v);
        snprintf(path, sizeof path, "%s/Service_V%d", root, v);
        if (symlink(real, path) != 0)
            return -1;
    }
    snprintf(path, sizeof path, "%s/D99Z", root);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/D99Z/messages", root);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/D99Z/segments.xml", root);
    write_file(path,
        "<segments>"
        "<segment id=\"ABC\" name=\"alphaBetaCharlie\">"
        "<data_element id=\"1001\" required=\"true\" name=\"kindCode\" type=\"an\" maxlength=\"3\"/>"
        "<composite_data_element id=\"C001\" name=\"amount\">"
        "<data_element id=\"5004\" required=\"true\" name=\"value\" type=\"n\" maxlength=\"5\"/>"
        "<data_element id=\"6345\" name=\"currency\" type=\"a\" length=\"3\"/>"
        "</composite_data_element>"
        "</segment>"
        "<segment id=\"DEF\" name=\"detail\"><data_element id=\"4000\" name=\"text\" type=\"an\" maxlength=\"10\"/></segment>"
        "</segments>");
    snprintf(path, sizeof path, "%s/D99Z/codes.xml", root);
    write_file(path, "<data_elements><data_element id=\"1001\"><code id=\"A\"/><code id=\"B\"/></data_element></data_elements>");
    snprintf(path, sizeof path, "%s/checked-codes", root);
    write_file(path, "# test\n1001   # kind\n");
    snprintf(path, sizeof path, "%s/D99Z/messages/xyzmsg.xml", root);
    write_file(path,
        "<message><defaults><data_element id=\"0065\" value=\"XYZMSG\"/></defaults>"
        "<segment id=\"UNH\" maxrepeat=\"1\" required=\"true\"/>"
        "<segment id=\"ABC\" maxrepeat=\"1\" required=\"true\"/>"
        "<group id=\"SG1\" maxrepeat=\"2\"><segment id=\"DEF\" maxrepeat=\"1\" required=\"true\"/></group>"
        "<segment id=\"UNT\" maxrepeat=\"1\" required=\"true\"/>"
        "</message>");
    return 0;
}

static int remove_directory(void **state)
{
    (void)state;
    char command[600];
    snprintf(command, sizeof command, "rm -rf '%s'", root);
    return system(command) == 0 ? 0 : -1;
}

static void test_definitions_as_written(void **state)
{
    (void)state;
    kh_dir_set *set = kh_dir_set_open(root);
    assert_non_null(set);
    kh_directory *dir = kh_dir_get(set, "D99Z");
    assert_non_null(dir);
    const kh_dir_segment *abc = kh_dir_find_segment(dir, "ABC");
    assert_non_null(abc);
    assert_string_equal(abc->name, "alphaBetaCharlie");
    assert_int_equal(abc->elements, 2);
    assert_true(abc->element[0].required);
    assert_false(abc->element[0].composite);
    assert_int_equal(abc->element[0].simple.max_length, 3);
    assert_non_null(abc->element[0].simple.codes);
    assert_true(kh_dir_code_known(abc->element[0].simple.codes, "B", 1));
    assert_false(kh_dir_code_known(abc->element[0].simple.codes, "C", 1));
    assert_true(abc->element[1].composite);
    assert_int_equal(abc->element[1].components, 2);
    assert_int_equal(abc->element[1].component[0].type, KH_TYPE_NUMERIC);
    assert_int_equal(abc->element[1].component[1].min_length, 3);
    assert_int_equal(abc->element[1].component[1].max_length, 3);
    assert_null(kh_dir_find_segment(dir, "ZZZ"));

    const kh_dir_message *msg = kh_dir_find_message(dir, "XYZMSG");
    assert_non_null(msg);
    assert_int_equal(msg->root.children, 4);
    assert_true(msg->root.child[2].group);
    assert_string_equal(msg->root.child[2].id, "SG1");
    assert_string_equal(msg->root.child[2].trigger, "DEF");
    assert_int_equal(msg->root.child[2].max_repeat, 2);
    assert_non_null(msg->root.child[0].segment);        /* UNH from the service directory */
    assert_null(kh_dir_find_message(dir, "NOSUCH"));
    assert_null(kh_dir_find_message(dir, "../x"));
    assert_null(kh_dir_get(set, "D00X"));
    assert_null(kh_dir_get(set, "../etc"));
    assert_non_null(strstr(kh_dir_set_error(set), "no directory"));
    kh_dir_set_free(set);
}

typedef struct codes_seen { int count; int code[16]; } codes_seen;

static void collect(void *ctx, const kh_edi_error *err, const kh_edi_interchange *ic)
{
    (void)ic;
    codes_seen *s = ctx;
    if (s->count < 16)
        s->code[s->count++] = err->code;
}

static int walk(const char *text, codes_seen *seen)
{
    kh_dir_set *set = kh_dir_set_open(root);
    kh_edi_walk_options options = { .directories = set };
    kh_edi_limits_default(&options.limits);
    kh_edi_reader *r = kh_edi_reader_for_memory(text, strlen(text), &options.limits);
    memset(seen, 0, sizeof *seen);
    kh_edi_handler h = { .ctx = seen, .error = collect };
    const kh_edi_handler *handlers[] = { &h };
    kh_edi_walk_result res;
    int rc = kh_edi_walk(r, &options, handlers, 1, &res);
    kh_edi_reader_free(r);
    kh_dir_set_free(set);
    return rc;
}

#define UNB "UNB+UNOC:3+S+R+261123:1200+R1'"
#define UNZ "UNZ+1+R1'"

static void test_new_directory_is_enforced(void **state)
{
    (void)state;
    codes_seen s;
    assert_int_equal(walk(UNB "UNH+1+XYZMSG:D:99Z:UN'ABC+A+12:MNT'DEF+X'DEF+Y'UNT+5+1'" UNZ, &s), 0);
    assert_int_equal(walk(UNB "UNH+1+XYZMSG:D:99Z:UN'ABC+C+12:MNT'DEF+X'UNT+4+1'" UNZ, &s), 1);
    assert_int_equal(s.code[0], 12);                    /* code list */
    assert_int_equal(walk(UNB "UNH+1+XYZMSG:D:99Z:UN'ABC+A+12:MN'DEF+X'UNT+4+1'" UNZ, &s), 1);
    assert_int_equal(s.code[0], 40);                    /* fixed length 3 */
    assert_int_equal(walk(UNB "UNH+1+XYZMSG:D:99Z:UN'ABC+A'DEF+X'DEF+X'DEF+X'UNT+6+1'" UNZ, &s), 1);
    assert_int_equal(s.code[0], 36);                    /* SG1 at most twice */
    assert_int_equal(walk(UNB "UNH+1+XYZMSG:D:99Z:UN'DEF+X'UNT+3+1'" UNZ, &s), 1);
    assert_int_equal(s.code[0], 13);                    /* ABC is mandatory */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_definitions_as_written),
        cmocka_unit_test(test_new_directory_is_enforced),
    };
    return cmocka_run_group_tests(tests, make_directory, remove_directory);
}
