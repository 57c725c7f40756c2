/*
 * validate.h - validates a WCO DM document against its family's schema and
 * business rules, and reports each finding as a WCO Response error:
 * ValidationCode, Description, and a Pointer whose DocumentSectionCode is
 * the WCO class ID and TagID the WCO element ID of the element at fault.
 */
#ifndef KHAALGA_WCO_VALIDATE_H
#define KHAALGA_WCO_VALIDATE_H

#include <stdio.h>

#include "wco/profile.h"

typedef struct kh_finding {
    char            code[32];          /* ValidationCode: a rule id, or XSD<libxml2 code> */
    char            severity[8];       /* error, warning */
    char            message_en[400];
    char            message_mn[400];   /* rules only; "" for schema errors */
    char            path[400];         /* where, as an XPath with positions */
    long            line;
    kh_wco_identity where;             /* WCO class and element IDs */
    xmlNodePtr      node;              /* the element at fault (while the document lives) */
} kh_finding;

typedef struct kh_validation {
    const kh_family *family;           /* NULL when the document is of no family */
    char             message_ref[64];  /* the message's ID, when it has one */
    kh_finding      *findings;
    size_t           count, cap;
    size_t           errors, warnings;
} kh_validation;

/* A validator to keep and reuse (one per thread): it keeps a schema
 * validation context per family of the profile. */
typedef struct kh_validator kh_validator;
kh_validator *kh_validator_new(const kh_profile *p);
void kh_validator_free(kh_validator *validator);

/* Validates doc. Returns 0 when valid (warnings allowed), 1 when invalid,
 * 4 on an internal error (err says which). */
int kh_validator_run(kh_validator *validator, xmlDocPtr doc, kh_validation *v, char *err, size_t errlen);

/* The same with a validator made for one document. */
int kh_validate(const kh_profile *p, xmlDocPtr doc, kh_validation *v, char *err, size_t errlen);
void kh_validation_free(kh_validation *v);

/* One JSON object: {"file", "family", "valid", "errors": [...]} on one line. */
void kh_validation_print_json(FILE *out, const char *file, const kh_validation *v);

/* One line per finding: FILE:LINE: PATH [class/tag]: CODE: message. */
void kh_validation_print_text(FILE *out, const char *file, const kh_validation *v);

#endif
