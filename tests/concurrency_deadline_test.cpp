// Deadlines: an asynchronous handler that never answers still gets a reply, the fallback, in
// time; one that answers keeps its own. Also built with ThreadSanitizer (concurrency_ prefix).
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/deadline.hpp>
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/http.hpp>

#include "support/signed_requests.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
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

/// fallbacks_sent() once it reaches `expected` (or after 5 s): the count is taken after the
/// fallback was delivered, so it may trail the response the caller already holds.
std::uint64_t fallbacks_once(const mw::Deadlines& deadlines, std::uint64_t expected) {
    eventually([&] { return deadlines.fallbacks_sent() >= expected; });
    return deadlines.fallbacks_sent();
}

// Scheduling on a loaded 2-core machine, and ThreadSanitizer, make wake-ups late; never early.
constexpr double late_tolerance_ms = 400;

} // namespace

TEST_CASE("Deadlines: a handler that answers in time keeps its reply, the fallback is not sent") {
    mw::Deadlines deadlines;
    mw::Dispatcher d(config());
    std::atomic<int> twice{0};
    d.on_diagnostic([&](const mw::Diagnostic& diag) {
        if (diag.kind == mw::DiagnosticKind::responder_answered_twice) ++twice;
    });
    d.on_async<ev::ScanCode>([&](const mw::ScanCodeRequest&, mw::Responder r) {
        deadlines.arm(r, milliseconds(50), message_reply("fallback"));
        r.reply(message_reply("handler"));
    });
    const mw::HttpResponse res = d.handle(scan_request("A"));
    CHECK(signed_reply_with(res, "handler"));
    CHECK(res.body.find("fallback") == std::string::npos);
    // The deadline passes; the answered Responder is let go without a second answer.
    const auto start = Clock::now();
    while (deadlines.pending() != 0 && ms_since(start) < 5000) {
        std::this_thread::sleep_for(milliseconds(5));
    }
    CHECK(deadlines.pending() == 0);
    CHECK(deadlines.fallbacks_sent() == 0);
    CHECK(twice.load() == 0);
}

TEST_CASE("Deadlines: a handler that never answers gets the fallback at the deadline") {
    mw::Deadlines deadlines;
    mw::Dispatcher d(config());
    std::mutex kept_mutex;
    std::vector<mw::Responder> kept; // held, never answered: a handler stuck on a device
    std::atomic<int> unanswered{0};
    d.on_diagnostic([&](const mw::Diagnostic& diag) {
        if (diag.kind == mw::DiagnosticKind::responder_unanswered) ++unanswered;
    });
    d.on_async<ev::ScanCode>([&](const mw::ScanCodeRequest& req, mw::Responder r) {
        deadlines.arm(r, milliseconds(150), message_reply("too slow: try again"));
        if (req.scan_code.scanned_code == "keep") {
            std::lock_guard<std::mutex> lock(kept_mutex);
            kept.push_back(std::move(r));
        }
        // "drop": the handler lets its Responder go; the deadline's copy keeps the request open
    });

    for (const char* how : {"keep", "drop"}) {
        CAPTURE(how);
        const auto start = Clock::now();
        const mw::HttpResponse res = d.handle(scan_request(how));
        const double elapsed = ms_since(start);
        CHECK(signed_reply_with(res, "too slow: try again"));
        CHECK(elapsed >= 150.0);
        CHECK(elapsed < 150.0 + late_tolerance_ms);
    }
    CHECK(fallbacks_once(deadlines, 2) == 2);
    CHECK(unanswered.load() == 0);
    // A late answer of the handler that kept its Responder is ignored.
    kept.front().reply(message_reply("late"));
    CHECK(kept.front().answered());
}

TEST_CASE("Deadlines: deadlines fire in their order, whatever the order they were armed in") {
    mw::Deadlines deadlines;
    mw::Dispatcher d(config());
    std::mutex order_mutex;
    std::vector<std::string> order;
    d.on_async<ev::ScanCode>([&](const mw::ScanCodeRequest& req, mw::Responder r) {
        const int ms = std::stoi(req.scan_code.scanned_code);
        deadlines.arm(std::move(r), milliseconds(ms), message_reply("after " + std::to_string(ms)));
    });
    std::vector<mw::HttpRequest> requests;
    // Armed latest-first (each caller starts after the previous one armed).
    for (int ms : {400, 250, 100}) requests.push_back(scan_request(std::to_string(ms)));
    for (mw::HttpRequest& req : requests) {
        const std::size_t before = deadlines.pending();
        d.handle(std::move(req), [&](mw::HttpResponse res) {
            std::lock_guard<std::mutex> lock(order_mutex);
            order.push_back(res.body);
        });
        CHECK(deadlines.pending() == before + 1);
    }
    const auto start = Clock::now();
    while (ms_since(start) < 5000) {
        {
            std::lock_guard<std::mutex> lock(order_mutex);
            if (order.size() == 3) break;
        }
        std::this_thread::sleep_for(milliseconds(5));
    }
    std::lock_guard<std::mutex> lock(order_mutex);
    REQUIRE(order.size() == 3);
    CHECK(order[0].find("after 100") != std::string::npos);
    CHECK(order[1].find("after 250") != std::string::npos);
    CHECK(order[2].find("after 400") != std::string::npos);
}

