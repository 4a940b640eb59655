#!/bin/sh
# Tests of the mplus-webhooks command-line tool: exit codes, stdout and stderr of every command.
# SPDX-License-Identifier: MIT
#
# usage: cli_test.sh TOOL REPO_ROOT
# Exits 0 when every check passes, 1 when any fails (each failure is printed), 2 on bad usage.

set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 TOOL REPO_ROOT" >&2
    exit 2
fi
tool=$1
root=$2
samples=$root/examples/samples
if [ ! -d "$samples" ]; then
    echo "$0: $samples does not exist" >&2
    exit 2
fi

secret='eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0='
sig_decoded='EBFFIb5qPH/teEFmjtwcIj6h80cl+X1DUy62D46tnu8=' # HMAC key: the decoded secret
sig_raw='pKDrmsKUDJ7QeDwyOMtUcEi9aBl+BTnzxYIHSqjbfk4='     # HMAC key: the secret's text
usage_line='usage: mplus-webhooks validate --event NAME [--reply [--request FILE]] [--pos-version V]'

# shellcheck source=tests/cli/checks.sh
. "$root/tests/cli/checks.sh"
prepare_work cli-test

# --- helpers -------------------------------------------------------------------------------------

expect_out_empty() {
    checks=$((checks + 1))
    [ ! -s "$work/out" ] || fail "stdout is not empty"
}
expect_err_empty() {
    checks=$((checks + 1))
    [ ! -s "$work/err" ] || fail "stderr is not empty"
}
# expect_out_is TEXT: stdout is exactly TEXT and a newline.
expect_out_is() {
    checks=$((checks + 1))
    printf '%s\n' "$1" >"$work/want"
    cmp -s "$work/want" "$work/out" || fail "stdout is not exactly: $1"
}
# expect_err_line TEXT: some stderr line is exactly TEXT.
expect_err_line() {
    checks=$((checks + 1))
    grep -F -x -q -e "$1" "$work/err" || fail "no stderr line is exactly: $1"
}
expect_err_lines() {
    checks=$((checks + 1))
    n=$(wc -l <"$work/err" | tr -d ' ')
    [ "$n" -eq "$1" ] || fail "stderr has $n lines, expected $1"
}
# Every stderr line of a validate failure names a JSON pointer (or the root) and a wire code.
expect_problem_lines() {
    checks=$((checks + 1))
    if grep -v -E -q '^(/[^ ]*|\(root\)): .+ \([A-Z_]+\)$' "$work/err"; then
        fail "a stderr line is not '<path>: <message> (<WIRE_CODE>)'"
    fi
}
# The output of a successful validate: one line of JSON.
expect_one_json_line() {
    checks=$((checks + 1))
    n=$(wc -l <"$work/out" | tr -d ' ')
    first=$(head -c 1 "$work/out")
    { [ "$n" -eq 1 ] && [ "$first" = '{' ]; } || fail "stdout is not one line of JSON"
}
# A usage error: exit 2, nothing on stdout, the message and the usage text on stderr.
expect_usage_error() {
    expect_rc 2
    expect_out_empty
    expect_err_has "$1"
    expect_err_has "$usage_line"
}
# A validate failure: exit 1, nothing on stdout, well-formed problem lines.
expect_problems() {
    expect_rc 1
    expect_out_empty
    expect_problem_lines
}

# --- samples -------------------------------------------------------------------------------------

for name in addSessionLine.json addSessionLine.reply.json scanCode.json completeSession.json \
    completeSession.reply.json startExternalPayment.json pollExternalPayment.reply.json; do
    checks=$((checks + 1))
    [ -f "$samples/$name" ] || { current="sample $name"; rc=0; : >"$work/out"; : >"$work/err";
                                 fail "missing sample"; }
done

