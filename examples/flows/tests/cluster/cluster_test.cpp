// The demo on many instances: tools/cluster.sh starts PostgreSQL, three demo instances and
// HAProxy on 127.0.0.1; the four flows go through the balancer, spread over the instances, and
// instances are killed with SIGKILL in the middle of a cash payment and a ticket hold.
// SPDX-License-Identifier: MIT
//
// Exit status 77 (ctest: skipped) when haproxy or PostgreSQL's initdb is not installed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "../../../scenarios/demo_flows.hpp"
#include "../../ticketing.hpp"

#include <mplus/webhooks/adapters/httplib.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/simulator.hpp>
#include <mplus/webhooks/state/postgresql_store.hpp>
#include <mplus/webhooks/timestamp.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

namespace {

namespace mw = mplus::webhooks;
using json = nlohmann::json;
using mw::Decimal;
using std::chrono::milliseconds;

constexpr const char* secret = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";
constexpr const char* now_text = "2024-05-01T10:15:00.000+02:00";
constexpr const char* today = "2024-05-01";
constexpr int hold_ttl_seconds = 8;

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

int port_of(const std::string& url) {
    return std::stoi(url.substr(url.rfind(':') + 1));
}

/// The cluster of tools/cluster.sh in `dir`, stopped at destruction.
class Cluster {
public:
    explicit Cluster(std::filesystem::path dir) : dir_(std::move(dir)) {
        setenv("MPLUS_DEMO_SERVER", MPLUS_DEMO_SERVER, 1);
        setenv("MPLUS_CLUSTER_NOW", now_text, 1);
        setenv("MPLUS_CLUSTER_HOLD_TTL", std::to_string(hold_ttl_seconds).c_str(), 1);
        const std::string cmd = "bash '" + std::string(MPLUS_CLUSTER_SCRIPT) + "' start '" +
                                dir_.string() + "' >'" + (dir_ / "start.log").string() + "' 2>&1";
        std::filesystem::create_directories(dir_);
        if (std::system(cmd.c_str()) != 0) {
            const std::string log = read_file(dir_ / "start.log");
            stop();
            throw std::runtime_error("tools/cluster.sh start failed:\n" + log);
        }
        balancer_ = port_of(read_file(dir_ / "url"));
        for (int n = 1; n <= 3; ++n) {
            Instance i;
            i.port = port_of(read_file(dir_ / ("instance-" + std::to_string(n) + ".url")));
            i.pid = static_cast<pid_t>(
                std::stol(read_file(dir_ / ("instance-" + std::to_string(n) + ".pid"))));
            instances_.push_back(i);
        }
    }
    Cluster(const Cluster&) = delete;
    Cluster& operator=(const Cluster&) = delete;
    ~Cluster() { stop(); }

    struct Instance {
        int port = 0;
        pid_t pid = 0;
        bool alive = true;
    };

    int balancer() const { return balancer_; }
    std::vector<Instance>& instances() { return instances_; }
    std::string store_url() const { return read_file(dir_ / "pg" / "url"); }

    /// SIGKILL to instance `n` (0-based).
    void kill_instance(std::size_t n) {
        ::kill(instances_[n].pid, SIGKILL);
        instances_[n].alive = false;
    }

    /// GET /metrics of instance `n`; "" when it does not answer.
    std::string metrics(std::size_t n) const {
        httplib::Client c("127.0.0.1", instances_[n].port);
        c.set_connection_timeout(std::chrono::seconds(2));
        c.set_read_timeout(std::chrono::seconds(5));
        auto res = c.Get("/metrics");
        return res && res->status == 200 ? res->body : std::string();
    }

private:
    void stop() {
        const std::string cmd = "bash '" + std::string(MPLUS_CLUSTER_SCRIPT) + "' stop '" +
                                dir_.string() + "' >/dev/null 2>&1";
        if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "cluster stop failed\n");
    }

    std::filesystem::path dir_;
    int balancer_ = 0;
    std::vector<Instance> instances_;
};

/// The sum of the samples of `metric` in `text` whose labels contain `match`.
double sum_of(const std::string& text, const std::string& metric, const std::string& match = "") {
    double total = 0;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(metric + "{", 0) != 0 && line.rfind(metric + " ", 0) != 0) continue;
        if (!match.empty() && line.find(match) == std::string::npos) continue;
        total += std::stod(line.substr(line.rfind(' ') + 1));
    }
    return total;
}

