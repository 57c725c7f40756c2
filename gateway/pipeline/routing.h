/*
 * routing.h - which destinations a normalized message goes to: every route
 * of the configuration whose family, message type, declaration office and
 * agency (those it names) match.
 */
#ifndef KHAALGA_PIPELINE_ROUTING_H
#define KHAALGA_PIPELINE_ROUTING_H

#include <stddef.h>

#include "config/config.h"

typedef struct kh_route_key {
    const char *family, *type, *office, *agency;
} kh_route_key;

/* Fills names (each destination once, in route order) and returns how many,
 * at most max. */
size_t kh_route_select(const kh_config *c, const kh_route_key *key, const char **names, size_t max);

#endif
