/*
 * cmd_sign.c - `khaalga sign`: an enveloped XML-DSig signature added to one
 * document with the given key and certificate chain; the signed document
 * goes to stdout.
 */
#include <stdio.h>

#include <libxml/tree.h>

#include "cli/cli.h"
#include "dsig/dsig.h"
#include "xml/safe_parse.h"

int kh_cmd_sign(int argc, char **argv)
{
    kh_cli cli;
    int rc = kh_cli_parse(argc, argv, KH_OPT_SIGN, &cli);
    if (rc != KH_EXIT_OK)
        return rc;
    if (!cli.key || !cli.cert) {
        fprintf(stderr, "khaalga sign: --key KEY and --cert CERT are required\n");
        return KH_EXIT_USAGE;
    }
    char err[1024];
    kh_signer *signer = kh_signer_load(cli.key, cli.cert, err, sizeof err);
    if (!signer) {
        fprintf(stderr, "khaalga sign: %s\n", err);
        return KH_EXIT_USAGE;
    }
    const char *file = cli.files[0];
    kh_xml_limits limits;
    kh_xml_limits_default(&limits);
    xmlDocPtr doc = kh_xml_parse_file(file, &limits, err, sizeof err);
    if (!doc) {
        fprintf(stderr, "%s\n", err);
        kh_signer_free(signer);
        return KH_EXIT_REJECTED;
    }
    rc = KH_EXIT_OK;
    if (kh_dsig_sign(signer, doc, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", file, err);
        rc = KH_EXIT_REJECTED;
    } else if (xmlDocFormatDump(stdout, doc, 0) < 0 || fflush(stdout) != 0) {
        fprintf(stderr, "khaalga sign: the signed document could not be written\n");
        rc = KH_EXIT_INTERNAL;
    }
    xmlFreeDoc(doc);
    kh_signer_free(signer);
    return rc;
}
