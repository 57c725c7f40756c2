#!/bin/bash
# run-scale.sh - two `khaalga serve` instances, each with its own journal,
# sharing one private rabbitmq-server (tests/amqp/broker.sh), deployed as
# docs/scale-out.md describes:
#   - a bank publishes into bank.in, which both instances consume with
#     single active consumer: one instance takes all of it (duplicates
#     recognized, each payment routed once), and after that instance stops,
#     the other takes over;
#   - a customs broker posts over HTTP to instance A, a foreign customs
#     publishes into a queue only instance B consumes;
#   - both publish to the same CAIS queue, each with reply_to its own
#     answers queue; the test's CAIS answers to reply_to with the
#     correlation_id, and each answer comes back to the partner through the
#     instance that holds the original: the declaration to the broker, the
#     transit to the foreign customs, a payment's status to the bank.
# At the end no message id reached CAIS twice. Reports in TAP; every wait is
# bounded. Skips when rabbitmq-server is not installed.
set -u
srcdir=${srcdir:-.}
KHAALGA=${KHAALGA:-./khaalga}
KHAALGA_DATADIR=${KHAALGA_DATADIR:-$srcdir}
PUBLISH=${PUBLISH:-$(dirname "$KHAALGA")/tests/amqp/publish}
CONSUME=${CONSUME:-$(dirname "$KHAALGA")/tests/amqp/consume}
export KHAALGA_DATADIR
examples=$srcdir/examples
samples=$srcdir/xsd/mn/samples
. "$srcdir/tests/amqp/broker.sh"

rabbit=$(find_rabbit)
if [ -z "$rabbit" ]; then echo "1..0 # SKIP rabbitmq-server is not installed (scripts/install-deps installs it)"; exit 0; fi
for tool in curl python3 epmd timeout; do
    if ! command -v $tool >/dev/null; then echo "1..0 # SKIP $tool is needed"; exit 0; fi
done
for program in "$PUBLISH" "$CONSUME"; do
    if [ ! -x "$program" ]; then echo "1..0 # SKIP $program is not built (make check builds it)"; exit 0; fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaalga-scale.XXXXXX") || exit 99
