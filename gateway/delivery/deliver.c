/*
 * deliver.c - handing one message to one destination.
 *
 * A spool folder gets the message the way a mail queue gets a letter: written
 * as FOLDER/.ID+SUFFIX.tmp, fsync'd, renamed to FOLDER/ID+SUFFIX and the folder
 * fsync'd, so a reader never sees half a file and a crash never loses one
 * that was reported delivered. An HTTP endpoint gets a POST, one libcurl easy
 * handle per call (safe from any thread). An AMQP exchange gets a confirmed
 * publish (amqp/publisher.c), or a batch of them published together. Whatever may pass by itself (disk
 * full, I/O errors, 5xx, timeouts) is KH_DELIVERY_RETRY; kh_backoff_ms says
 * how long to wait before the next attempt.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "amqp/publisher.h"
#include "delivery/deliver.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

#define FILE_MODE   0640
#define FOLDER_MODE 0750


/* ------------------------------------------------------------ spool folders */

/* The id and suffix become a file name: nothing that could leave the folder
 * or hide the file. */
static int is_safe_file_name_part(const char *s, int may_be_empty)
{
    if (!s || !*s)
        return may_be_empty;
    for (; *s; s++)
        if (*s == '/' || (unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

static int fsync_folder(const char *folder)
{
    int fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* mkdir -p: creates folder and the folders above it that are missing, and
 * makes each new entry durable in its parent. */
static int make_folders(const char *folder)
{
    char *path = strdup(folder);
    if (!path)
        return -1;
    int rc = 0;
    for (char *p = path + 1; ; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(path, FOLDER_MODE) == 0) {
            /* the parent of the new folder now has a new entry */
            char *slash = strrchr(path, '/');
            if (!slash) {
                rc = fsync_folder(".");
            } else if (slash == path) {
                rc = fsync_folder("/");
            } else {
                *slash = '\0';
                rc = fsync_folder(path);
                *slash = '/';
            }
        } else if (errno != EEXIST) {
            rc = -1;
        }
        *p = saved;
        if (rc != 0 || saved == '\0')
            break;
    }
    int saved_errno = errno;
    free(path);
    errno = saved_errno;
    return rc;
}

static int write_all(int fd, const void *data, size_t size)
{
    const char *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

kh_delivery_result kh_deliver_to_folder(const char *folder, const kh_outgoing *m, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!folder || !*folder) {
        snprintf(err, errlen, "no folder to deliver to");
        return KH_DELIVERY_REFUSED;
    }
    if (!m || !is_safe_file_name_part(m->message_id, 0) || m->message_id[0] == '.'
        || !is_safe_file_name_part(m->suffix, 1) || (!m->data && m->size)) {
        snprintf(err, errlen, "%s: message id \"%s\" or suffix cannot name a file", folder,
            m && m->message_id ? m->message_id : "");
        return KH_DELIVERY_REFUSED;
    }

    const char *suffix = m->suffix ? m->suffix : "";
    size_t size = strlen(folder) + strlen(m->message_id) + strlen(suffix) + 8;
    char *temporary = malloc(size), *final = malloc(size);
    if (!temporary || !final) {
        free(temporary);
        free(final);
        snprintf(err, errlen, "%s: out of memory", folder);
        return KH_DELIVERY_RETRY;
    }
    snprintf(temporary, size, "%s/.%s%s.tmp", folder, m->message_id, suffix);
    snprintf(final, size, "%s/%s%s", folder, m->message_id, suffix);

    /* Every failure below may pass by itself or by an operator's hand (disk
     * full, quota, I/O error, a folder that cannot be created yet): retry. */
    kh_delivery_result result = KH_DELIVERY_RETRY;
    const char *step = "create";
    int created_folders = 0, removed_stale = 0;
    int fd = -1, rc;
    for (;;) {
        fd = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, FILE_MODE);
        if (fd >= 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno == ENOENT && !created_folders) {
            created_folders = 1;
            if (make_folders(folder) != 0) {
                snprintf(err, errlen, "%s: cannot create the folder: %s", folder, strerror(errno));
                goto out;
            }
            continue;
        }
        if (errno == EEXIST && !removed_stale) {
            /* left by an attempt that died before its rename */
            removed_stale = 1;
            if (unlink(temporary) == 0 || errno == ENOENT)
                continue;
        }
        snprintf(err, errlen, "%s: create: %s", temporary, strerror(errno));
        goto out;
    }

    step = "write";
    if (write_all(fd, m->data, m->size) != 0)
        goto failed;
    step = "fsync";
    if (fsync(fd) != 0)
        goto failed;
    step = "close";
    rc = close(fd);
    fd = -1;
    if (rc != 0)
        goto failed;
    step = "rename";
    if (rename(temporary, final) != 0)
        goto failed;
    if (fsync_folder(folder) != 0) {
        /* the file is there under its name, but maybe not for good:
         * delivering it again is harmless (at-least-once) */
        snprintf(err, errlen, "%s: fsync of the folder: %s", folder, strerror(errno));
        goto out;
    }
    result = KH_DELIVERED;
    goto out;

failed:
    snprintf(err, errlen, "%s: %s: %s", temporary, step, strerror(errno));
    if (fd >= 0)
        close(fd);
    unlink(temporary);
out:
    free(temporary);
    free(final);
    return result;
}

/* ------------------------------------------------------------ HTTP endpoints */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void init_curl(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int kh_delivery_global_init(void)
{
    pthread_once(&curl_once, init_curl);
    return curl_init_result == CURLE_OK ? 0 : -1;
}

/* The start of the answer's body, to say why a request was refused. */
struct answer_excerpt {
    char   text[160];
    size_t length;
};

static size_t keep_excerpt(char *data, size_t size, size_t count, void *user)
{
    struct answer_excerpt *excerpt = user;
    size_t total = size * count;
    for (size_t i = 0; i < total && excerpt->length + 1 < sizeof excerpt->text; i++) {
        unsigned char c = (unsigned char)data[i];
        excerpt->text[excerpt->length++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    excerpt->text[excerpt->length] = '\0';
    return total;
}

/* A header value must not end the header (header injection). */
static int is_header_value(const char *s)
{
    return s && *s && !strpbrk(s, "\r\n");
}

static struct curl_slist *add_header(struct curl_slist *list, const char *name, const char *value, int *failed)
{
    char line[512];
    if (*failed)
        return list;
    snprintf(line, sizeof line, "%s: %s", name, value);
    struct curl_slist *longer = curl_slist_append(list, line);
    if (!longer)
        *failed = 1;
    return longer ? longer : list;
}

/* The endpoint as errors and logs name it: scheme, host, port and path,
 * never a user name, password or query string the URL may hold. */
static void endpoint_name(const char *url, char *out, size_t len)
{
    snprintf(out, len, "the endpoint of the destination");
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK
        && curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK
        && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_PORT, &port, 0);
        curl_url_get(u, CURLUPART_PATH, &path, 0);
        snprintf(out, len, "%s://%s%s%s%s", scheme, host, port ? ":" : "", port ? port : "", path ? path : "");
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
}

static kh_delivery_result post_to_url(const kh_destination *d, const kh_outgoing *m, char *err, size_t errlen)
{
    char endpoint[512];
    endpoint_name(d->url, endpoint, sizeof endpoint);
    const char *content_type = m->content_type ? m->content_type : "application/octet-stream";
    if (!is_header_value(m->message_id) || !is_header_value(content_type)
        || (m->family && !is_header_value(m->family)) || (!m->data && m->size)
        || strlen(m->message_id) > 200 || strlen(content_type) > 200
        || (m->family && strlen(m->family) > 200)) {
        snprintf(err, errlen, "%s: message id, family or content type cannot be an HTTP header", endpoint);
        return KH_DELIVERY_REFUSED;
    }

    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(err, errlen, "%s: cannot start a libcurl handle", endpoint);
        return KH_DELIVERY_RETRY;
    }
    int failed = 0;
    struct curl_slist *headers = NULL;
    headers = add_header(headers, "Content-Type", content_type, &failed);
    headers = add_header(headers, "X-Message-Id", m->message_id, &failed);
    if (m->family)
        headers = add_header(headers, "X-Message-Family", m->family, &failed);
    headers = add_header(headers, "Expect", "", &failed);   /* no 100-continue round trip */
    if (failed) {
        curl_slist_free_all(headers);
        curl_easy_cleanup(curl);
        snprintf(err, errlen, "%s: out of memory", endpoint);
        return KH_DELIVERY_RETRY;
    }

    char curl_error[CURL_ERROR_SIZE] = "";
    struct answer_excerpt excerpt = { "", 0 };
    curl_easy_setopt(curl, CURLOPT_URL, d->url);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)m->size);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, m->size ? (const char *)m->data : "");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)d->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500   /* 7.85.0 */
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_excerpt);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &excerpt);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "khaalga/" PACKAGE_VERSION);

    kh_delivery_result result;
    CURLcode code = curl_easy_perform(curl);
    if (code != CURLE_OK) {
        /* connection refused, name not resolved, TLS, timeout …: all may pass */
        snprintf(err, errlen, "%s: %s", endpoint, curl_error[0] ? curl_error : curl_easy_strerror(code));
        result = KH_DELIVERY_RETRY;
    } else {
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 && status < 300) {
            result = KH_DELIVERED;
        } else if (status >= 400 && status < 500 && status != 408 && status != 429) {
            result = KH_DELIVERY_REFUSED;
        } else {
            /* 408, 429, 5xx; and 1xx/3xx, which a correct endpoint does not
             * answer to a POST (redirects are not followed): try again, and
             * let max_attempts send it to the dead letters */
            result = KH_DELIVERY_RETRY;
        }
        if (result != KH_DELIVERED)
            snprintf(err, errlen, "%s: HTTP %ld%s%s", endpoint, status,
                excerpt.length ? ": " : "", excerpt.text);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return result;
}

