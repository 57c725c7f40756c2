/*
 * translate.h - recognizes an inbound message (EDIFACT, EDIFACT-XML, ISO
 * 20022 camt.054, an agency's permit XML, or WCO DM) and applies the
 * profile's mapping sheet to the normalized WCO DM form, or from WCO DM back
 * to the partner's EDIFACT.
 */
#ifndef KHAALGA_WCO_TRANSLATE_H
#define KHAALGA_WCO_TRANSLATE_H

#include <stdio.h>

#include "edifact/directory.h"
#include "edifact/interchange.h"
#include "wco/profile.h"
#include "wco/provenance.h"

typedef enum kh_source_kind {
    KH_SOURCE_UNKNOWN = 0,
    KH_SOURCE_EDIFACT,
    KH_SOURCE_EDIFACT_XML,
    KH_SOURCE_WCO,
    KH_SOURCE_CAMT054,
    KH_SOURCE_PERMIT
} kh_source_kind;

/* What the input is, from its first bytes and, for XML, the namespace of its
 * root element. */
kh_source_kind kh_recognize(const char *data, size_t size);
const char *kh_source_name(kh_source_kind kind);

typedef struct kh_translation {
    kh_source_kind kind;
    char           from[24];     /* CUSDEC, camt.054, DEC … */
    char           directory[8]; /* for EDIFACT */
    char           to[24];       /* DEC … or CUSDEC … */
    uint32_t       messages;     /* messages in an EDIFACT input */
    xmlDocPtr      source;       /* with keep_documents: the input as XML (EDIFACT: its EDIFACT-XML) */
    xmlDocPtr      result;       /* with keep_documents: the WCO DM document */
    kh_provenance *provenance;   /* with keep_documents: where the result's elements came from */
    char           charset[8];   /* EDIFACT inputs: the interchange's syntax (UNOC …), */
    char           version[4];   /* its syntax version */
    char           una[8];       /* and its UNA characters, when it had a printable UNA */
    char           sender[40];   /* UNB sender and recipient identifications */
    char           recipient[40];
    char           reference[16];/* UNB interchange control reference */
} kh_translation;

/* Whether the translation's input is EDIFACT (or its EDIFACT-XML form). */
bool kh_translation_from_edifact(const kh_translation *t);

/* Where an element of t->result came from in the input: recorded by the
 * sheet, else (EDIFACT inputs) found by value. false when not known. */
bool kh_translation_origin(const kh_translation *t, uint32_t message, xmlNodePtr node, kh_origin *origin);

/* Frees the documents a translation kept. */
void kh_translation_free(kh_translation *t);

typedef struct kh_translate_options {
    const kh_profile     *profile;
    kh_dir_set           *directories;
    const kh_edi_limits  *limits;
    uint32_t              message;       /* which message of an interchange, 1-based */
    bool                  to_edifact;    /* WCO DM back to EDIFACT */
    const kh_edi_handler *edifact_errors; /* told the EDIFACT errors of the input */
    bool                  keep_documents; /* keep source and result in the translation, and
                                           * record where the result's elements came from */
    /* for to_edifact: the interchange's sender, recipient and control
     * reference (the sheets' parameters of those names); NULL: the sheet's */
    const char           *sender, *recipient, *reference;
} kh_translate_options;

/* Translates data. Writes the result to out (WCO DM XML, or EDIFACT).
 * Returns 0 done, 1 the input was rejected (err says why and where), 2 the
 * profile has no sheet for it, 4 internal error. */
int kh_translate(const kh_translate_options *opt, const char *data, size_t size, const char *name,
                 FILE *out, kh_translation *t, char *err, size_t errlen);

#endif
