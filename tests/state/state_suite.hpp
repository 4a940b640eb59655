// The store conformance suite and the state helpers' tests, run against every store: a test
// file defines a Backend (open() gives a store on the same data each time) and invokes them.
// SPDX-License-Identifier: MIT
#pragma once

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
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace state_suite {

namespace mw = mplus::webhooks;
namespace st = mplus::webhooks::state;
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

/// A clock the test moves by hand, starting at a fixed Unix time.
struct ManualClock {
    std::shared_ptr<std::atomic<std::int64_t>> now =
        std::make_shared<std::atomic<std::int64_t>>(1700000000000);
    st::Clock clock() const {
        auto n = now;
        return [n] { return n->load(); };
    }
    void advance(milliseconds d) const { now->fetch_add(d.count()); }
};

/// The request of an external-payment event for payment `id`.
inline mw::ExternalPaymentRequest payment_request(const std::string& id, bool polling = false,
                                                  std::string callback = "") {
    mw::ExternalPaymentRequest r;
    r.event.event_polling = polling;
    r.external_payment.external_payment_id = id;
    r.external_payment.amount = mw::Decimal::parse("12.50").value();
    r.external_payment.method = "PIN";
    if (!callback.empty()) r.external_payment.callback_url = callback;
    return r;
}

/// Records the calls of an HttpPoster; answers `ok`.
struct PosterLog {
    std::mutex mutex;
    std::vector<std::pair<std::string, std::string>> calls;
    std::atomic<bool> ok{true};
    st::HttpPoster poster() {
        return [this](const std::string& url, const std::string& body) {
            std::lock_guard<std::mutex> lock(mutex);
            calls.emplace_back(url, body);
            return ok.load();
        };
    }
    std::size_t count() {
        std::lock_guard<std::mutex> lock(mutex);
        return calls.size();
    }
};

/// A request body of `event` from instance `instance` with counter `counter`.
inline std::string event_body(const std::string& instance, std::int64_t counter,
                              const std::string& extra = "") {
    return R"({"event":{"eventBlocking":true,"eventCounter":)" + std::to_string(counter) +
           R"(,"eventTimestamp":"2024-01-01T10:00:00.000+01:00"},"sender":{"instanceId":")" +
           instance + R"("},"session":{"sessionId":"s-1","lines":[]})" + extra + "}";
}

// ---- conformance of the store seam -------------------------------------------------------------

TEST_CASE_TEMPLATE_DEFINE("store: documents are put, read back exactly, replaced and erased", B,
                          store_documents) {
    B backend;
    auto store = backend.open();
    const nlohmann::json doc = {{"text", "quote \" newline \n tab \t é €"},
                                {"big", INT64_C(9007199254740993)},
                                {"negative", -42},
                                {"list", {1, "two", nullptr, false}},
                                {"nested", {{"a", {{"b", 1.5}}}}}};
    store->with([&](st::Transaction& tx) {
        CHECK_FALSE(tx.get("t", "k").has_value());
        tx.put("t", "k", doc);
        CHECK(tx.get("t", "k") == doc); // a transaction sees its own writes
    });
    CHECK(store->with([](st::Transaction& tx) { return tx.get("t", "k"); }) == doc);
    CHECK_FALSE(store->with([](st::Transaction& tx) { return tx.get("other", "k"); }));
    store->with([](st::Transaction& tx) { tx.put("t", "k", {{"v", 2}}); });
    CHECK(store->with([](st::Transaction& tx) { return tx.get("t", "k"); }) ==
          nlohmann::json{{"v", 2}});
    store->with([](st::Transaction& tx) {
        tx.erase("t", "k");
        tx.erase("t", "never-there");
    });
    CHECK_FALSE(store->with([](st::Transaction& tx) { return tx.get("t", "k"); }));
}

TEST_CASE_TEMPLATE_DEFINE("store: list and list_prefix are ordered by key bytes, per table", B,
                          store_listing) {
    B backend;
    auto store = backend.open();
    store->with([](st::Transaction& tx) {
        for (const char* k : {"b", "ab", "abc", "a", "ac", "aa", "B", "ab\x7f", "\xc3\xa9"}) {
            tx.put("t", k, {{"k", k}});
        }
        tx.put("u", "ab", 1);
    });
    const auto all = store->with([](st::Transaction& tx) { return tx.list("t"); });
    std::vector<std::string> keys;
    for (const auto& row : all) keys.push_back(row.first);
    CHECK(keys ==
          std::vector<std::string>{"B", "a", "aa", "ab", "abc", "ab\x7f", "ac", "b", "\xc3\xa9"});
    CHECK(all[0].second == nlohmann::json{{"k", "B"}});
    const auto ab = store->with([](st::Transaction& tx) { return tx.list_prefix("t", "ab"); });
    keys.clear();
    for (const auto& row : ab) keys.push_back(row.first);
    CHECK(keys == std::vector<std::string>{"ab", "abc", "ab\x7f"});
    CHECK(store->with([](st::Transaction& tx) { return tx.list_prefix("t", "z"); }).empty());
    CHECK(store->with([](st::Transaction& tx) { return tx.list("none"); }).empty());
    CHECK(store->with([](st::Transaction& tx) { return tx.list("u"); }).size() == 1);
}

