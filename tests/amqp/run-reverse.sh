#!/bin/bash
# run-reverse.sh - the reverse path of `khaalga serve`, end to end, against
# a private rabbitmq-server (tests/amqp/broker.sh): a CUSDEC posted by an
# EDIFACT broker and a signed WCO DEC posted by an XML trader go to CAIS
# (a spool folder); CAIS's answers (WCO RES) are published into the queue
# khaalga consumes; each is carried back to the partner of the declaration
# it answers: a CUSRES naming the declaration into the broker's reply
# folder, a RES signed by khaalga (that `khaalga verify` accepts) into the
# trader's; the declarations show the stage "answered"; a RES for a
# declaration nobody sent and a message that is no message are journaled
# and acknowledged (the queue ends empty); the broker restarted meanwhile:
# the consumer connects again and takes what was published; khaalga never
# exits. Reports in TAP; every wait is bounded. Skips when rabbitmq-server
# is not installed.
set -u
srcdir=${srcdir:-.}
KHAALGA=${KHAALGA:-./khaalga}
KHAALGA_DATADIR=${KHAALGA_DATADIR:-$srcdir}
PUBLISH=${PUBLISH:-$(dirname "$KHAALGA")/tests/amqp/publish}
export KHAALGA_DATADIR
examples=$srcdir/examples/edifact
samples=$srcdir/xsd/mn/samples
. "$srcdir/tests/amqp/broker.sh"

rabbit=$(find_rabbit)
if [ -z "$rabbit" ]; then echo "1..0 # SKIP rabbitmq-server is not installed (scripts/install-deps installs it)"; exit 0; fi
for tool in curl python3 epmd timeout openssl; do
    if ! command -v $tool >/dev/null; then echo "1..0 # SKIP $tool is needed"; exit 0; fi
done
if [ ! -x "$PUBLISH" ]; then echo "1..0 # SKIP $PUBLISH is not built (make check builds it)"; exit 0; fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaalga-reverse.XXXXXX") || exit 99
port=$(free_port)
broker_setup "$tmp"
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
    broker_cleanup
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$srcdir/tests/tap.sh"
post() {   # FILE CONTENT-TYPE -> $status, the id in $posted_id
    posted_id=
    status=$(curl -s -m 10 -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X POST \
        -H "Content-Type: $2" --data-binary @"$1" "http://127.0.0.1:$port/v1/messages")
    posted_id=$(sed -n 's/^X-Message-Id: *//Ip' "$tmp/headers" | tr -d '\r')
}
publish() { timeout 30 "$PUBLISH" "$url" cais.answers "$@" 2>>"$tmp/publish.err"; }
status_of() { "$KHAALGA" status --config "$conf" "$1" 2>/dev/null; }
queue_depth() {   # messages in cais.answers, ready and unacknowledged
    "$rabbit/rabbitmqctl" -n "$node" list_queues -q name messages 2>/dev/null | awk '$1 == "cais.answers" { print $2 }'
}
files_in() { ls "$1" 2>/dev/null | grep -c -v '^\.' ; }
answer() {   # REFERENCE RES-ID OUT: a RES of CAIS answering the declaration REFERENCE
    sed -e "s|<res:FunctionalReferenceID>ORG-2024-000517</res:FunctionalReferenceID>|<res:FunctionalReferenceID>$1</res:FunctionalReferenceID>|" \
        -e "s|<res:ID>1001-2024-031875-A</res:ID>|<res:ID>$2</res:ID>|" "$samples/res/valid-accepted-orange.xml" >"$3"
}

"$srcdir/tests/dsig/make-pki.sh" "$tmp/pki" >/dev/null 2>&1 || { echo "Bail out! the test PKI could not be made"; exit 1; }
start_broker || { echo "Bail out! rabbitmq-server did not start: $(tail -5 "$broker_out")"; exit 1; }
ok "a private rabbitmq-server runs on 127.0.0.1:$amqp_port"

