// Shared pieces of the libFuzzer targets: a check that aborts, the secret, a full dispatcher.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/signature.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace fuzz {

namespace mw = mplus::webhooks;

/// Aborts with a message when `ok` is false: libFuzzer reports the abort and keeps the input.
/// Used instead of assert() so that it also works in builds with NDEBUG.
inline void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz check failed: %s\n", what);
        std::abort();
    }
}

/// The protocol's published test secret (spec section 2).
inline constexpr std::string_view secret_text = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";

inline const mw::Secret& secret() {
    static const mw::Secret s = *mw::Secret::from_text(secret_text);
    return s;
}

/// The path of the input's first byte: one of the known events, or (one value in 25) an
/// unknown event name, which goes to the unknown-event handler.
inline std::string path_for(std::uint8_t b) {
    const std::size_t i = b % (mw::event_count + 1);
    if (i == mw::event_count) return "/hooks/somethingNew";
    return "/hooks/" + std::string(mw::event_names[i]);
}

template <class... Ts>
void register_all(mw::Dispatcher& d, mw::events::List<Ts...>) {
    (d.on<Ts>([](const typename Ts::request&) { return mw::Reply{}; }), ...);
}

/// A dispatcher with a handler for every event, the error request and unknown events, so that
/// every body is parsed as its event's request.
inline mw::Dispatcher& dispatcher() {
    static mw::Dispatcher d = [] {
        mw::DispatcherConfig c;
        c.secrets = mw::KeyRing({secret()});
        mw::Dispatcher made(std::move(c));
        register_all(made, mw::events::All{});
        made.on_error_request([](const mw::PosErrorRequest&, const mw::AnyRequest*) {});
        made.on_unknown_event([](const mw::UnknownEvent&) { return mw::Reply{}; });
        return made;
    }();
    return d;
}

inline mw::HttpRequest request(std::string path, std::string body) {
    mw::HttpRequest r;
    r.method = "POST";
    r.path = std::move(path);
    r.headers.push_back({"Content-Type", "application/json"});
    r.headers.push_back({"X-Mplus-Subscription-Id", "fuzz"});
    r.body = std::move(body);
    return r;
}

/// Every response must be JSON, signed over its exact body; an error response must be the
/// protocol's error object with a known wire code. Returns the wire code ("" on 200).
inline std::string check_response(const mw::HttpResponse& r) {
    require(r.header("Content-Type") == "application/json", "response content type");
    require(secret().verify(r.body, r.header("X-Mplus-Signature")), "response signature");
    const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
    require(j.is_object(), "response body is a JSON object");
    if (r.status == 200) return std::string();
    require(j.size() == 1 && j.contains("error") && j["error"].is_object(), "error object");
    const nlohmann::json& e = j["error"];
    require(e.contains("code") && e["code"].is_string(), "error code is a string");
    require(e.contains("message") && e["message"].is_string(), "error message is a string");
    const std::string code = e["code"].get<std::string>();
    require(mw::errc_from_wire_code(code) != mw::errc::ok, "error code is a known wire code");
    return code;
}

} // namespace fuzz
