/*
 * cli.h - what the khaalga subcommands share: parsed options, exit codes,
 * and the entry point of each subcommand.
 */
#ifndef KHAALGA_CLI_H
#define KHAALGA_CLI_H

#include <stdbool.h>

#include "edifact/edifact.h"
#include "edifact/interchange.h"

/* Exit status everywhere (DESIGN.md). */
enum {
    KH_EXIT_OK = 0,          /* done, accepted */
    KH_EXIT_REJECTED = 1,    /* the input was rejected */
    KH_EXIT_USAGE = 2,       /* usage or configuration error */
    KH_EXIT_TEMPORARY = 3,   /* a dependency is down, try again */
    KH_EXIT_INTERNAL = 4     /* a bug or resource exhaustion */
};

/* Which options a subcommand accepts. */
enum {
    KH_OPT_LIMITS = 1 << 0,
    KH_OPT_JSON = 1 << 1,
    KH_OPT_CONTRL = 1 << 2,
    KH_OPT_REGISTRY = 1 << 3,
    KH_OPT_DIRECTORIES = 1 << 4,
    KH_OPT_NAMES = 1 << 5,
    KH_OPT_QUIET = 1 << 6,
    KH_OPT_MANY_FILES = 1 << 7,
    KH_OPT_PROFILE = 1 << 8,
    KH_OPT_TRANSLATE = 1 << 9,     /* --to, --message, --validate, --sender, --recipient, --reference */
    KH_OPT_VERIFY = 1 << 10,       /* --trust, --crl, --sender, --output */
    KH_OPT_SIGN = 1 << 11,         /* --key, --cert */
    KH_OPT_SERVE = 1 << 12,        /* --config, --check-config */
    KH_OPT_JOURNAL = 1 << 13       /* --config, --journal, --failed, --since */
};

typedef struct kh_cli {
    const char   *command;
    kh_edi_limits limits;
    const char   *directories;   /* --directories DIR */
    const char   *registry;      /* --registry FILE */
    const char   *profile;       /* --profile DIR */
    const char   *to;            /* --to wco|edifact */
    uint32_t      message;       /* --message N, 0 when not given */
    bool          validate;      /* --validate */
    const char   *reply;         /* --reply FILE */
    const char   *sender, *recipient, *reference;   /* --sender, --recipient, --reference */
    const char   *trust, *crl;   /* --trust DIR, --crl FILE */
    const char   *output;        /* --output FILE */
    const char   *config;        /* --config FILE */
    bool          check_config;  /* --check-config */
    const char   *journal;       /* --journal FILE */
    bool          failed;        /* --failed */
    unsigned      since_hours;   /* --since HOURS, 0 when not given */
    const char   *key, *cert;    /* --key FILE, --cert FILE */
    bool          json, contrl, quiet, no_names;
    char        **files;         /* "-" when none given */
    int           nfiles;
} kh_cli;

/* Parses argv (argv[0] is the subcommand). Returns KH_EXIT_OK, or
 * KH_EXIT_USAGE after printing why. */
int kh_cli_parse(int argc, char **argv, unsigned accepted, kh_cli *cli);

/* Opens FILE for reading ("-" is standard input); -1 after printing why. */
int kh_cli_open_input(const char *path);

/* The EDIFACT directories (--directories, $KHAALGA_DATADIR or installed);
 * NULL after printing why. */
struct kh_dir_set *kh_cli_open_directories(const kh_cli *cli);

/* The WCO DM profile (--profile, $KHAALGA_DATADIR/xsd/mn or installed);
 * NULL after printing why. */
struct kh_profile *kh_cli_open_profile(const kh_cli *cli);

/* A walk handler printing each error to stderr, as text or JSON. */
typedef struct kh_cli_error_printer {
    const char *file;
    bool        json;
    struct kh_edi_handler handler;
} kh_cli_error_printer;
void kh_cli_error_printer_init(kh_cli_error_printer *p, const char *file, bool json);

int kh_cmd_check(int argc, char **argv);
int kh_cmd_edi2xml(int argc, char **argv);
int kh_cmd_xml2edi(int argc, char **argv);
int kh_cmd_tokenize(int argc, char **argv);
int kh_cmd_validate(int argc, char **argv);
int kh_cmd_translate(int argc, char **argv);
int kh_cmd_verify(int argc, char **argv);
int kh_cmd_sign(int argc, char **argv);
int kh_cmd_serve(int argc, char **argv);
int kh_cmd_status(int argc, char **argv);
int kh_cmd_passwd(int argc, char **argv);
int kh_cmd_replay(int argc, char **argv);
int kh_cmd_stats(int argc, char **argv);
int kh_cmd_help(int argc, char **argv);
void kh_print_usage(FILE *out);

#endif
