/*
 * xml_out.c - the EDIFACT-XML writer, a handler of the interchange walk.
 *
 * Empty positions are left out, except where leaving them out would lose a
 * separator: the last element of a segment, the last repetition of an
 * element and the last component of a repetition are kept when empty, and an
 * element or repetition with several components is kept even when they are
 * all empty. With positions explicit, xml2edi writes the same bytes back.
 */
#include "edifact/xml_out.h"

#include <stdlib.h>
#include <string.h>

#define OUT_BUFFER_SIZE (64 * 1024)

struct kh_edi_xml_out {
    FILE          *out;
    bool           names;
    bool           failed;         /* a write to out failed */
    kh_edi_handler handler;
    kh_edi_charset charset;        /* of the current interchange */
    char          *utf8;           /* conversion buffer */
    size_t         utf8_cap;
    size_t         len;            /* bytes waiting in buf */
    char           buf[OUT_BUFFER_SIZE];
};

/* ------------------------------------------------------------ output */

/* The XML goes through one buffer of our own: stdio's per-call locking and
 * format parsing cost more than the conversion itself. */
static void out_flush(kh_edi_xml_out *x)
{
    if (x->len && fwrite(x->buf, 1, x->len, x->out) != x->len)
        x->failed = true;
    x->len = 0;
}

static inline void out_bytes(kh_edi_xml_out *x, const char *p, size_t n)
{
    if (__builtin_expect(x->len + n > sizeof x->buf, 0)) {
        out_flush(x);
        if (n > sizeof x->buf) {
            if (fwrite(p, 1, n, x->out) != n)
                x->failed = true;
            return;
        }
    }
    memcpy(x->buf + x->len, p, n);
    x->len += n;
}

static inline void out_str(kh_edi_xml_out *x, const char *s)
{
    out_bytes(x, s, strlen(s));
}

static void out_uint(kh_edi_xml_out *x, uint32_t n)
{
    char digits[10];
    size_t i = sizeof digits;
    do {
        digits[--i] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    out_bytes(x, digits + i, sizeof digits - i);
}

/* ------------------------------------------------------------ escaping */

/* What a byte becomes in XML text (and in attributes, where quotes and
 * white space must be written as references too); NULL: itself. */
static const char *escape_of(unsigned char c, bool attribute)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return attribute ? "&quot;" : NULL;
    case '\r': return "&#13;";
    case '\n': return attribute ? "&#10;" : NULL;
    case '\t': return attribute ? "&#9;" : NULL;
    default:
        return c < 0x20 || c == 0x7f ? "\xEF\xBF\xBD" : NULL;   /* not allowed in XML 1.0 */
    }
}

static void put_escaped(kh_edi_xml_out *x, const char *s, size_t len, bool attribute)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c > '>' && c != 0x7f)
            continue;             /* the fast path: nothing above '>' needs escaping */
        const char *rep = escape_of(c, attribute);
        if (!rep)
            continue;
        out_bytes(x, s + start, i - start);
        out_str(x, rep);
        start = i + 1;
    }
    out_bytes(x, s + start, len - start);
}

static void put_attribute(kh_edi_xml_out *x, const char *name, const char *value)
{
    out_bytes(x, " ", 1);
    out_str(x, name);
    out_bytes(x, "=\"", 2);
    put_escaped(x, value, strlen(value), true);
    out_bytes(x, "\"", 1);
}

/* A value from the interchange, converted to UTF-8 and escaped. */
static void put_value(kh_edi_xml_out *x, const unsigned char *v, size_t len)
{
    bool ascii = true;
    for (size_t i = 0; i < len && ascii; i++)
        ascii = v[i] < 0x80;
    if (ascii) {
        put_escaped(x, (const char *)v, len, false);
        return;
    }
    size_t need = 3 * len + 1;
    if (need > x->utf8_cap) {
        char *p = realloc(x->utf8, need);
        if (!p) {
            x->failed = true;
            return;
        }
        x->utf8 = p;
        x->utf8_cap = need;
    }
    kh_edi_charset cs = x->charset == KH_CHARSET_UNKNOWN ? KH_CHARSET_UNOC : x->charset;
    size_t n = kh_charset_to_utf8(cs, v, len, x->utf8, x->utf8_cap);
    put_escaped(x, x->utf8, n, false);
}

