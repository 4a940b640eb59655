// Tests of handlers that compose: several handlers per event, one handler for several events,
// the catch-all, middleware (answering instead, next, observers, exceptions), the verify-only
// entry point and request ids.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/http.hpp>

#include "support/signed_requests.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

namespace {

namespace mw = mplus::webhooks;
namespace ev = mplus::webhooks::events;

using test_support::config;
using test_support::signer;

constexpr std::string_view scan_body =
    R"({"event":{"eventBlocking":true,"eventCounter":7},"sender":{"instanceId":"till-a"},)"
    R"("session":{"sessionId":"s-1","lines":[]},"scanCode":{"scannedCode":"HELLO-42"}})";
constexpr std::string_view session_body =
    R"({"event":{"eventBlocking":true,"eventCounter":8},"sender":{"instanceId":"till-a"},)"
    R"("session":{"sessionId":"s-1","lines":[]}})";
constexpr std::string_view payment_body =
    R"({"event":{"eventBlocking":true,"eventPolling":true},"sender":{},)"
    R"("externalPayment":{"externalPaymentId":"ep-9","amount":5,"method":"pin"}})";

/// A request of `event` from subscription shop-1, signed.
mw::HttpRequest post(std::string_view event, std::string_view body) {
    return test_support::signed_post(event, std::string(body),
                                     {{"X-Mplus-Subscription-Id", "shop-1"}});
}

void check_signed(const mw::HttpResponse& r) {
    CHECK(r.header("Content-Type") == "application/json");
    CHECK(r.header("X-Mplus-Signature") == signer().sign(r.body));
}

mw::Reply message(std::string text) {
    mw::Reply reply;
    reply.add_message(std::move(text));
    return reply;
}

/// The texts of the reply's messages, in order.
std::vector<std::string> messages(const mw::HttpResponse& r) {
    const nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
    std::vector<std::string> out;
    if (!body.is_object() || !body.contains("message")) return out;
    for (const auto& m : body["message"]) out.push_back(m.value("message", std::string()));
    return out;
}

} // namespace

TEST_CASE("Dispatcher: the handlers of one event run in registration order and build one reply") {
    mw::Dispatcher d(config());
    std::vector<std::string> seen_before_second;
    d.on<ev::ScanCode>([](const mw::ScanCodeRequest& r) {
        mw::Reply reply = message("first " + r.scan_code.scanned_code);
        reply.version = "1";
        return reply;
    });
    d.on<ev::ScanCode>([&](const mw::ScanCodeRequest&, mw::RequestContext&, mw::Reply& reply) {
        for (const mw::Message& m : reply.message)
            seen_before_second.push_back(m.message.value_or(""));
        reply.add_message("second");
    });
    d.on<ev::ScanCode>([](const mw::ScanCodeRequest&, mw::RequestContext& ctx) {
        mw::Reply reply = message("third " + std::string(ctx.event_name));
        reply.version = "2"; // an object a later handler sets replaces the earlier one
        return reply;
    });
    const mw::HttpResponse r = d.handle(post("scanCode", scan_body));
    CHECK(r.status == 200);
    check_signed(r);
    CHECK(seen_before_second == std::vector<std::string>{"first HELLO-42"});
    CHECK(r.body == R"({"message":[{"message":"first HELLO-42"},{"message":"second"},)"
                    R"({"message":"third scanCode"}],"version":"2"})");
}

TEST_CASE("Dispatcher: one handler for several events") {
    mw::Dispatcher d(config());
    std::vector<std::string> events;
    std::mutex mutex;
    d.on<ev::StartExternalPayment, ev::PollExternalPayment>(
        [&](const mw::ExternalPaymentRequest& r, mw::RequestContext& ctx) {
            std::lock_guard<std::mutex> lock(mutex);
            events.emplace_back(ctx.event_name);
            mw::Reply reply =
                message(std::string(ctx.event_name) + " " + r.external_payment.external_payment_id);
            return reply;
        });
    const mw::HttpResponse start = d.handle(post("startExternalPayment", payment_body));
    const mw::HttpResponse poll = d.handle(post("pollExternalPayment", payment_body));
    const mw::HttpResponse cancel = d.handle(post("cancelExternalPayment", payment_body));
    CHECK(messages(start) == std::vector<std::string>{"startExternalPayment ep-9"});
    CHECK(messages(poll) == std::vector<std::string>{"pollExternalPayment ep-9"});
    CHECK(messages(cancel).empty()); // not registered for this one: the default reply
    CHECK(cancel.body == R"({"polling":{"finished":true}})");
    CHECK(events == std::vector<std::string>{"startExternalPayment", "pollExternalPayment"});
    check_signed(poll);
}

