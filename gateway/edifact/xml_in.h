/*
 * xml_in.h - reads EDIFACT-XML (docs/edifact-xml.md) and writes the EDIFACT
 * interchanges it describes: the engine side of `khaalga xml2edi`.
 */
#ifndef KHAALGA_EDIFACT_XML_IN_H
#define KHAALGA_EDIFACT_XML_IN_H

#include <stddef.h>
#include <stdio.h>

/* What kh_edi_xml_to_edifact() returns. */
#define KH_XML_IN_DONE      0   /* every interchange written */
#define KH_XML_IN_REJECTED  1   /* the input is not valid EDIFACT-XML */
#define KH_XML_IN_INTERNAL  4   /* cannot read or write, out of memory */

/* Reads the EDIFACT-XML document at path ("-" for standard input) as a
 * stream, in constant memory, and writes its interchanges to out. When the
 * input is rejected, err (errlen bytes) says where and why, e.g.
 *   line 12: /edifact/interchange[1]/message[2]/NAD[3]/C082/D3039: ...
 * Whatever was written to out before the error stays written: write to a
 * temporary file and keep it only on KH_XML_IN_DONE. */
int kh_edi_xml_to_edifact(const char *path, FILE *out, char *err, size_t errlen);

/* The same from a document in memory; name is used in messages. */
int kh_edi_xml_to_edifact_memory(const char *data, size_t size, const char *name, FILE *out,
                                 char *err, size_t errlen);

#endif
