/*
 * metrics.c - writes the Prometheus text format (version 0.0.4) from the
 * journal's counts and the state of the connections to brokers.
 */
#include "serve/metrics.h"

#include <stdlib.h>
#include <string.h>

#include "amqp/links.h"

typedef struct series {
    FILE       *out;
    const char *name;
    const char *const *label_names;
} series;

/* A label value with \, " and newline escaped. */
static void label_value(FILE *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', out);
        if (*v == '\n') {
            fputs("\\n", out);
            continue;
        }
        fputc(*v, out);
    }
}

static void sample(void *ctx, const char *const *labels, size_t nlabels, double value)
{
    series *s = ctx;
    fprintf(s->out, "%s{", s->name);
    for (size_t i = 0; i < nlabels; i++) {
        fprintf(s->out, "%s%s=\"", i ? "," : "", s->label_names[i]);
        label_value(s->out, labels[i]);
        fputc('"', s->out);
    }
    fprintf(s->out, "} %.17g\n", value);
}

/* Histogram samples: the journal gives (stage, le|sum|count). */
static void histogram_sample(void *ctx, const char *const *labels, size_t nlabels, double value)
{
    (void)nlabels;
    series *s = ctx;
    if (strcmp(labels[1], "sum") == 0 || strcmp(labels[1], "count") == 0) {
        fprintf(s->out, "%s_%s{stage=\"", s->name, labels[1]);
        label_value(s->out, labels[0]);
        fprintf(s->out, "\"} %.17g\n", value);
        return;
    }
    fprintf(s->out, "%s_bucket{stage=\"", s->name);
    label_value(s->out, labels[0]);
    fprintf(s->out, "\",le=\"%s\"} %.17g\n", labels[1], value);
}

int kh_metrics_write(kh_journal *j, FILE *out)
{
    static const char *const message_labels[] = { "family", "partner", "state" };
    static const char *const error_labels[] = { "code" };
    static const double bounds[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };

    fputs("# HELP khaalga_messages Messages in the journal by family, partner and state.\n"
          "# TYPE khaalga_messages gauge\n", out);
    series m = { out, "khaalga_messages", message_labels };
    if (kh_journal_count_messages(j, sample, &m) != 0)
        return -1;

    fputs("# HELP khaalga_errors Errors found in messages, by code.\n# TYPE khaalga_errors gauge\n", out);
    series e = { out, "khaalga_errors", error_labels };
    if (kh_journal_count_errors(j, sample, &e) != 0)
        return -1;

    fputs("# HELP khaalga_stage_seconds Time taken by each pipeline stage.\n"
          "# TYPE khaalga_stage_seconds histogram\n", out);
    series h = { out, "khaalga_stage_seconds", NULL };
    if (kh_journal_stage_histogram(j, bounds, sizeof bounds / sizeof bounds[0], histogram_sample, &h) != 0)
        return -1;

    long depth = kh_journal_outbox_depth(j);
    if (depth < 0)
        return -1;
    fprintf(out, "# HELP khaalga_outbox_depth Deliveries waiting in the outbox.\n"
                 "# TYPE khaalga_outbox_depth gauge\nkhaalga_outbox_depth %ld\n", depth);

    enum { MAX_SHOWN_LINKS = 64 };
    kh_amqp_link_state *links = calloc(MAX_SHOWN_LINKS, sizeof *links);
    size_t nlinks = links ? kh_amqp_links(links, MAX_SHOWN_LINKS) : 0;
    if (nlinks)
        fputs("# HELP khaalga_amqp_connection_up Whether each connection to a broker is up (1) or down (0).\n"
              "# TYPE khaalga_amqp_connection_up gauge\n", out);
    for (size_t i = 0; i < nlinks; i++) {
        fputs("khaalga_amqp_connection_up{kind=\"", out);
        label_value(out, links[i].kind);
        fputs("\",name=\"", out);
        label_value(out, links[i].name);
        fprintf(out, "\"} %d\n", links[i].up ? 1 : 0);
    }
    free(links);
    return 0;
}
