// mplus-example-httplib: a complete MplusKASSA webhook middleware on cpp-httplib.
// SPDX-License-Identifier: MIT
//
//   mplus-example-httplib --port 8080 --secret BASE64 [--subscription-id ID]
//
// Listens on 127.0.0.1 only. POST <any base>/<eventName>: addSessionLine answers with a message
// naming the added line, scanCode recognizes codes that start with HELLO, every other event
// gets the default reply. SIGINT or SIGTERM stops it (exit status 0).
#include "../common/handlers.hpp"
#include "../common/options.hpp"
#include "../common/serve.hpp"

#include <mplus/webhooks.hpp>
#include <mplus/webhooks/adapters/httplib.hpp>
#include <mplus/webhooks/dispatcher.hpp>

int main(int argc, char** argv) {
    const example::Options options = example::parse_options(argc, argv);
    mplus::webhooks::Dispatcher dispatcher(example::make_config(options, argv[0]));
    example::add_handlers(dispatcher);

    // The dispatcher on every path and method, with the till settings built in (TCP_NODELAY,
    // lasting keep-alive, a worker pool with headroom, the signed 413, timeouts).
    mplus::webhooks::adapters::httplib::Server server(dispatcher);
    return example::serve_on_loopback(server, options.port, argv[0]);
}
