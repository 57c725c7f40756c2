/*
 * test_links.c - the table of broker connections: a report adds a link or
 * updates it, "since" moves only when the link goes up or down, links are
 * listed in the order first reported, a copy is bounded by its room, and
 * reports from several threads at once all land.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "amqp/links.h"

static void pause_ms(long ms)
{
    struct timespec t = { 0, ms * 1000000L };
    nanosleep(&t, NULL);
}

static void test_up_down_and_since(void **state)
{
    (void)state;
    kh_amqp_links_reset();
    kh_amqp_link_report("destination", "cais", "amqp://127.0.0.1:5672 vhost /", true, "publishing with confirms");
    kh_amqp_link_report("consumer", "cais-answers", "amqp://127.0.0.1:5672 vhost /", false, "connection refused");
    kh_amqp_link_state links[4];
    assert_int_equal(kh_amqp_links(links, 4), 2);
    assert_string_equal(links[0].kind, "destination");
    assert_string_equal(links[0].name, "cais");
    assert_true(links[0].up);
    assert_string_equal(links[1].name, "cais-answers");
    assert_false(links[1].up);
    assert_string_equal(links[1].detail, "connection refused");
    assert_true(links[0].since_ms > 0);

    int64_t since = links[1].since_ms;
    pause_ms(5);
    kh_amqp_link_report("consumer", "cais-answers", "", false, "still refused");
    assert_int_equal(kh_amqp_links(links, 4), 2);
    assert_int_equal(links[1].since_ms, since);                  /* still down: since stays */
    assert_string_equal(links[1].detail, "still refused");
    assert_string_equal(links[1].broker, "amqp://127.0.0.1:5672 vhost /");   /* "" keeps the broker */
    pause_ms(5);
    kh_amqp_link_report("consumer", "cais-answers", "", true, "consuming");
    assert_int_equal(kh_amqp_links(links, 4), 2);
    assert_true(links[1].up);
    assert_true(links[1].since_ms > since);

    /* the same name under another kind is another link; a copy is bounded */
    kh_amqp_link_report("dead-letters", "cais", "", true, "watching");
    assert_int_equal(kh_amqp_links(links, 2), 2);
    assert_int_equal(kh_amqp_links(links, 4), 3);
    assert_string_equal(links[2].kind, "dead-letters");
}

static void *report_many(void *arg)
{
    char name[32];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "%s-%d", (const char *)arg, i);
        kh_amqp_link_report("consumer", name, "", i % 2 == 0, "");
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    kh_amqp_links_reset();
    pthread_t threads[4];
    const char *prefixes[4] = { "a", "b", "c", "d" };
    for (int i = 0; i < 4; i++)
        pthread_create(&threads[i], NULL, report_many, (void *)prefixes[i]);
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    kh_amqp_link_state links[100];
    assert_int_equal(kh_amqp_links(links, 100), 80);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_up_down_and_since),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