TEST_CASE_TEMPLATE_DEFINE("store: a transaction that throws writes nothing and notifies nobody", B,
                          store_rollback) {
    B backend;
    auto store = backend.open();
    store->with([](st::Transaction& tx) { tx.put("t", "kept", 1); });
    st::Subscription sub = store->subscribe("topic");
    CHECK_THROWS_AS(store->transact([](st::Transaction& tx) {
        tx.put("t", "kept", 2);
        tx.put("t", "new", 3);
        tx.notify("topic");
        throw std::logic_error("handler failed");
    }),
                    std::logic_error);
    CHECK(store->with([](st::Transaction& tx) { return tx.get("t", "kept"); }) == 1);
    CHECK_FALSE(store->with([](st::Transaction& tx) { return tx.get("t", "new"); }));
    CHECK_FALSE(sub.wait_until(Steady::now() + milliseconds(150)));
    // The store is usable after a rollback.
    store->with([](st::Transaction& tx) { tx.put("t", "after", 4); });
    CHECK(store->with([](st::Transaction& tx) { return tx.get("t", "after"); }) == 4);
}

TEST_CASE_TEMPLATE_DEFINE("store: a commit wakes the subscribers of the topics it notified", B,
                          store_notify) {
    B backend;
    auto store = backend.open();
    st::Subscription a = store->subscribe("a");
    st::Subscription b = store->subscribe("b");
    store->with([](st::Transaction& tx) {
        tx.put("t", "x", 1);
        tx.notify("a");
    });
    CHECK(a.wait_until(Steady::now() + milliseconds(2000)));
    CHECK_FALSE(b.wait_until(Steady::now() + milliseconds(100)));
    // A waiter in another thread is woken by a later commit.
    std::atomic<bool> woke{false};
    std::thread waiter([&] { woke = b.wait_until(Steady::now() + milliseconds(5000)); });
    std::this_thread::sleep_for(milliseconds(50));
    store->with([](st::Transaction& tx) { tx.notify("b"); });
    waiter.join();
    CHECK(woke.load());
}

TEST_CASE_TEMPLATE_DEFINE("store: concurrent read-modify-write transactions lose no update", B,
                          store_serial) {
    B backend;
    auto store = backend.open();
    constexpr int threads = 4;
    constexpr int rounds = 25;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
            for (int i = 0; i < rounds; ++i) {
                store->with([](st::Transaction& tx) {
                    const auto v = tx.get("t", "counter");
                    tx.put("t", "counter", v ? v->template get<int>() + 1 : 1);
                });
            }
        });
    }
    for (auto& th : pool) th.join();
    CHECK(store->with([](st::Transaction& tx) { return tx.get("t", "counter"); }) ==
          threads * rounds);
}

TEST_CASE_TEMPLATE_DEFINE("store: what was committed is there after reopening", B, store_durable) {
    B backend;
    if (!B::durable) return; // the memory store keeps nothing by design
    {
        auto store = backend.open();
        store->with([](st::Transaction& tx) { tx.put("t", "k", {{"v", "kept"}}); });
        CHECK_THROWS(store->transact([](st::Transaction& tx) {
            tx.put("t", "lost", 1);
            throw std::runtime_error("x");
        }));
    }
    auto again = backend.open();
    CHECK(again->with([](st::Transaction& tx) { return tx.get("t", "k"); }) ==
          nlohmann::json{{"v", "kept"}});
    CHECK_FALSE(again->with([](st::Transaction& tx) { return tx.get("t", "lost"); }));
}

// ---- external payments -------------------------------------------------------------------------

