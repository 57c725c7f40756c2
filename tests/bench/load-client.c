/*
 * load-client.c - a small closed-loop HTTP/1.1 load generator for the
 * gateway benchmark (tests/bench/serve-bench.sh). One thread, epoll, N
 * keep-alive connections; each POSTs the request bodies read from a folder
 * (each file once, in name order, unless --repeat), one request in flight per
 * connection, until the bodies, --requests or --seconds run out. Latency is
 * from the first byte sent to the last byte of the answer received.
 *
 *   load-client --port N --bodies DIR [--host 127.0.0.1] [--path /v1/messages]
 *               [--type application/xml] [--connections 16] [--seconds 10]
 *               [--requests N] [--repeat] [--expect 202] [--log FILE]
 *
 * Prints two lines on stdout: one machine-readable (key=value), one for people:
 *   requests=N expected=N seconds=S rps=R ok_rps=R p50_ms=… p90_ms=… p99_ms=…
 *       max_ms=… errors=N status_202=N status_200=N …
 * With --log, one line per answer: "MESSAGE_ID STARTED_NS ANSWERED_NS STATUS"
 * (the answer's X-Message-Id, "-" without one; CLOCK_MONOTONIC, comparable
 * with other processes: tests/bench/amqp-bench.sh follows each message to
 * the queue's consumer with it).
 * Exit 0 when every request got an answer (whatever its status), 1 otherwise,
 * 2 for a usage or setup error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

enum { RECV_BUF = 256 * 1024, MAX_STATUS = 600, DRAIN_SECONDS = 30, MAX_ERRORS = 1000 };

typedef struct body {
    char  *data;
    size_t size;
} body;

typedef struct conn {
    int     fd;
    bool    busy;                /* a request is in flight */
    size_t  body_index;
    char    head[512];           /* request line and headers of the request in flight */
    size_t  head_len, sent;      /* bytes of head + body sent */
    int64_t started_ns;
    char   *in;                  /* the answer received so far */
    size_t  in_len;
} conn;

static struct options {
    const char *host, *path, *type, *bodies, *log;
    int         port, connections, expect;
    double      seconds;
    long        requests;
    bool        repeat;
} opt = { "127.0.0.1", "/v1/messages", "application/xml", NULL, NULL, 0, 16, 202, 10.0, -1, false };

/* One answer, for --log. */
typedef struct answer_record {
    char    message_id[48];
    int64_t started_ns, answered_ns;
    int     status;
} answer_record;
static answer_record *records;
static size_t nrecords, records_cap;

static body    *bodies;
static size_t   nbodies, next_body;
static long     issued, completed, errors;
static long     status_count[MAX_STATUS];
static int64_t *latencies_ns;
static size_t   nlatencies, latencies_cap;
static struct sockaddr_in server;
static int      epfd;
static int64_t  deadline_ns;     /* no new request after this */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "load-client: %s: %s\n", what, strerror(errno));
    exit(2);
}

/* ------------------------------------------------------------ the bodies */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    char *data = NULL;
    if (fstat(fileno(f), &st) == 0 && (data = malloc((size_t)st.st_size + 1)) &&
        fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        free(data);
        data = NULL;
    }
    fclose(f);
    if (data)
        *size = (size_t)st.st_size;
    return data;
}

static void load_bodies(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        die(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap && !(names = realloc(names, (cap = cap ? cap * 2 : 1024) * sizeof *names)))
            die("out of memory");
        if (asprintf(&names[n++], "%s/%s", dir, e->d_name) < 0)
            die("out of memory");
    }
    closedir(d);
    if (n == 0) {
        fprintf(stderr, "load-client: %s: no request bodies there\n", dir);
        exit(2);
    }
    qsort(names, n, sizeof *names, by_name);
    if (!(bodies = calloc(n, sizeof *bodies)))
        die("out of memory");
    for (size_t i = 0; i < n; i++) {
        if (!(bodies[i].data = read_file(names[i], &bodies[i].size)))
            die(names[i]);
        free(names[i]);
    }
    free(names);
    nbodies = n;
}

