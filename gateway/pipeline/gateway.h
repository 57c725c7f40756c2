/*
 * gateway.h - what every worker of `khaalga serve` shares, built once from a
 * configuration and read-only afterwards: the configuration, the WCO DM
 * profile, the EDIFACT directories, one trust domain per partner that signs,
 * and the signer of receipts. A reload builds a new one.
 */
#ifndef KHAALGA_PIPELINE_GATEWAY_H
#define KHAALGA_PIPELINE_GATEWAY_H

#include "config/config.h"
#include "dsig/dsig.h"
#include "edifact/directory.h"
#include "edifact/edifact.h"
#include "wco/profile.h"

typedef struct kh_gateway {
    kh_config        *config;       /* owned */
    kh_profile       *profile;
    kh_dir_set       *directories;
    kh_trust_domain **trust;        /* per partner (same index), NULL when it has none */
    kh_signer        *signer;       /* NULL when [signing] is not configured */
    kh_edi_limits     limits;
    int               users;        /* guarded by its slot */
} kh_gateway;

/* Takes ownership of config (also on failure). NULL with err on error. */
kh_gateway *kh_gateway_new(kh_config *config, char *err, size_t errlen);
void kh_gateway_free(kh_gateway *g);

/* The trust domain of a partner of g->config. */
const kh_trust_domain *kh_gateway_trust(const kh_gateway *g, const kh_partner *p);

/* The gateway in force, swapped by a reload while messages are in flight:
 * each user acquires it for one message (or one round) and releases it; an
 * old gateway is freed when its last user releases it. */
typedef struct kh_gateway_slot kh_gateway_slot;
kh_gateway_slot *kh_gateway_slot_new(kh_gateway *g);
const kh_gateway *kh_gateway_acquire(kh_gateway_slot *s);
void kh_gateway_release(kh_gateway_slot *s, const kh_gateway *g);
void kh_gateway_swap(kh_gateway_slot *s, kh_gateway *g);
void kh_gateway_slot_free(kh_gateway_slot *s);

#endif
