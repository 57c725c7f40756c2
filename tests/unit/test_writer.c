/*
 * test_writer.c - the EDIFACT writer: default separators, UNA, positions
 * and gaps, repetitions, escaping, charset conversion, the control counts of
 * UNT, UNE and UNZ (also with segments written out of band), and its
 * refusals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edifact/edifact.h"
#include "edifact/writer.h"

/* A writer onto a memory stream. */
typedef struct capture {
    FILE *out;
    char *data;
    size_t len;
    kh_edi_writer *w;
} capture;

static int setup(void **state)
{
    capture *c = calloc(1, sizeof *c);

    if (c == NULL)
        return -1;
    c->out = open_memstream(&c->data, &c->len);
    c->w = c->out ? kh_edi_writer_new(c->out) : NULL;
    if (c->w == NULL)
        return -1;
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    capture *c = *state;

    kh_edi_writer_free(c->w);
    fclose(c->out);
    free(c->data);
    free(c);
    return 0;
}

/* The last bytes written are `expected`. */
static void assert_written_last(capture *c, const char *expected)
{
    size_t len = strlen(expected);

    fflush(c->out);
    assert_true(c->len >= len);
    assert_memory_equal(c->data + c->len - len, expected, len);
}

static void assert_written(capture *c, const char *expected)
{
    fflush(c->out);
    assert_int_equal(c->len, strlen(expected));
    assert_memory_equal(c->data, expected, c->len);
}

static void begin(capture *c, kh_edi_charset cs, int version, bool write_una)
{
    kh_edi_separators seps;

    kh_edi_separators_default(&seps, cs == KH_CHARSET_UNOB, version);
    assert_int_equal(kh_edi_writer_begin_interchange(c->w, &seps, cs, version, write_una), 0);
}

static void put(capture *c, uint32_t e, uint32_t r, uint32_t comp, const char *value)
{
    assert_int_equal(kh_edi_writer_value(c->w, e, r, comp, value, strlen(value)), 0);
}

/* A segment of simple data elements 1, 2, ... (NULL-terminated). */
static void simple_segment(capture *c, const char *tag, ...)
{
    const char *value;
    uint32_t e = 1;
    va_list ap;

    assert_int_equal(kh_edi_writer_begin_segment(c->w, tag), 0);
    va_start(ap, tag);
    while ((value = va_arg(ap, const char *)) != NULL)
        put(c, e++, 1, 1, value);
    va_end(ap);
    assert_int_equal(kh_edi_writer_end_segment(c->w), 0);
}

static void assert_error_mentions(capture *c, const char *words)
{
    const char *error = kh_edi_writer_error(c->w);

    if (strstr(error, words) == NULL)
        fail_msg("writer error \"%s\" does not mention \"%s\"", error, words);
}

/* ------------------------------------------------------------ separators */

static void test_default_separators(void **state)
{
    kh_edi_separators s;

    (void)state;
    kh_edi_separators_default(&s, false, 3);
    assert_int_equal(s.component, ':');
    assert_int_equal(s.element, '+');
    assert_int_equal(s.decimal, '.');
    assert_int_equal(s.release, '?');
    assert_int_equal(s.repetition, 0);
    assert_int_equal(s.terminator, '\'');

    kh_edi_separators_default(&s, false, 4);
    assert_int_equal(s.repetition, '*');

    kh_edi_separators_default(&s, true, 4);
    assert_int_equal(s.component, 0x1F);
    assert_int_equal(s.element, 0x1D);
    assert_int_equal(s.decimal, '.');
    assert_int_equal(s.release, 0);
    assert_int_equal(s.repetition, 0x1E);
    assert_int_equal(s.terminator, 0x1C);

    kh_edi_separators_default(&s, true, 2);
    assert_int_equal(s.repetition, 0);
}

static void test_una(void **state)
{
    capture *c = *state;
    kh_edi_separators seps;

    /* Default separators: UNA only when asked for; a space for "no
     * repetition separator" before version 4. */
    begin(c, KH_CHARSET_UNOC, 3, false);
    assert_written(c, "");
    begin(c, KH_CHARSET_UNOC, 3, true);
    assert_written(c, "UNA:+.? '");
    begin(c, KH_CHARSET_UNOC, 4, true);
    assert_written(c, "UNA:+.? 'UNA:+.?*'");

    /* Other separators: UNA whether asked for or not. */
    kh_edi_separators_default(&seps, false, 3);
    seps.decimal = ',';
    assert_int_equal(kh_edi_writer_begin_interchange(c->w, &seps, KH_CHARSET_UNOC, 3, false), 0);
    assert_written(c, "UNA:+.? 'UNA:+.?*'UNA:+,? '");
}

