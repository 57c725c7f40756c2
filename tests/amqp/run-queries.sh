#!/bin/bash
# run-queries.sh - questions for CAIS through `khaalga serve`, end to end,
# against a private rabbitmq-server (tests/amqp/broker.sh) and a small CAIS
# that answers (tests/amqp/respond.c): GET /v1/queries/no-debt and
# declaration-status answered with the caller's own parameters and
# correlation id, also twenty at once; over HTTPS CAIS is told the partner
# the client certificate proves, and a certificate of no partner is
# refused; a kind not configured is 404, bad parameters 400, a question
# nobody listens for 503 at once, one CAIS does not answer 504 after the
# timeout; the broker stopped: 503, and answers again once it is back;
# SIGTERM with a question in flight stops promptly. Reports in TAP; every
# wait is bounded. Skips when rabbitmq-server is not installed.
set -u
srcdir=${srcdir:-.}
KHAALGA=${KHAALGA:-./khaalga}
KHAALGA_DATADIR=${KHAALGA_DATADIR:-$srcdir}
RESPOND=${RESPOND:-$(dirname "$KHAALGA")/tests/amqp/respond}
export KHAALGA_DATADIR
. "$srcdir/tests/amqp/broker.sh"

rabbit=$(find_rabbit)
if [ -z "$rabbit" ]; then echo "1..0 # SKIP rabbitmq-server is not installed (scripts/install-deps installs it)"; exit 0; fi
for tool in curl python3 epmd timeout openssl; do
    if ! command -v $tool >/dev/null; then echo "1..0 # SKIP $tool is needed"; exit 0; fi
