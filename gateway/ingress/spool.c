/*
 * spool.c - the spool-folder ingress: an inotify watch on FOLDER/in, a scan
 * of what is already there, each file through the pipeline, then moved to
 * done/ or failed/ with its outcome beside it.
 */
#include "ingress/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/pipeline.h"

enum { RESCAN_MS = 2000 };

struct kh_spool {
    char            *folder;
    kh_gateway_slot *slot;
    kh_worker       *worker;
    kh_routed_fn     routed;
    void            *ctx;
    int              inotify_fd, stop_fd;
    pthread_t        thread;
};

/* mkdir -p */
static int make_folder(const char *folder, const char *sub, char *path, size_t pathlen)
{
    snprintf(path, pathlen, "%s/%s", folder, sub);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0750);
        *p = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    if (mkdir(path, 0750) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static char *read_file(const char *path, size_t limit, size_t *size, bool *too_big)
{
    *too_big = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return NULL;
    }
    if ((size_t)st.st_size > limit) {
        *too_big = true;
        close(fd);
        return NULL;
    }
    char *data = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (data && got < (size_t)st.st_size) {
        ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (data && got != (size_t)st.st_size) {
        free(data);
        return NULL;
    }
    *size = got;
    return data;
}

/* Written under a temporary name and renamed, so that whoever watches the
 * folder sees the file whole or not at all. */
static void write_beside(const char *path, const char *data, size_t size)
{
    char temporary[4500];
    snprintf(temporary, sizeof temporary, "%s.tmp", path);
    FILE *f = fopen(temporary, "w");
    if (!f)
        return;
    bool written = fwrite(data, 1, size, f) == size;
    if (fclose(f) != 0 || !written || rename(temporary, path) != 0)
        unlink(temporary);
}

/* One file of in/: returns true when it was handled (moved out of in/). */
static bool handle_file(const char *folder, const char *name, kh_worker *worker, kh_gateway_slot *slot)
{
    char in[4352], target[4352], beside[4400];
    snprintf(in, sizeof in, "%s/in/%s", folder, name);
    const kh_gateway *g = kh_gateway_acquire(slot);
    size_t limit = g->config->max_body ? g->config->max_body : 16u << 20;
    size_t size = 0;
    bool too_big;
    char *data = read_file(in, limit, &size, &too_big);
    kh_outcome o;
    memset(&o, 0, sizeof o);
    if (!data && !too_big) {
        kh_gateway_release(slot, g);
        return false;    /* vanished or unreadable: the next scan sees */
    }
    if (too_big) {
        o.verdict = KH_REJECTED;
        snprintf(o.reason, sizeof o.reason, "too-large");
    } else {
        kh_received m = { .channel = "spool", .raw = data, .size = size };
        kh_process(worker, g, &m, NULL, &o);
    }
    kh_gateway_release(slot, g);
    free(data);
    if (o.verdict == KH_TEMPORARY) {
        kh_outcome_free(&o);
        return false;    /* stays in in/ */
    }
    bool good = o.verdict == KH_ACCEPTED || o.verdict == KH_DUPLICATE;
    snprintf(target, sizeof target, "%s/%s/%s", folder, good ? "done" : "failed", name);
    char *json = NULL;
    size_t json_size = 0;
    FILE *mem = open_memstream(&json, &json_size);
    if (mem) {
        kh_outcome_print_json(mem, &o);
        fclose(mem);
        snprintf(beside, sizeof beside, "%s.outcome.json", target);
        write_beside(beside, json, json_size);
        free(json);
    }
    if (o.reply) {
        snprintf(beside, sizeof beside, "%s.ack", target);
        write_beside(beside, o.reply, o.reply_size);
    }
    kh_outcome_free(&o);
    if (rename(in, target) != 0)
        unlink(in);    /* archived in the journal already */
    return true;
}

static int scan(const char *folder, kh_worker *worker, kh_gateway_slot *slot, kh_routed_fn routed, void *ctx)
{
    char in[4200];
    snprintf(in, sizeof in, "%s/in", folder);
    DIR *d = opendir(in);
    if (!d)
        return 0;
    int handled = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (handle_file(folder, e->d_name, worker, slot)) {
            handled++;
            if (routed)
                routed(ctx);
        }
    }
    closedir(d);
    return handled;
}

static int prepare_folders(const char *folder, char *err, size_t errlen)
{
    char path[4200];
    if (make_folder(folder, "in", path, sizeof path) != 0 || make_folder(folder, "done", path, sizeof path) != 0 ||
        make_folder(folder, "failed", path, sizeof path) != 0) {
        snprintf(err, errlen, "%s: cannot be made (%s)", path, strerror(errno));
        return -1;
    }
    return 0;
}


static void *watch(void *arg)
{
    kh_spool *s = arg;
    scan(s->folder, s->worker, s->slot, s->routed, s->ctx);
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        struct pollfd fds[2] = { { s->inotify_fd, POLLIN, 0 }, { s->stop_fd, POLLIN, 0 } };
        int ready = poll(fds, 2, RESCAN_MS);
        if (ready < 0 && errno != EINTR)
            break;
        if (fds[1].revents)
            break;
        if (fds[0].revents) {
            /* the events only say "something arrived": a scan handles it, in order */
            while (read(s->inotify_fd, buf, sizeof buf) > 0)
                ;
        }
        scan(s->folder, s->worker, s->slot, s->routed, s->ctx);
    }
    return NULL;
}

kh_spool *kh_spool_start(const char *folder, const char *journal_path, kh_gateway_slot *slot, kh_routed_fn routed,
                         void *ctx, char *err, size_t errlen)
{
    if (prepare_folders(folder, err, errlen) != 0)
        return NULL;
    kh_spool *s = calloc(1, sizeof *s);
    if (!s || !(s->folder = strdup(folder))) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->slot = slot;
    s->routed = routed;
    s->ctx = ctx;
    s->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    s->stop_fd = eventfd(0, EFD_CLOEXEC);
    char in[4200];
    snprintf(in, sizeof in, "%s/in", folder);
    s->worker = s->inotify_fd >= 0 && s->stop_fd >= 0 ? kh_worker_new(journal_path, err, errlen) : NULL;
    if (!s->worker || inotify_add_watch(s->inotify_fd, in, IN_CLOSE_WRITE | IN_MOVED_TO) < 0 ||
        pthread_create(&s->thread, NULL, watch, s) != 0) {
        if (s->worker)
            snprintf(err, errlen, "%s: cannot be watched (%s)", in, strerror(errno));
        else if (s->inotify_fd < 0 || s->stop_fd < 0)
            snprintf(err, errlen, "inotify: %s", strerror(errno));
        kh_worker_free(s->worker);
        if (s->inotify_fd >= 0)
            close(s->inotify_fd);
        if (s->stop_fd >= 0)
            close(s->stop_fd);
        free(s->folder);
        free(s);
        return NULL;
    }
    return s;
}

void kh_spool_stop(kh_spool *s)
{
    if (!s)
        return;
    uint64_t one = 1;
    if (write(s->stop_fd, &one, sizeof one) != (ssize_t)sizeof one)
        pthread_cancel(s->thread);
    pthread_join(s->thread, NULL);
    kh_worker_free(s->worker);
    close(s->inotify_fd);
    close(s->stop_fd);
    free(s->folder);
    free(s);
}
