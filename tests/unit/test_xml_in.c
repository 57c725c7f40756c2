/*
 * test_xml_in.c - EDIFACT-XML to EDIFACT: small hand-written documents to
 * exact EDIFACT bytes, and the documents it must refuse, with the place it
 * names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edifact/xml_in.h"

#define NS "xmlns=\"urn:khaalga:edifact-xml:1\""

/* The outcome of converting one document. */
typedef struct conversion {
    int rc;
    char *edifact;
    size_t len;
    char err[512];
} conversion;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static conversion *convert_file(const char *path)
{
    conversion *c = calloc(1, sizeof *c);
    FILE *out;

    assert_non_null(c);
    out = open_memstream(&c->edifact, &c->len);
    assert_non_null(out);
    c->rc = kh_edi_xml_to_edifact(path, out, c->err, sizeof c->err);
    fclose(out);
    return c;
}

static conversion *convert(const char *xml)
{
    char path[] = "/tmp/test_xml_in.XXXXXX";
    int fd = mkstemp(path);
    conversion *c;

    assert_true(fd >= 0);
    close(fd);
    write_file(path, xml);
    c = convert_file(path);
    unlink(path);
    return c;
}

static void free_conversion(conversion *c)
{
    free(c->edifact);
    free(c);
}

static void assert_converts_to(const char *xml, const char *expected, size_t expected_len)
{
    conversion *c = convert(xml);

    if (c->rc != KH_XML_IN_DONE)
        fail_msg("rejected: %s", c->err);
    assert_int_equal(c->len, expected_len);
    assert_memory_equal(c->edifact, expected, expected_len);
    assert_string_equal(c->err, "");
    free_conversion(c);
}

/* Refused, with an error that holds each of the NULL-terminated words. */
static void assert_rejected(const char *xml, ...)
{
    conversion *c = convert(xml);
    const char *words;
    va_list ap;

    if (c->rc != KH_XML_IN_REJECTED)
        fail_msg("expected a rejection, got %d (%s)", c->rc, c->err);
    va_start(ap, xml);
    while ((words = va_arg(ap, const char *)) != NULL)
        if (strstr(c->err, words) == NULL)
            fail_msg("error \"%s\" does not mention \"%s\"", c->err, words);
    va_end(ap);
    free_conversion(c);
}

/* ------------------------------------------------------------ round trips */

static const char declaration_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- a CUSDEC -->\n"
    "<edifact " NS ">\n"
    "  <interchange charset=\"UNOC\" version=\"4\" una=\":+.?*'\">\n"
    "    <UNB name=\"interchangeHeader\">\n"
    "      <S001 n=\"1\" name=\"syntaxIdentifier\"><D0001 n=\"1\">UNOC</D0001>"
              "<D0002 n=\"2\">4</D0002></S001>\n"
    "      <S002 n=\"2\"><D0004 n=\"1\">SENDER</D0004></S002>\n"
    "      <S003 n=\"3\"><D0010 n=\"1\">RECIPIENT</D0010></S003>\n"
    "      <S004 n=\"4\">\n"
    "        <D0017 n=\"1\">240101</D0017>\n"
    "        <D0019 n=\"2\">1200</D0019>\n"
    "      </S004>\n"
    "      <D0020 n=\"5\">IC1</D0020>\n"
    "    </UNB>\n"
    "    <message ref=\"1\" type=\"CUSDEC\" directory=\"D96B\">\n"
    "      <UNH><D0062 n=\"1\">1</D0062><S009 n=\"2\"><D0065 n=\"1\">CUSDEC</D0065>"
              "<D0052 n=\"2\">D</D0052><D0054 n=\"3\">96B</D0054>"
              "<D0051 n=\"4\">UN</D0051></S009></UNH>\n"
    "      <BGM><C002 n=\"1\"><D1001 n=\"1\">929</D1001></C002>"
              "<D1004 n=\"2\">DOC?<!-- split -->1</D1004><D1225 n=\"3\"/></BGM>\n"
    "      <SG1 name=\"SG1\"><RFF><C506 n=\"1\"><D1153 n=\"1\">ABT</D1153>"
              "<D1154 n=\"2\">A+B:C'D*E</D1154></C506></RFF></SG1>\n"
    "      <SG2><SG3>\n"
    "        <NAD><D3035 n=\"1\">CZ</D3035>\n"
    "          <E n=\"4\"><c n=\"1\">Caf\xC3\xA9</c><c n=\"2\">X</c></E>\n"
    "          <E n=\"4\" r=\"2\"><c n=\"2\">Y</c></E>\n"
    "        </NAD>\n"
    "      </SG3></SG2>\n"
    "      <FTX><D4451 n=\"1\">AAA</D4451><C108 n=\"4\"><D4440 n=\"1\"> </D4440>"
              "<D4440 n=\"2\"><![CDATA[a<b&c]]></D4440></C108></FTX>\n"
    "      <segment tag=\"Ab\"><E n=\"1\">1 &amp; 2</E></segment>\n"
    "      <UNT name=\"messageTrailer\"><D0074 n=\"1\">99</D0074><D0062 n=\"2\">1</D0062></UNT>\n"
    "    </message>\n"
    "    <UNZ><D0036 n=\"1\">0</D0036><D0020 n=\"2\">IC1</D0020></UNZ>\n"
    "  </interchange>\n"
    "</edifact>\n";

