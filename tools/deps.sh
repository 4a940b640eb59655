#!/usr/bin/env bash
# Checks (and as root installs) the Debian 12 packages that building and testing need.
# SPDX-License-Identifier: MIT
#
# Sourced by tools/test.sh and tools/demo.sh; run it directly to check alone:
#   bash tools/deps.sh

MPLUS_WEBHOOKS_PACKAGES=(
    cmake ninja-build g++ clang pkg-config ccache
    nlohmann-json3-dev doctest-dev libcpp-httplib-dev libboost-dev libssl-dev libsqlite3-dev
    libclang-rt-14-dev python3
    libpq-dev postgresql haproxy
    libzint-dev python3-selenium chromium chromium-driver zbar-tools
    dpkg-dev
    python3-jsonschema doxygen
)

mplus_webhooks_ensure_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "note: not a Debian system; make sure these (or their equivalents) are installed:" >&2
        echo "      ${MPLUS_WEBHOOKS_PACKAGES[*]}" >&2
        return 0
    fi
    local missing=() pkg
    for pkg in "${MPLUS_WEBHOOKS_PACKAGES[@]}"; do
        if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != installed ]]; then
            missing+=("$pkg")
        fi
    done
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    if [[ "$(id -u)" == 0 ]]; then
        echo "==> installing missing packages: ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    else
        echo "error: missing packages: ${missing[*]}" >&2
        echo "install them with:" >&2
        echo "  sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    mplus_webhooks_ensure_packages
    echo "all packages present: ${MPLUS_WEBHOOKS_PACKAGES[*]}"
fi
