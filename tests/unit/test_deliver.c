/*
 * test_deliver.c - delivery to a spool folder (the exact bytes under the
 * final name, nothing temporary left, replacing, creating folders, failing
 * cleanly on a folder that cannot be made, a write error and a full disk)
 * and to an HTTP endpoint (a tiny server on 127.0.0.1 run by a thread of
 * this test answers 200, 503, 429, 404, a redirect, or nothing at all), and
 * the bounds of the retry delay.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "delivery/deliver.h"

static char scratch[PATH_MAX];

/* Bytes with a NUL, a CR LF and UTF-8 Cyrillic: delivered as they are. */
static const char payload[] =
    "<Declaration>\r\n<Name>\xd0\xa5\xd0\xb0\xd0\xb0\xd0\xbb\xd0\xb3\xd0\xb0</Name>\0tail</Declaration>";

static kh_outgoing message(const char *id, const void *data, size_t size)
{
    kh_outgoing m = {
        .message_id = id, .family = "DEC", .content_type = "application/xml",
        .suffix = ".xml", .data = data, .size = size,
    };
    return m;
}

static int make_scratch(void **state)
{
    (void)state;
    snprintf(scratch, sizeof scratch, "%s/khaalga-deliver-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(scratch) ? 0 : -1;
}

static int remove_scratch(void **state)
{
    (void)state;
    char command[PATH_MAX + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", scratch);
    return system(command) == 0 ? 0 : -1;
}

/* The whole file, or NULL; *size gets its length. */
static char *read_whole(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = malloc(1 << 20);
    *size = fread(data, 1, 1 << 20, f);
    fclose(f);
    return data;
}

/* The names in folder, joined by spaces, sorted. */
static void list_folder(const char *folder, char *out, size_t size)
{
    struct dirent **names;
    int n = scandir(folder, &names, NULL, alphasort);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
            if (out[0])
                strncat(out, " ", size - strlen(out) - 1);
            strncat(out, names[i]->d_name, size - strlen(out) - 1);
        }
        free(names[i]);
    }
    if (n >= 0)
        free(names);
}

/* ------------------------------------------------------------ spool folders */

static void test_folder_delivery(void **state)
{
    (void)state;
    char err[512], path[PATH_MAX + 64], names[1024];
    kh_outgoing m = message("01J9ZK4Q7D", payload, sizeof payload - 1);
    assert_int_equal(kh_deliver_to_folder(scratch, &m, err, sizeof err), KH_DELIVERED);
    assert_string_equal(err, "");

    list_folder(scratch, names, sizeof names);
    assert_string_equal(names, "01J9ZK4Q7D.xml");        /* no temporary left */
    snprintf(path, sizeof path, "%s/01J9ZK4Q7D.xml", scratch);
    size_t size;
    char *data = read_whole(path, &size);
    assert_non_null(data);
    assert_int_equal(size, sizeof payload - 1);
    assert_memory_equal(data, payload, size);
    free(data);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);

    /* an empty message is a file of no bytes; no suffix is allowed */
    kh_outgoing empty = message("01J9ZK4Q7E", NULL, 0);
    empty.suffix = NULL;
    assert_int_equal(kh_deliver_to_folder(scratch, &empty, err, sizeof err), KH_DELIVERED);
    snprintf(path, sizeof path, "%s/01J9ZK4Q7E", scratch);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 0);
}

/* At-least-once: the same id delivered again replaces the file. */
static void test_folder_replaces_existing(void **state)
{
    (void)state;
    char err[512], path[PATH_MAX + 64], names[1024];
    snprintf(path, sizeof path, "%s/msg-7.edi", scratch);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("an older, longer content that must disappear entirely", f);
    fclose(f);

    kh_outgoing m = message("msg-7", "UNA:+.? 'UNB+UNOY:4'", 21);
    m.suffix = ".edi";
    assert_int_equal(kh_deliver_to_folder(scratch, &m, err, sizeof err), KH_DELIVERED);
    size_t size;
    char *data = read_whole(path, &size);
    assert_non_null(data);
    assert_int_equal(size, 21);
    assert_memory_equal(data, "UNA:+.? 'UNB+UNOY:4'", 21);
    free(data);
    list_folder(scratch, names, sizeof names);
    assert_string_equal(names, "msg-7.edi");
}

