// Fuzz target: Decimal::parse, with a to_string / parse round trip and the to_chars bound.
// SPDX-License-Identifier: MIT
#include "fuzz_support.hpp"

#include <mplus/webhooks/decimal.hpp>

#include <nlohmann/json.hpp>

#include <cstring>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace mw = mplus::webhooks;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::optional<mw::Decimal> d = mw::Decimal::parse(text);
    if (!d) return 0;

    // What parses is a JSON number and nothing else (no whitespace, no other value).
    fuzz::require(!text.empty() && text.front() != ' ' && text.back() != ' ',
                  "no surrounding whitespace");
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    fuzz::require(j.is_number(), "Decimal::parse accepts JSON numbers only");

    fuzz::require(d->scale() >= 0 && d->scale() <= mw::Decimal::max_scale, "scale in range");
    const std::string s = d->to_string();
    fuzz::require(!s.empty() && s.size() < mw::Decimal::max_chars, "to_string length bound");
    const std::optional<mw::Decimal> again = mw::Decimal::parse(s);
    fuzz::require(again.has_value(), "to_string text parses");
    fuzz::require(*again == *d, "parse(to_string(d)) == d");
    fuzz::require(again->mantissa() == d->mantissa() && again->scale() == d->scale(),
                  "one representation per value");

    char buf[mw::Decimal::max_chars];
    char* end = d->to_chars(buf, buf + sizeof buf);
    fuzz::require(end != nullptr, "max_chars always fits");
    fuzz::require(std::string_view(buf, static_cast<std::size_t>(end - buf)) == s,
                  "to_chars writes the to_string text");
    // One byte short must be refused, never overrun.
    fuzz::require(d->to_chars(buf, buf + s.size() - 1) == nullptr, "short buffer refused");
    return 0;
}
