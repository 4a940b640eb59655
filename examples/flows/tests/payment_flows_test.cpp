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

/// The message texts a payment showed, in order.
std::vector<std::string> texts(const std::vector<mw::Message>& messages) {
    std::vector<std::string> out;
    for (const auto& m : messages) out.push_back(m.message.value_or(""));
    return out;
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

    json d = rig.doc(CashMachineFlow::table, paid.external_payment_id);
    CHECK(d["status"] == "paid");
    CHECK(d["amount"] == "47.5");
    CHECK(d["inserted"] == "50");
    CHECK(d["change"] == "2.5");

    // A poll that comes after the outcome is known gets it at once, unchanged.
    const auto [again, took] =
        timed(rig.dispatcher(), payment_request("pollExternalPayment", paid.external_payment_id,
                                                "CASH_MACHINE", "47.50"));
    CHECK(took < milliseconds(1000));
    REQUIRE(again.external_payment);
    CHECK(again.external_payment->confirmed == true);
    CHECK(again.external_payment->external_transaction_reference == "CASH-000001");
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
    CHECK(eventually([&] { return rig.doc(CashMachineFlow::table, "p-1")["inserted"] == "15"; }));
    const auto second = timed(rig.dispatcher(), payment_request("startExternalPayment", "p-1",
                                                                "CASH_MACHINE", "47.50"))
                            .first;
    REQUIRE(second.external_payment);
    CHECK(second.external_payment->started == true);
    CHECK(second.external_payment->message == "Inserted 15.00 of 47.50");
    json d = rig.doc(CashMachineFlow::table, "p-1");
    CHECK(d["reference"] == "CASH-000001");
    CHECK(rig.doc("cash_meta", "sequence") == json{{"next", 2}});
}

TEST_CASE("CashMachineFlow: the long poll is held until the deadline when nothing happens") {
    CashMachineOptions o = fast(never, never);
    o.long_poll = milliseconds(150);
    Rig rig(false, o);
    timed(rig.dispatcher(),
          payment_request("startExternalPayment", "p-2", "CASH_MACHINE", "47.50"));
    const auto [r, took] = timed(
        rig.dispatcher(), payment_request("pollExternalPayment", "p-2", "CASH_MACHINE", "47.50"));
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
    timed(rig.dispatcher(),
          payment_request("startExternalPayment", "p-3", "CASH_MACHINE", "47.50"));
    const auto [r, took] = timed(
        rig.dispatcher(), payment_request("pollExternalPayment", "p-3", "CASH_MACHINE", "47.50"));
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
    json d = rig.doc(CashMachineFlow::table, pos.external_payment().external_payment_id);
    CHECK(d["status"] == "cancelled");
    CHECK(d["inserted"] == "0");
}

TEST_CASE("CashMachineFlow: request-cancel after cash came in returns it, then cancels") {
    Rig rig(true, fast(milliseconds(20), never));
    mw::PosSimulator pos = rig.till();
    pos.start_session();
    pos.add_line(1001, "Souvenir mug", dec("47.50"));
    REQUIRE(pos.start_external_payment("CASH_MACHINE").ok());
    const mw::PosStep& poll = pos.poll_external_payment();
    CHECK(texts(poll.messages) == std::vector<std::string>{"Inserted 15.00 of 47.50"});
    const std::string id = pos.external_payment().external_payment_id;

    const mw::PosStep& cancel = pos.request_cancel_external_payment();
    REQUIRE(cancel.external_payment);
    CHECK_FALSE(cancel.external_payment->cancelled.has_value());
    CHECK(cancel.external_payment->message == "Returning 15.00 to the customer");
    CHECK(pos.external_payment().status == ExternalPaymentStatus::started);
    CHECK(rig.doc(CashMachineFlow::table, id)["status"] == "returning");

    // The next poll waits for the cash to be back, then ends the payment.
    const mw::ExternalPaymentState after = pos.await_external_payment();
    CHECK(after.status == ExternalPaymentStatus::cancelled);
    CHECK(texts(after.messages).back() == "Cash payment cancelled; 15.00 returned");
    CHECK(pos.session().payments.empty());
    json d = rig.doc(CashMachineFlow::table, id);
    CHECK(d["status"] == "cancelled");
    CHECK(d["inserted"] == "15");
    CHECK(d["returned"] == "15");
}

