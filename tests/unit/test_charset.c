/*
 * test_charset.c - the ISO 9735 repertoires (kh_charset_check), character
 * counting, and conversion to and from UTF-8, including the ISO 8859 tables
 * checked against glibc's iconv.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <iconv.h>
#include <string.h>

#include "edifact/edifact.h"

#define CHECK(cs, s) kh_charset_check((cs), (const unsigned char *)(s), sizeof(s) - 1)

static const char unoa_repertoire[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-()/='+:?!\"%&*;<>";

/* ------------------------------------------------------------ names */

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(kh_charset_from_name("UNOA", 4), KH_CHARSET_UNOA);
    assert_int_equal(kh_charset_from_name("UNOC", 4), KH_CHARSET_UNOC);
    assert_int_equal(kh_charset_from_name("UNOE", 4), KH_CHARSET_UNOE);
    assert_int_equal(kh_charset_from_name("UNOY", 4), KH_CHARSET_UNOY);
    assert_int_equal(kh_charset_from_name("UNOCX", 4), KH_CHARSET_UNOC);   /* len counts */
    assert_int_equal(kh_charset_from_name("UNOCX", 5), KH_CHARSET_UNKNOWN);
    assert_int_equal(kh_charset_from_name("unoc", 4), KH_CHARSET_UNKNOWN);
    assert_int_equal(kh_charset_from_name("UNOZ", 4), KH_CHARSET_UNKNOWN);
    assert_int_equal(kh_charset_from_name("UNO", 3), KH_CHARSET_UNKNOWN);
    assert_int_equal(kh_charset_from_name(NULL, 0), KH_CHARSET_UNKNOWN);

    assert_string_equal(kh_charset_name(KH_CHARSET_UNOB), "UNOB");
    assert_string_equal(kh_charset_name(KH_CHARSET_UNOW), "UNOW");
    assert_string_equal(kh_charset_name(KH_CHARSET_UNKNOWN), "unknown");
    assert_string_equal(kh_charset_name((kh_edi_charset)99), "unknown");
}

/* ------------------------------------------------------------ repertoires */

static void test_unoa(void **state)
{
    (void)state;
    assert_int_equal(CHECK(KH_CHARSET_UNOA, "ABC 123 ./-"), 0);
    assert_int_equal(kh_charset_check(KH_CHARSET_UNOA,
                                      (const unsigned char *)unoa_repertoire,
                                      strlen(unoa_repertoire)), 0);
    assert_int_equal(CHECK(KH_CHARSET_UNOA, "ABc"), 3);      /* lower case */
    assert_int_equal(CHECK(KH_CHARSET_UNOA, "a"), 1);
    assert_int_equal(CHECK(KH_CHARSET_UNOA, "A#"), 2);
    assert_int_equal(CHECK(KH_CHARSET_UNOA, "A@B"), 2);
    assert_int_equal(CHECK(KH_CHARSET_UNOA, "\xC9"), 1);
    assert_int_equal(CHECK(KH_CHARSET_UNOA, ""), 0);

    /* Exactly the listed characters, over all 256 bytes. */
    for (int b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        bool listed = b != 0 && strchr(unoa_repertoire, b) != NULL;

        assert_int_equal(kh_charset_check(KH_CHARSET_UNOA, &c, 1), listed ? 0 : 1);
    }
}

static void test_unob(void **state)
{
    (void)state;
    assert_int_equal(CHECK(KH_CHARSET_UNOB, "Ulaanbaatar 14200"), 0);
    assert_int_equal(CHECK(KH_CHARSET_UNOB, "abc#"), 4);
    assert_int_equal(CHECK(KH_CHARSET_UNOB, "a_b"), 2);
    assert_int_equal(CHECK(KH_CHARSET_UNOB, "\x1F"), 1);      /* a UNOB separator */
    assert_int_equal(CHECK(KH_CHARSET_UNOB, "caf\xE9"), 4);

    for (int b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        bool listed = (b != 0 && strchr(unoa_repertoire, b) != NULL) || (b >= 'a' && b <= 'z');

        assert_int_equal(kh_charset_check(KH_CHARSET_UNOB, &c, 1), listed ? 0 : 1);
    }
}

