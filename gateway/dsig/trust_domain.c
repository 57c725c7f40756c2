/*
 * trust_domain.c - loads a trust domain folder (ca/, pinned/, crl/ and the
 * policy in domain.ini, read with inih) into one OpenSSL store of
 * certificates and CRLs.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <ini.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/objects.h>

#include "dsig/trust_domain.h"

typedef struct policy_reader {
    kh_trust_policy *policy;
    char             why[256];    /* the first complaint */
    bool             complained;
} policy_reader;

static void complain(policy_reader *r, const char *what, const char *value)
{
    if (!r->complained)
        snprintf(r->why, sizeof r->why, what, value);
    r->complained = true;
}

static bool parse_yes_no(const char *value, bool *out)
{
    if (strcasecmp(value, "yes") == 0 || strcasecmp(value, "true") == 0) {
        *out = true;
        return true;
    }
    if (strcasecmp(value, "no") == 0 || strcasecmp(value, "false") == 0) {
        *out = false;
        return true;
    }
    return false;
}

static int identity_field_nid(const char *value)
{
    if (strcmp(value, "serialNumber") == 0)
        return NID_serialNumber;
    if (strcmp(value, "organizationIdentifier") == 0)
        return NID_organizationIdentifier;
    if (strcmp(value, "CN") == 0 || strcmp(value, "commonName") == 0)
        return NID_commonName;
    return NID_undef;
}

/* inih handler: returns 0 (and says why) for what is not understood, which
 * makes ini_parse report the line. */
static int on_policy_line(void *user, const char *section, const char *name, const char *value)
{
    policy_reader *r = user;
    if (strcmp(section, "domain") != 0) {
        complain(r, "unknown section [%s]", section);
        return 0;
    }
    if (strcmp(name, "require_crl") == 0) {
        if (!parse_yes_no(value, &r->policy->require_crl)) {
            complain(r, "require_crl takes yes or no, not \"%s\"", value);
            return 0;
        }
    } else if (strcmp(name, "require_sender") == 0) {
        if (!parse_yes_no(value, &r->policy->require_sender)) {
            complain(r, "require_sender takes yes or no, not \"%s\"", value);
            return 0;
        }
    } else if (strcmp(name, "identity") == 0) {
        int nid = identity_field_nid(value);
        if (nid == NID_undef) {
            complain(r, "identity takes serialNumber, organizationIdentifier or CN, not \"%s\"", value);
            return 0;
        }
        r->policy->identity_nid = nid;
    } else if (strcmp(name, "name") != 0) {
        complain(r, "unknown setting \"%s\"", name);
        return 0;
    }
    return 1;
}

