/*
 * cmd_serve.c - `khaalga serve --config FILE [--check-config]`: the gateway
 * daemon, or only the check of its configuration.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "serve/daemon.h"

int kh_cmd_serve(int argc, char **argv)
{
    kh_cli cli;
    int rc = kh_cli_parse(argc, argv, KH_OPT_SERVE, &cli);
    if (rc != KH_EXIT_OK)
        return rc;
    if (!cli.config) {
        fprintf(stderr, "khaalga serve: --config FILE is required (see examples/khaalga.conf)\n");
        return KH_EXIT_USAGE;
    }
    if (cli.nfiles > 1 || (cli.nfiles == 1 && cli.files[0][0] != '-')) {
        fprintf(stderr, "khaalga serve: takes no input file; messages come over HTTP and the spool folder\n");
        return KH_EXIT_USAGE;
    }
    return cli.check_config ? kh_serve_check_config(cli.config) : kh_serve(cli.config);
}
