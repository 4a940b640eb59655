#!/bin/sh
# The command line of an example middleware: --help prints the usage (exit 0), a mistake prints
# the problem and the same usage (exit 2), each naming every option the program takes.
# SPDX-License-Identifier: MIT
#
# usage: example_usage_test.sh PROGRAM REPO_ROOT [OPTION...]
#   OPTION: an option of the program's own, beyond --port, --secret and --subscription-id,
#   that its usage must name (e.g. --store for mplus-demo-middleware).

set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 PROGRAM REPO_ROOT [OPTION...]" >&2
    exit 2
fi
tool=$1
root=$2
shift 2

# shellcheck source=tests/cli/checks.sh
. "$root/tests/cli/checks.sh"
prepare_work usage-test

run help --help
expect_rc 0
for option in --port --secret --subscription-id "$@"; do
    expect_out_has "$option"
done
expect_out_has "usage: $tool"

run no-secret --port 0
expect_rc 2
expect_err_has "--secret is required"
for option in --port --secret --subscription-id "$@"; do
    expect_err_has "$option"
done

run unknown --port 0 --secret c2VjcmV0 --no-such-option 1
expect_rc 2
expect_err_has "unknown option --no-such-option"

finish example_usage_test
