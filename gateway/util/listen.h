/*
 * listen.h - what the listeners of `khaalga serve` (the HTTP ingress and the
 * operator console) share: a listen address read from the configuration,
 * and a PEM file read whole for libmicrohttpd.
 */
#ifndef KHAALGA_UTIL_LISTEN_H
#define KHAALGA_UTIL_LISTEN_H

#include <stdbool.h>
#include <sys/socket.h>

/* "ADDRESS:PORT" (IPv4) or "[ADDRESS]:PORT" (IPv6) into ss; false when it
 * is neither. */
bool kh_listen_address(const char *text, struct sockaddr_storage *ss);

/* The whole file as a NUL-terminated string (malloc'd), or NULL. */
char *kh_read_text_file(const char *path);

#endif
