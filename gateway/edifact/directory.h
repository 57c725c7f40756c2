/*
 * directory.h - UN/EDIFACT directories as data: segments, data elements, code
 * lists and message structures, read from mappings/edifact/ at run time.
 *
 * A directory (D96B, D01B, D21A, or the service directories Service_V3 and
 * Service_V4) is loaded on first use and is read-only afterwards; message
 * structures are loaded the first time a message of that type is seen.
 */
#ifndef KHAALGA_EDIFACT_DIRECTORY_H
#define KHAALGA_EDIFACT_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum kh_dir_type {
    KH_TYPE_ALPHANUMERIC = 0,   /* an */
    KH_TYPE_ALPHABETIC,         /* a */
    KH_TYPE_NUMERIC             /* n */
} kh_dir_type;

/* A code list as an open-addressing hash table: one probe, one compare. */
typedef struct kh_dir_codes {
    uint32_t     count;
    const char **code;
    uint32_t     mask;          /* slots - 1; slots is a power of two */
    uint32_t    *slot;          /* index + 1 into code, 0 when empty */
} kh_dir_codes;

/* A simple data element, stand-alone or as a component of a composite. */
typedef struct kh_dir_data_element {
    char        id[5];
    const char *name;
    kh_dir_type type;
    uint16_t    min_length, max_length;
    bool        required;
    const kh_dir_codes *codes;  /* set when its code list is checked */
} kh_dir_data_element;

/* One position in a segment: a simple data element or a composite. */
typedef struct kh_dir_element {
    bool        composite;
    char        id[5];
    const char *name;
    bool        required;
    kh_dir_data_element  simple;        /* when !composite */
    uint16_t             components;    /* when composite */
    kh_dir_data_element *component;
} kh_dir_element;

typedef struct kh_dir_segment {
    char            tag[4];
    const char     *name;
    uint16_t        elements;
    kh_dir_element *element;
} kh_dir_segment;

/* A node of a message structure: a segment or a segment group. */
typedef struct kh_dir_node {
    bool        group;
    char        id[8];          /* tag, or "SG12" */
    char        trigger[4];     /* the segment tag that starts it (its own tag for a segment) */
    uint32_t    max_repeat;
    bool        required;
    const kh_dir_segment *segment;      /* for a segment; NULL if the directory lacks it */
    uint16_t            children;       /* for a group */
    struct kh_dir_node *child;
} kh_dir_node;

typedef struct kh_dir_message {
    char        type[7];
    char        version[4], release[4], agency[4];   /* from the message's defaults */
    kh_dir_node root;           /* a group holding the whole message, UNH to UNT */
} kh_dir_message;

typedef struct kh_directory kh_directory;
typedef struct kh_dir_set kh_dir_set;

/* A set of directories under root, the folder holding D96B/, Service_V4/…
 * Returns NULL with errno set when root cannot be read. */
kh_dir_set *kh_dir_set_open(const char *root);
void kh_dir_set_free(kh_dir_set *set);
const char *kh_dir_set_root(const kh_dir_set *set);

/* The folder the engine reads directories from: the given one, else
 * $KHAALGA_DATADIR/mappings/edifact, else the installed one. */
const char *kh_dir_default_root(const char *given, char *buf, size_t buflen);

/* A directory by name ("D96B", "Service_V4"); NULL when there is none or it
 * cannot be read (why: in the set's last error). */
kh_directory *kh_dir_get(kh_dir_set *set, const char *name);
/* The service directory for a syntax version (1-3: Service_V3, 4: Service_V4). */
kh_directory *kh_dir_service(kh_dir_set *set, int version);
const char *kh_dir_set_error(const kh_dir_set *set);

const char *kh_dir_name(const kh_directory *dir);
const kh_dir_segment *kh_dir_find_segment(const kh_directory *dir, const char *tag);
/* A message structure by type ("CUSDEC"); NULL when the directory has none. */
const kh_dir_message *kh_dir_find_message(kh_directory *dir, const char *type);

/* Loading is guarded by a lock, so one set can serve several threads. */

/* Whether code is in the list (codes may be NULL: no list, anything goes). */
bool kh_dir_code_known(const kh_dir_codes *codes, const char *code, size_t len);

#endif
