#!/bin/bash
# run-amqp.sh - `khaalga serve` delivering to RabbitMQ, end to end, against
# a private rabbitmq-server that this test starts on loopback (its own node
# name, ports, Mnesia and log folders, no plugins) and always stops: a
# declaration posted over HTTP ends up in the quorum queue bound to the
# exchange, with the journal id as message_id and the properties and
# headers docs/amqp.md promises; a routing key no queue is bound to is
# returned by the broker, never counted delivered, and ends in the
# dead-letter folder after max_attempts; a memory alarm that blocks
# publishers holds deliveries back until it passes; the broker stopped
# while messages are posted and started again loses none of them and
# khaalga keeps running; `khaalga status` shows the deliveries. Reports in TAP; every
# wait is bounded. Skips when rabbitmq-server is not installed.
set -u
srcdir=${srcdir:-.}
KHAALGA=${KHAALGA:-./khaalga}
KHAALGA_DATADIR=${KHAALGA_DATADIR:-$srcdir}
CONSUME=${CONSUME:-$(dirname "$KHAALGA")/tests/amqp/consume}
export KHAALGA_DATADIR
examples=$srcdir/examples/edifact
. "$srcdir/tests/amqp/broker.sh"

rabbit=$(find_rabbit)
if [ -z "$rabbit" ]; then echo "1..0 # SKIP rabbitmq-server is not installed (scripts/install-deps installs it)"; exit 0; fi
for tool in curl python3 epmd timeout; do
    if ! command -v $tool >/dev/null; then echo "1..0 # SKIP $tool is needed"; exit 0; fi
done
if [ ! -x "$CONSUME" ]; then echo "1..0 # SKIP $CONSUME is not built (make check builds it)"; exit 0; fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaalga-amqp.XXXXXX") || exit 99
port=$(free_port)
broker_setup "$tmp"
mkdir -p "$tmp/bodies"
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
    broker_cleanup
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$srcdir/tests/tap.sh"
ref=0
fresh() {   # SOURCE: $fresh_file is a copy with a new UNB/UNZ reference
    ref=$((ref + 1))
    sed "s/KX000[0-9]/KA$(printf %04d $ref)/g" "$1" >"$tmp/fresh-$ref.edi"
    fresh_file=$tmp/fresh-$ref.edi
}
post() {   # FILE -> $status, the id in $posted_id
    posted_id=
    status=$(curl -s -m 10 -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X POST \
        -H 'Content-Type: application/EDIFACT' --data-binary @"$1" "http://127.0.0.1:$port/v1/messages")
    posted_id=$(sed -n 's/^X-Message-Id: *//Ip' "$tmp/headers" | tr -d '\r')
}
consume() {   # COUNT IDLE_SECONDS -> lines appended to $tmp/consumed
    timeout $(($2 + 30)) "$CONSUME" "$url" cais.declarations "$1" "$2" "$tmp/bodies" >>"$tmp/consumed" 2>>"$tmp/consume.err"
}
status_of() { "$KHAALGA" status --config "$conf" "$1" 2>/dev/null; }
delivered_to() {   # ID DESTINATION STATE: the message's delivery to the destination is in that state
    status_of "$1" | grep -q "\"destination\":\"$2\",\(\"delivery_id\":\"[^\"]*\",\)\?\"state\":\"$3\""
}

"$srcdir/tests/dsig/make-pki.sh" "$tmp/pki" >/dev/null 2>&1 || { echo "Bail out! the test PKI could not be made"; exit 1; }
start_broker || { echo "Bail out! rabbitmq-server did not start: $(tail -5 "$tmp/broker.out")"; exit 1; }
ok "a private rabbitmq-server runs on 127.0.0.1:$amqp_port"

conf=$tmp/khaalga.conf
cat >"$conf" <<CONF
[server]
listen = 127.0.0.1:$port
threads = 2
[journal]
path = $tmp/journal.db
[partner broker]
edifact_id = MN1234567
families = DEC
[partner trader]
identity = 5012345
trust = $tmp/pki/trust
families = DEC
[destination bus]
type = amqp
url = $url
exchange = customs
routing_key = declarations.{family}.{type}.{office}
queue = cais.declarations
binding_key = declarations.#
max_attempts = 1000
backoff = 100ms
backoff_max = 1s
timeout = 3s
dead_letter = $tmp/dead-bus
[destination nowhere]
type = amqp
url = $url
exchange = customs
routing_key = unbound.{family}
max_attempts = 3
backoff = 100ms
backoff_max = 200ms
timeout = 3s
dead_letter = $tmp/dead
[route declarations]
family = DEC
to = bus, nowhere
CONF
"$KHAALGA" serve --config "$conf" --check-config >/dev/null 2>"$tmp/err"
rc=$?
check '[ $rc -eq 0 ]' "--check-config accepts amqp destinations" "$(cat "$tmp/err")"
"$KHAALGA" serve --config "$conf" 2>>"$tmp/serve.log" &
server_pid=$!
wait_for 'curl -s -o /dev/null "http://127.0.0.1:$port/healthz"' || { echo "Bail out! khaalga serve did not start: $(tail -5 "$tmp/serve.log")"; exit 1; }
ok "khaalga serve starts with amqp destinations"