kh_delivery_result kh_deliver(const kh_destination *d, const kh_outgoing *m, char *err, size_t errlen)
{
    return kh_deliver_with_facts(d, m, NULL, err, errlen);
}

kh_delivery_result kh_deliver_with_facts(const kh_destination *d, const kh_outgoing *m, const kh_outgoing_facts *facts,
                                         char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!d || !m) {
        snprintf(err, errlen, "no destination or no message");
        return KH_DELIVERY_REFUSED;
    }
    switch (d->kind) {
    case KH_DEST_SPOOL:
        return kh_deliver_to_folder(d->path, m, err, errlen);
    case KH_DEST_HTTP:
        if (!d->url) {
            snprintf(err, errlen, "destination %s has no url", d->name ? d->name : "?");
            return KH_DELIVERY_REFUSED;
        }
        return post_to_url(d, m, err, errlen);
    case KH_DEST_AMQP:
        if (!d->url || !d->exchange) {
            snprintf(err, errlen, "destination %s has no url or no exchange", d->name ? d->name : "?");
            return KH_DELIVERY_REFUSED;
        }
        return kh_amqp_publish(d, m, facts, err, errlen);
    }
    snprintf(err, errlen, "destination %s has an unknown type", d->name ? d->name : "?");
    return KH_DELIVERY_REFUSED;
}

