// The till's backend on the scenario engine.
// SPDX-License-Identifier: MIT
#include "scenario_backend.hpp"

#include <mplus/webhooks/codec.hpp>

#include <cstdint>
#include <stdexcept>
#include <utility>

namespace till {

namespace mw = mplus::webhooks;

namespace {

/// Measures every request the till sends, by body (the engine's own timings are private).
mw::PosTransport timed(mw::PosTransport inner, std::shared_ptr<std::map<std::string, double>> ms) {
    return [inner = std::move(inner), ms = std::move(ms)](const mw::HttpRequest& request) {
        const auto start = std::chrono::steady_clock::now();
        const auto record = [&] {
            const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - start)
                                .count();
            (*ms)[request.body] = static_cast<double>(us) / 1000.0;
        };
        try {
            mw::HttpResponse response = inner(request);
            record();
            return response;
        } catch (...) {
            record();
            throw;
        }
    };
}

mw::ScenarioOptions with_defaults(mw::ScenarioOptions options) {
    if (options.name.empty() || options.name == "scenario") options.name = "till session";
    return options;
}

/// The request's event.eventTimestamp: when the till sent it, on its clock.
nlohmann::json sent_at(const nlohmann::json& request) {
    if (request.is_object() && request.contains("event") && request["event"].is_object()) {
        const auto it = request["event"].find("eventTimestamp");
        if (it != request["event"].end() && it->is_string()) return *it;
    }
    return nullptr;
}

const char* kind_name(mw::PosExchange::Kind k) {
    switch (k) {
    case mw::PosExchange::Kind::event: return "event";
    case mw::PosExchange::Kind::dialog_answer: return "dialogAnswer";
    case mw::PosExchange::Kind::form_answer: return "formAnswer";
    case mw::PosExchange::Kind::poll_repeat: return "pollRepeat";
    case mw::PosExchange::Kind::error_request: return "errorRequest";
    }
    return "event";
}

std::optional<mw::Decimal> decimal_of(const nlohmann::json& step, const char* key) {
    const auto it = step.find(key);
    if (it == step.end() || it->is_null()) return std::nullopt;
    if (!it->is_number()) throw std::invalid_argument(std::string("/") + key + ": expected number");
    return mw::Decimal::parse(it->dump());
}

} // namespace

ScenarioBackend::ScenarioBackend(mw::PosTransport transport, mw::ScenarioOptions options,
                                 const nlohmann::json& till)
    : durations_(std::make_shared<std::map<std::string, double>>()),
      session_(timed(std::move(transport), durations_), with_defaults(std::move(options))) {
    if (till.is_object()) session_.use_till_defaults(till);
    reset();
}

void ScenarioBackend::follow_real_clock() {
    const auto now = std::chrono::steady_clock::now();
    session_.simulator().advance(
        std::chrono::duration_cast<std::chrono::milliseconds>(now - last_tick_));
    last_tick_ = now;
}

nlohmann::json ScenarioBackend::step(const nlohmann::json& step) {
    const auto action_it = step.find("action");
    const std::string action =
        action_it != step.end() && action_it->is_string() ? action_it->get<std::string>() : "";
    follow_real_clock();
    nlohmann::json out;
    if (action == "startExternalPayment" || action == "pollExternalPayment" ||
        action == "requestCancelExternalPayment" || action == "cancelExternalPayment") {
        out = payment_step(step, action);
    } else {
        const mw::ScenarioStepResult result = session_.run_step(step);
        if (!result.invalid.empty()) {
            std::string message = "not a scenario step:";
            for (const auto& p : result.invalid) message += " " + p.to_string() + ";";
            message.pop_back();
            throw std::invalid_argument(message);
        }
        steps_.push_back(step);
        if (action == "payExternal") payment_.reset();
        nlohmann::json exchanges = nlohmann::json::array();
        for (const auto& x : result.exchanges) {
            nlohmann::json j = x.to_json();
            j["time"] = sent_at(j["request"]);
            exchanges.push_back(std::move(j));
        }
        out = {{"exchanges", std::move(exchanges)}, {"problems", result.problems}};
    }
    for (const auto& x : out["exchanges"]) exchanges_.push_back(x);
    out["till"] = session_.state();
    last_tick_ = std::chrono::steady_clock::now();
    return out;
}

