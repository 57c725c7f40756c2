/*
 * datadir.c - the data folder: $KHAALGA_DATADIR, else the installed one.
 */
#include "util/datadir.h"

#include <stdio.h>
#include <stdlib.h>

const char *kh_data_path(const char *given, const char *relative, char *buf, size_t buflen)
{
    if (given && *given)
        return given;
    const char *env = getenv("KHAALGA_DATADIR");
    snprintf(buf, buflen, "%s/%s", env && *env ? env : KH_DATADIR, relative);
    return buf;
}
