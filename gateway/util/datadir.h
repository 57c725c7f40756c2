/*
 * datadir.h - where Khaalga's data lives (directories, profiles, sheets):
 * $KHAALGA_DATADIR when set (a source tree, for tests), else the installed
 * package data folder.
 */
#ifndef KHAALGA_UTIL_DATADIR_H
#define KHAALGA_UTIL_DATADIR_H

#include <stddef.h>

/* given when it is set, else the data folder + "/" + relative, in buf. */
const char *kh_data_path(const char *given, const char *relative, char *buf, size_t buflen);

#endif
