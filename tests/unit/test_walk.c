/*
 * test_walk.c - unit tests of the interchange walk: each envelope check,
 * each character set's repertoire, the directory checks and each ISO 9735
 * error code the engine reports, with its level and place; and the CONTRL
 * built from the findings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "edifact/contrl.h"
#include "edifact/interchange.h"

#define MAX_SEEN 64

typedef struct seen {
    int          count;
    kh_edi_error err[MAX_SEEN];
} seen;

static kh_dir_set *dirs;

static void collect(void *ctx, const kh_edi_error *err, const kh_edi_interchange *ic)
{
    (void)ic;
    seen *s = ctx;
    if (s->count < MAX_SEEN)
        s->err[s->count++] = *err;
}

static int walk_text(const char *text, seen *s)
{
    memset(s, 0, sizeof *s);
    kh_edi_walk_options options = { .directories = dirs };
    kh_edi_limits_default(&options.limits);
    kh_edi_reader *r = kh_edi_reader_for_memory(text, strlen(text), &options.limits);
    kh_edi_handler h = { .ctx = s, .error = collect };
    const kh_edi_handler *handlers[] = { &h };
    kh_edi_walk_result res;
    int rc = kh_edi_walk(r, &options, handlers, 1, &res);
    kh_edi_reader_free(r);
    return rc;
}

/* Whether an error with this code, level and place (0 = any) was seen. */
static bool has(const seen *s, int code, kh_edi_level level, uint32_t segment, uint32_t element, uint32_t component)
{
    for (int i = 0; i < s->count; i++) {
        const kh_edi_error *e = &s->err[i];
        if (e->code == code && e->level == level && (!segment || e->place.segment == segment) &&
            (!element || e->place.element == element) && (!component || e->place.component == component))
            return true;
    }
    return false;
}

static void dump(const seen *s)
{
    for (int i = 0; i < s->count; i++)
        kh_edi_error_print(stderr, "test", &s->err[i]);
}

#define UNB3 "UNB+UNOC:3+MN1234567:ZZZ+MNCUSTOMS:ZZZ+261123:1200+REF1'"
#define UNB4 "UNB+UNOC:4+MN1234567:ZZZ+MNCUSTOMS:ZZZ+20261123:1200+REF1'"
#define CUSDEC(ref) "UNH+" ref "+CUSDEC:D:96B:UN'BGM+929+DEC1+9'UNS+D'UNS+S'UNT+5+" ref "'"
#define UNZ1 "UNZ+1+REF1'"

static void expect(const char *text, int code, kh_edi_level level, uint32_t segment, uint32_t element, uint32_t component)
{
    seen s;
    int rc = walk_text(text, &s);
    if (!has(&s, code, level, segment, element, component)) {
        fprintf(stderr, "expected code %d level %d segment %u element %u component %u in: %s\n",
                code, level, segment, element, component, text);
        dump(&s);
        fail();
    }
    assert_int_equal(rc, 1);
}

static void test_valid_interchanges(void **state)
{
    (void)state;
    seen s;
    const char *valid[] = {
        UNB3 CUSDEC("1") UNZ1,
        UNB4 CUSDEC("1") UNZ1,
        "UNA:+.? '" UNB3 CUSDEC("1") CUSDEC("2") "UNZ+2+REF1'",
        UNB3 "UNG+CUSDEC+MN1:ZZZ+MNC:ZZZ+261123:1200+G1+UN+D:96B'" CUSDEC("1") "UNE+1+G1'" UNZ1,
        /* syntax versions 1 and 2 use the version 3 service segments */
        "UNB+UNOA:1+MN1234567:ZZZ+MNCUSTOMS:ZZZ+261123:1200+REF1'" CUSDEC("1") UNZ1,
        "UNB+UNOB:2+MN1234567:ZZZ+MNCUSTOMS:ZZZ+261123:1200+REF1'" CUSDEC("1") UNZ1,
        /* test indicator and acknowledgement request */
        "UNB+UNOC:4+MN1234567:ZZZ+MNCUSTOMS:ZZZ+20261123:1200+REF1++++1++1'" CUSDEC("1") UNZ1,
    };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        int rc = walk_text(valid[i], &s);
        if (rc != 0)
            dump(&s);
        assert_int_equal(rc, 0);
    }
}

