/*
 * edifact_input.c - an EDIFACT interchange through the gateway: walked once
 * for its errors, its CONTRL and what it is; its partner found by the UNB
 * sender; a duplicate of a journaled interchange walked again so that its
 * CONTRL says 26; then every message of it normalized and routed, all or
 * none. A CONTRL from a partner answers an interchange Khaalga wrote to it
 * (a foreign customs acknowledging a GOVCBR): it is journaled and the
 * message that interchange came from gets a stage "answered".
 */
#include "pipeline/internal.h"

#include <stdlib.h>
#include <string.h>

#include "edifact/contrl.h"
#include "edifact/interchange.h"
#include "edifact/registry.h"

typedef struct edifact_seen {
    kh_outcome *outcome;
    char sender[36], recipient[36], reference[15];
    char sender_key[48], recipient_key[48];   /* with their qualifiers, as the duplicate registry keys them */
    bool ack_requested, duplicate;
    uint32_t messages, contrl_messages;
    /* the UCI of a CONTRL: the interchange it answers and the action (0083) */
    char uci_reference[15], uci_sender[36], uci_recipient[36], uci_action[4];
} edifact_seen;

static void copy_value(const kh_edi_segment *seg, uint32_t element, uint32_t component, char *out, size_t len)
{
    size_t n = 0;
    const unsigned char *v = kh_edi_value(seg, element, 1, component, &n);
    snprintf(out, len, "%.*s", v ? (int)n : 0, v ? (const char *)v : "");
}

/* UNH: counts the CONTRL messages; UCI: what the CONTRL answers. */
static void on_edifact_segment(void *ctx, const kh_edi_segment *seg, const kh_dir_segment *def,
                               const kh_edi_interchange *ic)
{
    (void)def;
    (void)ic;
    edifact_seen *s = ctx;
    if (strcmp(seg->tag, "UNH") == 0) {
        char type[8];
        copy_value(seg, 2, 1, type, sizeof type);
        if (strcmp(type, "CONTRL") == 0)
            s->contrl_messages++;
    } else if (strcmp(seg->tag, "UCI") == 0 && !s->uci_reference[0]) {
        copy_value(seg, 1, 1, s->uci_reference, sizeof s->uci_reference);
        copy_value(seg, 2, 1, s->uci_sender, sizeof s->uci_sender);
        copy_value(seg, 3, 1, s->uci_recipient, sizeof s->uci_recipient);
        copy_value(seg, 4, 1, s->uci_action, sizeof s->uci_action);
    }
}

static void on_edifact_error(void *ctx, const kh_edi_error *e, const kh_edi_interchange *ic)
{
    (void)ic;
    edifact_seen *s = ctx;
    char code[8], place[200];
    snprintf(code, sizeof code, "%d", e->code);
    const kh_edi_place *p = &e->place;
    snprintf(place, sizeof place, "offset %llu message %u segment %u %s element %u component %u",
             (unsigned long long)p->offset, p->message, p->segment, p->tag, p->element, p->component);
    kh_outcome_add_problem(s->outcome, code, place, e->text);
    if (e->code == 26)
        s->duplicate = true;
}

static void on_interchange_end(void *ctx, const kh_edi_interchange *ic)
{
    edifact_seen *s = ctx;
    snprintf(s->sender, sizeof s->sender, "%s", ic->sender);
    snprintf(s->recipient, sizeof s->recipient, "%s", ic->recipient);
    snprintf(s->reference, sizeof s->reference, "%s", ic->reference);
    snprintf(s->sender_key, sizeof s->sender_key, "%s:%s", ic->sender, ic->sender_qualifier);
    snprintf(s->recipient_key, sizeof s->recipient_key, "%s:%s", ic->recipient, ic->recipient_qualifier);
    s->ack_requested = ic->ack_requested;
    s->messages += ic->messages;
}

/* Walks the interchange once: its errors into the outcome, what it is into
 * seen, the CONTRL for its sender into *contrl. registry: the interchange
 * references already taken (NULL: duplicates within the input only).
 * Returns the walk's status, or -1 when out of memory. */
