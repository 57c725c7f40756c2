/*
 * writer.c - the EDIFACT writer: builds one segment at a time from values
 * given by position, converts them from UTF-8 to the interchange charset,
 * escapes separators with the release character, fills in the control
 * counts of UNT, UNE and UNZ, and writes the segment out. Also home of
 * kh_edi_separators_default().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"

/* ------------------------------------------------------------ separators */

void kh_edi_separators_default(kh_edi_separators *seps, bool unob, int version)
{
    if (unob) {
        /* ISO 9735: IS1, IS3, IS4 and (version 4) IS2; no release. */
        seps->component = 0x1F;
        seps->element = 0x1D;
        seps->decimal = '.';
        seps->release = 0;
        seps->repetition = version >= 4 ? 0x1E : 0;
        seps->terminator = 0x1C;
    } else {
        seps->component = ':';
        seps->element = '+';
        seps->decimal = '.';
        seps->release = '?';
        seps->repetition = version >= 4 ? '*' : 0;
        seps->terminator = '\'';
    }
}

/* ------------------------------------------------------------ byte buffers */

typedef struct byte_buffer {
    unsigned char *data;
    size_t len, cap;
} byte_buffer;

static int buffer_reserve(byte_buffer *b, size_t more)
{
    size_t want, cap;
    unsigned char *data;

    if (more > SIZE_MAX - b->len)
        return -1;
    want = b->len + more;
    if (want <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < want)
        cap = cap > SIZE_MAX / 2 ? want : cap * 2;
    data = realloc(b->data, cap);
    if (data == NULL)
        return -1;
    b->data = data;
    b->cap = cap;
    return 0;
}

static int buffer_append(byte_buffer *b, const void *bytes, size_t len)
{
    if (buffer_reserve(b, len) < 0)
        return -1;
    if (len > 0)
        memcpy(b->data + b->len, bytes, len);
    b->len += len;
    return 0;
}

static int buffer_append_repeated(byte_buffer *b, unsigned char c, size_t times)
{
    if (buffer_reserve(b, times) < 0)
        return -1;
    memset(b->data + b->len, c, times);
    b->len += times;
    return 0;
}

/* ------------------------------------------------------------ the writer */

/* The segments whose counts the writer keeps. */
typedef enum segment_kind {
    SEGMENT_OTHER,
    SEGMENT_UNG,
    SEGMENT_UNE,
    SEGMENT_UNH,
    SEGMENT_UNT,
    SEGMENT_UNZ
} segment_kind;

/* A value of the segment being built: where it goes, and where its bytes
 * (converted and escaped) sit in the writer's value buffer. */
typedef struct position {
    uint32_t element, repetition, component;
    size_t offset, length;
} position;

struct kh_edi_writer {
    FILE *out;

    bool interchange_begun;
    kh_edi_separators seps;
    kh_edi_charset charset;
    int version;

    /* The segment being built. */
    bool segment_open;
    segment_kind kind;
    byte_buffer tag;            /* converted and escaped */
    position *positions;
    size_t position_count, position_cap;
    byte_buffer values;         /* converted and escaped, back to back */
    byte_buffer converted;      /* scratch for one conversion */
    byte_buffer line;           /* the segment as written */

    /* Control counts. */
    bool in_message;
    uint64_t message_segments;  /* UNH to the last segment written */
    bool in_group;
    uint64_t group_messages;    /* messages since UNG */
    uint64_t groups;            /* in the interchange */
    uint64_t messages;          /* in the interchange */

    char error[256];
};