TEST_CASE_TEMPLATE_DEFINE("external payments: start once, repeated starts answer the same", B,
                          payments_start) {
    B backend;
    auto store = backend.open();
    st::ExternalPayments payments(*store);
    const auto first = payments.start(payment_request("p1"));
    CHECK(first.created);
    REQUIRE(first.reply.external_payment);
    CHECK(first.reply.external_payment->external_payment_id == "p1");
    CHECK(first.reply.external_payment->started == true);
    const auto again = payments.start(payment_request("p1"));
    CHECK_FALSE(again.created);
    CHECK(again.reply.external_payment->started == true);
    const auto s = payments.find("p1");
    REQUIRE(s);
    CHECK(s->status == "started");
    CHECK(s->amount == mw::Decimal::parse("12.50").value());
    CHECK(s->method == "PIN");
}

TEST_CASE_TEMPLATE_DEFINE("external payments: a poll is held for its budget, then still pending", B,
                          payments_budget) {
    B backend;
    auto store = backend.open();
    st::ExternalPaymentOptions o;
    o.poll_budget = milliseconds(150);
    o.recheck = milliseconds(40);
    st::ExternalPayments payments(*store, o);
    payments.start(payment_request("p1"));
    const auto t0 = Steady::now();
    const mw::Reply r = payments.poll(payment_request("p1", true));
    const auto held = Steady::now() - t0;
    CHECK(held >= milliseconds(150));
    CHECK(held < milliseconds(3000));
    REQUIRE(r.external_payment);
    CHECK_FALSE(r.external_payment->confirmed.has_value());
    CHECK_FALSE(r.external_payment->cancelled.has_value());
    CHECK(r.external_payment->message == o.waiting_message);
    REQUIRE(r.polling);
    CHECK(r.polling->finished);
}

TEST_CASE_TEMPLATE_DEFINE("external payments: device messages answer a poll once, at once", B,
                          payments_messages) {
    B backend;
    auto store = backend.open();
    st::ExternalPaymentOptions o;
    o.poll_budget = milliseconds(120);
    st::ExternalPayments payments(*store, o);
    payments.start(payment_request("p1"));
    CHECK(payments.progress("p1", "Insert the card"));
    const auto t0 = Steady::now();
    const mw::Reply r = payments.poll(payment_request("p1", true));
    CHECK(Steady::now() - t0 < milliseconds(100));
    CHECK(r.external_payment->message == "Insert the card");
    // Nothing new: the next poll is held, then repeats the last message.
    const auto t1 = Steady::now();
    const mw::Reply again = payments.poll(payment_request("p1", true));
    CHECK(Steady::now() - t1 >= milliseconds(120));
    CHECK(again.external_payment->message == "Insert the card");
    CHECK(payments.find("p1")->status == "pending");
    CHECK_FALSE(payments.progress("unknown", "x"));
}

/// Collects the replies of asynchronous polls and waits for them.
struct AsyncAnswers {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<std::pair<std::string, mw::Reply>> replies;
    std::function<void(mw::Reply)> to(std::string tag) {
        return [this, tag](mw::Reply r) {
            {
                std::lock_guard<std::mutex> lock(mutex);
                replies.emplace_back(tag, std::move(r));
            }
            cv.notify_all();
        };
    }
    bool wait_for(std::size_t n, milliseconds within) {
        std::unique_lock<std::mutex> lock(mutex);
        return cv.wait_for(lock, within, [&] { return replies.size() >= n; });
    }
    std::size_t size() {
        std::lock_guard<std::mutex> lock(mutex);
        return replies.size();
    }
};

