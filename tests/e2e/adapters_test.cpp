// The HTTP adapters over loopback, on both stacks: keep-alive, chunked bodies, lower-case
// headers, the signed 413, slow clients, and the client transports.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks.hpp>
#include <mplus/webhooks/adapters/beast.hpp>
#include <mplus/webhooks/adapters/httplib.hpp>
#include <mplus/webhooks/dispatcher.hpp>

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace mw = mplus::webhooks;
namespace adapters = mw::adapters;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* secret_text = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";

mw::Secret secret() {
    return *mw::Secret::from_text(secret_text);
}

const std::string add_line_body =
    R"({"event":{"eventBlocking":true,"eventPolling":false,"eventCounter":7},)"
    R"("sender":{"branchNumber":1,"workplaceNumber":3},)"
    R"("session":{"sessionId":"s1","lines":[{"lineId":"a1","articleNumber":235,)"
    R"J("priceIncl":17.50,"quantity":1,"text":"Tour Ticket"}]},)J"
    R"("addSessionLine":{"line":{"lineId":"a1","articleNumber":235,"priceIncl":17.50,)"
    R"J("quantity":1,"text":"Tour Ticket"}}})J";

const std::string add_line_reply = R"({"message":[{"message":"Added: Tour Ticket"}]})";

/// A dispatcher that answers addSessionLine with a message naming the line.
mw::DispatcherConfig config() {
    mw::DispatcherConfig c;
    c.secrets = mw::KeyRing({secret()});
    return c;
}

void add_handler(mw::Dispatcher& d) {
    d.on<mw::events::AddSessionLine>([](const mw::AddSessionLineRequest& r) {
        mw::Reply reply;
        reply.add_message("Added: " + r.add_session_line.line.text);
        return reply;
    });
}

/// A connected loopback socket, closed on destruction.
class Socket {
public:
    explicit Socket(int port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
        int yes = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    ~Socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    bool connected() const { return connected_; }

    /// Sends all of `data`; false on error.
    bool send(const std::string& data) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return false;
            sent += static_cast<std::size_t>(n);
        }
        return true;
    }

    /// Reads one response (Content-Length framed) within `timeout`; nullopt on close/timeout.
    std::optional<mw::HttpResponse> read_response(milliseconds timeout = milliseconds(5000)) {
        const Clock::time_point deadline = Clock::now() + timeout;
        std::size_t header_end = std::string::npos;
        while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
            if (!fill(deadline)) return std::nullopt;
        }
        mw::HttpResponse response;
        const std::string head = buffer_.substr(0, header_end);
        std::size_t line_end = head.find("\r\n");
        const std::string status_line = head.substr(0, line_end);
        response.status = std::stoi(status_line.substr(9, 3));
        std::size_t length = 0;
        while (line_end != std::string::npos && line_end < head.size()) {
            const std::size_t start = line_end + 2;
            const std::size_t next = head.find("\r\n", start);
            const std::string line =
                head.substr(start, next == std::string::npos ? std::string::npos : next - start);
            const std::size_t colon = line.find(':');
            if (colon != std::string::npos) {
                std::string value = line.substr(colon + 1);
                while (!value.empty() && value.front() == ' ') value.erase(0, 1);
                response.headers.push_back({line.substr(0, colon), value});
                if (mw::detail::iequals(line.substr(0, colon), "Content-Length"))
                    length = std::stoul(value);
            }
            line_end = next;
        }
        buffer_.erase(0, header_end + 4);
        while (buffer_.size() < length) {
            if (!fill(deadline)) return std::nullopt;
        }
        response.body = buffer_.substr(0, length);
        buffer_.erase(0, length);
        return response;
    }

    /// True when the server closes the connection within `timeout`.
    bool closed_within(milliseconds timeout) {
        const Clock::time_point deadline = Clock::now() + timeout;
        for (;;) {
            pollfd p{fd_, POLLIN, 0};
            const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) return false;
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
            char c[4096];
            const ssize_t n = ::recv(fd_, c, sizeof(c), 0);
            if (n <= 0) return true;
        }
    }

private:
    bool fill(Clock::time_point deadline) {
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
        char chunk[16384];
        const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
        if (n <= 0) return false;
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

    int fd_ = -1;
    bool connected_ = false;
    std::string buffer_;
};

