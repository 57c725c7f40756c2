/*
 * interchange.c - the walk over an EDIFACT input: envelope state machine
 * (UNA, UNB…UNZ, UNG…UNE, UNH…UNT), control counts and references, syntax
 * identifier and version, dates, acknowledgement request and test indicator,
 * duplicates, and for every message its directory structure and data elements.
 * Every finding becomes a kh_edi_error with its level and place.
 */
#include "edifact/interchange.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "edifact/elements.h"
#include "edifact/structure.h"

typedef struct walk {
    kh_edi_reader             *reader;
    const kh_edi_walk_options *opt;
    const kh_edi_handler *const *handlers;
    size_t                     nhandlers;
    kh_edi_walk_result        *res;
    kh_edi_registry           *registry;

    kh_edi_interchange ic;
    bool               in_interchange;
    bool               una_seen;            /* a UNA waits for its UNB */
    kh_edi_issue       una_issue;
    uint64_t           una_offset;
    bool               header_missing_reported;
    bool               lone_messages;       /* messages outside groups */
    bool               rejected;            /* this interchange has errors */

    const kh_edi_segment *seg;               /* the segment being handled */
    kh_directory         *service;           /* service segments of the version */
    kh_directory         *message_dir;
    kh_edi_structure      structure;
    kh_edi_value_rules    rules;
    kh_edi_structure_events events;
} walk;

/* ------------------------------------------------------------ handlers */

typedef enum envelope_event {
    INTERCHANGE_BEGIN, INTERCHANGE_END, GROUP_BEGIN, GROUP_END, MESSAGE_BEGIN, MESSAGE_END
} envelope_event;

static void notify(const walk *w, envelope_event event)
{
    for (size_t i = 0; i < w->nhandlers; i++) {
        const kh_edi_handler *h = w->handlers[i];
        void (*fn)(void *, const kh_edi_interchange *) = NULL;
        switch (event) {
        case INTERCHANGE_BEGIN: fn = h->interchange_begin; break;
        case INTERCHANGE_END:   fn = h->interchange_end; break;
        case GROUP_BEGIN:       fn = h->group_begin; break;
        case GROUP_END:         fn = h->group_end; break;
        case MESSAGE_BEGIN:     fn = h->message_begin; break;
        case MESSAGE_END:       fn = h->message_end; break;
        }
        if (fn)
            fn(h->ctx, &w->ic);
    }
}

static void notify_segment(const walk *w, const kh_dir_segment *def)
{
    for (size_t i = 0; i < w->nhandlers; i++)
        if (w->handlers[i]->segment)
            w->handlers[i]->segment(w->handlers[i]->ctx, w->seg, def, &w->ic);
}

static void notify_error(const walk *w, const kh_edi_error *err)
{
    for (size_t i = 0; i < w->nhandlers; i++)
        if (w->handlers[i]->error)
            w->handlers[i]->error(w->handlers[i]->ctx, err, &w->ic);
}

/* ------------------------------------------------------------ errors */

/* Whether a tag is this one; tags are NUL-terminated in four bytes. */
static bool tag_is(const char *tag, const char name[4])
{
    return memcmp(tag, name, 4) == 0;
}

/* Service segments of the envelope begin with "UN"; the others are data. */
static bool is_envelope_tag(const char *tag)
{
    return tag[0] == 'U' && tag[1] == 'N';
}

static kh_edi_level level_of_current(const walk *w, uint32_t element)
{
    const char *tag = w->seg ? w->seg->tag : "";
    if (tag_is(tag, "UNG") || tag_is(tag, "UNE"))
        return KH_LEVEL_GROUP;
    if (tag_is(tag, "UNH") || tag_is(tag, "UNT"))
        return KH_LEVEL_MESSAGE;
    if (!w->ic.in_message)
        return KH_LEVEL_INTERCHANGE;
    return element ? KH_LEVEL_ELEMENT : KH_LEVEL_SEGMENT;
}

