/*
 * test_confirms.c - matching publisher confirms to the publishes of a
 * batch (gateway/amqp/confirms.c): an ack or nack settles its own tag, or
 * with `multiple` every tag up to it (tag 0: all); the first verdict
 * counts; what was not published never settles; a basic.return is matched
 * by message id to the earliest waiting publish of that id.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "amqp/confirms.h"

enum { N = 6 };

/* Six publishes with tags 1..6 (the third one not published) and ids
 * m1..m6, with m5 = m2 (the same message twice in a batch). */
static kh_amqp_confirm entries[N];
static kh_amqp_confirms batch = { entries, N };

static int fresh(void **state)
{
    (void)state;
    static const char *ids[N] = { "m1", "m2", "m3", "m4", "m2", "m6" };
    memset(entries, 0, sizeof entries);
    for (int i = 0; i < N; i++) {
        entries[i].message_id = ids[i];
        entries[i].tag = i == 2 ? 0 : (uint64_t)i + 1;
    }
    return 0;
}

static void test_single_ack(void **state)
{
    (void)state;
    assert_int_equal(kh_amqp_confirms_waiting(&batch), 5);
    assert_int_equal(kh_amqp_confirms_settle(&batch, 2, false, true), 1);
    assert_true(entries[1].acked);
    assert_false(entries[0].acked || entries[3].acked);
    assert_int_equal(kh_amqp_confirms_waiting(&batch), 4);
    /* a tag nobody waits for */
    assert_int_equal(kh_amqp_confirms_settle(&batch, 99, false, true), 0);
    assert_int_equal(kh_amqp_confirms_settle(&batch, 2, false, true), 0);
}

static void test_multiple_ack(void **state)
{
    (void)state;
    assert_int_equal(kh_amqp_confirms_settle(&batch, 4, true, true), 3);   /* 1, 2, 4; not 3, never published */
    assert_true(entries[0].acked && entries[1].acked && entries[3].acked);
    assert_false(entries[2].acked || entries[2].nacked);
    assert_false(entries[4].acked || entries[5].acked);
    assert_int_equal(kh_amqp_confirms_waiting(&batch), 2);
    assert_false(kh_amqp_confirm_waiting(&entries[2]));     /* not published: not awaited */
}

static void test_nack_and_first_verdict(void **state)
{
    (void)state;
    assert_int_equal(kh_amqp_confirms_settle(&batch, 5, false, false), 1);
    assert_true(entries[4].nacked);
    assert_false(entries[4].acked);
    /* a later multiple ack settles the others and leaves the nack as it was */
    assert_int_equal(kh_amqp_confirms_settle(&batch, 6, true, true), 4);
    assert_true(entries[4].nacked);
    assert_false(entries[4].acked);
    assert_true(entries[5].acked);
    assert_int_equal(kh_amqp_confirms_waiting(&batch), 0);
}

static void test_multiple_nack_from_zero(void **state)
{
    (void)state;
    assert_int_equal(kh_amqp_confirms_settle(&batch, 1, false, true), 1);
    assert_int_equal(kh_amqp_confirms_settle(&batch, 0, true, false), 4);   /* all that wait */
    assert_true(entries[0].acked && !entries[0].nacked);
    assert_true(entries[1].nacked && entries[3].nacked && entries[4].nacked && entries[5].nacked);
    assert_false(entries[2].nacked);
}

static void test_return_by_message_id(void **state)
{
    (void)state;
    /* m2 is published twice (tags 2 and 5): the return goes to the earliest waiting */
    kh_amqp_confirm *e = kh_amqp_confirms_returned(&batch, "m2", 2, "unroutable: no queue bound");
    assert_ptr_equal(e, &entries[1]);
    assert_true(entries[1].returned);
    assert_string_equal(entries[1].returned_why, "unroutable: no queue bound");
    assert_false(entries[4].returned);
    /* its ack follows: settled, and still returned */
    kh_amqp_confirms_settle(&batch, 2, false, true);
    assert_true(entries[1].acked && entries[1].returned);
    /* the second return of m2 is the second publish's */
    assert_ptr_equal(kh_amqp_confirms_returned(&batch, "m2", 2, "again"), &entries[4]);
    /* nothing waits for m9, nor for m3 (not published), nor for a prefix of m1 */
    assert_null(kh_amqp_confirms_returned(&batch, "m9", 2, "x"));
    assert_null(kh_amqp_confirms_returned(&batch, "m3", 2, "x"));
    assert_null(kh_amqp_confirms_returned(&batch, "m", 1, "x"));
    /* a settled publish takes no return */
    kh_amqp_confirms_settle(&batch, 1, false, true);
    assert_null(kh_amqp_confirms_returned(&batch, "m1", 2, "x"));
    assert_false(entries[0].returned);
}

static void test_empty_batch(void **state)
{
    (void)state;
    kh_amqp_confirms none = { NULL, 0 };
    assert_int_equal(kh_amqp_confirms_waiting(&none), 0);
    assert_int_equal(kh_amqp_confirms_settle(&none, 0, true, true), 0);
    assert_null(kh_amqp_confirms_returned(&none, "m1", 2, "x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_single_ack, fresh),
        cmocka_unit_test_setup(test_multiple_ack, fresh),
        cmocka_unit_test_setup(test_nack_and_first_verdict, fresh),
        cmocka_unit_test_setup(test_multiple_nack_from_zero, fresh),
        cmocka_unit_test_setup(test_return_by_message_id, fresh),
        cmocka_unit_test(test_empty_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
