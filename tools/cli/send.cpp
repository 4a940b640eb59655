// `mplus-webhooks send`: one event, completed and signed as the till sends it; the reply body
// on stdout and a one-line status on stderr.
// SPDX-License-Identifier: MIT

#include "cli.hpp"

#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/testing/pos_simulator.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace mplus_webhooks_cli {

int run_send(const std::vector<std::string>& args) {
    std::string error;
    const auto parsed = parse_arguments(args, with_connection_options({{"--event", true}}), error);
    if (!parsed) return usage_error(error);
    int exit_code = exit_usage;
    const std::optional<Connection> connection = read_connection(*parsed, "send", exit_code);
    if (!connection) return exit_code;
    const std::string* event = parsed->value("--event");
    if (event == nullptr) return usage_error("send needs --event NAME");
    if (parsed->positional.size() > 1) return usage_error(too_many_arguments);
    const mw::Secret& secret = connection->secret;

    const auto input = read_input(parsed->positional, error);
    if (!input) return fatal(error);
    nlohmann::json body = nlohmann::json::object();
    if (input->find_first_not_of(" \t\r\n") != std::string::npos) {
        body = nlohmann::json::parse(*input, nullptr, false);
        if (body.is_discarded() || !body.is_object()) {
            return fatal("the body is not a JSON object");
        }
    }

    mw::SimulatorOptions options;
    connection->fill(options);
    const mw::PosTransport transport = connection->transport();
    mw::PosSimulator pos(transport, options);
    const nlohmann::json request = pos.complete_request(*event, std::move(body));
    const mw::HttpRequest http = pos.signed_request(
        *event, request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));

    const auto start = std::chrono::steady_clock::now();
    mw::HttpResponse response;
    try {
        response = transport(http);
    } catch (const std::exception& e) {
        std::cerr << *event << ": no reply: " << e.what() << '\n';
        return exit_problems;
    }
    const double millis = static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                  std::chrono::steady_clock::now() - start)
                                                  .count()) /
                          1000.0;
    const std::string_view signature = response.header("X-Mplus-Signature");
    const bool signed_ok = !signature.empty() && secret.verify(response.body, signature);
    std::string status = *event + ": HTTP " + std::to_string(response.status) + ", ";
    if (signature.empty()) {
        status += "no X-Mplus-Signature";
    } else if (signed_ok) {
        status += "signature ok";
    } else {
        status += "signature does NOT match the body";
        if (secret.other_form_matches(response.body, signature)) {
            status += " (it matches the other key form: check --raw-key)";
        }
    }
    char took[32];
    std::snprintf(took, sizeof took, ", %.1f ms", millis);
    std::cerr << status << took << '\n';
    if (!print(response.body + (response.body.empty() ? "" : "\n"))) {
        return fatal("cannot write to standard output");
    }
    return response.status == 200 && signed_ok ? exit_ok : exit_problems;
}

} // namespace mplus_webhooks_cli
