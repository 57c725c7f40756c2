/*
 * charset.c - the ISO 9735 character repertoires: which bytes each syntax
 * identifier (UNOA to UNOY) allows, and conversion between them and UTF-8.
 *
 * The level A and B repertoires are subsets of ISO 646; UNOC to UNOF are the
 * ISO 8859 parts 1, 2, 5 and 7 (printable ASCII plus the graphic characters
 * of 0xA0-0xFF that the part defines); UNOW and UNOY are UTF-8. No charset
 * allows control characters (C0, DEL, C1). An unknown charset is taken to
 * allow printable ASCII only, the part that every other repertoire shares
 * (UNOA aside).
 */
#include <string.h>

#include "edifact.h"

/* ------------------------------------------------------------ byte tables */

/* One table per single-byte repertoire: 1 when the byte is allowed. The
 * range designators ([a ... b]) are the GNU C extension that gcc and clang
 * both accept under -std=gnu11. */

static const unsigned char unoa_bytes[256] = {
    ['A' ... 'Z'] = 1, ['0' ... '9'] = 1,
    [' '] = 1, ['.'] = 1, [','] = 1, ['-'] = 1, ['('] = 1, [')'] = 1,
    ['/'] = 1, ['='] = 1, ['\''] = 1, ['+'] = 1, [':'] = 1, ['?'] = 1,
    ['!'] = 1, ['"'] = 1, ['%'] = 1, ['&'] = 1, ['*'] = 1, [';'] = 1,
    ['<'] = 1, ['>'] = 1,
};

static const unsigned char unob_bytes[256] = {
    ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1, ['0' ... '9'] = 1,
    [' '] = 1, ['.'] = 1, [','] = 1, ['-'] = 1, ['('] = 1, [')'] = 1,
    ['/'] = 1, ['='] = 1, ['\''] = 1, ['+'] = 1, [':'] = 1, ['?'] = 1,
    ['!'] = 1, ['"'] = 1, ['%'] = 1, ['&'] = 1, ['*'] = 1, [';'] = 1,
    ['<'] = 1, ['>'] = 1,
};

/* ISO 8859-1, -2 and -5 define every position of 0xA0-0xFF. */
static const unsigned char latin_bytes[256] = {
    [0x20 ... 0x7E] = 1, [0xA0 ... 0xFF] = 1,
};

/* ISO 8859-7:2003 leaves 0xAE, 0xD2 and 0xFF undefined. */
static const unsigned char greek_bytes[256] = {
    [0x20 ... 0x7E] = 1, [0xA0 ... 0xAD] = 1, [0xAF ... 0xD1] = 1,
    [0xD3 ... 0xFE] = 1,
};

/* UNOW, UNOY and unknown charsets: the single-byte (ASCII) part. UTF-8
 * sequences are checked by decoding them. */
static const unsigned char ascii_bytes[256] = {
    [0x20 ... 0x7E] = 1,
};

/* ------------------------------------------------------------ upper halves */

/* ISO 8859-2, bytes 0xA0-0xFF. Generated from glibc's ISO-8859-2 converter
 * (and checked against it by tests/unit/test_charset.c). */
static const uint16_t latin2_upper[96] = {
    0x00A0, 0x0104, 0x02D8, 0x0141, 0x00A4, 0x013D, 0x015A, 0x00A7,
    0x00A8, 0x0160, 0x015E, 0x0164, 0x0179, 0x00AD, 0x017D, 0x017B,
    0x00B0, 0x0105, 0x02DB, 0x0142, 0x00B4, 0x013E, 0x015B, 0x02C7,
    0x00B8, 0x0161, 0x015F, 0x0165, 0x017A, 0x02DD, 0x017E, 0x017C,
    0x0154, 0x00C1, 0x00C2, 0x0102, 0x00C4, 0x0139, 0x0106, 0x00C7,
    0x010C, 0x00C9, 0x0118, 0x00CB, 0x011A, 0x00CD, 0x00CE, 0x010E,
    0x0110, 0x0143, 0x0147, 0x00D3, 0x00D4, 0x0150, 0x00D6, 0x00D7,
    0x0158, 0x016E, 0x00DA, 0x0170, 0x00DC, 0x00DD, 0x0162, 0x00DF,
    0x0155, 0x00E1, 0x00E2, 0x0103, 0x00E4, 0x013A, 0x0107, 0x00E7,
    0x010D, 0x00E9, 0x0119, 0x00EB, 0x011B, 0x00ED, 0x00EE, 0x010F,
    0x0111, 0x0144, 0x0148, 0x00F3, 0x00F4, 0x0151, 0x00F6, 0x00F7,
    0x0159, 0x016F, 0x00FA, 0x0171, 0x00FC, 0x00FD, 0x0163, 0x02D9,
};

