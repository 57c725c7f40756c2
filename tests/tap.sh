# tap.sh - the TAP reporting the script tests share (sourced, never run):
#   ok DESCRIPTION, not_ok DESCRIPTION [DETAIL]
#   check CONDITION DESCRIPTION [DETAIL]     evaluates CONDITION
#   expect STATUS DESCRIPTION COMMAND...     runs COMMAND, keeps its stdout and
#                                            stderr in $tmp/out and $tmp/err
#   contains out|err TEXT DESCRIPTION        in what expect kept
#   wait_for CONDITION [TENTHS]              bounded: 10 s unless told
# The script sets $tmp and prints "1..$n" at the end.
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
# The detail, or else what the last command printed, as TAP comments.
not_ok() {
    n=$((n + 1))
    echo "not ok $n - $1"
    if [ -n "${2:-}" ]; then
        echo "$2" | head -20 | sed 's/^/# /'
    else
        sed 's/^/# /' "$tmp/out" "$tmp/err" 2>/dev/null | head -20
    fi
}
check() { if eval "$1"; then ok "$2"; else not_ok "$2" "${3:-}"; fi; }
expect() {
    want=$1 what=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -eq "$want" ]; then ok "$what (exit $want)"; else echo "exit $got" >>"$tmp/err"; not_ok "$what (exit $want)"; fi
}
contains() { if grep -q -- "$2" "$tmp/$1"; then ok "$3"; else not_ok "$3"; fi; }
wait_for() {
    for _ in $(seq 1 "${2:-100}"); do eval "$1" && return 0; sleep 0.1; done
    return 1
}
