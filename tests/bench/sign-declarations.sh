#!/bin/bash
# sign-declarations.sh - the request bodies of the gateway benchmarks
# (serve-bench.sh, amqp-bench.sh): the CUSDEC import sample translated to a
# WCO DEC, then COUNT copies into WORK/decl, WARMUP copies into WORK/warmup
# and BACKLOG (default 0) into WORK/backlog, each with its own
# FunctionalReferenceID (khaalga answers a body
# it has seen as a duplicate) and signed by `khaalga sign` with the test
# PKI's EC P-256 key (tests/dsig/make-pki.sh, made into WORK/pki), as many
# signers at once as there are cores.
#
#   tests/bench/sign-declarations.sh KHAALGA WORK COUNT WARMUP [BACKLOG]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
[ $# -eq 4 ] || [ $# -eq 5 ] || { echo "usage: $0 KHAALGA WORK COUNT WARMUP [BACKLOG]" >&2; exit 2; }
khaalga=$1 work=$2 count=$3 warmup=$4 backlog=${5:-0}
"$top/tests/dsig/make-pki.sh" "$work/pki" >/dev/null
"$khaalga" translate "$top/examples/edifact/cusdec-import-D96B.edi" >"$work/dec.xml"
python3 - "$khaalga" "$work" "$count" "$warmup" "$backlog" <<'PY'
import concurrent.futures, os, re, subprocess, sys
khaalga, work, count, warmup, backlog = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
template = open(os.path.join(work, "dec.xml"), encoding="utf-8").read()
if not re.search(r"<dec:FunctionalReferenceID>[^<]*<", template):
    sys.exit("sign-declarations: no FunctionalReferenceID in the translated declaration")
pki = os.path.join(work, "pki")
def sign(job):
    folder, number = job
    xml = re.sub(r"<dec:FunctionalReferenceID>[^<]*<", "<dec:FunctionalReferenceID>IM%08d<" % number, template, count=1)
    signed = subprocess.run([khaalga, "sign", "--key", os.path.join(pki, "broker-ec.key"),
                             "--cert", os.path.join(pki, "broker-ec.chain.pem"), "-"],
                            input=xml.encode(), capture_output=True, check=True).stdout
    with open(os.path.join(work, folder, "%08d.xml" % number), "wb") as f:
        f.write(signed)
jobs = [("decl", n) for n in range(1, count + 1)] + [("warmup", 90000000 + n) for n in range(warmup)] \
     + [("backlog", 80000000 + n) for n in range(backlog)]
for folder in ("decl", "warmup", "backlog"):
    os.makedirs(os.path.join(work, folder))
with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
    list(pool.map(sign, jobs))
PY
