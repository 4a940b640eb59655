// Tests of the payment flows: cash machine (CASH_MACHINE) and book on reservation (RESERVATION).
// SPDX-License-Identifier: MIT
#include "../../scenarios/demo_flows.hpp"
#include "../cash_machine.hpp"
#include "../reservation.hpp"
#include "../sqlite_store.hpp"

#include <mplus/webhooks/codec.hpp>
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/signature.hpp>
#include <mplus/webhooks/simulator.hpp>
#include <mplus/webhooks/timestamp.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace mw = mplus::webhooks;
using json = nlohmann::json;
using mplus_demo::CashMachineFlow;
using mplus_demo::CashMachineOptions;
using mplus_demo::ReservationFlow;
using mw::Decimal;
using mw::ExternalPaymentStatus;
using std::chrono::milliseconds;

constexpr const char* test_secret = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";
constexpr const char* test_now = "2024-06-01T10:00:00.000+02:00";

Decimal dec(const char* text) {
    return *Decimal::parse(text);
}

/// A folder under the system's temp folder, removed at the end.
class ScratchDir {
public:
    ScratchDir() {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() /
                ("mplus-payment-test-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string file(const char* name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

/// Fast machine settings: milliseconds instead of seconds.
CashMachineOptions fast(milliseconds start_delay = milliseconds(20),
                        milliseconds step_interval = milliseconds(80)) {
    CashMachineOptions o;
    o.start_delay = start_delay;
    o.step_interval = step_interval;
    o.steps = 3;
    o.return_time = milliseconds(40);
    o.long_poll = milliseconds(3000);
    return o;
}
constexpr milliseconds never{60000};

/// Both payment flows on one dispatcher, routed by the payment's method, over a memory or an
/// SQLite store; restart() rebuilds flows, dispatcher and (SQLite) store on the same data.
class Rig {
public:
    explicit Rig(bool sqlite, CashMachineOptions options = fast()) : sqlite_(sqlite) {
        now_ = mw::parse_timestamp(test_now)->unix_millis;
        start(std::move(options));
    }
    ~Rig() { stop(); }

    void restart(CashMachineOptions options) {
        stop();
        start(std::move(options));
    }

    mplus_demo::Store& store() { return *store_; }
    const mw::Dispatcher& dispatcher() const { return *dispatcher_; }
    CashMachineFlow& cash() { return *cash_; }

    mw::PosSimulator till(std::uint64_t seed = 7) {
        mw::SimulatorOptions o;
        o.secret = test_secret;
        o.seed = seed;
        o.clock_start = test_now;
        return mw::PosSimulator([this](const mw::HttpRequest& r) { return dispatcher_->handle(r); },
                                o);
    }

    /// The store document `key` of `table` (null when there is none).
    json doc(std::string_view table, const std::string& key) {
        return store_->with(
            [&](mplus_demo::Transaction& tx) { return tx.get(table, key).value_or(json()); });
    }

private:
    void start(CashMachineOptions options) {
        if (!store_) {
            if (sqlite_) {
                store_ = std::make_unique<mplus_demo::SqliteStore>(dir_.file("demo.sqlite"));
            } else {
                store_ = std::make_unique<mplus_demo::MemoryStore>();
            }
        }
        mplus_demo::FlowEnv env{*store_, [this] { return now_.load(); }, 120};
        cash_ = std::make_unique<CashMachineFlow>(env, std::move(options));
        reservation_ = std::make_unique<ReservationFlow>(env);
        mw::DispatcherConfig c;
        c.secrets = mw::KeyRing({*mw::Secret::from_text(test_secret)});
        c.strict_replies = true;
        dispatcher_ = std::make_unique<mw::Dispatcher>(std::move(c));
        attach<mw::events::StartExternalPayment>();
        attach<mw::events::PollExternalPayment>();
        attach<mw::events::RequestCancelExternalPayment>();
        attach<mw::events::CancelExternalPayment>();
    }
    void stop() {
        dispatcher_.reset();
        cash_.reset();
        reservation_.reset();
        if (sqlite_) store_.reset();
    }
    template <class Event>
    void attach() {
        dispatcher_->on_async<Event>(
            [this](const mw::ExternalPaymentRequest& r, mw::Responder responder) {
                mplus_demo::PaymentFlow* flow = nullptr;
                if (r.external_payment.method == cash_->method()) flow = cash_.get();
                if (r.external_payment.method == reservation_->method()) flow = reservation_.get();
                if (flow == nullptr) return responder.reply(mw::Reply{});
                flow->on_event(Event::kind, r, std::move(responder));
            });
    }

    bool sqlite_;
    ScratchDir dir_;
    std::atomic<std::int64_t> now_{0};
    std::unique_ptr<mplus_demo::Store> store_;
    std::unique_ptr<CashMachineFlow> cash_;
    std::unique_ptr<ReservationFlow> reservation_;
    std::unique_ptr<mw::Dispatcher> dispatcher_;
};

/// A signed external-payment request as the POS sends it; `extra` is spliced into the body.
mw::HttpRequest payment_request(const char* event, const std::string& id, const char* method,
                                const char* amount, const std::string& extra = "") {
    const bool polling = std::string_view(event) == "pollExternalPayment";
    std::string body = std::string(R"({"event":{"eventBlocking":true,"eventPolling":)") +
                       (polling ? "true" : "false") + R"(},"sender":{},)" + extra +
                       R"("externalPayment":{"externalPaymentId":")" + id + R"(","amount":)" +
                       amount + R"(,"method":")" + method + R"("}})";
    mw::HttpRequest r;
    r.method = "POST";
    r.path = std::string("/webhooks/") + event;
    r.headers.push_back({"Content-Type", "application/json"});
    r.headers.push_back({"X-Mplus-Subscription-Id", "test"});
    r.headers.push_back({"X-Mplus-Signature", mw::Secret::from_text(test_secret)->sign(body)});
    r.body = std::move(body);
    return r;
}

/// The reply of a response (fails the test when it is not a 200 with a readable reply).
mw::Reply reply_of(const mw::HttpResponse& response) {
    INFO(response.body);
    REQUIRE(response.status == 200);
    auto parsed = mw::try_parse<mw::Reply>(response.body);
    REQUIRE(parsed.ok());
    return std::move(*parsed);
}

/// Sends `request` and returns its reply and how long the answer took.
std::pair<mw::Reply, milliseconds> timed(const mw::Dispatcher& d, const mw::HttpRequest& request) {
    const auto start = std::chrono::steady_clock::now();
    mw::HttpResponse response = d.handle(request);
    const auto took =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
    return {reply_of(response), took};
}

/// Starts the cash payment `id` of 47.50 and sends its first poll: the poll's reply and how long
/// it took.
std::pair<mw::Reply, milliseconds> start_then_poll(const mw::Dispatcher& d, const std::string& id) {
    timed(d, payment_request("startExternalPayment", id, "CASH_MACHINE", "47.50"));
    return timed(d, payment_request("pollExternalPayment", id, "CASH_MACHINE", "47.50"));
}

/// The message texts a payment showed, in order.
std::vector<std::string> texts(const std::vector<mw::Message>& messages) {
    std::vector<std::string> out;
    for (const auto& m : messages) out.push_back(m.message.value_or(""));
    return out;
}

/// On `pos`: a sale of the 47.50 mug paid with the cash machine, polled once, when the machine
/// has taken its first 15.00. The payment's id.
std::string cash_after_first_insertion(mw::PosSimulator& pos) {
    pos.start_session();
    pos.add_line(1001, "Souvenir mug", dec("47.50"));
    REQUIRE(pos.start_external_payment("CASH_MACHINE").ok());
    CHECK(texts(pos.poll_external_payment().messages) ==
          std::vector<std::string>{"Inserted 15.00 of 47.50"});
    return pos.external_payment().external_payment_id;
}

/// Waits (at most `limit`) until `done` holds.
template <class F>
bool eventually(F done, milliseconds limit = milliseconds(2000)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(milliseconds(5));
    }
    return true;
}

const std::string receipt_47_50 = "\nAmount: 47.50\nPaid: 50.00\nChange: 2.50";

} // namespace

// ---- the simulated machine --------------------------------------------------------------------

TEST_CASE("SimulatedCashMachine: takes the amount rounded up to the tender unit in steps") {
    CashMachineOptions o;
    o.steps = 3;
    using V = std::vector<Decimal>;
    CHECK(mplus_demo::SimulatedCashMachine::plan(dec("47.50"), o) == V{15, 15, 20});
    CHECK(mplus_demo::SimulatedCashMachine::plan(dec("32.50"), o) == V{10, 10, 15});
    CHECK(mplus_demo::SimulatedCashMachine::plan(dec("12.95"), o) == V{5, 5, 5});
    CHECK(mplus_demo::SimulatedCashMachine::plan(dec("2.00"), o) == V{5});
    CHECK(mplus_demo::SimulatedCashMachine::plan(Decimal(), o).empty());
    o.tender_unit = dec("0.01");
    CHECK(mplus_demo::SimulatedCashMachine::plan(dec("47.50"), o) ==
          V{dec("15.83"), dec("15.83"), dec("15.84")});
    o.steps = 1;
    CHECK(mplus_demo::SimulatedCashMachine::plan(dec("47.50"), o) == V{dec("47.50")});
}

TEST_CASE("CashMachineFlow: options out of range are refused") {
    mplus_demo::MemoryStore store;
    mplus_demo::FlowEnv env{store, [] { return std::int64_t{0}; }, 0};
    CashMachineOptions o;
    o.long_poll = milliseconds(60000);
    CHECK_THROWS_AS(CashMachineFlow(env, o), std::invalid_argument);
    o = CashMachineOptions{};
    o.steps = 0;
    CHECK_THROWS_AS(CashMachineFlow(env, o), std::invalid_argument);
    o = CashMachineOptions{};
    o.tender_unit = Decimal();
    CHECK_THROWS_AS(CashMachineFlow(env, o), std::invalid_argument);
}

// ---- cash machine -----------------------------------------------------------------------------

namespace {

/// The machine's job of payment `id` (null when there is none).
json job_of(Rig& rig, const std::string& id) {
    return rig.doc(mplus_demo::SimulatedCashMachine::table, id);
}

/// The number of device messages the helper recorded for payment `id`.
std::size_t messages_recorded(Rig& rig, const std::string& id) {
    const json d = rig.doc(CashMachineFlow::table, id);
    return d.is_object() && d["messages"].is_array() ? d["messages"].size() : 0;
}

} // namespace

TEST_CASE("CashMachineFlow: a full payment shows each insertion, then confirms with the change") {
    Rig rig(false);
    mw::PosSimulator pos = rig.till();
    pos.start_session();
    pos.add_line(1001, "Souvenir mug", dec("47.50"));
    const mw::PosStep& start = pos.start_external_payment("CASH_MACHINE");
    REQUIRE(start.ok());
    REQUIRE(start.external_payment);
    CHECK(start.external_payment->started == true);
    CHECK(texts(start.messages) == std::vector<std::string>{"Insert 47.50 into the cash machine"});

    const mw::ExternalPaymentState paid = pos.await_external_payment();
    CHECK(paid.problems.empty());
    REQUIRE(paid.status == ExternalPaymentStatus::confirmed);
    CHECK(texts(paid.messages) ==
          std::vector<std::string>{"Insert 47.50 into the cash machine", "Inserted 15.00 of 47.50",
                                   "Inserted 30.00 of 47.50", "Paid 50.00, change 2.50"});
    CHECK(paid.final_amount == dec("47.50"));
    CHECK(paid.external_transaction_reference == "CASH-000001");
    REQUIRE(paid.receipt_texts.size() == 1);
    CHECK(paid.receipt_texts[0].text == "Cash machine CASH-000001" + receipt_47_50);
    CHECK(pos.open_amount() == Decimal());

    // The payment as the SDK's helper keeps it, and the machine's job.
    json d = rig.doc(CashMachineFlow::table, paid.external_payment_id);
    CHECK(d["status"] == "confirmed");
    CHECK(d["amount"] == "47.5");
    CHECK(d["reference"] == "CASH-000001");
    CHECK(d["messages"] == json{"Inserted 15.00 of 47.50", "Inserted 30.00 of 47.50"});
    // The machine acknowledges its report just after the confirmation the POS saw.
    CHECK(eventually([&] {
        return rig.doc(mplus_demo::SimulatedCashMachine::due_table, paid.external_payment_id)
            .is_null();
    }));
    const json job = job_of(rig, paid.external_payment_id);
    CHECK(job["state"] == "paid");
    CHECK(job["inserted"] == "50");
    CHECK(job["change"] == "2.5");
    CHECK_FALSE(job.contains("report"));

    // A poll that comes after the outcome is known gets it at once, unchanged.
    const auto [again, took] =
        timed(rig.dispatcher(), payment_request("pollExternalPayment", paid.external_payment_id,
                                                "CASH_MACHINE", "47.50"));
    CHECK(took < milliseconds(1000));
    REQUIRE(again.external_payment);
    CHECK(again.external_payment->confirmed == true);
    CHECK(again.external_payment->external_transaction_reference == "CASH-000001");
    CHECK(again.external_payment->message == "Paid 50.00, change 2.50");
    REQUIRE(again.polling);
    CHECK(again.polling->finished);
    CHECK(rig.doc(CashMachineFlow::table, paid.external_payment_id) == d);
}

TEST_CASE("CashMachineFlow: a repeated start does not start the machine twice") {
    Rig rig(false, fast(milliseconds(20), never));
    const auto first = timed(rig.dispatcher(), payment_request("startExternalPayment", "p-1",
                                                               "CASH_MACHINE", "47.50"))
                           .first;
    REQUIRE(first.external_payment);
    CHECK(first.external_payment->started == true);
    CHECK(eventually([&] { return messages_recorded(rig, "p-1") == 1; }));
    const auto second = timed(rig.dispatcher(), payment_request("startExternalPayment", "p-1",
                                                                "CASH_MACHINE", "47.50"))
                            .first;
    REQUIRE(second.external_payment);
    CHECK(second.external_payment->started == true);
    CHECK(second.external_payment->message == "Inserted 15.00 of 47.50");
    CHECK(job_of(rig, "p-1")["reference"] == "CASH-000001");
    CHECK(job_of(rig, "p-1")["inserted"] == "15");
    CHECK(rig.doc("cash_meta", "sequence") == json{{"next", 2}});
}

TEST_CASE("CashMachineFlow: the long poll is held until the deadline when nothing happens") {
    CashMachineOptions o = fast(never, never);
    o.long_poll = milliseconds(150);
    Rig rig(false, o);
    const auto [r, took] = start_then_poll(rig.dispatcher(), "p-2");
    CHECK(took >= milliseconds(140));
    CHECK(took < milliseconds(1500));
    REQUIRE(r.external_payment);
    CHECK(r.external_payment->message == "Insert 47.50 into the cash machine");
    CHECK_FALSE(r.external_payment->confirmed.has_value());
    CHECK_FALSE(r.external_payment->cancelled.has_value());
    REQUIRE(r.polling);
    CHECK(r.polling->finished);
}

TEST_CASE("CashMachineFlow: the long poll is answered early when cash comes in") {
    CashMachineOptions o = fast(milliseconds(60), never);
    o.long_poll = milliseconds(5000);
    Rig rig(false, o);
    const auto [r, took] = start_then_poll(rig.dispatcher(), "p-3");
    CHECK(took >= milliseconds(40));
    CHECK(took < milliseconds(2000));
    REQUIRE(r.external_payment);
    CHECK(r.external_payment->message == "Inserted 15.00 of 47.50");
    REQUIRE(r.polling);
    CHECK(r.polling->finished);
}

TEST_CASE("CashMachineFlow: request-cancel before any cash cancels at once") {
    Rig rig(false, fast(milliseconds(60), milliseconds(20)));
    mw::PosSimulator pos = rig.till();
    pos.start_session();
    pos.add_line(1001, "Souvenir mug", dec("47.50"));
    REQUIRE(pos.start_external_payment("CASH_MACHINE").ok());
    const mw::PosStep& cancel = pos.request_cancel_external_payment();
    REQUIRE(cancel.external_payment);
    CHECK(cancel.external_payment->cancelled == true);
    CHECK(cancel.external_payment->message == "Cash payment cancelled");
    CHECK(pos.external_payment().status == ExternalPaymentStatus::cancelled);
    CHECK(pos.session().payments.empty());

    // The machine stopped: past its start delay, still nothing taken.
    std::this_thread::sleep_for(milliseconds(120));
    const std::string id = pos.external_payment().external_payment_id;
    CHECK(rig.doc(CashMachineFlow::table, id)["status"] == "cancelled");
    const json job = job_of(rig, id);
    CHECK(job["state"] == "stopped");
    CHECK(job["inserted"] == "0");
}

TEST_CASE("CashMachineFlow: request-cancel after cash came in cancels and returns the cash") {
    Rig rig(true, fast(milliseconds(20), never));
    mw::PosSimulator pos = rig.till();
    const std::string id = cash_after_first_insertion(pos);

    const mw::PosStep& cancel = pos.request_cancel_external_payment();
    REQUIRE(cancel.external_payment);
    CHECK(cancel.external_payment->cancelled == true);
    CHECK(cancel.external_payment->message ==
          "Cash payment cancelled; returning 15.00 to the customer");
    CHECK(pos.external_payment().status == ExternalPaymentStatus::cancelled);
    CHECK(pos.session().payments.empty());
    CHECK(rig.doc(CashMachineFlow::table, id)["status"] == "cancelled");
    CHECK(job_of(rig, id)["state"] == "returning");
    CHECK(eventually([&] { return job_of(rig, id)["state"] == "returned"; }));
    const json job = job_of(rig, id);
    CHECK(job["inserted"] == "15");
    CHECK(job["returned"] == "15");

    // Too late: a cancel after the confirmation leaves the payment confirmed.
    Rig paid_rig(false, fast(milliseconds(10), milliseconds(10)));
    mw::PosSimulator other = paid_rig.till(8);
    other.start_session();
    other.add_line(1001, "Souvenir mug", dec("12.95"));
    const mw::ExternalPaymentState paid = other.pay_external("CASH_MACHINE");
    REQUIRE(paid.confirmed());
    const auto late = timed(paid_rig.dispatcher(),
                            payment_request("requestCancelExternalPayment",
                                            paid.external_payment_id, "CASH_MACHINE", "12.95"))
                          .first;
    REQUIRE(late.external_payment);
    CHECK_FALSE(late.external_payment->cancelled.has_value());
    CHECK(late.external_payment->message == "Too late to cancel: the cash has been paid");
    CHECK(paid_rig.doc(CashMachineFlow::table, paid.external_payment_id)["status"] == "confirmed");
    CHECK(job_of(paid_rig, paid.external_payment_id)["state"] == "paid");
}

TEST_CASE("CashMachineFlow: a forced cancel stops the machine and returns the cash") {
    SUBCASE("with cash inserted: the cash goes back") {
        Rig rig(false, fast(milliseconds(20), milliseconds(100)));
        mw::PosSimulator pos = rig.till();
        const std::string id = cash_after_first_insertion(pos);
        pos.advance(std::chrono::seconds(31));
        const mw::PosStep& forced = pos.cancel_external_payment();
        CHECK(forced.ok());
        CHECK(pos.external_payment().status == ExternalPaymentStatus::abandoned);
        CHECK(rig.doc(CashMachineFlow::table, id)["status"] == "cancelled");
        CHECK(eventually([&] { return job_of(rig, id)["state"] == "returned"; }));
        // Past two more step intervals: the machine took nothing more.
        std::this_thread::sleep_for(milliseconds(250));
        const json job = job_of(rig, id);
        CHECK(job["state"] == "returned");
        CHECK(job["inserted"] == "15");
        CHECK(job["returned"] == "15");
    }
    SUBCASE("a held poll is answered cancelled") {
        CashMachineOptions o = fast(never, never);
        Rig rig(false, o);
        timed(rig.dispatcher(),
              payment_request("startExternalPayment", "p-4", "CASH_MACHINE", "47.50"));
        std::mutex m;
        std::condition_variable cv;
        std::optional<mw::HttpResponse> held;
        rig.dispatcher().handle(
            payment_request("pollExternalPayment", "p-4", "CASH_MACHINE", "47.50"),
            [&](mw::HttpResponse r) {
                std::lock_guard<std::mutex> lock(m);
                held = std::move(r);
                cv.notify_all();
            });
        {
            std::lock_guard<std::mutex> lock(m);
            CHECK_FALSE(held.has_value()); // long poll: not answered yet
        }
        const auto forced = timed(rig.dispatcher(), payment_request("cancelExternalPayment", "p-4",
                                                                    "CASH_MACHINE", "47.50"))
                                .first;
        CHECK_FALSE(forced.external_payment.has_value());
        std::unique_lock<std::mutex> lock(m);
        REQUIRE(cv.wait_for(lock, milliseconds(2000), [&] { return held.has_value(); }));
        const mw::Reply r = reply_of(*held);
        REQUIRE(r.external_payment);
        CHECK(r.external_payment->cancelled == true);
        CHECK(r.external_payment->message == "Cash payment cancelled");
        CHECK(rig.doc(CashMachineFlow::table, "p-4")["status"] == "cancelled");
        CHECK(job_of(rig, "p-4")["state"] == "stopped");
        CHECK(job_of(rig, "p-4")["inserted"] == "0");
    }
}

TEST_CASE("CashMachineFlow: a restart in the middle of a payment goes on, nothing lost or "
          "taken twice") {
    Rig rig(true, fast(milliseconds(20), milliseconds(300)));
    mw::PosSimulator pos = rig.till();
    const std::string id = cash_after_first_insertion(pos);

    // The process goes (machine and held polls with it); the job stays in the store.
    rig.restart(fast(milliseconds(20), milliseconds(300)));
    CHECK(rig.doc(CashMachineFlow::table, id)["status"] == "pending");
    CHECK(job_of(rig, id)["inserted"] == "15");

    const mw::ExternalPaymentState paid = pos.await_external_payment();
    REQUIRE(paid.status == ExternalPaymentStatus::confirmed);
    CHECK(texts(paid.messages) ==
          std::vector<std::string>{"Insert 47.50 into the cash machine", "Inserted 15.00 of 47.50",
                                   "Inserted 30.00 of 47.50", "Paid 50.00, change 2.50"});
    CHECK(paid.external_transaction_reference == "CASH-000001");
    REQUIRE(paid.receipt_texts.size() == 1);
    CHECK(paid.receipt_texts[0].text == "Cash machine CASH-000001" + receipt_47_50);
    const json job = job_of(rig, id);
    CHECK(job["state"] == "paid");
    CHECK(job["inserted"] == "50");
    CHECK(job["seq"] == 3); // three insertions, each made once

    // Once more: a restart after the outcome answers the same outcome.
    const json d = rig.doc(CashMachineFlow::table, id);
    rig.restart(fast());
    const auto again =
        timed(rig.dispatcher(), payment_request("pollExternalPayment", id, "CASH_MACHINE", "47.50"))
            .first;
    REQUIRE(again.external_payment);
    CHECK(again.external_payment->confirmed == true);
    CHECK(again.external_payment->external_transaction_reference == "CASH-000001");
    CHECK(rig.doc(CashMachineFlow::table, id) == d);
    CHECK(rig.doc("cash_meta", "sequence") == json{{"next", 2}});
}

TEST_CASE("CashMachineFlow: a restart while cash is being returned finishes the return") {
    CashMachineOptions before = fast(milliseconds(20), never);
    before.return_time = milliseconds(300);
    Rig rig(true, before);
    mw::PosSimulator pos = rig.till();
    pos.start_session();
    pos.add_line(1001, "Souvenir mug", dec("47.50"));
    REQUIRE(pos.start_external_payment("CASH_MACHINE").ok());
    pos.poll_external_payment();
    pos.request_cancel_external_payment();
    const std::string id = pos.external_payment().external_payment_id;
    CHECK(job_of(rig, id)["state"] == "returning");

    rig.restart(fast());
    CHECK(eventually([&] { return job_of(rig, id)["state"] == "returned"; }));
    CHECK(job_of(rig, id)["returned"] == "15");
    CHECK(rig.doc(CashMachineFlow::table, id)["status"] == "cancelled");
}

TEST_CASE("CashMachineFlow: two instances on one store: a poll on the other one, the first one "
          "gone mid-payment, every insertion made once") {
    mplus_demo::MemoryStore store;
    mplus_demo::FlowEnv env{store, [] { return mw::parse_timestamp(test_now)->unix_millis; }, 120};
    auto a = std::make_unique<CashMachineFlow>(env, fast(milliseconds(20), milliseconds(150)));
    CashMachineFlow b(env, fast(milliseconds(20), milliseconds(150)));
    const auto dispatcher_of = [](CashMachineFlow& flow) {
        mw::DispatcherConfig c;
        c.secrets = mw::KeyRing({*mw::Secret::from_text(test_secret)});
        auto d = std::make_unique<mw::Dispatcher>(std::move(c));
        const auto route = [&flow](mw::EventKind kind) {
            return [&flow, kind](const mw::ExternalPaymentRequest& r, mw::Responder out) {
                flow.on_event(kind, r, std::move(out));
            };
        };
        d->on_async<mw::events::StartExternalPayment>(route(mw::EventKind::start_external_payment));
        d->on_async<mw::events::PollExternalPayment>(route(mw::EventKind::poll_external_payment));
        return d;
    };
    auto on_a = dispatcher_of(*a);
    auto on_b = dispatcher_of(b);

    const auto started =
        timed(*on_a, payment_request("startExternalPayment", "p-9", "CASH_MACHINE", "47.50")).first;
    REQUIRE(started.external_payment);
    CHECK(started.external_payment->started == true);
    // The poll goes to b, which answers with a's machine's first insertion.
    const auto first =
        timed(*on_b, payment_request("pollExternalPayment", "p-9", "CASH_MACHINE", "47.50")).first;
    REQUIRE(first.external_payment);
    CHECK(first.external_payment->message == "Inserted 15.00 of 47.50");
    // a goes away; b's machine makes the remaining insertions.
    on_a.reset();
    a.reset();
    std::vector<std::string> seen;
    for (int i = 0; i < 10; ++i) {
        const auto r =
            timed(*on_b, payment_request("pollExternalPayment", "p-9", "CASH_MACHINE", "47.50"))
                .first;
        REQUIRE(r.external_payment);
        seen.push_back(r.external_payment->message.value_or(""));
        if (r.external_payment->confirmed) break;
    }
    CHECK(seen == std::vector<std::string>{"Inserted 30.00 of 47.50", "Paid 50.00, change 2.50"});
    const json job = store.with([](mplus_demo::Transaction& tx) {
        return tx.get(mplus_demo::SimulatedCashMachine::table, "p-9").value_or(json());
    });
    CHECK(job["inserted"] == "50");
    CHECK(job["seq"] == 3);
    const auto payment = store.with([](mplus_demo::Transaction& tx) {
        return tx.get(CashMachineFlow::table, "p-9").value_or(json());
    });
    CHECK(payment["status"] == "confirmed");
    CHECK(payment["messages"] == json{"Inserted 15.00 of 47.50", "Inserted 30.00 of 47.50"});
}

TEST_CASE("CashMachineFlow: a payment whose till never comes back expires and its cash goes back") {
    CashMachineOptions o = fast(milliseconds(20), never);
    o.hold_ttl = milliseconds(200);
    Rig rig(false, o);
    timed(rig.dispatcher(),
          payment_request("startExternalPayment", "p-5", "CASH_MACHINE", "47.50"));
    CHECK(eventually([&] { return messages_recorded(rig, "p-5") == 1; }));
    CHECK(rig.cash().expire() == 0); // changed just now
    std::this_thread::sleep_for(milliseconds(250));
    CHECK(rig.cash().expire() == 1);
    CHECK(rig.doc(CashMachineFlow::table, "p-5")["status"] == "cancelled");
    CHECK(eventually([&] { return job_of(rig, "p-5")["state"] == "returned"; }));
    CHECK(job_of(rig, "p-5")["returned"] == "15");
}

TEST_CASE("CashMachineFlow: the simulator's cash-machine script passes") {
    Rig rig(false, fast(milliseconds(10), milliseconds(20)));
    mw::PosSimulator pos = rig.till();
    const mw::FlowResult r = mw::run_flow(pos, "cash-machine");
    std::string problems;
    for (const auto& p : r.problems) problems += p + "\n";
    INFO(problems);
    CHECK(r.success);
}

// ---- reservation ------------------------------------------------------------------------------

TEST_CASE("ReservationFlow: start answers a dialog of the open reservations") {
    Rig rig(false);
    mw::PosSimulator pos = rig.till();
    pos.start_session();
    pos.add_line(1101, "Dinner buffet", dec("24.50"), Decimal(2));
    const mw::PosStep& start = pos.start_external_payment("RESERVATION");
    const mw::Dialog* d = start.dialog();
    REQUIRE(d != nullptr);
    CHECK(d->dialog_title == "Book on which reservation?");
    CHECK_FALSE(d->required);
    REQUIRE(d->dialog_options.size() == 4);
    CHECK(d->dialog_options[0].option_id == 1);
    CHECK(d->dialog_options[0].option_name == "Room 101: Ms. J. Jansen (Mon-Wed)");
    CHECK(d->dialog_options[1].option_name == "Room 102: Fam. De Vries (Thu-Sun)");
    CHECK(d->dialog_options[2].option_id == 3);
    CHECK(d->dialog_options[2].option_name == "Room 103: Mr. & Mrs. A. Nonymous (Sat-Fri)");
    CHECK(d->dialog_options[3].option_name == "Room 104: Mr. B. Bakker (Fri-Mon)");
    CHECK(pos.external_payment().status == ExternalPaymentStatus::awaiting_dialog);

    SUBCASE("dismissing the dialog cancels the payment") {
        const mw::PosStep& dismissed = pos.dismiss_dialog();
        REQUIRE(dismissed.external_payment);
        CHECK(dismissed.external_payment->cancelled == true);
        CHECK(dismissed.external_payment->message == "No reservation chosen");
        CHECK(rig.doc(ReservationFlow::payments_table,
                      pos.external_payment().external_payment_id)["status"] == "cancelled");
    }
}

TEST_CASE("ReservationFlow: the booking is confirmed with its reference and posted once") {
    Rig rig(false);
    mw::PosSimulator pos = rig.till();
    pos.start_session();
    pos.add_line(1101, "Dinner buffet", dec("24.50"), Decimal(2));
    pos.add_line(1102, "Wine (bottle)", dec("19.95"));
    pos.start_external_payment("RESERVATION");
    const mw::PosStep& chosen = pos.choose(std::int64_t{3});
    REQUIRE(chosen.external_payment);
    CHECK(chosen.external_payment->started == true);
    CHECK(chosen.external_payment->message ==
          "Booking 68.95 on Room 103: Mr. & Mrs. A. Nonymous (Sat-Fri)");
    const std::string id = pos.external_payment().external_payment_id;
    CHECK(rig.doc(ReservationFlow::payments_table, id)["status"] == "booked");

    const mw::ExternalPaymentState paid = pos.await_external_payment();
    REQUIRE(paid.status == ExternalPaymentStatus::confirmed);
    CHECK(paid.external_transaction_reference == "RES-103 Mr. & Mrs. A. Nonymous (Sat-Fri)");
    CHECK(paid.final_amount == dec("68.95"));
    REQUIRE(paid.receipt_texts.size() == 1);
    CHECK(paid.receipt_texts[0].text == "Charged to room 103\nMr. & Mrs. A. Nonymous (Sat-Fri)");
    CHECK(pos.open_amount() == Decimal());

    json bill = rig.doc(ReservationFlow::reservations_table, "103")["bill"];
    REQUIRE(bill.size() == 1);
    CHECK(bill[0]["payment_id"] == id);
    CHECK(bill[0]["amount"] == "68.95");
    CHECK(bill[0]["session_id"] == pos.session().session_id);
    CHECK(bill[0]["posted_at"] == "2024-06-01T10:00:00.000+02:00");
    REQUIRE(bill[0]["lines"].size() == 2);
    CHECK(bill[0]["lines"][0]["text"] == "Dinner buffet");
    CHECK(bill[0]["lines"][0]["article_number"] == 1101);
    CHECK(bill[0]["lines"][0]["quantity"] == "2");
    CHECK(bill[0]["lines"][0]["price_incl"] == "24.5");
    CHECK(bill[0]["lines"][1]["text"] == "Wine (bottle)");
    CHECK(bill[0]["lines"][1]["quantity"] == "1");
    CHECK(bill[0]["lines"][1]["price_incl"] == "19.95");
    CHECK(rig.doc(ReservationFlow::reservations_table, "101")["bill"] == json::array());

    // A repeated poll (the POS missed the answer) confirms again and posts nothing more.
    const auto again =
        timed(rig.dispatcher(), payment_request("pollExternalPayment", id, "RESERVATION", "68.95"))
            .first;
    REQUIRE(again.external_payment);
    CHECK(again.external_payment->confirmed == true);
    CHECK(again.external_payment->external_transaction_reference ==
          "RES-103 Mr. & Mrs. A. Nonymous (Sat-Fri)");
    CHECK(rig.doc(ReservationFlow::reservations_table, "103")["bill"] == bill);
}

TEST_CASE("ReservationFlow: a forced cancel undoes the booking") {
    Rig rig(false);
    const std::string session =
        R"("session":{"sessionId":"s-1","lines":[{"lineId":"l-1","articleNumber":1101,)"
        R"("text":"Dinner buffet","priceIncl":24.50,"quantity":2}]},)";
    const mw::Dispatcher& d = rig.dispatcher();
    const auto dialog =
        timed(d, payment_request("startExternalPayment", "r-1", "RESERVATION", "49.00", session))
            .first;
    REQUIRE(dialog.dialog);
    const std::string choice = session + R"("dialog":{"selectedDialogOptionIds":[3]},)";
    const auto booked =
        timed(d, payment_request("startExternalPayment", "r-1", "RESERVATION", "49.00", choice))
            .first;
    REQUIRE(booked.external_payment);
    CHECK(booked.external_payment->started == true);

    SUBCASE("after the confirmation: the lines come off the bill") {
        const auto confirmed =
            timed(d, payment_request("pollExternalPayment", "r-1", "RESERVATION", "49.00", session))
                .first;
        REQUIRE(confirmed.external_payment);
        CHECK(confirmed.external_payment->confirmed == true);
        REQUIRE(rig.doc(ReservationFlow::reservations_table, "103")["bill"].size() == 1);

        const auto forced = timed(d, payment_request("cancelExternalPayment", "r-1", "RESERVATION",
                                                     "49.00", session))
                                .first;
        REQUIRE(forced.external_payment);
        CHECK(forced.external_payment->cancelled == true);
        CHECK(rig.doc(ReservationFlow::reservations_table, "103")["bill"] == json::array());
        json p = rig.doc(ReservationFlow::payments_table, "r-1");
        CHECK(p["status"] == "abandoned");
        CHECK(p["abandoned_from"] == "confirmed");
    }
    SUBCASE("before the confirmation: nothing is posted, later polls are cancelled") {
        timed(d, payment_request("cancelExternalPayment", "r-1", "RESERVATION", "49.00", session));
        const auto poll =
            timed(d, payment_request("pollExternalPayment", "r-1", "RESERVATION", "49.00", session))
                .first;
        REQUIRE(poll.external_payment);
        CHECK(poll.external_payment->cancelled == true);
        CHECK(rig.doc(ReservationFlow::reservations_table, "103")["bill"] == json::array());
        CHECK(rig.doc(ReservationFlow::payments_table, "r-1")["abandoned_from"] == "booked");
    }
    // Other bills are never touched.
    CHECK(rig.doc(ReservationFlow::reservations_table, "101")["bill"] == json::array());
}

TEST_CASE("ReservationFlow: request-cancel before the confirmation cancels the booking") {
    Rig rig(false);
    mw::PosSimulator pos = rig.till();
    pos.start_session();
    pos.add_line(1102, "Wine (bottle)", dec("19.95"));
    pos.start_external_payment("RESERVATION");
    pos.choose(std::int64_t{3});
    const mw::PosStep& cancel = pos.request_cancel_external_payment();
    REQUIRE(cancel.external_payment);
    CHECK(cancel.external_payment->cancelled == true);
    CHECK(pos.external_payment().status == ExternalPaymentStatus::cancelled);
    const std::string id = pos.external_payment().external_payment_id;
    CHECK(rig.doc(ReservationFlow::payments_table, id)["status"] == "cancelled");
    const auto poll =
        timed(rig.dispatcher(), payment_request("pollExternalPayment", id, "RESERVATION", "19.95"))
            .first;
    REQUIRE(poll.external_payment);
    CHECK(poll.external_payment->cancelled == true);
    CHECK(rig.doc(ReservationFlow::reservations_table, "103")["bill"] == json::array());
}

TEST_CASE("ReservationFlow: a restart between booking and confirmation posts exactly once") {
    Rig rig(true);
    mw::PosSimulator pos = rig.till();
    pos.start_session();
    pos.add_line(1101, "Dinner buffet", dec("24.50"), Decimal(2));
    pos.start_external_payment("RESERVATION");
    pos.choose(std::int64_t{3});
    const std::string id = pos.external_payment().external_payment_id;

    rig.restart(fast());
    const mw::ExternalPaymentState paid = pos.await_external_payment();
    REQUIRE(paid.status == ExternalPaymentStatus::confirmed);
    CHECK(paid.external_transaction_reference == "RES-103 Mr. & Mrs. A. Nonymous (Sat-Fri)");

    rig.restart(fast());
    const auto again =
        timed(rig.dispatcher(), payment_request("pollExternalPayment", id, "RESERVATION", "49.00"))
            .first;
    REQUIRE(again.external_payment);
    CHECK(again.external_payment->confirmed == true);
    json bill = rig.doc(ReservationFlow::reservations_table, "103")["bill"];
    REQUIRE(bill.size() == 1);
    CHECK(bill[0]["payment_id"] == id);
    REQUIRE(bill[0]["lines"].size() == 1);
    CHECK(bill[0]["lines"][0]["text"] == "Dinner buffet");
    // The seed ran once: the restarts did not add reservations.
    const auto all = rig.store().with(
        [](mplus_demo::Transaction& tx) { return tx.list(ReservationFlow::reservations_table); });
    CHECK(all.size() == 4);
}

TEST_CASE("ReservationFlow: the simulator's reservation script passes") {
    Rig rig(false);
    mw::PosSimulator pos = rig.till();
    const mw::FlowResult r = mw::run_flow(pos, "reservation");
    std::string problems;
    for (const auto& p : r.problems) problems += p + "\n";
    INFO(problems);
    CHECK(r.success);
}
