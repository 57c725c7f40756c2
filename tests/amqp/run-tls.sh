#!/bin/bash
# run-tls.sh - `khaalga serve` and RabbitMQ over TLS (amqps://), end to end,
# against a private rabbitmq-server (tests/amqp/broker.sh) with a TLS
# listener and a test PKI made here with openssl: a CA, the broker's
# certificate signed by it, and an unrelated CA.
#
# With the broker's certificate naming only "localhost":
#   - a destination amqps://…@localhost with tls_ca = the CA delivers, over a
#     TLS connection, and the message is read back over TLS;
#   - one with the unrelated CA never delivers: its attempts and the log say
#     that the certificate verification failed, and why;
#   - one amqps://…@127.0.0.1 (a host the certificate does not name) is
#     refused with "IP address mismatch";
#   - a [consumer] over amqps consumes, one with the unrelated CA does not.
# Then the broker restarted with a certificate naming only the address
# 127.0.0.1: the message that waited for amqps://…@127.0.0.1 is delivered
# (a certificate's iPAddress names are honoured) and localhost is refused.
# Reports in TAP; every wait is bounded. Skips when rabbitmq-server is not
# installed.
set -u
srcdir=${srcdir:-.}
KHAALGA=${KHAALGA:-./khaalga}
KHAALGA_DATADIR=${KHAALGA_DATADIR:-$srcdir}
CONSUME=${CONSUME:-$(dirname "$KHAALGA")/tests/amqp/consume}
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
for tool in "$CONSUME" "$PUBLISH"; do
    if [ ! -x "$tool" ]; then echo "1..0 # SKIP $tool is not built (make check builds it)"; exit 0; fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaalga-tls.XXXXXX") || exit 99
port=$(free_port)
broker_setup "$tmp"
tls_port=$(free_port)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
    broker_cleanup
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$srcdir/tests/tap.sh"

# --- the test PKI: a CA, two broker certificates of it, an unrelated CA
pki=$tmp/pki
mkdir -p "$pki"
make_ca() {   # NAME "SUBJECT"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "$2" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$pki/$1.key" -out "$pki/$1.pem"
}
make_broker_certificate() {   # NAME SUBJECT-ALT-NAME
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=khaalga test broker" \
        -keyout "$pki/$1.key" -out "$pki/$1.csr" &&
    printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' \
        "$2" >"$pki/$1.ext" &&
    openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
        -extfile "$pki/$1.ext" -out "$pki/$1.pem"
}
{ make_ca ca "/CN=Khaalga test broker CA" && make_ca other-ca "/CN=Unrelated test CA" &&
  make_broker_certificate broker-name DNS:localhost && make_broker_certificate broker-address IP:127.0.0.1; } \
    >"$tmp/pki.log" 2>&1 || { echo "Bail out! the test PKI could not be made: $(tail -3 "$tmp/pki.log")"; exit 1; }