TEST_CASE_TEMPLATE_DEFINE("external payments: asynchronous polls, answered without a thread each",
                          B, payments_async) {
    B backend;
    auto store = backend.open();
    st::ExternalPaymentOptions o;
    o.poll_budget = milliseconds(1000);
    o.recheck = milliseconds(10000); // only notifications and the budget answer in time
    st::ExternalPayments payments(*store, o);
    payments.start(payment_request("p1"));
    payments.start(payment_request("p2"));
    payments.start(payment_request("p3"));
    AsyncAnswers answers;

    // A message the POS was not given answers at once, from the caller's thread.
    CHECK(payments.progress("p1", "Insert the card"));
    payments.poll_async(payment_request("p1", true), answers.to("p1-first"));
    REQUIRE(answers.size() == 1);
    CHECK(answers.replies[0].second.external_payment->message == "Insert the card");
    CHECK(payments.held_polls() == 0);

    // Unknown payments answer at once, cancelled.
    payments.poll_async(payment_request("nope", true), answers.to("nope"));
    REQUIRE(answers.size() == 2);
    CHECK(answers.replies[1].second.external_payment->cancelled == true);

    // Held: p1 (nothing new), p2 and p3.
    const auto t0 = Steady::now();
    payments.poll_async(payment_request("p1", true), answers.to("p1"));
    payments.poll_async(payment_request("p2", true), answers.to("p2"));
    payments.poll_async(payment_request("p3", true), answers.to("p3"));
    CHECK(payments.held_polls() == 3);
    CHECK(answers.size() == 2);

    st::Confirmation c;
    c.external_transaction_reference = "REF-2";
    CHECK(payments.confirm("p2", c));
    CHECK(payments.progress("p3", "PIN entered"));
    REQUIRE(answers.wait_for(4, milliseconds(5000)));
    CHECK(Steady::now() - t0 < milliseconds(1000)); // woken by the notifications, not the budget
    {
        std::lock_guard<std::mutex> lock(answers.mutex);
        for (std::size_t i = 2; i < 4; ++i) {
            const auto& [tag, r] = answers.replies[i];
            REQUIRE(r.external_payment);
            if (tag == "p2") {
                CHECK(r.external_payment->confirmed == true);
                CHECK(r.external_payment->external_transaction_reference == "REF-2");
            } else {
                CHECK(tag == "p3");
                CHECK(r.external_payment->message == "PIN entered");
                CHECK_FALSE(r.external_payment->confirmed.has_value());
            }
        }
    }
    CHECK(payments.held_polls() == 1);
    // p1 heard nothing new: still pending with the last message when its budget ends.
    REQUIRE(answers.wait_for(5, milliseconds(5000)));
    CHECK(Steady::now() - t0 >= milliseconds(1000));
    {
        std::lock_guard<std::mutex> lock(answers.mutex);
        const auto& [tag, r] = answers.replies[4];
        CHECK(tag == "p1");
        CHECK(r.external_payment->message == "Insert the card");
        CHECK_FALSE(r.external_payment->confirmed.has_value());
        CHECK_FALSE(r.external_payment->cancelled.has_value());
        REQUIRE(r.polling);
    }
    CHECK(payments.held_polls() == 0);
}

TEST_CASE_TEMPLATE_DEFINE("external payments: destroying the helper answers the held polls", B,
                          payments_async_stop) {
    B backend;
    auto store = backend.open();
    st::ExternalPaymentOptions o;
    o.poll_budget = milliseconds(60000);
    AsyncAnswers answers;
    const auto t0 = Steady::now();
    {
        st::ExternalPayments payments(*store, o);
        payments.start(payment_request("p1"));
        payments.poll_async(payment_request("p1", true), answers.to("p1"));
        payments.poll_async(payment_request("p1", true), answers.to("p1"));
        CHECK(payments.held_polls() == 2);
        CHECK(answers.size() == 0);
    }
    REQUIRE(answers.size() == 2);
    CHECK(Steady::now() - t0 < milliseconds(5000));
    CHECK(answers.replies[0].second.external_payment->message == o.waiting_message);
    CHECK(answers.replies[1].second.external_payment->message == o.waiting_message);
}

TEST_CASE_TEMPLATE_DEFINE("external payments: a held poll is woken by the confirmation", B,
                          payments_wake) {
    B backend;
    auto store = backend.open();
    st::ExternalPaymentOptions o;
    o.poll_budget = milliseconds(10000);
    o.recheck = milliseconds(10000); // only the notification can wake the poll in time
    st::ExternalPayments payments(*store, o);
    payments.start(payment_request("p1"));
    std::thread device([&] {
        std::this_thread::sleep_for(milliseconds(100));
        st::Confirmation c;
        c.external_transaction_reference = "REF-1";
        c.card_type = "Maestro";
        CHECK(payments.confirm("p1", c));
    });
    const auto t0 = Steady::now();
    const mw::Reply r = payments.poll(payment_request("p1", true));
    const auto waited = Steady::now() - t0;
    device.join();
    CHECK(waited >= milliseconds(90));
    CHECK(waited < milliseconds(3000));
    REQUIRE(r.external_payment);
    CHECK(r.external_payment->confirmed == true);
    CHECK(r.external_payment->final_amount == mw::Decimal::parse("12.5").value());
    CHECK(r.external_payment->external_transaction_reference == "REF-1");
    CHECK(r.external_payment->card_type == "Maestro");
    // Repeated polls get the same answer, at once.
    const mw::Reply again = payments.poll(payment_request("p1", true));
    CHECK(again.external_payment->confirmed == true);
    CHECK(again.external_payment->external_transaction_reference == "REF-1");
    CHECK(payments.confirm("p1")); // idempotent
}

