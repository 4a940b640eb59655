// The public codec: typed values from JSON text (try_parse, parse) and back (serialize,
// serialize_to), and nlohmann interoperability (to_json, from_json).
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/codec_fwd.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/detail/fields.hpp>
#include <mplus/webhooks/detail/json/codecs.hpp>
#include <mplus/webhooks/detail/json/dom.hpp>
#include <mplus/webhooks/detail/json/model_codecs.hpp>
#include <mplus/webhooks/error.hpp>

#include <string>
#include <string_view>
#include <type_traits>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// Reads a typed value from JSON text. Never throws: problems come back in the Result, each
/// with the JSON pointer of where it was found and the wire code it maps to.
template <class T>
Result<T> try_parse(std::string_view text, const ReadOptions& options) {
    return detail::read_json<T>(text, options);
}

/// Reads a typed value from JSON text; throws Exception with the first problem.
template <class T>
T parse(std::string_view text, const ReadOptions& options = {}) {
    return try_parse<T>(text, options).value();
}

/// Appends the JSON text of `value` to `out`.
template <class T>
void serialize_to(std::string& out, const T& value, const WriteOptions& options = {}) {
    detail::Codec<T>::write(out, value, options);
}

/// The JSON text of `value`: known fields in protocol order, then the kept unknown fields.
template <class T>
std::string serialize(const T& value, const WriteOptions& options = {}) {
    std::string out;
    out.reserve(256);
    serialize_to(out, value, options);
    return out;
}

/// nlohmann interoperability: `nlohmann::json j = value;`.
template <class Json, class T, std::enable_if_t<detail::is_described_v<T>, int> = 0>
void to_json(Json& j, const T& value) {
    j = detail::parse_dom<Json>(serialize(value));
}

/// nlohmann interoperability: `j.get<T>()`; throws Exception with the first problem.
template <class Json, class T, std::enable_if_t<detail::is_described_v<T>, int> = 0>
void from_json(const Json& j, T& value) {
    value = parse<T>(j.dump(-1, ' ', false, Json::error_handler_t::replace));
}

MPLUS_WEBHOOKS_END_NAMESPACE
