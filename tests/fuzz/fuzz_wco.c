/*
 * fuzz_wco.c - libFuzzer target over the XML ingress and the translation:
 * recognition, the hardened parser, schema and rule validation against the
 * national profile, the response built from the findings, and translation of
 * the input (EDIFACT or XML) through the profile's sheets, both ways. Any
 * crash, leak or hang is a bug.
 *
 * The profile and directories come from $KHAALGA_DATADIR.
 */
#include <stdio.h>
#include <stdlib.h>

#include "wco/response.h"
#include "wco/translate.h"
#include "wco/validate.h"
#include "xml/safe_parse.h"

static kh_profile *profile;
static kh_dir_set *directories;
static FILE *sink;

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
    directories = kh_dir_set_open(kh_dir_default_root(NULL, buf, sizeof buf));
    sink = fopen("/dev/null", "w");
    if (!directories || !sink)
        abort();
    return 0;
}

/* The input through the translation, to WCO DM and back to EDIFACT. */
static void translate(const unsigned char *data, size_t size)
{
    kh_edi_limits limits;
    kh_edi_limits_default(&limits);
    limits.max_segment_length = 4096;
    limits.max_errors = 20;
    char err[512];
    for (int back = 0; back < 2; back++) {
        kh_translate_options opt = { .profile = profile, .directories = directories, .limits = &limits,
                                     .to_edifact = back == 1 };
        kh_translation t;
        kh_translate(&opt, (const char *)data, size, "fuzz", sink, &t, err, sizeof err);
        kh_translation_free(&t);
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    translate(data, size);
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
