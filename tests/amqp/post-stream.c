/*
 * post-stream.c - the client of the stream tests (tests/amqp/run-stream.sh):
 * posts a stream of distinct messages to `khaalga serve` over HTTP/1.1 as
 * a partner does, and says which ones were acknowledged with which id.
 *
 *     post-stream --port N --template FILE --marker TEXT --prefix TEXT
 *                 --count N [--connections 4] [--type application/EDIFACT]
 *                 [--give-up SECONDS]
 *
 * Message i (0 … count-1) is the template with every occurrence of MARKER
 * replaced by PREFIX and i in eight digits (an EDIFACT interchange
 * reference, say), so that no two are duplicates. CONNECTIONS threads each
 * keep one keep-alive connection and post one message at a time. When the
 * gateway cannot be reached or the connection breaks before the whole
 * answer came, the message is posted again (as a partner would) until an
 * answer comes or GIVE_UP seconds (default 60) have passed since its first
 * try. Each answer is one line on stdout, written as it comes:
 *
 *     SEQUENCE STATUS MESSAGE_ID        (MESSAGE_ID "-" when there is none)
 *
 * and a summary on stderr. Exit 0 when every message got an answer, 1 when
 * some were given up, 2 for a usage or setup error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum { MAX_CONNECTIONS = 64, ANSWER_MAX = 64 * 1024, IO_TIMEOUT_S = 30, RETRY_PAUSE_MS = 100 };

static struct options {
    int         port, connections, give_up_s;
    long        count;
    const char *template_path, *marker, *prefix, *type;
} opt = { 0, 4, 60, 0, NULL, NULL, NULL, "application/EDIFACT" };

static char           *template_text;
static size_t          template_size;
static struct sockaddr_in server;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long            next_message, answered, given_up, retries;
static long            by_status[600];

static void usage(void)
{
    fprintf(stderr, "usage: post-stream --port N --template FILE --marker TEXT --prefix TEXT --count N\n"
                    "                   [--connections 4] [--type application/EDIFACT] [--give-up SECONDS]\n");
    exit(2);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)n + 1))) {
            if (fread(data, 1, (size_t)n, f) != (size_t)n) {
                free(data);
                data = NULL;
            } else {
                data[n] = '\0';
                *size = (size_t)n;
            }
        }
    }
    fclose(f);
    return data;
}

/* The request for message seq: headers and body, malloc'd, into *size. */
static char *request_for(long seq, size_t *size)
{
    char reference[64];
    snprintf(reference, sizeof reference, "%s%08ld", opt.prefix, seq);
    size_t marker_length = strlen(opt.marker), reference_length = strlen(reference), occurrences = 0;
    for (const char *p = template_text; (p = memmem(p, template_size - (size_t)(p - template_text), opt.marker,
                                                    marker_length)); p += marker_length)
        occurrences++;
    size_t body_size = template_size + occurrences * reference_length - occurrences * marker_length;
    char head[256];
    int head_size = snprintf(head, sizeof head,
                             "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: %s\r\n"
                             "Content-Length: %zu\r\n\r\n", opt.port, opt.type, body_size);
    char *request = malloc((size_t)head_size + body_size);
    if (!request)
        return NULL;
    memcpy(request, head, (size_t)head_size);
    char *out = request + head_size;
    const char *p = template_text, *end = template_text + template_size;
    for (const char *hit; (hit = memmem(p, (size_t)(end - p), opt.marker, marker_length)); p = hit + marker_length) {
        memcpy(out, p, (size_t)(hit - p));
        out += hit - p;
        memcpy(out, reference, reference_length);
        out += reference_length;
    }
    memcpy(out, p, (size_t)(end - p));
    *size = (size_t)head_size + body_size;
    return request;
}

static int connect_to_server(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct timeval timeout = { IO_TIMEOUT_S, 0 };
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (const struct sockaddr *)&server, sizeof server) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *data, size_t size)
{
    while (size > 0) {
        ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        size -= (size_t)n;
    }
    return 0;
}

/* The value of header name in the head (NUL-terminated) into out; false
 * when absent. */
static bool header_value(const char *head, const char *name, char *out, size_t outlen)
{
    size_t length = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n")) {
        const char *start = line + 2;
        if (strncasecmp(start, name, length) != 0 || start[length] != ':')
            continue;
        const char *value = start + length + 1;
        while (*value == ' ')
            value++;
        size_t n = strcspn(value, "\r\n");
        if (n >= outlen)
            n = outlen - 1;
        memcpy(out, value, n);
        out[n] = '\0';
        return true;
    }
    return false;
}

/* Reads one whole answer: its status and X-Message-Id. 0, or -1 when the
 * connection broke first; *keep says whether it may be used again. */
