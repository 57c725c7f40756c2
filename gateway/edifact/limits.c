/*
 * limits.c - the default bounds of the EDIFACT engine, chosen safe for a server.
 */
#include "edifact/edifact.h"

void kh_edi_limits_default(kh_edi_limits *limits)
{
    limits->max_segment_length = 64 * 1024;
    limits->max_elements = 512;
    limits->max_components = 512;
    limits->max_repetitions = 999;
    limits->max_interchange_size = UINT64_C(1) << 30;
    limits->max_errors = 100;
}
