// Helpers shared by the typed model's tests: fixture files and error look-ups.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

// The build passes MPLUS_WEBHOOKS_FIXTURES_DIR; the checkout's own path is the fallback.
#ifndef MPLUS_WEBHOOKS_FIXTURES_DIR
#ifdef MPLUS_WEBHOOKS_TEST_SOURCE_DIR
#define MPLUS_WEBHOOKS_FIXTURES_DIR MPLUS_WEBHOOKS_TEST_SOURCE_DIR "/tests/fixtures"
#else
#error "define MPLUS_WEBHOOKS_FIXTURES_DIR (the path of tests/fixtures)"
#endif
#endif

namespace model_test {

/// One fixture file: its stem (`addSessionLine.flat`) and its text.
struct Fixture {
    std::string stem;
    std::string text;

    /// The part of the stem before the first dot: the event the fixture belongs to.
    std::string event() const { return stem.substr(0, stem.find('.')); }
};

inline std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot open ", p.string());
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Every `*.json` of fixtures/<kind> ("requests" or "replies"), sorted by name.
inline std::vector<Fixture> fixtures(std::string_view kind) {
    const std::filesystem::path dir = std::filesystem::path(MPLUS_WEBHOOKS_FIXTURES_DIR) / kind;
    std::vector<Fixture> out;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".json") continue;
        out.push_back(Fixture{entry.path().stem().string(), read_text(entry.path())});
    }
    std::sort(out.begin(), out.end(),
              [](const Fixture& a, const Fixture& b) { return a.stem < b.stem; });
    return out;
}

/// The fixture fixtures/<kind>/<stem>.json.
inline std::string fixture_text(std::string_view kind, std::string_view stem) {
    return read_text(std::filesystem::path(MPLUS_WEBHOOKS_FIXTURES_DIR) / kind /
                     (std::string(stem) + ".json"));
}

/// All problems of a failed parse as one text (for failure messages).
template <class T>
std::string describe(const mplus::webhooks::Result<T>& r) {
    std::string s;
    for (const auto& e : r.errors()) {
        s.append(std::string(e.wire())).append(" ").append(e.to_string()).append("\n");
    }
    return s;
}

} // namespace model_test