/* ISO 8859-7:2003, bytes 0xA0-0xBF; 0 marks an undefined position. From
 * 0xC0 on the part follows Unicode's Greek block at a fixed distance. */
static const uint16_t greek_upper[32] = {
    0x00A0, 0x2018, 0x2019, 0x00A3, 0x20AC, 0x20AF, 0x00A6, 0x00A7,
    0x00A8, 0x00A9, 0x037A, 0x00AB, 0x00AC, 0x00AD, 0x0000, 0x2015,
    0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x0384, 0x0385, 0x0386, 0x00B7,
    0x0388, 0x0389, 0x038A, 0x00BB, 0x038C, 0x00BD, 0x038E, 0x038F,
};

static uint32_t cyrillic_to_unicode(unsigned char b)
{
    /* ISO 8859-5 follows Unicode's Cyrillic block at a fixed distance,
     * except for four positions. */
    switch (b) {
    case 0xA0: return 0x00A0;   /* no-break space */
    case 0xAD: return 0x00AD;   /* soft hyphen */
    case 0xF0: return 0x2116;   /* numero sign */
    case 0xFD: return 0x00A7;   /* section sign */
    default:   return (uint32_t)b + 0x360;
    }
}

static uint32_t greek_to_unicode(unsigned char b)
{
    if (b < 0xC0)
        return greek_upper[b - 0xA0];
    if (b == 0xD2 || b == 0xFF)
        return 0;
    return (uint32_t)b + 0x2D0;
}

/* The code point of byte b (0xA0-0xFF) in the ISO 8859 part behind cs, or 0
 * when the part leaves it undefined or cs is not an ISO 8859 charset. */
static uint32_t upper_half_to_unicode(kh_edi_charset cs, unsigned char b)
{
    if (b < 0xA0)
        return 0;
    switch (cs) {
    case KH_CHARSET_UNOC: return b;
    case KH_CHARSET_UNOD: return latin2_upper[b - 0xA0];
    case KH_CHARSET_UNOE: return cyrillic_to_unicode(b);
    case KH_CHARSET_UNOF: return greek_to_unicode(b);
    default:              return 0;
    }
}

/* The byte for code point cp (>= 0xA0) in the ISO 8859 part behind cs, or
 * -1 when the part has none. A search over 96 positions: conversion to the
 * interchange charset is only done when writing. */
static int unicode_to_upper_half(kh_edi_charset cs, uint32_t cp)
{
    for (unsigned b = 0xA0; b <= 0xFF; b++)
        if (upper_half_to_unicode(cs, (unsigned char)b) == cp)
            return (int)b;
    return -1;
}

/* ------------------------------------------------------------ UTF-8 */

static bool is_utf8_charset(kh_edi_charset cs)
{
    return cs == KH_CHARSET_UNOW || cs == KH_CHARSET_UNOY;
}

static bool is_iso8859_charset(kh_edi_charset cs)
{
    return cs == KH_CHARSET_UNOC || cs == KH_CHARSET_UNOD ||
           cs == KH_CHARSET_UNOE || cs == KH_CHARSET_UNOF;
}

