#!/bin/sh
# run-edifact.sh - runs the EDIFACT corpus, and the bundled examples the same
# way (an example with a .expect beside it is a broken one), in TAP.
#
# valid/NAME.edi    must pass `khaalga check`, and survive edi2xml | xml2edi
#                   byte for byte; NAME.contrl, when present, is the CONTRL
#                   expected from `check --contrl` (KHAALGA_NOW=202611231200).
# broken/NAME.edi   with broken/NAME.expect, lines of:
#                     exit N
#                     error code=C [level=L] [message=M] [segment=S] [element=E] [component=K] [repetition=R]
#                     no-contrl          (check --contrl must print nothing)
#                   every error line must match one JSON error of `check --json`;
#                   NAME.contrl, when present, as above.
set -u
srcdir=${srcdir:-.}
KHAALGA=${KHAALGA:-./khaalga}
KHAALGA_DATADIR=${KHAALGA_DATADIR:-$srcdir}
export KHAALGA_DATADIR
corpus=$srcdir/tests/corpus/edifact
tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaalga-corpus.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

n=0
plan() { :; }
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && sed 's/^/# /' "$2" | head -20; return 0; }

check_contrl() {
    f=$1; golden=${f%.edi}.contrl
    [ -f "$golden" ] || return 0
    KHAALGA_NOW=202611231200 "$KHAALGA" check --contrl "$f" >"$tmp/contrl" 2>/dev/null
    if cmp -s "$golden" "$tmp/contrl"; then ok "$(basename "$f"): CONTRL as expected"
    else { echo "expected:"; cat "$golden"; echo; echo "got:"; cat "$tmp/contrl"; echo; } >"$tmp/diff"; not_ok "$(basename "$f"): CONTRL differs" "$tmp/diff"; fi
}

# one JSON error line matching every key=value of an expect line
matches_error() {
    spec=$1; file=$2
    set -- $spec
    shift   # "error"
    cp "$file" "$tmp/candidates"
    for kv in "$@"; do
        key=${kv%%=*}; value=${kv#*=}
        case $key in
            level) pattern="\"level\":\"$value\"" ;;
            *)     pattern="\"$key\":$value[,}]" ;;
        esac
        grep -E "$pattern" "$tmp/candidates" >"$tmp/next" || true
        mv "$tmp/next" "$tmp/candidates"
    done
    [ -s "$tmp/candidates" ]
}

examples=$srcdir/examples/edifact
valid_files=$(ls "$corpus"/valid/*.edi "$corpus"/hand/valid/*.edi 2>/dev/null; for f in "$examples"/*.edi; do [ -f "${f%.edi}.expect" ] || echo "$f"; done)
broken_files=$(ls "$corpus"/broken/*.edi "$corpus"/hand/broken/*.edi 2>/dev/null; for f in "$examples"/*.edi; do [ -f "${f%.edi}.expect" ] && echo "$f"; done)

for f in $valid_files; do
    [ -f "$f" ] || continue
    name=$(basename "$f")
    if "$KHAALGA" check --quiet "$f" 2>"$tmp/err"; then ok "$name: valid"
    else not_ok "$name: valid" "$tmp/err"; fi
    if "$KHAALGA" edi2xml "$f" >"$tmp/xml" 2>"$tmp/err" &&
       "$KHAALGA" xml2edi "$tmp/xml" >"$tmp/back" 2>>"$tmp/err" &&
       cmp -s "$f" "$tmp/back"; then ok "$name: edi2xml | xml2edi gives it back"
    else not_ok "$name: edi2xml | xml2edi gives it back" "$tmp/err"; fi
    check_contrl "$f"
done

for f in $broken_files; do
    [ -f "$f" ] || continue
    name=$(basename "$f")
    expect=${f%.edi}.expect
    if [ ! -f "$expect" ]; then not_ok "$name: has no .expect"; continue; fi
    "$KHAALGA" check --json "$f" >/dev/null 2>"$tmp/json"
    status=$?
    while IFS= read -r line; do
        case $line in
            exit\ *)
                want=${line#exit }
                if [ "$status" = "$want" ]; then ok "$name: exit $want"
                else echo "exit status $status" >"$tmp/why"; not_ok "$name: exit $want" "$tmp/why"; fi ;;
            error\ *)
                if matches_error "$line" "$tmp/json"; then ok "$name: $line"
                else not_ok "$name: $line" "$tmp/json"; fi ;;
            no-contrl)
                KHAALGA_NOW=202611231200 "$KHAALGA" check --contrl "$f" >"$tmp/contrl" 2>/dev/null
                if [ ! -s "$tmp/contrl" ]; then ok "$name: no CONTRL in reply"
                else not_ok "$name: no CONTRL in reply" "$tmp/contrl"; fi ;;
            ''|\#*) ;;
            *) not_ok "$name: unknown expectation '$line'" ;;
        esac
    done <"$expect"
    check_contrl "$f"
done

echo "1..$n"