/* A temporary file left by an attempt that died is not in the way. */
static void test_folder_stale_temporary(void **state)
{
    (void)state;
    char err[512], path[PATH_MAX + 64], names[1024];
    snprintf(path, sizeof path, "%s/.msg-8.xml.tmp", scratch);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("half a message", f);
    fclose(f);
    kh_outgoing m = message("msg-8", payload, sizeof payload - 1);
    assert_int_equal(kh_deliver_to_folder(scratch, &m, err, sizeof err), KH_DELIVERED);
    list_folder(scratch, names, sizeof names);
    assert_string_equal(names, "msg-8.xml");
}

static void test_folder_created(void **state)
{
    (void)state;
    char err[512], folder[PATH_MAX], path[PATH_MAX + 64];
    snprintf(folder, sizeof folder, "%s/outbound/agency/permits", scratch);
    kh_outgoing m = message("msg-9", payload, sizeof payload - 1);
    assert_int_equal(kh_deliver_to_folder(folder, &m, err, sizeof err), KH_DELIVERED);
    snprintf(path, sizeof path, "%s/msg-9.xml", folder);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, sizeof payload - 1);
}

static void test_folder_cannot_be_created(void **state)
{
    (void)state;
    char err[512], blocker[PATH_MAX], folder[PATH_MAX + 16];
    snprintf(blocker, sizeof blocker, "%s/not-a-folder", scratch);
    FILE *f = fopen(blocker, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(folder, sizeof folder, "%s/sub/inbox", blocker);
    kh_outgoing m = message("msg-10", payload, sizeof payload - 1);
    assert_int_equal(kh_deliver_to_folder(folder, &m, err, sizeof err), KH_DELIVERY_RETRY);
    assert_non_null(strstr(err, folder));
    assert_non_null(strstr(err, strerror(ENOTDIR)));
}

/* The message id names a file in the folder and nothing else. */
static void test_folder_refuses_bad_names(void **state)
{
    (void)state;
    char err[512], names[1024];
    const char *bad_ids[] = { "../escape", "a/b", ".hidden", "", "line\nbreak" };
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        kh_outgoing m = message(bad_ids[i], payload, 4);
        assert_int_equal(kh_deliver_to_folder(scratch, &m, err, sizeof err), KH_DELIVERY_REFUSED);
        assert_true(err[0] != '\0');
    }
    kh_outgoing m = message("ok", payload, 4);
    m.suffix = "/../../x";
    assert_int_equal(kh_deliver_to_folder(scratch, &m, err, sizeof err), KH_DELIVERY_REFUSED);
    list_folder(scratch, names, sizeof names);
    assert_string_equal(names, "");
}

/* A write that fails half-way (here: the file size limit, EFBIG) is a
 * retry, and the temporary file is removed. */
static void test_folder_write_error(void **state)
{
    (void)state;
    char err[512], names[1024];
    struct rlimit saved, small = { 4096, 4096 };
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    small.rlim_max = saved.rlim_max;
    void (*previous)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);

    size_t size = 64 * 1024;
    char *big = malloc(size);
    memset(big, 'x', size);
    kh_outgoing m = message("msg-11", big, size);
    kh_delivery_result result = kh_deliver_to_folder(scratch, &m, err, sizeof err);

    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, previous);
    free(big);
    assert_int_equal(result, KH_DELIVERY_RETRY);
    assert_non_null(strstr(err, strerror(EFBIG)));
    list_folder(scratch, names, sizeof names);
    assert_string_equal(names, "");
}

