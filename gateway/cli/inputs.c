/*
 * inputs.c - what every subcommand opens the same way: input files, the
 * EDIFACT directories, and the printer of errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "wco/profile.h"

int kh_cli_open_input(const char *path)
{
    if (strcmp(path, "-") == 0)
        return STDIN_FILENO;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fprintf(stderr, "khaalga: %s: %s\n", path, strerror(errno));
    return fd;
}

kh_dir_set *kh_cli_open_directories(const kh_cli *cli)
{
    char buf[4096];
    const char *root = kh_dir_default_root(cli->directories, buf, sizeof buf);
    kh_dir_set *dirs = kh_dir_set_open(root);
    if (!dirs)
        fprintf(stderr, "khaalga: cannot read the EDIFACT directories in %s (set --directories or KHAALGA_DATADIR)\n", root);
    return dirs;
}

kh_profile *kh_cli_open_profile(const kh_cli *cli)
{
    char buf[4096], err[512] = "";
    const char *dir = kh_profile_default_dir(cli->profile, buf, sizeof buf);
    kh_profile *profile = kh_profile_open(dir, err, sizeof err);
    if (!profile)
        fprintf(stderr, "khaalga: profile %s: %s\n", dir, err);
    return profile;
}

static void print_error(void *ctx, const kh_edi_error *err, const kh_edi_interchange *ic)
{
    (void)ic;
    const kh_cli_error_printer *p = ctx;
    if (p->json)
        kh_edi_error_print_json(stderr, p->file, err);
    else
        kh_edi_error_print(stderr, p->file, err);
}

void kh_cli_error_printer_init(kh_cli_error_printer *p, const char *file, bool json)
{
    memset(p, 0, sizeof *p);
    p->file = file;
    p->json = json;
    p->handler.ctx = p;
    p->handler.error = print_error;
}
