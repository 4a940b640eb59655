#!/usr/bin/env bash
# The README's demo: builds the demo middleware and the mplus-webhooks tool, starts the
# middleware on loopback, plays the POS through the four example flows against it, prints the
# transcripts, and stops it.
# SPDX-License-Identifier: MIT
#
#   bash tools/demo.sh
#
# Environment:
#   MPLUS_WEBHOOKS_JOBS=N   build parallelism (default 2)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# shellcheck source=tools/deps.sh
source tools/deps.sh
mplus_webhooks_ensure_packages

# shellcheck source=tools/demo_common.sh
source tools/demo_common.sh
demo_build

bash tools/play_demo.sh "$demo_server" "$demo_tool"
