/*
 * test_translate.c - unit tests of the translation pipeline on a small
 * profile made by the test: input recognition, EDIFACT through the engine
 * and a sheet into a WCO-like document that the profile's schema accepts,
 * the sheet's sandbox (no file or network access), a sheet's own
 * rejection (xsl:message terminate) reported as the reason, and the
 * provenance the sheets record (mappings/wco/provenance.xsl): exact EDIFACT
 * places and input XPaths, the marks removed from the result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "wco/provenance.h"
#include "wco/translate.h"
#include "wco/validate.h"
#include "xml/safe_parse.h"

static char dir[256];
static kh_dir_set *directories;

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

#define XSL_HEAD "<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" " \
                 "xmlns:e=\"urn:khaalga:edifact-xml:1\" xmlns:t=\"urn:customs.gov.mn:wco:test:T\">"

static void write_provenance_profile(void);

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/khaalga-profile-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir))
        return -1;
    write_file("profile.xml",
        "<profile xmlns=\"urn:khaalga:profile:1\" name=\"test\" wco-version=\"3.7\">"
        "<family code=\"T\" namespace=\"urn:customs.gov.mn:wco:test:T\" root=\"Declaration\" schema=\"t.xsd\"/>"
        "<sheet from=\"CUSDEC\" directory=\"D96B\" to=\"T\" file=\"cusdec.xsl\"/>"
        "<sheet from=\"camt.054\" to=\"T\" file=\"steal.xsl\"/>"
        "<sheet from=\"permit\" to=\"T\" file=\"refuse.xsl\"/>"
        "</profile>");
    write_file("t.xsd",
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" targetNamespace=\"urn:customs.gov.mn:wco:test:T\" "
        "elementFormDefault=\"qualified\"><xs:element name=\"Declaration\"><xs:complexType><xs:sequence>"
        "<xs:element name=\"ID\" type=\"xs:string\"/><xs:element name=\"TypeCode\" type=\"xs:string\"/>"
        "</xs:sequence></xs:complexType></xs:element></xs:schema>");
    write_file("cusdec.xsl", XSL_HEAD
        "<xsl:param name=\"message\" select=\"'1'\"/>"
        "<xsl:template match=\"/\"><xsl:variable name=\"m\" select=\"(//e:message)[number($message)]\"/>"
        "<t:Declaration><t:ID><xsl:value-of select=\"$m/e:BGM/e:C106/e:D1004\"/></t:ID>"
        "<t:TypeCode><xsl:value-of select=\"$m/e:BGM/e:C002/e:D1001\"/></t:TypeCode></t:Declaration>"
        "</xsl:template></xsl:stylesheet>");
    /* reads an XML file that exists (the schema): only the sandbox stops it */
    char steal[1024];
    snprintf(steal, sizeof steal, XSL_HEAD
        "<xsl:template match=\"/\"><t:Declaration><t:ID><xsl:value-of select=\"count(document('%s/t.xsd')//*)\"/></t:ID>"
        "<t:TypeCode>X</t:TypeCode></t:Declaration></xsl:template></xsl:stylesheet>", dir);
    write_file("steal.xsl", steal);
    write_file("refuse.xsl", XSL_HEAD
        "<xsl:template match=\"/\"><xsl:message terminate=\"yes\">permit has no holder</xsl:message>"
        "</xsl:template></xsl:stylesheet>");
    write_provenance_profile();
    char buf[4096];
    directories = kh_dir_set_open(kh_dir_default_root(NULL, buf, sizeof buf));
    return directories ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    kh_dir_set_free(directories);
    char command[600];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    return system(command) == 0 ? 0 : -1;
}

