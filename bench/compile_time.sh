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
#
# bench/compile_time.sh middleware [N]   (N compilations of each, default 5)
# Environment: COMPILERS (default "g++ clang++"), OPT_LEVELS (default "-O0 -O2").
#
# A real middleware main file against the same middleware written by hand: the cpp-httplib
# example (examples/httplib_middleware/main.cpp: dispatcher, adapter, five handlers) vs
# bench/hand_written_middleware.cpp (cpp-httplib + nlohmann, the same five endpoints and checks
# by hand). Each compiled with `-std=c++17 $OPT -c` (plus cpp-httplib's pkg-config flags), for
# every compiler and level, N times, taking turns; prints the medians of the wall time, of the
# compiler's CPU time (user + system: steadier than wall time on a loaded machine) and of its
# peak memory (/usr/bin/time -f %M), and the ratios.
# Targets (issue 9): header-only mode <= 2x the hand-written server.
set -euo pipefail

if [[ ${1:-} == middleware ]]; then
    n=${2:-5}
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    root="$here/.."
    read -r -a compilers <<<"${COMPILERS:-g++ clang++}"
    read -r -a levels <<<"${OPT_LEVELS:--O0 -O2}"
    httplib_flags=()
    if command -v pkg-config >/dev/null && pkg-config --exists cpp-httplib; then
        read -r -a httplib_flags <<<"$(pkg-config --cflags cpp-httplib)"
    fi
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    declare -A src=([sdk]="$root/examples/httplib_middleware/main.cpp"
                    [hand]="$root/bench/hand_written_middleware.cpp")
    median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
    # "wall_s cpu_s peak_kib" of one compilation.
    compile_once() {
        /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$1" -std=c++17 "$2" "${httplib_flags[@]}" \
            -I"$root/include" -I"$root/bench" -c "${src[$3]}" -o "$work/$3.o" 2>/dev/null
        awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$work/time"
    }
    echo "compile_time.sh middleware: N=$n; $(nproc) cores; load before: $(cut -d ' ' -f 1-3 /proc/loadavg)"
    printf '%-10s %-4s %-5s %8s %8s %8s   %s\n' compiler opt file "wall s" "CPU s" "MiB" "CPU s of each run"
    for cxx in "${compilers[@]}"; do
        for opt in "${levels[@]}"; do
            declare -A secs=() cpu=() mem=()
            for f in sdk hand; do # every file must compile before anything is timed
                if ! "$cxx" -std=c++17 "$opt" "${httplib_flags[@]}" -I"$root/include" \
                        -I"$root/bench" -c "${src[$f]}" -o "$work/$f.o"; then
                    echo "compile_time.sh: ${src[$f]} does not compile with $cxx" >&2
                    exit 1
                fi
            done
            for ((i = 0; i < n; i++)); do
                for f in sdk hand; do
                    read -r s c m < <(compile_once "$cxx" "$opt" "$f")
                    secs[$f]+="$s "
                    cpu[$f]+="$c "
                    mem[$f]+="$m "
                done
            done
            declare -A ms=() mc=() mm=()
            for f in sdk hand; do
                ms[$f]=$(tr ' ' '\n' <<<"${secs[$f]}" | grep . | median)
                mc[$f]=$(tr ' ' '\n' <<<"${cpu[$f]}" | grep . | median)
                mm[$f]=$(tr ' ' '\n' <<<"${mem[$f]}" | grep . | median)
                printf '%-10s %-4s %-5s %8.2f %8.2f %8.0f   %s\n' "$cxx" "$opt" "$f" "${ms[$f]}" \
                    "${mc[$f]}" "$(awk -v k="${mm[$f]}" 'BEGIN { print k / 1024 }')" "${cpu[$f]}"
            done
            ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
            echo "$cxx $opt: example / hand-written: CPU $(ratio "${mc[sdk]}" "${mc[hand]}")x," \
                 "wall $(ratio "${ms[sdk]}" "${ms[hand]}")x, memory $(ratio "${mm[sdk]}" "${mm[hand]}")x" \
                 "(target <= 2x)"
            unset secs cpu mem ms mc mm
        done
    done
    echo "load after: $(cut -d ' ' -f 1-3 /proc/loadavg)"
    exit 0
fi

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
