#!/usr/bin/env bash
# Memory flatness of the demo middleware under load, on SQLite and on PostgreSQL.
# SPDX-License-Identifier: MIT
#
#   bench/memory_flat.sh [BUILD_DIR] [REQUESTS] [CLIENTS] [STORES]
#
# Defaults: BUILD_DIR=build/rel, REQUESTS=100000, CLIENTS=8, STORES="sqlite postgresql".
# For each store, runs mplus_webhooks_load_driver --demo (simulated tills selling tickets,
# scanning codes, completing and cancelling sessions) against mplus-demo-middleware, which
# samples the server's VmRSS every 100 ms; prints the RSS at the end of each tenth of the run
# (every 10,000 requests with the default) and the verdict: the largest sample after the first
# tenth within 10% of the first tenth's sample (the issue's target), or not. PostgreSQL runs on
# a throwaway cluster on 127.0.0.1 (tests/state/postgresql_cluster.sh), stopped afterwards.
# Build first (Release):
#   cmake -S . -B build/rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DMPLUS_WEBHOOKS_BUILD_TESTS=ON \
#         -DMPLUS_WEBHOOKS_BUILD_EXAMPLES=ON -DMPLUS_WEBHOOKS_BUILD_TOOLS=ON
#   cmake --build build/rel --target mplus_webhooks_load_driver mplus-demo-middleware
# With HEAP_PROFILE=PREFIX, the demo also runs with bench/heap_sampler.c preloaded (built here
# with cc), which writes glibc's and SQLite's heap counters once a second to PREFIX.<store>.tsv.
# Exit status 0 when every store stayed flat and every run succeeded.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-build/rel}"
requests="${2:-100000}"
clients="${3:-8}"
stores="${4:-sqlite postgresql}"
tolerance=10

# shellcheck source=bench/find_built.sh
source "$root/bench/find_built.sh"
driver="$(find_built "$build" mplus_webhooks_load_driver)"
demo="$(find_built "$build" mplus-demo-middleware)"

sampler_dir=""
if [[ -n "${HEAP_PROFILE:-}" ]]; then
    sampler_dir="$(mktemp -d "${TMPDIR:-/tmp}/heap-sampler.XXXXXX")"
    cc -shared -fPIC -O2 -o "$sampler_dir/heap_sampler.so" "$root/bench/heap_sampler.c" -ldl -lpthread
fi

pg_dir=""
cleanup() {
    [[ -z "$sampler_dir" ]] || rm -rf "$sampler_dir"
    if [[ -n "$pg_dir" ]]; then
        bash "$root/tests/state/postgresql_cluster.sh" stop "$pg_dir" || true
        rm -rf "$pg_dir"
    fi
}
trap cleanup EXIT

echo "memory_flat: $requests requests, $clients clients; load average $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
for store in $stores; do
    extra=()
    case "$store" in
    sqlite) ;; # the demo's default: sqlite:<data dir>/demo.sqlite
    postgresql)
        pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/memory-flat-pg.XXXXXX")"
        bash "$root/tests/state/postgresql_cluster.sh" start "$pg_dir"
        extra=(--server-arg --store --server-arg "$(cat "$pg_dir/url")")
        ;;
    *) echo "memory_flat: unknown store $store (sqlite or postgresql)" >&2; exit 2 ;;
    esac
    echo "== $store"
    out="$(mktemp)"
    profile=()
    if [[ -n "$sampler_dir" ]]; then
        profile=(env "HEAP_SAMPLER_OUT=$HEAP_PROFILE.$store.tsv"
            HEAP_SAMPLER_MATCH=mplus-demo-middleware "LD_PRELOAD=$sampler_dir/heap_sampler.so")
    fi
    if ! "${profile[@]}" "$driver" --server "$demo" --demo --requests "$requests" --clients "$clients" \
        --rss-tolerance "$tolerance" "${extra[@]}" | tee "$out"; then
        echo "memory_flat: $store: the load run failed" >&2
        status=1
    fi
    samples="$(sed -n 's/^server RSS by tenth *//p' "$out")"
    rm -f "$out"
    if [[ -z "$samples" ]]; then
        status=1
    else
        # The first tenth's sample against the largest later one.
        verdict="$(echo "$samples" | awk -v tol="$tolerance" -v n="$requests" '{
            first = $1; max = $1
            for (i = 2; i <= NF; i++) if ($i > max) max = $i
            growth = 100 * (max - first) / first
            printf "RSS (KiB) every %d requests: %s\n", n / 10, $0
            printf "after the first %d: %d KiB; largest later: %d KiB (%+.1f%%); ", n / 10, first, max, growth
            if (growth <= tol) print "FLAT (within " tol "%)"; else print "NOT FLAT (over " tol "%)"
        }')"
        echo "$store: $verdict"
        [[ "$verdict" == *"NOT FLAT"* ]] && status=1
    fi
    if [[ "$store" == postgresql ]]; then
        bash "$root/tests/state/postgresql_cluster.sh" stop "$pg_dir"
        rm -rf "$pg_dir"
        pg_dir=""
    fi
done
exit "$status"
