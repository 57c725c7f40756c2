/*
 * test_translate.c - unit tests of the translation pipeline on a small
 * profile made by the test: input recognition, EDIFACT through the engine
 * and a sheet into a WCO-like document that the profile's schema accepts,
 * the sheet's sandbox (no file or network access), and a sheet's own
 * rejection (xsl:message terminate) reported as the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recognize),
        cmocka_unit_test(test_edifact_to_wco_and_valid),
        cmocka_unit_test(test_sheets_are_sandboxed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
