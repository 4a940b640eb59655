// Fuzz target: Decimal::parse, with a to_string / parse round trip and the to_chars bound;
// Decimal::from_text (a person's amount), with a to_fixed / from_text round trip.
// SPDX-License-Identifier: MIT
#include "fuzz_support.hpp"

#include <mplus/webhooks/decimal.hpp>

#include <nlohmann/json.hpp>

#include <cstring>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace mw = mplus::webhooks;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    std::string why;
    const std::optional<mw::Decimal> typed = mw::Decimal::from_text(text, &why);
    if (typed) {
        for (int decimals = typed->scale(); decimals <= mw::Decimal::max_scale; decimals += 7) {
            const std::string fixed = typed->to_fixed(decimals);
            const std::size_t point = fixed.find('.');
            fuzz::require(decimals == 0
                              ? point == std::string::npos
                              : fixed.size() - point - 1 == static_cast<std::size_t>(decimals),
                          "to_fixed writes exactly the decimals asked for");
            const std::optional<mw::Decimal> back = mw::Decimal::from_text(fixed);
            fuzz::require(back.has_value() && *back == *typed,
                          "from_text(to_fixed(d, at least its scale)) == d");
        }
    } else {
        fuzz::require(!why.empty(), "a refused amount says why");
    }
    // Every JSON number a Decimal holds is also a person's amount, with the same value.
    const std::optional<mw::Decimal> d = mw::Decimal::parse(text);
    if (!d) return 0;
    if (text.find_first_of("eE") == std::string_view::npos) {
        fuzz::require(typed.has_value() && *typed == *d, "from_text reads JSON decimals");
    }

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
