// HandlerBudget: a blocking synchronous handler gets a time budget and a fallback reply, on a
// bounded set of threads; middleware and composed handlers under many threads. Also built with
// ThreadSanitizer (concurrency_ prefix).
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/deadline.hpp>
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/http.hpp>

#include "support/signed_requests.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
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
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

using test_support::config;
using test_support::eventually;
using test_support::message_reply;
using test_support::ms_since;
using test_support::scan_request;
using test_support::signed_reply_with;

/// A gate the handlers wait at until the test opens it.
class Gate {
public:
    void wait() {
        std::unique_lock<std::mutex> lock(mutex_);
        opened_.wait(lock, [&] { return open_; });
    }
    void open() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            open_ = true;
        }
        opened_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable opened_;
    bool open_ = false;
};

// Scheduling on a loaded 2-core machine, and ThreadSanitizer, make wake-ups late; never early.
constexpr double late_tolerance_ms = 400;

} // namespace

TEST_CASE("HandlerBudget: a handler that answers within its budget keeps its reply") {
    mw::HandlerBudget budget(2);
    mw::Dispatcher d(config());
    d.on_async<ev::ScanCode>(
        budget.limit(milliseconds(2000), message_reply("fallback"),
                     [](const mw::ScanCodeRequest& r, mw::RequestContext& ctx) {
                         return message_reply("real " + r.scan_code.scanned_code + " " +
                                              std::string(ctx.instance_id));
                     }));
    for (int i = 0; i < 5; ++i) {
        const mw::HttpResponse res = d.handle(scan_request("A" + std::to_string(i), 1, "till"));
        CHECK(signed_reply_with(res, "real A" + std::to_string(i) + " till"));
    }
    CHECK(budget.fallbacks_sent() == 0);
    CHECK(budget.threads() >= 1);
    CHECK(budget.threads() <= 2);
}

TEST_CASE("HandlerBudget: a blocked handler's request gets the fallback at its budget") {
    Gate gate;
    std::atomic<int> finished{0};
    std::atomic<int> late_replies{0};
    {
        mw::HandlerBudget budget(1);
        mw::Dispatcher d(config());
        d.on_diagnostic([&](const mw::Diagnostic& diag) {
            if (diag.kind == mw::DiagnosticKind::responder_answered_twice) ++late_replies;
        });
        d.on<ev::ScanCode>([](const mw::ScanCodeRequest&) { return message_reply("sync first"); });
        d.on_async<ev::ScanCode>(budget.limit(milliseconds(100), message_reply("fallback"),
                                              [&](const mw::ScanCodeRequest&) {
                                                  gate.wait();
                                                  ++finished;
                                                  return message_reply("too late");
                                              }));
        const auto start = Clock::now();
        const mw::HttpResponse res = d.handle(scan_request("X", 1, "till"));
        const double took = ms_since(start);
        CHECK(signed_reply_with(res, R"([{"message":"sync first"},{"message":"fallback"}])"));
        CHECK(took >= 100);
        CHECK(took < 100 + late_tolerance_ms);
        CHECK(budget.running() == 1);
        CHECK(finished == 0);
        gate.open();
        CHECK(eventually([&] { return late_replies.load() == 1; }));
        CHECK(finished == 1);
        CHECK(eventually([&] { return budget.fallbacks_sent() == 1; }));
    }
}

TEST_CASE("HandlerBudget: hanging handlers hold at most `workers` threads") {
    Gate gate;
    std::atomic<int> started{0};
    mw::HandlerBudget budget(2, 16);
    mw::Dispatcher d(config());
    d.on_async<ev::ScanCode>(
        budget.limit(milliseconds(150), message_reply("fallback"), [&](const mw::ScanCodeRequest&) {
            ++started;
            gate.wait();
            return message_reply("real");
        }));
    constexpr int callers = 6;
    std::vector<std::thread> threads;
    std::vector<mw::HttpResponse> responses(callers);
    for (int i = 0; i < callers; ++i) {
        threads.emplace_back([&, i] {
            responses[static_cast<std::size_t>(i)] = d.handle(
                scan_request("C" + std::to_string(i), static_cast<std::size_t>(i), "till"));
        });
    }
    for (std::thread& t : threads) t.join();
    for (const mw::HttpResponse& res : responses) CHECK(signed_reply_with(res, "fallback"));
    CHECK(budget.threads() == 2);
    CHECK(budget.running() == 2);
    CHECK(started == 2);
    gate.open();
    CHECK(eventually([&] { return budget.running() == 0 && budget.queued() == 0; }));
    // The requests that waited for a worker were answered by their fallback: never run.
    CHECK(started == 2);
    CHECK(eventually([&] { return budget.fallbacks_sent() == callers; }));
}

