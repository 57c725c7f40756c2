#!/usr/bin/env bash
# edifact-bench.sh - Khaalga's EDIFACT throughput benchmark.
#
# For each size it generates a CUSDEC D96B interchange (gen-cusdec.c) once in
# a work folder, then times `khaalga tokenize`, `khaalga check`,
# `khaalga edi2xml` and the npm package `edifact` (npm-edifact-parse.js) on
# it with /usr/bin/time, best of N runs, and prints a Markdown table of wall
# seconds, MB/s and peak RSS, and the speed ratios of Khaalga to npm edifact.
# Progress goes to stderr, the report to stdout. See docs/bench-howto.md.
#
# usage: tests/bench/edifact-bench.sh [--sizes "100 1024"] [--khaalga PATH]
#            [--workdir DIR] [--runs N] [--timeout SECONDS] [--skip-npm-large]
set -euo pipefail
export LC_ALL=C

# All of the script is one brace group, so bash reads it whole before it runs
# anything: editing the file during a long run does not disturb that run.
{

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

sizes="100 1024"
khaalga=""
workdir="${KHAALGA_BENCH_DIR:-/tmp/khaalga-bench}"
runs=3
timeout_s=600
skip_npm_large=0
large_mb=1024          # --skip-npm-large skips npm edifact from this size on

usage() {
    cat <<EOF
usage: $0 [OPTIONS]

Times khaalga tokenize / check / edi2xml and the npm package edifact on
generated CUSDEC D96B interchanges and prints a Markdown report on stdout.

  --sizes "A B ..."   input sizes in MiB (default: "$sizes")
  --khaalga PATH      the khaalga program (default: $top/khaalga if built,
                      else khaalga from PATH)
  --workdir DIR       where inputs are generated and kept for reuse
                      (default: \$KHAALGA_BENCH_DIR or /tmp/khaalga-bench)
  --runs N            runs per measurement, the best is kept (default: $runs)
  --timeout SECONDS   limit of one run of any tool (default: $timeout_s)
  --skip-npm-large    do not run npm edifact on sizes of $large_mb MiB and more
  -h, --help          this text

KHAALGA_DATADIR defaults to the source tree ($top) so that a khaalga
built in place finds the EDIFACT directory data.
EOF
}

die() {
    echo "edifact-bench: $*" >&2
    exit 2
}

note() {
    echo "edifact-bench: $*" >&2
}

while (($# > 0)); do
    case $1 in
        --sizes) (($# > 1)) || die "--sizes needs a value"; sizes=$2; shift 2 ;;
        --sizes=*) sizes=${1#*=}; shift ;;
        --khaalga) (($# > 1)) || die "--khaalga needs a value"; khaalga=$2; shift 2 ;;
        --khaalga=*) khaalga=${1#*=}; shift ;;
        --workdir) (($# > 1)) || die "--workdir needs a value"; workdir=$2; shift 2 ;;
        --workdir=*) workdir=${1#*=}; shift ;;
        --runs) (($# > 1)) || die "--runs needs a value"; runs=$2; shift 2 ;;
        --runs=*) runs=${1#*=}; shift ;;
        --timeout) (($# > 1)) || die "--timeout needs a value"; timeout_s=$2; shift 2 ;;
        --timeout=*) timeout_s=${1#*=}; shift ;;
        --skip-npm-large) skip_npm_large=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done

read -r -a size_list <<<"$sizes"
((${#size_list[@]} > 0)) || die "--sizes is empty"
for s in "${size_list[@]}"; do
    if ! [[ $s =~ ^[0-9]+(\.[0-9]+)?$ ]] || ! awk -v s="$s" 'BEGIN { exit !(s > 0) }'; then
        die "bad size '$s' (MiB, a positive number)"
    fi
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "bad --runs '$runs'"
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die "bad --timeout '$timeout_s'"

# ------------------------------------------------------------ tools

if [[ -z $khaalga ]]; then
    if [[ -x $top/khaalga ]]; then
        khaalga=$top/khaalga
    elif command -v khaalga >/dev/null 2>&1; then
        khaalga=$(command -v khaalga)
    else
        die "no khaalga: build it (./configure && make) or give --khaalga PATH"
    fi
fi
[[ -x $khaalga ]] || die "$khaalga is not an executable"
khaalga=$(cd "$(dirname "$khaalga")" && pwd)/$(basename "$khaalga")
export KHAALGA_DATADIR="${KHAALGA_DATADIR:-$top}"

for tool in gcc node npm timeout awk sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is needed"
done
if [[ ! -x /usr/bin/time ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        note "installing the package time (for /usr/bin/time)"
        apt-get install -y -q time >/dev/null ||
            { apt-get update -q >/dev/null && apt-get install -y -q time >/dev/null; } ||
            die "could not install the package time"
    else
        die "/usr/bin/time is needed (Debian package: time)"
    fi
fi

if [[ ! -f $here/node_modules/edifact/parser.js ]]; then
    note "installing the npm package edifact into $here/node_modules"
    npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >&2 ||
        die "npm ci --prefix $here failed"
fi

mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd)
scratch=$(mktemp -d "$workdir/run.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

gen=$workdir/gen-cusdec
if [[ ! -x $gen || $here/gen-cusdec.c -nt $gen ]]; then
    note "building $gen"
    gcc -O2 -o "$gen" "$here/gen-cusdec.c"
fi
# what the generator writes, for the stamps: a change of its output makes
# the inputs be generated again (a change of its comments does not)
gen_sum=$("$gen" 0.05 2>/dev/null | sha256sum | cut -c1-64)

# ------------------------------------------------------------ inputs

declare -A file_of bytes_of segments_of messages_of

# stamp_field STAMP NAME: the value of NAME=... in the stamp file
stamp_field() {
    tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"
}

prepare_input() {
    local size=$1 file stamp want_bytes avail need
    file=$workdir/cusdec-${size}M.edi
    stamp=$file.stamp
    if [[ -f $file && -f $stamp ]] &&
        [[ $(stamp_field "$stamp" gen) == "$gen_sum" && $(stamp_field "$stamp" size) == "$size" ]]; then
        want_bytes=$(stamp_field "$stamp" bytes)
        if [[ $(stat -c %s "$file") == "$want_bytes" ]]; then
            note "reusing $file ($want_bytes bytes)"
        else
            rm -f "$stamp"
        fi
    else
        rm -f "$stamp"
    fi
    if [[ ! -f $stamp ]]; then
        avail=$(df -Pk "$workdir" | awk 'NR == 2 { print $4 }')
        need=$(awk -v s="$size" 'BEGIN { printf "%d", s * 1024 + 65536 }')
        ((avail > need)) || die "not enough room in $workdir for $size MiB"
        note "generating $file"
        rm -f "$file"
        "$gen" "$size" >"$file.tmp" 2>"$scratch/gen.log" ||
            { cat "$scratch/gen.log" >&2; die "gen-cusdec $size failed"; }
        # gen-cusdec: M messages, S segments, B bytes
        read -r _ m _ s _ b _ <"$scratch/gen.log"
        [[ $(stat -c %s "$file.tmp") == "$b" ]] || die "gen-cusdec wrote an unexpected size"
        mv "$file.tmp" "$file"
        echo "gen=$gen_sum size=$size bytes=$b segments=$s messages=$m" >"$stamp"
    fi
    file_of[$size]=$file
    bytes_of[$size]=$(stamp_field "$stamp" bytes)
    segments_of[$size]=$(stamp_field "$stamp" segments)
    messages_of[$size]=$(stamp_field "$stamp" messages)
}

# ------------------------------------------------------------ measuring

declare -A secs_of rss_of status_of

# measure KEY EXPECT STDOUT COMMAND...
#   Runs COMMAND $runs times under /usr/bin/time and timeout; keeps the lowest
#   wall time and the highest peak RSS. EXPECT: a segment count the first
#   number of the output must equal, or "-" for none. STDOUT: where the
#   output goes ("capture" keeps it for the check).
measure() {
    local key=$1 expect=$2 target=$3
    shift 3
    local i rc t0 t1 secs rss last got best="" peak=0 status=ok out=$scratch/out
    for ((i = 1; i <= runs; i++)); do
        [[ $target == capture ]] || out=$target
        rc=0
        t0=$EPOCHREALTIME
        /usr/bin/time -f '%e %M' -o "$scratch/time" timeout "$timeout_s" "$@" \
            >"$out" 2>"$scratch/err" || rc=$?
        t1=$EPOCHREALTIME
        if ((rc == 124)); then
            status=timeout
            note "  $key: timeout after $timeout_s s"
            break
        elif ((rc != 0)); then
            status="failed (exit $rc)"
            note "  $key: exit status $rc:"
            head -n 5 "$scratch/err" >&2
            break
        fi
        last=$(tail -n 1 "$scratch/time")
        rss=${last#* }
        # wall seconds to the millisecond; %e (10 ms steps) is shown alongside
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        note "  $key run $i: $secs s (time %e: ${last%% *} s), peak RSS $rss KB"
        if [[ $expect != - ]]; then
            got=$(grep -Eo '[0-9]+' "$out" | head -n 1 || true)
            if [[ $got != "$expect" ]]; then
                status="wrong count (${got:-none}, not $expect)"
                note "  $key: $status"
                break
            fi
        fi
        if [[ -z $best ]] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$secs
        fi
        if ((rss > peak)); then
            peak=$rss
        fi
    done
    status_of[$key]=$status
    secs_of[$key]=$best
    rss_of[$key]=$peak
}

tools=("khaalga tokenize" "khaalga check" "khaalga edi2xml" "npm edifact")

for size in "${size_list[@]}"; do
    prepare_input "$size"
    file=${file_of[$size]}
    note "size $size MiB: ${bytes_of[$size]} bytes, ${messages_of[$size]} messages, ${segments_of[$size]} segments"
    cat "$file" >/dev/null           # the same warm page cache for every tool
    measure "$size|khaalga tokenize" "${segments_of[$size]}" capture \
        "$khaalga" tokenize "$file"
    measure "$size|khaalga check" - capture \
        "$khaalga" check --max-interchange-size 2G "$file"
    measure "$size|khaalga edi2xml" - /dev/null \
        "$khaalga" edi2xml --max-interchange-size 2G "$file"
    if ((skip_npm_large)) && awk -v s="$size" -v l="$large_mb" 'BEGIN { exit !(s >= l) }'; then
        status_of["$size|npm edifact"]=skipped
        secs_of["$size|npm edifact"]=""
        rss_of["$size|npm edifact"]=0
        note "  npm edifact: skipped (--skip-npm-large)"
    else
        measure "$size|npm edifact" "${segments_of[$size]}" capture \
            node "$here/npm-edifact-parse.js" "$file"
    fi
done

# ------------------------------------------------------------ report

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)
kh_version=$("$khaalga" --version 2>/dev/null | head -n 1 || true)
edifact_version=$(node -p "require('$here/node_modules/edifact/package.json').version")

echo "## EDIFACT benchmark"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: ${cpu:-unknown CPU}, $(nproc) cores, ${mem:-? GiB}; $(uname -sr)"
echo "- khaalga: $khaalga${kh_version:+ ($kh_version)}; KHAALGA_DATADIR=$KHAALGA_DATADIR"
echo "- node $(node --version), npm package edifact $edifact_version (tests/bench/npm-edifact-parse.js: streaming Parser, no validation)"
echo "- input: CUSDEC D96B interchanges from tests/bench/gen-cusdec.c (UNOC, syntax 3, one interchange per file), read from a warm page cache"
echo "- seconds: wall clock, the best (lowest) of $runs runs; peak RSS: maximum resident set size (/usr/bin/time %M), the highest of the runs; MB = MiB (1,048,576 bytes); timeout $timeout_s s per run"
echo
echo "| size | tool | seconds | MB/s | peak RSS MB |"
echo "| ---: | :--- | ---: | ---: | ---: |"
for size in "${size_list[@]}"; do
    for tool in "${tools[@]}"; do
        key="$size|$tool"
        if [[ ${status_of[$key]} == ok ]]; then
            awk -v size="$size" -v tool="$tool" -v s="${secs_of[$key]}" -v b="${bytes_of[$size]}" \
                -v r="${rss_of[$key]}" 'BEGIN {
                    mbs = (s > 0) ? sprintf("%.1f", b / 1048576 / s) : "n/a"
                    printf "| %s MiB | %s | %.3f | %s | %.1f |\n", size, tool, s, mbs, r / 1024
                }'
        else
            echo "| $size MiB | $tool | ${status_of[$key]} | | |"
        fi
    done
done

# ratio NUMERATOR_KEY SIZE: speed of a khaalga tool relative to npm edifact
ratio() {
    local key="$2|$1" npm="$2|npm edifact"
    if [[ ${status_of[$key]} != ok ]]; then
        echo "n/a"
    elif [[ ${status_of[$npm]} == ok ]]; then
        awk -v k="${secs_of[$key]}" -v n="${secs_of[$npm]}" \
            'BEGIN { if (k > 0) printf "%.1f x", n / k; else print "n/a" }'
    elif [[ ${status_of[$npm]} == timeout ]]; then
        awk -v k="${secs_of[$key]}" -v n="$timeout_s" \
            'BEGIN { if (k > 0) printf "> %.1f x", n / k; else print "n/a" }'
    else
        echo "n/a (npm edifact ${status_of[$npm]})"
    fi
}

echo
echo "Speed relative to npm edifact (npm seconds / khaalga seconds; above 1 x: khaalga is faster):"
echo
echo "| size | khaalga-tokenize / npm | khaalga-check / npm | khaalga-edi2xml / npm |"
echo "| ---: | ---: | ---: | ---: |"
for size in "${size_list[@]}"; do
    echo "| $size MiB | $(ratio "khaalga tokenize" "$size") | $(ratio "khaalga check" "$size") | $(ratio "khaalga edi2xml" "$size") |"
done

exit_status=0
for key in "${!status_of[@]}"; do
    case ${status_of[$key]} in
        ok | skipped | timeout) ;;
        *) exit_status=1 ;;
    esac
done
exit "$exit_status"
}
