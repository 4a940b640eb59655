// The state helpers under concurrent use, on the memory store: held polls and the device,
// cancel against success, many sessions after one seat, repeats of one event. Also built with
// ThreadSanitizer (concurrency_ prefix).
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/state/continuations.hpp>
#include <mplus/webhooks/state/dedupe.hpp>
#include <mplus/webhooks/state/external_payment.hpp>
#include <mplus/webhooks/state/holds.hpp>
#include <mplus/webhooks/state/store.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace mw = mplus::webhooks;
namespace st = mplus::webhooks::state;
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

mw::ExternalPaymentRequest request(const std::string& id, bool polling = false) {
    mw::ExternalPaymentRequest r;
    r.event.event_polling = polling;
    r.external_payment.external_payment_id = id;
    r.external_payment.amount = 10;
    r.external_payment.method = "PIN";
    r.external_payment.callback_url = "http://127.0.0.1:9/cb";
    return r;
}

} // namespace

TEST_CASE("concurrent external payments: every held poll is answered when the device confirms") {
    st::MemoryStore store;
    std::atomic<int> callbacks{0};
    st::ExternalPaymentOptions o;
    o.poll_budget = milliseconds(10000);
    o.recheck = milliseconds(10000);
    st::ExternalPayments payments(store, o, [&](const std::string&, const std::string&) {
        callbacks.fetch_add(1);
        return true;
    });
    constexpr int n_payments = 8;
    constexpr int polls_each = 4;
    for (int p = 0; p < n_payments; ++p) payments.start(request("p" + std::to_string(p)));
    std::atomic<int> confirmed{0};
    std::vector<std::thread> polls;
    for (int p = 0; p < n_payments; ++p) {
        for (int i = 0; i < polls_each; ++i) {
            polls.emplace_back([&, p] {
                const mw::Reply r = payments.poll(request("p" + std::to_string(p), true));
                if (r.external_payment && r.external_payment->confirmed == true) {
                    confirmed.fetch_add(1);
                }
            });
        }
    }
    std::this_thread::sleep_for(milliseconds(50));
    const auto t0 = Steady::now();
    std::vector<std::thread> devices;
    for (int p = 0; p < n_payments; ++p) {
        devices.emplace_back([&, p] { CHECK(payments.confirm("p" + std::to_string(p))); });
    }
    for (auto& t : devices) t.join();
    for (auto& t : polls) t.join();
    CHECK(Steady::now() - t0 < milliseconds(5000));
    CHECK(confirmed.load() == n_payments * polls_each);
    CHECK(callbacks.load() == n_payments); // one callback per payment
}

TEST_CASE(
    "concurrent external payments: asynchronous polls from many threads, each answered once") {
    st::MemoryStore store;
    st::ExternalPaymentOptions o;
    o.poll_budget = milliseconds(10000);
    o.recheck = milliseconds(20);
    st::ExternalPayments payments(store, o);
    constexpr int n_payments = 16;
    constexpr int polls_each = 8;
    for (int p = 0; p < n_payments; ++p) payments.start(request("p" + std::to_string(p)));
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<int> answered(n_payments * polls_each, 0);
    int confirmed = 0;
    int total = 0;
    std::vector<std::thread> pollers;
    for (int p = 0; p < n_payments; ++p) {
        pollers.emplace_back([&, p] {
            for (int i = 0; i < polls_each; ++i) {
                const auto slot = static_cast<std::size_t>(p * polls_each + i);
                payments.poll_async(request("p" + std::to_string(p), true), [&, slot](mw::Reply r) {
                    std::lock_guard<std::mutex> lock(mutex);
                    ++answered[slot];
                    ++total;
                    if (r.external_payment && r.external_payment->confirmed == true) ++confirmed;
                    cv.notify_all();
                });
            }
        });
    }
    std::vector<std::thread> devices;
    for (int p = 0; p < n_payments; ++p) {
        devices.emplace_back([&, p] { CHECK(payments.confirm("p" + std::to_string(p))); });
    }
    for (auto& t : pollers) t.join();
    for (auto& t : devices) t.join();
    std::unique_lock<std::mutex> lock(mutex);
    REQUIRE(
        cv.wait_for(lock, milliseconds(8000), [&] { return total == n_payments * polls_each; }));
    CHECK(confirmed == n_payments * polls_each);
    for (const int a : answered) CHECK(a == 1);
    lock.unlock();
    CHECK(payments.held_polls() == 0);
}