static const char declaration_edifact[] =
    "UNA:+.?*'"
    "UNB+UNOC:4+SENDER+RECIPIENT+240101:1200+IC1'"
    "UNH+1+CUSDEC:D:96B:UN'"
    "BGM+929+DOC??1+'"
    "RFF+ABT:A?+B?:C?'D?*E'"
    "NAD+CZ+++Caf\xE9:X*:Y'"
    "FTX+AAA+++ :a<b&c'"
    "Ab+1 & 2'"
    "UNT+7+1'"
    "UNZ+1+IC1'";

static void test_declaration(void **state)
{
    (void)state;
    assert_converts_to(declaration_xml, declaration_edifact, strlen(declaration_edifact));
}

static void test_groups_and_two_interchanges(void **state)
{
    static const char xml[] =
        "<edifact " NS ">"
        "<interchange charset=\"UNOA\" version=\"3\">"
        "<UNB><S001 n=\"1\"><D0001 n=\"1\">UNOA</D0001><D0002 n=\"2\">3</D0002></S001>"
        "<D0004 n=\"2\">S</D0004></UNB>"
        "<group ref=\"G1\">"
        "<UNG><D0038 n=\"1\">CUSDEC</D0038><D0048 n=\"5\">G1</D0048></UNG>"
        "<message><UNH><D0062 n=\"1\">M1</D0062></UNH>"
        "<UNT><D0074 n=\"1\">0</D0074><D0062 n=\"2\">M1</D0062></UNT></message>"
        "<message><UNH><D0062 n=\"1\">M2</D0062></UNH><BGM><D1004 n=\"2\">X</D1004></BGM>"
        "<UNT><D0062 n=\"2\">M2</D0062></UNT></message>"
        "<UNE><D0060 n=\"1\">0</D0060><D0048 n=\"2\">G1</D0048></UNE>"
        "</group>"
        "<UNZ><D0036 n=\"1\">0</D0036><D0020 n=\"2\">IC</D0020></UNZ>"
        "</interchange>"
        "<interchange charset=\"UNOB\" version=\"4\" una-hex=\"1f1D2E201E1C\">"
        "<UNB><S001 n=\"1\"><D0001 n=\"1\">UNOB</D0001><D0002 n=\"2\">4</D0002></S001></UNB>"
        "<message><UNH><D0062 n=\"1\">m1</D0062></UNH>"
        "<FTX><E n=\"1\" r=\"2\">a+b:c</E></FTX>"
        "<UNT/></message>"
        "<UNZ><D0020 n=\"2\">ic</D0020></UNZ>"
        "</interchange>"
        "</edifact>";
    static const char expected[] =
        "UNB+UNOA:3+S'"
        "UNG+CUSDEC++++G1'"
        "UNH+M1'UNT+2+M1'"
        "UNH+M2'BGM++X'UNT+3+M2'"
        "UNE+2+G1'"
        "UNZ+1+IC'"
        "UNA\x1F\x1D. \x1E\x1C"
        "UNB\x1DUNOB\x1F" "4\x1C"
        "UNH\x1Dm1\x1C"
        "FTX\x1D\x1E" "a+b:c\x1C"
        "UNT\x1D" "3\x1C"
        "UNZ\x1D" "1\x1Dic\x1C";

    (void)state;
    assert_converts_to(xml, expected, sizeof expected - 1);
}

