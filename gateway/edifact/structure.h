/*
 * structure.h - places each segment of a message in the message's structure
 * (segment order, segment groups, mandatory parts, maximum repetitions).
 *
 * The matcher is greedy, as ISO 9735 intends: a segment goes to the first
 * position at or after the current one, in the innermost open group first,
 * then in the enclosing groups.
 */
#ifndef KHAALGA_EDIFACT_STRUCTURE_H
#define KHAALGA_EDIFACT_STRUCTURE_H

#include "edifact/directory.h"

#define KH_STRUCTURE_MAX_DEPTH 32

typedef struct kh_edi_structure_events {
    void *ctx;
    void (*enter_group)(void *ctx, const kh_dir_node *group, uint32_t occurrence);
    void (*leave_group)(void *ctx, const kh_dir_node *group);
    /* a finding about the structure: 13 missing (node is what is missing),
     * 15 not in this position, 35/36 too many repetitions (node is what repeats) */
    void (*finding)(void *ctx, int code, const kh_dir_node *node, const char *text);
} kh_edi_structure_events;

typedef struct kh_edi_structure_frame {
    const kh_dir_node *group;
    int                position;     /* child last placed, -1 before the first */
    uint32_t           count;        /* occurrences of that child in a row */
    uint32_t           occurrence;   /* occurrence of this group */
} kh_edi_structure_frame;

typedef struct kh_edi_structure {
    const kh_dir_message  *message;
    int                    depth;    /* frames in use */
    kh_edi_structure_frame frame[KH_STRUCTURE_MAX_DEPTH];
} kh_edi_structure;

void kh_edi_structure_begin(kh_edi_structure *s, const kh_dir_message *message);

/* Places a segment (UNH and UNT included); returns its node, or NULL when it
 * has no place here (a finding with code 15 has been sent). */
const kh_dir_node *kh_edi_structure_place(kh_edi_structure *s, const char *tag,
                                          const kh_edi_structure_events *ev);

/* Closes every open group at the end of the message, reporting what
 * mandatory parts never came (UNT excepted: the envelope reports it). */
void kh_edi_structure_end(kh_edi_structure *s, const kh_edi_structure_events *ev);

#endif