static void test_envelope_counts_and_references(void **state)
{
    (void)state;
    expect(UNB3 "UNH+1+CUSDEC:D:96B:UN'BGM+929+DEC1+9'UNS+D'UNS+S'UNT+9+1'" UNZ1, 29, KH_LEVEL_MESSAGE, 5, 1, 0);
    expect(UNB3 "UNH+1+CUSDEC:D:96B:UN'BGM+929+DEC1+9'UNS+D'UNS+S'UNT+5+2'" UNZ1, 28, KH_LEVEL_MESSAGE, 5, 2, 0);
    expect(UNB3 CUSDEC("1") "UNZ+3+REF1'", 29, KH_LEVEL_INTERCHANGE, 0, 1, 0);
    expect(UNB3 CUSDEC("1") "UNZ+1+REF2'", 28, KH_LEVEL_INTERCHANGE, 0, 2, 0);
    expect(UNB3 "UNG+CUSDEC+MN1:ZZZ+MNC:ZZZ+261123:1200+G1+UN+D:96B'" CUSDEC("1") "UNE+2+G1'" UNZ1, 29, KH_LEVEL_GROUP, 0, 1, 0);
    expect(UNB3 "UNG+CUSDEC+MN1:ZZZ+MNC:ZZZ+261123:1200+G1+UN+D:96B'" CUSDEC("1") "UNE+1+G9'" UNZ1, 28, KH_LEVEL_GROUP, 0, 2, 0);
    /* with groups, UNZ counts groups */
    expect(UNB3 "UNG+CUSDEC+MN1:ZZZ+MNC:ZZZ+261123:1200+G1+UN+D:96B'" CUSDEC("1") CUSDEC("2") "UNE+2+G1'UNZ+2+REF1'",
           29, KH_LEVEL_INTERCHANGE, 0, 1, 0);
}

static void test_envelope_structure(void **state)
{
    (void)state;
    expect(UNB3 CUSDEC("1") "UNG+CUSDEC+MN1:ZZZ+MNC:ZZZ+261123:1200+G1+UN+D:96B'" CUSDEC("2") "UNE+1+G1'UNZ+2+REF1'",
           30, KH_LEVEL_INTERCHANGE, 0, 0, 0);
    expect(UNB3 "UNZ+0+REF1'", 32, KH_LEVEL_INTERCHANGE, 0, 0, 0);
    expect(UNB3 CUSDEC("1"), 13, KH_LEVEL_INTERCHANGE, 0, 0, 0);                        /* no UNZ */
    expect(UNB3 "UNH+1+CUSDEC:D:96B:UN'BGM+929+DEC1+9'UNS+D'UNS+S'" CUSDEC("2") "UNZ+2+REF1'",
           13, KH_LEVEL_MESSAGE, 0, 0, 0);                                               /* no UNT */
    expect(UNB3 "BGM+929+X+9'" CUSDEC("1") UNZ1, 33, KH_LEVEL_INTERCHANGE, 0, 0, 0);
    expect(UNB3 "UNH+1+CUSDEC:D:99Z:UN'UNT+2+1'" UNZ1, 3, KH_LEVEL_MESSAGE, 1, 2, 0);
    expect("BGM+1'", 13, KH_LEVEL_INTERCHANGE, 0, 0, 0);                                 /* no UNB */
    expect("", 13, KH_LEVEL_INTERCHANGE, 0, 0, 0);
}

