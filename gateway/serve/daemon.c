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
    char spool_folder[4096] = "";
    if (g->config->spool)
        snprintf(spool_folder, sizeof spool_folder, "%s", g->config->spool);
    char err[1024];
    kh_gateway_slot *slot = kh_gateway_slot_new(g);
    kh_delivery *delivery = slot ? kh_delivery_start(journal, slot, err, sizeof err) : NULL;
    if (!delivery) {
        fprintf(stderr, "khaalga serve: delivery: %s\n", slot ? err : "out of memory");
        kh_gateway_slot_free(slot);
        return EXIT_TEMPORARY;
    }
    kh_http *http = NULL;
    if (g->config->nlisten > 0) {
        http = kh_http_start(g->config, slot, wake_delivery, delivery, err, sizeof err);
        if (!http) {
            fprintf(stderr, "khaalga serve: %s\n", err);
            kh_delivery_stop(delivery);
            kh_gateway_slot_free(slot);
            return EXIT_USAGE;
        }
    }
    kh_spool *spool = NULL;
    if (spool_folder[0]) {
        spool = kh_spool_start(spool_folder, journal, slot, wake_delivery, delivery, err, sizeof err);
        if (!spool) {
            fprintf(stderr, "khaalga serve: spool: %s\n", err);
            kh_http_stop(http);
            kh_delivery_stop(delivery);
            kh_gateway_slot_free(slot);
            return EXIT_USAGE;
        }
    }
    /* the consumers of the configuration at start; a reload changes their
     * settings, and adding or removing one takes a restart */
    size_t nconsumers = g->config->nconsumers;
    kh_amqp_consumer **consumers = calloc(nconsumers ? nconsumers : 1, sizeof *consumers);
    for (size_t i = 0; consumers && i < nconsumers; i++) {
        consumers[i] = kh_amqp_consumer_start(g->config->consumers[i].name, journal, slot, wake_delivery, delivery,
                                              err, sizeof err);
        if (!consumers[i]) {
            fprintf(stderr, "khaalga serve: consumer %s: %s\n", g->config->consumers[i].name, err);
            break;
        }
    }
    if (!consumers || (nconsumers && !consumers[nconsumers - 1])) {
        if (!consumers)
            fprintf(stderr, "khaalga serve: out of memory\n");
        for (size_t i = 0; consumers && i < nconsumers; i++)
            kh_amqp_consumer_stop(consumers[i]);
        free(consumers);
        kh_spool_stop(spool);
        kh_http_stop(http);
        kh_delivery_stop(delivery);
        kh_gateway_slot_free(slot);
        return EXIT_TEMPORARY;
    }
    /* likewise the dead-letter watchers of the destinations at start */
    size_t nwatchers = 0;
    kh_amqp_dead_letters **watchers = start_dead_letter_watchers(g->config, journal, slot, &nwatchers);
    if (!watchers) {
        for (size_t i = 0; i < nconsumers; i++)
            kh_amqp_consumer_stop(consumers[i]);
        free(consumers);
        kh_spool_stop(spool);
        kh_http_stop(http);
        kh_delivery_stop(delivery);
        kh_gateway_slot_free(slot);
        return EXIT_TEMPORARY;
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
            kh_gateway_swap(slot, fresh);
            kh_log("info", "reloaded", NULL, config_path);
            continue;
        }
        break;
    }
    kh_log("info", "stopping", NULL, NULL);
    kh_http_stop(http);
    kh_spool_stop(spool);
    for (size_t i = 0; i < nconsumers; i++)
        kh_amqp_consumer_stop(consumers[i]);
    free(consumers);
    for (size_t i = 0; i < nwatchers; i++)
        kh_amqp_dead_letters_stop(watchers[i]);
    free(watchers);
    kh_delivery_stop(delivery);
    kh_gateway_slot_free(slot);
    kh_log("info", "stopped", NULL, NULL);
    return EXIT_OK;
}
