/*
 * options.c - the options the subcommands share, parsed with getopt_long:
 * limits, --json, --contrl, --registry, --directories, --no-names, --quiet,
 * the translation options, and the trust and key files of verify and sign.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

enum {
    OPT_MAX_SEGMENT = 256, OPT_MAX_ELEMENTS, OPT_MAX_COMPONENTS, OPT_MAX_REPETITIONS,
    OPT_MAX_SIZE, OPT_MAX_ERRORS, OPT_JSON, OPT_CONTRL, OPT_REGISTRY, OPT_DIRECTORIES,
    OPT_NO_NAMES, OPT_QUIET, OPT_PROFILE, OPT_TO, OPT_MESSAGE, OPT_VALIDATE,
    OPT_SENDER, OPT_RECIPIENT, OPT_REFERENCE, OPT_TRUST, OPT_CRL, OPT_KEY, OPT_CERT,
    OPT_REPLY, OPT_OUTPUT, OPT_CONFIG, OPT_CHECK_CONFIG, OPT_JOURNAL, OPT_FAILED, OPT_SINCE
};

typedef struct option_spec {
    struct option opt;
    unsigned      group;
} option_spec;

static const option_spec specs[] = {
    { { "max-segment-length", required_argument, NULL, OPT_MAX_SEGMENT }, KH_OPT_LIMITS },
    { { "max-elements", required_argument, NULL, OPT_MAX_ELEMENTS }, KH_OPT_LIMITS },
    { { "max-components", required_argument, NULL, OPT_MAX_COMPONENTS }, KH_OPT_LIMITS },
    { { "max-repetitions", required_argument, NULL, OPT_MAX_REPETITIONS }, KH_OPT_LIMITS },
    { { "max-interchange-size", required_argument, NULL, OPT_MAX_SIZE }, KH_OPT_LIMITS },
    { { "max-errors", required_argument, NULL, OPT_MAX_ERRORS }, KH_OPT_LIMITS },
    { { "json", no_argument, NULL, OPT_JSON }, KH_OPT_JSON },
    { { "contrl", no_argument, NULL, OPT_CONTRL }, KH_OPT_CONTRL },
    { { "registry", required_argument, NULL, OPT_REGISTRY }, KH_OPT_REGISTRY },
    { { "directories", required_argument, NULL, OPT_DIRECTORIES }, KH_OPT_DIRECTORIES },
    { { "no-names", no_argument, NULL, OPT_NO_NAMES }, KH_OPT_NAMES },
    { { "quiet", no_argument, NULL, OPT_QUIET }, KH_OPT_QUIET },
    { { "profile", required_argument, NULL, OPT_PROFILE }, KH_OPT_PROFILE },
    { { "to", required_argument, NULL, OPT_TO }, KH_OPT_TRANSLATE },
    { { "message", required_argument, NULL, OPT_MESSAGE }, KH_OPT_TRANSLATE },
    { { "validate", no_argument, NULL, OPT_VALIDATE }, KH_OPT_TRANSLATE },
    { { "sender", required_argument, NULL, OPT_SENDER }, KH_OPT_TRANSLATE | KH_OPT_VERIFY },
    { { "recipient", required_argument, NULL, OPT_RECIPIENT }, KH_OPT_TRANSLATE },
    { { "reference", required_argument, NULL, OPT_REFERENCE }, KH_OPT_TRANSLATE },
    { { "reply", required_argument, NULL, OPT_REPLY }, KH_OPT_TRANSLATE },
    { { "trust", required_argument, NULL, OPT_TRUST }, KH_OPT_VERIFY },
    { { "crl", required_argument, NULL, OPT_CRL }, KH_OPT_VERIFY },
    { { "output", required_argument, NULL, OPT_OUTPUT }, KH_OPT_VERIFY },
    { { "config", required_argument, NULL, OPT_CONFIG }, KH_OPT_SERVE | KH_OPT_JOURNAL },
    { { "check-config", no_argument, NULL, OPT_CHECK_CONFIG }, KH_OPT_SERVE },
    { { "journal", required_argument, NULL, OPT_JOURNAL }, KH_OPT_JOURNAL },
    { { "failed", no_argument, NULL, OPT_FAILED }, KH_OPT_JOURNAL },
    { { "since", required_argument, NULL, OPT_SINCE }, KH_OPT_JOURNAL },
    { { "key", required_argument, NULL, OPT_KEY }, KH_OPT_SIGN },
    { { "cert", required_argument, NULL, OPT_CERT }, KH_OPT_SIGN },
};

#define SPEC_COUNT (sizeof specs / sizeof specs[0])

/* "64K", "100M", "2G" or a plain number of bytes/items. */
static bool parse_size(const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(text, &end, 10);
    if (errno || end == text || text[0] == '-')
        return false;
    uint64_t unit = 1;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': unit = 1024; end++; break;
    case 'm': case 'M': unit = 1024 * 1024; end++; break;
    case 'g': case 'G': unit = 1024ULL * 1024 * 1024; end++; break;
    default: return false;
    }
    if (*end != '\0' || n == 0 || n > UINT64_MAX / unit)
        return false;
    *out = n * unit;
    return true;
}