static int reject(kh_edi_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int reject(kh_edi_writer *w, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(w->error, sizeof w->error, fmt, ap);
    va_end(ap);
    return KH_EDI_WRITER_REJECTED;
}

static int out_of_memory(kh_edi_writer *w)
{
    snprintf(w->error, sizeof w->error, "out of memory");
    return KH_EDI_WRITER_FAILED;
}

kh_edi_writer *kh_edi_writer_new(FILE *out)
{
    kh_edi_writer *w = calloc(1, sizeof *w);

    if (w == NULL)
        return NULL;
    w->out = out;
    return w;
}

void kh_edi_writer_free(kh_edi_writer *w)
{
    if (w == NULL)
        return;
    free(w->tag.data);
    free(w->positions);
    free(w->values.data);
    free(w->converted.data);
    free(w->line.data);
    free(w);
}

const char *kh_edi_writer_error(const kh_edi_writer *w)
{
    if (w == NULL)
        return "out of memory";
    return w->error;
}

static int write_bytes(kh_edi_writer *w, const void *bytes, size_t len)
{
    if (fwrite(bytes, 1, len, w->out) != len) {
        snprintf(w->error, sizeof w->error, "cannot write the interchange: %s",
                 strerror(errno));
        return KH_EDI_WRITER_FAILED;
    }
    return 0;
}

/* ------------------------------------------------------------ interchange */

static bool same_separators(const kh_edi_separators *a, const kh_edi_separators *b)
{
    return a->component == b->component && a->element == b->element &&
           a->decimal == b->decimal && a->release == b->release &&
           a->repetition == b->repetition && a->terminator == b->terminator;
}

/* A UNA position holds a space for "not used". */
static unsigned char una_character(unsigned char c)
{
    return c ? c : ' ';
}

static int check_separators(kh_edi_writer *w, const kh_edi_separators *seps)
{
    const unsigned char used[5] = {
        seps->component, seps->element, seps->release, seps->repetition,
        seps->terminator
    };
    static const char *const names[5] = {
        "component separator", "data element separator", "release character",
        "repetition separator", "segment terminator"
    };

    if (seps->decimal == 0 || seps->decimal == ' ')
        return reject(w, "the decimal mark is missing");
    for (int i = 0; i < 5; i++) {
        bool optional = i == 2 || i == 3;   /* release, repetition */

        if (used[i] == 0 && optional)
            continue;
        if (used[i] == 0 || used[i] == ' ')
            return reject(w, "the %s is missing", names[i]);
        for (int j = 0; j < i; j++)
            if (used[j] == used[i])
                return reject(w, "the %s and the %s are the same character",
                              names[j], names[i]);
    }
    return 0;
}

int kh_edi_writer_begin_interchange(kh_edi_writer *w, const kh_edi_separators *seps,
                                    kh_edi_charset cs, int version, bool write_una)
{
    kh_edi_separators defaults;
    int rc;

    if (w->segment_open)
        return reject(w, "a segment is still open");
    if (cs < KH_CHARSET_UNOA || cs > KH_CHARSET_UNOY)
        return reject(w, "the charset is not one of UNOA to UNOY");
    if (version < 1 || version > 4)
        return reject(w, "syntax version %d is not 1 to 4", version);
    if ((rc = check_separators(w, seps)) != 0)
        return rc;

    w->interchange_begun = true;
    w->seps = *seps;
    w->charset = cs;
    w->version = version;
    w->in_message = false;
    w->message_segments = 0;
    w->in_group = false;
    w->group_messages = 0;
    w->groups = 0;
    w->messages = 0;

    kh_edi_separators_default(&defaults, cs == KH_CHARSET_UNOB, version);
    if (write_una || !same_separators(seps, &defaults)) {
        const unsigned char una[9] = {
            'U', 'N', 'A',
            seps->component, seps->element, seps->decimal,
            una_character(seps->release), una_character(seps->repetition),
            seps->terminator
        };

        return write_bytes(w, una, sizeof una);
    }
    return 0;
}

/* ------------------------------------------------------------ values */

static bool is_separator(const kh_edi_separators *seps, unsigned char c)
{
    return c == seps->component || c == seps->element || c == seps->terminator ||
           (seps->release && c == seps->release) ||
           (seps->repetition && c == seps->repetition);
}

static size_t utf8_sequence_length(unsigned char lead)
{
    if (lead < 0xC0)
        return 1;
    if (lead < 0xE0)
        return 2;
    if (lead < 0xF0)
        return 3;
    return 4;
}

/* The code point of the UTF-8 character at s (n bytes), 0 when it is not
 * well-formed. Used only to explain a failed conversion. */
static uint32_t code_point_of(const unsigned char *s, size_t n)
{
    uint32_t cp;

    if (n != utf8_sequence_length(s[0]) || s[0] >= 0xF5)
        return 0;
    if (n == 1)
        return s[0] < 0x80 ? s[0] : 0;
    cp = s[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    return cp;
}

/* Says which character of utf8 the charset cannot take. */
static int reject_unconvertible(kh_edi_writer *w, const char *what,
                                const char *utf8, size_t len)
{
    const char *name = kh_charset_name(w->charset);
    size_t i = 0;

    while (i < len) {
        const unsigned char *s = (const unsigned char *)utf8 + i;
        size_t n = utf8_sequence_length(s[0]);
        unsigned char one[8];
        uint32_t cp;

        if (n > len - i)
            n = len - i;
        if (kh_charset_from_utf8(w->charset, (const char *)s, n, one, sizeof one)
                != (size_t)-1) {
            i += n;
            continue;
        }
        cp = code_point_of(s, n);
        if (cp == 0 && !(n == 1 && s[0] == 0))
            return reject(w, "the %s is not well-formed UTF-8 (byte %zu)", what, i + 1);
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
            return reject(w, "the %s holds the control character U+%04X, which no "
                          "EDIFACT charset allows", what, (unsigned)cp);
        return reject(w, "the %s holds the character U+%04X \"%.*s\", which %s "
                      "does not have", what, (unsigned)cp, (int)n, (const char *)s, name);
    }
    return reject(w, "the %s cannot be written in %s", what, name);
}

/* Converts utf8 to the interchange charset and appends it to `to`, with
 * every separator character released. */
static int append_value(kh_edi_writer *w, byte_buffer *to, const char *what,
                        const char *utf8, size_t len)
{
    size_t n;

    w->converted.len = 0;
    if (len == SIZE_MAX || buffer_reserve(&w->converted, len + 1) < 0)
        return out_of_memory(w);
    n = kh_charset_from_utf8(w->charset, utf8, len, w->converted.data, len + 1);
    if (n == (size_t)-1)
        return reject_unconvertible(w, what, utf8, len);

    /* At worst every byte is released. */
    if (n > SIZE_MAX / 2 || buffer_reserve(to, 2 * n) < 0)
        return out_of_memory(w);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = w->converted.data[i];

        if (is_separator(&w->seps, c)) {
            if (w->seps.release == 0)
                return reject(w, "the %s holds the separator character 0x%02X and "
                              "the interchange has no release character", what, c);
            to->data[to->len++] = w->seps.release;
        }
        to->data[to->len++] = c;
    }
    return 0;
}

/* ------------------------------------------------------------ segments */

static segment_kind kind_of(const char *tag)
{
    if (strcmp(tag, "UNG") == 0) return SEGMENT_UNG;
    if (strcmp(tag, "UNE") == 0) return SEGMENT_UNE;
    if (strcmp(tag, "UNH") == 0) return SEGMENT_UNH;
    if (strcmp(tag, "UNT") == 0) return SEGMENT_UNT;
    if (strcmp(tag, "UNZ") == 0) return SEGMENT_UNZ;
    return SEGMENT_OTHER;
}

int kh_edi_writer_begin_segment(kh_edi_writer *w, const char *tag)
{
    size_t len;
    int rc;

    if (!w->interchange_begun)
        return reject(w, "no interchange has begun");
    if (w->segment_open)
        return reject(w, "the previous segment is still open");
    len = tag ? strlen(tag) : 0;
    if (len == 0 || len > 3)
        return reject(w, "a segment tag has one to three characters");
    if (strcmp(tag, "UNA") == 0)
        return reject(w, "UNA is written by beginning the interchange");

    w->tag.len = 0;
    if ((rc = append_value(w, &w->tag, "segment tag", tag, len)) != 0)
        return rc;
    w->kind = kind_of(tag);
    w->position_count = 0;
    w->values.len = 0;
    w->segment_open = true;
    return 0;
}

static int add_position(kh_edi_writer *w, size_t index, uint32_t element,
                        uint32_t repetition, uint32_t component,
                        size_t offset, size_t length)
{
    if (w->position_count == w->position_cap) {
        size_t cap = w->position_cap ? 2 * w->position_cap : 32;
        position *p = realloc(w->positions, cap * sizeof *p);

        if (p == NULL)
            return out_of_memory(w);
        w->positions = p;
        w->position_cap = cap;
    }
    memmove(w->positions + index + 1, w->positions + index,
            (w->position_count - index) * sizeof *w->positions);
    w->positions[index] = (position){ element, repetition, component, offset, length };
    w->position_count++;
    return 0;
}

/* -1, 0 or 1 as position (e, r, c) comes before, at or after p. */
static int compare_position(uint32_t e, uint32_t r, uint32_t c, const position *p)
{
    if (e != p->element)
        return e < p->element ? -1 : 1;
    if (r != p->repetition)
        return r < p->repetition ? -1 : 1;
    if (c != p->component)
        return c < p->component ? -1 : 1;
    return 0;
}

int kh_edi_writer_value(kh_edi_writer *w, uint32_t element, uint32_t repetition,
                        uint32_t component, const char *utf8, size_t len)
{
    size_t offset;
    int rc;

    if (!w->segment_open)
        return reject(w, "no segment is open");
    if (element == 0 || repetition == 0 || component == 0)
        return reject(w, "positions start at 1");
    if (repetition > 1 && w->seps.repetition == 0)
        return reject(w, "element %u repeats but the interchange has no repetition "
                      "separator", (unsigned)element);
    if (w->position_count > 0) {
        const position *last = &w->positions[w->position_count - 1];

        if (compare_position(element, repetition, component, last) <= 0)
            return reject(w, "element %u repetition %u component %u comes after "
                          "element %u repetition %u component %u",
                          (unsigned)element, (unsigned)repetition, (unsigned)component,
                          (unsigned)last->element, (unsigned)last->repetition,
                          (unsigned)last->component);
    }
    if (utf8 == NULL && len > 0)
        return reject(w, "no value");

    offset = w->values.len;
    if ((rc = append_value(w, &w->values, "value", utf8 ? utf8 : "", len)) != 0) {
        w->values.len = offset;
        return rc;
    }
    return add_position(w, w->position_count, element, repetition, component,
                        offset, w->values.len - offset);
}

/* Sets data element 1 of the segment to count, replacing what it held. */
static int set_count(kh_edi_writer *w, uint64_t count)
{
    char digits[24];
    size_t offset = w->values.len;
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)count);
    int rc;

    if ((rc = append_value(w, &w->values, "count", digits, (size_t)n)) != 0)
        return rc;
    if (w->position_count > 0 && compare_position(1, 1, 1, &w->positions[0]) == 0) {
        w->positions[0].offset = offset;
        w->positions[0].length = w->values.len - offset;
        return 0;
    }
    /* (1, 1, 1) comes before every other position. */
    return add_position(w, 0, 1, 1, 1, offset, w->values.len - offset);
}

