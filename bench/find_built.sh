# Finds the programs the benchmark scripts run in a build folder (sourced by bench/load.sh and
# bench/memory_flat.sh).
# SPDX-License-Identifier: MIT
# shellcheck shell=bash

# find_built BUILD_DIR NAME: prints the path of the executable NAME under BUILD_DIR; without one,
# says so on stderr, naming the calling script, and returns 2.
find_built() {
    local found
    found="$(find "$1" -type f -name "$2" -perm -u+x 2>/dev/null | head -n 1)"
    if [[ -z "$found" ]]; then
        echo "$(basename "$0"): $2 not built under $1; build it first (see the top of the script)" >&2
        return 2
    fi
    echo "$found"
}
