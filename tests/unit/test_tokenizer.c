/*
 * test_tokenizer.c - unit tests of the streaming EDIFACT reader: separators
 * (UNA, defaults, UNOB), release character, repetition separator, limits,
 * line breaks, offsets, and reading across buffer boundaries.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "edifact/tokenizer.h"

static kh_edi_reader *reader_for(const char *text)
{
    kh_edi_reader *r = kh_edi_reader_for_memory(text, strlen(text), NULL);
    assert_non_null(r);
    return r;
}

static kh_edi_segment *next(kh_edi_reader *r, kh_edi_issue *issue)
{
    kh_edi_segment *seg = NULL;
    assert_int_equal(kh_edi_reader_next(r, &seg, issue), 1);
    return seg;
}

static void assert_value(const kh_edi_segment *seg, uint32_t e, uint32_t rep, uint32_t c, const char *want)
{
    size_t len;
    const unsigned char *v = kh_edi_value(seg, e, rep, c, &len);
    assert_int_equal(len, strlen(want));
    if (len)
        assert_memory_equal(v, want, len);
}

static void test_default_separators(void **state)
{
    (void)state;
    kh_edi_reader *r = reader_for("UNB+UNOC:3+SENDER:ZZZ+RCPT+261123:1200+REF1'UNZ+0+REF1'");
    kh_edi_issue issue;
    kh_edi_segment *seg = next(r, &issue);
    assert_int_equal(issue.code, 0);
    assert_string_equal(seg->tag, "UNB");
    assert_int_equal(seg->elements, 5);
    assert_value(seg, 1, 1, 1, "UNOC");
    assert_value(seg, 1, 1, 2, "3");
    assert_value(seg, 2, 1, 2, "ZZZ");
    assert_value(seg, 4, 1, 2, "1200");
    assert_value(seg, 5, 1, 1, "REF1");
    assert_false(kh_edi_reader_had_una(r));
    seg = next(r, &issue);
    assert_string_equal(seg->tag, "UNZ");
    assert_int_equal(seg->offset, 44);
    kh_edi_segment *end;
    assert_int_equal(kh_edi_reader_next(r, &end, &issue), 0);
    kh_edi_reader_free(r);
}

static void test_una_all_six_positions(void **state)
{
    (void)state;
    kh_edi_reader *r = reader_for("UNA|*,# ~UNB*UNOC|4*S*R*20261123|1200*X~UNH*1*A|B~");
    kh_edi_issue issue;
    kh_edi_segment *seg = next(r, &issue);
    assert_string_equal(seg->tag, "UNA");
    assert_int_equal(issue.code, 0);
    const kh_edi_separators *s = kh_edi_reader_separators(r);
    assert_int_equal(s->component, '|');
    assert_int_equal(s->element, '*');
    assert_int_equal(s->decimal, ',');
    assert_int_equal(s->release, '#');
    assert_int_equal(s->repetition, 0);
    assert_int_equal(s->terminator, '~');
    assert_true(kh_edi_reader_had_una(r));
    seg = next(r, &issue);
    assert_string_equal(seg->tag, "UNB");
    assert_value(seg, 1, 1, 2, "4");
    seg = next(r, &issue);
    assert_value(seg, 2, 1, 2, "B");
    kh_edi_reader_free(r);
}

static void test_release_character(void **state)
{
    (void)state;
    kh_edi_reader *r = reader_for("UNB+UNOC:3+S+R+261123:1200+X'FTX+AAA+++a?+b?:c?'d??e'");
    kh_edi_issue issue;
    next(r, &issue);
    kh_edi_segment *seg = next(r, &issue);
    assert_string_equal(seg->tag, "FTX");
    assert_value(seg, 4, 1, 1, "a+b:c'd?e");
    kh_edi_reader_free(r);
}

static void test_repetition_only_in_version_4(void **state)
{
    (void)state;
    kh_edi_reader *r = reader_for("UNB+UNOC:4+S+R+20261123:1200+X'NAD+A*B'UNZ+0+X'UNB+UNOC:3+S+R+261123:1200+Y'NAD+A*B'");
    kh_edi_issue issue;
    next(r, &issue);
    kh_edi_reader_set_version(r, 4);
    kh_edi_segment *seg = next(r, &issue);
    assert_int_equal(kh_edi_repetitions(seg, 1), 2);
    assert_value(seg, 1, 2, 1, "B");
    next(r, &issue);                      /* UNZ: a new interchange may follow */
    next(r, &issue);
    kh_edi_reader_set_version(r, 3);
    seg = next(r, &issue);
    assert_int_equal(kh_edi_repetitions(seg, 1), 1);
    assert_value(seg, 1, 1, 1, "A*B");
    kh_edi_reader_free(r);
}

