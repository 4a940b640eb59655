# The checks of the command-line tools' shell tests (cli_test.sh, scenario_cli_test.sh,
# example_usage_test.sh), sourced by them once they set $tool (the program under test); $work
# (a scratch folder) is theirs or prepare_work's.
# SPDX-License-Identifier: MIT
# shellcheck shell=sh disable=SC2154 # $tool and $work come from the sourcing script

checks=0
failures=0
current=''

# prepare_work NAME: exits 2 unless $tool is an executable, then makes the scratch folder $work
# (mplus-NAME.XXXXXX under $TMPDIR), removed when the script exits.
prepare_work() {
    if [ ! -x "$tool" ]; then
        echo "$0: $tool is not an executable" >&2
        exit 2
    fi
    work=$(mktemp -d "${TMPDIR:-/tmp}/mplus-$1.XXXXXX") || exit 2
    trap 'rm -rf "$work"' EXIT
    trap 'exit 2' HUP INT TERM
}

# run NAME TOOL-ARGS...: runs the tool on /dev/null (or on $stdin when set), keeping its exit
# code in $rc and its output in $work/out and $work/err.
stdin=/dev/null
run() {
    current=$1
    shift
    "$tool" "$@" <"$stdin" >"$work/out" 2>"$work/err"
    rc=$?
    stdin=/dev/null
}

# run_with INPUT-FILE NAME TOOL-ARGS...: like run, with INPUT-FILE on standard input.
run_with() {
    stdin=$1
    shift
    run "$@"
}

fail() {
    failures=$((failures + 1))
    echo "FAIL [$current]: $*"
    echo "  exit code: $rc"
    echo "  stdout: $(head -c 800 "$work/out")"
    echo "  stderr: $(head -c 1500 "$work/err")"
}

expect_rc() {
    checks=$((checks + 1))
    [ "$rc" -eq "$1" ] || fail "exit code $rc, expected $1"
}

# expect_text has|lacks FILE LABEL TEXT: FILE (called LABEL in a failure) has, or lacks, TEXT.
expect_text() {
    checks=$((checks + 1))
    if grep -F -q -e "$4" "$2"; then found=has; else found=lacks; fi
    [ "$found" = "$1" ] || fail "$3 $found: $4"
}
expect_out_has() { expect_text has "$work/out" stdout "$1"; }
expect_out_lacks() { expect_text lacks "$work/out" stdout "$1"; }
expect_err_has() { expect_text has "$work/err" stderr "$1"; }
expect_err_lacks() { expect_text lacks "$work/err" stderr "$1"; }
# expect_file_has FILE TEXT
expect_file_has() { expect_text has "$1" "$1" "$2"; }

# finish NAME: prints how many checks passed or failed; exits 1 when any failed, else 0.
finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$1: $failures of $checks checks failed"
        exit 1
    fi
    echo "$1: all $checks checks passed"
    exit 0
}
