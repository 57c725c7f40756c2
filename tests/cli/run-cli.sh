#!/bin/sh
# run-cli.sh - the khaalga command line as a user meets it: help, usage
# errors and exit statuses, standard input, several files, JSON errors,
# limits, and the duplicate registry kept across runs. Reports in TAP.
set -u
srcdir=${srcdir:-.}
KHAALGA=${KHAALGA:-./khaalga}
KHAALGA_DATADIR=${KHAALGA_DATADIR:-$srcdir}
export KHAALGA_DATADIR
valid=$srcdir/tests/corpus/edifact/valid
broken=$srcdir/tests/corpus/edifact/broken
tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaalga-cli.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
. "$srcdir/tests/tap.sh"
# expect STATUS DESCRIPTION COMMAND...: runs it, keeps stdout and stderr

cusdec=$valid/cusdec-D96B-v3-UNOC-una.edi

expect 0 "help lists the commands" "$KHAALGA" help
contains out "edi2xml" "help names edi2xml"
expect 0 "help check" "$KHAALGA" help check
contains out "max-segment-length" "help check names the limits"
expect 2 "no command" "$KHAALGA"
expect 2 "unknown command" "$KHAALGA" frobnicate
expect 2 "unknown option" "$KHAALGA" check --frobnicate "$cusdec"
contains err "unknown option" "the unknown option is named"
expect 2 "bad limit" "$KHAALGA" check --max-errors zero "$cusdec"
expect 2 "missing file" "$KHAALGA" check "$tmp/nothing.edi"
contains err "nothing.edi" "the missing file is named"
expect 2 "directories that do not exist" "$KHAALGA" check --directories "$tmp/none" "$cusdec"

expect 0 "valid file" "$KHAALGA" check "$cusdec"
contains out "1 interchange, 1 message, 0 errors: accepted" "summary line"
expect 0 "standard input" sh -c "\"$KHAALGA\" check - <\"$cusdec\""
expect 1 "two files, one broken" "$KHAALGA" check "$cusdec" "$broken/unt-count-wrong.edi"
contains out "rejected" "the broken one is rejected in the summary"
expect 1 "JSON errors" "$KHAALGA" check --json "$broken/unt-count-wrong.edi"
contains err '"code":29,"name":"Control count does not match number of instances received","level":"message"' "JSON names code, name and level"

expect 1 "segment length limit" "$KHAALGA" check --max-segment-length 20 "$cusdec"
contains err "longer than the configured limit" "the limit is named"
expect 1 "interchange size limit" "$KHAALGA" check --max-interchange-size 200 "$cusdec"
contains err "larger than the configured limit" "the size limit is named"
expect 1 "error limit" "$KHAALGA" check --max-errors 1 "$broken/../../../../examples/edifact/cusdec-import-D96B-broken.edi"
contains err "2 more errors not reported" "errors past the limit are counted"

expect 0 "registry: first time" "$KHAALGA" check --registry "$tmp/seen.db" "$cusdec"
expect 1 "registry: same interchange again, another run" "$KHAALGA" check --registry "$tmp/seen.db" "$cusdec"
contains err "error 26 (Duplicate detected)" "the duplicate is error 26"
expect 0 "without the registry nothing is remembered" "$KHAALGA" check "$cusdec"
expect 2 "registry in a folder that does not exist" "$KHAALGA" check --registry "$tmp/no/such/dir/seen.db" "$cusdec"

expect 1 "CONTRL of a rejected interchange" env KHAALGA_NOW=202611231200 "$KHAALGA" check --contrl "$broken/unt-count-wrong.edi"
contains out "UCM+M1+CUSDEC:D:21A:UN+4+29+UNT+2'" "UCM names the UNT count error"

