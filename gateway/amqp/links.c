/*
 * links.c - the process's table of broker connections and their state,
 * guarded by one mutex: written when a connection goes up or down, read
 * by the console and /metrics. Bounded: past MAX_LINKS, new links are not
 * kept (a configuration has far fewer).
 */
#include "amqp/links.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

enum { MAX_LINKS = 256 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static kh_amqp_link_state links[MAX_LINKS];
static size_t nlinks;

static int64_t wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

void kh_amqp_link_report(const char *kind, const char *name, const char *broker, bool up, const char *detail)
{
    pthread_mutex_lock(&lock);
    kh_amqp_link_state *l = NULL;
    for (size_t i = 0; i < nlinks && !l; i++)
        if (strcmp(links[i].kind, kind) == 0 && strcmp(links[i].name, name) == 0)
            l = &links[i];
    if (!l && nlinks < MAX_LINKS) {
        l = &links[nlinks++];
        memset(l, 0, sizeof *l);
        snprintf(l->kind, sizeof l->kind, "%s", kind);
        snprintf(l->name, sizeof l->name, "%s", name);
        l->up = !up;    /* so that since is set below */
    }
    if (l) {
        if (l->up != up)
            l->since_ms = wall_ms();
        l->up = up;
        if (broker && broker[0])
            snprintf(l->broker, sizeof l->broker, "%s", broker);
        snprintf(l->detail, sizeof l->detail, "%s", detail ? detail : "");
    }
    pthread_mutex_unlock(&lock);
}

size_t kh_amqp_links(kh_amqp_link_state *out, size_t max)
{
    pthread_mutex_lock(&lock);
    size_t n = nlinks < max ? nlinks : max;
    memcpy(out, links, n * sizeof *out);
    pthread_mutex_unlock(&lock);
    return n;
}

void kh_amqp_links_reset(void)
{
    pthread_mutex_lock(&lock);
    nlinks = 0;
    pthread_mutex_unlock(&lock);
}
