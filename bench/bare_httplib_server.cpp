// The baseline of http_rps.sh: an addSessionLine endpoint on cpp-httplib and nlohmann, no SDK.
// SPDX-License-Identifier: MIT
//
//   bare_httplib_server --port N --secret BASE64 [--no-tcp-nodelay]
//
// The same server settings as mplus-example-httplib (127.0.0.1, TCP_NODELAY on, cpp-httplib's
// default thread pool and keep-alive, the same 4 MiB transport body cap) and the same handler
// work done by hand (bench/hand_written.hpp: checks, HMAC through the SDK's Secret, parse, the
// reply built, dumped and signed). Every POST is treated as addSessionLine. --no-tcp-nodelay
// leaves cpp-httplib's default (Nagle on), to show what that costs.
#include "../examples/common/httplib_glue.hpp"
#include "../examples/common/options.hpp"
#include "hand_written.hpp"

#include <mplus/webhooks/signature.hpp>

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <csignal>
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
    example::prepare_server(server, 32, nodelay); // the same settings as the examples
    server.Post(".*", [&secret](const httplib::Request& req, httplib::Response& res) {
        const auto signature = req.headers.find("X-Mplus-Signature");
        bench::PlainResponse r = bench::hand_written_add_session_line(
            *secret, req.method, req.get_header_value("Content-Type"),
            signature != req.headers.end() ? &signature->second : nullptr, req.body);
        res.status = r.status;
        res.set_header("X-Mplus-Signature", r.signature);
        res.set_content(std::move(r.body), "application/json");
    });

    return example::serve_on_loopback(server, options.port, argv[0]);
}
