/*
 * test_names.c - the names of an amqp destination (amqp/names.h): URLs,
 * exchange and queue names, binding keys, and the routing-key template:
 * its check, and its expansion with known, unknown and hostile values and
 * at the length limit of AMQP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "amqp/names.h"

static void test_urls(void **state)
{
    (void)state;
    char why[200];
    assert_int_equal(kh_amqp_check_url("amqp://guest:guest@127.0.0.1:5672/%2f", why, sizeof why), 0);
    assert_int_equal(kh_amqp_check_url("amqps://khaalga:secret@mq.customs.local/customs", why, sizeof why), 0);
    assert_int_equal(kh_amqp_check_url("amqp://localhost", why, sizeof why), 0);
    assert_int_equal(kh_amqp_check_url("http://localhost:5672/", why, sizeof why), -1);
    assert_non_null(strstr(why, "not an amqp:// or amqps:// URL"));
    assert_int_equal(kh_amqp_check_url("amqp://host:port/", why, sizeof why), -1);
    assert_non_null(strstr(why, "not an AMQP URL"));
    assert_int_equal(kh_amqp_check_url("amqp://host:99999999/", why, sizeof why), -1);
    assert_int_equal(kh_amqp_check_url("amqp://ho st/", why, sizeof why), -1);
    /* the reason never repeats the URL: it may hold a password */
    assert_int_equal(kh_amqp_check_url("amqp://user:hunter2@host:x/", why, sizeof why), -1);
    assert_null(strstr(why, "hunter2"));
}

static void test_exchange_and_queue_names(void **state)
{
    (void)state;
    char why[200], long_name[300];
    assert_int_equal(kh_amqp_check_name("customs", why, sizeof why), 0);
    assert_int_equal(kh_amqp_check_name("cais.declarations-v1:in_2", why, sizeof why), 0);
    assert_int_equal(kh_amqp_check_name("amq.topic", why, sizeof why), -1);
    assert_non_null(strstr(why, "the broker's own"));
    assert_int_equal(kh_amqp_check_name("with space", why, sizeof why), -1);
    assert_int_equal(kh_amqp_check_name("a/b", why, sizeof why), -1);
    assert_int_equal(kh_amqp_check_name("", why, sizeof why), -1);
    memset(long_name, 'q', 256);
    long_name[256] = '\0';
    assert_int_equal(kh_amqp_check_name(long_name, why, sizeof why), -1);
    long_name[255] = '\0';
    assert_int_equal(kh_amqp_check_name(long_name, why, sizeof why), 0);
}

static void test_binding_keys(void **state)
{
    (void)state;
    char why[200];
    assert_int_equal(kh_amqp_check_binding_key("#", why, sizeof why), 0);
    assert_int_equal(kh_amqp_check_binding_key("declarations.*.UB01", why, sizeof why), 0);
    assert_int_equal(kh_amqp_check_binding_key("", why, sizeof why), 0);    /* the empty word */
    assert_int_equal(kh_amqp_check_binding_key("dec.{type}", why, sizeof why), -1);
    assert_int_equal(kh_amqp_check_binding_key("a b", why, sizeof why), -1);
}

static void test_template_check(void **state)
{
    (void)state;
    char why[200];
    assert_int_equal(kh_routing_key_check("{family}", why, sizeof why), 0);
    assert_int_equal(kh_routing_key_check("dec.{type}", why, sizeof why), 0);
    assert_int_equal(kh_routing_key_check("customs.{family}.{type}.{office}.{partner}", why, sizeof why), 0);
    assert_int_equal(kh_routing_key_check("fixed.key", why, sizeof why), 0);
    assert_int_equal(kh_routing_key_check("{family}-{type}", why, sizeof why), 0);

    assert_int_equal(kh_routing_key_check("dec.{kind}", why, sizeof why), -1);
    assert_string_equal(why, "\"{kind}\" is not {family}, {type}, {office} or {partner}");
    assert_int_equal(kh_routing_key_check("dec.{type", why, sizeof why), -1);
    assert_string_equal(why, "\"{type\" is not {family}, {type}, {office} or {partner}");
    assert_int_equal(kh_routing_key_check("dec.*", why, sizeof why), -1);
    assert_non_null(strstr(why, "'*' in a routing key"));
    assert_int_equal(kh_routing_key_check("dec.#", why, sizeof why), -1);
    assert_int_equal(kh_routing_key_check("dec }", why, sizeof why), -1);
    assert_int_equal(kh_routing_key_check("", why, sizeof why), -1);
}

static void test_expand(void **state)
{
    (void)state;
    char key[256];
    kh_routing_facts import = { "DEC", "IM", "UB01", "altan-zam" };
    assert_int_equal(kh_routing_key_expand("dec.{type}", &import, key, sizeof key), 0);
    assert_string_equal(key, "dec.IM");
    assert_int_equal(kh_routing_key_expand("{family}.{type}.{office}.{partner}", &import, key, sizeof key), 0);
    assert_string_equal(key, "DEC.IM.UB01.altan-zam");
    assert_int_equal(kh_routing_key_expand("fixed", &import, key, sizeof key), 0);
    assert_string_equal(key, "fixed");
    assert_int_equal(kh_routing_key_expand("{family}{family}", &import, key, sizeof key), 0);
    assert_string_equal(key, "DECDEC");

    /* what is not known is "none" */
    kh_routing_facts payment = { "PAY", NULL, "", NULL };
    assert_int_equal(kh_routing_key_expand("{family}.{type}.{office}.{partner}", &payment, key, sizeof key), 0);
    assert_string_equal(key, "PAY.none.none.none");
    assert_int_equal(kh_routing_key_expand("{family}", NULL, key, sizeof key), 0);
    assert_string_equal(key, "none");

    /* a value cannot add words or wildcards to the topic */
    kh_routing_facts hostile = { "DEC", "I.M", "*#", "bank \xd0\xa5" };
    assert_int_equal(kh_routing_key_expand("{type}.{office}.{partner}", &hostile, key, sizeof key), 0);
    assert_string_equal(key, "I_M.__.bank___");
}

static void test_expand_limits(void **state)
{
    (void)state;
    char key[300], value[300];
    memset(value, 'x', 250);
    value[250] = '\0';
    kh_routing_facts facts = { "DEC", value, NULL, NULL };
    assert_int_equal(kh_routing_key_expand("dec.{type}", &facts, key, sizeof key), 0);   /* 254 */
    assert_int_equal(strlen(key), 254);
    assert_int_equal(kh_routing_key_expand("decl.{type}", &facts, key, sizeof key), 0);  /* 255 */
    assert_int_equal(kh_routing_key_expand("decla.{type}", &facts, key, sizeof key), -1); /* 256 */
    char small[8];
    assert_int_equal(kh_routing_key_expand("dec.{family}", &facts, small, sizeof small), 0);
    assert_string_equal(small, "dec.DEC");
    assert_int_equal(kh_routing_key_expand("decl.{family}", &facts, small, sizeof small), -1);
    assert_int_equal(kh_routing_key_expand("dec.{nothing}", &facts, key, sizeof key), -1);
    assert_int_equal(kh_routing_key_expand("dec.*", &facts, key, sizeof key), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_exchange_and_queue_names),
        cmocka_unit_test(test_binding_keys),
        cmocka_unit_test(test_template_check),
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_expand_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
