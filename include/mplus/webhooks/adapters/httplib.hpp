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
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#ifdef __linux__
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#endif
#include <thread>
#include <unordered_map>
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
    /// a free worker. A held long poll (ExternalPayments::poll or poll_async) keeps its
    /// worker until it is answered: at most this many polls are held at once. Measured on a
    /// 2-core machine with this count raised (bench/long_polls --adapter httplib): 1,500 held
    /// polls served (p99 18 ms from the device's answer), about 51 KiB of resident memory each
    /// with its connection and thread; 2,000 held, but slowly (p99 0.2 to 1.7 s); at 3,000 the
    /// machine is spent waking the idle keep-alive workers, each of which waits for its next
    /// request in short timed polls. For thousands of held polls use the Beast adapter.
    std::size_t max_connections = 256;
    /// Server only (Linux): a request must arrive in full (headers and body) within this
    /// time, counted from when a worker takes the connection or from the end of the previous
    /// response; a connection that takes longer is closed, so that a slow sender holds a
    /// worker for a bounded time. A response must be taken by the till within it too.
    std::chrono::milliseconds request_timeout{5000};
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

/// What a tracked connection is doing.
enum class Phase { receiving, handling, sending };

/// One connection under the request deadline: a duplicate of its socket (so that the socket
/// stays the same one until the entry is dropped), its identity, and its current phase.
struct TrackedConnection {
    int fd = -1;    ///< the socket's number, as cpp-httplib holds it
    int guard = -1; ///< a duplicate of the socket
    ino_t inode = 0;
    std::mutex mutex;
    Phase phase = Phase::receiving;
    std::chrono::steady_clock::time_point since = std::chrono::steady_clock::now();
    bool cut = false;

    /// Enters `phase` now.
    void enter(Phase p) {
        std::lock_guard<std::mutex> lock(mutex);
        phase = p;
        since = std::chrono::steady_clock::now();
    }
};

/// The connection the calling worker thread serves, or nullptr.
inline TrackedConnection*& current_connection() noexcept {
    static thread_local TrackedConnection* current = nullptr;
    return current;
}

/// Marks the calling worker's connection (if tracked) as in `phase` from now on.
inline void enter_phase(Phase phase) {
    if (TrackedConnection* c = current_connection()) c->enter(phase);
}

/// Bounds the time each request of a cpp-httplib server may take to arrive. cpp-httplib gives
/// no access to a connection's socket before its request has been read, so the socket is found
/// when the connection is queued (on the accepting thread, just after accept()): the one
/// connected socket of this process on the server's port not yet tracked. accept() returns the
/// lowest free descriptor, so the numbers that ended connections freed and the ones just above
/// the highest tracked are looked at first; only when none of them is it are all descriptors
/// in /proc/self/fd looked at. A watchdog thread shuts down the socket of a connection whose
/// request (or response) overruns the limit; cpp-httplib's blocked read then ends and frees the
/// worker.
class RequestDeadline {
public:
    explicit RequestDeadline(std::chrono::milliseconds limit) : limit_(limit) {}
    RequestDeadline(const RequestDeadline&) = delete;
    RequestDeadline& operator=(const RequestDeadline&) = delete;
    ~RequestDeadline() { stop(); }

    /// Starts watching connections to local `port`.
    void start(int port) {
        std::lock_guard<std::mutex> lock(mutex_);
        port_ = port;
        if (watchdog_.joinable()) return;
        stopping_ = false;
        watchdog_ = std::thread([this] { watch(); });
    }

    /// Stops the watchdog thread.
    void stop() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        if (watchdog_.joinable()) watchdog_.join();
    }

    /// The connection just accepted, tracked from now on; nullptr when it cannot be found.
    std::shared_ptr<TrackedConnection> adopt() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (port_ <= 0) return nullptr;
#ifdef __linux__
        std::shared_ptr<TrackedConnection> found;
        // The likely numbers first: those freed by connections that ended, lowest first (a
        // freed number now used by something else is forgotten); the first one still free ends
        // the look, as accept() took a lower one. Then the few above the highest tracked.
        auto it = freed_.begin();
        while (it != freed_.end() && !found) {
            if (probe(*it, found) == Probe::free) break;
            it = freed_.erase(it);
        }
        for (int fd = highest_ + 1; fd <= highest_ + probe_above && !found; ++fd) {
            probe(fd, found);
        }
        if (!found) {
            DIR* dir = ::opendir("/proc/self/fd");
            if (dir == nullptr) return nullptr;
            while (dirent* entry = ::readdir(dir)) {
                char* end = nullptr;
                const long n = std::strtol(entry->d_name, &end, 10);
                if (end == entry->d_name || *end != '\0' || n == ::dirfd(dir)) continue;
                if (probe(static_cast<int>(n), found) == Probe::found) break;
            }
            ::closedir(dir);
        }
        if (!found) return nullptr;
        found->guard = ::fcntl(found->fd, F_DUPFD_CLOEXEC, 0);
        if (found->guard < 0) return nullptr;
        freed_.erase(found->guard);
        highest_ = std::max({highest_, found->fd, found->guard});
        live_.emplace(found->inode, found);
        return found;