TEST_CASE("Dispatcher: the catch-all runs for every known event, in registration order") {
    mw::Dispatcher d(config());
    d.on<ev::ScanCode>([](const mw::ScanCodeRequest&) { return message("scan"); });
    d.on_any([](const mw::RequestBase& r, mw::RequestContext& ctx) {
        return message("any " + std::string(ctx.event_name) + " " +
                       r.sender.instance_id.value_or("-"));
    });
    d.on<ev::ScanCode>([](const mw::ScanCodeRequest&) { return message("scan again"); });
    CHECK(messages(d.handle(post("scanCode", scan_body))) ==
          std::vector<std::string>{"scan", "any scanCode till-a", "scan again"});
    CHECK(messages(d.handle(post("startSession", session_body))) ==
          std::vector<std::string>{"any startSession till-a"});
    CHECK(messages(d.handle(post("kitchenServeCourse", R"({"event":{},"sender":{}})"))) ==
          std::vector<std::string>{"any kitchenServeCourse -"});
    // An unknown event name is not a known event: on_unknown_event's, not the catch-all's.
    CHECK(d.handle(post("futureEvent", session_body)).body == "{}");
}

TEST_CASE("Dispatcher: a synchronous and an asynchronous handler of one event compose") {
    mw::Dispatcher d(config());
    d.on<ev::ScanCode>([](const mw::ScanCodeRequest&) { return message("sync"); });
    d.on_async<ev::ScanCode>([](const mw::ScanCodeRequest&, mw::Responder responder) {
        std::thread([responder]() mutable { responder.reply(message("async")); }).detach();
    });
    CHECK(messages(d.handle(post("scanCode", scan_body))) ==
          std::vector<std::string>{"sync", "async"});
    // At most one asynchronous handler per event.
    CHECK_THROWS_AS(d.on_async<ev::ScanCode>([](const mw::ScanCodeRequest&, mw::Responder) {}),
                    std::logic_error);
}

TEST_CASE("Dispatcher: middleware runs in order before the handlers and observes the response") {
    mw::Dispatcher d(config());
    std::vector<std::string> trace;
    std::string body_seen;
    std::string instance;
    std::optional<std::int64_t> counter;
    bool typed = false;
    d.use([&](mw::RequestContext& ctx, mw::Next& next) {
        trace.push_back("outer in " + std::string(ctx.event_name));
        body_seen = ctx.http->body;
        instance = std::string(ctx.instance_id);
        counter = ctx.event_counter;
        typed = ctx.request != nullptr && ctx.request->sender.instance_id == "till-a";
        next([&](const mw::HttpResponse& r) {
            trace.push_back("outer sees " + std::to_string(r.status));
        });
    });
    d.use([&](mw::RequestContext&, mw::Next& next) {
        trace.push_back("inner in");
        next([&](const mw::HttpResponse& r) { trace.push_back("inner sees " + r.body); });
    });
    d.on<ev::ScanCode>([&](const mw::ScanCodeRequest&) {
        trace.push_back("handler");
        return message("hi");
    });
    const mw::HttpResponse r = d.handle(post("scanCode", scan_body));
    CHECK(r.body == R"({"message":[{"message":"hi"}]})");
    check_signed(r);
    CHECK(trace == std::vector<std::string>{"outer in scanCode", "inner in", "handler",
                                            R"(inner sees {"message":[{"message":"hi"}]})",
                                            "outer sees 200"});
    CHECK(body_seen == scan_body);
    CHECK(instance == "till-a");
    CHECK(counter == 7);
    CHECK(typed);

    // Events without typed handlers and unknown events: the raw fields, no typed request.
    trace.clear();
    typed = true;
    d.handle(post("futureEvent", session_body));
    CHECK(trace.front() == "outer in futureEvent");
    CHECK(instance == "till-a");
    CHECK(counter == 8);
    CHECK(trace.back() == "outer sees 200");
}

TEST_CASE("Dispatcher: a middleware answers instead of the handlers") {
    mw::Dispatcher d(config());
    int handled = 0;
    d.use([](mw::RequestContext& ctx, mw::Next& next) {
        if (ctx.instance_id == "till-a") {
            mw::Reply reply = message("this till is blocked");
            return next.reply(std::move(reply));
        }
        next();
    });
    d.on<ev::ScanCode>([&](const mw::ScanCodeRequest&) {
        ++handled;
        return message("handled");
    });
    const mw::HttpResponse blocked = d.handle(post("scanCode", scan_body));
    CHECK(blocked.status == 200);
    CHECK(messages(blocked) == std::vector<std::string>{"this till is blocked"});
    check_signed(blocked);
    CHECK(handled == 0);

    std::string other(scan_body);
    other.replace(other.find("till-a"), 6, "till-b");
    CHECK(messages(d.handle(post("scanCode", other))) == std::vector<std::string>{"handled"});
    CHECK(handled == 1);
}

