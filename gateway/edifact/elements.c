/*
 * elements.c - checks the data elements of one segment against its directory
 * definition: too many elements, components or repetitions; mandatory
 * elements and components; character repertoire; type (a, an, n) and length;
 * and the code lists of checked qualifiers.
 */
#include "edifact/elements.h"

#include <stdio.h>
#include <string.h>

/* Checks a numeric value: optional leading minus, digits, at most one decimal
 * mark ('.' or ','), with a digit on each side. Counts its digits. */
static int check_numeric(const unsigned char *v, size_t len, size_t *digits, char *text, size_t textlen)
{
    size_t i = 0, marks = 0;
    *digits = 0;
    if (len > 0 && v[0] == '-')
        i = 1;
    for (; i < len; i++) {
        unsigned char c = v[i];
        if (c >= '0' && c <= '9') {
            (*digits)++;
        } else if (c == '.' || c == ',') {
            if (*digits == 0) {
                snprintf(text, textlen, "a decimal mark with no digit in front of it");
                return 38;
            }
            if (++marks > 1 || i + 1 == len) {
                snprintf(text, textlen, "\"%.*s\" is not a well-formed decimal number", (int)(len > 35 ? 35 : len), v);
                return 19;
            }
        } else {
            snprintf(text, textlen, "'%c' in a numeric data element", c >= 0x20 && c < 0x7f ? c : '?');
            return 37;
        }
    }
    if (*digits == 0) {
        snprintf(text, textlen, "a numeric data element without digits");
        return 37;
    }
    return 0;
}

int kh_edi_check_value(const unsigned char *value, size_t len, const kh_dir_data_element *de,
                       const kh_edi_value_rules *rules, char *text, size_t textlen)
{
    size_t bad = rules->charset == KH_CHARSET_UNKNOWN ? 0 : kh_charset_check(rules->charset, value, len);
    if (bad) {
        unsigned char c = value[bad - 1];
        snprintf(text, textlen, "byte 0x%02X at character %zu of data element %s is not in the %s repertoire",
                 c, bad, de ? de->id : "?", kh_charset_name(rules->charset));
        return 21;
    }
    if (!de)
        return 0;

    size_t length;
    if (de->type == KH_TYPE_NUMERIC) {
        int code = check_numeric(value, len, &length, text, textlen);
        if (code)
            return code;
    } else {
        length = kh_charset_length(rules->charset, value, len);
        if (de->type == KH_TYPE_ALPHABETIC)
            for (size_t i = 0; i < len; i++)
                if (value[i] >= '0' && value[i] <= '9') {
                    snprintf(text, textlen, "a digit in alphabetic data element %s", de->id);
                    return 37;
                }
    }
    if (de->max_length && length > de->max_length) {
        snprintf(text, textlen, "data element %s has %zu characters, at most %u allowed",
                 de->id, length, de->max_length);
        return 39;
    }
    if (length < de->min_length) {
        snprintf(text, textlen, "data element %s has %zu characters, exactly %u required",
                 de->id, length, de->min_length);
        return 40;
    }
    if (de->codes && !kh_dir_code_known(de->codes, (const char *)value, len)) {
        snprintf(text, textlen, "\"%.*s\" is not a code of data element %s", (int)(len > 35 ? 35 : len), value, de->id);
        return 12;
    }
    return 0;
}

static void report(const kh_edi_reporter *out, int code, uint32_t e, uint32_t c, uint32_t r, const char *text)
{
    out->report(out->ctx, code, e, c, r, text);
}

static bool repetition_present(const kh_edi_segment *seg, uint32_t e, uint32_t r)
{
    uint32_t n = kh_edi_components(seg, e, r);
    for (uint32_t c = 1; c <= n; c++) {
        size_t len;
        kh_edi_value(seg, e, r, c, &len);
        if (len)
            return true;
    }
    return false;
}

static void check_value_at(const kh_edi_segment *seg, uint32_t e, uint32_t r, uint32_t c,
                           const kh_dir_data_element *de, const kh_edi_value_rules *rules,
                           const kh_edi_reporter *out)
{
    size_t len;
    const unsigned char *v = kh_edi_value(seg, e, r, c, &len);
    char text[200];
    if (len == 0) {
        if (de && de->required) {
            snprintf(text, sizeof text, "mandatory %s %s (%s) is missing",
                     c ? "component" : "data element", de->id, de->name);
            report(out, 13, e, c, r, text);
        }
        return;
    }
    int code = kh_edi_check_value(v, len, de, rules, text, sizeof text);
    if (code)
        report(out, code, e, c, r, text);
}

