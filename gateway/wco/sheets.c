/*
 * sheets.c - compiles and runs mapping sheets with libxslt. At run time the
 * security preferences forbid reading and writing files, creating folders
 * and the network: a sheet sees only the document it is given. When asked,
 * a run records where each output element came from (wco/provenance.c).
 */
#include "wco/sheets.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/variables.h>
#include <libxslt/xsltutils.h>

/* What a sheet says while compiling or running, kept for the report. */
typedef struct sheet_messages {
    char text[400];
} sheet_messages;

static void collect_message(void *ctx, const char *fmt, ...)
{
    sheet_messages *m = ctx;
    size_t used = strlen(m->text);
    if (used >= sizeof m->text - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->text + used, sizeof m->text - used, fmt, ap);
    va_end(ap);
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
    for (char *p = s; *p; p++)
        if (*p == '\n')
            *p = ' ';
}

static xsltStylesheetPtr compile(const char *path, char *err, size_t errlen)
{
    sheet_messages m = { "" };
    xsltSetGenericErrorFunc(&m, collect_message);
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xsltStylesheetPtr xsl = doc ? xsltParseStylesheetDoc(doc) : NULL;
    xsltSetGenericErrorFunc(NULL, NULL);
    if (!xsl) {
        if (doc)
            xmlFreeDoc(doc);
        trim(m.text);
        snprintf(err, errlen, "%s: %s", path, m.text[0] ? m.text : "not a stylesheet");
    }
    return xsl;
}

int kh_sheets_add(kh_sheets *s, const char *from, const char *directory, const char *to,
                  const char *path, char *err, size_t errlen)
{
    xsltStylesheetPtr xsl = NULL;
    for (size_t i = 0; i < s->count && !xsl; i++)
        if (strcmp(s->sheet[i].path, path) == 0)
            xsl = s->sheet[i].xsl;
    if (!xsl && !(xsl = compile(path, err, errlen)))
        return -1;
    kh_sheet *grown = realloc(s->sheet, (s->count + 1) * sizeof *grown);
    char *copy = strdup(path);
    if (!grown || !copy) {
        free(copy);
        if (grown)
            s->sheet = grown;
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->sheet = grown;
    kh_sheet *sh = &s->sheet[s->count++];
    memset(sh, 0, sizeof *sh);
    snprintf(sh->from, sizeof sh->from, "%s", from);
    snprintf(sh->directory, sizeof sh->directory, "%s", directory ? directory : "");
    snprintf(sh->to, sizeof sh->to, "%s", to);
    sh->path = copy;
    sh->xsl = xsl;
    return 0;
}

void kh_sheets_free(kh_sheets *s)
{
    for (size_t i = 0; i < s->count; i++) {
        bool first_use = true;
        for (size_t j = 0; j < i && first_use; j++)
            first_use = s->sheet[j].xsl != s->sheet[i].xsl;
        if (first_use)
            xsltFreeStylesheet(s->sheet[i].xsl);
        free(s->sheet[i].path);
    }
    free(s->sheet);
    s->sheet = NULL;
    s->count = 0;
}

const kh_sheet *kh_sheets_find(const kh_sheets *s, const char *from, const char *directory, const char *to)
{
    for (size_t i = 0; i < s->count; i++) {
        const kh_sheet *sh = &s->sheet[i];
        if (strcmp(sh->from, from) != 0)
            continue;
        if (sh->directory[0] && (!directory || strcmp(sh->directory, directory) != 0))
            continue;
        if (to && strcmp(sh->to, to) != 0)
            continue;
        return sh;
    }
    return NULL;
}

xmlDocPtr kh_sheet_apply(const kh_sheet *sheet, xmlDocPtr in, const char *const *params,
                         char *err, size_t errlen)
{
    return kh_sheet_apply_recording(sheet, in, params, NULL, err, errlen);
}

xmlDocPtr kh_sheet_apply_recording(const kh_sheet *sheet, xmlDocPtr in, const char *const *params,
                                   kh_provenance *recorder, char *err, size_t errlen)
{
    xsltSecurityPrefsPtr prefs = xsltNewSecurityPrefs();
    xsltTransformContextPtr ctxt = xsltNewTransformContext(sheet->xsl, in);
    if (!prefs || !ctxt) {
        xsltFreeSecurityPrefs(prefs);
        xsltFreeTransformContext(ctxt);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    xsltSetSecurityPrefs(prefs, XSLT_SECPREF_READ_FILE, xsltSecurityForbid);
    xsltSetSecurityPrefs(prefs, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid);
    xsltSetSecurityPrefs(prefs, XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid);
    xsltSetSecurityPrefs(prefs, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid);
    xsltSetSecurityPrefs(prefs, XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid);
    xsltSetCtxtSecurityPrefs(prefs, ctxt);
    if (recorder && kh_provenance_register(recorder, ctxt) != 0) {
        snprintf(err, errlen, "the provenance recorder cannot be installed");
        xsltFreeTransformContext(ctxt);
        xsltFreeSecurityPrefs(prefs);
        return NULL;
    }

    sheet_messages m = { "" };
    xsltSetTransformErrorFunc(ctxt, &m, collect_message);
    if (params && xsltQuoteUserParams(ctxt, (const char **)params) != 0) {
        snprintf(err, errlen, "the sheet's parameters cannot be set");
        xsltFreeTransformContext(ctxt);
        xsltFreeSecurityPrefs(prefs);
        return NULL;
    }
    xmlDocPtr out = xsltApplyStylesheetUser(sheet->xsl, in, NULL, NULL, NULL, ctxt);
    if (!out || ctxt->state != XSLT_STATE_OK) {
        trim(m.text);
        snprintf(err, errlen, "%s", m.text[0] ? m.text : "the mapping failed");
        xmlFreeDoc(out);
        out = NULL;
    }
    if (out && recorder && kh_provenance_collect(recorder, out) < 0) {
        snprintf(err, errlen, "out of memory");
        xmlFreeDoc(out);
        out = NULL;
    }
    xsltFreeTransformContext(ctxt);
    xsltFreeSecurityPrefs(prefs);
    return out;
}
