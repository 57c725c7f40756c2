/*
 * main.c - the khaalga program: picks the subcommand and runs it.
 */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>

#include "cli/cli.h"

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
} subcommand;

static const subcommand subcommands[] = {
    { "check", kh_cmd_check },
    { "edi2xml", kh_cmd_edi2xml },
    { "xml2edi", kh_cmd_xml2edi },
    { "tokenize", kh_cmd_tokenize },
    { "validate", kh_cmd_validate },
    { "translate", kh_cmd_translate },
    { "verify", kh_cmd_verify },
    { "sign", kh_cmd_sign },
    { "serve", kh_cmd_serve },
    { "status", kh_cmd_status },
    { "replay", kh_cmd_replay },
    { "stats", kh_cmd_stats },
    { "passwd", kh_cmd_passwd },
    { "help", kh_cmd_help },
    { "--help", kh_cmd_help },
    { "-h", kh_cmd_help },
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        kh_print_usage(stderr);
        return KH_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("khaalga %s\n", PACKAGE_VERSION);
        return KH_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
        if (strcmp(argv[1], subcommands[i].name) == 0) {
            xmlInitParser();
            int rc = subcommands[i].run(argc - 1, argv + 1);
            xmlCleanupParser();
            return rc;
        }
    }
    fprintf(stderr, "khaalga: unknown command \"%s\"; see \"khaalga help\"\n", argv[1]);
    return KH_EXIT_USAGE;
}