TEST_CASE_TEMPLATE_DEFINE("external payments: cancel and success are settled once", B,
                          payments_race) {
    B backend;
    auto store = backend.open();
    st::ExternalPaymentOptions o;
    o.poll_budget = milliseconds(50);
    st::ExternalPayments payments(*store, o);

    payments.start(payment_request("confirmed-first"));
    CHECK(payments.confirm("confirmed-first"));
    const mw::Reply late = payments.request_cancel(payment_request("confirmed-first"));
    REQUIRE(late.external_payment);
    CHECK(late.external_payment->message == o.too_late_message);
    CHECK_FALSE(late.external_payment->cancelled.has_value());
    CHECK(payments.find("confirmed-first")->status == "confirmed");
    CHECK(payments.poll(payment_request("confirmed-first", true)).external_payment->confirmed ==
          true);

    payments.start(payment_request("cancelled-first"));
    const mw::Reply cancelled = payments.request_cancel(payment_request("cancelled-first"));
    CHECK(cancelled.external_payment->cancelled == true);
    CHECK_FALSE(payments.confirm("cancelled-first")); // the device must reverse it
    CHECK(payments.find("cancelled-first")->status == "cancelled");
    CHECK(payments.poll(payment_request("cancelled-first", true)).external_payment->cancelled ==
          true);
    CHECK(payments.request_cancel(payment_request("cancelled-first")).external_payment->cancelled ==
          true);

    payments.start(payment_request("declined"));
    CHECK(payments.decline("declined", "Card declined"));
    const mw::Reply d = payments.poll(payment_request("declined", true));
    CHECK(d.external_payment->cancelled == true);
    CHECK(d.external_payment->message == "Card declined");
    CHECK_FALSE(payments.decline("confirmed-first", "x"));
}

TEST_CASE_TEMPLATE_DEFINE("external payments: callbackUrl is called once the outcome is final", B,
                          payments_callback) {
    B backend;
    auto store = backend.open();
    PosterLog log;
    st::ExternalPayments payments(*store, {}, log.poster());
    payments.start(payment_request("p1", false, "http://127.0.0.1:9/cb?p=1"));
    payments.progress("p1", "Busy");
    CHECK(log.count() == 0);
    CHECK(payments.confirm("p1"));
    CHECK(payments.confirm("p1"));
    REQUIRE(log.count() == 1);
    CHECK(log.calls[0].first == "http://127.0.0.1:9/cb?p=1");
    CHECK(nlohmann::json::parse(log.calls[0].second) ==
          nlohmann::json{{"externalPaymentId", "p1"}, {"confirmed", true}});
    CHECK(payments.find("p1")->callback_done);

    // A failed call is retried by deliver_callbacks().
    log.ok = false;
    payments.start(payment_request("p2", false, "http://127.0.0.1:9/cb?p=2"));
    payments.request_cancel(payment_request("p2"));
    CHECK(log.count() == 2);
    CHECK_FALSE(payments.find("p2")->callback_done);
    log.ok = true;
    CHECK(payments.deliver_callbacks() == 1);
    CHECK(log.count() == 3);
    CHECK(nlohmann::json::parse(log.calls[2].second) ==
          nlohmann::json{{"externalPaymentId", "p2"}, {"cancelled", true}});
    CHECK(payments.deliver_callbacks() == 0);

    // No callbackUrl: nothing is called.
    payments.start(payment_request("p3"));
    payments.confirm("p3");
    CHECK(log.count() == 3);
}

TEST_CASE_TEMPLATE_DEFINE("external payments: abandoned, unknown and expired payments", B,
                          payments_abandon) {
    B backend;
    auto store = backend.open();
    ManualClock clock;
    st::ExternalPaymentOptions o;
    o.clock = clock.clock();
    o.hold_ttl = milliseconds(60000);
    o.poll_budget = milliseconds(20);
    st::ExternalPayments payments(*store, o);

    payments.start(payment_request("done"));
    payments.confirm("done");
    CHECK(payments.abandon(payment_request("done")).empty());
    CHECK(payments.find("done")->refund_due);
    CHECK(payments.find("done")->status == "confirmed");

    payments.start(payment_request("open"));
    payments.abandon(payment_request("open"));
    CHECK(payments.find("open")->status == "cancelled");

    const mw::Reply unknown = payments.poll(payment_request("never", true));
    CHECK(unknown.external_payment->cancelled == true);
    CHECK(unknown.external_payment->message == o.unknown_message);

    payments.start(payment_request("stale"));
    payments.start(payment_request("fresh"));
    clock.advance(milliseconds(40000));
    payments.progress("fresh", "still here");
    clock.advance(milliseconds(30000));
    CHECK(payments.expire() == std::vector<std::string>{"stale"});
    CHECK(payments.find("stale")->status == "cancelled");
    CHECK(payments.find("stale")->messages.back() == o.expired_message);
    CHECK(payments.find("fresh")->status == "pending");
    CHECK(payments.find("done")->status == "confirmed");
    CHECK(payments.expire().empty());
}

