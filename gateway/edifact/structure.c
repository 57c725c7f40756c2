/*
 * structure.c - the segment group matcher: a stack of open groups, each with
 * the position of its last placed child; a segment is searched forward from
 * there, innermost group first.
 */
#include "edifact/structure.h"

#include <stdio.h>
#include <string.h>

static bool node_matches(const kh_dir_node *node, const char *tag)
{
    return memcmp(node->trigger, tag, sizeof node->trigger) == 0;
}

static void report(const kh_edi_structure_events *ev, int code, const kh_dir_node *node, const char *text)
{
    if (ev && ev->finding)
        ev->finding(ev->ctx, code, node, text);
}

/* Reports the mandatory children in [from, to) of a group as missing. */
static void report_missing(const kh_dir_node *group, int from, int to, const kh_edi_structure_events *ev)
{
    char text[160];
    for (int i = from; i < to; i++) {
        const kh_dir_node *n = &group->child[i];
        if (!n->required || strcmp(n->id, "UNT") == 0)
            continue;
        if (n->group)
            snprintf(text, sizeof text, "mandatory segment group %s (starting with %s) is missing",
                     n->id, n->trigger);
        else
            snprintf(text, sizeof text, "mandatory segment %s is missing", n->id);
        report(ev, 13, n, text);
    }
}

static void pop_frame(kh_edi_structure *s, const kh_edi_structure_events *ev)
{
    kh_edi_structure_frame *f = &s->frame[s->depth - 1];
    report_missing(f->group, f->position + 1, f->group->children, ev);
    if (s->depth > 1 && ev && ev->leave_group)
        ev->leave_group(ev->ctx, f->group);
    s->depth--;
}

void kh_edi_structure_begin(kh_edi_structure *s, const kh_dir_message *message)
{
    memset(s, 0, sizeof *s);
    s->message = message;
    s->depth = 1;
    s->frame[0].group = &message->root;
    s->frame[0].position = -1;
    s->frame[0].occurrence = 1;
}

/* Looks for tag in a frame from its current position on; returns the child
 * index or -1. A child that has used up its repetitions is only taken when
 * allowed: first a later sibling or an enclosing group gets the chance (a
 * group trigger that repeats starts a new occurrence of the group; CUSDEC's
 * second UNS follows the first). */
static int find_in_frame(const kh_edi_structure_frame *f, const char *tag, bool take_exhausted,
                         bool inside_group)
{
    /* a group's trigger comes once per occurrence: seen again, it starts the
     * next occurrence, which the enclosing frame places */
    int start = f->position < 0 ? 0 : f->position;
    if (inside_group && start == 0)
        start = 1;
    for (int i = start; i < f->group->children; i++) {
        if (!node_matches(&f->group->child[i], tag))
            continue;
        bool exhausted = i == f->position && f->count >= f->group->child[i].max_repeat;
        if (!exhausted || take_exhausted)
            return i;
    }
    return -1;
}

const kh_dir_node *kh_edi_structure_place(kh_edi_structure *s, const char *tag,
                                          const kh_edi_structure_events *ev)
{
    char text[160];
    int d = -1, i = -1;
    for (int pass = 0; pass < 2 && i < 0; pass++)
        for (d = s->depth - 1; d >= 0; d--)
            if ((i = find_in_frame(&s->frame[d], tag, pass == 1, d > 0)) >= 0)
                break;
    if (i >= 0) {

        while (s->depth - 1 > d)
            pop_frame(s, ev);
        kh_edi_structure_frame *f = &s->frame[d];
        const kh_dir_node *node = &f->group->child[i];
        if (i == f->position) {
            f->count++;
            if (f->count > node->max_repeat) {
                snprintf(text, sizeof text, "%s %s occurs more than %u times",
                         node->group ? "segment group" : "segment", node->id, node->max_repeat);
                report(ev, node->group ? 36 : 35, node, text);
            }
        } else {
            report_missing(f->group, f->position + 1, i, ev);
            f->position = i;
            f->count = 1;
        }
        /* descend into groups down to the trigger segment */
        while (node->group) {
            if (s->depth == KH_STRUCTURE_MAX_DEPTH) {
                report(ev, 15, node, "segment groups nested deeper than supported");
                return NULL;
            }
            uint32_t occurrence = s->frame[s->depth - 1].count;
            if (ev && ev->enter_group)
                ev->enter_group(ev->ctx, node, occurrence);
            kh_edi_structure_frame *g = &s->frame[s->depth++];
            g->group = node;
            g->position = 0;
            g->count = 1;
            g->occurrence = occurrence;
            node = &node->child[0];
        }
        return node;
    }
    snprintf(text, sizeof text, "segment %s is not allowed here in %s", tag, s->message->type);
    report(ev, 15, NULL, text);
    return NULL;
}

void kh_edi_structure_end(kh_edi_structure *s, const kh_edi_structure_events *ev)
{
    while (s->depth > 0)
        pop_frame(s, ev);
}