nlohmann::json ScenarioBackend::payment_step(const nlohmann::json& step,
                                             const std::string& action) {
    mw::PosSimulator& pos = session_.simulator();
    std::vector<std::size_t> before;
    for (const auto& s : pos.steps()) before.push_back(s.exchanges.size());
    const std::size_t polls = pos.external_payment().polls;

    if (action == "startExternalPayment") {
        const auto method = step.find("method");
        if (method == step.end() || !method->is_string() || method->get<std::string>().empty()) {
            throw std::invalid_argument("/method: expected the payment method's name");
        }
        const std::optional<mw::Decimal> amount = decimal_of(step, "amount");
        nlohmann::json recorded = {{"action", "payExternal"}, {"method", *method}};
        if (amount) recorded["amount"] = step["amount"];
        pos.start_external_payment(method->get<std::string>(), amount);
        payment_ = steps_.size();
        steps_.push_back(std::move(recorded));
    } else if (action == "pollExternalPayment") {
        pos.poll_external_payment();
    } else if (action == "requestCancelExternalPayment") {
        const bool running = pos.external_payment().status == mw::ExternalPaymentStatus::started;
        pos.request_cancel_external_payment();
        if (running && payment_) {
            steps_[*payment_]["requestCancelAfterSeconds"] = static_cast<std::int64_t>(polls);
        }
    } else {
        const bool running = pos.external_payment().status == mw::ExternalPaymentStatus::started;
        pos.cancel_external_payment();
        if (running && payment_ &&
            pos.external_payment().status == mw::ExternalPaymentStatus::abandoned) {
            steps_[*payment_]["forceCancelAfterSeconds"] = static_cast<std::int64_t>(polls);
        }
    }

    nlohmann::json exchanges = nlohmann::json::array();
    nlohmann::json problems = nlohmann::json::array();
    const auto& steps = pos.steps();
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const std::size_t from = i < before.size() ? before[i] : 0;
        for (std::size_t k = from; k < steps[i].exchanges.size(); ++k) {
            exchanges.push_back(exchange_json(steps[i].exchanges[k]));
        }
        if (i >= before.size()) {
            for (const auto& f : steps[i].failures) problems.push_back(f);
        }
    }
    return {{"exchanges", std::move(exchanges)}, {"problems", std::move(problems)}};
}

nlohmann::json ScenarioBackend::exchange_json(const mw::PosExchange& x) const {
    mw::ScenarioExchange e;
    e.event = x.event;
    e.kind = kind_name(x.kind);
    e.path = x.request.path;
    e.request_body = x.request.body;
    if (x.response) {
        e.status = x.response->status;
        e.reply_body = x.response->body;
        const std::string_view signature = x.response->header("X-Mplus-Signature");
        const auto& till = session_.options().till;
        const std::optional<mw::Secret> secret = mw::Secret::from_text(till.secret, till.key_form);
        e.signature_ok = secret && !signature.empty() && secret->verify(e.reply_body, signature);
    }
    e.transport_error = x.transport_error;
    e.applied = x.applied;
    e.shows = x.pos_shows;
    const auto d = durations_->find(x.request.body);
    if (d != durations_->end()) e.millis = d->second;
    nlohmann::json j = e.to_json();
    j["time"] = sent_at(j["request"]);
    return j;
}

nlohmann::json ScenarioBackend::state() {
    return {{"till", session_.state()}, {"exchanges", exchanges_}};
}

nlohmann::json ScenarioBackend::reset() {
    session_.reset();
    durations_->clear();
    steps_.clear();
    exchanges_ = nlohmann::json::array();
    payment_.reset();
    last_tick_ = std::chrono::steady_clock::now();
    return state();
}

nlohmann::json ScenarioBackend::scenario() {
    nlohmann::json file = session_.scenario();
    file["steps"] = steps_;
    return file;
}

} // namespace till
