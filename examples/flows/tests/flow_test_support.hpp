// What the flow tests share: a middleware over a memory or SQLite store that can be restarted,
// simulated tills talking to it, and a temporary data folder.
// SPDX-License-Identifier: MIT
#pragma once

#include "../../../tests/support/server_process.hpp"
#include "../../../tests/support/signed_requests.hpp"

#include "../../scenarios/demo_flows.hpp"
#include "../demo_middleware.hpp"
#include "../sqlite_store.hpp"

#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/simulator.hpp>
#include <mplus/webhooks/timestamp.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace flow_test {

namespace mw = mplus::webhooks;
using mplus_demo::DemoConfig;
using mplus_demo::DemoMiddleware;

/// The protocol's published test secret, the one test_support::signed_post() signs with.
inline constexpr const char* secret = test_support::secret_text.data();
/// The fixed "now" of the tests: 10:15 at the till, so the 09:00 and 10:00 slots are past.
inline constexpr const char* now_text = "2024-05-01T10:15:00.000+02:00";

using test_support::TempDir;

/// Which store a Middleware keeps its state in.
enum class StoreKind { memory, sqlite };

/// A readable name of a store kind, for doctest's CAPTURE.
inline std::string store_name(StoreKind k) {
    return k == StoreKind::memory ? "memory" : "sqlite";
}

/// The demo middleware on a dispatcher, as a server process would run it. restart() destroys
/// the middleware and the store object and builds them again from the same SQLite file (a
/// memory store survives a restart only as an object, so restart is for SQLite).
class Middleware {
public:
    explicit Middleware(StoreKind kind, DemoConfig config = {})
        : kind_(kind), config_(std::move(config)) {
        now_ = mw::parse_timestamp(now_text)->unix_millis;
        start();
    }

    /// Kills and restarts the middleware on the same data.
    void restart() {
        dispatcher_.reset();
        middleware_.reset();
        if (kind_ == StoreKind::sqlite) store_.reset();
        start();
    }

    /// The store, for looking at what the flows keep.
    mplus_demo::Store& store() { return *store_; }
    /// The transport of a simulated till: straight into the dispatcher.
    mw::PosTransport transport() {
        return [this](const mw::HttpRequest& r) { return dispatcher_->handle(r); };
    }
    /// A till talking to this middleware; `seed` keeps its ids apart from other tills'.
    mw::PosSimulator till(std::uint64_t seed) {
        mw::SimulatorOptions o;
        o.secret = secret;
        o.seed = seed;
        o.clock_start = now_text;
        return mw::PosSimulator(transport(), o);
    }
    /// The demo middleware itself.
    DemoMiddleware& middleware() { return *middleware_; }
    /// The middleware's environment (for flows built directly in a test).
    mplus_demo::FlowEnv env() {
        return mplus_demo::FlowEnv{*store_, [this] { return now_; }, 120};
    }
    /// Moves the middleware's clock.
    void set_now(const char* text) { now_ = mw::parse_timestamp(text)->unix_millis; }

private:
    void start() {
        if (!store_) {
            if (kind_ == StoreKind::memory) {
                store_ = std::make_unique<mplus_demo::MemoryStore>();
            } else {
                store_ = std::make_unique<mplus_demo::SqliteStore>(
                    (dir_.path() / "demo.sqlite").string());
            }
        }
        middleware_ = std::make_unique<DemoMiddleware>(env(), config_);
        mw::DispatcherConfig c;
        c.secrets = mw::KeyRing({*mw::Secret::from_text(secret)});
        c.strict_replies = true; // a reply that breaks a rule fails the test's request
        dispatcher_ = std::make_unique<mw::Dispatcher>(std::move(c));
        middleware_->attach(*dispatcher_);
    }

    StoreKind kind_;
    DemoConfig config_;
    TempDir dir_;
    std::int64_t now_ = 0;
    std::unique_ptr<mplus_demo::Store> store_;
    std::unique_ptr<DemoMiddleware> middleware_;
    std::unique_ptr<mw::Dispatcher> dispatcher_;
};

/// Runs `test(m)` on a fresh Middleware with `config` over each store kind, memory then SQLite,
/// with the store's name in any failure.
template <class Test>
void on_each_store(const DemoConfig& config, Test test) {
    for (StoreKind kind : {StoreKind::memory, StoreKind::sqlite}) {
        const std::string store = store_name(kind);
        CAPTURE(store);
        Middleware m(kind, config);
        test(m);
    }
}

/// Runs `test(m)` on a fresh Middleware with the default configuration over each store kind.
template <class Test>
void on_each_store(Test test) {
    DemoConfig defaults; // named: GCC 12 crashes on a DemoConfig{} temporary here
    on_each_store(defaults, test);
}

/// The option of `d` with id `id`, or nullptr.
inline const mw::DialogOption* option(const mw::Dialog& d, std::int64_t id) {
    for (const auto& o : d.dialog_options) {
        if (o.option_id == id) return &o;
    }
    return nullptr;
}

/// The ids of the options of `d` that can be chosen.
inline std::vector<std::int64_t> enabled_ids(const mw::Dialog& d) {
    std::vector<std::int64_t> out;
    for (const auto& o : d.dialog_options) {
        if (!o.disabled.value_or(false)) out.push_back(o.option_id);
    }
    return out;
}

/// Every message text the step showed, joined (for CHECK messages and substring checks).
inline std::string messages_of(const mw::PosStep& step) {
    std::string out;
    for (const auto& m : step.messages) {
        out += m.message.value_or("");
        out += "\n";
    }
    return out;
}

/// True when `text` contains `part`.
inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

/// The QR codes among the footers.
inline std::vector<std::string> qr_codes(const std::vector<mw::FooterEntry>& footers) {
    std::vector<std::string> out;
    for (const auto& f : footers) {
        if (f.barcode && f.barcode->code && f.barcode->code_type &&
            f.barcode->code_type->str() == mw::FooterCodeType::qrcode) {
            out.push_back(*f.barcode->code);
        }
    }
    return out;
}

/// The lines of the till's session with article `article`.
inline std::vector<mw::SessionLine> lines_of(const mw::PosSimulator& pos, std::int64_t article) {
    std::vector<mw::SessionLine> out;
    for (const auto& l : pos.session().lines) {
        if (l.article_number && *l.article_number == article) out.push_back(l);
    }
    return out;
}

/// A problem list as one text, for failing checks.
inline std::string problems(const mw::FlowResult& r) {
    std::string out;
    for (const auto& p : r.problems) out += p + "\n";
    return out;
}

} // namespace flow_test