static void test_unob_defaults(void **state)
{
    (void)state;
    kh_edi_reader *r = reader_for("UNB\x1dUNOB\x1f" "3\x1dS\x1dR\x1d" "261123\x1f" "1200\x1dX\x1cUNH\x1d" "1\x1d" "A\x1f" "B\x1c");
    kh_edi_issue issue;
    kh_edi_segment *seg = next(r, &issue);
    assert_value(seg, 1, 1, 1, "UNOB");
    const kh_edi_separators *s = kh_edi_reader_separators(r);
    assert_int_equal(s->element, 0x1d);
    assert_int_equal(s->component, 0x1f);
    assert_int_equal(s->terminator, 0x1c);
    assert_int_equal(s->release, 0);
    seg = next(r, &issue);
    assert_string_equal(seg->tag, "UNH");
    assert_value(seg, 2, 1, 2, "B");
    kh_edi_reader_free(r);
}

static void test_line_breaks_and_trailing_separator(void **state)
{
    (void)state;
    kh_edi_reader *r = reader_for("UNB+UNOC:3+S+R+261123:1200+X'\r\nBGM+1+'\nUNZ+0+X'\n");
    kh_edi_issue issue;
    next(r, &issue);
    kh_edi_segment *seg = next(r, &issue);
    assert_string_equal(seg->tag, "BGM");
    assert_int_equal(seg->offset, 31);
    assert_true(seg->trailing_separator);
    seg = next(r, &issue);
    assert_string_equal(seg->tag, "UNZ");
    assert_false(seg->trailing_separator);
    assert_int_equal(kh_edi_reader_next(r, &seg, &issue), 0);
    kh_edi_reader_free(r);
}

static void test_limits_and_recovery(void **state)
{
    (void)state;
    kh_edi_limits limits;
    kh_edi_limits_default(&limits);
    limits.max_segment_length = 16;
    limits.max_elements = 3;
    const char *text = "FTX+AAAAAAAAAAAAAAAAAAAAAAAAA'NAD+1+2+3+4+5'BGM+1'";
    kh_edi_reader *r = kh_edi_reader_for_memory(text, strlen(text), &limits);
    kh_edi_issue issue;
    kh_edi_segment *seg = next(r, &issue);
    assert_int_equal(issue.code, 16);
    seg = next(r, &issue);
    assert_string_equal(seg->tag, "NAD");
    assert_int_equal(issue.code, 16);
    assert_int_equal(issue.element, 4);
    assert_int_equal(seg->elements, 3);
    seg = next(r, &issue);
    assert_string_equal(seg->tag, "BGM");
    assert_int_equal(issue.code, 0);
    kh_edi_reader_free(r);
}

static void test_missing_terminator_and_bad_una(void **state)
{
    (void)state;
    kh_edi_reader *r = reader_for("UNA::.? 'UNB+UNOC:3");
    kh_edi_issue issue;
    next(r, &issue);
    assert_int_equal(issue.code, 20);
    next(r, &issue);
    assert_int_equal(issue.code, 13);
    kh_edi_reader_free(r);
}

/* One byte per read: every boundary falls somewhere inside a token. */
typedef struct trickle { const char *text; size_t pos, len; } trickle;

static ssize_t read_one_byte(void *ctx, void *buf, size_t n)
{
    trickle *t = ctx;
    if (t->pos == t->len || n == 0)
        return 0;
    *(char *)buf = t->text[t->pos++];
    return 1;
}

static void test_byte_by_byte_input(void **state)
{
    (void)state;
    const char *text = "UNA:+.?*'UNB+UNOC:4+S+R+20261123:1200+X'NAD+A?+B*C:D'UNZ+1+X'";
    trickle t = { text, 0, strlen(text) };
    kh_edi_reader *r = kh_edi_reader_new(read_one_byte, &t, NULL);
    kh_edi_issue issue;
    next(r, &issue);
    kh_edi_segment *seg = next(r, &issue);
    kh_edi_reader_set_version(r, 4);
    seg = next(r, &issue);
    assert_string_equal(seg->tag, "NAD");
    assert_value(seg, 1, 1, 1, "A+B");
    assert_value(seg, 1, 2, 2, "D");
    seg = next(r, &issue);
    assert_string_equal(seg->tag, "UNZ");
    assert_int_equal(kh_edi_reader_offset(r), strlen(text));
    kh_edi_reader_free(r);
}

