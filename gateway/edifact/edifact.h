/*
 * edifact.h - the public face of Khaalga's EDIFACT engine.
 *
 * The engine reads UN/EDIFACT interchanges (ISO 9735 syntax versions 1 to 4)
 * as a stream of segments in constant memory, checks envelopes, character
 * repertoires and the directory structure of each message, and reports every
 * error with its ISO 9735 syntax error code (data element 0085) and place.
 * The CLI, the daemon, the tests and the fuzzers all link this one API.
 */
#ifndef KHAALGA_EDIFACT_H
#define KHAALGA_EDIFACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* ---------------------------------------------------------------- limits */

typedef struct kh_edi_limits {
    size_t   max_segment_length;    /* bytes of one segment, escapes included */
    size_t   max_elements;          /* data elements in one segment */
    size_t   max_components;        /* components in one data element */
    size_t   max_repetitions;       /* repetitions of one data element */
    uint64_t max_interchange_size;  /* bytes of one interchange */
    size_t   max_errors;            /* errors reported per input before giving up */
} kh_edi_limits;

/* Defaults safe for a server: 64 KiB segments, 512 elements, 512 components,
 * 999 repetitions, 1 GiB interchanges, 100 errors. */
void kh_edi_limits_default(kh_edi_limits *limits);

/* ------------------------------------------------------------ separators */

typedef struct kh_edi_separators {
    unsigned char component;   /* UNA1, default ':' */
    unsigned char element;     /* UNA2, default '+' */
    unsigned char decimal;     /* UNA3, default '.' */
    unsigned char release;     /* UNA4, default '?'; 0 when none (UNOB) */
    unsigned char repetition;  /* UNA5, default '*' in version 4; 0 when none */
    unsigned char terminator;  /* UNA6, default '\'' */
} kh_edi_separators;

/* The separators an interchange uses when it has no UNA: the UNOB defaults
 * (IS1, IS3, IS4, IS2, no release) or the usual ones. */
void kh_edi_separators_default(kh_edi_separators *seps, bool unob, int version);

/* ------------------------------------------------------------ charsets */

typedef enum kh_edi_charset {
    KH_CHARSET_UNKNOWN = 0,
    KH_CHARSET_UNOA,   /* ISO 646 upper case subset */
    KH_CHARSET_UNOB,   /* ISO 646 with lower case */
    KH_CHARSET_UNOC,   /* ISO 8859-1 */
    KH_CHARSET_UNOD,   /* ISO 8859-2 */
    KH_CHARSET_UNOE,   /* ISO 8859-5, Cyrillic */
    KH_CHARSET_UNOF,   /* ISO 8859-7, Greek */
    KH_CHARSET_UNOW,   /* ISO 10646, UTF-8 */
    KH_CHARSET_UNOY    /* ISO 10646 without code extension; carried as UTF-8 */
} kh_edi_charset;

/* "UNOC" -> KH_CHARSET_UNOC; KH_CHARSET_UNKNOWN for anything else. */
kh_edi_charset kh_charset_from_name(const char *name, size_t len);
const char    *kh_charset_name(kh_edi_charset cs);

/* Checks that value (in the interchange's bytes) is within the repertoire.
 * Returns 0, or the 1-based index of the first offending byte. */
size_t kh_charset_check(kh_edi_charset cs, const unsigned char *value, size_t len);

/* Number of characters in value (code points for UTF-8, bytes otherwise). */
size_t kh_charset_length(kh_edi_charset cs, const unsigned char *value, size_t len);

/* Converts value to UTF-8 into out (capacity cap; 3 * len + 1 always
 * suffices). Bytes outside the repertoire become U+FFFD. Returns the
 * number of bytes written, not counting the terminating NUL. */
size_t kh_charset_to_utf8(kh_edi_charset cs, const unsigned char *value, size_t len,
                          char *out, size_t cap);

/* Converts UTF-8 text to the charset into out (capacity cap; len + 1
 * suffices), NUL-terminated. Returns the number of bytes written, or
 * (size_t)-1 when a character has no representation in the charset, the
 * text is not well-formed UTF-8, or out is too small. KH_CHARSET_UNKNOWN
 * stands for printable ASCII. */
size_t kh_charset_from_utf8(kh_edi_charset cs, const char *utf8, size_t len,
                            unsigned char *out, size_t cap);