/* Decodes the UTF-8 sequence at s (n > 0 bytes available). Returns its length
 * and sets *cp, or returns 0 when s does not start a well-formed sequence: a
 * stray continuation byte, a lead byte that cannot start one, a missing or
 * wrong continuation byte, an overlong form, a surrogate, or a code point
 * beyond U+10FFFF (the Unicode standard's table 3-7). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char lead = s[0];
    unsigned char low = 0x80, high = 0xBF;   /* range of the second byte */
    size_t length;
    uint32_t c;

    if (lead < 0x80) {
        *cp = lead;
        return 1;
    }
    if (lead < 0xC2) {
        return 0;                            /* continuation, or overlong */
    } else if (lead < 0xE0) {
        length = 2;
        c = lead & 0x1F;
    } else if (lead < 0xF0) {
        length = 3;
        c = lead & 0x0F;
        if (lead == 0xE0)
            low = 0xA0;                      /* overlong */
        else if (lead == 0xED)
            high = 0x9F;                     /* surrogates */
    } else if (lead < 0xF5) {
        length = 4;
        c = lead & 0x07;
        if (lead == 0xF0)
            low = 0x90;                      /* overlong */
        else if (lead == 0xF4)
            high = 0x8F;                     /* beyond U+10FFFF */
    } else {
        return 0;
    }

    if (n < length || s[1] < low || s[1] > high)
        return 0;
    c = (c << 6) | (s[1] & 0x3F);
    for (size_t i = 2; i < length; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    *cp = c;
    return length;
}

static size_t utf8_encode(uint32_t cp, unsigned char out[4])
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ISO 10646 as UNOW and UNOY carry it: any character but the controls. */
static bool is_allowed_code_point(uint32_t cp)
{
    return cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F);
}

/* ------------------------------------------------------------ names */

static const char *const charset_names[] = {
    [KH_CHARSET_UNKNOWN] = "unknown",
    [KH_CHARSET_UNOA] = "UNOA",
    [KH_CHARSET_UNOB] = "UNOB",
    [KH_CHARSET_UNOC] = "UNOC",
    [KH_CHARSET_UNOD] = "UNOD",
    [KH_CHARSET_UNOE] = "UNOE",
    [KH_CHARSET_UNOF] = "UNOF",
    [KH_CHARSET_UNOW] = "UNOW",
    [KH_CHARSET_UNOY] = "UNOY",
};

#define CHARSET_COUNT (sizeof(charset_names) / sizeof(charset_names[0]))

kh_edi_charset kh_charset_from_name(const char *name, size_t len)
{
    if (name == NULL || len != 4)
        return KH_CHARSET_UNKNOWN;
    for (size_t cs = KH_CHARSET_UNOA; cs < CHARSET_COUNT; cs++)
        if (memcmp(name, charset_names[cs], 4) == 0)
            return (kh_edi_charset)cs;
    return KH_CHARSET_UNKNOWN;
}

const char *kh_charset_name(kh_edi_charset cs)
{
    if ((size_t)cs >= CHARSET_COUNT)
        return charset_names[KH_CHARSET_UNKNOWN];
    return charset_names[cs];
}

/* ------------------------------------------------------------ checking */

static const unsigned char *allowed_bytes(kh_edi_charset cs)
{
    switch (cs) {
    case KH_CHARSET_UNOA: return unoa_bytes;
    case KH_CHARSET_UNOB: return unob_bytes;
    case KH_CHARSET_UNOC:
    case KH_CHARSET_UNOD:
    case KH_CHARSET_UNOE: return latin_bytes;
    case KH_CHARSET_UNOF: return greek_bytes;
    default:              return ascii_bytes;
    }
}

static size_t check_utf8(const unsigned char *value, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint32_t cp;
        size_t n;

        if (ascii_bytes[value[i]]) {
            i++;
            continue;
        }
        n = utf8_decode(value + i, len - i, &cp);
        if (n == 0 || !is_allowed_code_point(cp))
            return i + 1;
        i += n;
    }
    return 0;
}

