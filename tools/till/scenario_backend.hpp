// The till's backend on the scenario engine: scenario steps in, till state and signed
// exchanges out, and everything done as a scenario file.
// SPDX-License-Identifier: MIT
#pragma once

#include "server.hpp"

#include <mplus/webhooks/simulator.hpp>
#include <mplus/webhooks/testing/scenario.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace till {

/// A Backend on mplus::webhooks::ScenarioSession.
///
/// Every scenario step runs as `simulate --scenario` runs it. The page adds four actions of
/// its own so that the cashier sees an external payment as the till shows it, poll by poll,
/// and may cancel it in between: `startExternalPayment` (`method`, `amount`),
/// `pollExternalPayment`, `requestCancelExternalPayment` and `cancelExternalPayment` (the
/// till's forced cancel, allowed after 30 s without an answer). They are recorded in the
/// scenario as one `payExternal` step with `requestCancelAfterSeconds` or
/// `forceCancelAfterSeconds` counted in polls, which is how the engine replays a payment.
/// The simulated clock follows the real one between steps.
class ScenarioBackend : public Backend {
public:
    /// A till that sends through `transport` with `options`; `till` holds the scenario file's
    /// till defaults (may be null).
    ScenarioBackend(mplus::webhooks::PosTransport transport,
                    mplus::webhooks::ScenarioOptions options, const nlohmann::json& till);

    nlohmann::json step(const nlohmann::json& step) override;
    nlohmann::json state() override;
    nlohmann::json reset() override;
    nlohmann::json scenario() override;

private:
    nlohmann::json payment_step(const nlohmann::json& step, const std::string& action);
    nlohmann::json exchange_json(const mplus::webhooks::PosExchange& x) const;
    void follow_real_clock();

    std::shared_ptr<std::map<std::string, double>> durations_; // ms, by request body
    mplus::webhooks::ScenarioSession session_;
    std::vector<nlohmann::json> steps_;  // every step run, as scenario() writes them
    nlohmann::json exchanges_;           // every exchange since the last reset
    std::optional<std::size_t> payment_; // steps_ index of the page's running payExternal
    std::chrono::steady_clock::time_point last_tick_;
};

} // namespace till
