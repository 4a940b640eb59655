// The demo middleware: the flows composed on one dispatcher, and the mplus-demo-middleware
// server over loopback HTTP, killed and restarted in the middle of the flows.
// SPDX-License-Identifier: MIT
#include "flow_test_support.hpp"

#include "../../../tests/support/loopback_transport.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace flow_test;
using mw::Decimal;

TEST_CASE("demo middleware: one receipt carries the tickets and the loyalty footer") {
    Middleware m(StoreKind::memory);
    mw::PosSimulator pos = m.till(201);
    pos.start_session();
    pos.scan("LOY0001");
    pos.add_line(235, "Tour Ticket (Adult)", Decimal::from_units(1250, 2), Decimal(2));
    pos.choose(std::int64_t{12});
    pos.scan("VCH0001");
    const mw::PosStep& done = pos.complete_session();
    CHECK(done.ok());
    // The voucher went to the ticket line: 25.00 - 5.00 paid, 20 points.
    CHECK(qr_codes(done.receipt_footers) ==
          std::vector<std::string>{"TKT-20240501-12-00001", "TKT-20240501-12-00002"});
    REQUIRE(done.receipt_footers.size() == 3);
    CHECK(done.receipt_footers[2].text_before == "Loyalty LOY0001: +20 points, balance 20");
}

TEST_CASE("demo middleware: an unknown payment method is cancelled with a message") {
    Middleware m(StoreKind::memory);
    mw::PosSimulator pos = m.till(211);
    pos.start_session();
    pos.add_line(1001, "Souvenir mug", Decimal::from_units(1295, 2));
    const mw::PosStep& start = pos.start_external_payment("BITCOIN");
    REQUIRE(start.external_payment);
    CHECK(start.external_payment->cancelled == true);
    CHECK(contains(messages_of(start) + start.external_payment->message.value_or(""),
                   "\"BITCOIN\" is not handled"));
    CHECK(pos.external_payment().status != mw::ExternalPaymentStatus::started);
    CHECK(pos.session().payments.empty());
}

#if defined(MPLUS_DEMO_HAS_CASH_MACHINE) && defined(MPLUS_DEMO_HAS_RESERVATION)
TEST_CASE("demo middleware: the simulator's four scripts succeed in process") {
    DemoConfig config;
    config.cash_machine.start_delay = std::chrono::milliseconds(20);
    config.cash_machine.step_interval = std::chrono::milliseconds(20);
    config.cash_machine.return_time = std::chrono::milliseconds(20);
    on_each_store(config, [&](Middleware& m) {
        mw::PosSimulator pos = m.till(221);
        const mw::FlowResult r = mw::run_flow(pos, "all");
        CHECK_MESSAGE(r.success, problems(r));
        CHECK(r.flows.size() == 4);
    });
}
#endif

// ---- the server over loopback -------------------------------------------------------------

namespace {

/// mplus-demo-middleware on `data_dir` as a child process on a port it picked.
class Server : public test_support::ServerProcess {
public:
    explicit Server(const std::string& data_dir)
        : ServerProcess({MPLUS_DEMO_SERVER, "--port", "0", "--secret", secret, "--data", data_dir,
                         "--now", now_text}) {}
};

/// A simulator transport over HTTP to whatever port `*port` names at the time of the call; a
/// held poll is answered within 60 s.
mw::PosTransport http_transport(const int* port) {
    return test_support::loopback_transport(port, std::chrono::seconds(60));
}

mw::SimulatorOptions http_options(std::uint64_t seed) {
    mw::SimulatorOptions o;
    o.secret = secret;
    o.seed = seed;
    o.clock_start = now_text;
    return o;
}

} // namespace

