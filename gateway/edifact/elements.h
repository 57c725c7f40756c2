/*
 * elements.h - checks the data elements of one segment against its directory
 * definition: count, mandatory, repertoire, type, length and code lists.
 */
#ifndef KHAALGA_EDIFACT_ELEMENTS_H
#define KHAALGA_EDIFACT_ELEMENTS_H

#include "edifact/directory.h"
#include "edifact/edifact.h"

/* Where element-level findings go; positions are 1-based, 0 = not applicable. */
typedef struct kh_edi_reporter {
    void *ctx;
    void (*report)(void *ctx, int code, uint32_t element, uint32_t component,
                   uint32_t repetition, const char *text);
} kh_edi_reporter;

typedef struct kh_edi_value_rules {
    kh_edi_charset charset;
    int            version;       /* syntax version: 4 reports trailing separators */
} kh_edi_value_rules;

/* Checks seg against def (def may be NULL: only the repertoire is checked). */
void kh_edi_check_elements(const kh_edi_segment *seg, const kh_dir_segment *def,
                           const kh_edi_value_rules *rules, const kh_edi_reporter *out);

/* Checks one value against a simple data element definition; returns the
 * 0085 code of the first problem (0 when fine) and describes it in text. */
int kh_edi_check_value(const unsigned char *value, size_t len, const kh_dir_data_element *de,
                       const kh_edi_value_rules *rules, char *text, size_t textlen);

#endif