static void test_unoe_values(void **state)
{
    static const char xml[] =
        "<edifact " NS "><interchange charset=\"UNOE\" version=\"4\">"
        "<NAD><E n=\"1\">Москва</E><E n=\"2\">№ 5 §</E></NAD>"
        "</interchange></edifact>";
    static const char expected[] = "NAD+\xBC\xDE\xE1\xDA\xD2\xD0+\xF0 5 \xFD'";

    (void)state;
    assert_converts_to(xml, expected, sizeof expected - 1);
}

static void test_empty_document_element(void **state)
{
    (void)state;
    assert_converts_to("<edifact " NS "/>", "", 0);
    assert_converts_to("<e:edifact xmlns:e=\"urn:khaalga:edifact-xml:1\">"
                       "<e:interchange charset=\"UNOC\" version=\"3\"><e:BGM/></e:interchange>"
                       "</e:edifact>", "BGM'", 4);
}

static void test_standard_input(void **state)
{
    char path[] = "/tmp/test_xml_in.XXXXXX";
    int fd = mkstemp(path);
    int saved_stdin = dup(STDIN_FILENO);
    conversion *c;

    (void)state;
    assert_true(fd >= 0 && saved_stdin >= 0);
    close(fd);
    write_file(path, declaration_xml);
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_true(dup2(fd, STDIN_FILENO) >= 0);
    close(fd);

    c = convert_file("-");

    assert_true(dup2(saved_stdin, STDIN_FILENO) >= 0);
    close(saved_stdin);
    unlink(path);
    assert_int_equal(c->rc, KH_XML_IN_DONE);
    assert_int_equal(c->len, strlen(declaration_edifact));
    assert_memory_equal(c->edifact, declaration_edifact, c->len);
    free_conversion(c);
}

/* ------------------------------------------------------------ rejections */

static void test_rejects_doctype(void **state)
{
    (void)state;
    assert_rejected("<?xml version=\"1.0\"?>\n"
                    "<!DOCTYPE edifact [ <!ENTITY x \"UNOC\"> ]>\n"
                    "<edifact " NS "><interchange charset=\"UNOC\" version=\"3\">"
                    "<BGM><E n=\"1\">&x;</E></BGM></interchange></edifact>",
                    "DOCTYPE is not allowed", NULL);
    assert_rejected("<!DOCTYPE edifact SYSTEM \"http://example.invalid/e.dtd\">"
                    "<edifact " NS "/>", "DOCTYPE", NULL);
}

static void test_rejects_unknown_elements(void **state)
{
    (void)state;
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"3\">\n"
                    "<UNB><FOO n=\"1\">A</FOO></UNB></interchange></edifact>",
                    "line 2: /edifact/interchange[1]/UNB[1]: <FOO> is not a data element",
                    NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"3\">"
                    "<foo/></interchange></edifact>",
                    "/edifact/interchange[1]: <foo> is not allowed in <interchange>", NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"3\">"
                    "<message><group/></message></interchange></edifact>",
                    "/edifact/interchange[1]/message[1]: <group> is not allowed in a message",
                    NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"3\">"
                    "<SG1><BGM/></SG1></interchange></edifact>",
                    "segment group <SG1> outside a message", NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"3\">"
                    "<BGM><C002 n=\"1\"><D1001 n=\"1\"><x/></D1001></C002></BGM>"
                    "</interchange></edifact>",
                    "/BGM[1]/C002/D1001: <D1001> holds a value", NULL);
    assert_rejected("<edifacts " NS "/>", "<edifacts>, not <edifact>", NULL);
    assert_rejected("<edifact><interchange/></edifact>", "namespace", NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"3\">"
                    "<BGM xmlns=\"urn:other\"/></interchange></edifact>",
                    "<BGM> is not in the EDIFACT-XML namespace", NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"3\">"
                    "<UNA/></interchange></edifact>", "UNA", NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"3\">"
                    "<BGM colour=\"red\"/></interchange></edifact>",
                    "<BGM> has no attribute colour", NULL);
}

