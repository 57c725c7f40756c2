/*
 * tokenize-bench.c - times Khaalga's EDIFACT tokenizer alone, once with each
 * structural scanner this processor has (portable, SSE2, AVX2, AVX-512), on
 * one file read through the same fd reader as `khaalga tokenize`; best of N
 * runs, as MB/s (MiB). Shows what a machine without AVX-512 or without x86
 * would get. Built on demand: make tests/bench/tokenize-bench
 *
 * usage: tokenize-bench FILE [RUNS]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "edifact/tokenizer.h"

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Tokenizes the file once; returns the seconds taken, or -1. */
static double tokenize_once(const char *path, kh_edi_scan_kind kind, unsigned long long *segments,
                            unsigned long long *bytes)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    double start = seconds_now();
    kh_edi_reader *reader = kh_edi_reader_for_fd(fd, NULL);
    if (!reader || !kh_edi_reader_set_scan(reader, kind)) {
        kh_edi_reader_free(reader);
        close(fd);
        return -1;
    }
    kh_edi_segment *seg;
    kh_edi_issue issue;
    int got;
    *segments = 0;
    while ((got = kh_edi_reader_next(reader, &seg, &issue)) == 1) {
        (*segments)++;
        if (memcmp(seg->tag, "UNB", 4) == 0) {      /* as khaalga tokenize does */
            size_t len;
            const unsigned char *v = kh_edi_value(seg, 1, 1, 2, &len);
            if (len == 1)
                kh_edi_reader_set_version(reader, v[0] - '0');
        }
    }
    *bytes = kh_edi_reader_offset(reader);
    kh_edi_reader_free(reader);
    close(fd);
    return got < 0 ? -1 : seconds_now() - start;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [RUNS]\n", argv[0]);
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    const kh_edi_scan_kind kinds[] = { KH_EDI_SCAN_PORTABLE, KH_EDI_SCAN_SSE2, KH_EDI_SCAN_AVX2,
                                       KH_EDI_SCAN_AVX512 };
    printf("best scanner here: %s\n", kh_edi_scan_name(kh_edi_scan_best()));
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        if (!kh_edi_scan_supported(kinds[k])) {
            printf("%-9s not supported here\n", kh_edi_scan_name(kinds[k]));
            continue;
        }
        double best = -1;
        unsigned long long segments = 0, bytes = 0;
        for (int i = 0; i < runs; i++) {
            double t = tokenize_once(argv[1], kinds[k], &segments, &bytes);
            if (t < 0) {
                perror(argv[1]);
                return 1;
            }
            if (best < 0 || t < best)
                best = t;
        }
        printf("%-9s %llu segments, %llu bytes: %.3f s, %.1f MB/s\n", kh_edi_scan_name(kinds[k]),
               segments, bytes, best, (double)bytes / 1048576.0 / best);
    }
    return 0;
}
