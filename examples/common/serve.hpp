// Runs an example's cpp-httplib server on loopback until SIGINT or SIGTERM.
// SPDX-License-Identifier: MIT
#pragma once

#include "options.hpp"
#include "stop_signals.hpp"

#include <mplus/webhooks/adapters/httplib.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

namespace example {

/// Serves `server` (an httplib::Server) after `bind(port)` has bound it (returning the port,
/// or -1), prints `listening on ...` once ready, and runs until SIGINT or SIGTERM. The exit
/// status: 0 after a clean stop, 1 when it cannot listen.
template <class Server, class Bind>
int serve_until_signalled(Server& server, Bind bind, unsigned port, const char* program) {
    std::signal(SIGPIPE, SIG_IGN); // a client that hangs up mid-reply must not kill us
    std::atomic<bool> listen_returned{false};
    StopOnSignal stopper([&] {
        // A signal between bind and listen: wait until stop() can take effect.
        while (!server.is_running() && !listen_returned) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        server.stop();
    });

    const int bound = bind(static_cast<int>(port));
    if (bound <= 0) {
        std::fprintf(stderr, "%s: cannot listen on 127.0.0.1:%u\n", program, port);
        stopper.release();
        return 1;
    }
    announce(static_cast<unsigned short>(bound));
    const bool clean = server.listen_after_bind();
    listen_returned = true;
    if (!stopper.signalled()) stopper.release();
    return clean || stopper.signalled() ? 0 : 1;
}

/// Serves the adapter's `server` on 127.0.0.1:`port` (0: a free port) until SIGINT or SIGTERM;
/// see serve_until_signalled().
inline int serve_on_loopback(mplus::webhooks::adapters::httplib::Server& server, unsigned port,
                             const char* program) {
    return serve_until_signalled(
        server, [&server](int p) { return server.bind("127.0.0.1", p); }, port, program);
}

} // namespace example
