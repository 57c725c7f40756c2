/*
 * inspect.h - the checks made on a signed document before any cryptography:
 * one Signature, a child of the document element; unique IDs; one Reference
 * to the document element; allow-listed canonicalization, transforms,
 * signature and digest algorithms; KeyInfo with certificates only.
 */
#ifndef KHAALGA_DSIG_INSPECT_H
#define KHAALGA_DSIG_INSPECT_H

#include <libxml/tree.h>

#include "dsig/dsig.h"

typedef struct kh_signature_parts {
    xmlNodePtr signature;        /* the ds:Signature */
    xmlNodePtr key_info;         /* its ds:KeyInfo */
    xmlNodePtr signed_element;   /* what the one Reference resolves to */
    xmlAttrPtr id_attribute;     /* for a "#id" reference: the attribute to register as an ID */
} kh_signature_parts;

/* Returns KH_DSIG_OK with parts filled, or the reason (detail and the
 * algorithm fields of verdict filled). */
kh_dsig_reason kh_signature_inspect(xmlDocPtr doc, kh_signature_parts *parts, kh_dsig_verdict *verdict);

#endif
