/*
 * scan.h - the structural scanner of the EDIFACT reader: where the service
 * characters (terminator, separators, release) are, 64 bytes at a time, as
 * one bitmask per character (bit i for byte i of the block).
 *
 * There is one portable version and, on x86-64, SSE2, AVX2 and AVX-512
 * versions; the best one the processor has is chosen at run time. All give
 * the same masks for the same bytes, which the tests require.
 */
#ifndef KHAALGA_EDIFACT_SCAN_H
#define KHAALGA_EDIFACT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes one set of masks describes. */
#define KH_EDI_SCAN_BLOCK 64

typedef enum kh_edi_scan_kind {
    KH_EDI_SCAN_BEST = 0,      /* the fastest the processor has */
    KH_EDI_SCAN_PORTABLE,      /* plain C, on every processor */
    KH_EDI_SCAN_SSE2,          /* x86-64 */
    KH_EDI_SCAN_AVX2,          /* x86-64 with AVX2 */
    KH_EDI_SCAN_AVX512         /* x86-64 with AVX-512BW */
} kh_edi_scan_kind;

/* The characters looked for. One not in use (release in UNOB, repetition
 * before version 4) may hold any value: the reader ignores its mask. */
typedef struct kh_edi_scan_chars {
    unsigned char terminator, element, component, repetition, release;
} kh_edi_scan_chars;

/* Where each character is in one block: bit i set when byte i is that
 * character. */
typedef struct kh_edi_scan_masks {
    uint64_t terminator, element, component, repetition, release;
} kh_edi_scan_masks;

/* Fills masks[0 .. blocks - 1] for the 64 * blocks bytes at p. */
typedef void (*kh_edi_scan_fn)(const unsigned char *p, size_t blocks, const kh_edi_scan_chars *chars,
                               kh_edi_scan_masks *masks);

/* Whether this processor (and this build) can run that kind of scanner. */
bool kh_edi_scan_supported(kh_edi_scan_kind kind);

/* The scanner of that kind; for KH_EDI_SCAN_BEST, the best supported one.
 * NULL when the kind is not supported. */
kh_edi_scan_fn kh_edi_scan_function(kh_edi_scan_kind kind);

/* The kind KH_EDI_SCAN_BEST stands for on this processor. */
kh_edi_scan_kind kh_edi_scan_best(void);

/* A name for messages and benchmarks: "portable", "sse2", "avx2", "avx512". */
const char *kh_edi_scan_name(kh_edi_scan_kind kind);

#endif
