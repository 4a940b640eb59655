// Strict base64 (RFC 4648 section 4: standard alphabet, `=` padding) for signatures and secrets.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE
namespace detail {

/// The 64 characters of the standard base64 alphabet, in value order.
inline constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Marks a byte that is not in the alphabet in base64_values.
inline constexpr std::uint8_t base64_invalid = 0xff;

/// Builds the reverse table of base64_alphabet.
constexpr std::array<std::uint8_t, 256> make_base64_values() noexcept {
    std::array<std::uint8_t, 256> values{};
    for (auto& v : values) v = base64_invalid;
    for (std::size_t i = 0; i < base64_alphabet.size(); ++i) {
        values[static_cast<unsigned char>(base64_alphabet[i])] = static_cast<std::uint8_t>(i);
    }
    return values;
}

/// The value (0..63) of every byte, or base64_invalid.
inline constexpr std::array<std::uint8_t, 256> base64_values = make_base64_values();

/// Returned by base64_decoded_size() and base64_decode_into() for text that is not base64.
inline constexpr std::size_t base64_bad = static_cast<std::size_t>(-1);

/// Number of bytes `text` decodes to, judged from its length and padding alone; base64_bad
/// when the length is not a multiple of 4.
inline std::size_t base64_decoded_size(std::string_view text) noexcept {
    if (text.size() % 4 != 0) return base64_bad;
    std::size_t size = text.size() / 4 * 3;
    if (!text.empty() && text[text.size() - 1] == '=') {
        --size;
        if (text[text.size() - 2] == '=') --size;
    }
    return size;
}

/// Decodes `text` into `out` (room for `capacity` bytes) without allocating.
///
/// Returns the number of bytes written, or base64_bad when `text` is not strict base64 or
/// would not fit; `out` may then hold garbage. Reads only `text` and writes only
/// `out[0, capacity)`, whatever the input.
inline std::size_t base64_decode_into(std::string_view text, unsigned char* out,
                                      std::size_t capacity) noexcept {
    const std::size_t size = base64_decoded_size(text);
    if (size == base64_bad || size > capacity) return base64_bad;
    std::size_t written = 0;
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        // Padding is legal only as the last one or two characters of the last quartet.
        const std::size_t padding = !last ? 0 : text[i + 3] != '=' ? 0 : text[i + 2] != '=' ? 1 : 2;
        std::uint32_t group = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            std::uint32_t v = 0;
            if (j < 4 - padding) {
                v = base64_values[static_cast<unsigned char>(text[i + j])];
                if (v == base64_invalid) return base64_bad; // includes a stray '='
            }
            group = (group << 6) | v;
        }
        // Non-zero bits under the padding would give a second spelling of the same bytes.
        if (padding == 1 && (group & 0xffu) != 0) return base64_bad;
        if (padding == 2 && (group & 0xffffu) != 0) return base64_bad;
        out[written++] = static_cast<unsigned char>(group >> 16);
        if (padding < 2) out[written++] = static_cast<unsigned char>(group >> 8);
        if (padding < 1) out[written++] = static_cast<unsigned char>(group);
    }
    return written;
}

} // namespace detail

/// The standard base64 text of `bytes`, padded with `=` to a multiple of 4 characters.
inline std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    const auto byte = [&](std::size_t i) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]));
    };
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t group = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        out += detail::base64_alphabet[group >> 18];
        out += detail::base64_alphabet[(group >> 12) & 0x3fu];
        out += detail::base64_alphabet[(group >> 6) & 0x3fu];
        out += detail::base64_alphabet[group & 0x3fu];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest != 0) {
        const std::uint32_t group = (byte(i) << 16) | (rest == 2 ? byte(i + 1) << 8 : 0u);
        out += detail::base64_alphabet[group >> 18];
        out += detail::base64_alphabet[(group >> 12) & 0x3fu];
        out += rest == 2 ? detail::base64_alphabet[(group >> 6) & 0x3fu] : '=';
        out += '=';
    }
    return out;
}

/// The bytes `text` encodes, or nullopt when `text` is not strict base64.
///
/// Strict means: only the standard alphabet (`A-Z a-z 0-9 + /`, not the URL-safe `-_`), no
/// whitespace or line breaks, length a multiple of 4 with `=` padding (text without padding
/// is rejected), `=` only at the end, and zero bits under the padding. Every byte string then
/// has exactly one accepted spelling, so comparing decoded bytes is the same as comparing
/// texts. The empty text decodes to the empty string. Hostile input is safe: the decoder
/// never reads outside `text`.
inline std::optional<std::string> base64_decode(std::string_view text) {
    const std::size_t size = detail::base64_decoded_size(text);
    if (size == detail::base64_bad) return std::nullopt;
    std::string out(size, '\0');
    // std::string stores char; the decoder writes unsigned char, the same object
    // representation, which is what reinterpret_cast between the two is allowed to reach.
    unsigned char* data = reinterpret_cast<unsigned char*>(out.data());
    if (detail::base64_decode_into(text, data, out.size()) != size) return std::nullopt;
    return out;
}

MPLUS_WEBHOOKS_END_NAMESPACE