static void test_recognize(void **state)
{
    (void)state;
    struct { const char *text; kh_source_kind kind; } cases[] = {
        { "UNA:+.? 'UNB+UNOC:3", KH_SOURCE_EDIFACT },
        { "\r\nUNB+UNOC:3+X", KH_SOURCE_EDIFACT },
        { "<?xml version=\"1.0\"?><edifact xmlns=\"urn:khaalga:edifact-xml:1\"/>", KH_SOURCE_EDIFACT_XML },
        { "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\"/>", KH_SOURCE_CAMT054 },
        { "<!-- x --><p:permit xmlns:p=\"urn:khaalga:agency-permit:1\"/>", KH_SOURCE_PERMIT },
        { "<md:MetaData xmlns:md=\"urn:customs.gov.mn:wco:3.7:metadata\"/>", KH_SOURCE_WCO },
        { "<html/>", KH_SOURCE_UNKNOWN },
        { "hello", KH_SOURCE_UNKNOWN },
        { "", KH_SOURCE_UNKNOWN },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(kh_recognize(cases[i].text, strlen(cases[i].text)), cases[i].kind);
}

static int run(kh_profile *p, const char *text, char **out, kh_translation *t, char *err, size_t errlen)
{
    kh_edi_limits limits;
    kh_edi_limits_default(&limits);
    kh_translate_options opt = { .profile = p, .directories = directories, .limits = &limits };
    size_t len = 0;
    FILE *f = open_memstream(out, &len);
    int rc = kh_translate(&opt, text, strlen(text), "test", f, t, err, errlen);
    fclose(f);
    return rc;
}

#define CUSDEC "UNB+UNOC:3+S+R+261123:1200+R1'UNH+1+CUSDEC:D:96B:UN'BGM+929+DEC-42+9'UNS+D'UNS+S'UNT+5+1'UNZ+1+R1'"

static void test_edifact_to_wco_and_valid(void **state)
{
    (void)state;
    char err[400] = "", *out = NULL;
    kh_profile *p = kh_profile_open(dir, err, sizeof err);
    assert_non_null(p);
    kh_translation t;
    assert_int_equal(run(p, CUSDEC, &out, &t, err, sizeof err), 0);
    assert_int_equal(t.kind, KH_SOURCE_EDIFACT);
    assert_string_equal(t.from, "CUSDEC");
    assert_string_equal(t.directory, "D96B");
    assert_string_equal(t.to, "T");
    assert_non_null(strstr(out, "<t:ID>DEC-42</t:ID>"));
    kh_xml_limits xl;
    kh_xml_limits_default(&xl);
    xmlDocPtr doc = kh_xml_parse_memory(out, strlen(out), "out", &xl, err, sizeof err);
    assert_non_null(doc);
    kh_validation v;
    assert_int_equal(kh_validate(p, doc, &v, err, sizeof err), 0);
    kh_validation_free(&v);
    xmlFreeDoc(doc);
    free(out);

    /* a broken interchange is not translated */
    out = NULL;
    assert_int_equal(run(p, "UNB+UNOC:3+S+R+261123:1200+R1'UNH+1+CUSDEC:D:96B:UN'UNT+2+1'UNZ+1+R1'", &out, &t, err, sizeof err), 1);
    assert_non_null(strstr(err, "not translated"));
    free(out);
    /* no sheet for this directory */
    out = NULL;
    assert_int_equal(run(p, "UNB+UNOC:3+S+R+261123:1200+R1'UNH+1+CUSDEC:D:01B:UN'BGM+929+X+9'UNS+D'UNS+S'UNT+5+1'UNZ+1+R1'",
                         &out, &t, err, sizeof err), 2);
    assert_non_null(strstr(err, "no mapping sheet from CUSDEC D01B"));
    free(out);
    kh_profile_free(p);
}

static void test_sheets_are_sandboxed(void **state)
{
    (void)state;
    char err[400] = "", *out = NULL;
    kh_profile *p = kh_profile_open(dir, err, sizeof err);
    assert_non_null(p);
    kh_translation t;
    int rc = run(p, "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\"/>", &out, &t, err, sizeof err);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(err, "t.xsd"));          /* the refusal names what was asked for */
    free(out);
    out = NULL;
    rc = run(p, "<permit xmlns=\"urn:khaalga:agency-permit:1\"/>", &out, &t, err, sizeof err);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(err, "permit has no holder"));
    free(out);
    kh_profile_free(p);
}


/* ------------------------------------------------------------ provenance */

#define PROV_XSL_HEAD "<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" " \
                      "xmlns:e=\"urn:khaalga:edifact-xml:1\" xmlns:p=\"urn:khaalga:agency-permit:1\" " \
                      "xmlns:t=\"urn:customs.gov.mn:wco:test:T\">"

