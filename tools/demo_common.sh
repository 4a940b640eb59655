#!/usr/bin/env bash
# Shared by the demo scripts (sourced, not run): the demo's secret, the build of the demo
# middleware and the mplus-webhooks tool, and starting the middleware on loopback.
# SPDX-License-Identifier: MIT
#
#   source tools/demo_common.sh

# The secret as the back office would show it (base64).
demo_secret='eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0='

demo_step() { printf '\n==> %s\n' "$*"; }

# demo_build: configures build/demo (Release, examples and tools) from the checkout's root and
# builds the demo middleware and the tool; sets demo_server and demo_tool to their paths.
# MPLUS_WEBHOOKS_JOBS=N sets the build parallelism (default 2).
demo_build() {
    local dir=build/demo
    demo_step "configure $dir"
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DMPLUS_WEBHOOKS_BUILD_TOOLS=ON \
        -DMPLUS_WEBHOOKS_BUILD_TESTS=OFF \
        -DMPLUS_WEBHOOKS_BUILD_EXAMPLES=ON \
        -DMPLUS_WEBHOOKS_BUILD_BENCH=OFF
    demo_step "build mplus-demo-middleware and mplus-webhooks"
    cmake --build "$dir" --parallel "${MPLUS_WEBHOOKS_JOBS:-2}" \
        --target mplus-demo-middleware mplus-webhooks
    demo_tool="$dir/tools/mplus-webhooks"
    demo_server="$dir/examples/demo_middleware/mplus-demo-middleware"
}

# demo_start_middleware SERVER LOG [ARGS...]: starts the demo middleware SERVER on a free
# loopback port with the demo's secret and ARGS, its output in LOG, and waits up to 10 s for
# its `listening on URL` line. Sets demo_pid and demo_url; returns 1 (after printing LOG) when
# it did not start. The caller stops it (kill -TERM "$demo_pid").
demo_start_middleware() {
    local server=$1 log=$2 line
    shift 2
    "$server" --port 0 --secret "$demo_secret" "$@" >"$log" 2>&1 &
    demo_pid=$!
    demo_url=""
    for _ in $(seq 1 100); do
        if line="$(grep -m1 '^listening on ' "$log" 2>/dev/null)"; then
            demo_url="${line#listening on }"
            break
        fi
        kill -0 "$demo_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z "$demo_url" ]]; then
        echo "error: the demo middleware did not start:" >&2
        cat "$log" >&2
        return 1
    fi
    echo "listening on $demo_url"
}
