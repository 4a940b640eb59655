// Long polls at scale: one Beast server holds N pending pollExternalPayment requests; prints the
// resident memory per held poll and the latency from each device answer to its poll's reply.
// SPDX-License-Identifier: MIT
//
//   long_polls [--polls N] [--rate R] [--threads T] [--budget-ms B] [--timeout-s S]
//              [--adapter beast|httplib] [--require-targets]
//
// The program forks before it starts a thread: the parent is the middleware (a Dispatcher on
// the Beast adapter, ExternalPayments on a MemoryStore, an asynchronous pollExternalPayment
// handler calling poll_async), the child is the tills (one Asio thread, N keep-alive
// connections over loopback), so that the parent's resident memory is the server's alone.
//
//   1. idle:     N payments started, each with one device message; the server listens. VmRSS.
//   2. answered: every till connects and polls once; each poll is answered at once with the
//                device message (the baseline: the same N requests, nothing held). VmRSS.
//   3. held:     every till polls again on its connection; nothing new, so each poll is held
//                (ExternalPayments::held_polls() reaches N). VmRSS.
//   4. answers:  the "device" confirms every payment, all at once (or R per second with
//                --rate); the till side stamps each reply as it arrives and then checks that
//                every reply is a signed "confirmed" for its own payment.
//
// Memory per held poll: (held - idle) / N, connections included, and (held - answered) / N,
// the hold alone. Latency: reply received - confirm() called, per payment (steady clock,
// which both processes share), median, p99 and maximum. --rate R (default 2000) paces the
// device's answers at R per second, as devices that answer independently; --rate 0 answers
// all at once (a burst). --adapter httplib serves on the cpp-httplib adapter instead (one
// worker thread per held poll; max_connections is raised to N), to find how many it holds. Targets:
// at most 16 KiB per held poll, p99 under 50 ms. The CPU time of phase 4 (the server's, from
// the first confirm() to the last reply; the tills', receiving) is printed per answered poll,
// with the time all replies need at least when it is spread over every core: a burst whose
// replies need more CPU than the target's 50 ms on this machine cannot meet it. Exit status 0 when
// every poll was held and every reply checked out (and, with --require-targets, both targets were
// met); 1 otherwise; 2 for bad options.
#include "process_stats.hpp"

#include <mplus/webhooks.hpp>
#include <mplus/webhooks/adapters/beast.hpp>
#include <mplus/webhooks/adapters/httplib.hpp>
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/state/external_payment.hpp>
#include <mplus/webhooks/state/store.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <poll.h>
#include <sstream>
#include <string>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

namespace mw = mplus::webhooks;
namespace st = mplus::webhooks::state;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using Steady = std::chrono::steady_clock;

constexpr const char* secret_text = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";
constexpr const char* device_message = "Insert the card";

struct Options {
    std::size_t polls = 10000;
    double rate = 2000;   ///< device answers per second; 0: all at once
    bool httplib = false; ///< serve on the cpp-httplib adapter instead of Beast
    std::size_t threads = 1;
    long budget_ms = 50000;
    long timeout_s = 120;
    bool require_targets = false;
};

[[noreturn]] void usage(const char* problem) {
    std::fprintf(stderr,
                 "long_polls: %s\nusage: long_polls [--polls N] [--rate R] [--threads T] "
                 "[--budget-ms B] [--timeout-s S] [--adapter beast|httplib] [--require-targets]\n",
                 problem);
    std::exit(2);
}