TEST_CASE("Dispatcher: a middleware replays a stored reply body (a dedupe guard)") {
    mw::Dispatcher d(config());
    std::mutex mutex;
    std::map<std::tuple<std::string, std::int64_t, std::string>, std::string> stored;
    d.use([&](mw::RequestContext& ctx, mw::Next& next) {
        if (ctx.error_request || ctx.resend || ctx.polling || !ctx.event_counter) return next();
        auto key =
            std::make_tuple(std::string(ctx.instance_id), *ctx.event_counter, ctx.http->body);
        {
            std::lock_guard<std::mutex> lock(mutex);
            const auto it = stored.find(key);
            if (it != stored.end()) return next.reply_body(it->second);
        }
        next([&, key](const mw::HttpResponse& r) {
            if (r.status != 200) return;
            std::lock_guard<std::mutex> lock(mutex);
            stored.emplace(key, r.body);
        });
    });
    int calls = 0;
    d.on<ev::ScanCode>([&](const mw::ScanCodeRequest&) {
        ++calls;
        return message("call " + std::to_string(calls));
    });
    const mw::HttpResponse first = d.handle(post("scanCode", scan_body));
    const mw::HttpResponse again = d.handle(post("scanCode", scan_body));
    CHECK(calls == 1);
    CHECK(again.status == 200);
    CHECK(again.body == first.body);
    CHECK(messages(again) == std::vector<std::string>{"call 1"});
    check_signed(again);
    std::string next_event(scan_body);
    next_event.replace(next_event.find("\"eventCounter\":7"), 16, "\"eventCounter\":9");
    CHECK(messages(d.handle(post("scanCode", next_event))) == std::vector<std::string>{"call 2"});
}

TEST_CASE("Dispatcher: a middleware that throws, or neither goes on nor answers, gets a 500") {
    mw::Dispatcher d(config());
    std::vector<mw::DiagnosticKind> kinds;
    d.on_diagnostic([&](const mw::Diagnostic& diag) { kinds.push_back(diag.kind); });
    bool throws = true;
    d.use([&](mw::RequestContext&, mw::Next& next) {
        if (throws) throw std::runtime_error("store down");
        (void)next; // forgets to call it
    });
    int handled = 0;
    d.on<ev::ScanCode>([&](const mw::ScanCodeRequest&) {
        ++handled;
        return mw::Reply{};
    });
    const std::string internal =
        R"({"error":{"code":"INTERNAL_ERROR","message":"the request could not be handled"}})";
    const mw::HttpResponse thrown = d.handle(post("scanCode", scan_body));
    CHECK(thrown.status == 500);
    CHECK(thrown.body == internal);
    check_signed(thrown);
    REQUIRE(kinds.size() == 1);
    CHECK(kinds[0] == mw::DiagnosticKind::handler_exception);

    throws = false;
    const mw::HttpResponse silent = d.handle(post("scanCode", scan_body));
    CHECK(silent.status == 500);
    CHECK(silent.body == internal);
    check_signed(silent);
    REQUIRE(kinds.size() == 2);
    CHECK(kinds[1] == mw::DiagnosticKind::middleware_unanswered);
    CHECK(handled == 0);
}

TEST_CASE("Dispatcher: a second call of Next is ignored and reported") {
    mw::Dispatcher d(config());
    std::vector<mw::DiagnosticKind> kinds;
    d.on_diagnostic([&](const mw::Diagnostic& diag) { kinds.push_back(diag.kind); });
    d.use([](mw::RequestContext&, mw::Next& next) {
        next.reply(message("first"));
        next();
        next.reply_body("{}");
        CHECK(next.called());
    });
    int handled = 0;
    d.on<ev::ScanCode>([&](const mw::ScanCodeRequest&) {
        ++handled;
        return mw::Reply{};
    });
    CHECK(messages(d.handle(post("scanCode", scan_body))) == std::vector<std::string>{"first"});
    CHECK(handled == 0);
    CHECK(kinds == std::vector<mw::DiagnosticKind>{mw::DiagnosticKind::responder_answered_twice,
                                                   mw::DiagnosticKind::responder_answered_twice});
}