TEST_CASE("HandlerBudget: a full queue answers with the fallback at once") {
    Gate gate;
    mw::HandlerBudget budget(1, 1);
    mw::Dispatcher d(config());
    d.on_async<ev::ScanCode>(budget.limit(
        milliseconds(3000), message_reply("fallback"), [&](const mw::ScanCodeRequest& r) {
            gate.wait();
            return message_reply("real " + r.scan_code.scanned_code);
        }));
    mw::HttpResponse first;
    mw::HttpResponse second;
    std::thread a([&] { first = d.handle(scan_request("A", 1, "till")); });
    REQUIRE(eventually([&] { return budget.running() == 1; }));
    std::thread b([&] { second = d.handle(scan_request("B", 1, "till")); });
    REQUIRE(eventually([&] { return budget.queued() == 1; }));
    const auto start = Clock::now();
    const mw::HttpResponse third = d.handle(scan_request("C", 1, "till"));
    CHECK(ms_since(start) < 1000);
    CHECK(signed_reply_with(third, "fallback"));
    gate.open();
    a.join();
    b.join();
    CHECK(signed_reply_with(first, "real A"));
    CHECK(signed_reply_with(second, "real B"));
    CHECK(eventually([&] { return budget.fallbacks_sent() == 1; }));
}

TEST_CASE("HandlerBudget: a handler that throws gets the fallback at once") {
    mw::HandlerBudget budget(1);
    mw::Dispatcher d(config());
    d.on_async<ev::ScanCode>(budget.limit(
        milliseconds(3000), message_reply("fallback"),
        [](const mw::ScanCodeRequest&) -> mw::Reply { throw std::runtime_error("device gone"); }));
    const auto start = Clock::now();
    CHECK(signed_reply_with(d.handle(scan_request("T", 1, "till")), "fallback"));
    CHECK(ms_since(start) < 1000);
    CHECK(eventually([&] { return budget.fallbacks_sent() == 1; }));
}

TEST_CASE("Dispatcher: middleware and composed handlers from 8 threads, replays exact") {
    mw::Dispatcher d(config());
    std::mutex mutex;
    std::map<std::tuple<std::string, std::int64_t, std::string>, std::string> stored;
    std::atomic<int> replayed{0};
    d.use([&](mw::RequestContext& ctx, mw::Next& next) {
        if (!ctx.event_counter) return next();
        auto key =
            std::make_tuple(std::string(ctx.instance_id), *ctx.event_counter, ctx.http->body);
        {
            std::lock_guard<std::mutex> lock(mutex);
            const auto it = stored.find(key);
            if (it != stored.end()) {
                ++replayed;
                return next.reply_body(it->second);
            }
        }
        next([&, key](const mw::HttpResponse& r) {
            std::lock_guard<std::mutex> lock(mutex);
            stored.emplace(key, r.body);
        });
    });
    std::atomic<int> calls{0};
    d.on<ev::ScanCode>([&](const mw::ScanCodeRequest& r) {
        ++calls;
        return message_reply("code " + r.scan_code.scanned_code);
    });
    d.on_any([](const mw::RequestBase& r, mw::RequestContext& ctx) {
        return message_reply("from " + r.sender.instance_id.value_or("") + " id " +
                             std::string(ctx.request_id));
    });
    constexpr int threads_count = 8;
    constexpr int per_thread = 100;
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < threads_count; ++t) {
        threads.emplace_back([&, t] {
            const std::string till = "till-" + std::to_string(t);
            for (int i = 0; i < per_thread; ++i) {
                // Every request is sent twice: the repeat must be the first reply, exactly.
                const mw::HttpRequest req =
                    scan_request("K" + std::to_string(i), static_cast<std::size_t>(i), till);
                const mw::HttpResponse a = d.handle(req);
                const mw::HttpResponse b = d.handle(req);
                if (signed_reply_with(a, "code K" + std::to_string(i)) &&
                    signed_reply_with(a, "from " + till) && a.body == b.body &&
                    signed_reply_with(b, "code K")) {
                    ++good;
                }
            }
        });
    }
    for (std::thread& th : threads) th.join();
    CHECK(good == threads_count * per_thread);
    CHECK(calls == threads_count * per_thread);
    CHECK(replayed == threads_count * per_thread);
}
