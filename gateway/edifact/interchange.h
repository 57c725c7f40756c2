/*
 * interchange.h - walks an EDIFACT input: envelopes (UNB/UNZ, UNG/UNE,
 * UNH/UNT), their control counts and references, character repertoires,
 * directory validation of every message and duplicate detection; and tells a
 * handler what it meets, in order, with every error at its place.
 *
 * `khaalga check`, `edi2xml`, CONTRL and the fuzzers are all handlers of this
 * one walk.
 */
#ifndef KHAALGA_EDIFACT_INTERCHANGE_H
#define KHAALGA_EDIFACT_INTERCHANGE_H

#include "edifact/directory.h"
#include "edifact/edifact.h"
#include "edifact/registry.h"
#include "edifact/tokenizer.h"

/* What the walk knows about the interchange it is in; handlers read it. */
typedef struct kh_edi_interchange {
    uint32_t          index;            /* 1-based interchange in the input */
    uint64_t          start_offset;     /* of UNA or UNB */
    int               version;          /* UNB S001 0002; 0 when unreadable */
    kh_edi_charset    charset;
    char              syntax_id[5];     /* UNB S001 0001 as sent */
    kh_edi_separators seps;
    bool              had_una;
    char              sender[36], sender_qualifier[5], sender_internal[36];
    char              recipient[36], recipient_qualifier[5], recipient_internal[36];
    char              reference[15];    /* 0020 */
    char              date[9], time[5];
    bool              ack_requested;    /* 0031 */
    bool              test;             /* 0035 */
    bool              duplicate;
    uint32_t          messages, groups; /* seen so far */
    uint32_t          errors;           /* at interchange level (UCI) */
    uint32_t          contrl_messages;  /* messages that are CONTRL */

    bool              in_group;
    char              group_ref[15];
    char              group_sender[36], group_sender_qualifier[5];
    char              group_recipient[36], group_recipient_qualifier[5];
    uint32_t          group_messages;
    uint32_t          group_errors;     /* at group level (UCF) */

    bool              in_message;
    char              message_ref[15];
    char              message_type[7], message_version[4], message_release[4];
    char              message_agency[4], message_association[7];
    char              directory[16];    /* e.g. "D96B", "" when not known */
    uint32_t          segment;          /* position of the current segment, UNH = 1 */
    uint32_t          message_errors;   /* at message, segment and element level */
    const kh_dir_message *message_def;
} kh_edi_interchange;

typedef struct kh_edi_handler {
    void *ctx;
    void (*interchange_begin)(void *ctx, const kh_edi_interchange *ic);
    void (*interchange_end)(void *ctx, const kh_edi_interchange *ic);
    void (*group_begin)(void *ctx, const kh_edi_interchange *ic);
    void (*group_end)(void *ctx, const kh_edi_interchange *ic);
    void (*message_begin)(void *ctx, const kh_edi_interchange *ic);
    void (*message_end)(void *ctx, const kh_edi_interchange *ic);
    void (*enter_group)(void *ctx, const kh_dir_node *group, uint32_t occurrence);
    void (*leave_group)(void *ctx, const kh_dir_node *group);
    /* every segment, UNA included; def is its directory definition or NULL */
    void (*segment)(void *ctx, const kh_edi_segment *seg, const kh_dir_segment *def,
                    const kh_edi_interchange *ic);
    void (*error)(void *ctx, const kh_edi_error *err, const kh_edi_interchange *ic);
} kh_edi_handler;

typedef struct kh_edi_walk_options {
    kh_edi_limits    limits;
    kh_dir_set      *directories;
    kh_edi_registry *registry;   /* seen interchange references; NULL: within this input */
    bool             no_duplicate_check;   /* for a walk that only converts */
} kh_edi_walk_options;

typedef struct kh_edi_walk_result {
    uint32_t interchanges, messages, groups;
    uint32_t rejected_interchanges;   /* with an error at any level */
    uint64_t errors;                  /* all errors found */
    uint64_t errors_unreported;       /* beyond the limit */
    uint64_t bytes;
    bool     stopped;                 /* a limit or a read error ended the walk early */
    char     stop_reason[160];
} kh_edi_walk_result;

/* Walks the whole input, telling each of the handlers (in order) every
 * event. Returns 0 when everything is valid, 1 when errors were found, 3 when
 * the input could not be read, 4 on an internal error. */
int kh_edi_walk(kh_edi_reader *reader, const kh_edi_walk_options *options,
                const kh_edi_handler *const *handlers, size_t nhandlers,
                kh_edi_walk_result *result);

#endif
