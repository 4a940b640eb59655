// The dedupe guard as dispatcher middleware: a repeated event gets the same reply without its
// handler running again; re-sends, polling repeats, error requests and failures pass.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/signature.hpp>
#include <mplus/webhooks/state/dedupe.hpp>
#include <mplus/webhooks/state/dedupe_middleware.hpp>
#include <mplus/webhooks/state/store.hpp>

#include "support/signed_requests.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

namespace mw = mplus::webhooks;
namespace ev = mplus::webhooks::events;
namespace st = mplus::webhooks::state;

using test_support::config;

/// A signed scanCode request from POS instance `instance` with `counter` and `extra` members.
mw::HttpRequest scan(const std::string& instance, int counter, const std::string& code,
                     const std::string& extra = "", bool polling = false) {
    return test_support::scan_request(
        code, {static_cast<std::size_t>(counter), instance, polling, extra});
}

/// A dispatcher with the guard whose scanCode handler counts its calls and answers with the
/// call number (so a replayed reply differs from a fresh one).
struct Fixture {
    st::MemoryStore store;
    st::DedupeGuard guard{store};
    mw::Dispatcher dispatcher{config()};
    std::atomic<int> calls{0};
    bool fail = false;
    Fixture() {
        dispatcher.use(st::dedupe_middleware(guard));
        dispatcher.on<ev::ScanCode>([this](const mw::ScanCodeRequest& r) {
            const int n = ++calls;
            if (fail) throw std::runtime_error("handler failed");
            mw::Reply reply;
            reply.add_message("call " + std::to_string(n) + " " + r.scan_code.scanned_code);
            if (r.event.polling()) reply.polling.emplace();
            return reply;
        });
    }
};

bool signed_ok(const mw::HttpResponse& res) {
    return res.status == 200 &&
           test_support::signer().verify(res.body, res.header("X-Mplus-Signature"));
}

} // namespace

TEST_CASE("dedupe middleware: a repeated event gets the same reply without running the handler") {
    Fixture f;
    const mw::HttpResponse first = f.dispatcher.handle(scan("i-1", 1, "A"));
    const mw::HttpResponse again = f.dispatcher.handle(scan("i-1", 1, "A"));
    CHECK(signed_ok(first));
    CHECK(signed_ok(again));
    CHECK(first.body.find("call 1 A") != std::string::npos);
    CHECK(again.body == first.body);
    CHECK(f.calls == 1);
    CHECK(f.guard.hits() == 1);
    // The next event of the same till runs the handler.
    const mw::HttpResponse next = f.dispatcher.handle(scan("i-1", 2, "B"));
    CHECK(next.body.find("call 2 B") != std::string::npos);
    CHECK(f.calls == 2);
}

TEST_CASE("dedupe middleware: a counter reset after a POS restart runs the handler") {
    Fixture f;
    f.dispatcher.handle(scan("i-1", 1, "A"));
    // Restarted: a new instance id, the counter from 1 again.
    const mw::HttpResponse restarted = f.dispatcher.handle(scan("i-2", 1, "A"));
    CHECK(restarted.body.find("call 2 A") != std::string::npos);
    // The same instance id and counter with another body: new as well.
    const mw::HttpResponse reused = f.dispatcher.handle(scan("i-1", 1, "C"));
    CHECK(reused.body.find("call 3 C") != std::string::npos);
    CHECK(f.calls == 3);
    CHECK(f.guard.hits() == 0);
}

TEST_CASE("dedupe middleware: dialog re-sends, polling repeats and error requests pass through") {
    Fixture f;
    const std::string dialog = R"(,"dialog":{"selectedDialogOptionIds":[1]})";
    f.dispatcher.handle(scan("i-1", 5, "A", dialog));
    f.dispatcher.handle(scan("i-1", 5, "A", dialog));
    CHECK(f.calls == 2);
    f.dispatcher.handle(scan("i-1", 6, "A", "", true));
    f.dispatcher.handle(scan("i-1", 6, "A", "", true));
    CHECK(f.calls == 4);
    std::string body = R"({"error":{"code":"TIMEOUT","message":"no answer"},"original":{}})";
    const mw::HttpRequest err = test_support::signed_post("scanCode", body);
    CHECK(f.dispatcher.handle(err).status == 200);
    CHECK(f.dispatcher.handle(err).status == 200);
    CHECK(f.calls == 4);
    CHECK(f.guard.hits() == 0);
}

TEST_CASE("dedupe middleware: a failed handler is not replayed, its repeat runs again") {
    Fixture f;
    f.fail = true;
    const mw::HttpResponse failed = f.dispatcher.handle(scan("i-1", 1, "A"));
    CHECK(failed.status == 500);
    f.fail = false;
    const mw::HttpResponse retried = f.dispatcher.handle(scan("i-1", 1, "A"));
    CHECK(signed_ok(retried));
    CHECK(retried.body.find("call 2 A") != std::string::npos);
    CHECK(f.calls == 2);
}
