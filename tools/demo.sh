#!/usr/bin/env bash
# Builds the mplus-webhooks tool and validates a sample payload and reply (the README's demo).
# SPDX-License-Identifier: MIT
#
#   bash tools/demo.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# shellcheck source=tools/deps.sh
source tools/deps.sh
mplus_webhooks_ensure_packages

step() { printf '\n==> %s\n' "$*"; }

if [[ ! -f tools/cli/main.cpp ]]; then
    echo "error: tools/cli/main.cpp is missing; the mplus-webhooks tool cannot be built" >&2
    exit 1
fi

dir=build/demo
step "configure $dir"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DMPLUS_WEBHOOKS_BUILD_TOOLS=ON \
    -DMPLUS_WEBHOOKS_BUILD_TESTS=OFF \
    -DMPLUS_WEBHOOKS_BUILD_EXAMPLES=OFF \
    -DMPLUS_WEBHOOKS_BUILD_BENCH=OFF

step "build the mplus-webhooks tool"
cmake --build "$dir" --parallel "${MPLUS_WEBHOOKS_JOBS:-2}" --target mplus-webhooks

tool="$dir/tools/mplus-webhooks"
run() {
    printf '\n$ mplus-webhooks'
    printf ' %q' "$@"
    printf '\n'
    "$tool" "$@"
}

step "validate a webhook payload"
run validate --event addSessionLine examples/samples/addSessionLine.json

step "validate a reply to it"
run validate --reply --event addSessionLine examples/samples/addSessionLine.reply.json

step "demo done"