/* UNOC, UNOD and UNOE: printable ASCII and all of 0xA0-0xFF. */
static void check_full_latin_part(kh_edi_charset cs)
{
    for (int b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        bool allowed = (b >= 0x20 && b <= 0x7E) || b >= 0xA0;

        assert_int_equal(kh_charset_check(cs, &c, 1), allowed ? 0 : 1);
    }
}

static void test_unoc_unod_unoe(void **state)
{
    (void)state;
    check_full_latin_part(KH_CHARSET_UNOC);
    check_full_latin_part(KH_CHARSET_UNOD);
    check_full_latin_part(KH_CHARSET_UNOE);

    assert_int_equal(CHECK(KH_CHARSET_UNOC, "Caf\xE9 cr\xE8me"), 0);
    assert_int_equal(CHECK(KH_CHARSET_UNOC, "AB\x85"), 3);    /* NEL, a C1 control */
    assert_int_equal(CHECK(KH_CHARSET_UNOC, "A\x7F"), 2);     /* DEL */
    assert_int_equal(CHECK(KH_CHARSET_UNOC, "A\rB"), 2);
    assert_int_equal(CHECK(KH_CHARSET_UNOC, "A\tB"), 2);
}

static void test_unoe_rejects_utf8_cyrillic(void **state)
{
    (void)state;
    /* "Москва" in ISO 8859-5 is fine ... */
    assert_int_equal(CHECK(KH_CHARSET_UNOE, "\xBC\xDE\xE1\xDA\xD2\xD0"), 0);
    /* ... but its UTF-8 bytes hold C1 positions: D0 9C D0 BE ... */
    assert_int_equal(CHECK(KH_CHARSET_UNOE, "Москва"), 2);
    /* "А" is D0 90. */
    assert_int_equal(CHECK(KH_CHARSET_UNOE, "X А"), 4);
}

static void test_unof(void **state)
{
    (void)state;
    /* The three positions ISO 8859-7 leaves undefined. */
    assert_int_equal(CHECK(KH_CHARSET_UNOF, "A\xAE"), 2);
    assert_int_equal(CHECK(KH_CHARSET_UNOF, "\xD2"), 1);
    assert_int_equal(CHECK(KH_CHARSET_UNOF, "\xFF"), 1);
    /* "Αθήνα", and the euro sign of the 2003 edition. */
    assert_int_equal(CHECK(KH_CHARSET_UNOF, "\xC1\xE8\xDE\xED\xE1 \xA4"), 0);
    assert_int_equal(CHECK(KH_CHARSET_UNOF, "\x90"), 1);
}

static void test_unow_unoy(void **state)
{
    kh_edi_charset both[2] = { KH_CHARSET_UNOW, KH_CHARSET_UNOY };

    (void)state;

    for (int i = 0; i < 2; i++) {
        kh_edi_charset cs = both[i];

        assert_int_equal(CHECK(cs, "Улаанбаатар"), 0);
        assert_int_equal(CHECK(cs, "Өлзий Үйлдвэр"), 0);
        assert_int_equal(CHECK(cs, "\xE2\x82\xAC 5"), 0);          /* € */
        assert_int_equal(CHECK(cs, "\xF0\x9F\x98\x80"), 0);        /* U+1F600 */
        assert_int_equal(CHECK(cs, "\xF4\x8F\xBF\xBF"), 0);        /* U+10FFFF */
        assert_int_equal(CHECK(cs, "\xC2\xA0"), 0);                /* U+00A0 */

        /* Overlong forms. */
        assert_int_equal(CHECK(cs, "A\xC0\xAF"), 2);
        assert_int_equal(CHECK(cs, "\xC1\xBF"), 1);
        assert_int_equal(CHECK(cs, "\xE0\x80\xAF"), 1);
        assert_int_equal(CHECK(cs, "\xE0\x9F\xBF"), 1);
        assert_int_equal(CHECK(cs, "\xF0\x80\x80\xAF"), 1);
        assert_int_equal(CHECK(cs, "\xF0\x8F\xBF\xBF"), 1);
        /* Surrogates, U+D800 and U+DFFF. */
        assert_int_equal(CHECK(cs, "AB\xED\xA0\x80"), 3);
        assert_int_equal(CHECK(cs, "\xED\xBF\xBF"), 1);
        /* Beyond U+10FFFF, and bytes that never occur. */
        assert_int_equal(CHECK(cs, "\xF4\x90\x80\x80"), 1);
        assert_int_equal(CHECK(cs, "\xF5\x80\x80\x80"), 1);
        assert_int_equal(CHECK(cs, "\xFF"), 1);
        /* Stray and missing continuation bytes. */
        assert_int_equal(CHECK(cs, "A\x80"), 2);
        assert_int_equal(CHECK(cs, "\xD0"), 1);
        assert_int_equal(CHECK(cs, "\xE2\x82"), 1);
        assert_int_equal(CHECK(cs, "\xE2\x82Z"), 1);
        /* Controls: C0, DEL, C1 (U+0085 as C2 85). */
        assert_int_equal(CHECK(cs, "A\nB"), 2);
        assert_int_equal(CHECK(cs, "\x7F"), 1);
        assert_int_equal(CHECK(cs, "AB\xC2\x85"), 3);
        assert_int_equal(CHECK(cs, "\xC2\x9F"), 1);
        assert_int_equal(kh_charset_check(cs, (const unsigned char *)"A\0B", 3), 2);
    }
}

