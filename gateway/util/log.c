/*
 * log.c - writes structured log lines (one JSON object a line) to stderr,
 * whole lines at a time from any thread.
 */
#include "util/log.h"

#include <stdio.h>
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
    flockfile(stderr);
    fprintf(stderr, "{\"time\":\"%s.%03ldZ\",\"level\":", when, ts.tv_nsec / 1000000);
    kh_json_string(stderr, level);
    fputs(",\"event\":", stderr);
    kh_json_string(stderr, event);
    if (message_id) {
        fputs(",\"message_id\":", stderr);
        kh_json_string(stderr, message_id);
    }
    if (detail) {
        fputs(",\"detail\":", stderr);
        kh_json_string(stderr, detail);
    }
    fputs("}\n", stderr);
    funlockfile(stderr);
}