void kh_deliver_batch(const kh_destination *d, kh_batch_item *items, size_t n)
{
    if (d && d->kind == KH_DEST_AMQP && d->url && d->exchange) {
        kh_amqp_publish_batch(d, items, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        items[i].result = kh_deliver_with_facts(d, items[i].message, items[i].facts, items[i].err,
                                                sizeof items[i].err);
}

/* ------------------------------------------------------------ backoff */

/* Per-thread xorshift64* seeded from getrandom(): no lock, no shared state. */
static __thread uint64_t random_state;

static uint64_t next_random(void)
{
    if (!random_state) {
        uint64_t seed = 0;
        if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            seed = ((uint64_t)now.tv_sec * 1000000007u) ^ (uint64_t)now.tv_nsec
                 ^ ((uint64_t)(uintptr_t)&random_state << 16);
        }
        random_state = seed ? seed : 0x9E3779B97F4A7C15ull;
    }
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * 0x2545F4914F6CDD1Dull;
}

unsigned kh_backoff_ms(unsigned attempt, unsigned base_ms, unsigned max_ms)
{
    if (attempt < 1)
        attempt = 1;
    if (base_ms == 0 || max_ms == 0)
        return 0;
    /* base * 2^(attempt-1) in 64 bits: base < 2^32 and the shift < 32 */
    uint64_t delay = attempt - 1 >= 32 ? UINT64_MAX : (uint64_t)base_ms << (attempt - 1);
    if (delay > max_ms)
        delay = max_ms;
    /* uniformly between half and all of it */
    uint64_t half = delay / 2;
    uint64_t span = delay - half + 1;          /* at most 2^31 + 1 */
    uint64_t jitter = ((next_random() >> 32) * span) >> 32;
    return (unsigned)(half + jitter);
}
