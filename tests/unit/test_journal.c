/*
 * test_journal.c - the journal: a message written in one transaction with
 * its facts, stages, errors, acknowledgement and parts; delivery ids of one
 * and of several parts; duplicates by interchange and by content; the
 * outbox rounds (delivered, retry, dead) and the message's state after
 * them; replay with its audit; pruning; and a rejected message that leaves
 * nothing to deliver.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal/journal.h"

typedef struct scratch {
    char        dir[64];
    char        path[96];
    kh_journal *journal;
} scratch;

static int open_scratch(void **state)
{
    scratch *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    snprintf(s->dir, sizeof s->dir, "/tmp/test_journal.XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    snprintf(s->path, sizeof s->path, "%s/journal.db", s->dir);
    char err[256];
    s->journal = kh_journal_open(s->path, err, sizeof err);
    if (!s->journal)
        return -1;
    *state = s;
    return 0;
}

static int close_scratch(void **state)
{
    scratch *s = *state;
    kh_journal_close(s->journal);
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", s->dir);
    if (system(command) != 0)
        return -1;
    free(s);
    return 0;
}

/* The lifecycle JSON of id, in a malloc'd string. */
static char *status_of(kh_journal *j, const char *id)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    assert_int_equal(kh_journal_status_json(j, id, out), 0);
    fclose(out);
    return text;
}

static kh_journal_entry *taken_message(const char *raw, const char *const *destinations, size_t n, char *id)
{
    kh_received m = { .channel = "test", .content_type = "application/xml", .raw = raw, .size = strlen(raw) };
    kh_journal_entry *e = kh_journal_entry_new(&m);
    assert_non_null(e);
    snprintf(id, KH_MESSAGE_ID_SIZE, "%s", kh_journal_entry_id(e));
    kh_message_facts facts = { .partner = "broker", .format = "xml", .family = "DEC", .reference = "REF-1" };
    kh_journal_entry_describe(e, &facts);
    kh_journal_entry_stage(e, "validate", "ok", 120, NULL);
    kh_journal_entry_add_part(e, "DEC", "IM", "1001", "<dec/>", 6, destinations, n);
    return e;
}

static void written_whole(void **state)
{
    scratch *s = *state;
    char id[KH_MESSAGE_ID_SIZE], err[256];
    const char *to[] = { "cais" };
    kh_journal_entry *e = taken_message("<raw>1</raw>", to, 1, id);
    kh_journal_entry_acknowledgement(e, "receipt", "<res/>", 6);
    assert_int_equal(kh_journal_write(s->journal, e, err, sizeof err), 0);
    kh_journal_entry_free(e);

    char *status = status_of(s->journal, id);
    assert_non_null(strstr(status, "\"state\":\"routed\""));
    assert_non_null(strstr(status, "\"partner\":\"broker\""));
    assert_non_null(strstr(status, "\"stage\":\"validate\",\"outcome\":\"ok\""));
    assert_non_null(strstr(status, "\"kind\":\"receipt\""));
    char expected[128];
    snprintf(expected, sizeof expected, "\"destination\":\"cais\",\"delivery_id\":\"%s\",\"state\":\"pending\"", id);
    assert_non_null(strstr(status, expected));
    free(status);
    assert_int_equal(kh_journal_outbox_depth(s->journal), 1);

    size_t size = 0;
    char *normalized = kh_journal_normalized(s->journal, id, 1, &size);
    assert_non_null(normalized);
    assert_int_equal(size, 6);
    assert_memory_equal(normalized, "<dec/>", 6);
    free(normalized);
}

