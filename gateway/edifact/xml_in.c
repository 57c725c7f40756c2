/*
 * xml_in.c - EDIFACT-XML to EDIFACT. Streams the document through libxml2's
 * xmlTextReader (one node at a time, constant memory), keeps a stack of the
 * open elements, and hands segments and values to the EDIFACT writer, which
 * does the separators, escaping, charset conversion and control counts.
 * The format is described in docs/edifact-xml.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/xmlreader.h>

#include "edifact.h"
#include "writer.h"
#include "xml_in.h"

#define EDIFACT_XML_NAMESPACE "urn:khaalga:edifact-xml:1"

/* Deeper than any segment group nesting of the UN directories. */
#define MAX_DEPTH 64

/* The segment elements are named by a tag of an upper-case letter and two
 * upper-case letters or digits: 26 * 36 * 36 names, plus <segment>. */
#define TAG_SLOTS (26 * 36 * 36 + 1)
#define GENERIC_SEGMENT_SLOT (TAG_SLOTS - 1)

/* ------------------------------------------------------------ state */

typedef enum frame_kind {
    FRAME_EDIFACT,
    FRAME_INTERCHANGE,
    FRAME_GROUP,
    FRAME_MESSAGE,
    FRAME_SEGMENT_GROUP,    /* <SGn>: transparent */
    FRAME_SEGMENT,
    FRAME_ELEMENT,          /* a data element: simple, or with components */
    FRAME_COMPONENT
} frame_kind;

/* One open element. */
typedef struct frame {
    frame_kind kind;
    char name[16];          /* element name, for messages */
    char step[48];          /* its step in an error path; empty for <SGn> */
    long line;
    uint32_t interchanges;  /* children seen so far, to number the next */
    uint32_t groups;
    uint32_t messages;
    uint32_t position;      /* element: n; component: n */
    uint32_t repetition;    /* element: r */
    bool has_components;    /* element: it has element children */
} frame;

/* Occurrences of each segment tag in one envelope (interchange, group or
 * message), to name a segment NAD[3] in error paths. A slot counts for the
 * current envelope only when its generation is the envelope's. */
typedef struct tag_slot {
    uint32_t generation;
    uint32_t count;
} tag_slot;

typedef struct tag_counter {
    tag_slot *slots;        /* [TAG_SLOTS], allocated on first use */
    uint32_t generation;
} tag_counter;

typedef enum envelope_level {
    LEVEL_INTERCHANGE,
    LEVEL_GROUP,
    LEVEL_MESSAGE,
    LEVELS
} envelope_level;

typedef struct xml_input {
    xmlTextReaderPtr reader;
    kh_edi_writer *writer;
    kh_edi_limits limits;

    frame stack[MAX_DEPTH];
    size_t depth;
    bool saw_root;

    char *text;             /* the value of the innermost element */
    size_t text_len, text_cap;

    tag_counter tags[LEVELS];

    bool xml_error_seen;    /* set by the libxml2 error handler */
    bool xml_error_is_io;   /* reading failed, the XML may be fine */
    long xml_error_line;
    char xml_error[200];

    char *err;
    size_t errlen;
} xml_input;

typedef enum result {
    DONE = KH_XML_IN_DONE,
    REJECTED = KH_XML_IN_REJECTED,
    INTERNAL = KH_XML_IN_INTERNAL
} result;

/* ------------------------------------------------------------ errors */

static void format_path(const xml_input *in, char *path, size_t len)
{
    size_t used = 0;

    path[0] = '\0';
    for (size_t i = 0; i < in->depth; i++) {
        const frame *f = &in->stack[i];
        int n;

        if (f->step[0] == '\0')
            continue;
        n = snprintf(path + used, len - used, "/%s", f->step);
        if (n < 0 || (size_t)n >= len - used)
            return;
        used += (size_t)n;
    }
}

