// Load test: many keep-alive clients send signed requests to a middleware process; prints the
// failures, signature checks, throughput, latency and the server's resident memory over the run.
// SPDX-License-Identifier: MIT
//
//   load_test --server PATH [--demo] [--requests N] [--clients N] [--rss-tolerance PCT]
//             [--launcher "valgrind --leak-check=full ..."] [--require-flat]
//             [--server-arg ARG]...
//
// Starts PATH --port 0 --secret S on 127.0.0.1 (the demo middleware also gets a fresh --data folder
// and a fixed --now), sends N requests in total from N clients (one thread and one keep-alive
// connection of the SDK's cpp-httplib client transport each), verifies the signature of every
// reply, samples VmRSS of the server every 100 ms, and stops the server with SIGTERM. With --demo
// the clients are simulated tills (mplus::webhooks::PosSimulator) selling tickets, scanning loyalty
// cards and unknown codes, completing and cancelling independent sessions; otherwise the requests
// are addSessionLine (1, 5 and 20 lines), scanCode and startSession bodies. Exit status 0 when no
// request failed, every reply signature was valid and the server exited with status 0 after SIGTERM
// (and, with --require-flat, the memory stayed within the tolerance).
#include "bench_support.hpp"
#include "process_stats.hpp"

#include "../tests/support/server_process.hpp"

#include <mplus/webhooks/adapters/httplib.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/signature.hpp>
#include <mplus/webhooks/simulator.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

namespace mw = mplus::webhooks;
using Clock = std::chrono::steady_clock;

constexpr const char* secret_text = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";
/// The demo's fixed clock: just after midnight, so every ticket slot of the day is open.
constexpr const char* demo_now = "2024-05-01T00:15:00.000+02:00";

struct Options {
    std::string server;
    std::vector<std::string> launcher;
    std::vector<std::string> server_args; ///< more arguments of the server (--server-arg)
    bool demo = false;
    std::size_t requests = 20000;
    std::size_t clients = 32;
    double rss_tolerance_pct = 10;
    bool require_flat = false;
};

[[noreturn]] void usage(const char* problem) {
    std::fprintf(stderr,
                 "load_test: %s\nusage: load_test --server PATH [--demo] [--requests N] "
                 "[--clients N] [--rss-tolerance PCT] [--launcher CMD] [--require-flat] "
                 "[--server-arg ARG]...\n",
                 problem);
    std::exit(2);
}

std::vector<std::string> split_words(const std::string& text) {
    std::vector<std::string> out;
    std::string word;
    for (char c : text) {
        if (c == ' ') {
            if (!word.empty()) out.push_back(std::move(word));
            word.clear();
        } else {
            word.push_back(c);
        }
    }
    if (!word.empty()) out.push_back(std::move(word));
    return out;
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--demo") {
            o.demo = true;
            continue;
        }
        if (arg == "--require-flat") {
            o.require_flat = true;
            continue;
        }
        if (i + 1 >= argc) usage(("missing value after " + std::string(arg)).c_str());
        const std::string value = argv[++i];
        if (arg == "--server") {
            o.server = value;
        } else if (arg == "--server-arg") {
            o.server_args.push_back(value);
        } else if (arg == "--launcher") {
            o.launcher = split_words(value);
        } else if (arg == "--requests") {
            o.requests = std::strtoul(value.c_str(), nullptr, 10);
        } else if (arg == "--clients") {
            o.clients = std::strtoul(value.c_str(), nullptr, 10);
        } else if (arg == "--rss-tolerance") {
            o.rss_tolerance_pct = std::strtod(value.c_str(), nullptr);
        } else {
            usage(("unknown option " + std::string(arg)).c_str());
        }
    }
    if (o.server.empty()) usage("--server is required");
    if (o.requests == 0 || o.clients == 0) usage("--requests and --clients must be positive");
    return o;
}

/// The command line of the server under test (after the launcher, valgrind, if any).
std::vector<std::string> server_command(const Options& o, const std::string& data_dir) {
    std::vector<std::string> args = o.launcher;
    args.insert(args.end(), {o.server, "--port", "0", "--secret", secret_text});
    if (o.demo) args.insert(args.end(), {"--data", data_dir, "--now", demo_now});
    args.insert(args.end(), o.server_args.begin(), o.server_args.end());
    return args;
}

/// Counters shared by every client.
struct Totals {
    std::atomic<std::size_t> claimed{0}; ///< request slots taken (the budget)
    std::atomic<std::size_t> done{0};    ///< requests answered or failed
    std::atomic<std::size_t> non_200{0};
    std::atomic<std::size_t> transport_errors{0};
    std::atomic<std::size_t> signature_failures{0};
    std::atomic<std::size_t> flow_problems{0}; ///< demo: steps the simulated POS found wrong
    std::mutex mutex;
    std::vector<std::string> first_problems;