/* ------------------------------------------------------------ connections */

static void open_connection(conn *c)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        die("socket");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&server, sizeof server) < 0 && errno != EINPROGRESS)
        die("connect");
    struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
        die("epoll_ctl");
    c->in_len = 0;
}

static void want(conn *c, uint32_t events)
{
    struct epoll_event ev = { .events = events, .data.ptr = c };
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static bool more_to_send(void)
{
    if (errors > MAX_ERRORS)
        return false;
    if (opt.requests >= 0 && issued >= opt.requests)
        return false;
    if (!opt.repeat && next_body >= nbodies)
        return false;
    return now_ns() < deadline_ns;
}

static void start_request(conn *c)
{
    c->body_index = next_body++ % nbodies;
    const body *b = &bodies[c->body_index];
    int n = snprintf(c->head, sizeof c->head,
                     "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n", opt.path,
                     opt.host, opt.port, opt.type, b->size);
    c->head_len = (size_t)n;
    c->sent = 0;
    c->in_len = 0;
    c->busy = true;
    c->started_ns = now_ns();
    issued++;
    want(c, EPOLLOUT | EPOLLIN);
}

static void start_request(conn *c);

/* A connection failed: count the request in flight as an error, reconnect
 * and go on. */
static void fail(conn *c, const char *why)
{
    if (errors < 5)
        fprintf(stderr, "load-client: connection error: %s\n", why);
    bool was_busy = c->busy;
    if (was_busy) {
        errors++;
        completed++;
    }
    c->busy = false;
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    open_connection(c);
    if (was_busy && more_to_send())
        start_request(c);
}

static void send_some(conn *c)
{
    const body *b = &bodies[c->body_index];
    size_t total = c->head_len + b->size;
    while (c->sent < total) {
        struct iovec iov[2];
        int n = 0;
        if (c->sent < c->head_len)
            iov[n++] = (struct iovec){ c->head + c->sent, c->head_len - c->sent };
        size_t body_off = c->sent > c->head_len ? c->sent - c->head_len : 0;
        iov[n++] = (struct iovec){ b->data + body_off, b->size - body_off };
        ssize_t w = writev(c->fd, iov, n);
        if (w < 0) {
            if (errno == EAGAIN)
                return;
            fail(c, strerror(errno));
            return;
        }
        c->sent += (size_t)w;
    }
    want(c, EPOLLIN);
}

static void record(int status, int64_t latency_ns)
{
    if (status > 0 && status < MAX_STATUS)
        status_count[status]++;
    else
        errors++;
    if (nlatencies == latencies_cap &&
        !(latencies_ns = realloc(latencies_ns, (latencies_cap = latencies_cap ? latencies_cap * 2 : 65536) * sizeof *latencies_ns)))
        die("out of memory");
    latencies_ns[nlatencies++] = latency_ns;
    completed++;
}

/* Keeps an answer for --log, with the X-Message-Id of its head. */
static void keep_record(const conn *c, int status, int64_t answered_ns)
{
    if (!opt.log)
        return;
    if (nrecords == records_cap &&
        !(records = realloc(records, (records_cap = records_cap ? records_cap * 2 : 65536) * sizeof *records)))
        die("out of memory");
    answer_record *r = &records[nrecords++];
    r->started_ns = c->started_ns;
    r->answered_ns = answered_ns;
    r->status = status;
    snprintf(r->message_id, sizeof r->message_id, "-");
    const char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    for (const char *p = c->in; end && p < end;) {
        const char *eol = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
        if (!eol)
            break;
        if ((size_t)(eol - p) > 13 && strncasecmp(p, "X-Message-Id:", 13) == 0) {
            const char *v = p + 13;
            while (v < eol && *v == ' ')
                v++;
            int length = (int)(eol - v) < (int)sizeof r->message_id - 1 ? (int)(eol - v) : (int)sizeof r->message_id - 1;
            snprintf(r->message_id, sizeof r->message_id, "%.*s", length, v);
        }
        p = eol + 2;
    }
}

/* Is the answer complete? Returns its length (head + body), 0 when more is
 * needed, -1 when it cannot be read (no Content-Length). */
static long answer_length(const conn *c, int *status, bool *closes)
{
    const char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (!end)
        return 0;
    size_t head = (size_t)(end - c->in) + 4;
    if (c->in_len < 12 || memcmp(c->in, "HTTP/1.", 7) != 0)
        return -1;
    *status = atoi(c->in + 9);
    long length = -1;
    *closes = false;
    for (const char *p = c->in; p < end;) {
        const char *eol = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
        if (!eol)
            break;
        if ((size_t)(eol - p) > 15 && strncasecmp(p, "Content-Length:", 15) == 0)
            length = strtol(p + 15, NULL, 10);
        else if (strncasecmp(p, "Connection:", 11) == 0 && memmem(p, (size_t)(eol - p), "close", 5))
            *closes = true;
        p = eol + 2;
    }
    if (length < 0)
        return -1;
    return c->in_len >= head + (size_t)length ? (long)(head + (size_t)length) : 0;
}

static void receive_some(conn *c)
{
    for (;;) {
        ssize_t r = read(c->fd, c->in + c->in_len, RECV_BUF - c->in_len);
        if (r < 0) {
            if (errno == EAGAIN)
                return;
            fail(c, strerror(errno));
            return;
        }
        if (r == 0) {
            fail(c, c->busy ? "closed by the server with a request in flight" : "closed by the server");
            return;
        }
        c->in_len += (size_t)r;
        int status = 0;
        bool closes = false;
        long length = answer_length(c, &status, &closes);
        if (length < 0 || (length == 0 && c->in_len == RECV_BUF)) {
            fail(c, "an answer without Content-Length, or too large");
            return;
        }
        if (length == 0)
            continue;
        if (!c->busy) {
            fail(c, "an answer to no request");
            return;
        }
        int64_t answered = now_ns();
        record(status, answered - c->started_ns);
        keep_record(c, status, answered);
        c->busy = false;
        c->in_len = 0;
        if (closes) {
            epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
            close(c->fd);
            open_connection(c);
        }
        if (more_to_send())
            start_request(c);
        else
            want(c, EPOLLIN);
        return;
    }
}

/* ------------------------------------------------------------ report */

static int by_value(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double percentile_ms(double p)
{
    if (nlatencies == 0)
        return 0;
    size_t i = (size_t)(p / 100.0 * (double)nlatencies + 0.5);
    if (i > 0)
        i--;
    if (i >= nlatencies)
        i = nlatencies - 1;
    return (double)latencies_ns[i] / 1e6;
}

static void report(double seconds)
{
    qsort(latencies_ns, nlatencies, sizeof *latencies_ns, by_value);
    long expected = opt.expect > 0 && opt.expect < MAX_STATUS ? status_count[opt.expect] : 0;
    printf("requests=%ld expected=%ld seconds=%.3f rps=%.1f ok_rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f "
           "max_ms=%.2f errors=%ld",
           completed, expected, seconds, (double)completed / seconds, (double)expected / seconds, percentile_ms(50),
           percentile_ms(90), percentile_ms(99), nlatencies ? (double)latencies_ns[nlatencies - 1] / 1e6 : 0.0,
           errors);
    for (int s = 0; s < MAX_STATUS; s++)
        if (status_count[s])
            printf(" status_%d=%ld", s, status_count[s]);
    printf("\n");
    printf("%ld requests in %.2f s over %d connections: %.1f/s, %ld answered %d (%.1f/s); latency p50 %.2f ms, "
           "p90 %.2f ms, p99 %.2f ms, max %.2f ms; %ld errors\n",
           completed, seconds, opt.connections, (double)completed / seconds, expected, opt.expect,
           (double)expected / seconds, percentile_ms(50), percentile_ms(90), percentile_ms(99),
           nlatencies ? (double)latencies_ns[nlatencies - 1] / 1e6 : 0.0, errors);
}

/* ------------------------------------------------------------ main */

static void usage(void)
{
    fprintf(stderr, "usage: load-client --port N --bodies DIR [--host ADDR] [--path PATH] [--type TYPE]\n"
                    "                   [--connections N] [--seconds S] [--requests N] [--repeat] [--expect STATUS]\n"
                    "                   [--log FILE]\n");
    exit(2);
}

static void parse_options(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--repeat") == 0) {
            opt.repeat = true;
            continue;
        }
        if (!v)
            usage();
        i++;
        if (strcmp(a, "--host") == 0) opt.host = v;
        else if (strcmp(a, "--port") == 0) opt.port = atoi(v);
        else if (strcmp(a, "--path") == 0) opt.path = v;
        else if (strcmp(a, "--type") == 0) opt.type = v;
        else if (strcmp(a, "--bodies") == 0) opt.bodies = v;
        else if (strcmp(a, "--connections") == 0) opt.connections = atoi(v);
        else if (strcmp(a, "--seconds") == 0) opt.seconds = atof(v);
        else if (strcmp(a, "--requests") == 0) opt.requests = atol(v);
        else if (strcmp(a, "--expect") == 0) opt.expect = atoi(v);
        else if (strcmp(a, "--log") == 0) opt.log = v;
        else usage();
    }
    if (opt.port <= 0 || opt.port > 65535 || !opt.bodies || opt.connections <= 0 || opt.seconds <= 0)
        usage();
}

