/*
 * cmd_passwd.c - `khaalga passwd [--iterations N]`: reads a password from
 * standard input and prints the hash a [console user NAME] password takes
 * (console/password.h). On a terminal it asks twice, without echo; from a
 * pipe it reads one line. Nothing but the hash is printed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "console/password.h"

/* One line of f without its line end into out; 0, or -1 at the end of
 * input, or when the line is too long. */
static int read_line(FILE *f, char *out, size_t outlen)
{
    if (!fgets(out, (int)outlen, f))
        return -1;
    size_t n = strlen(out);
    if (n == outlen - 1 && out[n - 1] != '\n' && !feof(f))
        return -1;
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    return 0;
}

/* Asks on the terminal with echo off. */
static int ask(const char *prompt, char *out, size_t outlen)
{
    struct termios saved, quiet;
    fputs(prompt, stderr);
    fflush(stderr);
    bool hidden = tcgetattr(STDIN_FILENO, &saved) == 0;
    if (hidden) {
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    int rc = read_line(stdin, out, outlen);
    if (hidden)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    fputc('\n', stderr);
    return rc;
}

int kh_cmd_passwd(int argc, char **argv)
{
    static const struct option options[] = {
        { "iterations", required_argument, NULL, 'i' },
        { NULL, 0, NULL, 0 },
    };
    unsigned long iterations = KH_PASSWORD_ITERATIONS;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt != 'i') {
            fprintf(stderr, "khaalga passwd: see \"khaalga help passwd\"\n");
            return KH_EXIT_USAGE;
        }
        char *end;
        iterations = strtoul(optarg, &end, 10);
        if (*end || iterations < KH_PASSWORD_MIN_ITERATIONS || iterations > KH_PASSWORD_MAX_ITERATIONS) {
            fprintf(stderr, "khaalga passwd: --iterations: \"%s\" is not a number from %d to %d\n", optarg,
                    KH_PASSWORD_MIN_ITERATIONS, KH_PASSWORD_MAX_ITERATIONS);
            return KH_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "khaalga passwd: the password is read from standard input, not given as an argument\n");
        return KH_EXIT_USAGE;
    }

    char password[KH_PASSWORD_MAX_LENGTH + 2], again[KH_PASSWORD_MAX_LENGTH + 2];
    int rc = KH_EXIT_OK;
    if (isatty(STDIN_FILENO)) {
        if (ask("password: ", password, sizeof password) != 0 || ask("again: ", again, sizeof again) != 0) {
            fprintf(stderr, "khaalga passwd: no password read (at most %d bytes)\n", KH_PASSWORD_MAX_LENGTH);
            rc = KH_EXIT_USAGE;
        } else if (strcmp(password, again) != 0) {
            fprintf(stderr, "khaalga passwd: the two passwords differ\n");
            rc = KH_EXIT_USAGE;
        }
    } else if (read_line(stdin, password, sizeof password) != 0) {
        fprintf(stderr, "khaalga passwd: no password read from standard input (one line, at most %d bytes)\n",
                KH_PASSWORD_MAX_LENGTH);
        rc = KH_EXIT_USAGE;
    }
    if (rc == KH_EXIT_OK) {
        char hash[KH_PASSWORD_HASH_SIZE], why[200];
        if (kh_password_hash(password, (unsigned)iterations, hash, why, sizeof why) != 0) {
            fprintf(stderr, "khaalga passwd: %s\n", why);
            rc = strstr(why, "OpenSSL") ? KH_EXIT_INTERNAL : KH_EXIT_USAGE;
        } else {
            printf("%s\n", hash);
        }
    }
    OPENSSL_cleanse(password, sizeof password);
    OPENSSL_cleanse(again, sizeof again);
    return rc;
}
