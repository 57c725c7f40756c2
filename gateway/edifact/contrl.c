/*
 * contrl.c - the CONTRL builder.
 *
 * UCM, UCS and UCD segments are written as each message ends into a body
 * file, so memory does not grow with the number of messages; when the
 * interchange ends, the header (UNB, UNH, UCI) is written, the body copied
 * after it, and the trailers closed with the right counts. The messages of a
 * group go to a group file first, because the group's UCF, which precedes
 * them, is only known when the group ends. A group or interchange rejected
 * as a whole (action 4) is answered without the reports of what it holds.
 *
 * Positions in S011 follow ISO 9735: the segment tag is position 1, so data
 * element n of the engine (tag excluded) is reported as n + 1.
 */
#include "edifact/contrl.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edifact/writer.h"

#define MAX_MESSAGE_ERRORS 999

/* The first error of a level, kept for UCI/UCF/UCM. */
typedef struct level_error {
    bool         set;
    kh_edi_error err;
} level_error;

struct kh_edi_contrl {
    FILE          *out;
    char           now[13];
    kh_edi_handler handler;

    FILE          *body;            /* UCM/UCF… of the current interchange */
    long           body_start;
    kh_edi_writer *body_writer;
    uint32_t       body_segments;
    FILE          *group_body;      /* UCM… of the current group */
    long           group_start;
    kh_edi_writer *group_writer;
    uint32_t       group_segments;

    level_error    interchange_error, group_error, message_error;
    kh_edi_error  *message_errors;  /* segment and element errors of the message */
    uint32_t       message_error_count;
    bool           group_open;

    uint32_t       written, unanswered;
    char           failure[200];
};

/* ------------------------------------------------------------ writing */

static void fail(kh_edi_contrl *c, const char *what, const kh_edi_writer *w)
{
    if (!c->failure[0])
        snprintf(c->failure, sizeof c->failure, "%s: %s", what, w ? kh_edi_writer_error(w) : "write failed");
}

/* Adds a value; an empty one only when explicit (to keep a position). */
static void put_value(kh_edi_contrl *c, kh_edi_writer *w, uint32_t e, uint32_t comp,
                      const char *v, bool explicit_empty)
{
    if ((v && *v) || explicit_empty)
        if (kh_edi_writer_value(w, e, 1, comp, v ? v : "", v ? strlen(v) : 0) != 0)
            fail(c, "cannot write the CONTRL", w);
}

static void put(kh_edi_contrl *c, kh_edi_writer *w, uint32_t e, uint32_t comp, const char *v)
{
    put_value(c, w, e, comp, v, false);
}

static void put_number(kh_edi_contrl *c, kh_edi_writer *w, uint32_t e, uint32_t comp, unsigned long n)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%lu", n);
    put(c, w, e, comp, buf);
}

static void begin(kh_edi_contrl *c, kh_edi_writer *w, const char *tag)
{
    if (kh_edi_writer_begin_segment(w, tag) != 0)
        fail(c, "cannot write the CONTRL", w);
}

/* The action code, syntax error code, service segment tag and S011 of a
 * UCI, UCF or UCM, from element position `first` on. */
static void put_action(kh_edi_contrl *c, kh_edi_writer *w, uint32_t first, int action, const level_error *le, int version)
{
    put_number(c, w, first, 1, (unsigned long)action);
    if (!le->set)
        return;
    const kh_edi_error *e = &le->err;
    put_number(c, w, first + 1, 1, (unsigned long)e->code);
    if (e->place.tag[0] == 'U')     /* 0135 names service segments only */
        put(c, w, first + 2, 1, e->place.tag);
    if (e->place.element) {
        put_number(c, w, first + 3, 1, e->place.element + 1);
        if (e->place.component)
            put_number(c, w, first + 3, 2, e->place.component);
        if (version >= 4 && e->place.repetition > 1) {
            if (!e->place.component)
                put_value(c, w, first + 3, 2, "", true);
            put_number(c, w, first + 3, 3, e->place.repetition);
        }
    }
}

