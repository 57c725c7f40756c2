/*
 * test_tokenizer.c - unit tests of the streaming EDIFACT reader: separators
 * (UNA, defaults, UNOB), release character, repetition separator, limits,
 * line breaks, offsets, and reading across buffer boundaries; and of the
 * structural scanner: every kind (portable, SSE2, AVX2, AVX-512, as the
 * processor has them) must give the same masks and the same segments.
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

/* Reads in pieces of a fixed size, so that segments cross the end of the
 * read buffer at every place. */
typedef struct pieces { const char *text; size_t pos, len, piece; } pieces;

static ssize_t read_pieces(void *ctx, void *buf, size_t n)
{
    pieces *p = ctx;
    size_t left = p->len - p->pos;
    if (n > p->piece)
        n = p->piece;
    if (n > left)
        n = left;
    memcpy(buf, p->text + p->pos, n);
    p->pos += n;
    return (ssize_t)n;
}

static const kh_edi_scan_kind all_scan_kinds[] = {
    KH_EDI_SCAN_PORTABLE, KH_EDI_SCAN_SSE2, KH_EDI_SCAN_AVX2, KH_EDI_SCAN_AVX512,
};

/* Reads text twice, with the given scanner in pieces of piece bytes (0: all
 * at once), and one byte at a time (which leaves no segment whole in the
 * buffer, so every segment is copied), and requires the same segments and
 * issues: the in-place and the copying readers agree. */
static void compare_readers_with(const char *text, size_t len, const char *name, kh_edi_scan_kind kind,
                                 size_t piece, const kh_edi_limits *limits)
{
    pieces in = { text, 0, len, piece };
    kh_edi_reader *whole = piece ? kh_edi_reader_new(read_pieces, &in, limits)
                                 : kh_edi_reader_for_memory(text, len, limits);
    assert_non_null(whole);
    assert_true(kh_edi_reader_set_scan(whole, kind));
    trickle t = { text, 0, len };
    kh_edi_reader *bytes = kh_edi_reader_new(read_one_byte, &t, limits);
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
        if (ia.code) {
            assert_int_equal(ia.element, ib.element);
            assert_int_equal(ia.component, ib.component);
            assert_int_equal(ia.repetition, ib.repetition);
            assert_string_equal(ia.text, ib.text);
        }
        assert_int_equal(kh_edi_reader_offset(whole), kh_edi_reader_offset(bytes));
        for (uint32_t e = 1; e <= a->elements; e++) {
            assert_int_equal(kh_edi_repetitions(a, e), kh_edi_repetitions(b, e));
            for (uint32_t r = 1; r <= kh_edi_repetitions(a, e); r++) {
                assert_int_equal(kh_edi_components(a, e, r), kh_edi_components(b, e, r));
                for (uint32_t c = 1; c <= kh_edi_components(a, e, r); c++) {
                    size_t la, lb;
                    const unsigned char *va = kh_edi_value(a, e, r, c, &la);
                    const unsigned char *vb = kh_edi_value(b, e, r, c, &lb);
                    if (la != lb || (la && memcmp(va, vb, la) != 0))
                        fail_msg("%s (%s scanner, pieces of %zu): segment at offset %llu: element %u/%u/%u differs",
                                 name, kh_edi_scan_name(kind), piece, (unsigned long long)a->offset, e, r, c);
                }
            }
        }
    }
    assert_int_equal(ra, 0);
    assert_int_equal(kh_edi_reader_next(bytes, &b, &ib), 0);
    kh_edi_reader_free(whole);
    kh_edi_reader_free(bytes);
}

/* The same with every scanner this processor has, whole and in pieces. */
static int compare_readers(const char *text, size_t len, const char *name, const kh_edi_limits *limits)
{
    static const size_t piece_sizes[] = { 0, 63, 64, 65, 1000 };
    int kinds = 0;
    for (size_t k = 0; k < sizeof all_scan_kinds / sizeof all_scan_kinds[0]; k++) {
        if (!kh_edi_scan_supported(all_scan_kinds[k]))
            continue;
        kinds++;
        for (size_t i = 0; i < sizeof piece_sizes / sizeof piece_sizes[0]; i++)
            compare_readers_with(text, len, name, all_scan_kinds[k], piece_sizes[i], limits);
    }
    return kinds;
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
            compare_readers(text, len, de->d_name, NULL);
            files++;
        }
        closedir(d);
    }
    assert_true(files > 50);
}

