// Fuzz target: decoding of every event's request, of replies and of POS error requests, in
// lenient and strict mode, with a serialize / re-parse round trip on every success.
// SPDX-License-Identifier: MIT
//
// Input: byte 0 picks the type (the events in EventKind order, then Reply, then
// PosErrorRequest, then RawJson); the rest is the JSON text. Unknown fields, raw members and
// the error request's original are kept as exact text: what is written back must read again.
#include "fuzz_support.hpp"

#include <mplus/webhooks/codec.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>

#include <nlohmann/json.hpp>

#include <string_view>

namespace {

namespace mw = mplus::webhooks;

/// Decodes `text` as T with `strict`; on success the serialized text must parse again (with
/// the same options) and serialize to exactly the same text.
template <class T>
void round_trip(std::string_view text, bool strict) {
    mw::ReadOptions options;
    options.strict = strict;
    mw::Result<T> first = mw::try_parse<T>(text, options);
    if (!first.ok()) {
        fuzz::require(!first.errors().empty(), "a failed parse reports a problem");
        for (const mw::Error& e : first.errors()) {
            fuzz::require(e.code != mw::errc::ok, "a reported problem has a code");
            fuzz::require(e.path.empty() || e.path.front() == '/', "paths are JSON pointers");
        }
        return;
    }
    const std::string once = mw::serialize(*first);
    mw::Result<T> second = mw::try_parse<T>(once, options);
    fuzz::require(second.ok(), "the serialized text parses again");
    const std::string twice = mw::serialize(*second);
    fuzz::require(once == twice, "serialize(parse(serialize(x))) == serialize(x)");
}

template <class T>
void decode(std::string_view text) {
    round_trip<T>(text, false);
    round_trip<T>(text, true);
}

template <class... Ts>
void decode_event(std::size_t index, std::string_view text, mw::events::List<Ts...>) {
    std::size_t i = 0;
    (void)(((i++ == index) ? (decode<typename Ts::request>(text), true) : false) || ...);
}

/// Decodes `text` as a RawJson: kept text is one valid JSON value, equal to the input.
void decode_raw(std::string_view text) {
    mw::Result<mw::RawJson> raw = mw::try_parse<mw::RawJson>(text);
    if (!raw.ok()) return;
    fuzz::require(!raw->empty(), "a read value is never absent");
    fuzz::require(nlohmann::json::accept(raw->text()), "kept text is JSON");
    fuzz::require(raw->text().find_first_of("\n\t\r") == std::string_view::npos,
                  "kept text has no whitespace outside strings");
    const nlohmann::json in = nlohmann::json::parse(text, nullptr, false);
    const nlohmann::json kept = raw->json();
    fuzz::require(in.is_discarded() || kept == in, "kept text has the input's value");
    fuzz::require(mw::serialize(*raw) == raw->text(), "raw text is written as it is");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t index = data[0] % (mw::event_count + 3);
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (index < mw::event_count) {
        decode_event(index, text, mw::events::All{});
    } else if (index == mw::event_count) {
        decode<mw::Reply>(text);
    } else if (index == mw::event_count + 1) {
        decode<mw::PosErrorRequest>(text);
    } else {
        decode_raw(text);
    }
    return 0;
}
