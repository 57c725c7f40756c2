# setup.sh - what the console's tests share (sourced, never run): a
# `khaalga serve` on loopback with a console, its users, and sample
# traffic. The script sets $tmp, $KHAALGA and $srcdir first.
#   free_port                      a free TCP port on 127.0.0.1
#   console_config CONSOLE-LINES   writes $conf: partners, destinations (one
#                                  that refuses: an HTTP port nobody listens
#                                  on), routes, [console] with CONSOLE-LINES,
#                                  users olga (operator) and victor (viewer)
#   start_server                   runs it, waits for /healthz
#   post FILE TYPE                 POSTs a message: $status, $posted_id
#   sample_traffic [N]             N valid declarations, a rejected one (its
#                                  reference in $rejected_reference, id in
#                                  $rejected_id), a cargo report that the
#                                  refusing destination dead-letters
#                                  ($dead_id), and a valid declaration ($valid_id)
examples=$srcdir/examples/edifact
operator_password='op-Secret-1'
viewer_password='view-Secret-2'
rejected_reference=IM26119999
server_pid=

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

console_config() {
    port=$(free_port)
    console_port=$(free_port)
    refusing_port=$(free_port)
    base=http://127.0.0.1:$port
    conf=$tmp/khaalga.conf
    operator_hash=$(printf '%s\n' "$operator_password" | "$KHAALGA" passwd --iterations 100000) || return 1
    viewer_hash=$(printf '%s\n' "$viewer_password" | "$KHAALGA" passwd --iterations 100000) || return 1
    cat >"$conf" <<CONF
[server]
listen = 127.0.0.1:$port
threads = 2
$2
[journal]
path = $tmp/journal.db
[partner broker]
edifact_id = MN1234567
families = DEC
acknowledgements = contrl
[partner erenhot-customs]
edifact_id = CNERLCUSTOMS
families = TRN
[destination cais]
type = spool
path = $tmp/spool-out/cais
[destination transit-agency]
type = http
url = http://gateway:s3cr3t-in-url@127.0.0.1:$refusing_port/transit
max_attempts = 2
backoff = 100ms
backoff_max = 200ms
timeout = 1s
dead_letter = $tmp/dead
[route declarations]
family = DEC
to = cais
[route transit]
family = TRN
to = transit-agency
[console]
$1
[console user olga]
role = operator
password = $operator_hash
[console user victor]
role = viewer
password = $viewer_hash
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

stop_server() {
    [ -n "$server_pid" ] || return 0
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=
}

reference_count=0
post() {
    status=$(curl -s -o "$tmp/posted" -D "$tmp/posted-headers" -w '%{http_code}' -X POST -H "Content-Type: $2" \
        --data-binary @"$1" "$base/v1/messages")
    posted_id=$(sed -n 's/^X-Message-Id: *//Ip' "$tmp/posted-headers" | tr -d '\r')
}

# a copy of an example with a fresh interchange reference
fresh() {
    reference_count=$((reference_count + 1))
    sed "s/KX000[0-9]/KC$(printf %04d $reference_count)/g" "$1" >"$tmp/fresh.edi"
}

sample_traffic() {
    for _ in $(seq 1 "${1:-1}"); do
        fresh "$examples/cusdec-import-D96B.edi"
        post "$tmp/fresh.edi" application/EDIFACT
        [ "$status" = 202 ] || return 1
    done
    valid_id=$posted_id
    # a declaration whose invoice does not add up (rule DEC113 at segment 19),
    # with a reference of its own and markup in a free text
    fresh "$examples/cusdec-import-D96B.edi"
    rejected_interchange=KC$(printf %04d $reference_count)
    sed -e 's/MOA+39:264400.00:EUR/MOA+39:265400.00:EUR/' -e "s/IM26110001/$rejected_reference/g" \
        -e 's/FTX+AAI+++Goods move in transit under customs seal/FTX+AAI+++<img src=x onerror=alert(1)>/' \
        "$tmp/fresh.edi" >"$tmp/rejected.edi"
    post "$tmp/rejected.edi" application/EDIFACT
    [ "$status" = 422 ] || return 1
    rejected_id=$posted_id
    fresh "$examples/cuscar-from-erenhot-D01B.edi"
    post "$tmp/fresh.edi" application/EDIFACT
    [ "$status" = 202 ] || return 1
    dead_id=$posted_id
    for _ in $(seq 1 100); do
        [ -f "$tmp/dead/$dead_id.xml" ] && return 0
        sleep 0.1
    done
    return 1
}