/* Reads text twice, whole and one byte at a time (which leaves no segment
 * whole in the buffer, so every segment is copied), and requires the same
 * segments: the in-place and the copying readers agree. */
static void compare_readers(const char *text, size_t len, const char *name)
{
    kh_edi_reader *whole = kh_edi_reader_for_memory(text, len, NULL);
    trickle t = { text, 0, len };
    kh_edi_reader *bytes = kh_edi_reader_new(read_one_byte, &t, NULL);
    kh_edi_segment *a, *b;
    kh_edi_issue ia, ib;
    int ra, rb;
    while ((ra = kh_edi_reader_next(whole, &a, &ia)) == 1) {
        rb = kh_edi_reader_next(bytes, &b, &ib);
        assert_int_equal(rb, 1);
        if (strcmp(a->tag, "UNB") == 0) {
            size_t vlen;
            const unsigned char *v = kh_edi_value(a, 1, 1, 2, &vlen);
            if (vlen == 1) {
                kh_edi_reader_set_version(whole, v[0] - '0');
                kh_edi_reader_set_version(bytes, v[0] - '0');
            }
        }
        assert_string_equal(a->tag, b->tag);
        assert_int_equal(a->offset, b->offset);
        assert_int_equal(a->length, b->length);
        assert_int_equal(a->elements, b->elements);
        assert_int_equal(a->trailing_separator, b->trailing_separator);
        assert_int_equal(ia.code, ib.code);
        for (uint32_t e = 1; e <= a->elements; e++) {
            assert_int_equal(kh_edi_repetitions(a, e), kh_edi_repetitions(b, e));
            for (uint32_t r = 1; r <= kh_edi_repetitions(a, e); r++) {
                assert_int_equal(kh_edi_components(a, e, r), kh_edi_components(b, e, r));
                for (uint32_t c = 1; c <= kh_edi_components(a, e, r); c++) {
                    size_t la, lb;
                    const unsigned char *va = kh_edi_value(a, e, r, c, &la);
                    const unsigned char *vb = kh_edi_value(b, e, r, c, &lb);
                    if (la != lb || (la && memcmp(va, vb, la) != 0))
                        fail_msg("%s: segment at offset %llu: element %u/%u/%u differs", name,
                                 (unsigned long long)a->offset, e, r, c);
                }
            }
        }
    }
    assert_int_equal(ra, 0);
    assert_int_equal(kh_edi_reader_next(bytes, &b, &ib), 0);
    kh_edi_reader_free(whole);
    kh_edi_reader_free(bytes);
}

static void test_in_place_and_copying_readers_agree(void **state)
{
    (void)state;
    const char *root = getenv("KHAALGA_DATADIR");
    const char *folders[] = { "tests/corpus/edifact/valid", "tests/corpus/edifact/broken" };
    int files = 0;
    for (size_t i = 0; i < 2; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", root ? root : ".", folders[i]);
        DIR *d = opendir(path);
        assert_non_null(d);
        struct dirent *de;
        while ((de = readdir(d))) {
            size_t n = strlen(de->d_name);
            if (n < 5 || strcmp(de->d_name + n - 4, ".edi") != 0)
                continue;
            char file[4400];
            snprintf(file, sizeof file, "%s/%s", path, de->d_name);
            FILE *f = fopen(file, "rb");
            assert_non_null(f);
            static char text[1 << 20];
            size_t len = fread(text, 1, sizeof text, f);
            fclose(f);
            compare_readers(text, len, de->d_name);
            files++;
        }
        closedir(d);
    }
    assert_true(files > 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_separators),
        cmocka_unit_test(test_una_all_six_positions),
        cmocka_unit_test(test_release_character),
        cmocka_unit_test(test_repetition_only_in_version_4),
        cmocka_unit_test(test_unob_defaults),
        cmocka_unit_test(test_line_breaks_and_trailing_separator),
        cmocka_unit_test(test_limits_and_recovery),
        cmocka_unit_test(test_missing_terminator_and_bad_una),
        cmocka_unit_test(test_byte_by_byte_input),
        cmocka_unit_test(test_in_place_and_copying_readers_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
