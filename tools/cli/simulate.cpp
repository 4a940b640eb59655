// `mplus-webhooks simulate`: play the till against a middleware from scenario files (or the
// demo flows, which are scenario files too), with a readable diff and JUnit XML.
// SPDX-License-Identifier: MIT

#include "cli.hpp"
#include "demo_scenarios.hpp"

#include <mplus/webhooks/testing/scenario.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mplus_webhooks_cli {

namespace {

/// One scenario to run: where it came from and what it holds.
struct Loaded {
    std::string source; ///< the file name, or `flow:<name>`
    mw::Scenario scenario;
};

/// `text` with the five XML special characters escaped (and control characters dropped).
std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') break;
            out.push_back(c);
        }
    }
    return out;
}

/// `j` for a human: compact when short, else indented, every line after the first indented by
/// `indent`.
std::string readable(const nlohmann::json& j, const std::string& indent) {
    std::string text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() <= 72) return text;
    text = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string out;
    for (char c : text) {
        out.push_back(c);
        if (c == '\n') out += indent;
    }
    return out;
}

/// The failures of a run as a readable diff: per failure, where, why, expected and actual.
std::string failure_report(const mw::ScenarioResult& result) {
    std::string out;
    if (!result.setup_error.empty()) {
        out += "scenario '" + result.name + "': " + result.setup_error + "\n";
    }
    for (const auto& step : result.steps) {
        const std::string where = "scenario '" + result.name + "': step " +
                                  std::to_string(step.index) + " (" + step.action + ")";
        for (const auto& p : step.invalid) out += where + ": invalid step: " + p.to_string() + "\n";
        for (const auto& p : step.problems) out += where + ": " + p + "\n";
        for (const auto& f : step.failures) {
            out += where + ": " + f.path + ": " + f.message + "\n";
            out += "    expected: " + readable(f.expected, "              ") + "\n";
            out += "    actual:   " +
                   (f.actual ? readable(*f.actual, "              ") : std::string("(absent)")) +
                   "\n";
        }
        for (const auto& n : step.version_notes) out += where + ": note: " + n + "\n";
    }
    if (result.setup_error.empty() && result.steps.size() < result.steps_total) {
        out += "scenario '" + result.name + "': stopped after step " +
               std::to_string(result.steps.empty() ? 0 : result.steps.back().index) + "; " +
               std::to_string(result.steps_total - result.steps.size()) + " steps not run\n";
    }
    return out;
}

/// The JUnit XML of a run: one test case per scenario.
std::string junit_xml(const std::vector<Loaded>& loaded,
                      const std::vector<mw::ScenarioResult>& results) {
    std::size_t failures = 0;
    double seconds = 0;
    for (const auto& r : results) {
        failures += r.ok() ? 0u : 1u;
        seconds += r.millis / 1000.0;
    }
    char total[32];
    std::snprintf(total, sizeof total, "%.3f", seconds);
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<testsuites tests=\"" + std::to_string(results.size()) + "\" failures=\"" +
           std::to_string(failures) + "\" time=\"" + total + "\">\n";
    out += "  <testsuite name=\"mplus-webhooks simulate\" tests=\"" +
           std::to_string(results.size()) + "\" failures=\"" + std::to_string(failures) +
           "\" errors=\"0\" time=\"" + total + "\">\n";
    for (std::size_t i = 0; i < results.size(); ++i) {
        const mw::ScenarioResult& r = results[i];
        char time[32];
        std::snprintf(time, sizeof time, "%.3f", r.millis / 1000.0);
        out += "    <testcase name=\"" + xml_escape(r.name) + "\" classname=\"" +
               xml_escape(loaded[i].source) + "\" time=\"" + time + "\"";
        if (r.ok()) {
            out += "/>\n";
            continue;
        }
        const std::string report = failure_report(r);
        const std::string first = report.substr(0, report.find('\n'));
        out += ">\n      <failure message=\"" + xml_escape(first) + "\" type=\"expectation\">" +
               xml_escape(report) + "</failure>\n";
        out += "      <system-out>" + xml_escape(r.transcript) + "</system-out>\n";
        out += "    </testcase>\n";
    }
    out += "  </testsuite>\n</testsuites>\n";
    return out;
}

