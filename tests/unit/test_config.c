/*
 * test_config.c - the configuration loader: every key of a full file read
 * into its field, the defaults, an amqp destination's keys and defaults,
 * the lookups, the annotated example
 * (examples/khaalga.conf) accepted, and every broken file of tests/config/
 * refused with exactly the message its first line expects:
 *
 *     ; expect: PATH:LINE: what
 *
 * PATH stands for the file as it was named, DIR for the absolute folder of
 * tests/config (relative paths in a configuration are taken from there).
 * A new case is a new tests/config/bad-*.conf file.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"

static char config_dir[PATH_MAX];        /* srcdir/tests/config, as named */
static char config_dir_real[PATH_MAX];   /* the same, absolute */
static char example_path[PATH_MAX];
static char scratch[PATH_MAX];           /* a temporary folder per test */

static int setup(void **state)
{
    (void)state;
    const char *srcdir = getenv("srcdir") ? getenv("srcdir") : ".";
    snprintf(config_dir, sizeof config_dir, "%s/tests/config", srcdir);
    snprintf(example_path, sizeof example_path, "%s/examples/khaalga.conf", srcdir);
    if (!realpath(config_dir, config_dir_real)) {
        fprintf(stderr, "%s: %s\n", config_dir, strerror(errno));
        return -1;
    }
    return 0;
}

