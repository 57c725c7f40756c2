/*
 * cmd_validate.c - `khaalga validate`: a WCO DM document against the
 * profile's schema and business rules. The findings as a WCO Response (RES)
 * document on stdout, one line per finding and a summary on stderr; or with
 * --json one JSON object on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "wco/response.h"
#include "wco/validate.h"
#include "xml/safe_parse.h"

static int print_response(const kh_profile *profile, const kh_validation *v)
{
    char id[40], issued[40];
    kh_response_stamp(id, sizeof id, issued, sizeof issued);
    xmlDocPtr doc = kh_response_build(profile, v, id, issued);
    if (!doc)
        return -1;
    xmlChar *text = NULL;
    int len = 0;
    xmlDocDumpFormatMemoryEnc(doc, &text, &len, "UTF-8", 1);
    int rc = text && fwrite(text, 1, (size_t)len, stdout) == (size_t)len ? 0 : -1;
    xmlFree(text);
    xmlFreeDoc(doc);
    return rc;
}

int kh_cmd_validate(int argc, char **argv)
{
    kh_cli cli;
    int rc = kh_cli_parse(argc, argv, KH_OPT_JSON | KH_OPT_PROFILE | KH_OPT_QUIET, &cli);
    if (rc != KH_EXIT_OK)
        return rc;
    char err[512] = "";
    kh_profile *profile = kh_cli_open_profile(&cli);
    if (!profile)
        return KH_EXIT_USAGE;
    const char *file = cli.files[0];
    kh_xml_limits limits;
    kh_xml_limits_default(&limits);
    xmlDocPtr doc = kh_xml_parse_file(file, &limits, err, sizeof err);
    if (!doc) {
        if (cli.json)
            printf("{\"file\":\"%s\",\"valid\":false,\"error\":\"not accepted as XML\"}\n", file);
        fprintf(stderr, "%s\n", err);
        kh_profile_free(profile);
        return KH_EXIT_REJECTED;
    }
    kh_validation v;
    rc = kh_validate(profile, doc, &v, err, sizeof err);
    if (rc == 4) {
        fprintf(stderr, "khaalga: %s: %s\n", file, err);
        rc = KH_EXIT_INTERNAL;
    } else if (cli.json) {
        kh_validation_print_json(stdout, file, &v);
    } else {
        kh_validation_print_text(stderr, file, &v);
        fprintf(stderr, "%s: %s %s: %s, %zu error%s, %zu warning%s\n", file, v.family ? v.family->code : "?",
                v.message_ref[0] ? v.message_ref : "(no ID)", rc == 0 ? "valid" : "invalid",
                v.errors, v.errors == 1 ? "" : "s", v.warnings, v.warnings == 1 ? "" : "s");
        if (!cli.quiet && print_response(profile, &v) != 0) {
            fprintf(stderr, "khaalga: the response cannot be written (the profile has no RES family?)\n");
            rc = KH_EXIT_INTERNAL;
        }
    }
    kh_validation_free(&v);
    xmlFreeDoc(doc);
    kh_profile_free(profile);
    return rc;
}