/// A signed POST of `body` to /webhooks/`event` with `header_names` spelled as given.
std::string signed_post(const std::string& event, const std::string& body, bool lower_case = false,
                        bool keep_alive = true) {
    const std::string type = lower_case ? "content-type" : "Content-Type";
    const std::string sig = lower_case ? "x-mplus-signature" : "X-Mplus-Signature";
    const std::string length = lower_case ? "content-length" : "Content-Length";
    return "POST /webhooks/" + event + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + type +
           ": application/json\r\n" + sig + ": " + secret().sign(body) + "\r\n" + length + ": " +
           std::to_string(body.size()) + "\r\n" + (keep_alive ? "" : "Connection: close\r\n") +
           "\r\n" + body;
}

/// True when `response` carries a valid signature of its body.
bool signed_ok(const mw::HttpResponse& response) {
    return secret().verify(response.body, response.header("X-Mplus-Signature"));
}

/// The wire code of an error reply, or "".
std::string error_code(const mw::HttpResponse& response) {
    const nlohmann::json j = nlohmann::json::parse(response.body, nullptr, false);
    if (!j.is_object() || !j.contains("error")) return "";
    return j["error"].value("code", "");
}

/// One server under test, on a free loopback port, stopped on destruction.
class Running {
public:
    virtual ~Running() = default;
    virtual int port() const = 0;
};

class RunningHttplib final : public Running {
public:
    RunningHttplib(const mw::Dispatcher& d, const adapters::httplib::ServerOptions& options)
        : server_(d, options) {
        port_ = server_.bind("127.0.0.1", 0);
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(milliseconds(1));
    }
    ~RunningHttplib() override {
        server_.stop();
        thread_.join();
    }
    int port() const override { return port_; }

private:
    adapters::httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
};

class RunningBeast final : public Running {
public:
    RunningBeast(const mw::Dispatcher& d, const adapters::beast::ServerOptions& options)
        : server_(d, options) {
        port_ = server_.listen("127.0.0.1", 0);
        server_.start();
    }
    ~RunningBeast() override { server_.stop(); }
    int port() const override { return port_; }

private:
    adapters::beast::Server server_;
    int port_ = 0;
};

/// Both stacks, with the given body cap and request time limit.
struct Stacks {
    explicit Stacks(const mw::Dispatcher& d, std::size_t max_body = 0,
                    milliseconds request_timeout = milliseconds(5000)) {
        adapters::httplib::ServerOptions h;
        h.max_body_size = max_body;
        h.request_timeout = request_timeout;
        adapters::beast::ServerOptions b;
        b.max_body_size = max_body;
        b.request_timeout = request_timeout;
        servers.push_back(std::make_unique<RunningHttplib>(d, h));
        servers.push_back(std::make_unique<RunningBeast>(d, b));
    }
    std::vector<std::unique_ptr<Running>> servers;
    static const char* name(std::size_t i) { return i == 0 ? "cpp-httplib" : "Boost.Beast"; }

    /// Calls `check(server)` for each stack's server, with the stack's name in any failure.
    template <class Check>
    void each(Check check) const {
        for (std::size_t i = 0; i < servers.size(); ++i) {
            const std::string stack = name(i);
            CAPTURE(stack);
            check(*servers[i]);
        }
    }
};

/// Checks that the next response on `s` is the signed reply to add_line_body.
void check_add_line_reply(Socket& s) {
    const auto r = s.read_response();
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->body == add_line_reply);
    CHECK(signed_ok(*r));
}

/// Checks that the next response on `s` is the signed PAYLOAD_TOO_LARGE reply.
void check_too_large_reply(Socket& s) {
    const auto r = s.read_response();
    REQUIRE(r.has_value());
    CHECK(r->status == 413);
    CHECK(error_code(*r) == "PAYLOAD_TOO_LARGE");
    CHECK(r->header("Content-Type") == "application/json");
    CHECK(signed_ok(*r));
}

struct IgnoreSigpipe {
    IgnoreSigpipe() { std::signal(SIGPIPE, SIG_IGN); }
} ignore_sigpipe;

} // namespace

