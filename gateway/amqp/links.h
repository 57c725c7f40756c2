/*
 * links.h - the live state of each connection Khaalga keeps to a broker
 * (a destination's publisher, a consumer, a dead-letter watcher, the
 * requester of queries), as the thread that owns it last reported it:
 * up or down, since when, and why. The operator console and /metrics read
 * it; nothing here touches a connection.
 */
#ifndef KHAALGA_AMQP_LINKS_H
#define KHAALGA_AMQP_LINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kh_amqp_link_state {
    char    kind[16];        /* destination, consumer, dead-letters, queries */
    char    name[128];       /* the section's name */
    char    broker[300];     /* amqp://host:port vhost V: never a password */
    bool    up;
    int64_t since_ms;        /* wall clock, when it last went up or down */
    char    detail[300];     /* why it is down, or what it does */
} kh_amqp_link_state;

/* The connection of (kind, name) is up or down now. broker may be "" when
 * not known; detail says why (down) or what (up). */
void kh_amqp_link_report(const char *kind, const char *name, const char *broker, bool up, const char *detail);

/* A copy of up to max link states, in the order they were first reported;
 * returns how many. */
size_t kh_amqp_links(kh_amqp_link_state *out, size_t max);

/* Forgets every link (for tests). */
void kh_amqp_links_reset(void);

#endif