static void test_rejects_bad_positions(void **state)
{
    (void)state;
#define SEGMENT(body) "<edifact " NS "><interchange charset=\"UNOC\" version=\"4\">" \
                      "<BGM>" body "</BGM></interchange></edifact>"
    assert_rejected(SEGMENT("<D1004 n=\"0\">A</D1004>"), "/BGM[1]", "n=\"0\"", NULL);
    assert_rejected(SEGMENT("<D1004 n=\"x\">A</D1004>"), "n=\"x\"", NULL);
    assert_rejected(SEGMENT("<D1004 n=\"\">A</D1004>"), "n=\"\"", NULL);
    assert_rejected(SEGMENT("<D1004 n=\"-1\">A</D1004>"), "n=\"-1\"", NULL);
    assert_rejected(SEGMENT("<D1004 n=\"99999999999\">A</D1004>"), "from 1 to", NULL);
    assert_rejected(SEGMENT("<D1004>A</D1004>"), "has no position n", NULL);
    assert_rejected(SEGMENT("<D1004 n=\"2\" r=\"0\">A</D1004>"), "r=\"0\"", NULL);
    assert_rejected(SEGMENT("<C002 n=\"1\"><c n=\"0\">A</c></C002>"),
                    "/BGM[1]/C002", "n=\"0\"", NULL);
    assert_rejected(SEGMENT("<C002 n=\"1\"><c r=\"2\">A</c></C002>"), "no attribute r", NULL);
    assert_rejected(SEGMENT("<D1004 n=\"3\">A</D1004><D1001 n=\"2\">B</D1001>"),
                    "/BGM[1]/D1001", "comes after", NULL);
    assert_rejected(SEGMENT("<D1004 n=\"2\">A</D1004><D1004 n=\"2\">B</D1004>"),
                    "comes after", NULL);
    assert_rejected(SEGMENT("<C002 n=\"1\"><c n=\"2\">A</c><c n=\"1\">B</c></C002>"),
                    "/BGM[1]/C002/c[@n=1]", "comes after", NULL);
#undef SEGMENT
}

static void test_rejects_unrepresentable_value(void **state)
{
    static const char xml[] =
        "<edifact " NS ">\n"
        "<interchange charset=\"UNOE\" version=\"4\">\n"
        "<message>\n"
        "<UNH><D0062 n=\"1\">1</D0062></UNH>\n"
        "<SG2><NAD><D3035 n=\"1\">CZ</D3035></NAD></SG2>\n"
        "<SG2><NAD><D3035 n=\"1\">CN</D3035>\n"
        "  <C080 n=\"4\"><D3036 n=\"1\">Москва</D3036><D3036 n=\"2\">Өлзий</D3036></C080>\n"
        "</NAD></SG2>\n"
        "</message>\n"
        "</interchange>\n"
        "</edifact>\n";
    conversion *c;
    const char *where = "line 7: /edifact/interchange[1]/message[1]/NAD[2]/C080/D3036: ";

    (void)state;
    c = convert(xml);
    assert_int_equal(c->rc, KH_XML_IN_REJECTED);
    assert_memory_equal(c->err, where, strlen(where));
    assert_non_null(strstr(c->err, "U+04E8"));
    assert_non_null(strstr(c->err, "UNOE"));
    free_conversion(c);

    /* A carriage return is a control character: in no repertoire. */
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"3\">"
                    "<FTX><E n=\"1\">A&#13;B</E></FTX></interchange></edifact>",
                    "/FTX[1]/E[@n=1]", "control character", NULL);
    /* Lower case in UNOA. */
    assert_rejected("<edifact " NS "><interchange charset=\"UNOA\" version=\"3\">"
                    "<FTX><E n=\"1\">x</E></FTX></interchange></edifact>",
                    "U+0078", NULL);
    /* A separator with no release character to escape it. */
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"3\" "
                    "una=\":+.  '\"><FTX><E n=\"1\">A:B</E></FTX></interchange></edifact>",
                    "no release character", NULL);
}

