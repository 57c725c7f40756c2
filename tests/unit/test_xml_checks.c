/*
 * test_xml_checks.c - unit tests of the XML side of validation: the hardened
 * parser (DOCTYPE, entities, external references, size and depth), the WCO
 * ID index of a schema, and the XPath rule files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wco/rules.h"
#include "wco/schema_index.h"
#include "xml/safe_parse.h"

static char dir[256];

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/khaalga-xml-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char command[600];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    return system(command) == 0 ? 0 : -1;
}

static xmlDocPtr parse(const char *text, char *err, size_t errlen)
{
    kh_xml_limits limits;
    kh_xml_limits_default(&limits);
    return kh_xml_parse_memory(text, strlen(text), "test.xml", &limits, err, errlen);
}

/* ------------------------------------------------------------ parser */

static void test_hostile_documents_are_refused(void **state)
{
    (void)state;
    char err[300];
    const char *hostile[] = {
        "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>",
        "<?xml version=\"1.0\"?>\n<!-- c --><!DOCTYPE a [<!ENTITY l \"lol\"><!ENTITY l2 \"&l;&l;&l;&l;\">]><a>&l2;</a>",
        "<!DOCTYPE a SYSTEM \"http://example.com/a.dtd\"><a/>",
        "<a><b></a>",
        "",
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        err[0] = '\0';
        xmlDocPtr doc = parse(hostile[i], err, sizeof err);
        assert_null(doc);
        assert_true(err[0] != '\0');
    }
    assert_null(parse("<!DOCTYPE a><a/>", err, sizeof err));
    assert_non_null(strstr(err, "DOCTYPE"));
    /* "<!DOCTYPE" inside a comment is no DOCTYPE */
    xmlDocPtr doc = parse("<!-- <!DOCTYPE x> --><a>ok</a>", err, sizeof err);
    assert_non_null(doc);
    xmlFreeDoc(doc);
    /* an undeclared entity is an error, never a lookup */
    assert_null(parse("<a>&ent;</a>", err, sizeof err));
    assert_non_null(strstr(err, "line 1"));
}

static void test_limits(void **state)
{
    (void)state;
    char err[300];
    kh_xml_limits limits = { .max_bytes = 64, .max_depth = 3 };
    const char *big = "<a>0123456789012345678901234567890123456789012345678901234567890123456789</a>";
    assert_null(kh_xml_parse_memory(big, strlen(big), "big.xml", &limits, err, sizeof err));
    assert_non_null(strstr(err, "limit"));
    const char *deep = "<a><b><c><d/></c></b></a>";
    assert_null(kh_xml_parse_memory(deep, strlen(deep), "deep.xml", &limits, err, sizeof err));
    assert_non_null(strstr(err, "deeper"));
    const char *ok = "<a><b><c/></b></a>";
    xmlDocPtr doc = kh_xml_parse_memory(ok, strlen(ok), "ok.xml", &limits, err, sizeof err);
    assert_non_null(doc);
    xmlFreeDoc(doc);
}

/* ------------------------------------------------------------ schema index */

#define XS "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:wco=\"urn:customs.gov.mn:wco:3.7:annotation\""
#define ANN(id, cls) "<xs:annotation><xs:appinfo><wco:ID>" id "</wco:ID>" cls "</xs:appinfo></xs:annotation>"

static void test_schema_index(void **state)
{
    (void)state;
    write_file("t.xsd",
        "<xs:schema " XS " targetNamespace=\"urn:t\" xmlns:t=\"urn:t\" elementFormDefault=\"qualified\">"
        "<xs:element name=\"Declaration\" type=\"t:DeclarationType\">" ANN("D000", "<wco:Class>42A</wco:Class>") "</xs:element>"
        "<xs:complexType name=\"DeclarationType\"><xs:sequence>"
        "<xs:element name=\"ID\" type=\"xs:string\">" ANN("D014", "") "</xs:element>"
        "<xs:element name=\"GoodsShipment\">" ANN("G000", "<wco:Class>67A</wco:Class>")
        "<xs:complexType><xs:sequence><xs:element name=\"ID\" type=\"xs:string\">" ANN("G001", "") "</xs:element>"
        "</xs:sequence></xs:complexType></xs:element>"
        "</xs:sequence></xs:complexType></xs:schema>");
    char path[512], err[300];
    snprintf(path, sizeof path, "%s/t.xsd", dir);
    kh_schema_index *idx = kh_schema_index_new();
    assert_int_equal(kh_schema_index_add(idx, path, err, sizeof err), 0);
    xmlDocPtr doc = parse("<Declaration xmlns=\"urn:t\"><ID>1</ID><GoodsShipment><ID>2</ID></GoodsShipment></Declaration>", err, sizeof err);
    assert_non_null(doc);
    xmlNodePtr decl = xmlDocGetRootElement(doc);
    xmlNodePtr decl_id = xmlFirstElementChild(decl);
    xmlNodePtr shipment = xmlNextElementSibling(decl_id);
    xmlNodePtr shipment_id = xmlFirstElementChild(shipment);
    kh_wco_identity id;
    kh_schema_index_lookup(idx, decl_id, &id);
    assert_string_equal(id.id, "D014");
    assert_string_equal(id.class_id, "42A");
    kh_schema_index_lookup(idx, shipment_id, &id);
    assert_string_equal(id.id, "G001");          /* the same name, another class: another ID */
    assert_string_equal(id.class_id, "67A");
    kh_schema_index_lookup(idx, shipment, &id);
    assert_string_equal(id.class_id, "67A");
    xmlFreeDoc(doc);
    kh_schema_index_free(idx);
}

