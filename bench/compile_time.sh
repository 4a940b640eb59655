#!/usr/bin/env bash
# Measures what including <mplus/webhooks.hpp> costs in compile time, against <nlohmann/json.hpp>.
# SPDX-License-Identifier: MIT
#
# Usage: bench/compile_time.sh [N]        (N compilations of each file, default 7)
# Environment: CXX (default g++), CXXFLAGS (default "-std=c++17 -O0").
#
# Four translation units, each compiled with `$CXX $CXXFLAGS -c` N times, one at a time, the
# files taking turns so that a change in machine load hits all of them; the median wall time of
# each is printed, and two ratios:
#   include only : umbrella header + empty main   vs  nlohmann/json.hpp + empty main
#   typical use  : umbrella + try_parse<AddSessionLineRequest> + serialize
#                  vs  nlohmann/json.hpp + json::parse + dump
# Target (issue 2, item 10): include only <= 1.6x.
set -euo pipefail

n=${1:-7}
cxx=${CXX:-g++}
read -r -a flags <<<"${CXXFLAGS:--std=c++17 -O0}"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
include_dir="$here/../include"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/umbrella.cpp" <<'EOF'
#include <mplus/webhooks.hpp>
int main() { return 0; }
EOF
cat >"$work/nlohmann.cpp" <<'EOF'
#include <nlohmann/json.hpp>
int main() { return 0; }
EOF
cat >"$work/umbrella_use.cpp" <<'EOF'
#include <mplus/webhooks.hpp>
#include <cstdio>
#include <string>
int main(int argc, char** argv) {
    const std::string text = argc > 1 ? argv[1] : "{}";
    auto r = mplus::webhooks::try_parse<mplus::webhooks::AddSessionLineRequest>(text);
    if (!r) return 1;
    std::puts(mplus::webhooks::serialize(*r).c_str());
    return 0;
}
EOF
cat >"$work/nlohmann_use.cpp" <<'EOF'
#include <nlohmann/json.hpp>
#include <cstdio>
#include <string>
int main(int argc, char** argv) {
    const std::string text = argc > 1 ? argv[1] : "{}";
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return 1;
    std::puts(j.dump().c_str());
    return 0;
}
EOF

units=(umbrella nlohmann umbrella_use nlohmann_use)

# Seconds (wall) of one compilation of unit $1.
compile_once() {
    local TIMEFORMAT=%R
    { time "$cxx" "${flags[@]}" -I"$include_dir" -c "$work/$1.cpp" -o "$work/$1.o" 2>/dev/null; } 2>&1
}

# Median of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Every unit must compile before anything is timed.
for u in "${units[@]}"; do
    if ! "$cxx" "${flags[@]}" -I"$include_dir" -c "$work/$u.cpp" -o "$work/$u.o"; then
        echo "compile_time.sh: $u.cpp does not compile" >&2
        exit 1
    fi
done

echo "compile_time.sh: $("$cxx" --version | head -n 1); flags: ${flags[*]} -c; N=$n"
echo "load before: $(cut -d ' ' -f 1-3 /proc/loadavg)"
declare -A times
for ((i = 0; i < n; i++)); do
    for u in "${units[@]}"; do
        times[$u]+="$(compile_once "$u") "
    done
done
echo "load after:  $(cut -d ' ' -f 1-3 /proc/loadavg)"

declare -A med
printf '%-18s %10s   %s\n' "unit" "median s" "all runs (s)"
for u in "${units[@]}"; do
    med[$u]=$(tr ' ' '\n' <<<"${times[$u]}" | grep . | median)
    printf '%-18s %10.3f   %s\n' "$u.cpp" "${med[$u]}" "${times[$u]}"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "include only (umbrella / nlohmann):         $(ratio "${med[umbrella]}" "${med[nlohmann]}")x  (target <= 1.6x)"
echo "typical use  (umbrella_use / nlohmann_use): $(ratio "${med[umbrella_use]}" "${med[nlohmann_use]}")x"
