#!/bin/bash
# amqp-bench.sh - signed declarations per second and their latency end to
# end through `khaalga serve` into a RabbitMQ quorum queue with publisher
# confirms (HTTP in, XML-DSig verification, validation, the SQLite journal,
# routing, the delivery loop publishing each round as a batch, a signed
# receipt back), beside the ceiling on the same broker in the same run: a
# bare rabbitmq-c publisher with confirms (tests/bench/bare-publish.c)
# putting the same bytes into the same queue, with a window of outstanding
# confirms and one at a time.
#
# The broker is a private rabbitmq-server on loopback (tests/amqp/broker.sh),
# its data beside the journal. A consumer (tests/bench/consume-times.c)
# takes the queue's messages as they come and notes when each arrived:
# the latency end to end of a declaration is from the start of its HTTP
# POST (tests/bench/load-client.c --log) to its arrival at that consumer,
# joined by the message id (X-Message-Id = the AMQP message_id); for the
# bare publisher, from its basic.publish to the same consumer, and to its
# confirm. Then, to tell the delivery loop's part: the broker's application
# stopped (rabbitmqctl stop_app), BACKLOG more declarations accepted into
# the outbox meanwhile, the broker started again, and the rate at which
# khaalga's delivery loop alone brings that backlog to the consumer (from
# the first arrival to the last). Prints a Markdown report on stdout;
# progress on stderr.
#
#   tests/bench/amqp-bench.sh [--build DIR] [--seconds N] [--connections N]
#                             [--declarations N] [--threads N] [--window N]
#                             [--backlog N] [--khaalga PATH] [--perf FILE] [--keep]
#
# --khaalga PATH measures another khaalga program than the build's (to
# compare two builds with the same client, consumer and broker).
#
# --perf FILE records `perf record --call-graph dwarf` of khaalga serve during its measured
# run into FILE (see docs/benchmarks.md for how it is read).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$top/_build/servebench
seconds=10
connections=16
declarations=6000
threads=2
window=64
backlog=2000
warmup=200
keep=no
perf_data=
khaalga=
usage() {
    echo "usage: $0 [--build DIR] [--seconds N] [--connections N] [--declarations N] [--threads N] [--window N] [--backlog N] [--khaalga PATH] [--perf FILE] [--keep]" >&2
    exit 2
}
while (($#)); do
    case $1 in
        --build) build=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --declarations) declarations=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --window) window=$2; shift 2 ;;
        --backlog) backlog=$2; shift 2 ;;
        --khaalga) khaalga=$(realpath "$2"); shift 2 ;;
        --perf) perf_data=$(realpath -m "$2"); shift 2 ;;
        --keep) keep=yes; shift ;;
        *) usage ;;
    esac
