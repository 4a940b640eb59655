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

# shellcheck source=tools/demo_common.sh
source tools/demo_common.sh
step() { demo_step "$@"; }
demo_build

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
started=0
demo_start_middleware "$demo_server" "$work/server.log" --data "$work/data" || started=$?
server_pid=$demo_pid
((started == 0)) || exit 1

step "start the till: open the address below in a browser; Ctrl-C stops"
"$demo_tool" till --url "$demo_url/webhooks" --secret "$demo_secret" --port "$port" &
till_pid=$!
wait "$till_pid"
