/*
 * profile.h - a national profile of the WCO Data Model: a folder with a
 * manifest (profile.xml), the schemas of each message family, their business
 * rules and their mapping sheets. Everything is read and compiled once when
 * the profile is opened, and read-only afterwards.
 */
#ifndef KHAALGA_WCO_PROFILE_H
#define KHAALGA_WCO_PROFILE_H

#include <stddef.h>

#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "wco/rules.h"
#include "wco/schema_index.h"
#include "wco/sheets.h"

typedef struct kh_family {
    char          code[8];      /* DEC, RES, LPCO, PAY, TRN */
    char         *ns;           /* the family's namespace */
    char         *root;         /* its message element, e.g. Declaration */
    xmlSchemaPtr  schema;
    kh_rules     *rules;        /* NULL when the family has none */
} kh_family;

typedef struct kh_profile {
    char            *dir;
    char            *name, *wco_version, *customization, *version;
    kh_family       *families;
    size_t           family_count;
    kh_schema_index *index;     /* WCO IDs of every element of every schema */
    kh_sheets        sheets;    /* mapping sheets, compiled */
} kh_profile;

/* The profile folder: the given one, else $KHAALGA_DATADIR/xsd/mn, else the
 * installed one. */
const char *kh_profile_default_dir(const char *given, char *buf, size_t buflen);

/* Opens and compiles a profile; NULL with err naming the file (and line)
 * when something in it is wrong. */
kh_profile *kh_profile_open(const char *dir, char *err, size_t errlen);
void kh_profile_free(kh_profile *p);

/* The family of a document (a MetaData envelope or a bare message), by the
 * namespace of its message; NULL when the profile has none for it. The
 * message element is returned in *message. */
const kh_family *kh_profile_family_of(const kh_profile *p, xmlDocPtr doc, xmlNodePtr *message);

/* A family by its code ("DEC"); NULL when the profile has none. */
const kh_family *kh_profile_family(const kh_profile *p, const char *code);

#endif
