/*
 * cmd_translate.c - `khaalga translate`: any supported message to the
 * normalized WCO DM XML of the profile, or (--to edifact) WCO DM back to
 * EDIFACT. The result goes to stdout; errors to stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "wco/provenance.h"
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

/* --validate: the translated document against the profile; each finding
 * names, when it can be traced, the EDIFACT place its value came from. */
static int validate_result(const kh_profile *profile, const kh_translation *t, const char *file, uint32_t message)
{
    char err[512];
    kh_validation v;
    int rc = kh_validate(profile, t->result, &v, err, sizeof err);
    if (rc == 4) {
        fprintf(stderr, "khaalga: %s: %s\n", file, err);
        return KH_EXIT_INTERNAL;
    }
    for (size_t i = 0; i < v.count; i++) {
        const kh_finding *f = &v.findings[i];
        kh_origin o;
        char from[160] = "";
        int places = kh_origin_of(t->source, message, f->node, &o);
        if (places == 1) {
            char component[24] = "";
            if (o.component)
                snprintf(component, sizeof component, " component %u", o.component);
            snprintf(from, sizeof from, " (from message %u segment %u %s element %u%s)", o.message, o.segment,
                     o.tag, o.element, component);
        } else if (places > 1) {
            snprintf(from, sizeof from, " (its value occurs in %d places of the input)", places);
        }
        fprintf(stderr, "%s: %s [class %s, tag %s]%s: %s %s: %s\n", file, f->path,
                f->where.class_id[0] ? f->where.class_id : "-", f->where.id[0] ? f->where.id : "-", from,
                f->severity, f->code, f->message_en);
    }
    fprintf(stderr, "%s: the translation is %s: %zu error%s, %zu warning%s\n", file, rc == 0 ? "valid" : "invalid",
            v.errors, v.errors == 1 ? "" : "s", v.warnings, v.warnings == 1 ? "" : "s");
    kh_validation_free(&v);
    return rc == 0 ? KH_EXIT_OK : KH_EXIT_REJECTED;
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
        rc = validate_result(profile, &t, file, cli.message ? cli.message : 1);
    kh_translation_free(&t);
    free(data);
    kh_dir_set_free(dirs);
    kh_profile_free(profile);
    return rc == 2 ? KH_EXIT_USAGE : rc;
}