Options parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--require-targets") {
            o.require_targets = true;
            continue;
        }
        if (i + 1 >= argc) usage(("missing value of " + arg).c_str());
        const std::string value = argv[++i];
        if (arg == "--adapter") {
            if (value != "beast" && value != "httplib") usage("--adapter is beast or httplib");
            o.httplib = value == "httplib";
            continue;
        }
        char* end = nullptr;
        const double number = std::strtod(value.c_str(), &end);
        if (end == value.c_str() || *end != '\0' || number < 0) {
            usage(("bad value of " + arg).c_str());
        }
        if (arg == "--polls") {
            o.polls = static_cast<std::size_t>(number);
        } else if (arg == "--rate") {
            o.rate = number;
        } else if (arg == "--threads") {
            o.threads = std::max<std::size_t>(1, static_cast<std::size_t>(number));
        } else if (arg == "--budget-ms") {
            o.budget_ms = static_cast<long>(number);
        } else if (arg == "--timeout-s") {
            o.timeout_s = static_cast<long>(number);
        } else {
            usage(("unknown option " + arg).c_str());
        }
    }
    if (o.polls == 0) usage("--polls must be at least 1");
    return o;
}

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch())
        .count();
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

std::string payment_id(std::size_t i) {
    return "lp-" + std::to_string(i);
}

/// One line through a pipe, or "" after `timeout` or at end of file.
std::string read_line(int fd, std::chrono::seconds timeout) {
    std::string line;
    const auto deadline = Steady::now() + timeout;
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
        if (left.count() <= 0) return "";
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return "";
        char c = 0;
        const ssize_t n = ::read(fd, &c, 1);
        if (n <= 0) return "";
        if (c == '\n') return line;
        line.push_back(c);
    }
}

