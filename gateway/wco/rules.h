/*
 * rules.h - business rules as data: XPath rule files, compiled once, checked
 * against a document. Each rule has an id, a severity, a context, an assertion,
 * a pointer to the element at fault, and its message in Mongolian and English.
 * The file format is described in docs/rules.md.
 */
#ifndef KHAALGA_WCO_RULES_H
#define KHAALGA_WCO_RULES_H

#include <stddef.h>

#include <libxml/tree.h>

typedef struct kh_rules kh_rules;

typedef struct kh_rule_failure {
    const char *rule_id;
    const char *severity;        /* "error" or "warning" */
    const char *message_en;
    const char *message_mn;
    xmlNodePtr  node;            /* the element the pointer designates */
} kh_rule_failure;

typedef void (*kh_rule_report_fn)(void *ctx, const kh_rule_failure *failure);

/* Loads and compiles a rule file; NULL with err set when it is not valid. */
kh_rules *kh_rules_load(const char *path, char *err, size_t errlen);
void kh_rules_free(kh_rules *rules);
size_t kh_rules_count(const kh_rules *rules);

/* Checks doc; calls report for each failure. Returns the number of
 * failures, or -1 with err set when a rule cannot be evaluated. */
int kh_rules_check(const kh_rules *rules, xmlDocPtr doc, kh_rule_report_fn report, void *ctx,
                   char *err, size_t errlen);

#endif