/* ------------------------------------------------------------ the scanner */

/* The masks as the scanner's contract states them, byte by byte. */
static void reference_masks(const unsigned char *p, const kh_edi_scan_chars *chars, kh_edi_scan_masks *m)
{
    memset(m, 0, sizeof *m);
    for (unsigned i = 0; i < KH_EDI_SCAN_BLOCK; i++) {
        uint64_t bit = (uint64_t)1 << i;
        if (p[i] == chars->terminator)
            m->terminator |= bit;
        if (p[i] == chars->element)
            m->element |= bit;
        if (p[i] == chars->component)
            m->component |= bit;
        if (p[i] == chars->repetition)
            m->repetition |= bit;
        if (p[i] == chars->release)
            m->release |= bit;
    }
}

#define SCANNED_BLOCKS 3

/* Requires every scanner this processor has to agree with the reference on
 * the SCANNED_BLOCKS blocks at p. */
static void check_all_scanners(const unsigned char *p, const kh_edi_scan_chars *chars)
{
    kh_edi_scan_masks want[SCANNED_BLOCKS], got[SCANNED_BLOCKS];
    for (size_t b = 0; b < SCANNED_BLOCKS; b++)
        reference_masks(p + b * KH_EDI_SCAN_BLOCK, chars, &want[b]);
    for (size_t k = 0; k < sizeof all_scan_kinds / sizeof all_scan_kinds[0]; k++) {
        if (!kh_edi_scan_supported(all_scan_kinds[k]))
            continue;
        memset(got, 0xA5, sizeof got);
        kh_edi_scan_function(all_scan_kinds[k])(p, SCANNED_BLOCKS, chars, got);
        if (memcmp(want, got, sizeof want) != 0)
            fail_msg("%s scanner: masks differ from the reference", kh_edi_scan_name(all_scan_kinds[k]));
    }
}

static void test_scanners_agree_with_reference(void **state)
{
    (void)state;
    assert_true(kh_edi_scan_supported(KH_EDI_SCAN_PORTABLE));
    assert_non_null(kh_edi_scan_function(KH_EDI_SCAN_BEST));
    assert_true(kh_edi_scan_supported(kh_edi_scan_best()));
    const kh_edi_scan_chars usual = { '\'', '+', ':', '*', '?' };
    const kh_edi_scan_chars unob = { 0x1C, 0x1D, 0x1F, 0x1E, 0 };
    const kh_edi_scan_chars high = { 0xFF, 0x80, 0x7F, 0xFE, 0x01 };
    const kh_edi_scan_chars *sets[] = { &usual, &unob, &high };
    static unsigned char buf[KH_EDI_SCAN_BLOCK * (SCANNED_BLOCKS + 1)];
    const size_t length = KH_EDI_SCAN_BLOCK * SCANNED_BLOCKS;

    for (size_t s = 0; s < 3; s++) {
        const kh_edi_scan_chars *c = sets[s];
        const unsigned char specials[5] = { c->terminator, c->element, c->component, c->repetition, c->release };
        /* each character alone at each position, at several alignments */
        for (size_t align = 0; align < KH_EDI_SCAN_BLOCK; align += 13) {
            for (unsigned ch = 0; ch < 5; ch++) {
                for (size_t i = 0; i < length; i++) {
                    memset(buf, 'A', sizeof buf);
                    buf[align + i] = specials[ch];
                    check_all_scanners(buf + align, c);
                }
            }
        }
        /* random bytes, mostly service characters */
        unsigned seed = 12345;
        for (int round = 0; round < 3000; round++) {
            for (size_t i = 0; i < sizeof buf; i++) {
                seed = seed * 1103515245u + 12345u;
                unsigned r = (seed >> 16) & 0xFF;
                buf[i] = r < 120 ? specials[r % 5] : (unsigned char)r;
            }
            check_all_scanners(buf + round % KH_EDI_SCAN_BLOCK, c);
        }
    }
}

/* ------------------------------------------------------------ generated interchanges */

typedef struct text { char *data; size_t len, cap; } text;