TEST_CASE(
    "Deadlines: 8 threads arm at once, answered ones keep their reply, the others fall back") {
    constexpr std::size_t threads = 8;
    constexpr std::size_t per_thread = 40;
    mw::Deadlines deadlines;
    mw::Dispatcher d(config());
    std::mutex kept_mutex;
    std::vector<mw::Responder> kept;
    std::vector<std::thread> answerers;
    // Codes ending in 0 to 4: answered by the handler from another thread after 0 to 4 ms
    // (deadline 300 ms); 5 to 9: never answered (deadline 20 to 60 ms).
    d.on_async<ev::ScanCode>([&](const mw::ScanCodeRequest& req, mw::Responder r) {
        const std::string& code = req.scan_code.scanned_code;
        const int digit = code.back() - '0';
        if (digit < 5) {
            deadlines.arm(r, milliseconds(300), message_reply("fallback " + code));
            std::lock_guard<std::mutex> lock(kept_mutex);
            answerers.emplace_back([r, code, digit]() mutable {
                std::this_thread::sleep_for(milliseconds(digit));
                r.reply(message_reply("handler " + code));
            });
        } else {
            deadlines.arm(r, milliseconds(20 + 10 * (digit - 5)),
                          message_reply("fallback " + code));
            std::lock_guard<std::mutex> lock(kept_mutex);
            kept.push_back(std::move(r));
        }
    });

    std::atomic<std::size_t> handler_replies{0};
    std::atomic<std::size_t> fallback_replies{0};
    std::atomic<std::size_t> wrong{0};
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (std::size_t i = 0; i < per_thread; ++i) {
                const std::string code = "T" + std::to_string(t) + "-" + std::to_string(i);
                const mw::HttpResponse res = d.handle(scan_request(code, i));
                const bool answered_by_handler = code.back() - '0' < 5;
                const std::string expected =
                    (answered_by_handler ? "handler " : "fallback ") + code + "\"";
                if (!signed_reply_with(res, expected)) {
                    ++wrong;
                } else if (answered_by_handler) {
                    ++handler_replies;
                } else {
                    ++fallback_replies;
                }
            }
        });
    }
    for (std::thread& w : workers) w.join();
    for (std::thread& a : answerers) a.join();
    CHECK(wrong.load() == 0);
    CHECK(handler_replies.load() == threads * per_thread / 2);
    CHECK(fallback_replies.load() == threads * per_thread / 2);
    // The handlers' deadlines (300 ms) are still pending: the destructor lets them go unsent.
    CHECK(fallbacks_once(deadlines, threads * per_thread / 2) == threads * per_thread / 2);
}

TEST_CASE("Deadlines: destroyed with deadlines pending, it answers each with its fallback now") {
    mw::Dispatcher d(config());
    std::vector<mw::Responder> kept;
    std::mutex results_mutex;
    std::vector<mw::HttpResponse> results;
    std::optional<mw::Deadlines> deadlines;
    deadlines.emplace();
    d.on_async<ev::ScanCode>([&](const mw::ScanCodeRequest& req, mw::Responder r) {
        deadlines->arm(r, std::chrono::minutes(10), message_reply("shutting down"));
        if (req.scan_code.scanned_code == "answered") {
            r.reply(message_reply("answered in time"));
        } else {
            kept.push_back(std::move(r));
        }
    });
    for (const char* code : {"pending-1", "answered", "pending-2"}) {
        d.handle(scan_request(code), [&](mw::HttpResponse res) {
            std::lock_guard<std::mutex> lock(results_mutex);
            results.push_back(std::move(res));
        });
    }
    CHECK(deadlines->pending() == 3);
    {
        std::lock_guard<std::mutex> lock(results_mutex);
        REQUIRE(results.size() == 1);
        CHECK(signed_reply_with(results[0], "answered in time"));
    }
    const auto start = Clock::now();
    deadlines.reset();
    CHECK(ms_since(start) < 1000.0); // not the 10 minutes
    std::lock_guard<std::mutex> lock(results_mutex);
    REQUIRE(results.size() == 3); // each request answered once, none twice
    CHECK(signed_reply_with(results[1], "shutting down"));
    CHECK(signed_reply_with(results[2], "shutting down"));
    CHECK(kept.size() == 2);
    CHECK(kept[0].answered());
}

TEST_CASE("Deadlines: a Deadlines never armed starts no thread and is destroyed at once") {
    const auto start = Clock::now();
    {
        mw::Deadlines idle;
        CHECK(idle.pending() == 0);
        CHECK(idle.fallbacks_sent() == 0);
    }
    CHECK(ms_since(start) < 1000.0);
}
