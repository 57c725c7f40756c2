/*
 * assets.h - the console's web files (gateway/console/assets/: HTML, CSS,
 * JavaScript), built into the program by embed-assets.sh at build time.
 */
#ifndef KHAALGA_CONSOLE_ASSETS_H
#define KHAALGA_CONSOLE_ASSETS_H

#include <stddef.h>

typedef struct kh_console_asset {
    const char          *name;    /* e.g. "console.js" */
    const char          *type;    /* its Content-Type */
    const unsigned char *data;
    size_t               size;
    const char          *etag;    /* a quoted checksum of its content */
} kh_console_asset;

extern const kh_console_asset kh_console_assets[];
extern const size_t kh_console_nassets;

#endif
