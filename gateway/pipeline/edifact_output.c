/*
 * edifact_output.c - a normalized WCO document written as an EDIFACT
 * interchange for a partner: a CUSRES answering an EDIFACT declarant, a
 * GOVCBR for a foreign customs. The profile's sheet to EDIFACT does the
 * writing; this names the interchange: its UNB sender and recipient, and a
 * control reference (0020, at most 14 characters) made from the message's
 * journal id and part, unique as the id is.
 */
#include "pipeline/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wco/translate.h"

void kh_interchange_reference(const char *message_id, int part, char reference[16])
{
    /* journal ids are YYYYMMDDhhmmssmmm-RANDOM: seconds and milliseconds,
     * seven characters of the random part, and the part */
    size_t length = strlen(message_id);
    snprintf(reference, 16, "%.5s%.7s%02d", length >= 17 ? message_id + 12 : message_id,
             length >= 25 ? message_id + 18 : "", part % 100);
}

char *kh_write_edifact(kh_worker *w, const char *xml, size_t size, const char *sender, const char *recipient,
                       const char *reference, size_t *out_size, char *why, size_t whylen)
{
    const kh_gateway *g = w->gateway;
    kh_translate_options opt = {
        .profile = g->profile, .directories = g->directories, .limits = &g->limits, .message = 1,
        .to_edifact = true, .sender = sender && sender[0] ? sender : NULL, .recipient = recipient,
        .reference = reference,
    };
    char *text = NULL;
    *out_size = 0;
    FILE *out = open_memstream(&text, out_size);
    if (!out) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    kh_translation t;
    memset(&t, 0, sizeof t);
    why[0] = '\0';
    int rc = kh_translate(&opt, xml, size, reference, out, &t, why, whylen);
    fclose(out);
    kh_translation_free(&t);
    if (rc != 0 || *out_size == 0) {
        free(text);
        if (!why[0])
            snprintf(why, whylen, "the profile cannot write this message as EDIFACT");
        return NULL;
    }
    return text;
}
