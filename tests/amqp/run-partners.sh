#!/bin/bash
# run-partners.sh - partners that send over AMQP, end to end, against a
# private rabbitmq-server (tests/amqp/broker.sh): a bank, a foreign customs
# and a licensing agency each publish into a queue of their own that
# `khaalga serve` consumes. Each message is journaled, routed to CAIS (a
# quorum queue), and its acknowledgement goes to the partner's own reply
# queue: the bank's FINSTA gets a CONTRL, a broken FINSTA a CONTRL naming
# the error (and nothing reaches CAIS), the foreign customs' CUSCAR a
# CONTRL and later CAIS's answer as a CUSRES, the agency's permit decision
# a receipt signed by khaalga; a transit declaration of CAIS goes to the
# foreign customs as a GOVCBR interchange, and the foreign customs' CONTRL
# for it shows on the declaration. Every inbound queue ends empty; rejected
# messages stay rejected once their acknowledgement is delivered. Reports
# in TAP; every wait is bounded. Skips when rabbitmq-server is not
# installed.
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
for tool in curl python3 epmd timeout openssl; do
    if ! command -v $tool >/dev/null; then echo "1..0 # SKIP $tool is needed"; exit 0; fi
done
for program in "$PUBLISH" "$CONSUME"; do
    if [ ! -x "$program" ]; then echo "1..0 # SKIP $program is not built (make check builds it)"; exit 0; fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaalga-partners.XXXXXX") || exit 99
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
publish() { timeout 30 "$PUBLISH" "$url" "$@" 2>>"$tmp/publish.err"; }
take() {   # QUEUE COUNT -> $taken: the lines of the messages taken; bodies in $tmp/bodies
    mkdir -p "$tmp/bodies"
    # the queue is declared by khaalga when it first publishes to it
    wait_for "[ \"\$(depth $1)\" -ge $2 ] 2>/dev/null" 150
    taken=$(timeout 60 "$CONSUME" "$url" "$1" "$2" 5 "$tmp/bodies" 2>>"$tmp/consume.err")
}
body_of() { cat "$tmp/bodies/$(echo "$1" | sed -n 's/.* message_id=\([^ ]*\).*/\1/p' | head -1)" 2>/dev/null; }
depth() {   # QUEUE: messages in it, ready and unacknowledged ("" when it does not exist)
    "$rabbit/rabbitmqctl" -n "$node" list_queues -q name messages 2>/dev/null | awk -v q="$1" '$1 == q { print $2 }'
}
status_of() { "$KHAALGA" status --config "$conf" "$1" 2>/dev/null; }

"$srcdir/tests/dsig/make-pki.sh" "$tmp/pki" >/dev/null 2>&1 || { echo "Bail out! the test PKI could not be made"; exit 1; }
start_broker || { echo "Bail out! rabbitmq-server did not start: $(tail -5 "$broker_out")"; exit 1; }
ok "a private rabbitmq-server runs on 127.0.0.1:$amqp_port"

reply_destination() {   # NAME QUEUE
    cat <<DEST
[destination $1]
type = amqp
url = $url
exchange = partners
routing_key = $2
queue = $2
binding_key = $2
max_attempts = 5
backoff = 200ms
DEST
}
consumer() {   # NAME QUEUE PARTNER
    printf '[consumer %s]\nurl = %s\nqueue = %s\nprefetch = 4\nfrom = %s\n' "$1" "$url" "$2" "$3"
}
conf=$tmp/khaalga.conf
{
    cat <<CONF
[server]
listen = 127.0.0.1:$port
threads = 2
[journal]
path = $tmp/journal.db
[signing]
key = $tmp/pki/broker-ec.key
cert = $tmp/pki/broker-ec.chain.pem
[partner bank]
edifact_id = MNKHANBANK
families = PAY
acknowledgements = contrl
reply = bank-replies
[partner erenhot]
edifact_id = CNERLCUSTOMS
families = TRN
acknowledgements = contrl
reply = erenhot-replies
[partner agency]
families = LPCO
acknowledgements = receipt
reply = agency-replies
[partner cais]
families = RES, TRN
[destination erenhot-out]
type = amqp
url = $url
exchange = partners
routing_key = erenhot.out
queue = erenhot.out
binding_key = erenhot.out
edifact_to = erenhot
[route transit-to-erenhot]
family = TRN
type = TR
to = erenhot-out
[destination cais]
type = amqp
url = $url
exchange = customs
routing_key = {family}.{partner}
queue = cais.inbox
max_attempts = 5
backoff = 200ms
[route to-cais]
family = PAY, LPCO
to = cais
[route cargo-to-cais]
family = TRN
type = CA
to = cais
CONF
    reply_destination bank-replies bank.replies
    reply_destination erenhot-replies erenhot.replies
    reply_destination agency-replies agency.replies
    consumer bank-in bank.in bank
    consumer erenhot-in erenhot.in erenhot
    consumer agency-in agency.in agency
    consumer cais-answers cais.answers cais
} >"$conf"
"$KHAALGA" serve --config "$conf" --check-config >/dev/null 2>"$tmp/err"
rc=$?
check '[ $rc -eq 0 ]' "--check-config accepts partners with consumers and reply queues" "$(cat "$tmp/err")"
"$KHAALGA" serve --config "$conf" 2>>"$tmp/serve.log" &
server_pid=$!
wait_for 'curl -s -o /dev/null "http://127.0.0.1:$port/healthz"' || { echo "Bail out! khaalga serve did not start: $(tail -5 "$tmp/serve.log")"; exit 1; }
check 'wait_for "[ \$(grep -c amqp-consuming \"$tmp/serve.log\") -ge 4 ]"' "the four consumers consume their queues" "$(grep amqp "$tmp/serve.log" | tail -5)"