/* A full disk: a 64 KiB tmpfs (needs CAP_SYS_ADMIN; skipped without). */
static void test_folder_disk_full(void **state)
{
    (void)state;
    char err[512], small[PATH_MAX + 16], names[1024];
    snprintf(small, sizeof small, "%s/small", scratch);
    assert_int_equal(mkdir(small, 0755), 0);
    if (mount("tmpfs", small, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") != 0) {
        fprintf(stderr, "SKIP: cannot mount a 64 KiB tmpfs to fill (%s): disk-full case not run\n",
                strerror(errno));
        skip();
    }
    size_t size = 256 * 1024;
    char *big = malloc(size);
    memset(big, 'y', size);
    kh_outgoing m = message("msg-12", big, size);
    kh_delivery_result full = kh_deliver_to_folder(small, &m, err, sizeof err);
    char full_err[512];
    snprintf(full_err, sizeof full_err, "%s", err);
    list_folder(small, names, sizeof names);

    /* once there is room again, the next attempt goes through */
    kh_outgoing little = message("msg-12", payload, sizeof payload - 1);
    kh_delivery_result after = kh_deliver_to_folder(small, &little, err, sizeof err);
    free(big);
    umount(small);

    assert_int_equal(full, KH_DELIVERY_RETRY);
    assert_non_null(strstr(full_err, strerror(ENOSPC)));
    assert_string_equal(names, "");
    assert_int_equal(after, KH_DELIVERED);
}

static void test_deliver_spool_destination(void **state)
{
    (void)state;
    char err[512], folder[PATH_MAX], names[1024];
    snprintf(folder, sizeof folder, "%s/cais", scratch);
    kh_destination d = { .name = "cais", .kind = KH_DEST_SPOOL, .path = folder };
    kh_outgoing m = message("msg-13", payload, sizeof payload - 1);
    assert_int_equal(kh_deliver(&d, &m, err, sizeof err), KH_DELIVERED);
    list_folder(folder, names, sizeof names);
    assert_string_equal(names, "msg-13.xml");
}

/* ------------------------------------------------------------ a tiny HTTP server */

#define NEVER_ANSWER 0

struct http_server {
    int       listen_fd;
    int       port;
    int       status;          /* what to answer, or NEVER_ANSWER */
    const char *extra_headers; /* e.g. a Location */
    const char *body;
    int       connections;
    char      request[3 * 1024 * 1024];
    size_t    request_size;
    pthread_t thread;
};

static ssize_t find(const char *data, size_t size, const char *what)
{
    size_t n = strlen(what);
    for (size_t i = 0; i + n <= size; i++)
        if (!memcmp(data + i, what, n))
            return (ssize_t)i;
    return -1;
}

/* Reads one request: headers, then Content-Length bytes of body. */
static size_t read_request(int fd, char *buffer, size_t capacity)
{
    size_t size = 0, wanted = 0;
    for (;;) {
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, 5000) <= 0)
            return size;
        ssize_t n = recv(fd, buffer + size, capacity - size, 0);
        if (n <= 0)
            return size;
        size += (size_t)n;
        ssize_t end = find(buffer, size, "\r\n\r\n");
        if (end >= 0 && !wanted) {
            ssize_t length = find(buffer, (size_t)end, "\r\nContent-Length: ");
            wanted = (size_t)end + 4 + (length >= 0 ? strtoul(buffer + length + 18, NULL, 10) : 0);
        }
        if (wanted && size >= wanted)
            return size;
        if (size == capacity)
            return size;
    }
}

static void *serve(void *arg)
{
    struct http_server *s = arg;
    for (;;) {
        /* wait long for the first client, briefly for any further one */
        struct pollfd p = { s->listen_fd, POLLIN, 0 };
        if (poll(&p, 1, s->connections ? 300 : 5000) <= 0)
            break;
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0)
            break;
        size_t size;
        if (!s->connections) {
            size = s->request_size = read_request(fd, s->request, sizeof s->request);
        } else {
            char *further = malloc(sizeof s->request);
            size = read_request(fd, further, sizeof s->request);
            free(further);
        }
        (void)size;
        s->connections++;
        if (s->status == NEVER_ANSWER) {
            /* until the client gives up */
            char drain[256];
            struct pollfd c = { fd, POLLIN, 0 };
            while (poll(&c, 1, 5000) > 0 && recv(fd, drain, sizeof drain, 0) > 0)
                ;
        } else {
            const char *body = s->body ? s->body : "";
            char answer[1024];
            int n = snprintf(answer, sizeof answer,
                             "HTTP/1.1 %d Scripted\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n%s",
                             s->status, strlen(body), s->extra_headers ? s->extra_headers : "", body);
            if (send(fd, answer, (size_t)n, MSG_NOSIGNAL) < 0)
                perror("send");
        }
        close(fd);
    }
    return NULL;
}

/* Binds to an ephemeral port of 127.0.0.1; launch_server() starts answering. */
static void bind_server(struct http_server *s, int status, const char *extra_headers, const char *body)
{
    memset(s, 0, sizeof *s);
    s->status = status;
    s->extra_headers = extra_headers;
    s->body = body;
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s->listen_fd >= 0);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = 0 };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&address, sizeof address), 0);
    assert_int_equal(listen(s->listen_fd, 8), 0);
    socklen_t length = sizeof address;
    assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&address, &length), 0);
    s->port = ntohs(address.sin_port);
}

