/*
 * schema_index.h - the WCO DM identity of every element of a profile's
 * schemas (wco:ID, wco:Class, wco:TDED annotations), so that an error at a
 * node can be reported as a WCO Response Pointer: DocumentSectionCode = the
 * class ID, TagID = the element ID.
 */
#ifndef KHAALGA_WCO_SCHEMA_INDEX_H
#define KHAALGA_WCO_SCHEMA_INDEX_H

#include <libxml/tree.h>

typedef struct kh_schema_index kh_schema_index;

typedef struct kh_wco_identity {
    char id[16];        /* WCO DM element ID, "" when not annotated */
    char class_id[16];  /* the class the element belongs to (nearest class ancestor-or-self) */
    char tded[8];       /* UN/TDED number, "" when none */
} kh_wco_identity;

kh_schema_index *kh_schema_index_new(void);
void kh_schema_index_free(kh_schema_index *idx);

/* Adds the declarations of one schema document (its imports are added by
 * the caller, file by file). Returns 0, or -1 with err set. */
int kh_schema_index_add(kh_schema_index *idx, const char *path, char *err, size_t errlen);

/* The identity of an element node of an instance document. */
void kh_schema_index_lookup(const kh_schema_index *idx, xmlNodePtr node, kh_wco_identity *out);

/* The identity of a child named name (in the parent's namespace) that the
 * parent lacks: for "missing element" errors. */
void kh_schema_index_lookup_child(const kh_schema_index *idx, xmlNodePtr parent, const char *name,
                                  kh_wco_identity *out);

#endif