/* ------------------------------------------------------------ rules */

static int failures_seen;
static char last_rule[64], last_node[64];

static void note_failure(void *ctx, const kh_rule_failure *f)
{
    (void)ctx;
    failures_seen++;
    snprintf(last_rule, sizeof last_rule, "%s", f->rule_id);
    snprintf(last_node, sizeof last_node, "%s", (const char *)f->node->name);
}

static void test_rules(void **state)
{
    (void)state;
    write_file("r.xml",
        "<rules xmlns=\"urn:khaalga:rules:1\">"
        "<namespace prefix=\"t\" uri=\"urn:t\"/>"
        "<param name=\"tolerance\" value=\"0.5\"/>"
        "<table name=\"units\"><row key=\"KGM\" value=\"kg\"/></table>"
        "<rule id=\"R-8\" severity=\"error\" context=\"//t:Item\" pointer=\"t:Code\">"
        "<assert>string-length(t:Code) = 8</assert>"
        "<message xml:lang=\"en\">eight digits</message><message xml:lang=\"mn\">найман орон</message></rule>"
        "<rule id=\"R-SUM\" severity=\"error\" context=\"/t:Doc\">"
        "<assert>sum(t:Item/t:Mass) - t:Total &lt;= $tolerance and t:Total - sum(t:Item/t:Mass) &lt;= $tolerance</assert>"
        "<message xml:lang=\"en\">total</message><message xml:lang=\"mn\">нийт</message></rule>"
        "<rule id=\"R-UNIT\" severity=\"warning\" context=\"//t:Item\">"
        "<assert>kh:lookup('units', t:Unit) != ''</assert>"
        "<message xml:lang=\"en\">unit</message><message xml:lang=\"mn\">нэгж</message></rule>"
        "<rule id=\"R-DAYS\" severity=\"error\" context=\"/t:Doc\">"
        "<assert>kh:days(t:From, t:To) &lt;= 365</assert>"
        "<message xml:lang=\"en\">a year</message><message xml:lang=\"mn\">нэг жил</message></rule>"
        "</rules>");
    char path[512], err[300];
    snprintf(path, sizeof path, "%s/r.xml", dir);
    kh_rules *rules = kh_rules_load(path, err, sizeof err);
    assert_non_null(rules);
    assert_int_equal(kh_rules_count(rules), 4);

    xmlDocPtr good = parse("<Doc xmlns=\"urn:t\"><Item><Code>12345678</Code><Mass>1.5</Mass><Unit>KGM</Unit></Item>"
                           "<Total>1.6</Total><From>2026-01-01</From><To>2026-12-31</To></Doc>", err, sizeof err);
    failures_seen = 0;
    assert_int_equal(kh_rules_check(rules, good, note_failure, NULL, err, sizeof err), 0);
    xmlFreeDoc(good);

    xmlDocPtr bad = parse("<Doc xmlns=\"urn:t\"><Item><Code>123456</Code><Mass>1.5</Mass><Unit>KGM</Unit></Item>"
                          "<Total>1.5</Total><From>2025-01-01</From><To>2026-12-31</To></Doc>", err, sizeof err);
    failures_seen = 0;
    assert_int_equal(kh_rules_check(rules, bad, note_failure, NULL, err, sizeof err), 2);
    assert_string_equal(last_rule, "R-DAYS");
    xmlFreeDoc(bad);

    bad = parse("<Doc xmlns=\"urn:t\"><Item><Code>123456</Code><Mass>1</Mass><Unit>KGM</Unit></Item>"
                "<Total>1</Total><From>2026-01-01</From><To>2026-01-02</To></Doc>", err, sizeof err);
    failures_seen = 0;
    assert_int_equal(kh_rules_check(rules, bad, note_failure, NULL, err, sizeof err), 1);
    assert_string_equal(last_rule, "R-8");
    assert_string_equal(last_node, "Code");       /* the pointer, not the context */
    xmlFreeDoc(bad);
    kh_rules_free(rules);

    /* a rule file with a broken expression names the rule and the line */
    write_file("broken.xml",
        "<rules xmlns=\"urn:khaalga:rules:1\">\n<rule id=\"B-1\" severity=\"error\" context=\"//x[\">"
        "<assert>true()</assert><message xml:lang=\"en\">x</message><message xml:lang=\"mn\">x</message></rule></rules>");
    snprintf(path, sizeof path, "%s/broken.xml", dir);
    assert_null(kh_rules_load(path, err, sizeof err));
    assert_non_null(strstr(err, "B-1"));
    assert_non_null(strstr(err, "line 2"));
    /* a rule without its Mongolian message is refused */
    write_file("nomn.xml",
        "<rules xmlns=\"urn:khaalga:rules:1\"><rule id=\"N-1\" severity=\"error\" context=\"/\">"
        "<assert>true()</assert><message xml:lang=\"en\">x</message></rule></rules>");
    snprintf(path, sizeof path, "%s/nomn.xml", dir);
    assert_null(kh_rules_load(path, err, sizeof err));
    assert_non_null(strstr(err, "Mongolian"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_documents_are_refused),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_schema_index),
        cmocka_unit_test(test_rules),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
