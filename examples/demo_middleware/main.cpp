// mplus-demo-middleware: the four seed flows (ticketing, cash machine, reservation, loyalty) in
// one webhook middleware on cpp-httplib, with its state in SQLite.
// SPDX-License-Identifier: MIT
//
//   mplus-demo-middleware --port N --secret BASE64 [--subscription-id ID] [--data DIR]
//                         [--store URL] [--dedupe] [--hold-ttl SECONDS] [--now ISO-8601]
//
// Listens on 127.0.0.1 only; POST /webhooks/<eventName>. The state lives in DIR/demo.sqlite
// (DIR defaults to ./mplus-demo-data and is created), so a middleware killed at any point
// restarts where it was; --store sqlite:PATH or postgresql://... puts it elsewhere (several
// instances may share one PostgreSQL database). --dedupe answers repeated events from the store
// (the dedupe guard; it costs two more store transactions per request, and the flows are
// idempotent without it). --hold-ttl releases the seats, vouchers and cash payments of a sale
// that never ends (a till that crashed) after SECONDS (default 900). GET /metrics gives
// Prometheus text. --now fixes the clock (and the till's
// UTC offset), so the ticket slots offered are predictable. SIGINT or SIGTERM stops it (exit
// status 0).
#include "../common/handlers.hpp"
#include "../common/options.hpp"
#include "../common/serve.hpp"
#include "../flows/demo_middleware.hpp"
#include "../flows/open_store.hpp"
#include "../flows/prometheus_metrics.hpp"

#include <mplus/webhooks/adapters/httplib.hpp>
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/state/dedupe.hpp>
#include <mplus/webhooks/state/dedupe_middleware.hpp>
#include <mplus/webhooks/timestamp.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <pthread.h>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace {

/// The options only this program has; the shared ones are left for example::parse_options.
struct DemoOptions {
    std::string data_dir = "./mplus-demo-data";
    std::string store_url;                             ///< "" : sqlite:<data_dir>/demo.sqlite
    bool dedupe = false;                               ///< the dedupe guard as middleware
    std::optional<std::chrono::milliseconds> hold_ttl; ///< --hold-ttl
    std::optional<mplus::webhooks::Timestamp> now;
};

/// What the demo adds to the shared usage.
const example::UsageExtra demo_usage_extra{
    " [--data DIR] [--store URL] [--dedupe] [--hold-ttl SECONDS] [--now ISO-8601]",
    "  --data DIR            where the SQLite state lives (default ./mplus-demo-data)\n"
    "  --store URL           sqlite:PATH (default DIR/demo.sqlite) or postgresql://...\n"
    "  --dedupe              answer repeated events from the store (dedupe guard)\n"
    "  --hold-ttl S          release what a sale that never ends holds after S seconds "
    "(default 900)\n"
    "  --now TIME            fixed clock, e.g. 2024-05-01T10:15:00+02:00\n"};

[[noreturn]] void demo_usage(const char* program, const std::string& problem) {
    example::usage(program, problem.c_str(), demo_usage_extra);
}

/// Takes --data and --now out of argv (compacting it) and returns them.
DemoOptions take_demo_options(int& argc, char** argv) {
    DemoOptions demo;
    int out = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--dedupe") {
            demo.dedupe = true;
            continue;
        }
        if (arg == "--data" || arg == "--now" || arg == "--store" || arg == "--hold-ttl") {
            if (i + 1 >= argc) demo_usage(argv[0], "missing value after " + std::string(arg));
            const std::string value = argv[++i];
            if (arg == "--data") {
                if (value.empty()) demo_usage(argv[0], "--data is empty");
                demo.data_dir = value;
            } else if (arg == "--hold-ttl") {
                char* end = nullptr;
                const double seconds = std::strtod(value.c_str(), &end);
                if (value.empty() || end == nullptr || *end != '\0' || !(seconds > 0) ||
                    seconds > 86400.0 * 365) {
                    demo_usage(argv[0], "--hold-ttl is not a number of seconds: " + value);
                }
                demo.hold_ttl =
                    std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
            } else if (arg == "--store") {
                if (value.empty()) demo_usage(argv[0], "--store is empty");
                demo.store_url = value;
            } else {
                demo.now = mplus::webhooks::parse_timestamp(value);
                if (!demo.now || demo.now->date_only) {
                    demo_usage(argv[0], "--now is not an ISO-8601 date and time: " + value);
                }
            }
            continue;
        }
        argv[out++] = argv[i];
    }
    argc = out;
    return demo;
}

