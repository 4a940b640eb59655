// Faults: a store that fails (injected, read-only SQLite file, full disk) answers a protocol
// error and writes nothing half; a demo middleware killed with SIGKILL in the middle of writes
// restarts consistent. (A throwing handler: tests/dispatcher_test.cpp, "a throwing handler
// yields 500 INTERNAL_ERROR" and "an asynchronous handler that throws"; a handler that never
// answers: tests/concurrency_deadline_test.cpp.)
// SPDX-License-Identifier: MIT
#include "../../examples/flows/demo_middleware.hpp"
#include "../../examples/flows/sqlite_store.hpp"
#include "../support/loopback_transport.hpp"
#include "../support/server_process.hpp"

#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/simulator.hpp>
#include <mplus/webhooks/timestamp.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

namespace mw = mplus::webhooks;
using mplus_demo::Store;
using mplus_demo::StoreError;
using mplus_demo::Transaction;
using nlohmann::json;

constexpr const char* secret = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";
constexpr const char* now_text = "2024-05-01T10:15:00.000+02:00";
constexpr int slot_capacity = 20; // TicketingConfig's default

using test_support::TempDir;

/// A Store that fails on purpose: every write (put, erase) of a transaction, or the commit of
/// the Nth transaction from now. Either way the inner store rolls the transaction back, so the
/// failure is the one a real database reports (read-only, disk full) at that point. Only the
/// transactions of the thread that made it count and fail (the test's, which runs the
/// dispatcher); those of the flows' own threads (the cash machine's look at its due jobs, the
/// expiry of holds) pass through, so when they run does not move the Nth.
class FailingStore : public Store {
public:
    explicit FailingStore(Store& inner) : inner_(inner) {}

    /// Every put and erase throws StoreError (reads still work).
    void fail_writes(bool on) { fail_writes_ = on; }
    /// The `n`th transaction from now (1: the next) fails at its commit; 0: none.
    void fail_nth(std::size_t n) { fail_at_ = n == 0 ? 0 : count_ + n; }
    /// How many transactions failed on purpose.
    std::size_t failures() const { return failures_; }

    void transact(const std::function<void(Transaction&)>& work) override {
        if (std::this_thread::get_id() != owner_) {
            inner_.transact(work);
            return;
        }
        const std::size_t n = ++count_;
        inner_.transact([&](Transaction& tx) {
            Guarded guarded(tx, *this);
            work(guarded);
            if (n == fail_at_) {
                ++failures_;
                throw StoreError("injected: the commit failed");
            }
        });
    }

private:
    struct Guarded final : Transaction {
        Guarded(Transaction& t, FailingStore& s) : tx(t), store(s) {}
        std::optional<json> get(std::string_view table, std::string_view key) override {
            return tx.get(table, key);
        }
        void put(std::string_view table, std::string_view key, const json& doc) override {
            check();
            tx.put(table, key, doc);
        }
        void erase(std::string_view table, std::string_view key) override {
            check();
            tx.erase(table, key);
        }
        std::vector<std::pair<std::string, json>> list(std::string_view table) override {
            return tx.list(table);
        }
        void check() {
            if (store.fail_writes_) {
                ++store.failures_;
                throw StoreError("injected: the database is read-only");
            }
        }
        Transaction& tx;
        FailingStore& store;
    };

    Store& inner_;
    const std::thread::id owner_ = std::this_thread::get_id();
    bool fail_writes_ = false;
    std::size_t fail_at_ = 0;
    std::size_t count_ = 0;
    std::size_t failures_ = 0;
};

/// Every document of every table the demo flows keep, for before/after comparisons.
std::map<std::string, json> snapshot(Store& store) {
    std::map<std::string, json> out;
    store.transact([&](Transaction& tx) {
        for (const char* table :
             {"ticket_holds", "ticket_slots", "tickets", "ticket_sessions", "counters",
              "loyalty_accounts", "loyalty_relations", "loyalty_vouchers", "loyalty_sessions",
              "reservations", "reservation_payments", "cash_payments", "cash_machine",
              "voucher_holds", "ticket_slot_holds"}) {
            for (auto& [key, doc] : tx.list(table)) out[std::string(table) + "/" + key] = doc;
        }
    });
    return out;
}

