/*
 * test_death.c - the x-death header of a dead-lettered message in words
 * (gateway/amqp/death.h), with no broker: headers as RabbitMQ writes them
 * (delivery_limit in Khaalga's queue, with the number of deliveries;
 * rejected, expired, maxlen, a reason it does not know, a message
 * dead-lettered several times); only the x-first-death-* headers; none at
 * all; and headers of the wrong types or with unprintable text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <amqp.h>

#include "amqp/death.h"

static amqp_table_entry_t text(const char *key, const char *value)
{
    amqp_table_entry_t e;
    e.key = amqp_cstring_bytes(key);
    e.value.kind = AMQP_FIELD_KIND_UTF8;
    e.value.value.bytes = amqp_cstring_bytes(value);
    return e;
}

static amqp_table_entry_t number(const char *key, int64_t value)
{
    amqp_table_entry_t e;
    e.key = amqp_cstring_bytes(key);
    e.value.kind = AMQP_FIELD_KIND_I64;
    e.value.value.i64 = value;
    return e;
}

/* Headers with an x-death of one death (queue, reason, count) as RabbitMQ
 * writes it, and the x-first-death-* beside it. */
typedef struct one_death {
    amqp_table_entry_t death[4];
    amqp_field_value_t deaths[1];
    amqp_table_entry_t headers[3];
    amqp_table_t       table;
} one_death;

static void make_death(one_death *h, const char *queue, const char *reason, int64_t count)
{
    h->death[0] = number("count", count);
    h->death[1] = text("reason", reason);
    h->death[2] = text("queue", queue);
    h->death[3] = text("exchange", "customs");
    h->deaths[0].kind = AMQP_FIELD_KIND_TABLE;
    h->deaths[0].value.table = (amqp_table_t){ 4, h->death };
    h->headers[0].key = amqp_cstring_bytes("x-death");
    h->headers[0].value.kind = AMQP_FIELD_KIND_ARRAY;
    h->headers[0].value.value.array = (amqp_array_t){ 1, h->deaths };
    h->headers[1] = text("x-first-death-queue", queue);
    h->headers[2] = text("x-first-death-reason", reason);
    h->table = (amqp_table_t){ 3, h->headers };
}

static void delivery_limit_in_our_queue(void **state)
{
    (void)state;
    one_death h;
    char out[600];
    make_death(&h, "cais.declarations", "delivery_limit", 1);
    assert_int_equal(kh_amqp_death_reason(&h.table, "cais.declarations", 2, out, sizeof out), 1);
    assert_string_equal(out, "dead-lettered by the broker from queue cais.declarations: delivery_limit after 3 "
                             "deliveries (x-delivery-limit 2)");
    /* the limit not known, or the death in another queue: no count of deliveries */
    assert_int_equal(kh_amqp_death_reason(&h.table, "cais.declarations", 0, out, sizeof out), 1);
    assert_string_equal(out, "dead-lettered by the broker from queue cais.declarations: delivery_limit (delivered "
                             "more times than the queue's x-delivery-limit)");
    assert_int_equal(kh_amqp_death_reason(&h.table, "other", 2, out, sizeof out), 1);
    assert_non_null(strstr(out, "from queue cais.declarations: delivery_limit (delivered more times"));
}

static void the_other_reasons(void **state)
{
    (void)state;
    one_death h;
    char out[600];
    make_death(&h, "cais.declarations", "rejected", 3);
    assert_int_equal(kh_amqp_death_reason(&h.table, "cais.declarations", 20, out, sizeof out), 1);
    assert_string_equal(out, "dead-lettered by the broker from queue cais.declarations: rejected (a consumer rejected "
                             "it without requeue), 3 times");
    make_death(&h, "cais.declarations", "expired", 1);
    kh_amqp_death_reason(&h.table, "cais.declarations", 20, out, sizeof out);
    assert_string_equal(out, "dead-lettered by the broker from queue cais.declarations: expired (its time to live "
                             "in the queue passed)");
    make_death(&h, "cais.declarations", "maxlen", 1);
    kh_amqp_death_reason(&h.table, "cais.declarations", 20, out, sizeof out);
    assert_string_equal(out, "dead-lettered by the broker from queue cais.declarations: maxlen (the queue was full)");
    make_death(&h, "cais.declarations", "some_future_reason", 1);
    kh_amqp_death_reason(&h.table, "cais.declarations", 20, out, sizeof out);
    assert_string_equal(out, "dead-lettered by the broker from queue cais.declarations: some_future_reason");
}

static void only_the_first_death_headers(void **state)
{
    (void)state;
    amqp_table_entry_t entries[] = { text("x-first-death-queue", "cais.declarations"),
                                     text("x-first-death-reason", "delivery_limit") };
    amqp_table_t headers = { 2, entries };
    char out[600];
    assert_int_equal(kh_amqp_death_reason(&headers, "cais.declarations", 20, out, sizeof out), 1);
    assert_string_equal(out, "dead-lettered by the broker from queue cais.declarations: delivery_limit after 21 "
                             "deliveries (x-delivery-limit 20)");
}

static void no_death_at_all(void **state)
{
    (void)state;
    char out[600];
    assert_int_equal(kh_amqp_death_reason(NULL, "cais.declarations", 20, out, sizeof out), 0);
    assert_string_equal(out, "in the dead-letter queue of cais.declarations without an x-death header saying why");
    amqp_table_entry_t entries[] = { text("x-khaalga-family", "DEC") };
    amqp_table_t headers = { 1, entries };
    assert_int_equal(kh_amqp_death_reason(&headers, "cais.declarations", 20, out, sizeof out), 0);
    assert_non_null(strstr(out, "without an x-death header"));
}

static void headers_of_the_wrong_kind(void **state)
{
    (void)state;
    char out[600];
    /* x-death that is not an array, an array of numbers */
    amqp_table_entry_t not_array[] = { number("x-death", 7) };
    amqp_table_t headers = { 1, not_array };
    assert_int_equal(kh_amqp_death_reason(&headers, "q", 20, out, sizeof out), 0);
    amqp_field_value_t numbers[1];
    numbers[0].kind = AMQP_FIELD_KIND_I32;
    numbers[0].value.i32 = 1;
    amqp_table_entry_t array_of_numbers[1];
    array_of_numbers[0].key = amqp_cstring_bytes("x-death");
    array_of_numbers[0].value.kind = AMQP_FIELD_KIND_ARRAY;
    array_of_numbers[0].value.value.array = (amqp_array_t){ 1, numbers };
    headers = (amqp_table_t){ 1, array_of_numbers };
    assert_int_equal(kh_amqp_death_reason(&headers, "q", 20, out, sizeof out), 0);

    /* a reason that is a number, a queue with control characters, a count that is text */
    one_death h;
    make_death(&h, "evil\nqueue\x1b[31m", "rejected", 1);
    h.death[1] = number("reason", 42);
    h.death[0] = text("count", "many");
    assert_int_equal(kh_amqp_death_reason(&h.table, "q", 20, out, sizeof out), 1);
    assert_string_equal(out, "dead-lettered by the broker from queue evil queue [31m: no reason given");

    /* a small buffer: cut, terminated */
    make_death(&h, "cais.declarations", "delivery_limit", 1);
    char small[16];
    kh_amqp_death_reason(&h.table, "cais.declarations", 2, small, sizeof small);
    assert_int_equal(strlen(small), sizeof small - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(delivery_limit_in_our_queue),
        cmocka_unit_test(the_other_reasons),
        cmocka_unit_test(only_the_first_death_headers),
        cmocka_unit_test(no_death_at_all),
        cmocka_unit_test(headers_of_the_wrong_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
