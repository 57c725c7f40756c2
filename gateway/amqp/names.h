/*
 * names.h - what may name things on an AMQP broker, as an [destination]
 * of type amqp gives them: the broker's URL, exchange and queue names,
 * binding keys, and the routing-key template with its {family}, {type},
 * {office} and {partner} fields filled in for each message. Checked when
 * the configuration is read, so that a delivery never finds out late.
 */
#ifndef KHAALGA_AMQP_NAMES_H
#define KHAALGA_AMQP_NAMES_H

#include <stddef.h>

/* AMQP 0-9-1 short strings (names, routing keys) are at most 255 bytes. */
enum { KH_AMQP_NAME_MAX = 255 };

/* amqp://user:password@host:port/vhost or amqps://…, as rabbitmq-c reads
 * it. 0 when it is one; -1 with why otherwise. */
int kh_amqp_check_url(const char *url, char *why, size_t whylen);

/* An exchange or queue name Khaalga may declare: letters, digits, '-',
 * '_', '.', ':'; not "amq." (the broker's own). 0, or -1 with why. */
int kh_amqp_check_name(const char *name, char *why, size_t whylen);

/* A binding key: dot-separated words of the name characters, '*' or '#'. */
int kh_amqp_check_binding_key(const char *key, char *why, size_t whylen);

/* The facts of one message a routing key may use; NULL when not known. */
typedef struct kh_routing_facts {
    const char *family, *type, *office, *partner;
} kh_routing_facts;

/* A routing-key template: name characters and the fields {family},
 * {type}, {office}, {partner}, e.g. "dec.{type}.{office}". 0, or -1 with why. */
int kh_routing_key_check(const char *template_, char *why, size_t whylen);

/* Fills the template's fields from facts into out. A field that is not
 * known becomes "none"; in a known one, every character that is not a
 * letter, digit, '-' or '_' becomes '_' (a '.' would split a word of the
 * topic, '*' and '#' mean something to a binding). 0, or -1 when the
 * template is not one or the key would be longer than KH_AMQP_NAME_MAX or
 * outlen - 1. */
int kh_routing_key_expand(const char *template_, const kh_routing_facts *facts, char *out, size_t outlen);

#endif