static void emit(walk *w, int code, kh_edi_level level, uint32_t segment, const char *tag,
                 uint32_t element, uint32_t component, uint32_t repetition, const char *fmt, ...)
{
    kh_edi_error err;
    memset(&err, 0, sizeof err);
    err.code = code;
    err.level = level;
    kh_edi_place *p = &err.place;
    p->interchange = w->ic.index;
    if (w->ic.in_group)
        snprintf(p->group_ref, sizeof p->group_ref, "%s", w->ic.group_ref);
    if (w->ic.in_message && level >= KH_LEVEL_MESSAGE) {
        snprintf(p->message_ref, sizeof p->message_ref, "%s", w->ic.message_ref);
        p->message = w->ic.messages;
        p->segment = segment;
    }
    snprintf(p->tag, sizeof p->tag, "%s", tag ? tag : "");
    p->element = element;
    p->component = component;
    p->repetition = repetition;
    p->offset = w->seg ? w->seg->offset : kh_edi_reader_offset(w->reader);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err.text, sizeof err.text, fmt, ap);
    va_end(ap);

    switch (level) {
    case KH_LEVEL_INTERCHANGE: w->ic.errors++; break;
    case KH_LEVEL_GROUP:       w->ic.group_errors++; break;
    default:                   w->ic.message_errors++; break;
    }
    w->rejected = true;
    w->res->errors++;
    if (w->res->errors > w->opt->limits.max_errors) {
        w->res->errors_unreported++;
        return;
    }
    notify_error(w, &err);
}

/* An error in the current segment. */
static void emit_here(walk *w, int code, uint32_t element, uint32_t component, uint32_t repetition,
                      const char *text)
{
    emit(w, code, level_of_current(w, element), w->ic.segment, w->seg ? w->seg->tag : "",
         element, component, repetition, "%s", text);
}

static void report_from_elements(void *ctx, int code, uint32_t element, uint32_t component,
                                 uint32_t repetition, const char *text)
{
    emit_here(ctx, code, element, component, repetition, text);
}

/* ------------------------------------------------------------ values */

/* Copies a value as UTF-8 into buf (truncated to fit). */
static const char *value(const walk *w, uint32_t e, uint32_t c, char *buf, size_t buflen)
{
    size_t len;
    const unsigned char *v = kh_edi_value(w->seg, e, 1, c, &len);
    if (!v || len == 0) {
        buf[0] = '\0';
        return buf;
    }
    if (w->ic.charset == KH_CHARSET_UNKNOWN) {
        size_t n = len < buflen - 1 ? len : buflen - 1;
        memcpy(buf, v, n);
        buf[n] = '\0';
        return buf;
    }
    char utf8[512];
    size_t n = kh_charset_to_utf8(w->ic.charset, v, len > 160 ? 160 : len, utf8, sizeof utf8);
    if (n >= buflen)
        n = buflen - 1;
    memcpy(buf, utf8, n);
    buf[n] = '\0';
    return buf;
}

static bool parse_count(const char *s, unsigned long *out)
{
    if (!*s)
        return false;
    char *end;
    *out = strtoul(s, &end, 10);
    return *end == '\0';
}

/* ------------------------------------------------------------ checks */

static void check_against(walk *w, const kh_directory *dir, const char *tag)
{
    const kh_dir_segment *def = dir ? kh_dir_find_segment(dir, tag) : NULL;
    kh_edi_reporter out = { w, report_from_elements };
    kh_edi_check_elements(w->seg, def, &w->rules, &out);
}

static bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

