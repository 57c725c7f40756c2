#!/bin/bash
# dsig-bench.sh - XML-DSig verifications per second in one process
# (tests/bench/dsig-bench.c), khaalga's whole verification beside bare xmlsec
# doing the least the job needs and beside the public-key operation alone, on
# signed declarations of about 8 KB and 100 KB, RSA-2048 and EC P-256.
#
#   tests/bench/dsig-bench.sh [--build DIR] [--seconds N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$top/_build/prof
seconds=3
while (($#)); do
    case $1 in
        --build) build=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        *) echo "usage: $0 [--build DIR] [--seconds N]" >&2; exit 2 ;;
    esac
done
make -s -C "$build" khaalga tests/bench/dsig-bench >/dev/null
export KHAALGA_DATADIR=$top
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$top/tests/dsig/make-pki.sh" "$work/pki" >/dev/null
python3 "$here/make-declarations.py" "$top/xsd/mn/samples/dec/valid-import.xml" "$work/dec-8k.xml" 1
python3 "$here/make-declarations.py" "$top/xsd/mn/samples/dec/valid-import.xml" "$work/dec-100k.xml" 38

field() { sed -n "s/^$1 \\([0-9]*\\)\\/s/\\1/p" "$2"; }

echo "## XML-DSig verification benchmark"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; $(xmlsec1 --version 2>/dev/null | head -1); $(openssl version)"
echo "- each figure: verifications per second in one process on one core, ${seconds} s after loading the trust domain"
echo
echo "| document | key | khaalga verify | bare xmlsec verify | khaalga / xmlsec | public-key verify alone |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
for doc in dec-8k dec-100k; do
    for key in bank-rsa broker-ec; do
        "$build/khaalga" sign --key "$work/pki/$key.key" --cert "$work/pki/$key.chain.pem" "$work/$doc.xml" >"$work/signed.xml"
        size=$(($(wc -c <"$work/signed.xml") / 1024))
        "$build/tests/bench/dsig-bench" "$seconds" "$work/pki/trust" "$work/signed.xml" "$work/pki/$key.key" >"$work/out"
        k=$(field khaalga "$work/out") x=$(field xmlsec "$work/out") o=$(field openssl "$work/out")
        ratio=$(awk -v a="$k" -v b="$x" 'BEGIN { printf "%.2f x", a / b }')
        label=RSA-2048
        [ "$key" = broker-ec ] && label="EC P-256"
        echo "| $doc ($size KB signed) | $label | $k/s | $x/s | $ratio | $o/s |"
    done
done
