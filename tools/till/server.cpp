// The till's local web server on cpp-httplib: static page, barcodes, JSON API.
// SPDX-License-Identifier: MIT
#include "server.hpp"

#include "assets.hpp"
#include "barcode.hpp"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <exception>
#include <mutex>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#ifndef _WIN32
#include <pthread.h>
#include <signal.h>
#endif

namespace till {

namespace {

constexpr const char* json_type = "application/json; charset=utf-8";

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
    res.status = status;
    res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), json_type);
}

void send_error(httplib::Response& res, int status, const std::string& message) {
    send_json(res, status, nlohmann::json{{"error", message}});
}

/// True when the request names this server as 127.0.0.1 or localhost: a page of another site
/// that reaches the port through a rebound DNS name is refused.
bool host_allowed(const httplib::Request& req, int port) {
    const std::string host = req.get_header_value("Host");
    const std::string suffix = ":" + std::to_string(port);
    return host == "127.0.0.1" + suffix || host == "localhost" + suffix || host == "127.0.0.1" ||
           host == "localhost";
}

/// True for a JSON body: another site's page cannot send one without the browser asking this
/// server first (CORS preflight), which it never allows.
bool is_json_request(const httplib::Request& req) {
    const std::string type = req.get_header_value("Content-Type");
    return type.rfind("application/json", 0) == 0;
}

#ifndef _WIN32
/// Blocks SIGINT and SIGTERM in every thread started after it, so one thread can wait for them.
sigset_t block_stop_signals() {
    // A shell starts background jobs with SIGINT ignored; sigwait never sees an ignored signal.
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return set;
}
#endif

} // namespace

int serve(Backend& backend, const PageSettings& settings, int port, std::ostream& out,
          std::ostream& err, const std::function<bool()>& should_stop) {
#ifndef _WIN32
    sigset_t stop_set = block_stop_signals();
#endif
    httplib::Server server;
    std::mutex engine_mutex; // the backend runs one call at a time
    int bound_port = 0;

    server.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
        if (!host_allowed(req, bound_port)) {
            send_error(res, 403, "this server answers only to 127.0.0.1 and localhost");
            return httplib::Server::HandlerResponse::Handled;
        }
        res.set_header("Cache-Control", "no-store");
        res.set_header("X-Content-Type-Options", "nosniff");
        return httplib::Server::HandlerResponse::Unhandled;
    });

    const auto serve_asset = [](const std::string& path, httplib::Response& res) {
        const Asset* asset = find_asset(path);
        if (asset == nullptr) {
            send_error(res, 404, "no such page: " + path);
            return;
        }
        res.set_content(reinterpret_cast<const char*>(asset->data), asset->size,
                        asset->content_type);
        if (path == "/index.html") {
            // The page loads nothing from elsewhere: a content policy makes sure of it.
            res.set_header(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data: http: https:; frame-src http: https:; "
                "style-src 'self'; script-src 'self'");
        }
    };
    server.Get("/barcode.svg", [](const httplib::Request& req, httplib::Response& res) {
        const std::string type = req.get_param_value("type");
        const std::string data = req.get_param_value("data");
        if (type != "code128" && type != "qrcode") {
            send_error(res, 400, "type must be code128 or qrcode");
            return;
        }
        std::string svg;
        std::string error;
        if (!barcode_svg(type == "qrcode" ? Symbology::qrcode : Symbology::code128, data, 3, svg,
                         error)) {
            send_error(res, 422, "cannot draw '" + data + "' as " + type + ": " + error);
            return;
        }
        res.set_content(svg, "image/svg+xml");
    });

    server.Get("/", [&](const httplib::Request&, httplib::Response& res) {
        serve_asset("/index.html", res);
    });
    server.Get(
        R"(/[A-Za-z0-9_.-]+\.(html|css|js|svg|woff2))",
        [&](const httplib::Request& req, httplib::Response& res) { serve_asset(req.path, res); });

    server.Get("/api/config", [&](const httplib::Request&, httplib::Response& res) {
        send_json(res, 200,
                  nlohmann::json{{"url", settings.middleware_url},
                                 {"articles", settings.articles},
                                 {"customActions", settings.custom_actions},
                                 {"barcodes", barcodes_available()}});
    });

    // Every backend call: one at a time, and nothing it throws escapes into the server.
    const auto call = [&](httplib::Response& res, const std::function<nlohmann::json()>& f) {
        try {
            std::lock_guard<std::mutex> lock(engine_mutex);
            send_json(res, 200, f());
        } catch (const std::invalid_argument& e) {
            send_error(res, 400, e.what());
        } catch (const std::exception& e) {
            send_error(res, 500, e.what());
        }
    };
    server.Post("/api/step", [&](const httplib::Request& req, httplib::Response& res) {
        if (!is_json_request(req)) {
            send_error(res, 415, "send the step as application/json");
            return;
        }
        nlohmann::json step = nlohmann::json::parse(req.body, nullptr, false);
        if (step.is_discarded() || !step.is_object()) {
            send_error(res, 400, "the body is not a JSON object (one scenario step)");
            return;
        }
        call(res, [&] { return backend.step(step); });
    });
    server.Get("/api/state", [&](const httplib::Request&, httplib::Response& res) {
        call(res, [&] { return backend.state(); });
    });
    server.Post("/api/reset", [&](const httplib::Request& req, httplib::Response& res) {
        // No body is needed; one that is sent must be JSON (see is_json_request).
        if (!req.body.empty() && !is_json_request(req)) {
            send_error(res, 415, "send no body, or application/json");
            return;
        }
        call(res, [&] { return backend.reset(); });
    });
    server.Get("/api/scenario", [&](const httplib::Request&, httplib::Response& res) {
        call(res, [&] { return backend.scenario(); });
    });

    bound_port = port == 0 ? server.bind_to_any_port("127.0.0.1")
                           : (server.bind_to_port("127.0.0.1", port) ? port : -1);
    if (bound_port <= 0) {
        err << "mplus-webhooks: cannot listen on 127.0.0.1:" << port << '\n';
        return 2;
    }

    std::atomic<bool> stopping{false};
#ifndef _WIN32
    std::thread signal_thread([&] {
        int signal_number = 0;
        sigwait(&stop_set, &signal_number);
        if (!stopping.exchange(true)) server.stop();
    });
#endif
    std::thread watch_thread([&] {
        while (!stopping.load()) {
            if (should_stop && should_stop()) {
                if (!stopping.exchange(true)) server.stop();
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
    });

    out << "till on http://127.0.0.1:" << bound_port << "/" << std::endl;
    server.listen_after_bind();

    stopping.store(true);
    watch_thread.join();
#ifndef _WIN32
    // Wake the signal thread if no signal came (the stop came from should_stop).
    pthread_kill(signal_thread.native_handle(), SIGTERM);
    signal_thread.join();
#endif
    return 0;
}

} // namespace till