/// The demo middleware on a dispatcher, over `store`, as the server runs it.
struct InProcess {
    explicit InProcess(Store& store)
        : middleware(mplus_demo::FlowEnv{store, [] { return now(); }, 120}) {
        mw::DispatcherConfig c;
        c.secrets = mw::KeyRing({*mw::Secret::from_text(secret)});
        dispatcher.emplace(std::move(c));
        middleware.attach(*dispatcher);
        dispatcher->on_diagnostic([this](const mw::Diagnostic& d) {
            if (d.kind == mw::DiagnosticKind::handler_exception) {
                std::lock_guard<std::mutex> lock(mutex);
                exceptions.push_back(d.error.message);
            }
        });
    }
    static std::int64_t now() { return mw::parse_timestamp(now_text)->unix_millis; }
    mw::PosSimulator till(std::uint64_t seed) {
        mw::SimulatorOptions o;
        o.secret = secret;
        o.seed = seed;
        o.clock_start = now_text;
        return mw::PosSimulator([this](const mw::HttpRequest& r) { return dispatcher->handle(r); },
                                o);
    }
    mplus_demo::DemoMiddleware middleware;
    std::optional<mw::Dispatcher> dispatcher;
    std::mutex mutex;
    std::vector<std::string> exceptions;
};

/// The HTTP status and wire code of the step's last answer.
std::pair<int, std::string> last_answer(const mw::PosStep& step) {
    REQUIRE(!step.exchanges.empty());
    const mw::PosExchange& ex = step.exchanges.back();
    REQUIRE(ex.response);
    // The error code of the body (the simulator reads it only from 400 answers).
    std::string code;
    const json body = json::parse(ex.response->body, nullptr, false);
    if (body.is_object() && body.contains("error") && body["error"].is_object()) {
        code = body["error"].value("code", std::string());
    }
    return {ex.response->status, code};
}

} // namespace

TEST_CASE("Faults: every write fails: 500 INTERNAL_ERROR, nothing written, then it recovers") {
    mplus_demo::MemoryStore memory;
    FailingStore store(memory);
    InProcess m(store);
    mw::PosSimulator pos = m.till(401);
    pos.start_session();
    const mw::PosStep& added =
        pos.add_line(235, "Tour Ticket (Adult)", mw::Decimal::from_units(1250, 2), mw::Decimal(2));
    REQUIRE(added.dialog() != nullptr); // offering the slots only reads
    const auto before = snapshot(memory);

    store.fail_writes(true);
    const mw::PosStep& chosen = pos.choose(std::int64_t{11}); // holding the seats writes
    CHECK(last_answer(chosen) == std::make_pair(500, std::string("INTERNAL_ERROR")));
    CHECK(store.failures() == 1);
    CHECK(snapshot(memory) == before); // no hold, no half of one
    {
        std::lock_guard<std::mutex> lock(m.mutex);
        REQUIRE(m.exceptions.size() == 1);
        CHECK(m.exceptions[0] == "the handler threw: injected: the database is read-only");
    }
    const mw::PosStep& card = pos.scan("LOY0001"); // identifying the customer writes too
    CHECK(last_answer(card) == std::make_pair(500, std::string("INTERNAL_ERROR")));
    CHECK(snapshot(memory) == before);

    // The store is back: the POS re-sends the same request and the sale goes on.
    store.fail_writes(false);
    mw::HttpResponse again = m.dispatcher->handle(chosen.exchanges.back().request);
    CHECK(again.status == 200);
    CHECK(again.body.find("2 seats held for 11:00-12:00") != std::string::npos);
    const auto after = snapshot(memory);
    // The hold, the replaced line's marker, and the hold in its slot's list.
    CHECK(after.size() == before.size() + 3);
}

