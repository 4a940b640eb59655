#!/usr/bin/env bash
# Measures what including <mplus/webhooks.hpp> costs in compile time, against <nlohmann/json.hpp>.
# SPDX-License-Identifier: MIT
#
# Usage: bench/compile_time.sh [N]        (N compilations of each file, default 7)
# Environment: CXX (default g++), CXXFLAGS (default "-std=c++17 -O0").
#
# Five translation units, each compiled with `$CXX $CXXFLAGS -c` N times, one at a time, the
# files taking turns so that a change in machine load hits all of them; the medians of the
# compiler's CPU time (user + system: steadier than wall time on a shared machine) and of the
# wall time are printed, and three ratios (of CPU time):
#   include only : umbrella header + empty main   vs  nlohmann/json.hpp + empty main
#   + dispatcher : umbrella + <mplus/webhooks/dispatcher.hpp> + empty main  vs  the same
#   typical use  : umbrella + try_parse<AddSessionLineRequest> + serialize
#                  vs  nlohmann/json.hpp + json::parse + dump
# Target: include only <= 1.6x.
#
# bench/compile_time.sh middleware [N]   (N compilations of each, default 5)
# Environment: COMPILERS (default "g++ clang++"), OPT_LEVELS (default "-O0 -O2").
#
# A real middleware main file against the same middleware written by hand: the cpp-httplib
# example (examples/httplib_middleware/main.cpp: dispatcher, adapter, five handlers) compiled
# in both modes of the SDK, vs bench/hand_written_middleware.cpp (cpp-httplib + nlohmann, the
# same five endpoints and checks by hand):
#   header    the example, header-only (the default)
#   precomp   the example with -DMPLUS_WEBHOOKS_PRECOMPILED, as mplus_webhooks::precompiled
#             compiles its users (the library itself, src/*.cpp, is compiled once and linked
#             with the example to prove it complete; its own compile time is printed apart)
#   hand      the hand-written server
#   alone     bench/dispatcher_alone.cpp, header-only: a Dispatcher that handles a request, with
#             no handler and no adapter (what every header-only user file compiles before its
#             own code: the floor of the header-only mode)
# Each compiled with `-std=c++17 $OPT -c` (plus cpp-httplib's pkg-config flags), for every
# compiler and level, N times, taking turns; prints the medians of the wall time, of the
# compiler's CPU time (user + system: steadier than wall time on a loaded machine) and of its
# peak memory (/usr/bin/time -f %M), and the ratios to the hand-written server.
# Targets: header-only mode <= 2x the hand-written server, precompiled mode <= 1.3x.
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
    declare -A src=([header]="$root/examples/httplib_middleware/main.cpp"
                    [precomp]="$root/examples/httplib_middleware/main.cpp"
                    [hand]="$root/bench/hand_written_middleware.cpp"
                    [alone]="$root/bench/dispatcher_alone.cpp")
    declare -A defs=([header]="" [precomp]="-DMPLUS_WEBHOOKS_PRECOMPILED" [hand]="" [alone]="")
    files=(header precomp hand alone)
    median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
    # "wall_s cpu_s peak_kib" of one compilation of file $3 by $1 at level $2.
    compile_once() {
        # shellcheck disable=SC2086 # defs: zero or one flag
        /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$1" -std=c++17 "$2" ${defs[$3]} \
            "${httplib_flags[@]}" -I"$root/include" -I"$root/bench" -c "${src[$3]}" \
            -o "$work/$3.o" 2>/dev/null
        awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$work/time"
    }
    echo "compile_time.sh middleware: N=$n; $(nproc) cores; load before: $(cut -d ' ' -f 1-3 /proc/loadavg)"
    printf '%-10s %-4s %-8s %8s %8s %8s   %s\n' compiler opt file "wall s" "CPU s" "MiB" "CPU s of each run"
    for cxx in "${compilers[@]}"; do
        for opt in "${levels[@]}"; do
            # Every file must compile before anything is timed; the precompiled library is
            # compiled (timed apart: once per build, not per user file) and the precompiled
            # example linked with it.
            lib_cpu=0
            for part in codecs dispatcher; do
                /usr/bin/time -f '%U %S' -o "$work/time" "$cxx" -std=c++17 "$opt" \
                    -DMPLUS_WEBHOOKS_PRECOMPILED -I"$root/include" -c "$root/src/$part.cpp" \
                    -o "$work/lib_$part.o"
                lib_cpu=$(awk -v t="$lib_cpu" '{ printf "%.2f", t + $1 + $2 }' "$work/time")
            done
            for f in "${files[@]}"; do
                # shellcheck disable=SC2086
                if ! "$cxx" -std=c++17 "$opt" ${defs[$f]} "${httplib_flags[@]}" -I"$root/include" \
                        -I"$root/bench" -c "${src[$f]}" -o "$work/$f.o"; then
                    echo "compile_time.sh: ${src[$f]} does not compile with $cxx" >&2
                    exit 1
                fi
            done
            if ! "$cxx" "$work/precomp.o" "$work/lib_codecs.o" "$work/lib_dispatcher.o" \
                    -o "$work/precomp" $(pkg-config --libs cpp-httplib 2>/dev/null) -pthread; then
                echo "compile_time.sh: the precompiled example does not link with src/*.cpp" >&2
                exit 1
            fi
            declare -A secs=() cpu=() mem=()
            for ((i = 0; i < n; i++)); do
                for f in "${files[@]}"; do
                    read -r s c m < <(compile_once "$cxx" "$opt" "$f")
                    secs[$f]+="$s "
                    cpu[$f]+="$c "
                    mem[$f]+="$m "
                done
            done
            declare -A ms=() mc=() mm=()
            for f in "${files[@]}"; do
                ms[$f]=$(tr ' ' '\n' <<<"${secs[$f]}" | grep . | median)
                mc[$f]=$(tr ' ' '\n' <<<"${cpu[$f]}" | grep . | median)
                mm[$f]=$(tr ' ' '\n' <<<"${mem[$f]}" | grep . | median)
                printf '%-10s %-4s %-8s %8.2f %8.2f %8.0f   %s\n' "$cxx" "$opt" "$f" "${ms[$f]}" \
                    "${mc[$f]}" "$(awk -v k="${mm[$f]}" 'BEGIN { print k / 1024 }')" "${cpu[$f]}"
            done
            ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
            echo "$cxx $opt: header-only / hand-written: CPU $(ratio "${mc[header]}" "${mc[hand]}")x," \
                 "memory $(ratio "${mm[header]}" "${mm[hand]}")x (target <= 2x)"
            echo "$cxx $opt: precompiled / hand-written: CPU $(ratio "${mc[precomp]}" "${mc[hand]}")x," \
                 "memory $(ratio "${mm[precomp]}" "${mm[hand]}")x (target <= 1.3x);" \
                 "the library itself (src/*.cpp, once): CPU ${lib_cpu} s"
            echo "$cxx $opt: the dispatcher alone, header-only / hand-written: CPU" \
                 "$(ratio "${mc[alone]}" "${mc[hand]}")x (no handler, no adapter)"
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
cat >"$work/umbrella_dispatcher.cpp" <<'EOF'
#include <mplus/webhooks.hpp>
#include <mplus/webhooks/dispatcher.hpp>
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

