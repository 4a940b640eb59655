#!/usr/bin/env bash
# Regenerates the seed corpora in tests/fuzz/corpus/<target>/ from the test fixtures and the
# examples' samples. Run once after the fixtures change, then commit the output.
# SPDX-License-Identifier: MIT
#
#   bash tests/fuzz/make_corpus.sh
#
# Input formats (see each target): the handle and decode targets take a selector byte, then
# the body. The selector is the event's index in EventKind order, read from events.hpp so that
# this script never drifts from the catalog; fuzz_decode takes <event count> for Reply and
# <event count + 1> for PosErrorRequest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/tests/fuzz/corpus"
fixtures="$root/tests/fixtures"
samples="$root/examples/samples"

mapfile -t events < <(grep -o 'static constexpr std::string_view name = "[A-Za-z]*"' \
    "$root/include/mplus/webhooks/events.hpp" | sed 's/.*"\(.*\)"$/\1/')
count=${#events[@]}
index_of() {
    local i
    for i in "${!events[@]}"; do
        [[ "${events[$i]}" == "$1" ]] && { echo "$i"; return; }
    done
    echo "unknown event $1" >&2
    exit 1
}
# with_selector <byte> <file> <output>: the byte, then the file's bytes.
with_selector() {
    { printf "\\x$(printf '%02x' "$1")"; cat "$2"; } >"$3"
}

rm -rf "$out"
mkdir -p "$out"/{fuzz_handle_unsigned,fuzz_handle_signed,fuzz_decode,fuzz_decimal,fuzz_base64}

requests=("$fixtures"/requests/*.json "$fixtures"/lenient/*.json "$samples"/*.json)
for f in "${requests[@]}"; do
    name=$(basename "$f" .json)
    [[ "$name" == *.reply ]] && continue
    [[ "$f" == "$samples"/* ]] && name="sample.$name"
    if [[ "$name" == error-request* ]]; then
        # A POS error request comes to the URL of the event whose reply it complains about.
        event=$(index_of completeSession)
        with_selector "$((count + 1))" "$f" "$out/fuzz_decode/$name"
    else
        base=${name#sample.}
        event=$(index_of "${base%%.*}")
        with_selector "$event" "$f" "$out/fuzz_decode/$name"
    fi
    with_selector "$event" "$f" "$out/fuzz_handle_signed/$name"
    # Unsigned: byte bits 5-6 choose the signature header (0 none, 1 empty, 2 garbage,
    # 3 another secret's); seed each file with one of them.
    mode=$(( $(cksum <"$f" | cut -d' ' -f1) % 4 ))
    with_selector "$((event + 32 * mode))" "$f" "$out/fuzz_handle_unsigned/$name"
done
for f in "$fixtures"/replies/*.json "$samples"/*.reply.json; do
    name=reply.$(basename "$f" .json)
    with_selector "$count" "$f" "$out/fuzz_decode/$name"
done
# Raw values: the lenient fixtures whole (numbers beyond double, nested unknowns).
for f in "$fixtures"/lenient/*.json; do
    with_selector "$((count + 2))" "$f" "$out/fuzz_decode/raw.$(basename "$f" .json)"
done
# An unknown event name (selector 24, the last of 25 values).
printf '{"event":{"eventPolling":true},"sender":{}}' >"$out/unknown-event.json"
with_selector "$count" "$out/unknown-event.json" "$out/fuzz_handle_signed/unknown-event"
rm "$out/unknown-event.json"

# Decimals: every number in the fixtures, plus the edges of the type.
{
    cat "$fixtures"/requests/*.json "$fixtures"/replies/*.json "$fixtures"/lenient/*.json |
        grep -oE -- '-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?' | sort -u
    printf '%s\n' 0 -0 0.0 1e400 1e-400 1E+2 1.5E-2 2.50 100.000 -0.05 \
        9223372036854775807 -9223372036854775808 9223372036854775808 18446744073709551616 \
        0.000000000000000001 0.0000000000000000001 922337203685477580.7 99999999999999999999 \
        12,50 "-3.5" " 4.25 " ,5 1.250,00
} | sort -u | head -n 120 | {
    n=0
    while IFS= read -r number; do
        printf '%s' "$number" >"$out/fuzz_decimal/number-$n"
        n=$((n + 1))
    done
}

# Base64: the protocol's secret and signatures, and the padding cases.
n=0
for text in eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0= \
    EBFFIb5qPH/teEFmjtwcIj6h80cl+X1DUy62D46tnu8= pKDrmsKUDJ7QeDwyOMtUcEi9aBl+BTnzxYIHSqjbfk4= \
    q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80= '' YQ== YWI= YWJj YR== 'YQ' 'Y-_=' 'YW I='; do
    printf '%s' "$text" >"$out/fuzz_base64/text-$n"
    n=$((n + 1))
done

printf '%s bytes in %s files\n' "$(find "$out" -type f -printf '%s\n' | awk '{s += $1} END {print s}')" "$(find "$out" -type f | wc -l)"
for d in "$out"/*/; do printf '%-24s %3d files\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)"; done