static int fill_in_count(kh_edi_writer *w)
{
    switch (w->kind) {
    case SEGMENT_UNT:
        /* Segments from UNH to UNT inclusive. */
        return set_count(w, w->in_message ? w->message_segments + 1 : 1);
    case SEGMENT_UNE:
        return set_count(w, w->group_messages);
    case SEGMENT_UNZ:
        return set_count(w, w->groups > 0 ? w->groups : w->messages);
    default:
        return 0;
    }
}

/* Lays the segment out: the tag, then each value after as many separators as
 * take it from the previous position to its own. */
static int assemble_line(kh_edi_writer *w)
{
    const kh_edi_separators *seps = &w->seps;
    byte_buffer *line = &w->line;
    uint32_t element = 0, repetition = 1, component = 1;

    line->len = 0;
    if (buffer_append(line, w->tag.data, w->tag.len) < 0)
        return out_of_memory(w);

    for (size_t i = 0; i < w->position_count; i++) {
        const position *p = &w->positions[i];

        if (p->element > element) {
            if (buffer_append_repeated(line, seps->element, p->element - element) < 0)
                return out_of_memory(w);
            element = p->element;
            repetition = 1;
            component = 1;
        }
        if (p->repetition > repetition) {
            if (buffer_append_repeated(line, seps->repetition,
                                       p->repetition - repetition) < 0)
                return out_of_memory(w);
            repetition = p->repetition;
            component = 1;
        }
        if (p->component > component) {
            if (buffer_append_repeated(line, seps->component,
                                       p->component - component) < 0)
                return out_of_memory(w);
            component = p->component;
        }
        if (buffer_append(line, w->values.data + p->offset, p->length) < 0)
            return out_of_memory(w);
    }

    if (buffer_append(line, &seps->terminator, 1) < 0)
        return out_of_memory(w);
    return 0;
}