static result say(xml_input *in, result r, long line, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static result say(xml_input *in, result r, long line, const char *fmt, va_list ap)
{
    char path[512];
    char what[512];

    if (in->err == NULL || in->errlen == 0)
        return r;
    vsnprintf(what, sizeof what, fmt, ap);
    format_path(in, path, sizeof path);
    if (line > 0)
        snprintf(in->err, in->errlen, "line %ld: %s: %s", line,
                 path[0] ? path : "/", what);
    else
        snprintf(in->err, in->errlen, "%s: %s", path[0] ? path : "/", what);
    return r;
}

/* The input is not valid EDIFACT-XML: says where (line and the path of the
 * open elements) and why. */
static result reject(xml_input *in, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static result reject(xml_input *in, long line, const char *fmt, ...)
{
    va_list ap;
    result r;

    va_start(ap, fmt);
    r = say(in, REJECTED, line, fmt, ap);
    va_end(ap);
    return r;
}

static result fail(xml_input *in, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static result fail(xml_input *in, const char *fmt, ...)
{
    va_list ap;

    if (in->err == NULL || in->errlen == 0)
        return INTERNAL;
    va_start(ap, fmt);
    vsnprintf(in->err, in->errlen, fmt, ap);
    va_end(ap);
    return INTERNAL;
}

/* A writer call failed: the data, or the system. */
static result writer_failed(xml_input *in, long line, int rc)
{
    const char *why = kh_edi_writer_error(in->writer);

    if (rc == KH_EDI_WRITER_REJECTED)
        return reject(in, line, "%s", why);
    return fail(in, "%s", why);
}

/* Keeps the first error libxml2 reports, on one line; warnings do not
 * count. */
static void on_xml_error(void *arg, xmlErrorPtr error)
{
    xml_input *in = arg;
    size_t len;

    if (error == NULL || error->level < XML_ERR_ERROR || in->xml_error_seen)
        return;
    in->xml_error_seen = true;
    in->xml_error_is_io = error->domain == XML_FROM_IO;
    in->xml_error_line = error->line;
    snprintf(in->xml_error, sizeof in->xml_error, "%s",
             error->message ? error->message : "error");
    len = strlen(in->xml_error);
    while (len > 0 && (in->xml_error[len - 1] == '\n' || in->xml_error[len - 1] == ' '))
        in->xml_error[--len] = '\0';
    for (char *p = in->xml_error; *p; p++)
        if (*p == '\n')
            *p = ' ';
}

/* The line of the node the reader is on. */
static long current_line(xml_input *in)
{
    xmlNodePtr node = xmlTextReaderCurrentNode(in->reader);
    long line = node ? xmlGetLineNo(node) : -1;

    return line > 0 ? line : xmlTextReaderGetParserLineNumber(in->reader);
}

/* ------------------------------------------------------------ names */

static bool is_upper(char c)  { return c >= 'A' && c <= 'Z'; }
static bool is_digit(char c)  { return c >= '0' && c <= '9'; }

/* BGM, UNB, A1B: the segment elements. */
static bool is_segment_tag_name(const char *name)
{
    return is_upper(name[0]) &&
           (is_upper(name[1]) || is_digit(name[1])) &&
           (is_upper(name[2]) || is_digit(name[2])) &&
           name[3] == '\0';
}

/* SG1, SG12: the segment group wrappers. */
static bool is_segment_group_name(const char *name)
{
    if (strncmp(name, "SG", 2) != 0 || name[2] < '1' || name[2] > '9')
        return false;
    for (const char *p = name + 3; *p; p++)
        if (!is_digit(*p))
            return false;
    return true;
}

/* A directory id: D1004, C002, S001 (a letter and three or four digits). */
static bool is_directory_id(const char *name)
{
    size_t digits = 0;

    if (!is_upper(name[0]))
        return false;
    for (const char *p = name + 1; *p; p++, digits++)
        if (!is_digit(*p))
            return false;
    return digits == 3 || digits == 4;
}

static size_t tag_slot_of(const char *tag)
{
    size_t second = is_digit(tag[1]) ? 26 + (size_t)(tag[1] - '0') : (size_t)(tag[1] - 'A');
    size_t third = is_digit(tag[2]) ? 26 + (size_t)(tag[2] - '0') : (size_t)(tag[2] - 'A');

    return ((size_t)(tag[0] - 'A') * 36 + second) * 36 + third;
}

/* ------------------------------------------------------------ the stack */

static frame *top(xml_input *in)
{
    return in->depth ? &in->stack[in->depth - 1] : NULL;
}

static result push(xml_input *in, frame_kind kind, const char *name, long line,
                   frame **pushed)
{
    frame *f;

    if (in->depth == MAX_DEPTH)
        return reject(in, line, "<%.20s> is nested more than %d deep", name, MAX_DEPTH);
    f = &in->stack[in->depth++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    snprintf(f->name, sizeof f->name, "%s", name);
    f->line = line;
    *pushed = f;
    return DONE;
}

/* The envelope a segment belongs to, for numbering it in paths. */
static envelope_level envelope_of(const xml_input *in)
{
    for (size_t i = in->depth; i > 0; i--) {
        switch (in->stack[i - 1].kind) {
        case FRAME_MESSAGE:     return LEVEL_MESSAGE;
        case FRAME_GROUP:       return LEVEL_GROUP;
        case FRAME_INTERCHANGE: return LEVEL_INTERCHANGE;
        default:                break;
        }
    }
    return LEVEL_INTERCHANGE;
}

static void start_envelope(xml_input *in, envelope_level level)
{
    in->tags[level].generation++;
}

/* Counts one more segment with this tag (NULL: a <segment>) in the current
 * envelope; returns its occurrence number, 0 when out of memory. */
static uint32_t count_segment(xml_input *in, const char *tag)
{
    tag_counter *counter = &in->tags[envelope_of(in)];
    tag_slot *slot;

    if (counter->slots == NULL) {
        counter->slots = calloc(TAG_SLOTS, sizeof *counter->slots);
        if (counter->slots == NULL)
            return 0;
    }
    slot = &counter->slots[tag ? tag_slot_of(tag) : GENERIC_SEGMENT_SLOT];
    if (slot->generation != counter->generation) {
        slot->generation = counter->generation;
        slot->count = 0;
    }
    return ++slot->count;
}

/* ------------------------------------------------------------ attributes */

static void free_values(const char *const *names, xmlChar **values)
{
    for (size_t i = 0; names[i]; i++) {
        xmlFree(values[i]);
        values[i] = NULL;
    }
}

/* Reads the attributes of the current element: values[i] gets the value of
 * names[i] (a NULL-terminated list), or stays NULL. `name` is accepted on
 * every element and ignored, as are attributes in a namespace (xmlns, xml:).
 * Any other attribute is an error. When it returns DONE, free the values
 * with free_values(); otherwise they are freed already. */
static result read_attributes(xml_input *in, const char *element, long line,
                              const char *const *names, xmlChar **values)
{
    result r = DONE;
    int more;

    for (size_t i = 0; names[i]; i++)
        values[i] = NULL;

    for (more = xmlTextReaderMoveToFirstAttribute(in->reader); more == 1;
         more = xmlTextReaderMoveToNextAttribute(in->reader)) {
        const char *attribute = (const char *)xmlTextReaderConstLocalName(in->reader);
        size_t i;

        if (xmlTextReaderConstNamespaceUri(in->reader) != NULL)
            continue;
        if (attribute == NULL) {
            r = fail(in, "out of memory");
            break;
        }
        if (strcmp(attribute, "name") == 0)
            continue;
        for (i = 0; names[i]; i++)
            if (strcmp(attribute, names[i]) == 0)
                break;
        if (names[i] == NULL) {
            r = reject(in, line, "<%s> has no attribute %.40s", element, attribute);
            break;
        }
        values[i] = xmlTextReaderValue(in->reader);
        if (values[i] == NULL) {
            r = fail(in, "out of memory");
            break;
        }
    }
    if (more < 0 && r == DONE)
        r = reject(in, line, "cannot read the attributes of <%s>", element);
    xmlTextReaderMoveToElement(in->reader);
    if (r != DONE)
        free_values(names, values);
    return r;
}

/* A position attribute: decimal digits, 1 to max. */
static bool parse_position(const xmlChar *text, size_t max, uint32_t *value)
{
    uint64_t n = 0;

    if (max > UINT32_MAX)
        max = UINT32_MAX;
    if (text == NULL || text[0] == '\0')
        return false;
    for (const xmlChar *p = text; *p; p++) {
        if (!is_digit((char)*p))
            return false;
        n = n * 10 + (uint64_t)(*p - '0');
        if (n > max)
            return false;
    }
    if (n == 0)
        return false;
    *value = (uint32_t)n;
    return true;
}

/* ------------------------------------------------------------ values */

static bool is_xml_space(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
            return false;
    return true;
}

static result append_text(xml_input *in, const char *text, long line)
{
    size_t len = strlen(text);

    if (len > in->limits.max_segment_length - in->text_len)
        return reject(in, line, "the value is longer than %zu bytes",
                      in->limits.max_segment_length);
    if (in->text_len + len + 1 > in->text_cap) {
        size_t cap = in->text_cap ? in->text_cap : 256;
        char *grown;

        while (cap < in->text_len + len + 1)
            cap *= 2;
        grown = realloc(in->text, cap);
        if (grown == NULL)
            return fail(in, "out of memory");
        in->text = grown;
        in->text_cap = cap;
    }
    memcpy(in->text + in->text_len, text, len);
    in->text_len += len;
    in->text[in->text_len] = '\0';
    return DONE;
}

/* Text inside an element: the value of a data element or component, or
 * whitespace between elements. */
static result on_text(xml_input *in, long line)
{
    frame *f = top(in);
    const char *text = (const char *)xmlTextReaderConstValue(in->reader);

    if (text == NULL)
        return fail(in, "out of memory");
    if (f != NULL && (f->kind == FRAME_COMPONENT ||
                      (f->kind == FRAME_ELEMENT && !f->has_components)))
        return append_text(in, text, line);
    if (is_xml_space(text, strlen(text)))
        return DONE;
    if (f == NULL)
        return reject(in, line, "text outside the document element");
    return reject(in, line, "<%s> holds elements, not text (\"%.20s\")", f->name, text);
}

/* ------------------------------------------------------------ elements */

static result start_edifact(xml_input *in, const char *name, long line)
{
    static const char *const names[] = { NULL };
    xmlChar *values[1];
    frame *f;
    result r;

    if (strcmp(name, "edifact") != 0)
        return reject(in, line, "the document element is <%.40s>, not <edifact>", name);
    if ((r = read_attributes(in, name, line, names, values)) != DONE)
        return r;
    if ((r = push(in, FRAME_EDIFACT, name, line, &f)) != DONE)
        return r;
    snprintf(f->step, sizeof f->step, "edifact");
    in->saw_root = true;
    return DONE;
}

static int hex_digit(xmlChar c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The six UNA characters from una="..." or una-hex="...". */
static result parse_una(xml_input *in, long line, const xmlChar *una,
                        const xmlChar *una_hex, unsigned char chars[6])
{
    if (una != NULL) {
        if (xmlStrlen(una) != 6)
            return reject(in, line, "una=\"%.40s\" is not six characters",
                          (const char *)una);
        for (int i = 0; i < 6; i++) {
            if (una[i] < 0x20 || una[i] > 0x7E)
                return reject(in, line, "una holds a character that is not printable "
                              "ASCII; use una-hex");
            chars[i] = una[i];
        }
        return DONE;
    }
    if (xmlStrlen(una_hex) != 12)
        return reject(in, line, "una-hex=\"%.40s\" is not twelve hexadecimal digits",
                      (const char *)una_hex);
    for (int i = 0; i < 6; i++) {
        int high = hex_digit(una_hex[2 * i]);
        int low = hex_digit(una_hex[2 * i + 1]);

        if (high < 0 || low < 0)
            return reject(in, line, "una-hex=\"%.40s\" is not twelve hexadecimal digits",
                          (const char *)una_hex);
        chars[i] = (unsigned char)(high * 16 + low);
    }
    return DONE;
}

static result begin_interchange(xml_input *in, long line, const xmlChar *charset,
                                const xmlChar *version, const xmlChar *una,
                                const xmlChar *una_hex)
{
    kh_edi_separators seps;
    kh_edi_charset cs;
    bool has_una = una != NULL || una_hex != NULL;
    int syntax_version;
    int rc;

    if (charset == NULL)
        return reject(in, line, "<interchange> has no charset attribute");
    cs = kh_charset_from_name((const char *)charset, (size_t)xmlStrlen(charset));
    if (cs == KH_CHARSET_UNKNOWN)
        return reject(in, line, "charset=\"%.20s\" is not one of UNOA, UNOB, UNOC, UNOD, "
                      "UNOE, UNOF, UNOW, UNOY", (const char *)charset);
    if (version == NULL)
        return reject(in, line, "<interchange> has no version attribute");
    if (xmlStrlen(version) != 1 || version[0] < '1' || version[0] > '4')
        return reject(in, line, "version=\"%.20s\" is not 1, 2, 3 or 4",
                      (const char *)version);
    syntax_version = version[0] - '0';
    if (una != NULL && una_hex != NULL)
        return reject(in, line, "<interchange> has both una and una-hex");

    kh_edi_separators_default(&seps, cs == KH_CHARSET_UNOB, syntax_version);
    if (has_una) {
        unsigned char chars[6];
        result r = parse_una(in, line, una, una_hex, chars);

        if (r != DONE)
            return r;
        /* In UNA a space stands for "no release character" and "no
         * repetition separator". */
        seps.component = chars[0];
        seps.element = chars[1];
        seps.decimal = chars[2];
        seps.release = chars[3] == ' ' ? 0 : chars[3];
        seps.repetition = chars[4] == ' ' ? 0 : chars[4];
        seps.terminator = chars[5];
    }

    rc = kh_edi_writer_begin_interchange(in->writer, &seps, cs, syntax_version, has_una);
    if (rc != 0)
        return writer_failed(in, line, rc);
    return DONE;
}

static result start_interchange(xml_input *in, const char *name, long line)
{
    static const char *const names[] = { "charset", "version", "una", "una-hex", NULL };
    xmlChar *values[4];
    frame *parent = top(in);
    uint32_t number;
    frame *f;
    result r;

    if (strcmp(name, "interchange") != 0)
        return reject(in, line, "<edifact> holds <interchange> elements, not <%.40s>", name);
    if ((r = read_attributes(in, name, line, names, values)) != DONE)
        return r;
    number = ++parent->interchanges;
    if ((r = push(in, FRAME_INTERCHANGE, name, line, &f)) == DONE) {
        snprintf(f->step, sizeof f->step, "interchange[%u]", (unsigned)number);
        start_envelope(in, LEVEL_INTERCHANGE);
        r = begin_interchange(in, line, values[0], values[1], values[2], values[3]);
    }
    free_values(names, values);
    return r;
}

/* <group> or <message>: envelopes whose attributes are informative only. */
static result start_envelope_element(xml_input *in, const char *name, long line,
                                     frame_kind kind)
{
    static const char *const group_names[] = { "ref", NULL };
    static const char *const message_names[] = { "ref", "type", "directory", NULL };
    const char *const *names = kind == FRAME_GROUP ? group_names : message_names;
    xmlChar *values[3];
    frame *parent = top(in);
    uint32_t number;
    frame *f;
    result r;

    if ((r = read_attributes(in, name, line, names, values)) != DONE)
        return r;
    free_values(names, values);

    number = kind == FRAME_GROUP ? ++parent->groups : ++parent->messages;
    if ((r = push(in, kind, name, line, &f)) != DONE)
        return r;
    snprintf(f->step, sizeof f->step, "%s[%u]", name, (unsigned)number);
    start_envelope(in, kind == FRAME_GROUP ? LEVEL_GROUP : LEVEL_MESSAGE);
    return DONE;
}

static result start_segment_group(xml_input *in, const char *name, long line)
{
    static const char *const names[] = { NULL };
    xmlChar *values[1];
    frame *f;
    result r;

    if ((r = read_attributes(in, name, line, names, values)) != DONE)
        return r;
    return push(in, FRAME_SEGMENT_GROUP, name, line, &f);
}

/* <BGM> or <segment tag="...">. */
static result start_segment(xml_input *in, const char *name, long line)
{
    static const char *const generic_names[] = { "tag", NULL };
    static const char *const tag_names[] = { NULL };
    bool generic = strcmp(name, "segment") == 0;
    const char *const *names = generic ? generic_names : tag_names;
    xmlChar *values[1] = { NULL };
    const char *tag = name;
    uint32_t occurrence;
    frame *f;
    result r;
    int rc;

    if ((r = read_attributes(in, name, line, names, values)) != DONE)
        return r;
    if (generic) {
        if (values[0] == NULL) {
            r = reject(in, line, "<segment> has no tag attribute");
            goto done;
        }
        tag = (const char *)values[0];
    }

    occurrence = count_segment(in, generic ? NULL : name);
    if (occurrence == 0) {
        r = fail(in, "out of memory");
        goto done;
    }
    if ((r = push(in, FRAME_SEGMENT, name, line, &f)) != DONE)
        goto done;
    snprintf(f->step, sizeof f->step, "%s[%u]", name, (unsigned)occurrence);

    rc = kh_edi_writer_begin_segment(in->writer, tag);
    if (rc != 0)
        r = writer_failed(in, line, rc);
done:
    free_values(names, values);
    return r;
}

static result start_data_element(xml_input *in, const char *name, long line)
{
    static const char *const names[] = { "n", "r", NULL };
    xmlChar *values[2];
    uint32_t n = 0, r = 1;
    frame *f;
    result rs;

    if (strcmp(name, "E") != 0 && !is_directory_id(name))
        return reject(in, line, "<%.40s> is not a data element: a segment holds <E n=\"k\"> "
                      "or elements named by their directory id (D1004, C002)", name);
    if ((rs = read_attributes(in, name, line, names, values)) != DONE)
        return rs;
    if (values[0] == NULL)
        rs = reject(in, line, "<%s> has no position n", name);
    else if (!parse_position(values[0], in->limits.max_elements, &n))
        rs = reject(in, line, "<%s> has n=\"%.20s\"; a position is a number from 1 to %zu",
                    name, (const char *)values[0], in->limits.max_elements);
    else if (values[1] != NULL && !parse_position(values[1], in->limits.max_repetitions, &r))
        rs = reject(in, line, "<%s> has r=\"%.20s\"; a repetition is a number from 1 to %zu",
                    name, (const char *)values[1], in->limits.max_repetitions);
    free_values(names, values);
    if (rs != DONE)
        return rs;

    if ((rs = push(in, FRAME_ELEMENT, name, line, &f)) != DONE)
        return rs;
    if (strcmp(name, "E") == 0)
        snprintf(f->step, sizeof f->step, "E[@n=%u]", (unsigned)n);
    else
        snprintf(f->step, sizeof f->step, "%s", name);
    if (r > 1) {
        size_t used = strlen(f->step);

        snprintf(f->step + used, sizeof f->step - used, "[@r=%u]", (unsigned)r);
    }
    f->position = n;
    f->repetition = r;
    in->text_len = 0;
    return DONE;
}

static result start_component(xml_input *in, const char *name, long line)
{
    static const char *const names[] = { "n", NULL };
    frame *element = top(in);
    xmlChar *values[1];
    uint32_t n = 0;
    frame *f;
    result rs;

    if (strcmp(name, "c") != 0 && !is_directory_id(name))
        return reject(in, line, "<%.40s> is not a component: a data element holds <c n=\"j\"> "
                      "or elements named by their directory id (D1001)", name);
    if (!element->has_components) {
        if (!is_xml_space(in->text, in->text_len))
            return reject(in, line, "<%s> holds both a value and components", element->name);
        element->has_components = true;
    }
    if ((rs = read_attributes(in, name, line, names, values)) != DONE)
        return rs;
    if (values[0] == NULL)
        rs = reject(in, line, "<%s> has no position n", name);
    else if (!parse_position(values[0], in->limits.max_components, &n))
        rs = reject(in, line, "<%s> has n=\"%.20s\"; a position is a number from 1 to %zu",
                    name, (const char *)values[0], in->limits.max_components);
    free_values(names, values);
    if (rs != DONE)
        return rs;

    if ((rs = push(in, FRAME_COMPONENT, name, line, &f)) != DONE)
        return rs;
    if (strcmp(name, "c") == 0)
        snprintf(f->step, sizeof f->step, "c[@n=%u]", (unsigned)n);
    else
        snprintf(f->step, sizeof f->step, "%s", name);
    f->position = n;
    in->text_len = 0;
    return DONE;
}

/* What may appear inside an interchange, a group, a message or <SGn>. */
static result start_in_envelope(xml_input *in, const char *name, long line)
{
    frame_kind parent = top(in)->kind;
    bool in_message = parent == FRAME_MESSAGE || parent == FRAME_SEGMENT_GROUP;

    if (is_segment_group_name(name)) {
        if (!in_message)
            return reject(in, line, "segment group <%.40s> outside a message", name);
        return start_segment_group(in, name, line);
    }
    if (is_segment_tag_name(name) || strcmp(name, "segment") == 0)
        return start_segment(in, name, line);
    if (strcmp(name, "group") == 0 && parent == FRAME_INTERCHANGE)
        return start_envelope_element(in, name, line, FRAME_GROUP);
    if (strcmp(name, "message") == 0 && (parent == FRAME_INTERCHANGE || parent == FRAME_GROUP))
        return start_envelope_element(in, name, line, FRAME_MESSAGE);
    if (in_message)
        return reject(in, line, "<%.40s> is not allowed in a message: it holds segments "
                      "and segment groups <SGn>", name);
    return reject(in, line, "<%.40s> is not allowed in <%s>: it holds segments%s", name,
                  top(in)->name, parent == FRAME_INTERCHANGE ? ", <group> and <message>"
                                                             : " and <message>");
}

static result on_start_element(xml_input *in, long line)
{
    const char *name = (const char *)xmlTextReaderConstLocalName(in->reader);
    const char *ns = (const char *)xmlTextReaderConstNamespaceUri(in->reader);
    frame *parent = top(in);

    if (name == NULL)
        return fail(in, "out of memory");
    if (ns == NULL || strcmp(ns, EDIFACT_XML_NAMESPACE) != 0)
        return reject(in, line, "<%.40s> is not in the EDIFACT-XML namespace %s",
                      name, EDIFACT_XML_NAMESPACE);
    if (parent == NULL)
        return start_edifact(in, name, line);

    switch (parent->kind) {
    case FRAME_EDIFACT:
        return start_interchange(in, name, line);
    case FRAME_INTERCHANGE:
    case FRAME_GROUP:
    case FRAME_MESSAGE:
    case FRAME_SEGMENT_GROUP:
        return start_in_envelope(in, name, line);
    case FRAME_SEGMENT:
        return start_data_element(in, name, line);
    case FRAME_ELEMENT:
        return start_component(in, name, line);
    case FRAME_COMPONENT:
        return reject(in, line, "<%s> holds a value, not elements like <%.40s>",
                      parent->name, name);
    }
    return fail(in, "unknown frame");
}

static result on_end_element(xml_input *in)
{
    frame *f = top(in);
    int rc = 0;

    if (f == NULL)
        return fail(in, "end of an element that was never started");

    switch (f->kind) {
    case FRAME_COMPONENT: {
        const frame *element = &in->stack[in->depth - 2];

        rc = kh_edi_writer_value(in->writer, element->position, element->repetition,
                                 f->position, in->text, in->text_len);
        in->text_len = 0;
        break;
    }
    case FRAME_ELEMENT:
        if (!f->has_components)
            rc = kh_edi_writer_value(in->writer, f->position, f->repetition, 1,
                                     in->text, in->text_len);
        in->text_len = 0;
        break;
    case FRAME_SEGMENT:
        rc = kh_edi_writer_end_segment(in->writer);
        break;
    default:
        break;
    }
    if (rc != 0)
        return writer_failed(in, f->line, rc);
    in->depth--;
    return DONE;
}

/* ------------------------------------------------------------ the loop */

static result on_node(xml_input *in)
{
    int type = xmlTextReaderNodeType(in->reader);
    long line = current_line(in);
    result r;

    switch (type) {
    case XML_READER_TYPE_ELEMENT:
        if ((r = on_start_element(in, line)) != DONE)
            return r;
        if (xmlTextReaderIsEmptyElement(in->reader) == 1)
            return on_end_element(in);
        return DONE;
    case XML_READER_TYPE_END_ELEMENT:
        return on_end_element(in);
    case XML_READER_TYPE_TEXT:
    case XML_READER_TYPE_CDATA:
    case XML_READER_TYPE_WHITESPACE:
    case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
        return on_text(in, line);
    case XML_READER_TYPE_DOCUMENT_TYPE:
        /* libxml2 keeps no line for the DOCTYPE node. */
        return reject(in, 0, "a DOCTYPE is not allowed in EDIFACT-XML");
    case XML_READER_TYPE_ENTITY_REFERENCE:
    case XML_READER_TYPE_ENTITY:
        return reject(in, line, "entity references are not allowed in EDIFACT-XML");
    default:
        return DONE;        /* comments, processing instructions */
    }
}

/* The parser runs ahead of the reader, so the open elements say nothing
 * about where a syntax error is: only its line is given. */
static result xml_error(xml_input *in)
{
    long line = in->xml_error_seen ? in->xml_error_line
                                   : xmlTextReaderGetParserLineNumber(in->reader);

    if (in->xml_error_is_io)
        return fail(in, "cannot read the input: %s", in->xml_error);
    if (in->err == NULL || in->errlen == 0)
        return REJECTED;
    snprintf(in->err, in->errlen, "line %ld: not well-formed XML: %s", line,
             in->xml_error_seen ? in->xml_error : "cannot parse");
    return REJECTED;
}

static result read_document(xml_input *in)
{
    int more;

    while ((more = xmlTextReaderRead(in->reader)) == 1) {
        result r;

        if (in->xml_error_seen)
            return xml_error(in);
        if ((r = on_node(in)) != DONE)
            return r;
    }
    if (more < 0 || in->xml_error_seen)
        return xml_error(in);
    if (!in->saw_root)
        return reject(in, 0, "the document is empty");
    return DONE;
}

/* A descriptor for path ("-": standard input), or -1 with errno set. */
static int open_input(const char *path, bool *close_it)
{
    struct stat st;
    int fd;

    *close_it = false;
    if (strcmp(path, "-") == 0)
        return STDIN_FILENO;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return -1;
    }
    *close_it = true;
    return fd;
}

/* Converts what the reader reads; takes the reader over. */
static int convert(xmlTextReaderPtr reader, FILE *out, char *err, size_t errlen)
{
    xmlStructuredErrorFunc saved_handler;
    void *saved_context;
    xml_input in;
    result r;

    memset(&in, 0, sizeof in);
    in.err = err;
    in.errlen = errlen;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    kh_edi_limits_default(&in.limits);

    /* Errors that libxml2 raises outside the parser (reading the input)
     * come here too, not to stderr, while this runs. The handler is per
     * thread. */
    saved_handler = xmlStructuredError;
    saved_context = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(&in, on_xml_error);

    in.reader = reader;
    in.writer = kh_edi_writer_new(out);
    if (in.reader == NULL || in.writer == NULL) {
        r = fail(&in, "out of memory");
        goto done;
    }
    xmlTextReaderSetStructuredErrorHandler(in.reader, on_xml_error, &in);

    r = read_document(&in);
    if (r == DONE && (fflush(out) != 0 || ferror(out)))
        r = fail(&in, "cannot write the interchange: %s", strerror(errno));

done:
    if (in.reader != NULL)
        xmlFreeTextReader(in.reader);
    xmlSetStructuredErrorFunc(saved_context, saved_handler);
    kh_edi_writer_free(in.writer);
    for (int level = 0; level < LEVELS; level++)
        free(in.tags[level].slots);
    free(in.text);
    return r;
}

/* No network, no external DTD, no entity substitution, default limits;
 * BIG_LINES keeps line numbers right beyond 65535. */
#define READER_OPTIONS (XML_PARSE_NONET | XML_PARSE_BIG_LINES)

int kh_edi_xml_to_edifact(const char *path, FILE *out, char *err, size_t errlen)
{
    bool close_fd;
    int fd = open_input(path, &close_fd);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return KH_XML_IN_INTERNAL;
    }
    xmlTextReaderPtr reader = xmlReaderForFd(fd, strcmp(path, "-") == 0 ? "stdin" : path, NULL, READER_OPTIONS);
    int r = convert(reader, out, err, errlen);
    if (close_fd)
        close(fd);
    return r;
}

int kh_edi_xml_to_edifact_memory(const char *data, size_t size, const char *name, FILE *out,
                                 char *err, size_t errlen)
{
    xmlTextReaderPtr reader = xmlReaderForMemory(data, (int)size, name, NULL, READER_OPTIONS);
    return convert(reader, out, err, errlen);
}
