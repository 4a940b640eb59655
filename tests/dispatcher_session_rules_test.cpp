// Tests of the Dispatcher's development checks of a reply against its own request: the till's
// session rules (check_session_rules) and the POS version gates (pos_version).
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/http.hpp>

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace mw = mplus::webhooks;
namespace ev = mplus::webhooks::events;

constexpr std::string_view test_secret = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";

mw::Secret the_secret() {
    std::optional<mw::Secret> s = mw::Secret::from_text(test_secret, mw::KeyForm::base64_decoded);
    REQUIRE(s.has_value());
    return *s;
}

// A scanCode request whose session holds the one line "a".
constexpr std::string_view scan_body =
    R"({"event":{"eventBlocking":true},"sender":{},)"
    R"("session":{"sessionId":"s-1","lines":[{"lineId":"a","text":"A","priceIncl":1}]},)"
    R"("scanCode":{"scannedCode":"X-1","codeType":"barcode"}})";

mw::HttpRequest scan_request() {
    mw::HttpRequest r;
    r.method = "POST";
    r.path = "/hooks/scanCode";
    r.headers.push_back({"Content-Type", "application/json"});
    r.headers.push_back({"X-Mplus-Subscription-Id", "shop-1"});
    r.headers.push_back({"X-Mplus-Signature", the_secret().sign(scan_body)});
    r.headers.push_back({"X-Request-Id", "req-7"});
    r.body = std::string(scan_body);
    return r;
}

/// What the diagnostic hook saw, copied out of the views.
struct Seen {
    mw::DiagnosticKind kind;
    std::string wire;
    std::string path;
    std::string request_id;
    std::optional<mw::PosVersion> since;
};

mw::Dispatcher dispatcher(bool check, bool strict, std::string pos_version, std::vector<Seen>& seen,
                          std::string reply_json) {
    mw::DispatcherConfig c;
    c.secrets = mw::KeyRing({the_secret()});
    c.check_session_rules = check;
    c.strict_replies = strict;
    c.pos_version = std::move(pos_version);
    mw::Dispatcher d(std::move(c));
    d.on_diagnostic([&seen](const mw::Diagnostic& diag) {
        seen.push_back({diag.kind, std::string(diag.error.wire()), diag.error.path,
                        std::string(diag.request_id), diag.since});
    });
    d.on<ev::ScanCode>(
        [reply_json](const mw::ScanCodeRequest&) { return mw::parse<mw::Reply>(reply_json); });
    return d;
}

constexpr std::string_view unknown_line = R"({"lineChanges":[{"lineId":"zz"}]})";
constexpr std::string_view known_line = R"({"lineChanges":[{"lineId":"a"}]})";
constexpr std::string_view with_form = R"({"form":{"id":"f","title":"t","fields":[]}})";

} // namespace

TEST_CASE("Dispatcher session rules: an unknown lineId is reported and the reply sent") {
    std::vector<Seen> seen;
    mw::Dispatcher d = dispatcher(true, false, "", seen, std::string(unknown_line));
    const mw::HttpResponse r = d.handle(scan_request());
    CHECK(r.status == 200);
    CHECK(r.body == unknown_line);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].kind == mw::DiagnosticKind::reply_refused_by_till);
    CHECK(seen[0].wire == "INVALID_LINE_ID");
    CHECK(seen[0].path == "/lineChanges/0/lineId");
    CHECK(seen[0].request_id == "req-7");
    CHECK_FALSE(seen[0].since.has_value());
}

TEST_CASE("Dispatcher session rules: strict_replies refuses a reply naming an unknown line") {
    std::vector<Seen> seen;
    mw::Dispatcher d = dispatcher(true, true, "", seen, std::string(unknown_line));
    const mw::HttpResponse r = d.handle(scan_request());
    CHECK(r.status == 500);
    CHECK(r.body.find("\"code\":\"INVALID_LINE_ID\"") != std::string::npos);
    CHECK(r.body.find("/lineChanges/0/lineId") != std::string::npos);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].kind == mw::DiagnosticKind::reply_rejected);
    CHECK(seen[0].wire == "INVALID_LINE_ID");
    CHECK(seen[0].request_id == "req-7");
}

TEST_CASE("Dispatcher session rules: a reply within the session passes, even in strict mode") {
    std::vector<Seen> seen;
    mw::Dispatcher d = dispatcher(true, true, "", seen, std::string(known_line));
    const mw::HttpResponse r = d.handle(scan_request());
    CHECK(r.status == 200);
    CHECK(r.body == known_line);
    CHECK(seen.empty());
}

TEST_CASE("Dispatcher session rules: off by default, nothing is checked") {
    std::vector<Seen> seen;
    mw::Dispatcher d = dispatcher(false, true, "", seen, std::string(unknown_line));
    const mw::HttpResponse r = d.handle(scan_request());
    CHECK(r.status == 200);
    CHECK(r.body == unknown_line);
    CHECK(seen.empty());
    CHECK_FALSE(mw::DispatcherConfig().check_session_rules);
    CHECK(mw::DispatcherConfig().pos_version.empty());
}

TEST_CASE("Dispatcher session rules: a form on POS 57.0.0 is reported with version 59") {
    std::vector<Seen> seen;
    mw::Dispatcher d = dispatcher(true, false, "57.0.0", seen, std::string(with_form));
    const mw::HttpResponse r = d.handle(scan_request());
    CHECK(r.status == 200);
    CHECK(r.body == with_form);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].kind == mw::DiagnosticKind::reply_too_new);
    CHECK(seen[0].path == "/form");
    CHECK(seen[0].request_id == "req-7");
    REQUIRE(seen[0].since.has_value());
    CHECK(seen[0].since->major == 59);

    // The same reply on a POS that knows forms: nothing to report.
    std::vector<Seen> none;
    mw::Dispatcher newer = dispatcher(true, false, "59.0.0", none, std::string(with_form));
    CHECK(newer.handle(scan_request()).status == 200);
    CHECK(none.empty());

    // Strict: refused.
    std::vector<Seen> strict_seen;
    mw::Dispatcher strict = dispatcher(true, true, "57.0.0", strict_seen, std::string(with_form));
    const mw::HttpResponse refused = strict.handle(scan_request());
    CHECK(refused.status == 500);
    CHECK(refused.body.find("needs MplusKASSA 59.0.0 (the till runs 57.0.0)") != std::string::npos);
    REQUIRE(strict_seen.size() == 1);
    CHECK(strict_seen[0].kind == mw::DiagnosticKind::reply_rejected);
    REQUIRE(strict_seen[0].since.has_value());
    CHECK(strict_seen[0].since->major == 59);
}
