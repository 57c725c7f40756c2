#!/bin/bash
# run-serve.sh - `khaalga serve` end to end on loopback: a configuration
# with an EDIFACT broker and a signing bank, HTTP and the spool folder in,
# spool-folder and HTTP destinations out; valid, invalid, untrusted and
# duplicate messages; status, stats, metrics; a destination that fails into
# the dead-letter folder and `khaalga replay`; a reload with SIGHUP, good and
# bad; kill -9 in the middle of a batch and a restart with nothing
# acknowledged lost; hostile HTTP. Reports in TAP. Every wait is bounded.
set -u
srcdir=${srcdir:-.}
KHAALGA=${KHAALGA:-./khaalga}
KHAALGA_DATADIR=${KHAALGA_DATADIR:-$srcdir}
export KHAALGA_DATADIR KHAALGA_NOW=
unset KHAALGA_NOW
examples=$srcdir/examples/edifact
tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaalga-serve.XXXXXX") || exit 99
server_pid=
cleanup() { [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null; umount "$tmp/full" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
. "$srcdir/tests/tap.sh"

for tool in curl openssl python3; do
    if ! command -v $tool >/dev/null; then echo "1..0 # SKIP $tool is needed (scripts/install-deps installs it)"; exit 0; fi
done
"$srcdir/tests/dsig/make-pki.sh" "$tmp/pki" >/dev/null 2>&1 || { echo "Bail out! the test PKI could not be made"; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dead_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tls_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
conf=$tmp/khaalga.conf
write_config() {   # extra lines for the end
    cat >"$conf" <<CONF
[server]
listen = 127.0.0.1:$port
tls_listen = 127.0.0.1:$tls_port
tls_cert = $tmp/pki/server.chain.pem
tls_key = $tmp/pki/server.key
tls_client_ca = $tmp/pki/ca-bundle.pem
max_body = 256K
threads = 2
max_connections = 64
connection_timeout = 5s
[journal]
path = $tmp/journal.db
[spool]
path = $tmp/spool
[signing]
key = $tmp/pki/broker-ec.key
cert = $tmp/pki/broker-ec.chain.pem
[partner broker]
edifact_id = MN1234567
families = DEC
acknowledgements = contrl
[partner exporter]
edifact_id = MN7654321
families = DEC
[partner agency]
client_certificate = 6098765
families = LPCO
[partner erenhot-customs]
edifact_id = CNERLCUSTOMS
families = TRN
[partner cais]
edifact_id = MNCUSTOMS
families = RES
[destination partners]
type = spool
path = $tmp/out/partners
[partner bank]
identity = 5012345
families = PAY
trust = $tmp/pki/trust
require_signature = yes
acknowledgements = receipt
[destination cais]
type = spool
path = $tmp/out/cais
[destination agency]
type = http
url = http://127.0.0.1:$dead_port/permits
max_attempts = 2
backoff = 100ms
backoff_max = 200ms
timeout = 1s
dead_letter = $tmp/dead
[route declarations]
family = DEC
to = cais
[route payments]
family = PAY, TRN, LPCO
to = cais
[route responses]
family = RES
to = partners
$1
CONF
}
start_server() {
    "$KHAALGA" serve --config "$conf" 2>>"$tmp/serve.log" &
    server_pid=$!
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "$base/healthz" && return 0
        sleep 0.1
    done
    return 1
}
post() {   # FILE CONTENT-TYPE [ACCEPT] -> status in $status, body in $tmp/body, headers in $tmp/headers
    status=$(curl -s -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X POST -H "Content-Type: $2" \
        ${3:+-H "Accept: $3"} --data-binary @"$1" "$base/v1/messages")
}
header() { sed -n "s/^$1: *//Ip" "$tmp/headers" | tr -d '\r'; }
# a fresh interchange reference for each EDIFACT message sent
ref=0
fresh() {   # SOURCE: $fresh_file is a copy with a new UNB/UNZ reference
    ref=$((ref + 1))
    sed "s/KX000[0-9]/KR$(printf %04d $ref)/g" "$1" >"$tmp/fresh-$ref.edi"
    fresh_file=$tmp/fresh-$ref.edi
}

write_config ""
check '"$KHAALGA" serve --config "$conf" --check-config >/dev/null' "--check-config accepts the configuration"
printf '[server]\nlisten = nowhere\n' >"$tmp/bad.conf"
"$KHAALGA" serve --config "$tmp/bad.conf" --check-config 2>"$tmp/err"
rc=$?
check '[ $rc -eq 2 ] && grep -q "bad.conf:2" "$tmp/err"' "a bad configuration is exit 2 naming file and line" "$(cat "$tmp/err")"
start_server || { echo "Bail out! khaalga serve did not start: $(tail -5 "$tmp/serve.log")"; exit 1; }
ok "serve starts and answers /healthz"

# --- EDIFACT over HTTP
fresh "$examples/cusdec-import-D96B.edi"
cusdec=$fresh_file
post "$cusdec" application/EDIFACT
id=$(header X-Message-Id)
check '[ "$status" = 202 ] && [ -n "$id" ]' "a valid CUSDEC is accepted (202) with its id" "$status $(cat "$tmp/body")"
check 'grep -q "UCI+KR0001+MN1234567:ZZZ+MNCUSTOMS:ZZZ+7" "$tmp/body"' "the answer is the CONTRL accepting it"
check 'wait_for "[ -f \"$tmp/out/cais/$id.xml\" ]"' "it is delivered to the CAIS spool folder as ID.xml"
check 'grep -q "<dec:Declaration" "$tmp/out/cais/$id.xml"' "what is delivered is the normalized WCO DM declaration"
# the file is written before the journal records the delivery: wait for both
wait_for 'curl -s "$base/v1/messages/$id" >"$tmp/status.json"; grep -q "\"state\":\"delivered\"" "$tmp/status.json"'
check 'grep -q "\"state\":\"delivered\"" "$tmp/status.json" && grep -q "\"stage\":\"validate\",\"outcome\":\"ok\"" "$tmp/status.json"' \
    "GET /v1/messages/ID shows its stages and that it was delivered" "$(cat "$tmp/status.json")"
post "$cusdec" application/EDIFACT application/json
check '[ "$status" = 200 ] && grep -q "\"verdict\":\"duplicate\"" "$tmp/body"' "the same interchange again is a duplicate (200)" "$status $(cat "$tmp/body")"
check '[ "$(ls "$tmp/out/cais" | wc -l)" -eq 1 ]' "and is not routed again"
post "$examples/cusdec-import-D96B-broken.edi" application/EDIFACT
check '[ "$status" = 422 ] && grep -q "UCM+1+CUSDEC:D:96B:UN+4" "$tmp/body" && grep -q "UCD+12+2" "$tmp/body"' \
    "a broken CUSDEC is rejected (422) with the CONTRL naming the errors" "$status $(cat "$tmp/body")"
fresh "$examples/cusdec-import-D96B.edi"
sed 's/MN1234567:ZZZ+MNCUSTOMS/MN7777777:ZZZ+MNCUSTOMS/' "$fresh_file" >"$tmp/stranger.edi"
post "$tmp/stranger.edi" application/EDIFACT application/json
check '[ "$status" = 403 ] && grep -q "unknown-partner" "$tmp/body"' "an interchange from an unknown sender is refused (403)" "$status $(cat "$tmp/body")"
fresh "$examples/cusdec-import-D96B.edi"
sed 's/MOA+39:264400.00:EUR/MOA+39:265400.00:EUR/' "$fresh_file" >"$tmp/invoice.edi"
post "$tmp/invoice.edi" application/EDIFACT application/json
check '[ "$status" = 422 ] && grep -q "\"code\":\"DEC113\",\"place\":\"message 1 segment 19 MOA element 1 component 2\"" "$tmp/body"' \
    "a declaration failing a rule is refused with the rule and its EDIFACT place" "$status $(cat "$tmp/body")"
post "$tmp/invoice.edi" application/EDIFACT
check '[ "$status" = 422 ] && [ "$(header X-Acknowledgement)" = cusres ] && grep -q "UNH+1+CUSRES" "$tmp/body" && grep -q "ERP+42A+MOA:19:5" "$tmp/body"' \
    "its sender gets a CUSRES whose ERP names the segment the value came from" "$status $(cat "$tmp/body")"

# --- a valid message with no mapping into the profile: refused without the gateway's internals
sed 's/UNB+UNOC:3+MNCUSTOMS:ZZZ+MN1234567:ZZZ/UNB+UNOC:3+MN1234567:ZZZ+MNCUSTOMS:ZZZ/' \
    "$srcdir/tests/corpus/edifact/valid/aperak-D01B-v3-UNOC.edi" >"$tmp/aperak.edi"
post "$tmp/aperak.edi" application/EDIFACT application/json
check '[ "$status" = 415 ] && grep -q "no mapping of APERAK messages" "$tmp/body" && ! grep -q "/xsd/\|/mappings/\|share/khaalga" "$tmp/body"' \
    "an APERAK (no mapping into the profile) is refused (415), naming no path of the gateway" "$status $(cat "$tmp/body")"

# --- an interchange of two declarations: both taken, each delivered as ID-N; or neither
two_messages() {   # SOURCE OUT [SED-FOR-THE-SECOND]
    python3 - "$1" "$2" "${3:-}" <<'PY'
import re, subprocess, sys
text = open(sys.argv[1], "rb").read().decode("latin-1")
start, end = text.index("UNH+"), text.index("UNZ+")
message = text[start:end]
second = message.replace("UNH+1+", "UNH+2+", 1).replace("+1'UNZ", "+2'UNZ")
second = re.sub(r"UNT\+(\d+)\+1'", r"UNT+\1+2'", second)
if sys.argv[3]:
    second = subprocess.run(["sed", sys.argv[3]], input=second.encode("latin-1"), capture_output=True).stdout.decode("latin-1")
out = text[:end] + second + text[end:].replace("UNZ+1+", "UNZ+2+", 1)
open(sys.argv[2], "wb").write(out.encode("latin-1"))
PY
}
fresh "$examples/cusdec-import-D96B.edi"
two_messages "$fresh_file" "$tmp/two.edi"
post "$tmp/two.edi" application/EDIFACT
two_id=$(header X-Message-Id)
check '[ "$status" = 202 ] && grep -q "UCM+1+CUSDEC:D:96B:UN+7" "$tmp/body" && grep -q "UCM+2+CUSDEC:D:96B:UN+7" "$tmp/body"' \
    "an interchange of two declarations is accepted, its CONTRL accepting both" "$status $(cat "$tmp/body")"
check 'wait_for "[ -f \"$tmp/out/cais/$two_id-1.xml\" ] && [ -f \"$tmp/out/cais/$two_id-2.xml\" ]"' \
    "each declaration is delivered with its own id (ID-1, ID-2)" "$(ls "$tmp/out/cais")"
fresh "$examples/cusdec-import-D96B.edi"
two_messages "$fresh_file" "$tmp/two-bad.edi" 's/MOA+39:264400.00:EUR/MOA+39:265400.00:EUR/'
post "$tmp/two-bad.edi" application/EDIFACT application/json
two_bad_id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$tmp/body")
check '[ "$status" = 422 ] && grep -q "\"place\":\"message 2 segment 19 MOA" "$tmp/body"' \
    "when the second declaration fails a rule, the interchange is refused, naming message 2" "$status $(cat "$tmp/body")"
check '! ls "$tmp/out/cais/$two_bad_id"* >/dev/null 2>&1' "and neither declaration is delivered"

# --- the other EDIFACT families: a transit cargo report from foreign customs, a CAIS response
for example in cuscar-from-erenhot-D01B:cais:TRN cusres-D96B:partners:RES; do
    name=${example%%:*} rest=${example#*:}
    destination=${rest%%:*} family=${rest#*:}
    fresh "$examples/$name.edi"
    post "$fresh_file" application/EDIFACT application/json
    family_id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$tmp/body")
    check '[ "$status" = 202 ] && grep -q "\"family\":\"$family\"" "$tmp/body"' "$family: $name is accepted" "$status $(cat "$tmp/body")"
    check 'wait_for "[ -f \"$tmp/out/$destination/$family_id.xml\" ]"' "$family: it is routed to $destination"
    post "$fresh_file" application/EDIFACT application/json
    check '[ "$status" = 200 ]' "$family: sent again, it is a duplicate" "$status"
    sed 's/UNT+/UNT+9/' "$(echo "$fresh_file")" >"$tmp/broken-$family.edi"
    sed -i "s/KR$(printf %04d $ref)/KB$(printf %04d $ref)/g" "$tmp/broken-$family.edi"
    post "$tmp/broken-$family.edi" application/EDIFACT application/json
    check '[ "$status" = 422 ] && grep -q "invalid-edifact" "$tmp/body"' "$family: a wrong segment count is rejected" "$status $(cat "$tmp/body")"
done

# --- signed XML over HTTP
"$KHAALGA" translate "$examples/finsta-duties-D01B.edi" >"$tmp/pay.xml"
"$KHAALGA" sign --key "$tmp/pki/bank-rsa.key" --cert "$tmp/pki/bank-rsa.chain.pem" "$tmp/pay.xml" >"$tmp/pay.signed.xml"
post "$tmp/pay.signed.xml" application/xml
pay_id=$(header X-Message-Id)
check '[ "$status" = 202 ] && [ "$(header X-Acknowledgement)" = receipt ]' "a signed payment from the bank is accepted with a receipt" "$status $(head -c 300 "$tmp/body")"
cp "$tmp/body" "$tmp/receipt.xml"
check '"$KHAALGA" verify --trust "$tmp/pki/trust" --sender 6098765 "$tmp/receipt.xml" >/dev/null 2>&1' "the receipt is signed by Khaalga and verifies"
check 'grep -q "<res:FunctionCode>12</res:FunctionCode>" "$tmp/receipt.xml"' "the receipt says received (12)"
check 'wait_for "[ -f \"$tmp/out/cais/$pay_id.xml\" ]"' "the payment is delivered"
sed '0,/TDB-/s/TDB-/XDB-/' "$tmp/pay.signed.xml" >"$tmp/pay.tampered.xml"
post "$tmp/pay.tampered.xml" application/xml application/json
check '[ "$status" = 422 ] && grep -q "digest-mismatch" "$tmp/body"' "a payment changed after signing is refused (digest-mismatch)" "$status $(cat "$tmp/body")"
"$KHAALGA" sign --key "$tmp/pki/revoked.key" --cert "$tmp/pki/revoked.chain.pem" "$tmp/pay.xml" >"$tmp/pay.revoked.xml"
sed -i 's/serialNumber=5000002/serialNumber=5012345/' "$tmp/pay.revoked.xml"
post "$tmp/pay.revoked.xml" application/xml application/json
check '[ "$status" = 403 ] || [ "$status" = 422 ]' "a payment signed with another certificate is refused" "$status $(cat "$tmp/body")"
post "$tmp/pay.xml" application/xml application/json
check '[ "$status" = 403 ] && grep -q "unknown-partner" "$tmp/body"' "an unsigned payment from nobody is refused (403)" "$status $(cat "$tmp/body")"
post "$tmp/pay.signed.xml" application/xml application/json
check '[ "$status" = 200 ] && grep -q "\"duplicate_of\":\"$pay_id\"" "$tmp/body"' "the same payment again is a duplicate of the first" "$status $(cat "$tmp/body")"

# --- HTTPS with client certificates
tls_post() {   # FILE CONTENT-TYPE CLIENT(-|name) -> $status, $tmp/body
    if [ "$3" = - ]; then set -- "$1" "$2"; client=(); else client=(--cert "$tmp/pki/$3.chain.pem" --key "$tmp/pki/$3.key"); fi
    status=$(curl -s -o "$tmp/body" -w '%{http_code}' --cacert "$tmp/pki/root.pem" "${client[@]}" -X POST \
        -H "Content-Type: $2" -H 'Accept: application/json' --data-binary @"$1" "https://127.0.0.1:$tls_port/v1/messages")
}
permit=$srcdir/examples/agency-permit/permit-issued-spe-met.xml
tls_post "$permit" application/xml broker-ec
check '[ "$status" = 202 ] && grep -q "\"partner\":\"agency\",\"family\":\"LPCO\"" "$tmp/body"' \
    "over HTTPS, the client certificate proves the agency and its unsigned permit is accepted" "$status $(cat "$tmp/body")"
sed 's/SPE-/SPF-/' "$permit" >"$tmp/permit2.xml"
tls_post "$tmp/permit2.xml" application/xml -
check '[ "$status" = 403 ] && grep -q unknown-partner "$tmp/body"' "without a client certificate the same permit has no sender" "$status $(cat "$tmp/body")"
tls_post "$tmp/permit2.xml" application/xml bank-rsa
check '[ "$status" = 403 ] && grep -q unknown-client-certificate "$tmp/body"' "a client certificate of no partner is refused" "$status $(cat "$tmp/body")"
fresh "$examples/cusdec-import-D96B.edi"
tls_post "$fresh_file" application/EDIFACT broker-ec
check '[ "$status" = 403 ] && grep -q identity-mismatch "$tmp/body"' "an interchange of another partner over the agency's connection is refused" "$status $(cat "$tmp/body")"
status=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$tmp/pki/root.pem" "https://127.0.0.1:$tls_port/healthz")
check '[ "$status" = 200 ]' "HTTPS serves /healthz"
tls_get() {   # ID CLIENT(-|name)
    if [ "$2" = - ]; then client=(); else client=(--cert "$tmp/pki/$2.chain.pem" --key "$tmp/pki/$2.key"); fi
    curl -s -o "$tmp/body" -w '%{http_code}' --cacert "$tmp/pki/root.pem" "${client[@]}" "https://127.0.0.1:$tls_port/v1/messages/$1"
}
tls_post "$permit" application/xml broker-ec
permit_id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$tmp/body")
check '[ "$(tls_get "$permit_id" broker-ec)" = 200 ] && grep -q "\"partner\":\"agency\"" "$tmp/body"' "over HTTPS the agency sees its own message's lifecycle"
check '[ "$(tls_get "$id" broker-ec)" = 404 ]' "but not another partner's message"
check '[ "$(tls_get "$permit_id" -)" = 404 ]' "and without a client certificate, none"

# --- hostile HTTP
status=$(curl -s -o "$tmp/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data '{}' "$base/v1/messages")
check '[ "$status" = 415 ]' "a wrong content type is refused (415)"
head -c 400000 /dev/zero | tr '\0' 'A' >"$tmp/huge"
post "$tmp/huge" application/EDIFACT
check '[ "$status" = 413 ]' "a body over max_body is refused (413)" "$status"
status=$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/messages/0000-nothing")
check '[ "$status" = 404 ]' "an unknown message id is 404"
status=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$base/v1/messages")
check '[ "$status" = 405 ]' "another method is 405"
printf 'not a message at all' >"$tmp/junk"
post "$tmp/junk" text/plain application/json
check '[ "$status" = 415 ] && grep -q unsupported "$tmp/body"' "a body that is neither EDIFACT nor known XML is refused" "$status $(cat "$tmp/body")"
python3 - "$port" >"$tmp/slow.txt" 2>&1 <<'PY' &
import socket, sys, time
socks = []
for _ in range(40):
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
        s.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/EDIFACT\r\nContent-Length: 100000\r\n\r\nUNA")
        socks.append(s)
    except OSError:
        pass
time.sleep(3)
print(len(socks))
PY
slow=$!
sleep 0.5
status=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$base/healthz")
check '[ "$status" = 200 ]' "slow clients holding 40 connections do not stop the service" "$status"
wait $slow
rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status")
threads=$(awk '/^Threads:/ { print $2 }' "/proc/$server_pid/status")
check '[ "$rss_kb" -lt 262144 ] && [ "$threads" -le 16 ]' "memory and threads stay bounded ($((rss_kb / 1024)) MB, $threads threads)" "rss $rss_kb kB, $threads threads"
curl -s "$base/metrics" >"$tmp/metrics"
check 'grep -q "^khaalga_messages{family=\"DEC\",partner=\"broker\",state=\"delivered\"} [0-9]" "$tmp/metrics" && grep -q "^khaalga_outbox_depth " "$tmp/metrics" && grep -q "khaalga_stage_seconds_bucket{stage=\"validate\",le=\"+Inf\"}" "$tmp/metrics"' \
    "/metrics gives messages by family, partner and state, stage latencies and the outbox depth" "$(head -20 "$tmp/metrics")"

# --- the spool folder
fresh "$examples/cusdec-export-D21A.edi"
cp "$fresh_file" "$tmp/spool/in/export.edi"
cp "$examples/cusdec-import-D96B-broken.edi" "$tmp/spool/in/broken.edi"
check 'wait_for "[ -f \"$tmp/spool/done/export.edi\" ] && [ -f \"$tmp/spool/failed/broken.edi\" ]"' \
    "spool files are processed into done/ and failed/" "$(ls -R "$tmp/spool")"
check 'grep -q "\"verdict\":\"rejected\"" "$tmp/spool/failed/broken.edi.outcome.json" && [ -f "$tmp/spool/failed/broken.edi.ack" ]' \
    "a failed file has its outcome and CONTRL beside it"
# every family through the spool folder: valid ones into done/ (and routed),
# the same again a duplicate (done/ too, not routed again), an unsigned
# permit with no TLS to prove its sender into failed/
fresh "$examples/cuscar-from-erenhot-D01B.edi"; cp "$fresh_file" "$tmp/spool/in/cuscar.edi"
fresh "$examples/cusres-D96B.edi"; cp "$fresh_file" "$tmp/spool/in/cusres.edi"
"$KHAALGA" translate "$examples/finsta-duties-D01B.edi" | sed 's/TDB-2026-1123-000417/TDB-2026-1123-000999/' >"$tmp/pay2.xml"
"$KHAALGA" sign --key "$tmp/pki/bank-rsa.key" --cert "$tmp/pki/bank-rsa.chain.pem" "$tmp/pay2.xml" >"$tmp/spool/in/payment.xml"
cp "$srcdir/examples/agency-permit/permit-suspended-lic-mofali.xml" "$tmp/spool/in/permit.xml"
check 'wait_for "[ -f \"$tmp/spool/done/cuscar.edi\" ] && [ -f \"$tmp/spool/done/cusres.edi\" ] && [ -f \"$tmp/spool/done/payment.xml\" ] && [ -f \"$tmp/spool/failed/permit.xml\" ]"' \
    "TRN, RES and signed PAY files are taken from the spool; an unsigned permit from nobody fails" "$(ls -R "$tmp/spool")"
check 'grep -q "\"family\":\"TRN\"" "$tmp/spool/done/cuscar.edi.outcome.json" && grep -q "\"family\":\"RES\"" "$tmp/spool/done/cusres.edi.outcome.json" && grep -q "\"family\":\"PAY\"" "$tmp/spool/done/payment.xml.outcome.json" && grep -q "unknown-partner" "$tmp/spool/failed/permit.xml.outcome.json"' \
    "each with its outcome beside it"
cp "$tmp/spool/done/payment.xml" "$tmp/spool/in/payment-again.xml"
wait_for "ls \"$tmp/spool\"/*/payment-again.xml.outcome.json >/dev/null 2>&1"
check 'grep -q "\"verdict\":\"duplicate\"" "$tmp/spool/done/payment-again.xml.outcome.json"' \
    "the same payment dropped again is a duplicate" "$(cat "$tmp/spool"/*/payment-again.xml.outcome.json)"

# --- the journal from the command line
check '"$KHAALGA" status --config "$conf" "$id" | grep -q "\"state\":\"delivered\""' "khaalga status ID"
"$KHAALGA" status --config "$conf" 0000-nothing >/dev/null 2>&1
rc=$?
check '[ $rc -eq 1 ]' "khaalga status of an unknown id is exit 1"
"$KHAALGA" stats --config "$conf" >"$tmp/stats"
check 'grep -q "\"family\":\"DEC\",\"partner\":\"broker\"" "$tmp/stats" && grep -q "\"family\":\"PAY\",\"partner\":\"bank\"" "$tmp/stats"' \
    "khaalga stats counts by hour, family and partner" "$(cat "$tmp/stats")"

# --- a destination that fails: dead letter, then replay
write_config "[route permits-copy]
family = DEC
to = agency"
kill -HUP "$server_pid"
check 'wait_for "grep -q \"\\\"event\\\":\\\"reloaded\\\"\" \"$tmp/serve.log\""' "SIGHUP reloads the configuration"
fresh "$examples/cusdec-import-D96B.edi"
post "$fresh_file" application/EDIFACT
dead_id=$(header X-Message-Id)
check 'wait_for "ls \"$tmp/dead/$dead_id.xml\" >/dev/null 2>&1"' "an unreachable HTTP destination ends in the dead-letter folder after its attempts" "$(tail -3 "$tmp/serve.log")"
delivery_is_dead() { "$KHAALGA" status --config "$conf" "$1" | grep -q '"destination":"agency","delivery_id":"[^"]*","state":"dead"'; }
check 'wait_for "delivery_is_dead $dead_id"' "its status shows the dead delivery"
check '"$KHAALGA" replay --config "$conf" --failed | grep -q "1 delivery put back"' "khaalga replay --failed puts it back"
printf '[server]\nlisten = 127.0.0.1:%s\n[journal]\n' "$port" >"$conf"
kill -HUP "$server_pid"
check 'wait_for "grep -q \"config-refused\" \"$tmp/serve.log\""' "a bad configuration on SIGHUP is refused"
status=$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")
check '[ "$status" = 200 ]' "and the gateway keeps serving with the old one"
write_config ""

# --- the destination's disk is full: messages wait in the outbox, then go
mkdir -p "$tmp/full"
if mount -t tmpfs -o size=256k tmpfs "$tmp/full" 2>/dev/null; then
    mkdir -p "$tmp/full/cais"
    write_config "[destination small-disk]
type = spool
path = $tmp/full/cais
max_attempts = 1000
backoff = 100ms
backoff_max = 300ms
[route to-the-small-disk]
family = DEC
to = small-disk"
    kill -HUP "$server_pid"
    wait_for "[ \$(grep -c '\"event\":\"reloaded\"' \"$tmp/serve.log\") -ge 2 ]"
    head -c 10000000 /dev/zero >"$tmp/full/filler" 2>/dev/null    # fills it
    full_ids=
    for i in 1 2 3; do
        fresh "$examples/cusdec-import-D96B.edi"
        post "$fresh_file" application/EDIFACT
        full_ids="$full_ids $(header X-Message-Id)"
    done
    sleep 1
    waiting=0
    for fid in $full_ids; do [ -f "$tmp/full/cais/$fid.xml" ] || waiting=$((waiting + 1)); done
    check '[ "$waiting" -eq 3 ] && "$KHAALGA" status --config "$conf" ${full_ids##* } | grep -q "\"destination\":\"small-disk\",\"delivery_id\":\"[^\"]*\",\"state\":\"pending\""' \
        "with the destination's disk full, accepted messages wait in the outbox" "$waiting waiting"
    rm -f "$tmp/full/filler"
    arrived=0
    for fid in $full_ids; do wait_for "[ -f \"$tmp/full/cais/$fid.xml\" ]" && arrived=$((arrived + 1)); done
    check '[ "$arrived" -eq 3 ]' "when space returns, they are delivered" "$arrived of 3"
    check '! ls "$tmp/full/cais"/.*.tmp >/dev/null 2>&1' "no temporary file is left behind"
    write_config ""
    kill -HUP "$server_pid"
    wait_for "[ \$(grep -c '\"event\":\"reloaded\"' \"$tmp/serve.log\") -ge 3 ]"
    umount "$tmp/full"
else
    n=$((n + 1)); echo "ok $n # SKIP disk full: a tmpfs cannot be mounted here (needs root with CAP_SYS_ADMIN)"
fi

# --- kill -9 in the middle of a batch, restart: nothing acknowledged is lost
for i in $(seq 1 40); do fresh "$examples/cusdec-import-D96B.edi"; done
first=$((ref - 39))
( for i in $(seq $first $ref); do
      curl -s -o /dev/null -D - -X POST -H 'Content-Type: application/EDIFACT' --data-binary @"$tmp/fresh-$i.edi" \
          "$base/v1/messages" 2>/dev/null | tr -d '\r' >"$tmp/batch-headers"
      # acknowledged: 202 Accepted, with its id
      if grep -q "^HTTP/1.1 202" "$tmp/batch-headers"; then
          sed -n 's/^X-Message-Id: //p' "$tmp/batch-headers" >>"$tmp/acknowledged"
      fi
  done ) &
batch=$!
sleep 0.3
kill -9 "$server_pid"
wait "$server_pid" 2>/dev/null
wait $batch
start_server || { echo "Bail out! khaalga serve did not restart"; exit 1; }
acked=$(grep -c . "$tmp/acknowledged" || true)
missing=0
for acked_id in $(cat "$tmp/acknowledged"); do
    wait_for "[ -f \"$tmp/out/cais/$acked_id.xml\" ]" || missing=$((missing + 1))
done
touch "$tmp/acknowledged"
check '[ "$acked" -gt 0 ] && [ "$missing" -eq 0 ]' "after kill -9 and a restart, all $acked acknowledged messages are delivered" "missing $missing of $acked"

kill -TERM "$server_pid"
wait "$server_pid"
rc=$?
check '[ $rc -eq 0 ] && grep -q "\"event\":\"stopped\"" "$tmp/serve.log"' "SIGTERM stops it cleanly (exit 0)" "exit $rc; $(tail -30 "$tmp/serve.log")"
server_pid=
echo "1..$n"
