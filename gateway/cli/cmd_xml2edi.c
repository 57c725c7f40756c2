/*
 * cmd_xml2edi.c - `khaalga xml2edi`: the EDIFACT-XML form back to an EDIFACT
 * interchange on stdout, with control counts computed afresh.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "edifact/xml_in.h"

int kh_cmd_xml2edi(int argc, char **argv)
{
    kh_cli cli;
    int rc = kh_cli_parse(argc, argv, 0, &cli);
    if (rc != KH_EXIT_OK)
        return rc;
    char err[512] = "";
    rc = kh_edi_xml_to_edifact(cli.files[0], stdout, err, sizeof err);
    if (fflush(stdout) != 0 && rc == 0) {
        snprintf(err, sizeof err, "cannot write to standard output");
        rc = KH_EXIT_INTERNAL;
    }
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", cli.files[0], err[0] ? err : "cannot be converted");
    return rc;
}
