/*
 * provenance.h - where a value of a translated document came from in the
 * partner's input, so that an error found after translation is named in the
 * sender's own terms: the EDIFACT message, segment position (UNH = 1), tag,
 * element, component and repetition (for CONTRL and CUSRES), or the XPath of
 * the node in the input XML (camt.054, agency permit).
 *
 * Recorded during translation: the mapping sheets mark each output element
 * with the input node its value is taken from (mappings/wco/provenance.xsl,
 * through the extension function kp:origin that kh_provenance_register
 * installs); kh_provenance_collect then reads those marks into a table and
 * removes them, so the document is exactly what it is without recording.
 *
 * Found by value, as a fallback for elements no sheet marked: the node's
 * text is looked for among the values of its message in the EDIFACT-XML
 * form. A value that the sheet changed (a date it reformatted, a code it
 * looked up) is not found; a value that occurs in several places is reported
 * as ambiguous rather than guessed.
 */
#ifndef KHAALGA_WCO_PROVENANCE_H
#define KHAALGA_WCO_PROVENANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>
#include <libxslt/xsltInternals.h>

#define KH_PROVENANCE_NS "urn:khaalga:provenance:1"

typedef enum kh_origin_kind {
    KH_ORIGIN_NONE = 0,
    KH_ORIGIN_EDIFACT,       /* a place in an EDIFACT message */
    KH_ORIGIN_XML            /* a node of the input XML */
} kh_origin_kind;

typedef struct kh_origin {
    kh_origin_kind kind;
    bool     exact;          /* recorded by the sheet, not found by value */
    uint32_t message;        /* 1-based in the interchange */
    uint32_t segment;        /* position in the message, UNH = 1; 0: the message itself */
    char     tag[8];
    uint32_t element, component, repetition;   /* 0: not that deep; repetition 1 = the first */
    char     path[512];      /* KH_ORIGIN_XML: the XPath of the node in the input */
    int      candidates;     /* found by value: how many places hold it (1 = found) */
} kh_origin;

/* The recorder of one translation: the input it reads and, after the
 * transform, which output element came from which input node. */
typedef struct kh_provenance kh_provenance;

/* A recorder for a transform of source; edifact_xml says that source is
 * the EDIFACT-XML form (places are then EDIFACT positions, else XPaths). */
kh_provenance *kh_provenance_new(xmlDocPtr source, bool edifact_xml);
void kh_provenance_free(kh_provenance *p);

/* Installs kp:origin in a transform context about to run on the source. */
int kh_provenance_register(kh_provenance *p, xsltTransformContextPtr ctxt);

/* Reads the kp:from marks of result into the recorder and removes them
 * (attributes and their namespace declarations). Returns the number of
 * marked elements, or -1 when memory runs out. */
long kh_provenance_collect(kh_provenance *p, xmlDocPtr result);

/* Where the output element node came from, when a sheet marked it. */
bool kh_provenance_origin(const kh_provenance *p, xmlNodePtr node, kh_origin *origin);

/* The place of an input node itself (an EDIFACT-XML node as an EDIFACT
 * position, any other as an XPath). */
void kh_origin_of_source(xmlNodePtr source, bool edifact_xml, kh_origin *origin);

/* Looks for the text of node among the values of message n of the
 * EDIFACT-XML document; returns the number of places found (origin is
 * filled when there is exactly one). */
int kh_origin_of(xmlDocPtr edifact_xml, uint32_t message, xmlNodePtr node, kh_origin *origin);

/* The place in words: "message 1 segment 19 MOA element 1 component 2", or
 * the XPath; "" for none. */
void kh_origin_describe(const kh_origin *origin, char *buf, size_t len);

#endif