/// A till's transport through the balancer. A request whose exchange broke (the instance
/// died while it was held: HAProxy answers 502) is sent again, as the POS repeats a poll it
/// got no answer to; `resent` counts those. Each attempt opens a new connection.
mw::PosTransport balancer_transport(int port, std::atomic<int>* resent) {
    mw::adapters::httplib::ClientOptions options;
    options.read_timeout = std::chrono::seconds(60);
    return [port, resent, options](const mw::HttpRequest& r) {
        for (int attempt = 0;; ++attempt) {
            mw::HttpResponse res =
                mw::adapters::httplib::client_transport("127.0.0.1", port, options)(r);
            // Status 0: not delivered, the client's error in the body.
            const bool broken =
                res.status == 0 || res.status == 502 || res.status == 503 || res.status == 504;
            if (broken && attempt < 10) {
                ++*resent;
                std::this_thread::sleep_for(milliseconds(200));
                continue;
            }
            if (res.status == 0) throw std::runtime_error("HTTP request failed: " + res.body);
            return res;
        }
    };
}

mw::SimulatorOptions till(std::uint64_t seed, const char* subscription, std::int64_t branch,
                          std::int64_t workplace) {
    mw::SimulatorOptions o;
    o.secret = secret;
    o.seed = seed;
    o.clock_start = now_text;
    o.subscription_id = subscription;
    o.branch_number = branch;
    o.workplace_number = workplace;
    return o;
}

std::string problems(const mw::FlowResult& r) {
    std::string out;
    for (const auto& p : r.problems) out += p + "\n";
    return out;
}

std::vector<std::string> qr_codes(const std::vector<mw::FooterEntry>& footers) {
    std::vector<std::string> out;
    for (const auto& f : footers) {
        if (f.barcode && f.barcode->code) out.push_back(*f.barcode->code);
    }
    return out;
}

bool has_text(const std::vector<mw::Message>& messages, const std::string& part) {
    for (const auto& m : messages) {
        if (m.message && m.message->find(part) != std::string::npos) return true;
    }
    return false;
}

/// Requests each instance answered, by its /metrics.
std::vector<double> requests_by_instance(Cluster& c, const std::string& match = "") {
    std::vector<double> out;
    for (std::size_t n = 0; n < c.instances().size(); ++n) {
        out.push_back(c.instances()[n].alive
                          ? sum_of(c.metrics(n), "mplus_webhooks_requests_total", match)
                          : 0);
    }
    return out;
}

} // namespace