static void parts_have_their_own_ids(void **state)
{
    scratch *s = *state;
    char id[KH_MESSAGE_ID_SIZE], err[256];
    const char *to[] = { "cais" };
    kh_journal_entry *e = taken_message("<raw>2</raw>", to, 1, id);
    kh_journal_entry_add_part(e, "DEC", "EX", "1002", "<second/>", 9, to, 1);
    assert_int_equal(kh_journal_write(s->journal, e, err, sizeof err), 0);
    kh_journal_entry_free(e);

    kh_outbox_item items[8];
    int n = kh_journal_outbox_due(s->journal, kh_journal_now_ms() + 1, items, 8);
    assert_int_equal(n, 2);
    char first[64], second[64];
    snprintf(first, sizeof first, "%s-1", id);
    snprintf(second, sizeof second, "%s-2", id);
    assert_string_equal(items[0].delivery_id, first);
    assert_string_equal(items[1].delivery_id, second);
    assert_int_equal(items[1].part, 2);
    assert_string_equal(items[1].type, "EX");
    assert_string_equal(items[1].office, "1002");
    assert_string_equal(items[1].partner, "broker");
}

static void rejected_leaves_nothing_to_deliver(void **state)
{
    scratch *s = *state;
    char id[KH_MESSAGE_ID_SIZE], err[256];
    const char *to[] = { "cais" };
    kh_journal_entry *e = taken_message("<raw>3</raw>", to, 1, id);
    kh_journal_entry_drop_parts(e);
    kh_journal_entry_error(e, "DEC113", "message 1 segment 19 MOA element 1 component 2", "values do not add up");
    kh_journal_entry_reject(e, "rejected");
    assert_int_equal(kh_journal_write(s->journal, e, err, sizeof err), 0);
    kh_journal_entry_free(e);

    char *status = status_of(s->journal, id);
    assert_non_null(strstr(status, "\"state\":\"rejected\""));
    assert_non_null(strstr(status, "\"code\":\"DEC113\""));
    assert_non_null(strstr(status, "\"deliveries\":[]"));
    free(status);
    assert_int_equal(kh_journal_outbox_depth(s->journal), 0);
}

static void duplicates_by_interchange_and_by_content(void **state)
{
    scratch *s = *state;
    char id[KH_MESSAGE_ID_SIZE], err[256], earlier[KH_MESSAGE_ID_SIZE];
    const char *to[] = { "cais" };
    kh_journal_entry *e = taken_message("UNB+UNOC:3+A+B+1'", to, 1, id);
    kh_journal_entry_interchange(e, "A:ZZZ", "B:ZZZ", "R1");
    assert_int_equal(kh_journal_write(s->journal, e, err, sizeof err), 0);
    kh_journal_entry_free(e);

    char other[KH_MESSAGE_ID_SIZE];
    kh_journal_entry *same_reference = taken_message("UNB+UNOC:3+A+B+1' another body", to, 1, other);
    assert_int_equal(kh_journal_find_duplicate(s->journal, same_reference, "A:ZZZ", "B:ZZZ", "R1", earlier), 1);
    assert_string_equal(earlier, id);
    assert_int_equal(kh_journal_find_duplicate(s->journal, same_reference, "A:ZZZ", "B:ZZZ", "R2", earlier), 0);
    kh_journal_entry_free(same_reference);

    kh_journal_entry *same_bytes = taken_message("UNB+UNOC:3+A+B+1'", to, 1, other);
    assert_int_equal(kh_journal_find_duplicate(s->journal, same_bytes, NULL, NULL, NULL, earlier), 1);
    assert_string_equal(earlier, id);
    kh_journal_entry_free(same_bytes);
}