/* A profile in dir/prov whose sheets include the real provenance.xsl. */
static void write_provenance_profile(void)
{
    char root[4096], sheet[8192], path[600];
    const char *edifact = kh_dir_default_root(NULL, root, sizeof root);   /* DATADIR/mappings/edifact */
    snprintf(path, sizeof path, "%s/prov", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    write_file("prov/profile.xml",
        "<profile xmlns=\"urn:khaalga:profile:1\" name=\"prov\" wco-version=\"3.7\">"
        "<family code=\"T\" namespace=\"urn:customs.gov.mn:wco:test:T\" root=\"Declaration\" schema=\"t.xsd\"/>"
        "<sheet from=\"CUSDEC\" directory=\"D96B\" to=\"T\" file=\"cusdec.xsl\"/>"
        "<sheet from=\"permit\" to=\"T\" file=\"permit.xsl\"/>"
        "</profile>");
    write_file("prov/t.xsd",
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" targetNamespace=\"urn:customs.gov.mn:wco:test:T\" "
        "elementFormDefault=\"qualified\"><xs:element name=\"Declaration\"><xs:complexType><xs:sequence>"
        "<xs:element name=\"ID\" type=\"xs:string\"/><xs:element name=\"TypeCode\" type=\"xs:string\"/>"
        "<xs:element name=\"Note\" type=\"xs:string\" minOccurs=\"0\"/>"
        "</xs:sequence></xs:complexType></xs:element></xs:schema>");
    /* ID marked (its value as sent), TypeCode marked (reformatted: no value
     * search could find it), Note not marked (found by value, or not) */
    snprintf(sheet, sizeof sheet, PROV_XSL_HEAD
        "<xsl:include href=\"%s/../wco/provenance.xsl\"/>"
        "<xsl:template match=\"/\"><xsl:variable name=\"m\" select=\"(//e:message)[1]\"/>"
        "<t:Declaration><t:ID><xsl:apply-templates select=\"$m/e:BGM/e:C106/e:D1004\" mode=\"provenance\"/>"
        "<xsl:value-of select=\"$m/e:BGM/e:C106/e:D1004\"/></t:ID>"
        "<t:TypeCode><xsl:apply-templates select=\"$m/e:FTX/e:C108/e:D4440[2]\" mode=\"provenance\"/>"
        "<xsl:value-of select=\"translate($m/e:FTX/e:C108/e:D4440[2], 'abc', 'ABC')\"/></t:TypeCode>"
        "<t:Note><xsl:value-of select=\"$m/e:BGM/e:D1225\"/></t:Note>"
        "</t:Declaration></xsl:template></xsl:stylesheet>", edifact);
    write_file("prov/cusdec.xsl", sheet);
    snprintf(sheet, sizeof sheet, PROV_XSL_HEAD
        "<xsl:include href=\"%s/../wco/provenance.xsl\"/>"
        "<xsl:template match=\"/\"><t:Declaration>"
        "<t:ID><xsl:apply-templates select=\"//p:line[2]/@no\" mode=\"provenance\"/><xsl:value-of select=\"//p:line[2]/@no\"/></t:ID>"
        "<t:TypeCode><xsl:apply-templates select=\"//p:line[2]/p:hs\" mode=\"provenance\"/><xsl:value-of select=\"//p:line[2]/p:hs\"/></t:TypeCode>"
        "</t:Declaration></xsl:template></xsl:stylesheet>", edifact);
    write_file("prov/permit.xsl", sheet);
}

static int run_recording(kh_profile *p, const char *text, bool keep, char **out, kh_translation *t)
{
    kh_edi_limits limits;
    kh_edi_limits_default(&limits);
    kh_translate_options opt = { .profile = p, .directories = directories, .limits = &limits, .keep_documents = keep };
    char err[400] = "";
    size_t len = 0;
    FILE *f = open_memstream(out, &len);
    int rc = kh_translate(&opt, text, strlen(text), "test", f, t, err, sizeof err);
    fclose(f);
    if (rc != 0)
        print_error("%s\n", err);
    return rc;
}

static xmlNodePtr result_child(const kh_translation *t, const char *name)
{
    for (xmlNodePtr n = xmlFirstElementChild(xmlDocGetRootElement(t->result)); n; n = xmlNextElementSibling(n))
        if (strcmp((const char *)n->name, name) == 0)
            return n;
    return NULL;
}

#define CUSDEC_FTX "UNB+UNOC:3+S+R+261123:1200+R1'UNH+1+CUSDEC:D:96B:UN'BGM+929+DEC-42+9'" \
                   "FTX+AAI+++first:abc'UNS+D'UNS+S'UNT+6+1'UNZ+1+R1'"

static void test_provenance_edifact(void **state)
{
    (void)state;
    char err[400] = "", path[600], *plain = NULL, *recorded = NULL;
    snprintf(path, sizeof path, "%s/prov", dir);
    kh_profile *p = kh_profile_open(path, err, sizeof err);
    assert_non_null(p);
    kh_translation t;
    assert_int_equal(run_recording(p, CUSDEC_FTX, false, &plain, &t), 0);
    kh_translation_free(&t);
    assert_int_equal(run_recording(p, CUSDEC_FTX, true, &recorded, &t), 0);
    /* the marks are gone: the same document as without recording */
    assert_string_equal(plain, recorded);
    assert_null(strstr(recorded, KH_PROVENANCE_NS));
    assert_non_null(strstr(recorded, "<t:TypeCode>ABC</t:TypeCode>"));

    kh_origin o;
    assert_true(kh_translation_origin(&t, 1, result_child(&t, "ID"), &o));
    assert_true(o.exact);
    assert_int_equal(o.kind, KH_ORIGIN_EDIFACT);
    assert_int_equal(o.message, 1);
    assert_int_equal(o.segment, 2);                 /* UNH = 1, BGM = 2 */
    assert_string_equal(o.tag, "BGM");
    assert_int_equal(o.element, 2);
    assert_int_equal(o.component, 1);
    char text[200];
    kh_origin_describe(&o, text, sizeof text);
    assert_string_equal(text, "message 1 segment 2 BGM element 2 component 1");

    /* a reformatted value: found only because the sheet recorded it */
    assert_true(kh_translation_origin(&t, 1, result_child(&t, "TypeCode"), &o));
    assert_true(o.exact);
    assert_int_equal(o.segment, 3);
    assert_string_equal(o.tag, "FTX");
    assert_int_equal(o.element, 4);
    assert_int_equal(o.component, 2);
    assert_int_equal(kh_origin_of(t.source, 1, result_child(&t, "TypeCode"), &o), 0);

    /* not marked: the value search finds "9" once (BGM 1225) */
    assert_true(kh_translation_origin(&t, 1, result_child(&t, "Note"), &o));
    assert_false(o.exact);
    assert_int_equal(o.segment, 2);
    assert_int_equal(o.element, 3);
    /* a value held in two places (UNH and UNT 0062) is ambiguous, not guessed */
    xmlNodePtr one = xmlNewNode(NULL, (const xmlChar *)"x");
    xmlNodeSetContent(one, (const xmlChar *)"1");
    assert_int_equal(kh_origin_of(t.source, 1, one, &o), 2);
    assert_int_equal(o.kind, KH_ORIGIN_NONE);
    xmlFreeNode(one);
    kh_translation_free(&t);
    free(plain);
    free(recorded);
    kh_profile_free(p);
}

#define PERMIT "<permit xmlns=\"urn:khaalga:agency-permit:1\"><goods><line no=\"1\"><hs>1</hs></line>" \
               "<line no=\"2\"><hs>290359</hs></line></goods></permit>"

static void test_provenance_xml(void **state)
{
    (void)state;
    char err[400] = "", path[600], *out = NULL;
    snprintf(path, sizeof path, "%s/prov", dir);
    kh_profile *p = kh_profile_open(path, err, sizeof err);
    assert_non_null(p);
    kh_translation t;
    assert_int_equal(run_recording(p, PERMIT, true, &out, &t), 0);
    assert_null(strstr(out, KH_PROVENANCE_NS));
    kh_origin o;
    assert_true(kh_translation_origin(&t, 1, result_child(&t, "TypeCode"), &o));
    assert_int_equal(o.kind, KH_ORIGIN_XML);
    assert_string_equal(o.path, "/permit/goods/line[2]/hs");
    assert_true(kh_translation_origin(&t, 1, result_child(&t, "ID"), &o));
    assert_string_equal(o.path, "/permit/goods/line[2]/@no");
    /* an element no sheet marked has no origin in an XML input */
    assert_false(kh_translation_origin(&t, 1, xmlDocGetRootElement(t.result), &o));
    kh_translation_free(&t);
    free(out);
    kh_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recognize),
        cmocka_unit_test(test_edifact_to_wco_and_valid),
        cmocka_unit_test(test_sheets_are_sandboxed),
        cmocka_unit_test(test_provenance_edifact),
        cmocka_unit_test(test_provenance_xml),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
