/*
 * queries.c - a question for CAIS from an HTTP request, and its answer.
 *
 * The question is JSON: {"query":KIND,"partner":ID or null,"parameters":
 * {NAME:VALUE…}} from the URL's arguments. Parameter names are lower-case
 * words (letters, digits, '_', '-') of at most 32 characters, values at
 * most 256 bytes of printable text, at most 16 of them; anything else is
 * refused before anything is asked. Every question gives one log line:
 * kind, partner, result and time taken.
 */
#include "ingress/queries.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/json.h"
#include "util/log.h"

enum { MAX_PARAMETERS = 16, MAX_NAME = 32, MAX_VALUE = 256 };

typedef struct parameters {
    FILE  *json;
    size_t count;
    char   problem[200];
} parameters;

static bool acceptable_name(const char *name)
{
    size_t n = strlen(name);
    return n > 0 && n <= MAX_NAME && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static bool acceptable_value(const char *value)
{
    size_t n = strlen(value);
    if (n > MAX_VALUE)
        return false;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

static enum MHD_Result add_parameter(void *cls, enum MHD_ValueKind kind, const char *name, const char *value)
{
    (void)kind;
    parameters *p = cls;
    if (p->problem[0])
        return MHD_NO;
    if (!acceptable_name(name)) {
        snprintf(p->problem, sizeof p->problem, "a parameter name is not a lower-case word of at most %d characters",
                 MAX_NAME);
        return MHD_NO;
    }
    if (!value || !acceptable_value(value)) {
        snprintf(p->problem, sizeof p->problem, "parameter %s: a value of at most %d printable characters is needed",
                 name, MAX_VALUE);
        return MHD_NO;
    }
    if (++p->count > MAX_PARAMETERS) {
        snprintf(p->problem, sizeof p->problem, "more than %d parameters", MAX_PARAMETERS);
        return MHD_NO;
    }
    fputs(p->count > 1 ? "," : "", p->json);
    kh_json_string(p->json, name);
    fputc(':', p->json);
    kh_json_string(p->json, value);
    return MHD_YES;
}

static void reply_error(kh_query_reply *out, unsigned status, const char *reason, const char *text)
{
    char *body = NULL;
    size_t size = 0;
    FILE *json = open_memstream(&body, &size);
    if (json) {
        fprintf(json, "{\"reason\":\"%s\",\"text\":", reason);
        kh_json_string(json, text);
        fputs("}\n", json);
        fclose(json);
    }
    out->status = status;
    snprintf(out->content_type, sizeof out->content_type, "application/json");
    out->body = body;
    out->size = body ? size : 0;
}

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000L + (now.tv_nsec - since->tv_nsec) / 1000000L;
}

void kh_query_answer(kh_amqp_requester *requester, const kh_config *config, struct MHD_Connection *c,
                     const char *kind, const char *partner, kh_query_reply *out)
{
    memset(out, 0, sizeof *out);
    if (!requester || !kh_config_query_kind(config, kind)) {
        reply_error(out, MHD_HTTP_NOT_FOUND, "unknown-query",
                    requester ? "no such query: the kinds are those of [queries] kinds" : "queries are not configured");
        return;
    }
    char *question = NULL;
    size_t size = 0;
    parameters p = { open_memstream(&question, &size), 0, "" };
    if (!p.json) {
        reply_error(out, MHD_HTTP_SERVICE_UNAVAILABLE, "out-of-memory", "try again later");
        return;
    }
    fputs("{\"query\":", p.json);
    kh_json_string(p.json, kind);
    fputs(",\"partner\":", p.json);
    if (partner)
        kh_json_string(p.json, partner);
    else
        fputs("null", p.json);
    fputs(",\"parameters\":{", p.json);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_parameter, &p);
    fputs("}}\n", p.json);
    fclose(p.json);
    if (p.problem[0] || !question) {
        reply_error(out, MHD_HTTP_BAD_REQUEST, "bad-parameters", p.problem[0] ? p.problem : "out of memory");
        free(question);
        return;
    }

    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    kh_answer answer;
    char why[600] = "";
    kh_ask_result result = kh_amqp_ask(requester, kind, partner, question, size, config->queries.timeout_ms, &answer,
                                       why, sizeof why);
    free(question);
    snprintf(out->correlation_id, sizeof out->correlation_id, "%s", answer.correlation_id);
    switch (result) {
    case KH_ASK_ANSWERED:
        out->status = MHD_HTTP_OK;
        snprintf(out->content_type, sizeof out->content_type, "%s",
                 answer.content_type[0] ? answer.content_type : "application/json");
        out->body = answer.body;
        out->size = answer.size;
        break;
    case KH_ASK_TIMEOUT:
        reply_error(out, MHD_HTTP_GATEWAY_TIMEOUT, "timeout", "CAIS did not answer in time");
        break;
    case KH_ASK_UNROUTABLE:
        reply_error(out, MHD_HTTP_SERVICE_UNAVAILABLE, "no-answerer", "nobody answers this kind of query now");
        break;
    default:
        reply_error(out, MHD_HTTP_SERVICE_UNAVAILABLE, "broker-unavailable", "the message broker cannot be reached");
        break;
    }
    char detail[900];
    snprintf(detail, sizeof detail, "%s from %s: %s in %ld ms (correlation_id %s)%s%s", kind,
             partner ? partner : "the customs network",
             result == KH_ASK_ANSWERED ? "answered" : result == KH_ASK_TIMEOUT ? "timeout"
             : result == KH_ASK_UNROUTABLE ? "no-answerer" : "broker-unavailable",
             elapsed_ms(&start), answer.correlation_id, why[0] ? ": " : "", why);
    kh_log(result == KH_ASK_ANSWERED ? "info" : "error", "query", NULL, detail);
}

void kh_query_reply_free(kh_query_reply *reply)
{
    free(reply->body);
    reply->body = NULL;
}