conf=$tmp/khaalga.conf
cat >"$conf" <<CONF
[server]
listen = 127.0.0.1:$port
threads = 2
[journal]
path = $tmp/journal.db
[signing]
key = $tmp/pki/broker-ec.key
cert = $tmp/pki/broker-ec.chain.pem
[partner broker]
edifact_id = MN1234567
families = DEC
reply = broker-replies
[partner trader]
identity = 5012345
trust = $tmp/pki/trust
families = DEC
reply = trader-replies
[partner cais]
families = RES
[destination cais]
type = spool
path = $tmp/out/cais
[destination broker-replies]
type = spool
path = $tmp/out/broker
[destination trader-replies]
type = spool
path = $tmp/out/trader
[route declarations]
family = DEC
to = cais
[consumer cais-answers]
url = $url
queue = cais.answers
prefetch = 4
from = cais
CONF
"$KHAALGA" serve --config "$conf" --check-config >/dev/null 2>"$tmp/err"
rc=$?
check '[ $rc -eq 0 ]' "--check-config accepts a [consumer]" "$(cat "$tmp/err")"
"$KHAALGA" serve --config "$conf" 2>>"$tmp/serve.log" &
server_pid=$!
wait_for 'curl -s -o /dev/null "http://127.0.0.1:$port/healthz"' || { echo "Bail out! khaalga serve did not start: $(tail -5 "$tmp/serve.log")"; exit 1; }
check 'wait_for "grep -q \"amqp-consuming\" \"$tmp/serve.log\""' "the consumer connects and consumes cais.answers" "$(tail -5 "$tmp/serve.log")"
"$rabbit/rabbitmqctl" -n "$node" list_queues -q name type durable >"$tmp/queues" 2>&1
check 'grep -q "^cais.answers[[:space:]]*quorum[[:space:]]*true" "$tmp/queues"' "the missing queue was declared a durable quorum queue" "$(cat "$tmp/queues")"

