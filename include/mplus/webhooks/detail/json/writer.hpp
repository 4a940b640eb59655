// Appends JSON text to a std::string: escaped strings, integers, decimals, raw values.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/raw_json.hpp>

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE
namespace detail {

/// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid.
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    std::size_t n = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F; // no UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    }
    return n;
}

/// Appends `s` as a JSON string literal. Invalid UTF-8 becomes U+FFFD, so the output is
/// always valid JSON whatever the caller stored.
inline void write_json_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t run = 0; // start of the pending run of bytes copied as they are
    std::size_t i = 0;
    const auto flush = [&](std::size_t end) { out.append(s.data() + run, end - run); };
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            ++i;
            continue;
        }
        if (c >= 0x80) {
            const std::size_t n = utf8_sequence_length(s, i);
            if (n != 0) {
                i += n;
                continue;
            }
            flush(i);
            out.append("\\ufffd");
            run = ++i;
            continue;
        }
        flush(i);
        switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        case '\b': out.append("\\b"); break;
        case '\f': out.append("\\f"); break;
        default: {
            const char esc[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
            out.append(esc, sizeof esc);
        }
        }
        run = ++i;
    }
    flush(i);
    out.push_back('"');
}

/// Appends an integer in JSON form.
inline void write_json_integer(std::string& out, std::int64_t v) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, res.ptr);
}

/// Appends a decimal as a plain JSON number (no exponent).
inline void write_json_decimal(std::string& out, const Decimal& d) {
    char buf[48];
    char* end = d.to_chars(buf, buf + sizeof buf);
    out.append(buf, end);
}

/// Appends an arbitrary JSON value; invalid UTF-8 in it is replaced, never thrown about.
template <class Json>
void write_json_value(std::string& out, const Json& j) {
    out.append(j.dump(-1, ' ', false, Json::error_handler_t::replace));
}

/// Appends JSON kept as text, exactly (`null` when absent).
inline void write_json_value(std::string& out, const RawJson& j) {
    if (j.empty()) {
        out.append("null");
    } else {
        out.append(j.text());
    }
}

} // namespace detail
MPLUS_WEBHOOKS_END_NAMESPACE