TEST_CASE("Faults: completeSession's loyalty commit fails: 500, tickets whole, retry sells once") {
    mplus_demo::MemoryStore memory;
    FailingStore store(memory);
    InProcess m(store);
    mw::PosSimulator pos = m.till(411);
    pos.start_session();
    pos.scan("LOY0001");
    pos.add_line(235, "Tour Ticket (Adult)", mw::Decimal::from_units(1250, 2), mw::Decimal(2));
    pos.choose(std::int64_t{12});
    pos.scan("VCH0001");
    const auto before = snapshot(memory);
    REQUIRE(before.count("loyalty_vouchers/VCH0001") == 1);
    CHECK(before.count("voucher_holds/VCH0001") == 1); // held for the sale

    // completeSession runs the ticketing transaction, then the loyalty one: the second fails.
    store.fail_nth(2);
    const mw::PosStep& done = pos.complete_session();
    CHECK(last_answer(done) == std::make_pair(500, std::string("INTERNAL_ERROR")));
    auto mid = snapshot(memory);
    // Ticketing committed whole: two tickets, the slot's sold count, the sale's record.
    CHECK(mid.count("tickets/TKT-20240501-12-00001") == 1);
    CHECK(mid.count("tickets/TKT-20240501-12-00002") == 1);
    CHECK(mid.at("ticket_slots/2024-05-01T12")["sold"] == 2);
    // Loyalty wrote nothing: voucher still held, not redeemed; no points; sale not completed.
    CHECK(mid.at("loyalty_vouchers/VCH0001") == before.at("loyalty_vouchers/VCH0001"));
    CHECK(mid.at("voucher_holds/VCH0001") == before.at("voucher_holds/VCH0001"));
    CHECK(mid.at("loyalty_accounts/LOY0001") == before.at("loyalty_accounts/LOY0001"));
    CHECK(mid.at("loyalty_sessions/" + pos.session().session_id) ==
          before.at("loyalty_sessions/" + pos.session().session_id));

    // The POS re-sends completeSession: the tickets are printed again, not sold again; the
    // voucher is redeemed and the points earned, once.
    const mw::HttpRequest& original = done.exchanges.front().request;
    const mw::HttpResponse retry = m.dispatcher->handle(original);
    CHECK(retry.status == 200);
    CHECK(retry.body.find("TKT-20240501-12-00001") != std::string::npos);
    CHECK(retry.body.find("TKT-20240501-12-00003") == std::string::npos);
    const mw::HttpResponse twice = m.dispatcher->handle(original);
    CHECK(twice.body == retry.body);
    auto after = snapshot(memory);
    CHECK(after.at("ticket_slots/2024-05-01T12")["sold"] == 2);
    CHECK(after.count("tickets/TKT-20240501-12-00003") == 0);
    CHECK(after.at("loyalty_vouchers/VCH0001")["status"] == "redeemed");
    CHECK(after.count("voucher_holds/VCH0001") == 0);
    CHECK(after.at("loyalty_accounts/LOY0001")["points"] == 20); // 25.00 - 5.00
}

TEST_CASE("Faults: a read-only SQLite file: 500 INTERNAL_ERROR, the file unchanged") {
    TempDir dir;
    const std::string path = dir.file("demo.sqlite");
    std::map<std::string, json> before;
    {
        // Seeded by a normal start, then closed.
        mplus_demo::SqliteStore rw(path);
        InProcess seeded(rw);
        before = snapshot(rw);
    }
    REQUIRE(!before.empty());
    // chmod does not stop root (tests may run as root in containers): open it read-only.
    mplus_demo::SqliteStore ro("file:" + path + "?mode=ro");
    InProcess m(ro);
    mw::PosSimulator pos = m.till(421);
    pos.start_session();
    const mw::PosStep& card = pos.scan("LOY0001");
    CHECK(last_answer(card) == std::make_pair(500, std::string("INTERNAL_ERROR")));
    {
        std::lock_guard<std::mutex> lock(m.mutex);
        REQUIRE(!m.exceptions.empty());
        CHECK(m.exceptions[0].find("readonly") != std::string::npos);
    }
    // Reads still work: the dialog of the slots is offered.
    const mw::PosStep& added =
        pos.add_line(235, "Tour Ticket (Adult)", mw::Decimal::from_units(1250, 2));
    CHECK(added.dialog() != nullptr);
    CHECK(last_answer(pos.choose(std::int64_t{11})) ==
          std::make_pair(500, std::string("INTERNAL_ERROR")));
    mplus_demo::SqliteStore check(path);
    CHECK(snapshot(check) == before);
}