static void test_rejects_bad_interchange_attributes(void **state)
{
    (void)state;
    assert_rejected("<edifact " NS "><interchange version=\"3\"/></edifact>",
                    "no charset", NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOX\" version=\"3\"/></edifact>",
                    "charset=\"UNOX\"", NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\"/></edifact>",
                    "no version", NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"5\"/></edifact>",
                    "version=\"5\"", NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"4\" "
                    "una=\":+.?'\"/></edifact>", "six characters", NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"4\" "
                    "una-hex=\"3A2B2E3F2A\"/></edifact>", "twelve hexadecimal", NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"4\" "
                    "una-hex=\"3A2B2E3F2AZZ\"/></edifact>", "twelve hexadecimal", NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"4\" "
                    "una=\":+.?*'\" una-hex=\"3A2B2E3F2A27\"/></edifact>",
                    "both una and una-hex", NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"4\" "
                    "una=\"::.?*'\"/></edifact>", "same character", NULL);
}

static void test_rejects_misplaced_text(void **state)
{
    (void)state;
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"3\">"
                    "<BGM>stray<E n=\"1\">A</E></BGM></interchange></edifact>",
                    "/BGM[1]: <BGM> holds elements, not text", NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"3\">"
                    "<BGM><C002 n=\"1\">A<c n=\"1\">B</c></C002></BGM></interchange></edifact>",
                    "holds both a value and components", NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"3\">"
                    "<BGM><C002 n=\"1\"><c n=\"1\">B</c>A</C002></BGM></interchange></edifact>",
                    "<C002> holds elements, not text", NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"3\">"
                    "<segment><E n=\"1\">A</E></segment></interchange></edifact>",
                    "<segment> has no tag", NULL);
}

static void test_rejects_malformed_xml(void **state)
{
    (void)state;
    assert_rejected("<edifact " NS ">\n<interchange charset=\"UNOC\" version=\"3\">\n"
                    "<BGM></UNH>\n</interchange></edifact>",
                    "line 3", "not well-formed XML", NULL);
    assert_rejected("", "not well-formed XML", NULL);
    assert_rejected("<edifact " NS "><x:BGM/></edifact>", "not well-formed XML", NULL);
    assert_rejected("<edifact " NS "><interchange charset=\"UNOC\" version=\"3\">"
                    "<BGM><E n=\"1\">&undefined;</E></BGM></interchange></edifact>",
                    "not well-formed XML", NULL);
}

static void test_unreadable_input(void **state)
{
    conversion *c;

    (void)state;
    c = convert_file("/nonexistent/khaalga.xml");
    assert_int_equal(c->rc, KH_XML_IN_INTERNAL);
    assert_non_null(strstr(c->err, "cannot open /nonexistent/khaalga.xml"));
    free_conversion(c);

    c = convert_file("/tmp");
    assert_int_equal(c->rc, KH_XML_IN_INTERNAL);
    assert_non_null(strstr(c->err, "Is a directory"));
    free_conversion(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_declaration),
        cmocka_unit_test(test_groups_and_two_interchanges),
        cmocka_unit_test(test_unoe_values),
        cmocka_unit_test(test_empty_document_element),
        cmocka_unit_test(test_standard_input),
        cmocka_unit_test(test_rejects_doctype),
        cmocka_unit_test(test_rejects_unknown_elements),
        cmocka_unit_test(test_rejects_bad_positions),
        cmocka_unit_test(test_rejects_unrepresentable_value),
        cmocka_unit_test(test_rejects_bad_interchange_attributes),
        cmocka_unit_test(test_rejects_misplaced_text),
        cmocka_unit_test(test_rejects_malformed_xml),
        cmocka_unit_test(test_unreadable_input),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