done
say() { echo "amqp-bench: $*" >&2; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

. "$top/tests/amqp/broker.sh"
rabbit=$(find_rabbit)
[ -n "$rabbit" ] || { say "rabbitmq-server is not installed"; exit 2; }
make -s -C "$build" khaalga tests/bench/load-client tests/bench/bare-publish tests/bench/consume-times >/dev/null
khaalga=${khaalga:-$build/khaalga}
client=$build/tests/bench/load-client
bare=$build/tests/bench/bare-publish
consumer=$build/tests/bench/consume-times
export KHAALGA_DATADIR=$top

work=$(mktemp -d "${TMPDIR:-/tmp}/amqp-bench.XXXXXX")
server_pid= consumer_pid=
cleanup() {
    [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
    [ -n "$consumer_pid" ] && kill -9 "$consumer_pid" 2>/dev/null
    broker_cleanup
    if [ "$keep" = yes ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# ------------------------------------------------------------ declarations, broker
say "signing $declarations + $warmup + $backlog distinct declarations (EC P-256)"
"$here/sign-declarations.sh" "$khaalga" "$work" "$declarations" "$warmup" "$backlog"
size=$(wc -c <"$work/decl/00000001.xml")
broker_setup "$work/broker"
start_broker || { say "rabbitmq-server did not start: $(tail -5 "$broker_out")"; exit 1; }
broker_pid=$(cat "$RABBITMQ_PID_FILE")
rabbit_version=$("$rabbit/rabbitmqctl" -n "$node" version 2>/dev/null || true)
say "rabbitmq-server $rabbit_version on 127.0.0.1:$amqp_port"

# ------------------------------------------------------------ helpers
wait_healthy() {   # PORT
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "http://127.0.0.1:$1/healthz" && return 0
        sleep 0.1
    done
    return 1
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }   # user + system of the process's threads
thread_ticks() {   # PID: "NAME TICKS" per thread name (user + system)
    for t in /proc/"$1"/task/*; do
        printf '%s %s\n' "$(tr ' ' _ <"$t/comm")" "$(awk '{ print $14 + $15 }' "$t/stat")"
    done | awk '{ ticks[$1] += $2 } END { for (n in ticks) print n, ticks[n] }' | sort
}
hz=$(getconf CLK_TCK)
queue=cais.declarations
start_consumer() {   # NAME [--save DIR]: consume-times into $work/NAME.consumed
    rm -f "$work/consumer.ready"
    "$consumer" --url "$url" --queue "$queue" --log "$work/$1.consumed" --ready "$work/consumer.ready" "${@:2}" \
        2>>"$work/consumer.err" &
    consumer_pid=$!
    for _ in $(seq 1 100); do [ -f "$work/consumer.ready" ] && return 0; sleep 0.1; done
    say "the consumer did not start: $(tail -3 "$work/consumer.err")"
    exit 1
}
stop_consumer() {
    kill -TERM "$consumer_pid"
    wait "$consumer_pid" || true
    consumer_pid=
}
wait_consumed() {   # FILE COUNT: up to 120 s for COUNT messages to reach the consumer
    for _ in $(seq 1 1200); do
        [ "$(wc -l <"$1")" -ge "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

# ------------------------------------------------------------ khaalga serve
port=$(free_port)
cat >"$work/khaalga.conf" <<CONF
[server]
listen = 127.0.0.1:$port
max_body = 256K
threads = $threads
max_connections = 256
connection_timeout = 30s
[journal]
path = $work/journal.db
[spool]
path = $work/spool
[signing]
key = $work/pki/broker-ec.key
cert = $work/pki/broker-ec.chain.pem
[partner broker]
identity = 6098765
families = DEC
trust = $work/pki/trust
acknowledgements = receipt
[destination cais]
type = amqp
url = $url
exchange = customs
routing_key = dec.{type}
queue = $queue
binding_key = dec.#
max_attempts = 1000
backoff = 100ms
backoff_max = 1s
timeout = 10s
[route declarations]
family = DEC
to = cais
CONF
"$khaalga" serve --config "$work/khaalga.conf" 2>"$work/serve.log" &
server_pid=$!
wait_healthy "$port" || { say "khaalga serve did not start: $(tail -5 "$work/serve.log")"; exit 1; }
say "khaalga serve on port $port, $threads threads, $connections connections, $seconds s"
"$client" --port "$port" --bodies "$work/warmup" --connections "$connections" --seconds 60 >"$work/warmup.out" ||
    { say "the warm-up failed: $(cat "$work/warmup.out")"; exit 1; }
for _ in $(seq 1 100); do   # the queue is declared at the first delivery
    "$rabbit/rabbitmqctl" -n "$node" list_queues -q name 2>/dev/null | grep -q "^$queue\$" && break
    sleep 0.1
done
mkdir -p "$work/bodies"
start_consumer warmup --save "$work/bodies" --save-count "$warmup"
wait_consumed "$work/warmup.consumed" "$warmup" || { say "the warm-up did not reach the queue"; exit 1; }
stop_consumer
say "warm-up: $warmup declarations through to the queue; their bodies kept for the bare publisher"

start_consumer khaalga
k_before=$(cpu_ticks "$server_pid") b_before=$(cpu_ticks "$broker_pid")
thread_ticks "$server_pid" >"$work/threads.before"
perf_pid=
if [ -n "$perf_data" ]; then
    perf record -q --call-graph dwarf,32768 -F 299 -o "$perf_data" -p "$server_pid" 2>"$work/perf.err" &
    perf_pid=$!
fi
"$client" --port "$port" --bodies "$work/decl" --connections "$connections" --seconds "$seconds" \
    --log "$work/khaalga.answers" >"$work/khaalga.out" || say "khaalga: the load client reports errors"
accepted=$(awk '$4 == 202' "$work/khaalga.answers" | wc -l)
wait_consumed "$work/khaalga.consumed" "$accepted" || say "khaalga: not every accepted declaration reached the queue"
k_cpu=$(( $(cpu_ticks "$server_pid") - k_before )) b_cpu=$(( $(cpu_ticks "$broker_pid") - b_before ))
thread_ticks "$server_pid" >"$work/threads.after"
if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
    say "perf data of khaalga serve's run in $perf_data"
fi
stop_consumer
say "khaalga: $(tail -1 "$work/khaalga.out")"
kill -TERM "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=

# the delivery loop alone: a backlog accepted while the broker is stopped,
# then delivered by a khaalga serve started once the broker is back and
# every entry is due (past its retry backoff), with nothing else to do
start_server() {
    "$khaalga" serve --config "$work/khaalga.conf" 2>>"$work/serve.log" &
    server_pid=$!
    wait_healthy "$port" || { say "khaalga serve did not start: $(tail -5 "$work/serve.log")"; exit 1; }
}
if [ "$backlog" -gt 0 ]; then
    timeout 120 "$rabbit/rabbitmqctl" -n "$node" stop_app >/dev/null 2>&1 || { say "rabbitmqctl stop_app failed"; exit 1; }
    start_server
    "$client" --port "$port" --bodies "$work/backlog" --connections "$connections" --seconds 600 \
        --log "$work/backlog.answers" >"$work/backlog.out" || say "backlog: the load client reports errors"
    backlog_accepted=$(awk '$4 == 202' "$work/backlog.answers" | wc -l)
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    timeout 120 "$rabbit/rabbitmqctl" -n "$node" start_app >/dev/null 2>&1 || { say "rabbitmqctl start_app failed"; exit 1; }
    start_consumer backlog
    sleep 2     # the backoff_max of the retries
    start_server
    wait_consumed "$work/backlog.consumed" "$backlog_accepted" || say "backlog: not every accepted declaration reached the queue"
    thread_ticks "$server_pid" >"$work/backlog-threads.after"
    stop_consumer
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=
    say "backlog: $backlog_accepted declarations accepted while the broker was stopped, then delivered"
fi

# ------------------------------------------------------------ the ceiling: bare-publish
bare_run() {   # NAME WINDOW
    start_consumer "$1"
    local before_b
    before_b=$(cpu_ticks "$broker_pid")
    "$bare" --url "$url" --exchange customs --routing-key dec.IM --bodies "$work/bodies" --window "$2" \
        --seconds "$seconds" --prefix "$1" --log "$work/$1.confirms" >"$work/$1.out" || say "$1: bare-publish reports errors"
    local published
    published=$(sed -n 's/.*\bconfirmed=\([0-9]*\).*/\1/p' "$work/$1.out")
    wait_consumed "$work/$1.consumed" "$published" || say "$1: not every message reached the consumer"
    echo $(( $(cpu_ticks "$broker_pid") - before_b )) >"$work/$1.broker-cpu"
    stop_consumer
    say "$1: $(cat "$work/$1.out")"
}
bare_run bare-window "$window"
bare_run bare-single 1

# ------------------------------------------------------------ the report
python3 - "$work" "$seconds" "$connections" "$window" "$hz" "$k_cpu" "$b_cpu" "$backlog" <<'PY' >"$work/report.md"
import os, sys
work, seconds, connections, window, hz, k_cpu, b_cpu, backlog = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])

def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    i = max(0, min(len(values) - 1, int(p / 100.0 * len(values) + 0.5) - 1))
    return values[i]

def consumed(name):
    at = {}
    with open(os.path.join(work, name + ".consumed")) as f:
        for line in f:
            i, t = line.split()
            at.setdefault(i, int(t))
    return at

def keyvalues(name):
    with open(os.path.join(work, name + ".out")) as f:
        return dict(kv.split("=", 1) for kv in f.readline().split())

# khaalga: HTTP answers (id, start, end, status), the consumer's arrivals
answers = []
with open(os.path.join(work, "khaalga.answers")) as f:
    for line in f:
        i, start, end, status = line.split()
        answers.append((i, int(start), int(end), int(status)))
arrived = consumed("khaalga")
ok = [a for a in answers if a[3] == 202]
e2e = [(arrived[a[0]] - a[1]) / 1e6 for a in ok if a[0] in arrived]
http = [(a[2] - a[1]) / 1e6 for a in ok]
first = min(a[1] for a in answers)
last_answer = max(a[2] for a in answers)
last_arrival = max((arrived[a[0]] for a in ok if a[0] in arrived), default=last_answer)
k_http_rate = len(ok) / ((last_answer - first) / 1e9)
k_rate = len(e2e) / ((last_arrival - first) / 1e9)

def bare(name):
    kv = keyvalues(name)
    sent = {}
    with open(os.path.join(work, name + ".confirms")) as f:
        for line in f:
            i, published, confirmed = line.split()
            sent[i] = (int(published), int(confirmed))
    got = consumed(name)
    confirm = [(c - p) / 1e6 for p, c in sent.values()]
    e2e = [(got[i] - p) / 1e6 for i, (p, c) in sent.items() if i in got]
    first = min(p for p, c in sent.values())
    last = max(max(c for p, c in sent.values()), max(got[i] for i in sent if i in got))
    cpu = int(open(os.path.join(work, name + ".broker-cpu")).read())
    return dict(rate=len(e2e) / ((last - first) / 1e9), confirm=confirm, e2e=e2e, n=len(sent),
                missing=len(sent) - len(e2e), broker_cpu=cpu / hz / ((last - first) / 1e9), kv=kv)

w, s1 = bare("bare-window"), bare("bare-single")
ms = lambda v: "%.2f" % v
print("| run | messages | per second (in the queue) | p50 ms | p90 ms | p99 ms | max ms | latency measured | broker CPU |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
span = (last_arrival - first) / 1e9
print("| khaalga serve, %d HTTP connections | %d | %.0f/s | %s | %s | %s | %s | POST start → consumer | %.0f %% |"
      % (connections, len(e2e), k_rate, ms(pct(e2e, 50)), ms(pct(e2e, 90)), ms(pct(e2e, 99)), ms(max(e2e)),
         100 * b_cpu / hz / span))
print("| (the same, HTTP answers) | %d | %.0f/s | %s | %s | %s | %s | POST start → 202 | |"
      % (len(ok), k_http_rate, ms(pct(http, 50)), ms(pct(http, 90)), ms(pct(http, 99)), ms(max(http))))
for label, r in (("bare-publish, window %d" % window, w), ("bare-publish, one at a time", s1)):
    print("| %s | %d | %.0f/s | %s | %s | %s | %s | publish → consumer | %.0f %% |"
          % (label, len(r["e2e"]), r["rate"], ms(pct(r["e2e"], 50)), ms(pct(r["e2e"], 90)), ms(pct(r["e2e"], 99)),
             ms(max(r["e2e"])), 100 * r["broker_cpu"]))
    print("| (the same, confirms) | %d | %.0f/s | %s | %s | %s | %s | publish → confirm | |"
          % (r["n"], float(r["kv"]["rate"]), ms(pct(r["confirm"], 50)), ms(pct(r["confirm"], 90)),
             ms(pct(r["confirm"], 99)), ms(max(r["confirm"]))))
print()
print("khaalga / ceiling (window %d): %.2f x the messages per second into the queue; "
      "khaalga / one at a time: %.2f x." % (window, k_rate / w["rate"], k_rate / s1["rate"]))
print()
print("khaalga serve CPU over its run: %.0f %% of one core, %.0f µs per declaration."
      % (100 * k_cpu / hz / span, 1e6 * k_cpu / hz / max(1, len(e2e))), end=" ")
def ticks(name):
    with open(os.path.join(work, name)) as f:
        return dict((n, int(t)) for n, t in (line.split() for line in f))
before, after = ticks("threads.before"), ticks("threads.after")
by_thread = sorted(((after[n] - before.get(n, 0), n) for n in after), reverse=True)
print("By thread: " + ", ".join("%s %.0f µs" % (n, 1e6 * t / hz / max(1, len(e2e))) for t, n in by_thread if t > 0) + ".")
if backlog:
    accepted = [l.split()[0] for l in open(os.path.join(work, "backlog.answers")) if l.split()[3] == "202"]
    got = consumed("backlog")
    times = sorted(got[i] for i in accepted if i in got)
    delivery = ticks("backlog-threads.after").get("kh-delivery", 0)
    if len(times) > 1:
        rate = (len(times) - 1) / ((times[-1] - times[0]) / 1e9)
        print()
        print("The delivery loop alone: %d declarations accepted while the broker's application was stopped, delivered "
              "by a khaalga serve started once the broker was back and every entry due, reached the consumer at "
              "%.0f/s (first to last arrival), %.2f x the ceiling (window %d); the delivery thread spent %.0f µs "
              "per declaration." % (len(times), rate, rate / w["rate"], window, 1e6 * delivery / hz / len(times)))
missing = len(ok) - len(e2e)
if missing or w["missing"] or s1["missing"]:
    print()
    print("**Missing at the consumer**: khaalga %d, window %d, one at a time %d." % (missing, w["missing"], s1["missing"]))
PY

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
fs=$(df -T "$work" | awk 'NR == 2 { print $2 " on " $1 }')
echo "## AMQP end-to-end benchmark"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $cpu_model, $(nproc) cores, $mem; Linux $(uname -r); load average before the run: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- command: tests/bench/amqp-bench.sh --build $build --seconds $seconds --connections $connections --declarations $declarations --threads $threads --window $window$([ "$khaalga" = "$build/khaalga" ] || echo " --khaalga $khaalga")"
echo "- khaalga: $khaalga ($("$khaalga" --version 2>/dev/null | head -1)); rabbitmq-server $rabbit_version (Erlang $(erl -noshell -eval 'io:format("~s", [erlang:system_info(otp_release)]), halt().' 2>/dev/null)); rabbitmq-c $(pkg-config --modversion librabbitmq 2>/dev/null)"
echo "- broker: a private rabbitmq-server on 127.0.0.1, default settings, its data in $fs (as the journal); the queue $queue a quorum queue (one node) bound to the topic exchange customs, declared by khaalga (dead-letter exchange and queue, reject-publish); every message persistent and mandatory, with publisher confirms"
echo "- load: tests/bench/load-client, $connections keep-alive HTTP/1.1 connections, one request in flight on each; each request a distinct signed CUSDEC-import declaration ($size bytes, EC P-256); $warmup warm-up requests first; then $seconds s or the $declarations declarations, whichever ends first"
echo "- khaalga serve: threads = $threads, signature verification, validation, journal (WAL, synchronous FULL), a signed receipt (202), the delivery loop publishing each round of the outbox as one batch"
echo "- bare-publish: rabbitmq-c, one channel in confirm mode, the bodies khaalga published (the $warmup warm-up messages taken from the queue), the same properties and headers, each with its own message id, to the same exchange and queue; for $seconds s with at most $window, then 1, publishes awaiting their confirm"
echo "- latency: 'POST start → consumer': from the first byte of the HTTP request sent to the message's arrival at a consumer of the queue (tests/bench/consume-times, automatic acknowledgement, running during each run), joined by message id, in ms; 'publish → consumer' and 'publish → confirm' likewise from bare-publish's basic.publish; all clocks CLOCK_MONOTONIC of this machine. Per second: the messages that reached the consumer over the time from the first request (publish) to the last arrival"
echo "- CPU: user + system time of the process over the run, in % of one core (200 % = both cores)"
echo
cat "$work/report.md"
