/*
 * bare-ingest.c - the baseline of the gateway benchmark: the least an HTTP
 * ingress with a durable journal has to do. libmicrohttpd with the threading
 * of `khaalga serve` (an internal polling thread pool on epoll, the same
 * thread count), each POST body inserted into one SQLite table (WAL,
 * synchronous=FULL: the journal's durability), answered 202 once committed.
 * No parsing, no signature, no routing, no delivery.
 *
 *   bare-ingest --port N --db FILE [--threads 2] [--listen 127.0.0.1]
 *
 * Serves until SIGINT or SIGTERM, then prints the number of rows on stderr.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sqlite3.h>

enum { MAX_BODY = 256 * 1024 };

static const char *db_path;
static pthread_key_t db_key;

typedef struct request {
    char  *body;
    size_t size;
    bool   too_large;
} request;

typedef struct store {
    sqlite3      *db;
    sqlite3_stmt *insert;
} store;

/* ------------------------------------------------------------ the table */

static void close_store(void *p)
{
    store *s = p;
    sqlite3_finalize(s->insert);
    sqlite3_close(s->db);
    free(s);
}

static sqlite3 *open_db(void)
{
    sqlite3 *db = NULL;
    char *why = NULL;
    if (sqlite3_open(db_path, &db) != SQLITE_OK) {
        fprintf(stderr, "bare-ingest: %s: %s\n", db_path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 10000);
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, &why) != SQLITE_OK) {
        fprintf(stderr, "bare-ingest: %s: %s\n", db_path, why);
        sqlite3_free(why);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* The connection of this server thread, opened on first use. */
static store *this_thread_store(void)
{
    store *s = pthread_getspecific(db_key);
    if (s)
        return s;
    if (!(s = calloc(1, sizeof *s)) || !(s->db = open_db()) ||
        sqlite3_prepare_v2(s->db, "INSERT INTO messages (received_ms, body) VALUES (?, ?)", -1, &s->insert,
                           NULL) != SQLITE_OK) {
        if (s && s->db)
            fprintf(stderr, "bare-ingest: prepare: %s\n", sqlite3_errmsg(s->db));
        if (s)
            sqlite3_close(s->db);
        free(s);
        return NULL;
    }
    pthread_setspecific(db_key, s);
    return s;
}

static bool insert(store *s, const request *rq)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    sqlite3_bind_int64(s->insert, 1, (sqlite3_int64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    sqlite3_bind_blob(s->insert, 2, rq->body ? rq->body : "", (int)rq->size, SQLITE_STATIC);
    int rc = sqlite3_step(s->insert);
    sqlite3_reset(s->insert);
    sqlite3_clear_bindings(s->insert);
    if (rc != SQLITE_DONE)
        fprintf(stderr, "bare-ingest: insert: %s\n", sqlite3_errmsg(s->db));
    return rc == SQLITE_DONE;
}

/* ------------------------------------------------------------ HTTP */

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)cls;
    (void)url;
    (void)version;
    if (strcmp(method, MHD_HTTP_METHOD_GET) == 0)
        return answer(c, MHD_HTTP_OK, "{\"status\":\"ok\"}\n");
    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
        return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, "{\"verdict\":\"rejected\"}\n");
    request *rq = *con_cls;
    if (!rq) {
        if (!(rq = calloc(1, sizeof *rq)))
            return MHD_NO;
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (rq->size + *upload_data_size > MAX_BODY) {
            rq->too_large = true;
        } else {
            char *grown = realloc(rq->body, rq->size + *upload_data_size);
            if (!grown)
                return MHD_NO;
            rq->body = grown;
            memcpy(rq->body + rq->size, upload_data, *upload_data_size);
            rq->size += *upload_data_size;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (rq->too_large)
        return answer(c, MHD_HTTP_CONTENT_TOO_LARGE, "{\"verdict\":\"rejected\"}\n");
    store *s = this_thread_store();
    if (!s || !insert(s, rq))
        return answer(c, MHD_HTTP_SERVICE_UNAVAILABLE, "{\"verdict\":\"temporary\"}\n");
    return answer(c, MHD_HTTP_ACCEPTED, "{\"verdict\":\"accepted\"}\n");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)c;
    (void)why;
    request *rq = *con_cls;
    if (rq) {
        free(rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

/* ------------------------------------------------------------ main */

static void usage(void)
{
    fprintf(stderr, "usage: bare-ingest --port N --db FILE [--threads N] [--listen ADDR]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *listen = "127.0.0.1";
    int port = 0, threads = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0) port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--db") == 0) db_path = argv[i + 1];
        else if (strcmp(argv[i], "--threads") == 0) threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--listen") == 0) listen = argv[i + 1];
        else usage();
    }
    if (argc % 2 == 0 || port <= 0 || port > 65535 || !db_path || threads <= 0)
        usage();

    sqlite3 *db = open_db();
    if (!db)
        return 1;
    char *why = NULL;
    if (sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, received_ms INTEGER NOT NULL, "
                         "body BLOB NOT NULL)", NULL, NULL, &why) != SQLITE_OK) {
        fprintf(stderr, "bare-ingest: %s: %s\n", db_path, why);
        return 1;
    }
    pthread_key_create(&db_key, close_store);

    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (inet_pton(AF_INET, listen, &sa.sin_addr) != 1) {
        fprintf(stderr, "bare-ingest: %s: not an IPv4 address\n", listen);
        return 2;
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);    /* the pool threads inherit the mask */
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_CONNECTION_LIMIT, 256u,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bare-ingest: cannot listen on %s:%d\n", listen, port);
        return 1;
    }
    int sig;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);

    sqlite3_stmt *count;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM messages", -1, &count, NULL) == SQLITE_OK &&
        sqlite3_step(count) == SQLITE_ROW)
        fprintf(stderr, "bare-ingest: %lld rows in %s\n", (long long)sqlite3_column_int64(count, 0), db_path);
    sqlite3_finalize(count);
    sqlite3_close(db);
    return 0;
}