static void launch_server(struct http_server *s)
{
    assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void start_server(struct http_server *s, int status, const char *extra_headers, const char *body)
{
    bind_server(s, status, extra_headers, body);
    launch_server(s);
}

static void stop_server(struct http_server *s)
{
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
}

static kh_destination http_destination(char *url, size_t size, int port, unsigned timeout_ms)
{
    snprintf(url, size, "http://127.0.0.1:%d/khaalga/inbound", port);
    kh_destination d = { .name = "cais", .kind = KH_DEST_HTTP, .url = url, .timeout_ms = timeout_ms };
    return d;
}

/* Posts the payload to a server answering status; returns the result. */
static kh_delivery_result post_once(struct http_server *s, int status, const char *body,
                                    char *err, size_t errlen)
{
    char url[128];
    start_server(s, status, NULL, body);
    kh_destination d = http_destination(url, sizeof url, s->port, 5000);
    kh_outgoing m = message("01J9ZK4Q7D", payload, sizeof payload - 1);
    kh_delivery_result result = kh_deliver(&d, &m, err, errlen);
    stop_server(s);
    return result;
}

static struct http_server server;   /* big: not on the stack */

static void test_http_delivered(void **state)
{
    (void)state;
    char err[512];
    assert_int_equal(post_once(&server, 200, "ok", err, sizeof err), KH_DELIVERED);
    assert_string_equal(err, "");
    assert_int_equal(server.connections, 1);

    const char *r = server.request;
    size_t n = server.request_size;
    assert_true(find(r, n, "POST /khaalga/inbound HTTP/1.1\r\n") == 0);
    assert_true(find(r, n, "\r\nContent-Type: application/xml\r\n") > 0);
    assert_true(find(r, n, "\r\nX-Message-Id: 01J9ZK4Q7D\r\n") > 0);
    assert_true(find(r, n, "\r\nX-Message-Family: DEC\r\n") > 0);
    char length[64];
    snprintf(length, sizeof length, "\r\nContent-Length: %zu\r\n", sizeof payload - 1);
    assert_true(find(r, n, length) > 0);
    assert_true(find(r, n, "\r\nExpect:") < 0);
    ssize_t end = find(r, n, "\r\n\r\n");
    assert_true(end > 0);
    assert_int_equal(n - (size_t)end - 4, sizeof payload - 1);
    assert_memory_equal(r + end + 4, payload, sizeof payload - 1);

    /* any 2xx */
    assert_int_equal(post_once(&server, 202, NULL, err, sizeof err), KH_DELIVERED);
}

/* A large message goes in one request, without waiting for a 100 Continue. */
static void test_http_large_message(void **state)
{
    (void)state;
    char err[512], url[128];
    size_t size = 2 * 1024 * 1024;
    char *big = malloc(size);
    for (size_t i = 0; i < size; i++)
        big[i] = (char)(i * 7 + i / 251);
    start_server(&server, 200, NULL, NULL);
    kh_destination d = http_destination(url, sizeof url, server.port, 5000);
    kh_outgoing m = message("msg-big", big, size);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    kh_delivery_result result = kh_deliver(&d, &m, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &end);
    stop_server(&server);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    assert_int_equal(result, KH_DELIVERED);
    assert_true(find(server.request, server.request_size, "\r\nExpect:") < 0);
    ssize_t head = find(server.request, server.request_size, "\r\n\r\n");
    assert_true(head > 0);
    assert_int_equal(server.request_size - (size_t)head - 4, size);
    assert_memory_equal(server.request + head + 4, big, size);
    assert_true(seconds < 0.9);     /* curl waits 1s for a 100 Continue that never comes */
    free(big);
}

static void test_http_retry_statuses(void **state)
{
    (void)state;
    char err[512];
    const int statuses[] = { 503, 500, 502, 429, 408 };
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        assert_int_equal(post_once(&server, statuses[i], "busy", err, sizeof err), KH_DELIVERY_RETRY);
        char expected[32];
        snprintf(expected, sizeof expected, "HTTP %d", statuses[i]);
        assert_non_null(strstr(err, expected));
        assert_int_equal(server.connections, 1);
    }
}

