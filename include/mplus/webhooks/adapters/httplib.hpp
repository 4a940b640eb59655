// cpp-httplib adapter: a Dispatcher mounted on an httplib::Server, and an HTTP client transport
// for the POS simulator. Link the CMake target mplus_webhooks::httplib.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/http.hpp>

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

namespace adapters {
namespace httplib {

/// How a cpp-httplib server serves tills; the defaults suit a till's webhooks.
struct ServerOptions {
    /// Paths routed to the dispatcher (an httplib regular expression); every method is routed,
    /// so that a GET gets the protocol's error reply.
    std::string path_pattern = ".*";
    /// TCP_NODELAY: without it cpp-httplib writes the headers and the body in two segments,
    /// and Nagle's algorithm holds the second until the till's delayed ACK (about 40 ms).
    bool tcp_nodelay = true;
    /// Requests served on one keep-alive connection before it is closed (cpp-httplib's own
    /// default is 5, which makes tills reconnect all the time).
    std::size_t keep_alive_max_requests = 100000;
    /// How long an idle keep-alive connection waits for its next request.
    std::chrono::seconds keep_alive_timeout{5};
    /// Longest wait for the next bytes of a request; a connection that sends nothing for this
    /// long is closed.
    std::chrono::milliseconds read_timeout{2000};
    /// Longest wait for the till to take the next bytes of a response.
    std::chrono::milliseconds write_timeout{5000};
    /// Connections served at once. cpp-httplib holds a worker thread per open connection
    /// (idle keep-alive ones and slow senders included), so the pool is sized with headroom:
    /// threads are started on demand up to this count, and a connection beyond it waits for
    /// a free worker.
    std::size_t max_connections = 256;
    /// Largest request body read, in bytes; 0: the dispatcher's max_body_size. A larger body is
    /// not read and gets the dispatcher's signed PAYLOAD_TOO_LARGE reply.
    std::size_t max_body_size = 0;
};

namespace detail {

/// A bounded pool that starts its threads on demand: one per connection being served, up to
/// `max_threads`; further connections wait in a queue. Threads stay for the pool's lifetime.
class OnDemandPool final : public ::httplib::TaskQueue {
public:
    explicit OnDemandPool(std::size_t max_threads)
        : max_threads_(std::max<std::size_t>(1, max_threads)) {}
    OnDemandPool(const OnDemandPool&) = delete;
    OnDemandPool& operator=(const OnDemandPool&) = delete;
    ~OnDemandPool() override { shutdown(); }

    /// Queues `fn`; starts a thread when none is idle and the bound allows it.
    void enqueue(std::function<void()> fn) override {
        std::unique_lock<std::mutex> lock(mutex_);
        if (stopping_) return;
        jobs_.push_back(std::move(fn));
        if (idle_ == 0 && threads_.size() < max_threads_) {
            threads_.emplace_back([this] { work(); });
        } else {
            ready_.notify_one();
        }
    }

    /// Runs the queued jobs, then joins every thread.
    void shutdown() override {
        std::vector<std::thread> threads;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
            threads.swap(threads_);
        }
        ready_.notify_all();
        for (std::thread& t : threads) {
            if (t.joinable()) t.join();
        }
    }

private:
    void work() {
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            ++idle_;
            ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            --idle_;
            if (jobs_.empty()) return; // stopping, nothing left
            std::function<void()> job = std::move(jobs_.front());
            jobs_.pop_front();
            lock.unlock();
            job();
            lock.lock();
        }
    }

    std::size_t max_threads_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> jobs_;
    std::vector<std::thread> threads_;
    std::size_t idle_ = 0;
    bool stopping_ = false;
};

/// Seconds and microseconds of `d`, as cpp-httplib's timeout setters take them.
inline std::pair<time_t, time_t> split_timeout(std::chrono::milliseconds d) {
    const long long ms = std::max<long long>(1, d.count());
    return {static_cast<time_t>(ms / 1000), static_cast<time_t>((ms % 1000) * 1000)};
}

} // namespace detail

/// The dispatcher's view of an httplib request: method, path, headers, the exact body bytes.
inline HttpRequest to_http_request(const ::httplib::Request& req) {
    HttpRequest out;
    out.method = req.method;
    out.path = req.path;
    out.headers.reserve(req.headers.size());
    for (const auto& field : req.headers) out.headers.push_back({field.first, field.second});
    out.body = req.body;
    return out;
}

/// Copies the dispatcher's response (status, Content-Type, signature, body) into `res`.
inline void to_httplib_response(HttpResponse&& response, ::httplib::Response& res) {
    res.status = response.status;
    std::string content_type = "application/json";
    for (Header& h : response.headers) {
        if (::mplus::webhooks::detail::iequals(h.name, "Content-Type")) {
            content_type = std::move(h.value);
        } else {
            res.set_header(h.name.c_str(), h.value);
        }
    }
    res.set_content(std::move(response.body), content_type.c_str());
}

