#!/bin/bash
# run-batch.sh - runs tests/amqp/test_batch (a batch of messages published
# together and its confirms matched: an unroutable one among them, hundreds
# at once, nacks of a full queue, the connection cut after the first ack,
# the broker stopped midway; the delivery loop's round as one batch) against a private rabbitmq-server
# (tests/amqp/broker.sh), which it starts, lets the test stop and start
# (rabbitmqctl stop_app / start_app) and always stops. The test's TAP is
# this script's. Skips when rabbitmq-server is not installed.
set -u
srcdir=${srcdir:-.}
KHAALGA=${KHAALGA:-./khaalga}
TEST_BATCH=${TEST_BATCH:-$(dirname "$KHAALGA")/tests/amqp/test_batch}
. "$srcdir/tests/amqp/broker.sh"

rabbit=$(find_rabbit)
if [ -z "$rabbit" ]; then echo "1..0 # SKIP rabbitmq-server is not installed (scripts/install-deps installs it)"; exit 0; fi
for tool in python3 epmd timeout; do
    if ! command -v $tool >/dev/null; then echo "1..0 # SKIP $tool is needed"; exit 0; fi
done
if [ ! -x "$TEST_BATCH" ]; then echo "1..0 # SKIP $TEST_BATCH is not built (make check builds it with cmocka)"; exit 0; fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaalga-batch.XXXXXX") || exit 99
broker_setup "$tmp"
cleanup() {
    broker_cleanup
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

start_broker || { echo "Bail out! rabbitmq-server did not start: $(tail -5 "$broker_out")"; exit 1; }
export KH_TEST_AMQP_URL=$url KH_TEST_TMP=$tmp
export KH_TEST_BROKER_STOP="timeout 60 '$rabbit/rabbitmqctl' -n '$node' stop_app >>'$tmp/ctl.log' 2>&1"
export KH_TEST_BROKER_START="timeout 60 '$rabbit/rabbitmqctl' -n '$node' start_app >>'$tmp/ctl.log' 2>&1 && timeout 60 '$rabbit/rabbitmqctl' -n '$node' await_startup >>'$tmp/ctl.log' 2>&1"
CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$TEST_BATCH"
status=$?
[ $status -eq 0 ] || echo "# test_batch exited $status; rabbitmqctl said: $(tail -5 "$tmp/ctl.log" 2>/dev/null)"
exit $status