static void test_unknown_charset(void **state)
{
    (void)state;
    assert_int_equal(CHECK(KH_CHARSET_UNKNOWN, "abc XYZ"), 0);
    assert_int_equal(CHECK(KH_CHARSET_UNKNOWN, "ab\xE9"), 3);
}

/* ------------------------------------------------------------ length */

static void test_length(void **state)
{
    (void)state;
    assert_int_equal(kh_charset_length(KH_CHARSET_UNOW, (const unsigned char *)"Улаан", 10), 5);
    assert_int_equal(kh_charset_length(KH_CHARSET_UNOY, (const unsigned char *)"a€😀", 8), 3);
    assert_int_equal(kh_charset_length(KH_CHARSET_UNOW, (const unsigned char *)"", 0), 0);
    /* An ill-formed byte counts as one character. */
    assert_int_equal(kh_charset_length(KH_CHARSET_UNOW, (const unsigned char *)"A\xFF\xC3", 3), 3);
    /* Single-byte charsets count bytes. */
    assert_int_equal(kh_charset_length(KH_CHARSET_UNOC, (const unsigned char *)"Caf\xE9", 4), 4);
    assert_int_equal(kh_charset_length(KH_CHARSET_UNOE, (const unsigned char *)"Улаан", 10), 10);
}

/* ------------------------------------------------------------ conversion */

static void test_unoe_conversion(void **state)
{
    static const unsigned char moskva_8859_5[] = { 0xBC, 0xDE, 0xE1, 0xDA, 0xD2, 0xD0 };
    static const unsigned char specials[] = { 0xB0, 0xF0, 0xFD, 0xA1, 0xFF };
    unsigned char back[64];
    char utf8[64];
    size_t n;

    (void)state;
    n = kh_charset_to_utf8(KH_CHARSET_UNOE, moskva_8859_5, sizeof moskva_8859_5,
                           utf8, sizeof utf8);
    assert_int_equal(n, strlen("Москва"));
    assert_string_equal(utf8, "Москва");

    /* А, №, §, Ё, џ */
    n = kh_charset_to_utf8(KH_CHARSET_UNOE, specials, sizeof specials, utf8, sizeof utf8);
    assert_string_equal(utf8, "\xD0\x90\xE2\x84\x96\xC2\xA7\xD0\x81\xD1\x9F");
    assert_int_equal(n, 11);

    n = kh_charset_from_utf8(KH_CHARSET_UNOE, "Москва", strlen("Москва"), back, sizeof back);
    assert_int_equal(n, sizeof moskva_8859_5);
    assert_memory_equal(back, moskva_8859_5, sizeof moskva_8859_5);
    assert_int_equal(back[n], 0);

    n = kh_charset_from_utf8(KH_CHARSET_UNOE, "А№§ 12", strlen("А№§ 12"), back, sizeof back);
    assert_int_equal(n, 6);
    assert_memory_equal(back, "\xB0\xF0\xFD 12", 6);
}

