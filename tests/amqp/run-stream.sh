#!/bin/bash
# run-stream.sh - robustness under a stream, against a private
# rabbitmq-server (tests/amqp/broker.sh): 10,000 small unsigned EDIFACT
# payment statements (FINSTA, from a bank partner without trust) posted over
# HTTP to `khaalga serve`, which delivers them to a quorum queue.
#   a) the broker is stopped in the middle of the stream and started again;
#   b) the gateway is killed with kill -9 in the middle and started again.
# At the end of each, every message acknowledged with 202 (its id from
# X-Message-Id) is in the queue at least once: the ids read back from the
# queue are compared with the ids acknowledged; copies are allowed and
# counted. In a) every message is acknowledged (the journal takes them while
# the broker is away) and the gateway never exits; in b) what was
# acknowledged before the kill is there too. The client posts as a partner
# does (tests/amqp/post-stream.c: 4 keep-alive connections, a message posted
# again when no answer came). STREAM_COUNT changes the number of messages.
# Reports in TAP; every wait is bounded. Skips when rabbitmq-server is not
# installed.
set -u
srcdir=${srcdir:-.}
KHAALGA=${KHAALGA:-./khaalga}
KHAALGA_DATADIR=${KHAALGA_DATADIR:-$srcdir}
tools=$(dirname "$KHAALGA")/tests/amqp
CONSUME=${CONSUME:-$tools/consume} POST_STREAM=${POST_STREAM:-$tools/post-stream}
count=${STREAM_COUNT:-10000}
export KHAALGA_DATADIR
. "$srcdir/tests/amqp/broker.sh"

rabbit=$(find_rabbit)
if [ -z "$rabbit" ]; then echo "1..0 # SKIP rabbitmq-server is not installed (scripts/install-deps installs it)"; exit 0; fi
for tool in curl python3 epmd timeout; do
    if ! command -v $tool >/dev/null; then echo "1..0 # SKIP $tool is needed"; exit 0; fi
done
for program in "$CONSUME" "$POST_STREAM"; do
    if [ ! -x "$program" ]; then echo "1..0 # SKIP $program is not built (make check builds it)"; exit 0; fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaalga-stream.XXXXXX") || exit 99