int main(int argc, char **argv)
{
    parse_options(argc, argv);
    load_bodies(opt.bodies);
    server.sin_family = AF_INET;
    server.sin_port = htons((uint16_t)opt.port);
    if (inet_pton(AF_INET, opt.host, &server.sin_addr) != 1) {
        fprintf(stderr, "load-client: %s: not an IPv4 address\n", opt.host);
        return 2;
    }
    if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
        die("epoll_create1");
    conn *conns = calloc((size_t)opt.connections, sizeof *conns);
    if (!conns)
        die("out of memory");
    for (int i = 0; i < opt.connections; i++) {
        if (!(conns[i].in = malloc(RECV_BUF)))
            die("out of memory");
        open_connection(&conns[i]);
    }

    int64_t start = now_ns();
    deadline_ns = start + (int64_t)(opt.seconds * 1e9);
    for (int i = 0; i < opt.connections && more_to_send(); i++)
        start_request(&conns[i]);

    struct epoll_event events[256];
    int64_t drain_limit = deadline_ns + (int64_t)DRAIN_SECONDS * 1000000000;
    while (completed < issued && now_ns() < drain_limit) {
        int n = epoll_wait(epfd, events, 256, 100);
        if (n < 0 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < n; i++) {
            conn *c = events[i].data.ptr;
            if (events[i].events & (EPOLLERR | EPOLLHUP)) {
                fail(c, "connection refused or reset");
                continue;
            }
            if (c->busy && (events[i].events & EPOLLOUT))
                send_some(c);
            if (events[i].events & EPOLLIN)
                receive_some(c);
        }
    }
    double seconds = (double)(now_ns() - start) / 1e9;
    long unanswered = issued - completed;
    report(seconds);
    if (opt.log) {
        FILE *log = fopen(opt.log, "w");
        if (!log)
            die(opt.log);
        for (size_t i = 0; i < nrecords; i++)
            fprintf(log, "%s %lld %lld %d\n", records[i].message_id, (long long)records[i].started_ns,
                    (long long)records[i].answered_ns, records[i].status);
        fclose(log);
    }
    if (unanswered > 0)
        fprintf(stderr, "load-client: %ld requests unanswered after %d s of draining\n", unanswered, DRAIN_SECONDS);
    return unanswered == 0 && errors == 0 ? 0 : 1;
}
