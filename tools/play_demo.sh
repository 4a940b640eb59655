#!/usr/bin/env bash
# Starts the demo middleware on loopback with a fresh data folder, plays the POS through the
# four example flows against it with `mplus-webhooks simulate --flow all`, and stops it.
# SPDX-License-Identifier: MIT
#
#   bash tools/play_demo.sh SERVER TOOL
#
# SERVER is mplus-demo-middleware, TOOL is mplus-webhooks (tools/demo.sh builds both). Exit 0
# when every flow completed as the POS expects and the middleware stopped cleanly.
set -euo pipefail

if (($# != 2)); then
    echo "usage: $0 SERVER TOOL" >&2
    exit 2
fi
server=$1
tool=$2

# shellcheck source=tools/demo_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/demo_common.sh"
step() { demo_step "$@"; }

# A fresh data folder and a fixed time of day (10:15 today, UTC) make every run show the same
# time slots and vouchers.
secret=$demo_secret
work="$(mktemp -d "${TMPDIR:-/tmp}/mplus-demo.XXXXXX")"
now="$(date -u +%Y-%m-%d)T10:15:00.000+00:00"
pid=""
cleanup() {
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

step "start the demo middleware on 127.0.0.1 (data in $work, now $now)"
# MPLUS_DEMO_STORE (e.g. postgresql://...) replaces the SQLite file of the data folder.
started=0
demo_start_middleware "$server" "$work/server.log" --data "$work/data" \
    ${MPLUS_DEMO_STORE:+--store "$MPLUS_DEMO_STORE"} --now "$now" || started=$?
pid=$demo_pid
url=$demo_url
((started == 0)) || exit 1

step "play the POS: mplus-webhooks simulate --url $url/webhooks --flow all"
status=0
"$tool" simulate --url "$url/webhooks" --secret "$secret" --flow all || status=$?

step "stop the demo middleware"
kill -TERM "$pid"
server_status=0
wait "$pid" || server_status=$?
pid=""
if ((server_status != 0)); then
    echo "error: the demo middleware exited with status $server_status after SIGTERM" >&2
    cat "$work/server.log" >&2
    exit 1
fi

if ((status == 0)); then
    step "demo done: every flow completed as the POS expects"
else
    step "demo failed: some flows did not complete as the POS expects (exit $status)"
fi
exit "$status"
