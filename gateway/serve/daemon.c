/*
 * daemon.c - the life of `khaalga serve`: start, reload on SIGHUP, stop on
 * SIGTERM or SIGINT. Signals are taken by the main thread alone (sigwait);
 * the ingresses (HTTP, spool, one AMQP consumer per [consumer]), the
 * delivery loop and the watchers of the amqp destinations' dead-letter
 * queues run in their own threads.
 */
#include "serve/daemon.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amqp/consumer.h"
#include "amqp/dead_letters.h"
#include "amqp/requester.h"
#include "console/console.h"
#include "delivery/deliver.h"
#include "delivery/worker.h"
#include "ingress/http.h"
#include "ingress/spool.h"
#include "journal/journal.h"
#include "pipeline/gateway.h"
#include "util/log.h"

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_TEMPORARY = 3, EXIT_INTERNAL = 4 };

/* The configuration and the gateway it describes; NULL after printing why. */
static kh_gateway *load(const char *path, bool quiet)
{
    char err[1024];
    kh_config *config = kh_config_load(path, err, sizeof err);
    if (!config) {
        if (!quiet)
            fprintf(stderr, "khaalga serve: %s\n", err);
        else
            kh_log("error", "config-refused", NULL, err);
        return NULL;
    }
    kh_gateway *g = kh_gateway_new(config, err, sizeof err);
    if (!g) {
        if (!quiet)
            fprintf(stderr, "khaalga serve: %s\n", err);
        else
            kh_log("error", "config-refused", NULL, err);
        return NULL;
    }
    kh_journal *j = kh_journal_open(g->config->journal, err, sizeof err);
    if (!j) {
        if (!quiet)
            fprintf(stderr, "khaalga serve: %s: journal: %s\n", path, err);
        else
            kh_log("error", "config-refused", NULL, err);
        kh_gateway_free(g);
        return NULL;
    }
    kh_journal_close(j);
    return g;
}

int kh_serve_check_config(const char *config_path)
{
    kh_gateway *g = load(config_path, false);
    if (!g)
        return EXIT_USAGE;
    printf("%s: the configuration is valid: %zu partners, %zu destinations, %zu routes\n", config_path,
           g->config->npartners, g->config->ndestinations, g->config->nroutes);
    kh_gateway_free(g);
    return EXIT_OK;
}

static void wake_delivery(void *ctx)
{
    kh_delivery_wake(ctx);
}

/* The watchers of the dead-letter queues of the amqp destinations of c
 * (docs/amqp.md, "Dead letters"), *n of them; NULL after printing why. */
static kh_amqp_dead_letters **start_dead_letter_watchers(const kh_config *c, const char *journal,
                                                         kh_gateway_slot *slot, size_t *n)
{
    *n = 0;
    kh_amqp_dead_letters **watchers = calloc(c->ndestinations ? c->ndestinations : 1, sizeof *watchers);
    if (!watchers) {
        fprintf(stderr, "khaalga serve: out of memory\n");
        return NULL;
    }
    char err[1024];
    for (size_t i = 0; i < c->ndestinations; i++) {
        const kh_destination *d = &c->destinations[i];
        if (!kh_amqp_dead_letters_watched_by(c, d))
            continue;
        watchers[*n] = kh_amqp_dead_letters_start(d->name, journal, slot, err, sizeof err);
        if (!watchers[*n]) {
            fprintf(stderr, "khaalga serve: destination %s: dead letters: %s\n", d->name, err);
            for (size_t k = 0; k < *n; k++)
                kh_amqp_dead_letters_stop(watchers[k]);
            free(watchers);
            return NULL;
        }
        (*n)++;
    }
    return watchers;
}

/* What runs while serving, each in its own threads. */
typedef struct services {
    kh_gateway_slot       *slot;
    kh_delivery           *delivery;
    kh_amqp_requester     *requester;
    kh_http               *http;
    kh_spool              *spool;
    kh_amqp_consumer     **consumers;
    size_t                 nconsumers;
    kh_amqp_dead_letters **watchers;
    size_t                 nwatchers;
    kh_console            *console;
} services;

/* Stops what was started, in the order that lets work in hand finish:
 * the listeners first (questions in flight answered at once), then the
 * consumers and watchers, the delivery loop last. */