static int end_segment(kh_edi_contrl *c, kh_edi_writer *w, bool body)
{
    if (kh_edi_writer_end_segment(w) != 0) {
        fail(c, "cannot write the CONTRL", w);
        return -1;
    }
    if (body && w == c->group_writer)
        c->group_segments++;
    else if (body)
        c->body_segments++;
    return 0;
}

/* Where message reports go now: the group file inside a group. */
static kh_edi_writer *message_writer(kh_edi_contrl *c)
{
    return c->group_open ? c->group_writer : c->body_writer;
}

/* Opens a scratch file with a writer on it, after the writer's preamble. */
static bool open_scratch(kh_edi_contrl *c, const kh_edi_interchange *ic, FILE **file,
                         kh_edi_writer **writer, long *start)
{
    if (*file)
        fclose(*file);
    kh_edi_writer_free(*writer);
    *writer = NULL;
    *file = tmpfile();
    *writer = *file ? kh_edi_writer_new(*file) : NULL;
    if (!*writer) {
        fail(c, "cannot create a scratch file for the CONTRL", NULL);
        return false;
    }
    kh_edi_charset cs = ic->charset ? ic->charset : KH_CHARSET_UNOC;
    kh_edi_writer_begin_interchange(*writer, &ic->seps, cs, ic->version ? ic->version : 3, false);
    fflush(*file);
    *start = ftell(*file);
    return true;
}

/* Appends what a scratch file holds after start to out. */
static void copy_scratch(kh_edi_contrl *c, FILE *from, long start, FILE *to)
{
    fflush(from);
    fflush(to);
    if (fseek(from, start, SEEK_SET) != 0) {
        fail(c, "cannot read a CONTRL scratch file back", NULL);
        return;
    }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, from)) > 0)
        if (fwrite(buf, 1, n, to) != n) {
            fail(c, "cannot write the CONTRL", NULL);
            return;
        }
}

/* UCS/UCD for the collected errors of the message, in arrival order. */
static void write_segment_errors(kh_edi_contrl *c, int version)
{
    kh_edi_writer *w = message_writer(c);
    uint32_t open_segment = 0;
    unsigned ucd_in_ucs = 0;
    for (uint32_t i = 0; i < c->message_error_count; i++) {
        const kh_edi_error *e = &c->message_errors[i];
        bool element_error = e->level == KH_LEVEL_ELEMENT;
        if (!element_error || open_segment != e->place.segment || ucd_in_ucs >= 99) {
            begin(c, w, "UCS");
            put_number(c, w, 1, 1, e->place.segment);
            if (!element_error)
                put_number(c, w, 2, 1, (unsigned long)e->code);
            end_segment(c, w, true);
            open_segment = element_error ? e->place.segment : 0;
            ucd_in_ucs = 0;
        }
        if (element_error) {
            begin(c, w, "UCD");
            put_number(c, w, 1, 1, (unsigned long)e->code);
            put_number(c, w, 2, 1, e->place.element + 1);
            if (e->place.component)
                put_number(c, w, 2, 2, e->place.component);
            if (version >= 4 && e->place.repetition > 1) {
                if (!e->place.component)
                    put_value(c, w, 2, 2, "", true);
                put_number(c, w, 2, 3, e->place.repetition);
            }
            end_segment(c, w, true);
            ucd_in_ucs++;
        }
    }
}

/* ------------------------------------------------------------ events */

static void on_interchange_begin(void *ctx, const kh_edi_interchange *ic)
{
    kh_edi_contrl *c = ctx;
    memset(&c->interchange_error, 0, sizeof c->interchange_error);
    memset(&c->group_error, 0, sizeof c->group_error);
    memset(&c->message_error, 0, sizeof c->message_error);
    c->message_error_count = 0;
    c->body_segments = 0;
    c->group_open = false;
    open_scratch(c, ic, &c->body, &c->body_writer, &c->body_start);
}

static void on_group_begin(void *ctx, const kh_edi_interchange *ic)
{
    kh_edi_contrl *c = ctx;
    memset(&c->group_error, 0, sizeof c->group_error);
    c->group_segments = 0;
    c->group_open = open_scratch(c, ic, &c->group_body, &c->group_writer, &c->group_start);
}