static void test_una_refuses_bad_separators(void **state)
{
    capture *c = *state;
    kh_edi_separators seps;

    kh_edi_separators_default(&seps, false, 4);
    seps.repetition = ':';
    assert_int_equal(kh_edi_writer_begin_interchange(c->w, &seps, KH_CHARSET_UNOC, 4, true),
                     KH_EDI_WRITER_REJECTED);
    assert_error_mentions(c, "same character");

    kh_edi_separators_default(&seps, false, 4);
    seps.terminator = 0;
    assert_int_equal(kh_edi_writer_begin_interchange(c->w, &seps, KH_CHARSET_UNOC, 4, true),
                     KH_EDI_WRITER_REJECTED);

    kh_edi_separators_default(&seps, false, 4);
    assert_int_equal(kh_edi_writer_begin_interchange(c->w, &seps, KH_CHARSET_UNOC, 5, true),
                     KH_EDI_WRITER_REJECTED);
    assert_int_equal(kh_edi_writer_begin_interchange(c->w, &seps, KH_CHARSET_UNKNOWN, 4, true),
                     KH_EDI_WRITER_REJECTED);
    assert_written(c, "");
}

/* ------------------------------------------------------------ segments */

static void test_plain_interchange(void **state)
{
    capture *c = *state;

    begin(c, KH_CHARSET_UNOC, 3, false);
    assert_int_equal(kh_edi_writer_begin_segment(c->w, "UNB"), 0);
    put(c, 1, 1, 1, "UNOC");
    put(c, 1, 1, 2, "3");
    put(c, 2, 1, 1, "SENDER");
    put(c, 3, 1, 1, "RECIPIENT");
    put(c, 4, 1, 1, "240101");
    put(c, 4, 1, 2, "1200");
    put(c, 5, 1, 1, "REF1");
    assert_int_equal(kh_edi_writer_end_segment(c->w), 0);
    assert_int_equal(kh_edi_writer_begin_segment(c->w, "UNH"), 0);
    put(c, 1, 1, 1, "1");
    put(c, 2, 1, 1, "CUSDEC");
    put(c, 2, 1, 2, "D");
    put(c, 2, 1, 3, "96B");
    put(c, 2, 1, 4, "UN");
    assert_int_equal(kh_edi_writer_end_segment(c->w), 0);
    simple_segment(c, "BGM", "929", "DOC1", NULL);
    simple_segment(c, "UNT", "99", "1", NULL);       /* 99 is replaced */
    simple_segment(c, "UNZ", "5", "REF1", NULL);     /* 5 is replaced */

    assert_written(c, "UNB+UNOC:3+SENDER+RECIPIENT+240101:1200+REF1'"
                      "UNH+1+CUSDEC:D:96B:UN'BGM+929+DOC1'UNT+3+1'UNZ+1+REF1'");
}

static void test_gaps_and_trailing_empties(void **state)
{
    capture *c = *state;

    begin(c, KH_CHARSET_UNOC, 3, false);

    assert_int_equal(kh_edi_writer_begin_segment(c->w, "FTX"), 0);
    put(c, 1, 1, 1, "AAA");
    put(c, 3, 1, 2, "B");
    put(c, 5, 1, 1, "");           /* an explicit trailing empty element */
    assert_int_equal(kh_edi_writer_end_segment(c->w), 0);

    assert_int_equal(kh_edi_writer_begin_segment(c->w, "FTX"), 0);
    put(c, 2, 1, 3, "");           /* an explicit trailing empty component */
    assert_int_equal(kh_edi_writer_end_segment(c->w), 0);

    assert_int_equal(kh_edi_writer_begin_segment(c->w, "FTX"), 0);
    assert_int_equal(kh_edi_writer_value(c->w, 1, 1, 1, NULL, 0), 0);
    assert_int_equal(kh_edi_writer_end_segment(c->w), 0);

    simple_segment(c, "UNS", NULL);

    assert_written(c, "FTX+AAA++:B++'FTX++::'FTX+'UNS'");
}

