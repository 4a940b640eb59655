// cpp-httplib glue: an httplib request as the dispatcher's HttpRequest, and its response back.
// SPDX-License-Identifier: MIT
#pragma once

#include "options.hpp"
#include "stop_signals.hpp"

#include <mplus/webhooks/http.hpp>

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>

namespace example {

/// The dispatcher's view of an httplib request: method, path, headers, the exact body bytes.
inline mplus::webhooks::HttpRequest to_http_request(const httplib::Request& req) {
    mplus::webhooks::HttpRequest out;
    out.method = req.method;
    out.path = req.path;
    out.headers.reserve(req.headers.size());
    for (const auto& [name, value] : req.headers) out.headers.push_back({name, value});
    out.body = req.body;
    return out;
}

/// Copies the dispatcher's response (status, Content-Type, signature, body) into `res`.
inline void to_httplib_response(mplus::webhooks::HttpResponse&& response, httplib::Response& res) {
    res.status = response.status;
    std::string content_type = "application/json";
    for (mplus::webhooks::Header& h : response.headers) {
        if (mplus::webhooks::detail::iequals(h.name, "Content-Type")) {
            content_type = std::move(h.value);
        } else {
            res.set_header(h.name.c_str(), h.value);
        }
    }
    res.set_content(std::move(response.body), content_type.c_str());
}

/// Applies the settings every example server shares:
/// - TCP_NODELAY (`nodelay`): without it cpp-httplib writes the status line and headers, then
///   the body, in two small segments; Nagle's algorithm holds the second until the client's
///   delayed ACK, and every reply takes about 40 ms;
/// - a transport body limit above the dispatcher's, so that a too-large body still gets the
///   dispatcher's signed 413;
/// - keep-alive connections that last (cpp-httplib closes one after 5 requests by default, and
///   its listen queue of 5 overflows when many tills reconnect at once);
/// - `threads` workers (a long poll holds one).
inline void prepare_server(httplib::Server& server, std::size_t threads, bool nodelay = true) {
    server.set_tcp_nodelay(nodelay);
    server.set_payload_max_length(transport_body_limit);
    server.set_keep_alive_max_count(100000);
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
}

/// Serves `server` on 127.0.0.1:`port` (0: a free port), prints `listening on ...` once
/// ready, and runs until SIGINT or SIGTERM. The exit status: 0 after a clean stop, 1 when it
/// cannot listen.
inline int serve_on_loopback(httplib::Server& server, unsigned port, const char* program) {
    std::signal(SIGPIPE, SIG_IGN); // a client that hangs up mid-reply must not kill us
    std::atomic<bool> listen_returned{false};
    StopOnSignal stopper([&] {
        // A signal between bind and listen: wait until stop() can take effect.
        while (!server.is_running() && !listen_returned) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        server.stop();
    });

    int bound = static_cast<int>(port);
    if (bound == 0) {
        bound = server.bind_to_any_port("127.0.0.1");
    } else if (!server.bind_to_port("127.0.0.1", bound)) {
        bound = -1;
    }
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

} // namespace example
