// Measures the dispatcher's full handle() against the same endpoint written by hand with nlohmann.
// SPDX-License-Identifier: MIT
//
// Usage: dispatch_bench [--quick]
//
// One operation, for each addSessionLine payload of codec_bench (1, 9 and 100 session lines:
// about 0.8, 3.3 and 28 KB):
//   baseline  bench::hand_written_add_session_line(): check method, content type, size and
//             signature header; verify the HMAC with the same mw::Secret; nlohmann::json::parse;
//             read event.eventPolling and addSessionLine.line.text with type checks; build the
//             reply as a json value; dump(); sign it with the same Secret.
//   ours      Dispatcher::handle(HttpRequest): the same checks, HMAC verify, try_parse into
//             AddSessionLineRequest (every field, typed), the handler, reply rules, serialize,
//             sign; the handler is the examples' one (a message naming the added line).
// Both produce the same reply bytes (checked before timing). Batches of each alternate, each
// sized to about 50 ms (5 ms with --quick); the median of per-operation times is printed.
// Built twice by bench/CMakeLists.txt: dispatch_bench (portable HMAC) and dispatch_bench_openssl.
#include "../examples/common/handlers.hpp"
#include "bench_support.hpp"
#include "hand_written.hpp"

#include <mplus/webhooks.hpp>
#include <mplus/webhooks/dispatcher.hpp>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

namespace mw = mplus::webhooks;

constexpr const char* secret_text = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";

struct Row {
    const char* name;
    std::size_t bytes;
    std::vector<double> ns; // baseline, ours, json::parse, try_parse, verify+sign
};

} // namespace

int main(int argc, char** argv) {
    const auto [batches, batch_ns, quick] = bench::parse_run_settings(argc, argv);

    const mw::Secret secret = *mw::Secret::from_text(secret_text);
    mw::DispatcherConfig config;
    config.secrets = mw::KeyRing({secret});
    mw::Dispatcher dispatcher(std::move(config));
    dispatcher.on<mw::events::AddSessionLine>(example::added_line_reply);

    struct Case {
        const char* name;
        std::size_t lines;
    };
    const Case cases[] = {
        {"small (1 line)", 1}, {"medium (9 lines)", 9}, {"large (100 lines)", 100}};

    std::vector<Row> rows;
    for (const Case& c : cases) {
        mw::HttpRequest request;
        request.method = "POST";
        request.path = "/webhooks/addSessionLine";
        request.body = bench::make_payload(c.lines);
        const std::string signature = secret.sign(request.body);
        request.headers = {{"Host", "127.0.0.1:8080"},
                           {"Content-Type", "application/json"},
                           {"Accept", "application/json"},
                           {"X-Mplus-Subscription-Id", "till-7"},
                           {"X-Mplus-Signature", signature},
                           {"Content-Length", std::to_string(request.body.size())}};

        // Both sides must give the same answer, or the figures compare different work.
        const mw::HttpResponse ours = dispatcher.handle(request);
        const bench::PlainResponse theirs = bench::hand_written_add_session_line(
            secret, request.method, request.header("Content-Type"), &signature, request.body);
        if (ours.status != 200 || theirs.status != 200 || ours.body != theirs.body ||
            ours.header("X-Mplus-Signature") != theirs.signature) {
            std::fprintf(stderr, "%s: answers differ\n  ours (%d): %s\n  hand-written (%d): %s\n",
                         c.name, ours.status, ours.body.c_str(), theirs.status,
                         theirs.body.c_str());
            return 1;
        }

        auto base = [&] {
            const mw::Header* sig = mw::detail::find_header(request.headers, "X-Mplus-Signature");
            return bench::hand_written_add_session_line(
                       secret, request.method, request.header("Content-Type"),
                       sig != nullptr ? &sig->value : nullptr, request.body)
                .body.size();
        };
        auto handle = [&] { return dispatcher.handle(request).body.size(); };
        auto json_parse = [&] { return nlohmann::json::parse(request.body).size(); };
        auto try_parse = [&] {
            return mw::try_parse<mw::AddSessionLineRequest>(request.body)->session.lines.size();
        };
        auto hmac = [&] {
            return static_cast<std::size_t>(secret.verify(request.body, signature)) +
                   secret.sign(ours.body).size();
        };
        rows.push_back(
            Row{c.name, request.body.size(),
                bench::measure(batches, batch_ns, base, handle, json_parse, try_parse, hmac)});
    }

    std::printf("dispatch_bench (%s HMAC): addSessionLine, median of %d alternating batches of "
                "~%.0f ms each%s\n\n",
                mw::detail::openssl_hmac ? "OpenSSL" : "portable", batches, batch_ns / 1e6,
                quick ? " (--quick)" : "");
    std::printf(
        "full request -> signed response, us per request (target: ours/baseline <= 1.30)\n");
    std::printf("%-18s %8s %12s %12s %10s\n", "payload", "bytes", "baseline", "handle()", "ratio");
    for (const Row& r : rows) {
        std::printf("%-18s %8zu %12.2f %12.2f %10.2f\n", r.name, r.bytes, r.ns[0] / 1e3,
                    r.ns[1] / 1e3, r.ns[1] / r.ns[0]);
    }
    std::printf("  baseline = hand-written nlohmann endpoint (bench/hand_written.hpp)\n"
                "  handle() = Dispatcher::handle(HttpRequest) with the examples' handler\n\n");
    std::printf("parts, us per call\n");
    std::printf("%-18s %12s %12s %14s\n", "payload", "json::parse", "try_parse", "verify+sign");
    for (const Row& r : rows) {
        std::printf("%-18s %12.2f %12.2f %14.2f\n", r.name, r.ns[2] / 1e3, r.ns[3] / 1e3,
                    r.ns[4] / 1e3);
    }
    std::printf("  verify+sign = Secret::verify(request body) + Secret::sign(reply body)\n");
    return 0;
}
