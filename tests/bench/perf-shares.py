#!/usr/bin/env python3
# perf-shares.py - where a thread's time goes, from `perf script` of a
# recording with call graphs (tests/bench/amqp-bench.sh --perf FILE): each
# sample is counted once, for the innermost of the named functions on its
# stack ("(other)" when none is), so the shares add up to 100 %.
#
#   perf script -i FILE --comm MHD-worker | tests/bench/perf-shares.py kh_journal_write,kh_dsig_verify,...
import collections
import re
import sys

if len(sys.argv) != 2:
    sys.exit("usage: perf script ... | perf-shares.py FUNCTION,FUNCTION,...")
wanted = sys.argv[1].split(",")
frame = re.compile(r"\s+[0-9a-f]+ (\S+?)(\+0x[0-9a-f]+)? \(")
counts, total, stack = collections.Counter(), 0, None


def count(stack):
    for name in stack:     # innermost first
        if name in wanted:
            counts[name] += 1
            return
    counts["(other)"] += 1


for line in sys.stdin:
    if line.strip() == "":
        continue
    if not line[0].isspace():          # a sample's header line
        if stack is not None:
            count(stack)
            total += 1
        stack = []
        continue
    m = frame.match(line)
    if m and stack is not None:
        stack.append(m.group(1))
if stack is not None:
    count(stack)
    total += 1
for name, n in counts.most_common():
    print("%6.1f %%  %s" % (100.0 * n / total, name))
print("%d samples" % total)