static int make_scratch(void **state)
{
    (void)state;
    snprintf(scratch, sizeof scratch, "%s/khaalga-config-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(scratch) ? 0 : -1;
}

static int remove_scratch(void **state)
{
    (void)state;
    char command[PATH_MAX + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", scratch);
    return system(command) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void in_scratch(char *path, size_t size, const char *name)
{
    snprintf(path, size, "%s/%s", scratch, name);
}

/* ------------------------------------------------------------ a full file */

static void test_valid_full(void **state)
{
    (void)state;
    char path[PATH_MAX], err[1024], expected[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/valid-full.conf", config_dir);
    kh_config *c = kh_config_load(path, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    assert_string_equal(c->path, path);

    assert_int_equal(c->nlisten, 2);
    assert_string_equal(c->listen[0], "127.0.0.1:8080");
    assert_string_equal(c->listen[1], "[::1]:8080");
    assert_string_equal(c->tls_listen, "0.0.0.0:8443");
    snprintf(expected, sizeof expected, "%s/tls/server.crt", config_dir_real);
    assert_string_equal(c->tls_cert, expected);
    snprintf(expected, sizeof expected, "%s/tls/server.key", config_dir_real);
    assert_string_equal(c->tls_key, expected);
    snprintf(expected, sizeof expected, "%s/tls/clients-ca.pem", config_dir_real);
    assert_string_equal(c->tls_client_ca, expected);
    assert_int_equal(c->max_body, 64 * 1024);
    assert_int_equal(c->max_connections, 512);
    assert_int_equal(c->threads, 8);
    assert_int_equal(c->connection_timeout_s, 120);

    assert_string_equal(c->journal, "/var/lib/khaalga/journal.db");
    assert_int_equal(c->retention_days, 365);
    snprintf(expected, sizeof expected, "%s/trust", config_dir_real);
    assert_string_equal(c->profile, expected);
    assert_string_equal(c->spool, "/var/spool/khaalga");
    snprintf(expected, sizeof expected, "%s/signing/khaalga.key", config_dir_real);
    assert_string_equal(c->signing_key, expected);
    snprintf(expected, sizeof expected, "%s/signing/khaalga.crt", config_dir_real);
    assert_string_equal(c->signing_cert, expected);
    assert_string_equal(c->log_level, "debug");

    assert_int_equal(c->npartners, 3);
    const kh_partner *bank = &c->partners[0];
    assert_string_equal(bank->id, "golomt-bank");
    assert_string_equal(bank->edifact_id, "5012345");
    assert_string_equal(bank->identity, "5012345");
    assert_int_equal(bank->families, KH_FAMILY_PAY);
    snprintf(expected, sizeof expected, "%s/trust/golomt-bank", config_dir_real);
    assert_string_equal(bank->trust, expected);
    assert_true(bank->require_signature);          /* the default with trust */
    assert_true(bank->want_contrl);
    assert_true(bank->want_receipt);
    assert_string_equal(bank->reply, "bank-replies");
    assert_string_equal(bank->client_certificate, "golomt-gateway");

    const kh_partner *broker = &c->partners[1];
    assert_string_equal(broker->id, "tavan-bogd");
    assert_int_equal(broker->families, KH_FAMILY_DEC | KH_FAMILY_TRN);
    assert_false(broker->require_signature);       /* said so */
    assert_false(broker->want_contrl);
    assert_false(broker->want_receipt);
    assert_null(broker->reply);
    assert_null(broker->client_certificate);

    const kh_partner *plain = &c->partners[2];
    assert_int_equal(plain->families, KH_FAMILY_DEC | KH_FAMILY_RES | KH_FAMILY_PAY | KH_FAMILY_LPCO | KH_FAMILY_TRN);
    assert_null(plain->trust);
    assert_false(plain->require_signature);        /* the default without trust */
    assert_null(plain->edifact_id);
    assert_null(plain->identity);

    assert_int_equal(c->ndestinations, 2);
    const kh_destination *cais = &c->destinations[0];
    assert_string_equal(cais->name, "cais");
    assert_int_equal(cais->kind, KH_DEST_HTTP);
    assert_string_equal(cais->url, "https://cais.customs.gov.mn/khaalga/inbound");
    assert_null(cais->path);
    assert_int_equal(cais->max_attempts, 20);
    assert_int_equal(cais->backoff_ms, 500);
    assert_int_equal(cais->backoff_max_ms, 5 * 60 * 1000);
    assert_int_equal(cais->timeout_ms, 2000);
    assert_string_equal(cais->dead_letter, "/var/lib/khaalga/dead/cais");
    const kh_destination *replies = &c->destinations[1];
    assert_int_equal(replies->kind, KH_DEST_SPOOL);
    assert_string_equal(replies->path, "/var/spool/khaalga/out/banks");
    assert_null(replies->url);
    assert_null(replies->dead_letter);

    assert_int_equal(c->nroutes, 3);
    const kh_route *dec = &c->routes[0];
    assert_string_equal(dec->name, "declarations");
    assert_int_equal(dec->families, KH_FAMILY_DEC);
    assert_string_equal(dec->type, "IM");
    assert_string_equal(dec->office, "1101");
    assert_null(dec->agency);
    assert_int_equal(dec->nto, 1);
    assert_string_equal(dec->to[0], "cais");
    const kh_route *permits = &c->routes[1];
    assert_int_equal(permits->families, KH_FAMILY_LPCO | KH_FAMILY_DEC);
    assert_string_equal(permits->agency, "MNAS");
    assert_null(permits->type);
    assert_int_equal(permits->nto, 2);
    assert_string_equal(permits->to[1], "bank-replies");
    assert_int_equal(c->routes[2].families, 0);    /* any */

    kh_config_free(c);
}

/* ------------------------------------------------------------ defaults */

static void test_defaults(void **state)
{
    (void)state;
    char path[PATH_MAX], trust[PATH_MAX], err[1024];
    in_scratch(trust, sizeof trust, "trust-bank");
    assert_int_equal(mkdir(trust, 0755), 0);
    in_scratch(path, sizeof path, "minimal.conf");
    write_file(path,
        "[spool]\npath = in\n"
        "[journal]\npath = journal.db\n"
        "[partner bank]\ntrust = trust-bank\n"
        "[destination cais]\ntype = spool\npath = /var/spool/cais\n");
    kh_config *c = kh_config_load(path, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    assert_int_equal(c->nlisten, 0);
    assert_null(c->tls_listen);
    assert_int_equal(c->max_body, 16 * 1024 * 1024);
    assert_int_equal(c->max_connections, 256);
    assert_int_equal(c->threads, 4);
    assert_int_equal(c->connection_timeout_s, 30);
    assert_int_equal(c->retention_days, 90);
    assert_null(c->profile);
    assert_null(c->signing_key);
    assert_string_equal(c->log_level, "info");

    char expected[PATH_MAX + 32], scratch_real[PATH_MAX];
    assert_non_null(realpath(scratch, scratch_real));
    snprintf(expected, sizeof expected, "%s/journal.db", scratch_real);
    assert_string_equal(c->journal, expected);
    snprintf(expected, sizeof expected, "%s/in", scratch_real);
    assert_string_equal(c->spool, expected);

    assert_int_equal(c->partners[0].families, 0);
    assert_true(c->partners[0].require_signature);
    assert_false(c->partners[0].want_contrl);
    assert_false(c->partners[0].want_receipt);

    const kh_destination *d = &c->destinations[0];
    assert_int_equal(d->max_attempts, 10);
    assert_int_equal(d->backoff_ms, 1000);
    assert_int_equal(d->backoff_max_ms, 300000);
    assert_int_equal(d->timeout_ms, 10000);
    assert_null(d->dead_letter);
    kh_config_free(c);
}

/* An amqp destination: every key into its field, and the defaults that
 * follow from the others (routing key, binding key, delivery limit, the
 * dead-letter queue watched with a queue). */
static void test_amqp_destination(void **state)
{
    (void)state;
    char path[PATH_MAX], ca[PATH_MAX], err[1024], expected[PATH_MAX + 32], scratch_real[PATH_MAX];
    in_scratch(ca, sizeof ca, "broker-ca.pem");
    write_file(ca, "stand-in\n");
    in_scratch(path, sizeof path, "amqp.conf");
    write_file(path,
        "[server]\nlisten = 127.0.0.1:8080\n"
        "[journal]\npath = journal.db\n"
        "[destination cais]\n"
        "type = amqp\n"
        "url = amqps://khaalga:secret@mq.customs.local:5671/customs\n"
        "exchange = customs\n"
        "routing_key = dec.{type}.{office}\n"
        "tls_ca = broker-ca.pem\n"
        "queue = cais.declarations\n"
        "binding_key = dec.*.UB01\n"
        "queue_delivery_limit = 5\n"
        "queue_max_length = 100000\n"
        "max_attempts = 30\n"
        "timeout = 5s\n"
        "[destination agencies]\n"
        "url = amqp://mq.customs.local/agencies\n"      /* before its type */
        "type = amqp\n"
        "exchange = agencies\n"
        "[destination plain]\n"
        "type = amqp\n"
        "url = amqp://mq.customs.local\n"
        "exchange = customs\n"
        "queue = everything\n"
        "[destination unwatched]\n"
        "type = amqp\n"
        "url = amqp://mq.customs.local\n"
        "exchange = customs\n"
        "watch_dead_letters = no\n"
        "queue = elsewhere\n");
    kh_config *c = kh_config_load(path, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    assert_non_null(realpath(scratch, scratch_real));

    const kh_destination *d = kh_config_destination(c, "cais");
    assert_non_null(d);
    assert_int_equal(d->kind, KH_DEST_AMQP);
    assert_string_equal(d->url, "amqps://khaalga:secret@mq.customs.local:5671/customs");
    assert_string_equal(d->exchange, "customs");
    assert_string_equal(d->routing_key, "dec.{type}.{office}");
    snprintf(expected, sizeof expected, "%s/broker-ca.pem", scratch_real);
    assert_string_equal(d->tls_ca, expected);
    assert_string_equal(d->queue, "cais.declarations");
    assert_string_equal(d->binding_key, "dec.*.UB01");
    assert_int_equal(d->queue_delivery_limit, 5);
    assert_int_equal(d->queue_max_length, 100000);
    assert_true(d->watch_dead_letters);                  /* the default with a queue */
    assert_int_equal(d->max_attempts, 30);
    assert_int_equal(d->timeout_ms, 5000);
    assert_null(d->path);

    d = kh_config_destination(c, "agencies");
    assert_non_null(d);
    assert_int_equal(d->kind, KH_DEST_AMQP);
    assert_string_equal(d->routing_key, "{family}");     /* the default */
    assert_null(d->queue);
    assert_null(d->binding_key);
    assert_int_equal(d->queue_delivery_limit, 0);
    assert_false(d->watch_dead_letters);                 /* no queue, no dead-letter queue */
    assert_null(d->tls_ca);

    d = kh_config_destination(c, "plain");
    assert_non_null(d);
    assert_string_equal(d->binding_key, "#");
    assert_int_equal(d->queue_delivery_limit, 20);
    assert_int_equal(d->queue_max_length, 0);
    assert_int_equal(d->timeout_ms, 10000);
    assert_true(d->watch_dead_letters);

    d = kh_config_destination(c, "unwatched");
    assert_non_null(d);
    assert_string_equal(d->queue, "elsewhere");
    assert_false(d->watch_dead_letters);
    kh_config_free(c);
}

/* [consumer NAME]: every key into its field, the default prefetch, and a
 * configuration that only consumes has something to receive from. */
static void test_consumer(void **state)
{
    (void)state;
    char path[PATH_MAX], ca[PATH_MAX], err[1024];
    in_scratch(ca, sizeof ca, "consumer-ca.pem");
    write_file(ca, "stand-in\n");
    in_scratch(path, sizeof path, "consumer.conf");
    write_file(path,
        "[journal]\npath = journal.db\n"
        "[partner cais]\nfamilies = RES\n"
        "[consumer cais-answers]\n"
        "url = amqps://khaalga:secret@mq.customs.local:5671/customs\n"
        "tls_ca = consumer-ca.pem\n"
        "queue = cais.answers\n"
        "prefetch = 4\n"
        "from = cais\n"
        "[consumer plain]\n"
        "url = amqp://mq.customs.local\n"
        "queue = more.answers\n"
        "from = cais\n");
    kh_config *c = kh_config_load(path, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    assert_int_equal(c->nconsumers, 2);
    const kh_consumer *k = kh_config_consumer(c, "cais-answers");
    assert_non_null(k);
    assert_string_equal(k->url, "amqps://khaalga:secret@mq.customs.local:5671/customs");
    assert_non_null(k->tls_ca);
    assert_non_null(strstr(k->tls_ca, "/consumer-ca.pem"));
    assert_string_equal(k->queue, "cais.answers");
    assert_int_equal(k->prefetch, 4);
    assert_string_equal(k->from, "cais");
    k = kh_config_consumer(c, "plain");
    assert_non_null(k);
    assert_int_equal(k->prefetch, 16);    /* the default */
    assert_null(k->tls_ca);
    assert_null(kh_config_consumer(c, "nobody"));
    kh_config_free(c);
}

/* [queries]: every key, the defaults of exchange and timeout, the kinds. */
static void test_queries(void **state)
{
    (void)state;
    char path[PATH_MAX], err[1024];
    in_scratch(path, sizeof path, "queries.conf");
    write_file(path,
        "[server]\nlisten = 127.0.0.1:8080\n[journal]\npath = journal.db\n"
        "[queries]\nurl = amqp://mq.customs.local/customs\nkinds = no-debt , declaration-status\n");
    kh_config *c = kh_config_load(path, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    assert_string_equal(c->queries.url, "amqp://mq.customs.local/customs");
    assert_string_equal(c->queries.exchange, "customs.queries");
    assert_int_equal(c->queries.timeout_ms, 10000);
    assert_int_equal(c->queries.nkinds, 2);
    assert_true(kh_config_query_kind(c, "no-debt"));
    assert_true(kh_config_query_kind(c, "declaration-status"));
    assert_false(kh_config_query_kind(c, "declaration"));
    assert_false(kh_config_query_kind(c, NULL));
    kh_config_free(c);

    write_file(path,
        "[server]\nlisten = 127.0.0.1:8080\n[journal]\npath = journal.db\n"
        "[queries]\nurl = amqp://mq.customs.local/customs\nexchange = cais.questions\ntimeout = 3s\nkinds = no-debt\n");
    c = kh_config_load(path, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    assert_string_equal(c->queries.exchange, "cais.questions");
    assert_int_equal(c->queries.timeout_ms, 3000);
    kh_config_free(c);

    /* without the section: no queries */
    write_file(path, "[server]\nlisten = 127.0.0.1:8080\n[journal]\npath = journal.db\n");
    c = kh_config_load(path, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    assert_null(c->queries.url);
    assert_false(kh_config_query_kind(c, "no-debt"));
    kh_config_free(c);
}

/* CRLF line endings and a UTF-8 byte order mark, as a Windows editor writes. */
static void test_crlf_and_bom(void **state)
{
    (void)state;
    char path[PATH_MAX], err[1024];
    in_scratch(path, sizeof path, "windows.conf");
    write_file(path, "\xEF\xBB\xBF[server]\r\nlisten = 127.0.0.1:9000\r\n"
                     "[journal]\r\npath = /var/lib/khaalga/j.db\r\nretention_days = 7\r\n");
    kh_config *c = kh_config_load(path, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    assert_string_equal(c->listen[0], "127.0.0.1:9000");
    assert_int_equal(c->retention_days, 7);
    kh_config_free(c);

    write_file(path, "\xEF\xBB\xBF[server]\r\nlisten = 127.0.0.1:9000\r\nthreads = x\r\n");
    assert_null(kh_config_load(path, err, sizeof err));
    char expected[PATH_MAX + 64];
    snprintf(expected, sizeof expected, "%s:3: threads: \"x\" is not a positive whole number", path);
    assert_string_equal(err, expected);
}

static void test_missing_file(void **state)
{
    (void)state;
    char path[PATH_MAX], err[1024], expected[PATH_MAX + 64];
    in_scratch(path, sizeof path, "absent.conf");
    assert_null(kh_config_load(path, err, sizeof err));
    snprintf(expected, sizeof expected, "%s: No such file or directory", path);
    assert_string_equal(err, expected);
    /* no room for the message, or none asked for: still refused, no overrun */
    char tiny[8];
    memset(tiny, 'x', sizeof tiny);
    assert_null(kh_config_load(path, tiny, sizeof tiny));
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
    assert_null(kh_config_load(path, NULL, 0));
}

/* ------------------------------------------------------------ lookups */

static void test_lookups(void **state)
{
    (void)state;
    char path[PATH_MAX], err[1024];
    snprintf(path, sizeof path, "%s/valid-full.conf", config_dir);
    kh_config *c = kh_config_load(path, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    assert_ptr_equal(kh_config_partner(c, "tavan-bogd"), &c->partners[1]);
    assert_null(kh_config_partner(c, "tavan"));
    assert_null(kh_config_partner(c, NULL));
    assert_ptr_equal(kh_config_partner_by_edifact_id(c, "TAVANBOGD"), &c->partners[1]);
    assert_ptr_equal(kh_config_partner_by_edifact_id(c, "5012345"), &c->partners[0]);
    assert_null(kh_config_partner_by_edifact_id(c, "tavanbogd"));
    assert_ptr_equal(kh_config_partner_by_identity(c, "2670119"), &c->partners[1]);
    assert_null(kh_config_partner_by_identity(c, "0000000"));
    assert_ptr_equal(kh_config_destination(c, "bank-replies"), &c->destinations[1]);
    assert_null(kh_config_destination(c, "bank"));
    kh_config_free(c);

    assert_int_equal(kh_family_bit("DEC"), KH_FAMILY_DEC);
    assert_int_equal(kh_family_bit("RES"), KH_FAMILY_RES);
    assert_int_equal(kh_family_bit("PAY"), KH_FAMILY_PAY);
    assert_int_equal(kh_family_bit("LPCO"), KH_FAMILY_LPCO);
    assert_int_equal(kh_family_bit("TRN"), KH_FAMILY_TRN);
    assert_int_equal(kh_family_bit("dec"), 0);
    assert_int_equal(kh_family_bit("CUSDEC"), 0);
    assert_int_equal(kh_family_bit(""), 0);
    assert_int_equal(kh_family_bit(NULL), 0);
}

/* ------------------------------------------------------------ broken files */

/* Replaces every "PATH" and "DIR" of the expectation. */
static void expand(const char *pattern, const char *path, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = pattern; *p && n + 1 < size; ) {
        const char *with = NULL;
        if (!strncmp(p, "PATH", 4)) {
            with = path;
            p += 4;
        } else if (!strncmp(p, "DIR", 3)) {
            with = config_dir_real;
            p += 3;
        }
        if (with) {
            n += (size_t)snprintf(out + n, size - n, "%s", with);
            if (n >= size)
                n = size - 1;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_bad_case(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return !strncmp(e->d_name, "bad-", 4) && n > 5 && !strcmp(e->d_name + n - 5, ".conf");
}

static void test_broken_files(void **state)
{
    (void)state;
    struct dirent **names;
    int count = scandir(config_dir, &names, is_bad_case, by_name);
    assert_true(count >= 40);

    int failures = 0;
    for (int i = 0; i < count; i++) {
        char path[PATH_MAX], first[512], pattern[512], expected[2048], err[1024];
        snprintf(path, sizeof path, "%s/%s", config_dir, names[i]->d_name);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        int have_line = fgets(first, sizeof first, f) != NULL;
        fclose(f);
        if (!have_line || strncmp(first, "; expect: ", 10) != 0) {
            fprintf(stderr, "%s: the first line is not \"; expect: ...\"\n", path);
            failures++;
            continue;
        }
        snprintf(pattern, sizeof pattern, "%s", first + 10);
        pattern[strcspn(pattern, "\r\n")] = '\0';
        expand(pattern, path, expected, sizeof expected);

        memset(err, 0, sizeof err);
        kh_config *c = kh_config_load(path, err, sizeof err);
        if (c) {
            fprintf(stderr, "%s: accepted, expected\n  %s\n", path, expected);
            kh_config_free(c);
            failures++;
        } else if (strcmp(err, expected) != 0) {
            fprintf(stderr, "%s:\n  expected %s\n  got      %s\n", path, expected, err);
            failures++;
        }
    }
    for (int i = 0; i < count; i++)
        free(names[i]);
    free(names);
    assert_int_equal(failures, 0);
}

/* ------------------------------------------------------------ the example */

/* examples/khaalga.conf as installed in /etc/khaalga: its relative paths
 * (TLS files, signing key, trust domains) are taken from the folder it is
 * in, so a copy beside stand-ins of those files must load as it is. The
 * absolute ones (/var/lib/khaalga …) are written by the daemon and are not
 * checked at load time. */
static void test_example(void **state)
{
    (void)state;
    static const char *folders[] = {
        "tls", "signing", "trust", "trust/golomt-bank", "trust/altan-zam",
        "trust/masm", "trust/erlian-customs", NULL
    };
    static const char *files[] = {
        "tls/server.crt", "tls/server.key", "tls/partners-ca.pem",
        "signing/khaalga.key", "signing/khaalga.crt", NULL
    };
    char path[PATH_MAX], err[1024];
    for (const char **f = folders; *f; f++) {
        in_scratch(path, sizeof path, *f);
        assert_int_equal(mkdir(path, 0755), 0);
    }
    for (const char **f = files; *f; f++) {
        in_scratch(path, sizeof path, *f);
        write_file(path, "stand-in\n");
    }

    FILE *in = fopen(example_path, "r");
    if (!in)
        fail_msg("%s: %s", example_path, strerror(errno));
    in_scratch(path, sizeof path, "khaalga.conf");
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, in)) > 0)
        assert_int_equal(fwrite(buffer, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);

    kh_config *c = kh_config_load(path, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    assert_non_null(c->tls_listen);
    assert_non_null(c->signing_key);
    const kh_partner *bank = kh_config_partner(c, "golomt-bank");
    assert_non_null(bank);
    assert_int_equal(bank->families, KH_FAMILY_PAY);
    assert_true(bank->require_signature);
    assert_non_null(kh_config_partner(c, "altan-zam"));
    assert_non_null(kh_config_partner(c, "masm"));
    assert_non_null(kh_config_partner(c, "erlian-customs"));
    assert_non_null(kh_config_destination(c, "cais"));
    assert_true(c->nroutes >= 3);
    kh_config_free(c);

    /* and it is the example that is read: a mistake in it is found */
    FILE *append = fopen(path, "a");
    assert_non_null(append);
    fputs("\n[route broken]\nto = nowhere\n", append);
    assert_int_equal(fclose(append), 0);
    assert_null(kh_config_load(path, err, sizeof err));
    assert_non_null(strstr(err, "[route broken] to: there is no [destination nowhere]"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_full),
        cmocka_unit_test_setup_teardown(test_defaults, make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_amqp_destination, make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_consumer, make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_queries, make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_crlf_and_bom, make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_missing_file, make_scratch, remove_scratch),
        cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_broken_files),
        cmocka_unit_test_setup_teardown(test_example, make_scratch, remove_scratch),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