# The broker's TLS listener, beside the plain one the test tools use; it
# asks for no client certificate.
broker_certificate() {   # NAME: the certificate the broker presents from its next start
    cat >"$tmp/rabbitmq.conf" <<CONF
listeners.ssl.default = 127.0.0.1:$tls_port
ssl_options.cacertfile = $pki/ca.pem
ssl_options.certfile = $pki/$1.pem
ssl_options.keyfile = $pki/$1.key
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
CONF
}
broker_certificate broker-name
start_broker || { echo "Bail out! rabbitmq-server did not start: $(tail -5 "$broker_out")"; exit 1; }
tls_listening() { grep -q "started TLS (SSL) listener on 127.0.0.1:$tls_port" "$tmp"/log/*.log 2>/dev/null; }
check 'wait_for tls_listening' "a private rabbitmq-server listens for TLS on 127.0.0.1:$tls_port" "$(tail -5 "$tmp"/log/*.log)"
timeout 10 openssl s_client -connect "127.0.0.1:$tls_port" -CAfile "$pki/ca.pem" -verify_hostname localhost \
    </dev/null >"$tmp/s_client" 2>&1
check 'grep -q "Verification: OK" "$tmp/s_client"' "its certificate for localhost verifies with the test CA (openssl s_client)" \
    "$(grep -i -E 'verif|error' "$tmp/s_client" | head -5)"

tls_url() { echo "amqps://guest:guest@$1:$tls_port/%2f"; }
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
[partner cais]
families = RES
[destination by-name]
type = amqp
url = $(tls_url localhost)
tls_ca = $pki/ca.pem
exchange = customs
routing_key = by-name.{family}
queue = by-name.declarations
binding_key = by-name.#
max_attempts = 1000
backoff = 100ms
backoff_max = 500ms
timeout = 3s
[destination by-address]
type = amqp
url = $(tls_url 127.0.0.1)
tls_ca = $pki/ca.pem
exchange = customs
routing_key = by-address.{family}
queue = by-address.declarations
binding_key = by-address.#
max_attempts = 1000
backoff = 100ms
backoff_max = 500ms
timeout = 3s
[destination other-ca]
type = amqp
url = $(tls_url localhost)
tls_ca = $pki/other-ca.pem
exchange = customs
routing_key = other-ca.{family}
queue = other-ca.declarations
binding_key = other-ca.#
max_attempts = 1000
backoff = 100ms
backoff_max = 500ms
timeout = 3s
[route declarations]
family = DEC
to = by-name, by-address, other-ca
[consumer answers]
url = $(tls_url localhost)
tls_ca = $pki/ca.pem
queue = cais.answers
from = cais
[consumer answers-other-ca]
url = $(tls_url localhost)
tls_ca = $pki/other-ca.pem
queue = cais.answers.other
from = cais
CONF
"$KHAALGA" serve --config "$conf" 2>>"$tmp/serve.log" &
server_pid=$!
wait_for 'curl -s -o /dev/null "http://127.0.0.1:$port/healthz"' || { echo "Bail out! khaalga serve did not start: $(tail -5 "$tmp/serve.log")"; exit 1; }
ok "khaalga serve starts with amqps destinations and consumers"

status_of() { "$KHAALGA" status --config "$conf" "$1" 2>/dev/null; }
delivery_of() {   # ID DESTINATION: the delivery's JSON object in khaalga status
    status_of "$1" | grep -o "{\"destination\":\"$2\"[^}]*}"
}
delivered_to() { delivery_of "$1" "$2" | grep -q '"state":"delivered"'; }
attempts_of() { delivery_of "$1" "$2" | sed -n 's/.*"attempts":\([0-9]*\).*/\1/p'; }
post() {   # FILE -> $status, the id in $posted_id
    posted_id=
    status=$(curl -s -m 10 -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X POST \
        -H 'Content-Type: application/EDIFACT' --data-binary @"$1" "http://127.0.0.1:$port/v1/messages")
    posted_id=$(sed -n 's/^X-Message-Id: *//Ip' "$tmp/headers" | tr -d '\r')
}
ref=0
post_fresh() {   # a CUSDEC with a new interchange reference -> $status, $posted_id
    ref=$((ref + 1))
    sed "s/KX000[0-9]/KT$(printf %04d $ref)/g" "$examples/cusdec-import-D96B.edi" >"$tmp/fresh-$ref.edi"
    post "$tmp/fresh-$ref.edi"
}
consume_tls() {   # HOST QUEUE: what the queue holds, read over TLS, into $tmp/consumed
    timeout 40 "$CONSUME" --tls-ca "$pki/ca.pem" "$(tls_url "$1")" "$2" 0 3 >"$tmp/consumed" 2>"$tmp/consume.err"
}
queues() { "$rabbit/rabbitmqctl" -n "$node" list_queues -q name messages 2>/dev/null; }

# --- the broker's certificate names localhost
post_fresh
id=$posted_id
check '[ "$status" = 202 ] && [ -n "$id" ]' "a CUSDEC is accepted (202)" "$status $(cat "$tmp/body")"
check 'wait_for "delivered_to $id by-name" 100' "it is delivered to amqps://localhost with tls_ca = the broker's CA" \
    "$(delivery_of "$id" by-name)"
consume_tls localhost by-name.declarations
check 'grep -q " message_id=$id " "$tmp/consumed"' "it is in the queue, read back over TLS" \
    "$(cat "$tmp/consumed" "$tmp/consume.err")"
"$rabbit/rabbitmqctl" -n "$node" list_connections -q ssl ssl_protocol client_properties >"$tmp/connections" 2>&1
check 'grep "khaalga by-name" "$tmp/connections" | grep -q -E "^true[[:space:]]+tlsv1\.[23]"' \
    "khaalga's connection to the broker is TLS" "$(cat "$tmp/connections")"

check 'wait_for "[ \"\$(attempts_of $id other-ca)\" -ge 2 ]" 100' "with the unrelated CA it is not delivered, and tried again" \
    "$(delivery_of "$id" other-ca)"
delivery_of "$id" other-ca >"$tmp/other-ca.json"
# the broker sends its CA with its certificate: "self-signed certificate in certificate chain"
unknown_issuer="certificate verification failed for localhost: (self-signed certificate in certificate chain|unable to get local issuer certificate)"
check 'grep -q "\"state\":\"pending\"" "$tmp/other-ca.json" && grep -q -E "$unknown_issuer" "$tmp/other-ca.json"' \
    "the journal keeps why: the certificate verification failed, its CA is not tls_ca" "$(cat "$tmp/other-ca.json")"
check 'grep "amqp-connect-failed" "$tmp/serve.log" | grep -q "certificate verification failed for localhost"' \
    "the log says the same" "$(grep amqp "$tmp/serve.log" | tail -5)"

check 'wait_for "[ \"\$(attempts_of $id by-address)\" -ge 1 ]" 100' "amqps://127.0.0.1, which the certificate does not name, is not delivered" \
    "$(delivery_of "$id" by-address)"
delivery_of "$id" by-address >"$tmp/by-address.json"
check 'grep -q "\"state\":\"pending\"" "$tmp/by-address.json" && grep -q "certificate verification failed for 127.0.0.1: IP address mismatch" "$tmp/by-address.json"' \
    "it is refused as an IP address mismatch" "$(cat "$tmp/by-address.json")"
queues >"$tmp/queues"
check 'grep -q "^by-name.declarations" "$tmp/queues" && ! grep -q -E "^(other-ca|by-address)\.declarations" "$tmp/queues"' \
    "nothing but a verified connection declared anything on the broker" "$(cat "$tmp/queues")"

# --- consumers over amqps
check 'wait_for "grep \"amqp-consuming\" \"$tmp/serve.log\" | grep -q \"cais.answers\\b\""' "a [consumer] over amqps consumes its queue" \
    "$(grep consum "$tmp/serve.log" | tail -5)"
sed -e "s|<res:FunctionalReferenceID>ORG-2024-000517</res:FunctionalReferenceID>|<res:FunctionalReferenceID>NOBODY-0042</res:FunctionalReferenceID>|" \
    "$samples/res/valid-accepted-orange.xml" >"$tmp/res.xml"
timeout 30 "$PUBLISH" "$url" cais.answers "$tmp/res.xml" 2>"$tmp/publish.err"
check 'wait_for "grep -q \"no declaration NOBODY-0042 in the journal\" \"$tmp/serve.log\""' \
    "it takes and journals CAIS's answer published there" "$(cat "$tmp/publish.err"; tail -3 "$tmp/serve.log")"
check 'wait_for "queues | grep -q -E \"^cais.answers[[:space:]]+0\$\"" 50' "and acknowledges it: the queue ends empty" "$(queues)"
check 'grep "amqp-consumer-down" "$tmp/serve.log" | grep "answers-other-ca" | grep -q -E "$unknown_issuer"' \
    "the consumer with the unrelated CA does not connect, and the log says why" "$(grep consumer-down "$tmp/serve.log" | tail -3)"

# --- the broker's certificate names the address 127.0.0.1 only
stop_broker
broker_certificate broker-address
start_broker || { echo "Bail out! rabbitmq-server did not start again: $(tail -5 "$broker_out")"; exit 1; }
ok "the broker is restarted with a certificate for IP address 127.0.0.1 only"
check 'wait_for "delivered_to $id by-address" 150' "the message that waited for amqps://127.0.0.1 is delivered: iPAddress names verify" \
    "$(delivery_of "$id" by-address)"
timeout 40 "$CONSUME" "$url" by-address.declarations 0 3 >"$tmp/consumed" 2>"$tmp/consume.err"
check 'grep -q " message_id=$id " "$tmp/consumed"' "it is in its queue" "$(cat "$tmp/consumed" "$tmp/consume.err")"
post_fresh
second=$posted_id
check 'wait_for "delivered_to $second by-address" 100' "a new message is delivered there too" "$(delivery_of "$second" by-address)"
check 'wait_for "delivery_of $second by-name | grep -q \"certificate verification failed for localhost: hostname mismatch\"" 100' \
    "and not to amqps://localhost, which the certificate no longer names: a hostname mismatch" "$(delivery_of "$second" by-name)"
check '! delivered_to $second by-name && ! delivered_to $id other-ca && ! delivered_to $second other-ca' \
    "nothing was ever delivered without a verified certificate" "$(status_of "$second")"

kill -TERM "$server_pid"
wait "$server_pid"
rc=$?
server_pid=
check '[ $rc -eq 0 ]' "SIGTERM stops khaalga cleanly" "exit $rc; $(tail -5 "$tmp/serve.log")"
stop_broker
echo "1..$n"
