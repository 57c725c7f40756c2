/*
 * outcome.c - what the sender is told about its message: the verdict, the
 * problems found at their places, and the acknowledgement or rejection
 * document; and its JSON form for HTTP answers.
 */
#include "pipeline/internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"

void kh_outcome_add_problem(kh_outcome *o, const char *code, const char *place, const char *text)
{
    if (o->nproblems >= MAX_PROBLEMS)
        return;
    kh_problem *grown = realloc(o->problems, (o->nproblems + 1) * sizeof *grown);
    if (!grown)
        return;
    o->problems = grown;
    kh_problem *p = &o->problems[o->nproblems++];
    snprintf(p->code, sizeof p->code, "%s", code ? code : "");
    snprintf(p->place, sizeof p->place, "%s", place ? place : "");
    snprintf(p->text, sizeof p->text, "%s", text ? text : "");
}

void kh_outcome_free(kh_outcome *o)
{
    free(o->problems);
    free(o->reply);
    memset(o, 0, sizeof *o);
}

static const char *verdict_name(kh_verdict v)
{
    switch (v) {
    case KH_ACCEPTED: return "accepted";
    case KH_REJECTED: return "rejected";
    case KH_DUPLICATE: return "duplicate";
    case KH_TEMPORARY: return "temporary-failure";
    default: return "internal-error";
    }
}

void kh_outcome_print_json(FILE *out, const kh_outcome *o)
{
    fputs("{\"id\":", out);
    if (o->id[0])
        kh_json_string(out, o->id);
    else
        fputs("null", out);
    fputs(",\"verdict\":", out);
    kh_json_string(out, verdict_name(o->verdict));
    fputs(",\"reason\":", out);
    kh_json_string(out, o->reason);
    if (o->partner[0]) {
        fputs(",\"partner\":", out);
        kh_json_string(out, o->partner);
    }
    if (o->family[0]) {
        fputs(",\"family\":", out);
        kh_json_string(out, o->family);
    }
    if (o->duplicate_of[0]) {
        fputs(",\"duplicate_of\":", out);
        kh_json_string(out, o->duplicate_of);
    }
    fputs(",\"errors\":[", out);
    for (size_t i = 0; i < o->nproblems; i++) {
        fputs(i ? ",{\"code\":" : "{\"code\":", out);
        kh_json_string(out, o->problems[i].code);
        fputs(",\"place\":", out);
        kh_json_string(out, o->problems[i].place);
        fputs(",\"text\":", out);
        kh_json_string(out, o->problems[i].text);
        fputc('}', out);
    }
    fputs("]}\n", out);
}

void kh_outcome_set_reply(kh_outcome *o, char *body, size_t size, const char *type, const char *kind)
{
    free(o->reply);
    o->reply = body;
    o->reply_size = size;
    snprintf(o->reply_type, sizeof o->reply_type, "%s", type);
    snprintf(o->reply_kind, sizeof o->reply_kind, "%s", kind);
}