// ---- holds -------------------------------------------------------------------------------------

TEST_CASE_TEMPLATE_DEFINE("holds: one session holds a key, which expires unless renewed", B,
                          holds_expire) {
    B backend;
    auto store = backend.open();
    ManualClock clock;
    st::HoldOptions o;
    o.ttl = milliseconds(60000);
    o.clock = clock.clock();
    st::Holds holds(*store, o);

    CHECK(holds.hold("seat/1", "s1", {{"row", 3}}));
    CHECK(holds.hold("seat/2", "s1"));
    CHECK(holds.hold("voucher/V1", "s2"));
    CHECK_FALSE(holds.hold("seat/1", "s2"));
    CHECK(holds.hold("seat/1", "s1"));                             // renews
    CHECK(holds.find("seat/1")->data == nlohmann::json::object()); // renewal replaces the data
    CHECK(holds.find("seat/1")->session_id == "s1");

    clock.advance(milliseconds(40000));
    store->with([&](st::Transaction& tx) { CHECK(holds.renew_session(tx, "s2") == 1); });
    clock.advance(milliseconds(30000));
    // s1's holds are past their time: free at once, and expire() releases them.
    CHECK_FALSE(holds.find("seat/1"));
    CHECK(holds.find("voucher/V1"));
    const auto released = holds.expire();
    REQUIRE(released.size() == 2);
    CHECK(released[0].key == "seat/1");
    CHECK(released[1].key == "seat/2");
    CHECK(released[0].session_id == "s1");
    CHECK(holds.expire().empty());
    CHECK(holds.hold("seat/1", "s3"));
    CHECK(holds.find("voucher/V1")->session_id == "s2");
}

TEST_CASE_TEMPLATE_DEFINE("holds: a session's holds are released together", B, holds_session) {
    B backend;
    auto store = backend.open();
    st::Holds holds(*store);
    CHECK(holds.hold("seat/1", "s1"));
    CHECK(holds.hold("seat/2", "s1"));
    CHECK(holds.hold("seat/3", "s10")); // a session id that s1 is a prefix of
    const auto released = holds.release_session("s1");
    CHECK(released.size() == 2);
    CHECK_FALSE(holds.find("seat/1"));
    CHECK(holds.find("seat/3"));
    CHECK(holds.release("seat/3")->session_id == "s10");
    CHECK_FALSE(holds.release("seat/3"));
    store->with([&](st::Transaction& tx) { CHECK(holds.of_session(tx, "s1").empty()); });
}

// ---- continuations -----------------------------------------------------------------------------

TEST_CASE_TEMPLATE_DEFINE("continuations: the re-send finds what the handler asked", B,
                          continuations_resend) {
    B backend;
    auto store = backend.open();
    ManualClock clock;
    st::ContinuationOptions o;
    o.clock = clock.clock();
    o.ttl = milliseconds(1000);
    st::Continuations asked(*store, o);

    const std::string first = event_body("i-1", 7);
    std::string resend = event_body("i-1", 8, R"(,"dialog":{"selectedDialogOptionIds":[2]})");
    const std::string key = st::continuation_key("addSessionLine", first);
    CHECK(key.size() == 32);
    CHECK(st::continuation_key("addSessionLine", resend) == key);
    CHECK(st::continuation_key("scanCode", first) != key);
    CHECK(st::continuation_key("addSessionLine", event_body("i-2", 7)) != key);
    CHECK(st::continuation_key("addSessionLine", "not json").empty());

    mw::Reply reply;
    reply.dialog.emplace();
    reply.dialog->dialog_title = "Size?";
    reply.dialog->add_option(1, "Small");
    reply.dialog->add_option(2, "Large");
    CHECK(asked.ask(key, reply, {{"line", "l-1"}}));
    const auto found = asked.find(st::continuation_key("addSessionLine", resend));
    REQUIRE(found);
    CHECK(found->kind == "dialog");
    CHECK(found->option_ids == std::vector<std::int64_t>{1, 2});
    CHECK(found->offers({2}));
    CHECK_FALSE(found->offers({3}));
    CHECK(found->context == nlohmann::json{{"line", "l-1"}});
    CHECK(asked.finish(key));
    CHECK_FALSE(asked.find(key));
    CHECK_FALSE(asked.finish(key));

    mw::Reply form;
    form.form.emplace();
    form.form->id = "f-1";
    form.form->fields.emplace_back();
    form.form->fields.back().id = "email";
    CHECK(asked.ask("k2", form));
    CHECK(asked.find("k2")->form_id == "f-1");
    CHECK(asked.find("k2")->field_ids == std::vector<std::string>{"email"});
    CHECK_FALSE(asked.ask("k3", mw::Reply{}));
    clock.advance(milliseconds(1000));
    CHECK_FALSE(asked.find("k2")); // past its ttl
    CHECK(asked.expire() == 1);
}

