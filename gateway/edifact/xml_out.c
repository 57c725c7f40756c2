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

struct kh_edi_xml_out {
    FILE          *out;
    bool           names;
    kh_edi_handler handler;
    kh_edi_charset charset;        /* of the current interchange */
    char          *utf8;           /* conversion buffer */
    size_t         utf8_cap;
};

/* ------------------------------------------------------------ escaping */

static void put_escaped(FILE *out, const char *s, size_t len, bool attribute)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = attribute ? "&quot;" : NULL; break;
        case '\r': rep = "&#13;"; break;
        case '\n': rep = attribute ? "&#10;" : NULL; break;
        case '\t': rep = attribute ? "&#9;" : NULL; break;
        default:
            if (c < 0x20 || c == 0x7f)
                rep = "\xEF\xBF\xBD";   /* not representable in XML 1.0 */
        }
        if (!rep)
            continue;
        fwrite(s + start, 1, i - start, out);
        fputs(rep, out);
        start = i + 1;
    }
    fwrite(s + start, 1, len - start, out);
}

static void put_attribute(FILE *out, const char *name, const char *value)
{
    fprintf(out, " %s=\"", name);
    put_escaped(out, value, strlen(value), true);
    fputc('"', out);
}

/* A value from the interchange, converted to UTF-8 and escaped. */
static void put_value(kh_edi_xml_out *x, const unsigned char *v, size_t len)
{
    bool ascii = true;
    for (size_t i = 0; i < len && ascii; i++)
        ascii = v[i] < 0x80;
    if (ascii) {
        put_escaped(x->out, (const char *)v, len, false);
        return;
    }
    size_t need = 3 * len + 1;
    if (need > x->utf8_cap) {
        char *p = realloc(x->utf8, need);
        if (!p)
            return;
        x->utf8 = p;
        x->utf8_cap = need;
    }
    kh_edi_charset cs = x->charset == KH_CHARSET_UNKNOWN ? KH_CHARSET_UNOC : x->charset;
    size_t n = kh_charset_to_utf8(cs, v, len, x->utf8, x->utf8_cap);
    put_escaped(x->out, x->utf8, n, false);
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

static void open_tag(kh_edi_xml_out *x, const char *prefix, const char *id, uint32_t n, uint32_t r, const char *name)
{
    fprintf(x->out, "<%s%s n=\"%u\"", prefix, id, n);
    if (r > 1)
        fprintf(x->out, " r=\"%u\"", r);
    if (x->names && name && *name)
        put_attribute(x->out, "name", name);
}

/* One repetition of one element. */
static void put_element(kh_edi_xml_out *x, const kh_edi_segment *seg, uint32_t e, uint32_t r,
                        const kh_dir_element *el)
{
    uint32_t comps = kh_edi_components(seg, e, r);
    size_t len;
    const unsigned char *v;
    bool simple = el && !el->composite && comps <= 1;
    bool composite = el && el->composite;

    if (simple || (!el && comps <= 1)) {
        if (simple)
            open_tag(x, "D", el->id, e, r, el->name);
        else
            open_tag(x, "E", "", e, r, NULL);
        v = kh_edi_value(seg, e, r, 1, &len);
        if (len == 0) {
            fputs("/>", x->out);
            return;
        }
        fputc('>', x->out);
        put_value(x, v, len);
        fprintf(x->out, simple ? "</D%s>" : "</E>", simple ? el->id : "");
        return;
    }

    if (composite)
        open_tag(x, "", el->id, e, r, el->name);
    else
        open_tag(x, "E", "", e, r, NULL);
    fputc('>', x->out);
    for (uint32_t c = 1; c <= comps; c++) {
        v = kh_edi_value(seg, e, r, c, &len);
        if (len == 0 && c < comps)
            continue;
        const kh_dir_data_element *de = composite && c <= el->components ? &el->component[c - 1] : NULL;
        if (de) {
            fprintf(x->out, "<D%s n=\"%u\"", de->id, c);
            if (x->names && de->name[0])
                put_attribute(x->out, "name", de->name);
        } else {
            fprintf(x->out, "<c n=\"%u\"", c);
        }
        if (len == 0) {
            fputs("/>", x->out);
            continue;
        }
        fputc('>', x->out);
        put_value(x, v, len);
        if (de)
            fprintf(x->out, "</D%s>", de->id);
        else
            fputs("</c>", x->out);
    }
    fprintf(x->out, composite ? "</%s>" : "</E%s>", composite ? el->id : "");
}

static void on_segment(void *ctx, const kh_edi_segment *seg, const kh_dir_segment *def,
                       const kh_edi_interchange *ic)
{
    (void)ic;
    kh_edi_xml_out *x = ctx;
    bool named = seg->tag[0] != '\0' && seg->tag[0] >= 'A' && seg->tag[0] <= 'Z';
    if (named)
        fprintf(x->out, "<%s", seg->tag);
    else
        fputs("<segment tag=\"\"", x->out);
    if (x->names && def && def->name[0])
        put_attribute(x->out, "name", def->name);
    fputc('>', x->out);
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
    if (named)
        fprintf(x->out, "</%s>\n", seg->tag);
    else
        fputs("</segment>\n", x->out);
}

/* ------------------------------------------------------------ envelopes */

static void on_interchange_begin(void *ctx, const kh_edi_interchange *ic)
{
    kh_edi_xml_out *x = ctx;
    x->charset = ic->charset;
    fputs("<interchange", x->out);
    put_attribute(x->out, "charset", ic->syntax_id);
    fprintf(x->out, " version=\"%d\"", ic->version);
    if (ic->had_una) {
        const kh_edi_separators *s = &ic->seps;
        unsigned char una[6] = { s->component, s->element, s->decimal,
                                 s->release ? s->release : ' ',
                                 s->repetition ? s->repetition : ' ', s->terminator };
        bool printable = true;
        for (int i = 0; i < 6; i++)
            printable = printable && una[i] >= 0x20 && una[i] < 0x7f;
        if (printable) {
            char text[7];
            memcpy(text, una, 6);
            text[6] = '\0';
            put_attribute(x->out, "una", text);
        } else {
            fprintf(x->out, " una-hex=\"%02X%02X%02X%02X%02X%02X\"", una[0], una[1], una[2], una[3], una[4], una[5]);
        }
    }
    fputs(">\n", x->out);
}

static void on_interchange_end(void *ctx, const kh_edi_interchange *ic)
{
    (void)ic;
    fputs("</interchange>\n", ((kh_edi_xml_out *)ctx)->out);
}

static void on_group_begin(void *ctx, const kh_edi_interchange *ic)
{
    kh_edi_xml_out *x = ctx;
    fputs("<group", x->out);
    put_attribute(x->out, "ref", ic->group_ref);
    fputs(">\n", x->out);
}

static void on_group_end(void *ctx, const kh_edi_interchange *ic)
{
    (void)ic;
    fputs("</group>\n", ((kh_edi_xml_out *)ctx)->out);
}

static void on_message_begin(void *ctx, const kh_edi_interchange *ic)
{
    kh_edi_xml_out *x = ctx;
    fputs("<message", x->out);
    put_attribute(x->out, "ref", ic->message_ref);
    put_attribute(x->out, "type", ic->message_type);
    if (ic->directory[0])
        put_attribute(x->out, "directory", ic->directory);
    fputs(">\n", x->out);
}

static void on_message_end(void *ctx, const kh_edi_interchange *ic)
{
    (void)ic;
    fputs("</message>\n", ((kh_edi_xml_out *)ctx)->out);
}

static void on_enter_group(void *ctx, const kh_dir_node *group, uint32_t occurrence)
{
    (void)occurrence;
    fprintf(((kh_edi_xml_out *)ctx)->out, "<%s>\n", group->id);
}

static void on_leave_group(void *ctx, const kh_dir_node *group)
{
    fprintf(((kh_edi_xml_out *)ctx)->out, "</%s>\n", group->id);
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
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<edifact xmlns=\"urn:khaalga:edifact-xml:1\">\n", out);
    return x;
}

const kh_edi_handler *kh_edi_xml_out_handler(kh_edi_xml_out *x) { return &x->handler; }

int kh_edi_xml_out_finish(kh_edi_xml_out *x)
{
    fputs("</edifact>\n", x->out);
    return fflush(x->out) == 0 && !ferror(x->out) ? 0 : -1;
}

void kh_edi_xml_out_free(kh_edi_xml_out *x)
{
    if (!x)
        return;
    free(x->utf8);
    free(x);
}