// ---- the demo server as a process -----------------------------------------------------------

namespace {

/// mplus-demo-middleware on `data` as a child process (killed if this test dies), optionally
/// with a file size limit (bytes) that plays a full disk.
class Server : public test_support::ServerProcess {
public:
    explicit Server(const std::string& data, long file_limit = 0)
        : ServerProcess({MPLUS_DEMO_SERVER, "--port", "0", "--secret", secret, "--data", data,
                         "--now", now_text},
                        file_limit) {}
};

/// A simulator transport over HTTP to the port `*port` holds at the time of the call.
mw::PosTransport http_transport(const std::atomic<int>* port) {
    return test_support::loopback_transport(port, std::chrono::seconds(10));
}

/// A till whose dialogs are answered with their first option that can be chosen.
mw::PosSimulator http_till(const std::atomic<int>* port, std::uint64_t seed) {
    mw::SimulatorOptions o;
    o.secret = secret;
    o.seed = seed;
    o.clock_start = now_text;
    mw::PosSimulator pos(http_transport(port), o);
    pos.on_dialog([](const mw::Dialog& d) -> std::optional<mw::DialogAnswer> {
        for (const auto& option : d.dialog_options) {
            if (!option.disabled.value_or(false)) return mw::DialogAnswer::id(option.option_id);
        }
        return mw::DialogAnswer::none();
    });
    return pos;
}

/// What the tills saw confirmed: tickets printed, vouchers issued and redeemed, payments.
struct Seen {
    std::mutex mutex;
    std::map<std::string, std::string> tickets;      ///< ticket id -> session
    std::map<std::string, std::string> reservations; ///< confirmed payment id -> session
    std::size_t sales = 0;                           ///< completeSession answered 200
    void add(const mw::PosStep& done, const std::string& session) {
        std::lock_guard<std::mutex> lock(mutex);
        if (done.status != mw::PosStepStatus::ok) return;
        ++sales;
        for (const auto& f : done.receipt_footers) {
            if (f.barcode && f.barcode->code && f.barcode->code->rfind("TKT-", 0) == 0) {
                tickets[*f.barcode->code] = session;
            }
        }
    }
};

/// Sells until `stop`: tickets with a loyalty card (and its vouchers), reservations booked on a
/// room, cancelled sales; sessions independent.
void sell(const std::atomic<int>* port, std::uint64_t seed, const std::atomic<bool>& stop,
          Seen& seen) {
    std::mt19937_64 random(seed);
    for (std::uint64_t n = 0; !stop.load(); ++n) {
        mw::PosSimulator pos = http_till(port, seed * 100000 + n + 1);
        pos.start_session();
        const std::string session = pos.session().session_id;
        pos.add_line(235 + static_cast<std::int64_t>(random() % 2), "Tour Ticket",
                     mw::Decimal::from_units(1250, 2),
                     mw::Decimal(static_cast<std::int64_t>(1 + random() % 3)));
        pos.add_line(1300, "Family dinner",
                     mw::Decimal(60 + static_cast<std::int64_t>(random() % 60)));
        // The card after the lines: a voucher chosen in its dialog has a line to go to. Every
        // till also tries the one seeded voucher: all but one sale must be refused it.
        pos.scan("LOY000" + std::to_string(1 + seed % 3));
        if (random() % 4 == 0) pos.scan("VCH0001");
        switch (random() % 3) {
        case 0: pos.cancel_session(); break;
        case 1: {
            const mw::ExternalPaymentState paid = pos.pay_external("RESERVATION");
            if (paid.confirmed()) {
                std::lock_guard<std::mutex> lock(seen.mutex);
                seen.reservations[paid.external_payment_id] = session;
            }
            seen.add(pos.complete_session(), session);
            break;
        }
        default: seen.add(pos.complete_session(), session); break;
        }
    }
}

} // namespace