static void test_unoe_refuses_mongolian_letters(void **state)
{
    unsigned char out[64];

    (void)state;
    /* Ө (U+04E8) and Ү (U+04AE) are not in ISO 8859-5. */
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOE, "Ө", strlen("Ө"), out, sizeof out),
                     (size_t)-1);
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOE, "Ү", strlen("Ү"), out, sizeof out),
                     (size_t)-1);
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOE, "ӨЛЗИЙ", strlen("ӨЛЗИЙ"),
                                          out, sizeof out), (size_t)-1);
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOE, "ЛЗИЙ", strlen("ЛЗИЙ"),
                                          out, sizeof out), 4);
    /* Both are fine in UNOW. */
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOW, "Өү", strlen("Өү"), out, sizeof out),
                     strlen("Өү"));
}

static void test_from_utf8(void **state)
{
    unsigned char out[32];

    (void)state;
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOA, "ABC", 3, out, sizeof out), 3);
    assert_string_equal((char *)out, "ABC");
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOA, "AbC", 3, out, sizeof out),
                     (size_t)-1);
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOB, "AbC", 3, out, sizeof out), 3);
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOB, "é", 2, out, sizeof out),
                     (size_t)-1);
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOC, "café", 5, out, sizeof out), 4);
    assert_memory_equal(out, "caf\xE9", 5);
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOC, "Ł", 2, out, sizeof out),
                     (size_t)-1);
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOD, "Łódź", strlen("Łódź"),
                                          out, sizeof out), 4);
    assert_memory_equal(out, "\xA3\xF3\x64\xBC", 4);
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOF, "Αθήνα €", strlen("Αθήνα €"),
                                          out, sizeof out), 7);
    assert_memory_equal(out, "\xC1\xE8\xDE\xED\xE1 \xA4", 7);

    /* Controls are in no repertoire. */
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOC, "A\rB", 3, out, sizeof out),
                     (size_t)-1);
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOW, "\xC2\x85", 2, out, sizeof out),
                     (size_t)-1);
    /* Ill-formed input. */
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOW, "\xC0\xAF", 2, out, sizeof out),
                     (size_t)-1);
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOC, "\xE9", 1, out, sizeof out),
                     (size_t)-1);
    /* Not enough room: the result and its NUL need len + 1. */
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOC, "ABC", 3, out, 3), (size_t)-1);
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOC, "ABC", 3, out, 4), 3);
    assert_int_equal(kh_charset_from_utf8(KH_CHARSET_UNOC, "", 0, out, 1), 0);
    assert_int_equal(out[0], 0);
}

static void test_to_utf8_replaces_outside_bytes(void **state)
{
    char out[64];

    (void)state;
    /* Lower case is outside UNOA. */
    assert_int_equal(kh_charset_to_utf8(KH_CHARSET_UNOA, (const unsigned char *)"Ab", 2,
                                        out, sizeof out), 4);
    assert_string_equal(out, "A\xEF\xBF\xBD");
    /* C1 in UNOC; undefined 0xAE in UNOF. */
    kh_charset_to_utf8(KH_CHARSET_UNOC, (const unsigned char *)"\x85\xE9", 2, out, sizeof out);
    assert_string_equal(out, "\xEF\xBF\xBD\xC3\xA9");
    kh_charset_to_utf8(KH_CHARSET_UNOF, (const unsigned char *)"\xAE\xC1", 2, out, sizeof out);
    assert_string_equal(out, "\xEF\xBF\xBD\xCE\x91");
    /* Ill-formed UTF-8: one U+FFFD per bad byte; good characters kept. */
    kh_charset_to_utf8(KH_CHARSET_UNOW, (const unsigned char *)"\xC0\xAFЖ", 4, out, sizeof out);
    assert_string_equal(out, "\xEF\xBF\xBD\xEF\xBF\xBDЖ");
    /* 3 * len + 1 suffices: every byte a replacement. */
    {
        const unsigned char bad[4] = { 0xFF, 0xFE, 0x80, 0x81 };
        char exact[13];

        assert_int_equal(kh_charset_to_utf8(KH_CHARSET_UNOW, bad, 4, exact, sizeof exact), 12);
    }
    /* Too small: stops at a character boundary, NUL-terminated. */
    assert_int_equal(kh_charset_to_utf8(KH_CHARSET_UNOE, (const unsigned char *)"\xB0\xB1", 2,
                                        out, 4), 2);
    assert_string_equal(out, "А");
    assert_int_equal(kh_charset_to_utf8(KH_CHARSET_UNOC, (const unsigned char *)"A", 1, out, 0), 0);
}

