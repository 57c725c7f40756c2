#!/bin/sh
# run-wco.sh - the WCO DM side, in TAP: the profile's samples, the business
# rule cases, and the mapping goldens.
#
# xsd/mn/samples/FAMILY/valid-*.xml     `khaalga validate` accepts it
# xsd/mn/samples/FAMILY/invalid-*.xml   rejected; its .expect names the element and pointer:
#                                         element=Parent/Element wco=CLASS[/TAG] error=KIND
#                                       (wco=- : an element the profile does not know)
# tests/corpus/wco/rules/FAMILY/*.xml   rejected by the rule its .expect names:
#                                         rule=ID wco=CLASS/TAG
#                                       and for every rejection, the WCO Response that
#                                       `khaalga validate` prints is itself a valid RES
# tests/corpus/wco/*-*/NAME.edi|.in.xml translated to NAME.out.xml exactly, which validates;
#                                       or, with NAME.out.edi, translated --to edifact to
#                                       exactly that, which `khaalga check` accepts;
#                                       or, with NAME.expect, refused with that text on stderr
# tests/corpus/wco/reply/NAME.edi|.in.xml  translated, fails validation: `translate --validate --reply`
#                                       (KHAALGA_NOW=202611231200) exits 1, prints NAME.stderr exactly
#                                       (each error naming the EDIFACT place or input XPath its data
#                                       came from; the input named NAME.edi or NAME.in.xml), and writes
#                                       the reply NAME.reply.edi (a CUSRES `check` accepts) or
#                                       NAME.reply.xml (a RES `validate` accepts) exactly
# tests/corpus/wco/*-*/NAME.out.xml     where the profile has a sheet back to EDIFACT: WCO ->
#                                       EDIFACT -> WCO gives NAME.out.xml back exactly, unless
#                                       NAME.roundtrip states the documented loss (SKIP)
set -u
srcdir=${srcdir:-.}
KHAALGA=${KHAALGA:-./khaalga}
KHAALGA_DATADIR=${KHAALGA_DATADIR:-$srcdir}
export KHAALGA_DATADIR
tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaalga-wco.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
n=0
# the response to a rejected document must itself be a valid RES document
response_is_valid() {
    "$KHAALGA" validate "$1" >"$tmp/res.xml" 2>/dev/null
    if "$KHAALGA" validate --quiet "$tmp/res.xml" 2>"$tmp/res.err" &&
       grep -q "<res:FunctionCode>27</res:FunctionCode>" "$tmp/res.xml"; then ok "$2: its response is a valid RES"
    else cat "$tmp/res.xml" >>"$tmp/res.err"; not_ok "$2: its response is a valid RES" "$tmp/res.err"; fi
}
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && sed 's/^/# /' "$2" | head -12; return 0; }

# value KEY FILE: the value of KEY=... in a one-line .expect
value() { tr ' ' '\n' <"$2" | sed -n "s/^$1=//p" | head -n 1; }


for f in "$srcdir"/xsd/mn/samples/*/*.xml; do
    [ -f "$f" ] || continue
    name=$(basename "$(dirname "$f")")/$(basename "$f")
    "$KHAALGA" validate --json "$f" >"$tmp/json" 2>"$tmp/err"
    status=$?
    case $(basename "$f") in
    valid-*)
        if [ $status -eq 0 ]; then ok "$name: valid"; else cat "$tmp/json" >>"$tmp/err"; not_ok "$name: valid" "$tmp/err"; fi ;;
    invalid-*)
        expect=${f%.xml}.expect
        element=$(value element "$expect"); wco=$(value wco "$expect")
        class=${wco%%/*}; tag=""
        case $wco in */*) tag=${wco#*/} ;; esac
        [ "$class" = "-" ] && class=""
        suffix=$(printf '%s' "$element" | sed 's|/|/([a-z]+:)?|g; s|^|([a-z]+:)?|')
        # the pointer: class and, when given, tag
        if [ $status -ne 1 ]; then
            echo "exit $status" >"$tmp/why"; not_ok "$name: rejected" "$tmp/why"
        elif tr '{' '\n' <"$tmp/json" | grep -F "\"documentSectionCode\":\"$class\"" |
             { if [ -n "$tag" ]; then grep -F "\"tagID\":\"$tag\""; else cat; fi; } |
             grep -q -E "\"path\":\"[^\"]*$suffix(\\[[0-9]+\\])?\""; then
            ok "$name: rejected at $element ($wco)"
        else
            not_ok "$name: rejected at $element ($wco)" "$tmp/json"
        fi
        response_is_valid "$f" "$name" ;;
    esac
done

for f in "$srcdir"/tests/corpus/wco/rules/*/*.xml; do
    [ -f "$f" ] || continue
    name=rules/$(basename "$f")
    expect=${f%.xml}.expect
    rule=$(value rule "$expect"); wco=$(value wco "$expect")
    "$KHAALGA" validate --json "$f" >"$tmp/json" 2>/dev/null
    status=$?
    if [ $status -eq 1 ] && tr '{' '\n' <"$tmp/json" | grep -F "\"validationCode\":\"$rule\"" >/dev/null &&
       tr '{' '\n' <"$tmp/json" | grep -F "\"documentSectionCode\":\"${wco%%/*}\",\"tagID\":\"${wco#*/}\"" >/dev/null; then
        ok "$name: fails rule $rule at $wco"
    else
        not_ok "$name: fails rule $rule at $wco" "$tmp/json"
    fi
    response_is_valid "$f" "$name"
done

