// `mplus-webhooks record`: a proxy between a real till and a middleware that forwards every
// byte unchanged and writes the exchanges as a scenario file of raw `send` steps.
// SPDX-License-Identifier: MIT

#include "cli.hpp"

#include <mplus/webhooks/signature.hpp>
#include <mplus/webhooks/testing/expect.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#ifndef _WIN32
#include <csignal>
#include <pthread.h>
#endif

namespace mplus_webhooks_cli {

namespace {

/// Headers the proxy does not copy: they describe one hop, and cpp-httplib writes its own.
bool is_hop_header(std::string_view name) {
    std::string lower(name);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return lower == "host" || lower == "content-length" || lower == "connection" ||
           lower == "keep-alive" || lower == "transfer-encoding" || lower == "content-type" ||
           lower == "remote_addr" || lower == "remote_port" || lower == "local_addr" ||
           lower == "local_port";
}

/// Sets the values at `pointers` in `j` to `blank` (where they exist).
void blank_pointers(nlohmann::json& j, const std::vector<std::string>& pointers,
                    const nlohmann::json& blank) {
    for (const auto& p : pointers) {
        try {
            const nlohmann::json::json_pointer ptr(p);
            if (j.contains(ptr)) j[ptr] = blank;
        } catch (const std::exception&) {
            // Not a pointer into this document (a key where an index is): nothing to blank.
        }
    }
}

/// A body as a scenario keeps it: its JSON when it is JSON, else its text.
nlohmann::json body_json(const std::string& body) {
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    return j.is_discarded() ? nlohmann::json(body) : j;
}

/// The recorded scenario, rewritten after every exchange.
class Recording {
public:
    Recording(std::string out, std::string forward_to, std::vector<std::string> redact)
        : out_(std::move(out)), redact_(std::move(redact)) {
        file_["name"] = "recorded from " + forward_to;
        file_["till"] = nlohmann::json::object();
        file_["steps"] = nlohmann::json::array();
    }

    /// Writes the empty scenario, so that the file exists from the start.
    bool start(std::string& error) {
        std::lock_guard<std::mutex> lock(mutex_);
        return write(error);
    }

    /// Adds one exchange and rewrites the file.
    void add(const std::string& event, const std::string& request, int status,
             const std::string& reply) {
        nlohmann::json body = body_json(request);
        blank_pointers(body, redact_, "");
        nlohmann::json expect = {{"status", status}};
        if (!reply.empty()) {
            nlohmann::json r = body_json(reply);
            blank_pointers(r, redact_, "$any");
            expect["reply"] = std::move(r);
        }
        nlohmann::json step = {{"action", "send"},
                               {"event", event},
                               {"raw", true},
                               {"body", std::move(body)},
                               {"expect", std::move(expect)}};
        std::lock_guard<std::mutex> lock(mutex_);
        if (file_["till"].empty()) {
            const nlohmann::json& b = step["body"];
            if (b.is_object() && b.contains("sender") && b["sender"].is_object()) {
                for (const char* key : {"branchNumber", "workplaceNumber"}) {
                    if (b["sender"].contains(key) && b["sender"][key].is_number_integer()) {
                        file_["till"][key] = b["sender"][key];
                    }
                }
            }
        }
        file_["steps"].push_back(std::move(step));
        std::string error;
        if (!write(error)) std::cerr << program << " record: " << error << '\n';
    }

private:
    bool write(std::string& error) {
        return write_file_atomically(
            out_, file_.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
            error);
    }

