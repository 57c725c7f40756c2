/*
 * cmd_check.c - `khaalga check`: syntax, envelope and directory validation of
 * EDIFACT inputs, errors on stderr (text or JSON), a summary per input on
 * stdout, or with --contrl the CONTRL interchange the sender should get.
 */
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "edifact/contrl.h"
#include "edifact/interchange.h"

/* The summary line of one input: what it held and the verdict. */
static void print_summary(const char *file, const kh_edi_walk_result *res, int rc)
{
    printf("%s: %u interchange%s, %u message%s, %llu error%s: %s\n", file,
           res->interchanges, res->interchanges == 1 ? "" : "s",
           res->messages, res->messages == 1 ? "" : "s",
           (unsigned long long)res->errors, res->errors == 1 ? "" : "s",
           rc == 0 ? "accepted" : rc == 1 ? "rejected" : "not checked");
}

static int check_one(const kh_cli *cli, const char *file, kh_dir_set *dirs, kh_edi_registry *registry)
{
    int fd = kh_cli_open_input(file);
    if (fd < 0)
        return KH_EXIT_USAGE;
    kh_edi_reader *reader = kh_edi_reader_for_fd(fd, &cli->limits);
    kh_cli_error_printer printer;
    kh_cli_error_printer_init(&printer, file, cli->json);
    kh_edi_contrl *contrl = cli->contrl ? kh_edi_contrl_new(stdout, getenv("KHAALGA_NOW")) : NULL;
    if (!reader || (cli->contrl && !contrl)) {
        fprintf(stderr, "khaalga: out of memory\n");
        return KH_EXIT_INTERNAL;
    }
    const kh_edi_handler *handlers[] = { &printer.handler, contrl ? kh_edi_contrl_handler(contrl) : NULL };
    kh_edi_walk_options options = { .limits = cli->limits, .directories = dirs, .registry = registry };
    kh_edi_walk_result res;
    int rc = kh_edi_walk(reader, &options, handlers, contrl ? 2 : 1, &res);

    if (res.errors_unreported)
        fprintf(stderr, "%s: %llu more error%s not reported (--max-errors %zu)\n", file,
                (unsigned long long)res.errors_unreported, res.errors_unreported == 1 ? "" : "s",
                cli->limits.max_errors);
    if (res.stopped)
        fprintf(stderr, "%s: checking stopped: %s\n", file, res.stop_reason);
    if (contrl) {
        if (kh_edi_contrl_failure(contrl)) {
            fprintf(stderr, "%s: %s\n", file, kh_edi_contrl_failure(contrl));
            rc = KH_EXIT_INTERNAL;
        }
        if (kh_edi_contrl_unanswered(contrl))
            fprintf(stderr, "%s: no CONTRL for %u interchange%s (a CONTRL is never answered with a CONTRL; an interchange without a sender cannot be answered)\n",
                    file, kh_edi_contrl_unanswered(contrl), kh_edi_contrl_unanswered(contrl) == 1 ? "" : "s");
        kh_edi_contrl_free(contrl);
    } else if (!cli->quiet && !cli->json) {
        print_summary(file, &res, rc);
    }
    kh_edi_reader_free(reader);
    if (fd != STDIN_FILENO)
        close(fd);
    return rc;
}

/* The worse of two exit statuses: internal > temporary > usage > rejected > ok. */
static int worse(int a, int b)
{
    static const int rank[] = { [KH_EXIT_OK] = 0, [KH_EXIT_REJECTED] = 1, [KH_EXIT_USAGE] = 2,
                                [KH_EXIT_TEMPORARY] = 3, [KH_EXIT_INTERNAL] = 4 };
    return rank[a] >= rank[b] ? a : b;
}

int kh_cmd_check(int argc, char **argv)
{
    kh_cli cli;
    int rc = kh_cli_parse(argc, argv, KH_OPT_LIMITS | KH_OPT_JSON | KH_OPT_CONTRL | KH_OPT_REGISTRY |
                                      KH_OPT_DIRECTORIES | KH_OPT_QUIET | KH_OPT_MANY_FILES, &cli);
    if (rc != KH_EXIT_OK)
        return rc;
    kh_dir_set *dirs = kh_cli_open_directories(&cli);
    if (!dirs)
        return KH_EXIT_USAGE;
    char err[256];
    kh_edi_registry *registry = kh_edi_registry_open(cli.registry, err, sizeof err);
    if (!registry) {
        fprintf(stderr, "khaalga: duplicate registry %s: %s\n", cli.registry ? cli.registry : "(memory)", err);
        kh_dir_set_free(dirs);
        return cli.registry ? KH_EXIT_USAGE : KH_EXIT_INTERNAL;
    }
    rc = KH_EXIT_OK;
    for (int i = 0; i < cli.nfiles; i++)
        rc = worse(rc, check_one(&cli, cli.files[i], dirs, registry));
    kh_edi_registry_close(registry);
    kh_dir_set_free(dirs);
    return rc;
}