# --- a declaration ends up in the queue, with its id and properties
fresh "$examples/cusdec-import-D96B.edi"
post "$fresh_file"
id=$posted_id
check '[ "$status" = 202 ] && [ -n "$id" ]' "a CUSDEC is accepted (202) with its id" "$status $(cat "$tmp/body")"
before=$(date +%s)
check 'wait_for "delivered_to $id bus delivered"' "khaalga status shows it delivered to the amqp destination" "$(status_of "$id")"
consume 1 10
line=$(grep " message_id=$id " "$tmp/consumed")
check '[ -n "$line" ]' "it is in the queue cais.declarations with message_id = the journal id" "$(cat "$tmp/consumed" "$tmp/consume.err")"
check 'case "$line" in *" routing_key=declarations.DEC.IM.1001 exchange=customs "*) true;; *) false;; esac' \
    "published to the exchange with the routing key of the template" "$line"
check 'case "$line" in *" type=DEC content_type=application/xml correlation_id=$id app_id=khaalga delivery_mode=2 "*) true;; *) false;; esac' \
    "type = the family, content type, correlation_id = the id, persistent delivery mode" "$line"
check 'case "$line" in *" header.x-khaalga-family=DEC "*) true;; *) false;; esac' "with the header x-khaalga-family" "$line"
sha=$(sha256sum "$fresh_file" | cut -d' ' -f1)
check 'case "$line" in *" header.x-khaalga-partner=broker "*" header.x-khaalga-source-format=edifact header.x-khaalga-wco-version=3.7 header.x-khaalga-signature=none header.x-khaalga-original-sha256=$sha "*) true;; *) false;; esac' \
    "and the headers of its partner, source format, WCO DM version, signature verdict and the digest of the original bytes" "$line (sha256 $sha)"
stamp=$(echo "$line" | sed -n 's/.* timestamp=\([0-9]*\).*/\1/p')
check '[ -n "$stamp" ] && [ $((stamp - before)) -le 60 ] && [ $((before - stamp)) -le 60 ]' "and a timestamp" "$line"
check 'grep -q "<dec:Declaration" "$tmp/bodies/$id"' "the body is the normalized WCO DM declaration"
"$rabbit/rabbitmqctl" -n "$node" list_queues -q name type arguments >"$tmp/queues" 2>&1
check 'grep -q "^cais.declarations[[:space:]]*quorum.*x-dead-letter-strategy.*at-least-once" "$tmp/queues" && grep -q "^cais.declarations.dead[[:space:]]*quorum" "$tmp/queues"' \
    "the queue was declared a quorum queue with its dead-letter queue" "$(cat "$tmp/queues")"

# --- a signed declaration: the headers say the signature was verified, and whose
"$KHAALGA" sign --key "$tmp/pki/bank-rsa.key" --cert "$tmp/pki/bank-rsa.chain.pem" \
    "$srcdir/xsd/mn/samples/dec/valid-import.xml" >"$tmp/dec.signed.xml"