port_a=$(free_port)
port_b=$(free_port)
broker_setup "$tmp"
pid_a= pid_b=
cleanup() {
    [ -n "$pid_a" ] && kill -9 "$pid_a" 2>/dev/null
    [ -n "$pid_b" ] && kill -9 "$pid_b" 2>/dev/null
    broker_cleanup
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$srcdir/tests/tap.sh"
publish() { timeout 30 "$PUBLISH" "$url" "$@" 2>>"$tmp/publish.err"; }
depth() {   # QUEUE: messages in it ("" when it does not exist; the count may lag by seconds)
    "$rabbit/rabbitmqctl" -n "$node" list_queues -q name messages 2>/dev/null | awk -v q="$1" '$1 == q { print $2 }'
}
take() {   # QUEUE COUNT: the messages' lines appended to $tmp/QUEUE.taken, bodies in $tmp/bodies
    mkdir -p "$tmp/bodies"
    wait_for "[ \"\$(depth $1)\" -ge $2 ] 2>/dev/null" 150
    timeout 60 "$CONSUME" "$url" "$1" "$2" 5 "$tmp/bodies" >>"$tmp/$1.taken" 2>>"$tmp/consume.err"
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
fresh_finsta() {   # N: a FINSTA of the bank with interchange reference KS000N
    sed "s/KX0005/KS$(printf %04d "$1")/g" "$examples/edifact/finsta-duties-D01B.edi" >"$tmp/finsta-$1.edi"
    echo "$tmp/finsta-$1.edi"
}
instance_conf() {   # NAME PORT
    cat <<CONF
[server]
listen = 127.0.0.1:$2
threads = 2
[journal]
path = $tmp/$1/journal.db
[partner bank]
edifact_id = MNKHANBANK
families = PAY
acknowledgements = contrl
reply = bank-replies
[partner broker]
edifact_id = MN1234567
families = DEC
reply = broker-replies
[partner erenhot]
edifact_id = CNERLCUSTOMS
families = TRN
acknowledgements = contrl
reply = erenhot-replies
[partner cais]
families = RES
[destination cais]
type = amqp
url = $url
exchange = customs
routing_key = {family}.{partner}
queue = cais.inbox
reply_to = khaalga.answers.$1
max_attempts = 5
backoff = 200ms
[route to-cais]
family = DEC, PAY, TRN
to = cais
[destination bank-replies]
type = spool
path = $tmp/out/bank
[destination broker-replies]
type = spool
path = $tmp/out/broker
[destination erenhot-replies]
type = spool
path = $tmp/out/erenhot
[consumer bank-in]
url = $url
queue = bank.in
from = bank
single_active_consumer = yes
[consumer cais-answers]
url = $url
queue = khaalga.answers.$1
from = cais
CONF
}
start_instance() {   # NAME PORT -> the pid in $started
    "$KHAALGA" serve --config "$tmp/$1.conf" 2>>"$tmp/$1.log" &
    started=$!
    wait_for "curl -s -o /dev/null http://127.0.0.1:$2/healthz"
}
taken_by() { grep -c '"event":"accepted".*via amqp, partner bank' "$tmp/$1.log"; }
files_in() { ls "$1" 2>/dev/null | grep -c -v '^\.'; }

start_broker || { echo "Bail out! rabbitmq-server did not start: $(tail -5 "$broker_out")"; exit 1; }
ok "a private rabbitmq-server runs on 127.0.0.1:$amqp_port"
mkdir -p "$tmp/a" "$tmp/b"
instance_conf a "$port_a" >"$tmp/a.conf"
{ instance_conf b "$port_b"; printf '[consumer erenhot-in]\nurl = %s\nqueue = erenhot.in\nfrom = erenhot\n' "$url"; } >"$tmp/b.conf"
start_instance a "$port_a" || { echo "Bail out! instance a did not start: $(tail -5 "$tmp/a.log")"; exit 1; }
pid_a=$started
check 'wait_for "[ \$(grep -c amqp-consuming \"$tmp/a.log\") -ge 2 ]"' "instance a consumes bank.in and its answers queue" "$(tail -3 "$tmp/a.log")"
start_instance b "$port_b" || { echo "Bail out! instance b did not start: $(tail -5 "$tmp/b.log")"; exit 1; }
pid_b=$started
check 'wait_for "[ \$(grep -c amqp-consuming \"$tmp/b.log\") -ge 3 ]"' "instance b consumes bank.in, erenhot.in and its answers queue" "$(tail -3 "$tmp/b.log")"
"$rabbit/rabbitmqctl" -n "$node" list_queues -q name arguments >"$tmp/queues" 2>&1
check 'grep "^bank.in" "$tmp/queues" | grep -q "x-single-active-consumer"' "bank.in was declared with single active consumer" "$(cat "$tmp/queues")"

# --- the bank's stream: ten payments and five of them again, through one instance
files=()
for i in $(seq 1 10); do files+=("$(fresh_finsta "$i")"); done
for i in 2 4 6 8 10; do files+=("$tmp/finsta-$i.edi"); done
publish bank.in "${files[@]}"
check 'wait_for "[ \$((\$(taken_by a) + \$(grep -c \"\\\"event\\\":\\\"duplicate\\\"\" \"$tmp/a.log\") + \$(taken_by b) + \$(grep -c \"\\\"event\\\":\\\"duplicate\\\"\" \"$tmp/b.log\"))) -ge 15 ]" 300' \
    "the fifteen messages of the bank are taken" "a $(taken_by a), b $(taken_by b)"
if [ "$(taken_by a)" -gt 0 ]; then active=a standby=b; else active=b standby=a; fi
check '[ "$(taken_by $active)" = 10 ] && [ "$(taken_by $standby)" = 0 ]' \
    "one instance ($active) took all of bank.in: ten accepted, none on the other" "a $(taken_by a), b $(taken_by b)"
check '[ "$(grep -c "\"event\":\"duplicate\"" "$tmp/$active.log")" = 5 ]' "and recognized the five duplicates" \
    "$(grep -c '"event":"duplicate"' "$tmp/$active.log")"
take cais.inbox 10
check '[ "$(grep -c "type=PAY" "$tmp/cais.inbox.taken")" = 10 ]' "CAIS received each payment once" "$(grep -c type=PAY "$tmp/cais.inbox.taken")"
check 'grep "type=PAY" "$tmp/cais.inbox.taken" | grep -q "reply_to=khaalga.answers.$active"' \
    "with reply_to the answers queue of the instance that took it" "$(head -1 "$tmp/cais.inbox.taken")"
check 'wait_for "[ \$(files_in \"$tmp/out/bank\") -ge 15 ]" 100' "the bank got fifteen CONTRLs" "$(files_in "$tmp/out/bank")"

# --- CAIS answers a payment: its status goes back to the bank through the same instance
pay_id=$(grep "type=PAY" "$tmp/cais.inbox.taken" | head -1 | field message_id)
publish "khaalga.answers.$active" --correlation-id "$pay_id" "$samples/res/valid-received.xml"
check 'wait_for "[ \$(files_in \"$tmp/out/bank\") -ge 16 ]" 100' "CAIS's answer to a payment (correlation_id) goes back to the bank" \
    "$(grep -h carried "$tmp/a.log" "$tmp/b.log" | tail -2) $(grep -h not-carried "$tmp/a.log" "$tmp/b.log" | tail -2)"
check 'grep -l "UNH+1+CUSRES" "$tmp/out/bank"/* >/dev/null 2>&1' "as a CUSRES" "$(ls "$tmp/out/bank")"

# --- one partner through each instance; each answer comes back through its own instance
curl -s -m 10 -o "$tmp/body" -H 'Content-Type: application/EDIFACT' --data-binary @"$examples/edifact/cusdec-import-D96B.edi" \
    "http://127.0.0.1:$port_a/v1/messages" >/dev/null
publish erenhot.in "$examples/edifact/cuscar-from-erenhot-D01B.edi"
take cais.inbox 2
dec_line=$(grep "type=DEC" "$tmp/cais.inbox.taken" | head -1)
trn_line=$(grep "type=TRN" "$tmp/cais.inbox.taken" | head -1)
check 'echo "$dec_line" | grep -q "reply_to=khaalga.answers.a" && echo "$trn_line" | grep -q "reply_to=khaalga.answers.b"' \
    "the declaration (instance a) and the transit (instance b) name their own instance's answers queue" "$dec_line | $trn_line"
publish "$(echo "$dec_line" | field reply_to)" --correlation-id "$(echo "$dec_line" | field correlation_id)" \
    "$samples/res/valid-accepted-orange.xml"
publish "$(echo "$trn_line" | field reply_to)" --correlation-id "$(echo "$trn_line" | field correlation_id)" \
    "$samples/res/valid-released-green.xml"
check 'wait_for "[ \$(files_in \"$tmp/out/broker\") -ge 1 ] && [ \$(files_in \"$tmp/out/erenhot\") -ge 2 ]" 150' \
    "each answer is carried back by the instance that holds the original" \
    "broker $(files_in "$tmp/out/broker"), erenhot $(files_in "$tmp/out/erenhot"); $(grep -h not-carried "$tmp/a.log" "$tmp/b.log" | tail -2)"

# --- the active instance stops: the other takes over bank.in
kill -TERM "$(eval echo \$pid_$active)"
wait "$(eval echo \$pid_$active)"
eval "pid_$active="
files=()
for i in $(seq 11 15); do files+=("$(fresh_finsta "$i")"); done
publish bank.in "${files[@]}"
check 'wait_for "[ \$(taken_by $standby) -ge 5 ]" 300' "after $active stops, $standby takes over bank.in" "$standby $(taken_by $standby)"
take cais.inbox 5
check '[ "$(grep -c "type=PAY" "$tmp/cais.inbox.taken")" = 15 ]' "CAIS received the five new payments" "$(grep -c type=PAY "$tmp/cais.inbox.taken")"
sleep 1
left=$(timeout 30 "$CONSUME" "$url" cais.inbox 0 2 2>>"$tmp/consume.err")
cat "$tmp/cais.inbox.taken" >"$tmp/all"
echo "$left" >>"$tmp/all"
twice=$(field message_id <"$tmp/all" | sort | uniq -d | wc -l)
check '[ -z "$left" ] && [ "$twice" = 0 ]' "no message reached CAIS twice" "$twice twice; left: $left"
check 'kill -0 "$(eval echo \$pid_$standby)"' "instance $standby kept running"
echo "1..$n"
