// mplus-webhooks till: an interactive till in the browser that plays the POS against a
// middleware through the scenario engine (tools/till: the server, the page, the barcodes).
// SPDX-License-Identifier: MIT

#include "cli.hpp"

#include "../till/scenario_backend.hpp"
#include "../till/server.hpp"

#include <mplus/webhooks/testing/scenario.hpp>

#include <nlohmann/json.hpp>

#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mplus_webhooks_cli {
namespace {

/// The articles the till offers when the scenario names none: those of the demo flows.
nlohmann::json default_articles() {
    return nlohmann::json::parse(R"json([
        {"articleNumber": 235, "text": "Tour Ticket (Adult)", "priceIncl": 12.50},
        {"articleNumber": 236, "text": "Tour Ticket (Child)", "priceIncl": 7.50},
        {"articleNumber": 1001, "text": "Souvenir mug", "priceIncl": 12.95},
        {"articleNumber": 1101, "text": "Dinner buffet", "priceIncl": 24.50},
        {"articleNumber": 1102, "text": "Wine (bottle)", "priceIncl": 19.95},
        {"articleNumber": 1201, "text": "Lunch menu", "priceIncl": 18.50}
    ])json");
}

} // namespace

int run_till(const std::vector<std::string>& args) {
    std::string error;
    const auto parsed = parse_arguments(
        args, with_connection_options({{"--port", true}, {"--scenario", true}}), error);
    if (!parsed) return usage_error(error);
    int exit_code = exit_usage;
    const std::optional<Connection> connection = read_connection(*parsed, "till", exit_code);
    if (!connection) return exit_code;
    if (!parsed->positional.empty()) return usage_error("till takes no FILE");
    int port = 0;
    if (const std::string* p = parsed->value("--port")) {
        const std::optional<int> given = parse_port(*p);
        if (!given) return usage_error("--port must be a number from 0 to 65535");
        port = *given;
    }

    mw::ScenarioOptions options;
    options.name = "till session";
    connection->fill(options.till);

    // The till defaults: the scenario file's `till`, with the demo's articles when it names
    // none. Its steps are not played: `simulate --scenario` does that.
    nlohmann::json till_defaults = {{"articles", default_articles()}};
    if (const std::string* file = parsed->value("--scenario")) {
        const auto text = read_file(*file, error);
        if (!text) return fatal(error);
        std::vector<mw::ScenarioProblem> problems;
        const std::optional<mw::Scenario> scenario =
            mw::load_scenario_text(*text, problems, options.name);
        if (!scenario) {
            for (const auto& p : problems) std::cerr << *file << ": " << p.to_string() << '\n';
            return exit_usage;
        }
        options.name = scenario->name;
        options.ignore = scenario->ignore;
        till_defaults = scenario->till;
        if (!till_defaults.contains("articles")) till_defaults["articles"] = default_articles();
    }

    till::PageSettings page;
    page.middleware_url = connection->url_text;
    page.articles = till_defaults["articles"];
    till::ScenarioBackend backend(connection->transport(), std::move(options), till_defaults);
    return till::serve(backend, page, port, std::cout, std::cerr) == 0 ? exit_ok : exit_usage;
}

} // namespace mplus_webhooks_cli