static void test_repetitions(void **state)
{
    capture *c = *state;

    begin(c, KH_CHARSET_UNOC, 4, false);
    assert_int_equal(kh_edi_writer_begin_segment(c->w, "NAD"), 0);
    put(c, 1, 1, 1, "A");
    put(c, 1, 2, 1, "B");
    put(c, 1, 2, 2, "C");
    put(c, 1, 4, 1, "D");
    put(c, 2, 1, 1, "E");
    put(c, 3, 2, 2, "F");
    assert_int_equal(kh_edi_writer_end_segment(c->w), 0);
    assert_written(c, "NAD+A*B:C**D+E+*:F'");

    /* Before version 4 there is no repetition separator. */
    begin(c, KH_CHARSET_UNOC, 3, false);
    assert_int_equal(kh_edi_writer_begin_segment(c->w, "NAD"), 0);
    put(c, 1, 1, 1, "A");
    assert_int_equal(kh_edi_writer_value(c->w, 1, 2, 1, "B", 1), KH_EDI_WRITER_REJECTED);
    assert_error_mentions(c, "repetition separator");
}

static void test_positions_in_order(void **state)
{
    capture *c = *state;

    begin(c, KH_CHARSET_UNOC, 4, false);
    assert_int_equal(kh_edi_writer_begin_segment(c->w, "DTM"), 0);
    put(c, 2, 1, 2, "X");
    assert_int_equal(kh_edi_writer_value(c->w, 2, 1, 1, "Y", 1), KH_EDI_WRITER_REJECTED);
    assert_error_mentions(c, "comes after");
    assert_int_equal(kh_edi_writer_value(c->w, 1, 3, 3, "Y", 1), KH_EDI_WRITER_REJECTED);
    assert_int_equal(kh_edi_writer_value(c->w, 2, 1, 2, "Y", 1), KH_EDI_WRITER_REJECTED);
    assert_int_equal(kh_edi_writer_value(c->w, 0, 1, 1, "Y", 1), KH_EDI_WRITER_REJECTED);
    assert_int_equal(kh_edi_writer_value(c->w, 3, 0, 1, "Y", 1), KH_EDI_WRITER_REJECTED);
    assert_int_equal(kh_edi_writer_value(c->w, 3, 1, 0, "Y", 1), KH_EDI_WRITER_REJECTED);
    /* A refused value leaves the segment as it was. */
    put(c, 3, 1, 1, "Z");
    assert_int_equal(kh_edi_writer_end_segment(c->w), 0);
    assert_written(c, "DTM++:X+Z'");
}

/* ------------------------------------------------------------ escaping */

static void test_escaping(void **state)
{
    capture *c = *state;

    begin(c, KH_CHARSET_UNOC, 4, false);
    simple_segment(c, "FTX", "A?B:C+D'E*F.G,H", NULL);
    assert_written(c, "FTX+A??B?:C?+D?'E?*F.G,H'");

    /* No repetition separator in version 3: '*' is plain text. */
    begin(c, KH_CHARSET_UNOC, 3, false);
    simple_segment(c, "FTX", "2*3", NULL);
    assert_written(c, "FTX+A??B?:C?+D?'E?*F.G,H'FTX+2*3'");
}

static void test_escaping_needs_a_release_character(void **state)
{
    capture *c = *state;
    kh_edi_separators seps;

    kh_edi_separators_default(&seps, false, 3);
    seps.release = 0;
    assert_int_equal(kh_edi_writer_begin_interchange(c->w, &seps, KH_CHARSET_UNOC, 3, false), 0);
    assert_written(c, "UNA:+.  '");
    simple_segment(c, "FTX", "A?B", NULL);       /* '?' is not special now */
    assert_int_equal(kh_edi_writer_begin_segment(c->w, "FTX"), 0);
    assert_int_equal(kh_edi_writer_value(c->w, 1, 1, 1, "A:B", 3), KH_EDI_WRITER_REJECTED);
    assert_error_mentions(c, "no release character");
    assert_written(c, "UNA:+.  'FTX+A?B'");
}

static void test_unob_defaults(void **state)
{
    capture *c = *state;

    begin(c, KH_CHARSET_UNOB, 4, false);
    assert_int_equal(kh_edi_writer_begin_segment(c->w, "NAD"), 0);
    put(c, 1, 1, 1, "Ulaanbaatar");
    put(c, 1, 1, 2, "x");
    put(c, 1, 2, 1, "y");
    put(c, 3, 1, 1, "1+1=2");
    assert_int_equal(kh_edi_writer_end_segment(c->w), 0);
    assert_written(c, "NAD\x1DUlaanbaatar\x1Fx\x1Ey\x1D\x1D" "1+1=2\x1C");

    /* The separators are control characters, outside UNOB: a value cannot
     * hold them, so it never needs the missing release character. */
    assert_int_equal(kh_edi_writer_begin_segment(c->w, "FTX"), 0);
    assert_int_equal(kh_edi_writer_value(c->w, 1, 1, 1, "a\x1F" "b", 3),
                     KH_EDI_WRITER_REJECTED);
    assert_error_mentions(c, "control character");
}