units=(umbrella nlohmann umbrella_dispatcher umbrella_use nlohmann_use)

# "wall_s cpu_s" of one compilation of unit $1.
compile_once() {
    /usr/bin/time -f '%e %U %S' -o "$work/time" "$cxx" "${flags[@]}" -I"$include_dir" \
        -c "$work/$1.cpp" -o "$work/$1.o" 2>/dev/null
    awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$work/time"
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
declare -A times cpus
for ((i = 0; i < n; i++)); do
    for u in "${units[@]}"; do
        read -r w c < <(compile_once "$u")
        times[$u]+="$w "
        cpus[$u]+="$c "
    done
done
echo "load after:  $(cut -d ' ' -f 1-3 /proc/loadavg)"

declare -A med
printf '%-24s %8s %8s   %s\n' "unit" "CPU s" "wall s" "CPU s of each run"
for u in "${units[@]}"; do
    med[$u]=$(tr ' ' '\n' <<<"${cpus[$u]}" | grep . | median)
    wall=$(tr ' ' '\n' <<<"${times[$u]}" | grep . | median)
    printf '%-24s %8.2f %8.2f   %s\n' "$u.cpp" "${med[$u]}" "$wall" "${cpus[$u]}"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "include only (umbrella / nlohmann):             $(ratio "${med[umbrella]}" "${med[nlohmann]}")x  (target <= 1.6x)"
echo "+ dispatcher (umbrella_dispatcher / nlohmann):  $(ratio "${med[umbrella_dispatcher]}" "${med[nlohmann]}")x"
echo "typical use  (umbrella_use / nlohmann_use):     $(ratio "${med[umbrella_use]}" "${med[nlohmann_use]}")x"
