/*
 * fuzz_wco.c - libFuzzer target over the XML ingress: recognition, the
 * hardened parser, schema and rule validation against the national profile,
 * and the response built from the findings. Any crash, leak or hang is a bug.
 *
 * The profile comes from $KHAALGA_DATADIR/xsd/mn.
 */
#include <stdio.h>
#include <stdlib.h>

#include "wco/response.h"
#include "wco/translate.h"
#include "wco/validate.h"
#include "xml/safe_parse.h"

static kh_profile *profile;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char buf[4096], err[512];
    profile = kh_profile_open(kh_profile_default_dir(NULL, buf, sizeof buf), err, sizeof err);
    if (!profile) {
        fprintf(stderr, "fuzz_wco: %s (set KHAALGA_DATADIR to the source tree)\n", err);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    kh_recognize((const char *)data, size);
    kh_xml_limits limits;
    kh_xml_limits_default(&limits);
    limits.max_bytes = 1 << 20;
    char err[512];
    xmlDocPtr doc = kh_xml_parse_memory((const char *)data, size, "fuzz", &limits, err, sizeof err);
    if (!doc)
        return 0;
    kh_validation v;
    if (kh_validate(profile, doc, &v, err, sizeof err) != 4) {
        xmlDocPtr response = kh_response_build(profile, &v, "KH-FUZZ", "2026-11-23T12:00:00+00:00");
        xmlFreeDoc(response);
    }
    kh_validation_free(&v);
    xmlFreeDoc(doc);
    return 0;
}
