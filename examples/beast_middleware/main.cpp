// mplus-example-beast: a complete MplusKASSA webhook middleware on Boost.Beast, asynchronous.
// SPDX-License-Identifier: MIT
//
//   mplus-example-beast --port 8080 --secret BASE64 [--subscription-id ID]
//
// One event loop, no thread per request: requests go through the dispatcher's callback form
// handle(request, done), and scanCode is answered later, from a timer, through the one-shot
// Responder (as a handler that asks a loyalty system over the network would). Listens on
// 127.0.0.1 only; SIGINT or SIGTERM stops it (exit status 0).
#include "../common/beast_glue.hpp"
#include "../common/handlers.hpp"
#include "../common/options.hpp"

#include <mplus/webhooks.hpp>
#include <mplus/webhooks/dispatcher.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <utility>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace mw = mplus::webhooks;
using tcp = asio::ip::tcp;

/// One connection: read a request, hand it to the dispatcher, write the response when it
/// comes (now, or later from an asynchronous handler), repeat while the client keeps it alive.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(tcp::socket socket, const mw::Dispatcher& dispatcher)
        : stream_(std::move(socket)), dispatcher_(dispatcher) {}

    void read() {
        parser_.emplace();
        parser_->body_limit(example::transport_body_limit);
        stream_.expires_after(std::chrono::seconds(30));
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) return self->close();
                             self->dispatch();
                         });
    }

private:
    void dispatch() {
        http::request<http::string_body> request = parser_->release();
        version_ = request.version();
        keep_alive_ = request.keep_alive();
        stream_.expires_never(); // a long poll may take its time; the POS decides when to give up
        // `done` runs on whichever thread answers: back to this connection's executor to write.
        dispatcher_.handle(example::to_http_request(std::move(request)),
                           [self = shared_from_this()](mw::HttpResponse response) {
                               asio::post(self->stream_.get_executor(),
                                          [self, r = std::move(response)]() mutable {
                                              self->write(std::move(r));
                                          });
                           });
    }

    void write(mw::HttpResponse&& response) {
        response_ = example::to_beast_response(std::move(response), version_, keep_alive_);
        http::async_write(stream_, response_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec || !self->keep_alive_) return self->close();
                              self->read();
                          });
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    beast::tcp_stream stream_;
    const mw::Dispatcher& dispatcher_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> response_;
    unsigned version_ = 11;
    bool keep_alive_ = false;
};

void accept(tcp::acceptor& acceptor, const mw::Dispatcher& dispatcher) {
    acceptor.async_accept([&](beast::error_code ec, tcp::socket socket) {
        if (ec) return; // the acceptor was closed: shutting down
        socket.set_option(tcp::no_delay(true));
        std::make_shared<Connection>(std::move(socket), dispatcher)->read();
        accept(acceptor, dispatcher);
    });
}

} // namespace

int main(int argc, char** argv) {
    const example::Options options = example::parse_options(argc, argv);
    asio::io_context io;
    mw::Dispatcher dispatcher(example::make_config(options, argv[0]));
    example::add_handlers(dispatcher);
    // Replaces the synchronous scanCode handler: the answer comes from the event loop later.
    dispatcher.on_async<mw::events::ScanCode>([&io](const mw::ScanCodeRequest& request,
                                                    mw::Responder responder) {
        auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(1));
        timer->async_wait([timer, responder, reply = example::scan_code_reply(request)](
                              beast::error_code) mutable { responder.reply(std::move(reply)); });
    });

    tcp::acceptor acceptor(io);
    beast::error_code ec;
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), options.port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        std::fprintf(stderr, "%s: cannot listen on 127.0.0.1:%u: %s\n", argv[0], options.port,
                     ec.message().c_str());
        return 1;
    }
    accept(acceptor, dispatcher);

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) {
        acceptor.close();
        io.stop(); // open connections are dropped; pending Responders answer nobody
    });
    example::announce(acceptor.local_endpoint().port());
    io.run();
    return 0;
}
