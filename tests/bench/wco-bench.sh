#!/bin/bash
# wco-bench.sh - messages per second for `khaalga validate` in one process
# (tests/bench/wco-bench.c: the profile opened once; each round parses and
# validates), side by side with python3-lxml validating the same documents
# against the same schema compiled once (the same libxml2 underneath), on an
# 8 KB (one goods item) and a 100 KB (38 items) declaration.
#
# Then translate (CUSDEC to DEC) on a 5 KB and a 100 KB interchange beside
# python3-lxml applying the same sheet to the same interchange's EDIFACT-XML.
#
#   tests/bench/wco-bench.sh [--build DIR] [--seconds N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$top/_build/prof
seconds=5
while (($#)); do
    case $1 in
        --build) build=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        *) echo "usage: $0 [--build DIR] [--seconds N]" >&2; exit 2 ;;
    esac
done
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import lxml' 2>/dev/null ||
    { echo "wco-bench: needs Debian's python3-lxml (apt-get install python3-lxml)" >&2; exit 2; }
make -s -C "$build" tests/bench/wco-bench >/dev/null
export KHAALGA_DATADIR=$top
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$here/make-declarations.py" "$top/xsd/mn/samples/dec/valid-import.xml" "$work/dec-8k.xml" 1
/usr/bin/python3 "$here/make-declarations.py" "$top/xsd/mn/samples/dec/valid-import.xml" "$work/dec-100k.xml" 38

rate() { sed -n 's/^\([0-9.]*\) messages\/s.*/\1/p'; }

echo "## WCO DM validation benchmark"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; each figure: one process for ${seconds} s after opening the profile or compiling the schema"
echo "- lxml $(/usr/bin/python3 -c 'import lxml.etree as e; print(".".join(map(str, e.LXML_VERSION)), "on libxml2", ".".join(map(str, e.LIBXML_VERSION)))')"
echo
echo "| document | khaalga: parse + schema | lxml: parse + schema | ratio | khaalga: parse + schema + rules |"
echo "| --- | ---: | ---: | ---: | ---: |"
for doc in dec-8k dec-100k; do
    f=$work/$doc.xml
    size=$(($(wc -c <"$f") / 1024))
    schema_only=$("$build/tests/bench/wco-bench" --schema-only "$seconds" "$f" | rate)
    lxml=$(/usr/bin/python3 "$here/lxml-validate.py" "$seconds" "$top/xsd/mn/dec.xsd" "$f" | rate)
    full=$("$build/tests/bench/wco-bench" "$seconds" "$f" | rate)
    ratio=$(awk -v a="$schema_only" -v b="$lxml" 'BEGIN { printf "%.2f x", a / b }')
    echo "| $doc ($size KB) | $schema_only/s | $lxml/s | $ratio | $full/s |"
done

# translate: CUSDEC made from the export sample with 17 and 400 goods items
/usr/bin/python3 "$here/make-declarations.py" "$top/xsd/mn/samples/dec/valid-export.xml" "$work/ex-17.xml" 17
/usr/bin/python3 "$here/make-declarations.py" "$top/xsd/mn/samples/dec/valid-export.xml" "$work/ex-400.xml" 400
"$build/khaalga" translate --to edifact "$work/ex-17.xml" >"$work/cusdec-5k.edi"
"$build/khaalga" translate --to edifact "$work/ex-400.xml" >"$work/cusdec-100k.edi"
echo
echo "| CUSDEC to DEC | khaalga translate (EDIFACT in) | lxml (EDIFACT-XML in, same sheet) | ratio |"
echo "| --- | ---: | ---: | ---: |"
for doc in cusdec-5k cusdec-100k; do
    f=$work/$doc.edi
    size=$(($(wc -c <"$f") / 1024))
    "$build/khaalga" edi2xml --no-names "$f" >"$work/$doc.xml"
    ours=$("$build/tests/bench/wco-bench" --translate "$seconds" "$f" | rate)
    lxml=$(/usr/bin/python3 "$here/lxml-translate.py" "$seconds" "$top/mappings/wco/cusdec-dec.xsl" "$work/$doc.xml" | rate)
    ratio=$(awk -v a="$ours" -v b="$lxml" 'BEGIN { printf "%.2f x", a / b }')
    echo "| $doc ($size KB) | $ours/s | $lxml/s | $ratio |"
done
