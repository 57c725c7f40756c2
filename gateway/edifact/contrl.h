/*
 * contrl.h - builds the CONTRL interchange that answers a checked interchange:
 * UCI with the action taken, UCF per group, UCM per message, UCS and UCD per
 * error, in the sender's syntax version and separators. Never a CONTRL in
 * reply to a CONTRL.
 */
#ifndef KHAALGA_EDIFACT_CONTRL_H
#define KHAALGA_EDIFACT_CONTRL_H

#include "edifact/interchange.h"

typedef struct kh_edi_contrl kh_edi_contrl;

/* A builder writing to out. now is the time for UNB, "CCYYMMDDHHMM", or
 * NULL for the current time; it also seeds the CONTRL's reference. */
kh_edi_contrl *kh_edi_contrl_new(FILE *out, const char *now);
void kh_edi_contrl_free(kh_edi_contrl *c);

/* The handler to feed with the walk's events (see kh_edi_walk). */
const kh_edi_handler *kh_edi_contrl_handler(kh_edi_contrl *c);

/* CONTRL interchanges written; interchanges not answered (CONTRL in,
 * or no sender to answer); and why the last write failed, or NULL. */
uint32_t kh_edi_contrl_written(const kh_edi_contrl *c);
uint32_t kh_edi_contrl_unanswered(const kh_edi_contrl *c);
const char *kh_edi_contrl_failure(const kh_edi_contrl *c);

#endif
