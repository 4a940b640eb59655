#!/bin/sh
# Runs one recipe against one scenario file: starts the recipe on a free loopback port, runs
# `mplus-webhooks simulate --scenario` against it, stops it. Exit status: simulate's.
# SPDX-License-Identifier: MIT
#
#   sh tests/recipes/run_recipe.sh RECIPE CLI SCENARIO [SERVER ARGS...] -- [SIMULATE ARGS...]
#
# A run meant to fail (the wrong-secret recipe) sets, in the environment:
#   RECIPE_EXPECT_EXIT=N       simulate must exit N (then this script exits 0)
#   RECIPE_EXPECT_OUTPUT=ERE   ... and a line of its output (stdout and stderr) must match ERE
#   RECIPE_EXPECT_OUTPUT2=ERE  ... and another pattern too
set -u

recipe=$1 cli=$2 scenario=$3
shift 3
server_args=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    server_args="$server_args $1"
    shift
done
[ $# -gt 0 ] && shift # the --

work=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# shellcheck disable=SC2086 # the server arguments are words on purpose
"$recipe" --port 0 $server_args >"$work/out" 2>"$work/err" &
pid=$!

# Wait (at most 10 s) for `listening on 127.0.0.1:<port>`.
port=""
i=0
while [ $i -lt 100 ]; do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$work/out")
    [ -n "$port" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "run_recipe: $recipe exited before listening:" >&2
        cat "$work/err" >&2
        exit 1
    fi
    sleep 0.1
    i=$((i + 1))
done
if [ -z "$port" ]; then
    echo "run_recipe: $recipe did not listen within 10 s" >&2
    exit 1
fi

"$cli" simulate --url "http://127.0.0.1:$port" "$@" --scenario "$scenario" >"$work/sim" 2>&1
status=$?
cat "$work/sim"
if [ -n "${RECIPE_EXPECT_EXIT:-}" ]; then
    if [ "$status" -ne "$RECIPE_EXPECT_EXIT" ]; then
        echo "run_recipe: simulate exited $status, expected $RECIPE_EXPECT_EXIT" >&2
        exit 1
    fi
    for pattern in "${RECIPE_EXPECT_OUTPUT:-}" "${RECIPE_EXPECT_OUTPUT2:-}"; do
        if [ -n "$pattern" ] && ! grep -Eq "$pattern" "$work/sim"; then
            echo "run_recipe: no output line matches: $pattern" >&2
            exit 1
        fi
    done
    exit 0
fi
if [ $status -ne 0 ] && [ -s "$work/err" ]; then
    echo "--- $recipe stderr:" >&2
    cat "$work/err" >&2
fi
exit $status