# --- a bank's FINSTA: to CAIS as PAY, a CONTRL to the bank's reply queue
publish bank.in "$examples/edifact/finsta-duties-D01B.edi"
take cais.inbox 1
check 'echo "$taken" | grep -q "routing_key=PAY.bank .*type=PAY"' "the bank's FINSTA reaches CAIS's queue as a PAY" "$taken $(tail -3 "$tmp/serve.log")"
pay_id=$(echo "$taken" | sed -n 's/.* message_id=\([^ ]*\).*/\1/p' | head -1)
check 'body_of "$taken" | grep -q "<pay:Payment"' "normalized to the WCO PAY" "$(body_of "$taken" | head -c 300)"
take bank.replies 1
check 'echo "$taken" | grep -q "message_id=$pay_id-ack type=CONTRL content_type=application/EDIFACT"' \
    "its CONTRL goes to the bank's reply queue as ID-ack" "$taken"
check 'body_of "$taken" | grep -q "UNH+1+CONTRL" && body_of "$taken" | grep -q "UCI+KX0005+MNKHANBANK:ZZZ+MNCUSTOMS:ZZZ+7"' \
    "a CONTRL accepting interchange KX0005" "$(body_of "$taken")"
check 'status_of "$pay_id" | grep -q "\"stage\":\"acknowledge\",\"outcome\":\"ok\""' "the message's stage acknowledge says where it went" "$(status_of "$pay_id")"

# --- a broken FINSTA: a CONTRL naming the error, nothing to CAIS, stays rejected
sed -e 's/KX0005/KX0006/g' -e "s/UNT+\([0-9]*\)+1'/UNT+99+1'/" "$examples/edifact/finsta-duties-D01B.edi" >"$tmp/finsta-broken.edi"
publish bank.in "$tmp/finsta-broken.edi"
take bank.replies 1
check 'body_of "$taken" | grep -q "UCI+KX0006+MNKHANBANK:ZZZ+MNCUSTOMS:ZZZ+7" && body_of "$taken" | grep -q "UCM+1+FINSTA:D:01B:UN+4+29+UNT+2"' \
    "a broken FINSTA gets a CONTRL rejecting its message for the wrong count in UNT (29)" "$(body_of "$taken")"
broken_id=$(echo "$taken" | sed -n 's/.* message_id=\([^ ]*\)-ack.*/\1/p' | head -1)
check 'wait_for "status_of \"$broken_id\" | grep -q \"\\\"destination\\\":\\\"bank-replies\\\".*\\\"state\\\":\\\"delivered\\\"\""' \
    "its acknowledgement is delivered" "$(status_of "$broken_id")"
check 'status_of "$broken_id" | grep -q "\"state\":\"rejected\""' "and the message stays rejected" "$(status_of "$broken_id" | head -c 300)"
# (the broker's queue counts lag by seconds: look into the queue instead)
left=$(timeout 30 "$CONSUME" "$url" cais.inbox 0 2 2>>"$tmp/consume.err")
check '[ -z "$left" ]' "nothing of it reaches CAIS" "$left"

