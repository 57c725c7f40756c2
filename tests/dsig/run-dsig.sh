#!/bin/sh
# run-dsig.sh - XML-DSig verification and signing as partners meet them: a
# test PKI made with openssl (tests/dsig/make-pki.sh), documents signed by
# khaalga and by xmlsec1 and every attack of tests/dsig/make-cases.py, each
# with its expected verdict; the signed content handed on; trust domain and
# key errors; interoperability with xmlsec1 both ways. Reports in TAP.
set -u
srcdir=${srcdir:-.}
KHAALGA=${KHAALGA:-./khaalga}
KHAALGA_DATADIR=${KHAALGA_DATADIR:-$srcdir}
export KHAALGA_DATADIR
here=$srcdir/tests/dsig
document=$srcdir/xsd/mn/samples/dec/valid-import.xml
tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaalga-dsig.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
. "$srcdir/tests/tap.sh"

if ! command -v openssl >/dev/null || ! command -v xmlsec1 >/dev/null; then
    echo "1..0 # SKIP openssl and xmlsec1 are needed (scripts/install-deps installs them)"
    exit 0
fi
pki=$tmp/pki
if ! "$here/make-pki.sh" "$pki" >"$tmp/err" 2>&1; then
    echo "Bail out! the test PKI could not be made: $(tail -3 "$tmp/err")"
    exit 1
fi
if ! python3 "$here/make-cases.py" "$KHAALGA" "$pki" "$document" "$tmp/cases" >"$tmp/err" 2>&1; then
    echo "Bail out! the signed cases could not be made: $(tail -3 "$tmp/err")"
    exit 1
fi

# Every case: its verdict code in the JSON, the exit status, and a text
# line naming the same code.
tab=$(printf '\t')
while IFS=$tab read -r name expected domain sender; do
    if [ "$sender" = - ]; then set -- ; else set -- --sender "$sender"; fi
    want=1
    [ "$expected" = ok ] && want=0
    "$KHAALGA" verify --json --trust "$pki/$domain" "$@" "$tmp/cases/$name.xml" >"$tmp/out" 2>"$tmp/err"
    got=$?
    verdict=$(sed -n 's/.*"verdict":"\([^"]*\)".*/\1/p' "$tmp/out")
    if [ "$got" -eq "$want" ] && [ "$verdict" = "$expected" ]; then
        ok "$name: $expected"
    else
        echo "exit $got, verdict \"$verdict\"" >>"$tmp/err"
        not_ok "$name: $expected"
    fi
done <"$tmp/cases/cases.tsv"

cases=$tmp/cases
expect 1 "a rejection is one line on stderr" "$KHAALGA" verify --trust "$pki/trust" "$cases/revoked.xml"
contains err "revoked.xml: revoked: " "the line names the file and the code"
for name in digest-mismatch signature-mismatch algorithm-rsa-sha1 reference-xpointer; do
    "$KHAALGA" verify --trust "$pki/trust" "$cases/$name.xml" >"$tmp/out" 2>"$tmp/err"
    if [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ]; then ok "$name: one line on stderr, nothing else"; else not_ok "$name: one line on stderr, nothing else"; fi
done
expect 0 "an accepted signature" "$KHAALGA" verify --trust "$pki/trust" --sender 5012345 "$cases/ok-rsa.xml"
contains out "ok: signed by CN=Test Bank payments" "the signer is named"
contains out "(identity 5012345)" "the bound identity is named"
expect 0 "from standard input" sh -c "\"$KHAALGA\" verify --trust \"$pki/trust\" - < \"$cases/ok-ec.xml\""