static void test_syntax_identifier_version_and_dates(void **state)
{
    (void)state;
    expect("UNB+UNOQ:3+S+R+261123:1200+REF1'" CUSDEC("1") UNZ1, 2, KH_LEVEL_INTERCHANGE, 0, 1, 1);
    expect("UNB+UNOC:7+S+R+261123:1200+REF1'" CUSDEC("1") UNZ1, 2, KH_LEVEL_INTERCHANGE, 0, 1, 2);
    expect("UNB+UNOC:4+S+R+20261341:1200+REF1'" CUSDEC("1") UNZ1, 12, KH_LEVEL_INTERCHANGE, 0, 4, 1);
    expect("UNB+UNOC:4+S+R+20270229:1200+REF1'" CUSDEC("1") UNZ1, 12, KH_LEVEL_INTERCHANGE, 0, 4, 1);
    expect("UNB+UNOC:4+S+R+261123:1200+REF1'" CUSDEC("1") UNZ1, 40, KH_LEVEL_INTERCHANGE, 0, 4, 1);
    expect("UNB+UNOC:3+S+R+20261123:1200+REF1'" CUSDEC("1") UNZ1, 39, KH_LEVEL_INTERCHANGE, 0, 4, 1);
    expect("UNB+UNOC:3+S+R+261123:2460+REF1'" CUSDEC("1") UNZ1, 12, KH_LEVEL_INTERCHANGE, 0, 4, 2);
    expect("UNB+UNOC:3+S+R+261123:1200+REF1++++5'" CUSDEC("1") UNZ1, 12, KH_LEVEL_INTERCHANGE, 0, 9, 0);
    expect("UNB+UNOC:3+S+R+261123:1200+REF1++++1++2'" CUSDEC("1") UNZ1, 25, KH_LEVEL_INTERCHANGE, 0, 11, 0);
    seen s;
    assert_int_equal(walk_text("UNB+UNOC:3+S+R+261123:1200+REF1++++1++1'" CUSDEC("1") UNZ1, &s), 0);
    expect("UNB+UNO:3+S+R+261123:1200+REF1'" CUSDEC("1") UNZ1, 40, KH_LEVEL_INTERCHANGE, 0, 1, 1);
}

static void test_duplicates_and_una(void **state)
{
    (void)state;
    expect(UNB3 CUSDEC("1") UNZ1 UNB3 CUSDEC("1") UNZ1, 26, KH_LEVEL_INTERCHANGE, 0, 5, 0);
    expect("UNA::.? '" UNB3 CUSDEC("1") UNZ1, 20, KH_LEVEL_INTERCHANGE, 0, 0, 0);
}

static void test_character_sets(void **state)
{
    (void)state;
    expect("UNB+UNOA:3+S+R+261123:1200+REF1'UNH+1+CUSDEC:D:96B:UN'BGM+929+Dec1+9'UNS+D'UNS+S'UNT+5+1'" UNZ1,
           21, KH_LEVEL_ELEMENT, 2, 2, 1);
    expect("UNB+UNOC:3+S+R+261123:1200+REF1'UNH+1+CUSDEC:D:96B:UN'BGM+929+D\x85" "1+9'UNS+D'UNS+S'UNT+5+1'" UNZ1,
           21, KH_LEVEL_ELEMENT, 2, 2, 1);
    /* UTF-8 Mongolian ("Монгол") declared as ISO 8859-5 */
    expect("UNB+UNOE:3+S+R+261123:1200+REF1'UNH+1+CUSDEC:D:96B:UN'BGM+929+\xd0\x9c\xd0\xbe\xd0\xbd+9'UNS+D'UNS+S'UNT+5+1'" UNZ1,
           21, KH_LEVEL_ELEMENT, 2, 2, 1);
    expect("UNB+UNOW:4+S+R+20261123:1200+REF1'UNH+1+CUSDEC:D:96B:UN'BGM+929+\xc0\xaf+9'UNS+D'UNS+S'UNT+5+1'" UNZ1,
           21, KH_LEVEL_ELEMENT, 2, 2, 1);
    seen s;
    assert_int_equal(walk_text("UNB+UNOW:4+S+R+20261123:1200+REF1'UNH+1+CUSDEC:D:96B:UN'BGM+929+\xd3\xa8\xd2\xae+9'UNS+D'UNS+S'UNT+5+1'" UNZ1, &s), 0);
    assert_int_equal(walk_text("UNB+UNOE:3+S+R+261123:1200+REF1'UNH+1+CUSDEC:D:96B:UN'BGM+929+\xbc\xde\xdd+9'UNS+D'UNS+S'UNT+5+1'" UNZ1, &s), 0);
}

