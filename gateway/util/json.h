/*
 * json.h - the one JSON writing helper Khaalga needs: a string, quoted and
 * escaped.
 */
#ifndef KHAALGA_UTIL_JSON_H
#define KHAALGA_UTIL_JSON_H

#include <stdio.h>

void kh_json_string(FILE *out, const char *s);

#endif
