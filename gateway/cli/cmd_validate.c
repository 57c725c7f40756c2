/*
 * cmd_validate.c - `khaalga validate`: a WCO DM document against the
 * profile's schema and business rules. A summary line on stdout and one line
 * per finding on stderr, or with --json one JSON object on stdout.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "wco/validate.h"
#include "xml/safe_parse.h"

int kh_cmd_validate(int argc, char **argv)
{
    kh_cli cli;
    int rc = kh_cli_parse(argc, argv, KH_OPT_JSON | KH_OPT_PROFILE | KH_OPT_QUIET, &cli);
    if (rc != KH_EXIT_OK)
        return rc;
    char buf[4096], err[512] = "";
    const char *dir = kh_profile_default_dir(cli.profile, buf, sizeof buf);
    kh_profile *profile = kh_profile_open(dir, err, sizeof err);
    if (!profile) {
        fprintf(stderr, "khaalga: profile %s: %s\n", dir, err);
        return KH_EXIT_USAGE;
    }
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
        if (!cli.quiet)
            printf("%s: %s %s: %s, %zu error%s, %zu warning%s\n", file, v.family ? v.family->code : "?",
                   v.message_ref[0] ? v.message_ref : "(no ID)", rc == 0 ? "valid" : "invalid",
                   v.errors, v.errors == 1 ? "" : "s", v.warnings, v.warnings == 1 ? "" : "s");
    }
    kh_validation_free(&v);
    xmlFreeDoc(doc);
    kh_profile_free(profile);
    return rc;
}