static bool set_limit(const char *name, const char *text, uint64_t max, uint64_t *value)
{
    if (!parse_size(text, value) || *value > max) {
        fprintf(stderr, "khaalga: --%s: \"%s\" is not a size from 1 to %llu\n", name, text,
                (unsigned long long)max);
        return false;
    }
    return true;
}

int kh_cli_parse(int argc, char **argv, unsigned accepted, kh_cli *cli)
{
    memset(cli, 0, sizeof *cli);
    cli->command = argv[0];
    kh_edi_limits_default(&cli->limits);

    struct option longopts[SPEC_COUNT + 1];
    size_t n = 0;
    for (size_t i = 0; i < SPEC_COUNT; i++)
        if (specs[i].group & accepted)
            longopts[n++] = specs[i].opt;
    memset(&longopts[n], 0, sizeof longopts[n]);

    optind = 1;
    opterr = 0;
    int c;
    uint64_t v;
    while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_MAX_SEGMENT:
            if (!set_limit("max-segment-length", optarg, 1u << 30, &v)) return KH_EXIT_USAGE;
            cli->limits.max_segment_length = v;
            break;
        case OPT_MAX_ELEMENTS:
            if (!set_limit("max-elements", optarg, 100000, &v)) return KH_EXIT_USAGE;
            cli->limits.max_elements = v;
            break;
        case OPT_MAX_COMPONENTS:
            if (!set_limit("max-components", optarg, 100000, &v)) return KH_EXIT_USAGE;
            cli->limits.max_components = v;
            break;
        case OPT_MAX_REPETITIONS:
            if (!set_limit("max-repetitions", optarg, 1000000, &v)) return KH_EXIT_USAGE;
            cli->limits.max_repetitions = v;
            break;
        case OPT_MAX_SIZE:
            if (!set_limit("max-interchange-size", optarg, UINT64_MAX, &v)) return KH_EXIT_USAGE;
            cli->limits.max_interchange_size = v;
            break;
        case OPT_MAX_ERRORS:
            if (!set_limit("max-errors", optarg, 1000000, &v)) return KH_EXIT_USAGE;
            cli->limits.max_errors = v;
            break;
        case OPT_JSON: cli->json = true; break;
        case OPT_CONTRL: cli->contrl = true; break;
        case OPT_REGISTRY: cli->registry = optarg; break;
        case OPT_DIRECTORIES: cli->directories = optarg; break;
        case OPT_NO_NAMES: cli->no_names = true; break;
        case OPT_QUIET: cli->quiet = true; break;
        case OPT_PROFILE: cli->profile = optarg; break;
        case OPT_TO:
            if (strcmp(optarg, "wco") != 0 && strcmp(optarg, "edifact") != 0) {
                fprintf(stderr, "khaalga %s: --to takes wco or edifact, not \"%s\"\n", cli->command, optarg);
                return KH_EXIT_USAGE;
            }
            cli->to = optarg;
            break;
        case OPT_VALIDATE: cli->validate = true; break;
        case OPT_SENDER: cli->sender = optarg; break;
        case OPT_RECIPIENT: cli->recipient = optarg; break;
        case OPT_REFERENCE: cli->reference = optarg; break;
        case OPT_REPLY: cli->reply = optarg; break;
        case OPT_TRUST: cli->trust = optarg; break;
        case OPT_CRL: cli->crl = optarg; break;
        case OPT_OUTPUT: cli->output = optarg; break;
        case OPT_CONFIG: cli->config = optarg; break;
        case OPT_CHECK_CONFIG: cli->check_config = true; break;
        case OPT_JOURNAL: cli->journal = optarg; break;
        case OPT_FAILED: cli->failed = true; break;
        case OPT_SINCE:
            if (!set_limit("since", optarg, 24 * 366 * 10, &v)) return KH_EXIT_USAGE;
            cli->since_hours = (unsigned)v;
            break;
        case OPT_KEY: cli->key = optarg; break;
        case OPT_CERT: cli->cert = optarg; break;
        case OPT_MESSAGE:
            if (!set_limit("message", optarg, 1000000, &v)) return KH_EXIT_USAGE;
            cli->message = (uint32_t)v;
            break;
        default:
            fprintf(stderr, "khaalga %s: unknown option \"%s\"; see \"khaalga help %s\"\n",
                    cli->command, argv[optind - 1], cli->command);
            return KH_EXIT_USAGE;
        }
    }
    static char *standard_input[] = { "-" };
    cli->files = argc > optind ? argv + optind : standard_input;
    cli->nfiles = argc > optind ? argc - optind : 1;
    if (cli->reply && !cli->validate) {
        fprintf(stderr, "khaalga %s: --reply needs --validate (the reply answers a translation that fails validation)\n",
                cli->command);
        return KH_EXIT_USAGE;
    }
    if (cli->nfiles > 1 && !(accepted & KH_OPT_MANY_FILES)) {
        fprintf(stderr, "khaalga %s: one input at a time\n", cli->command);
        return KH_EXIT_USAGE;
    }
    return KH_EXIT_OK;
}
