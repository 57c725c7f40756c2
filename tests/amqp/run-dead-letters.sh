#!/bin/bash
# run-dead-letters.sh - poison messages, end to end, against a private
# rabbitmq-server (tests/amqp/broker.sh): a declaration posted to `khaalga
# serve` is delivered to the quorum queue cais.declarations (delivery limit
# 2); a consumer that cannot process it (tests/amqp/reject.c) nacks it with
# requeue until the broker dead-letters it into cais.declarations.dead;
# khaalga's watcher marks its delivery dead with the broker's reason
# (khaalga status, the log, khaalga stats) and acknowledges it; khaalga
# replay delivers it again under the same message_id, and a consumer that
# acknowledges receives it. A message rejected at once by a consumer that
# was waiting for it ends dead too, however quick the broker was. Messages in the dead-letter queue that are not
# khaalga's (no message_id, an unknown one) are moved to
# cais.declarations.dead.unknown, never dropped, also after the broker was
# restarted; a destination with watch_dead_letters = no leaves its
# dead-letter queue alone; SIGTERM stops the watcher promptly. Reports in
# TAP; every wait is bounded. Skips when rabbitmq-server is not installed.
set -u
srcdir=${srcdir:-.}
KHAALGA=${KHAALGA:-./khaalga}
KHAALGA_DATADIR=${KHAALGA_DATADIR:-$srcdir}
tools=$(dirname "$KHAALGA")/tests/amqp
CONSUME=${CONSUME:-$tools/consume} PUBLISH=${PUBLISH:-$tools/publish} REJECT=${REJECT:-$tools/reject}
export KHAALGA_DATADIR
examples=$srcdir/examples/edifact
. "$srcdir/tests/amqp/broker.sh"

rabbit=$(find_rabbit)
if [ -z "$rabbit" ]; then echo "1..0 # SKIP rabbitmq-server is not installed (scripts/install-deps installs it)"; exit 0; fi
for tool in curl python3 epmd timeout; do
    if ! command -v $tool >/dev/null; then echo "1..0 # SKIP $tool is needed"; exit 0; fi
done
for program in "$CONSUME" "$PUBLISH" "$REJECT"; do
    if [ ! -x "$program" ]; then echo "1..0 # SKIP $program is not built (make check builds it)"; exit 0; fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaalga-dead.XXXXXX") || exit 99
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
post() {   # FILE -> $status, the id in $posted_id
    posted_id=
    status=$(curl -s -m 10 -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X POST \
        -H 'Content-Type: application/EDIFACT' --data-binary @"$1" "http://127.0.0.1:$port/v1/messages")
    posted_id=$(sed -n 's/^X-Message-Id: *//Ip' "$tmp/headers" | tr -d '\r')
}
status_of() { "$KHAALGA" status --config "$conf" "$1" 2>/dev/null; }
delivered_to() {   # ID DESTINATION STATE: the message's delivery to the destination is in that state
    status_of "$1" | grep -q "\"destination\":\"$2\",\(\"delivery_id\":\"[^\"]*\",\)\?\"state\":\"$3\""
}
depth() {   # QUEUE: its messages, ready and unacknowledged ("" when it does not exist)
    "$rabbit/rabbitmqctl" -n "$node" list_queues -q name messages 2>/dev/null | awk -v q="$1" '$1 == q { print $2 }'
}
publish() { timeout 30 "$PUBLISH" "$@" 2>>"$tmp/publish.err"; }

start_broker || { echo "Bail out! rabbitmq-server did not start: $(tail -5 "$broker_out")"; exit 1; }
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
[destination bus]
type = amqp
url = $url
exchange = customs
queue = cais.declarations
queue_delivery_limit = 2
max_attempts = 1000
backoff = 100ms
backoff_max = 1s
timeout = 3s
[destination archive]
type = amqp
url = $url
exchange = archive
queue = archive.declarations
watch_dead_letters = no
backoff = 100ms
backoff_max = 1s
timeout = 3s
[route declarations]
family = DEC
to = bus, archive
CONF
"$KHAALGA" serve --config "$conf" 2>>"$tmp/serve.log" &
server_pid=$!
wait_for 'curl -s -o /dev/null "http://127.0.0.1:$port/healthz"' || { echo "Bail out! khaalga serve did not start: $(tail -5 "$tmp/serve.log")"; exit 1; }
check 'wait_for "grep -q \"\\\"event\\\":\\\"amqp-dead-letters\\\".*watching cais.declarations.dead\" \"$tmp/serve.log\"" 100' \
    "khaalga serve watches the dead-letter queue cais.declarations.dead" "$(tail -5 "$tmp/serve.log")"