static void test_data_elements(void **state)
{
    (void)state;
#define MSG(body) UNB3 "UNH+1+CUSDEC:D:96B:UN'BGM+929+DEC1+9'" body "UNS+D'UNS+S'UNT+6+1'" UNZ1
    expect(MSG("MOA+:100'"), 13, KH_LEVEL_ELEMENT, 3, 1, 1);                 /* mandatory component */
    expect(MSG("MOA+39:10A'"), 37, KH_LEVEL_ELEMENT, 3, 1, 2);
    expect(MSG("MOA+39:.5'"), 38, KH_LEVEL_ELEMENT, 3, 1, 2);
    expect(MSG("MOA+39:1.2.3'"), 19, KH_LEVEL_ELEMENT, 3, 1, 2);
    expect(MSG("MOA+39:1234567890123456789'"), 39, KH_LEVEL_ELEMENT, 3, 1, 2);
    expect(MSG("MOA+ZZQ:100'"), 12, KH_LEVEL_ELEMENT, 3, 1, 1);
    expect(MSG("MOA+39:100+X'"), 16, KH_LEVEL_ELEMENT, 3, 2, 0);
    expect(MSG("MOA+39:100:MNT:1:2:3'"), 16, KH_LEVEL_ELEMENT, 3, 1, 0);
    expect(MSG("NAD+DT'NAD+CN'NAD+DT'NAD+CN'NAD+DT'NAD+CN'NAD+DT'NAD+CN'NAD+DT'NAD+CN'NAD+DT'"), 36, KH_LEVEL_SEGMENT, 0, 0, 0);
#undef MSG
    seen s;
    assert_int_equal(walk_text(UNB3 "UNH+1+CUSDEC:D:96B:UN'BGM+929+DEC1+9'MOA+39:1,5'UNS+D'UNS+S'UNT+6+1'" UNZ1, &s), 0);
}

static void test_structure(void **state)
{
    (void)state;
    expect(UNB3 "UNH+1+CUSDEC:D:96B:UN'UNS+D'UNS+S'UNT+4+1'" UNZ1, 13, KH_LEVEL_SEGMENT, 1, 0, 0);  /* BGM */
    expect(UNB3 "UNH+1+CUSDEC:D:96B:UN'BGM+929+DEC1+9'XYZ+1'UNS+D'UNS+S'UNT+6+1'" UNZ1, 15, KH_LEVEL_SEGMENT, 3, 0, 0);
    expect(UNB3 "UNH+1+CUSDEC:D:96B:UN'BGM+929+DEC1+9'BGM+929+DEC1+9'UNS+D'UNS+S'UNT+6+1'" UNZ1, 35, KH_LEVEL_SEGMENT, 3, 0, 0);
    expect("UNB+UNOC:4+S+R+20261123:1200+REF1'UNH+1+CUSDEC:D:96B:UN'BGM+929+DEC1+9+'UNS+D'UNS+S'UNT+5+1'" UNZ1,
           45, KH_LEVEL_ELEMENT, 2, 0, 0);
}

static void test_error_offset_and_message_place(void **state)
{
    (void)state;
    seen s;
    const char *text = UNB3 "UNH+7+CUSDEC:D:96B:UN'BGM+929+DEC1+9'MOA+39:X'UNS+D'UNS+S'UNT+6+7'" UNZ1;
    walk_text(text, &s);
    assert_int_equal(s.count, 1);
    assert_int_equal(s.err[0].place.offset, (uint64_t)(strstr(text, "MOA") - text));
    assert_string_equal(s.err[0].place.message_ref, "7");
    assert_int_equal(s.err[0].place.message, 1);
    assert_string_equal(s.err[0].place.tag, "MOA");
}

static void keep_interchange(void *ctx, const kh_edi_interchange *ic)
{
    *(kh_edi_interchange *)ctx = *ic;
}

