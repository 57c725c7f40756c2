#!/bin/bash
# run-console.sh - the operator console of `khaalga serve` through its JSON
# API, with curl, over HTTPS on loopback: khaalga passwd; the pages and
# their security headers; logins right, wrong and throttled, by password
# and by client certificate; the session cookie's flags; the overview,
# search, one message with its error at its place, the dead deliveries,
# partners and routes (no password of a URL shown); replay refused without
# a CSRF token, from another origin and to a viewer, done for an operator
# and written to the audit trail; logout and the idle expiry of a session.
# Reports in TAP. Every wait is bounded.
set -u
srcdir=${srcdir:-.}
KHAALGA=${KHAALGA:-./khaalga}
KHAALGA_DATADIR=${KHAALGA_DATADIR:-$srcdir}
export KHAALGA_DATADIR
tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaalga-console.XXXXXX") || exit 99
cleanup() { [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
. "$srcdir/tests/tap.sh"
. "$srcdir/tests/console/setup.sh"

for tool in curl openssl python3; do
    if ! command -v $tool >/dev/null; then echo "1..0 # SKIP $tool is needed (scripts/install-deps installs it)"; exit 0; fi
done
"$srcdir/tests/dsig/make-pki.sh" "$tmp/pki" >/dev/null 2>&1 || { echo "Bail out! the test PKI could not be made"; exit 1; }

# --- khaalga passwd
expect 0 "khaalga passwd prints a hash of the password read from stdin" sh -c "printf 'pw\n' | '$KHAALGA' passwd"
contains out '^\$pbkdf2-sha256\$i=600000\$[A-Za-z0-9+/]\{22\}\$[A-Za-z0-9+/]\{43\}$' "the hash says its algorithm and iterations, with salt and hash in base64"
first=$(cat "$tmp/out")
printf 'pw\n' | "$KHAALGA" passwd >"$tmp/out2"
check '[ "$(cat "$tmp/out2")" != "$first" ]' "the same password hashed again has another salt"
expect 2 "an empty password is refused" sh -c "printf '\n' | '$KHAALGA' passwd"
contains err "the password is empty" "saying so"
expect 2 "a password as an argument is refused" "$KHAALGA" passwd secret
expect 2 "too few iterations are refused" sh -c "printf 'pw\n' | '$KHAALGA' passwd --iterations 1000"

console_config "listen = 127.0.0.1:CONSOLE_PORT
tls = yes
client_ca = $tmp/pki/ca-bundle.pem
session_idle = 4s" "tls_cert = $tmp/pki/server.chain.pem
tls_key = $tmp/pki/server.key"
sed -i "s/CONSOLE_PORT/$console_port/" "$conf"
cat >>"$conf" <<CONF
[console user certified]
role = viewer
client_certificate = 6098765
[partner bank]
identity = 5012345
families = PAY
trust = $tmp/pki/trust
CONF
check '"$KHAALGA" serve --config "$conf" --check-config >/dev/null' "--check-config accepts the console's configuration" "$("$KHAALGA" serve --config "$conf" --check-config 2>&1)"
start_server || { echo "Bail out! khaalga serve did not start: $(tail -5 "$tmp/serve.log")"; exit 1; }
sample_traffic 2 || { echo "Bail out! the sample traffic was not taken as expected: $status $(cat "$tmp/posted")"; exit 1; }
ok "serve starts with a console and takes the sample traffic"

console=https://127.0.0.1:$console_port
api=$console/console/api
# request METHOD PATH [JAR] [CURL ARGS…]: $status, the body in $tmp/body, headers in $tmp/headers
request() {
    local method=$1 path=$2 jar=${3:-}
    shift 3 2>/dev/null || shift $#
    status=$(curl -s --cacert "$tmp/pki/root.pem" -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X "$method" \
        ${jar:+-b "$tmp/$jar" -c "$tmp/$jar"} "$@" "$console$path")
}
login() {   # USER PASSWORD JAR
    request POST /console/api/login "$3" -H 'Content-Type: application/json' \
        --data "{\"user\":\"$1\",\"password\":\"$2\"}"
    csrf=$(sed -n 's/.*"csrf_token":"\([0-9a-f]*\)".*/\1/p' "$tmp/body")
}
header() { sed -n "s/^$1: *//Ip" "$tmp/headers" | tr -d '\r'; }

# --- the pages
request GET / ""
check '[ "$status" = 302 ] && [ "$(header Location)" = /console/ ]' "/ sends to /console/" "$status"
request GET /console/ ""
check '[ "$status" = 200 ] && grep -q "assets/console.js" "$tmp/body"' "/console/ is the page" "$status"
check 'header Content-Security-Policy | grep -q "default-src '"'"'none'"'"'; script-src '"'"'self'"'"'" && [ "$(header X-Frame-Options)" = DENY ] && [ "$(header X-Content-Type-Options)" = nosniff ]' \
    "with a strict Content-Security-Policy, no framing, no sniffing" "$(cat "$tmp/headers")"
request GET /console/assets/console.js ""
etag=$(header ETag)
check '[ "$status" = 200 ] && header Content-Type | grep -q "^text/javascript" && [ -n "$etag" ]' "the script is served from the program, with an ETag" "$status"
request GET /console/assets/console.js "" -H "If-None-Match: $etag"
check '[ "$status" = 304 ]' "and is not sent again while it has not changed" "$status"
request GET /console/assets/../../etc/passwd ""
check '[ "$status" = 404 ]' "nothing else is served" "$status"

# --- logging in
request GET /console/api/overview ""
check '[ "$status" = 401 ] && grep -q "\"error\":\"not-logged-in\"" "$tmp/body"' "the API wants a session (401)" "$status $(cat "$tmp/body")"
login olga wrong-password ""
wrong=$(cat "$tmp/body")
check '[ "$status" = 401 ] && grep -q bad-credentials "$tmp/body"' "a wrong password is refused (401)" "$status $wrong"
login mallory "$operator_password" ""
check '[ "$status" = 401 ] && [ "$(cat "$tmp/body")" = "$wrong" ]' "an unknown user gets the same answer" "$status $(cat "$tmp/body")"
request POST /console/api/login "" --data "user=olga&password=$operator_password"
check '[ "$status" = 415 ]' "a login as a form (what another site could send) is refused (415)" "$status"
request POST /console/api/login "" -H 'Content-Type: application/json' --data '{"user":"olga","password":[1]}'
check '[ "$status" = 400 ]' "a login that is not an object of strings is refused (400)" "$status $(cat "$tmp/body")"
login olga "$operator_password" olga.jar
cookie=$(header Set-Cookie)
check '[ "$status" = 200 ] && grep -q "\"role\":\"operator\"" "$tmp/body" && [ ${#csrf} -eq 64 ]' "the operator logs in with a CSRF token" "$status $(cat "$tmp/body")"
check 'echo "$cookie" | grep -q "^khaalga_console=[0-9a-f]\{64\}; Path=/console; HttpOnly; SameSite=Strict; Secure$"' \
    "the session cookie is HttpOnly, SameSite=Strict and Secure" "$cookie"
olga_csrf=$csrf
check 'grep -q "\"event\":\"login-failed\".*mallory" "$tmp/serve.log" && grep -q "\"event\":\"login\".*olga (operator)" "$tmp/serve.log"' \
    "logins and failed logins are logged" "$(grep login "$tmp/serve.log" | tail -3)"

# --- reading
request GET /console/api/overview olga.jar
check '[ "$status" = 200 ] && python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
h = d[\"traffic\"][\"hour\"]
assert h[\"messages\"] >= 4 and h[\"rejected\"] >= 1, h
assert any(f[\"name\"] == \"DEC\" for f in h[\"families\"]) and any(p[\"name\"] == \"broker\" for p in h[\"partners\"])
assert h[\"latency_ms\"][\"p99\"] is not None and len(h[\"series\"]) == 12 and len(d[\"traffic\"][\"day\"][\"series\"]) == 24
assert d[\"traffic\"][\"outbox\"][\"dead\"] >= 1
" "$tmp/body"' "the overview counts messages by family and partner, with latencies, series and the outbox" "$(head -c 600 "$tmp/body")"
request GET "/console/api/messages?reference=$rejected_reference" olga.jar
check '[ "$status" = 200 ] && [ "$(grep -o "\"id\":" "$tmp/body" | wc -l)" = 1 ] && grep -q "\"id\":\"$rejected_id\".*\"state\":\"rejected\"" "$tmp/body"' \
    "the rejected declaration is found by its reference" "$(cat "$tmp/body")"
request GET "/console/api/messages?reference=$rejected_interchange" olga.jar
check '[ "$status" = 200 ] && [ "$(grep -o "\"id\":" "$tmp/body" | wc -l)" = 1 ] && grep -q "\"id\":\"$rejected_id\"" "$tmp/body"' \
    "and by its interchange reference ($rejected_interchange)" "$(cat "$tmp/body")"
request GET "/console/api/messages?q=$rejected_reference&state=rejected&family=DEC&partner=broker&from=2020-01-01T00:00Z" olga.jar
check '[ "$status" = 200 ] && grep -q "\"id\":\"$rejected_id\"" "$tmp/body"' "and by free text with every filter" "$(cat "$tmp/body")"
request GET "/console/api/messages?state=delivered&limit=1" olga.jar
next=$(sed -n 's/.*"next":"\([^"]*\)".*/\1/p' "$tmp/body")
request GET "/console/api/messages?state=delivered&limit=1&before=$next" olga.jar
check '[ -n "$next" ] && [ "$status" = 200 ] && grep -q "\"state\":\"delivered\"" "$tmp/body" && ! grep -q "\"id\":\"$next\"" "$tmp/body"' \
    "search pages with next and before" "$next $(cat "$tmp/body")"
for bad in family=CUSDEC state=lost from=yesterday limit=0 limit=201 id=../x; do
    request GET "/console/api/messages?$bad" olga.jar
    check '[ "$status" = 400 ] && grep -q "\"text\":\"${bad%%=*}: " "$tmp/body"' "a bad argument ($bad) is refused (400), naming it" "$status $(cat "$tmp/body")"
done
request GET "/console/api/messages/$rejected_id" olga.jar
check '[ "$status" = 200 ] && grep -q "\"code\":\"DEC113\",\"place\":\"message 1 segment 19 MOA element 1 component 2\"" "$tmp/body"' \
    "a message has its errors at their place" "$(head -c 800 "$tmp/body")"
check 'grep -q "MOA+39:265400.00:EUR" "$tmp/body" && grep -q "\"kind\":\"cusres\"" "$tmp/body" && grep -q "\"stage\":\"validate\",\"outcome\":\"failed\"" "$tmp/body"' \
    "with its raw bytes, its stages and the CUSRES it was answered with"
check 'grep -q "<img src=x onerror=alert(1)>" "$tmp/body"' "hostile text is data in a JSON string (the page shows it as text)"
request GET "/console/api/messages/$valid_id" olga.jar
check '[ "$status" = 200 ] && grep -q "\"parts\":\[{\"part\":1,\"family\":\"DEC\"" "$tmp/body" && grep -q "dec:Declaration" "$tmp/body"' \
    "a taken message has its normalized WCO DM form" "$(head -c 300 "$tmp/body")"
"$KHAALGA" translate "$examples/finsta-duties-D01B.edi" >"$tmp/pay.xml"
"$KHAALGA" sign --key "$tmp/pki/bank-rsa.key" --cert "$tmp/pki/bank-rsa.chain.pem" "$tmp/pay.xml" >"$tmp/pay.signed.xml"
post "$tmp/pay.signed.xml" application/xml
request GET "/console/api/messages/$posted_id" olga.jar
check '[ "$status" = 200 ] && grep -q "\"signer\":\"CN=Test Bank payments" "$tmp/body" && grep -q "\"stage\":\"verify\",\"outcome\":\"ok\"" "$tmp/body" && grep -q "SignatureValue" "$tmp/body"' \
    "a signed payment has its signature verdict and signer, and its raw signed XML" "$(head -c 600 "$tmp/body")"
request GET /console/api/messages/20990101000000000-00000000 olga.jar
check '[ "$status" = 404 ]' "an unknown message is 404" "$status"
request GET /console/api/dead olga.jar
check '[ "$status" = 200 ] && grep -q "\"message_id\":\"$dead_id\",\"delivery_id\":\"$dead_id\",\"destination\":\"transit-agency\"" "$tmp/body"' \
    "the dead-lettered cargo report is among the dead deliveries" "$(cat "$tmp/body")"
request GET /console/api/routes olga.jar
check '[ "$status" = 200 ] && grep -q "\"name\":\"transit\",\"families\":\[\"TRN\"\]" "$tmp/body" && grep -q "\"target\":\"http://127.0.0.1:$refusing_port/transit\"" "$tmp/body" && ! grep -q "s3cr3t" "$tmp/body" && grep -q "\"last_error\":\"given up after 2 attempts: http://127.0.0.1:$refusing_port/transit" "$tmp/body"' \
    "routes and destinations are shown, without the password in a URL, not even in an error" "$(cat "$tmp/body")"
request GET /console/api/partners olga.jar
check '[ "$status" = 200 ] && grep -q "\"id\":\"broker\",\"edifact_id\":\"MN1234567\"" "$tmp/body" && grep -q "\"broker\":{\"messages_day\":[1-9]" "$tmp/body"' \
    "partners are shown with their activity" "$(cat "$tmp/body")"

# --- replay: CSRF, origin, roles, audit
request POST "/console/api/messages/$dead_id/replay" olga.jar
check '[ "$status" = 403 ] && grep -q "\"error\":\"csrf\"" "$tmp/body"' "a replay without the CSRF token is refused (403)" "$status $(cat "$tmp/body")"
request POST "/console/api/messages/$dead_id/replay" olga.jar -H "X-CSRF-Token: $(echo "$olga_csrf" | tr 0-9a-f 1-9a-f0)"
check '[ "$status" = 403 ] && grep -q "\"error\":\"csrf\"" "$tmp/body"' "and with a wrong one" "$status"
request POST "/console/api/messages/$dead_id/replay" olga.jar -H "X-CSRF-Token: $olga_csrf" -H "Origin: https://elsewhere.example"
check '[ "$status" = 403 ] && grep -q cross-origin "$tmp/body"' "and from another origin" "$status $(cat "$tmp/body")"
login victor "$viewer_password" victor.jar
check '[ "$status" = 200 ] && grep -q "\"role\":\"viewer\",\"may_replay\":false" "$tmp/body"' "the viewer logs in" "$status $(cat "$tmp/body")"
request POST "/console/api/messages/$dead_id/replay" victor.jar -H "X-CSRF-Token: $csrf"
check '[ "$status" = 403 ] && grep -q "\"error\":\"forbidden\"" "$tmp/body"' "a viewer's replay is refused (403)" "$status $(cat "$tmp/body")"
request GET "/console/api/audit?message=$dead_id" olga.jar
check 'grep -q "\"audit\":\[\]" "$tmp/body"' "and nothing is written to the audit trail" "$(cat "$tmp/body")"
request POST "/console/api/messages/$dead_id/replay" olga.jar -H "X-CSRF-Token: $olga_csrf"
check '[ "$status" = 200 ] && grep -q "\"put_back\":1,\"by\":\"console:olga\"" "$tmp/body"' "the operator's replay puts the delivery back" "$status $(cat "$tmp/body")"
request GET "/console/api/audit?message=$dead_id" olga.jar
check 'grep -q "\"who\":\"console:olga\",\"action\":\"replay\",\"message_id\":\"$dead_id\",\"detail\":\"1 deliveries put back\"" "$tmp/body" && grep -q "\"at\":\"20[0-9-]*T" "$tmp/body"' \
    "the audit trail says who replayed and when" "$(cat "$tmp/body")"
check 'grep -q "\"event\":\"replayed\",\"message_id\":\"$dead_id\"" "$tmp/serve.log"' "and so does the log"
request POST "/console/api/messages/$valid_id/replay" olga.jar -H "X-CSRF-Token: $olga_csrf"
check '[ "$status" = 409 ] && grep -q nothing-to-replay "$tmp/body"' "a message with no dead delivery has nothing to replay (409)" "$status $(cat "$tmp/body")"
request POST /console/api/messages/20990101000000000-00000000/replay olga.jar -H "X-CSRF-Token: $olga_csrf"
check '[ "$status" = 404 ]' "an unknown message cannot be replayed (404)" "$status"

# --- client certificates
request POST /console/api/login cert.jar -H 'Content-Type: application/json' --data '{}' \
    --cert "$tmp/pki/broker-ec.chain.pem" --key "$tmp/pki/broker-ec.key"
check '[ "$status" = 200 ] && grep -q "\"user\":\"certified\",\"role\":\"viewer\"" "$tmp/body"' "a user's client certificate logs it in" "$status $(cat "$tmp/body")"
request POST /console/api/login "" -H 'Content-Type: application/json' --data '{}'
check '[ "$status" = 401 ] && grep -q no-certificate "$tmp/body"' "without one, an empty login is refused" "$status $(cat "$tmp/body")"
request POST /console/api/login "" -H 'Content-Type: application/json' --data '{}' \
    --cert "$tmp/pki/bank-rsa.chain.pem" --key "$tmp/pki/bank-rsa.key"
check '[ "$status" = 401 ]' "and so is a certificate of nobody configured" "$status $(cat "$tmp/body")"

# --- logout, throttling, expiry
request POST /console/api/logout victor.jar -H "X-CSRF-Token: $csrf"
check '[ "$status" = 200 ] && header Set-Cookie | grep -q "Max-Age=0"' "logout ends the session and clears the cookie" "$status"
request GET /console/api/session victor.jar
check '[ "$status" = 401 ]' "after it the session is refused" "$status"
for _ in 1 2 3; do login victor not-it ""; done
login victor not-it ""
check '[ "$status" = 429 ] && [ -n "$(header Retry-After)" ]' "after three failed logins the next must wait (429, Retry-After)" "$status $(cat "$tmp/body")"
login victor "$viewer_password" ""
check '[ "$status" = 429 ]' "even with the right password" "$status"
login olga "$operator_password" ""
check '[ "$status" = 200 ]' "while other users log in" "$status $(cat "$tmp/body")"
request GET /console/api/session olga.jar
check '[ "$status" = 200 ]' "a session in use stays" "$status"
sleep 4.5
request GET /console/api/session olga.jar
check '[ "$status" = 401 ]' "and ends after session_idle without a request" "$status $(cat "$tmp/body")"

stop_server
echo "1..$n"