# --- a message CAIS cannot take: rejected until the delivery limit
sed "s/KX000[0-9]/KD0001/g" "$examples/cusdec-import-D96B.edi" >"$tmp/poison.edi"
post "$tmp/poison.edi"
id=$posted_id
check '[ "$status" = 202 ] && [ -n "$id" ]' "a CUSDEC is accepted (202) with its id" "$status $(cat "$tmp/body")"
check 'wait_for "delivered_to $id bus delivered" 100' "it is delivered to cais.declarations" "$(status_of "$id")"
timeout 60 "$REJECT" "$url" cais.declarations 3 15 >"$tmp/rejected" 2>"$tmp/reject.err"
check '[ "$(grep -c "^message_id=$id " "$tmp/rejected")" -eq 3 ] && grep -q "^message_id=$id redelivered=1 delivery_count=2$" "$tmp/rejected"' \
    "a consumer nacks it with requeue: delivered 3 times (x-delivery-limit 2)" "$(cat "$tmp/rejected" "$tmp/reject.err")"
reason="dead-lettered by the broker from queue cais.declarations: delivery_limit after 3 deliveries (x-delivery-limit 2)"
check 'wait_for "delivered_to $id bus dead" 100' "the broker dead-letters it and khaalga marks the delivery dead" \
    "$(status_of "$id"; tail -3 "$tmp/serve.log")"
status_of "$id" >"$tmp/status.json"
check 'grep -q "\"last_error\":\"$reason\"" "$tmp/status.json"' "khaalga status gives the broker's reason" \
    "$(cat "$tmp/status.json")"
check 'grep -q "\"state\":\"failed\"" "$tmp/status.json" && grep -q "\"stage\":\"dead-lettered\",\"outcome\":\"dead\"" "$tmp/status.json"' \
    "the message is failed, with a stage dead-lettered" "$(cat "$tmp/status.json")"
check 'grep "\"event\":\"dead-lettered\"" "$tmp/serve.log" | grep -q "\"message_id\":\"$id\".*delivery_limit after 3 deliveries"' \
    "the log says so, with the message id" "$(grep dead "$tmp/serve.log")"
"$KHAALGA" stats --config "$conf" >"$tmp/stats" 2>&1
check 'grep -q "\"family\":\"DEC\",\"partner\":\"broker\".*\"failed\":1,\"dead\":1" "$tmp/stats"' \
    "khaalga stats counts it failed and its delivery dead" "$(cat "$tmp/stats")"
check 'wait_for "[ \"\$(depth cais.declarations.dead)\" = 0 ]" 50' \
    "the dead-lettered message is acknowledged: cais.declarations.dead is empty" "depth $(depth cais.declarations.dead)"

# --- replay: delivered again, with the same message_id
expect 0 "khaalga replay puts the dead delivery back" "$KHAALGA" replay --config "$conf" "$id"
contains out "1 delivery put back into the outbox for $id" "and says how many"
check 'wait_for "delivered_to $id bus delivered" 100' "the delivery loop delivers it again" "$(status_of "$id")"
timeout 40 "$CONSUME" "$url" cais.declarations 1 10 >"$tmp/consumed" 2>"$tmp/consume.err"
check 'grep -q " message_id=$id " "$tmp/consumed"' \
    "a consumer that acknowledges receives it with the same message_id" "$(cat "$tmp/consumed" "$tmp/consume.err")"
expect 1 "a replay finds nothing dead any more" "$KHAALGA" replay --config "$conf" "$id"

# --- CAIS rejects at once: the broker can be quicker than the journal's record of the delivery
timeout 60 "$REJECT" "$url" cais.declarations 3 20 >"$tmp/rejected-at-once" 2>"$tmp/reject.err" &
rejecter=$!
sleep 1
sed "s/KX000[0-9]/KD0002/g" "$examples/cusdec-import-D96B.edi" >"$tmp/poison2.edi"
post "$tmp/poison2.edi"
quick=$posted_id
wait "$rejecter"
check '[ "$(grep -c "^message_id=$quick " "$tmp/rejected-at-once")" -eq 3 ]' \
    "a second one, rejected by a consumer that was waiting for it, is delivered 3 times" \
    "$(cat "$tmp/rejected-at-once" "$tmp/reject.err")"
