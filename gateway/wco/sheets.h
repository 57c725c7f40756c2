/*
 * sheets.h - the mapping sheets of a profile: XSLT 1.0 stylesheets between
 * the EDIFACT-XML form (or a partner's XML) and the WCO DM families,
 * compiled once with libxslt and run with every file and network access
 * forbidden.
 */
#ifndef KHAALGA_WCO_SHEETS_H
#define KHAALGA_WCO_SHEETS_H

#include <stddef.h>

#include <libxml/tree.h>
#include <libxslt/xsltInternals.h>

#include "wco/provenance.h"

typedef struct kh_sheet {
    char              from[24];     /* CUSDEC, FINSTA, camt.054, permit, DEC … */
    char              directory[8]; /* D96B… for EDIFACT sources, "" otherwise */
    char              to[24];       /* DEC, RES… or CUSDEC, CUSRES… */
    char             *path;         /* the file: a file named twice is compiled once */
    xsltStylesheetPtr xsl;
} kh_sheet;

typedef struct kh_sheets {
    kh_sheet *sheet;
    size_t    count;
} kh_sheets;

/* Compiles the sheet in path and adds it. Returns 0, or -1 with err set
 * (naming the file and line). */
int kh_sheets_add(kh_sheets *s, const char *from, const char *directory, const char *to,
                  const char *path, char *err, size_t errlen);
void kh_sheets_free(kh_sheets *s);

/* The sheet from a source (and directory, for EDIFACT) to a target; when to
 * is NULL, the first sheet from that source. */
const kh_sheet *kh_sheets_find(const kh_sheets *s, const char *from, const char *directory, const char *to);

/* Runs a sheet. params are name/value pairs of string parameters, NULL
 * terminated. Returns the result, or NULL with err set (the sheet's
 * xsl:message terminate text, or why it failed). */
xmlDocPtr kh_sheet_apply(const kh_sheet *sheet, xmlDocPtr in, const char *const *params,
                         char *err, size_t errlen);

/* The same, recording where each output element came from (the sheets'
 * kp:from marks, mappings/wco/provenance.xsl) into recorder, which reads and
 * removes the marks: the result is the same document as without recording. */
xmlDocPtr kh_sheet_apply_recording(const kh_sheet *sheet, xmlDocPtr in, const char *const *params,
                                   kh_provenance *recorder, char *err, size_t errlen);

#endif
