/*
 * safe_parse.h - the only way Khaalga parses XML that comes from outside:
 * no network, no DTD (a DOCTYPE is refused), no entity expansion, and limits
 * on size and depth.
 */
#ifndef KHAALGA_XML_SAFE_PARSE_H
#define KHAALGA_XML_SAFE_PARSE_H

#include <stddef.h>

#include <libxml/tree.h>

typedef struct kh_xml_limits {
    size_t max_bytes;      /* of the document */
    int    max_depth;      /* element nesting */
} kh_xml_limits;

/* 16 MiB and 64 levels. */
void kh_xml_limits_default(kh_xml_limits *limits);

/* A parser to keep and reuse (one per thread): its context and dictionary
 * serve every document it parses, which is what makes parsing cheap. */
typedef struct kh_xml_parser kh_xml_parser;
kh_xml_parser *kh_xml_parser_new(const kh_xml_limits *limits);
void kh_xml_parser_free(kh_xml_parser *p);

/* Parses a document from memory. On failure returns NULL and says why in
 * err, with the line when there is one. name is used in messages only. */
xmlDocPtr kh_xml_parser_parse(kh_xml_parser *p, const char *data, size_t size, const char *name,
                              char *err, size_t errlen);

/* The same with a parser made for one document. */
xmlDocPtr kh_xml_parse_memory(const char *data, size_t size, const char *name,
                              const kh_xml_limits *limits, char *err, size_t errlen);

/* Reads FILE ("-" for standard input) into memory and parses it. */
xmlDocPtr kh_xml_parse_file(const char *path, const kh_xml_limits *limits, char *err, size_t errlen);

#endif