namespace {

/// Checks the demo's data at `path` against itself and against what the tills were told;
/// a one-line summary of what is there.
std::string check_consistent(const std::string& path, Seen& seen) {
    mplus_demo::SqliteStore store(path);
    const auto docs = snapshot(store);
    std::map<std::string, int> sold, held, ticketed;
    std::set<std::string> footer_tickets;
    std::size_t vouchers_redeemed = 0, completed_sales = 0;
    for (const auto& [key, doc] : docs) {
        const std::string table = key.substr(0, key.find('/'));
        const std::string id = key.substr(key.find('/') + 1);
        if (table == "ticket_slots") sold[id] = doc.value("sold", 0);
        const auto slot_of = [](const json& d) {
            const int hour = d.value("hour", 0);
            return d.value("date", std::string()) + "T" + (hour < 10 ? "0" : "") +
                   std::to_string(hour);
        };
        if (table == "ticket_holds" && doc.value("seats", 0) > 0) {
            held[slot_of(doc)] += doc.value("seats", 0);
        }
        if (table == "tickets") ticketed[slot_of(doc)] += 1;
        if (table == "ticket_sessions") {
            for (const auto& f : doc.value("footer", json::array())) {
                // Each ticket printed by exactly one sale.
                CHECK(footer_tickets.insert(f.value("qr", std::string())).second);
            }
        }
        if (table == "loyalty_vouchers" && doc.value("status", std::string()) == "redeemed") {
            ++vouchers_redeemed;
            // Redeemed in a sale that completed.
            CHECK(docs.count("loyalty_sessions/" + doc.value("redeemedIn", std::string())) == 1);
        }
        if (table == "loyalty_sessions" && doc.value("completed", false)) ++completed_sales;
    }
    // Seats: sold = tickets issued, sold + held never above the capacity.
    CHECK(sold == ticketed);
    for (const auto& [slot, n] : sold) {
        const std::string slot_id = slot; // structured bindings cannot be captured in C++17
        CAPTURE(slot_id);
        CHECK(n + held[slot] <= slot_capacity);
    }
    std::size_t ticket_count = 0;
    for (const auto& [key, doc] : docs) {
        if (key.rfind("tickets/", 0) == 0) {
            ++ticket_count;
            CHECK(footer_tickets.count(key.substr(8)) == 1); // every ticket on one receipt
        }
    }
    CHECK(ticket_count == footer_tickets.size());
    // What the tills were told is there: no confirmed ticket or payment lost.
    std::lock_guard<std::mutex> lock(seen.mutex);
    for (const auto& [ticket, session] : seen.tickets) {
        const std::string ticket_id = ticket; // structured bindings cannot be captured in C++17
        CAPTURE(ticket_id);
        REQUIRE(docs.count("tickets/" + ticket) == 1);
        CHECK(docs.at("tickets/" + ticket)["session"] == session);
    }
    // Reservations: each confirmed payment on one bill, once.
    std::map<std::string, int> on_bills;
    for (const auto& [key, doc] : docs) {
        if (key.rfind("reservations/", 0) != 0) continue;
        for (const auto& entry : doc.value("bill", json::array())) {
            ++on_bills[entry.value("payment_id", std::string())];
        }
    }
    for (const auto& [payment, count] : on_bills) {
        const std::string payment_id = payment; // structured bindings cannot be captured in C++17
        CAPTURE(payment_id);
        CHECK(count == 1);
        REQUIRE(docs.count("reservation_payments/" + payment) == 1);
        CHECK(docs.at("reservation_payments/" + payment)["status"] == "confirmed");
    }
    for (const auto& [payment, session] : seen.reservations) {
        const std::string payment_id = payment; // structured bindings cannot be captured in C++17
        CAPTURE(payment_id);
        CHECK(on_bills.count(payment) == 1);
    }
    return std::to_string(seen.sales) + " sales answered, " + std::to_string(ticket_count) +
           " tickets, " + std::to_string(on_bills.size()) + " reservation payments, " +
           std::to_string(vouchers_redeemed) + " vouchers redeemed, " +
           std::to_string(completed_sales) + " loyalty sales completed";
}

} // namespace