# The signed content, as processed further: no Signature, no comments.
expect 0 "--output writes the signed content" "$KHAALGA" verify --trust "$pki/trust" --output "$tmp/plain.xml" "$cases/ok-rsa.xml"
expect 0 "the content of a document with an added comment" "$KHAALGA" verify --trust "$pki/trust" --output "$tmp/commented.xml" "$cases/ok-comment-added.xml"
if cmp -s "$tmp/plain.xml" "$tmp/commented.xml"; then ok "the unsigned comment is not in the content"; else not_ok "the unsigned comment is not in the content"; fi
if grep -q "Signature" "$tmp/plain.xml"; then not_ok "the content holds no Signature"; else ok "the content holds no Signature"; fi
expect 0 "the signed content is the declaration as it was" "$KHAALGA" validate "$tmp/plain.xml"
expect 1 "nothing is written for a rejected document" "$KHAALGA" verify --trust "$pki/trust" --output "$tmp/none.xml" "$cases/digest-mismatch.xml"
if [ -e "$tmp/none.xml" ]; then not_ok "no content file for a rejection"; else ok "no content file for a rejection"; fi
expect 2 "--json with --output - is a usage error" "$KHAALGA" verify --json --output - --trust "$pki/trust" "$cases/ok-rsa.xml"

# Several files in one process share the domain, and its kept chain verdicts:
# a verified leaf is taken again, a revoked or expired one never.
"$KHAALGA" verify --json --trust "$pki/trust" "$cases/ok-rsa.xml" "$cases/ok-rsa.xml" "$cases/revoked.xml" \
    "$cases/ok-comment-added.xml" "$cases/expired.xml" "$cases/digest-mismatch.xml" "$cases/ok-ec.xml" >"$tmp/out" 2>"$tmp/err"
rc=$?
verdicts=$(sed -n 's/.*"verdict":"\([^"]*\)".*/\1/p' "$tmp/out" | tr '\n' ' ')
if [ $rc -eq 1 ] && [ "$verdicts" = "ok ok revoked ok expired digest-mismatch ok " ]; then
    ok "several files in one process: each its own verdict, exit 1 for the worst"
else
    echo "exit $rc, verdicts: $verdicts" >>"$tmp/err"; not_ok "several files in one process: each its own verdict, exit 1 for the worst"
fi

# CRLs given on the command line.
cat "$pki/root.crl" "$pki/intermediate.crl" >"$tmp/both.crl"
expect 0 "--crl supplies the CRLs a domain requires" "$KHAALGA" verify --trust "$pki/trust-nocrl" --crl "$tmp/both.crl" "$cases/ok-rsa.xml"
expect 1 "--crl with the revocation" "$KHAALGA" verify --trust "$pki/trust-nocrl" --crl "$tmp/both.crl" "$cases/revoked.xml"
contains err "revoked" "the revocation comes from the --crl file"

# Trust domain and key errors are configuration errors (exit 2), named.
expect 2 "--trust is required" "$KHAALGA" verify "$cases/ok-rsa.xml"
expect 2 "a trust folder that does not exist" "$KHAALGA" verify --trust "$tmp/nowhere" "$cases/ok-rsa.xml"
contains err "nowhere" "the folder is named"
mkdir -p "$tmp/empty-domain"
expect 2 "a domain without certificates" "$KHAALGA" verify --trust "$tmp/empty-domain" "$cases/ok-rsa.xml"
contains err "trust no one" "an empty domain is refused"
cp -r "$pki/trust" "$tmp/bad-ini"
printf '[domain]\nrequire_crl = perhaps\n' >"$tmp/bad-ini/domain.ini"
expect 2 "a domain.ini with a bad value" "$KHAALGA" verify --trust "$tmp/bad-ini" "$cases/ok-rsa.xml"
contains err "domain.ini:2: require_crl takes yes or no" "the file, line and setting are named"
cp -r "$pki/trust" "$tmp/bad-ca"
echo "not a certificate" >"$tmp/bad-ca/ca/junk.pem"
expect 2 "a CA file that holds no certificate" "$KHAALGA" verify --trust "$tmp/bad-ca" "$cases/ok-rsa.xml"
contains err "junk.pem: holds no certificate" "the file is named"
expect 2 "a missing --crl file" "$KHAALGA" verify --trust "$pki/trust" --crl "$tmp/none.crl" "$cases/ok-rsa.xml"

