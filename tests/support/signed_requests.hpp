// What the dispatcher tests share: the test secret, a dispatcher configuration that verifies
// with it, signed requests as a till sends them, and checks of signed replies.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/signature.hpp>

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace test_support {

/// The base64 secret the dispatcher tests sign with.
inline constexpr std::string_view secret_text = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";

/// The secret of secret_text.
inline const mplus::webhooks::Secret& signer() {
    static const mplus::webhooks::Secret s = [] {
        auto parsed = mplus::webhooks::Secret::from_text(secret_text);
        if (!parsed) throw std::logic_error("the test secret does not parse");
        return *parsed;
    }();
    return s;
}

/// A dispatcher configuration whose key ring holds signer().
inline mplus::webhooks::DispatcherConfig config() {
    mplus::webhooks::DispatcherConfig c;
    c.secrets = mplus::webhooks::KeyRing({signer()});
    return c;
}

/// A POST of `body` to /hooks/`event`, signed with signer(), with `extra` headers after the
/// content type and the signature.
inline mplus::webhooks::HttpRequest signed_post(std::string_view event, std::string body,
                                                std::vector<mplus::webhooks::Header> extra = {}) {
    mplus::webhooks::HttpRequest r;
    r.method = "POST";
    r.path = "/hooks/" + std::string(event);
    r.headers.push_back({"Content-Type", "application/json"});
    r.headers.push_back({"X-Mplus-Signature", signer().sign(body)});
    for (mplus::webhooks::Header& h : extra) r.headers.push_back(std::move(h));
    r.body = std::move(body);
    return r;
}

/// What a scanCode body says besides the scanned code.
struct Scan {
    std::size_t counter = 1; ///< event.eventCounter
    std::string instance;    ///< sender.instanceId; absent when empty
    bool polling = false;    ///< event.eventPolling
    std::string extra = "";  ///< members appended to the root object, each led by a comma
};

/// The body of a blocking scanCode event for `code`.
inline std::string scan_body(const std::string& code, const Scan& scan = {}) {
    const std::string sender =
        scan.instance.empty() ? "{}" : R"({"instanceId":")" + scan.instance + R"("})";
    return R"({"event":{"eventBlocking":true,"eventPolling":)" +
           std::string(scan.polling ? "true" : "false") + R"(,"eventCounter":)" +
           std::to_string(scan.counter) + R"(},"sender":)" + sender +
           R"(,"session":{"sessionId":"s","lines":[]},"scanCode":{"scannedCode":")" + code +
           R"(","codeType":"barcode"})" + scan.extra + "}";
}

/// A signed scanCode request for `code`.
inline mplus::webhooks::HttpRequest scan_request(const std::string& code, const Scan& scan = {}) {
    return signed_post("scanCode", scan_body(code, scan));
}

/// A signed scanCode request for `code` with eventCounter `counter`, from POS instance
/// `instance` (none when empty).
inline mplus::webhooks::HttpRequest scan_request(const std::string& code, std::size_t counter,
                                                 std::string instance = {}) {
    Scan scan;
    scan.counter = counter;
    scan.instance = std::move(instance);
    return scan_request(code, scan);
}

/// A reply that shows the message `text`.
inline mplus::webhooks::Reply message_reply(std::string text) {
    mplus::webhooks::Reply r;
    r.add_message(std::move(text));
    return r;
}

/// True when `res` is a 200 reply, correctly signed, whose body contains `text`.
inline bool signed_reply_with(const mplus::webhooks::HttpResponse& res, std::string_view text) {
    return res.status == 200 && signer().verify(res.body, res.header("X-Mplus-Signature")) &&
           res.body.find(text) != std::string::npos;
}

using Clock = std::chrono::steady_clock;

/// Milliseconds since `start`.
inline double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

/// Waits (5 s at most) until `done()` holds; returns whether it does.
template <class F>
bool eventually(F done) {
    const auto start = Clock::now();
    while (!done() && ms_since(start) < 5000)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return done();
}

} // namespace test_support