static void add(text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->data = realloc(t->data, t->cap);
        assert_non_null(t->data);
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = '\0';
}

static void add_str(text *t, const char *s)
{
    add(t, s, strlen(s));
}

static void add_repeated(text *t, char c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        add(t, &c, 1);
}

/* Segments that put each kind of service character at every position
 * relative to the scanner's 64-byte blocks and to the pieces the input
 * comes in: for each shift k, k bytes of data before a component separator,
 * an element separator, a release character (releasing a terminator, a
 * separator or itself), a repetition separator and the terminator; long
 * segments of several blocks; line breaks between segments; a segment of
 * more components than the reader's arrays first hold; bad tags, empty and
 * trailing elements. */
static void make_every_position(text *t, int version)
{
    add_str(t, version == 4 ? "UNB+UNOC:4+S+R+20261123:1200+X'" : "UNB+UNOC:3+S+R+261123:1200+X'");
    add_str(t, "UNH+1+CUSDEC:D:96B:UN'");
    for (size_t k = 0; k < 3 * KH_EDI_SCAN_BLOCK; k++) {
        add_str(t, "FTX+");
        add_repeated(t, 'A', k);
        add_str(t, ":B+");
        add_repeated(t, 'C', k % 70);
        add_str(t, "'NAD+");
        add_repeated(t, 'D', k % 67);
        add_str(t, k % 3 == 0 ? "?'" : k % 3 == 1 ? "?+" : "??");
        add_repeated(t, 'E', k / 2);
        add_str(t, "+F:G'LOC+1*2+");
        add_repeated(t, 'H', k);
        add_str(t, "*I::+'");
        if (k % 11 == 0)
            add_str(t, "\r\n");
        if (k % 13 == 0)
            add_str(t, "\n");
        add_str(t, "DTM+");
        add_repeated(t, '9', k);
        add_str(t, "'");
    }
    for (int n = 60; n < 76; n++) {          /* around the small segment length limit */
        add_str(t, "FTX");
        add_repeated(t, 'K', (size_t)n);
        add_str(t, "'");
    }
    for (int n = 254; n < 259; n++) {        /* around the 256 components the arrays first hold */
        add_str(t, "FTX");
        for (int i = 1; i < n; i++)
            add_str(t, i % 3 ? ":X" : "+Y");
        add_str(t, "'");
    }
    add_str(t, "FTX");                       /* more components than 256 */
    for (int i = 0; i < 300; i++)
        add_str(t, i % 3 ? ":X" : "+Y");
    add_str(t, "'CNT+1:2'ftx+a'FTXX+1'+'''FTX+1+'");
    add_str(t, "UNT+5+1'UNZ+1+X'");
}

static void test_every_position_relative_to_blocks(void **state)
{
    (void)state;
    for (int version = 3; version <= 4; version++) {
        text t = { 0 };
        make_every_position(&t, version);
        assert_true(compare_readers(t.data, t.len, "every position", NULL) >= 1);

        kh_edi_limits limits;                /* limits passed here and there */
        kh_edi_limits_default(&limits);
        limits.max_segment_length = 70;
        limits.max_components = 3;
        limits.max_elements = 4;
        limits.max_repetitions = 1;
        compare_readers(t.data, t.len, "every position, small limits", &limits);
        free(t.data);
    }
}

/* A segment longer than the 16 KiB of masks the scanner keeps: by the time
 * its terminator is found, the masks of its start are gone, and must be
 * made again, not taken from the blocks that replaced them. */
static void test_segment_longer_than_the_scanners_ring(void **state)
{
    (void)state;
    text t = { 0 };
    add_str(&t, "UNB+UNOC:3+S+R+261123:1200+X'FTX");
    for (int i = 0; i < 200; i++) {
        add_str(&t, i % 4 ? ":" : "+");
        add_repeated(&t, 'L', 100 + (size_t)i % 7);
    }
    add_str(&t, "'UNZ+0+X'");
    compare_readers(t.data, t.len, "longer than the ring", NULL);
    free(t.data);
}

/* Interchange after interchange, of varying lengths, some with UNA, some
 * with a stray segment after UNZ: the reader looks ahead for UNA and UNB
 * there, which may move the bytes in the read buffer. */