expect 0 "edi2xml" "$KHAALGA" edi2xml "$cusdec"
cp "$tmp/out" "$tmp/cusdec.xml"
contains out '<message ref="M1" type="CUSDEC" directory="D96B">' "edi2xml writes the message with its directory"
contains out '<SG6>' "edi2xml writes segment groups"
expect 0 "xml2edi" "$KHAALGA" xml2edi "$tmp/cusdec.xml"
if cmp -s "$tmp/out" "$cusdec"; then ok "xml2edi gives the interchange back"; else not_ok "xml2edi gives the interchange back"; fi
expect 0 "edi2xml --no-names" "$KHAALGA" edi2xml --no-names "$cusdec"
if grep -q 'name=' "$tmp/out"; then not_ok "no name attributes"; else ok "no name attributes"; fi
printf '<edifact xmlns="urn:khaalga:edifact-xml:1"><interchange charset="UNOC" version="3"><BOGUS/></interchange></edifact>' >"$tmp/bad.xml"
expect 1 "xml2edi rejects what is not EDIFACT-XML" "$KHAALGA" xml2edi "$tmp/bad.xml"
contains err "BOGUS" "the offending element is named"
expect 1 "edi2xml of a broken interchange" "$KHAALGA" edi2xml "$broken/unt-count-wrong.edi"
expect 0 "tokenize" "$KHAALGA" tokenize "$cusdec"
contains out "segments" "tokenize counts segments"

# validate and translate
dec=$srcdir/xsd/mn/samples/dec/valid-import.xml
expect 0 "validate a valid declaration" env KHAALGA_NOW=202611231200 "$KHAALGA" validate "$dec"
contains out "<res:FunctionCode>29</res:FunctionCode>" "the response accepts it"
contains err "valid, 0 errors" "the summary says valid"
expect 0 "validate --json" "$KHAALGA" validate --json "$dec"
contains out '"valid":true' "JSON says valid"
printf '<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>' >"$tmp/xxe.xml"
expect 1 "validate refuses a DOCTYPE" "$KHAALGA" validate "$tmp/xxe.xml"
contains err "DOCTYPE is not accepted" "the DOCTYPE is named"
expect 2 "validate with a profile that does not exist" "$KHAALGA" validate --profile "$tmp/none" "$dec"
expect 0 "translate a WCO DM document: already normalized" "$KHAALGA" translate "$dec"
contains out "<dec:Declaration" "it comes out as it went in"
printf 'hello' >"$tmp/hello.txt"
expect 1 "translate what it does not know" "$KHAALGA" translate "$tmp/hello.txt"
contains err "not a message Khaalga knows" "the input is called unknown"
expect 2 "translate --to with a wrong value" "$KHAALGA" translate --to json "$dec"
import=$srcdir/examples/edifact/cusdec-import-D96B.edi
expect 0 "translate --validate a good declaration" "$KHAALGA" translate --validate "$import"
contains err "the translation is valid" "it says the translation is valid"
sed 's/MOA+39:264400.00:EUR/MOA+39:265400.00:EUR/' "$import" >"$tmp/invoice.edi"
expect 1 "translate --validate: an error after translation" "$KHAALGA" translate --validate "$tmp/invoice.edi"
contains err "(from message 1 segment 19 MOA element 1 component 2): error DEC113" "it names the EDIFACT place the value came from"
sed 's/CNT+5:2/CNT+5:3/' "$import" >"$tmp/count.edi"
expect 1 "translate --validate: a value that also occurs elsewhere" "$KHAALGA" translate --validate "$tmp/count.edi"
contains err "(from message 1 segment 47 CNT element 1 component 2): error DEC105" "the sheet's record names the exact place, not a guess by value"
expect 0 "translate --to edifact with the interchange's identities" "$KHAALGA" translate --to edifact \
    --sender MNCUSTOMS --recipient MN1234567 --reference R20261123 "$srcdir/xsd/mn/samples/dec/valid-export.xml"
contains out "+MNCUSTOMS" "the sender is in UNB"
contains out "+MN1234567" "the recipient is in UNB"
contains out "UNZ+1+R20261123'" "the reference closes the interchange"

echo "1..$n"
