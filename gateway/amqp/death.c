/*
 * death.c - the x-death header of a dead-lettered message in words
 * (death.h). RabbitMQ writes x-death as an array of tables, the latest
 * death first, each with the queue, the reason, a count, the time, the
 * exchange and the routing keys; and x-first-death-queue/-reason beside
 * it. Nothing in them is trusted to be printable or of the expected type.
 */
#include "amqp/death.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "amqp/broker.h"
#include "amqp/names.h"

static bool key_is(const amqp_table_entry_t *e, const char *key)
{
    return e->key.len == strlen(key) && !memcmp(e->key.bytes, key, e->key.len);
}

static const amqp_field_value_t *lookup(const amqp_table_t *table, const char *key)
{
    if (!table)
        return NULL;
    for (int i = 0; i < table->num_entries; i++)
        if (key_is(&table->entries[i], key))
            return &table->entries[i].value;
    return NULL;
}

/* A text field into out ("" when absent or not text). */
static void text_of(const amqp_table_t *table, const char *key, char *out, size_t outlen)
{
    const amqp_field_value_t *v = lookup(table, key);
    if (v && (v->kind == AMQP_FIELD_KIND_UTF8 || v->kind == AMQP_FIELD_KIND_BYTES))
        kh_amqp_copy_text(out, outlen, v->value.bytes);
    else
        out[0] = '\0';
}

/* A whole number of any of AMQP's integer kinds; -1 when absent or not one. */
static int64_t number_of(const amqp_table_t *table, const char *key)
{
    const amqp_field_value_t *v = lookup(table, key);
    if (!v)
        return -1;
    switch (v->kind) {
    case AMQP_FIELD_KIND_I8: return v->value.i8;
    case AMQP_FIELD_KIND_U8: return v->value.u8;
    case AMQP_FIELD_KIND_I16: return v->value.i16;
    case AMQP_FIELD_KIND_U16: return v->value.u16;
    case AMQP_FIELD_KIND_I32: return v->value.i32;
    case AMQP_FIELD_KIND_U32: return v->value.u32;
    case AMQP_FIELD_KIND_I64: return v->value.i64;
    case AMQP_FIELD_KIND_U64: return v->value.u64 > INT64_MAX ? -1 : (int64_t)v->value.u64;
    default: return -1;
    }
}

/* The latest death: the first table of the x-death array, or NULL. */
static const amqp_table_t *latest_death(const amqp_table_t *headers)
{
    const amqp_field_value_t *deaths = lookup(headers, "x-death");
    if (!deaths || deaths->kind != AMQP_FIELD_KIND_ARRAY || deaths->value.array.num_entries < 1)
        return NULL;
    const amqp_field_value_t *first = &deaths->value.array.entries[0];
    return first->kind == AMQP_FIELD_KIND_TABLE ? &first->value.table : NULL;
}

/* The reason in words: the broker's word, and what it means. */
static void explain(const char *reason, bool in_our_queue, unsigned delivery_limit, char *out, size_t outlen)
{
    if (!strcmp(reason, "delivery_limit") && in_our_queue && delivery_limit)
        snprintf(out, outlen, "delivery_limit after %u deliveries (x-delivery-limit %u)", delivery_limit + 1,
                 delivery_limit);
    else if (!strcmp(reason, "delivery_limit"))
        snprintf(out, outlen, "delivery_limit (delivered more times than the queue's x-delivery-limit)");
    else if (!strcmp(reason, "rejected"))
        snprintf(out, outlen, "rejected (a consumer rejected it without requeue)");
    else if (!strcmp(reason, "expired"))
        snprintf(out, outlen, "expired (its time to live in the queue passed)");
    else if (!strcmp(reason, "maxlen"))
        snprintf(out, outlen, "maxlen (the queue was full)");
    else
        snprintf(out, outlen, "%s", reason[0] ? reason : "no reason given");
}

int kh_amqp_death_reason(const amqp_table_t *headers, const char *queue, unsigned delivery_limit, char *out,
                         size_t outlen)
{
    if (!out || !outlen)
        return 0;
    char from[KH_AMQP_NAME_MAX + 1], reason[64], words[160];
    int64_t count = -1;
    const amqp_table_t *death = latest_death(headers);
    if (death) {
        text_of(death, "queue", from, sizeof from);
        text_of(death, "reason", reason, sizeof reason);
        count = number_of(death, "count");
    } else {
        text_of(headers, "x-first-death-queue", from, sizeof from);
        text_of(headers, "x-first-death-reason", reason, sizeof reason);
    }
    if (!from[0] && !reason[0]) {
        snprintf(out, outlen, "in the dead-letter queue of %s without an x-death header saying why",
                 queue ? queue : "its queue");
        return 0;
    }
    explain(reason, queue && !strcmp(from, queue), delivery_limit, words, sizeof words);
    if (count > 1)
        snprintf(out, outlen, "dead-lettered by the broker from queue %s: %s, %lld times", from[0] ? from : "?",
                 words, (long long)count);
    else
        snprintf(out, outlen, "dead-lettered by the broker from queue %s: %s", from[0] ? from : "?", words);
    return 1;
}
