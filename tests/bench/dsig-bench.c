/*
 * dsig-bench.c - signature verifications per second in one process, side by
 * side on the same signed document:
 *   khaalga   kh_dsig_verify_memory: hardened parse, the structural checks,
 *             the signer's certificate judged, xmlsec verification;
 *   xmlsec    the bare library doing the least the job needs: parse,
 *             find the Signature, xmlSecDSigCtxVerify with a keys manager
 *             holding the same CA certificates;
 *   openssl   the public-key operation alone (EVP_DigestVerify over 1 KB).
 *
 *   dsig-bench SECONDS TRUST-DIR SIGNED.xml SIGNER.key
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/crypto.h>

#include "dsig/dsig.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(size > 0 ? (size_t)size : 1);
    *len = buf ? fread(buf, 1, (size_t)size, f) : 0;
    fclose(f);
    return buf;
}

typedef int (*round_fn)(void *ctx);

static double rate(double seconds, round_fn round, void *ctx)
{
    long n = 0;
    double start = now(), end = start + seconds, t;
    do {
        for (int i = 0; i < 16; i++) {
            if (round(ctx) != 0) {
                fprintf(stderr, "dsig-bench: a verification failed\n");
                exit(1);
            }
            n++;
        }
    } while ((t = now()) < end);
    return n / (t - start);
}

typedef struct khaalga_ctx {
    kh_trust_domain *domain;
    const char      *data;
    size_t           len;
} khaalga_ctx;

static int khaalga_round(void *p)
{
    khaalga_ctx *c = p;
    kh_dsig_verdict v;
    return kh_dsig_verify_memory(c->domain, c->data, c->len, "bench", NULL, &v, NULL) == KH_DSIG_OK ? 0 : -1;
}

typedef struct xmlsec_ctx {
    xmlSecKeysMngrPtr keys;
    const char       *data;
    size_t            len;
} xmlsec_ctx;

static int xmlsec_round(void *p)
{
    xmlsec_ctx *c = p;
    xmlDocPtr doc = xmlReadMemory(c->data, (int)c->len, "bench.xml", NULL, XML_PARSE_NONET);
    xmlNodePtr sig = doc ? xmlSecFindNode(xmlDocGetRootElement(doc), xmlSecNodeSignature, xmlSecDSigNs) : NULL;
    xmlSecDSigCtxPtr ctx = sig ? xmlSecDSigCtxCreate(c->keys) : NULL;
    int rc = ctx && xmlSecDSigCtxVerify(ctx, sig) == 0 && ctx->status == xmlSecDSigStatusSucceeded ? 0 : -1;
    if (ctx)
        xmlSecDSigCtxDestroy(ctx);
    xmlFreeDoc(doc);
    return rc;
}

typedef struct openssl_ctx {
    EVP_PKEY     *key;
    unsigned char message[1024], signature[512];
    size_t        siglen;
} openssl_ctx;

static int openssl_round(void *p)
{
    openssl_ctx *c = p;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, c->key) == 1 &&
                     EVP_DigestVerify(md, c->signature, c->siglen, c->message, sizeof c->message) == 1
                 ? 0 : -1;
    EVP_MD_CTX_free(md);
    return rc;
}

static int load_ca(xmlSecKeysMngrPtr keys, const char *trust, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/ca/%s", trust, name);
    return xmlSecCryptoAppKeysMngrCertLoad(keys, path, xmlSecKeyDataFormatPem, xmlSecKeyDataTypeTrusted);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: dsig-bench SECONDS TRUST-DIR SIGNED.xml SIGNER.key\n");
        return 2;
    }
    double seconds = atof(argv[1]);
    char err[512];
    kh_trust_domain *domain = kh_trust_domain_load(argv[2], NULL, err, sizeof err);
    if (!domain) {
        fprintf(stderr, "dsig-bench: %s\n", err);
        return 2;
    }
    size_t len;
    char *data = read_file(argv[3], &len);
    if (!data) {
        fprintf(stderr, "dsig-bench: %s: cannot be read\n", argv[3]);
        return 2;
    }

    khaalga_ctx kc = { domain, data, len };
    xmlsec_ctx xc = { xmlSecKeysMngrCreate(), data, len };
    if (!xc.keys || xmlSecCryptoAppDefaultKeysMngrInit(xc.keys) < 0 || load_ca(xc.keys, argv[2], "root.pem") < 0 ||
        load_ca(xc.keys, argv[2], "intermediate.pem") < 0) {
        fprintf(stderr, "dsig-bench: the bare keys manager could not be loaded from %s/ca\n", argv[2]);
        return 2;
    }
    openssl_ctx oc;
    memset(&oc, 0, sizeof oc);
    FILE *kf = fopen(argv[4], "r");
    oc.key = kf ? PEM_read_PrivateKey(kf, NULL, NULL, NULL) : NULL;
    if (kf)
        fclose(kf);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    oc.siglen = sizeof oc.signature;
    if (!oc.key || !md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, oc.key) != 1 ||
        EVP_DigestSign(md, oc.signature, &oc.siglen, oc.message, sizeof oc.message) != 1) {
        fprintf(stderr, "dsig-bench: %s: cannot sign with it\n", argv[4]);
        return 2;
    }
    EVP_MD_CTX_free(md);

    double k = rate(seconds, khaalga_round, &kc);
    double x = rate(seconds, xmlsec_round, &xc);
    double o = rate(seconds, openssl_round, &oc);
    printf("khaalga %.0f/s\nxmlsec %.0f/s\nopenssl %.0f/s\n", k, x, o);

    EVP_PKEY_free(oc.key);
    xmlSecKeysMngrDestroy(xc.keys);
    free(data);
    kh_trust_domain_free(domain);
    return 0;
}