void write_line(int fd, const std::string& line) {
    const std::string text = line + "\n";
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

/// The signed HTTP request text of a pollExternalPayment for payment `i`.
std::string poll_request(const mw::Secret& secret, std::size_t i, std::int64_t counter) {
    const nlohmann::json body = {
        {"event",
         {{"eventBlocking", true},
          {"eventPolling", true},
          {"eventCounter", counter},
          {"eventTimestamp", "2024-05-01T12:00:00.000+02:00"}}},
        {"sender",
         {{"branchNumber", 1},
          {"workplaceNumber", 1 + i % 50},
          {"instanceId", "till-" + std::to_string(i)}}},
        {"externalPayment",
         {{"externalPaymentId", payment_id(i)}, {"amount", 12.95}, {"method", "PIN"}}}};
    const std::string text = body.dump();
    std::string out = "POST /webhooks/pollExternalPayment HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/json\r\nX-Mplus-Signature: ";
    out += secret.sign(text);
    out += "\r\nContent-Length: " + std::to_string(text.size()) + "\r\n\r\n";
    out += text;
    return out;
}

// --- The tills (child process) ------------------------------------------------------------------

/// What the tills measured, in the shared mapping.
struct Shared {
    std::int64_t* answered_ns = nullptr; ///< the device's confirm() of payment i (server)
    std::int64_t* replied_ns = nullptr;  ///< the held poll's reply received (tills)
    std::int64_t* baseline_ns = nullptr; ///< send to reply of the answered-at-once poll
};

class Tills {
public:
    Tills(const Options& options, Shared shared, unsigned short port)
        : options_(options), shared_(shared),
          endpoint_(boost::asio::ip::make_address("127.0.0.1"), port),
          secret_(*mw::Secret::from_text(secret_text)) {
        conns_.reserve(options.polls);
        for (std::size_t i = 0; i < options.polls; ++i) {
            conns_.push_back(std::make_unique<Conn>(io_, i));
        }
    }

    /// Phase 2: connect every till (at most 256 connecting at once) and poll once.
    bool answered_at_once() {
        done_ = 0;
        failed_ = 0;
        next_ = 0;
        for (std::size_t k = 0; k < std::min<std::size_t>(256, conns_.size()); ++k) connect_next();
        return run_until_done() && failed_ == 0;
    }

    /// CPU time spent receiving the held polls' replies (phase 4, before the checks).
    double receive_cpu_s() const { return receive_cpu_s_; }

    /// The requests of the last phase that got their reply, and those that failed.
    std::string counts() const { return std::to_string(done_) + " " + std::to_string(failed_); }

    /// Phase 3: every till polls again; returns once the requests are written.
    bool send_held() {
        done_ = 0;
        failed_ = 0;
        written_ = 0;
        for (auto& c : conns_) send(*c, 2, true);
        io_.restart();
        const auto deadline = Steady::now() + std::chrono::seconds(options_.timeout_s);
        while (written_ + failed_ < conns_.size() && Steady::now() < deadline) {
            io_.run_for(std::chrono::milliseconds(50));
        }
        return failed_ == 0 && written_ == conns_.size();
    }

    /// Phase 4: waits for every held poll's reply, then checks them all.
    std::pair<std::size_t, std::size_t> replies() {
        const double cpu_before = bench::cpu_seconds();
        run_until_done();
        receive_cpu_s_ = bench::cpu_seconds() - cpu_before;
        std::size_t good = 0;
        for (auto& c : conns_) {
            if (!c->reply) continue;
            const auto& res = c->reply->get();
            const auto sig = res.find("X-Mplus-Signature");
            if (res.result_int() != 200 || sig == res.end() ||
                !secret_.verify(res.body(),
                                std::string_view(sig->value().data(), sig->value().size()))) {
                continue;
            }
            const nlohmann::json j = nlohmann::json::parse(res.body(), nullptr, false);
            const auto ep = j.find("externalPayment");
            if (ep == j.end() || !ep->is_object()) continue;
            if (ep->value("externalPaymentId", "") != payment_id(c->index)) continue;
            if (!ep->value("confirmed", false)) continue;
            ++good;
        }
        return {good, conns_.size() - good};
    }

private:
    struct Conn {
        Conn(boost::asio::io_context& io, std::size_t i) : socket(io), index(i) {}
        tcp::socket socket;
        boost::beast::flat_buffer buffer;
        std::string out;
        std::optional<http::response_parser<http::string_body>> reply;
        std::size_t index;
        std::int64_t sent_ns = 0;
    };

    bool run_until_done() {
        io_.restart();
        const auto deadline = Steady::now() + std::chrono::seconds(options_.timeout_s);
        while (done_ + failed_ < conns_.size() && Steady::now() < deadline) {
            io_.run_for(std::chrono::milliseconds(50));
        }
        return done_ + failed_ == conns_.size();
    }

    void connect_next() {
        if (next_ >= conns_.size()) return;
        Conn& c = *conns_[next_++];
        c.socket.async_connect(endpoint_, [this, &c](boost::system::error_code ec) {
            if (ec) {
                ++failed_;
                connect_next();
                return;
            }
            boost::system::error_code ignored;
            c.socket.set_option(tcp::no_delay(true), ignored);
            send(c, 1, false);
        });
    }

    void send(Conn& c, std::int64_t counter, bool held) {
        c.out = poll_request(secret_, c.index, counter);
        c.sent_ns = now_ns();
        boost::asio::async_write(c.socket, boost::asio::buffer(c.out),
                                 [this, &c, held](boost::system::error_code ec, std::size_t) {
                                     std::string().swap(c.out);
                                     if (ec) {
                                         ++failed_;
                                         if (!held) connect_next();
                                         return;
                                     }
                                     ++written_;
                                     read(c, held);
                                 });
    }

    void read(Conn& c, bool held) {
        c.reply.emplace();
        http::async_read(c.socket, c.buffer, *c.reply,
                         [this, &c, held](boost::system::error_code ec, std::size_t) {
                             const std::int64_t t = now_ns();
                             if (ec) {
                                 ++failed_;
                                 if (!held) connect_next();
                                 return;
                             }
                             if (held) {
                                 shared_.replied_ns[c.index] = t;
                             } else {
                                 shared_.baseline_ns[c.index] = t - c.sent_ns;
                                 if (c.reply->get().result_int() != 200)
                                     ++failed_;
                                 else
                                     ++done_;
                                 c.reply.reset();
                                 connect_next();
                                 return;
                             }
                             ++done_;
                         });
    }

    const Options& options_;
    Shared shared_;
    boost::asio::io_context io_;
    tcp::endpoint endpoint_;
    mw::Secret secret_;
    std::vector<std::unique_ptr<Conn>> conns_;
    double receive_cpu_s_ = 0;
    std::size_t next_ = 0;
    std::size_t done_ = 0;
    std::size_t failed_ = 0;
    std::size_t written_ = 0;
};

int run_tills(const Options& options, Shared shared, int in, int out) {
    const std::string hello = read_line(in, std::chrono::seconds(options.timeout_s));
    if (hello.rfind("port ", 0) != 0) return 1;
    const auto port = static_cast<unsigned short>(std::strtoul(hello.c_str() + 5, nullptr, 10));
    Tills tills(options, shared, port);
    write_line(out, tills.answered_at_once() ? "answered" : "failed " + tills.counts());
    if (read_line(in, std::chrono::seconds(options.timeout_s)) != "hold") return 1;
    write_line(out, tills.send_held() ? "sent" : "failed");
    const auto [good, bad] = tills.replies();
    write_line(out, "replies " + std::to_string(good) + " " + std::to_string(bad) + " " +
                        std::to_string(tills.receive_cpu_s()));
    return bad == 0 ? 0 : 1;
}

// --- The middleware (parent process) ------------------------------------------------------------

struct Figures {
    double median = 0, p99 = 0, max = 0;
};

Figures figures_ms(std::vector<std::int64_t> ns) {
    Figures f;
    if (ns.empty()) return f;
    std::sort(ns.begin(), ns.end());
    const auto at = [&](double q) {
        const auto k = static_cast<std::size_t>(q * static_cast<double>(ns.size()) + 0.999999);
        return static_cast<double>(ns[std::min(ns.size(), std::max<std::size_t>(k, 1)) - 1]) / 1e6;
    };
    f.median = at(0.5);
    f.p99 = at(0.99);
    f.max = static_cast<double>(ns.back()) / 1e6;
    return f;
}

bool raise_open_files(std::size_t polls) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
    const rlim_t want = static_cast<rlim_t>(polls) + 256;
    if (limit.rlim_cur >= want) return true;
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < want) {
        std::fprintf(stderr, "long_polls: %zu polls need %llu open files, the hard limit is %llu\n",
                     polls, static_cast<unsigned long long>(want),
                     static_cast<unsigned long long>(limit.rlim_max));
        return false;
    }
    limit.rlim_cur = want;
    return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