static void test_interchange_header_fields(void **state)
{
    (void)state;
    const char *text = "UNA:+.?*'UNB+UNOW:4+MN1234567:ZZZ:DEPT1+MNCUSTOMS:ZZZ+20261123:0930+REF1++++1++1'" CUSDEC("1") UNZ1;
    kh_edi_interchange ic;
    memset(&ic, 0, sizeof ic);
    kh_edi_walk_options options = { .directories = dirs };
    kh_edi_limits_default(&options.limits);
    kh_edi_reader *r = kh_edi_reader_for_memory(text, strlen(text), &options.limits);
    kh_edi_handler h = { .ctx = &ic, .interchange_begin = keep_interchange };
    const kh_edi_handler *handlers[] = { &h };
    kh_edi_walk_result res;
    assert_int_equal(kh_edi_walk(r, &options, handlers, 1, &res), 0);
    kh_edi_reader_free(r);
    assert_int_equal(ic.version, 4);
    assert_int_equal(ic.charset, KH_CHARSET_UNOW);
    assert_true(ic.had_una);
    assert_int_equal(ic.seps.repetition, '*');
    assert_string_equal(ic.sender, "MN1234567");
    assert_string_equal(ic.sender_qualifier, "ZZZ");
    assert_string_equal(ic.sender_internal, "DEPT1");
    assert_string_equal(ic.recipient, "MNCUSTOMS");
    assert_string_equal(ic.date, "20261123");
    assert_string_equal(ic.time, "0930");
    assert_string_equal(ic.reference, "REF1");
    assert_true(ic.ack_requested);
    assert_true(ic.test);
    assert_int_equal(res.interchanges, 1);
    assert_int_equal(res.messages, 1);
    assert_int_equal(res.bytes, strlen(text));
}

static char *contrl_of(const char *text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    kh_edi_contrl *c = kh_edi_contrl_new(out, "202611231200");
    kh_edi_walk_options options = { .directories = dirs };
    kh_edi_limits_default(&options.limits);
    kh_edi_reader *r = kh_edi_reader_for_memory(text, strlen(text), &options.limits);
    const kh_edi_handler *handlers[] = { kh_edi_contrl_handler(c) };
    kh_edi_walk_result res;
    kh_edi_walk(r, &options, handlers, 1, &res);
    kh_edi_reader_free(r);
    kh_edi_contrl_free(c);
    fclose(out);
    return buf;
}

static void test_contrl(void **state)
{
    (void)state;
    char *c = contrl_of(UNB3 "UNH+7+CUSDEC:D:96B:UN'BGM+929+DEC1+9'MOA+39:X'UNS+D'UNS+S'UNT+6+7'" UNZ1);
    assert_string_equal(c, "UNB+UNOC:3+MNCUSTOMS:ZZZ+MN1234567:ZZZ+261123:1200+26112312000001'"
                           "UNH+1+CONTRL:D:3:UN'UCI+REF1+MN1234567:ZZZ+MNCUSTOMS:ZZZ+7'"
                           "UCM+7+CUSDEC:D:96B:UN+4'UCS+3'UCD+37+2:2'UNT+6+1'UNZ+1+26112312000001'");
    free(c);
    c = contrl_of(UNB4 CUSDEC("1") "UNZ+2+REF1'");
    assert_string_equal(c, "UNB+UNOC:4+MNCUSTOMS:ZZZ+MN1234567:ZZZ+20261123:1200+26112312000001'"
                           "UNH+1+CONTRL:4:1:UN'UCI+REF1+MN1234567:ZZZ+MNCUSTOMS:ZZZ+4+29+UNZ+2'"
                           "UNT+3+1'UNZ+1+26112312000001'");
    free(c);
    c = contrl_of(UNB3 "UNG+CUSDEC+MN1:ZZZ+MNC:ZZZ+261123:1200+G1+UN+D:96B'" CUSDEC("1") "UNE+1+G1'" UNZ1);
    assert_non_null(strstr(c, "UCF+G1+MN1:ZZZ+MNC:ZZZ+7'UCM+1+CUSDEC:D:96B:UN+7'UNT+5+1'"));
    free(c);
    /* never a CONTRL in reply to a CONTRL */
    c = contrl_of(UNB3 "UNH+1+CONTRL:D:3:UN'UCI+X+A+B+7'UNT+3+1'" UNZ1);
    assert_string_equal(c ? c : "", "");
    free(c);
}

static int setup(void **state)
{
    (void)state;
    char buf[4096];
    dirs = kh_dir_set_open(kh_dir_default_root(NULL, buf, sizeof buf));
    return dirs ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    kh_dir_set_free(dirs);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_interchanges),
        cmocka_unit_test(test_envelope_counts_and_references),
        cmocka_unit_test(test_envelope_structure),
        cmocka_unit_test(test_syntax_identifier_version_and_dates),
        cmocka_unit_test(test_duplicates_and_una),
        cmocka_unit_test(test_character_sets),
        cmocka_unit_test(test_data_elements),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_error_offset_and_message_place),
        cmocka_unit_test(test_interchange_header_fields),
        cmocka_unit_test(test_contrl),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
