/*
 * search.h - read-only questions the operator console asks the journal:
 * messages found by id, partner, family, reference, state and time, a page
 * at a time; one message whole (its lifecycle, raw bytes, normalized parts,
 * acknowledgements and audit); the overview of the last hour and day
 * (counts by family and partner, rejections, latency percentiles, time
 * series); the dead deliveries; each destination's state; each partner's
 * activity; and the audit trail. Every answer is written as JSON.
 *
 * The console opens its connections with kh_journal_open_readonly: they
 * never write (PRAGMA query_only), and one thread uses each.
 */
#ifndef KHAALGA_JOURNAL_SEARCH_H
#define KHAALGA_JOURNAL_SEARCH_H

#include <stdint.h>
#include <stdio.h>

#include "journal/journal.h"

/* A connection that only reads; the journal must exist. */
kh_journal *kh_journal_open_readonly(const char *path, char *err, size_t errlen);

enum { KH_SEARCH_MAX_LIMIT = 200 };

typedef struct kh_search {
    const char *text;        /* matches an id's beginning, a reference or a partner; NULL: any */
    const char *id;          /* an id or its beginning */
    const char *partner, *family, *state;
    const char *reference;   /* the declaration's (or message's) reference, or an interchange reference */
    int64_t     from_ms, to_ms;   /* received in [from, to); 0: unbounded */
    const char *before;      /* the page after this id (the "next" of the page before), or NULL */
    int         limit;       /* 1 to KH_SEARCH_MAX_LIMIT */
} kh_search;

/* {"messages":[…],"next":ID|null}, newest first. 0, or -1 on error. */
int kh_journal_search_json(kh_journal *j, const kh_search *q, FILE *out);

/* {"message":{lifecycle as kh_journal_status_json},"raw":{…},"parts":[…],
 * "acknowledgements":[…],"audit":[…]}: bodies as text (UTF-8, or ISO
 * 8859-1 shown as UTF-8), each cut at max_body bytes. 0, 1 when there is
 * no such message, -1 on error. */
int kh_journal_message_json(kh_journal *j, const char *id, size_t max_body, FILE *out);

/* The windows of the last hour and day before now_ms: counts by state,
 * family and partner, the error rate, latency percentiles, and a time
 * series (5-minute buckets for the hour, hourly for the day); and the
 * outbox (pending, retrying, dead). 0, or -1 on error. */
int kh_journal_overview_json(kh_journal *j, int64_t now_ms, FILE *out);

/* The dead deliveries, newest first: {"dead":[…]}. 0, or -1. */
int kh_journal_dead_json(kh_journal *j, int limit, FILE *out);

/* Per destination named in the outbox: {"NAME":{"pending":N,"retrying":N,
 * "dead":N,"delivered_day":N,"last_delivered_at":…,"last_error":…,
 * "last_error_at":…},…}. 0, or -1. */
int kh_journal_destinations_json(kh_journal *j, int64_t now_ms, FILE *out);

/* Per partner: {"NAME":{"messages_day":N,"rejected_day":N,"failed_day":N,
 * "last_seen":…},…}. 0, or -1. */
int kh_journal_partners_json(kh_journal *j, int64_t now_ms, FILE *out);

/* The audit trail, newest first, of one message or (id NULL) of all:
 * {"audit":[{"at","who","action","message_id","detail"}…]}. 0, or -1. */
int kh_journal_audit_json(kh_journal *j, const char *id, int limit, FILE *out);

/* 1 when the journal has a message with this id, 0 when not, -1 on error. */
int kh_journal_has_message(kh_journal *j, const char *id);

#endif
