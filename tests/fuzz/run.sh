#!/usr/bin/env bash
# The long fuzzing run: builds the libFuzzer targets (clang) and fuzzes each for a while.
# SPDX-License-Identifier: MIT
#
#   bash tests/fuzz/run.sh [seconds per target, default 600] [target...]
#
# Builds in build/fuzz-long, then runs the targets one after the other, each on a temporary copy of
# its seed corpus (tests/fuzz/fuzz_for.sh), and prints executions and corpus sizes per target.
# MPLUS_WEBHOOKS_FUZZ_KEEP=<dir> keeps the grown corpora there (to minimize and commit with
# `<target> -merge=1 tests/fuzz/corpus/<target> <dir>/<target>`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds=${1:-600}
shift || true
targets=("$@")
((${#targets[@]})) ||
    targets=(fuzz_handle_unsigned fuzz_handle_signed fuzz_decode fuzz_decimal fuzz_base64)
build="$root/build/fuzz-long"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMPLUS_WEBHOOKS_FUZZ=ON -DMPLUS_WEBHOOKS_WERROR=ON \
    -DMPLUS_WEBHOOKS_BUILD_EXAMPLES=OFF -DMPLUS_WEBHOOKS_PACKAGING_TESTS=OFF >/dev/null
cmake --build "$build" --parallel "${MPLUS_WEBHOOKS_JOBS:-2}" --target mplus_webhooks_fuzzers

mkdir -p "$build/tests/fuzz/artifacts"
cd "$build/tests/fuzz/artifacts"
for t in "${targets[@]}"; do
    bash "$root/tests/fuzz/fuzz_for.sh" "$build/tests/fuzz/$t" "$root/tests/fuzz/corpus/$t" \
        "$seconds" | tail -n 1
done
