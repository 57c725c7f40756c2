/*
 * help.c - `khaalga help [COMMAND]`: what each subcommand does and its options.
 * The man page (docs/khaalga.1) says the same at more length.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "usage: khaalga COMMAND [OPTIONS] [FILE|-]\n"
    "\n"
    "Khaalga is the customs interchange gateway in front of CAIS.\n"
    "\n"
    "commands:\n"
    "  check [--contrl] [--json] [--registry FILE] FILE...\n"
    "                      syntax, envelope and directory validation of EDIFACT;\n"
    "                      --contrl prints the CONTRL interchange for the sender\n"
    "  edi2xml [FILE|-]    EDIFACT interchange -> lossless EDIFACT-XML\n"
    "  xml2edi [FILE|-]    EDIFACT-XML -> EDIFACT interchange\n"
    "  translate [--profile DIR] [--to wco|edifact] [--message N] [--validate [--reply FILE]] [FILE|-]\n"
    "                      any supported message -> normalized WCO DM XML (or back)\n"
    "  validate [--profile DIR] [--json] [FILE|-]\n"
    "                      WCO DM document against the profile's schema and rules\n"
    "  verify --trust DIR [--crl FILE] [--sender ID] [--output FILE] [--json] [FILE|-]\n"
    "                      XML-DSig verification against a partner's trust domain\n"
    "  sign --key KEY --cert CERT [FILE|-]\n"
    "                      enveloped XML-DSig signature (exclusive C14N, SHA-256)\n"
    "  serve --config FILE [--check-config]\n"
    "                      the gateway daemon: HTTP and spool folder in, journal,\n"
    "                      routing and delivery out\n"
    "  status ID | replay ID|--failed | stats [--since HOURS]   (--config FILE or --journal FILE)\n"
    "                      a message's lifecycle, dead deliveries back, counts and latencies\n"
    "  passwd [--iterations N]\n"
    "                      a password read from stdin -> the hash a console user's password takes\n"
    "  tokenize [FILE|-]   only tokenize and count segments (for measurements)\n"
    "  help [COMMAND]      this text, or the options of one command\n"
    "\n"
    "exit status: 0 accepted, 1 input rejected, 2 usage or configuration error,\n"
    "3 temporary failure, 4 internal error. Errors go to stderr, one line each.\n"
    "See khaalga(1).\n";

static const char limits_help[] =
    "limits (sizes take K, M or G):\n"
    "  --max-segment-length N    bytes of one segment (default 64K)\n"
    "  --max-elements N          data elements in one segment (default 512)\n"
    "  --max-components N        components in one data element (default 512)\n"
    "  --max-repetitions N       repetitions of one data element (default 999)\n"
    "  --max-interchange-size N  bytes of one interchange (default 1G)\n"
    "  --max-errors N            errors reported per input (default 100)\n";

static const char directories_help[] =
    "  --directories DIR         folder of the EDIFACT directory data (default:\n"
    "                            $KHAALGA_DATADIR/mappings/edifact, else the installed one)\n";

typedef struct command_help {
    const char *name;
    const char *text;
    bool        limits;
} command_help;

static const command_help commands[] = {
    { "check",
      "usage: khaalga check [OPTIONS] [FILE...|-]\n"
      "\n"
      "Checks EDIFACT interchanges (ISO 9735 syntax versions 1 to 4): UNA, envelopes\n"
      "(UNB/UNZ, UNG/UNE, UNH/UNT) with their counts and references, character\n"
      "repertoires (UNOA-UNOF, UNOW, UNOY), and each message against its directory\n"
      "(D96B, D01B, D21A; CONTRL): segment order and groups, mandatory parts,\n"
      "repetitions, data element types, lengths and qualifier code lists.\n"
      "Every error is one line on stderr with its ISO 9735 code (0085) and place:\n"
      "byte offset, message reference, segment position (UNH = 1), element,\n"
      "component and repetition. A summary line per input goes to stdout.\n"
      "\n"
      "  --contrl                  print the CONTRL interchange the sender should get\n"
      "                            (never for an interchange of CONTRL messages)\n"
      "  --json                    errors as JSON objects, one per line\n"
      "  --registry FILE           SQLite file of interchanges already received;\n"
      "                            a repeated (sender, recipient, reference) is error 26.\n"
      "                            Without it, duplicates are looked for in this run only\n"
      "  --quiet                   no summary line\n",
      true },
    { "edi2xml",
      "usage: khaalga edi2xml [OPTIONS] [FILE|-]\n"
      "\n"
      "Writes the EDIFACT-XML form of an interchange to stdout: segments inside\n"
      "their segment groups, data elements by position with the directory's ids\n"
      "and names. xml2edi writes it back. Errors found go to stderr (exit 1).\n"
      "\n"
      "  --no-names                leave out the name attributes\n"
      "  --json                    errors as JSON objects, one per line\n",
      true },
    { "xml2edi",
      "usage: khaalga xml2edi [FILE|-]\n"
      "\n"
      "Writes the EDIFACT interchange of an EDIFACT-XML document to stdout,\n"
      "escaping with the release character, converting to the declared character\n"
      "set, computing the UNT, UNE and UNZ counts, and writing UNA when needed.\n",
      false },
    { "translate",
      "usage: khaalga translate [--profile DIR] [--to wco|edifact] [--message N] [--validate]\n"
      "                         [--reply FILE] [--json] [--sender ID] [--recipient ID]\n"
      "                         [--reference REF] [FILE|-]\n"
      "\n"
      "Recognizes the input (EDIFACT, EDIFACT-XML, ISO 20022 camt.054, an agency's\n"
      "permit XML, or WCO DM) and applies the profile's mapping sheet, writing the\n"
      "normalized WCO DM document to stdout. EDIFACT is checked first and is not\n"
      "translated when it has errors (they go to stderr). --message N picks the\n"
      "message of an interchange (default 1). --to edifact takes a WCO DM document\n"
      "back to the partner's EDIFACT. Exit 2 when the profile has no sheet for the\n"
      "input. --validate then validates the result (as validate does) and names, for\n"
      "each error, where its data came from in the input: the EDIFACT message,\n"
      "segment position (UNH = 1), tag, element and component, or the XPath of the\n"
      "node in an XML input (the sheets record it while translating; a value no\n"
      "sheet marked is looked for by value). Exit 1 when invalid. --json gives the\n"
      "findings as one JSON object on stderr, each with an \"origin\". --reply FILE\n"
      "(with --validate) writes the reply the sender gets when the translation is\n"
      "invalid: for EDIFACT a rejecting CUSRES in the sender's directory and syntax,\n"
      "an ERP per error naming the segment tag and position, ERC the error code and\n"
      "FTX the text with the element and component; for XML a WCO RES whose error\n"
      "descriptions end with the input XPath. Nothing is written when valid.\n"
      "With --to edifact, --sender, --recipient and --reference give the\n"
      "interchange's UNB identities and control reference.\n"
      "\n"
      "  --profile DIR             the profile folder (default $KHAALGA_DATADIR/xsd/mn,\n"
      "                            else the installed one)\n",
      true },
    { "validate",
      "usage: khaalga validate [--profile DIR] [--json] [--quiet] [FILE|-]\n"
      "\n"
      "Validates a WCO DM document against its family's schema, then its business\n"
      "rules, and prints the WCO Response (RES) the sender gets on stdout: FunctionCode\n"
      "27 with one Error per error (ValidationCode: a rule id, or XSDn for a schema\n"
      "error; Description; Pointer with the goods item, DocumentSectionCode = WCO\n"
      "class ID and TagID = WCO element ID), or 29 when it is valid. On stderr, one\n"
      "line per finding with its line and XPath, and a summary. --json prints one\n"
      "JSON object instead; --quiet prints no response. The input is parsed without\n"
      "network, DTD or entities.\n"
      "\n"
      "  --profile DIR             the profile folder\n",
      false },
    { "verify",
      "usage: khaalga verify --trust DIR [--crl FILE] [--sender ID] [--output FILE] [--json]\n"
      "                      [FILE...|-]\n"
      "\n"
      "Verifies the one enveloped XML-DSig signature of a document against a trust\n"
      "domain: a folder with ca/ (root and intermediate CA certificates), pinned/\n"
      "(self-signed partner certificates), crl/ (CRLs) and domain.ini (require_crl,\n"
      "require_sender, identity = serialNumber, organizationIdentifier or CN).\n"
      "The signature must be a child of the document element, with one Reference\n"
      "(\"\" or #id of the document element), exclusive C14N, the enveloped\n"
      "transform, RSA-SHA256/384/512 or ECDSA-SHA256/384, a SHA-2 digest and the\n"
      "signer's certificate in X509Data. The certificate must chain to the domain,\n"
      "be valid now and not revoked, have an RSA key of 2048 bits or more or an EC\n"
      "key of 256 or more, allow digitalSignature or nonRepudiation, and (with\n"
      "--sender) name the sender in the domain's identity field.\n"
      "Accepted: \"FILE: ok: signed by ...\" on stdout, exit 0. Rejected: \"FILE:\n"
      "CODE: detail\" on stderr, exit 1, CODE one of ok, malformed, doctype,\n"
      "no-signature, multiple-signatures, wrapping, forbidden-reference,\n"
      "forbidden-transform, forbidden-algorithm, forbidden-key-info, no-certificate,\n"
      "digest-mismatch, signature-mismatch, untrusted-certificate, expired, revoked,\n"
      "crl-stale, weak-key, key-usage, identity-mismatch (docs/xmldsig.md).\n"
      "Several files get a verdict each; the exit status is the worst. A trust domain\n"
      "that cannot be loaded is exit 2.\n"
      "\n"
      "  --trust DIR               the partner's trust domain folder (required)\n"
      "  --crl FILE                one more CRL file (PEM, may hold several, or DER)\n"
      "  --sender ID               the sender the message names: the signer's identity\n"
      "                            must equal it\n"
      "  --output FILE             on success, write the signed content as it is\n"
      "                            processed further: the signed element without its\n"
      "                            Signature and without comments (- for stdout)\n"
      "  --json                    the verdict as one JSON object on stdout\n",
      false },
    { "sign",
      "usage: khaalga sign --key KEY --cert CERT [FILE|-]\n"
      "\n"
      "Signs a document and writes it to stdout: an enveloped signature appended\n"
      "to the document element, exclusive C14N, RSA-SHA256 (RSA key of 2048 bits\n"
      "or more) or ECDSA-SHA256 (P-256 key), a SHA-256 digest over the whole\n"
      "document, and X509Data with every certificate of CERT. A document that is\n"
      "already signed is refused (exit 1); a weak key or a certificate that does\n"
      "not belong to the key is exit 2.\n"
      "\n"
      "  --key KEY                 the private key, PEM, unencrypted\n"
      "  --cert CERT               PEM: the signer's certificate, then its chain\n",
      false },
    { "serve",
      "usage: khaalga serve --config FILE [--check-config]\n"
      "\n"
      "Runs the gateway (docs/configuration.md, examples/khaalga.conf). Messages come\n"
      "in over HTTP (POST /v1/messages) and through the spool folder (in/); each is\n"
      "journaled before anything is answered, then checked (EDIFACT) or verified\n"
      "(signed XML) against its partner, translated to the WCO DM profile,\n"
      "validated, routed into the journal's outbox and acknowledged (CONTRL, or a\n"
      "signed WCO RES receipt); the delivery loop takes the outbox to spool folders,\n"
      "HTTP endpoints and AMQP exchanges (publisher confirms), with retries and a\n"
      "dead-letter folder. [consumer] queues (AMQP) bring CAIS's answers, each\n"
      "carried back to the partner who sent the declaration in its own format. The\n"
      "dead-letter queue of an amqp destination's queue is watched: a message CAIS\n"
      "could not take marks its delivery dead (khaalga replay sends it again), any\n"
      "other is moved to QUEUE.dead.unknown. GET /v1/messages/ID gives a message's\n"
      "lifecycle, GET /v1/queries/KIND asks CAIS a question ([queries]), /healthz\n"
      "and /metrics (Prometheus) the service's. SIGHUP reloads the configuration (a\n"
      "bad one is refused and the running one kept); SIGTERM stops. Log lines are\n"
      "JSON on stderr. --check-config only checks the configuration and what it\n"
      "names. With a [console] section, the operator console (web pages and a JSON\n"
      "API, docs/console.md) listens on its own address.\n",
      false },
    { "status",
      "usage: khaalga status (--config FILE | --journal FILE) ID\n"
      "\n"
      "Prints the lifecycle of a message as JSON: its state, what it was found to be,\n"
      "each stage with its time, its errors, the acknowledgements sent and its\n"
      "deliveries. Exit 1 when the journal has no such message.\n",
      false },
    { "replay",
      "usage: khaalga replay (--config FILE | --journal FILE) ID | --failed\n"
      "\n"
      "Puts the dead-lettered deliveries of a message (or, with --failed, all of\n"
      "them) back into the outbox; a running gateway delivers them again. Each\n"
      "replay is written to the journal's audit trail with who ran it.\n",
      false },
    { "stats",
      "usage: khaalga stats (--config FILE | --journal FILE) [--since HOURS]\n"
      "\n"
      "Counts and latencies of the last HOURS (default 24) by hour, family, partner\n"
      "and customs office, one JSON object a line: messages, rejected, delivered,\n"
      "failed, dead (deliveries given up or dead-lettered by the broker), average\n"
      "and largest processing time in milliseconds.\n",
      false },
    { "passwd",
      "usage: khaalga passwd [--iterations N]\n"
      "\n"
      "Reads a password from standard input (one line; on a terminal it asks twice,\n"
      "without echo) and prints its hash for the password of a [console user NAME]\n"
      "section: PBKDF2-HMAC-SHA256 with a random salt, as\n"
      "$pbkdf2-sha256$i=N$SALT$HASH. Nothing else is printed.\n"
      "\n"
      "  --iterations N            PBKDF2 iterations (default 600000; 100000 to 10000000)\n",
      false },
    { "tokenize",
      "usage: khaalga tokenize [OPTIONS] [FILE|-]\n"
      "\n"
      "Only tokenizes the input and prints the number of segments and bytes.\n",
      true },
};

void kh_print_usage(FILE *out)
{
    fputs(usage, out);
}

int kh_cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        kh_print_usage(stdout);
        return KH_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        fputs(commands[i].text, stdout);
        if (commands[i].limits) {
            fputs(directories_help, stdout);
            fputs("\n", stdout);
            fputs(limits_help, stdout);
        }
        return KH_EXIT_OK;
    }
    fprintf(stderr, "khaalga: no command \"%s\"; see \"khaalga help\"\n", argv[1]);
    return KH_EXIT_USAGE;
}