TEST_CASE("adapters: keep-alive serves several requests on one connection") {
    mw::Dispatcher d(config());
    add_handler(d);
    Stacks(d).each([](const Running& server) {
        Socket s(server.port());
        REQUIRE(s.connected());
        for (int n = 0; n < 3; ++n) {
            REQUIRE(s.send(signed_post("addSessionLine", add_line_body)));
            check_add_line_reply(s);
        }
    });
}

TEST_CASE("adapters: a chunked body is read whole and verified") {
    mw::Dispatcher d(config());
    add_handler(d);
    Stacks(d).each([](const Running& server) {
        Socket s(server.port());
        std::string request = "POST /webhooks/addSessionLine HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Content-Type: application/json\r\nX-Mplus-Signature: " +
                              secret().sign(add_line_body) +
                              "\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (std::size_t at = 0; at < add_line_body.size(); at += 50) {
            const std::string piece = add_line_body.substr(at, 50);
            char size[16];
            std::snprintf(size, sizeof(size), "%zx\r\n", piece.size());
            request += size + piece + "\r\n";
        }
        request += "0\r\n\r\n";
        REQUIRE(s.send(request));
        check_add_line_reply(s);
        // and the connection still serves the next request
        REQUIRE(s.send(signed_post("addSessionLine", add_line_body)));
        check_add_line_reply(s);
    });
}

TEST_CASE("adapters: lower-case header names are read") {
    mw::Dispatcher d(config());
    add_handler(d);
    Stacks(d).each([](const Running& server) {
        Socket s(server.port());
        REQUIRE(s.send(signed_post("addSessionLine", add_line_body, true)));
        check_add_line_reply(s);
    });
}

TEST_CASE("adapters: a body over the cap gets the signed PAYLOAD_TOO_LARGE reply") {
    mw::DispatcherConfig c = config();
    c.max_body_size = 4096;
    mw::Dispatcher d(c);
    add_handler(d);
    SUBCASE("the dispatcher's cap") {
        Stacks(d).each([](const Running& server) {
            for (const std::size_t size : {std::size_t{4097}, std::size_t{200000}}) {
                CAPTURE(size);
                Socket s(server.port());
                const std::string body = "{\"pad\":\"" + std::string(size - 10, 'x') + "\"}";
                s.send(signed_post("addSessionLine", body)); // the server may stop reading
                check_too_large_reply(s);
            }
        });
    }
    SUBCASE("a smaller cap of the adapter") {
        Stacks(d, 1000).each([](const Running& server) {
            Socket s(server.port());
            const std::string body = "{\"pad\":\"" + std::string(2000, 'x') + "\"}";
            s.send(signed_post("addSessionLine", body));
            check_too_large_reply(s);
        });
    }
}

namespace {

/// Opens `count` connections that each send a request part way and then one more byte every
/// `every`, for at most `duration`; meanwhile measures how long a till's request takes.
milliseconds till_time_under_tricklers(int port, int count, bool in_body, milliseconds every,
                                       milliseconds duration,
                                       milliseconds till_timeout = milliseconds(3000)) {
    std::vector<std::unique_ptr<Socket>> slow;
    const std::string head_part = "POST /webhooks/addSessionLine HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    const std::string body_head = "POST /webhooks/addSessionLine HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "Content-Type: application/json\r\nX-Mplus-Signature: x\r\n"
                                  "Content-Length: 100000\r\n\r\n{";
    for (int i = 0; i < count; ++i) {
        slow.push_back(std::make_unique<Socket>(port));
        slow.back()->send(in_body ? body_head : head_part);
    }
    std::atomic<bool> stop{false};
    std::thread trickle([&] {
        const Clock::time_point end = Clock::now() + duration;
        int n = 0;
        while (!stop && Clock::now() < end) {
            for (auto& s : slow)
                s->send(in_body ? std::string("x") : "X-Slow-" + std::to_string(n) + ": 1\r\n");
            ++n;
            std::this_thread::sleep_for(every);
        }
    });
    std::this_thread::sleep_for(milliseconds(200)); // every slow connection is being served
    const Clock::time_point start = Clock::now();
    Socket till(port);
    milliseconds took(100000);
    if (till.send(signed_post("addSessionLine", add_line_body))) {
        const auto r = till.read_response(till_timeout);
        if (r && r->status == 200 && r->body == add_line_reply) {
            took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
        }
    }
    stop = true;
    trickle.join();
    return took;
}

} // namespace