/* The group's UCF, then the reports of its messages. */
static void on_group_end(void *ctx, const kh_edi_interchange *ic)
{
    kh_edi_contrl *c = ctx;
    kh_edi_writer *w = c->body_writer;
    if (!c->group_open || !w)
        return;
    c->group_open = false;
    begin(c, w, "UCF");
    put(c, w, 1, 1, ic->group_ref);
    put(c, w, 2, 1, ic->group_sender);
    put(c, w, 2, 2, ic->group_sender_qualifier);
    put(c, w, 3, 1, ic->group_recipient);
    put(c, w, 3, 2, ic->group_recipient_qualifier);
    put_action(c, w, 4, c->group_error.set ? 4 : 7, &c->group_error, ic->version ? ic->version : 3);
    end_segment(c, w, true);
    /* a rejected group rejects its messages: their UCMs would only contradict it */
    if (!c->group_error.set) {
        copy_scratch(c, c->group_body, c->group_start, c->body);
        c->body_segments += c->group_segments;
    }
}

static void on_message_begin(void *ctx, const kh_edi_interchange *ic)
{
    (void)ic;
    kh_edi_contrl *c = ctx;
    memset(&c->message_error, 0, sizeof c->message_error);
    c->message_error_count = 0;
}

static void on_message_end(void *ctx, const kh_edi_interchange *ic)
{
    kh_edi_contrl *c = ctx;
    kh_edi_writer *w = message_writer(c);
    if (!w)
        return;
    int version = ic->version ? ic->version : 3;
    bool rejected = c->message_error.set || c->message_error_count > 0;
    begin(c, w, "UCM");
    put(c, w, 1, 1, ic->message_ref);
    put(c, w, 2, 1, ic->message_type);
    put(c, w, 2, 2, ic->message_version);
    put(c, w, 2, 3, ic->message_release);
    put(c, w, 2, 4, ic->message_agency);
    put(c, w, 2, 5, ic->message_association);
    put_action(c, w, 3, rejected ? 4 : 7, &c->message_error, version);
    end_segment(c, w, true);
    write_segment_errors(c, version);
}

static void on_error(void *ctx, const kh_edi_error *err, const kh_edi_interchange *ic)
{
    (void)ic;
    kh_edi_contrl *c = ctx;
    level_error *le = NULL;
    switch (err->level) {
    case KH_LEVEL_INTERCHANGE: le = &c->interchange_error; break;
    case KH_LEVEL_GROUP:       le = &c->group_error; break;
    case KH_LEVEL_MESSAGE:     le = &c->message_error; break;
    case KH_LEVEL_SEGMENT:
    case KH_LEVEL_ELEMENT:
        if (!c->message_errors)
            c->message_errors = malloc(MAX_MESSAGE_ERRORS * sizeof *c->message_errors);
        if (c->message_errors && c->message_error_count < MAX_MESSAGE_ERRORS)
            c->message_errors[c->message_error_count++] = *err;
        return;
    }
    if (!le->set) {
        le->set = true;
        le->err = *err;
    }
}

static void now_or_clock(const kh_edi_contrl *c, char *date8, char *time4)
{
    if (c->now[0]) {
        memcpy(date8, c->now, 8);
        date8[8] = '\0';
        memcpy(time4, c->now + 8, 4);
        time4[4] = '\0';
        return;
    }
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date8, 9, "%Y%m%d", &tm);
    strftime(time4, 5, "%H%M", &tm);
}

