// mplus-example-httplib: a complete MplusKASSA webhook middleware on cpp-httplib.
// SPDX-License-Identifier: MIT
//
//   mplus-example-httplib --port 8080 --secret BASE64 [--subscription-id ID]
//
// Listens on 127.0.0.1 only. POST <any base>/<eventName>: addSessionLine answers with a message
// naming the added line, scanCode recognizes codes that start with HELLO, every other event
// gets the default reply. SIGINT or SIGTERM stops it (exit status 0).
#include "../common/handlers.hpp"
#include "../common/httplib_glue.hpp"
#include "../common/options.hpp"
#include "../common/stop_signals.hpp"

#include <mplus/webhooks.hpp>
#include <mplus/webhooks/dispatcher.hpp>

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

int main(int argc, char** argv) {
    const example::Options options = example::parse_options(argc, argv);
    mplus::webhooks::Dispatcher dispatcher(example::make_config(options, argv[0]));
    example::add_handlers(dispatcher);

    httplib::Server server;
    example::prepare_server(server, 32); // TCP_NODELAY on: see prepare_server
    const auto handler = [&dispatcher](const httplib::Request& req, httplib::Response& res) {
        example::to_httplib_response(dispatcher.handle(example::to_http_request(req)), res);
    };
    // Every method goes to the dispatcher, so that a GET gets the protocol's error reply.
    server.Post(".*", handler);
    server.Get(".*", handler);
    server.Put(".*", handler);
    server.Patch(".*", handler);
    server.Delete(".*", handler);
    server.Options(".*", handler);

    return example::serve_on_loopback(server, options.port, argv[0]);
}