#else
        return nullptr;
#endif
    }

    /// Stops tracking `c` (its connection has ended, its socket closed by cpp-httplib).
    void release(const std::shared_ptr<TrackedConnection>& c) {
        std::lock_guard<std::mutex> lock(mutex_);
        live_.erase(c->inode);
        ::close(c->guard);
        if (freed_.size() < max_freed) {
            freed_.insert(c->fd);
            freed_.insert(c->guard);
        }
    }

private:
    /// What probe() found at a descriptor number.
    enum class Probe { found, free, in_use };
    /// Numbers looked at above the highest tracked before the full scan.
    static constexpr int probe_above = 4;
    /// Most freed numbers remembered.
    static constexpr std::size_t max_freed = 4096;

    /// Looks at descriptor `fd` (lock held): sets `found` when it is a connected socket on the
    /// server's port that is not tracked yet.
    Probe probe(int fd, std::shared_ptr<TrackedConnection>& found) const {
        struct stat st {};
        if (::fstat(fd, &st) != 0) return Probe::free;
        if (!S_ISSOCK(st.st_mode) || live_.count(st.st_ino) != 0 || local_port(fd) != port_) {
            return Probe::in_use;
        }
        sockaddr_storage peer{};
        socklen_t peer_len = sizeof(peer);
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) {
            return Probe::in_use; // the listening socket
        }
        found = std::make_shared<TrackedConnection>();
        found->fd = fd;
        found->inode = st.st_ino;
        return Probe::found;
    }

    static int local_port(int fd) {
        sockaddr_storage local{};
        socklen_t len = sizeof(local);
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) return -1;
        if (local.ss_family == AF_INET) {
            return ntohs(reinterpret_cast<const sockaddr_in*>(&local)->sin_port);
        }
        if (local.ss_family == AF_INET6) {
            return ntohs(reinterpret_cast<const sockaddr_in6*>(&local)->sin6_port);
        }
        return -1;
    }

    void watch() {
        const auto tick = std::max(std::chrono::milliseconds(5),
                                   std::min(std::chrono::milliseconds(100), limit_ / 10));
        std::unique_lock<std::mutex> lock(mutex_);
        while (!stopping_) {
            wake_.wait_for(lock, tick);
            const auto now = std::chrono::steady_clock::now();
            for (const auto& entry : live_) {
                TrackedConnection* c = entry.second.get();
                std::lock_guard<std::mutex> guard(c->mutex);
                if (c->cut || c->phase == Phase::handling || now - c->since <= limit_) continue;
                ::shutdown(c->guard, SHUT_RDWR);
                c->cut = true;
            }
        }
    }

    std::chrono::milliseconds limit_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::unordered_map<ino_t, std::shared_ptr<TrackedConnection>> live_; ///< by socket inode
    std::set<int> freed_; ///< descriptor numbers that ended connections freed
    int highest_ = 2;     ///< the highest descriptor number tracked so far
    std::thread watchdog_;
    int port_ = 0;
    bool stopping_ = false;
};

/// The OnDemandPool of a Server: tracks each connection under the request deadline while a
/// worker serves it.
class DeadlinePool final : public ::httplib::TaskQueue {
public:
    DeadlinePool(std::size_t max_threads, RequestDeadline& deadline)
        : pool_(max_threads), deadline_(deadline) {}

    /// Queues the connection just accepted.
    void enqueue(std::function<void()> fn) override {
        std::shared_ptr<TrackedConnection> c = deadline_.adopt();
        if (!c) return pool_.enqueue(std::move(fn));
        RequestDeadline* deadline = &deadline_;
        pool_.enqueue([c, deadline, fn = std::move(fn)] {
            c->enter(Phase::receiving);
            current_connection() = c.get();
            fn();
            current_connection() = nullptr;
            deadline->release(c);
        });
    }

    /// Runs the queued connections, then joins the workers.
    void shutdown() override { pool_.shutdown(); }

private:
    OnDemandPool pool_;
    RequestDeadline& deadline_;
};

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
        detail::enter_phase(detail::Phase::handling); // the request has arrived in full
        to_httplib_response(d->handle(to_http_request(req)), res);
        detail::enter_phase(detail::Phase::sending);
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
            detail::enter_phase(detail::Phase::handling);
            HttpRequest request = to_http_request(req);
            request.body.assign(stand_in, ' ');
            to_httplib_response(d->handle(request), res);
            detail::enter_phase(detail::Phase::sending);
            return ::httplib::Server::HandlerResponse::Handled;
        };
    server.set_error_handler(on_error);
}

