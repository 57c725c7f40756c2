/*
 * cmd_journal.c - the operator's commands on the journal:
 *   khaalga status ID        the lifecycle of one message, as JSON
 *   khaalga replay ID|--failed   dead-lettered deliveries back into the outbox
 *   khaalga stats [--since HOURS]   counts and latencies by hour, family,
 *                            partner and customs office, one JSON line each
 * The journal is named by --journal FILE or by the [journal] path of
 * --config FILE.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/config.h"
#include "journal/journal.h"

/* The journal the options name; NULL after printing why. */
static kh_journal *open_journal(const kh_cli *cli)
{
    char err[1024];
    if (cli->journal) {
        kh_journal *j = kh_journal_open(cli->journal, err, sizeof err);
        if (!j)
            fprintf(stderr, "khaalga %s: %s\n", cli->command, err);
        return j;
    }
    if (!cli->config) {
        fprintf(stderr, "khaalga %s: --journal FILE or --config FILE is required\n", cli->command);
        return NULL;
    }
    kh_config *c = kh_config_load(cli->config, err, sizeof err);
    if (!c) {
        fprintf(stderr, "khaalga %s: %s\n", cli->command, err);
        return NULL;
    }
    kh_journal *j = kh_journal_open(c->journal, err, sizeof err);
    if (!j)
        fprintf(stderr, "khaalga %s: %s\n", cli->command, err);
    kh_config_free(c);
    return j;
}

static bool one_id(const kh_cli *cli)
{
    if (cli->nfiles != 1 || strcmp(cli->files[0], "-") == 0) {
        fprintf(stderr, "khaalga %s: give one message id\n", cli->command);
        return false;
    }
    return true;
}

int kh_cmd_status(int argc, char **argv)
{
    kh_cli cli;
    int rc = kh_cli_parse(argc, argv, KH_OPT_JOURNAL, &cli);
    if (rc != KH_EXIT_OK)
        return rc;
    if (!one_id(&cli))
        return KH_EXIT_USAGE;
    kh_journal *j = open_journal(&cli);
    if (!j)
        return KH_EXIT_USAGE;
    rc = kh_journal_status_json(j, cli.files[0], stdout);
    kh_journal_close(j);
    if (rc == 1) {
        fprintf(stderr, "khaalga status: %s: no such message in the journal\n", cli.files[0]);
        return KH_EXIT_REJECTED;
    }
    return rc == 0 ? KH_EXIT_OK : KH_EXIT_TEMPORARY;
}

int kh_cmd_replay(int argc, char **argv)
{
    kh_cli cli;
    int rc = kh_cli_parse(argc, argv, KH_OPT_JOURNAL, &cli);
    if (rc != KH_EXIT_OK)
        return rc;
    bool have_id = cli.nfiles == 1 && strcmp(cli.files[0], "-") != 0;
    if (have_id == cli.failed) {
        fprintf(stderr, "khaalga replay: give one message id, or --failed for every dead-lettered delivery\n");
        return KH_EXIT_USAGE;
    }
    kh_journal *j = open_journal(&cli);
    if (!j)
        return KH_EXIT_USAGE;
    const struct passwd *pw = getpwuid(getuid());
    char who[128];
    snprintf(who, sizeof who, "%s (command line)", pw ? pw->pw_name : "unknown");
    int n = kh_journal_replay(j, have_id ? cli.files[0] : NULL, who);
    kh_journal_close(j);
    if (n < 0) {
        fprintf(stderr, "khaalga replay: the journal could not be updated\n");
        return KH_EXIT_TEMPORARY;
    }
    printf("%d deliver%s put back into the outbox%s%s\n", n, n == 1 ? "y" : "ies", have_id ? " for " : "",
           have_id ? cli.files[0] : "");
    if (n == 0 && have_id) {
        fprintf(stderr, "khaalga replay: %s has no dead-lettered delivery\n", cli.files[0]);
        return KH_EXIT_REJECTED;
    }
    return KH_EXIT_OK;
}

int kh_cmd_stats(int argc, char **argv)
{
    kh_cli cli;
    int rc = kh_cli_parse(argc, argv, KH_OPT_JOURNAL, &cli);
    if (rc != KH_EXIT_OK)
        return rc;
    kh_journal *j = open_journal(&cli);
    if (!j)
        return KH_EXIT_USAGE;
    unsigned hours = cli.since_hours ? cli.since_hours : 24;
    rc = kh_journal_stats_json(j, kh_journal_now_ms() - (int64_t)hours * 3600 * 1000, stdout);
    kh_journal_close(j);
    return rc == 0 ? KH_EXIT_OK : KH_EXIT_TEMPORARY;
}
