#!/bin/sh
# Requests per second of mplus-example-httplib against a bare cpp-httplib + nlohmann server.
# SPDX-License-Identifier: MIT
#
# Usage: bench/http_rps.sh [EXAMPLE_BINARY BARE_SERVER_BINARY]
#
# Builds nothing: without arguments it takes the binaries from build/bench (BUILD_DIR=...), as
# built by
#   cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release \
#         -DMPLUS_WEBHOOKS_BUILD_BENCH=ON -DMPLUS_WEBHOOKS_BUILD_EXAMPLES=ON
#   cmake --build build/bench --target mplus-example-httplib bare_httplib_server_openssl \
#         bare_httplib_server mplus-webhooks
# Starts both servers on 127.0.0.1 (free ports), checks that each answers the signed body with
# 200, runs wrk (-t2 -c32 -d10s, bench/wrk_signed.lua) RUNS times on each, alternating, prints
# the median requests/s and the ratio (target: example/bare >= 0.90), stops both servers.
# NAGLE=1 adds one run of the bare server with TCP_NODELAY off (cpp-httplib's default).
# Environment: RUNS (3), DURATION (10s), THREADS (2), CONNECTIONS (32), BODY (a file to POST;
# default examples/samples/addSessionLine.json).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build/bench}
runs=${RUNS:-3}
duration=${DURATION:-10s}
threads=${THREADS:-2}
connections=${CONNECTIONS:-32}
body=${BODY:-$root/examples/samples/addSessionLine.json}
secret='eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0='

example=${1:-$build/examples/mplus-example-httplib}
if [ $# -ge 2 ]; then
    bare=$2
elif [ -x "$build/bench/bare_httplib_server_openssl" ]; then
    bare=$build/bench/bare_httplib_server_openssl # same HMAC backend as the example
else
    bare=$build/bench/bare_httplib_server
fi
for program in "$example" "$bare"; do
    [ -x "$program" ] || { echo "http_rps.sh: $program is not built (see the usage)" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "http_rps.sh: wrk is not installed" >&2; exit 2; }

tool=$build/tools/mplus-webhooks
if [ -x "$tool" ]; then
    signature=$("$tool" sign --secret "$secret" "$body")
else # the same HMAC with the openssl command
    key=$(printf '%s' "$secret" | base64 -d | od -An -tx1 | tr -d ' \n')
    signature=$(openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary "$body" | base64)
fi

tmp=$(mktemp -d)
pids=""
cleanup() {
    for pid in $pids; do kill "$pid" 2>/dev/null || true; done
    for pid in $pids; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# start NAME PROGRAM [ARGS...]: starts a server, sets port_NAME once it is listening.
start() {
    name=$1
    shift
    "$@" --port 0 --secret "$secret" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pids="$pids $!"
    i=0
    while ! grep -q '^listening on http://127.0.0.1:' "$tmp/$name.out" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 100 ]; then
            echo "http_rps.sh: $name did not start:" >&2
            cat "$tmp/$name.err" >&2
            exit 1
        fi
        sleep 0.1
    done
    eval "port_$name=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$tmp/$name.out")"
}

# check PORT: one signed request must get 200.
check() {
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
        -H "X-Mplus-Signature: $signature" --data-binary "@$body" \
        "http://127.0.0.1:$1/webhooks/addSessionLine")
    [ "$code" = 200 ] || { echo "http_rps.sh: port $1 answered $code, not 200" >&2; exit 1; }
}

# rps PORT DURATION: requests/s of one wrk run; fails on non-2xx replies or socket errors.
rps() {
    MPLUS_BODY_FILE=$body MPLUS_SIGNATURE=$signature \
        wrk -t"$threads" -c"$connections" -d"$2" -s "$root/bench/wrk_signed.lua" \
        "http://127.0.0.1:$1/webhooks/addSessionLine" >"$tmp/wrk.out"
    if grep -q -e 'Non-2xx' -e 'Socket errors' "$tmp/wrk.out"; then
        cat "$tmp/wrk.out" >&2
        echo "http_rps.sh: failed requests" >&2
        exit 1
    fi
    awk '$1 == "Requests/sec:" { print $2 }' "$tmp/wrk.out"
}

# The average latency of the last wrk run.
latency() { awk '$1 == "Latency" { print $2 }' "$tmp/wrk.out"; }

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); if (NR % 2) print v[m]; else print (v[m] + v[m + 1]) / 2 }'; }

start example "$example"
start bare "$bare"
command -v curl >/dev/null && { check "$port_example"; check "$port_bare"; }

echo "http_rps.sh: wrk -t$threads -c$connections -d$duration, $(wc -c <"$body") byte body, $runs runs each, alternating"
echo "load before: $(uptime | sed 's/.*load average: //')"
example_runs=""
bare_runs=""
n=1
while [ $n -le "$runs" ]; do
    r=$(rps "$port_example" "$duration")
    echo "  run $n  mplus-example-httplib  $r req/s  (latency avg $(latency))"
    example_runs="$example_runs $r"
    r=$(rps "$port_bare" "$duration")
    echo "  run $n  bare_httplib_server    $r req/s  (latency avg $(latency))"
    bare_runs="$bare_runs $r"
    n=$((n + 1))
done
echo "load after: $(uptime | sed 's/.*load average: //')"
m_example=$(echo "$example_runs" | median)
m_bare=$(echo "$bare_runs" | median)
printf '%-24s %12s\n' "server" "median req/s"
printf '%-24s %12.0f\n' "mplus-example-httplib" "$m_example" "bare_httplib_server" "$m_bare"
awk -v a="$m_example" -v b="$m_bare" 'BEGIN { printf "ratio example/bare: %.2f (target >= 0.90)\n", a / b }'

if [ "${NAGLE:-0}" = 1 ]; then
    start nagle "$bare" --no-tcp-nodelay
    r=$(rps "$port_nagle" "$duration")
    echo "bare_httplib_server with TCP_NODELAY off: $r req/s (latency avg $(latency))"
fi