static void stop_services(services *s)
{
    kh_console_stop(s->console);
    kh_amqp_requester_stop(s->requester);
    kh_http_stop(s->http);
    kh_amqp_requester_free(s->requester);
    kh_spool_stop(s->spool);
    for (size_t i = 0; s->consumers && i < s->nconsumers; i++)
        kh_amqp_consumer_stop(s->consumers[i]);
    free(s->consumers);
    for (size_t i = 0; s->watchers && i < s->nwatchers; i++)
        kh_amqp_dead_letters_stop(s->watchers[i]);
    free(s->watchers);
    kh_delivery_stop(s->delivery);
    kh_gateway_slot_free(s->slot);
}

/* Starts everything the configuration of g asks for; an exit status after
 * printing why when something cannot start (what started is stopped). */
static int start_services(services *s, kh_gateway *g, const char *journal)
{
    char err[1024];
    const kh_config *c = g->config;
    if (!(s->slot = kh_gateway_slot_new(g))) {
        fprintf(stderr, "khaalga serve: out of memory\n");
        return EXIT_TEMPORARY;
    }
    if (!(s->delivery = kh_delivery_start(journal, s->slot, err, sizeof err))) {
        fprintf(stderr, "khaalga serve: delivery: %s\n", err);
        return EXIT_TEMPORARY;
    }
    /* questions for CAIS, when [queries] is configured at start */
    if (c->queries.url && !(s->requester = kh_amqp_requester_start(s->slot, err, sizeof err))) {
        fprintf(stderr, "khaalga serve: queries: %s\n", err);
        return EXIT_TEMPORARY;
    }
    if (c->nlisten > 0
        && !(s->http = kh_http_start(c, s->slot, wake_delivery, s->delivery, s->requester, err, sizeof err))) {
        fprintf(stderr, "khaalga serve: %s\n", err);
        return EXIT_USAGE;
    }
    if (c->spool && !(s->spool = kh_spool_start(c->spool, journal, s->slot, wake_delivery, s->delivery, err,
                                                sizeof err))) {
        fprintf(stderr, "khaalga serve: spool: %s\n", err);
        return EXIT_USAGE;
    }
    /* the consumers of the configuration at start; a reload changes their
     * settings, and adding or removing one takes a restart */
    if (!(s->consumers = calloc(c->nconsumers ? c->nconsumers : 1, sizeof *s->consumers))) {
        fprintf(stderr, "khaalga serve: out of memory\n");
        return EXIT_TEMPORARY;
    }
    for (; s->nconsumers < c->nconsumers; s->nconsumers++) {
        const char *name = c->consumers[s->nconsumers].name;
        s->consumers[s->nconsumers] = kh_amqp_consumer_start(name, journal, s->slot, wake_delivery, s->delivery, err,
                                                             sizeof err);
        if (!s->consumers[s->nconsumers]) {
            fprintf(stderr, "khaalga serve: consumer %s: %s\n", name, err);
            return EXIT_TEMPORARY;
        }
    }
    /* likewise the dead-letter watchers of the destinations at start */
    if (!(s->watchers = start_dead_letter_watchers(c, journal, s->slot, &s->nwatchers)))
        return EXIT_TEMPORARY;
    /* the operator console, when configured: on its own listener */
    if (c->console.enabled && !(s->console = kh_console_start(s->slot, wake_delivery, s->delivery, err, sizeof err))) {
        fprintf(stderr, "khaalga serve: console: %s\n", err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int kh_serve(const char *config_path)
{
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);    /* every thread started from here inherits it */
    signal(SIGPIPE, SIG_IGN);

    kh_gateway *g = load(config_path, false);
    if (!g)
        return EXIT_USAGE;
    if (kh_delivery_global_init() != 0) {
        kh_gateway_free(g);
        return EXIT_INTERNAL;
    }
    char journal[4096];
    snprintf(journal, sizeof journal, "%s", g->config->journal);
    services s = { 0 };
    int status = start_services(&s, g, journal);
    if (status != EXIT_OK) {
        if (!s.slot)
            kh_gateway_free(g);
        stop_services(&s);
        return status;
    }
    kh_log("info", "started", NULL, config_path);

    for (;;) {
        int sig = 0;
        if (sigwait(&signals, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            kh_gateway *fresh = load(config_path, true);
            if (!fresh)
                continue;    /* the running configuration stays */
            if (strcmp(fresh->config->journal, journal) != 0) {
                kh_log("error", "config-refused", NULL, "the journal path cannot change while serving; restart");
                kh_gateway_free(fresh);
                continue;
            }
            kh_gateway_swap(s.slot, fresh);
            kh_log("info", "reloaded", NULL, config_path);
            continue;
        }
        break;
    }
    kh_log("info", "stopping", NULL, NULL);
    stop_services(&s);
    kh_log("info", "stopped", NULL, NULL);
    return EXIT_OK;
}
