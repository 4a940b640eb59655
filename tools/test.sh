#!/usr/bin/env bash
# Builds and tests mplus-webhooks in every configuration CI runs (the README's test command).
# SPDX-License-Identifier: MIT
#
#   bash tools/test.sh                         # the whole matrix, as CI runs it
#   MPLUS_WEBHOOKS_QUICK=1 bash tools/test.sh  # only gcc-cxx17 (the most complete one)
#
# Each configuration builds in build/<name> with Ninja and runs ctest. The script stops at the
# first failure; its last output is ctest's summary of the last configuration, gcc-cxx17.
#
# Environment:
#   MPLUS_WEBHOOKS_QUICK=1         run gcc-cxx17 only
#   MPLUS_WEBHOOKS_FORMAT_CHECK=1  fail when clang-format-14 would change a file (the default
#                                  under CI=true; 0 only reports)
#   MPLUS_WEBHOOKS_JOBS=N          build and ctest parallelism (default 2)
#   MPLUS_WEBHOOKS_CCACHE=0        do not compile through ccache (used when installed)
#   MPLUS_WEBHOOKS_DOCS_REPORT_ONLY=1  list documentation warnings without failing
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# shellcheck source=tools/deps.sh
source tools/deps.sh
mplus_webhooks_ensure_packages

jobs="${MPLUS_WEBHOOKS_JOBS:-2}"
started=$SECONDS
summary=()

step() { printf '\n==> %s\n' "$*"; }

format_check() {
    local clang_format
    clang_format="$(command -v clang-format-14 || true)"
    if [[ -z "$clang_format" ]]; then
        step "format: clang-format-14 not found, skipped"
        return 0
    fi
    local files=() dir
    for dir in include src tests tools examples bench; do
        [[ -d "$dir" ]] || continue
        while IFS= read -r -d '' f; do files+=("$f"); done \
            < <(find "$dir" -type f \( -name '*.hpp' -o -name '*.cpp' \) -print0 | sort -z)
    done
    step "format: clang-format-14 --dry-run --Werror over ${#files[@]} files"
    ((${#files[@]})) || return 0
    local unformatted=() f
    for f in "${files[@]}"; do
        if ! "$clang_format" --dry-run --Werror "$f" >/dev/null 2>&1; then
            unformatted+=("$f")
        fi
    done
    if ((${#unformatted[@]} == 0)); then
        echo "format: all files formatted"
        return 0
    fi
    echo "format: ${#unformatted[@]} file(s) differ from .clang-format:"
    printf '  %s\n' "${unformatted[@]}"
    echo "  fix with: clang-format-14 -i ${unformatted[*]}"
    local default_check=0
    [[ "${CI:-}" == true ]] && default_check=1
    if [[ "${MPLUS_WEBHOOKS_FORMAT_CHECK:-$default_check}" == 1 ]]; then
        "$clang_format" --dry-run --Werror "${unformatted[@]}" || true
        echo "format: failing (CI=true or MPLUS_WEBHOOKS_FORMAT_CHECK=1)" >&2
        exit 1
    fi
    echo "format: reported only (set MPLUS_WEBHOOKS_FORMAT_CHECK=1 to fail on this)"
}

# run_config <name> <c++ compiler> <c++ standard> [key=value...]
#   build_type=Debug|Release  sanitize="address;undefined"|thread  full=ON (examples, packaging)
#   target="<build target>..."  label=<ctest label regex>  fuzz=ON (libFuzzer targets, clang only)
#   precompiled=ON (build mplus_webhooks::precompiled; tests, examples and tools link it)
#   examples=ON (the examples without the rest of full=ON)  packaging=ON (the packaging tests)
run_config() {
    local name=$1 cxx=$2 std=$3
    shift 3
    local build_type=Debug sanitize="" full=OFF target="" label="" fuzz=OFF precompiled=OFF kv
    local examples="" packaging=""
    for kv in "$@"; do
        case "$kv" in
        build_type=*) build_type="${kv#*=}" ;;
        sanitize=*) sanitize="${kv#*=}" ;;
        full=*) full="${kv#*=}" ;;
        target=*) target="${kv#*=}" ;;
        label=*) label="${kv#*=}" ;;
        fuzz=*) fuzz="${kv#*=}" ;;
        precompiled=*) precompiled="${kv#*=}" ;;
        examples=*) examples="${kv#*=}" ;;
        packaging=*) packaging="${kv#*=}" ;;
        *) echo "run_config: unknown setting $kv" >&2; exit 2 ;;
        esac
    done
    local dir="build/$name" t0=$SECONDS

    step "$name: configure ($cxx, C++$std, $build_type${sanitize:+, sanitize=$sanitize})"
    cmake -S . -B "$dir" -G Ninja \
        -DCMAKE_CXX_COMPILER="$cxx" \
        ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher"} \
        -DCMAKE_CXX_STANDARD="$std" \
        -DCMAKE_BUILD_TYPE="$build_type" \
        -DMPLUS_WEBHOOKS_WERROR=ON \
        -DMPLUS_WEBHOOKS_SANITIZE="$sanitize" \
        -DMPLUS_WEBHOOKS_BUILD_TESTS=ON \
        -DMPLUS_WEBHOOKS_BUILD_TOOLS=ON \
        -DMPLUS_WEBHOOKS_BUILD_EXAMPLES="${examples:-$full}" \
        -DMPLUS_WEBHOOKS_PACKAGING_TESTS="${packaging:-$full}" \
        -DMPLUS_WEBHOOKS_BUILD_PRECOMPILED="$precompiled" \
        -DMPLUS_WEBHOOKS_FUZZ="$fuzz" \
        -DMPLUS_WEBHOOKS_INSTALL=ON

    step "$name: build${target:+ $target}"
    local targets=()
    [[ -n "$target" ]] && read -r -a targets <<<"$target"
    cmake --build "$dir" --parallel "$jobs" ${target:+--target "${targets[@]}"}

    local ctest_args=(--output-on-failure -j"$jobs" --no-tests=error)
    [[ -n "$label" ]] && ctest_args+=(-L "$label")
    step "$name: ctest ${ctest_args[*]}"
    (cd "$dir" && ctest "${ctest_args[@]}")
    summary+=("$(printf '%-12s ok  %4ds' "$name" $((SECONDS - t0)))")
}

