// The till's local web server: the page, its assets, the barcodes, and the JSON API whose
// requests are scenario steps.
// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <iosfwd>
#include <string>

namespace till {

/// What the page drives through the local API: a till that runs scenario steps against the
/// middleware. Calls come one at a time (the server serializes them).
class Backend {
public:
    virtual ~Backend() = default;
    /// Runs one scenario step; `{"till": <state>, "exchanges": [<this step's exchanges>]}`.
    /// Throws std::invalid_argument when the step is not a valid scenario step.
    virtual nlohmann::json step(const nlohmann::json& step) = 0;
    /// `{"till": <state>, "exchanges": [<every exchange so far>]}`.
    virtual nlohmann::json state() = 0;
    /// Forgets the sale, the exchanges and the steps; returns what state() then returns.
    virtual nlohmann::json reset() = 0;
    /// Every step run so far as a scenario file that `simulate --scenario` replays.
    virtual nlohmann::json scenario() = 0;
};

/// What the page needs to know besides the till's state.
struct PageSettings {
    std::string middleware_url;                              ///< shown in the page's header
    nlohmann::json articles = nlohmann::json::array();       ///< article buttons
    nlohmann::json custom_actions = nlohmann::json::array(); ///< custom action buttons
};

/// Serves the page and the API on 127.0.0.1:`port` (0: a free port) until SIGINT or SIGTERM,
/// or until `should_stop` returns true (checked twice a second; may be empty). Prints
/// `till on http://127.0.0.1:P/` on `out` once listening. Returns 0 after a clean stop, 2
/// when the port cannot be bound.
int serve(Backend& backend, const PageSettings& settings, int port, std::ostream& out,
          std::ostream& err, const std::function<bool()>& should_stop = {});

} // namespace till
