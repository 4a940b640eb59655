// An exact JSON comparison for tests: numbers compared as decimal text (never through double),
// strings after unescaping, objects as key sets (the last of a repeated key wins).
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace exact_json {

/// One JSON value; a number is kept as its canonical decimal text.
struct Value {
    enum class Kind { null, boolean, number, string, array, object };
    Kind kind = Kind::null;
    bool boolean = false;
    std::string text; ///< canonical number, or the unescaped string
    std::vector<Value> items;
    std::map<std::string, Value> members;

    friend bool operator==(const Value& a, const Value& b) {
        return a.kind == b.kind && a.boolean == b.boolean && a.text == b.text &&
               a.items == b.items && a.members == b.members;
    }
    friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }
};

/// The canonical text of a JSON number: `[-]digits e exponent`, digits without leading or
/// trailing zeros, zero as "0" (so 2.50, 2.5 and 25e-1 are equal, 2.5 and 2.500001 are not).
inline std::string canonical_number(std::string_view t) {
    std::size_t i = 0;
    bool negative = false;
    if (i < t.size() && t[i] == '-') {
        negative = true;
        ++i;
    }
    std::string digits;
    long long exponent = 0;
    bool in_fraction = false;
    for (; i < t.size() && t[i] != 'e' && t[i] != 'E'; ++i) {
        if (t[i] == '.') {
            in_fraction = true;
            continue;
        }
        digits.push_back(t[i]);
        if (in_fraction) --exponent;
    }
    if (i < t.size()) exponent += std::stoll(std::string(t.substr(i + 1)));
    const std::size_t first = digits.find_first_not_of('0');
    if (first == std::string::npos) return "0";
    digits.erase(0, first);
    while (!digits.empty() && digits.back() == '0') {
        digits.pop_back();
        ++exponent;
    }
    return (negative ? "-" : "") + digits + "e" + std::to_string(exponent);
}

/// A small strict reader; nullopt on anything that is not one JSON value.
class Parser {
public:
    explicit Parser(std::string_view text) : s_(text) {}

    std::optional<Value> parse() {
        Value v;
        if (!value(v)) return std::nullopt;
        ws();
        if (i_ != s_.size()) return std::nullopt;
        return v;
    }

private:
    void ws() {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) {
            ++i_;
        }
    }
    bool literal(std::string_view word) {
        if (s_.substr(i_, word.size()) != word) return false;
        i_ += word.size();
        return true;
    }
    static void put_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }
    bool hex4(std::uint32_t& out) {
        if (i_ + 4 > s_.size()) return false;
        out = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = s_[i_++];
            out <<= 4;
            if (c >= '0' && c <= '9') {
                out |= static_cast<std::uint32_t>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                out |= static_cast<std::uint32_t>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                out |= static_cast<std::uint32_t>(c - 'A' + 10);
            } else {
                return false;
            }
        }
        return true;
    }
    bool string(std::string& out) {
        if (i_ >= s_.size() || s_[i_] != '"') return false;
        ++i_;
        while (i_ < s_.size()) {
            const char c = s_[i_++];
            if (c == '"') return true;
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (i_ >= s_.size()) return false;
            const char e = s_[i_++];
            switch (e) {
            case '"': out.push_back('"'); break;
            case '\\': out.push_back('\\'); break;
            case '/': out.push_back('/'); break;
            case 'b': out.push_back('\b'); break;
            case 'f': out.push_back('\f'); break;
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'u': {
                std::uint32_t cp = 0;
                if (!hex4(cp)) return false;
                if (cp >= 0xD800 && cp < 0xDC00) {
                    std::uint32_t lo = 0;
                    if (!literal("\\u") || !hex4(lo)) return false;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                put_utf8(out, cp);
                break;
            }
            default: return false;
            }
        }
        return false;
    }
    bool value(Value& v) {
        ws();
        if (i_ >= s_.size()) return false;
        const char c = s_[i_];
        if (c == 'n') return literal("null");
        if (c == 't' || c == 'f') {
            v.kind = Value::Kind::boolean;
            v.boolean = c == 't';
            return literal(c == 't' ? "true" : "false");
        }
        if (c == '"') {
            v.kind = Value::Kind::string;
            return string(v.text);
        }
        if (c == '[') {
            v.kind = Value::Kind::array;
            ++i_;
            ws();
            if (i_ < s_.size() && s_[i_] == ']') {
                ++i_;
                return true;
            }
            for (;;) {
                v.items.emplace_back();
                if (!value(v.items.back())) return false;
                ws();
                if (i_ >= s_.size()) return false;
                if (s_[i_++] == ']') return true;
                if (s_[i_ - 1] != ',') return false;
            }
        }
        if (c == '{') {
            v.kind = Value::Kind::object;
            ++i_;
            ws();
            if (i_ < s_.size() && s_[i_] == '}') {
                ++i_;
                return true;
            }
            for (;;) {
                ws();
                std::string key;
                if (!string(key)) return false;
                ws();
                if (i_ >= s_.size() || s_[i_++] != ':') return false;
                Value member;
                if (!value(member)) return false;
                v.members[key] = std::move(member);
                ws();
                if (i_ >= s_.size()) return false;
                if (s_[i_++] == '}') return true;
                if (s_[i_ - 1] != ',') return false;
            }
        }
        const std::size_t start = i_;
        while (i_ < s_.size() &&
               (s_[i_] == '-' || s_[i_] == '+' || s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E' ||
                (s_[i_] >= '0' && s_[i_] <= '9'))) {
            ++i_;
        }
        if (i_ == start) return false;
        v.kind = Value::Kind::number;
        v.text = canonical_number(s_.substr(start, i_ - start));
        return true;
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

/// Reads `text`; nullopt when it is not JSON.
inline std::optional<Value> parse(std::string_view text) {
    return Parser(text).parse();
}

/// True when both texts are JSON and hold the same value exactly.
inline bool equal(std::string_view a, std::string_view b) {
    const auto x = parse(a);
    const auto y = parse(b);
    return x && y && *x == *y;
}

} // namespace exact_json