TEST_CASE("demo server: SIGKILL in the middle of ticketing and loyalty, restart, finish") {
    TempDir data;
    int port = 0;
    std::optional<Server> server;
    server.emplace(data.path().string());
    port = server->port();
    mw::PosSimulator pos(http_transport(&port), http_options(301));

    pos.start_session();
    const mw::PosStep& added =
        pos.add_line(235, "Tour Ticket (Adult)", Decimal::from_units(1250, 2), Decimal(3));
    REQUIRE(added.dialog() != nullptr);
    CHECK(option(*added.dialog(), 11)->option_name == "11:00-12:00 (20 seats left)");
    pos.choose(std::int64_t{11});
    REQUIRE(lines_of(pos, 235).size() == 1);
    pos.add_line(1201, "Lunch menu", Decimal(20));
    pos.scan("LOY0001");
    pos.scan("VCH0001");
    REQUIRE(lines_of(pos, 235).at(0).external_discount);

    server->stop(SIGKILL); // mid-sale: seats held, voucher held, customer known
    server.reset();
    server.emplace(data.path().string());
    port = server->port();

    const mw::PosStep& done = pos.complete_session();
    CHECK(done.ok());
    CHECK(qr_codes(done.receipt_footers) == std::vector<std::string>{"TKT-20240501-11-00001",
                                                                     "TKT-20240501-11-00002",
                                                                     "TKT-20240501-11-00003"});
    REQUIRE(done.receipt_footers.size() == 4);
    // 37.50 - 5.00 + 20.00 = 52.50: 52 points.
    CHECK(done.receipt_footers[3].text_before == "Loyalty LOY0001: +52 points, balance 52");

    server->stop(SIGKILL);
    server.reset();
    server.emplace(data.path().string());
    port = server->port();

    // After the kill: the sold seats are taken, the voucher is spent.
    pos.start_session();
    const mw::PosStep& again =
        pos.add_line(236, "Tour Ticket (Child)", Decimal::from_units(750, 2));
    REQUIRE(again.dialog() != nullptr);
    CHECK(option(*again.dialog(), 11)->option_name == "11:00-12:00 (17 seats left)");
    pos.dismiss_dialog();
    pos.add_line(1201, "Lunch menu", Decimal(20));
    const mw::PosStep& spent = pos.scan("VCH0001");
    CHECK(contains(messages_of(spent), "already used"));
    CHECK(!lines_of(pos, 1201).at(0).external_discount);
    pos.cancel_session();

    // SIGTERM stops it cleanly.
    const int status = server->stop(SIGTERM);
    server.reset();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("demo server: the simulator's four scripts succeed over HTTP") {
    TempDir data;
    Server server(data.path().string());
    int port = server.port();
    mw::PosSimulator pos(http_transport(&port), http_options(311));
    const mw::FlowResult r = mw::run_flow(pos, "all");
    CHECK_MESSAGE(r.success, problems(r));
    CHECK(r.flows.size() == 4);
}

TEST_CASE("demo server: SIGKILL in the middle of a cash payment and a booking, restart, finish") {
    TempDir data;
    int port = 0;
    std::optional<Server> server;
    const auto restart = [&](int signal) {
        server->stop(signal);
        server.reset();
        server.emplace(data.path().string());
        port = server->port();
    };
    server.emplace(data.path().string());
    port = server->port();
    mw::PosSimulator pos(http_transport(&port), http_options(302));

    // Cash: the machine starts taking cash about 2 s after the start; the kill comes first.
    pos.start_session();
    pos.add_line(1001, "Souvenir mug", Decimal::from_units(1295, 2));
    REQUIRE(pos.start_external_payment("CASH_MACHINE").ok());
    REQUIRE(pos.external_payment().status == mw::ExternalPaymentStatus::started);
    const std::string cash_id = pos.external_payment().external_payment_id;
    restart(SIGKILL);

    const mw::ExternalPaymentState cash = pos.await_external_payment();
    CHECK(cash.confirmed());
    CHECK(cash.external_payment_id == cash_id);
    REQUIRE(cash.final_amount);
    CHECK(*cash.final_amount == Decimal::from_units(1295, 2));
    // Paid once, in 5.00 notes: 15.00 taken, 2.05 back; not a second round of cash.
    REQUIRE(cash.receipt_texts.size() == 1);
    CHECK(cash.receipt_texts[0].text ==
          "Cash machine CASH-000001\nAmount: 12.95\nPaid: 15.00\nChange: 2.05");
    CHECK(pos.complete_session().ok());

    // Booking: chosen and started, then killed before the poll that confirms it.
    pos.start_session();
    pos.add_line(1101, "Dinner buffet", Decimal::from_units(2450, 2), Decimal(2));
    const mw::PosStep& offered = pos.start_external_payment("RESERVATION");
    REQUIRE(offered.dialog() != nullptr);
    pos.choose("Mr. & Mrs. A. Nonymous (Sat-Fri)");
    REQUIRE(pos.external_payment().status == mw::ExternalPaymentStatus::started);
    restart(SIGKILL);

    const mw::ExternalPaymentState booked = pos.await_external_payment();
    CHECK(booked.confirmed());
    REQUIRE(booked.external_transaction_reference);
    CHECK(booked.external_transaction_reference->find("Nonymous") != std::string::npos);
    CHECK(pos.complete_session().ok());

    // After one more kill the store holds each payment once: one cash payment, confirmed and
    // taken once by the machine; one bill entry with the buffet on the reservation.
    restart(SIGKILL);
    server->stop(SIGTERM);
    server.reset();
    mplus_demo::SqliteStore store((data.path() / "demo.sqlite").string());
    store.transact([&](mplus_demo::Transaction& tx) {
        const auto payments = tx.list("cash_payments");
        REQUIRE(payments.size() == 1);
        CHECK(payments[0].second.value("status", std::string()) == "confirmed");
        const auto job = tx.get("cash_machine", payments[0].first);
        REQUIRE(job);
        CHECK(job->value("state", std::string()) == "paid");
        CHECK(job->value("inserted", std::string()) == "15");
        CHECK(job->value("seq", 0) == 3);
        std::size_t bill_entries = 0;
        for (const auto& [key, reservation] : tx.list("reservations")) {
            for (const auto& entry : reservation.value("bill", nlohmann::json::array())) {
                ++bill_entries;
                CHECK(entry.value("amount", std::string()) == "49");
            }
        }
        CHECK(bill_entries == 1);
    });
}

TEST_CASE("demo server: a repeated event is answered from the store, and /metrics counts it") {
    TempDir data;
    test_support::ServerProcess server({MPLUS_DEMO_SERVER, "--port", "0", "--secret", secret,
                                        "--data", data.path().string(), "--now", now_text,
                                        "--dedupe"});
    int port = server.port();
    const mw::PosTransport send = http_transport(&port);
    const std::string body =
        R"({"event":{"eventBlocking":true,"eventCounter":41},)"
        R"("sender":{"instanceId":"till-1","branchNumber":3,"workplaceNumber":7},)"
        R"("session":{"sessionId":"s-metrics","lines":[]},)"
        R"("scanCode":{"scannedCode":"LOY0001","codeType":"barcode"}})";
    mw::HttpRequest request =
        test_support::signed_post("scanCode", body, {{"X-Mplus-Subscription-Id", "shop-a"}});
    request.path = "/webhooks/scanCode"; // the demo serves under /webhooks/
    const mw::HttpResponse first = send(request);
    const mw::HttpResponse again = send(request);
    CHECK(first.status == 200);
    CHECK(again.status == 200);
    CHECK(again.body == first.body);

    httplib::Client client("127.0.0.1", port);
    const auto metrics = client.Get("/metrics");
    REQUIRE(metrics);
    CHECK(metrics->status == 200);
    CHECK(metrics->body.find("mplus_webhooks_requests_total{event=\"scanCode\",status=\"200\","
                             "subscription=\"shop-a\",branch=\"3\",workplace=\"7\"} 2\n") !=
          std::string::npos);
    CHECK(metrics->body.find("mplus_webhooks_dedupe_hits_total 1\n") != std::string::npos);
    CHECK(metrics->body.find("mplus_webhooks_handler_seconds_count{event=\"scanCode\","
                             "subscription=\"shop-a\",branch=\"3\",workplace=\"7\"} 2\n") !=
          std::string::npos);
    CHECK(metrics->body.find("mplus_webhooks_pending_polls 0\n") != std::string::npos);
}
