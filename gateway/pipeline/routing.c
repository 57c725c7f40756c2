/*
 * routing.c - matches a message against the routes of the configuration.
 */
#include "pipeline/routing.h"

#include <string.h>

static bool field_matches(const char *wanted, const char *actual)
{
    return !wanted || (actual && strcmp(wanted, actual) == 0);
}

static bool already(const char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

size_t kh_route_select(const kh_config *c, const kh_route_key *key, const char **names, size_t max)
{
    size_t n = 0;
    unsigned family = key->family ? kh_family_bit(key->family) : 0;
    for (size_t i = 0; i < c->nroutes; i++) {
        const kh_route *r = &c->routes[i];
        if (r->families && !(r->families & family))
            continue;
        if (!field_matches(r->type, key->type) || !field_matches(r->office, key->office) ||
            !field_matches(r->agency, key->agency))
            continue;
        for (size_t d = 0; d < r->nto && n < max; d++)
            if (!already(names, n, r->to[d]))
                names[n++] = r->to[d];
    }
    return n;
}