size_t kh_charset_check(kh_edi_charset cs, const unsigned char *value, size_t len)
{
    const unsigned char *allowed;

    if (is_utf8_charset(cs))
        return check_utf8(value, len);

    allowed = allowed_bytes(cs);
    for (size_t i = 0; i < len; i++)
        if (!allowed[value[i]])
            return i + 1;
    return 0;
}

size_t kh_charset_length(kh_edi_charset cs, const unsigned char *value, size_t len)
{
    size_t characters = 0;
    size_t i = 0;

    if (!is_utf8_charset(cs))
        return len;

    /* An ill-formed byte counts as one character, as it becomes one U+FFFD
     * in kh_charset_to_utf8(). */
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(value + i, len - i, &cp);

        i += n ? n : 1;
        characters++;
    }
    return characters;
}

/* ------------------------------------------------------------ conversion */

#define REPLACEMENT_CHARACTER 0xFFFD

/* The code point that the character at value[0] stands for in cs, or U+FFFD
 * when it is outside the repertoire; *consumed gets its length in bytes. */
static uint32_t next_character(kh_edi_charset cs, const unsigned char *value,
                               size_t len, size_t *consumed)
{
    unsigned char b = value[0];
    uint32_t cp;

    *consumed = 1;
    if (is_utf8_charset(cs)) {
        size_t n = utf8_decode(value, len, &cp);

        if (n == 0)
            return REPLACEMENT_CHARACTER;
        *consumed = n;
        return is_allowed_code_point(cp) ? cp : REPLACEMENT_CHARACTER;
    }
    if (!allowed_bytes(cs)[b])
        return REPLACEMENT_CHARACTER;
    if (b < 0x80)
        return b;
    cp = upper_half_to_unicode(cs, b);
    return cp ? cp : REPLACEMENT_CHARACTER;
}

size_t kh_charset_to_utf8(kh_edi_charset cs, const unsigned char *value, size_t len,
                          char *out, size_t cap)
{
    size_t written = 0;
    size_t i = 0;

    if (cap == 0)
        return 0;

    /* Stops early, at a character boundary, when out is too small. */
    while (i < len) {
        unsigned char encoded[4];
        size_t consumed;
        uint32_t cp = next_character(cs, value + i, len - i, &consumed);
        size_t n = utf8_encode(cp, encoded);

        if (written + n >= cap)
            break;
        memcpy(out + written, encoded, n);
        written += n;
        i += consumed;
    }
    out[written] = '\0';
    return written;
}

/* The byte(s) of code point cp in cs into out (room for 4); returns their
 * number, or 0 when cs cannot represent cp. */
static size_t encode_character(kh_edi_charset cs, uint32_t cp, unsigned char out[4])
{
    int b;

    if (is_utf8_charset(cs))
        return is_allowed_code_point(cp) ? utf8_encode(cp, out) : 0;
    if (cp < 0x80) {
        if (!allowed_bytes(cs)[cp])
            return 0;
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (!is_iso8859_charset(cs) || cp < 0xA0)
        return 0;
    b = unicode_to_upper_half(cs, cp);
    if (b < 0)
        return 0;
    out[0] = (unsigned char)b;
    return 1;
}

size_t kh_charset_from_utf8(kh_edi_charset cs, const char *utf8, size_t len,
                            unsigned char *out, size_t cap)
{
    const unsigned char *in = (const unsigned char *)utf8;
    size_t written = 0;
    size_t i = 0;

    /* Fails on ill-formed UTF-8, on a character the charset lacks, and when
     * out (with its terminating NUL) does not fit in cap. */
    while (i < len) {
        unsigned char encoded[4];
        uint32_t cp;
        size_t consumed = utf8_decode(in + i, len - i, &cp);
        size_t n;

        if (consumed == 0)
            return (size_t)-1;
        n = encode_character(cs, cp, encoded);
        if (n == 0 || written + n >= cap)
            return (size_t)-1;
        memcpy(out + written, encoded, n);
        written += n;
        i += consumed;
    }
    if (cap == 0)
        return (size_t)-1;
    out[written] = '\0';
    return written;
}
