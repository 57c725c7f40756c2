/*
 * fuzz_edifact.c - libFuzzer target over the EDIFACT engine: the input is
 * tokenized and walked with full directory validation, CONTRL building and
 * EDIFACT-XML output, all into /dev/null. Any crash, leak or hang is a bug.
 *
 * The directory data comes from $KHAALGA_DATADIR/mappings/edifact.
 */
#include <stdio.h>
#include <stdlib.h>

#include "edifact/contrl.h"
#include "edifact/interchange.h"
#include "edifact/xml_out.h"

static kh_dir_set *directories;
static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char buf[4096];
    directories = kh_dir_set_open(kh_dir_default_root(NULL, buf, sizeof buf));
    if (!directories) {
        fprintf(stderr, "fuzz_edifact: set KHAALGA_DATADIR to the source tree\n");
        abort();
    }
    sink = fopen("/dev/null", "w");
    return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    kh_edi_limits limits;
    kh_edi_limits_default(&limits);
    limits.max_segment_length = 4096;
    limits.max_errors = 50;
    if (size % 2) {
        /* tight limits for every other input: the paths that skip what is past them */
        limits.max_segment_length = 64;
        limits.max_elements = 6;
        limits.max_components = 4;
        limits.max_repetitions = 3;
        limits.max_interchange_size = 2048;
    }

    kh_edi_reader *reader = kh_edi_reader_for_memory(data, size, &limits);
    kh_edi_xml_out *xml = kh_edi_xml_out_new(sink, true);
    kh_edi_contrl *contrl = kh_edi_contrl_new(sink, "202611231200");
    const kh_edi_handler *handlers[] = { kh_edi_xml_out_handler(xml), kh_edi_contrl_handler(contrl) };
    kh_edi_walk_options options = { .limits = limits, .directories = directories, .registry = NULL };
    kh_edi_walk_result result;
    kh_edi_walk(reader, &options, handlers, 2, &result);
    kh_edi_xml_out_finish(xml);
    kh_edi_xml_out_free(xml);
    kh_edi_contrl_free(contrl);
    kh_edi_reader_free(reader);
    return 0;
}
