/*
 * test_profile.c - the national profile as shipped: it opens (every schema,
 * rule file and sheet compiles), it has its five families, every element
 * declaration of a family schema carries its WCO identity, and a document
 * is matched to its family.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "wco/profile.h"

static kh_profile *profile;

static int setup(void **state)
{
    (void)state;
    char buf[4096], err[512];
    profile = kh_profile_open(kh_profile_default_dir(NULL, buf, sizeof buf), err, sizeof err);
    if (!profile)
        fprintf(stderr, "%s\n", err);
    return profile ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    kh_profile_free(profile);
    return 0;
}

static void test_families(void **state)
{
    (void)state;
    const char *codes[] = { "DEC", "RES", "PAY", "LPCO", "TRN" };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const kh_family *f = kh_profile_family(profile, codes[i]);
        assert_non_null(f);
        assert_non_null(f->schema);
        assert_non_null(strstr(f->ns, codes[i]));
    }
    assert_non_null(kh_profile_family(profile, "DEC")->rules);
    assert_null(kh_profile_family(profile, "XYZ"));
}

/* Every xs:element with a name in a family schema has wco:ID or wco:Class. */
static void test_every_element_annotated(void **state)
{
    (void)state;
    const char *schemas[] = { "dec.xsd", "res.xsd", "pay.xsd", "lpco.xsd", "trn.xsd" };
    for (size_t i = 0; i < sizeof schemas / sizeof schemas[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", profile->dir, schemas[i]);
        xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
        assert_non_null(doc);
        xmlXPathContextPtr x = xmlXPathNewContext(doc);
        xmlXPathRegisterNs(x, (const xmlChar *)"xs", (const xmlChar *)"http://www.w3.org/2001/XMLSchema");
        xmlXPathRegisterNs(x, (const xmlChar *)"wco", (const xmlChar *)"urn:customs.gov.mn:wco:3.7:annotation");
        xmlXPathObjectPtr all = xmlXPathEvalExpression((const xmlChar *)"//xs:element[@name]", x);
        xmlXPathObjectPtr bare = xmlXPathEvalExpression(
            (const xmlChar *)"//xs:element[@name][not(xs:annotation/xs:appinfo/wco:ID or xs:annotation/xs:appinfo/wco:Class)]", x);
        assert_true(all->nodesetval && all->nodesetval->nodeNr > 5);
        int missing = bare->nodesetval ? bare->nodesetval->nodeNr : 0;
        for (int j = 0; j < missing; j++) {
            xmlChar *name = xmlGetProp(bare->nodesetval->nodeTab[j], (const xmlChar *)"name");
            fprintf(stderr, "%s: element %s has no WCO identity\n", schemas[i], name);
            xmlFree(name);
        }
        assert_int_equal(missing, 0);
        xmlXPathFreeObject(all);
        xmlXPathFreeObject(bare);
        xmlXPathFreeContext(x);
        xmlFreeDoc(doc);
    }
}

static void test_family_of_documents(void **state)
{
    (void)state;
    const char *text = "<md:MetaData xmlns:md=\"urn:customs.gov.mn:wco:3.7:metadata\"><md:WCOTypeName>PAY</md:WCOTypeName>"
                       "<pay:Payment xmlns:pay=\"urn:customs.gov.mn:wco:3.7:PAY\"/></md:MetaData>";
    xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), "t.xml", NULL, XML_PARSE_NONET);
    xmlNodePtr message;
    const kh_family *f = kh_profile_family_of(profile, doc, &message);
    assert_non_null(f);
    assert_string_equal(f->code, "PAY");
    assert_string_equal((const char *)message->name, "Payment");
    xmlFreeDoc(doc);
    text = "<md:MetaData xmlns:md=\"urn:customs.gov.mn:wco:3.7:metadata\"><md:WCOTypeName>RES</md:WCOTypeName>"
           "<x:Response xmlns:x=\"urn:other\"/></md:MetaData>";
    doc = xmlReadMemory(text, (int)strlen(text), "t.xml", NULL, XML_PARSE_NONET);
    f = kh_profile_family_of(profile, doc, &message);
    assert_non_null(f);                        /* claimed by its type name */
    assert_string_equal(f->code, "RES");
    assert_null(message);
    xmlFreeDoc(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_families),
        cmocka_unit_test(test_every_element_annotated),
        cmocka_unit_test(test_family_of_documents),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