/// The demo flow `name` (or all four for `all`) as scenarios; false for an unknown name.
bool demo_flows(const std::string& name, std::vector<Loaded>& out, std::string& error) {
    bool found = false;
    for (const auto& flow : demo_scenarios) {
        if (name != "all" && name != flow.name) continue;
        found = true;
        std::vector<mw::ScenarioProblem> problems;
        std::optional<mw::Scenario> s = mw::load_scenario_text(flow.text, problems, flow.name);
        if (!s) {
            error = "flow " + std::string(flow.name) + ": " + problems.front().to_string();
            return false;
        }
        out.push_back({"flow:" + std::string(flow.name), std::move(*s)});
    }
    if (!found) {
        error =
            "unknown flow '" + name + "': use ticketing, cash-machine, reservation, loyalty or all";
    }
    return found;
}

} // namespace

int run_simulate(const std::vector<std::string>& args) {
    std::string error;
    const auto parsed = parse_arguments(args,
                                        with_connection_options({{"--scenario", true},
                                                                 {"--flow", true},
                                                                 {"--junit", true},
                                                                 {"--ignore", true},
                                                                 {"--pos-version", true},
                                                                 {"--transcript", false}}),
                                        error);
    if (!parsed) return usage_error(error);
    int exit_code = exit_usage;
    const std::optional<Connection> connection = read_connection(*parsed, "simulate", exit_code);
    if (!connection) return exit_code;
    const std::string* scenario = parsed->value("--scenario");
    const std::string* flow = parsed->value("--flow");
    if (scenario == nullptr && flow == nullptr) {
        return usage_error("simulate needs --scenario FILE... or --flow NAME");
    }
    if (flow != nullptr && !parsed->positional.empty()) {
        return usage_error("simulate --flow takes no FILE");
    }
    std::string pos_version;
    if (const std::string* v = parsed->value("--pos-version")) {
        if (!mw::PosVersion::parse(*v))
            return usage_error("--pos-version needs a version like 57.0.0");
        pos_version = *v;
    }

    // Every file is read and checked before anything runs: a bad file is a usage error.
    std::vector<Loaded> loaded;
    if (flow != nullptr && !demo_flows(*flow, loaded, error)) return usage_error(error);
    std::vector<std::string> files;
    if (scenario != nullptr) files.push_back(*scenario);
    files.insert(files.end(), parsed->positional.begin(), parsed->positional.end());
    bool invalid = false;
    for (const auto& file : files) {
        const auto text = read_file(file, error);
        if (!text) return fatal(error);
        std::string stem = file.substr(file.find_last_of("/\\") + 1);
        if (stem.size() > 5 && stem.compare(stem.size() - 5, 5, ".json") == 0) {
            stem.resize(stem.size() - 5);
        }
        std::vector<mw::ScenarioProblem> problems;
        std::optional<mw::Scenario> s = mw::load_scenario_text(*text, problems, stem);
        if (!s) {
            for (const auto& p : problems) std::cerr << file << ": " << p.to_string() << '\n';
            invalid = true;
            continue;
        }
        loaded.push_back({file, std::move(*s)});
    }
    if (invalid) return exit_usage;

    mw::ScenarioOptions options;
    connection->fill(options.till);
    if (const std::string* ignore = parsed->value("--ignore")) {
        options.ignore = split_list(*ignore);
        for (const auto& p : options.ignore) {
            if (p[0] != '/') return usage_error("--ignore takes JSON pointers: " + p);
        }
    }
    options.pos_version = pos_version;
    options.strict_versions = true;
    const mw::PosTransport transport = connection->transport();

    std::vector<mw::ScenarioResult> results;
    bool all_ok = true;
    for (const auto& l : loaded) {
        mw::ScenarioResult r = mw::run_scenario(l.scenario, transport, options);
        char took[32];
        std::snprintf(took, sizeof took, "%.1f ms", r.millis);
        std::cout << (r.ok() ? "PASS " : "FAIL ") << r.name << " (" << l.source << ", "
                  << r.steps.size() << "/" << r.steps_total << " steps, " << took << ")\n";
        if (!r.ok() || parsed->has("--transcript")) std::cout << r.transcript;
        if (!r.ok()) {
            std::cerr << failure_report(r);
            all_ok = false;
        }
        results.push_back(std::move(r));
    }
    std::cout.flush();
    if (const std::string* junit = parsed->value("--junit")) {
        if (!write_file_atomically(*junit, junit_xml(loaded, results), error)) return fatal(error);
    }
    return all_ok ? exit_ok : exit_problems;
}

} // namespace mplus_webhooks_cli