static void outbox_rounds_and_replay(void **state)
{
    scratch *s = *state;
    char id[KH_MESSAGE_ID_SIZE], err[256];
    const char *to[] = { "cais", "agency" };
    kh_journal_entry *e = taken_message("<raw>4</raw>", to, 2, id);
    assert_int_equal(kh_journal_write(s->journal, e, err, sizeof err), 0);
    kh_journal_entry_free(e);

    int64_t now = kh_journal_now_ms();
    kh_outbox_item items[4];
    assert_int_equal(kh_journal_outbox_due(s->journal, now + 1, items, 4), 2);
    kh_attempt attempts[2] = {
        { &items[0], KH_ATTEMPT_DELIVERED, 0, "" },
        { &items[1], KH_ATTEMPT_RETRY, now + 60000, "503 from the agency" },
    };
    assert_int_equal(kh_journal_record_attempts(s->journal, attempts, 2), 0);
    /* the retry is not due before its time */
    assert_int_equal(kh_journal_outbox_due(s->journal, now + 1, items, 4), 0);
    assert_int_equal(kh_journal_outbox_due(s->journal, now + 60001, items, 4), 1);
    char *status = status_of(s->journal, id);
    assert_non_null(strstr(status, "\"state\":\"routed\""));    /* one delivery still waits */
    assert_non_null(strstr(status, "\"last_error\":\"503 from the agency\""));
    free(status);

    kh_attempt dead = { &items[0], KH_ATTEMPT_DEAD, 0, "given up after 2 attempts" };
    assert_int_equal(kh_journal_record_attempts(s->journal, &dead, 1), 0);
    status = status_of(s->journal, id);
    assert_non_null(strstr(status, "\"state\":\"failed\""));
    free(status);

    assert_int_equal(kh_journal_replay(s->journal, id, "operator"), 1);
    assert_int_equal(kh_journal_replay(s->journal, id, "operator"), 0);    /* nothing dead any more */
    assert_int_equal(kh_journal_outbox_due(s->journal, kh_journal_now_ms() + 1, items, 4), 1);
    kh_attempt delivered = { &items[0], KH_ATTEMPT_DELIVERED, 0, "" };
    assert_int_equal(kh_journal_record_attempts(s->journal, &delivered, 1), 0);
    status = status_of(s->journal, id);
    assert_non_null(strstr(status, "\"state\":\"delivered\""));
    free(status);
}

static void pruning_keeps_what_waits(void **state)
{
    scratch *s = *state;
    char waiting[KH_MESSAGE_ID_SIZE], done[KH_MESSAGE_ID_SIZE], err[256];
    const char *to[] = { "cais" };
    kh_journal_entry *e = taken_message("<raw>5</raw>", to, 1, waiting);
    assert_int_equal(kh_journal_write(s->journal, e, err, sizeof err), 0);
    kh_journal_entry_free(e);
    e = taken_message("<raw>6</raw>", NULL, 0, done);
    assert_int_equal(kh_journal_write(s->journal, e, err, sizeof err), 0);
    kh_journal_entry_free(e);

    assert_int_equal(kh_journal_prune(s->journal, kh_journal_now_ms() + 1000), 1);
    char *status = status_of(s->journal, waiting);
    assert_non_null(strstr(status, "\"state\":\"routed\""));
    free(status);
    FILE *sink = fopen("/dev/null", "w");
    assert_int_equal(kh_journal_status_json(s->journal, done, sink), 1);
    fclose(sink);
}

static void unknown_message(void **state)
{
    scratch *s = *state;
    FILE *sink = fopen("/dev/null", "w");
    assert_int_equal(kh_journal_status_json(s->journal, "20990101000000000-00000000", sink), 1);
    fclose(sink);
    char partner[64];
    assert_int_equal(kh_journal_partner_of(s->journal, "20990101000000000-00000000", partner, sizeof partner), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(written_whole, open_scratch, close_scratch),
        cmocka_unit_test_setup_teardown(parts_have_their_own_ids, open_scratch, close_scratch),
        cmocka_unit_test_setup_teardown(rejected_leaves_nothing_to_deliver, open_scratch, close_scratch),
        cmocka_unit_test_setup_teardown(duplicates_by_interchange_and_by_content, open_scratch, close_scratch),
        cmocka_unit_test_setup_teardown(outbox_rounds_and_replay, open_scratch, close_scratch),
        cmocka_unit_test_setup_teardown(pruning_keeps_what_waits, open_scratch, close_scratch),
        cmocka_unit_test_setup_teardown(unknown_message, open_scratch, close_scratch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