static void test_http_refused(void **state)
{
    (void)state;
    char err[512];
    assert_int_equal(post_once(&server, 404, "no such intake", err, sizeof err), KH_DELIVERY_REFUSED);
    assert_non_null(strstr(err, "HTTP 404"));
    assert_non_null(strstr(err, "no such intake"));       /* the answer says why */
    assert_int_equal(post_once(&server, 400, "bad message", err, sizeof err), KH_DELIVERY_REFUSED);
    assert_non_null(strstr(err, "HTTP 400"));
    assert_int_equal(post_once(&server, 413, NULL, err, sizeof err), KH_DELIVERY_REFUSED);
}

static void test_http_redirect_not_followed(void **state)
{
    (void)state;
    char err[512], url[128], location[160];
    bind_server(&server, 302, NULL, NULL);
    snprintf(location, sizeof location, "Location: http://127.0.0.1:%d/elsewhere\r\n", server.port);
    server.extra_headers = location;
    launch_server(&server);
    kh_destination d = http_destination(url, sizeof url, server.port, 5000);
    kh_outgoing m = message("msg-r", payload, sizeof payload - 1);
    kh_delivery_result result = kh_deliver(&d, &m, err, sizeof err);
    stop_server(&server);
    assert_int_not_equal(result, KH_DELIVERED);
    assert_non_null(strstr(err, "HTTP 302"));
    assert_int_equal(server.connections, 1);      /* no second request */
}

static void test_http_timeout(void **state)
{
    (void)state;
    char err[512], url[128];
    start_server(&server, NEVER_ANSWER, NULL, NULL);
    kh_destination d = http_destination(url, sizeof url, server.port, 300);
    kh_outgoing m = message("msg-t", payload, sizeof payload - 1);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    kh_delivery_result result = kh_deliver(&d, &m, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &end);
    stop_server(&server);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    assert_int_equal(result, KH_DELIVERY_RETRY);
    assert_non_null(strstr(err, "timed out"));
    assert_true(seconds >= 0.25 && seconds < 3.0);
    assert_int_equal(server.connections, 1);
}

static void test_http_connection_refused(void **state)
{
    (void)state;
    char err[512], url[128];
    /* a port that was just free: bound, then closed */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = 0 };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&address, sizeof address), 0);
    socklen_t length = sizeof address;
    getsockname(fd, (struct sockaddr *)&address, &length);
    close(fd);
    kh_destination d = http_destination(url, sizeof url, ntohs(address.sin_port), 2000);
    kh_outgoing m = message("msg-c", payload, sizeof payload - 1);
    assert_int_equal(kh_deliver(&d, &m, err, sizeof err), KH_DELIVERY_RETRY);
    assert_non_null(strstr(err, url));
}

/* A URL's user name, password and query never reach the error text (it
 * goes to the journal, the log and the console). */
static void test_http_error_hides_credentials(void **state)
{
    (void)state;
    char err[512], url[160];
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = 0 };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&address, sizeof address), 0);
    socklen_t length = sizeof address;
    getsockname(fd, (struct sockaddr *)&address, &length);
    close(fd);
    snprintf(url, sizeof url, "http://agency:s3cret@127.0.0.1:%u/permits?token=t0ken", ntohs(address.sin_port));
    kh_destination d = { .name = "agency", .kind = KH_DEST_HTTP, .url = url, .timeout_ms = 2000 };
    kh_outgoing m = message("msg-h", payload, sizeof payload - 1);
    assert_int_equal(kh_deliver(&d, &m, err, sizeof err), KH_DELIVERY_RETRY);
    char expected[96];
    snprintf(expected, sizeof expected, "http://127.0.0.1:%u/permits: ", ntohs(address.sin_port));
    if (!strstr(err, expected) || strstr(err, "s3cret") || strstr(err, "agency:") || strstr(err, "t0ken"))
        fail_msg("%s", err);
}