# --- a foreign customs' CUSCAR: to CAIS as TRN, a CONTRL back; CAIS's answer back as a CUSRES
publish erenhot.in "$examples/edifact/cuscar-from-erenhot-D01B.edi"
take cais.inbox 1
check 'echo "$taken" | grep -q "routing_key=TRN.erenhot .*type=TRN"' "the foreign customs' CUSCAR reaches CAIS as a TRN" "$taken"
take erenhot.replies 1
check 'body_of "$taken" | grep -q "UCI+KX0004+CNERLCUSTOMS:ZZZ+MNCUSTOMS:ZZZ+7"' "its CONTRL goes to the foreign customs' reply queue" "$(body_of "$taken")"
sed -e "s|<res:FunctionalReferenceID>ORG-2024-000517</res:FunctionalReferenceID>|<res:FunctionalReferenceID>CR-EH-5531</res:FunctionalReferenceID>|" \
    "$samples/res/valid-accepted-orange.xml" >"$tmp/res-transit.xml"
publish cais.answers "$tmp/res-transit.xml"
take erenhot.replies 1
check 'body_of "$taken" | grep -q "UNH+1+CUSRES:D:96B:UN" && body_of "$taken" | grep -q "CR-EH-5531"' \
    "CAIS's answer to the transit comes back to the foreign customs as a CUSRES naming it" "$taken $(body_of "$taken" | head -c 300)"

# --- CAIS's transit declaration to the foreign customs as GOVCBR; its CONTRL comes back
publish cais.answers "$samples/trn/valid-transit-rail-erenhot-zamyn-uud.xml"
take erenhot.out 1
govcbr=$(body_of "$taken")
transit_id=$(echo "$taken" | sed -n 's/.* message_id=\([^ ]*\).*/\1/p' | head -1)
check 'echo "$taken" | grep -q "type=TRN content_type=application/EDIFACT" && echo "$govcbr" | grep -q "UNB+UNOW:4+MNCUSTOMS:ZZZ+CNERLCUSTOMS:ZZZ+" && echo "$govcbr" | grep -q "UNH+1+GOVCBR:D:21A:UN"' \
    "a transit declaration of CAIS goes to the foreign customs as a GOVCBR interchange addressed to it" "$taken $(echo "$govcbr" | head -c 200)"
sent_reference=$(echo "$govcbr" | sed -n "s/^UNB+[^+]*+[^+]*+[^+]*+[^+]*+\([^+']*\).*/\1/p")
transit_message=${transit_id%-[0-9]*}
printf "UNB+UNOC:3+CNERLCUSTOMS:ZZZ+MNCUSTOMS:ZZZ+261123:1300+EC0001'UNH+1+CONTRL:3:1:UN'UCI+%s+MNCUSTOMS:ZZZ+CNERLCUSTOMS:ZZZ+7'UNT+3+1'UNZ+1+EC0001'" \
    "$sent_reference" >"$tmp/contrl-back.edi"
publish erenhot.in "$tmp/contrl-back.edi"
check 'wait_for "status_of \"$transit_message\" | grep -q \"CONTRL from erenhot: interchange $sent_reference accepted\"" 100' \
    "the foreign customs' CONTRL for it shows on the transit declaration as answered" "ref $sent_reference; $(grep -a "erenhot" "$tmp/serve.log" | tail -3)"
sleep 1
left=$(timeout 30 "$CONSUME" "$url" erenhot.replies 0 2 2>>"$tmp/consume.err")
check '[ -z "$left" ]' "and the CONTRL is not answered with a CONTRL" "$left"

# --- a licensing agency's permit decision: to CAIS as LPCO, a signed receipt back
publish agency.in "$examples/agency-permit/permit-issued-spe-met.xml"
take cais.inbox 1
check 'echo "$taken" | grep -q "routing_key=LPCO.agency .*type=LPCO"' "the agency's permit decision reaches CAIS as an LPCO" "$taken"
take agency.replies 1
body_of "$taken" >"$tmp/receipt.xml"
check 'echo "$taken" | grep -q "type=RECEIPT content_type=application/xml" && grep -q "<res:Response" "$tmp/receipt.xml"' \
    "its receipt, a WCO RES, goes to the agency's reply queue" "$taken"
"$KHAALGA" verify --trust "$tmp/pki/trust" "$tmp/receipt.xml" >/dev/null 2>"$tmp/verify.err"
rc=$?
check '[ $rc -eq 0 ]' "signed by khaalga" "$(cat "$tmp/verify.err")"

# --- everything was acknowledged to the broker
for q in bank.in erenhot.in agency.in cais.answers; do
    check 'wait_for "[ \"\$(depth $q)\" = 0 ]" 50' "queue $q ends empty" "depth $(depth $q)"
done
check 'kill -0 "$server_pid"' "khaalga kept running"
kill -TERM "$server_pid"
for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
wait "$server_pid"
rc=$?
server_pid=
check '[ $rc -eq 0 ]' "SIGTERM stops khaalga cleanly" "exit $rc; $(tail -5 "$tmp/serve.log")"
stop_broker
echo "1..$n"