port=$(free_port)
broker_setup "$tmp"
server_pid= client_pid=
cleanup() {
    [ -n "$client_pid" ] && kill -9 "$client_pid" 2>/dev/null
    [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
    broker_cleanup
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$srcdir/tests/tap.sh"
# the statement posted, its interchange reference KX0005 made unique for each
template=$srcdir/examples/edifact/finsta-duties-D01B.edi
answers() { local lines; lines=$(grep -c . "$1" 2>/dev/null); echo "${lines:-0}"; }
outbox_depth() { curl -s -m 5 "http://127.0.0.1:$port/metrics" | awk '$1 == "khaalga_outbox_depth" { print $2 }'; }
write_config() {   # SCENARIO: its own journal and queue
    mkdir -p "$tmp/$1"
    cat >"$tmp/$1/khaalga.conf" <<CONF
[server]
listen = 127.0.0.1:$port
threads = 2
[journal]
path = $tmp/$1/journal.db
[partner khan-bank]
edifact_id = MNKHANBANK
families = PAY
[destination bus]
type = amqp
url = $url
exchange = payments
queue = stream.$1
max_attempts = 100000
backoff = 100ms
backoff_max = 1s
timeout = 5s
[route payments]
family = PAY
to = bus
CONF
}
start_server() {   # SCENARIO
    "$KHAALGA" serve --config "$tmp/$1/khaalga.conf" 2>>"$tmp/$1/serve.log" &
    server_pid=$!
    wait_for 'curl -s -o /dev/null "http://127.0.0.1:$port/healthz"' 300
}
start_stream() {   # SCENARIO PREFIX: the client in the background, answers in $tmp/SCENARIO/answers
    "$POST_STREAM" --port "$port" --template "$template" --marker KX0005 --prefix "$2" --count "$count" \
        --connections 4 --give-up 120 >"$tmp/$1/answers" 2>"$tmp/$1/client.err" &
    client_pid=$!
}
wait_stream() {   # the client's exit status, or 124 when it did not end within 10 minutes
    for _ in $(seq 1 6000); do kill -0 "$client_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$client_pid" 2>/dev/null; then kill -9 "$client_pid"; wait "$client_pid" 2>/dev/null; client_pid=; return 124; fi
    wait "$client_pid"
    local rc=$?
    client_pid=
    return $rc
}
# SCENARIO: every id acknowledged with 202 is in the queue stream.SCENARIO.
# Reads the queue out into $tmp/SCENARIO/queued (the ids, one a line) and
# sets missing, copies (ids more than once) and extra (queued, never
# acknowledged: their answer was lost with the gateway).
read_queue_back() {
    local dir=$tmp/$1
    awk '$2 == 202 { print $3 }' "$dir/answers" | sort >"$dir/accepted"
    timeout 300 "$CONSUME" "$url" "stream.$1" 0 5 2>"$dir/consume.err" \
        | sed -n 's/.* message_id=\([^ ]*\) .*/\1/p' | sort >"$dir/queued"
    sort -u "$dir/queued" >"$dir/queued-once"
    missing=$(comm -23 "$dir/accepted" "$dir/queued-once" | grep -c .)
    copies=$(($(grep -c . "$dir/queued") - $(grep -c . "$dir/queued-once")))
    extra=$(comm -13 "$dir/accepted" "$dir/queued-once" | grep -c .)
}

start_broker || { echo "Bail out! rabbitmq-server did not start: $(tail -5 "$broker_out")"; exit 1; }
ok "a private rabbitmq-server runs on 127.0.0.1:$amqp_port"

# ------------------------------------------------ a) the broker restarts mid-stream
write_config a
start_server a || { echo "Bail out! khaalga serve did not start: $(tail -5 "$tmp/a/serve.log")"; exit 1; }
started=$(date +%s)
start_stream a SA
wait_for "[ \$(answers $tmp/a/answers) -ge $((count / 3)) ]" 3000
stop_broker
ok "a) the broker is stopped after $(answers "$tmp/a/answers") of $count messages"
wait_for "[ \$(answers $tmp/a/answers) -ge $((count * 2 / 3)) ] || ! kill -0 $client_pid 2>/dev/null" 3000
start_broker || { echo "Bail out! rabbitmq-server did not start again: $(tail -5 "$broker_out")"; exit 1; }
ok "a) the broker is started again after $(answers "$tmp/a/answers") messages"
wait_stream
rc=$?
accepted=$(awk '$2 == 202' "$tmp/a/answers" | grep -c .)
check '[ $rc -eq 0 ] && [ "$accepted" -eq "$count" ]' \
    "a) all $count messages are acknowledged with 202, the broker down or not ($(($(date +%s) - started)) s)" \
    "exit $rc, $accepted accepted; $(cat "$tmp/a/client.err")"
check 'wait_for "[ \"\$(outbox_depth)\" = 0 ]" 3000' "a) the outbox empties once the broker is back" \
    "depth $(outbox_depth); $(grep amqp "$tmp/a/serve.log" | tail -3)"
read_queue_back a
check '[ "$missing" -eq 0 ] && [ "$accepted" -gt 0 ]' \
    "a) every acknowledged message is in the queue: $accepted acknowledged, none missing (copies: $copies)" \
    "$missing missing of $accepted; $(head -3 "$tmp/a/consume.err")"
check '[ "$extra" -eq 0 ]' "a) and nothing that was not acknowledged" "$extra unknown ids in the queue"
check 'kill -0 "$server_pid"' "a) khaalga kept running"
check '[ "$(grep -c "\"event\":\"amqp-connected\"" "$tmp/a/serve.log")" -ge 2 ]' "a) the delivery loop connected again" \
    "$(grep amqp "$tmp/a/serve.log" | tail -5)"
kill -TERM "$server_pid"
wait "$server_pid"
rc=$?
server_pid=
check '[ $rc -eq 0 ]' "a) SIGTERM stops it cleanly" "exit $rc; $(tail -3 "$tmp/a/serve.log")"

# ------------------------------------------------ b) kill -9 of the gateway mid-stream
write_config b
start_server b || { echo "Bail out! khaalga serve did not start: $(tail -5 "$tmp/b/serve.log")"; exit 1; }
started=$(date +%s)
start_stream b SB
wait_for "[ \$(answers $tmp/b/answers) -ge $((count / 2)) ]" 3000
kill -9 "$server_pid"
wait "$server_pid" 2>/dev/null
server_pid=
sleep 1
# every answer the killed gateway gave has come by now: the next ones need the restart
awk '$2 == 202 { print $3 }' "$tmp/b/answers" | sort >"$tmp/b/accepted-before-kill"
before=$(grep -c . "$tmp/b/accepted-before-kill")
ok "b) the gateway is killed with kill -9 after $before acknowledged messages"
start_server b || { echo "Bail out! khaalga serve did not start again: $(tail -5 "$tmp/b/serve.log")"; exit 1; }
ok "b) and started again"
wait_stream
rc=$?
accepted=$(awk '$2 == 202' "$tmp/b/answers" | grep -c .)
check '[ $rc -eq 0 ]' "b) the client has an answer for each of the $count messages ($(($(date +%s) - started)) s; $(sed 's/^post-stream: //' "$tmp/b/client.err"))" \
    "exit $rc; $(cat "$tmp/b/client.err")"
check 'wait_for "[ \"\$(outbox_depth)\" = 0 ]" 3000' "b) the outbox empties after the restart" "depth $(outbox_depth)"
read_queue_back b
lost_before_kill=$(comm -23 "$tmp/b/accepted-before-kill" "$tmp/b/queued-once" | grep -c .)
check '[ "$lost_before_kill" -eq 0 ] && [ "$before" -gt 0 ]' \
    "b) every message acknowledged before the kill is in the queue ($before)" "$lost_before_kill missing"
check '[ "$missing" -eq 0 ] && [ "$accepted" -gt "$before" ]' \
    "b) and every one acknowledged: $accepted acknowledged, none missing (copies: $copies; queued, their answer lost: $extra)" \
    "$missing missing of $accepted"
check 'kill -0 "$server_pid"' "b) the restarted khaalga runs"
kill -TERM "$server_pid"
wait "$server_pid"
rc=$?
server_pid=
check '[ $rc -eq 0 ]' "b) SIGTERM stops it cleanly" "exit $rc; $(tail -3 "$tmp/b/serve.log")"
echo "1..$n"
