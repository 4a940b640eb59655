// Tests of the Dispatcher: every front-door check and wire code, routing, reply completion and
// rules, signatures of every response, hooks, asynchronous answers.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/http.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace mw = mplus::webhooks;
namespace ev = mplus::webhooks::events;

// The protocol's published vector (spec section 2).
constexpr std::string_view protocol_secret = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";
constexpr std::string_view protocol_signature = "EBFFIb5qPH/teEFmjtwcIj6h80cl+X1DUy62D46tnu8=";
constexpr std::string_view protocol_raw_signature = "pKDrmsKUDJ7QeDwyOMtUcEi9aBl+BTnzxYIHSqjbfk4=";
// Two more secrets (32 random bytes each, base64).
constexpr std::string_view other_secret = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";
constexpr std::string_view third_secret = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

mw::Secret secret(std::string_view text, mw::KeyForm form = mw::KeyForm::base64_decoded) {
    std::optional<mw::Secret> s = mw::Secret::from_text(text, form);
    REQUIRE(s.has_value());
    return *s;
}

mw::DispatcherConfig config_for(std::string_view text = protocol_secret) {
    mw::DispatcherConfig c;
    c.secrets = mw::KeyRing({secret(text)});
    return c;
}

constexpr std::string_view start_session_body =
    R"({"event":{"eventBlocking":true,"eventPolling":false,"eventCounter":7},"sender":{"branchNumber":1},)"
    R"("session":{"sessionId":"s-1","lines":[]}})";
constexpr std::string_view scan_code_body =
    R"({"event":{"eventBlocking":true},"sender":{},"session":{"sessionId":"s-1","lines":[]},)"
    R"("scanCode":{"scannedCode":"HELLO-42","codeType":"barcode"}})";
constexpr std::string_view external_payment_body =
    R"({"event":{"eventBlocking":true},"sender":{},)"
    R"("externalPayment":{"externalPaymentId":"ep-1","amount":12.50,"method":"pin"}})";
constexpr std::string_view background_poll_body =
    R"({"event":{"eventBlocking":true,"eventPolling":true},"sender":{}})";

/// A POST to /hooks/<event> with the headers the POS sends, signed with `signer`.
mw::HttpRequest request_for(std::string_view event, std::string_view body,
                            const mw::Secret& signer) {
    mw::HttpRequest r;
    r.method = "POST";
    r.path = "/hooks/" + std::string(event);
    r.headers.push_back({"Content-Type", "application/json"});
    r.headers.push_back({"Accept", "application/json"});
    r.headers.push_back({"X-Mplus-Subscription-Id", "shop-1"});
    r.headers.push_back({"X-Mplus-Signature", signer.sign(body)});
    r.body = std::string(body);
    return r;
}

mw::HttpRequest request_for(std::string_view event, std::string_view body) {
    return request_for(event, body, secret(protocol_secret));
}

/// Removes every header named `name` (exact spelling).
void remove_header(mw::HttpRequest& r, std::string_view name) {
    std::vector<mw::Header> kept;
    for (mw::Header& h : r.headers) {
        if (h.name != name) kept.push_back(std::move(h));
    }
    r.headers = std::move(kept);
}

void set_header(mw::HttpRequest& r, std::string_view name, std::string value) {
    remove_header(r, name);
    r.headers.push_back({std::string(name), std::move(value)});
}

/// Asserts the response carries JSON and the signature of exactly its body.
void check_signed(const mw::HttpResponse& r, const mw::Secret& signer) {
    CHECK(r.header("Content-Type") == "application/json");
    CHECK(r.header("X-Mplus-Signature") == signer.sign(r.body));
    CHECK(signer.verify(r.body, r.header("X-Mplus-Signature")));
}

void check_signed(const mw::HttpResponse& r) {
    check_signed(r, secret(protocol_secret));
}

std::string error_json(std::string_view code, std::string_view message) {
    return R"({"error":{"code":")" + std::string(code) + R"(","message":")" + std::string(message) +
           R"("}})";
}

/// Asserts an error response: status, exact body, signature.
void check_error(const mw::HttpResponse& r, int status, std::string_view code,
                 std::string_view message) {
    CHECK(r.status == status);
    CHECK(r.body == error_json(code, message));
    check_signed(r);
}

struct Recorder {
    std::mutex mutex;
    std::vector<mw::DiagnosticKind> kinds;
    std::vector<mw::Error> errors;
    std::vector<std::string> event_names;
    std::vector<mw::Metrics> metrics;
    std::vector<std::string> metric_codes;

    void attach(mw::Dispatcher& d) {
        d.on_diagnostic([this](const mw::Diagnostic& diag) {
            std::lock_guard<std::mutex> lock(mutex);
            kinds.push_back(diag.kind);
            errors.push_back(diag.error);
            event_names.emplace_back(diag.event_name);
        });
        d.on_metrics([this](const mw::Metrics& m) {
            std::lock_guard<std::mutex> lock(mutex);
            metrics.push_back(m);
            metric_codes.emplace_back(m.wire_code);
            metrics.back().wire_code = std::string_view(); // the view dies with the request
            metrics.back().event_name = std::string_view();
        });
    }
    std::size_t count(mw::DiagnosticKind k) {
        std::lock_guard<std::mutex> lock(mutex);
        std::size_t n = 0;
        for (mw::DiagnosticKind x : kinds) n += x == k ? 1 : 0;
        return n;
    }
    const mw::Error* first(mw::DiagnosticKind k) {
        std::lock_guard<std::mutex> lock(mutex);
        for (std::size_t i = 0; i < kinds.size(); ++i) {
            if (kinds[i] == k) return &errors[i];
        }
        return nullptr;
    }
};

mw::Reply hello_reply(const mw::ScanCodeRequest& r) {
    mw::Reply reply;
    reply.add_message("scanned " + r.scan_code.scanned_code);
    return reply;
}

} // namespace