TEST_CASE("Faults: SIGKILL in the middle of writes, 5 times: nothing lost, nothing twice") {
    TempDir data;
    std::atomic<int> port{0};
    Seen seen;
    std::mt19937 random(std::random_device{}());
    std::size_t kills = 0;
    for (int round = 0; round < 5; ++round) {
        Server server(data.str());
        port = server.port();
        std::atomic<bool> stop{false};
        std::vector<std::thread> tills;
        for (std::uint64_t t = 0; t < 4; ++t) {
            tills.emplace_back([&, t] {
                sell(&port, static_cast<std::uint64_t>(round) * 10 + t + 1, stop, seen);
            });
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(300 + random() % 700));
        const int status = server.stop(SIGKILL); // tills mid-request, writes mid-transaction
        CHECK(WIFSIGNALED(status));
        ++kills;
        stop = true;
        for (std::thread& t : tills) t.join();
    }
    CHECK(kills == 5);

    // The last start: does it come up on what the kills left? Then look at the data.
    {
        Server server(data.str());
        port = server.port();
        mw::PosSimulator pos = http_till(&port, 999);
        pos.start_session();
        pos.add_line(1201, "Lunch menu", mw::Decimal(20));
        CHECK(pos.complete_session().ok());
        CHECK(WIFEXITED(server.stop(SIGTERM)));
    }
    CHECK(seen.sales > 0);
    const std::string summary = check_consistent(data.file("demo.sqlite"), seen);
    MESSAGE("after " << kills << " SIGKILLs: " << summary);
}

TEST_CASE("Faults: a full disk (file size limit): 500 INTERNAL_ERROR, data consistent after") {
    TempDir data;
    std::atomic<int> port{0};
    Seen seen;
    std::size_t internal_errors = 0;
    {
        // Big enough to start and seed (the database and the first WAL frames), too small
        // for many sales.
        Server server(data.str(), 96 * 1024);
        port = server.port();
        for (std::uint64_t n = 0; n < 300 && internal_errors < 3; ++n) {
            mw::PosSimulator pos = http_till(&port, 7000 + n);
            pos.start_session();
            const std::string session = pos.session().session_id;
            for (const mw::PosStep* step :
                 {&pos.scan("LOY0002"),
                  &pos.add_line(236, "Tour Ticket (Child)", mw::Decimal::from_units(750, 2))}) {
                if (!step->exchanges.empty() && step->exchanges.back().response &&
                    last_answer(*step) == std::make_pair(500, std::string("INTERNAL_ERROR"))) {
                    ++internal_errors;
                }
            }
            const mw::PosStep& done = pos.complete_session();
            if (!done.exchanges.empty() && done.exchanges.back().response &&
                last_answer(done) == std::make_pair(500, std::string("INTERNAL_ERROR"))) {
                ++internal_errors;
            }
            seen.add(done, session);
        }
        CHECK(internal_errors > 0);
        // Still serving: a request that writes nothing is answered.
        mw::PosSimulator pos = http_till(&port, 7999);
        pos.start_session();
        CHECK(pos.scan("UNKNOWN-1").ok());
        CHECK(WIFEXITED(server.stop(SIGTERM)));
    }
    // Room again: it restarts on the same data, and the data holds together.
    {
        Server server(data.str());
        port = server.port();
        mw::PosSimulator pos = http_till(&port, 8999);
        pos.start_session();
        pos.scan("LOY0002");
        pos.add_line(1201, "Lunch menu", mw::Decimal(20));
        CHECK(pos.complete_session().ok());
        CHECK(WIFEXITED(server.stop(SIGTERM)));
    }
    const std::string summary = check_consistent(data.file("demo.sqlite"), seen);
    MESSAGE("full disk: " << internal_errors << " requests answered 500 INTERNAL_ERROR; "
                          << summary);
}
