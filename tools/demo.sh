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

bash tools/play_demo.sh "$server" "$tool"