// ---- dedupe ------------------------------------------------------------------------------------

TEST_CASE_TEMPLATE_DEFINE("dedupe: a repeated event gets the first reply again", B, dedupe_repeat) {
    B backend;
    auto store = backend.open();
    st::DedupeGuard guard(*store);
    const std::string body = event_body("i-1", 5);
    const st::Admission first = guard.admit("addSessionLine", body);
    CHECK(first.kind == st::Admission::Kind::fresh);
    CHECK(first.key == "i-1/5");
    mw::HttpResponse response;
    response.status = 200;
    response.headers.push_back({"Content-Type", "application/json"});
    response.headers.push_back({"X-Mplus-Signature", "abc="});
    response.body = R"({"message":[{"message":"once"}]})";
    guard.record(first, response);

    const st::Admission again = guard.admit("addSessionLine", body);
    REQUIRE(again.kind == st::Admission::Kind::repeat);
    REQUIRE(again.reply);
    CHECK(again.reply->status == 200);
    CHECK(again.reply->body == response.body);
    REQUIRE(again.reply->headers.size() == 2);
    CHECK(again.reply->headers[1].name == "X-Mplus-Signature");
    CHECK(again.reply->headers[1].value == "abc=");
    CHECK(guard.hits() == 1);

    // The same counter with another body: a counter reset, handled as new.
    const st::Admission reset = guard.admit("addSessionLine", event_body("i-1", 5, R"(,"x":1)"));
    CHECK(reset.kind == st::Admission::Kind::fresh);
    // The same body on another event is not a repeat either.
    CHECK(guard.admit("scanCode", event_body("i-2", 5)).kind == st::Admission::Kind::fresh);
    // A new instance (POS restart) with counter 5 again is new.
    CHECK(guard.admit("addSessionLine", event_body("i-3", 5)).kind == st::Admission::Kind::fresh);
}

TEST_CASE_TEMPLATE_DEFINE("dedupe: re-sends, polling, error requests and bodies without counter "
                          "pass through",
                          B, dedupe_pass) {
    B backend;
    auto store = backend.open();
    st::DedupeGuard guard(*store);
    using K = st::Admission::Kind;
    const auto pass = [&](const std::string& body) {
        for (int i = 0; i < 2; ++i) CHECK(guard.admit("addSessionLine", body).kind == K::pass);
    };
    pass(event_body("i-1", 1, R"(,"dialog":{"selectedDialogOptionIds":[1]})"));
    pass(event_body("i-1", 2, R"(,"form":{"id":"f","fields":[]})"));
    pass(event_body("i-1", 3, R"(,"error":{"code":"X"},"original":{})"));
    pass(R"({"event":{"eventPolling":true,"eventCounter":4},"sender":{"instanceId":"i-1"}})");
    pass(R"({"event":{"eventCounter":5},"sender":{}})");
    pass(R"({"event":{"eventCounter":"5"},"sender":{"instanceId":"i-1"}})");
    pass(R"({"event":{},"sender":{"instanceId":"i-1"}})");
    pass("[1,2]");
    pass("{not json");
    CHECK(guard.hits() == 0);
}

TEST_CASE_TEMPLATE_DEFINE("dedupe: a repeat of a request in flight waits for its reply", B,
                          dedupe_in_flight) {
    B backend;
    auto store = backend.open();
    ManualClock clock;
    st::DedupeOptions o;
    o.clock = clock.clock();
    o.running_lease = milliseconds(90000);
    o.in_flight_wait = milliseconds(5000);
    o.ttl = milliseconds(600000);
    st::DedupeGuard guard(*store, o);
    const std::string body = event_body("i-1", 9);
    const st::Admission first = guard.admit("completeSession", body);
    REQUIRE(first.kind == st::Admission::Kind::fresh);
    st::Admission second;
    std::thread repeat([&] { second = guard.admit("completeSession", body); });
    std::this_thread::sleep_for(milliseconds(100));
    mw::HttpResponse response;
    response.body = "{}";
    guard.record(first, response);
    repeat.join();
    CHECK(second.kind == st::Admission::Kind::repeat);
    CHECK(second.reply->body == "{}");

    // A handler that failed: the repeat runs again.
    const std::string other = event_body("i-1", 10);
    const st::Admission failed = guard.admit("completeSession", other);
    guard.abandon(failed);
    CHECK(guard.admit("completeSession", other).kind == st::Admission::Kind::fresh);
    // An instance died with the first in flight: after running_lease a repeat is new.
    clock.advance(milliseconds(90000));
    CHECK(guard.admit("completeSession", other).kind == st::Admission::Kind::fresh);
    // Replies expire after ttl.
    clock.advance(milliseconds(600000));
    CHECK(guard.expire() == 2);
    CHECK(guard.admit("completeSession", body).kind == st::Admission::Kind::fresh);
}

