// The baseline of http_rps.sh: an addSessionLine endpoint on cpp-httplib and nlohmann, no SDK.
// SPDX-License-Identifier: MIT
//
//   bare_httplib_server --port N --secret BASE64 [--no-tcp-nodelay]
//
// Server settings like mplus-example-httplib's adapter (127.0.0.1, TCP_NODELAY on, 32 workers,
// lasting keep-alive connections, a 1 MiB body cap) and the same handler
// work done by hand (bench/hand_written.hpp: checks, HMAC through the SDK's Secret, parse, the
// reply built, dumped and signed). Every POST is treated as addSessionLine. --no-tcp-nodelay
// leaves cpp-httplib's default (Nagle on), to show what that costs.
#include "../examples/common/options.hpp"
#include "../examples/common/serve.hpp"
#include "hand_written.hpp"

#include <mplus/webhooks/signature.hpp>

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

int main(int argc, char** argv) {
    bool nodelay = true;
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (std::strcmp(argv[i], "--no-tcp-nodelay") == 0) {
            nodelay = false;
        } else {
            args.push_back(argv[i]);
        }
    }
    const example::Options options =
        example::parse_options(static_cast<int>(args.size()), args.data());
    const std::optional<mplus::webhooks::Secret> secret =
        mplus::webhooks::Secret::from_text(options.secret);
    if (!secret) example::usage(argv[0], "--secret is not base64");

    httplib::Server server;
    // By hand, the settings that matter (the adapter builds them in).
    server.set_tcp_nodelay(nodelay);
    server.set_payload_max_length(std::size_t{1024} * 1024);
    server.set_keep_alive_max_count(100000);
    server.new_task_queue = [] { return new httplib::ThreadPool(32); };
    server.Post(".*", [&secret](const httplib::Request& req, httplib::Response& res) {
        const auto signature = req.headers.find("X-Mplus-Signature");
        bench::PlainResponse r = bench::hand_written_add_session_line(
            *secret, req.method, req.get_header_value("Content-Type"),
            signature != req.headers.end() ? &signature->second : nullptr, req.body);
        res.status = r.status;
        res.set_header("X-Mplus-Signature", r.signature);
        res.set_content(std::move(r.body), "application/json");
    });

    return example::serve_until_signalled(
        server,
        [&server](int port) {
            return port == 0 ? server.bind_to_any_port("127.0.0.1")
                             : (server.bind_to_port("127.0.0.1", port) ? port : -1);
        },
        options.port, argv[0]);
}
