/*
 * cmd_edi2xml.c - `khaalga edi2xml`: an EDIFACT interchange to the lossless
 * EDIFACT-XML form on stdout; errors found on the way go to stderr.
 */
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "edifact/interchange.h"
#include "edifact/xml_out.h"

int kh_cmd_edi2xml(int argc, char **argv)
{
    kh_cli cli;
    int rc = kh_cli_parse(argc, argv, KH_OPT_LIMITS | KH_OPT_JSON | KH_OPT_DIRECTORIES | KH_OPT_NAMES, &cli);
    if (rc != KH_EXIT_OK)
        return rc;
    const char *file = cli.files[0];
    kh_dir_set *dirs = kh_cli_open_directories(&cli);
    if (!dirs)
        return KH_EXIT_USAGE;
    int fd = kh_cli_open_input(file);
    if (fd < 0) {
        kh_dir_set_free(dirs);
        return KH_EXIT_USAGE;
    }
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    kh_edi_reader *reader = kh_edi_reader_for_fd(fd, &cli.limits);
    kh_edi_xml_out *xml = kh_edi_xml_out_new(stdout, !cli.no_names);
    if (!reader || !xml) {
        fprintf(stderr, "khaalga: out of memory\n");
        return KH_EXIT_INTERNAL;
    }
    kh_cli_error_printer printer;
    kh_cli_error_printer_init(&printer, file, cli.json);
    const kh_edi_handler *handlers[] = { kh_edi_xml_out_handler(xml), &printer.handler };
    kh_edi_walk_options options = { .limits = cli.limits, .directories = dirs, .registry = NULL };
    kh_edi_walk_result res;
    rc = kh_edi_walk(reader, &options, handlers, 2, &res);
    if (kh_edi_xml_out_finish(xml) != 0) {
        fprintf(stderr, "khaalga: cannot write the XML to standard output\n");
        rc = KH_EXIT_INTERNAL;
    }
    if (res.stopped)
        fprintf(stderr, "%s: stopped: %s\n", file, res.stop_reason);
    kh_edi_xml_out_free(xml);
    kh_edi_reader_free(reader);
    if (fd != STDIN_FILENO)
        close(fd);
    kh_dir_set_free(dirs);
    return rc;
}