signed_status=$(curl -s -m 10 -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/xml' --data-binary @"$tmp/dec.signed.xml" "http://127.0.0.1:$port/v1/messages")
signed_id=$(sed -n 's/^X-Message-Id: *//Ip' "$tmp/headers" | tr -d '\r')
check '[ "$signed_status" = 202 ]' "a signed DEC of the trader is accepted" "$signed_status $(cat "$tmp/body")"
consume 1 10
line=$(grep " message_id=$signed_id " "$tmp/consumed")
check 'case "$line" in *" header.x-khaalga-source-format=xml "*" header.x-khaalga-signature=verified header.x-khaalga-signer="*"serialNumber=5012345 "*) true;; *) false;; esac' \
    "its headers say the signature was verified and name the signer" "$line"

# --- a routing key no queue is bound to
check 'wait_for "[ -f \"$tmp/dead/$id.xml\" ]"' "a message returned as unroutable ends in the dead-letter folder after max_attempts" \
    "$(status_of "$id")"
status_of "$id" >"$tmp/status.json"
check 'delivered_to $id nowhere dead && grep -q "\"state\":\"dead\",\"attempts\":3" "$tmp/status.json"' \
    "it is dead after 3 attempts, never counted delivered" "$(cat "$tmp/status.json")"
check 'grep -q "unroutable: no queue bound for routing key \\\\\"unbound.DEC\\\\\"" "$tmp/status.json"' \
    "its error says it was unroutable, with the routing key" "$(cat "$tmp/status.json")"

# --- a memory alarm blocks publishers: nothing is delivered until it passes
"$rabbit/rabbitmqctl" -n "$node" set_vm_memory_high_watermark absolute 1MB >/dev/null 2>&1
wait_for '"$rabbit/rabbitmqctl" -n "$node" eval "rabbit_alarm:get_alarms()." 2>/dev/null | grep -q memory' 50
fresh "$examples/cusdec-import-D96B.edi"
post "$fresh_file"
blocked_id=$posted_id
check 'wait_for "status_of $blocked_id | grep -q \"blocks publishers\"" 150' \
    "while the broker blocks publishers, the delivery is not confirmed and waits, saying why" "$(status_of "$blocked_id")"
check 'delivered_to $blocked_id bus pending' "it stays in the outbox" "$(status_of "$blocked_id")"
"$rabbit/rabbitmqctl" -n "$node" set_vm_memory_high_watermark 0.4 >/dev/null 2>&1
check 'wait_for "delivered_to $blocked_id bus delivered" 150' "once the alarm is over it is delivered" "$(status_of "$blocked_id")"

# --- the broker stops while messages are posted, and comes back
: >"$tmp/accepted"
for i in $(seq 1 30); do fresh "$examples/cusdec-import-D96B.edi"; done
first=$((ref - 29))
( for i in $(seq $first $ref); do
      curl -s -m 10 -o /dev/null -D - -X POST -H 'Content-Type: application/EDIFACT' \
          --data-binary @"$tmp/fresh-$i.edi" "http://127.0.0.1:$port/v1/messages" | tr -d '\r' >"$tmp/batch-headers"
      grep -q "^HTTP/1.1 202" "$tmp/batch-headers" && sed -n 's/^X-Message-Id: //Ip' "$tmp/batch-headers" >>"$tmp/accepted"
      sleep 0.1
  done ) &
poster=$!
sleep 0.8
stop_broker
ok "the broker is stopped while messages are posted"
wait $poster
accepted=$(grep -c . "$tmp/accepted")
check '[ "$accepted" -eq 30 ]' "khaalga accepts all 30 messages while the broker is down" "$accepted accepted"
last=$(tail -1 "$tmp/accepted")
check 'wait_for "delivered_to $last bus pending"' \
    "they wait in the outbox" "$(status_of "$last")"
sleep 1
start_broker || { echo "Bail out! rabbitmq-server did not start again: $(tail -5 "$tmp/broker.out")"; exit 1; }
ok "the broker is started again"
all_delivered() {
    for accepted_id in $(cat "$tmp/accepted"); do delivered_to "$accepted_id" bus delivered || return 1; done
}
check 'wait_for all_delivered 300' "khaalga status shows them all delivered once the broker is back" "$(status_of "$last")"
consume 0 3
missing=0
for accepted_id in $(cat "$tmp/accepted"); do
    grep -q " message_id=$accepted_id " "$tmp/consumed" || missing=$((missing + 1))
done
copies=$(grep -c -F -f "$tmp/accepted" "$tmp/consumed")
check '[ "$missing" -eq 0 ]' "every accepted message reaches the queue ($copies copies for $accepted; at least once)" \
    "missing $missing of $accepted; $(tail -5 "$tmp/serve.log")"
check 'kill -0 "$server_pid"' "khaalga kept running through the outage"
check '[ "$(grep -c "\"event\":\"amqp-connected\"" "$tmp/serve.log")" -ge 2 ]' "the delivery loop connected again" \
    "$(grep amqp "$tmp/serve.log" | tail -5)"

kill -TERM "$server_pid"
wait "$server_pid"
rc=$?
server_pid=
check '[ $rc -eq 0 ]' "SIGTERM stops khaalga cleanly, closing its connections" "exit $rc; $(tail -5 "$tmp/serve.log")"
stop_broker
check '[ -n "$broker_vm" ] && ! kill -0 "$broker_vm" 2>/dev/null && ! (exec 3<>"/dev/tcp/127.0.0.1/$amqp_port") 2>/dev/null' \
    "the broker is stopped" "vm ${broker_vm:-unknown}"
echo "1..$n"