TEST_CASE_TEMPLATE_DEFINE("dedupe: expiry reads only the minutes that ran out", B, dedupe_expiry) {
    B backend;
    auto store = backend.open();
    ManualClock clock;
    st::DedupeOptions o;
    o.clock = clock.clock();
    o.ttl = milliseconds(180000);
    o.expire_every = 0;
    st::DedupeGuard guard(*store, o);
    const auto record = [&](int counter) {
        const st::Admission a = guard.admit("scanCode", event_body("i-9", counter));
        REQUIRE(a.kind == st::Admission::Kind::fresh);
        guard.record(a, mw::HttpResponse{});
    };
    record(1);
    clock.advance(milliseconds(120000));
    record(2);
    clock.advance(milliseconds(120000));
    record(3);
    CHECK(guard.expire() == 1); // the first run reads the whole index
    CHECK(guard.admit("scanCode", event_body("i-9", 2)).kind == st::Admission::Kind::repeat);
    clock.advance(milliseconds(120000));
    CHECK(guard.expire() == 1); // then only the minutes since
    CHECK(guard.admit("scanCode", event_body("i-9", 3)).kind == st::Admission::Kind::repeat);
    clock.advance(milliseconds(600000));
    CHECK(guard.expire() == 1); // counter 3
    CHECK(store->with([](st::Transaction& tx) { return tx.list("dedupe"); }).empty());
    CHECK(store->with([](st::Transaction& tx) { return tx.list("dedupe_by_minute"); }).empty());
}

} // namespace state_suite

/// Runs the whole suite against `Backend`.
#define MPLUS_WEBHOOKS_STATE_SUITE(Backend)                                                        \
    namespace state_suite {                                                                        \
    TEST_CASE_TEMPLATE_INVOKE(store_documents, Backend);                                           \
    TEST_CASE_TEMPLATE_INVOKE(store_listing, Backend);                                             \
    TEST_CASE_TEMPLATE_INVOKE(store_rollback, Backend);                                            \
    TEST_CASE_TEMPLATE_INVOKE(store_notify, Backend);                                              \
    TEST_CASE_TEMPLATE_INVOKE(store_serial, Backend);                                              \
    TEST_CASE_TEMPLATE_INVOKE(store_durable, Backend);                                             \
    TEST_CASE_TEMPLATE_INVOKE(payments_start, Backend);                                            \
    TEST_CASE_TEMPLATE_INVOKE(payments_budget, Backend);                                           \
    TEST_CASE_TEMPLATE_INVOKE(payments_messages, Backend);                                         \
    TEST_CASE_TEMPLATE_INVOKE(payments_wake, Backend);                                             \
    TEST_CASE_TEMPLATE_INVOKE(payments_async, Backend);                                            \
    TEST_CASE_TEMPLATE_INVOKE(payments_async_stop, Backend);                                       \
    TEST_CASE_TEMPLATE_INVOKE(payments_race, Backend);                                             \
    TEST_CASE_TEMPLATE_INVOKE(payments_callback, Backend);                                         \
    TEST_CASE_TEMPLATE_INVOKE(payments_abandon, Backend);                                          \
    TEST_CASE_TEMPLATE_INVOKE(holds_expire, Backend);                                              \
    TEST_CASE_TEMPLATE_INVOKE(holds_session, Backend);                                             \
    TEST_CASE_TEMPLATE_INVOKE(continuations_resend, Backend);                                      \
    TEST_CASE_TEMPLATE_INVOKE(dedupe_repeat, Backend);                                             \
    TEST_CASE_TEMPLATE_INVOKE(dedupe_pass, Backend);                                               \
    TEST_CASE_TEMPLATE_INVOKE(dedupe_in_flight, Backend);                                          \
    TEST_CASE_TEMPLATE_INVOKE(dedupe_expiry, Backend);                                             \
    }                                                                                              \
    static_assert(true, "")
