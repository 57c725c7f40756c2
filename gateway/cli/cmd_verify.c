/*
 * cmd_verify.c - `khaalga verify`: the XML-DSig verdict on one document
 * against a trust domain. Accepted: "FILE: ok: …" on stdout, exit 0;
 * rejected: "FILE: CODE: detail" on stderr, exit 1; --json prints the
 * verdict as one JSON object on stdout either way. --output FILE writes what
 * was signed, as it is processed further: the signed element without its
 * Signature and without comments.
 */
#include <stdio.h>
#include <string.h>

#include <libxml/xmlsave.h>

#include "cli/cli.h"
#include "dsig/dsig.h"
#include "util/json.h"

static void json_field(FILE *out, const char *name, const char *value, bool last)
{
    kh_json_string(out, name);
    fputc(':', out);
    kh_json_string(out, value);
    if (!last)
        fputc(',', out);
}

static void print_json(const char *file, const kh_dsig_verdict *v)
{
    printf("{");
    json_field(stdout, "file", file, false);
    json_field(stdout, "verdict", kh_dsig_reason_code(v->reason), false);
    json_field(stdout, "detail", v->detail, false);
    json_field(stdout, "signature_method", v->signature_method, false);
    json_field(stdout, "digest_method", v->digest_method, false);
    printf("\"signer\":{");
    json_field(stdout, "subject", v->signer_subject, false);
    json_field(stdout, "issuer", v->signer_issuer, false);
    json_field(stdout, "serial", v->signer_serial, false);
    json_field(stdout, "identity", v->signer_identity, true);
    printf("}}\n");
}

/* The signed element alone, as a document, to FILE ("-" is stdout). */
static int write_signed_content(const char *path, xmlDocPtr doc, const kh_dsig_verdict *v)
{
    kh_dsig_detach_signature(doc);
    bool to_stdout = strcmp(path, "-") == 0;
    FILE *out = to_stdout ? stdout : fopen(path, "w");
    if (!out) {
        fprintf(stderr, "khaalga verify: %s: cannot be written\n", path);
        return KH_EXIT_USAGE;
    }
    xmlBufferPtr buf = xmlBufferCreate();
    xmlSaveCtxtPtr save = buf ? xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_NO_DECL) : NULL;
    int rc = save && xmlSaveTree(save, v->signed_element) >= 0 ? KH_EXIT_OK : KH_EXIT_INTERNAL;
    if (save)
        xmlSaveClose(save);
    if (rc == KH_EXIT_OK && (fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n%s\n",
                                     (const char *)xmlBufferContent(buf)) < 0 || fflush(out) != 0))
        rc = KH_EXIT_INTERNAL;
    xmlBufferFree(buf);
    if (!to_stdout && fclose(out) != 0)
        rc = KH_EXIT_INTERNAL;
    return rc;
}

/* One file's verdict, printed; its exit status. */
static int verify_one(const kh_cli *cli, kh_trust_domain *domain, const char *file, bool content_to_stdout)
{
    kh_dsig_verdict verdict;
    xmlDocPtr doc = NULL;
    kh_dsig_reason reason = kh_dsig_verify_file(domain, file, cli->sender, &verdict, &doc);
    if (cli->json)
        print_json(file, &verdict);
    else if (reason == KH_DSIG_OK)
        fprintf(content_to_stdout ? stderr : stdout, "%s: ok: %s%s%s%s\n", file, verdict.detail,
                verdict.signer_identity[0] ? " (identity " : "", verdict.signer_identity,
                verdict.signer_identity[0] ? ")" : "");
    else
        fprintf(stderr, "%s: %s: %s\n", file, kh_dsig_reason_code(reason), verdict.detail);
    int rc = reason == KH_DSIG_OK ? KH_EXIT_OK : KH_EXIT_REJECTED;
    if (reason == KH_DSIG_OK && cli->output)
        rc = write_signed_content(cli->output, doc, &verdict);
    xmlFreeDoc(doc);
    return rc;
}

int kh_cmd_verify(int argc, char **argv)
{
    kh_cli cli;
    int rc = kh_cli_parse(argc, argv, KH_OPT_VERIFY | KH_OPT_JSON | KH_OPT_MANY_FILES, &cli);
    if (rc != KH_EXIT_OK)
        return rc;
    if (!cli.trust) {
        fprintf(stderr, "khaalga verify: --trust DIR is required (the partner's trust domain)\n");
        return KH_EXIT_USAGE;
    }
    if (cli.output && cli.nfiles > 1) {
        fprintf(stderr, "khaalga verify: --output takes the content of one file; give one file\n");
        return KH_EXIT_USAGE;
    }
    char err[1024];
    kh_trust_domain *domain = kh_trust_domain_load(cli.trust, cli.crl, err, sizeof err);
    if (!domain) {
        fprintf(stderr, "khaalga verify: %s\n", err);
        return KH_EXIT_USAGE;
    }
    bool content_to_stdout = cli.output && strcmp(cli.output, "-") == 0;
    if (content_to_stdout && cli.json) {
        fprintf(stderr, "khaalga verify: --json and --output - would share stdout; write the content to a file\n");
        kh_trust_domain_free(domain);
        return KH_EXIT_USAGE;
    }
    /* several files share the domain, as the daemon's messages do: the
     * worst status of all is the exit status */
    rc = KH_EXIT_OK;
    for (int i = 0; i < cli.nfiles; i++) {
        int one = verify_one(&cli, domain, cli.files[i], content_to_stdout);
        if (one > rc)
            rc = one;
    }
    kh_trust_domain_free(domain);
    if (fflush(stdout) != 0)
        return KH_EXIT_INTERNAL;
    return rc;
}