print_summary() {
    ((${#summary[@]})) || return 0
    step "configurations passed so far ($((SECONDS - started))s):"
    printf '  %s\n' "${summary[@]}"
}

# ccache, when present, keeps compiled objects between runs. Paths are hashed relative to the
# checkout, so a fresh clone in another folder reuses what an earlier run compiled.
launcher=""
if [[ "${MPLUS_WEBHOOKS_CCACHE:-1}" == 1 ]] && command -v ccache >/dev/null 2>&1; then
    launcher=ccache
    export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true
fi

# The post-build test discovery runs the test binaries, so the options apply to building too.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="${ASAN_OPTIONS:-strict_string_checks=1:detect_stack_use_after_return=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"

format_check

# The API reference (tools/docs.sh): Doxygen over the public headers; any documentation
# warning fails. MPLUS_WEBHOOKS_DOCS_REPORT_ONLY=1 only lists the warnings.
step "docs: bash tools/docs.sh"
bash tools/docs.sh

if [[ "${MPLUS_WEBHOOKS_QUICK:-0}" != 1 ]]; then
    run_config clang-cxx20 clang++ 20
    run_config gcc-cxx20 g++ 20 build_type=Release # -O2: GCC's flow-based warnings
    run_config clang-cxx17 clang++ 17
    run_config asan clang++ 17 sanitize="address;undefined"
    if compgen -G "tests/concurrency_*_test.cpp" >/dev/null; then
        run_config tsan clang++ 17 sanitize=thread \
            target=mplus_webhooks_concurrency_tests label=concurrency
    else
        step "tsan: no tests/concurrency_*_test.cpp, skipped"
    fi
    # libFuzzer targets: replay the seed corpora, then fuzz each target for 20 s on a temporary
    # copy of its corpus (tests/fuzz; the long run is bash tests/fuzz/run.sh 600).
    run_config fuzz clang++ 17 build_type=RelWithDebInfo fuzz=ON \
        target=mplus_webhooks_fuzzers label=fuzz
    # The precompiled mode: the library (src/), the unit tests, the examples and their
    # end-to-end tests, and the packaging tests of mplus_webhooks::precompiled, all linking it.
    run_config precompiled g++ 17 precompiled=ON examples=ON packaging=ON \
        target="mplus_webhooks_precompiled mplus_webhooks_tests mplus-webhooks mplus-example-httplib mplus-example-beast mplus_webhooks_e2e_driver mplus_webhooks_adapters_test" \
        label="unit|e2e|precompiled"
    print_summary
fi

# Last, so that the final output is ctest's summary of the most complete configuration.
run_config gcc-cxx17 g++ 17 full=ON
