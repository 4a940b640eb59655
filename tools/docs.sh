#!/usr/bin/env bash
# Builds the API reference from the public headers with Doxygen; fails on any doc warning.
# SPDX-License-Identifier: MIT
#
#   bash tools/docs.sh                 # HTML in build/docs/html/index.html
#   MPLUS_WEBHOOKS_DOCS_OUT=DIR bash tools/docs.sh
#   MPLUS_WEBHOOKS_DOCS_REPORT_ONLY=1 bash tools/docs.sh   # list the warnings, exit 0
#
# Every warning (an undocumented public type, function, member or enumerator; a broken doc
# command) is printed as <file>:<line>: <text>, then counted; any warning fails the build.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v doxygen >/dev/null 2>&1; then
    echo "docs: doxygen not found (Debian: apt-get install doxygen)" >&2
    exit 1
fi

out="${MPLUS_WEBHOOKS_DOCS_OUT:-$root/build/docs}"
mkdir -p "$out"
log="$out/warnings.log"
: >"$log"
version="$(sed -n 's/^#define MPLUS_WEBHOOKS_VERSION_STRING "\(.*\)"/\1/p' \
    include/mplus/webhooks/config.hpp)"

report_only="${MPLUS_WEBHOOKS_DOCS_REPORT_ONLY:-0}"
# FAIL_ON_WARNINGS: doxygen reports every warning, then exits non-zero if there was one.
warn_as_error=FAIL_ON_WARNINGS
[[ "$report_only" == 1 ]] && warn_as_error=NO

t0=$SECONDS
status=0
MPLUS_WEBHOOKS_DOCS_OUT="$out" MPLUS_WEBHOOKS_DOCS_LOG="$log" \
    MPLUS_WEBHOOKS_DOCS_VERSION="$version" MPLUS_WEBHOOKS_DOCS_WARN_AS_ERROR="$warn_as_error" \
    doxygen docs/Doxyfile || status=$?

count=$(grep -c ': warning: \|: error: ' "$log" || true)
if ((count > 0)) && [[ "$report_only" == 1 ]]; then
    echo "docs: warnings per header (the list: $log):"
    sed -n 's|^'"$root"'/\([^:]*\):.*|\1|p' "$log" | sort | uniq -c
elif ((count > 0)); then
    awk -v root="$root/" 'NR <= 200 { sub("^" root, ""); print }' "$log"
    if ((count > 200)); then echo "... ($((count - 200)) more in $log)"; fi
fi
echo "docs: $count warning(s) in $((SECONDS - t0))s; reference at $out/html/index.html"
if ((status != 0 || count > 0)) && [[ "$report_only" != 1 ]]; then
    echo "docs: failing (doxygen exit $status): document every public entity (docs/Doxyfile)" >&2
    exit 1
fi
