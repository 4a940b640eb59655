#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time on a temporary copy of its seed corpus.
# SPDX-License-Identifier: MIT
#
#   bash tests/fuzz/fuzz_for.sh <fuzzer binary> <seed corpus dir> <seconds> [libFuzzer flags...]
#
# The checkout is never written: new inputs go to the temporary copy, which is removed at the
# end (set MPLUS_WEBHOOKS_FUZZ_KEEP=<dir> to keep it there). A crash, leak or failed check
# leaves its input as crash-*/leak-*/timeout-* in the current directory and fails. Prints one
# summary line: target, seconds, executions, corpus files and bytes before and after.
set -euo pipefail
binary=$1 seeds=$2 seconds=$3
shift 3
name=$(basename "$binary")
work=$(mktemp -d "${TMPDIR:-/tmp}/mplus-fuzz-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
cp "$seeds"/* "$work/corpus/"
count_files() { find "$1" -type f | wc -l; }
count_bytes() { find "$1" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }
files0=$(count_files "$work/corpus") bytes0=$(count_bytes "$work/corpus")

status=0
"$binary" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$PWD/" "$@" "$work/corpus" >"$work/log" 2>&1 || status=$?
if ((status != 0)); then
    tail -n 60 "$work/log"
    echo "$name: FAILED (exit $status); reproduce with: $binary <the crash-* file above>" >&2
    exit "$status"
fi
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
files1=$(count_files "$work/corpus") bytes1=$(count_bytes "$work/corpus")
grep -E '^#[0-9]+ +DONE' "$work/log" || true
printf '%-22s %5ss  %10s execs  corpus %4s files %8s B -> %4s files %8s B\n' \
    "$name" "$seconds" "${execs:-?}" "$files0" "$bytes0" "$files1" "$bytes1"
if [[ -n "${MPLUS_WEBHOOKS_FUZZ_KEEP:-}" ]]; then
    mkdir -p "$MPLUS_WEBHOOKS_FUZZ_KEEP/$name"
    cp "$work/corpus"/* "$MPLUS_WEBHOOKS_FUZZ_KEEP/$name/"
fi
