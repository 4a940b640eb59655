// The store conformance suite and the state helpers' tests on PostgreSQL, and several
// instances on one database: wake-ups across instances, an instance killed with a held poll.
// Needs the cluster of the ctest fixture (postgresql_cluster.sh); label postgresql.
// SPDX-License-Identifier: MIT
#include "state_suite.hpp"

#include <mplus/webhooks/state/external_payment.hpp>
#include <mplus/webhooks/state/postgresql_store.hpp>
#include <mplus/webhooks/state/store.hpp>

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace st = mplus::webhooks::state;
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

/// The URL of the fixture's cluster.
std::string cluster_url() {
    std::ifstream in(MPLUS_WEBHOOKS_TEST_POSTGRESQL_URL_FILE);
    std::string url;
    std::getline(in, url);
    REQUIRE_MESSAGE(!url.empty(), "no cluster: run the postgresql.cluster.start fixture");
    return url;
}

/// A table and channel of their own per backend (tests run in parallel on one cluster);
/// open() connects another instance to them. The table is dropped afterwards.
struct PostgresqlBackend {
    static constexpr bool durable = true;
    std::string url = cluster_url();
    st::PostgresqlOptions options;
    PostgresqlBackend() {
        static std::atomic<int> n{0};
        const std::string name =
            "t" + std::to_string(::getpid()) + "_" + std::to_string(n.fetch_add(1));
        options.table = "docs_" + name;
        options.channel = "wake_" + name;
        options.lock_key = 1000000 + ::getpid();
    }
    PostgresqlBackend(const PostgresqlBackend&) = delete;
    PostgresqlBackend& operator=(const PostgresqlBackend&) = delete;
    ~PostgresqlBackend() {
        PGconn* c = PQconnectdb(url.c_str());
        if (PQstatus(c) == CONNECTION_OK) {
            PQclear(PQexec(c, ("DROP TABLE IF EXISTS \"" + options.table + "\"").c_str()));
        }
        PQfinish(c);
    }
    std::unique_ptr<st::Store> open() {
        return std::make_unique<st::PostgresqlStore>(url, options);
    }
};

} // namespace

MPLUS_WEBHOOKS_STATE_SUITE(PostgresqlBackend);

TEST_CASE("postgresql store: a poll held on one instance is woken by a confirmation on another") {
    PostgresqlBackend backend;
    auto a = backend.open();
    auto b = backend.open();
    CHECK(a->notifies_across_processes());
    st::ExternalPaymentOptions o;
    o.poll_budget = milliseconds(10000);
    o.recheck = milliseconds(10000); // only the NOTIFY can wake the poll in time
    st::ExternalPayments on_a(*a, o);
    st::ExternalPayments on_b(*b, o);
    on_a.start(state_suite::payment_request("p1"));
    std::thread device([&] {
        std::this_thread::sleep_for(milliseconds(200));
        CHECK(on_b.progress("p1", "Enter PIN"));
        std::this_thread::sleep_for(milliseconds(200));
        st::Confirmation c;
        c.external_transaction_reference = "B-1";
        CHECK(on_b.confirm("p1", c));
    });
    const auto t0 = Steady::now();
    const auto first = on_a.poll(state_suite::payment_request("p1", true));
    const auto t1 = Steady::now();
    const auto second = on_a.poll(state_suite::payment_request("p1", true));
    const auto t2 = Steady::now();
    device.join();
    CHECK(first.external_payment->message == "Enter PIN");
    CHECK(t1 - t0 >= milliseconds(150));
    CHECK(t1 - t0 < milliseconds(3000));
    CHECK(second.external_payment->confirmed == true);
    CHECK(second.external_payment->external_transaction_reference == "B-1");
    CHECK(t2 - t1 < milliseconds(3000));
}

TEST_CASE("postgresql store: the repeat of a poll held by an instance that died is answered by "
          "another") {
    PostgresqlBackend backend;
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    // The instance that dies is a child process, forked before this process starts any
    // thread of its own in this test.
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(ready[0]);
        int status = 1;
        try {
            auto store = backend.open();
            st::ExternalPaymentOptions o;
            o.poll_budget = milliseconds(30000);
            st::ExternalPayments payments(*store, o);
            payments.start(state_suite::payment_request("p-dies"));
            const char one = '1';
            if (::write(ready[1], &one, 1) == 1) {
                payments.poll(state_suite::payment_request("p-dies", true)); // killed here
            }
        } catch (...) {
            status = 2;
        }
        ::_exit(status);
    }
    ::close(ready[1]);
    char got = 0;
    const bool holding = ::read(ready[0], &got, 1) == 1;
    ::close(ready[0]);
    std::this_thread::sleep_for(milliseconds(300)); // the child holds the poll now
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(holding);
    CHECK(WIFSIGNALED(status));

    auto device_side = backend.open();
    auto survivor = backend.open();
    st::ExternalPaymentOptions o;
    o.poll_budget = milliseconds(5000);
    st::ExternalPayments device(*device_side, o);
    st::ExternalPayments payments(*survivor, o);
    CHECK(payments.find("p-dies")->status == "started");
    CHECK(device.confirm("p-dies"));
    // The till repeats its poll (the dead instance never answered): answered at once.
    const auto t0 = Steady::now();
    const auto reply = payments.poll(state_suite::payment_request("p-dies", true));
    CHECK(Steady::now() - t0 < milliseconds(1000));
    CHECK(reply.external_payment->confirmed == true);
    CHECK(reply.external_payment->external_payment_id == "p-dies");
}

TEST_CASE("postgresql store: transactions of several instances run one at a time") {
    PostgresqlBackend backend;
    std::vector<std::unique_ptr<st::Store>> instances;
    for (int i = 0; i < 3; ++i) instances.push_back(backend.open());
    std::vector<std::thread> pool;
    for (auto& store : instances) {
        for (int t = 0; t < 2; ++t) {
            pool.emplace_back([&store] {
                for (int i = 0; i < 20; ++i) {
                    store->with([](st::Transaction& tx) {
                        const auto v = tx.get("t", "n");
                        tx.put("t", "n", v ? v->get<int>() + 1 : 1);
                    });
                }
            });
        }
    }
    for (auto& th : pool) th.join();
    CHECK(instances[0]->with([](st::Transaction& tx) { return tx.get("t", "n"); }) == 120);
}

TEST_CASE("postgresql store: an unreachable server is a StoreError") {
    CHECK_THROWS_AS(st::PostgresqlStore("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"),
                    st::StoreError);
}
