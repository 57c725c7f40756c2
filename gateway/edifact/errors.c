/*
 * errors.c - the ISO 9735 syntax error codes (data element 0085) and how an
 * error is printed: one line of text, or one JSON object.
 */
#include "edifact/edifact.h"
#include "util/json.h"

#include <string.h>

static const char *const code_names[] = {
    [1] = "UNA not supported",
    [2] = "Syntax version or level not supported",
    [3] = "Message version/release not supported",
    [4] = "Service segment missing/invalid",
    [5] = "Trailer check in error",
    [6] = "Data segment missing/invalid",
    [7] = "Interchange recipient not actual recipient",
    [8] = "Too many data elements in segment",
    [9] = "Mandatory data element missing",
    [10] = "Data element attribute error",
    [11] = "Password invalid",
    [12] = "Invalid value",
    [13] = "Missing",
    [14] = "Value not supported in this position",
    [15] = "Not supported in this position",
    [16] = "Too many constituents",
    [17] = "No agreement",
    [18] = "Unspecified error",
    [19] = "Invalid decimal notation",
    [20] = "Character invalid as service character",
    [21] = "Invalid character(s)",
    [22] = "Invalid service character(s)",
    [23] = "Unknown Interchange sender",
    [24] = "Too old",
    [25] = "Test indicator not supported",
    [26] = "Duplicate detected",
    [27] = "Security function not supported",
    [28] = "References do not match",
    [29] = "Control count does not match number of instances received",
    [30] = "Groups and messages/packages mixed",
    [31] = "More than one message type in group",
    [32] = "Lower level empty",
    [33] = "Invalid occurrence outside message, package, or group",
    [34] = "Nesting indicator not allowed",
    [35] = "Too many segment repetitions",
    [36] = "Too many segment group repetitions",
    [37] = "Invalid type of character(s)",
    [38] = "Missing digit in front of decimal sign",
    [39] = "Data element too long",
    [40] = "Data element too short",
    [41] = "Permanent communication network error",
    [42] = "Temporary communication network error",
    [43] = "Unknown interchange recipient",
    [44] = "Application temporarily unavailable",
    [45] = "Trailing separator",
    [46] = "Character set not supported",
    [47] = "Envelope functionality not supported",
};

const char *kh_edi_error_name(int code)
{
    if (code > 0 && (size_t)code < sizeof code_names / sizeof code_names[0] && code_names[code])
        return code_names[code];
    return "Unknown error code";
}

static const char *level_name(kh_edi_level level)
{
    switch (level) {
    case KH_LEVEL_INTERCHANGE: return "interchange";
    case KH_LEVEL_GROUP:       return "group";
    case KH_LEVEL_MESSAGE:     return "message";
    case KH_LEVEL_SEGMENT:     return "segment";
    case KH_LEVEL_ELEMENT:     return "element";
    }
    return "interchange";
}

void kh_edi_error_print(FILE *out, const char *file, const kh_edi_error *err)
{
    const kh_edi_place *p = &err->place;
    fprintf(out, "%s: offset %llu:", file ? file : "-", (unsigned long long)p->offset);
    if (p->interchange > 1)
        fprintf(out, " interchange %u", p->interchange);
    if (p->group_ref[0])
        fprintf(out, " group %s", p->group_ref);
    if (p->message)
        fprintf(out, " message %u (ref %s)", p->message, p->message_ref[0] ? p->message_ref : "?");
    if (p->segment)
        fprintf(out, " segment %u", p->segment);
    if (p->tag[0])
        fprintf(out, " %s", p->tag);
    if (p->element)
        fprintf(out, " element %u", p->element);
    if (p->component)
        fprintf(out, " component %u", p->component);
    if (p->repetition > 1)
        fprintf(out, " repetition %u", p->repetition);
    fprintf(out, ": error %d (%s): %s\n", err->code, kh_edi_error_name(err->code), err->text);
}

void kh_edi_error_print_json(FILE *out, const char *file, const kh_edi_error *err)
{
    const kh_edi_place *p = &err->place;
    fputs("{\"file\":", out);
    kh_json_string(out, file ? file : "-");
    fprintf(out, ",\"code\":%d,\"name\":", err->code);
    kh_json_string(out, kh_edi_error_name(err->code));
    fprintf(out, ",\"level\":\"%s\",\"offset\":%llu,\"interchange\":%u",
            level_name(err->level), (unsigned long long)p->offset, p->interchange);
    if (p->group_ref[0]) {
        fputs(",\"group\":", out);
        kh_json_string(out, p->group_ref);
    }
    if (p->message) {
        fprintf(out, ",\"message\":%u,\"message_ref\":", p->message);
        kh_json_string(out, p->message_ref);
    }
    if (p->segment)
        fprintf(out, ",\"segment\":%u", p->segment);
    if (p->tag[0]) {
        fputs(",\"tag\":", out);
        kh_json_string(out, p->tag);
    }
    if (p->element)
        fprintf(out, ",\"element\":%u", p->element);
    if (p->component)
        fprintf(out, ",\"component\":%u", p->component);
    if (p->repetition)
        fprintf(out, ",\"repetition\":%u", p->repetition);
    fputs(",\"text\":", out);
    kh_json_string(out, err->text);
    fputs("}\n", out);
}