/* ------------------------------------------------------------ charsets */

static void test_conversion(void **state)
{
    capture *c = *state;

    begin(c, KH_CHARSET_UNOE, 4, false);
    simple_segment(c, "NAD", "Москва", "№ 5", NULL);
    assert_written(c, "NAD+\xBC\xDE\xE1\xDA\xD2\xD0+\xF0 5'");

    assert_int_equal(kh_edi_writer_begin_segment(c->w, "NAD"), 0);
    assert_int_equal(kh_edi_writer_value(c->w, 1, 1, 1, "Өлзий", strlen("Өлзий")),
                     KH_EDI_WRITER_REJECTED);
    assert_error_mentions(c, "U+04E8");
    assert_error_mentions(c, "UNOE");
    assert_int_equal(kh_edi_writer_end_segment(c->w), 0);

    begin(c, KH_CHARSET_UNOA, 3, false);
    assert_int_equal(kh_edi_writer_begin_segment(c->w, "NAD"), 0);
    assert_int_equal(kh_edi_writer_value(c->w, 1, 1, 1, "ABc", 3), KH_EDI_WRITER_REJECTED);
    assert_error_mentions(c, "U+0063");
    assert_int_equal(kh_edi_writer_value(c->w, 1, 1, 1, "A\xC0\xAF", 3),
                     KH_EDI_WRITER_REJECTED);
    assert_error_mentions(c, "not well-formed UTF-8");
    assert_int_equal(kh_edi_writer_end_segment(c->w), 0);
    assert_int_equal(kh_edi_writer_begin_segment(c->w, "nad"), KH_EDI_WRITER_REJECTED);
    assert_written(c, "NAD+\xBC\xDE\xE1\xDA\xD2\xD0+\xF0 5'NAD'NAD'");

    begin(c, KH_CHARSET_UNOW, 4, false);
    simple_segment(c, "NAD", "Өлзий", NULL);
    assert_written_last(c, "NAD'NAD+Өлзий'");
}

/* ------------------------------------------------------------ counts */

static void message(capture *c, const char *ref, int segments_between)
{
    simple_segment(c, "UNH", ref, "CUSDEC:D:96B:UN", NULL);
    for (int i = 0; i < segments_between; i++)
        simple_segment(c, "FTX", "AAA", NULL);
    simple_segment(c, "UNT", "0", ref, NULL);
}

static void test_counts_without_groups(void **state)
{
    capture *c = *state;

    begin(c, KH_CHARSET_UNOC, 4, false);
    simple_segment(c, "UNB", "UNOC:4", "S", "R", "240101:1200", "IC1", NULL);
    message(c, "M1", 2);
    message(c, "M2", 0);
    /* UNT without element 1: the count is put in front. */
    simple_segment(c, "UNH", "M3", "X", NULL);
    assert_int_equal(kh_edi_writer_begin_segment(c->w, "UNT"), 0);
    put(c, 2, 1, 1, "M3");
    assert_int_equal(kh_edi_writer_end_segment(c->w), 0);
    simple_segment(c, "UNZ", "77", "IC1", NULL);

    /* The ':' in "UNOC:4" was one value, so it is released. */
    assert_written(c, "UNB+UNOC?:4+S+R+240101?:1200+IC1'"
                      "UNH+M1+CUSDEC?:D?:96B?:UN'FTX+AAA'FTX+AAA'UNT+4+M1'"
                      "UNH+M2+CUSDEC?:D?:96B?:UN'UNT+2+M2'"
                      "UNH+M3+X'UNT+2+M3'"
                      "UNZ+3+IC1'");
}

