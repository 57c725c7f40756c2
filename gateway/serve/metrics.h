/*
 * metrics.h - the Prometheus text exposition of `khaalga serve`: messages
 * by family, partner and state, errors by code, stage latency histograms and
 * the outbox depth, read from the journal at each scrape.
 */
#ifndef KHAALGA_SERVE_METRICS_H
#define KHAALGA_SERVE_METRICS_H

#include <stdio.h>

#include "journal/journal.h"

int kh_metrics_write(kh_journal *j, FILE *out);

#endif
