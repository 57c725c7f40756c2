#!/bin/bash
# run-browser.sh - the operator console in a real browser: Debian's
# chromium, headless, driven by playwright-core from npm (e2e.mjs). Starts
# `khaalga serve` with a console on loopback and sample traffic, installs
# playwright-core with npm ci into the build folder (tests/console/npm/)
# when it is not there, and runs e2e.mjs, which reports in TAP and keeps a
# screenshot of each page in tests/console/screenshots/. Skips when node,
# chromium or playwright-core cannot be had.
set -u
srcdir=${srcdir:-.}
KHAALGA=${KHAALGA:-./khaalga}
KHAALGA_DATADIR=${KHAALGA_DATADIR:-$srcdir}
export KHAALGA_DATADIR
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
here=$(pwd)/tests/console
tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaalga-browser.XXXXXX") || exit 99
cleanup() { [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
. "$srcdir/tests/console/setup.sh"

for tool in curl python3 node npm; do
    if ! command -v $tool >/dev/null; then echo "1..0 # SKIP $tool is needed (scripts/install-deps installs it)"; exit 0; fi
done
if [ ! -x "$CHROMIUM" ]; then echo "1..0 # SKIP $CHROMIUM is missing (Debian package chromium; scripts/install-deps installs it)"; exit 0; fi
npm_dir=$here/npm
if [ ! -f "$npm_dir/node_modules/playwright-core/package.json" ] ||
    ! cmp -s "$srcdir/tests/console/package-lock.json" "$npm_dir/package-lock.json"; then
    mkdir -p "$npm_dir"
    cp "$srcdir/tests/console/package.json" "$srcdir/tests/console/package-lock.json" "$npm_dir/"
    chmod u+w "$npm_dir"/package*.json
    if ! npm ci --prefix "$npm_dir" --no-audit --no-fund --loglevel=error >"$tmp/npm.log" 2>&1; then
        echo "1..0 # SKIP playwright-core could not be installed with npm: $(tail -1 "$tmp/npm.log")"
        exit 0
    fi
fi

console_config "listen = 127.0.0.1:CONSOLE_PORT" ""
sed -i "s/CONSOLE_PORT/$console_port/" "$conf"
start_server || { echo "Bail out! khaalga serve did not start: $(tail -5 "$tmp/serve.log")"; exit 1; }
sample_traffic 12 || { echo "Bail out! the sample traffic was not taken as expected: $status $(cat "$tmp/posted")"; exit 1; }

mkdir -p "$here/screenshots"
CONSOLE_URL=http://127.0.0.1:$console_port/console/ PLAYWRIGHT_CORE=$npm_dir/node_modules/playwright-core \
CHROMIUM=$CHROMIUM SCREENSHOTS=$here/screenshots OPERATOR=olga OPERATOR_PASSWORD=$operator_password \
VIEWER=victor VIEWER_PASSWORD=$viewer_password REJECTED_REFERENCE=$rejected_reference REJECTED_ID=$rejected_id \
DEAD_ID=$dead_id timeout 300 node "$srcdir/tests/console/e2e.mjs"
rc=$?
stop_server
exit $rc