/* One repetition of a composite. */
static void check_composite(const kh_edi_segment *seg, uint32_t e, uint32_t r, const kh_dir_element *el,
                            const kh_edi_value_rules *rules, const kh_edi_reporter *out)
{
    uint32_t n = kh_edi_components(seg, e, r);
    char text[200];
    for (uint32_t c = 1; c <= n || c <= el->components; c++) {
        if (c > el->components) {
            size_t len;
            kh_edi_value(seg, e, r, c, &len);
            if (len) {
                snprintf(text, sizeof text, "composite %s has %u components, at most %u defined",
                         el->id, n, el->components);
                report(out, 16, e, c, r, text);
                return;
            }
            continue;
        }
        check_value_at(seg, e, r, c, &el->component[c - 1], rules, out);
    }
}

static void check_simple(const kh_edi_segment *seg, uint32_t e, uint32_t r, const kh_dir_element *el,
                         const kh_edi_value_rules *rules, const kh_edi_reporter *out)
{
    uint32_t n = kh_edi_components(seg, e, r);
    for (uint32_t c = 2; c <= n; c++) {
        size_t len;
        kh_edi_value(seg, e, r, c, &len);
        if (len) {
            char text[200];
            snprintf(text, sizeof text, "data element %s is simple but has components", el->id);
            report(out, 16, e, c, r, text);
            return;
        }
    }
    size_t len;
    const unsigned char *v = kh_edi_value(seg, e, r, 1, &len);
    char text[200];
    int code = len ? kh_edi_check_value(v, len, &el->simple, rules, text, sizeof text) : 0;
    if (code)
        report(out, code, e, 0, r, text);
}

static void check_charset_only(const kh_edi_segment *seg, const kh_edi_value_rules *rules,
                               const kh_edi_reporter *out)
{
    for (uint32_t e = 1; e <= seg->elements; e++)
        for (uint32_t r = 1; r <= kh_edi_repetitions(seg, e); r++)
            for (uint32_t c = 1; c <= kh_edi_components(seg, e, r); c++) {
                size_t len;
                const unsigned char *v = kh_edi_value(seg, e, r, c, &len);
                char text[200];
                if (len && kh_edi_check_value(v, len, NULL, rules, text, sizeof text))
                    report(out, 21, e, c, r, text);
            }
}

void kh_edi_check_elements(const kh_edi_segment *seg, const kh_dir_segment *def,
                           const kh_edi_value_rules *rules, const kh_edi_reporter *out)
{
    char text[200];
    if (rules->version >= 4 && seg->trailing_separator)
        report(out, 45, seg->elements, 0, 0, "the segment ends with a separator");
    if (!def) {
        check_charset_only(seg, rules, out);
        return;
    }
    for (uint32_t e = 1; e <= seg->elements || e <= def->elements; e++) {
        if (e > def->elements) {
            if (repetition_present(seg, e, 1) || kh_edi_repetitions(seg, e) > 1) {
                snprintf(text, sizeof text, "segment %s has %u data elements, at most %u defined",
                         seg->tag, seg->elements, def->elements);
                report(out, 16, e, 0, 0, text);
                return;
            }
            continue;
        }
        const kh_dir_element *el = &def->element[e - 1];
        uint32_t reps = kh_edi_repetitions(seg, e);
        if (!repetition_present(seg, e, 1) && reps <= 1) {
            if (el->required) {
                snprintf(text, sizeof text, "mandatory data element %s (%s) is missing", el->id, el->name);
                report(out, 13, e, 0, 0, text);
            }
            continue;
        }
        if (reps > 1) {
            snprintf(text, sizeof text, "data element %s is not repeatable", el->id);
            report(out, 16, e, 0, 2, text);
        }
        if (el->composite)
            check_composite(seg, e, 1, el, rules, out);
        else
            check_simple(seg, e, 1, el, rules, out);
    }
}
