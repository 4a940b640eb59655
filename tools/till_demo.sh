#!/usr/bin/env bash
# Play the till yourself: builds the demo middleware and the mplus-webhooks tool, starts the
# middleware on loopback and `mplus-webhooks till` against it, and prints the address to open
# in a browser. Ctrl-C stops both.
# SPDX-License-Identifier: MIT
#
#   bash tools/till_demo.sh [PORT]      (the page's port, default 8765)
#
# Environment:
#   MPLUS_WEBHOOKS_JOBS=N   build parallelism (default 2)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
port="${1:-8765}"

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
secret='eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0='
work="$(mktemp -d "${TMPDIR:-/tmp}/mplus-till.XXXXXX")"
server_pid=""
till_pid=""
cleanup() {
    for pid in "$till_pid" "$server_pid"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

step "start the demo middleware (data in $work)"
"$server" --port 0 --secret "$secret" --data "$work/data" >"$work/server.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 100); do
    if line="$(grep -m1 '^listening on ' "$work/server.log" 2>/dev/null)"; then
        url="${line#listening on }"
        break
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
if [[ -z "$url" ]]; then
    echo "error: the demo middleware did not start:" >&2
    cat "$work/server.log" >&2
    exit 1
fi
echo "listening on $url"

step "start the till: open the address below in a browser; Ctrl-C stops"
"$tool" till --url "$url/webhooks" --secret "$secret" --port "$port" &
till_pid=$!
wait "$till_pid"