static int digits_value(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static void check_date_time(walk *w, uint32_t element, const char *date, const char *time)
{
    size_t want = w->ic.version >= 4 ? 8 : 6;
    size_t len = strlen(date);
    if (len == want && strspn(date, "0123456789") == want) {
        int year = want == 8 ? digits_value(date, 4) : 2000 + digits_value(date, 2);
        const char *md = date + (want - 4);
        int month = digits_value(md, 2);
        int day = digits_value(md + 2, 2);
        static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        int max = month >= 1 && month <= 12 ? days[month - 1] + (month == 2 && is_leap(year)) : 0;
        if (day < 1 || day > max)
            emit_here(w, 12, element, 1, 0, "the date is not a calendar date");
    } else if (len > 0 && len < want) {
        emit_here(w, 40, element, 1, 0, w->ic.version >= 4 ? "the date must have 8 digits (CCYYMMDD) in syntax version 4"
                                                         : "the date must have 6 digits (YYMMDD) before syntax version 4");
    }
    if (strlen(time) == 4 && strspn(time, "0123456789") == 4) {
        int hh = digits_value(time, 2), mm = digits_value(time + 2, 2);
        if (hh > 23 || mm > 59)
            emit_here(w, 12, element, 2, 0, "the time is not a time of day (HHMM)");
    } else if (time[0] && strlen(time) < 4) {
        emit_here(w, 40, element, 2, 0, "the time must have 4 digits (HHMM)");
    }
}

/* ------------------------------------------------------------ messages */

static void structure_enter(void *ctx, const kh_dir_node *group, uint32_t occurrence)
{
    walk *w = ctx;
    for (size_t i = 0; i < w->nhandlers; i++)
        if (w->handlers[i]->enter_group)
            w->handlers[i]->enter_group(w->handlers[i]->ctx, group, occurrence);
}

static void structure_leave(void *ctx, const kh_dir_node *group)
{
    walk *w = ctx;
    for (size_t i = 0; i < w->nhandlers; i++)
        if (w->handlers[i]->leave_group)
            w->handlers[i]->leave_group(w->handlers[i]->ctx, group);
}

static void structure_finding(void *ctx, int code, const kh_dir_node *node, const char *text)
{
    walk *w = ctx;
    if (code == 13) {
        /* a missing segment is reported at the last segment processed before it */
        const char *tag = node ? (node->group ? node->child[0].id : node->id) : "";
        emit(w, 13, KH_LEVEL_SEGMENT, w->ic.segment > 1 ? w->ic.segment - 1 : 1, tag, 0, 0, 0, "%s", text);
    } else {
        emit(w, code, KH_LEVEL_SEGMENT, w->ic.segment, w->seg->tag, 0, 0, 0, "%s", text);
    }
}

static const kh_edi_structure_events *structure_events(walk *w)
{
    return &w->events;
}

static void end_message(walk *w, bool trailer_seen)
{
    if (!trailer_seen) {
        emit(w, 13, KH_LEVEL_MESSAGE, w->ic.segment, "UNT", 0, 0, 0,
             "message %s has no message trailer (UNT)", w->ic.message_ref);
    }
    if (w->ic.message_def)
        kh_edi_structure_end(&w->structure, structure_events(w));
    notify(w, MESSAGE_END);
    w->ic.in_message = false;
    w->ic.message_def = NULL;
    w->message_dir = NULL;
}

static void end_group(walk *w, bool trailer_seen)
{
    if (w->ic.in_message)
        end_message(w, false);
    if (!trailer_seen)
        emit(w, 13, KH_LEVEL_GROUP, 0, "UNE", 0, 0, 0, "group %s has no group trailer (UNE)", w->ic.group_ref);
    notify(w, GROUP_END);
    w->ic.in_group = false;
}

static void begin_message(walk *w)
{
    kh_edi_interchange *ic = &w->ic;
    char agency[8];
    if (ic->in_message)
        end_message(w, false);
    if (ic->in_group)
        ic->group_messages++;
    else
        w->lone_messages = true;
    ic->messages++;
    ic->in_message = true;
    ic->segment = 1;
    ic->message_errors = 0;
    ic->message_def = NULL;
    ic->directory[0] = '\0';
    value(w, 1, 1, ic->message_ref, sizeof ic->message_ref);
    value(w, 2, 1, ic->message_type, sizeof ic->message_type);
    value(w, 2, 2, ic->message_version, sizeof ic->message_version);
    value(w, 2, 3, ic->message_release, sizeof ic->message_release);
    value(w, 2, 4, agency, sizeof agency);
    snprintf(ic->message_agency, sizeof ic->message_agency, "%s", agency);
    value(w, 2, 5, ic->message_association, sizeof ic->message_association);

    w->message_dir = NULL;
    if (strcmp(ic->message_type, "CONTRL") == 0) {
        ic->contrl_messages++;
        w->message_dir = w->service;
    } else if (strcmp(ic->message_agency, "UN") == 0 && strcmp(ic->message_version, "D") == 0) {
        char name[16];
        snprintf(name, sizeof name, "D%s", ic->message_release);
        w->message_dir = kh_dir_get(w->opt->directories, name);
    }
    if (w->message_dir) {
        snprintf(ic->directory, sizeof ic->directory, "%s", kh_dir_name(w->message_dir));
        ic->message_def = kh_dir_find_message(w->message_dir, ic->message_type);
    }
    notify(w, MESSAGE_BEGIN);

    if (ic->in_group == false && ic->groups > 0)
        emit(w, 30, KH_LEVEL_INTERCHANGE, 0, "UNH", 0, 0, 0, "a message outside a group in an interchange with groups");
    check_against(w, w->service, "UNH");
    if (!w->message_dir)
        emit_here(w, 3, 2, 0, 0, "message version not supported: no directory for this type, version and agency");
    else if (!ic->message_def)
        emit_here(w, 3, 2, 1, 0, "message type not supported in this directory");
    if (ic->message_def) {
        kh_edi_structure_begin(&w->structure, ic->message_def);
        kh_edi_structure_place(&w->structure, "UNH", structure_events(w));
    }
}

static void message_trailer(walk *w)
{
    kh_edi_interchange *ic = &w->ic;
    char count[16], ref[16];
    ic->segment++;
    if (ic->message_def)
        kh_edi_structure_place(&w->structure, "UNT", structure_events(w));
    check_against(w, w->service, "UNT");
    unsigned long n;
    if (parse_count(value(w, 1, 1, count, sizeof count), &n) && n != ic->segment)
        emit_here(w, 29, 1, 0, 0, "UNT counts the wrong number of segments");
    value(w, 2, 1, ref, sizeof ref);
    if (strcmp(ref, ic->message_ref) != 0)
        emit_here(w, 28, 2, 0, 0, "the message reference in UNT does not match UNH");
}

static void body_segment(walk *w)
{
    kh_edi_interchange *ic = &w->ic;
    ic->segment++;
    const kh_dir_segment *def = NULL;
    if (ic->message_def && w->seg->tag[0]) {
        const kh_dir_node *node = kh_edi_structure_place(&w->structure, w->seg->tag, structure_events(w));
        def = node ? node->segment : NULL;
    }
    if (!def && w->message_dir && w->seg->tag[0])
        def = kh_dir_find_segment(w->message_dir, w->seg->tag);
    kh_edi_reporter out = { w, report_from_elements };
    kh_edi_check_elements(w->seg, def, &w->rules, &out);
    notify_segment(w, def);
}

/* ------------------------------------------------------------ groups */

static void begin_group(walk *w)
{
    kh_edi_interchange *ic = &w->ic;
    if (ic->in_group)
        end_group(w, false);
    else if (ic->in_message)
        end_message(w, false);
    ic->groups++;
    ic->in_group = true;
    ic->group_messages = 0;
    ic->group_errors = 0;
    value(w, 5, 1, ic->group_ref, sizeof ic->group_ref);
    value(w, 2, 1, ic->group_sender, sizeof ic->group_sender);
    value(w, 2, 2, ic->group_sender_qualifier, sizeof ic->group_sender_qualifier);
    value(w, 3, 1, ic->group_recipient, sizeof ic->group_recipient);
    value(w, 3, 2, ic->group_recipient_qualifier, sizeof ic->group_recipient_qualifier);
    notify(w, GROUP_BEGIN);
    if (w->lone_messages)
        emit(w, 30, KH_LEVEL_INTERCHANGE, 0, "UNG", 0, 0, 0, "a group in an interchange with messages outside groups");
    check_against(w, w->service, "UNG");
    char date[16], time[8];
    value(w, 4, 1, date, sizeof date);
    value(w, 4, 2, time, sizeof time);
    if (date[0])
        check_date_time(w, 4, date, time);
}

static void group_trailer(walk *w)
{
    kh_edi_interchange *ic = &w->ic;
    if (ic->in_message)
        end_message(w, false);
    char count[16], ref[16];
    check_against(w, w->service, "UNE");
    unsigned long n;
    if (parse_count(value(w, 1, 1, count, sizeof count), &n) && n != ic->group_messages)
        emit_here(w, 29, 1, 0, 0, "UNE counts the wrong number of messages");
    value(w, 2, 1, ref, sizeof ref);
    if (strcmp(ref, ic->group_ref) != 0)
        emit_here(w, 28, 2, 0, 0, "the group reference in UNE does not match UNG");
}

/* ------------------------------------------------------------ interchanges */

static void duplicate_key(const kh_edi_interchange *ic, char *sender, size_t slen, char *recipient, size_t rlen)
{
    snprintf(sender, slen, "%s:%s", ic->sender, ic->sender_qualifier);
    snprintf(recipient, rlen, "%s:%s", ic->recipient, ic->recipient_qualifier);
}

static void end_interchange(walk *w, bool trailer_seen)
{
    kh_edi_interchange *ic = &w->ic;
    if (ic->in_group)
        end_group(w, false);
    else if (ic->in_message)
        end_message(w, false);
    if (!trailer_seen)
        emit(w, 13, KH_LEVEL_INTERCHANGE, 0, "UNZ", 0, 0, 0, "interchange %s has no interchange trailer (UNZ)", ic->reference);
    if (!w->rejected && !ic->duplicate && w->registry) {
        char sender[64], recipient[64];
        duplicate_key(ic, sender, sizeof sender, recipient, sizeof recipient);
        kh_edi_registry_record(w->registry, sender, recipient, ic->reference);
    }
    if (w->rejected)
        w->res->rejected_interchanges++;
    w->res->messages += ic->messages;
    w->res->groups += ic->groups;
    notify(w, INTERCHANGE_END);
    w->in_interchange = false;
}

static void begin_interchange(walk *w)
{
    kh_edi_interchange *ic = &w->ic;
    uint32_t index = ic->index + 1;
    memset(ic, 0, sizeof *ic);
    ic->index = index;
    w->res->interchanges++;
    w->in_interchange = true;
    w->lone_messages = false;
    w->rejected = false;
    ic->had_una = w->una_seen;
    ic->start_offset = w->una_seen ? w->una_offset : w->seg->offset;

    char version[8], ack[8], test[8];
    ic->charset = KH_CHARSET_UNKNOWN;   /* raw bytes until the identifier is known */
    value(w, 1, 1, ic->syntax_id, sizeof ic->syntax_id);
    value(w, 1, 2, version, sizeof version);
    ic->charset = kh_charset_from_name(ic->syntax_id, strlen(ic->syntax_id));
    ic->version = strlen(version) == 1 && version[0] >= '1' && version[0] <= '4' ? version[0] - '0' : 0;
    kh_edi_reader_set_version(w->reader, ic->version ? ic->version : 3);
    ic->seps = *kh_edi_reader_separators(w->reader);
    value(w, 2, 1, ic->sender, sizeof ic->sender);
    value(w, 2, 2, ic->sender_qualifier, sizeof ic->sender_qualifier);
    value(w, 2, 3, ic->sender_internal, sizeof ic->sender_internal);
    value(w, 3, 1, ic->recipient, sizeof ic->recipient);
    value(w, 3, 2, ic->recipient_qualifier, sizeof ic->recipient_qualifier);
    value(w, 3, 3, ic->recipient_internal, sizeof ic->recipient_internal);
    value(w, 4, 1, ic->date, sizeof ic->date);
    value(w, 4, 2, ic->time, sizeof ic->time);
    value(w, 5, 1, ic->reference, sizeof ic->reference);
    value(w, 9, 1, ack, sizeof ack);
    value(w, 11, 1, test, sizeof test);
    ic->ack_requested = strcmp(ack, "1") == 0 || strcmp(ack, "2") == 0;
    ic->test = strcmp(test, "1") == 0;

    w->service = kh_dir_service(w->opt->directories, ic->version ? ic->version : 3);
    w->rules.charset = ic->charset;
    w->rules.version = ic->version;
    notify(w, INTERCHANGE_BEGIN);

    if (w->una_seen && w->una_issue.code)
        emit(w, w->una_issue.code, KH_LEVEL_INTERCHANGE, 0, "UNA", 0, 0, 0, "%s", w->una_issue.text);
    w->una_seen = false;
    if (ic->charset == KH_CHARSET_UNKNOWN)
        emit_here(w, 2, 1, 1, 0, "syntax identifier not supported");
    if (!ic->version)
        emit_here(w, 2, 1, 2, 0, "syntax version not supported (1 to 4 are)");
    if (!w->service) {
        emit_here(w, 18, 0, 0, 0, "the service directory cannot be read");
        return;
    }
    check_against(w, w->service, "UNB");
    check_date_time(w, 4, ic->date, ic->time);
    if (ack[0] && !ic->ack_requested)
        emit_here(w, 12, 9, 0, 0, "the acknowledgement request (0031) must be 1 or 2");
    if (test[0] && !ic->test)
        emit_here(w, 25, 11, 0, 0, "the test indicator (0035) must be 1 when present");

    if (w->registry && ic->reference[0]) {
        char sender[64], recipient[64], first_seen[40];
        duplicate_key(ic, sender, sizeof sender, recipient, sizeof recipient);
        if (kh_edi_registry_lookup(w->registry, sender, recipient, ic->reference, first_seen, sizeof first_seen) == 1) {
            ic->duplicate = true;
            emit_here(w, 26, 5, 0, 0, "duplicate: interchange reference already received");
        }
    }
}

static void interchange_trailer(walk *w)
{
    kh_edi_interchange *ic = &w->ic;
    if (ic->in_group)
        end_group(w, false);
    else if (ic->in_message)
        end_message(w, false);
    char count[16], ref[16];
    check_against(w, w->service, "UNZ");
    unsigned long n;
    unsigned long expected = ic->groups ? ic->groups : ic->messages;
    if (parse_count(value(w, 1, 1, count, sizeof count), &n) && n != expected)
        emit_here(w, 29, 1, 0, 0, ic->groups ? "UNZ counts the wrong number of groups" : "UNZ counts the wrong number of messages");
    value(w, 2, 1, ref, sizeof ref);
    if (strcmp(ref, ic->reference) != 0)
        emit_here(w, 28, 2, 0, 0, "the interchange reference in UNZ does not match UNB");
    if (ic->messages == 0 && ic->groups == 0)
        emit_here(w, 32, 0, 0, 0, "the interchange holds no message");
}

/* ------------------------------------------------------------ the walk */

static void handle_segment(walk *w, const kh_edi_issue *issue)
{
    const char *tag = w->seg->tag;
    kh_edi_interchange *ic = &w->ic;

    /* the common case: a data segment inside a message */
    if (ic->in_message && !is_envelope_tag(tag)) {
        if (issue->code)
            emit_here(w, issue->code, issue->element, issue->component, issue->repetition, issue->text);
        body_segment(w);
        return;
    }

    if (!w->in_interchange) {
        if (tag_is(tag, "UNA")) {
            w->una_seen = true;
            w->una_issue = *issue;
            w->una_offset = w->seg->offset;
            return;
        }
        if (!tag_is(tag, "UNB")) {
            if (!w->header_missing_reported) {
                emit(w, 13, KH_LEVEL_INTERCHANGE, 0, "UNB", 0, 0, 0,
                     "segment %s comes before any interchange header (UNB)", tag[0] ? tag : "?");
                w->header_missing_reported = true;
            }
            return;
        }
    }

    if (tag_is(tag, "UNB")) {
        if (w->in_interchange)
            end_interchange(w, false);
        begin_interchange(w);
        w->header_missing_reported = false;
    } else if (tag_is(tag, "UNZ")) {
        interchange_trailer(w);
    } else if (tag_is(tag, "UNG")) {
        begin_group(w);
    } else if (tag_is(tag, "UNE")) {
        if (!ic->in_group)
            emit_here(w, 33, 0, 0, 0, "a group trailer (UNE) without a group header (UNG)");
        else
            group_trailer(w);
    } else if (tag_is(tag, "UNH")) {
        begin_message(w);
    } else if (tag_is(tag, "UNT")) {
        if (!ic->in_message)
            emit_here(w, 33, 0, 0, 0, "a message trailer (UNT) without a message header (UNH)");
        else
            message_trailer(w);
    } else if (!ic->in_message) {
        emit_here(w, 33, 0, 0, 0, "a segment outside any message");
    } else {
        if (issue->code)
            emit_here(w, issue->code, issue->element, issue->component, issue->repetition, issue->text);
        body_segment(w);
        return;
    }

    if (issue->code)
        emit_here(w, issue->code, issue->element, issue->component, issue->repetition, issue->text);
    /* service segments go to the handler after their checks */
    notify_segment(w, w->service ? kh_dir_find_segment(w->service, tag) : NULL);
    if (tag_is(tag, "UNT") && ic->in_message)
        end_message(w, true);
    else if (tag_is(tag, "UNE") && ic->in_group)
        end_group(w, true);
    else if (tag_is(tag, "UNZ"))
        end_interchange(w, true);
}

int kh_edi_walk(kh_edi_reader *reader, const kh_edi_walk_options *options,
                const kh_edi_handler *const *handlers, size_t nhandlers,
                kh_edi_walk_result *result)
{
    walk w;
    memset(&w, 0, sizeof w);
    memset(result, 0, sizeof *result);
    w.reader = reader;
    w.opt = options;
    w.handlers = handlers;
    w.nhandlers = nhandlers;
    w.res = result;
    w.registry = options->registry;
    w.events.ctx = &w;
    w.events.enter_group = structure_enter;
    w.events.leave_group = structure_leave;
    w.events.finding = structure_finding;
    kh_edi_registry *own = NULL;
    if (!w.registry && !options->no_duplicate_check) {
        char err[160];
        own = kh_edi_registry_open(NULL, err, sizeof err);
        w.registry = own;
    }

    int rc = 0;
    for (;;) {
        kh_edi_segment *seg;
        kh_edi_issue issue;
        int got = kh_edi_reader_next(reader, &seg, &issue);
        if (got < 0) {
            snprintf(result->stop_reason, sizeof result->stop_reason, "the input cannot be read");
            result->stopped = true;
            rc = 3;
            break;
        }
        if (got == 0)
            break;
        w.seg = seg;
        if (w.in_interchange && seg->offset - w.ic.start_offset > options->limits.max_interchange_size) {
            emit(&w, 18, KH_LEVEL_INTERCHANGE, 0, seg->tag, 0, 0, 0,
                 "the interchange is larger than the configured limit of %llu bytes",
                 (unsigned long long)options->limits.max_interchange_size);
            snprintf(result->stop_reason, sizeof result->stop_reason, "interchange size limit reached");
            result->stopped = true;
            break;
        }
        handle_segment(&w, &issue);
    }
    w.seg = NULL;
    if (w.in_interchange)
        end_interchange(&w, false);
    else if (result->interchanges == 0 && !result->stopped && !w.header_missing_reported)
        emit(&w, 13, KH_LEVEL_INTERCHANGE, 0, "UNB", 0, 0, 0, "no interchange: the input holds no UNB segment");
    result->bytes = kh_edi_reader_offset(reader);
    if (own)
        kh_edi_registry_close(own);
    if (rc == 0 && result->errors > 0)
        rc = 1;
    return rc;
}