/* ------------------------------------------------------------ segments */

static bool repetition_empty(const kh_edi_segment *seg, uint32_t e, uint32_t r)
{
    uint32_t n = kh_edi_components(seg, e, r);
    if (n > 1)
        return false;
    size_t len;
    kh_edi_value(seg, e, r, 1, &len);
    return len == 0;
}

/* "<" prefix id " n=" n [" r=" r] [" name=" name], the tag left open. */
static void open_tag(kh_edi_xml_out *x, const char *prefix, const char *id, uint32_t n, uint32_t r,
                     const char *name)
{
    out_bytes(x, "<", 1);
    out_str(x, prefix);
    out_str(x, id);
    out_bytes(x, " n=\"", 4);
    out_uint(x, n);
    out_bytes(x, "\"", 1);
    if (r > 1) {
        out_bytes(x, " r=\"", 4);
        out_uint(x, r);
        out_bytes(x, "\"", 1);
    }
    if (x->names && name && *name) {
        out_bytes(x, " name=\"", 7);
        out_str(x, name);       /* directory names are plain identifiers */
        out_bytes(x, "\"", 1);
    }
}

static void close_tag(kh_edi_xml_out *x, const char *prefix, const char *id)
{
    out_bytes(x, "</", 2);
    out_str(x, prefix);
    out_str(x, id);
    out_bytes(x, ">", 1);
}

/* An element or component with its value, or empty when the value is. */
static void put_leaf(kh_edi_xml_out *x, const char *prefix, const char *id, uint32_t n, uint32_t r,
                     const char *name, const unsigned char *v, size_t len)
{
    open_tag(x, prefix, id, n, r, name);
    if (len == 0) {
        out_bytes(x, "/>", 2);
        return;
    }
    out_bytes(x, ">", 1);
    put_value(x, v, len);
    close_tag(x, prefix, id);
}

/* One repetition of one element. */
static void put_element(kh_edi_xml_out *x, const kh_edi_segment *seg, uint32_t e, uint32_t r,
                        const kh_dir_element *el)
{
    uint32_t comps = kh_edi_components(seg, e, r);
    size_t len;
    const unsigned char *v;

    if (comps <= 1 && !(el && el->composite)) {
        v = kh_edi_value(seg, e, r, 1, &len);
        if (el)
            put_leaf(x, "D", el->id, e, r, el->name, v, len);
        else
            put_leaf(x, "E", "", e, r, NULL, v, len);
        return;
    }

    bool composite = el && el->composite;
    const char *prefix = composite ? "" : "E";
    const char *id = composite ? el->id : "";
    open_tag(x, prefix, id, e, r, composite ? el->name : NULL);
    out_bytes(x, ">", 1);
    for (uint32_t c = 1; c <= comps; c++) {
        v = kh_edi_value(seg, e, r, c, &len);
        if (len == 0 && c < comps)
            continue;
        const kh_dir_data_element *de = composite && c <= el->components ? &el->component[c - 1] : NULL;
        if (de)
            put_leaf(x, "D", de->id, c, 1, de->name, v, len);
        else
            put_leaf(x, "c", "", c, 1, NULL, v, len);
    }
    close_tag(x, prefix, id);
}

static void on_segment(void *ctx, const kh_edi_segment *seg, const kh_dir_segment *def,
                       const kh_edi_interchange *ic)
{
    (void)ic;
    kh_edi_xml_out *x = ctx;
    bool named = seg->tag[0] >= 'A' && seg->tag[0] <= 'Z';
    out_bytes(x, "<", 1);
    out_str(x, named ? seg->tag : "segment tag=\"\"");
    if (x->names && def && def->name[0]) {
        out_bytes(x, " name=\"", 7);
        out_str(x, def->name);
        out_bytes(x, "\"", 1);
    }
    out_bytes(x, ">", 1);
    for (uint32_t e = 1; e <= seg->elements; e++) {
        const kh_dir_element *el = def && e <= def->elements ? &def->element[e - 1] : NULL;
        uint32_t reps = kh_edi_repetitions(seg, e);
        for (uint32_t r = 1; r <= reps; r++) {
            bool last = r == reps && (e == seg->elements || reps > 1);
            if (repetition_empty(seg, e, r) && !last)
                continue;
            put_element(x, seg, e, r, el);
        }
    }
    close_tag(x, "", named ? seg->tag : "segment");
    out_bytes(x, "\n", 1);
}

