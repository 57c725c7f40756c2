#!/bin/bash
# serve-bench.sh - signed declarations per second through `khaalga serve`
# (HTTP in, XML-DSig verification, validation, the SQLite journal, routing,
# delivery to a spool folder, a signed receipt back) beside a bare baseline
# (tests/bench/bare-ingest.c: libmicrohttpd with the same thread pool, each
# body inserted into SQLite with the journal's durability, 202), one after the
# other on this machine with the same load (tests/bench/load-client.c: N
# keep-alive connections, each request a distinct signed declaration).
# Prints a Markdown report on stdout; progress on stderr.
#
#   tests/bench/serve-bench.sh [--build DIR] [--seconds N] [--connections N]
#                              [--declarations N] [--threads N] [--keep]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$top/_build/servebench
seconds=10
connections=16
declarations=3000
threads=2
warmup=200
keep=no
usage() { echo "usage: $0 [--build DIR] [--seconds N] [--connections N] [--declarations N] [--threads N] [--keep]" >&2; exit 2; }
while (($#)); do
    case $1 in
        --build) build=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --declarations) declarations=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --keep) keep=yes; shift ;;
        *) usage ;;
    esac
done
say() { echo "serve-bench: $*" >&2; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

make -s -C "$build" khaalga tests/bench/load-client tests/bench/bare-ingest >/dev/null
khaalga=$build/khaalga
client=$build/tests/bench/load-client
bare=$build/tests/bench/bare-ingest
export KHAALGA_DATADIR=$top

# the journal, the spool folders and the baseline's database on one disk
work=$(mktemp -d "${TMPDIR:-/tmp}/serve-bench.XXXXXX")
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
    if [ "$keep" = yes ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# ------------------------------------------------------------ the declarations
say "signing $declarations + $warmup distinct declarations (EC P-256)"
t0=$(date +%s.%N)
"$here/sign-declarations.sh" "$khaalga" "$work" "$declarations" "$warmup"
signing_seconds=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
size=$(wc -c <"$work/decl/00000001.xml")
say "signed in $signing_seconds s; $size bytes each"

# ------------------------------------------------------------ helpers
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_healthy() {   # PORT
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "http://127.0.0.1:$1/healthz" && return 0
        sleep 0.1
    done
    return 1
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }   # user + system, this process's threads
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" "$2"; }
statuses() { grep -o 'status_[0-9]*=[0-9]*' "$1" | sed 's/status_//' | tr '\n' ' ' | sed 's/ $//'; }
hz=$(getconf CLK_TCK)

# run_load NAME PORT [CLIENT OPTIONS]: the warm-up, then the measured run
# into $work/NAME.out, the server's CPU seconds in $work/NAME.cpu
run_load() {
    "$client" --port "$2" --bodies "$work/warmup" --connections "$connections" --seconds 60 >"$work/$1.warmup" ||
        { say "$1: the warm-up failed: $(cat "$work/$1.warmup")"; exit 1; }
    local before after
    before=$(cpu_ticks "$server_pid")
    "$client" --port "$2" --bodies "$work/decl" --connections "$connections" --seconds "$seconds" "${@:3}" >"$work/$1.out" ||
        say "$1: the load client reports errors"
    after=$(cpu_ticks "$server_pid")
    awk -v t=$((after - before)) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }' >"$work/$1.cpu"
    say "$1: $(tail -1 "$work/$1.out")"
}
stop_server() {
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=
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
type = spool
path = $work/out/cais
[route declarations]
family = DEC
to = cais
CONF
"$khaalga" serve --config "$work/khaalga.conf" 2>"$work/serve.log" &
server_pid=$!
wait_healthy "$port" || { say "khaalga serve did not start: $(tail -5 "$work/serve.log")"; exit 1; }
say "khaalga serve on port $port, $threads threads, $connections connections, $seconds s"
run_load khaalga "$port"
t_answered=$(date +%s.%N)
accepted=$(($(field expected "$work/khaalga.warmup") + $(field expected "$work/khaalga.out")))
delivered=0
for _ in $(seq 1 1200); do   # up to 120 s for the outbox to drain
    delivered=$(find "$work/out/cais" -name '*.xml' 2>/dev/null | wc -l)
    [ "$delivered" -ge "$accepted" ] && break
    sleep 0.1
done
drain_seconds=$(awk -v a="$t_answered" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
stop_server
say "khaalga: $delivered of $accepted accepted declarations delivered to the spool folder ($drain_seconds s after the last answer)"
delivery_ok=yes
[ "$delivered" -eq "$accepted" ] || delivery_ok=no

# ------------------------------------------------------------ the baseline
port=$(free_port)
"$bare" --port "$port" --db "$work/bare.db" --threads "$threads" 2>"$work/bare.log" &
server_pid=$!
wait_healthy "$port" || { say "bare-ingest did not start: $(cat "$work/bare.log")"; exit 1; }
say "bare-ingest on port $port"
run_load bare "$port" --repeat    # no duplicate detection there: the bodies can go round again
stop_server
rows=$(sed -n 's/^bare-ingest: \([0-9]*\) rows.*/\1/p' "$work/bare.log")
bare_accepted=$(($(field expected "$work/bare.warmup") + $(field expected "$work/bare.out")))
say "bare-ingest: $rows rows for $bare_accepted answers 202"

# ------------------------------------------------------------ the report
row() {   # LABEL NAME
    local f=$work/$2.out cpu
    cpu=$(cat "$work/$2.cpu")
    awk -v label="$1" -v r="$(field ok_rps "$f")" -v n="$(field expected "$f")" -v all="$(field requests "$f")" \
        -v s="$(field seconds "$f")" -v p50="$(field p50_ms "$f")" -v p90="$(field p90_ms "$f")" \
        -v p99="$(field p99_ms "$f")" -v max="$(field max_ms "$f")" -v cpu="$cpu" -v st="$(statuses "$f")" \
        'BEGIN { printf "| %s | %.0f/s | %s | %s | %s | %s | %s | %d of %d in %.1f s (%s) | %.0f %% |\n",
                 label, r, p50, p90, p99, max, (n ? sprintf("%.0f", cpu * 1e6 / n) : "-"), n, all, s, st,
                 100 * cpu / s }'
}
k_rps=$(field ok_rps "$work/khaalga.out")
b_rps=$(field ok_rps "$work/bare.out")
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
fs=$(df -T "$work" | awk 'NR == 2 { print $2 " on " $1 }')

echo "## Gateway throughput benchmark"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $cpu_model, $(nproc) cores, $mem; Linux $(uname -r); load average before the run: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- command: tests/bench/serve-bench.sh --build $build --seconds $seconds --connections $connections --declarations $declarations --threads $threads"
echo "- khaalga: $khaalga ($("$khaalga" --version 2>/dev/null | head -1)); $(sqlite3 --version 2>/dev/null | cut -d' ' -f1 | sed 's/^/SQLite /'); libmicrohttpd $(pkg-config --modversion libmicrohttpd 2>/dev/null)"
echo "- load: tests/bench/load-client, $connections keep-alive HTTP/1.1 connections, one request in flight on each, on the same machine; each request a distinct signed CUSDEC-import declaration ($size bytes, EC P-256, made by \`khaalga sign\`); $warmup warm-up requests first; then, for khaalga, up to $seconds s or the $declarations declarations, whichever ends first (it answers a body seen before as a duplicate); for the baseline, which does not look for duplicates, $seconds s going round the same declarations"
echo "- khaalga serve: threads = $threads, journal (WAL, synchronous FULL) and spool destination in $fs; answers 202 with a signed receipt"
echo "- bare-ingest: libmicrohttpd, the same thread pool, each body one INSERT into SQLite (WAL, synchronous FULL) in the same folder, 202"
echo "- latency: from the first byte of the request sent to the last byte of the answer, in ms; CPU: user + system time of the server process over the measured run"
echo
echo "| server | accepted/s | p50 ms | p90 ms | p99 ms | max ms | server CPU µs per message | 202 answers (all statuses) | server CPU |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |"
row "khaalga serve" khaalga
row "bare-ingest" bare
echo
awk -v k="$k_rps" -v b="$b_rps" 'BEGIN { printf "khaalga / baseline: %.2f x the accepted declarations per second.\n", (b > 0 ? k / b : 0) }'
echo
if [ "$delivery_ok" = yes ]; then
    echo "Every declaration khaalga accepted ($accepted, warm-up included) was delivered to the spool folder, the last $drain_seconds s after the last answer."
else
    echo "**Delivery incomplete**: $delivered of the $accepted declarations khaalga accepted reached the spool folder within $drain_seconds s."
fi
[ "$(field requests "$work/khaalga.out")" -ge "$declarations" ] &&
    echo "(The khaalga run used all $declarations declarations before $seconds s: give more with --declarations.)"
[ "$delivery_ok" = yes ]