# --- an EDIFACT declaration, answered as a CUSRES
post "$examples/cusdec-import-D96B.edi" application/EDIFACT
edi_id=$posted_id
check '[ "$status" = 202 ] && wait_for "[ -f \"$tmp/out/cais/$edi_id.xml\" ]"' "a CUSDEC of the broker is accepted and goes to CAIS" "$status $(cat "$tmp/body")"
answer IM26110001 1001-2026-000001-A "$tmp/res-edi.xml"
publish "$tmp/res-edi.xml"
check 'wait_for "[ \$(files_in \"$tmp/out/broker\") -ge 1 ]"' "CAIS's answer comes back to the broker's reply folder" "$(tail -5 "$tmp/serve.log")"
cusres=$(ls "$tmp/out/broker"/* 2>/dev/null | head -1)
check 'grep -q "UNH+1+CUSRES:D:96B:UN" "$cusres" && grep -q "RFF+ABE:IM26110001" "$cusres"' "as a CUSRES naming the declaration" "$(head -c 400 "$cusres" 2>/dev/null)"
check 'grep -q "UNB+UNOW:4+MNCUSTOMS:ZZZ+MN1234567" "$cusres"' "addressed to the broker's EDIFACT id" "$(head -c 200 "$cusres" 2>/dev/null)"
status_of "$edi_id" >"$tmp/status.json"
check 'grep -q "\"stage\":\"answered\",\"outcome\":\"ok\"" "$tmp/status.json" && grep -q "\"detail\":\"by cais in " "$tmp/status.json"' \
    "khaalga status of the declaration shows it answered by cais" "$(cat "$tmp/status.json")"
"$KHAALGA" status --config "$conf" "$edi_id" >"$tmp/status.txt" 2>&1
check 'grep -q "answered" "$tmp/status.txt"' "the answered stage is in khaalga status" "$(cat "$tmp/status.txt")"

# --- a signed XML declaration, answered with a RES signed by khaalga
"$KHAALGA" sign --key "$tmp/pki/bank-rsa.key" --cert "$tmp/pki/bank-rsa.chain.pem" "$samples/dec/valid-import.xml" >"$tmp/dec.signed.xml"
post "$tmp/dec.signed.xml" application/xml
xml_id=$posted_id
check '[ "$status" = 202 ] && [ -n "$xml_id" ]' "a signed DEC of the trader is accepted" "$status $(cat "$tmp/body")"
answer ORG-2024-000517 1001-2024-031875-A "$tmp/res-xml.xml"
publish "$tmp/res-xml.xml"
check 'wait_for "[ \$(files_in \"$tmp/out/trader\") -ge 1 ]"' "CAIS's answer comes back to the trader's reply folder" "$(tail -5 "$tmp/serve.log")"
signed=$(ls "$tmp/out/trader"/* 2>/dev/null | head -1)
check 'grep -q "<res:FunctionalReferenceID>ORG-2024-000517</res:FunctionalReferenceID>" "$signed" && "$KHAALGA" verify --trust "$tmp/pki/trust" --sender 6098765 "$signed" >/dev/null 2>"$tmp/verify.err"' \
    "as the RES signed by khaalga, which khaalga verify accepts" "$(cat "$tmp/verify.err" 2>/dev/null)"
check 'status_of "$xml_id" | grep -q "\"stage\":\"answered\""' "the XML declaration shows the answered stage" "$(status_of "$xml_id")"

# --- an answer to nothing, and a message that is no message: journaled, acknowledged
answer NOBODY-0001 1001-2026-000009-A "$tmp/res-unknown.xml"
printf 'this is not a message' >"$tmp/garbage.txt"
publish "$tmp/res-unknown.xml" "$tmp/garbage.txt"
check 'wait_for "grep -q \"no declaration NOBODY-0001 in the journal\" \"$tmp/serve.log\""' \
    "a RES for an unknown declaration is taken, and the log says why it is not carried back" "$(tail -5 "$tmp/serve.log")"
check 'wait_for "grep \"\\\"event\\\":\\\"rejected\\\"\" \"$tmp/serve.log\" | grep -q \"via amqp\""' "a message that is no message is journaled as rejected and logged" \
    "$(tail -5 "$tmp/serve.log")"
check 'wait_for "[ \"\$(queue_depth)\" = 0 ]" 50' "both are acknowledged: the queue ends empty" "depth $(queue_depth)"
sleep 1
check '[ "$(grep -c "no declaration NOBODY-0001" "$tmp/serve.log")" -eq 1 ]' "and neither is delivered again" "$(grep -c NOBODY "$tmp/serve.log")"

# --- the broker restarts: the consumer connects again and takes what was published meanwhile
connection_up() { curl -s "http://127.0.0.1:$port/metrics" | grep -q "^khaalga_amqp_connection_up{kind=\"consumer\",name=\"cais-answers\"} $1\$"; }
check 'connection_up 1' "/metrics shows the consumer's connection up" "$(curl -s "http://127.0.0.1:$port/metrics" | grep amqp)"
stop_broker
ok "the broker is stopped"
check 'wait_for "connection_up 0" 100' "and, with the broker stopped, down" "$(curl -s "http://127.0.0.1:$port/metrics" | grep amqp)"
sleep 1
start_broker || { echo "Bail out! rabbitmq-server did not start again: $(tail -5 "$broker_out")"; exit 1; }
answer ORG-2024-000517 1001-2024-031875-B "$tmp/res-again.xml"
publish "$tmp/res-again.xml"
check 'wait_for "[ \$(files_in \"$tmp/out/trader\") -ge 2 ]" 300' "after the restart the consumer connects again and carries the new answer back" \
    "$(grep amqp "$tmp/serve.log" | tail -5)"
check '[ "$(grep -c "\"event\":\"amqp-consuming\"" "$tmp/serve.log")" -ge 2 ]' "the log shows it connected again" "$(grep amqp "$tmp/serve.log" | tail -5)"
check 'connection_up 1' "and /metrics shows it up again" "$(curl -s "http://127.0.0.1:$port/metrics" | grep amqp)"
check 'wait_for "[ \"\$(queue_depth)\" = 0 ]" 50' "the queue ends empty" "depth $(queue_depth)"
check 'kill -0 "$server_pid"' "khaalga kept running"

kill -TERM "$server_pid"
for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
wait "$server_pid"
rc=$?
server_pid=
check '[ $rc -eq 0 ]' "SIGTERM stops khaalga promptly and cleanly" "exit $rc; $(tail -5 "$tmp/serve.log")"
stop_broker
echo "1..$n"
