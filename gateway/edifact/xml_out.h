/*
 * xml_out.h - writes the EDIFACT-XML form (docs/edifact-xml.md) of an
 * interchange as the walk goes: segments inside their segment groups, data
 * elements, repetitions and components by position, with directory ids and
 * names. Streaming: memory does not depend on the input size.
 */
#ifndef KHAALGA_EDIFACT_XML_OUT_H
#define KHAALGA_EDIFACT_XML_OUT_H

#include "edifact/interchange.h"

typedef struct kh_edi_xml_out kh_edi_xml_out;

/* names: write the directory's names as name attributes. */
kh_edi_xml_out *kh_edi_xml_out_new(FILE *out, bool names);
const kh_edi_handler *kh_edi_xml_out_handler(kh_edi_xml_out *x);
/* Closes the document; returns 0, or -1 when writing failed. */
int kh_edi_xml_out_finish(kh_edi_xml_out *x);
void kh_edi_xml_out_free(kh_edi_xml_out *x);

#endif
