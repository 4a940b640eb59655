// Fuzz target: strict base64 decoding; what decodes must encode back to the same text, and
// any bytes must encode to text that decodes back to them.
// SPDX-License-Identifier: MIT
#include "fuzz_support.hpp"

#include <mplus/webhooks/base64.hpp>

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace mw = mplus::webhooks;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    const std::optional<std::string> decoded = mw::base64_decode(text);
    if (decoded) {
        const std::size_t padding =
            static_cast<std::size_t>(text.size() >= 1 && text.back() == '=') +
            static_cast<std::size_t>(text.size() >= 2 && text[text.size() - 2] == '=');
        fuzz::require(decoded->size() == text.size() / 4 * 3 - padding, "decoded size");
        fuzz::require(mw::base64_encode(*decoded) == text, "encode(decode(t)) == t");
    }

    const std::string encoded = mw::base64_encode(text);
    fuzz::require(encoded.size() == (size + 2) / 3 * 4, "encoded size");
    const std::optional<std::string> back = mw::base64_decode(encoded);
    fuzz::require(back.has_value() && *back == text, "decode(encode(b)) == b");
    return 0;
}