static int read_answer(int fd, int *status, char *id, size_t idlen, bool *keep)
{
    static __thread char buffer[ANSWER_MAX + 1];
    size_t have = 0;
    char *head_end = NULL;
    while (!head_end) {
        if (have == ANSWER_MAX)
            return -1;
        ssize_t n = recv(fd, buffer + have, ANSWER_MAX - have, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        have += (size_t)n;
        buffer[have] = '\0';
        head_end = strstr(buffer, "\r\n\r\n");
    }
    head_end[2] = '\0';     /* the head, each line ending in \r\n */
    if (sscanf(buffer, "HTTP/1.%*d %d", status) != 1)
        return -1;
    char value[128];
    size_t body_length = 0;
    if (header_value(buffer, "Content-Length", value, sizeof value))
        body_length = (size_t)strtoul(value, NULL, 10);
    else
        return -1;          /* the gateway always says how long its answer is */
    if (!header_value(buffer, "X-Message-Id", id, idlen))
        snprintf(id, idlen, "-");
    *keep = !(header_value(buffer, "Connection", value, sizeof value) && !strcasecmp(value, "close"));
    size_t body_have = have - (size_t)(head_end + 4 - buffer);
    while (body_have < body_length) {
        char sink[4096];
        size_t want = body_length - body_have < sizeof sink ? body_length - body_have : sizeof sink;
        ssize_t n = recv(fd, sink, want, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        body_have += (size_t)n;
    }
    return 0;
}

static void *poster(void *arg)
{
    (void)arg;
    int fd = -1;
    for (;;) {
        pthread_mutex_lock(&lock);
        long seq = next_message < opt.count ? next_message++ : -1;
        pthread_mutex_unlock(&lock);
        if (seq < 0)
            break;
        size_t size;
        char *request = request_for(seq, &size);
        if (!request) {
            fprintf(stderr, "post-stream: out of memory\n");
            exit(2);
        }
        int64_t give_up_at = now_ms() + (int64_t)opt.give_up_s * 1000;
        int status = 0;
        char id[128] = "-";
        bool done = false, keep = false;
        for (int attempt = 0; !done && now_ms() < give_up_at; attempt++) {
            if (attempt > 0) {
                pthread_mutex_lock(&lock);
                retries++;
                pthread_mutex_unlock(&lock);
                pause_ms(RETRY_PAUSE_MS);
            }
            if (fd < 0 && (fd = connect_to_server()) < 0)
                continue;
            if (send_all(fd, request, size) == 0 && read_answer(fd, &status, id, sizeof id, &keep) == 0) {
                done = true;
                if (!keep) {
                    close(fd);
                    fd = -1;
                }
            } else {
                close(fd);
                fd = -1;
            }
        }
        free(request);
        pthread_mutex_lock(&lock);
        if (done) {
            answered++;
            if (status > 0 && status < 600)
                by_status[status]++;
            printf("%ld %d %s\n", seq, status, id);
            fflush(stdout);
        } else {
            given_up++;
        }
        pthread_mutex_unlock(&lock);
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *name = argv[i];
        if (i + 1 >= argc)
            usage();
        const char *value = argv[++i];
        if (!strcmp(name, "--port"))
            opt.port = atoi(value);
        else if (!strcmp(name, "--template"))
            opt.template_path = value;
        else if (!strcmp(name, "--marker"))
            opt.marker = value;
        else if (!strcmp(name, "--prefix"))
            opt.prefix = value;
        else if (!strcmp(name, "--count"))
            opt.count = atol(value);
        else if (!strcmp(name, "--connections"))
            opt.connections = atoi(value);
        else if (!strcmp(name, "--type"))
            opt.type = value;
        else if (!strcmp(name, "--give-up"))
            opt.give_up_s = atoi(value);
        else
            usage();
    }
    if (opt.port <= 0 || opt.port > 65535 || !opt.template_path || !opt.marker || !*opt.marker || !opt.prefix
        || opt.count <= 0 || opt.connections < 1 || opt.connections > MAX_CONNECTIONS || opt.give_up_s < 1
        || strlen(opt.prefix) > 32 || strpbrk(opt.type, "\r\n"))
        usage();
    if (!(template_text = read_file(opt.template_path, &template_size))) {
        fprintf(stderr, "post-stream: %s: %s\n", opt.template_path, strerror(errno));
        return 2;
    }
    if (!memmem(template_text, template_size, opt.marker, strlen(opt.marker))) {
        fprintf(stderr, "post-stream: %s does not hold the marker %s\n", opt.template_path, opt.marker);
        return 2;
    }
    server.sin_family = AF_INET;
    server.sin_port = htons((uint16_t)opt.port);
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    pthread_t threads[MAX_CONNECTIONS];
    for (int i = 0; i < opt.connections; i++)
        if (pthread_create(&threads[i], NULL, poster, NULL) != 0) {
            fprintf(stderr, "post-stream: cannot start a thread\n");
            return 2;
        }
    for (int i = 0; i < opt.connections; i++)
        pthread_join(threads[i], NULL);

    fprintf(stderr, "post-stream: %ld messages, %ld answered, %ld given up, %ld tries again", opt.count, answered,
            given_up, retries);
    for (int s = 0; s < 600; s++)
        if (by_status[s])
            fprintf(stderr, ", %ld answered %d", by_status[s], s);
    fprintf(stderr, "\n");
    free(template_text);
    return given_up ? 1 : 0;
}
