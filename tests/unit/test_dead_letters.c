/*
 * test_dead_letters.c - deliveries a broker dead-lettered, in the journal
 * (kh_journal_mark_dead_lettered): a delivered entry becomes dead with the
 * broker's reason, its message failed, with a stage, and stats count it
 * dead; the same copy again changes nothing; replay puts it back; one
 * dead-lettered before the delivery loop recorded its attempt stays dead
 * whatever the loop records then; part N of several is found by ID-N; a
 * delivery id the journal does not have, or one to another destination,
 * is unknown.
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

static const char WHY[] = "dead-lettered by the broker from queue cais.declarations: delivery_limit after 3 "
                          "deliveries (x-delivery-limit 2)";

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
    snprintf(s->dir, sizeof s->dir, "/tmp/test_dead_letters.XXXXXX");
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

static char *stats_of(kh_journal *j)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    assert_int_equal(kh_journal_stats_json(j, 0, out), 0);
    fclose(out);
    return text;
}

static int count_of(const char *haystack, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* A message of nparts parts to destination, written and every part
 * delivered; its id into id. */
static void delivered_message(kh_journal *j, const char *raw, const char *destination, int nparts, char *id)
{
    kh_received m = { .channel = "test", .content_type = "application/xml", .raw = raw, .size = strlen(raw) };
    kh_journal_entry *e = kh_journal_entry_new(&m);
    assert_non_null(e);
    snprintf(id, KH_MESSAGE_ID_SIZE, "%s", kh_journal_entry_id(e));
    kh_message_facts facts = { .partner = "broker", .format = "xml", .family = "DEC" };
    kh_journal_entry_describe(e, &facts);
    const char *to[] = { destination };
    for (int i = 0; i < nparts; i++)
        kh_journal_entry_add_part(e, "DEC", "IM", "1001", "<dec/>", 6, to, 1);
    char err[256];
    assert_int_equal(kh_journal_write(j, e, err, sizeof err), 0);
    kh_journal_entry_free(e);

    kh_outbox_item items[8];
    int n = kh_journal_outbox_due(j, kh_journal_now_ms() + 1, items, 8);
    assert_int_equal(n, nparts);
    kh_attempt attempts[8];
    for (int i = 0; i < n; i++)
        attempts[i] = (kh_attempt){ &items[i], KH_ATTEMPT_DELIVERED, 0, "" };
    assert_int_equal(kh_journal_record_attempts(j, attempts, (size_t)n), 0);
}

static void delivered_then_dead_lettered(void **state)
{
    scratch *s = *state;
    char id[KH_MESSAGE_ID_SIZE], found[KH_MESSAGE_ID_SIZE];
    delivered_message(s->journal, "<raw>1</raw>", "bus", 1, id);
    const char *group[] = { "bus" };

    assert_int_equal(kh_journal_mark_dead_lettered(s->journal, id, group, 1, WHY, found), KH_DEAD_LETTER_MARKED);
    assert_string_equal(found, id);
    char *status = status_of(s->journal, id);
    assert_non_null(strstr(status, "\"state\":\"failed\""));
    char expected[512];
    snprintf(expected, sizeof expected, "\"stage\":\"dead-lettered\",\"outcome\":\"dead\"");
    assert_non_null(strstr(status, expected));
    snprintf(expected, sizeof expected, "\"destination\":\"bus\",\"delivery_id\":\"%s\",\"state\":\"dead\"", id);
    assert_non_null(strstr(status, expected));
    snprintf(expected, sizeof expected, "\"last_error\":\"%s\"", WHY);
    assert_non_null(strstr(status, expected));
    free(status);
    char *stats = stats_of(s->journal);
    assert_non_null(strstr(stats, "\"delivered\":0,\"failed\":1,\"dead\":1"));
    free(stats);

    /* the same copy again (its ack was lost): nothing more is written */
    assert_int_equal(kh_journal_mark_dead_lettered(s->journal, id, group, 1, WHY, found), KH_DEAD_LETTER_ALREADY_DEAD);
    status = status_of(s->journal, id);
    assert_int_equal(count_of(status, "\"stage\":\"dead-lettered\""), 1);
    free(status);

    /* replay: delivered again under the same id */
    assert_int_equal(kh_journal_replay(s->journal, id, "operator"), 1);
    kh_outbox_item items[2];
    assert_int_equal(kh_journal_outbox_due(s->journal, kh_journal_now_ms() + 1, items, 2), 1);
    assert_string_equal(items[0].delivery_id, id);
    status = status_of(s->journal, id);
    assert_non_null(strstr(status, "\"state\":\"routed\""));
    free(status);
}

/* The broker dead-letters a message before the delivery loop recorded the
 * attempt that published it: the entry is marked dead while pending, and
 * the loop's record of that attempt (delivered), or of a later one (a
 * retry, giving up), leaves it dead with the broker's reason. */
