// Test support: a POS simulator transport to a middleware process on a loopback port that may
// change between requests (the process restarted). Shared by the flow and fault tests.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/adapters/httplib.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/simulator.hpp>

#include <chrono>

namespace test_support {

/// A simulator transport to 127.0.0.1 on the port `*port` holds at the time of each request
/// (`Port`: int, or std::atomic<int> when another thread restarts the server). Each request
/// goes over a new connection of the SDK's cpp-httplib client transport, so a server started
/// again on another port is reached; a request that gets no answer throws, which the simulator
/// records as "no reply".
template <typename Port>
mplus::webhooks::PosTransport loopback_transport(const Port* port,
                                                 std::chrono::milliseconds read_timeout) {
    mplus::webhooks::adapters::httplib::ClientOptions options;
    options.read_timeout = read_timeout;
    options.throw_on_failure = true;
    return [port, options](const mplus::webhooks::HttpRequest& request) {
        const int now = *port;
        return mplus::webhooks::adapters::httplib::client_transport("127.0.0.1", now,
                                                                    options)(request);
    };
}

} // namespace test_support
