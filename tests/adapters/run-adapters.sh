#!/bin/bash
# run-adapters.sh - every adapter configuration under adapters/ (CAIS, a
# bank, an agency, a foreign customs) is a valid configuration of
# `khaalga serve`: alone with CAIS's, and all together, after a [server]
# and [journal]. The bank's trust domain folder is replaced by one made by
# tests/dsig/make-pki.sh. Reports in TAP.
set -u
srcdir=${srcdir:-.}
KHAALGA=${KHAALGA:-./khaalga}
KHAALGA_DATADIR=${KHAALGA_DATADIR:-$srcdir}
export KHAALGA_DATADIR
adapters=$srcdir/adapters
. "$srcdir/tests/tap.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaalga-adapters.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
"$srcdir/tests/dsig/make-pki.sh" "$tmp/pki" >/dev/null 2>&1 || { echo "Bail out! the test PKI could not be made"; exit 1; }

base() {
    printf '[server]\nlisten = 127.0.0.1:8080\n[journal]\npath = %s/journal.db\n' "$tmp"
}
fragment() {   # FOLDER: its configuration, with the test's trust domain
    sed "s|^trust = .*|trust = $tmp/pki/trust|" "$adapters/$1/$1.conf"
}
valid() {   # NAME FOLDER...: the base and the fragments pass --check-config
    local name=$1 conf=$tmp/$1.conf
    shift
    { base; for folder in "$@"; do echo; fragment "$folder"; done; } >"$conf"
    "$KHAALGA" serve --config "$conf" --check-config >"$tmp/out" 2>"$tmp/err"
    rc=$?
    check '[ $rc -eq 0 ] && grep -q "the configuration is valid" "$tmp/out"' "$name: khaalga serve --check-config accepts it" \
        "exit $rc: $(cat "$tmp/err")"
}

for folder in cais bank agency foreign-customs; do
    check '[ -f "$adapters/$folder/$folder.conf" ]' "adapters/$folder has its configuration" "$(ls "$adapters/$folder")"
done
valid cais cais
valid bank cais bank
valid agency cais agency
valid foreign-customs cais foreign-customs
valid all cais bank agency foreign-customs
grep -q "5 partners, 9 destinations, 5 routes" "$tmp/out"
check '[ $? -eq 0 ]' "all four together: 5 partners, 9 destinations, 5 routes" "$(cat "$tmp/out")"
echo "1..$n"