    void note(std::string what) {
        std::lock_guard<std::mutex> lock(mutex);
        if (first_problems.size() < 10) first_problems.push_back(std::move(what));
    }
};

/// Thrown by a client's transport when the request budget is spent: not a failure. (The
/// simulator catches what its transport throws, so the demo clients also check spent().)
struct BudgetSpent {};

/// The options of every client's connection: keep-alive (the adapter's transport keeps one
/// connection open), no Nagle delay, and room for a held poll.
mw::adapters::httplib::ClientOptions client_options() {
    mw::adapters::httplib::ClientOptions o;
    o.connect_timeout = std::chrono::seconds(10);
    o.read_timeout = std::chrono::seconds(60);
    o.tcp_nodelay = true;
    return o;
}

/// One keep-alive connection: sends a signed request, times it, checks status and signature.
class Client {
public:
    Client(int port, Totals& totals, const mw::Secret& secret)
        : http_(mw::adapters::httplib::client_transport("127.0.0.1", port, client_options())),
          totals_(totals), secret_(secret) {
        latencies_us_.reserve(4096);
    }

    /// Sends `r` (headers and body as given); the response, or nullopt on a transport error.
    /// Throws BudgetSpent when every request of the run has been sent.
    std::optional<mw::HttpResponse> send(const mw::HttpRequest& r) {
        if (totals_.claimed.fetch_add(1) >= budget_) throw BudgetSpent{};
        const auto start = Clock::now();
        mw::HttpResponse out = http_(r);
        latencies_us_.push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - start).count());
        ++totals_.done;
        if (out.status == 0) { // not delivered: the transport's error is in the body
            ++totals_.transport_errors;
            totals_.note(r.path + ": transport error " + out.body);
            return std::nullopt;
        }
        if (out.status != 200) {
            ++totals_.non_200;
            totals_.note(r.path + ": HTTP " + std::to_string(out.status) + " " + out.body);
        }
        if (!secret_.verify(out.body, out.header("X-Mplus-Signature"))) {
            ++totals_.signature_failures;
            totals_.note(r.path + ": reply signature invalid");
        }
        return out;
    }

    void set_budget(std::size_t budget) noexcept { budget_ = budget; }
    bool spent() const noexcept { return totals_.claimed.load() >= budget_; }
    std::vector<double>& latencies() noexcept { return latencies_us_; }

private:
    mw::PosTransport http_; ///< the adapter's client transport over one connection
    Totals& totals_;
    const mw::Secret& secret_;
    std::size_t budget_ = 0;
    std::vector<double> latencies_us_;
};

/// The requests of the plain example middleware: signed once, sent round-robin.
std::vector<mw::HttpRequest> example_requests(const mw::Secret& secret) {
    std::vector<std::pair<std::string, std::string>> bodies = {
        {"addSessionLine", bench::make_payload(1)},
        {"addSessionLine", bench::make_payload(10)},
        {"addSessionLine", bench::make_payload(20)},
        {"scanCode",
         R"({"event":{"eventBlocking":true,"eventCounter":7},"sender":{"branchNumber":1},)"
         R"("session":{"sessionId":"s-1","lines":[]},)"
         R"("scanCode":{"scannedCode":"HELLO-4711","codeType":"barcode"}})"},
        {"scanCode",
         R"({"event":{"eventBlocking":true,"eventCounter":8},"sender":{"branchNumber":1},)"
         R"("session":{"sessionId":"s-1","lines":[]},)"
         R"("scanCode":{"scannedCode":"8710398503968","codeType":"barcode"}})"},
        {"startSession", R"({"event":{"eventBlocking":false,"eventCounter":9},"sender":{},)"
                         R"("session":{"sessionId":"s-2","lines":[]}})"},
    };
    std::vector<mw::HttpRequest> out;
    for (auto& [event, body] : bodies) {
        mw::HttpRequest r;
        r.method = "POST";
        r.path = "/webhooks/" + event;
        r.headers.push_back({"Content-Type", "application/json"});
        r.headers.push_back({"X-Mplus-Subscription-Id", "load"});
        r.headers.push_back({"X-Mplus-Signature", secret.sign(body)});
        r.body = std::move(body);
        out.push_back(std::move(r));
    }
    return out;
}