/* ------------------------------------------------------------ segments */

typedef struct kh_edi_span { uint32_t off, len; } kh_edi_span;   /* into data */
typedef struct kh_edi_rep  { uint32_t first_component, components; } kh_edi_rep;
typedef struct kh_edi_elem { uint32_t first_rep, reps; } kh_edi_elem;

/* One segment as read: values are unescaped but still in the interchange's
 * charset. elem[0] is the tag; the data elements after it are elem[1] to
 * elem[elements]; read them with kh_edi_value(). Valid until the next call
 * to kh_edi_reader_next(). */
typedef struct kh_edi_segment {
    char         tag[4];       /* NUL-terminated, at most 3 characters */
    uint64_t     offset;       /* byte offset of the tag in the input */
    uint32_t     elements;     /* data elements after the tag */
    kh_edi_elem *elem;         /* [elements] */
    kh_edi_rep  *rep;
    kh_edi_span *comp;
    unsigned char *data;       /* unescaped value bytes */
    uint32_t     length;       /* raw length of the segment, escapes included */
    bool         trailing_separator; /* a separator right before the terminator */
} kh_edi_segment;

/* Value of data element e (1-based), repetition r (1-based), component c
 * (1-based); NULL with *len = 0 when absent. Inline: validation calls these
 * for every value of every segment. */
static inline const unsigned char *kh_edi_value(const kh_edi_segment *seg, uint32_t e,
                                                uint32_t r, uint32_t c, size_t *len)
{
    *len = 0;
    if (e > seg->elements || r == 0 || c == 0 || r > seg->elem[e].reps)
        return NULL;
    const kh_edi_rep *rp = &seg->rep[seg->elem[e].first_rep + r - 1];
    if (c > rp->components)
        return NULL;
    const kh_edi_span *sp = &seg->comp[rp->first_component + c - 1];
    *len = sp->len;
    return seg->data + sp->off;
}

static inline uint32_t kh_edi_repetitions(const kh_edi_segment *seg, uint32_t e)
{
    return e > seg->elements ? 0 : seg->elem[e].reps;
}

static inline uint32_t kh_edi_components(const kh_edi_segment *seg, uint32_t e, uint32_t r)
{
    if (e > seg->elements || r == 0 || r > seg->elem[e].reps)
        return 0;
    return seg->rep[seg->elem[e].first_rep + r - 1].components;
}

/* ------------------------------------------------------------ errors */

/* Where an error sits. Zero means "not applicable". */
typedef struct kh_edi_place {
    uint32_t interchange;      /* 1-based interchange in the input */
    char     group_ref[15];    /* UNG 0048 of the enclosing group, if any */
    char     message_ref[15];  /* UNH 0062 of the enclosing message, if any */
    uint32_t message;          /* 1-based message in the interchange */
    uint32_t segment;          /* position in the message, UNH = 1 */
    char     tag[4];           /* tag of that segment */
    uint32_t element;          /* data element position (tag excluded), 1-based */
    uint32_t component;        /* component position, 1-based */
    uint32_t repetition;       /* repetition, 1-based */
    uint64_t offset;           /* byte offset in the input */
} kh_edi_place;

/* The level a CONTRL reports the error at. */
typedef enum kh_edi_level {
    KH_LEVEL_INTERCHANGE = 1,  /* UCI */
    KH_LEVEL_GROUP,            /* UCF */
    KH_LEVEL_MESSAGE,          /* UCM */
    KH_LEVEL_SEGMENT,          /* UCS */
    KH_LEVEL_ELEMENT           /* UCS + UCD */
} kh_edi_level;

typedef struct kh_edi_error {
    int          code;         /* ISO 9735 0085 syntax error code */
    kh_edi_level level;
    kh_edi_place place;
    char         text[200];    /* one human sentence, no newline */
} kh_edi_error;

/* Short description of a 0085 code, e.g. 21 -> "Invalid character(s)". */
const char *kh_edi_error_name(int code);

/* One line: "FILE: offset N: message REF segment 4 (NAD) element 2 component 1: code 21 (Invalid character(s)): text". */
void kh_edi_error_print(FILE *out, const char *file, const kh_edi_error *err);
/* One JSON object on one line. */
void kh_edi_error_print_json(FILE *out, const char *file, const kh_edi_error *err);

#endif