static void dead_lettered_before_the_attempt_is_recorded(void **state)
{
    scratch *s = *state;
    char id[KH_MESSAGE_ID_SIZE], err[256];
    kh_received m = { .channel = "test", .content_type = "application/xml", .raw = "<raw>2</raw>", .size = 12 };
    kh_journal_entry *e = kh_journal_entry_new(&m);
    assert_non_null(e);
    snprintf(id, sizeof id, "%s", kh_journal_entry_id(e));
    const char *to[] = { "bus" };
    kh_journal_entry_add_part(e, "DEC", "IM", "1001", "<dec/>", 6, to, 1);
    assert_int_equal(kh_journal_write(s->journal, e, err, sizeof err), 0);
    kh_journal_entry_free(e);
    kh_outbox_item items[2];
    assert_int_equal(kh_journal_outbox_due(s->journal, kh_journal_now_ms() + 1, items, 2), 1);

    const char *group[] = { "bus" };
    assert_int_equal(kh_journal_mark_dead_lettered(s->journal, id, group, 1, WHY, NULL), KH_DEAD_LETTER_MARKED);
    kh_attempt delivered = { &items[0], KH_ATTEMPT_DELIVERED, 0, "" };
    assert_int_equal(kh_journal_record_attempts(s->journal, &delivered, 1), 0);
    kh_attempt retry = { &items[0], KH_ATTEMPT_RETRY, kh_journal_now_ms() + 1000, "no confirm" };
    assert_int_equal(kh_journal_record_attempts(s->journal, &retry, 1), 0);
    kh_attempt given_up = { &items[0], KH_ATTEMPT_DEAD, 0, "given up" };
    assert_int_equal(kh_journal_record_attempts(s->journal, &given_up, 1), 0);

    char *status = status_of(s->journal, id);
    char expected[512];
    snprintf(expected, sizeof expected, "\"state\":\"dead\",\"attempts\":0,\"last_error\":\"%s\"", WHY);
    assert_non_null(strstr(status, expected));
    assert_null(strstr(status, "\"state\":\"delivered\""));
    assert_non_null(strstr(status, "\"state\":\"failed\""));
    free(status);
    assert_int_equal(kh_journal_outbox_depth(s->journal), 0);
}

static void a_part_is_found_by_its_delivery_id(void **state)
{
    scratch *s = *state;
    char id[KH_MESSAGE_ID_SIZE], found[KH_MESSAGE_ID_SIZE], second[KH_MESSAGE_ID_SIZE + 8];
    delivered_message(s->journal, "<raw>3</raw>", "bus", 2, id);
    snprintf(second, sizeof second, "%s-2", id);
    const char *group[] = { "other", "bus" };
    assert_int_equal(kh_journal_mark_dead_lettered(s->journal, second, group, 2, WHY, found), KH_DEAD_LETTER_MARKED);
    assert_string_equal(found, id);
    char *status = status_of(s->journal, id);
    char expected[256];
    snprintf(expected, sizeof expected, "\"delivery_id\":\"%s-1\",\"state\":\"delivered\"", id);
    assert_non_null(strstr(status, expected));
    snprintf(expected, sizeof expected, "\"delivery_id\":\"%s\",\"state\":\"dead\"", second);
    assert_non_null(strstr(status, expected));
    free(status);
}

static void unknown_deliveries(void **state)
{
    scratch *s = *state;
    char id[KH_MESSAGE_ID_SIZE], found[KH_MESSAGE_ID_SIZE], other[KH_MESSAGE_ID_SIZE + 8];
    delivered_message(s->journal, "<raw>4</raw>", "bus", 1, id);
    const char *bus[] = { "bus" }, *elsewhere[] = { "agencies" };

    /* a delivery to another destination is not this queue's */
    assert_int_equal(kh_journal_mark_dead_lettered(s->journal, id, elsewhere, 1, WHY, found), KH_DEAD_LETTER_UNKNOWN);
    assert_string_equal(found, "");
    /* ids the journal never gave */
    assert_int_equal(kh_journal_mark_dead_lettered(s->journal, "20200101000000000-deadbeef", bus, 1, WHY, found),
                     KH_DEAD_LETTER_UNKNOWN);
    snprintf(other, sizeof other, "%s-7", id);
    assert_int_equal(kh_journal_mark_dead_lettered(s->journal, other, bus, 1, WHY, found), KH_DEAD_LETTER_UNKNOWN);
    snprintf(other, sizeof other, "%s-x", id);
    assert_int_equal(kh_journal_mark_dead_lettered(s->journal, other, bus, 1, WHY, found), KH_DEAD_LETTER_UNKNOWN);
    assert_int_equal(kh_journal_mark_dead_lettered(s->journal, "", bus, 1, WHY, found), KH_DEAD_LETTER_UNKNOWN);
    assert_int_equal(kh_journal_mark_dead_lettered(s->journal, NULL, bus, 1, WHY, found), KH_DEAD_LETTER_UNKNOWN);
    /* and nothing changed */
    char *status = status_of(s->journal, id);
    assert_non_null(strstr(status, "\"state\":\"delivered\""));
    assert_null(strstr(status, "dead-lettered"));
    free(status);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(delivered_then_dead_lettered, open_scratch, close_scratch),
        cmocka_unit_test_setup_teardown(dead_lettered_before_the_attempt_is_recorded, open_scratch, close_scratch),
        cmocka_unit_test_setup_teardown(a_part_is_found_by_its_delivery_id, open_scratch, close_scratch),
        cmocka_unit_test_setup_teardown(unknown_deliveries, open_scratch, close_scratch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