/// Mounts `dispatcher` on `server` with the settings of `options`: every method on
/// `options.path_pattern` goes to the dispatcher, and a body over the cap gets the
/// dispatcher's signed PAYLOAD_TOO_LARGE reply instead of cpp-httplib's empty 413.
/// `dispatcher` must outlive the server. Call before the server listens.
inline void mount(::httplib::Server& server, const Dispatcher& dispatcher,
                  const ServerOptions& options = ServerOptions()) {
    const std::size_t dispatcher_cap = dispatcher.config().max_body_size;
    const std::size_t cap = options.max_body_size != 0 ? options.max_body_size : dispatcher_cap;
    server.set_tcp_nodelay(options.tcp_nodelay);
    server.set_payload_max_length(cap);
    server.set_keep_alive_max_count(options.keep_alive_max_requests);
    server.set_keep_alive_timeout(
        static_cast<time_t>(std::max<long long>(1, options.keep_alive_timeout.count())));
    const auto read = detail::split_timeout(options.read_timeout);
    server.set_read_timeout(read.first, read.second);
    const auto write = detail::split_timeout(options.write_timeout);
    server.set_write_timeout(write.first, write.second);
    const std::size_t workers = options.max_connections;
    server.new_task_queue = [workers] { return new detail::OnDemandPool(workers); };

    const Dispatcher* d = &dispatcher;
    const ::httplib::Server::Handler handler = [d](const ::httplib::Request& req,
                                                   ::httplib::Response& res) {
        to_httplib_response(d->handle(to_http_request(req)), res);
    };
    const std::string& pattern = options.path_pattern;
    server.Post(pattern, handler);
    server.Get(pattern, handler);
    server.Put(pattern, handler);
    server.Patch(pattern, handler);
    server.Delete(pattern, handler);
    server.Options(pattern, handler);

    // cpp-httplib refuses a body over its cap without reading it (413, empty body). The
    // dispatcher answers the same request, with a body just over its own cap standing in for
    // the unread one, so that the till gets the signed error reply (after the same method,
    // content type and subscription checks as any request).
    const std::size_t stand_in = std::max(cap, dispatcher_cap) + 1;
    const ::httplib::Server::HandlerWithResponse on_error =
        [d, stand_in](const ::httplib::Request& req, ::httplib::Response& res) {
            if (res.status != 413) return ::httplib::Server::HandlerResponse::Unhandled;
            HttpRequest request = to_http_request(req);
            request.body.assign(stand_in, ' ');
            to_httplib_response(d->handle(request), res);
            return ::httplib::Server::HandlerResponse::Handled;
        };
    server.set_error_handler(on_error);
}

/// An httplib::Server with a dispatcher mounted (see mount()) that listens with a deep accept
/// queue (cpp-httplib's own is 5 connections, too few when a shop's tills reconnect at once).
class Server : public ::httplib::Server {
public:
    /// Mounts `dispatcher`, which must outlive the server, with `options`.
    explicit Server(const Dispatcher& dispatcher, const ServerOptions& options = ServerOptions()) {
        mount(*this, dispatcher, options);
        set_socket_options([this](socket_t sock) {
            int yes = 1;
            ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
            std::lock_guard<std::mutex> lock(mutex_);
            listen_socket_ = sock;
        });
    }

    /// Binds `host`:`port` (0: a free port) and returns the port, or -1 when it cannot.
    int bind(const std::string& host, int port) {
        int bound = port;
        if (port == 0) {
            bound = bind_to_any_port(host);
        } else if (!bind_to_port(host, port)) {
            bound = -1;
        }
        if (bound <= 0) return -1;
        std::lock_guard<std::mutex> lock(mutex_);
        if (listen_socket_ != INVALID_SOCKET) ::listen(listen_socket_, SOMAXCONN);
        return bound;
    }

private:
    std::mutex mutex_;
    socket_t listen_socket_ = INVALID_SOCKET;
};

/// Options of the client transport.
struct ClientOptions {
    std::chrono::milliseconds connect_timeout{2000}; ///< to open the connection
    std::chrono::milliseconds read_timeout{30000};   ///< for each read of the reply
    std::chrono::milliseconds write_timeout{5000};   ///< for each write of the request
};

/// An HTTP client transport for the POS simulator (its PosTransport): sends each request over
/// one keep-alive connection to `host`:`port` and returns the response. A request that cannot
/// be delivered gives status 0 and the error in the body. Copies share the connection; calls
/// are serialized.
inline std::function<HttpResponse(const HttpRequest&)>
client_transport(const std::string& host, int port,
                 const ClientOptions& options = ClientOptions()) {
    auto client = std::make_shared<::httplib::Client>(host, port);
    const auto c = detail::split_timeout(options.connect_timeout);
    client->set_connection_timeout(c.first, c.second);
    const auto r = detail::split_timeout(options.read_timeout);
    client->set_read_timeout(r.first, r.second);
    const auto w = detail::split_timeout(options.write_timeout);
    client->set_write_timeout(w.first, w.second);
    client->set_keep_alive(true);
    auto lock = std::make_shared<std::mutex>();
    return [client, lock](const HttpRequest& request) {
        ::httplib::Headers headers;
        std::string content_type;
        for (const Header& h : request.headers) {
            if (::mplus::webhooks::detail::iequals(h.name, "Content-Type")) {
                content_type = h.value;
            } else if (!::mplus::webhooks::detail::iequals(h.name, "Content-Length")) {
                headers.emplace(h.name, h.value);
            }
        }
        ::httplib::Request req;
        req.method = request.method;
        req.path = request.path;
        req.headers = std::move(headers);
        req.body = request.body;
        if (!content_type.empty()) req.set_header("Content-Type", content_type);
        HttpResponse out;
        std::lock_guard<std::mutex> guard(*lock);
        ::httplib::Result result = client->send(req);
        if (!result) {
            out.status = 0;
            out.body = ::httplib::to_string(result.error());
            return out;
        }
        out.status = result->status;
        for (const auto& field : result->headers)
            out.headers.push_back({field.first, field.second});
        out.body = result->body;
        return out;
    };
}

} // namespace httplib
} // namespace adapters

MPLUS_WEBHOOKS_END_NAMESPACE
