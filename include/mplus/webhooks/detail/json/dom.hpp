// One way into nlohmann's parser for every parse in the SDK: the typed reader's and the DOM's.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <iterator>
#include <string_view>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE
namespace detail {

/// An input iterator over the JSON text whose position the reader can see: nlohmann's lexer
/// advances the shared cursor, so the reader knows where each value starts and ends and can
/// keep a value's exact text.
struct TrackedInput {
    using iterator_category = std::input_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char*;
    using reference = const char&;

    const char** cursor = nullptr; ///< the reader's position (or its end), shared

    /// The character at the position.
    reference operator*() const noexcept { return **cursor; }
    /// Moves the shared position on.
    TrackedInput& operator++() noexcept {
        ++*cursor;
        return *this;
    }
    /// Moves the shared position on.
    TrackedInput operator++(int) noexcept {
        TrackedInput old = *this;
        ++*cursor;
        return old;
    }
    /// Same position.
    friend bool operator==(const TrackedInput& a, const TrackedInput& b) noexcept {
        return *a.cursor == *b.cursor;
    }
    /// Other position.
    friend bool operator!=(const TrackedInput& a, const TrackedInput& b) noexcept {
        return *a.cursor != *b.cursor;
    }
};

/// True when nlohmann's internal parser is used directly (see json_parser()): the releases
/// whose internal signatures the SDK is built and tested against, 3.10 and 3.11. Any other
/// release, or MPLUS_WEBHOOKS_NLOHMANN_PUBLIC_API defined, takes nlohmann's public entry points
/// instead, which every 3.x release keeps: the same results, a larger translation unit.
#if !defined(MPLUS_WEBHOOKS_NLOHMANN_PUBLIC_API) && NLOHMANN_JSON_VERSION_MAJOR == 3 &&            \
    NLOHMANN_JSON_VERSION_MINOR >= 10 && NLOHMANN_JSON_VERSION_MINOR <= 11
#define MPLUS_WEBHOOKS_NLOHMANN_INTERNAL_PARSER 1
#else
#define MPLUS_WEBHOOKS_NLOHMANN_INTERNAL_PARSER 0
#endif

#if MPLUS_WEBHOOKS_NLOHMANN_INTERNAL_PARSER

/// nlohmann's JSON parser over [*cursor, *end), advancing *cursor as it reads.
///
/// Every parse in the SDK goes through this one parser type: nlohmann's own entry points
/// (`json::parse`, `json::sax_parse`, `json::accept`) each make another instantiation of the
/// parser (per input type, with a callback parser beside the DOM one, and the readers of the
/// binary formats behind sax_parse), which a middleware's translation unit compiles again.
template <class Json>
auto json_parser(const char** cursor, const char** end) {
    using Input = decltype(nlohmann::detail::input_adapter(TrackedInput{}, TrackedInput{}));
    return nlohmann::detail::parser<Json, Input>(
        nlohmann::detail::input_adapter(TrackedInput{cursor}, TrackedInput{end}), nullptr, true);
}

/// The DOM of `text` when it is exactly one JSON value; otherwise a discarded value (as
/// `Json::parse(text, nullptr, false)`). Throws only std::bad_alloc.
template <class Json>
Json parse_dom(std::string_view text) {
    const char* cursor = text.data();
    const char* end = text.data() + text.size();
    Json result;
    nlohmann::detail::json_sax_dom_parser<Json> sax(result, false);
    if (!json_parser<Json>(&cursor, &end).sax_parse(&sax, true)) {
        result = Json(Json::value_t::discarded);
    }
    return result;
}

#else

/// json_parser() through nlohmann's public `Json::sax_parse`.
template <class Json>
struct PublicJsonParser {
    const char** cursor;
    const char** end;

    /// Runs `sax` over the text; `strict`: nothing may follow the value.
    template <class Sax>
    bool sax_parse(Sax* sax, bool strict) {
        return Json::sax_parse(TrackedInput{cursor}, TrackedInput{end}, sax,
                               Json::input_format_t::json, strict);
    }
};

/// nlohmann's JSON parser over [*cursor, *end), advancing *cursor as it reads.
template <class Json>
PublicJsonParser<Json> json_parser(const char** cursor, const char** end) {
    return PublicJsonParser<Json>{cursor, end};
}

/// The DOM of `text` when it is exactly one JSON value; otherwise a discarded value (as
/// `Json::parse(text, nullptr, false)`). Throws only std::bad_alloc.
template <class Json>
Json parse_dom(std::string_view text) {
    return Json::parse(text.data(), text.data() + text.size(), nullptr, false);
}

#endif

} // namespace detail
MPLUS_WEBHOOKS_END_NAMESPACE
