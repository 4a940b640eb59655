// JSON pointers (RFC 6901): where a value sits in a JSON document, as every error path names it.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// A JSON pointer (RFC 6901), held as its text: "" is the whole document, `/lines/0/price` the
/// member `price` of element 0 of the member `lines`.
///
/// Keys are escaped as they are appended (`~` as `~0`, `/` as `~1`), so any key can be named
/// and `tokens()` gives it back unchanged. Error paths (Error::path) are the text of one.
class JsonPointer {
public:
    /// The whole document (the empty pointer "").
    JsonPointer() = default;

    /// The pointer written as `text`; nullopt when `text` is not one (it must be empty or start
    /// with `/`, and every `~` must be followed by `0` or `1`).
    static std::optional<JsonPointer> parse(std::string_view text) {
        if (!text.empty() && text.front() != '/') return std::nullopt;
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text[i] != '~') continue;
            if (i + 1 == text.size() || (text[i + 1] != '0' && text[i + 1] != '1')) {
                return std::nullopt;
            }
        }
        JsonPointer p;
        p.text_.assign(text.data(), text.size());
        return p;
    }

    /// The pointer to `parts` in turn: a string is a member key, an unsigned integer an array
    /// index (`JsonPointer::of("lines", i, "price")` is `/lines/<i>/price`).
    template <class... Parts>
    static JsonPointer of(const Parts&... parts) {
        JsonPointer p;
        (p.append_part(parts), ...);
        return p;
    }

    /// Appends the object member `key`, escaped.
    JsonPointer& append_key(std::string_view key) {
        text_.push_back('/');
        for (char c : key) {
            if (c == '~') {
                text_.append("~0");
            } else if (c == '/') {
                text_.append("~1");
            } else {
                text_.push_back(c);
            }
        }
        return *this;
    }
    /// Appends the array element `index`.
    JsonPointer& append_index(std::size_t index) {
        text_.push_back('/');
        text_.append(std::to_string(index));
        return *this;
    }
    /// Appends every token of `other` (a pointer relative to this one).
    JsonPointer& append(const JsonPointer& other) {
        text_.append(other.text_);
        return *this;
    }

    /// The pointer's text, escaped: "" for the whole document, else `/token/token...`.
    const std::string& to_string() const& noexcept { return text_; }
    /// The pointer's text, moved out.
    std::string to_string() && noexcept { return std::move(text_); }

    /// True for the whole document ("").
    bool is_root() const noexcept { return text_.empty(); }

    /// The tokens, unescaped (`/a~1b/0` gives `a/b` and `0`); none for the whole document.
    std::vector<std::string> tokens() const {
        std::vector<std::string> out;
        if (text_.empty()) return out;
        std::size_t start = 1;
        while (true) {
            std::size_t end = text_.find('/', start);
            if (end == std::string::npos) end = text_.size();
            out.push_back(unescape(std::string_view(text_).substr(start, end - start)));
            if (end == text_.size()) break;
            start = end + 1;
        }
        return out;
    }

    /// The array index a token names (`0`, `12`; no sign, no leading zero), or nullopt.
    static std::optional<std::size_t> index_of(std::string_view token) noexcept {
        if (token.empty() || token.size() > 18 || (token.size() > 1 && token.front() == '0')) {
            return std::nullopt;
        }
        std::size_t n = 0;
        for (char c : token) {
            if (c < '0' || c > '9') return std::nullopt;
            n = n * 10 + static_cast<std::size_t>(c - '0');
        }
        return n;
    }

    /// A token written with its escapes (`~0`, `~1`) resolved.
    static std::string unescape(std::string_view token) {
        std::string out;
        out.reserve(token.size());
        for (std::size_t i = 0; i < token.size(); ++i) {
            if (token[i] == '~' && i + 1 < token.size() &&
                (token[i + 1] == '0' || token[i + 1] == '1')) {
                out.push_back(token[i + 1] == '1' ? '/' : '~');
                ++i;
            } else {
                out.push_back(token[i]);
            }
        }
        return out;
    }

    /// Same text.
    friend bool operator==(const JsonPointer& a, const JsonPointer& b) noexcept {
        return a.text_ == b.text_;
    }
    /// Other text.
    friend bool operator!=(const JsonPointer& a, const JsonPointer& b) noexcept {
        return a.text_ != b.text_;
    }
    /// Orders by text (for maps keyed by pointer).
    friend bool operator<(const JsonPointer& a, const JsonPointer& b) noexcept {
        return a.text_ < b.text_;
    }

private:
    template <class Part>
    void append_part(const Part& part) {
        if constexpr (std::is_integral_v<Part>) {
            static_assert(std::is_unsigned_v<Part> && !std::is_same_v<Part, bool>,
                          "an array index is an unsigned integer (std::size_t)");
            append_index(static_cast<std::size_t>(part));
        } else {
            append_key(std::string_view(part));
        }
    }

    std::string text_;
};

MPLUS_WEBHOOKS_END_NAMESPACE
