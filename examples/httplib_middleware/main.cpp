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
    // Without TCP_NODELAY, cpp-httplib writes the status line and headers, then the body, in
    // two small segments: Nagle's algorithm holds the second until the client's delayed ACK,
    // and every reply takes about 40 ms.
    server.set_tcp_nodelay(true);
    server.set_payload_max_length(example::transport_body_limit);
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

    std::signal(SIGPIPE, SIG_IGN); // a client that hangs up mid-reply must not kill us
    std::atomic<bool> listen_returned{false};
    example::StopOnSignal stopper([&] {
        // A signal between bind and listen: wait until stop() can take effect.
        while (!server.is_running() && !listen_returned) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        server.stop();
    });

    int port = options.port;
    if (port == 0) {
        port = server.bind_to_any_port("127.0.0.1");
    } else if (!server.bind_to_port("127.0.0.1", port)) {
        port = -1;
    }
    if (port <= 0) {
        std::fprintf(stderr, "%s: cannot listen on 127.0.0.1:%u\n", argv[0], options.port);
        stopper.release();
        return 1;
    }
    example::announce(static_cast<unsigned short>(port));
    const bool clean = server.listen_after_bind();
    listen_returned = true;
    if (!stopper.signalled()) stopper.release();
    return clean || stopper.signalled() ? 0 : 1;
}