TEST_CASE("concurrent external payments: cancel racing success has exactly one outcome") {
    st::MemoryStore store;
    st::ExternalPayments payments(store);
    constexpr int rounds = 30;
    for (int i = 0; i < rounds; ++i) {
        const std::string id = "race-" + std::to_string(i);
        payments.start(request(id));
        std::atomic<bool> confirm_won{false};
        mw::Reply cancel_reply;
        std::thread device([&] { confirm_won = payments.confirm(id); });
        std::thread cashier([&] { cancel_reply = payments.request_cancel(request(id)); });
        device.join();
        cashier.join();
        const auto s = payments.find(id);
        REQUIRE(s);
        REQUIRE(cancel_reply.external_payment);
        if (confirm_won.load()) {
            CHECK(s->status == "confirmed");
            CHECK_FALSE(cancel_reply.external_payment->cancelled.has_value());
        } else {
            CHECK(s->status == "cancelled");
            CHECK(cancel_reply.external_payment->cancelled == true);
        }
    }
}

TEST_CASE("concurrent holds: one seat, many sessions, one holder") {
    st::MemoryStore store;
    st::Holds holds(store);
    constexpr int sessions = 8;
    std::atomic<int> won{0};
    std::vector<std::thread> pool;
    for (int s = 0; s < sessions; ++s) {
        pool.emplace_back([&, s] {
            for (int seat = 0; seat < 10; ++seat) {
                if (holds.hold("seat/" + std::to_string(seat), "s" + std::to_string(s))) {
                    won.fetch_add(1);
                }
            }
        });
    }
    for (auto& t : pool) t.join();
    CHECK(won.load() == 10);
    std::size_t released = 0;
    for (int s = 0; s < sessions; ++s) {
        released += holds.release_session("s" + std::to_string(s)).size();
    }
    CHECK(released == 10);
}

TEST_CASE("concurrent dedupe: simultaneous repeats run the handler once") {
    st::MemoryStore store;
    st::DedupeGuard guard(store);
    const std::string body = R"({"event":{"eventCounter":3},"sender":{"instanceId":"i"}})";
    std::atomic<int> handled{0};
    std::atomic<int> replayed{0};
    std::vector<std::thread> pool;
    for (int i = 0; i < 8; ++i) {
        pool.emplace_back([&] {
            const st::Admission a = guard.admit("completeSession", body);
            if (a.kind == st::Admission::Kind::fresh) {
                handled.fetch_add(1);
                std::this_thread::sleep_for(milliseconds(20)); // the handler at work
                mw::HttpResponse r;
                r.body = R"({"lockSession":true})";
                guard.record(a, r);
            } else if (a.kind == st::Admission::Kind::repeat && a.reply &&
                       a.reply->body == R"({"lockSession":true})") {
                replayed.fetch_add(1);
            }
        });
    }
    for (auto& t : pool) t.join();
    CHECK(handled.load() == 1);
    CHECK(replayed.load() == 7);
    CHECK(guard.hits() == 7);
}

TEST_CASE("concurrent continuations: asks and finds from many threads") {
    st::MemoryStore store;
    st::Continuations asked(store);
    std::vector<std::thread> pool;
    std::atomic<int> found{0};
    for (int t = 0; t < 4; ++t) {
        pool.emplace_back([&, t] {
            for (int i = 0; i < 20; ++i) {
                const std::string key = std::to_string(t) + "/" + std::to_string(i);
                mw::Reply r;
                r.dialog.emplace();
                r.dialog->add_option(i, "x");
                asked.ask(key, r);
                const auto a = asked.find(key);
                if (a && a->option_ids == std::vector<std::int64_t>{i}) found.fetch_add(1);
                asked.finish(key);
            }
        });
    }
    for (auto& t : pool) t.join();
    CHECK(found.load() == 80);
    CHECK(store.with([](st::Transaction& tx) { return tx.list("continuations"); }).empty());
}