static int walk(const kh_gateway *g, const kh_received *m, kh_edi_registry *registry, edifact_seen *seen,
                char **contrl, size_t *contrl_size)
{
    *contrl = NULL;
    *contrl_size = 0;
    FILE *contrl_out = open_memstream(contrl, contrl_size);
    kh_edi_contrl *writer = contrl_out ? kh_edi_contrl_new(contrl_out, getenv("KHAALGA_NOW")) : NULL;
    kh_edi_reader *reader = kh_edi_reader_for_memory(m->raw, m->size, &g->limits);
    int rc = -1;
    if (writer && reader) {
        kh_edi_handler collector = { .ctx = seen, .error = on_edifact_error, .interchange_end = on_interchange_end,
                                     .segment = on_edifact_segment };
        const kh_edi_handler *handlers[] = { &collector, kh_edi_contrl_handler(writer) };
        kh_edi_walk_options options = { .limits = g->limits, .directories = g->directories, .registry = registry };
        kh_edi_walk_result res;
        rc = kh_edi_walk(reader, &options, handlers, 2, &res);
    }
    kh_edi_contrl_free(writer);
    if (contrl_out)
        fclose(contrl_out);
    kh_edi_reader_free(reader);
    if (rc < 0) {
        free(*contrl);
        *contrl = NULL;
    }
    return rc;
}

/* An interchange the journal has taken before is walked again with its
 * reference known, so that the errors and the CONTRL say 26 (duplicate). */
static int walk_as_duplicate(const kh_gateway *g, const kh_received *m, kh_outcome *o, edifact_seen *seen,
                             char **contrl, size_t *contrl_size)
{
    char err[256];
    kh_edi_registry *taken = kh_edi_registry_open(NULL, err, sizeof err);
    if (!taken || kh_edi_registry_record(taken, seen->sender_key, seen->recipient_key, seen->reference) != 0) {
        kh_edi_registry_close(taken);
        return -1;
    }
    free(o->problems);
    o->problems = NULL;
    o->nproblems = 0;
    free(*contrl);
    edifact_seen again = { .outcome = o };
    int rc = walk(g, m, taken, &again, contrl, contrl_size);
    kh_edi_registry_close(taken);
    seen->duplicate = again.duplicate;
    return rc;
}

static const char *action_in_words(const char *action)
{
    return strcmp(action, "4") == 0 ? "rejected" : strcmp(action, "7") == 0 ? "accepted"
         : strcmp(action, "8") == 0 ? "received" : "acknowledged";
}

/* A CONTRL of the partner: journaled (never answered with a CONTRL), and
 * the message whose interchange it answers shows it. */
static kh_verdict take_contrl(kh_worker *w, kh_outcome *o, const kh_partner *partner, const edifact_seen *seen)
{
    int64_t t0 = kh_now_us();
    snprintf(o->family, sizeof o->family, "CONTRL");
    kh_message_facts facts = { .family = "CONTRL" };
    kh_worker_describe(w, &facts);
    char original[KH_MESSAGE_ID_SIZE], detail[400];
    int found = kh_journal_find_sent(w->journal, seen->uci_sender, seen->uci_recipient, seen->uci_reference, original);
    if (found == 1) {
        snprintf(detail, sizeof detail, "CONTRL from %s: interchange %s %s (UCI action %s)", partner->id,
                 seen->uci_reference, action_in_words(seen->uci_action), seen->uci_action);
        kh_journal_entry_answers(w->entry, original, detail);
        snprintf(detail + strlen(detail), sizeof detail - strlen(detail), ", for message %s", original);
        kh_worker_stage(w, o, "contrl", strcmp(seen->uci_action, "4") == 0 ? "failed" : "ok", t0, detail);
    } else {
        snprintf(detail, sizeof detail, found < 0 ? "the journal cannot be read"
                 : "no interchange %s from %s to %s was sent: the CONTRL answers nothing of this gateway's",
                 seen->uci_reference, seen->uci_sender, seen->uci_recipient);
        kh_worker_stage(w, o, "contrl", "skipped", t0, detail);
    }
    kh_journal_entry_take_without_parts(w->entry);
    return kh_worker_finish(w, o, KH_ACCEPTED, "ok");
}

