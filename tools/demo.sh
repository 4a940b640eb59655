#!/usr/bin/env bash
# The README's demo: builds the demo middleware and the mplus-webhooks tool, starts the
# middleware on loopback, plays the POS through the four example flows against it, prints the
# transcripts, and stops it.
# SPDX-License-Identifier: MIT
#
#   bash tools/demo.sh
#
# Environment:
#   MPLUS_WEBHOOKS_JOBS=N   build parallelism (default 2)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# shellcheck source=tools/deps.sh
source tools/deps.sh
mplus_webhooks_ensure_packages

step() { printf '\n==> %s\n' "$*"; }

dir=build/demo
step "configure $dir"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DMPLUS_WEBHOOKS_BUILD_TOOLS=ON \
    -DMPLUS_WEBHOOKS_BUILD_TESTS=OFF \
    -DMPLUS_WEBHOOKS_BUILD_EXAMPLES=ON \
    -DMPLUS_WEBHOOKS_BUILD_BENCH=OFF

step "build mplus-demo-middleware and mplus-webhooks"
cmake --build "$dir" --parallel "${MPLUS_WEBHOOKS_JOBS:-2}" \
    --target mplus-demo-middleware mplus-webhooks

tool="$dir/tools/mplus-webhooks"
server="$dir/examples/demo_middleware/mplus-demo-middleware"

# The secret as the back office would show it (base64). A fresh data folder and a fixed
# time of day (10:15 today, UTC) make every run show the same time slots and vouchers.
secret='eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0='
work="$(mktemp -d "${TMPDIR:-/tmp}/mplus-demo.XXXXXX")"
now="$(date -u +%Y-%m-%d)T10:15:00.000+00:00"
pid=""
cleanup() {
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

step "start the demo middleware on 127.0.0.1 (data in $work, now $now)"
"$server" --port 0 --secret "$secret" --data "$work/data" --now "$now" >"$work/server.log" 2>&1 &
pid=$!
url=""
for _ in $(seq 1 100); do
    if line="$(grep -m1 '^listening on ' "$work/server.log" 2>/dev/null)"; then
        url="${line#listening on }"
        break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
done
if [[ -z "$url" ]]; then
    echo "error: the demo middleware did not start:" >&2
    cat "$work/server.log" >&2
    exit 1
fi
echo "listening on $url"

step "play the POS: mplus-webhooks simulate --url $url/webhooks --flow all"
status=0
"$tool" simulate --url "$url/webhooks" --secret "$secret" --flow all || status=$?

step "stop the demo middleware"
kill -TERM "$pid"
wait "$pid" || true
pid=""

if ((status == 0)); then
    step "demo done: every flow completed as the POS expects"
else
    step "demo failed: some flows did not complete as the POS expects (exit $status)"
fi
exit "$status"
