/*
 * cmd_translate.c - `khaalga translate`: any supported message to the
 * normalized WCO DM XML of the profile, or (--to edifact) WCO DM back to
 * EDIFACT. The result goes to stdout; errors to stderr. With --validate the
 * result is validated and each error names where its data came from in the
 * input; --reply FILE writes the reply the sender gets when it fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/json.h"
#include "wco/provenance.h"
#include "wco/reply.h"
#include "wco/translate.h"
#include "wco/validate.h"

/* The whole input in memory (translation is per message, bounded by the
 * interchange size limit). */
static char *read_all(int fd, uint64_t limit, size_t *len, char *err, size_t errlen)
{
    size_t cap = 65536;
    char *buf = malloc(cap);
    *len = 0;
    while (buf) {
        if (*len == cap) {
            if (cap > limit) {
                snprintf(err, errlen, "more than the limit of %llu bytes", (unsigned long long)limit);
                free(buf);
                return NULL;
            }
            char *p = realloc(buf, cap * 2);
            if (!p)
                break;
            buf = p;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + *len, cap - *len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(err, errlen, "%s", strerror(errno));
            free(buf);
            return NULL;
        }
        if (got == 0)
            return buf;
        *len += (size_t)got;
    }
    free(buf);
    snprintf(err, errlen, "out of memory");
    return NULL;
}

/* The origin of each finding: recorded by the sheet, or found by value.
 * Returns them all (kind NONE where not known, with the number of places
 * holding the value when it is ambiguous); *known points at the known ones,
 * NULL for the others. */
static kh_origin *origins_of(const kh_translation *t, const kh_validation *v, uint32_t message,
                             const kh_origin ***known)
{
    size_t count = v->count ? v->count : 1;
    kh_origin *all = calloc(count, sizeof *all);
    *known = calloc(count, sizeof **known);
    if (!all || !*known) {
        free(all);
        free(*known);
        *known = NULL;
        return NULL;
    }
    for (size_t i = 0; i < v->count; i++)
        if (kh_translation_origin(t, message, v->findings[i].node, &all[i]))
            (*known)[i] = &all[i];
    return all;
}

static void print_finding_text(const char *file, const kh_finding *f, const kh_origin *o)
{
    char from[700] = "", place[600];
    if (o->kind != KH_ORIGIN_NONE) {
        kh_origin_describe(o, place, sizeof place);
        snprintf(from, sizeof from, " (from %s%s)", o->kind == KH_ORIGIN_XML ? "input " : "", place);
    } else if (o->candidates > 1) {
        snprintf(from, sizeof from, " (its value occurs in %d places of the input)", o->candidates);
    }
    fprintf(stderr, "%s: %s [class %s, tag %s]%s: %s %s: %s\n", file, f->path,
            f->where.class_id[0] ? f->where.class_id : "-", f->where.id[0] ? f->where.id : "-", from,
            f->severity, f->code, f->message_en);
}

/* {"file", "family", "valid", "errors", "warnings", "findings": [{…,
 * "origin": {"exact", "message", "segment", "tag", "element", "component",
 * "repetition"} or {"exact", "path"}}]} on one line. */
static void print_findings_json(const char *file, const kh_validation *v, const kh_origin *const *origins)
{
    fputs("{\"file\":", stderr);
    kh_json_string(stderr, file);
    fputs(",\"family\":", stderr);
    kh_json_string(stderr, v->family ? v->family->code : "");
    fprintf(stderr, ",\"valid\":%s,\"errors\":%zu,\"warnings\":%zu,\"findings\":[", v->errors ? "false" : "true",
            v->errors, v->warnings);
    for (size_t i = 0; i < v->count; i++) {
        const kh_finding *f = &v->findings[i];
        const kh_origin *o = origins ? origins[i] : NULL;
        fputs(i ? ",{\"validationCode\":" : "{\"validationCode\":", stderr);
        kh_json_string(stderr, f->code);
        fputs(",\"severity\":", stderr);
        kh_json_string(stderr, f->severity);
        fputs(",\"description\":", stderr);
        kh_json_string(stderr, f->message_en);
        fputs(",\"pointer\":{\"documentSectionCode\":", stderr);
        kh_json_string(stderr, f->where.class_id);
        fputs(",\"tagID\":", stderr);
        kh_json_string(stderr, f->where.id);
        fputs(",\"path\":", stderr);
        kh_json_string(stderr, f->path);
        fputs("},\"origin\":", stderr);
        if (!o) {
            fputs("null}", stderr);
        } else if (o->kind == KH_ORIGIN_XML) {
            fprintf(stderr, "{\"exact\":%s,\"path\":", o->exact ? "true" : "false");
            kh_json_string(stderr, o->path);
            fputs("}}", stderr);
        } else {
            fprintf(stderr, "{\"exact\":%s,\"message\":%u,\"segment\":%u,\"tag\":", o->exact ? "true" : "false",
                    o->message, o->segment);
            kh_json_string(stderr, o->tag);
            fprintf(stderr, ",\"element\":%u,\"component\":%u,\"repetition\":%u}}", o->element, o->component,
                    o->repetition);
        }
    }
    fputs("]}\n", stderr);
}