TEST_CASE("Dispatcher: an observer sees an asynchronous handler's later reply") {
    mw::Dispatcher d(config());
    std::mutex mutex;
    std::string observed;
    std::thread::id observer_thread;
    d.use([&](mw::RequestContext&, mw::Next& next) {
        next([&](const mw::HttpResponse& r) {
            std::lock_guard<std::mutex> lock(mutex);
            observed = r.body;
            observer_thread = std::this_thread::get_id();
        });
    });
    std::thread worker;
    std::thread::id worker_id;
    d.on_async<ev::ScanCode>([&](const mw::ScanCodeRequest&, mw::Responder responder) {
        worker = std::thread([responder]() mutable { responder.reply(message("later")); });
        worker_id = worker.get_id();
    });
    const mw::HttpResponse r = d.handle(post("scanCode", scan_body));
    worker.join();
    CHECK(r.body == R"({"message":[{"message":"later"}]})");
    std::lock_guard<std::mutex> lock(mutex);
    CHECK(observed == r.body);
    CHECK(observer_thread == worker_id);
}

TEST_CASE("Dispatcher: middleware sees the POS's error request, and front-door failures skip it") {
    mw::Dispatcher d(config());
    std::vector<std::string> seen;
    d.use([&](mw::RequestContext& ctx, mw::Next& next) {
        seen.push_back(std::string(ctx.event_name) + (ctx.error_request ? " error" : "") + " " +
                       std::string(ctx.instance_id));
        next();
    });
    d.on<ev::ScanCode>([](const mw::ScanCodeRequest&) { return message("x"); });
    const std::string error_request =
        R"({"error":{"code":"INVALID_DATA","message":"bad"},"original":)" + std::string(scan_body) +
        "}";
    const mw::HttpResponse r = d.handle(post("scanCode", error_request));
    CHECK(r.status == 200);
    CHECK(r.body == "{}");
    mw::HttpRequest bad = post("scanCode", scan_body);
    bad.body += " ";
    CHECK(d.handle(bad).status == 400);                                // INVALID_SIGNATURE
    CHECK(d.handle(post("scanCode", R"({"event":5})")).status == 400); // INVALID_DATA
    CHECK(seen == std::vector<std::string>{"scanCode error till-a"});
}

TEST_CASE("Dispatcher::verify: a good request, typed, and its reply signed by sign_reply") {
    mw::Dispatcher d(config());
    int handled = 0;
    d.on<ev::PollExternalPayment>([&](const mw::ExternalPaymentRequest&) {
        ++handled;
        return mw::Reply{};
    });
    const mw::HttpRequest http = post("pollExternalPayment", payment_body);
    const mw::Verified<mw::ExternalPaymentRequest> v = d.verify<ev::PollExternalPayment>(http);
    REQUIRE(v.ok());
    CHECK(v.request->external_payment.external_payment_id == "ep-9");
    CHECK(v.secret_index == 0);
    CHECK_FALSE(v.request_id.empty());
    CHECK(handled == 0); // no handler runs

    mw::Reply reply;
    reply.external_payment.emplace();
    reply.external_payment->started = true;
    const mw::HttpResponse r = d.sign_reply<ev::PollExternalPayment>(http, v, std::move(reply));
    CHECK(r.status == 200);
    check_signed(r);
    const nlohmann::json body = nlohmann::json::parse(r.body);
    CHECK(body["externalPayment"]["externalPaymentId"] == "ep-9"); // filled in
    CHECK(body["polling"]["finished"] == true);                    // filled in
}