kh_verdict kh_process_edifact(kh_worker *w, const kh_received *m, const char *tls_partner_id, kh_outcome *o)
{
    const kh_gateway *g = w->gateway;
    snprintf(o->format, sizeof o->format, "edifact");
    int64_t t0 = kh_now_us();
    edifact_seen seen = { .outcome = o };
    char *contrl_text;
    size_t contrl_size;
    int rc = walk(g, m, NULL, &seen, &contrl_text, &contrl_size);
    if (rc < 0)
        return kh_worker_finish(w, o, KH_INTERNAL, "internal");
    char earlier[KH_MESSAGE_ID_SIZE];
    if (!seen.duplicate && seen.sender[0] &&
        kh_journal_find_duplicate(w->journal, w->entry, seen.sender, seen.recipient, seen.reference, earlier) == 1) {
        snprintf(o->duplicate_of, sizeof o->duplicate_of, "%s", earlier);
        rc = walk_as_duplicate(g, m, o, &seen, &contrl_text, &contrl_size);
        if (rc < 0)
            return kh_worker_finish(w, o, KH_INTERNAL, "internal");
    }

    if (seen.reference[0])
        kh_journal_entry_interchange(w->entry, seen.sender, seen.recipient, seen.reference);
    const kh_partner *partner = kh_config_partner_by_edifact_id(g->config, seen.sender);
    kh_message_facts facts = { .format = "edifact", .sender = seen.sender, .recipient = seen.recipient,
                               .reference = seen.reference, .partner = partner ? partner->id : NULL };
    kh_worker_describe(w, &facts);
    bool contrl_wanted = seen.ack_requested || (partner && partner->want_contrl) || rc != 0;
    if (contrl_size > 0 && contrl_wanted && partner)
        kh_outcome_set_reply(o, contrl_text, contrl_size, "application/EDIFACT", "contrl");
    else
        free(contrl_text);
    kh_worker_stage(w, o, "check", rc == 0 ? "ok" : "failed", t0, NULL);

    if (!partner) {
        kh_outcome_add_problem(o, "unknown-partner", "UNB S002", "the interchange's sender is not a partner of this gateway");
        return kh_worker_finish(w, o, KH_REJECTED, "unknown-partner");
    }
    snprintf(o->partner, sizeof o->partner, "%s", partner->id);
    if (tls_partner_id && strcmp(tls_partner_id, partner->id) != 0) {
        kh_outcome_add_problem(o, "identity-mismatch", "UNB S002", "the interchange's sender is not the partner of the TLS client certificate");
        return kh_worker_finish(w, o, KH_REJECTED, "identity-mismatch");
    }
    if (seen.duplicate)
        return kh_worker_finish(w, o, KH_DUPLICATE, "duplicate");
    if (rc != 0)
        return kh_worker_finish(w, o, KH_REJECTED, "invalid-edifact");
    if (seen.messages > 0 && seen.contrl_messages == seen.messages)
        return take_contrl(w, o, partner, &seen);
    /* every message of the interchange, all or none: the interchange is taken
     * only when each of its messages is valid */
    for (uint32_t message = 1; message <= seen.messages; message++) {
        kh_validation v = { 0 };
        kh_verdict verdict = kh_normalize_and_route(w, o, partner, m->raw, m->size, message, &v);
        kh_validation_free(&v);
        if (verdict != KH_ACCEPTED) {
            kh_journal_entry_drop_parts(w->entry);
            return verdict == KH_REJECTED && !o->reason[0] ? kh_worker_finish(w, o, KH_REJECTED, "invalid") : verdict;
        }
    }
    return kh_worker_finish(w, o, KH_ACCEPTED, "ok");
}

