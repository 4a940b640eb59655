// Boost.Beast adapter: an asynchronous HTTP server that hands each request to a Dispatcher, and
// an HTTP client transport for the POS simulator. Link the CMake target mplus_webhooks::beast.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/http.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

namespace adapters {
namespace beast {

/// How the Beast server serves tills; the defaults suit a till's webhooks.
struct ServerOptions {
    /// TCP_NODELAY on every connection (a reply goes out at once, not after a delayed ACK).
    bool tcp_nodelay = true;
    /// A request must arrive in full (headers and body) within this time, counted from the
    /// end of the previous response on the connection (or from its accept): slow senders are
    /// closed, and an idle keep-alive connection is closed after it.
    std::chrono::milliseconds request_timeout{5000};
    /// A response must be taken by the till within this time.
    std::chrono::milliseconds write_timeout{5000};
    /// Event-loop threads. Connections cost no thread; a synchronous handler runs on one of
    /// these, an asynchronous one answers from any thread.
    std::size_t threads = 2;
    /// Largest request body read, in bytes; 0: the dispatcher's max_body_size. A larger body is
    /// not read and gets the dispatcher's signed PAYLOAD_TOO_LARGE reply.
    std::size_t max_body_size = 0;
    /// Largest request line and headers, in bytes.
    std::uint32_t max_header_size = 16 * 1024;
};

/// The dispatcher's view of a Beast request; the body is moved, not copied.
inline HttpRequest
to_http_request(boost::beast::http::request<boost::beast::http::string_body>&& req) {
    HttpRequest out;
    out.method = std::string(req.method_string());
    out.path = std::string(req.target());
    for (const auto& field : req) {
        out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    out.body = std::move(req.body());
    return out;
}

/// The dispatcher's response as a Beast response for a request of HTTP `version`.
inline boost::beast::http::response<boost::beast::http::string_body>
to_beast_response(HttpResponse&& response, unsigned version, bool keep_alive) {
    boost::beast::http::response<boost::beast::http::string_body> res;
    res.version(version);
    res.result(static_cast<unsigned>(response.status));
    for (const Header& h : response.headers) res.set(h.name, h.value);
    res.body() = std::move(response.body);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
}

namespace detail {

/// One connection: read a request (within the request deadline), hand it to the dispatcher,
/// write the response when it comes, repeat while the till keeps the connection alive.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(boost::asio::ip::tcp::socket socket, const Dispatcher& dispatcher,
               const ServerOptions& options, std::size_t cap, std::size_t stand_in)
        : stream_(std::move(socket)), dispatcher_(dispatcher), options_(options), cap_(cap),
          stand_in_(stand_in) {}

    /// Waits for the next request.
    void read() {
        parser_.emplace();
        parser_->body_limit(cap_);
        parser_->header_limit(options_.max_header_size);
        stream_.expires_after(options_.request_timeout);
        boost::beast::http::async_read(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](boost::beast::error_code ec, std::size_t) {
                if (ec == boost::beast::http::error::body_limit) return self->too_large();
                if (ec) return self->close();
                self->dispatch();
            });
    }

private:
    void dispatch() {
        boost::beast::http::request<boost::beast::http::string_body> request = parser_->release();
        version_ = request.version();
        keep_alive_ = request.keep_alive();
        stream_.expires_never(); // a long poll takes its time; the till decides when to give up
        answer(to_http_request(std::move(request)));
    }

    /// A body over the cap, left unread: the dispatcher answers the request with a body just
    /// over its own cap standing in, so that the till gets the signed error reply; then the
    /// connection closes (the rest of the body is not read).
    void too_large() {
        const auto& header = parser_->get();
        HttpRequest request;
        request.method = std::string(header.method_string());
        request.path = std::string(header.target());
        for (const auto& field : header) {
            request.headers.push_back(
                {std::string(field.name_string()), std::string(field.value())});
        }
        request.body.assign(stand_in_, ' ');
        version_ = header.version();
        keep_alive_ = false;
        lingering_ = true;
        stream_.expires_never();
        answer(std::move(request));
    }

    void answer(HttpRequest&& request) {
        // `done` runs on whichever thread answers: back to this connection's strand to write.
        dispatcher_.handle(std::move(request), [self = shared_from_this()](HttpResponse response) {
            boost::asio::post(
                self->stream_.get_executor(),
                [self, r = std::move(response)]() mutable { self->write(std::move(r)); });
        });
    }