/// Set once the tills' process has been waited for (its id may then be reused).
bool tills_reaped = false;

int run_middleware(const Options& options, Shared shared, pid_t tills, int in, int out) {
    const std::size_t n = options.polls;
    const auto timeout = std::chrono::seconds(options.timeout_s);
    st::MemoryStore store;
    st::ExternalPaymentOptions payment_options;
    payment_options.poll_budget = std::chrono::milliseconds(options.budget_ms);
    st::ExternalPayments payments(store, payment_options);

    mw::DispatcherConfig config;
    config.secrets = mw::KeyRing({*mw::Secret::from_text(secret_text)});
    mw::Dispatcher dispatcher(std::move(config));
    dispatcher.on_async<mw::events::PollExternalPayment>(
        [&payments](const mw::ExternalPaymentRequest& r, mw::Responder responder) {
            payments.poll_async(r, std::move(responder));
        });

    for (std::size_t i = 0; i < n; ++i) {
        mw::ExternalPaymentRequest r;
        r.external_payment.external_payment_id = payment_id(i);
        r.external_payment.amount = *mw::Decimal::parse("12.95");
        r.external_payment.method = "PIN";
        payments.start(r);
        payments.progress(payment_id(i), device_message);
    }

    // The tills keep their connections between the two polls; the bench decides when to stop.
    std::unique_ptr<mw::adapters::beast::Server> beast;
    std::unique_ptr<mw::adapters::httplib::Server> httplib;
    std::thread httplib_thread;
    unsigned short port = 0;
    if (options.httplib) {
        mw::adapters::httplib::ServerOptions server_options;
        server_options.max_connections = n + 16;
        server_options.keep_alive_timeout = std::chrono::seconds(options.timeout_s);
        server_options.read_timeout = std::chrono::seconds(options.timeout_s);
        server_options.request_timeout = std::chrono::seconds(options.timeout_s);
        httplib = std::make_unique<mw::adapters::httplib::Server>(dispatcher, server_options);
        const int bound = httplib->bind("127.0.0.1", 0);
        if (bound <= 0) return 1;
        port = static_cast<unsigned short>(bound);
        httplib_thread = std::thread([&] { httplib->listen_after_bind(); });
    } else {
        mw::adapters::beast::ServerOptions server_options;
        server_options.threads = options.threads;
        server_options.request_timeout = std::chrono::seconds(options.timeout_s);
        beast = std::make_unique<mw::adapters::beast::Server>(dispatcher, server_options);
        port = beast->listen("127.0.0.1", 0);
        beast->start();
    }
    const auto stop_server = [&] {
        if (beast) beast->stop();
        if (httplib) httplib->stop();
        if (httplib_thread.joinable()) httplib_thread.join();
    };
    struct StopAtExit {
        std::function<void()> stop;
        ~StopAtExit() { stop(); }
    } stop_at_exit{stop_server};
    std::this_thread::sleep_for(std::chrono::milliseconds(300));

    int status = 0;
    const long rss_idle = bench::rss_kib();
    write_line(out, "port " + std::to_string(port));
    const auto t_b = Steady::now();
    if (const std::string line = read_line(in, timeout); line != "answered") {
        std::fprintf(stderr,
                     "long_polls: the answered-at-once polls failed (answered, failed: %s)\n",
                     line.empty() ? "timeout" : line.c_str() + 6);
        return 1;
    }
    const double b_s = std::chrono::duration<double>(Steady::now() - t_b).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const long rss_answered = bench::rss_kib();

    write_line(out, "hold");
    if (read_line(in, timeout) != "sent") {
        std::fprintf(stderr, "long_polls: the held polls could not be sent\n");
        return 1;
    }
    const auto held_deadline = Steady::now() + timeout;
    while (payments.held_polls() < n && Steady::now() < held_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const std::size_t held = payments.held_polls();
    const long rss_held = bench::rss_kib();
    if (held != n) status = 1;

    // The device answers: all at once, or `rate` per second.
    const double server_cpu_before = bench::cpu_seconds();
    const auto t_d = Steady::now();
    for (std::size_t i = 0; i < n; ++i) {
        if (options.rate > 0) {
            std::this_thread::sleep_until(
                t_d + std::chrono::duration_cast<Steady::duration>(
                          std::chrono::duration<double>(static_cast<double>(i) / options.rate)));
        }
        shared.answered_ns[i] = now_ns();
        payments.confirm(payment_id(i), {});
    }
    const double d_s = std::chrono::duration<double>(Steady::now() - t_d).count();
    const std::string replies = read_line(in, timeout);
    const double server_cpu_s = bench::cpu_seconds() - server_cpu_before;
    std::size_t good = 0, bad = n;
    double tills_cpu_s = 0;
    if (std::sscanf(replies.c_str(), "replies %zu %zu %lf", &good, &bad, &tills_cpu_s) != 3) {
        status = 1;
    }
    if (bad != 0 || good != n) status = 1;

    int child = 0;
    ::waitpid(tills, &child, 0);
    tills_reaped = true;
    if (!WIFEXITED(child) || WEXITSTATUS(child) != 0) status = 1;
    stop_server();

    std::vector<std::int64_t> latency, baseline;
    for (std::size_t i = 0; i < n; ++i) {
        if (shared.replied_ns[i] != 0)
            latency.push_back(shared.replied_ns[i] - shared.answered_ns[i]);
        if (shared.baseline_ns[i] != 0) baseline.push_back(shared.baseline_ns[i]);
    }
    const Figures lat = figures_ms(latency);
    const Figures base = figures_ms(baseline);
    const double per_poll = static_cast<double>(rss_held - rss_idle) / static_cast<double>(n);
    const double per_hold = static_cast<double>(rss_held - rss_answered) / static_cast<double>(n);
    const bool memory_met = per_poll <= 16.0;
    const bool latency_met = lat.p99 < 50.0 && latency.size() == n;

    const std::string adapter =
        options.httplib ? "cpp-httplib adapter (a worker thread per connection)"
                        : "Beast adapter (" + std::to_string(options.threads) +
                              " event-loop thread" + (options.threads == 1 ? ")" : "s)");
    std::printf("long_polls: %zu polls, %s, ExternalPayments::poll_async on MemoryStore, device "
                "answers %s\n",
                n, adapter.c_str(),
                options.rate > 0
                    ? (std::to_string(static_cast<long>(options.rate)) + " per second").c_str()
                    : "all at once");
    std::printf("load average (1, 5, 15 min) at the end: %s\n", load_average().c_str());
    std::printf("held at once:                 %zu of %zu\n", held, n);
    std::printf("server VmRSS idle:            %ld KiB (payments started, no connection)\n",
                rss_idle);
    std::printf(
        "server VmRSS answered:        %ld KiB (%zu connections open, polls answered at once)\n",
        rss_answered, n);
    std::printf("server VmRSS held:            %ld KiB\n", rss_held);
    std::printf("memory per held poll:         %.2f KiB with its connection ((held - idle) / N), "
                "%.2f KiB the hold alone ((held - answered) / N); target <= 16 KiB: %s\n",
                per_poll, per_hold, memory_met ? "met" : "MISSED");
    std::printf("baseline, answered at once:   connect + poll of all %zu in %.2f s; send to reply "
                "median %.2f ms, p99 %.2f ms, max %.2f ms\n",
                n, b_s, base.median, base.p99, base.max);
    std::printf("device answers:               %zu confirm() calls in %.3f s\n", n, d_s);
    std::printf("device answer to reply:       median %.2f ms, p99 %.2f ms, max %.2f ms "
                "(%zu replies); target p99 < 50 ms: %s\n",
                lat.median, lat.p99, lat.max, latency.size(), latency_met ? "met" : "MISSED");
    // Every reply costs CPU on both sides of the loopback; with all of it spread over every
    // core, the last reply cannot come sooner than this after the first answer.
    const double cores = static_cast<double>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
    const double cpu_s = server_cpu_s + tills_cpu_s;
    std::printf("CPU of the answers:           server %.3f s (device, holds, event loop), tills "
                "%.3f s (receiving): %.0f us per answered poll; all %zu take at least %.0f ms "
                "on %.0f cores\n",
                server_cpu_s, tills_cpu_s, cpu_s * 1e6 / static_cast<double>(n), n,
                cpu_s * 1e3 / cores, cores);
    std::printf("replies checked:              %zu signed and confirmed, %zu not\n", good, bad);
    if (options.require_targets && !(memory_met && latency_met)) status = 1;
    return status;
}

} // namespace