TEST_CASE("adapters: 64 connections trickling their headers or body do not starve a till") {
    mw::Dispatcher d(config());
    add_handler(d);
    Stacks stacks(d);
    for (std::size_t i = 0; i < stacks.servers.size(); ++i) {
        for (const bool in_body : {false, true}) {
            const std::string stack = Stacks::name(i);
            CAPTURE(stack);
            CAPTURE(in_body);
            const milliseconds took = till_time_under_tricklers(
                stacks.servers[i]->port(), 64, in_body, milliseconds(100), milliseconds(1500));
            const std::string figure =
                std::string(Stacks::name(i)) + (in_body ? ", body" : ", headers") +
                " trickling x64: till answered in " + std::to_string(took.count()) + " ms";
            MESSAGE(figure);
            CHECK(took < milliseconds(1000));
        }
    }
}

TEST_CASE("adapters: the client transports talk to both servers") {
    mw::Dispatcher d(config());
    add_handler(d);
    Stacks(d).each([](const Running& server) {
        const int port = server.port();
        std::vector<std::function<mw::HttpResponse(const mw::HttpRequest&)>> transports{
            adapters::httplib::client_transport("127.0.0.1", port),
            adapters::beast::client_transport("127.0.0.1", static_cast<unsigned short>(port))};
        for (auto& transport : transports) {
            mw::HttpRequest request;
            request.method = "POST";
            request.path = "/webhooks/addSessionLine";
            request.headers = {{"Content-Type", "application/json"},
                               {"X-Mplus-Signature", secret().sign(add_line_body)}};
            request.body = add_line_body;
            for (int n = 0; n < 2; ++n) { // the second over the kept-alive connection
                const mw::HttpResponse r = transport(request);
                CHECK(r.status == 200);
                CHECK(r.body == add_line_reply);
                CHECK(signed_ok(r));
            }
        }
        // Nobody listening: status 0 and the error, no exception.
        const mw::HttpResponse refused = adapters::beast::client_transport("127.0.0.1", 1)(
            mw::HttpRequest{"POST", "/x", {}, ""});
        CHECK(refused.status == 0);
        CHECK_FALSE(refused.body.empty());
    });
}

TEST_CASE("adapters: a connection whose request does not arrive in time is closed") {
    mw::Dispatcher d(config());
    add_handler(d);
    Stacks(d, 0, milliseconds(300)).each([](const Running& server) {
        for (const bool in_body : {false, true}) {
            CAPTURE(in_body);
            Socket s(server.port());
            const Clock::time_point start = Clock::now();
            s.send(in_body ? "POST /webhooks/addSessionLine HTTP/1.1\r\nHost: a\r\n"
                             "Content-Length: 100\r\n\r\n{"
                           : "POST /webhooks/addSessionLine HTTP/1.1\r\nHost: a\r\n");
            // One more byte every 100 ms: never silent long enough for a read timeout.
            bool closed = false;
            for (int n = 0; n < 20 && !closed; ++n) {
                closed = s.closed_within(milliseconds(100));
                if (!closed) s.send(in_body ? "x" : "X-Slow: 1\r\n");
            }
            const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
            CHECK(closed);
            CHECK(took >= milliseconds(250));
            CHECK(took < milliseconds(1500));
        }
        // A prompt request on a fresh connection is still served.
        Socket s(server.port());
        REQUIRE(s.send(signed_post("addSessionLine", add_line_body)));
        check_add_line_reply(s);
    });
}

