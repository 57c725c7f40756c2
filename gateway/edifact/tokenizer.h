/*
 * tokenizer.h - the streaming EDIFACT reader: bytes in, one segment at a time out.
 *
 * The reader holds one read buffer and one segment, whatever the size of the
 * input. It understands the service string advice (UNA), the default separators
 * when UNA is absent (UNOB's information separators included), the release
 * character and the repetition separator (syntax version 4 only).
 */
#ifndef KHAALGA_EDIFACT_TOKENIZER_H
#define KHAALGA_EDIFACT_TOKENIZER_H

#include "edifact/edifact.h"
#include "edifact/scan.h"

/* Reads up to n bytes; returns the count, 0 at the end, -1 on error (errno). */
typedef ssize_t (*kh_edi_read_fn)(void *ctx, void *buf, size_t n);

typedef struct kh_edi_reader kh_edi_reader;

/* What is wrong with a segment as read, besides its content. At most one
 * issue per segment is kept: the first. */
typedef struct kh_edi_issue {
    int      code;          /* 0085 code, 0 when none */
    uint32_t element;       /* place of the issue in the segment, 0 = whole segment */
    uint32_t component;
    uint32_t repetition;
    char     text[120];
} kh_edi_issue;

kh_edi_reader *kh_edi_reader_new(kh_edi_read_fn read, void *ctx, const kh_edi_limits *limits);
kh_edi_reader *kh_edi_reader_for_fd(int fd, const kh_edi_limits *limits);
kh_edi_reader *kh_edi_reader_for_memory(const void *data, size_t size, const kh_edi_limits *limits);
void kh_edi_reader_free(kh_edi_reader *r);

/* Next segment: 1 and *seg set, 0 at the end of the input, -1 when the input
 * cannot be read (errno set). A service string advice comes out as a segment
 * with tag "UNA" and no elements. Problems with the segment (too long, too
 * many constituents, bad UNA, no terminator) are in *issue. */
int kh_edi_reader_next(kh_edi_reader *r, kh_edi_segment **seg, kh_edi_issue *issue);

/* The separators in force, and whether this interchange began with UNA. */
const kh_edi_separators *kh_edi_reader_separators(const kh_edi_reader *r);
bool kh_edi_reader_had_una(const kh_edi_reader *r);

/* Tells the reader the syntax version read from UNB: version 4 turns on the
 * repetition separator. */
void kh_edi_reader_set_version(kh_edi_reader *r, int version);

/* Chooses the structural scanner (scan.h); the best one by default. False,
 * and nothing changed, when this processor cannot run that kind. For tests
 * and benchmarks: every kind gives the same segments. */
bool kh_edi_reader_set_scan(kh_edi_reader *r, kh_edi_scan_kind kind);

/* Bytes consumed so far. */
uint64_t kh_edi_reader_offset(const kh_edi_reader *r);

#endif