done
if [ ! -x "$RESPOND" ]; then echo "1..0 # SKIP $RESPOND is not built (make check builds it)"; exit 0; fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaalga-queries.XXXXXX") || exit 99
port=$(free_port)
tls_port=$(free_port)
broker_setup "$tmp"
server_pid= responder_pid=
cleanup() {
    [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
    [ -n "$responder_pid" ] && kill "$responder_pid" 2>/dev/null
    broker_cleanup
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$srcdir/tests/tap.sh"
ask() {   # PATH?QUERY [CURL OPTIONS...] -> $status, $tmp/body, $tmp/headers
    local path=$1
    shift
    status=$(curl -s -m 20 -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' "$@" "http://127.0.0.1:$port$path")
}
tls_ask() {   # PATH?QUERY CLIENT
    status=$(curl -s -m 20 -o "$tmp/body" -w '%{http_code}' --cacert "$tmp/pki/root.pem" \
        --cert "$tmp/pki/$2.chain.pem" --key "$tmp/pki/$2.key" "https://127.0.0.1:$tls_port$1")
}
start_responder() {
    "$RESPOND" "$url" cais.queries customs.queries 600 query.no-debt query.declaration-status query.slow \
        >"$tmp/respond.out" 2>>"$tmp/respond.err" &
    responder_pid=$!
    wait_for 'grep -q ready "$tmp/respond.out"'
}

"$srcdir/tests/dsig/make-pki.sh" "$tmp/pki" >/dev/null 2>&1 || { echo "Bail out! the test PKI could not be made"; exit 1; }
start_broker || { echo "Bail out! rabbitmq-server did not start: $(tail -5 "$broker_out")"; exit 1; }
ok "a private rabbitmq-server runs on 127.0.0.1:$amqp_port"

conf=$tmp/khaalga.conf
cat >"$conf" <<CONF
[server]
listen = 127.0.0.1:$port
tls_listen = 127.0.0.1:$tls_port
tls_cert = $tmp/pki/server.chain.pem
tls_key = $tmp/pki/server.key
tls_client_ca = $tmp/pki/ca-bundle.pem
threads = 8
[journal]
path = $tmp/journal.db
[partner broker]
edifact_id = MN1234567
families = DEC
client_certificate = 6098765
[queries]
url = $url
exchange = customs.queries
timeout = 2s
kinds = no-debt, declaration-status, slow, unbound
CONF
"$KHAALGA" serve --config "$conf" --check-config >/dev/null 2>"$tmp/err"
rc=$?
check '[ $rc -eq 0 ]' "--check-config accepts [queries]" "$(cat "$tmp/err")"
sed -n '1,/^\[queries\]/p' "$conf" | sed '$d' >"$tmp/bad.conf"
printf '[queries]\nurl = %s\nkinds = no-debt, No Debt\n' "$url" >>"$tmp/bad.conf"
"$KHAALGA" serve --config "$tmp/bad.conf" --check-config >/dev/null 2>"$tmp/err"
rc=$?
check '[ $rc -eq 2 ] && grep -q "bad.conf:[0-9]*: kinds: \"No Debt\" is not a query kind" "$tmp/err"' \
    "a kind that is not a word is refused, naming the file and line" "$rc $(cat "$tmp/err")"

start_responder || { echo "Bail out! the test's CAIS did not start: $(cat "$tmp/respond.err")"; exit 1; }
"$KHAALGA" serve --config "$conf" 2>>"$tmp/serve.log" &
server_pid=$!
wait_for 'curl -s -o /dev/null "http://127.0.0.1:$port/healthz"' || { echo "Bail out! khaalga serve did not start: $(tail -5 "$tmp/serve.log")"; exit 1; }
check 'wait_for "grep -q amqp-requester-ready \"$tmp/serve.log\""' "khaalga connects for queries" "$(tail -3 "$tmp/serve.log")"

# --- answered, with the caller's own parameters and correlation id
ask "/v1/queries/no-debt?company=2012345"
correlation=$(sed -n 's/^X-Correlation-Id: *//Ip' "$tmp/headers" | tr -d '\r')
check '[ "$status" = 200 ] && grep -q "\"query\":\"no-debt\",\"partner\":null,\"parameters\":{\"company\":\"2012345\"}" "$tmp/body"' \
    "GET /v1/queries/no-debt is answered by CAIS with the question it asked" "$status $(cat "$tmp/body")"
check '[ -n "$correlation" ] && grep -q "\"correlation_id\":\"$correlation\"" "$tmp/body" && grep -qi "^Content-Type: application/json" "$tmp/headers"' \
    "the answer carries the question's correlation id (X-Correlation-Id) and CAIS's content type" "$correlation $(cat "$tmp/headers")"
ask "/v1/queries/declaration-status?reference=ORG-2024-000517&office=1001"
check '[ "$status" = 200 ] && grep -q "\"reference\":\"ORG-2024-000517\",\"office\":\"1001\"" "$tmp/body"' \
    "declaration-status is answered too" "$status $(cat "$tmp/body")"

for i in $(seq 1 20); do
    curl -s -m 20 -o "$tmp/many.$i" -w '%{http_code}\n' "http://127.0.0.1:$port/v1/queries/no-debt?company=C$i" >"$tmp/many.status.$i" &
done
wait_for '[ $(cat "$tmp"/many.status.* 2>/dev/null | grep -c .) -eq 20 ]' 300
mismatched=0
for i in $(seq 1 20); do
    grep -q '^200$' "$tmp/many.status.$i" && grep -q "\"company\":\"C$i\"" "$tmp/many.$i" || mismatched=$((mismatched + 1))
done
check '[ $mismatched -eq 0 ]' "twenty questions at once each get their own answer" "$mismatched mismatched"

# --- HTTPS: CAIS is told who asks; a certificate of no partner is refused
tls_ask "/v1/queries/no-debt?company=2012345" broker-ec
check '[ "$status" = 200 ] && grep -q "\"partner\":\"broker\"" "$tmp/body"' "over HTTPS the question names the partner of the client certificate" \
    "$status $(cat "$tmp/body")"
tls_ask "/v1/queries/no-debt?company=2012345" bank-rsa
check '[ "$status" = 403 ] && grep -q unknown-client-certificate "$tmp/body"' "a client certificate of no partner is refused" "$status $(cat "$tmp/body")"

# --- refusals
ask "/v1/queries/owes-taxes?company=1"
check '[ "$status" = 404 ] && grep -q unknown-query "$tmp/body"' "a kind that is not configured is 404" "$status $(cat "$tmp/body")"
ask "/v1/queries/no-debt?Company=1"
check '[ "$status" = 400 ] && grep -q bad-parameters "$tmp/body"' "a parameter name that is not a lower-case word is 400" "$status $(cat "$tmp/body")"
ask "/v1/queries/no-debt?company=a%01b"
check '[ "$status" = 400 ]' "a value with a control character is 400" "$status $(cat "$tmp/body")"
ask "/v1/queries/no-debt?company=$(head -c 300 /dev/zero | tr '\0' x)"
check '[ "$status" = 400 ]' "a value longer than 256 characters is 400" "$status"
start=$(date +%s%N)
ask "/v1/queries/unbound?x=1"
took=$((($(date +%s%N) - start) / 1000000))
check '[ "$status" = 503 ] && grep -q no-answerer "$tmp/body" && [ $took -lt 1900 ]' \
    "a question nobody listens for is 503 at once (basic.return), not a timeout" "$status in $took ms: $(cat "$tmp/body")"
start=$(date +%s%N)
ask "/v1/queries/slow?x=1"
took=$((($(date +%s%N) - start) / 1000000))
check '[ "$status" = 504 ] && grep -q timeout "$tmp/body" && [ $took -ge 1900 ] && [ $took -lt 10000 ]' \
    "a question CAIS does not answer is 504 after the timeout" "$status in $took ms: $(cat "$tmp/body")"
check 'grep "\"event\":\"query\"" "$tmp/serve.log" | grep -q "slow from the customs network: timeout"' "each question is logged with its result" \
    "$(grep '"query"' "$tmp/serve.log" | tail -2)"

# --- the broker goes away and comes back
kill "$responder_pid" 2>/dev/null
wait "$responder_pid" 2>/dev/null
responder_pid=
stop_broker
ask "/v1/queries/no-debt?company=2012345"
check '[ "$status" = 503 ] && grep -q broker-unavailable "$tmp/body"' "with the broker stopped a question is 503" "$status $(cat "$tmp/body")"
start_broker || { echo "Bail out! rabbitmq-server did not start again: $(tail -5 "$broker_out")"; exit 1; }
start_responder || { echo "Bail out! the test's CAIS did not start again: $(cat "$tmp/respond.err")"; exit 1; }
check 'wait_for "ask \"/v1/queries/no-debt?company=2012345\"; [ \"\$status\" = 200 ]" 150' \
    "once the broker is back, questions are answered again" "$status $(cat "$tmp/body")"

# --- a stop with a question in flight is prompt
curl -s -m 20 -o "$tmp/inflight" -w '%{http_code}' "http://127.0.0.1:$port/v1/queries/slow?x=2" >"$tmp/inflight.status" &
curl_pid=$!
sleep 0.5
start=$(date +%s%N)
kill -TERM "$server_pid"
for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
wait "$server_pid"
rc=$?
took=$((($(date +%s%N) - start) / 1000000))
server_pid=
wait "$curl_pid"
check '[ $rc -eq 0 ] && [ $took -lt 1500 ]' "SIGTERM with a question in flight stops cleanly and at once" "exit $rc in $took ms"
check '[ "$(cat "$tmp/inflight.status")" = 503 ]' "and the question in flight is answered 503" "$(cat "$tmp/inflight.status") $(cat "$tmp/inflight")"
stop_broker
echo "1..$n"