TEST_CASE("adapters: cpp-httplib: connections on the descriptors of ended ones keep the deadline") {
    mw::Dispatcher d(config());
    add_handler(d);
    adapters::httplib::ServerOptions options;
    options.request_timeout = milliseconds(300);
    RunningHttplib server(d, options);
    // Three rounds: connections served and closed free their descriptors, and the next
    // round's connections (server side and, in this process, client side) take them again.
    for (int round = 0; round < 3; ++round) {
        CAPTURE(round);
        {
            std::vector<std::unique_ptr<Socket>> served;
            for (int i = 0; i < 12; ++i) {
                served.push_back(std::make_unique<Socket>(server.port()));
                REQUIRE(served.back()->send(signed_post("addSessionLine", add_line_body)));
                check_add_line_reply(*served.back());
            }
        } // closed by the client: the server ends them and frees their descriptors
        std::this_thread::sleep_for(milliseconds(100));
        // Slow senders on the freed descriptors: each is cut at the deadline.
        std::vector<std::unique_ptr<Socket>> slow;
        for (int i = 0; i < 6; ++i) {
            slow.push_back(std::make_unique<Socket>(server.port()));
            slow.back()->send("POST /webhooks/addSessionLine HTTP/1.1\r\nHost: a\r\n");
        }
        const Clock::time_point start = Clock::now();
        std::size_t closed = 0;
        for (int n = 0; n < 20 && closed < slow.size(); ++n) {
            closed = 0;
            for (auto& s : slow) {
                if (s->closed_within(milliseconds(10))) {
                    ++closed;
                } else {
                    s->send("X-Slow: 1\r\n");
                }
            }
            std::this_thread::sleep_for(milliseconds(50));
        }
        const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
        CHECK(closed == slow.size());
        CHECK(took < milliseconds(1500));
        // And a prompt request is served.
        Socket till(server.port());
        REQUIRE(till.send(signed_post("addSessionLine", add_line_body)));
        check_add_line_reply(till);
    }
}

TEST_CASE("adapters: cpp-httplib with few workers: the request deadline frees them for a till") {
    mw::Dispatcher d(config());
    add_handler(d);
    adapters::httplib::ServerOptions options;
    options.max_connections = 4;
    options.request_timeout = milliseconds(300);
    RunningHttplib server(d, options);
    // 8 slow senders for 4 s: without the deadline they would hold all 4 workers throughout.
    const milliseconds took = till_time_under_tricklers(server.port(), 8, false, milliseconds(100),
                                                        milliseconds(4000), milliseconds(3000));
    const std::string figure = "cpp-httplib, 4 workers, 8 trickling: till answered in " +
                               std::to_string(took.count()) + " ms";
    MESSAGE(figure);
    CHECK(took < milliseconds(1500));
}

TEST_CASE("adapters: the cpp-httplib client transport's options: headers, failures, TLS") {
    ::httplib::Server echo;
    echo.Post("/echo", [](const ::httplib::Request& req, ::httplib::Response& res) {
        res.status = 201;
        res.set_header("X-Seen-Fixed", req.get_header_value("X-Fixed"));
        res.set_header("X-Seen-Own", req.get_header_value("X-Own"));
        res.set_content(req.body, req.get_header_value("Content-Type").c_str());
    });
    // Bound and listening before the thread runs: the kernel queues the first connection.
    const int port = echo.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    std::thread serving([&echo] { echo.listen_after_bind(); });

    adapters::httplib::ClientOptions fixed;
    fixed.headers = {{"X-Fixed", "every request"}};
    const auto transport = adapters::httplib::client_transport("127.0.0.1", port, fixed);
    const mw::HttpRequest request{
        "POST", "/echo", {{"Content-Type", "text/plain"}, {"X-Own", "mine"}}, "hello"};
    const mw::HttpResponse got = transport(request);
    echo.stop();
    serving.join();
    CHECK(got.status == 201);
    CHECK(got.body == "hello");
    CHECK(got.header("Content-Type") == "text/plain");
    CHECK(got.header("X-Seen-Fixed") == "every request");
    CHECK(got.header("X-Seen-Own") == "mine");

    // Nobody listening: status 0 and the error by default, an exception when asked.
    const mw::HttpResponse refused = adapters::httplib::client_transport("127.0.0.1", 1)(request);
    CHECK(refused.status == 0);
    CHECK_FALSE(refused.body.empty());
    adapters::httplib::ClientOptions throwing;
    throwing.throw_on_failure = true;
    const auto throws = adapters::httplib::client_transport("127.0.0.1", 1, throwing);
    CHECK_THROWS_AS(throws(request), std::runtime_error);
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
    adapters::httplib::ClientOptions tls;
    tls.tls = true;
    CHECK_THROWS_AS(adapters::httplib::client_transport("127.0.0.1", 1, tls),
                    std::invalid_argument);
#endif
}
