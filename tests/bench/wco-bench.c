/*
 * wco-bench.c - messages per second for `validate` in one process: the
 * national profile is opened once, then each round parses the document with
 * the hardened parser and validates it (schema, then business rules), and,
 * with --schema-only, only parses and runs the schema. Parser and validator
 * are kept across rounds, as a server thread keeps them. Used by
 * tests/bench/wco-bench.sh beside python3-lxml doing the same on the same
 * files.
 *
 *     wco-bench [--schema-only] SECONDS FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>

#include "wco/translate.h"
#include "wco/validate.h"
#include "xml/safe_parse.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    bool schema_only = argc > 1 && strcmp(argv[1], "--schema-only") == 0;
    bool translate = argc > 1 && strcmp(argv[1], "--translate") == 0;
    if (schema_only || translate) {
        argc--;
        argv++;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: wco-bench [--schema-only | --translate] SECONDS FILE\n");
        return 2;
    }
    double seconds = atof(argv[1]);
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        perror(argv[2]);
        return 2;
    }
    static char data[8 << 20];
    size_t len = fread(data, 1, sizeof data, f);
    fclose(f);

    char buf[4096], err[512];
    kh_profile *profile = kh_profile_open(kh_profile_default_dir(NULL, buf, sizeof buf), err, sizeof err);
    if (!profile) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    kh_xml_limits limits;
    kh_xml_limits_default(&limits);
    kh_xml_parser *parser = kh_xml_parser_new(&limits);
    kh_validator *validator = kh_validator_new(profile);
    xmlSchemaValidCtxtPtr schema_context = NULL;
    long rounds = 0;
    size_t errors = 0;
    double start = now(), end;
    if (translate) {
        kh_dir_set *dirs = kh_dir_set_open(kh_dir_default_root(NULL, buf, sizeof buf));
        kh_edi_limits edi_limits;
        kh_edi_limits_default(&edi_limits);
        kh_translate_options opt = { .profile = profile, .directories = dirs, .limits = &edi_limits };
        char *out = NULL;
        size_t out_len = 0;
        do {
            FILE *sink = open_memstream(&out, &out_len);
            kh_translation t;
            errors += kh_translate(&opt, data, len, argv[2], sink, &t, err, sizeof err) != 0;
            fclose(sink);
            free(out);
            out = NULL;
            rounds++;
            end = now();
        } while (end - start < seconds);
        kh_dir_set_free(dirs);
        printf("%.1f messages/s (%ld in %.2f s, %zu failed)\n", (double)rounds / (end - start), rounds,
               end - start, errors);
        kh_validator_free(validator);
        kh_xml_parser_free(parser);
        kh_profile_free(profile);
        return 0;
    }
    do {
        xmlDocPtr doc = kh_xml_parser_parse(parser, data, len, argv[2], err, sizeof err);
        if (!doc) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        if (schema_only) {
            if (!schema_context) {
                xmlNodePtr message;
                schema_context = xmlSchemaNewValidCtxt(kh_profile_family_of(profile, doc, &message)->schema);
            }
            errors += xmlSchemaValidateDoc(schema_context, doc) != 0;
        } else {
            kh_validation v;
            kh_validator_run(validator, doc, &v, err, sizeof err);
            errors += v.errors;
            kh_validation_free(&v);
        }
        xmlFreeDoc(doc);
        rounds++;
        end = now();
    } while (end - start < seconds);
    printf("%.1f messages/s (%ld in %.2f s, %zu with errors)\n", (double)rounds / (end - start), rounds,
           end - start, errors);
    xmlSchemaFreeValidCtxt(schema_context);
    kh_validator_free(validator);
    kh_xml_parser_free(parser);
    kh_profile_free(profile);
    return 0;
}