for file in "$samples"/*.json; do
    base=$(basename "$file" .json)
    event=${base%.reply}
    reply=''
    [ "$event" != "$base" ] && reply=--reply
    # shellcheck disable=SC2086 # $reply is one flag or nothing
    run "sample $base" validate --event "$event" $reply "$file"
    expect_rc 0
    expect_err_empty
    expect_one_json_line
    cp "$work/out" "$work/first"
    # shellcheck disable=SC2086
    run "sample $base --strict" validate --strict --event "$event" $reply "$file"
    expect_rc 0
    expect_err_empty
    # What the SDK writes back validates again and is written back unchanged.
    # shellcheck disable=SC2086
    run_with "$work/first" "sample $base round trip" validate --event "$event" $reply -
    expect_rc 0
    checks=$((checks + 1))
    cmp -s "$work/first" "$work/out" || fail "second write-back differs from the first"
done

run "sample addSessionLine content" validate --event addSessionLine "$samples/addSessionLine.json"
expect_out_has '"articleNumber":235'
expect_out_has '"text":"Tour Ticket (Adult)"'
expect_out_has '"priceIncl":17.5'
run "sample completeSession reply content" validate --event completeSession --reply \
    "$samples/completeSession.reply.json"
expect_out_has '"codeType":"qrcode"'
run "sample addSessionLine reply content" validate --event addSessionLine --reply \
    "$samples/addSessionLine.reply.json"
expect_out_has '"dialogOptions":[{"optionId":1,'

# --- validate: exact output, unknown fields, --known-only, --strict ------------------------------

printf '%s' '{"message":[{"message":"Hello","futureProp":true}],"version":"1.0","x":{"a":[1,2.50]}}' \
    >"$work/reply_unknown.json"
run "reply with unknown fields" validate --event startSession --reply "$work/reply_unknown.json"
expect_rc 0
expect_err_empty
# Unknown fields come back as their exact text: 2.50 stays 2.50.
expect_out_is '{"message":[{"message":"Hello","futureProp":true}],"version":"1.0","x":{"a":[1,2.50]}}'

run "--known-only drops unknown fields" validate --event startSession --reply --known-only \
    "$work/reply_unknown.json"
expect_rc 0
expect_err_empty
expect_out_is '{"message":[{"message":"Hello"}],"version":"1.0"}'

run "--strict reports unknown fields" validate --event startSession --reply --strict \
    "$work/reply_unknown.json"
expect_problems
expect_err_line '/message/0/futureProp: unknown field (INVALID_DATA)'
expect_err_line '/x: unknown field (INVALID_DATA)'
expect_err_lines 2

sed 's/"productName": "MplusQ"/"productName": "MplusQ", "futureField": 7/' \
    "$samples/addSessionLine.json" >"$work/request_unknown.json"
run "request keeps an unknown field" validate --event addSessionLine "$work/request_unknown.json"
expect_rc 0
expect_out_has '"productName":"MplusQ","futureField":7}'
run "request --known-only" validate --event addSessionLine --known-only "$work/request_unknown.json"
expect_rc 0
expect_err_empty
expect_out_lacks 'futureField'
expect_out_has '"productName":"MplusQ"}'
run "request --strict" validate --event addSessionLine --strict "$work/request_unknown.json"
expect_problems
expect_err_line '/sender/futureField: unknown field (INVALID_DATA)'
expect_err_lines 1

sed 's/"codeType": "qrcode"/"codeType": "nfc"/' "$samples/scanCode.json" >"$work/enum.json"
run "unknown enum value kept" validate --event scanCode "$work/enum.json"
expect_rc 0
expect_out_has '"codeType":"nfc"'
run "unknown enum value --strict" validate --event scanCode --strict "$work/enum.json"
expect_problems
expect_err_line '/scanCode/codeType: unknown value "nfc" (INVALID_DATA)'

# --- validate: problems name their paths ---------------------------------------------------------

sed 's/"quantity": 1,/"quantity": "1",/' "$samples/addSessionLine.json" >"$work/quantity.json"
run "quantity as a string" validate --event addSessionLine "$work/quantity.json"
expect_problems
expect_err_line '/session/lines/0/quantity: expected number, got string (INVALID_DATA)'
expect_err_line '/addSessionLine/line/quantity: expected number, got string (INVALID_DATA)'
expect_err_lines 2

printf '%s' '{"event":{},"sender":{},"session":{"lines":[]}}' >"$work/no_session_id.json"
run "required field missing" validate --event startSession "$work/no_session_id.json"
expect_problems
expect_err_line '/session/sessionId: required field is missing (INVALID_DATA)'

run "event details missing" validate --event addSessionLine "$samples/scanCode.json"
expect_problems
expect_err_line '/addSessionLine: event details are missing (NO_EVENT_DETAILS)'

printf '{"event":{},\n' >"$work/broken.json"
run "invalid JSON" validate --event startSession "$work/broken.json"
expect_problems
expect_err_has '(root): '
expect_err_has '(INVALID_JSON)'
expect_err_lines 1

printf '%s' '[]' >"$work/array.json"
run "not an object" validate --event startSession "$work/array.json"
expect_problems
expect_err_line '(root): expected object, got array (INVALID_DATA)'

# --- validate --reply: reply rules ---------------------------------------------------------------

run "receiptFooter outside completeSession" validate --event addSessionLine --reply \
    "$samples/completeSession.reply.json"
expect_problems
expect_err_line '/receiptFooter: receiptFooter is only accepted in a reply to completeSession (INVALID_DATA)'

run "externalPayment outside external payments" validate --event scanCode --reply \
    "$samples/pollExternalPayment.reply.json"
expect_problems
expect_err_has '/externalPayment: '

printf '%s' '{"dialog":{"required":true,"allowMultipleOptions":false,"dialogTitle":"t","dialogOptions":[{"optionId":1,"optionName":"a"},{"optionId":1,"optionName":"b"}]}}' \
    >"$work/dup.json"
run "duplicate dialog option ids" validate --event addSessionLine --reply "$work/dup.json"
expect_problems
expect_err_has '/dialog/dialogOptions/1/optionId: duplicate id'

printf '%s' '{"receiptFooter":{"barcode":{"codeType":"ean13","code":"123"}}}' >"$work/footer.json"
run "footer code type" validate --event completeSession --reply "$work/footer.json"
expect_problems
expect_err_has '/receiptFooter/barcode/codeType: '
expect_err_has '(INVALID_RECEIPT_FOOTER_CODE_TYPE)'

printf '%s' '{}' >"$work/empty.json"
run "empty reply to a polling event (no polling rule without a request)" \
    validate --event pollExternalPayment --reply "$work/empty.json"
expect_rc 0
expect_err_empty
expect_out_is '{}'

run "a reply is not a request" validate --event completeSession \
    "$samples/completeSession.reply.json"
expect_problems
expect_err_line '/event: required field is missing (INVALID_DATA)'

printf '%s' '{"lockSession":"yes"}' >"$work/bad_reply.json"
run "reply with a wrong type" validate --event startSession --reply "$work/bad_reply.json"
expect_problems
expect_err_line '/lockSession: expected boolean, got string (INVALID_DATA)'

# --- validate: standard input --------------------------------------------------------------------

run_with "$samples/scanCode.json" "stdin with -" validate --event scanCode -
expect_rc 0
expect_err_empty
expect_out_has '"scannedCode":"LOYALTY-000123456"'
run_with "$samples/scanCode.json" "stdin without FILE" validate --event scanCode
expect_rc 0
expect_out_has '"scannedCode":"LOYALTY-000123456"'
run_with "$work/quantity.json" "stdin with problems" validate --event addSessionLine -
expect_problems
expect_err_has '/session/lines/0/quantity'
run "--event=NAME form" validate --event=scanCode "$samples/scanCode.json"
expect_rc 0

# --- validate: the POS's error request -----------------------------------------------------------

{
    printf '%s' '{"error":{"code":"INVALID_RECEIPT_FOOTER_CODE","message":"The code is empty"},"original":'
    cat "$samples/completeSession.json"
    printf '%s' '}'
} >"$work/pos_error.json"
run "POS error request" validate --event completeSession "$work/pos_error.json"
expect_rc 0
expect_err_empty
expect_one_json_line
expect_out_has '{"error":{"code":"INVALID_RECEIPT_FOOTER_CODE","message":"The code is empty"},"original":{"event":{"eventBlocking":true,'
expect_out_has '"completeSession":{"payments":[{"amount":35,'
run "POS error request --strict" validate --event completeSession --strict "$work/pos_error.json"
expect_rc 0

{
    printf '%s' '{"error":{"code":"INVALID_DATA","message":"x"},"original":'
    cat "$work/quantity.json"
    printf '%s' '}'
} >"$work/pos_error_bad.json"
run "POS error request, bad original" validate --event addSessionLine "$work/pos_error_bad.json"
expect_problems
expect_err_line '/original/session/lines/0/quantity: expected number, got string (INVALID_DATA)'
expect_err_line '/original/addSessionLine/line/quantity: expected number, got string (INVALID_DATA)'

{
    printf '%s' '{"error":{"code":"INVALID_DATA","message":"x"},"original":'
    cat "$samples/scanCode.json"
    printf '%s' '}'
} >"$work/pos_error_other.json"
run "POS error request, original of another event" validate --event addSessionLine \
    "$work/pos_error_other.json"
expect_problems
expect_err_line '/original/addSessionLine: event details are missing (NO_EVENT_DETAILS)'

{
    printf '%s' '{"error":{"message":"no code"},"original":'
    cat "$samples/scanCode.json"
    printf '%s' '}'
} >"$work/pos_error_no_code.json"
run "POS error request without a code" validate --event scanCode "$work/pos_error_no_code.json"
expect_problems
expect_err_line '/error/code: required field is missing (INVALID_DATA)'

sed 's/"productName": "MplusQ"/"productName": "MplusQ", "futureField": 7/' \
    "$work/pos_error.json" >"$work/pos_error_unknown.json"
run "POS error request --known-only" validate --event completeSession --known-only \
    "$work/pos_error_unknown.json"
expect_rc 0
expect_out_lacks 'futureField'
run "POS error request --strict" validate --event completeSession --strict \
    "$work/pos_error_unknown.json"
expect_problems
expect_err_line '/original/sender/futureField: unknown field (INVALID_DATA)'

# --- validate: usage errors ----------------------------------------------------------------------

run "no arguments"
expect_usage_error 'no command given'
run "unknown command" frobnicate
expect_usage_error "unknown command 'frobnicate'"
run "missing --event" validate "$samples/scanCode.json"
expect_usage_error 'validate needs --event NAME'
run "unknown event" validate --event noSuchEvent "$samples/scanCode.json"
expect_usage_error "unknown event 'noSuchEvent'"
expect_err_has 'addSessionLine'
run "--event without a value" validate --event
expect_usage_error 'option --event needs a value'
run "--event given twice" validate --event scanCode --event startSession "$samples/scanCode.json"
expect_usage_error 'option --event is given twice'
run "unknown option" validate --event scanCode --pretty "$samples/scanCode.json"
expect_usage_error "unknown option '--pretty'"
run "flag with a value" validate --event scanCode --strict=yes "$samples/scanCode.json"
expect_usage_error 'option --strict takes no value'
run "too many arguments" validate --event scanCode "$samples/scanCode.json" "$samples/scanCode.json"
expect_usage_error 'too many arguments'
run "unreadable file" validate --event scanCode "$work/does-not-exist.json"
expect_rc 2
expect_out_empty
expect_err_has "cannot open '$work/does-not-exist.json'"
run "a directory" validate --event scanCode "$work"
expect_rc 2
expect_out_empty
expect_err_has 'cannot read'

# --- help and version ----------------------------------------------------------------------------

run "--help" --help
expect_rc 0
expect_err_empty
expect_out_has "$usage_line"
expect_out_has 'mplus-webhooks sign --secret S [--raw-key] [FILE|-]'
expect_out_has 'mplus-webhooks verify --secret S --signature SIG [--raw-key] [FILE|-]'
run "validate --help" validate --help
expect_rc 0
expect_out_has "$usage_line"
version=$(sed -n 's/^#define MPLUS_WEBHOOKS_VERSION_STRING "\(.*\)"$/\1/p' \
    "$root/include/mplus/webhooks/config.hpp")
run "--version" --version
expect_rc 0
expect_err_empty
checks=$((checks + 1))
[ -n "$version" ] || fail "no MPLUS_WEBHOOKS_VERSION_STRING in config.hpp"
expect_out_is "$version"

# --- validate: the till's session rules and POS version gates -----------------------------------

cat >"$work/request.json" <<'JSON'
{"event": {"eventBlocking": true, "eventCounter": 1, "eventTimestamp": "2024-06-01T10:00:00.000+02:00"},
 "sender": {"branchNumber": 1, "workplaceNumber": 1},
 "session": {"sessionId": "s1", "lines": [{"lineId": "L1", "text": "Tea", "priceIncl": 4.5, "quantity": 1}]},
 "addSessionLine": {"line": {"lineId": "L1", "text": "Tea", "priceIncl": 4.5, "quantity": 1}}}
JSON
printf '{"lineChanges":[{"lineId":"L9","externalDiscount":{"discountId":"d","discountPercentage":150}}],"lineAdditions":[{"lineId":"L1","text":"x","priceIncl":1}]}' >"$work/reply.json"
run "validate a reply against its request" validate --event addSessionLine --reply \
    --request "$work/request.json" "$work/reply.json"
expect_problems
expect_err_line '/lineChanges/0/lineId: no line L9 (INVALID_LINE_ID)'
expect_err_line '/lineAdditions/0/lineId: line L1 already exists (LINE_ID_ALREADY_EXISTS)'
run "validate the same reply without its request" validate --event addSessionLine --reply \
    "$work/reply.json"
expect_rc 0
printf '{"lineChanges":[{"lineId":"L1","externalDiscount":{"discountId":"d","discountPercentage":150}}]}' >"$work/reply.json"
run "validate a discount percentage" validate --event addSessionLine --reply \
    --request "$work/request.json" "$work/reply.json"
expect_problems
expect_err_line '/lineChanges/0/externalDiscount/discountPercentage: a discount percentage goes from 0 to 100, not 150 (INVALID_DISCOUNT_PERCENTAGE)'
printf '{"openUrl":{"url":"https://example.com"},"lockSession":true}' >"$work/reply.json"
run "validate with a POS version" validate --event scanCode --reply --pos-version 47.2 \
    "$work/reply.json"
expect_rc 1
expect_out_empty
expect_err_line '/openUrl: needs MplusKASSA 48.0.0 (the till runs 47.2.0)'
run "validate with a recent POS version" validate --event scanCode --reply --pos-version 59.3.4 \
    "$work/reply.json"
expect_rc 0
run "validate with a bad POS version" validate --event scanCode --reply --pos-version new \
    "$work/reply.json"
expect_usage_error '--pos-version needs a version like 57.0.0'
run "validate --request without --reply" validate --event scanCode --request "$work/request.json" \
    "$work/reply.json"
expect_usage_error '--request goes with --reply'

# --- sign ----------------------------------------------------------------------------------------

printf 'test' >"$work/test.txt"
run_with "$work/test.txt" "sign the protocol's vector" sign --secret "$secret"
expect_rc 0
expect_err_empty
expect_out_is "$sig_decoded"
run "sign a file" sign --secret "$secret" "$work/test.txt"
expect_rc 0
expect_out_is "$sig_decoded"
run_with "$work/test.txt" "sign with -" sign --secret "$secret" -
expect_out_is "$sig_decoded"
run_with "$work/test.txt" "sign --raw-key" sign --raw-key --secret "$secret"
expect_rc 0
expect_out_is "$sig_raw"
printf 'test\n' >"$work/test_nl.txt"
run "sign signs the exact bytes" sign --secret "$secret" "$work/test_nl.txt"
expect_rc 0
expect_out_lacks "$sig_decoded"

bad_secret='not-base64-s3cr3t!'
run_with "$work/test.txt" "sign with a bad secret" sign --secret "$bad_secret"
expect_rc 2
expect_out_empty
expect_err_has 'not strict base64'
expect_err_lacks "$bad_secret"
run_with "$work/test.txt" "sign with a raw-text secret" sign --raw-key --secret "$bad_secret"
expect_rc 0
expect_err_empty
run_with "$work/test.txt" "sign with an empty secret" sign --secret=
expect_rc 2
expect_err_has 'the secret is empty'
run "sign without --secret" sign "$work/test.txt"
expect_usage_error 'sign needs --secret S'
run "sign with an unknown option" sign --secret "$secret" --hex "$work/test.txt"
expect_usage_error "unknown option '--hex'"
expect_err_lacks "$secret"
run "sign with too many arguments" sign --secret "$secret" "$work/test.txt" "$work/test.txt"
expect_usage_error 'too many arguments'
run "sign an unreadable file" sign --secret "$secret" "$work/does-not-exist"
expect_rc 2
expect_out_empty
expect_err_has 'cannot open'

# --- verify --------------------------------------------------------------------------------------

run_with "$work/test.txt" "verify valid" verify --secret "$secret" --signature "$sig_decoded"
expect_rc 0
expect_err_empty
expect_out_is 'valid'
run "verify valid, file" verify --secret "$secret" --signature "$sig_decoded" "$work/test.txt"
expect_rc 0
expect_out_is 'valid'
run_with "$work/test.txt" "verify valid --raw-key" verify --raw-key --secret "$secret" \
    --signature "$sig_raw"
expect_rc 0
expect_out_is 'valid'

run "verify, other body" verify --secret "$secret" --signature "$sig_decoded" "$work/test_nl.txt"
expect_rc 1
expect_out_is 'invalid signature'
expect_err_lacks 'raw-key'

run_with "$work/test.txt" "verify hints at --raw-key" verify --secret "$secret" \
    --signature "$sig_raw"
expect_rc 1
expect_out_is 'invalid signature'
expect_err_has "the signature matches the secret's raw text as key: use --raw-key"
expect_err_lacks "$secret"

run_with "$work/test.txt" "verify hints at dropping --raw-key" verify --raw-key \
    --secret "$secret" --signature "$sig_decoded"
expect_rc 1
expect_out_is 'invalid signature'
expect_err_has 'the signature matches the base64-decoded secret as key: drop --raw-key'
expect_err_lacks "$secret"

run_with "$work/test.txt" "verify a malformed signature" verify --secret "$secret" --signature abc
expect_rc 1
expect_out_is 'invalid signature'
expect_err_has 'not a base64 HMAC-SHA256'

run_with "$work/test.txt" "verify without --signature" verify --secret "$secret"
expect_usage_error 'verify needs --signature SIG'
run_with "$work/test.txt" "verify without --secret" verify --signature "$sig_decoded"
expect_usage_error 'verify needs --secret S'
run_with "$work/test.txt" "verify with a bad secret" verify --secret "$bad_secret" \
    --signature "$sig_decoded"
expect_rc 2
expect_out_empty
expect_err_lacks "$bad_secret"
run "verify with too many arguments" verify --secret "$secret" --signature "$sig_decoded" \
    "$work/test.txt" "$work/test.txt"
expect_usage_error 'too many arguments'

# --- simulate (usage; the flows themselves run against the demo middleware in its own test) -----

run "simulate without --url" simulate --secret "$secret" --flow all
expect_usage_error 'simulate needs --url URL'
run "simulate without --flow" simulate --url http://127.0.0.1:9/webhooks --secret "$secret"
expect_usage_error 'simulate needs --scenario FILE... or --flow NAME'
run "simulate with an unknown flow" simulate --url http://127.0.0.1:9/webhooks --secret "$secret" \
    --flow parking
expect_usage_error "unknown flow 'parking'"
run "simulate with a bad URL" simulate --url ftp://127.0.0.1/webhooks --secret "$secret" --flow all
expect_usage_error '--url must start with http://'
run "simulate with a bad secret" simulate --url http://127.0.0.1:9/webhooks --secret "$bad_secret" \
    --flow all
expect_rc 2
expect_err_lacks "$bad_secret"
# Port 9 (discard) has no listener on loopback: every request fails, and the tool says so.
run "simulate against nothing" simulate --url http://127.0.0.1:9/webhooks --secret "$secret" \
    --flow ticketing
expect_rc 1
expect_out_has 'FAIL ticketing (flow:ticketing, 1/6 steps'
expect_out_has '» » » startSession » » »'
expect_err_has "scenario 'ticketing': step 0 (startSession): startSession: no reply"
expect_err_has "scenario 'ticketing': step 0 (startSession): /status: missing"
expect_err_has "scenario 'ticketing': stopped after step 0; 5 steps not run"

# --- summary -------------------------------------------------------------------------------------

finish cli_test