    void write(HttpResponse&& response) {
        response_ = to_beast_response(std::move(response), version_, keep_alive_);
        stream_.expires_after(options_.write_timeout);
        boost::beast::http::async_write(
            stream_, response_,
            [self = shared_from_this()](boost::beast::error_code ec, std::size_t) {
                if (!ec && self->lingering_) return self->linger();
                if (ec || !self->keep_alive_) return self->close();
                self->read();
            });
    }

    /// After the reply to a body left unread: stops sending and reads what the till still
    /// sends (discarded) until it closes or the request deadline passes, so that closing does
    /// not reset the connection before the till has read the reply.
    void linger() {
        lingering_ = false;
        boost::beast::error_code ignored;
        stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
        discard_.resize(16 * 1024);
        stream_.expires_after(options_.request_timeout);
        discard();
    }

    void discard() {
        stream_.async_read_some(
            boost::asio::buffer(discard_),
            [self = shared_from_this()](boost::beast::error_code ec, std::size_t) {
                if (ec) return self->close();
                self->discard();
            });
    }

    void close() {
        boost::beast::error_code ignored;
        stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
        stream_.socket().close(ignored);
    }

    boost::beast::tcp_stream stream_;
    const Dispatcher& dispatcher_;
    const ServerOptions& options_;
    std::size_t cap_;
    std::size_t stand_in_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    boost::beast::http::response<boost::beast::http::string_body> response_;
    std::vector<char> discard_;
    unsigned version_ = 11;
    bool keep_alive_ = false;
    bool lingering_ = false;
};

} // namespace detail

/// An HTTP server on Boost.Beast with a dispatcher mounted: every request on every path goes
/// to the dispatcher. Slow clients cost no thread, and each request must arrive within
/// `request_timeout`. The dispatcher must outlive the server, and asynchronous handlers must
/// answer (or drop) their Responders before the server is destroyed.
class Server {
public:
    /// A server for `dispatcher` with `options`; call listen(), then run() or start().
    explicit Server(const Dispatcher& dispatcher, ServerOptions options = ServerOptions())
        : dispatcher_(dispatcher), options_(std::move(options)), acceptor_(io_) {
        const std::size_t dispatcher_cap = dispatcher.config().max_body_size;
        cap_ = options_.max_body_size != 0 ? options_.max_body_size : dispatcher_cap;
        stand_in_ = std::max(cap_, dispatcher_cap) + 1;
    }
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    /// Stops the server and joins the threads start() made.
    ~Server() { stop(); }

    /// Listens on `host`:`port` (0: a free port) and returns the port; throws
    /// boost::system::system_error when it cannot.
    unsigned short listen(const std::string& host, unsigned short port) {
        const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address(host), port);
        acceptor_.open(endpoint.protocol());
        acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
        acceptor_.bind(endpoint);
        acceptor_.listen(boost::asio::socket_base::max_listen_connections);
        accept();
        return acceptor_.local_endpoint().port();
    }

    /// Serves on this thread and `threads - 1` more until stop().
    void run() {
        std::vector<std::thread> more;
        for (std::size_t i = 1; i < options_.threads; ++i) more.emplace_back([this] { io_.run(); });
        io_.run();
        for (std::thread& t : more) t.join();
    }

    /// Serves on `threads` threads of its own; returns at once.
    void start() {
        std::lock_guard<std::mutex> lock(mutex_);
        for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.threads); ++i) {
            threads_.emplace_back([this] { io_.run(); });
        }
    }

    /// Stops accepting and serving (open connections are dropped); callable from any thread,
    /// and from a signal_set handler on the server's own io_context.
    void stop() {
        boost::asio::post(io_, [this] {
            boost::beast::error_code ignored;
            acceptor_.close(ignored);
        });
        io_.stop();
        std::vector<std::thread> threads;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            threads.swap(threads_);
        }
        for (std::thread& t : threads) {
            if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
        }
    }

    /// The event loop, for the application's own timers and signal sets.
    boost::asio::io_context& io_context() noexcept { return io_; }