int main(int argc, char** argv) {
    const Options options = parse_options(argc, argv);
    if (!raise_open_files(options.polls)) return 1;
    std::signal(SIGPIPE, SIG_IGN);
    const std::size_t bytes = 3 * options.polls * sizeof(std::int64_t);
    void* map = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) return 1;
    Shared shared;
    shared.answered_ns = static_cast<std::int64_t*>(map);
    shared.replied_ns = shared.answered_ns + options.polls;
    shared.baseline_ns = shared.replied_ns + options.polls;
    int to_tills[2], to_server[2];
    if (::pipe(to_tills) != 0 || ::pipe(to_server) != 0) return 1;
    const pid_t tills = ::fork(); // before any thread starts
    if (tills < 0) return 1;
    if (tills == 0) {
        ::close(to_tills[1]);
        ::close(to_server[0]);
        int code = 1;
        try {
            code = run_tills(options, shared, to_tills[0], to_server[1]);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "long_polls (tills): %s\n", e.what());
        }
        std::fflush(nullptr);
        ::_exit(code);
    }
    ::close(to_tills[0]);
    ::close(to_server[1]);
    int status = 1;
    try {
        status = run_middleware(options, shared, tills, to_server[0], to_tills[1]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "long_polls: %s\n", e.what());
    }
    if (!tills_reaped) {
        ::kill(tills, SIGKILL);
        ::waitpid(tills, nullptr, 0);
    }
    return status;
}
