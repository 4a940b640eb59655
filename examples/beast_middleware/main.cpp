// mplus-example-beast: a complete MplusKASSA webhook middleware on Boost.Beast, asynchronous.
// SPDX-License-Identifier: MIT
//
//   mplus-example-beast --port 8080 --secret BASE64 [--subscription-id ID]
//
// One event loop, no thread per connection: the adapter hands requests to the dispatcher's
// callback form, and scanCode is answered later, from a timer, through the one-shot Responder
// (as a handler that asks a loyalty system over the network would). Listens on 127.0.0.1
// only; SIGINT or SIGTERM stops it (exit status 0).
#include "../common/handlers.hpp"
#include "../common/options.hpp"

#include <mplus/webhooks.hpp>
#include <mplus/webhooks/adapters/beast.hpp>
#include <mplus/webhooks/dispatcher.hpp>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <utility>

namespace mw = mplus::webhooks;

int main(int argc, char** argv) {
    const example::Options options = example::parse_options(argc, argv);
    mw::Dispatcher dispatcher(example::make_config(options, argv[0]));
    example::add_handlers(dispatcher, false); // scanCode is answered asynchronously below

    mw::adapters::beast::ServerOptions server_options;
    server_options.threads = 1; // one event loop
    mw::adapters::beast::Server server(dispatcher, server_options);
    boost::asio::io_context& io = server.io_context();

    // scanCode: the answer comes from the event loop later.
    dispatcher.on_async<mw::events::ScanCode>([&io](const mw::ScanCodeRequest& request,
                                                    mw::Responder responder) {
        auto timer = std::make_shared<boost::asio::steady_timer>(io, std::chrono::milliseconds(1));
        timer->async_wait(
            [timer, responder, reply = example::scan_code_reply(request)](
                boost::system::error_code) mutable { responder.reply(std::move(reply)); });
    });

    unsigned short port = 0;
    try {
        port = server.listen("127.0.0.1", options.port);
    } catch (const boost::system::system_error& e) {
        std::fprintf(stderr, "%s: cannot listen on 127.0.0.1:%u: %s\n", argv[0], options.port,
                     e.what());
        return 1;
    }
    std::signal(SIGPIPE, SIG_IGN); // a client that hangs up mid-reply must not kill us
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code, int) { server.stop(); });
    example::announce(port);
    server.run();
    return 0;
}
