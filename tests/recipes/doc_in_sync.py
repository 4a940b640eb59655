#!/usr/bin/env python3
# Checks that every code block of docs/recipes.md marked `<!-- from FILE -->` still appears,
# line for line, in FILE: the recipes' text cannot drift from the programs CI runs.
# SPDX-License-Identifier: MIT
#
#   python3 tests/recipes/doc_in_sync.py <source dir>
import os
import re
import sys

root = sys.argv[1]
with open(os.path.join(root, "docs", "recipes.md"), encoding="utf-8") as f:
    doc = f.read()

blocks = re.findall(r"<!-- from (\S+) -->\n```cpp\n(.*?)```", doc, re.S)
if len(blocks) < 9:
    sys.exit(f"docs/recipes.md: expected at least 9 marked code blocks, found {len(blocks)}")
stale = 0
for path, code in blocks:
    with open(os.path.join(root, path), encoding="utf-8") as f:
        source = f.read()
    if code not in source:
        stale += 1
        first = code.splitlines()[0] if code.strip() else "(empty)"
        print(f"docs/recipes.md: a block no longer matches {path}: starts with: {first}",
              file=sys.stderr)
print(f"{len(blocks)} code blocks checked, {stale} stale")
sys.exit(1 if stale else 0)