TEST_CASE("CashMachineFlow: a forced cancel stops the machine and records the payment abandoned") {
    SUBCASE("with cash inserted: the cash goes back") {
        Rig rig(false, fast(milliseconds(20), milliseconds(100)));
        mw::PosSimulator pos = rig.till();
        pos.start_session();
        pos.add_line(1001, "Souvenir mug", dec("47.50"));
        REQUIRE(pos.start_external_payment("CASH_MACHINE").ok());
        CHECK(texts(pos.poll_external_payment().messages) ==
              std::vector<std::string>{"Inserted 15.00 of 47.50"});
        const std::string id = pos.external_payment().external_payment_id;
        pos.advance(std::chrono::seconds(31));
        const mw::PosStep& forced = pos.cancel_external_payment();
        CHECK(forced.ok());
        CHECK(pos.external_payment().status == ExternalPaymentStatus::abandoned);
        json d = rig.doc(CashMachineFlow::table, id);
        CHECK(d["status"] == "abandoned");
        CHECK(d["abandoned_from"] == "started");
        CHECK(d["inserted"] == "15");
        CHECK(eventually([&] { return rig.doc(CashMachineFlow::table, id).contains("returned"); }));
        // Past two more step intervals: the machine took nothing more.
        std::this_thread::sleep_for(milliseconds(150));
        d = rig.doc(CashMachineFlow::table, id);
        CHECK(d["status"] == "abandoned");
        CHECK(d["inserted"] == "15");
        CHECK(d["returned"] == "15");
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
        REQUIRE(forced.external_payment);
        CHECK(forced.external_payment->cancelled == true);
        std::unique_lock<std::mutex> lock(m);
        REQUIRE(cv.wait_for(lock, milliseconds(2000), [&] { return held.has_value(); }));
        const mw::Reply r = reply_of(*held);
        REQUIRE(r.external_payment);
        CHECK(r.external_payment->cancelled == true);
        CHECK(r.external_payment->message == "Cash payment abandoned");
        json d = rig.doc(CashMachineFlow::table, "p-4");
        CHECK(d["status"] == "abandoned");
        CHECK(d["inserted"] == "0");
    }
}

TEST_CASE("CashMachineFlow: a restart in the middle of a payment resumes it, nothing lost or "
          "taken twice") {
    // Before the restart only the first insertion happens.
    Rig rig(true, fast(milliseconds(20), never));
    mw::PosSimulator pos = rig.till();
    pos.start_session();
    pos.add_line(1001, "Souvenir mug", dec("47.50"));
    REQUIRE(pos.start_external_payment("CASH_MACHINE").ok());
    CHECK(texts(pos.poll_external_payment().messages) ==
          std::vector<std::string>{"Inserted 15.00 of 47.50"});
    const std::string id = pos.external_payment().external_payment_id;

    rig.restart(fast(milliseconds(20), milliseconds(80)));
    json d = rig.doc(CashMachineFlow::table, id);
    CHECK(d["status"] == "started");
    CHECK(d["inserted"] == "15");

    // The machine takes the 32.50 still due (35.00 in notes); the first poll after the
    // restart repeats the status at once.
    const mw::ExternalPaymentState paid = pos.await_external_payment();
    REQUIRE(paid.status == ExternalPaymentStatus::confirmed);
    CHECK(texts(paid.messages) ==
          std::vector<std::string>{"Insert 47.50 into the cash machine", "Inserted 15.00 of 47.50",
                                   "Inserted 15.00 of 47.50", "Inserted 25.00 of 47.50",
                                   "Inserted 35.00 of 47.50", "Paid 50.00, change 2.50"});
    CHECK(paid.external_transaction_reference == "CASH-000001");
    REQUIRE(paid.receipt_texts.size() == 1);
    CHECK(paid.receipt_texts[0].text == "Cash machine CASH-000001" + receipt_47_50);
    d = rig.doc(CashMachineFlow::table, id);
    CHECK(d["status"] == "paid");
    CHECK(d["inserted"] == "50");

    // Once more: a restart after the outcome answers the same outcome.
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
    before.return_time = never;
    Rig rig(true, before);
    mw::PosSimulator pos = rig.till();
    pos.start_session();
    pos.add_line(1001, "Souvenir mug", dec("47.50"));
    REQUIRE(pos.start_external_payment("CASH_MACHINE").ok());
    pos.poll_external_payment();
    pos.request_cancel_external_payment();
    const std::string id = pos.external_payment().external_payment_id;
    CHECK(rig.doc(CashMachineFlow::table, id)["status"] == "returning");

    rig.restart(fast());
    const mw::ExternalPaymentState after = pos.await_external_payment();
    CHECK(after.status == ExternalPaymentStatus::cancelled);
    json d = rig.doc(CashMachineFlow::table, id);
    CHECK(d["status"] == "cancelled");
    CHECK(d["returned"] == "15");
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