TEST_CASE("Dispatcher: the protocol's signature vector over the exact raw bytes") {
    // The published vector signs the 4 bytes `test`: the signature passes, so the body is
    // judged next (not JSON), and the error reply is signed with the same secret.
    mw::Dispatcher d(config_for());
    mw::HttpRequest r = request_for("startSession", "test");
    CHECK(r.header("X-Mplus-Signature") == protocol_signature);
    const mw::HttpResponse res = d.handle(r);
    CHECK(res.status == 400);
    CHECK(res.body.rfind(R"({"error":{"code":"INVALID_JSON","message":")", 0) == 0);
    check_signed(res);

    // The raw-text form of the same secret does not verify, and a diagnostic says the other
    // key form would have matched, without the secret's text anywhere.
    Recorder rec;
    rec.attach(d);
    set_header(r, "X-Mplus-Signature", std::string(protocol_raw_signature));
    const mw::HttpResponse bad = d.handle(r);
    check_error(bad, 400, "INVALID_SIGNATURE", "X-Mplus-Signature does not match the body");
    REQUIRE(rec.count(mw::DiagnosticKind::other_key_form_matches) == 1);
    const mw::Error* hint = rec.first(mw::DiagnosticKind::other_key_form_matches);
    CHECK(hint->code == mw::errc::invalid_signature);
    CHECK(hint->message.find("other key form") != std::string::npos);
    for (const mw::Error& e : rec.errors) {
        CHECK(e.message.find(protocol_secret) == std::string::npos);
        CHECK(e.message.find(protocol_secret.substr(0, 12)) == std::string::npos);
    }
}

TEST_CASE("Dispatcher: a raw-text secret verifies and signs in its own form") {
    mw::DispatcherConfig c;
    c.secrets = mw::KeyRing({secret(protocol_secret, mw::KeyForm::raw_text)});
    mw::Dispatcher d(std::move(c));
    d.on<ev::StartSession>([](const mw::SessionRequest&) { return mw::Reply{}; });
    mw::HttpRequest r = request_for("startSession", start_session_body,
                                    secret(protocol_secret, mw::KeyForm::raw_text));
    const mw::HttpResponse res = d.handle(r);
    CHECK(res.status == 200);
    CHECK(res.body == "{}");
    check_signed(res, secret(protocol_secret, mw::KeyForm::raw_text));
    CHECK(res.header("X-Mplus-Signature") != secret(protocol_secret).sign("{}"));
}

TEST_CASE("Dispatcher: a typed handler's reply goes out signed with status 200") {
    mw::Dispatcher d(config_for());
    d.on<ev::ScanCode>([](const mw::ScanCodeRequest& r, mw::RequestContext& ctx) {
        CHECK(ctx.event_name == "scanCode");
        CHECK(ctx.event == mw::EventKind::scan_code);
        CHECK(ctx.subscription_id == "shop-1");
        CHECK(ctx.blocking);
        CHECK_FALSE(ctx.polling);
        CHECK(ctx.secret_index == 0);
        REQUIRE(ctx.http != nullptr);
        CHECK(ctx.http->path == "/hooks/scanCode");
        mw::Reply reply;
        reply.scan_code.emplace();
        reply.scan_code->recognized = r.scan_code.scanned_code.rfind("HELLO", 0) == 0;
        reply.scan_code->message = "hello " + r.scan_code.scanned_code;
        return reply;
    });
    const mw::HttpResponse res = d.handle(request_for("scanCode", scan_code_body));
    CHECK(res.status == 200);
    CHECK(res.body == R"({"scanCode":{"recognized":true,"message":"hello HELLO-42"}})");
    CHECK(res.headers.size() == 2);
    check_signed(res);
}

TEST_CASE("Dispatcher: an empty reply is sent as {} with its signature") {
    mw::Dispatcher d(config_for());
    d.on<ev::StartSession>([](const mw::SessionRequest&) { return mw::Reply{}; });
    const mw::HttpResponse res = d.handle(request_for("startSession", start_session_body));
    CHECK(res.status == 200);
    CHECK(res.body == "{}");
    CHECK(res.header("X-Mplus-Signature") == secret(protocol_secret).sign("{}"));
}

TEST_CASE("Dispatcher: only POST is accepted (METHOD_NOT_ALLOWED)") {
    mw::Dispatcher d(config_for());
    mw::HttpRequest r = request_for("startSession", start_session_body);
    r.method = "GET";
    check_error(d.handle(r), 400, "METHOD_NOT_ALLOWED", "only POST is accepted, not GET");
    r.method = "post"; // methods are case-sensitive
    check_error(d.handle(r), 400, "METHOD_NOT_ALLOWED", "only POST is accepted, not post");
}

TEST_CASE("Dispatcher: content type (NO_CONTENT_TYPE, INVALID_CONTENT_TYPE, parameters)") {
    mw::Dispatcher d(config_for());
    mw::HttpRequest r = request_for("startSession", start_session_body);
    remove_header(r, "Content-Type");
    check_error(d.handle(r), 400, "NO_CONTENT_TYPE", "Content-Type is missing");
    set_header(r, "Content-Type", "");
    check_error(d.handle(r), 400, "NO_CONTENT_TYPE", "Content-Type is missing");
    set_header(r, "Content-Type", "text/plain");
    check_error(d.handle(r), 400, "INVALID_CONTENT_TYPE", "Content-Type must be application/json");
    set_header(r, "Content-Type", "application/json-patch+json");
    check_error(d.handle(r), 400, "INVALID_CONTENT_TYPE", "Content-Type must be application/json");
    set_header(r, "Content-Type", "application/x-www-form-urlencoded");
    check_error(d.handle(r), 400, "INVALID_CONTENT_TYPE", "Content-Type must be application/json");

    for (const char* accepted : {"application/json", "application/json; charset=utf-8",
                                 "Application/JSON;charset=UTF-8", " application/json "}) {
        CAPTURE(accepted);
        set_header(r, "Content-Type", accepted);
        const mw::HttpResponse res = d.handle(r);
        CHECK(res.status == 200);
        CHECK(res.body == "{}");
    }
    // HTTP/2 sends header names in lower case.
    remove_header(r, "Content-Type");
    r.headers.push_back({"content-type", "application/json"});
    CHECK(d.handle(r).status == 200);
}

TEST_CASE("Dispatcher: header names are looked up case-insensitively") {
    mw::HttpRequest r = request_for("startSession", start_session_body);
    for (mw::Header& h : r.headers) {
        for (char& c : h.name) c = mw::detail::ascii_lower(c);
    }
    CHECK(r.header("X-MPLUS-SUBSCRIPTION-ID") == "shop-1");
    CHECK(r.has_header("Accept"));
    CHECK_FALSE(r.has_header("Authorization"));
    CHECK(r.header("Authorization").empty());
    mw::Dispatcher d(config_for());
    const mw::HttpResponse res = d.handle(r);
    CHECK(res.status == 200);
    CHECK(res.header("content-type") == "application/json");
    CHECK(res.header("x-mplus-signature") == secret(protocol_secret).sign("{}"));
}

TEST_CASE("Dispatcher: subscription ids (NO_SUBSCRIPTION_ID, INVALID_SUBSCRIPTION_ID)") {
    mw::DispatcherConfig c = config_for();
    c.subscription_ids = {"shop-1", "shop-2"};
    mw::Dispatcher d(std::move(c));
    mw::HttpRequest r = request_for("startSession", start_session_body);
    CHECK(d.handle(r).status == 200);
    set_header(r, "X-Mplus-Subscription-Id", "shop-2");
    CHECK(d.handle(r).status == 200);
    set_header(r, "X-Mplus-Subscription-Id", "shop-3");
    check_error(d.handle(r), 400, "INVALID_SUBSCRIPTION_ID",
                "X-Mplus-Subscription-Id is not a known subscription");
    set_header(r, "X-Mplus-Subscription-Id", "SHOP-1"); // ids are compared exactly
    CHECK(d.handle(r).status == 400);
    remove_header(r, "X-Mplus-Subscription-Id");
    check_error(d.handle(r), 400, "NO_SUBSCRIPTION_ID", "X-Mplus-Subscription-Id is missing");
    set_header(r, "X-Mplus-Subscription-Id", "");
    check_error(d.handle(r), 400, "NO_SUBSCRIPTION_ID", "X-Mplus-Subscription-Id is missing");

    // Without a configured list any id, or none, is accepted.
    mw::Dispatcher open(config_for());
    CHECK(open.handle(r).status == 200);
}

TEST_CASE("Dispatcher: the body size cap applies before the HMAC (413 or 400)") {
    const std::string body(100, ' ');
    mw::DispatcherConfig c = config_for();
    c.max_body_size = 99;
    mw::Dispatcher d(c);
    mw::HttpRequest r = request_for("startSession", body);
    check_error(d.handle(r), 413, "PAYLOAD_TOO_LARGE", "the body is larger than 99 bytes");
    // A wrong or missing signature does not matter: the size is checked first.
    set_header(r, "X-Mplus-Signature", std::string(protocol_signature));
    check_error(d.handle(r), 413, "PAYLOAD_TOO_LARGE", "the body is larger than 99 bytes");
    remove_header(r, "X-Mplus-Signature");
    check_error(d.handle(r), 413, "PAYLOAD_TOO_LARGE", "the body is larger than 99 bytes");

    c.body_too_large_status = 400;
    mw::Dispatcher d400(c);
    check_error(d400.handle(r), 400, "PAYLOAD_TOO_LARGE", "the body is larger than 99 bytes");

    // Exactly at the cap the body goes on to the signature check (and then the JSON check).
    c.max_body_size = 100;
    mw::Dispatcher at_cap(c);
    check_error(at_cap.handle(r), 400, "NO_SIGNATURE", "X-Mplus-Signature is missing");

    // The default cap is 1 MiB.
    CHECK(mw::DispatcherConfig{}.max_body_size == 1048576);
    CHECK(mw::DispatcherConfig{}.body_too_large_status == 413);
    mw::Dispatcher def(config_for());
    mw::HttpRequest big = request_for("startSession", std::string(1048577, ' '));
    check_error(def.handle(big), 413, "PAYLOAD_TOO_LARGE", "the body is larger than 1048576 bytes");
}

TEST_CASE("Dispatcher: signatures (NO_SIGNATURE, INVALID_SIGNATURE, exact bytes)") {
    mw::Dispatcher d(config_for());
    mw::HttpRequest r = request_for("startSession", start_session_body);
    CHECK(d.handle(r).status == 200);

    mw::HttpRequest missing = r;
    remove_header(missing, "X-Mplus-Signature");
    check_error(d.handle(missing), 400, "NO_SIGNATURE", "X-Mplus-Signature is missing");
    set_header(missing, "X-Mplus-Signature", "");
    check_error(d.handle(missing), 400, "NO_SIGNATURE", "X-Mplus-Signature is missing");

    const std::string invalid = "X-Mplus-Signature does not match the body";
    mw::HttpRequest wrong_key =
        request_for("startSession", start_session_body, secret(other_secret));
    check_error(d.handle(wrong_key), 400, "INVALID_SIGNATURE", invalid);
    mw::HttpRequest garbage = r;
    set_header(garbage, "X-Mplus-Signature", "not base64 at all");
    check_error(d.handle(garbage), 400, "INVALID_SIGNATURE", invalid);

    // One byte changed after signing (a space added at the end: same JSON, other bytes).
    mw::HttpRequest changed = r;
    changed.body.push_back(' ');
    check_error(d.handle(changed), 400, "INVALID_SIGNATURE", invalid);

    // `12.50` signed as sent verifies; the same JSON re-serialized (`12.5`) would not.
    d.on<ev::StartExternalPayment>([](const mw::ExternalPaymentRequest&) { return mw::Reply{}; });
    mw::HttpRequest payment = request_for("startExternalPayment", external_payment_body);
    CHECK(d.handle(payment).status == 200);
    std::string reserialized(external_payment_body);
    reserialized.replace(reserialized.find("12.50"), 5, "12.5");
    set_header(payment, "X-Mplus-Signature", secret(protocol_secret).sign(reserialized));
    check_error(d.handle(payment), 400, "INVALID_SIGNATURE", invalid);
}

TEST_CASE("Dispatcher: INVALID_JSON") {
    mw::Dispatcher d(config_for());
    d.on<ev::StartSession>([](const mw::SessionRequest&) { return mw::Reply{}; });
    for (const char* body :
         {"", "{", R"({"event":{},"sender":{},)", "[1,2", "nul", R"({"event":{}}x)"}) {
        CAPTURE(body);
        const mw::HttpResponse res = d.handle(request_for("startSession", body));
        CHECK(res.status == 400);
        CHECK(res.body.rfind(R"({"error":{"code":"INVALID_JSON","message":")", 0) == 0);
        check_signed(res);
        // Unknown events are read as JSON too.
        const mw::HttpResponse unknown = d.handle(request_for("someFutureEvent", body));
        CHECK(unknown.status == 400);
        CHECK(unknown.body.rfind(R"({"error":{"code":"INVALID_JSON","message":")", 0) == 0);
    }
}

TEST_CASE("Dispatcher: INVALID_DATA names the JSON path") {
    mw::Dispatcher d(config_for());
    bool called = false;
    d.on<ev::AddSessionLine>([&](const mw::AddSessionLineRequest&) {
        called = true;
        return mw::Reply{};
    });
    const std::string body =
        R"({"event":{},"sender":{},"session":{"sessionId":"s","lines":[]},)"
        R"("addSessionLine":{"line":{"lineId":"l1","text":"Cola","quantity":"two"}}})";
    check_error(d.handle(request_for("addSessionLine", body)), 400, "INVALID_DATA",
                "/addSessionLine/line/quantity: expected number, got string");

    const std::string missing =
        R"({"event":{},"sender":{},"session":{"lines":[]},"addSessionLine":{"line":{"lineId":"l1","text":"x"}}})";
    check_error(d.handle(request_for("addSessionLine", missing)), 400, "INVALID_DATA",
                "/session/sessionId: required field is missing");

    const std::string two =
        R"({"event":{"eventCounter":"x"},"sender":{"branchNumber":true},"session":{"sessionId":"s","lines":[]},)"
        R"("addSessionLine":{"line":{"lineId":"l1","text":"x"}}})";
    check_error(d.handle(request_for("addSessionLine", two)), 400, "INVALID_DATA",
                "/event/eventCounter: expected integer, got string (and 1 more)");

    check_error(d.handle(request_for("addSessionLine", "[]")), 400, "INVALID_DATA",
                "expected object, got array");
    CHECK_FALSE(called);

    // Strict reading (an integrator's CI) reports unknown fields as INVALID_DATA.
    mw::DispatcherConfig c = config_for();
    c.read_options.strict = true;
    mw::Dispatcher strict(std::move(c));
    strict.on<ev::StartSession>([](const mw::SessionRequest&) { return mw::Reply{}; });
    const std::string extra =
        R"({"event":{},"sender":{},"session":{"sessionId":"s","lines":[]},"surprise":1})";
    check_error(strict.handle(request_for("startSession", extra)), 400, "INVALID_DATA",
                "/surprise: unknown field");
    CHECK(d.handle(
               request_for("addSessionLine",
                           R"({"event":{},"sender":{},"session":{"sessionId":"s","lines":[]},)"
                           R"("addSessionLine":{"line":{"lineId":"l1","text":"x"}},"surprise":1})"))
              .status == 200);
}

TEST_CASE("Dispatcher: NO_EVENT_DETAILS") {
    mw::Dispatcher d(config_for());
    d.on<ev::ScanCode>(&hello_reply);
    d.on<ev::StartExternalPayment>([](const mw::ExternalPaymentRequest&) { return mw::Reply{}; });
    const std::string absent = R"({"event":{},"sender":{},"session":{"sessionId":"s","lines":[]}})";
    check_error(d.handle(request_for("scanCode", absent)), 400, "NO_EVENT_DETAILS",
                "/scanCode: event details are missing");
    const std::string null_details =
        R"({"event":{},"sender":{},"session":{"sessionId":"s","lines":[]},"scanCode":null})";
    check_error(d.handle(request_for("scanCode", null_details)), 400, "NO_EVENT_DETAILS",
                "/scanCode: event details are null");
    check_error(d.handle(request_for("startExternalPayment", R"({"event":{},"sender":{}})")), 400,
                "NO_EVENT_DETAILS", "/externalPayment: event details are missing");
}

TEST_CASE("Dispatcher: key rotation verifies with every secret and signs with the first") {
    mw::DispatcherConfig c;
    c.secrets = mw::KeyRing({secret(other_secret), secret(protocol_secret)}); // new, old
    mw::Dispatcher d(std::move(c));
    std::atomic<std::size_t> index{99};
    d.on<ev::StartSession>([&](const mw::SessionRequest&, mw::RequestContext& ctx) {
        index = ctx.secret_index;
        return mw::Reply{};
    });

    const mw::HttpResponse old_key = d.handle(request_for("startSession", start_session_body));
    CHECK(old_key.status == 200);
    CHECK(index == 1);
    check_signed(old_key, secret(other_secret)); // replies use the new (first) secret

    const mw::HttpResponse new_key =
        d.handle(request_for("startSession", start_session_body, secret(other_secret)));
    CHECK(new_key.status == 200);
    CHECK(index == 0);
    check_signed(new_key, secret(other_secret));

    const mw::HttpResponse neither =
        d.handle(request_for("startSession", start_session_body, secret(third_secret)));
    CHECK(neither.status == 400);
    CHECK(neither.body ==
          error_json("INVALID_SIGNATURE", "X-Mplus-Signature does not match the body"));
    check_signed(neither, secret(other_secret));
}

TEST_CASE("Dispatcher: secrets looked up per subscription id") {
    auto shop_a =
        std::make_shared<const mw::KeyRing>(std::vector<mw::Secret>{secret(protocol_secret)});
    auto shop_b =
        std::make_shared<const mw::KeyRing>(std::vector<mw::Secret>{secret(other_secret)});
    std::atomic<int> lookups{0};
    mw::DispatcherConfig c;
    c.secret_lookup = [&](std::string_view id) -> std::shared_ptr<const mw::KeyRing> {
        ++lookups;
        if (id == "shop-a") return shop_a;
        if (id == "shop-b") return shop_b;
        if (id == "empty") return std::make_shared<const mw::KeyRing>();
        return nullptr;
    };
    mw::Dispatcher d(std::move(c));
    d.on<ev::StartSession>([](const mw::SessionRequest&, mw::RequestContext& ctx) {
        mw::Reply reply;
        reply.add_message("hello " + std::string(ctx.subscription_id));
        return reply;
    });

    mw::HttpRequest a = request_for("startSession", start_session_body, secret(protocol_secret));
    set_header(a, "X-Mplus-Subscription-Id", "shop-a");
    const mw::HttpResponse ra = d.handle(a);
    CHECK(ra.status == 200);
    CHECK(ra.body == R"({"message":[{"message":"hello shop-a"}]})");
    check_signed(ra, secret(protocol_secret));

    mw::HttpRequest b = request_for("startSession", start_session_body, secret(other_secret));
    set_header(b, "X-Mplus-Subscription-Id", "shop-b");
    const mw::HttpResponse rb = d.handle(b);
    CHECK(rb.status == 200);
    CHECK(rb.body == R"({"message":[{"message":"hello shop-b"}]})");
    check_signed(rb, secret(other_secret));

    // shop-b's request signed with shop-a's secret: rejected, and signed with shop-b's.
    mw::HttpRequest crossed =
        request_for("startSession", start_session_body, secret(protocol_secret));
    set_header(crossed, "X-Mplus-Subscription-Id", "shop-b");
    const mw::HttpResponse rc = d.handle(crossed);
    CHECK(rc.body == error_json("INVALID_SIGNATURE", "X-Mplus-Signature does not match the body"));
    check_signed(rc, secret(other_secret));

    // No secret known: the error reply cannot be signed and goes without X-Mplus-Signature.
    for (const char* id : {"shop-z", "empty"}) {
        set_header(crossed, "X-Mplus-Subscription-Id", id);
        const mw::HttpResponse unknown = d.handle(crossed);
        CHECK(unknown.status == 400);
        CHECK(unknown.body == error_json("INVALID_SUBSCRIPTION_ID",
                                         "no secret is known for this X-Mplus-Subscription-Id"));
        CHECK(unknown.header("Content-Type") == "application/json");
        CHECK_FALSE(unknown.has_header("X-Mplus-Signature"));
    }
    remove_header(crossed, "X-Mplus-Subscription-Id");
    const mw::HttpResponse none = d.handle(crossed);
    CHECK(none.body == error_json("NO_SUBSCRIPTION_ID", "X-Mplus-Subscription-Id is missing"));
    CHECK_FALSE(none.has_header("X-Mplus-Signature"));
    CHECK(lookups == 6);

    // Checks before the signature are signed too when the subscription is known.
    a.method = "PUT";
    const mw::HttpResponse put = d.handle(a);
    CHECK(put.body == error_json("METHOD_NOT_ALLOWED", "only POST is accepted, not PUT"));
    check_signed(put, secret(protocol_secret));
}

TEST_CASE("Dispatcher: the POS's error request goes to the error handler, typed, answered {}") {
    mw::Dispatcher d(config_for());
    bool scan_handler_called = false;
    d.on<ev::ScanCode>([&](const mw::ScanCodeRequest& r) {
        scan_handler_called = true;
        return hello_reply(r);
    });
    int calls = 0;
    std::string code;
    std::string message;
    std::string scanned;
    bool had_original = false;
    mw::EventKind original_event = mw::EventKind::unknown;
    std::string session_id;
    std::string event_name;
    d.on_error_request(
        [&](const mw::PosErrorRequest& e, const mw::AnyRequest* original, mw::RequestContext& ctx) {
            ++calls;
            code = e.error.code.str();
            message = e.error.message;
            event_name = std::string(ctx.event_name);
            had_original = original != nullptr;
            original_event = original != nullptr ? original->event : mw::EventKind::unknown;
            scanned.clear();
            session_id.clear();
            if (original != nullptr) {
                if (const mw::ScanCodeRequest* typed = original->get<ev::ScanCode>()) {
                    scanned = typed->scan_code.scanned_code;
                }
                if (const mw::SessionRequest* typed = original->get<ev::StartSession>()) {
                    session_id = typed->session.session_id;
                }
            }
        });
    const std::string body =
        R"({"error":{"code":"INVALID_DATA","message":"bad reply"},"original":)" +
        std::string(scan_code_body) + "}";
    const mw::HttpResponse res = d.handle(request_for("scanCode", body));
    CHECK(res.status == 200);
    CHECK(res.body == "{}");
    check_signed(res);
    CHECK(calls == 1);
    CHECK(code == "INVALID_DATA");
    CHECK(message == "bad reply");
    CHECK(event_name == "scanCode");
    CHECK(had_original);
    CHECK(original_event == mw::EventKind::scan_code);
    CHECK(scanned == "HELLO-42");
    CHECK(session_id.empty()); // get<>() of another event is nullptr
    CHECK_FALSE(scan_handler_called);

    // An original that does not parse as the event's request: the handler gets nullptr.
    const std::string broken =
        R"({"error":{"code":"MY_OWN_CODE","message":"m"},"original":{"scanCode":5}})";
    const mw::HttpResponse res2 = d.handle(request_for("scanCode", broken));
    CHECK(res2.status == 200);
    CHECK(res2.body == "{}");
    CHECK(calls == 2);
    CHECK(code == "MY_OWN_CODE");
    CHECK_FALSE(had_original);

    // To the URL of an unknown event or of an event without handler: nullptr original.
    const mw::HttpResponse res3 = d.handle(request_for("futureEvent", body));
    CHECK(res3.body == "{}");
    CHECK(calls == 3);
    CHECK(event_name == "futureEvent");
    CHECK_FALSE(had_original);
    const std::string start_body = R"({"error":{"code":"X","message":"m"},"original":)" +
                                   std::string(start_session_body) + "}";
    const mw::HttpResponse res4 = d.handle(request_for("startSession", start_body));
    CHECK(res4.status == 200);
    CHECK(calls == 4);
    CHECK(original_event == mw::EventKind::start_session);
    CHECK(session_id == "s-1");
    CHECK(scanned.empty());

    // A malformed error object: INVALID_DATA with its path.
    const std::string bad_error = R"({"error":{"code":7},"original":{}})";
    check_error(d.handle(request_for("scanCode", bad_error)), 400, "INVALID_DATA",
                "/error/code: expected string, got number");
    CHECK(calls == 4);

    // Without an error handler the error request is still answered 200 {}.
    mw::Dispatcher plain(config_for());
    plain.on<ev::ScanCode>(&hello_reply);
    const mw::HttpResponse res5 = plain.handle(request_for("scanCode", body));
    CHECK(res5.status == 200);
    CHECK(res5.body == "{}");
    check_signed(res5);
}

TEST_CASE("Dispatcher: unknown events get {} (plus polling for polling requests)") {
    mw::Dispatcher d(config_for());
    Recorder rec;
    rec.attach(d);
    const mw::HttpResponse plain = d.handle(request_for("someFutureEvent", start_session_body));
    CHECK(plain.status == 200);
    CHECK(plain.body == "{}");
    check_signed(plain);

    const mw::HttpResponse polling = d.handle(request_for("someFuturePoll", background_poll_body));
    CHECK(polling.status == 200);
    CHECK(polling.body == R"({"polling":{"finished":true}})");
    check_signed(polling);
    CHECK(rec.count(mw::DiagnosticKind::polling_filled_in) == 1);

    // A known event without a handler gets the same default.
    const mw::HttpResponse poll = d.handle(request_for("backgroundPoll", background_poll_body));
    CHECK(poll.body == R"({"polling":{"finished":true}})");

    // An unknown event's body must still be a JSON object.
    check_error(d.handle(request_for("someFutureEvent", "[1]")), 400, "INVALID_DATA",
                "expected object, got array");
}

TEST_CASE("Dispatcher: the unknown-event handler gets the name and the raw body") {
    mw::Dispatcher d(config_for());
    std::string name;
    std::string body;
    bool polling = false;
    d.on_unknown_event([&](const mw::UnknownEvent& e, mw::RequestContext& ctx) {
        name = e.name;
        body = e.body;
        polling = ctx.polling;
        mw::Reply reply;
        reply.add_message("unknown " + e.name);
        return reply;
    });
    mw::HttpRequest r = request_for("brandNewEvent", background_poll_body);
    r.path = "/base/hooks/brandNewEvent/?debug=1&x=/y"; // query string and trailing slash
    const mw::HttpResponse res = d.handle(r);
    CHECK(res.status == 200);
    CHECK(res.body ==
          R"({"message":[{"message":"unknown brandNewEvent"}],"polling":{"finished":true}})");
    check_signed(res);
    CHECK(name == "brandNewEvent");
    CHECK(body == background_poll_body);
    CHECK(polling);

    mw::Dispatcher one_arg(config_for());
    one_arg.on_unknown_event([](const mw::UnknownEvent&) {
        mw::Reply reply;
        reply.version = "1.0";
        return reply;
    });
    const mw::HttpResponse res2 = one_arg.handle(request_for("other", start_session_body));
    CHECK(res2.body == R"({"version":"1.0"})");
}

TEST_CASE("Dispatcher: the event name is the last path segment, without query string") {
    mw::Dispatcher d(config_for());
    d.on<ev::ScanCode>(&hello_reply);
    for (const char* path : {"/scanCode", "scanCode", "/a/b/c/scanCode", "/hooks/scanCode?x=1",
                             "/hooks/scanCode/", "/hooks/scanCode#frag"}) {
        CAPTURE(path);
        mw::HttpRequest r = request_for("scanCode", scan_code_body);
        r.path = path;
        const mw::HttpResponse res = d.handle(r);
        CHECK(res.body == R"({"message":[{"message":"scanned HELLO-42"}]})");
    }
    mw::HttpRequest wrong_case = request_for("ScanCode", scan_code_body);
    CHECK(d.handle(wrong_case).body == "{}"); // names are case-sensitive: an unknown event
}

TEST_CASE("Dispatcher: polling requests get polling.finished:true when the handler is silent") {
    mw::Dispatcher d(config_for());
    Recorder rec;
    rec.attach(d);
    d.on<ev::BackgroundPoll>([](const mw::BackgroundPollRequest& r, mw::RequestContext& ctx) {
        CHECK(ctx.polling);
        CHECK(r.event.polling());
        mw::Reply reply;
        reply.add_message("tick");
        return reply;
    });
    const mw::HttpResponse res = d.handle(request_for("backgroundPoll", background_poll_body));
    CHECK(res.status == 200);
    CHECK(res.body == R"({"message":[{"message":"tick"}],"polling":{"finished":true}})");
    check_signed(res);
    REQUIRE(rec.count(mw::DiagnosticKind::polling_filled_in) == 1);
    const mw::Error* told = rec.first(mw::DiagnosticKind::polling_filled_in);
    CHECK(told->path == "/polling");
    CHECK(rec.event_names.front() == "backgroundPoll");

    // A handler that decides keeps its decision, and nothing is reported.
    mw::Dispatcher keeps(config_for());
    Recorder rec2;
    rec2.attach(keeps);
    keeps.on<ev::BackgroundPoll>([](const mw::BackgroundPollRequest&) {
        mw::Reply reply;
        reply.polling.emplace();
        reply.polling->finished = false;
        return reply;
    });
    const mw::HttpResponse again =
        keeps.handle(request_for("backgroundPoll", background_poll_body));
    CHECK(again.body == R"({"polling":{"finished":false}})");
    CHECK(rec2.count(mw::DiagnosticKind::polling_filled_in) == 0);

    // Not polling: nothing is added.
    keeps.on<ev::StartSession>([](const mw::SessionRequest&) { return mw::Reply{}; });
    CHECK(keeps.handle(request_for("startSession", start_session_body)).body == "{}");
}

TEST_CASE("Dispatcher: a reply object that breaks a rule is dropped and reported") {
    mw::Dispatcher d(config_for());
    Recorder rec;
    rec.attach(d);
    d.on<ev::StartSession>([](const mw::SessionRequest&) {
        mw::Reply reply;
        reply.scan_code.emplace(); // only scanCode replies may carry scanCode
        reply.scan_code->recognized = true;
        reply.add_message("kept");
        reply.add_message("dropped").background_color = "not a colour!";
        reply.add_message("kept too");
        reply.lock_session = true;
        return reply;
    });
    const mw::HttpResponse res = d.handle(request_for("startSession", start_session_body));
    CHECK(res.status == 200);
    CHECK(res.body ==
          R"({"lockSession":true,"message":[{"message":"kept"},{"message":"kept too"}]})");
    check_signed(res);
    REQUIRE(rec.count(mw::DiagnosticKind::reply_object_dropped) == 2);
    std::vector<std::string> paths;
    for (std::size_t i = 0; i < rec.kinds.size(); ++i) {
        if (rec.kinds[i] == mw::DiagnosticKind::reply_object_dropped) {
            paths.push_back(rec.errors[i].path);
        }
    }
    CHECK(paths == std::vector<std::string>{"/scanCode", "/message/1/backgroundColor"});

    // Line changes make no sense without a session: dropped on backgroundPoll.
    d.on<ev::BackgroundPoll>([](const mw::BackgroundPollRequest&) {
        mw::Reply reply;
        reply.line_deletions.emplace_back();
        reply.line_deletions.back().line_id = "l1";
        return reply;
    });
    CHECK(d.handle(request_for("backgroundPoll", background_poll_body)).body ==
          R"({"polling":{"finished":true}})");
}

TEST_CASE("Dispatcher: strict_replies turns a broken reply into a failure") {
    mw::DispatcherConfig c = config_for();
    c.strict_replies = true;
    mw::Dispatcher d(std::move(c));
    Recorder rec;
    rec.attach(d);
    d.on<ev::StartSession>([](const mw::SessionRequest&) {
        mw::Reply reply;
        reply.scan_code.emplace();
        return reply;
    });
    check_error(d.handle(request_for("startSession", start_session_body)), 500, "INVALID_DATA",
                "the reply breaks a rule: /scanCode: scanCode is only accepted in a reply to "
                "scanCode");
    CHECK(rec.count(mw::DiagnosticKind::reply_rejected) == 1);
    CHECK(rec.count(mw::DiagnosticKind::reply_object_dropped) == 0);
    REQUIRE(rec.metric_codes.size() == 1);
    CHECK(rec.metric_codes[0] == "INVALID_DATA");
    CHECK(rec.metrics[0].status == 500);

    // A rule-abiding reply passes unchanged in strict mode.
    d.on<ev::ScanCode>(&hello_reply);
    CHECK(d.handle(request_for("scanCode", scan_code_body)).status == 200);
}

TEST_CASE("Dispatcher: an externalPayment reply without id gets the request's id") {
    mw::Dispatcher d(config_for());
    Recorder rec;
    rec.attach(d);
    d.on<ev::StartExternalPayment>([](const mw::ExternalPaymentRequest& r) {
        CHECK(r.external_payment.external_payment_id == "ep-1");
        mw::Reply reply;
        reply.external_payment.emplace();
        reply.external_payment->started = true;
        return reply;
    });
    const mw::HttpResponse res =
        d.handle(request_for("startExternalPayment", external_payment_body));
    CHECK(res.status == 200);
    CHECK(res.body == R"({"externalPayment":{"externalPaymentId":"ep-1","started":true}})");
    check_signed(res);

    // Another payment's id is a rule violation: the object is dropped.
    d.on<ev::PollExternalPayment>([](const mw::ExternalPaymentRequest&) {
        mw::Reply reply;
        reply.external_payment.emplace();
        reply.external_payment->external_payment_id = "ep-2";
        reply.external_payment->confirmed = true;
        return reply;
    });
    CHECK(d.handle(request_for("pollExternalPayment", external_payment_body)).body == "{}");
    const mw::Error* dropped = rec.first(mw::DiagnosticKind::reply_object_dropped);
    REQUIRE(dropped != nullptr);
    CHECK(dropped->path == "/externalPayment/externalPaymentId");
}

TEST_CASE("Dispatcher: a throwing handler yields 500 INTERNAL_ERROR without details") {
    mw::Dispatcher d(config_for());
    Recorder rec;
    rec.attach(d);
    d.on<ev::StartSession>([](const mw::SessionRequest&) -> mw::Reply {
        throw std::runtime_error("database password hunter2 rejected");
    });
    d.on<ev::ScanCode>([](const mw::ScanCodeRequest&) -> mw::Reply { throw 42; });
    d.on<ev::PauseSession>([](const mw::SessionRequest&) -> mw::Reply { throw std::bad_alloc(); });
    const std::string internal = "the request could not be handled";

    const mw::HttpResponse res = d.handle(request_for("startSession", start_session_body));
    check_error(res, 500, "INTERNAL_ERROR", internal);
    CHECK(res.body.find("hunter2") == std::string::npos);
    const mw::Error* what = rec.first(mw::DiagnosticKind::handler_exception);
    REQUIRE(what != nullptr);
    CHECK(what->message == "the handler threw: database password hunter2 rejected");
    CHECK(what->code == mw::errc::internal_error);

    check_error(d.handle(request_for("scanCode", scan_code_body)), 500, "INTERNAL_ERROR", internal);
    check_error(d.handle(request_for("pauseSession", start_session_body)), 500, "INTERNAL_ERROR",
                internal);
    CHECK(rec.count(mw::DiagnosticKind::handler_exception) == 3);
    CHECK(rec.errors[1].message == "the handler threw a non-standard exception");

    // The dispatcher goes on.
    d.on<ev::ResumeSession>([](const mw::SessionRequest&) { return mw::Reply{}; });
    CHECK(d.handle(request_for("resumeSession", start_session_body)).body == "{}");

    // The other handlers too.
    d.on_unknown_event([](const mw::UnknownEvent&) -> mw::Reply { throw std::logic_error("x"); });
    check_error(d.handle(request_for("future", start_session_body)), 500, "INTERNAL_ERROR",
                internal);
    d.on_error_request([](const mw::PosErrorRequest&, const mw::AnyRequest*) { throw 1.5; });
    check_error(d.handle(request_for("future", R"({"error":{"code":"X"},"original":{}})")), 500,
                "INTERNAL_ERROR", internal);
}

TEST_CASE("Dispatcher: handle never throws, even when hooks or callbacks do") {
    mw::Dispatcher d(config_for());
    d.on_diagnostic([](const mw::Diagnostic&) { throw std::runtime_error("hook"); });
    d.on_metrics([](const mw::Metrics&) { throw 3; });
    d.on<ev::ScanCode>(&hello_reply);
    mw::HttpResponse res;
    CHECK_NOTHROW(res = d.handle(request_for("scanCode", scan_code_body)));
    CHECK(res.body == R"({"message":[{"message":"scanned HELLO-42"}]})");
    mw::HttpRequest bad = request_for("scanCode", scan_code_body);
    bad.method = "GET";
    CHECK_NOTHROW(res = d.handle(bad));
    CHECK(res.status == 400);

    int calls = 0;
    CHECK_NOTHROW(d.handle(request_for("scanCode", scan_code_body), [&](mw::HttpResponse r) {
        ++calls;
        CHECK(r.status == 200);
        throw std::runtime_error("the server's callback failed");
    }));
    CHECK(calls == 1); // not called again with an error reply
    CHECK_NOTHROW(d.handle(request_for("scanCode", scan_code_body), nullptr));
}

TEST_CASE("Dispatcher: construction refuses a configuration without secrets") {
    CHECK_THROWS_AS(mw::Dispatcher{mw::DispatcherConfig{}}, std::invalid_argument);
    mw::DispatcherConfig c = config_for();
    c.body_too_large_status = 500;
    CHECK_THROWS_AS(mw::Dispatcher{c}, std::invalid_argument);
    mw::DispatcherConfig lookup;
    lookup.secret_lookup = [](std::string_view) { return std::shared_ptr<const mw::KeyRing>(); };
    CHECK_NOTHROW(mw::Dispatcher{lookup});
}

TEST_CASE("Dispatcher: the callback form answers synchronous handlers before returning") {
    mw::Dispatcher d(config_for());
    d.on<ev::ScanCode>(&hello_reply);
    std::vector<mw::HttpResponse> got;
    d.handle(request_for("scanCode", scan_code_body),
             [&](mw::HttpResponse r) { got.push_back(std::move(r)); });
    REQUIRE(got.size() == 1);
    CHECK(got[0].status == 200);
    CHECK(got[0].body == R"({"message":[{"message":"scanned HELLO-42"}]})");
    check_signed(got[0]);

    mw::HttpRequest bad = request_for("scanCode", scan_code_body);
    remove_header(bad, "X-Mplus-Signature");
    d.handle(bad, [&](mw::HttpResponse r) { got.push_back(std::move(r)); });
    REQUIRE(got.size() == 2);
    check_error(got[1], 400, "NO_SIGNATURE", "X-Mplus-Signature is missing");
}

TEST_CASE("Dispatcher: an asynchronous handler answered from another thread") {
    mw::Dispatcher d(config_for());
    Recorder rec;
    rec.attach(d);
    std::vector<std::thread> threads;
    d.on_async<ev::StartExternalPayment>(
        [&](const mw::ExternalPaymentRequest& r, mw::RequestContext& ctx, mw::Responder responder) {
            CHECK(ctx.event_name == "startExternalPayment");
            CHECK_FALSE(responder.answered());
            std::string id = r.external_payment.external_payment_id; // views die on return
            threads.emplace_back([responder, id]() mutable {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                mw::Reply reply;
                reply.external_payment.emplace();
                reply.external_payment->started = true;
                reply.add_message("started " + id);
                responder.reply(std::move(reply));
                CHECK(responder.answered());
            });
        });

    // Synchronous handle() waits for the answer.
    const mw::HttpResponse res =
        d.handle(request_for("startExternalPayment", external_payment_body));
    CHECK(res.status == 200);
    CHECK(res.body == R"({"message":[{"message":"started ep-1"}],)"
                      R"("externalPayment":{"externalPaymentId":"ep-1","started":true}})");
    check_signed(res);

    // The callback form returns at once; the callback runs on the answering thread.
    std::mutex m;
    std::vector<mw::HttpResponse> got;
    std::vector<std::thread::id> on_thread;
    d.handle(request_for("startExternalPayment", external_payment_body), [&](mw::HttpResponse r) {
        std::lock_guard<std::mutex> lock(m);
        got.push_back(std::move(r));
        on_thread.push_back(std::this_thread::get_id());
    });
    for (std::thread& t : threads) t.join();
    REQUIRE(got.size() == 1);
    CHECK(got[0].body == res.body);
    check_signed(got[0]);
    CHECK(on_thread[0] != std::this_thread::get_id());

    REQUIRE(rec.metrics.size() == 2);
    CHECK(rec.metrics[0].async);
    CHECK(rec.metrics[0].status == 200);
    CHECK(rec.metrics[0].handler_time >= std::chrono::milliseconds(20));
}

TEST_CASE("Dispatcher: a Responder answers once, later answers are ignored") {
    mw::Dispatcher d(config_for());
    Recorder rec;
    rec.attach(d);
    d.on_async<ev::ScanCode>([](const mw::ScanCodeRequest&, mw::Responder responder) {
        mw::Reply first;
        first.add_message("first");
        mw::Responder copy = responder;
        copy.reply(std::move(first));
        CHECK(responder.answered());
        mw::Reply second;
        second.add_message("second");
        responder.reply(std::move(second));
    });
    int calls = 0;
    std::string body;
    d.handle(request_for("scanCode", scan_code_body), [&](mw::HttpResponse r) {
        ++calls;
        body = r.body;
    });
    CHECK(calls == 1);
    CHECK(body == R"({"message":[{"message":"first"}]})");
    CHECK(rec.count(mw::DiagnosticKind::responder_answered_twice) == 1);
    CHECK(d.handle(request_for("scanCode", scan_code_body)).body == body);

    mw::Responder nothing;
    CHECK(nothing.answered());
    nothing.reply(mw::Reply{}); // does nothing
}

TEST_CASE("Dispatcher: a Responder destroyed unanswered sends 500 INTERNAL_ERROR") {
    mw::Dispatcher d(config_for());
    Recorder rec;
    rec.attach(d);
    std::optional<mw::Responder> kept;
    d.on_async<ev::ScanCode>([](const mw::ScanCodeRequest&, mw::Responder) {});
    d.on_async<ev::StartSession>(
        [&](const mw::SessionRequest&, mw::Responder responder) { kept = std::move(responder); });
    const std::string message = "the request could not be handled";

    // Dropped at once: handle() does not hang.
    check_error(d.handle(request_for("scanCode", scan_code_body)), 500, "INTERNAL_ERROR", message);
    CHECK(rec.count(mw::DiagnosticKind::responder_unanswered) == 1);

    // Kept, then dropped later: the callback runs then.
    int calls = 0;
    mw::HttpResponse got;
    d.handle(request_for("startSession", start_session_body), [&](mw::HttpResponse r) {
        ++calls;
        got = std::move(r);
    });
    CHECK(calls == 0);
    REQUIRE(kept.has_value());
    CHECK_FALSE(kept->answered());
    kept.reset();
    CHECK(calls == 1);
    check_error(got, 500, "INTERNAL_ERROR", message);
    CHECK(rec.count(mw::DiagnosticKind::responder_unanswered) == 2);
}

TEST_CASE("Dispatcher: an asynchronous handler that throws") {
    mw::Dispatcher d(config_for());
    Recorder rec;
    rec.attach(d);
    d.on_async<ev::ScanCode>(
        [](const mw::ScanCodeRequest&, mw::Responder) { throw std::runtime_error("boom"); });
    d.on_async<ev::StartSession>([](const mw::SessionRequest&, mw::Responder responder) {
        responder.reply(mw::Reply{});
        throw std::runtime_error("after the answer");
    });
    check_error(d.handle(request_for("scanCode", scan_code_body)), 500, "INTERNAL_ERROR",
                "the request could not be handled");
    CHECK(rec.count(mw::DiagnosticKind::responder_unanswered) == 0);
    // Answered before throwing: the answer stands, the exception is reported.
    const mw::HttpResponse res = d.handle(request_for("startSession", start_session_body));
    CHECK(res.status == 200);
    CHECK(res.body == "{}");
    CHECK(rec.count(mw::DiagnosticKind::handler_exception) == 2);

    // A bad body never reaches the asynchronous handler.
    check_error(d.handle(request_for("scanCode", "{")), 400, "INVALID_JSON",
                "parse error at line 1, column 2: syntax error while parsing object key - "
                "unexpected end of input; expected string literal");
}

TEST_CASE("Dispatcher: an asynchronous polling reply is completed like a synchronous one") {
    mw::Dispatcher d(config_for());
    d.on_async<ev::PollExternalPayment>([](const mw::ExternalPaymentRequest&, mw::Responder r) {
        mw::Reply reply;
        reply.external_payment.emplace();
        reply.external_payment->confirmed = true;
        r.reply(std::move(reply));
    });
    std::string body(external_payment_body);
    body.replace(body.find(R"("eventBlocking":true)"), 20,
                 R"("eventBlocking":true,"eventPolling":true)");
    const mw::HttpResponse res = d.handle(request_for("pollExternalPayment", body));
    CHECK(
        res.body ==
        R"({"externalPayment":{"externalPaymentId":"ep-1","confirmed":true},"polling":{"finished":true}})");
    check_signed(res);
}

TEST_CASE("Dispatcher: the metrics hook gets event, status, wire code, time and flags") {
    mw::Dispatcher d(config_for());
    Recorder rec;
    rec.attach(d);
    std::vector<std::string> names;
    d.on_metrics([&](const mw::Metrics& m) {
        names.emplace_back(m.event_name);
        rec.metrics.push_back(m);
        rec.metric_codes.emplace_back(m.wire_code);
    });
    d.on<ev::BackgroundPoll>([](const mw::BackgroundPollRequest&) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
        while (std::chrono::steady_clock::now() < until) {}
        return mw::Reply{};
    });
    d.on<ev::StartSession>([](const mw::SessionRequest&) { return mw::Reply{}; });
    d.handle(request_for("backgroundPoll", background_poll_body));
    mw::HttpRequest bad = request_for("startSession", start_session_body);
    bad.body[0] = ' ';
    d.handle(bad);
    d.handle(request_for(
        "startSession",
        R"({"event":{"eventBlocking":false},"sender":{},"session":{"sessionId":"s","lines":[]}})"));

    REQUIRE(rec.metrics.size() == 3);
    CHECK(names == std::vector<std::string>{"backgroundPoll", "startSession", "startSession"});
    CHECK(rec.metrics[0].event == mw::EventKind::background_poll);
    CHECK(rec.metrics[0].status == 200);
    CHECK(rec.metric_codes[0].empty());
    CHECK(rec.metrics[0].blocking);
    CHECK(rec.metrics[0].polling);
    CHECK_FALSE(rec.metrics[0].async);
    CHECK(rec.metrics[0].handler_time >= std::chrono::milliseconds(2));
    CHECK(rec.metrics[1].status == 400);
    CHECK(rec.metric_codes[1] == "INVALID_SIGNATURE");
    CHECK(rec.metrics[1].handler_time == std::chrono::nanoseconds(0));
    CHECK(rec.metrics[2].status == 200);
    CHECK_FALSE(rec.metrics[2].blocking);
    CHECK_FALSE(rec.metrics[2].polling);

    // Rejections are also reported as diagnostics, with the code and message sent.
    const mw::Error* rejected = rec.first(mw::DiagnosticKind::request_rejected);
    REQUIRE(rejected != nullptr);
    CHECK(rejected->code == mw::errc::invalid_signature);
    CHECK(rejected->message == "X-Mplus-Signature does not match the body");
}

TEST_CASE("Dispatcher: copies share one set of handlers") {
    mw::Dispatcher d(config_for());
    const mw::Dispatcher copy = d;
    d.on<ev::ScanCode>(&hello_reply);
    CHECK(copy.handle(request_for("scanCode", scan_code_body)).body ==
          R"({"message":[{"message":"scanned HELLO-42"}]})");
}