void run_example_client(Client& client, const std::vector<mw::HttpRequest>& requests,
                        std::size_t offset) {
    try {
        for (std::size_t i = offset;; ++i) client.send(requests[i % requests.size()]);
    } catch (const BudgetSpent&) {}
}

/// The loyalty card of client `index`: `LOY1001`, `LOY1002`, ...
std::string bench_card(std::size_t index) {
    return "LOY" + std::to_string(1001 + index);
}

/// A simulated till selling at the demo middleware: independent sessions, a mix of ticket
/// sales (seats held, then sold or released), loyalty cards (points, vouchers) and unknown codes.
void run_demo_client(Client& client, std::size_t index, Totals& totals) {
    std::mt19937_64 random(index + 1);
    const mw::PosTransport transport = [&client](const mw::HttpRequest& r) {
        std::optional<mw::HttpResponse> res = client.send(r);
        if (!res) throw std::runtime_error("transport error");
        return std::move(*res);
    };
    const std::string card = bench_card(index);
    try {
        for (std::uint64_t session = 0;; ++session) {
            mw::SimulatorOptions o;
            o.secret = secret_text;
            o.seed = (index + 1) * 1000003u + session;
            o.clock_start = demo_now;
            mw::PosSimulator pos(transport, o);
            std::vector<const mw::PosStep*> steps;
            // The cashier takes the first option of every dialog (a ticket slot, a voucher to
            // use), or closes it when none can be chosen.
            const auto act = [&](mw::PosStep& step) {
                steps.push_back(&step);
                for (int round = 0; round < 10 && pos.open_dialog() != nullptr; ++round) {
                    const mw::Dialog* d = pos.open_dialog();
                    std::optional<std::int64_t> pick;
                    for (const auto& option : d->dialog_options) {
                        if (!option.disabled.value_or(false)) {
                            pick = option.option_id;
                            break;
                        }
                    }
                    if (!pick) {
                        steps.push_back(&pos.dismiss_dialog());
                        break;
                    }
                    steps.push_back(&pos.choose(*pick));
                }
            };
            const auto ticket = [&](std::int64_t article, std::int64_t seats) {
                act(pos.add_line(article,
                                 article == 235 ? "Tour Ticket (Adult)" : "Tour Ticket (Child)",
                                 article == 235 ? mw::Decimal::from_units(1250, 2)
                                                : mw::Decimal::from_units(750, 2),
                                 mw::Decimal(seats)));
            };
            act(pos.start_session());
            switch (random() % 4) {
            case 0: // a ticket sale to a loyalty customer
                ticket(235, static_cast<std::int64_t>(1 + random() % 2));
                act(pos.scan(card));
                act(pos.add_line(1201, "Lunch menu", mw::Decimal(20)));
                act(pos.complete_session());
                break;
            case 1: // seats held, then the customer changes their mind
                ticket(236, 1);
                act(pos.scan("UNKNOWN-" + std::to_string(random() % 100000)));
                act(pos.cancel_session());
                break;
            case 2: // codes nobody knows, an ordinary sale
                act(pos.scan("8710398" + std::to_string(100000 + random() % 900000)));
                act(pos.scan("UNKNOWN-" + std::to_string(random() % 100000)));
                act(pos.add_line(1001, "Souvenir mug", mw::Decimal::from_units(1295, 2)));
                act(pos.complete_session());
                break;
            default: // a big loyalty sale: points become a voucher
                act(pos.scan(card));
                act(pos.add_line(1300, "Family dinner", mw::Decimal(120)));
                act(pos.complete_session());
                break;
            }
            const bool cut_short = client.spent();
            for (const mw::PosStep* s : steps) {
                // A step cut short by the end of the budget is not the middleware's problem;
                // real transport errors are counted by the Client.
                if (s->ok() || s->status == mw::PosStepStatus::transport_failure) continue;
                if (cut_short && s->status == mw::PosStepStatus::refused) continue;
                ++totals.flow_problems;
                totals.note(s->event + ": " + std::string(mw::to_string(s->status)) +
                            (s->failures.empty() ? std::string() : ": " + s->failures.front()));
            }
            if (cut_short) return;
        }
    } catch (const BudgetSpent&) {}
}

} // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    std::signal(SIGPIPE, SIG_IGN);
    const mw::Secret secret = *mw::Secret::from_text(secret_text);

    const test_support::TempDir data_dir("mplus-load-");

    int exit_code = 0;
    try {
        // Under valgrind the server takes much longer to start.
        test_support::ServerProcess server(server_command(o, data_dir.str()), 0,
                                           std::chrono::seconds(120));
        Totals totals;
        const std::vector<mw::HttpRequest> plain = example_requests(secret);

        // Memory: sampled every 100 ms while the clients run, with the requests done so far.
        struct Sample {
            std::size_t done;
            long kib;
        };
        std::vector<Sample> samples;
        std::atomic<bool> running{true};
        std::thread sampler([&] {
            while (running.load()) {
                samples.push_back({totals.done.load(), bench::rss_kib(server.pid())});
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        });

        std::vector<std::unique_ptr<Client>> clients;
        for (std::size_t i = 0; i < o.clients; ++i) {
            clients.push_back(std::make_unique<Client>(server.port(), totals, secret));
            clients.back()->set_budget(o.requests);
        }
        const auto start = Clock::now();
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < o.clients; ++i) {
            threads.emplace_back([&, i] {
                if (o.demo) {
                    run_demo_client(*clients[i], i, totals);
                } else {
                    run_example_client(*clients[i], plain, i);
                }
            });
        }
        for (std::thread& t : threads) t.join();
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        running = false;
        sampler.join();
        samples.push_back({totals.done.load(), bench::rss_kib(server.pid())});
        const int status = server.stop(SIGTERM);

        std::vector<double> latencies;
        for (auto& c : clients) {
            latencies.insert(latencies.end(), c->latencies().begin(), c->latencies().end());
        }
        std::sort(latencies.begin(), latencies.end());
        const auto at = [&](double q) {
            if (latencies.empty()) return 0.0;
            const auto i = static_cast<std::size_t>(q * static_cast<double>(latencies.size() - 1));
            return latencies[i] / 1000.0;
        };

        // After warm-up: once a tenth of the requests is done.
        const std::size_t warm = o.requests / 10;
        long first = 0, last = 0, max = 0;
        for (const Sample& s : samples) {
            if (s.done < warm || s.kib == 0) continue;
            if (first == 0) first = s.kib;
            last = s.kib;
            max = std::max(max, s.kib);
        }
        const double growth_pct =
            first > 0 ? 100.0 * static_cast<double>(last - first) / static_cast<double>(first) : 0;
        const bool flat = first > 0 && growth_pct <= o.rss_tolerance_pct;

        const std::size_t failed = totals.non_200 + totals.transport_errors;
        std::printf("server              %s%s\n",
                    std::filesystem::path(o.server).filename().c_str(),
                    o.launcher.empty() ? "" : (" under " + o.launcher.front()).c_str());
        std::printf("requests            %zu (%zu clients, keep-alive)\n", totals.done.load(),
                    o.clients);
        std::printf("failed              %zu (non-200: %zu, transport errors: %zu)\n", failed,
                    totals.non_200.load(), totals.transport_errors.load());
        std::printf("signature failures  %zu (every reply verified)\n",
                    totals.signature_failures.load());
        if (o.demo) std::printf("flow problems       %zu\n", totals.flow_problems.load());
        std::printf("throughput          %.0f req/s (%.2f s)\n",
                    static_cast<double>(totals.done.load()) / seconds, seconds);
        std::printf("latency             median %.2f ms, p99 %.2f ms, max %.2f ms\n", at(0.5),
                    at(0.99), at(1.0));
        std::printf("server RSS (KiB)    after warm-up %ld, last %ld, max %ld (%zu samples); "
                    "last %+.1f%%: %s (tolerance %.0f%%)\n",
                    first, last, max, samples.size(), growth_pct, flat ? "flat" : "NOT flat",
                    o.rss_tolerance_pct);
        // The trend: the last sample of each tenth of the run.
        std::string trend;
        for (std::size_t tenth = 1; tenth <= 10; ++tenth) {
            long kib = 0;
            for (const Sample& s : samples) {
                if (s.done <= o.requests * tenth / 10 && s.kib != 0) kib = s.kib;
            }
            trend += (tenth == 1 ? "" : " ") + std::to_string(kib);
        }
        std::printf("server RSS by tenth %s\n", trend.c_str());
        const bool clean_exit = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        std::printf("server exit         %s after SIGTERM\n",
                    clean_exit          ? "status 0"
                    : WIFEXITED(status) ? ("status " + std::to_string(WEXITSTATUS(status))).c_str()
                                        : ("signal " + std::to_string(WTERMSIG(status))).c_str());
        for (const std::string& p : totals.first_problems)
            std::printf("  problem: %s\n", p.c_str());

        if (failed != 0 || totals.signature_failures != 0 || totals.flow_problems != 0 ||
            totals.done.load() != o.requests || !clean_exit || (o.require_flat && !flat)) {
            exit_code = 1;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "load_test: %s\n", e.what());
        exit_code = 1;
    }
    std::fflush(stdout);
    return exit_code;
}
