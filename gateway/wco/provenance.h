/*
 * provenance.h - where a value of a translated document came from in the
 * EDIFACT input: message, segment position (UNH = 1), tag, element,
 * component and repetition, so that an error found after translation can be
 * named in the sender's own terms (CONTRL, CUSRES).
 *
 * Found by value: the node's text is looked for among the values of its
 * message in the EDIFACT-XML form. A value that the sheet changed (a date it
 * reformatted, a code it looked up) is not found; a value that occurs in
 * several places is reported as ambiguous rather than guessed.
 */
#ifndef KHAALGA_WCO_PROVENANCE_H
#define KHAALGA_WCO_PROVENANCE_H

#include <stdint.h>

#include <libxml/tree.h>

typedef struct kh_origin {
    uint32_t message;       /* 1-based in the interchange */
    uint32_t segment;       /* position in the message, UNH = 1 */
    char     tag[8];
    uint32_t element, component, repetition;
    int      candidates;    /* how many places hold the value: 1 means found */
} kh_origin;

/* Looks for the text of node among the values of message n of the
 * EDIFACT-XML document; returns the number of places found (origin is
 * filled when there is exactly one). */
int kh_origin_of(xmlDocPtr edifact_xml, uint32_t message, xmlNodePtr node, kh_origin *origin);

#endif
