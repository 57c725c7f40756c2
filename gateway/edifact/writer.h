/*
 * writer.h - writes EDIFACT interchanges segment by segment: separators,
 * escaping, conversion from UTF-8 to the interchange charset, and the
 * control counts of UNT, UNE and UNZ.
 */
#ifndef KHAALGA_EDIFACT_WRITER_H
#define KHAALGA_EDIFACT_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "edifact.h"

typedef struct kh_edi_writer kh_edi_writer;

/* The int functions return 0 when done; -1 when what they were given cannot
 * be written (a character the charset lacks, a separator with no release
 * character, positions out of order, a call out of sequence); -2 on a system
 * failure (out of memory, a failed write). kh_edi_writer_error() says why. */
#define KH_EDI_WRITER_REJECTED (-1)
#define KH_EDI_WRITER_FAILED   (-2)

/* A writer onto out, which stays the caller's. NULL when out of memory. */
kh_edi_writer *kh_edi_writer_new(FILE *out);
void kh_edi_writer_free(kh_edi_writer *w);

/* Starts an interchange with these separators, charset and syntax version
 * (1-4). Writes UNA when write_una, or when seps differ from
 * kh_edi_separators_default() for the charset and version. The release and
 * repetition characters may be 0 (none; a space in UNA). Resets the counts. */
int kh_edi_writer_begin_interchange(kh_edi_writer *w, const kh_edi_separators *seps,
                                    kh_edi_charset cs, int version, bool write_una);

/* Starts a segment; tag is UTF-8, one to three characters, not "UNA". */
int kh_edi_writer_begin_segment(kh_edi_writer *w, const char *tag);

/* Adds a value (UTF-8, len bytes, may be empty) at data element `element`,
 * repetition `repetition`, component `component`, all 1-based. Positions
 * must come in increasing order; positions skipped are written empty. An
 * empty value is an explicit empty position, to keep a trailing separator. */
int kh_edi_writer_value(kh_edi_writer *w, uint32_t element, uint32_t repetition,
                        uint32_t component, const char *utf8, size_t len);

/* Writes the segment out. For UNT, UNE and UNZ it first sets data element 1
 * (0074, 0060, 0036) to the count the writer kept, whatever it was given. */
int kh_edi_writer_end_segment(kh_edi_writer *w);

/* Counts n segments of the current message that the caller wrote to the
 * output itself (between UNH and UNT), so that UNT's count stays right. */
void kh_edi_writer_add_segments(kh_edi_writer *w, uint64_t n);

/* Why the last call that returned -1 failed: one sentence, no newline. */
const char *kh_edi_writer_error(const kh_edi_writer *w);

#endif