static void test_counts_with_groups(void **state)
{
    capture *c = *state;

    begin(c, KH_CHARSET_UNOC, 3, false);
    simple_segment(c, "UNB", "S", NULL);
    simple_segment(c, "UNG", "CUSDEC", "G1", NULL);
    message(c, "1", 1);
    message(c, "2", 3);
    simple_segment(c, "UNE", "9", "G1", NULL);
    simple_segment(c, "UNG", "CUSRES", "G2", NULL);
    message(c, "3", 0);
    simple_segment(c, "UNE", "", "G2", NULL);
    simple_segment(c, "UNZ", "3", "IC", NULL);

    assert_written(c, "UNB+S'"
                      "UNG+CUSDEC+G1'"
                      "UNH+1+CUSDEC?:D?:96B?:UN'FTX+AAA'UNT+3+1'"
                      "UNH+2+CUSDEC?:D?:96B?:UN'FTX+AAA'FTX+AAA'FTX+AAA'UNT+5+2'"
                      "UNE+2+G1'"
                      "UNG+CUSRES+G2'"
                      "UNH+3+CUSDEC?:D?:96B?:UN'UNT+2+3'"
                      "UNE+1+G2'"
                      "UNZ+2+IC'");

    /* A new interchange starts the counts again. */
    begin(c, KH_CHARSET_UNOC, 3, false);
    message(c, "1", 0);
    simple_segment(c, "UNZ", "", "IC2", NULL);
    assert_written_last(c, "UNZ+2+IC'UNH+1+CUSDEC?:D?:96B?:UN'UNT+2+1'UNZ+1+IC2'");
}

static void test_segments_written_out_of_band(void **state)
{
    capture *c = *state;

    begin(c, KH_CHARSET_UNOC, 3, false);
    kh_edi_writer_add_segments(c->w, 5);          /* outside a message: ignored */
    simple_segment(c, "UNH", "1", "CONTRL:D:3:UN", NULL);
    kh_edi_writer_add_segments(c->w, 2);          /* two segments the caller wrote */
    simple_segment(c, "UCI", "IC", NULL);
    simple_segment(c, "UNT", "", "1", NULL);
    assert_written(c, "UNH+1+CONTRL?:D?:3?:UN'UCI+IC'UNT+5+1'");
}

/* ------------------------------------------------------------ misuse */

static void test_call_sequence(void **state)
{
    capture *c = *state;

    assert_int_equal(kh_edi_writer_begin_segment(c->w, "UNB"), KH_EDI_WRITER_REJECTED);
    assert_error_mentions(c, "no interchange");
    begin(c, KH_CHARSET_UNOC, 4, false);
    assert_int_equal(kh_edi_writer_value(c->w, 1, 1, 1, "A", 1), KH_EDI_WRITER_REJECTED);
    assert_int_equal(kh_edi_writer_end_segment(c->w), KH_EDI_WRITER_REJECTED);
    assert_int_equal(kh_edi_writer_begin_segment(c->w, "UNA"), KH_EDI_WRITER_REJECTED);
    assert_int_equal(kh_edi_writer_begin_segment(c->w, "ABCD"), KH_EDI_WRITER_REJECTED);
    assert_int_equal(kh_edi_writer_begin_segment(c->w, ""), KH_EDI_WRITER_REJECTED);
    assert_int_equal(kh_edi_writer_begin_segment(c->w, NULL), KH_EDI_WRITER_REJECTED);
    assert_int_equal(kh_edi_writer_begin_segment(c->w, "BGM"), 0);
    assert_int_equal(kh_edi_writer_begin_segment(c->w, "BGM"), KH_EDI_WRITER_REJECTED);
    assert_error_mentions(c, "still open");
    assert_int_equal(kh_edi_writer_end_segment(c->w), 0);
    assert_written(c, "BGM'");
}

static void test_write_failure(void **state)
{
    FILE *read_only = fopen("/dev/null", "r");
    kh_edi_writer *w;
    kh_edi_separators seps;

    (void)state;
    assert_non_null(read_only);
    w = kh_edi_writer_new(read_only);
    assert_non_null(w);
    kh_edi_separators_default(&seps, false, 4);
    assert_int_equal(kh_edi_writer_begin_interchange(w, &seps, KH_CHARSET_UNOC, 4, true),
                     KH_EDI_WRITER_FAILED);
    assert_non_null(strstr(kh_edi_writer_error(w), "cannot write"));
    kh_edi_writer_free(w);
    fclose(read_only);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_separators),
        cmocka_unit_test_setup_teardown(test_una, setup, teardown),
        cmocka_unit_test_setup_teardown(test_una_refuses_bad_separators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_interchange, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gaps_and_trailing_empties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repetitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_positions_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escaping_needs_a_release_character, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unob_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conversion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counts_without_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counts_with_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segments_written_out_of_band, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_sequence, setup, teardown),
        cmocka_unit_test(test_write_failure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