/// This machine's UTC offset in minutes now (the till's, when --now does not say).
int local_offset_minutes() {
    const std::time_t t = std::time(nullptr);
    std::tm local{};
    if (localtime_r(&t, &local) == nullptr) return 0;
    return static_cast<int>(local.tm_gmtoff / 60);
}

} // namespace

int main(int argc, char** argv) {
    // The payment flows start threads of their own (the cash machine, timers): SIGINT and
    // SIGTERM must be blocked before, or the kernel may deliver them to such a thread, whose
    // default action kills the process instead of stopping it cleanly (StopOnSignal waits for
    // them with sigwait).
    // A shell starts background jobs with SIGINT ignored; sigwait never sees an ignored
    // signal, so take the default disposition back first.
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    const DemoOptions demo = take_demo_options(argc, argv);
    const example::Options options = example::parse_options(argc, argv, demo_usage_extra);
    mplus::webhooks::Dispatcher dispatcher(example::make_config(options, argv[0]));

    std::string store_url = demo.store_url;
    if (store_url.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(demo.data_dir, ec);
        if (ec) {
            std::fprintf(stderr, "%s: cannot create %s: %s\n", argv[0], demo.data_dir.c_str(),
                         ec.message().c_str());
            return 1;
        }
        store_url = "sqlite:" + (std::filesystem::path(demo.data_dir) / "demo.sqlite").string();
    }
    std::unique_ptr<mplus_demo::Store> store;
    try {
        store = mplus_demo::open_store(store_url);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
        return 1;
    }

    mplus_demo::FlowEnv env{*store, {}, 0};
    if (demo.now) {
        const std::int64_t fixed = demo.now->unix_millis;
        env.now_millis = [fixed] { return fixed; };
        env.utc_offset_minutes = demo.now->offset_minutes.value_or(0);
    } else {
        env.now_millis = [] {
            return static_cast<std::int64_t>(
                std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count());
        };
        env.utc_offset_minutes = local_offset_minutes();
    }
    // Repeated events get their first reply from the store; a repeat of a request lost with a
    // killed instance waits only briefly for it before it is handled again (the flows are
    // idempotent).
    mplus::webhooks::state::DedupeOptions dedupe_options;
    dedupe_options.in_flight_wait = std::chrono::seconds(2);
    std::optional<mplus::webhooks::state::DedupeGuard> dedupe;
    if (demo.dedupe) dedupe.emplace(*store, dedupe_options);
    mplus_demo::PrometheusMetrics metrics;
    metrics.attach(dispatcher, [&dedupe] { return dedupe ? dedupe->hits() : 0; });
    if (dedupe) dispatcher.use(mplus::webhooks::state::dedupe_middleware(*dedupe));

    std::optional<mplus_demo::DemoMiddleware> middleware;
    try {
        mplus_demo::DemoConfig config;
        config.hold_ttl = demo.hold_ttl;
        if (demo.hold_ttl) {
            // Released within a quarter of the time, at least once a second.
            config.expire_every = std::max(std::chrono::milliseconds(1000), *demo.hold_ttl / 4);
            config.expire_every = std::min(config.expire_every, std::chrono::milliseconds(30000));
        }
        middleware.emplace(env, std::move(config));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
        return 1;
    }
    middleware->attach(dispatcher);

    // pollExternalPayment is a long poll that holds a connection for up to about 25 s; the
    // adapter's worker pool has room for many tills polling while others sell.
    mplus::webhooks::adapters::httplib::ServerOptions server_options;
    server_options.path_pattern = "/webhooks/.*";
    mplus::webhooks::adapters::httplib::Server server(dispatcher, server_options);
    server.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& res) {
        res.set_content(metrics.text(), "text/plain; version=0.0.4");
    });

    return example::serve_on_loopback(server, options.port, argv[0]);
}