/* ------------------------------------------------------------ envelopes */

static void on_interchange_begin(void *ctx, const kh_edi_interchange *ic)
{
    kh_edi_xml_out *x = ctx;
    x->charset = ic->charset;
    out_str(x, "<interchange");
    put_attribute(x, "charset", ic->syntax_id);
    out_str(x, " version=\"");
    out_uint(x, (uint32_t)ic->version);
    out_str(x, "\"");
    if (ic->had_una) {
        const kh_edi_separators *s = &ic->seps;
        unsigned char una[6] = { s->component, s->element, s->decimal,
                                 s->release ? s->release : ' ',
                                 s->repetition ? s->repetition : ' ', s->terminator };
        bool printable = true;
        for (int i = 0; i < 6; i++)
            printable = printable && una[i] >= 0x20 && una[i] < 0x7f;
        char text[13];
        if (printable) {
            memcpy(text, una, 6);
            text[6] = '\0';
            put_attribute(x, "una", text);
        } else {
            static const char hex[] = "0123456789ABCDEF";
            for (int i = 0; i < 6; i++) {
                text[2 * i] = hex[una[i] >> 4];
                text[2 * i + 1] = hex[una[i] & 15];
            }
            text[12] = '\0';
            put_attribute(x, "una-hex", text);
        }
    }
    out_str(x, ">\n");
}

static void on_interchange_end(void *ctx, const kh_edi_interchange *ic)
{
    (void)ic;
    out_str(ctx, "</interchange>\n");
}

static void on_group_begin(void *ctx, const kh_edi_interchange *ic)
{
    kh_edi_xml_out *x = ctx;
    out_str(x, "<group");
    put_attribute(x, "ref", ic->group_ref);
    out_str(x, ">\n");
}

static void on_group_end(void *ctx, const kh_edi_interchange *ic)
{
    (void)ic;
    out_str(ctx, "</group>\n");
}

static void on_message_begin(void *ctx, const kh_edi_interchange *ic)
{
    kh_edi_xml_out *x = ctx;
    out_str(x, "<message");
    put_attribute(x, "ref", ic->message_ref);
    put_attribute(x, "type", ic->message_type);
    if (ic->directory[0])
        put_attribute(x, "directory", ic->directory);
    out_str(x, ">\n");
}

static void on_message_end(void *ctx, const kh_edi_interchange *ic)
{
    (void)ic;
    out_str(ctx, "</message>\n");
}

static void on_enter_group(void *ctx, const kh_dir_node *group, uint32_t occurrence)
{
    (void)occurrence;
    kh_edi_xml_out *x = ctx;
    out_str(x, "<");
    out_str(x, group->id);
    out_str(x, ">\n");
}

static void on_leave_group(void *ctx, const kh_dir_node *group)
{
    kh_edi_xml_out *x = ctx;
    close_tag(x, "", group->id);
    out_str(x, "\n");
}

/* ------------------------------------------------------------ lifecycle */

kh_edi_xml_out *kh_edi_xml_out_new(FILE *out, bool names)
{
    kh_edi_xml_out *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->out = out;
    x->names = names;
    x->handler = (kh_edi_handler){
        .ctx = x,
        .interchange_begin = on_interchange_begin,
        .interchange_end = on_interchange_end,
        .group_begin = on_group_begin,
        .group_end = on_group_end,
        .message_begin = on_message_begin,
        .message_end = on_message_end,
        .enter_group = on_enter_group,
        .leave_group = on_leave_group,
        .segment = on_segment,
    };
    out_str(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<edifact xmlns=\"urn:khaalga:edifact-xml:1\">\n");
    return x;
}

const kh_edi_handler *kh_edi_xml_out_handler(kh_edi_xml_out *x) { return &x->handler; }

int kh_edi_xml_out_finish(kh_edi_xml_out *x)
{
    out_str(x, "</edifact>\n");
    out_flush(x);
    return !x->failed && fflush(x->out) == 0 && !ferror(x->out) ? 0 : -1;
}

void kh_edi_xml_out_free(kh_edi_xml_out *x)
{
    if (!x)
        return;
    free(x->utf8);
    free(x);
}
