/*
 * trust_domain.h - the inside of a trust domain, shared by the files of
 * gateway/dsig: its policy and the OpenSSL store Khaalga judges signer
 * certificates against. The store is the domain's keys manager: xmlsec is
 * handed the judged certificate's key and never looks for one itself.
 */
#ifndef KHAALGA_DSIG_TRUST_DOMAIN_H
#define KHAALGA_DSIG_TRUST_DOMAIN_H

#include <stdbool.h>
#include <time.h>

#include <openssl/x509.h>

#include "dsig/dsig.h"

typedef struct kh_trust_policy {
    bool require_crl;       /* no current CRL for an issuer fails closed */
    bool require_sender;    /* a verification without a named sender fails */
    int  identity_nid;      /* subject field that names the partner */
} kh_trust_policy;

/* Leaf certificates whose chain verified, until when the verdict holds
 * (defined in certificate.c); the only part of a domain that changes after
 * loading, behind its own lock. */
typedef struct kh_chain_memo kh_chain_memo;
kh_chain_memo *kh_chain_memo_new(void);
void kh_chain_memo_free(kh_chain_memo *m);

struct kh_trust_domain {
    char             *dir;
    kh_trust_policy   policy;
    X509_STORE       *store;      /* roots, intermediates, pinned certificates, CRLs; read-only once loaded */
    int               certificates, crls;
    time_t            crl_horizon;   /* the earliest nextUpdate of its CRLs, or the far future */
    kh_chain_memo    *memo;
};

#endif