/* Every byte each ISO 8859 charset allows converts to one character and
 * back to itself; every byte it refuses becomes U+FFFD. */
static void test_single_byte_round_trips(void **state)
{
    kh_edi_charset all[] = {
        KH_CHARSET_UNOA, KH_CHARSET_UNOB, KH_CHARSET_UNOC, KH_CHARSET_UNOD,
        KH_CHARSET_UNOE, KH_CHARSET_UNOF
    };

    (void)state;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        for (int b = 0; b < 256; b++) {
            unsigned char c = (unsigned char)b, back[8];
            char utf8[8];
            size_t n = kh_charset_to_utf8(all[i], &c, 1, utf8, sizeof utf8);

            if (kh_charset_check(all[i], &c, 1) != 0) {
                assert_string_equal(utf8, "\xEF\xBF\xBD");
                continue;
            }
            assert_int_equal(kh_charset_from_utf8(all[i], utf8, n, back, sizeof back), 1);
            assert_int_equal(back[0], c);
        }
    }
}

/* The tables of charset.c against glibc: same character for every byte of
 * 0xA0-0xFF, and undefined exactly where iconv refuses the byte. */
static void compare_with_iconv(kh_edi_charset cs, const char *iconv_name)
{
    iconv_t cd = iconv_open("UTF-8", iconv_name);

    if (cd == (iconv_t)-1)
        skip();
    for (int b = 0xA0; b <= 0xFF; b++) {
        char in_byte = (char)b, expected[8] = { 0 }, actual[8];
        char *in = &in_byte, *out = expected;
        size_t in_left = 1, out_left = sizeof expected - 1;
        unsigned char c = (unsigned char)b;
        bool defined;

        iconv(cd, NULL, NULL, NULL, NULL);
        defined = iconv(cd, &in, &in_left, &out, &out_left) != (size_t)-1;
        kh_charset_to_utf8(cs, &c, 1, actual, sizeof actual);
        if (defined) {
            assert_int_equal(kh_charset_check(cs, &c, 1), 0);
            assert_string_equal(actual, expected);
        } else {
            assert_int_equal(kh_charset_check(cs, &c, 1), 1);
        }
    }
    iconv_close(cd);
}

static void test_tables_match_iconv(void **state)
{
    (void)state;
    compare_with_iconv(KH_CHARSET_UNOC, "ISO-8859-1");
    compare_with_iconv(KH_CHARSET_UNOD, "ISO-8859-2");
    compare_with_iconv(KH_CHARSET_UNOE, "ISO-8859-5");
    compare_with_iconv(KH_CHARSET_UNOF, "ISO-8859-7");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_unoa),
        cmocka_unit_test(test_unob),
        cmocka_unit_test(test_unoc_unod_unoe),
        cmocka_unit_test(test_unoe_rejects_utf8_cyrillic),
        cmocka_unit_test(test_unof),
        cmocka_unit_test(test_unow_unoy),
        cmocka_unit_test(test_unknown_charset),
        cmocka_unit_test(test_length),
        cmocka_unit_test(test_unoe_conversion),
        cmocka_unit_test(test_unoe_refuses_mongolian_letters),
        cmocka_unit_test(test_from_utf8),
        cmocka_unit_test(test_to_utf8_replaces_outside_bytes),
        cmocka_unit_test(test_single_byte_round_trips),
        cmocka_unit_test(test_tables_match_iconv),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