/* Only http and https, and no header can be smuggled in by an id. */
static void test_http_refuses_what_it_must_not_send(void **state)
{
    (void)state;
    char err[512];
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/secret", scratch);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("a file:// URL must not read this\n", f);
    fclose(f);
    snprintf(path, sizeof path, "file://%s/secret", scratch);
    kh_destination d = { .name = "x", .kind = KH_DEST_HTTP, .url = path, .timeout_ms = 1000 };
    kh_outgoing m = message("msg-f", payload, sizeof payload - 1);
    assert_int_not_equal(kh_deliver(&d, &m, err, sizeof err), KH_DELIVERED);
    if (!strstr(err, "rotocol"))
        fail_msg("a file:// URL was not refused as a protocol: %s", err);

    kh_destination ok = { .name = "y", .kind = KH_DEST_HTTP, .url = "http://127.0.0.1:9/", .timeout_ms = 1000 };
    kh_outgoing injected = message("id\r\nX-Admin: yes", payload, 4);
    assert_int_equal(kh_deliver(&ok, &injected, err, sizeof err), KH_DELIVERY_REFUSED);
    injected = message("id", payload, 4);
    injected.family = "DEC\nX-Admin: yes";
    assert_int_equal(kh_deliver(&ok, &injected, err, sizeof err), KH_DELIVERY_REFUSED);
}

/* ------------------------------------------------------------ backoff */

static void test_backoff_bounds(void **state)
{
    (void)state;
    const unsigned base = 1000, max = 300000;
    for (unsigned attempt = 1; attempt <= 40; attempt++) {
        uint64_t full = (uint64_t)base << (attempt - 1 < 40 ? attempt - 1 : 39);
        if (full > max)
            full = max;
        unsigned low = UINT_MAX, high = 0;
        for (int i = 0; i < 4000; i++) {
            unsigned d = kh_backoff_ms(attempt, base, max);
            assert_true(d >= full / 2);
            assert_true(d <= full);
            if (d < low)
                low = d;
            if (d > high)
                high = d;
        }
        /* spread over the whole range, not stuck at one end */
        assert_true(low < full / 2 + full / 20);
        assert_true(high > full - full / 20);
    }
    /* no overflow however many attempts, whatever the base */
    const unsigned attempts[] = { 33, 64, 1000, UINT_MAX };
    for (size_t i = 0; i < sizeof attempts / sizeof attempts[0]; i++) {
        unsigned d = kh_backoff_ms(attempts[i], UINT_MAX, UINT_MAX);
        assert_true(d >= UINT_MAX / 2);
        d = kh_backoff_ms(attempts[i], 500, 60000);
        assert_true(d >= 30000 && d <= 60000);
    }
    assert_true(kh_backoff_ms(0, 1000, 300000) <= 1000);       /* 0 taken as the first */
    assert_true(kh_backoff_ms(0, 1000, 300000) >= 500);
    assert_int_equal(kh_backoff_ms(5, 0, 300000), 0);
    assert_int_equal(kh_backoff_ms(5, 1000, 0), 0);
    assert_true(kh_backoff_ms(1, 1, 1) <= 1);
}

static void *draw_many(void *arg)
{
    int *bad = arg;
    for (int i = 0; i < 100000; i++) {
        unsigned d = kh_backoff_ms(3, 1000, 300000);
        if (d < 2000 || d > 4000)
            (*bad)++;
    }
    return NULL;
}

static void test_backoff_threads(void **state)
{
    (void)state;
    pthread_t threads[4];
    int bad[4] = { 0, 0, 0, 0 };
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, draw_many, &bad[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(bad[i], 0);
    }
}

int main(void)
{
    if (kh_delivery_global_init() != 0 || kh_delivery_global_init() != 0) {
        fprintf(stderr, "kh_delivery_global_init failed\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_folder_delivery, make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_folder_replaces_existing, make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_folder_stale_temporary, make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_folder_created, make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_folder_cannot_be_created, make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_folder_refuses_bad_names, make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_folder_write_error, make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_folder_disk_full, make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_deliver_spool_destination, make_scratch, remove_scratch),
        cmocka_unit_test(test_http_delivered),
        cmocka_unit_test(test_http_large_message),
        cmocka_unit_test(test_http_retry_statuses),
        cmocka_unit_test(test_http_refused),
        cmocka_unit_test(test_http_redirect_not_followed),
        cmocka_unit_test(test_http_timeout),
        cmocka_unit_test(test_http_connection_refused),
        cmocka_unit_test(test_http_error_hides_credentials),
        cmocka_unit_test_setup_teardown(test_http_refuses_what_it_must_not_send, make_scratch, remove_scratch),
        cmocka_unit_test(test_backoff_bounds),
        cmocka_unit_test(test_backoff_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