    std::mutex mutex_;
    std::string out_;
    std::vector<std::string> redact_;
    nlohmann::json file_;
};

} // namespace

int run_record(const std::vector<std::string>& args) {
    std::string error;
    const auto parsed = parse_arguments(args,
                                        {{"--listen", true},
                                         {"--forward-to", true},
                                         {"--out", true},
                                         {"--secret", true},
                                         {"--raw-key", false},
                                         {"--redact", true}},
                                        error);
    if (!parsed) return usage_error(error);
    const std::string* listen = parsed->value("--listen");
    const std::string* forward = parsed->value("--forward-to");
    const std::string* out = parsed->value("--out");
    if (listen == nullptr) return usage_error("record needs --listen HOST:PORT");
    if (forward == nullptr) return usage_error("record needs --forward-to URL");
    if (out == nullptr) return usage_error("record needs --out FILE");
    if (!parsed->positional.empty()) return usage_error("record takes no FILE");
    const std::size_t colon = listen->rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == listen->size()) {
        return usage_error("--listen needs HOST:PORT, e.g. 127.0.0.1:8090");
    }
    const std::string host = listen->substr(0, colon);
    const std::optional<int> listen_port = parse_port(std::string_view(*listen).substr(colon + 1));
    if (!listen_port) return usage_error("bad port in --listen");
    const int port = *listen_port;
    const auto target = parse_http_url(*forward, error);
    if (!target) return usage_error(error);
    std::optional<mw::Secret> secret;
    if (parsed->value("--secret") != nullptr) {
        secret = load_secret(*parsed, error);
        if (!secret) return fatal(error);
    }
    std::vector<std::string> redact;
    if (const std::string* r = parsed->value("--redact")) redact = split_list(*r);
    for (const auto& p : redact) {
        if (p.empty() || p[0] != '/') return usage_error("--redact takes JSON pointers: " + p);
    }

    Recording recording(*out, *forward, redact);
    if (!recording.start(error)) return fatal(error);

    // Every byte is forwarded: a request that gets no answer is a 502, never an exception.
    const mw::PosTransport forward_to = http_transport(*target, false);

    httplib::Server server;
    server.Post(R"(.*)", [&](const httplib::Request& req, httplib::Response& res) {
        mw::HttpRequest forwarded;
        forwarded.method = "POST";
        forwarded.path = target->path + req.path;
        forwarded.body = req.body;
        bool typed = false;
        for (const auto& [name, value] : req.headers) {
            typed = typed || is_content_type(name);
            if (is_content_type(name) || !is_hop_header(name)) {
                forwarded.headers.push_back({name, value});
            }
        }
        if (!typed) forwarded.headers.push_back({"Content-Type", "application/json"});
        const std::string event = req.path.substr(req.path.rfind('/') + 1);
        if (secret) {
            const std::string sig = req.get_header_value("X-Mplus-Signature");
            if (sig.empty() || !secret->verify(req.body, sig)) {
                std::cerr << program << " record: " << event
                          << ": the request's X-Mplus-Signature does not verify\n";
            }
        }
        const mw::HttpResponse result = forward_to(forwarded);
        if (result.status == 0) {
            res.status = 502;
            std::cerr << program << " record: " << event
                      << ": no answer from the middleware: " << result.body << '\n';
            return;
        }
        res.status = result.status;
        std::string reply_type = "application/json";
        for (const auto& h : result.headers) {
            if (is_content_type(h.name)) reply_type = h.value;
            if (!is_hop_header(h.name)) res.headers.emplace(h.name, h.value);
        }
        res.set_content(result.body, reply_type);
        if (secret) {
            const std::string_view sig = result.header("X-Mplus-Signature");
            if (sig.empty() || !secret->verify(result.body, sig)) {
                std::cerr << program << " record: " << event
                          << ": the reply's X-Mplus-Signature does not verify\n";
            }
        }
        recording.add(event, req.body, result.status, result.body);
        std::cerr << program << " record: " << event << " -> HTTP " << result.status << '\n';
    });

#ifndef _WIN32
    // SIGINT and SIGTERM stop the server from a thread of their own (a handler may not).
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::thread stopper([&server, stop_signals]() {
        int received = 0;
        sigwait(&stop_signals, &received);
        server.stop();
    });
#endif
    const int bound = port == 0                         ? server.bind_to_any_port(host)
                      : server.bind_to_port(host, port) ? port
                                                        : -1;
    int status = exit_ok;
    if (bound < 0) {
        std::cerr << program << " record: cannot listen on " << *listen << '\n';
        status = exit_usage;
    } else {
        std::cerr << program << " record: listening on http://" << host << ":" << bound
                  << ", forwarding to " << *forward << ", writing " << *out << std::endl;
        server.listen_after_bind();
    }
#ifndef _WIN32
    if (stopper.joinable()) {
        if (bound < 0) pthread_kill(stopper.native_handle(), SIGTERM);
        stopper.join();
    }
#endif
    return status;
}

} // namespace mplus_webhooks_cli