TEST_CASE("Dispatcher::verify: bad signature, bad JSON and bad data get signed error responses") {
    mw::Dispatcher d(config());
    mw::HttpRequest forged = post("scanCode", scan_body);
    forged.body[forged.body.size() - 2] = ' ';
    const auto bad_signature = d.verify<ev::ScanCode>(forged);
    CHECK_FALSE(bad_signature);
    CHECK(bad_signature.response.status == 400);
    CHECK(
        bad_signature.response.body ==
        R"({"error":{"code":"INVALID_SIGNATURE","message":"X-Mplus-Signature does not match the body"}})");
    check_signed(bad_signature.response);
    // sign_reply of a refused request is the refusal.
    CHECK(d.sign_reply<ev::ScanCode>(forged, bad_signature, mw::Reply{}).body ==
          bad_signature.response.body);

    const auto bad_json = d.verify<ev::ScanCode>(post("scanCode", R"({"event":)"));
    CHECK_FALSE(bad_json.ok());
    CHECK(bad_json.response.status == 400);
    CHECK(nlohmann::json::parse(bad_json.response.body)["error"]["code"] == "INVALID_JSON");
    check_signed(bad_json.response);

    const auto bad_data = d.verify<ev::ScanCode>(
        post("scanCode",
             R"({"event":{},"sender":{},"session":{"sessionId":"s","lines":[{"quantity":"x"}]},)"
             R"("scanCode":{"scannedCode":"A"}})"));
    CHECK_FALSE(bad_data.ok());
    const nlohmann::json error = nlohmann::json::parse(bad_data.response.body)["error"];
    CHECK(error["code"] == "INVALID_DATA");
    CHECK(error["message"].get<std::string>().rfind("/session/lines/0/", 0) == 0);
    check_signed(bad_data.response);

    const std::string error_request =
        R"({"error":{"code":"INVALID_DATA","message":"m"},"original":{}})";
    const auto pos_error = d.verify<ev::ScanCode>(post("scanCode", error_request));
    CHECK_FALSE(pos_error.ok());
    REQUIRE(pos_error.error_request.has_value());
    CHECK(pos_error.error_request->error.message == "m");
    CHECK(pos_error.response.status == 200);
    CHECK(pos_error.response.body == "{}");
    check_signed(pos_error.response);
}

TEST_CASE("Dispatcher: every exchange has a request id, in the context, diagnostics and metrics") {
    mw::Dispatcher d(config());
    std::vector<std::string> from_context;
    std::vector<std::string> from_metrics;
    std::vector<std::string> from_diagnostics;
    d.on<ev::ScanCode>([&](const mw::ScanCodeRequest&, mw::RequestContext& ctx) {
        from_context.emplace_back(ctx.request_id);
        return mw::Reply{};
    });
    d.on_metrics([&](const mw::Metrics& m) { from_metrics.emplace_back(m.request_id); });
    d.on_diagnostic(
        [&](const mw::Diagnostic& diag) { from_diagnostics.emplace_back(diag.request_id); });
    d.handle(post("scanCode", scan_body));
    d.handle(post("scanCode", scan_body));
    mw::HttpRequest forged = post("scanCode", scan_body);
    forged.body += " ";
    d.handle(forged);
    REQUIRE(from_context.size() == 2);
    REQUIRE(from_metrics.size() == 3);
    REQUIRE(from_diagnostics.size() == 1);
    CHECK(from_context[0] != from_context[1]);
    CHECK(from_context[0].size() >= 10);
    CHECK(from_context[0].substr(0, 9) == from_context[1].substr(0, 9)); // one prefix
    CHECK(from_metrics[0] == from_context[0]);
    CHECK(from_metrics[1] == from_context[1]);
    CHECK(from_diagnostics[0] == from_metrics[2]);
    CHECK(std::set<std::string>(from_metrics.begin(), from_metrics.end()).size() == 3);

    // A load balancer's id is kept when it is a plain token, replaced when it is not.
    mw::HttpRequest tagged = post("scanCode", scan_body);
    tagged.headers.push_back({"x-request-id", "lb-7f3a:42"});
    d.handle(tagged);
    CHECK(from_context.back() == "lb-7f3a:42");
    mw::HttpRequest hostile = post("scanCode", scan_body);
    hostile.headers.push_back({"X-Request-Id", "a\"b c"});
    d.handle(hostile);
    CHECK(from_context.back() != "a\"b c");
    CHECK(from_context.back().substr(0, 9) == from_context[0].substr(0, 9));
}

TEST_CASE("Dispatcher: a middleware that swallows a handler's exception still gets a 500 sent") {
    mw::Dispatcher d(config());
    std::vector<mw::DiagnosticKind> kinds;
    d.on_diagnostic([&](const mw::Diagnostic& diag) { kinds.push_back(diag.kind); });
    d.use([](mw::RequestContext&, mw::Next& next) {
        try {
            next();
        } catch (const std::exception&) { // logged and dropped: no answer is made
        }
    });
    d.on<ev::ScanCode>(
        [](const mw::ScanCodeRequest&) -> mw::Reply { throw std::runtime_error("boom"); });
    int calls = 0;
    mw::HttpResponse got;
    d.handle(post("scanCode", scan_body), [&](mw::HttpResponse r) {
        ++calls;
        got = std::move(r);
    });
    CHECK(calls == 1);
    CHECK(got.status == 500);
    CHECK(got.body ==
          R"({"error":{"code":"INTERNAL_ERROR","message":"the request could not be handled"}})");
    check_signed(got);
    CHECK(kinds == std::vector<mw::DiagnosticKind>{mw::DiagnosticKind::middleware_unanswered});
}