/* --reply FILE: the reply the sender gets, written whole or not at all. */
static int write_reply(const kh_profile *profile, const kh_translation *t, const kh_validation *v,
                       const kh_origin *const *origins, const char *path)
{
    char err[512] = "", *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        fprintf(stderr, "khaalga: %s: out of memory\n", path);
        return KH_EXIT_INTERNAL;
    }
    int rc = kh_reply_write(profile, t, v, origins, mem, err, sizeof err);
    fclose(mem);
    if (rc == 0) {
        FILE *f = fopen(path, "w");
        if (!f || fwrite(text, 1, len, f) != len) {
            snprintf(err, sizeof err, "%s", strerror(errno));
            rc = 4;
        }
        if (f && fclose(f) != 0 && rc == 0) {
            snprintf(err, sizeof err, "%s", strerror(errno));
            rc = 4;
        }
    }
    free(text);
    if (rc != 0) {
        fprintf(stderr, "khaalga: %s: the reply is not written: %s\n", path, err);
        return rc == 2 ? KH_EXIT_USAGE : KH_EXIT_INTERNAL;
    }
    return KH_EXIT_OK;
}

/* --validate: the translated document against the profile; each finding
 * names the place of the input its data came from, when it is known. */
static int validate_result(const kh_profile *profile, const kh_translation *t, const kh_cli *cli)
{
    const char *file = cli->files[0];
    char err[512];
    kh_validation v;
    int rc = kh_validate(profile, t->result, &v, err, sizeof err);
    if (rc == 4) {
        fprintf(stderr, "khaalga: %s: %s\n", file, err);
        kh_validation_free(&v);
        return KH_EXIT_INTERNAL;
    }
    const kh_origin **known = NULL;
    kh_origin *origins = origins_of(t, &v, cli->message ? cli->message : 1, &known);
    if (!origins) {
        fprintf(stderr, "khaalga: %s: out of memory\n", file);
        kh_validation_free(&v);
        return KH_EXIT_INTERNAL;
    }
    if (cli->json) {
        print_findings_json(file, &v, known);
    } else {
        for (size_t i = 0; i < v.count; i++)
            print_finding_text(file, &v.findings[i], &origins[i]);
        fprintf(stderr, "%s: the translation is %s: %zu error%s, %zu warning%s\n", file, rc == 0 ? "valid" : "invalid",
                v.errors, v.errors == 1 ? "" : "s", v.warnings, v.warnings == 1 ? "" : "s");
    }
    int status = rc == 0 ? KH_EXIT_OK : KH_EXIT_REJECTED;
    if (rc != 0 && cli->reply) {
        int written = write_reply(profile, t, &v, known, cli->reply);
        if (written != KH_EXIT_OK)
            status = written;
    }
    free(known);
    free(origins);
    kh_validation_free(&v);
    return status;
}

int kh_cmd_translate(int argc, char **argv)
{
    kh_cli cli;
    int rc = kh_cli_parse(argc, argv, KH_OPT_PROFILE | KH_OPT_TRANSLATE | KH_OPT_DIRECTORIES | KH_OPT_LIMITS | KH_OPT_JSON, &cli);
    if (rc != KH_EXIT_OK)
        return rc;
    const char *file = cli.files[0];
    char err[512] = "";
    kh_profile *profile = kh_cli_open_profile(&cli);
    if (!profile)
        return KH_EXIT_USAGE;
    kh_dir_set *dirs = kh_cli_open_directories(&cli);
    int fd = kh_cli_open_input(file);
    if (!dirs || fd < 0) {
        kh_profile_free(profile);
        kh_dir_set_free(dirs);
        return KH_EXIT_USAGE;
    }
    size_t len;
    char *data = read_all(fd, cli.limits.max_interchange_size, &len, err, sizeof err);
    if (fd != STDIN_FILENO)
        close(fd);
    if (!data) {
        fprintf(stderr, "%s: %s\n", file, err);
        kh_profile_free(profile);
        kh_dir_set_free(dirs);
        return KH_EXIT_REJECTED;
    }
    kh_cli_error_printer printer;
    kh_cli_error_printer_init(&printer, file, cli.json);
    kh_translate_options opt = {
        .profile = profile,
        .directories = dirs,
        .limits = &cli.limits,
        .message = cli.message,
        .to_edifact = cli.to && strcmp(cli.to, "edifact") == 0,
        .edifact_errors = &printer.handler,
        .keep_documents = cli.validate,
        .sender = cli.sender,
        .recipient = cli.recipient,
        .reference = cli.reference,
    };
    kh_translation t;
    rc = kh_translate(&opt, data, len, file, stdout, &t, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    else if (fflush(stdout) != 0)
        rc = KH_EXIT_INTERNAL;
    else if (cli.validate && t.result)
        rc = validate_result(profile, &t, &cli);
    kh_translation_free(&t);
    free(data);
    kh_dir_set_free(dirs);
    kh_profile_free(profile);
    return rc == 2 ? KH_EXIT_USAGE : rc;
}