check 'wait_for "delivered_to $quick bus dead" 100 && status_of $quick | grep -q "\"last_error\":\"$reason\""' \
    "it is marked dead with the broker's reason, whenever its delivery was recorded" "$(status_of "$quick")"
sleep 1
check 'delivered_to $quick bus dead' "and stays dead" "$(status_of "$quick")"

# --- what is not khaalga's is parked, never dropped
printf '<note>not a delivery of khaalga</note>\n' >"$tmp/foreign.xml"
publish "$url" cais.declarations.dead "$tmp/foreign.xml"
publish --message-id 20200101000000000-deadbeef "$url" cais.declarations.dead "$tmp/foreign.xml"
check 'wait_for "[ \"\$(depth cais.declarations.dead.unknown)\" = 2 ] && [ \"\$(depth cais.declarations.dead)\" = 0 ]" 100' \
    "messages without a message_id or with an unknown one go to cais.declarations.dead.unknown" \
    "dead $(depth cais.declarations.dead), unknown $(depth cais.declarations.dead.unknown); $(cat "$tmp/publish.err")"
timeout 40 "$CONSUME" "$url" cais.declarations.dead.unknown 2 10 >"$tmp/parked" 2>"$tmp/consume.err"
check 'grep -q "header.x-khaalga-parked=no message_id size=39$" "$tmp/parked"' \
    "the one without message_id is there whole, saying why" "$(cat "$tmp/parked" "$tmp/consume.err")"
check 'grep -q "message_id=20200101000000000-deadbeef .*delivery_mode=2 header.x-khaalga-parked=message_id 20200101000000000-deadbeef is no delivery to destination bus in the journal size=39$" "$tmp/parked"' \
    "the unknown one keeps its message_id, persistent" "$(cat "$tmp/parked")"
check '[ "$(grep -c "\"event\":\"dead-letter-parked\"" "$tmp/serve.log")" -eq 2 ]' "each is logged" \
    "$(grep parked "$tmp/serve.log")"

# --- a destination that does not watch its dead-letter queue
publish "$url" archive.declarations.dead "$tmp/foreign.xml"
check 'wait_for "[ \"\$(depth archive.declarations.dead)\" = 1 ]" 150 && [ -z "$(depth archive.declarations.dead.unknown)" ]' \
    "with watch_dead_letters = no, its dead-letter queue is left alone" \
    "dead $(depth archive.declarations.dead), unknown $(depth archive.declarations.dead.unknown)"

# --- the broker restarts: the watcher connects again
stop_broker
ok "the broker is stopped"
start_broker || { echo "Bail out! rabbitmq-server did not start again: $(tail -5 "$broker_out")"; exit 1; }
ok "the broker is started again"
check 'wait_for "[ \"\$(grep -c \"\\\"event\\\":\\\"amqp-dead-letters\\\"\" \"$tmp/serve.log\")\" -ge 2 ]" 200' \
    "the watcher connects again" "$(grep dead-letters "$tmp/serve.log" | tail -3)"
publish "$url" cais.declarations.dead "$tmp/foreign.xml"
check 'wait_for "[ \"\$(depth cais.declarations.dead.unknown)\" = 1 ] && [ \"\$(depth cais.declarations.dead)\" = 0 ]" 100' \
    "and parks what comes after the restart" \
    "dead $(depth cais.declarations.dead), unknown $(depth cais.declarations.dead.unknown)"
check 'kill -0 "$server_pid"' "khaalga kept running"

started=$(date +%s%N)
kill -TERM "$server_pid"
wait "$server_pid"
rc=$?
stopped_ms=$((($(date +%s%N) - started) / 1000000))
server_pid=
check '[ $rc -eq 0 ] && [ $stopped_ms -lt 5000 ]' "SIGTERM stops khaalga and its watcher promptly (${stopped_ms} ms)" \
    "exit $rc after $stopped_ms ms; $(tail -3 "$tmp/serve.log")"
echo "1..$n"