for f in "$srcdir"/tests/corpus/wco/*-*/*.edi "$srcdir"/tests/corpus/wco/*-*/*.in.xml; do
    [ -f "$f" ] || continue
    case $f in
        *.out.edi) continue ;;                  # an expected output, not an input
        *.edi) base=${f%.edi} ;;
        *) base=${f%.in.xml} ;;
    esac
    name=$(basename "$(dirname "$f")")/$(basename "$f")
    # a folder SOURCE-TARGET whose target is an EDIFACT message translates back to EDIFACT
    direction=""
    case $(basename "$(dirname "$f")") in *-cusdec | *-cusres | *-govcbr) direction="--to edifact" ;; esac
    if [ -f "$base.expect" ]; then
        "$KHAALGA" translate $direction "$f" >/dev/null 2>"$tmp/err"
        status=$?
        if [ $status -ne 0 ] && grep -q -F "$(cat "$base.expect")" "$tmp/err"; then ok "$name: refused as expected"
        else not_ok "$name: refused as expected" "$tmp/err"; fi
        continue
    fi
    if [ -f "$base.out.edi" ]; then
        if "$KHAALGA" translate --to edifact "$f" >"$tmp/out.edi" 2>"$tmp/err" && cmp -s "$tmp/out.edi" "$base.out.edi"; then
            ok "$name: translated to EDIFACT as expected"
        else
            diff "$base.out.edi" "$tmp/out.edi" >>"$tmp/err" 2>&1; not_ok "$name: translated to EDIFACT as expected" "$tmp/err"
        fi
        if "$KHAALGA" check --quiet "$base.out.edi" 2>"$tmp/err"; then ok "$name: the EDIFACT is valid"
        else not_ok "$name: the EDIFACT is valid" "$tmp/err"; fi
        continue
    fi
    if "$KHAALGA" translate "$f" >"$tmp/out.xml" 2>"$tmp/err" && cmp -s "$tmp/out.xml" "$base.out.xml"; then
        ok "$name: translated as expected"
    else
        diff "$base.out.xml" "$tmp/out.xml" >>"$tmp/err" 2>&1; not_ok "$name: translated as expected" "$tmp/err"
    fi
    if "$KHAALGA" validate --quiet "$base.out.xml" 2>"$tmp/err"; then ok "$name: the translation is valid"
    else not_ok "$name: the translation is valid" "$tmp/err"; fi
done

for f in "$srcdir"/tests/corpus/wco/*-*/*.out.xml; do
    [ -f "$f" ] || continue
    name=$(basename "$(dirname "$f")")/$(basename "$f")
    "$KHAALGA" translate --to edifact "$f" >"$tmp/back.edi" 2>"$tmp/err"
    status=$?
    [ $status -eq 2 ] && continue              # the profile has no way back for this family
    if [ -f "${f%.out.xml}.roundtrip" ]; then
        n=$((n + 1)); echo "ok $n - $name: round trip # SKIP $(head -n 1 "${f%.out.xml}.roundtrip")"
        continue
    fi
    if [ $status -eq 0 ] && "$KHAALGA" translate "$tmp/back.edi" >"$tmp/again.xml" 2>>"$tmp/err" &&
       cmp -s "$tmp/again.xml" "$f"; then
        ok "$name: WCO -> EDIFACT -> WCO gives it back"
    else
        diff "$f" "$tmp/again.xml" >>"$tmp/err" 2>&1; not_ok "$name: WCO -> EDIFACT -> WCO gives it back" "$tmp/err"
    fi
done

for f in "$srcdir"/tests/corpus/wco/reply/*.edi "$srcdir"/tests/corpus/wco/reply/*.in.xml; do
    [ -f "$f" ] || continue
    case $f in
        *.reply.edi) continue ;;                # an expected reply, not an input
        *.edi) base=${f%.edi}; reply=$base.reply.edi ;;
        *) base=${f%.in.xml}; reply=$base.reply.xml ;;
    esac
    name=reply/$(basename "$f")
    rm -f "$tmp/reply"
    KHAALGA_NOW=202611231200 "$KHAALGA" translate --validate --reply "$tmp/reply" "$f" >/dev/null 2>"$tmp/err"
    status=$?
    sed "s|^$f:|$(basename "$f"):|" "$tmp/err" >"$tmp/stderr"
    if [ $status -eq 1 ] && cmp -s "$tmp/stderr" "$base.stderr"; then ok "$name: rejected, naming where each error came from"
    else echo "exit $status" >>"$tmp/stderr"; diff "$base.stderr" "$tmp/stderr" >"$tmp/why" 2>&1
         not_ok "$name: rejected, naming where each error came from" "$tmp/why"; fi
    if [ -f "$tmp/reply" ] && cmp -s "$tmp/reply" "$reply"; then ok "$name: its reply as expected"
    else diff "$reply" "$tmp/reply" >"$tmp/why" 2>&1; not_ok "$name: its reply as expected" "$tmp/why"; fi
    case $reply in
    *.edi)
        if "$KHAALGA" check --quiet "$reply" 2>"$tmp/err"; then ok "$name: the CUSRES reply is valid EDIFACT"
        else not_ok "$name: the CUSRES reply is valid EDIFACT" "$tmp/err"; fi ;;
    *)
        if "$KHAALGA" validate --quiet "$reply" 2>"$tmp/err"; then ok "$name: the RES reply is valid"
        else not_ok "$name: the RES reply is valid" "$tmp/err"; fi ;;
    esac
done

echo "1..$n"