static int read_policy(const char *dir, kh_trust_policy *policy, char *err, size_t errlen)
{
    policy->require_crl = false;
    policy->require_sender = false;
    policy->identity_nid = NID_serialNumber;

    char path[4096];
    snprintf(path, sizeof path, "%s/domain.ini", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;    /* no policy file: the defaults */
    policy_reader r = { .policy = policy, .why = "cannot be read" };
    int line = ini_parse_file(f, on_policy_line, &r);
    fclose(f);
    if (line != 0) {
        snprintf(err, errlen, "%s:%d: %s", path, line, r.complained ? r.why : "not an ini line");
        return -1;
    }
    return 0;
}

static BIO *open_file(const char *path, char *err, size_t errlen)
{
    BIO *bio = BIO_new_file(path, "rb");
    if (!bio)
        snprintf(err, errlen, "%s: cannot be read", path);
    return bio;
}

typedef enum item_kind { CERTIFICATES, CRLS } item_kind;

/* Adds one certificate or CRL to the store (which takes its own reference);
 * the same one twice is harmless. */
static int add_item(kh_trust_domain *d, item_kind kind, void *item, const char *path, char *err, size_t errlen)
{
    int added = kind == CERTIFICATES ? X509_STORE_add_cert(d->store, item) : X509_STORE_add_crl(d->store, item);
    unsigned long why = ERR_peek_last_error();
    ERR_clear_error();
    if (added != 1 && ERR_GET_REASON(why) != X509_R_CERT_ALREADY_IN_HASH_TABLE) {
        snprintf(err, errlen, "%s: the %s could not be added to the store", path,
                 kind == CERTIFICATES ? "certificate" : "CRL");
        return -1;
    }
    if (kind == CERTIFICATES)
        d->certificates++;
    else
        d->crls++;
    return 0;
}

/* Every certificate (or CRL) of one file: PEM, any number of them, or DER,
 * one. A file that holds none is an error. */
static int load_items(kh_trust_domain *d, const char *path, item_kind kind, char *err, size_t errlen)
{
    BIO *bio = open_file(path, err, errlen);
    if (!bio)
        return -1;
    int found = 0, rc = 0;
    STACK_OF(X509_INFO) *infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
    for (int i = 0; rc == 0 && i < sk_X509_INFO_num(infos); i++) {
        X509_INFO *info = sk_X509_INFO_value(infos, i);
        void *item = kind == CERTIFICATES ? (void *)info->x509 : (void *)info->crl;
        if (item) {
            rc = add_item(d, kind, item, path, err, errlen);
            found++;
        }
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    ERR_clear_error();
    if (rc == 0 && found == 0) {
        (void)BIO_reset(bio);
        void *item = kind == CERTIFICATES ? (void *)d2i_X509_bio(bio, NULL) : (void *)d2i_X509_CRL_bio(bio, NULL);
        if (item) {
            rc = add_item(d, kind, item, path, err, errlen);
            found = 1;
            if (kind == CERTIFICATES)
                X509_free(item);
            else
                X509_CRL_free(item);
        }
        ERR_clear_error();
    }
    BIO_free(bio);
    if (rc == 0 && found == 0) {
        snprintf(err, errlen, "%s: holds no %s (PEM or DER)", path, kind == CERTIFICATES ? "certificate" : "CRL");
        return -1;
    }
    return rc;
}

static int load_certificates(kh_trust_domain *d, const char *path, char *err, size_t errlen)
{
    return load_items(d, path, CERTIFICATES, err, errlen);
}

static int load_crls(kh_trust_domain *d, const char *path, char *err, size_t errlen)
{
    return load_items(d, path, CRLS, err, errlen);
}

/* After this time some CRL of the store is stale, and chain verdicts must be
 * made again. */
static time_t earliest_next_update(X509_STORE *store)
{
    time_t earliest = (time_t)INT64_MAX;
    STACK_OF(X509_OBJECT) *objects = X509_STORE_get0_objects(store);
    for (int i = 0; i < sk_X509_OBJECT_num(objects); i++) {
        X509_CRL *crl = X509_OBJECT_get0_X509_CRL(sk_X509_OBJECT_value(objects, i));
        const ASN1_TIME *next = crl ? X509_CRL_get0_nextUpdate(crl) : NULL;
        struct tm tm;
        if (next && ASN1_TIME_to_tm(next, &tm) == 1) {
            time_t t = timegm(&tm);
            if (t < earliest)
                earliest = t;
        }
    }
    return earliest;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each regular file of dir/sub (in name order; dot files skipped). A missing
 * sub folder holds nothing. */
static int load_folder(kh_trust_domain *d, const char *sub,
                       int (*load)(kh_trust_domain *, const char *, char *, size_t), char *err, size_t errlen)
{
    char folder[4096];
    snprintf(folder, sizeof folder, "%s/%s", d->dir, sub);
    DIR *dp = opendir(folder);
    if (!dp)
        return 0;
    char **names = NULL;
    size_t count = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) {
                rc = -1;
                snprintf(err, errlen, "%s: out of memory", folder);
                break;
            }
            names = grown;
        }
        names[count] = strdup(e->d_name);
        if (!names[count]) {
            rc = -1;
            snprintf(err, errlen, "%s: out of memory", folder);
            break;
        }
        count++;
    }
    closedir(dp);
    if (rc == 0)
        qsort(names, count, sizeof *names, compare_names);
    for (size_t i = 0; i < count; i++) {
        char path[4352];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", folder, names[i]);
        if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
            rc = load(d, path, err, errlen);
        free(names[i]);
    }
    free(names);
    return rc;
}

kh_trust_domain *kh_trust_domain_load(const char *dir, const char *extra_crl, char *err, size_t errlen)
{
    if (kh_dsig_library_init(err, errlen) < 0)
        return NULL;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a trust domain folder", dir);
        return NULL;
    }
    kh_trust_domain *d = calloc(1, sizeof *d);
    if (!d || !(d->dir = strdup(dir))) {
        free(d);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->store = X509_STORE_new();
    if (!d->store) {
        snprintf(err, errlen, "%s: the certificate store could not be made", dir);
        kh_trust_domain_free(d);
        return NULL;
    }
    if (read_policy(dir, &d->policy, err, errlen) < 0 ||
        load_folder(d, "ca", load_certificates, err, errlen) < 0 ||
        load_folder(d, "pinned", load_certificates, err, errlen) < 0 ||
        load_folder(d, "crl", load_crls, err, errlen) < 0 ||
        (extra_crl && load_crls(d, extra_crl, err, errlen) < 0)) {
        kh_trust_domain_free(d);
        return NULL;
    }
    d->crl_horizon = earliest_next_update(d->store);
    d->memo = kh_chain_memo_new();
    if (!d->memo) {
        snprintf(err, errlen, "out of memory");
        kh_trust_domain_free(d);
        return NULL;
    }
    if (d->certificates == 0) {
        snprintf(err, errlen, "%s: no certificate in ca/ or pinned/: the domain would trust no one", dir);
        kh_trust_domain_free(d);
        return NULL;
    }
    return d;
}

void kh_trust_domain_free(kh_trust_domain *d)
{
    if (!d)
        return;
    kh_chain_memo_free(d->memo);
    X509_STORE_free(d->store);
    free(d->dir);
    free(d);
}
