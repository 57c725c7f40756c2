/*
 * log.c - writes structured log lines (one JSON object a line) to stderr,
 * each composed in memory and written with one call, so lines from threads
 * never mix and an unbuffered stderr costs one write per line.
 */
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "util/json.h"

void kh_log(const char *level, const char *event, const char *message_id, const char *detail)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    char *line = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&line, &size);
    if (!out)
        return;
    fprintf(out, "{\"time\":\"%s.%03ldZ\",\"level\":", when, ts.tv_nsec / 1000000);
    kh_json_string(out, level);
    fputs(",\"event\":", out);
    kh_json_string(out, event);
    if (message_id) {
        fputs(",\"message_id\":", out);
        kh_json_string(out, message_id);
    }
    if (detail) {
        fputs(",\"detail\":", out);
        kh_json_string(out, detail);
    }
    fputs("}\n", out);
    if (fclose(out) == 0)
        fwrite(line, 1, size, stderr);
    free(line);
}