static void test_many_interchanges(void **state)
{
    (void)state;
    text t = { 0 };
    for (int i = 0; i < 150; i++) {
        if (i % 3 == 0)
            add_str(&t, i % 2 ? "UNA:+.? '" : "UNA|*.# ~");
        const char *seg = i % 3 == 0 && i % 2 == 0 ? "UNB*UNOC|3*S*R*261123|1200*X~BGM*1|2~" :
                                                    "UNB+UNOC:3+S+R+261123:1200+X'BGM+1:2'";
        add_str(&t, seg);
        for (int j = 0; j < i % 7; j++)
            add_str(&t, i % 3 == 0 && i % 2 == 0 ? "FTX*A|B~" : "FTX+A:B'");
        add_repeated(&t, '\n', (size_t)(i % 2));
        add_str(&t, i % 3 == 0 && i % 2 == 0 ? "UNZ*0*X~" : "UNZ+0+X'");
        if (i % 5 == 0)
            add_str(&t, "FTX+Z:Z'");         /* a stray segment between interchanges */
    }
    compare_readers(t.data, t.len, "many interchanges", NULL);
    free(t.data);
}

static void test_segments_across_the_read_buffer(void **state)
{
    (void)state;
    /* more than the 1 MiB read buffer, so segments cross its end */
    text t = { 0 };
    add_str(&t, "UNA:+.? 'UNB+UNOC:3+S+R+261123:1200+X'UNH+1+CUSDEC:D:96B:UN'");
    for (unsigned i = 0; t.len < 2600 * 1024; i++) {
        char seg[300];
        snprintf(seg, sizeof seg, "MOA+%u:%u.%02u:MNT'FTX+AAA+++TEXT %u?+MORE:%*s'GDS+%u'", i % 200, i, i % 100,
                 i, (int)(i % 90), "", i % 17);
        add_str(&t, seg);
    }
    add_str(&t, "UNT+1+1'UNZ+1+X'");
    for (size_t k = 0; k < sizeof all_scan_kinds / sizeof all_scan_kinds[0]; k++)
        if (kh_edi_scan_supported(all_scan_kinds[k]))
            compare_readers_with(t.data, t.len, "across the read buffer", all_scan_kinds[k], 0, NULL);
    free(t.data);
}

/* Reads the given pieces one per call. */
typedef struct chunks { const char *const *piece; size_t next; } chunks;

static ssize_t read_chunks(void *ctx, void *buf, size_t n)
{
    chunks *c = ctx;
    const char *p = c->piece[c->next];
    if (!p)
        return 0;
    size_t len = strlen(p);
    assert_true(len <= n);
    memcpy(buf, p, len);
    c->next++;
    return (ssize_t)len;
}

/* A short read leaves bytes of the one before after the data in the read
 * buffer, here a terminator just past the end: the reader must not take it. */
static void test_stale_bytes_after_a_short_read(void **state)
{
    (void)state;
    static const char *const piece[] = { "ABC+1234'", "DEF+1234", "5'", NULL };   /* ' at 8, then 8 bytes */
    for (size_t k = 0; k < sizeof all_scan_kinds / sizeof all_scan_kinds[0]; k++) {
        if (!kh_edi_scan_supported(all_scan_kinds[k]))
            continue;
        chunks c = { piece, 0 };
        kh_edi_reader *r = kh_edi_reader_new(read_chunks, &c, NULL);
        assert_true(kh_edi_reader_set_scan(r, all_scan_kinds[k]));
        kh_edi_issue issue;
        kh_edi_segment *seg = next(r, &issue);
        assert_string_equal(seg->tag, "ABC");
        seg = next(r, &issue);
        assert_string_equal(seg->tag, "DEF");
        assert_int_equal(issue.code, 0);
        assert_value(seg, 1, 1, 1, "12345");
        assert_int_equal(kh_edi_reader_next(r, &seg, &issue), 0);
        kh_edi_reader_free(r);
    }
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
        cmocka_unit_test(test_scanners_agree_with_reference),
        cmocka_unit_test(test_every_position_relative_to_blocks),
        cmocka_unit_test(test_segment_longer_than_the_scanners_ring),
        cmocka_unit_test(test_many_interchanges),
        cmocka_unit_test(test_segments_across_the_read_buffer),
        cmocka_unit_test(test_stale_bytes_after_a_short_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