# Signing.
expect 0 "sign with RSA" "$KHAALGA" sign --key "$pki/bank-rsa.key" --cert "$pki/bank-rsa.chain.pem" "$document"
contains out 'Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"' "RSA-SHA256"
contains out 'Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"' "exclusive C14N"
contains out 'Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"' "a SHA-256 digest"
contains out 'Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"' "enveloped"
certificates=$(grep -o "<X509Certificate>" "$tmp/out" | wc -l)
if [ "$certificates" -eq 2 ]; then ok "X509Data holds the chain (2 certificates)"; else not_ok "X509Data holds the chain (2 certificates, saw $certificates)"; fi
expect 0 "sign with EC P-256" "$KHAALGA" sign --key "$pki/broker-ec.key" --cert "$pki/broker-ec.chain.pem" "$document"
contains out 'xmldsig-more#ecdsa-sha256' "ECDSA-SHA256"
expect 1 "a signed document is not signed again" "$KHAALGA" sign --key "$pki/bank-rsa.key" --cert "$pki/bank-rsa.chain.pem" "$cases/ok-rsa.xml"
contains err "already signed" "and says so"
expect 2 "a 1024-bit key is refused for signing" "$KHAALGA" sign --key "$pki/weak.key" --cert "$pki/weak.chain.pem" "$document"
contains err "1024-bit" "the key size is named"
expect 2 "a certificate of another key" "$KHAALGA" sign --key "$pki/bank-rsa.key" --cert "$pki/broker-ec.chain.pem" "$document"
contains err "does not belong to the key" "the mismatch is named"
expect 2 "--key and --cert are required" "$KHAALGA" sign "$document"
expect 1 "a DOCTYPE is refused for signing too" "$KHAALGA" sign --key "$pki/bank-rsa.key" --cert "$pki/bank-rsa.chain.pem" "$cases/doctype.xml"

# Interoperability with xmlsec1 (its verification, with its own safe
# settings): what khaalga signs, xmlsec1 accepts; xmlsec1-signed documents
# were accepted above (ok-xmlsec1, ok-id-reference).
for signer in bank-rsa broker-ec; do
    "$KHAALGA" sign --key "$pki/$signer.key" --cert "$pki/$signer.chain.pem" "$document" >"$tmp/$signer.xml"
    expect 0 "xmlsec1 verifies what khaalga signed with $signer" xmlsec1 --verify --trusted-pem "$pki/root.pem" \
        --enabled-reference-uris empty,same-doc "$tmp/$signer.xml"
done

# Interoperability with Apache Santuario (Debian's libxml-security-java), as a
# Java partner would sign and verify.
jars=/usr/share/java
classpath=$jars/xmlsec.jar:$jars/slf4j-api.jar:$jars/slf4j-nop.jar:$jars/commons-codec.jar
if command -v javac >/dev/null && [ -f "$jars/xmlsec.jar" ] && mkdir -p "$tmp/java" &&
    javac -cp "$classpath" -d "$tmp/java" "$here/Santuario.java" 2>"$tmp/err"; then
    santuario() { java -cp "$tmp/java:$classpath" Santuario "$@"; }
    for signer in bank-rsa broker-ec; do
        expect 0 "Santuario verifies what khaalga signed with $signer" santuario verify "$tmp/$signer.xml" "$pki/root.pem"
        openssl pkcs8 -topk8 -nocrypt -in "$pki/$signer.key" -outform DER -out "$tmp/$signer.p8"
        expect 0 "Santuario signs with $signer" santuario sign "$document" "$tmp/$signer.p8" "$pki/$signer.chain.pem" "$tmp/santuario-$signer.xml"
        expect 0 "khaalga verifies what Santuario signed with $signer" "$KHAALGA" verify --trust "$pki/trust" "$tmp/santuario-$signer.xml"
    done
    expect 1 "Santuario rejects the changed document too" santuario verify "$cases/digest-mismatch.xml" "$pki/root.pem"
else
    n=$((n + 1)); echo "ok $n # SKIP Santuario: javac or $jars/xmlsec.jar missing (apt-get install default-jdk-headless libxml-security-java)"
fi

echo "1..$n"
