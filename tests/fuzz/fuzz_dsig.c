/*
 * fuzz_dsig.c - libFuzzer target over XML-DSig verification: the hardened
 * parse, the structural checks of the signature, certificate decoding and
 * judging, xmlsec's verification, and the signed content handed on. Any
 * crash, leak or hang is a bug.
 *
 * The trust domain is $KHAALGA_FUZZ_TRUST (scripts/test-all makes one with
 * tests/dsig/make-pki.sh and seeds the run with tests/dsig/make-cases.py).
 */
#include <stdio.h>
#include <stdlib.h>

#include "dsig/dsig.h"

static kh_trust_domain *domain;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("KHAALGA_FUZZ_TRUST");
    char err[512];
    domain = dir ? kh_trust_domain_load(dir, NULL, err, sizeof err) : NULL;
    if (!domain) {
        fprintf(stderr, "fuzz_dsig: %s\n", dir ? err : "set KHAALGA_FUZZ_TRUST to a trust domain folder");
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    kh_dsig_verdict verdict;
    xmlDocPtr doc = NULL;
    kh_dsig_reason reason = kh_dsig_verify_memory(domain, (const char *)data, size, "fuzz", "5012345", &verdict, &doc);
    if (reason == KH_DSIG_OK) {
        if (!verdict.signed_element)
            abort();
        kh_dsig_detach_signature(doc);
    }
    if (kh_dsig_reason_code(reason)[0] == '\0')
        abort();
    xmlFreeDoc(doc);
    return 0;
}