TEST_CASE("cluster: the flows through HAProxy over three instances on PostgreSQL, SIGKILL in "
          "the middle of a cash payment and a ticket hold, nothing lost or doubled") {
    const auto started = std::chrono::steady_clock::now();
    Cluster cluster(MPLUS_CLUSTER_DIR);
    std::atomic<int> resent{0};
    const mw::PosTransport transport = balancer_transport(cluster.balancer(), &resent);

    // A till that crashes while two seats of the 13:00 slot are held for it.
    mw::PosSimulator crashed(transport, till(900, "shop-crash", 9, 9));
    crashed.start_session();
    REQUIRE(crashed.add_line(236, "Tour Ticket (Child)", Decimal::from_units(750, 2), Decimal(2))
                .dialog() != nullptr);
    REQUIRE(crashed.choose(std::int64_t{13}).ok());
    const auto held_at = std::chrono::steady_clock::now();
    const std::string crashed_session = crashed.session().session_id;

    // The four flows through the balancer, spread over the three instances.
    mw::PosSimulator pos(transport, till(311, "shop-a", 2, 1));
    const mw::FlowResult flows = mw::run_flow(pos, "all");
    CHECK_MESSAGE(flows.success, problems(flows));
    CHECK(flows.flows.size() == 4);
    const std::vector<double> spread = requests_by_instance(cluster, "subscription=\"shop-a\"");
    MESSAGE("requests of the four flows by instance: " << spread[0] << " " << spread[1] << " "
                                                       << spread[2]);
    double total = 0;
    for (double n : spread) {
        CHECK(n >= 5); // round robin: every instance took a share
        total += n;
    }
    for (double n : spread) CHECK(n <= total * 0.6);
    CHECK(cluster.metrics(0).find("branch=\"2\",workplace=\"1\"") != std::string::npos);

    // A cash payment (with a loyalty card: 92.95 earns a voucher); the instance that holds
    // its poll is killed.
    mw::PosSimulator cash(transport, till(312, "shop-a", 2, 2));
    cash.start_session();
    cash.add_line(1001, "Souvenir mug", Decimal::from_units(1295, 2));
    cash.add_line(1201, "Lunch menu", Decimal(20), Decimal(4));
    REQUIRE(cash.scan("LOY0001").ok());
    REQUIRE(cash.start_external_payment("CASH_MACHINE").ok());
    const std::string cash_id = cash.external_payment().external_payment_id;
    std::optional<std::size_t> killed_in_poll;
    for (int round = 0; round < 4 && !killed_in_poll; ++round) {
        std::thread poller([&] { cash.poll_external_payment(); });
        const auto until = std::chrono::steady_clock::now() + milliseconds(1500);
        while (!killed_in_poll && std::chrono::steady_clock::now() < until) {
            for (std::size_t n = 0; n < cluster.instances().size(); ++n) {
                if (!cluster.instances()[n].alive) continue;
                if (sum_of(cluster.metrics(n), "mplus_webhooks_pending_polls") >= 1) {
                    cluster.kill_instance(n);
                    killed_in_poll = n;
                    break;
                }
            }
            std::this_thread::sleep_for(milliseconds(20));
        }
        poller.join();
    }
    REQUIRE(killed_in_poll);
    MESSAGE("killed instance " << *killed_in_poll + 1 << " while it held the poll");
    const mw::ExternalPaymentState paid = cash.await_external_payment();
    REQUIRE(paid.confirmed());
    CHECK(paid.external_payment_id == cash_id);
    REQUIRE(paid.receipt_texts.size() == 1);
    CHECK(paid.receipt_texts[0].text.find("\nAmount: 92.95\nPaid: 95.00\nChange: 2.05") !=
          std::string::npos);
    const mw::PosStep& cash_done = cash.complete_session();
    REQUIRE(cash_done.ok());
    CHECK(qr_codes(cash_done.receipt_footers) == std::vector<std::string>{"VCH0002"});

    // Seats and a voucher held in one sale; the instance that took the seats' hold is killed.
    mw::PosSimulator tickets(transport, till(313, "shop-b", 3, 1));
    tickets.start_session();
    REQUIRE(tickets.add_line(235, "Tour Ticket (Adult)", Decimal::from_units(1250, 2), Decimal(2))
                .dialog() != nullptr);
    const std::vector<double> before = requests_by_instance(cluster, "subscription=\"shop-b\"");
    REQUIRE(tickets.choose(std::int64_t{11}).ok());
    const std::vector<double> after = requests_by_instance(cluster, "subscription=\"shop-b\"");
    std::optional<std::size_t> holder;
    for (std::size_t n = 0; n < after.size(); ++n) {
        if (after[n] > before[n]) holder = n;
    }
    REQUIRE(holder);
    tickets.add_line(1201, "Lunch menu", Decimal(20));
    REQUIRE(tickets.scan("LOY0001").ok());
    const mw::PosStep& voucher = tickets.scan("VCH0002");
    REQUIRE(voucher.ok());
    CHECK(has_text(voucher.messages, "Voucher VCH0002: EUR 5.00 off"));
    cluster.kill_instance(*holder);
    MESSAGE("killed instance " << *holder + 1 << ", which took the hold of the seats");
    const mw::PosStep& sold = tickets.complete_session();
    REQUIRE(sold.ok());
    const std::vector<std::string> ticket_codes = qr_codes(sold.receipt_footers);
    REQUIRE(ticket_codes.size() == 2);
    CHECK(ticket_codes[0].rfind("TKT-20240501-11-", 0) == 0);

    // The voucher was spent once: another sale gets no discount.
    mw::PosSimulator again(transport, till(314, "shop-b", 3, 2));
    again.start_session();
    again.add_line(1201, "Lunch menu", Decimal(20));
    const mw::PosStep& spent = again.scan("VCH0002");
    CHECK(has_text(spent.messages, "already used"));
    again.cancel_session();

    // The crashed till's seats are free again after --hold-ttl, and swept from the store.
    std::this_thread::sleep_until(held_at + std::chrono::seconds(hold_ttl_seconds + 3));
    CHECK(resent.load() >= 1); // the held poll broke with its instance and was repeated

    // Nothing lost or doubled, as the store of all instances shows.
    mw::state::PostgresqlStore store(cluster.store_url());
    store.transact([&](mw::state::Transaction& tx) {
        // Cash: three payments (two of the flows, this one), each final once; every
        // confirmed one was taken exactly once by the machine.
        const auto payments = tx.list("cash_payments");
        CHECK(payments.size() == 3);
        int confirmed = 0;
        for (const auto& [id, doc] : payments) {
            const std::string status = doc.value("status", std::string());
            CHECK((status == "confirmed" || status == "cancelled"));
            const auto job = tx.get("cash_machine", id);
            REQUIRE(job);
            CHECK_FALSE(job->contains("report"));
            if (status == "confirmed") {
                ++confirmed;
                CHECK(job->value("state", std::string()) == "paid");
                CHECK(job->value("seq", 0) == 3);
            }
        }
        CHECK(confirmed == 2);
        const json ours = tx.get("cash_machine", cash_id).value_or(json());
        CHECK(ours.value("inserted", std::string()) == "95");
        CHECK(ours.value("change", std::string()) == "2.05");
        CHECK(tx.list("cash_machine_due").empty());

        // Seats: every ticket counted once in its slot, no hold left behind.
        std::map<std::string, int> tickets_by_slot;
        for (const auto& [id, t] : tx.list("tickets")) {
            const int hour = t.value("hour", 0);
            ++tickets_by_slot[t.value("date", std::string()) + "T" + (hour < 10 ? "0" : "") +
                              std::to_string(hour)];
        }
        std::map<std::string, int> sold_by_slot;
        for (const auto& [slot, s] : tx.list("ticket_slots"))
            sold_by_slot[slot] = s.value("sold", 0);
        CHECK(tickets_by_slot == sold_by_slot);
        std::size_t ours_sold = 0;
        for (const auto& [id, t] : tx.list("tickets")) {
            if (t.value("session", std::string()) == tickets.session().session_id) ++ours_sold;
        }
        CHECK(ours_sold == 2);
        CHECK(tx.list("ticket_holds").empty());
        CHECK(tx.list("ticket_slot_holds").empty());

        // Vouchers: VCH0001 spent by the loyalty flow, VCH0002 by the ticket sale, once each.
        const json v1 = tx.get("loyalty_vouchers", "VCH0001").value_or(json());
        const json v2 = tx.get("loyalty_vouchers", "VCH0002").value_or(json());
        CHECK(v1.value("status", std::string()) == "redeemed");
        CHECK(v2.value("status", std::string()) == "redeemed");
        CHECK(v2.value("redeemedIn", std::string()) == tickets.session().session_id);
        CHECK(tx.list("voucher_holds").empty());
    });
    // The crashed sale's two seats count as free.
    mplus_demo::FlowEnv env{store, [] { return mw::parse_timestamp(now_text)->unix_millis; }, 120};
    mplus_demo::TicketingFlow desk(env);
    const int sold_13 = store.with([](mw::state::Transaction& tx) {
        const auto s = tx.get("ticket_slots", std::string(today) + "T13");
        return s ? s->value("sold", 0) : 0;
    });
    CHECK(desk.seats_left(today, 13) == 20 - sold_13);
    CHECK(crashed_session.size() > 0);

    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    MESSAGE("cluster test took " << seconds << " s");
    CHECK(seconds < 60);
}

int main(int argc, char** argv) {
    bool initdb = false;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
        if (std::filesystem::exists(e.path() / "bin" / "initdb")) initdb = true;
    }
    const bool haproxy = std::system("command -v haproxy >/dev/null 2>&1 || test -x "
                                     "/usr/sbin/haproxy") == 0;
    if (!initdb || !haproxy) {
        std::printf("SKIPPED: the cluster test needs %s (Debian: apt-get install haproxy "
                    "postgresql; tools/deps.sh lists them)\n",
                    !initdb ? "PostgreSQL's initdb" : "haproxy");
        return 77;
    }
    doctest::Context context(argc, argv);
    return context.run();
}
