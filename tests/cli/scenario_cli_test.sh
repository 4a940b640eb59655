#!/bin/sh
# Tests of scenario runs over HTTP: `simulate --scenario` against a Python standard-library
# middleware (every action and matcher, failures with a readable diff, JUnit XML, invalid files),
# `send`, `record` and replay over loopback, and (when given) the demo middleware's flows.
# SPDX-License-Identifier: MIT
#
# usage: scenario_cli_test.sh TOOL REPO_ROOT [DEMO_MIDDLEWARE]
# Exits 0 when every check passes, 1 when any fails (each failure is printed), 2 on bad usage.

set -u

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 TOOL REPO_ROOT [DEMO_MIDDLEWARE]" >&2
    exit 2
fi
tool=$1
root=$2
demo=${3:-}
here=$root/tests/cli
scenarios=$here/scenarios
secret='eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0='

work=$(mktemp -d "${TMPDIR:-/tmp}/mplus-scenario-test.XXXXXX") || exit 2
pids=''
cleanup() {
    for pid in $pids; do kill "$pid" 2>/dev/null; done
    for pid in $pids; do wait "$pid" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 2' HUP INT TERM

# shellcheck source=tests/cli/checks.sh
. "$here/checks.sh"

# wait_for_line FILE: waits (at most 10 s) until FILE has a first line.
wait_for_line() {
    i=0
    while [ $i -lt 100 ]; do
        if [ -s "$1" ] && [ "$(wc -l <"$1")" -ge 1 ]; then return 0; fi
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# --- the Python middleware -----------------------------------------------------------------------

"${PYTHON:-python3}" "$here/python_middleware.py" "$secret" </dev/null >"$work/py.port" 2>"$work/py.err" &
pids="$pids $!"
if ! wait_for_line "$work/py.port"; then
    echo "$0: the Python middleware did not start: $(cat "$work/py.err")" >&2
    exit 2
fi
py=http://127.0.0.1:$(head -n 1 "$work/py.port")/hooks

run "every action and matcher" simulate --url "$py" --secret "$secret" \
    --scenario "$scenarios/every_action.json" --junit "$work/junit.xml"
expect_rc 0
expect_out_has 'PASS every action'
expect_file_has "$work/junit.xml" '<testsuites tests="1" failures="0"'
expect_file_has "$work/junit.xml" '<testcase name="every action"'

# A failed expectation: exit 1, the scenario, step, action and path named, a readable diff.
run "a failing expectation" simulate --url "$py" --secret "$secret" \
    --scenario "$scenarios/failing.json" "$scenarios/every_action.json" --junit "$work/junit2.xml"
expect_rc 1
expect_out_has 'FAIL failing'
expect_out_has 'PASS every action'
expect_err_has "scenario 'failing': step 1 (scanCode): /reply/scanCode/recognized: differs"
expect_err_has '    expected: false'
expect_err_has '    actual:   true'
expect_err_has "scenario 'failing': step 1 (scanCode): /reply/scanCode/message: does not match the pattern"
expect_err_has "scenario 'failing': stopped after step 1; 1 steps not run"
expect_file_has "$work/junit2.xml" '<testsuites tests="2" failures="1"'
expect_file_has "$work/junit2.xml" '<failure message="scenario &apos;failing&apos;: step 1 (scanCode)'

# A reply the till refuses is a protocol failure (exit 1) with the POS's own code.
run "a reply the till refuses" simulate --url "$py" --secret "$secret" \
    --scenario "$scenarios/refused_reply.json"
expect_rc 1
expect_err_has "scenario 'refused reply': step 1 (scanCode): scanCode: reply breaks a rule: INVALID_LINE_ID /lineChanges/0/lineId: no line no-such-line"

# A wrong secret: the middleware refuses every request and the replies do not verify.
run "a wrong secret" simulate --url "$py" --secret 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=' \
    --scenario "$scenarios/failing.json"
expect_rc 1
expect_err_has "scenario 'failing': step 0 (startSession)"

# Version gates: a form needs MplusKASSA 59: a till on 57 is told so.
run "POS version gates" simulate --url "$py" --secret "$secret" --pos-version 57.0.0 \
    --scenario "$scenarios/every_action.json"
expect_rc 1
expect_err_has "step 9 (scanCode): scanCode: /form: needs MplusKASSA 59.0.0 (the till runs 57.0.0)"

# --- invalid scenario files: exit 2, naming the JSON path in the file ----------------------------

run "a bad action" simulate --url "$py" --secret "$secret" --scenario "$scenarios/bad_action.json"
expect_rc 2
expect_err_has "bad_action.json: /steps/1/code: expected string, got integer"
expect_err_has "bad_action.json: /steps/2/action: unknown action 'dance'"
run "a bad expectation" simulate --url "$py" --secret "$secret" \
    --scenario "$scenarios/bad_expect.json"
expect_rc 2
expect_err_has "bad_expect.json: /steps/0/expect/till/colour: unknown till check"
expect_err_has "bad_expect.json: /steps/0/expect/reply/a: unknown matcher '\$sometimes'"
run "not JSON" simulate --url "$py" --secret "$secret" --scenario "$scenarios/not_json.json"
expect_rc 2
expect_err_has "not_json.json: /: not valid JSON"
run "a missing file" simulate --url "$py" --secret "$secret" --scenario "$work/nothing.json"
expect_rc 2
run "no scenario" simulate --url "$py" --secret "$secret"
expect_rc 2
expect_err_has 'simulate needs --scenario FILE... or --flow NAME'

# --- send ---------------------------------------------------------------------------------------

printf '{"scanCode": {"scannedCode": "CARD1", "codeType": "barcode"}}' >"$work/scan.json"
run "send a partial body" send --url "$py" --secret "$secret" --event scanCode "$work/scan.json"
expect_rc 0
expect_out_has '"recognized":true'
expect_err_has 'scanCode: HTTP 200, signature ok'
run "send with the wrong key form" send --url "$py" --secret "$secret" --raw-key \
    --event scanCode "$work/scan.json"
expect_rc 1
expect_err_has 'scanCode: HTTP 400'
run "send without --event" send --url "$py" --secret "$secret" "$work/scan.json"
expect_rc 2
expect_err_has 'send needs --event NAME'

# --- record and replay over loopback ------------------------------------------------------------

"$tool" record --listen 127.0.0.1:0 --forward-to "$py" --out "$work/recorded.json" \
    --secret "$secret" --redact /sender/instanceId,/scanCode/message </dev/null \
    >"$work/rec.out" 2>"$work/rec.err" &
recorder=$!
pids="$pids $recorder"
if wait_for_line "$work/rec.err"; then
    rec_url=$(sed -n 's/.*listening on \(http:[^,]*\),.*/\1/p' "$work/rec.err")/hooks
    run "send through the recorder" send --url "$rec_url" --secret "$secret" --event scanCode \
        "$work/scan.json"
    expect_rc 0
    expect_err_has 'signature ok'
    run "simulate through the recorder" simulate --url "$rec_url" --secret "$secret" \
        --scenario "$scenarios/every_action.json"
    expect_rc 0
    kill -INT "$recorder"
    wait "$recorder"
    rc=$?
    current="the recorder stops on SIGINT"
    expect_rc 0
    current="the recording"
    expect_file_has "$work/recorded.json" '"action": "send"'
    expect_file_has "$work/recorded.json" '"raw": true'
    expect_file_has "$work/recorded.json" '"message": "$any"'
    expect_file_has "$work/recorded.json" '"instanceId": ""'
    checks=$((checks + 1))
    ! grep -F -q -e "$secret" "$work/recorded.json" || fail "the recording holds the secret"
    steps=$(grep -c '"action": "send"' "$work/recorded.json")
    checks=$((checks + 1))
    [ "$steps" -ge 30 ] || fail "the recording has $steps steps"
    run "replay the recording" simulate --url "$py" --secret "$secret" \
        --scenario "$work/recorded.json" --ignore /receiptFooter/0/textAfter,/externalPayment/externalTransactionReference
    expect_rc 0
    expect_out_has 'PASS recorded from'
    run "replay without ignoring the volatile values" simulate --url "$py" --secret "$secret" \
        --scenario "$work/recorded.json"
    expect_rc 1
    expect_err_has '/reply/receiptFooter/0/textAfter: differs'
else
    failures=$((failures + 1))
    echo "FAIL: the recorder did not start: $(cat "$work/rec.err")"
fi

# --- the demo middleware's flows ----------------------------------------------------------------

if [ -n "$demo" ]; then
    "$demo" --port 0 --secret "$secret" --data "$work/demo-data" \
        --now 2024-05-01T10:15:00+02:00 </dev/null >"$work/demo.out" 2>"$work/demo.err" &
    pids="$pids $!"
    port=''
    i=0
    while [ -z "$port" ] && [ $i -lt 100 ]; do
        port=$(sed -n 's/.*127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$work/demo.out" "$work/demo.err" | head -n 1)
        [ -n "$port" ] || sleep 0.1
        i=$((i + 1))
    done
    if [ -n "$port" ]; then
        for flow in ticketing cash-machine reservation loyalty; do
            run "demo flow $flow" simulate --url "http://127.0.0.1:$port/webhooks" \
                --secret "$secret" --flow "$flow"
            expect_rc 0
            expect_out_has "PASS $flow (flow:$flow"
        done
        run "the demo scenario files" simulate --url "http://127.0.0.1:$port/webhooks" \
            --secret "$secret" --scenario "$root/examples/scenarios/ticketing.json"
        expect_rc 0
    else
        failures=$((failures + 1))
        echo "FAIL: the demo middleware did not say its port: $(cat "$work/demo.out" "$work/demo.err")"
    fi
fi

# --- summary -------------------------------------------------------------------------------------

finish scenario_cli_test
