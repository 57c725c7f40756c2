/*
 * cmd_tokenize.c - `khaalga tokenize`: only splits the input into segments
 * and counts them; what the EDIFACT benchmark measures as tokenizing.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "edifact/tokenizer.h"

/* `khaalga tokenize`: only tokenizes, and counts segments (for benchmarks). */
int kh_cmd_tokenize(int argc, char **argv)
{
    kh_cli cli;
    int rc = kh_cli_parse(argc, argv, KH_OPT_LIMITS, &cli);
    if (rc != KH_EXIT_OK)
        return rc;
    int fd = kh_cli_open_input(cli.files[0]);
    if (fd < 0)
        return KH_EXIT_USAGE;
    kh_edi_reader *reader = kh_edi_reader_for_fd(fd, &cli.limits);
    if (!reader)
        return KH_EXIT_INTERNAL;
    unsigned long long segments = 0, issues = 0;
    kh_edi_segment *seg;
    kh_edi_issue issue;
    int got;
    while ((got = kh_edi_reader_next(reader, &seg, &issue)) == 1) {
        segments++;
        if (issue.code)
            issues++;
        if (memcmp(seg->tag, "UNB", 4) == 0) {
            size_t len;
            const unsigned char *v = kh_edi_value(seg, 1, 1, 2, &len);
            if (len == 1)
                kh_edi_reader_set_version(reader, v[0] - '0');
        }
    }
    printf("%llu segments, %llu bytes, %llu with tokenizer issues\n", segments,
           (unsigned long long)kh_edi_reader_offset(reader), issues);
    kh_edi_reader_free(reader);
    if (fd != STDIN_FILENO)
        close(fd);
    return got < 0 ? KH_EXIT_TEMPORARY : issues ? KH_EXIT_REJECTED : KH_EXIT_OK;
}
