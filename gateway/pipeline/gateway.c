/*
 * gateway.c - builds the shared, read-only state of the daemon from its
 * configuration: profile, directories, the partners' trust domains and the
 * receipt signer; and the slot that holds the gateway in force across
 * reloads.
 */
#include "pipeline/gateway.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

kh_gateway *kh_gateway_new(kh_config *config, char *err, size_t errlen)
{
    kh_gateway *g = calloc(1, sizeof *g);
    if (!g) {
        kh_config_free(config);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    g->config = config;
    kh_edi_limits_default(&g->limits);
    if (config->max_body > 0)
        g->limits.max_interchange_size = config->max_body;
    char buf[4096], why[512];
    g->profile = kh_profile_open(kh_profile_default_dir(config->profile, buf, sizeof buf), why, sizeof why);
    if (!g->profile) {
        snprintf(err, errlen, "%s: profile: %s", config->path, why);
        kh_gateway_free(g);
        return NULL;
    }
    g->directories = kh_dir_set_open(kh_dir_default_root(NULL, buf, sizeof buf));
    if (!g->directories) {
        snprintf(err, errlen, "%s: the EDIFACT directories cannot be opened (%s)", config->path, buf);
        kh_gateway_free(g);
        return NULL;
    }
    g->trust = calloc(config->npartners ? config->npartners : 1, sizeof *g->trust);
    if (!g->trust) {
        snprintf(err, errlen, "out of memory");
        kh_gateway_free(g);
        return NULL;
    }
    for (size_t i = 0; i < config->npartners; i++) {
        const kh_partner *p = &config->partners[i];
        if (!p->trust)
            continue;
        g->trust[i] = kh_trust_domain_load(p->trust, NULL, why, sizeof why);
        if (!g->trust[i]) {
            snprintf(err, errlen, "%s: partner %s: %s", config->path, p->id, why);
            kh_gateway_free(g);
            return NULL;
        }
    }
    if (config->signing_key && config->signing_cert) {
        g->signer = kh_signer_load(config->signing_key, config->signing_cert, why, sizeof why);
        if (!g->signer) {
            snprintf(err, errlen, "%s: signing: %s", config->path, why);
            kh_gateway_free(g);
            return NULL;
        }
    }
    return g;
}

void kh_gateway_free(kh_gateway *g)
{
    if (!g)
        return;
    if (g->trust)
        for (size_t i = 0; g->config && i < g->config->npartners; i++)
            kh_trust_domain_free(g->trust[i]);
    free(g->trust);
    kh_signer_free(g->signer);
    kh_dir_set_free(g->directories);
    kh_profile_free(g->profile);
    kh_config_free(g->config);
    free(g);
}

const kh_trust_domain *kh_gateway_trust(const kh_gateway *g, const kh_partner *p)
{
    size_t i = (size_t)(p - g->config->partners);
    return i < g->config->npartners ? g->trust[i] : NULL;
}

struct kh_gateway_slot {
    pthread_mutex_t lock;
    kh_gateway     *current;
};

kh_gateway_slot *kh_gateway_slot_new(kh_gateway *g)
{
    kh_gateway_slot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    g->users = 1;    /* the slot's own hold */
    s->current = g;
    return s;
}

const kh_gateway *kh_gateway_acquire(kh_gateway_slot *s)
{
    pthread_mutex_lock(&s->lock);
    kh_gateway *g = s->current;
    g->users++;
    pthread_mutex_unlock(&s->lock);
    return g;
}

void kh_gateway_release(kh_gateway_slot *s, const kh_gateway *g)
{
    kh_gateway *held = (kh_gateway *)g;
    pthread_mutex_lock(&s->lock);
    bool last = --held->users == 0;
    pthread_mutex_unlock(&s->lock);
    if (last)
        kh_gateway_free(held);
}

void kh_gateway_swap(kh_gateway_slot *s, kh_gateway *g)
{
    g->users = 1;
    pthread_mutex_lock(&s->lock);
    kh_gateway *old = s->current;
    s->current = g;
    bool last = --old->users == 0;
    pthread_mutex_unlock(&s->lock);
    if (last)
        kh_gateway_free(old);
}

void kh_gateway_slot_free(kh_gateway_slot *s)
{
    if (!s)
        return;
    kh_gateway_release(s, s->current);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