static void on_interchange_end(void *ctx, const kh_edi_interchange *ic)
{
    kh_edi_contrl *c = ctx;
    if (ic->contrl_messages > 0 || !ic->sender[0] || !c->body_writer) {
        c->unanswered++;
        return;
    }
    int version = ic->version ? ic->version : 3;
    kh_edi_charset cs = ic->charset ? ic->charset : KH_CHARSET_UNOC;
    kh_edi_writer *w = kh_edi_writer_new(c->out);
    if (!w) {
        fail(c, "out of memory", NULL);
        return;
    }
    char date[9], time[5], reference[15];
    now_or_clock(c, date, time);
    snprintf(reference, sizeof reference, "%.6s%.4s%04u", date + 2, time, ic->index % 10000);

    kh_edi_writer_begin_interchange(w, &ic->seps, cs, version, ic->had_una);
    begin(c, w, "UNB");
    put(c, w, 1, 1, ic->syntax_id[0] && ic->charset ? ic->syntax_id : "UNOC");
    put_number(c, w, 1, 2, (unsigned long)version);
    put(c, w, 2, 1, ic->recipient);
    put(c, w, 2, 2, ic->recipient_qualifier);
    put(c, w, 2, 3, ic->recipient_internal);
    put(c, w, 3, 1, ic->sender);
    put(c, w, 3, 2, ic->sender_qualifier);
    put(c, w, 3, 3, ic->sender_internal);
    put(c, w, 4, 1, version >= 4 ? date : date + 2);
    put(c, w, 4, 2, time);
    put(c, w, 5, 1, reference);
    if (ic->test)
        put(c, w, 11, 1, "1");
    end_segment(c, w, false);

    begin(c, w, "UNH");
    put(c, w, 1, 1, "1");
    put(c, w, 2, 1, "CONTRL");
    put(c, w, 2, 2, version >= 4 ? "4" : "D");
    put(c, w, 2, 3, version >= 4 ? "1" : "3");
    put(c, w, 2, 4, "UN");
    end_segment(c, w, false);

    begin(c, w, "UCI");
    put(c, w, 1, 1, ic->reference);
    put(c, w, 2, 1, ic->sender);
    put(c, w, 2, 2, ic->sender_qualifier);
    put(c, w, 3, 1, ic->recipient);
    put(c, w, 3, 2, ic->recipient_qualifier);
    put_action(c, w, 4, c->interchange_error.set ? 4 : 7, &c->interchange_error, version);
    end_segment(c, w, false);

    /* action 4 on UCI rejects every group and message: no UCF or UCM follows */
    if (!c->interchange_error.set) {
        copy_scratch(c, c->body, c->body_start, c->out);
        kh_edi_writer_add_segments(w, c->body_segments);
    }

    begin(c, w, "UNT");
    put(c, w, 1, 1, "0");
    put(c, w, 2, 1, "1");
    end_segment(c, w, false);
    begin(c, w, "UNZ");
    put(c, w, 1, 1, "0");
    put(c, w, 2, 1, reference);
    end_segment(c, w, false);
    kh_edi_writer_free(w);
    fflush(c->out);
    c->written++;
}

/* ------------------------------------------------------------ lifecycle */

kh_edi_contrl *kh_edi_contrl_new(FILE *out, const char *now)
{
    kh_edi_contrl *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->out = out;
    if (now && strlen(now) == 12 && strspn(now, "0123456789") == 12)
        memcpy(c->now, now, 12);
    c->handler = (kh_edi_handler){
        .ctx = c,
        .interchange_begin = on_interchange_begin,
        .interchange_end = on_interchange_end,
        .group_begin = on_group_begin,
        .group_end = on_group_end,
        .message_begin = on_message_begin,
        .message_end = on_message_end,
        .error = on_error,
    };
    return c;
}

void kh_edi_contrl_free(kh_edi_contrl *c)
{
    if (!c)
        return;
    kh_edi_writer_free(c->body_writer);
    if (c->body)
        fclose(c->body);
    kh_edi_writer_free(c->group_writer);
    if (c->group_body)
        fclose(c->group_body);
    free(c->message_errors);
    free(c);
}

const kh_edi_handler *kh_edi_contrl_handler(kh_edi_contrl *c) { return &c->handler; }
uint32_t kh_edi_contrl_written(const kh_edi_contrl *c) { return c->written; }
uint32_t kh_edi_contrl_unanswered(const kh_edi_contrl *c) { return c->unanswered; }
const char *kh_edi_contrl_failure(const kh_edi_contrl *c) { return c->failure[0] ? c->failure : NULL; }
