#!/usr/bin/env bash
# Load figures (docs/reliability.md): 32 keep-alive clients send 20,000 signed requests through
# mplus-example-httplib and mplus-demo-middleware, then 2,000 more to each under valgrind's leak
# checker. Builds nothing: it runs the binaries of an existing build.
# SPDX-License-Identifier: MIT
#
#   bash bench/load.sh [build-dir]        # default build/bench
#
# The build needs -DMPLUS_WEBHOOKS_BUILD_BENCH=ON and the examples (Release for the figures):
#   cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DMPLUS_WEBHOOKS_BUILD_BENCH=ON
#   cmake --build build/bench --target load_test mplus-example-httplib mplus-demo-middleware
#
# Environment: MPLUS_WEBHOOKS_LOAD_REQUESTS (20000), MPLUS_WEBHOOKS_LOAD_CLIENTS (32),
# MPLUS_WEBHOOKS_LEAK_REQUESTS (2000; 0 skips the leak runs).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build/bench}"
requests="${MPLUS_WEBHOOKS_LOAD_REQUESTS:-20000}"
clients="${MPLUS_WEBHOOKS_LOAD_CLIENTS:-32}"
leak_requests="${MPLUS_WEBHOOKS_LEAK_REQUESTS:-2000}"

# shellcheck source=bench/find_built.sh
source "$root/bench/find_built.sh"
driver="$(find_built "$build" load_test)" || exit 2
example="$(find_built "$build" mplus-example-httplib)" || exit 2
demo="$(find_built "$build" mplus-demo-middleware)" || exit 2

status=0
run() { # run <title> <load_test arguments...>
    printf '\n== %s\n' "$1"
    shift
    "$driver" "$@" || status=1
}

run "mplus-example-httplib: $requests requests, $clients clients" \
    --server "$example" --requests "$requests" --clients "$clients"
run "mplus-demo-middleware: $requests requests, $clients clients" \
    --server "$demo" --demo --requests "$requests" --clients "$clients"

if [[ "$leak_requests" != 0 ]]; then
    if ! command -v valgrind >/dev/null; then
        echo "load.sh: valgrind not found (Debian: apt-get install valgrind), no leak runs" >&2
        exit "$status"
    fi
    logs="$(mktemp -d)"
    trap 'rm -rf "$logs"' EXIT
    for server in example demo; do
        binary=$example
        extra=()
        if [[ $server == demo ]]; then
            binary=$demo
            extra=(--demo)
        fi
        run "$(basename "$binary") under valgrind --leak-check=full: $leak_requests requests, 8 clients, SIGTERM" \
            --server "$binary" "${extra[@]}" --requests "$leak_requests" --clients 8 \
            --launcher "valgrind --leak-check=full --log-file=$logs/$server.%p.log"
        log="$(ls "$logs"/$server.*.log 2>/dev/null | head -n1)"
        if [[ -z "$log" ]]; then
            echo "leak check: no valgrind log" && status=1 && continue
        fi
        # Either "All heap blocks were freed" or the LEAK SUMMARY, whose first line must read
        # "definitely lost: 0 bytes in 0 blocks".
        grep -E "in use at exit|All heap blocks were freed|definitely lost|indirectly lost|possibly lost|ERROR SUMMARY" "$log" |
            sed -e 's/^==[0-9]*== */leak check: /'
        if grep -qE "definitely lost: [1-9]" "$log"; then status=1; fi
    done
fi
exit "$status"