private:
    void accept() {
        acceptor_.async_accept(
            boost::asio::make_strand(io_),
            [this](boost::beast::error_code ec, boost::asio::ip::tcp::socket socket) {
                if (ec) {
                    if (!acceptor_.is_open()) return; // stopped
                } else {
                    boost::beast::error_code ignored;
                    socket.set_option(boost::asio::ip::tcp::no_delay(options_.tcp_nodelay),
                                      ignored);
                    std::make_shared<detail::Connection>(std::move(socket), dispatcher_, options_,
                                                         cap_, stand_in_)
                        ->read();
                }
                accept();
            });
    }

    const Dispatcher& dispatcher_;
    ServerOptions options_;
    std::size_t cap_ = 0;
    std::size_t stand_in_ = 0;
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::mutex mutex_;
    std::vector<std::thread> threads_;
};

/// Options of the client transport.
struct ClientOptions {
    std::chrono::milliseconds timeout{30000}; ///< for connecting, and for each request
};

namespace detail {

/// A keep-alive client connection to one host, used one request at a time.
class Client {
public:
    Client(std::string host, std::string port, ClientOptions options)
        : host_(std::move(host)), port_(std::move(port)), options_(options), stream_(io_) {}

    HttpResponse send(const HttpRequest& request) {
        std::lock_guard<std::mutex> lock(mutex_);
        boost::beast::error_code ec;
        const bool reused = connected_;
        HttpResponse response = exchange(request, ec);
        if (ec && reused) response = exchange(request, ec); // the server closed an idle connection
        if (ec) {
            connected_ = false;
            response = HttpResponse();
            response.status = 0;
            response.body = ec.message();
        }
        return response;
    }

private:
    HttpResponse exchange(const HttpRequest& request, boost::beast::error_code& ec) {
        namespace http = boost::beast::http;
        ec = {};
        if (!connected_) {
            boost::beast::error_code ignored;
            stream_.socket().close(ignored);
            boost::asio::ip::tcp::resolver resolver(io_);
            const auto endpoints = resolver.resolve(host_, port_, ec);
            if (ec) return {};
            stream_.expires_after(options_.timeout);
            stream_.async_connect(endpoints,
                                  [&ec](boost::beast::error_code e,
                                        const boost::asio::ip::tcp::endpoint&) { ec = e; });
            run();
            if (ec) return {};
            stream_.socket().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
            connected_ = true;
        }
        http::request<http::string_body> req;
        req.method_string(request.method);
        req.target(request.path);
        req.version(11);
        for (const Header& h : request.headers) req.set(h.name, h.value);
        req.set(http::field::host, host_);
        req.body() = request.body;
        req.keep_alive(true);
        req.prepare_payload();
        stream_.expires_after(options_.timeout);
        http::async_write(stream_, req, [&ec](boost::beast::error_code e, std::size_t) { ec = e; });
        run();
        if (ec) {
            connected_ = false;
            return {};
        }
        http::response_parser<http::string_body> parser;
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        http::async_read(stream_, buffer_, parser,
                         [&ec](boost::beast::error_code e, std::size_t) { ec = e; });
        run();
        if (ec) {
            connected_ = false;
            return {};
        }
        http::response<http::string_body> res = parser.release();
        HttpResponse out;
        out.status = static_cast<int>(res.result_int());
        for (const auto& field : res) {
            out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
        }
        out.body = std::move(res.body());
        if (!res.keep_alive()) connected_ = false;
        return out;
    }

    void run() {
        io_.restart();
        io_.run();
    }

    std::string host_;
    std::string port_;
    ClientOptions options_;
    boost::asio::io_context io_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    std::mutex mutex_;
    bool connected_ = false;
};

} // namespace detail

/// An HTTP client transport for the POS simulator (its PosTransport): sends each request over
/// one keep-alive connection to `host`:`port` and returns the response. A request that cannot
/// be delivered gives status 0 and the error in the body. Copies share the connection; calls
/// are serialized.
inline std::function<HttpResponse(const HttpRequest&)>
client_transport(const std::string& host, unsigned short port,
                 const ClientOptions& options = ClientOptions()) {
    auto client = std::make_shared<detail::Client>(host, std::to_string(port), options);
    return [client](const HttpRequest& request) { return client->send(request); };
}

} // namespace beast
} // namespace adapters

MPLUS_WEBHOOKS_END_NAMESPACE