/// An httplib::Server with a dispatcher mounted (see mount()) that also bounds the time a
/// request may take to arrive (ServerOptions::request_timeout, on Linux) and listens with a
/// deep accept queue (cpp-httplib's own is 5 connections, too few when a shop's tills
/// reconnect at once). Its logger marks the end of each response: replace it with
/// set_access_log(), not set_logger().
class Server : public ::httplib::Server {
public:
    /// Mounts `dispatcher`, which must outlive the server, with `options`.
    explicit Server(const Dispatcher& dispatcher, const ServerOptions& options = ServerOptions())
        : deadline_(std::make_unique<detail::RequestDeadline>(options.request_timeout)) {
        mount(*this, dispatcher, options);
        detail::RequestDeadline* deadline = deadline_.get();
        const std::size_t workers = options.max_connections;
        new_task_queue = [workers, deadline] {
            return new detail::DeadlinePool(workers, *deadline);
        };
        set_socket_options([this](socket_t sock) {
            int yes = 1;
            ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
            std::lock_guard<std::mutex> lock(mutex_);
            listen_socket_ = sock;
        });
        set_logger([this](const ::httplib::Request& req, const ::httplib::Response& res) {
            detail::enter_phase(detail::Phase::receiving); // the response has been written
            std::lock_guard<std::mutex> lock(mutex_);
            if (access_log_) access_log_(req, res);
        });
    }
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    /// Stops the server and the deadline's watchdog.
    ~Server() override {
        stop();
        deadline_->stop();
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
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (listen_socket_ != INVALID_SOCKET) ::listen(listen_socket_, SOMAXCONN);
        }
        deadline_->start(bound);
        return bound;
    }

    /// Binds `host`:`port` like bind(), then serves until stop(); false when it cannot bind
    /// or the listen loop fails.
    bool listen(const std::string& host, int port) {
        return bind(host, port) > 0 && listen_after_bind();
    }

    /// Called after each response has been written (cpp-httplib's logger).
    void set_access_log(::httplib::Logger log) {
        std::lock_guard<std::mutex> lock(mutex_);
        access_log_ = std::move(log);
    }

private:
    std::unique_ptr<detail::RequestDeadline> deadline_;
    std::mutex mutex_;
    socket_t listen_socket_ = INVALID_SOCKET;
    ::httplib::Logger access_log_;
};

/// Options of the client transport.
struct ClientOptions {
    std::chrono::milliseconds connect_timeout{2000}; ///< to open the connection
    /// For each read of the reply. A till waits up to 60 s for a held pollExternalPayment:
    /// raise it above that for a middleware that holds polls.
    std::chrono::milliseconds read_timeout{30000};
    std::chrono::milliseconds write_timeout{5000}; ///< for each write of the request
    /// TCP_NODELAY, as a till sends: without it a request's headers and body may wait on
    /// Nagle's algorithm.
    bool tcp_nodelay = true;
    /// Connect over TLS (https). It needs cpp-httplib with OpenSSL (CPPHTTPLIB_OPENSSL_SUPPORT
    /// defined before <httplib.h>); without it client_transport() throws
    /// std::invalid_argument.
    bool tls = false;
    /// Headers sent with every request, before the request's own.
    std::vector<Header> headers;
    /// A request that cannot be delivered throws std::runtime_error (the simulator records
    /// it as "no reply") instead of returning status 0 with the error in the body.
    bool throw_on_failure = false;
};

/// An HTTP client transport for the POS simulator (its PosTransport): sends each request over
/// one keep-alive connection to `host`:`port` (TLS when options.tls) and returns the response
/// with its status, headers and body. A request that cannot be delivered gives status 0 and
/// the error in the body, or throws when options.throw_on_failure. Copies share the
/// connection; calls are serialized.
inline std::function<HttpResponse(const HttpRequest&)>
client_transport(const std::string& host, int port,
                 const ClientOptions& options = ClientOptions()) {
    std::shared_ptr<::httplib::Client> client;
    if (options.tls) {
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
        client =
            std::make_shared<::httplib::Client>("https://" + host + ":" + std::to_string(port));
#else
        throw std::invalid_argument("mplus::webhooks::adapters::httplib::client_transport: TLS "
                                    "needs cpp-httplib with OpenSSL (CPPHTTPLIB_OPENSSL_SUPPORT)");
#endif
    } else {
        client = std::make_shared<::httplib::Client>(host, port);
    }
    const auto c = detail::split_timeout(options.connect_timeout);
    client->set_connection_timeout(c.first, c.second);
    const auto r = detail::split_timeout(options.read_timeout);
    client->set_read_timeout(r.first, r.second);
    const auto w = detail::split_timeout(options.write_timeout);
    client->set_write_timeout(w.first, w.second);
    client->set_keep_alive(true);
    client->set_tcp_nodelay(options.tcp_nodelay);
    auto lock = std::make_shared<std::mutex>();
    return [client, lock, fixed = options.headers,
            throws = options.throw_on_failure](const HttpRequest& request) {
        ::httplib::Headers headers;
        std::string content_type;
        for (const Header& h : fixed) headers.emplace(h.name, h.value);
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
            if (throws)
                throw std::runtime_error("no answer: " + ::httplib::to_string(result.error()));
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
