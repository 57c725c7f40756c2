/*
 * bare-publish.c - the ceiling of the AMQP benchmark (tests/bench/amqp-bench.sh):
 * the least a publisher with confirms does to put messages into a RabbitMQ
 * queue. rabbitmq-c, one connection, one channel in confirm mode; each
 * message persistent and mandatory with the properties and headers
 * `khaalga serve` gives it, its body one of the files of a folder (the
 * bytes khaalga published, taken from the queue), each with its own
 * message id; at most WINDOW publishes awaiting their confirm (1: each
 * confirm awaited before the next publish). No HTTP, no parsing, no
 * journal.
 *
 *   bare-publish --url URL --exchange X --routing-key K --bodies DIR
 *                [--window 64] [--seconds 10] [--count N] [--prefix ID-PREFIX]
 *                [--log FILE]
 *
 * Prints one line on stdout (key=value): published, confirmed, nacked,
 * returned, seconds, rate (confirmed per second), p50_ms, p90_ms, p99_ms,
 * max_ms (from the publish to its confirm). With --log, one line per
 * confirmed message: "MESSAGE_ID PUBLISHED_NS CONFIRMED_NS" (CLOCK_MONOTONIC,
 * comparable with the other processes of the benchmark). Exit 0 when every
 * message was confirmed with an ack, 1 otherwise, 2 for a usage or
 * connection error.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include <amqp.h>
#include <amqp_tcp_socket.h>

enum { CHANNEL = 1 };

typedef struct body {
    char  *data;
    size_t size;
} body;

typedef struct publish {
    uint64_t tag;
    int64_t  published_ns, confirmed_ns;
    char     id[64];
    bool     acked, nacked, returned;
} publish;

static struct {
    const char *url, *exchange, *routing_key, *bodies, *prefix, *log;
    long        window, count;
    double      seconds;
} opt = { NULL, NULL, NULL, NULL, "bare", NULL, 64, -1, 10.0 };

static body    *bodies;
static size_t   nbodies;
static publish *publishes;       /* by tag - 1 */
static size_t   capacity;

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void usage(void)
{
    fprintf(stderr, "usage: bare-publish --url URL --exchange X --routing-key K --bodies DIR [--window N]\n"
                    "                    [--seconds S] [--count N] [--prefix ID-PREFIX] [--log FILE]\n");
    exit(2);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_bodies(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        exit(2);
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        if (!names || asprintf(&names[n++], "%s/%s", dir, e->d_name) < 0)
            exit(2);
    }
    closedir(d);
    if (!n) {
        fprintf(stderr, "bare-publish: %s: no bodies there\n", dir);
        exit(2);
    }
    qsort(names, n, sizeof *names, by_name);
    bodies = calloc(n, sizeof *bodies);
    for (size_t i = 0; i < n; i++) {
        FILE *f = fopen(names[i], "rb");
        struct stat st;
        if (!f || fstat(fileno(f), &st) != 0 || !(bodies[i].data = malloc((size_t)st.st_size + 1))
            || fread(bodies[i].data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
            perror(names[i]);
            exit(2);
        }
        bodies[i].size = (size_t)st.st_size;
        fclose(f);
        free(names[i]);
    }
    free(names);
    nbodies = n;
}

static int failed(amqp_rpc_reply_t r, const char *what)
{
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return 0;
    fprintf(stderr, "bare-publish: %s failed (reply type %d%s%s)\n", what, r.reply_type,
            r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION ? ", " : "",
            r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION ? amqp_error_string2(r.library_error) : "");
    return 1;
}

static amqp_table_entry_t text_entry(const char *key, const char *value)
{
    amqp_table_entry_t e;
    e.key = amqp_cstring_bytes(key);
    e.value.kind = AMQP_FIELD_KIND_UTF8;
    e.value.value.bytes = amqp_cstring_bytes(value);
    return e;
}

/* An ack or nack of tag (multiple: all up to it). */
static long settle(uint64_t tag, bool multiple, bool ack, uint64_t published, uint64_t *settled_upto)
{
    long n = 0;
    uint64_t from = multiple ? *settled_upto + 1 : tag;
    int64_t now = now_ns();
    for (uint64_t t = from; t <= tag && t <= published; t++) {
        publish *p = &publishes[t - 1];
        if (p->acked || p->nacked)
            continue;
        if (ack)
            p->acked = true;
        else
            p->nacked = true;
        p->confirmed_ns = now;
        n++;
    }
    while (*settled_upto < published && (publishes[*settled_upto].acked || publishes[*settled_upto].nacked))
        (*settled_upto)++;
    return n;
}

static int by_value(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double percentile_ms(const int64_t *sorted, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p / 100.0 * (double)n + 0.5);
    if (i > 0)
        i--;
    if (i >= n)
        i = n - 1;
    return (double)sorted[i] / 1e6;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "--url")) opt.url = v;
        else if (!strcmp(a, "--exchange")) opt.exchange = v;
        else if (!strcmp(a, "--routing-key")) opt.routing_key = v;
        else if (!strcmp(a, "--bodies")) opt.bodies = v;
        else if (!strcmp(a, "--window")) opt.window = atol(v);
        else if (!strcmp(a, "--seconds")) opt.seconds = atof(v);
        else if (!strcmp(a, "--count")) opt.count = atol(v);
        else if (!strcmp(a, "--prefix")) opt.prefix = v;
        else if (!strcmp(a, "--log")) opt.log = v;
        else usage();
    }
    if (!opt.url || !opt.exchange || !opt.routing_key || !opt.bodies || opt.window < 1 || opt.seconds <= 0)
        usage();
    load_bodies(opt.bodies);

    char *url = strdup(opt.url);
    struct amqp_connection_info info;
    if (amqp_parse_url(url, &info) != AMQP_STATUS_OK)
        usage();
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    struct timeval timeout = { 10, 0 };
    if (!s || amqp_socket_open_noblock(s, info.host, info.port, &timeout) != AMQP_STATUS_OK) {
        fprintf(stderr, "bare-publish: cannot connect to %s:%d\n", info.host, info.port);
        return 2;
    }
    amqp_set_rpc_timeout(c, &timeout);
    if (failed(amqp_login(c, info.vhost, 0, 131072, 30, AMQP_SASL_METHOD_PLAIN, info.user, info.password), "login"))
        return 2;
    amqp_channel_open(c, CHANNEL);
    if (failed(amqp_get_rpc_reply(c), "channel.open"))
        return 2;
    amqp_confirm_select(c, CHANNEL);
    if (failed(amqp_get_rpc_reply(c), "confirm.select"))
        return 2;

    amqp_table_entry_t headers[] = { text_entry("x-khaalga-family", "DEC"), text_entry("x-khaalga-partner", "broker"),
                                     text_entry("x-khaalga-type", "IM") };
    amqp_basic_properties_t p;
    memset(&p, 0, sizeof p);
    p._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG
             | AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_APP_ID_FLAG | AMQP_BASIC_HEADERS_FLAG | AMQP_BASIC_TYPE_FLAG;
    p.content_type = amqp_cstring_bytes("application/xml");
    p.delivery_mode = AMQP_DELIVERY_PERSISTENT;
    p.app_id = amqp_cstring_bytes("bare-publish");
    p.type = amqp_cstring_bytes("DEC");
    p.headers.num_entries = 3;
    p.headers.entries = headers;

    uint64_t published = 0, settled_upto = 0;
    long confirmed = 0, nacked = 0, returned = 0;
    int64_t start = now_ns(), deadline = start + (int64_t)(opt.seconds * 1e9), last_confirm = start;
    bool broken = false;
    while (!broken) {
        bool more = now_ns() < deadline && (opt.count < 0 || (long)published < opt.count);
        if (!more && settled_upto == published)
            break;
        if (more && (long)(published - settled_upto) < opt.window) {
            if (published == capacity) {
                capacity = capacity ? capacity * 2 : 65536;
                publishes = realloc(publishes, capacity * sizeof *publishes);
                if (!publishes)
                    return 2;
            }
            publish *m = &publishes[published];
            memset(m, 0, sizeof *m);
            snprintf(m->id, sizeof m->id, "%s-%08llu", opt.prefix, (unsigned long long)published + 1);
            m->tag = published + 1;
            const body *b = &bodies[published % nbodies];
            p.message_id = amqp_cstring_bytes(m->id);
            p.timestamp = (uint64_t)time(NULL);
            m->published_ns = now_ns();
            if (amqp_basic_publish(c, CHANNEL, amqp_cstring_bytes(opt.exchange), amqp_cstring_bytes(opt.routing_key),
                                   1, 0, &p, (amqp_bytes_t){ b->size, b->data }) != AMQP_STATUS_OK) {
                fprintf(stderr, "bare-publish: publish failed\n");
                broken = true;
                break;
            }
            published++;
        }
        /* read one frame: what has come, or wait when the window is full or
         * nothing is left to publish */
        amqp_frame_t frame;
        bool wait = !more || (long)(published - settled_upto) >= opt.window;
        struct timeval tv = { wait ? 10 : 0, 0 };
        amqp_maybe_release_buffers(c);
        int status = amqp_simple_wait_frame_noblock(c, &frame, &tv);
        if (status == AMQP_STATUS_TIMEOUT) {
            if (wait) {
                fprintf(stderr, "bare-publish: no confirm for 10 s\n");
                broken = true;
            }
            continue;
        }
        if (status != AMQP_STATUS_OK) {
            fprintf(stderr, "bare-publish: connection lost: %s\n", amqp_error_string2(status));
            broken = true;
            break;
        }
        if (frame.frame_type != AMQP_FRAME_METHOD)
            continue;
        switch (frame.payload.method.id) {
        case AMQP_BASIC_ACK_METHOD: {
            const amqp_basic_ack_t *ack = frame.payload.method.decoded;
            confirmed += settle(ack->delivery_tag, ack->multiple, true, published, &settled_upto);
            last_confirm = now_ns();
            break;
        }
        case AMQP_BASIC_NACK_METHOD: {
            const amqp_basic_nack_t *nack = frame.payload.method.decoded;
            nacked += settle(nack->delivery_tag, nack->multiple, false, published, &settled_upto);
            break;
        }
        case AMQP_BASIC_RETURN_METHOD: {
            amqp_message_t message;
            if (amqp_read_message(c, frame.channel, &message, 0).reply_type == AMQP_RESPONSE_NORMAL)
                amqp_destroy_message(&message);
            returned++;
            break;
        }
        case AMQP_CHANNEL_CLOSE_METHOD:
        case AMQP_CONNECTION_CLOSE_METHOD:
            fprintf(stderr, "bare-publish: the broker closed the channel or connection\n");
            broken = true;
            break;
        default:
            break;
        }
    }
    double seconds = (double)(last_confirm - start) / 1e9;

    int64_t *latencies = malloc((published ? published : 1) * sizeof *latencies);
    size_t n = 0;
    FILE *log = opt.log ? fopen(opt.log, "w") : NULL;
    for (uint64_t t = 0; t < published; t++) {
        const publish *m = &publishes[t];
        if (!m->acked)
            continue;
        latencies[n++] = m->confirmed_ns - m->published_ns;
        if (log)
            fprintf(log, "%s %lld %lld\n", m->id, (long long)m->published_ns, (long long)m->confirmed_ns);
    }
    if (log)
        fclose(log);
    qsort(latencies, n, sizeof *latencies, by_value);
    printf("published=%llu confirmed=%ld nacked=%ld returned=%ld seconds=%.3f rate=%.1f p50_ms=%.3f p90_ms=%.3f "
           "p99_ms=%.3f max_ms=%.3f window=%ld\n",
           (unsigned long long)published, confirmed, nacked, returned, seconds, seconds > 0 ? confirmed / seconds : 0,
           percentile_ms(latencies, n, 50), percentile_ms(latencies, n, 90), percentile_ms(latencies, n, 99),
           n ? (double)latencies[n - 1] / 1e6 : 0.0, opt.window);
    amqp_channel_close(c, CHANNEL, AMQP_REPLY_SUCCESS);
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
    free(latencies);
    free(url);
    return !broken && confirmed == (long)published && !returned ? 0 : 1;
}