static void update_counts(kh_edi_writer *w)
{
    switch (w->kind) {
    case SEGMENT_UNH:
        w->in_message = true;
        w->message_segments = 1;
        w->messages++;
        if (w->in_group)
            w->group_messages++;
        return;
    case SEGMENT_UNG:
        w->in_message = false;
        w->in_group = true;
        w->group_messages = 0;
        w->groups++;
        return;
    case SEGMENT_UNE:
    case SEGMENT_UNZ:
        w->in_message = false;
        w->in_group = false;
        return;
    case SEGMENT_UNT:
        w->in_message = false;
        return;
    case SEGMENT_OTHER:
        if (w->in_message)
            w->message_segments++;
        return;
    }
}

int kh_edi_writer_end_segment(kh_edi_writer *w)
{
    int rc;

    if (!w->segment_open)
        return reject(w, "no segment is open");
    w->segment_open = false;

    if ((rc = fill_in_count(w)) != 0)
        return rc;
    if ((rc = assemble_line(w)) != 0)
        return rc;
    if ((rc = write_bytes(w, w->line.data, w->line.len)) != 0)
        return rc;
    update_counts(w);
    return 0;
}

/* ------------------------------------------------------------ out of band */

void kh_edi_writer_add_segments(kh_edi_writer *w, uint64_t n)
{
    if (w->in_message)
        w->message_segments += n;
}
