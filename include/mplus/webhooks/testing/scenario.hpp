// Scenario files: a till conversation written as JSON steps, run against a middleware through
// the POS simulator, with JSON-subset expectations on the replies and on the till's state.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/codec.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/detail/json/dom.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/json_pointer.hpp>
#include <mplus/webhooks/pos_version.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>
#include <mplus/webhooks/signature.hpp>
#include <mplus/webhooks/testing/expect.hpp>
#include <mplus/webhooks/testing/pos_simulator.hpp>
#include <mplus/webhooks/testing/transcript.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// A problem in a scenario file: the JSON pointer in the file and what is wrong there.
struct ScenarioProblem {
    std::string path;    ///< JSON pointer into the scenario file ("" for the whole file)
    std::string message; ///< what is wrong
    /// `<path>: <message>` (the path `/` for the whole file).
    std::string to_string() const { return (path.empty() ? "/" : path) + ": " + message; }
};

/// A scenario file as read: its name, till defaults, ignored pointers and steps.
struct Scenario {
    std::string name;                  ///< `name`, or the one given to load_scenario()
    nlohmann::json till;               ///< `till` (an object; empty when absent)
    std::vector<std::string> ignore;   ///< `ignore`: JSON pointers left out of reply comparisons
    std::vector<nlohmann::json> steps; ///< `steps`, each checked by validate_step()
    /// The exact number texts of each step (pointers relative to the step), as
    /// load_scenario_text() read them; empty when the scenario was given as JSON.
    std::vector<JsonNumberTexts> step_numbers;
    /// The exact number texts of `till` (pointers relative to it), as load_scenario_text()
    /// read them.
    JsonNumberTexts till_numbers;
};

/// The actions a step may name, in the order the format documents them.
inline const std::vector<std::string_view>& scenario_actions() {
    static const std::vector<std::string_view> names = {
        "startSession",   "scanCode",      "addLine",      "updateLine",    "removeLine",
        "selectRelation", "customAction",  "startPayment", "cancelPayment", "payExternal",
        "complete",       "cancelSession", "pauseSession", "resumeSession", "printBill",
        "backgroundPoll", "choose",        "fillForm",     "send",          "wait"};
    return names;
}

namespace detail {

/// The JSON type names a scenario key accepts, joined by `|` (`integer`, `number`, `string`,
/// `boolean`, `object`, `array`, `null`).
struct ScenarioKey {
    std::string_view name;
    std::string_view types;
    bool required = false;
};

/// The keys `action` accepts besides action, expect, ignore and comment.
inline std::vector<ScenarioKey> scenario_action_keys(std::string_view action) {
    if (action == "scanCode") return {{"code", "string", true}, {"codeType", "string"}};
    if (action == "addLine") {
        return {{"articleNumber", "integer"},
                {"text", "string"},
                {"priceIncl", "number"},
                {"quantity", "number"},
                {"barcode", "string"}};
    }
    if (action == "updateLine") {
        return {{"line", "integer|string", true}, {"quantity", "number", true}};
    }
    if (action == "removeLine") return {{"line", "integer|string", true}};
    if (action == "selectRelation") return {{"relationNumber", "integer|null"}};
    if (action == "customAction") {
        return {{"customActionId", "string", true},
                {"buttonCaption", "string"},
                {"numpadValue", "number"},
                {"longClick", "boolean"}};
    }
    if (action == "payExternal") {
        return {{"method", "string", true},
                {"amount", "number"},
                {"requestCancelAfterSeconds", "integer"},
                {"forceCancelAfterSeconds", "integer"}};
    }
    if (action == "complete") return {{"payments", "array"}};
    if (action == "printBill") return {{"previousPayments", "object"}};
    if (action == "choose") return {{"option", "integer|string|array", true}};
    if (action == "fillForm") return {{"values", "object"}, {"cancel", "boolean"}};
    if (action == "send") {
        return {{"event", "string", true}, {"body", "object|string"}, {"raw", "boolean"}};
    }
    if (action == "wait") return {{"seconds", "integer", true}};
    return {};
}

/// The JSON type name of `j` as scenario_action_keys() spells it.
inline std::string_view scenario_type_name(const nlohmann::json& j) {
    switch (j.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "integer";
    case nlohmann::json::value_t::number_float: return "number";
    case nlohmann::json::value_t::string: return "string";
    case nlohmann::json::value_t::array: return "array";
    case nlohmann::json::value_t::object: return "object";
    default: return "value";
    }
}

/// True when `j` has one of the `|`-separated `types` (an integer is also a number).
inline bool scenario_type_fits(const nlohmann::json& j, std::string_view types) {
    const std::string_view have = scenario_type_name(j);
    std::size_t start = 0;
    while (start <= types.size()) {
        std::size_t end = types.find('|', start);
        if (end == std::string_view::npos) end = types.size();
        const std::string_view t = types.substr(start, end - start);
        if (t == have || (t == "number" && have == "integer")) return true;
        start = end + 1;
    }
    return false;
}

/// Checks the `till` object of a scenario file (or of a step's expectation of it).
inline void check_till_defaults(const nlohmann::json& till, const std::string& path,
                                std::vector<ScenarioProblem>& problems) {
    if (!till.is_object()) {
        problems.push_back({path, "expected object, got " + std::string(scenario_type_name(till))});
        return;
    }
    for (const auto& [key, value] : till.items()) {
        const std::string p = path + JsonPointer::of(key).to_string();
        if (key == "branchNumber" || key == "workplaceNumber") {
            if (!value.is_number_integer()) {
                problems.push_back(
                    {p, "expected integer, got " + std::string(scenario_type_name(value))});
            }
        } else if (key == "articles") {
            if (!value.is_array()) {
                problems.push_back(
                    {p, "expected array, got " + std::string(scenario_type_name(value))});
                continue;
            }
            for (std::size_t i = 0; i < value.size(); ++i) {
                const nlohmann::json& a = value[i];
                const std::string ap = p + JsonPointer::of(i).to_string();
                if (!a.is_object()) {
                    problems.push_back(
                        {ap, "expected object, got " + std::string(scenario_type_name(a))});
                    continue;
                }
                if (!a.contains("articleNumber") || !a["articleNumber"].is_number_integer()) {
                    problems.push_back({ap + "/articleNumber", "expected integer"});
                }
                if (a.contains("text") && !a["text"].is_string()) {
                    problems.push_back({ap + "/text", "expected string"});
                }
                if (!a.contains("priceIncl") || !a["priceIncl"].is_number()) {
                    problems.push_back({ap + "/priceIncl", "expected number"});
                }
                if (a.contains("barcode") && !a["barcode"].is_string()) {
                    problems.push_back({ap + "/barcode", "expected string"});
                }
            }
        } else if (key == "posVersion") {
            if (!value.is_string()) problems.push_back({p, "expected string"});
        } else {
            problems.push_back({p, "unknown key (expected branchNumber, workplaceNumber, "
                                   "articles or posVersion)"});
        }
    }
}

/// Checks a list of JSON pointers (`ignore`).
inline void check_pointer_list(const nlohmann::json& list, const std::string& path,
                               std::vector<ScenarioProblem>& problems) {
    if (!list.is_array()) {
        problems.push_back({path, "expected array of JSON pointers"});
        return;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
        const nlohmann::json& p = list[i];
        if (!p.is_string() || !JsonPointer::parse(p.get_ref<const std::string&>())) {
            problems.push_back({path + JsonPointer::of(i).to_string(),
                                "expected a JSON pointer (a string starting with /, with ~ only "
                                "in ~0 and ~1)"});
        }
    }
}

/// Checks a step's `expect`.
inline void check_expect(const nlohmann::json& expect, const std::string& path,
                         std::vector<ScenarioProblem>& problems) {
    if (!expect.is_object()) {
        problems.push_back(
            {path, "expected object, got " + std::string(scenario_type_name(expect))});
        return;
    }
    for (const auto& [key, value] : expect.items()) {
        const std::string p = path + JsonPointer::of(key).to_string();
        if (key == "status") {
            if (!value.is_number_integer()) problems.push_back({p, "expected integer"});
        } else if (key == "reply") {
            check_matchers(value, p, problems);
        } else if (key == "till") {
            if (!value.is_object()) {
                problems.push_back({p, "expected object"});
                continue;
            }
            for (const auto& [tk, tv] : value.items()) {
                const std::string tp = p + JsonPointer::of(tk).to_string();
                if (tk == "lines") {
                    if (!tv.is_number_integer()) check_matchers(tv, tp, problems);
                } else if (tk == "locked" || tk == "dialogOpen" || tk == "formOpen" ||
                           tk == "sessionOpen") {
                    if (!tv.is_boolean()) problems.push_back({tp, "expected boolean"});
                } else if (tk == "total" || tk == "openAmount" || tk == "messages" ||
                           tk == "customerMessages" || tk == "receiptFooters" ||
                           tk == "billFooters" || tk == "payment" || tk == "relation" ||
                           tk == "barcode" || tk == "openUrl" || tk == "dialog" || tk == "form" ||
                           tk == "customActionCaptions" || tk == "lastError") {
                    check_matchers(tv, tp, problems);
                } else {
                    problems.push_back(
                        {tp, "unknown till check (expected lines, total, openAmount, locked, "
                             "messages, customerMessages, receiptFooters, billFooters, "
                             "dialogOpen, formOpen, sessionOpen, payment, relation, barcode, "
                             "openUrl, dialog, form, customActionCaptions or lastError)"});
                }
            }
        } else {
            problems.push_back({p, "unknown key (expected status, reply or till)"});
        }
    }
}

} // namespace detail

/// Every problem of one step of a scenario file; `path` is the step's JSON pointer in the file
/// (`/steps/3`). Empty: the step can run.
inline std::vector<ScenarioProblem> validate_step(const nlohmann::json& step,
                                                  const std::string& path = "") {
    std::vector<ScenarioProblem> problems;
    if (!step.is_object()) {
        problems.push_back(
            {path, "expected object, got " + std::string(detail::scenario_type_name(step))});
        return problems;
    }
    const auto action_it = step.find("action");
    if (action_it == step.end() || !action_it->is_string()) {
        problems.push_back({path + "/action", action_it == step.end()
                                                  ? "missing (every step names an action)"
                                                  : "expected string"});
        return problems;
    }
    const std::string action = action_it->get<std::string>();
    bool known = false;
    for (std::string_view a : scenario_actions()) known = known || a == action;
    if (!known) {
        std::string list;
        for (std::string_view a : scenario_actions())
            list += (list.empty() ? "" : ", ") + std::string(a);
        problems.push_back(
            {path + "/action", "unknown action '" + action + "' (expected one of " + list + ")"});
        return problems;
    }
    const std::vector<detail::ScenarioKey> keys = detail::scenario_action_keys(action);
    for (const auto& [key, value] : step.items()) {
        const std::string p = path + JsonPointer::of(key).to_string();
        if (key == "action" || key == "comment") continue;
        if (key == "expect") {
            detail::check_expect(value, p, problems);
            continue;
        }
        if (key == "ignore") {
            detail::check_pointer_list(value, p, problems);
            continue;
        }
        const detail::ScenarioKey* spec = nullptr;
        for (const auto& k : keys) {
            if (k.name == key) spec = &k;
        }
        if (spec == nullptr) {
            std::string list;
            for (const auto& k : keys) list += (list.empty() ? "" : ", ") + std::string(k.name);
            problems.push_back({p, "unknown key for " + action +
                                       (list.empty() ? std::string(" (it takes none)")
                                                     : " (expected " + list + ")")});
            continue;
        }
        if (!detail::scenario_type_fits(value, spec->types)) {
            problems.push_back({p, "expected " + std::string(spec->types) + ", got " +
                                       std::string(detail::scenario_type_name(value))});
        }
    }
    for (const auto& k : keys) {
        if (k.required && !step.contains(std::string(k.name))) {
            problems.push_back(
                {path + JsonPointer::of(k.name).to_string(), "missing (" + action + " needs it)"});
        }
    }
    if (action == "addLine" && !step.contains("articleNumber") && !step.contains("text")) {
        problems.push_back({path, "addLine needs articleNumber or text"});
    }
    if (action == "fillForm" && !step.contains("values") && !step.contains("cancel")) {
        problems.push_back({path, "fillForm needs values or cancel"});
    }
    if (action == "fillForm" && step.contains("values") && step["values"].is_object()) {
        for (const auto& [id, v] : step["values"].items()) {
            if (!v.is_string() &&
                !(v.is_array() &&
                  std::all_of(v.begin(), v.end(), [](const auto& e) { return e.is_string(); }))) {
                problems.push_back({path + JsonPointer::of("values", id).to_string(),
                                    "expected string (or array of option ids)"});
            }
        }
    }
    if (action == "choose" && step.contains("option") && step["option"].is_array()) {
        const nlohmann::json& list = step["option"];
        for (std::size_t i = 0; i < list.size(); ++i) {
            if (!list[i].is_string() && !list[i].is_number_integer()) {
                problems.push_back({path + JsonPointer::of("option", i).to_string(),
                                    "expected integer or string"});
            }
        }
    }
    if (action == "complete" && step.contains("payments") && step["payments"].is_array()) {
        const nlohmann::json& list = step["payments"];
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string pp = path + JsonPointer::of("payments", i).to_string();
            if (!list[i].is_object()) {
                problems.push_back({pp, "expected object"});
                continue;
            }
            if (!list[i].contains("method") || !list[i]["method"].is_string()) {
                problems.push_back({pp + "/method", "expected string"});
            }
            if (!list[i].contains("amount") || !list[i]["amount"].is_number()) {
                problems.push_back({pp + "/amount", "expected number"});
            }
        }
    }
    return problems;
}

/// Reads a scenario file's JSON; nullopt with every problem (each naming its JSON pointer)
/// when it is not a valid scenario. `fallback_name` names a scenario without `name`.
inline std::optional<Scenario> load_scenario(const nlohmann::json& file,
                                             std::vector<ScenarioProblem>& problems,
                                             std::string_view fallback_name = "scenario") {
    const std::size_t before = problems.size();
    Scenario s;
    s.name = std::string(fallback_name);
    s.till = nlohmann::json::object();
    if (!file.is_object()) {
        problems.push_back({"", "expected a JSON object {\"name\", \"till\", \"steps\"}, got " +
                                    std::string(detail::scenario_type_name(file))});
        return std::nullopt;
    }
    for (const auto& [key, value] : file.items()) {
        const std::string p = JsonPointer::of(key).to_string();
        if (key == "name") {
            if (!value.is_string()) {
                problems.push_back({p, "expected string"});
            } else {
                s.name = value.get<std::string>();
            }
        } else if (key == "till") {
            detail::check_till_defaults(value, p, problems);
            if (value.is_object()) s.till = value;
        } else if (key == "ignore") {
            detail::check_pointer_list(value, p, problems);
            if (value.is_array()) {
                for (const auto& i : value) {
                    if (i.is_string()) s.ignore.push_back(i.get<std::string>());
                }
            }
        } else if (key == "steps") {
            if (!value.is_array()) {
                problems.push_back({p, "expected array"});
                continue;
            }
            for (std::size_t i = 0; i < value.size(); ++i) {
                std::vector<ScenarioProblem> step_problems =
                    validate_step(value[i], JsonPointer::of("steps", i).to_string());
                problems.insert(problems.end(), step_problems.begin(), step_problems.end());
                s.steps.push_back(value[i]);
            }
        } else if (key == "comment" || key == "description") {
            continue;
        } else {
            problems.push_back({p, "unknown key (expected name, till, ignore or steps)"});
        }
    }
    if (!file.contains("steps")) problems.push_back({"/steps", "missing"});
    if (problems.size() != before) return std::nullopt;
    return s;
}

/// Reads a scenario file's text; see load_scenario(const nlohmann::json&, ...).
inline std::optional<Scenario> load_scenario_text(std::string_view text,
                                                  std::vector<ScenarioProblem>& problems,
                                                  std::string_view fallback_name = "scenario") {
    nlohmann::json j;
    JsonNumberTexts numbers;
    std::string error;
    if (!parse_json_exact(text, j, numbers, &error)) {
        problems.push_back({"", "not valid JSON: " + error});
        return std::nullopt;
    }
    std::optional<Scenario> s = load_scenario(j, problems, fallback_name);
    if (!s) return s;
    s->step_numbers.assign(s->steps.size(), JsonNumberTexts{});
    for (const auto& [pointer, number] : numbers) {
        if (pointer.rfind("/till/", 0) == 0) s->till_numbers[pointer.substr(5)] = number;
        const std::string prefix = "/steps/";
        if (pointer.rfind(prefix, 0) != 0) continue;
        const std::size_t slash = pointer.find('/', prefix.size());
        if (slash == std::string::npos) continue;
        std::size_t index = 0;
        for (std::size_t i = prefix.size(); i < slash; ++i) {
            index = index * 10 + static_cast<std::size_t>(pointer[i] - '0');
        }
        if (index < s->step_numbers.size()) s->step_numbers[index][pointer.substr(slash)] = number;
    }
    return s;
}

/// One request the till sent in a step and what came back.
struct ScenarioExchange {
    std::string event;              ///< the event name
    std::string kind;               ///< event, dialogAnswer, formAnswer, pollRepeat, errorRequest
    std::string path;               ///< the URL path it went to
    std::string request_body;       ///< exactly what was sent
    int status = 0;                 ///< the HTTP status; 0 when no reply came
    std::string reply_body;         ///< exactly what came back
    std::string transport_error;    ///< why no reply came
    bool signature_ok = false;      ///< the reply's X-Mplus-Signature verified
    bool applied = false;           ///< the till acted on the reply
    double millis = 0;              ///< how long the middleware took, in milliseconds
    std::vector<std::string> shows; ///< what the till showed, printed or did because of it

    /// The exchange as JSON: event, kind, path, request (JSON, or the text when unreadable),
    /// status, reply, signatureOk, applied, millis, shows, and transportError when set.
    nlohmann::json to_json() const {
        const auto as_json = [](const std::string& body) {
            nlohmann::json j = webhooks::detail::parse_dom<nlohmann::json>(body);
            return j.is_discarded() ? nlohmann::json(body) : j;
        };
        nlohmann::json j = {{"event", event},
                            {"kind", kind},
                            {"path", path},
                            {"request", as_json(request_body)},
                            {"status", status},
                            {"reply", reply_body.empty() ? nlohmann::json() : as_json(reply_body)},
                            {"signatureOk", signature_ok},
                            {"applied", applied},
                            {"millis", millis},
                            {"shows", shows}};
        if (!transport_error.empty()) j["transportError"] = transport_error;
        return j;
    }
};

/// What running one step gave: its exchanges, the protocol problems the till saw, and the
/// expectations that failed.
struct ScenarioStepResult {
    std::size_t index = 0;                    ///< the step's index in the scenario
    std::string action;                       ///< the step's action
    std::vector<ScenarioExchange> exchanges;  ///< every request of this step, in order
    std::vector<std::string> problems;        ///< protocol problems (bad signature, refused reply)
    std::vector<ExpectationFailure> failures; ///< expectations that did not hold
    std::vector<ScenarioProblem> invalid;     ///< the step itself is not valid (not run)
    std::vector<std::string> version_notes;   ///< replies using more than the POS version has

    /// True when the step ran, the till saw no protocol problem and every expectation held.
    bool ok() const noexcept { return problems.empty() && failures.empty() && invalid.empty(); }

    /// The step's outcome as JSON (index, action, ok, exchanges, problems, failures, invalid).
    nlohmann::json to_json() const {
        nlohmann::json j = {{"index", index}, {"action", action}, {"ok", ok()}};
        j["exchanges"] = nlohmann::json::array();
        for (const auto& e : exchanges) j["exchanges"].push_back(e.to_json());
        j["problems"] = problems;
        j["failures"] = nlohmann::json::array();
        for (const auto& f : failures) j["failures"].push_back(f.to_json());
        j["invalid"] = nlohmann::json::array();
        for (const auto& p : invalid)
            j["invalid"].push_back({{"path", p.path}, {"message", p.message}});
        j["versionNotes"] = version_notes;
        return j;
    }

    /// The step's problems and failures as readable text, each line prefixed with
    /// `scenario 'NAME': step N (ACTION):` and a space.
    std::string describe(std::string_view scenario_name) const {
        const std::string prefix = "scenario '" + std::string(scenario_name) + "': step " +
                                   std::to_string(index) + " (" + action + "): ";
        std::string out;
        for (const auto& p : invalid) out += prefix + "invalid step: " + p.to_string() + "\n";
        for (const auto& p : problems) out += prefix + p + "\n";
        for (const auto& f : failures) out += prefix + f.to_string() + "\n";
        return out;
    }
};

/// How a ScenarioSession plays the till.
struct ScenarioOptions {
    /// The simulated till (secret, key form, subscription id, base path, branch and workplace
    /// numbers, articles, seed, clock...).
    SimulatorOptions till;
    /// The scenario's name, used in messages and in scenario().
    std::string name = "scenario";
    /// JSON pointers into replies left out of every reply comparison.
    std::vector<std::string> ignore;
    /// The POS version the fleet runs (`57.0.0`); replies using something newer are reported.
    std::string pos_version;
    /// Report replies that use more than pos_version has as problems (else as notes).
    bool strict_versions = false;
};

/// A till driven step by step with scenario steps: the engine of `mplus-webhooks simulate
/// --scenario` and of interactive tills. Not thread-safe.
class ScenarioSession {
public:
    /// A session that sends through `transport`; throws std::invalid_argument when the
    /// secret cannot be read in the options' key form.
    ScenarioSession(PosTransport transport, ScenarioOptions options)
        : transport_(std::move(transport)), options_(std::move(options)),
          timings_(std::make_shared<std::vector<double>>()) {
        std::optional<Secret> secret =
            Secret::from_text(options_.till.secret, options_.till.key_form);
        if (!secret) {
            throw std::invalid_argument(
                "mplus::webhooks::ScenarioSession: the secret is empty or not base64");
        }
        secret_ = std::move(*secret);
        reset();
    }

    /// Applies a scenario file's `till` defaults (branchNumber, workplaceNumber, articles,
    /// posVersion) and starts over with them.
    void use_till_defaults(const nlohmann::json& till) { use_till_defaults(till, {}); }

    /// use_till_defaults() with the exact texts of the defaults' numbers (pointers relative
    /// to `till`, see parse_json_exact()), so that article prices keep every digit.
    void use_till_defaults(const nlohmann::json& till, const JsonNumberTexts& numbers) {
        if (!till.is_object()) return;
        if (till.contains("branchNumber") && till["branchNumber"].is_number_integer()) {
            options_.till.branch_number = till["branchNumber"].get<std::int64_t>();
        }
        if (till.contains("workplaceNumber") && till["workplaceNumber"].is_number_integer()) {
            options_.till.workplace_number = till["workplaceNumber"].get<std::int64_t>();
        }
        if (till.contains("articles") && till["articles"].is_array()) {
            options_.till.articles.clear();
            const nlohmann::json& articles = till["articles"];
            for (std::size_t i = 0; i < articles.size(); ++i) {
                const nlohmann::json& a = articles[i];
                if (!a.is_object()) continue;
                SimulatedArticle art;
                art.article_number = a.value("articleNumber", std::int64_t{0});
                art.text = a.value("text", std::string());
                if (a.contains("priceIncl") && a["priceIncl"].is_number()) {
                    const auto text =
                        numbers.find(JsonPointer::of("articles", i, "priceIncl").to_string());
                    art.price_incl =
                        Decimal::parse(text != numbers.end() ? text->second : a["priceIncl"].dump())
                            .value_or(Decimal());
                }
                if (a.contains("barcode") && a["barcode"].is_string()) {
                    art.barcode = a["barcode"].get<std::string>();
                }
                options_.till.articles.push_back(std::move(art));
            }
        }
        if (till.contains("posVersion") && till["posVersion"].is_string()) {
            options_.pos_version = till["posVersion"].get<std::string>();
        }
        reset();
    }

    /// Runs one step (a scenario step's JSON); a step that is not valid is not run and comes
    /// back with `invalid` set. Never throws for anything in `step`.
    ScenarioStepResult run_step(const nlohmann::json& step) {
        return run_step(step, JsonNumberTexts{});
    }

    /// Runs one step whose numbers' exact texts are `numbers` (pointers relative to the step,
    /// see parse_json_exact()), so that `expect` compares the numbers as written.
    ScenarioStepResult run_step(const nlohmann::json& step, const JsonNumberTexts& numbers) {
        ScenarioStepResult result;
        result.index = steps_run_.size();
        if (step.is_object() && step.contains("action") && step["action"].is_string()) {
            result.action = step["action"].get<std::string>();
        }
        result.invalid = validate_step(step, "");
        if (!result.invalid.empty()) return result;
        steps_run_.push_back(step);

        // What existed before the step: new exchanges and failures are this step's.
        std::vector<std::pair<std::size_t, std::size_t>> before;
        for (const auto& s : pos_->steps())
            before.emplace_back(s.exchanges.size(), s.failures.size());
        const std::size_t messages_before = pos_->messages().size();
        const std::size_t timings_before = timings_->size();
        std::size_t exchanges_before = 0;
        for (const auto& b : before) exchanges_before += b.first;

        try {
            perform(step, numbers, result);
        } catch (const std::exception& e) {
            result.problems.push_back(std::string("the step could not run: ") + e.what());
        }

        bool expects_error = false;
        const nlohmann::json* expect = nullptr;
        if (step.contains("expect") && step["expect"].is_object()) {
            expect = &step["expect"];
            if (expect->contains("status") && (*expect)["status"] != 200) expects_error = true;
            if (expect->contains("reply") && (*expect)["reply"].is_object() &&
                (*expect)["reply"].contains("error")) {
                expects_error = true;
            }
        }
        std::size_t timing = timings_before;
        (void)exchanges_before;
        const auto& steps = pos_->steps();
        for (std::size_t i = 0; i < steps.size(); ++i) {
            const PosStep& s = steps[i];
            const std::size_t ex_from = i < before.size() ? before[i].first : 0;
            const std::size_t fail_from = i < before.size() ? before[i].second : 0;
            for (std::size_t k = ex_from; k < s.exchanges.size(); ++k) {
                result.exchanges.push_back(record(s.exchanges[k], timing));
            }
            const bool tolerated = expects_error && s.status == PosStepStatus::rejected;
            for (std::size_t k = fail_from; k < s.failures.size(); ++k) {
                if (!tolerated) result.problems.push_back(s.failures[k]);
            }
        }
        const auto& all_messages = pos_->messages();
        step_messages_.assign(all_messages.begin() + static_cast<std::ptrdiff_t>(messages_before),
                              all_messages.end());
        check_versions(result);
        if (expect != nullptr) evaluate(*expect, step, numbers, result);
        return result;
    }

    /// The till's state as JSON (see docs/scenarios.md, "The till's state"): session, lines,
    /// totals, locks, the open dialog and form, messages, the customer display, footers, the
    /// external payment, custom action captions, the relation and the last error request.
    nlohmann::json state() const { return state_with_numbers(nullptr); }

    /// state(), keeping in `numbers` (when given) the exact text of its decimal numbers by
    /// JSON pointer, as `expect` compares them.
    nlohmann::json state_with_numbers(JsonNumberTexts* numbers) const {
        const PosSimulator& pos = *pos_;
        const auto exact = [numbers](const std::string& pointer, const Decimal& d) {
            if (numbers != nullptr) (*numbers)[pointer] = d.to_string();
            return decimal_json(d);
        };
        const auto exact_model = [numbers](const std::string& pointer, const auto& value) {
            nlohmann::json out;
            JsonNumberTexts found;
            if (!parse_json_exact(serialize(value), out, found)) return nlohmann::json(value);
            if (numbers != nullptr) {
                for (const auto& [p, text] : found) (*numbers)[pointer + p] = text;
            }
            return out;
        };
        nlohmann::json j;
        j["sessionOpen"] = pos.session_open();
        j["sessionId"] = pos.session().session_id;
        j["branchNumber"] = options_.till.branch_number;
        j["workplaceNumber"] = options_.till.workplace_number;
        j["clock"] = pos.now_text();
        j["lines"] = nlohmann::json::array();
        for (const auto& line : pos.session().lines) {
            const std::string at = JsonPointer::of("lines", j["lines"].size()).to_string();
            nlohmann::json l = exact_model(at, line);
            l["lineTotal"] = exact(at + "/lineTotal", line_total(line));
            l["addedByReply"] = pos.till().added_by_replies.count(line.line_id) != 0;
            j["lines"].push_back(std::move(l));
        }
        j["total"] = exact("/total", pos.total());
        j["openAmount"] = exact("/openAmount", pos.open_amount());
        j["payments"] = nlohmann::json::array();
        for (const auto& p : pos.session().payments) {
            j["payments"].push_back(
                exact_model(JsonPointer::of("payments", j["payments"].size()).to_string(), p));
        }
        j["locked"] = pos.locked();
        j["lockedForAdditions"] = pos.locked_for_additions();
        j["paymentStarted"] = pos.payment_started();
        j["dialogOpen"] = pos.open_dialog() != nullptr;
        j["dialog"] =
            pos.open_dialog() ? exact_model("/dialog", *pos.open_dialog()) : nlohmann::json();
        j["formOpen"] = pos.open_form() != nullptr;
        j["form"] = pos.open_form() ? exact_model("/form", *pos.open_form()) : nlohmann::json();
        j["messages"] = nlohmann::json::array();
        j["customerMessages"] = nlohmann::json::array();
        for (const auto& m : pos.messages()) {
            if (m.message) j["messages"].push_back(m);
            if (m.customer_message) j["customerMessages"].push_back(m);
        }
        j["barcode"] =
            pos.customer_barcode() ? nlohmann::json(*pos.customer_barcode()) : nlohmann::json();
        j["openUrl"] = pos.opened_url() ? nlohmann::json(*pos.opened_url()) : nlohmann::json();
        j["requestScanCode"] =
            pos.requested_scan() ? nlohmann::json(*pos.requested_scan()) : nlohmann::json();
        j["receiptFooters"] = nlohmann::json::array();
        for (const auto& f : pos.receipt_footers()) j["receiptFooters"].push_back(f);
        j["billFooters"] = nlohmann::json::array();
        for (const auto& f : pos.bill_footers()) j["billFooters"].push_back(f);
        j["payment"] = payment_json(pos.external_payment());
        if (numbers != nullptr) {
            const ExternalPaymentState& p = pos.external_payment();
            if (p.status != ExternalPaymentStatus::none) {
                (*numbers)["/payment/amount"] = p.amount.to_string();
                if (p.final_amount)
                    (*numbers)["/payment/finalAmount"] = p.final_amount->to_string();
            }
        }
        j["customActionCaptions"] = pos.custom_action_captions();
        j["requestedCustomActions"] = pos.requested_custom_actions();
        j["relation"] = pos.session().relation ? exact_model("/relation", *pos.session().relation)
                                               : nlohmann::json();
        j["vatMethod"] =
            pos.vat_method() ? nlohmann::json(pos.vat_method()->str()) : nlohmann::json();
        j["middlewareVersion"] =
            pos.middleware_version() ? nlohmann::json(*pos.middleware_version()) : nlohmann::json();
        j["lastError"] = pos.error_requests().empty() ? nlohmann::json()
                                                      : nlohmann::json(pos.error_requests().back());
        j["posVersion"] =
            options_.pos_version.empty() ? nlohmann::json() : nlohmann::json(options_.pos_version);
        j["stepsRun"] = steps_run_.size();
        return j;
    }

    /// Starts over: a new till (no session, no payment, no messages) with the same options;
    /// the steps recorded for scenario() are forgotten.
    void reset() {
        timings_->clear();
        std::shared_ptr<std::vector<double>> timings = timings_;
        PosTransport inner = transport_;
        PosTransport timed = [inner, timings](const HttpRequest& request) {
            const auto start = std::chrono::steady_clock::now();
            try {
                HttpResponse response = inner(request);
                timings->push_back(elapsed_millis(start));
                return response;
            } catch (...) {
                timings->push_back(elapsed_millis(start));
                throw;
            }
        };
        pos_ = std::make_unique<PosSimulator>(std::move(timed), options_.till);
        steps_run_.clear();
        step_messages_.clear();
    }

    /// Everything run since the last reset() as a scenario file that `simulate --scenario`
    /// replays: name, till defaults, ignore list and the steps as given.
    nlohmann::json scenario() const {
        nlohmann::json j;
        j["name"] = options_.name;
        nlohmann::json till = {{"branchNumber", options_.till.branch_number},
                               {"workplaceNumber", options_.till.workplace_number}};
        if (!options_.till.articles.empty()) {
            nlohmann::json articles = nlohmann::json::array();
            for (const auto& a : options_.till.articles) {
                nlohmann::json art = {{"articleNumber", a.article_number},
                                      {"text", a.text},
                                      {"priceIncl", decimal_json(a.price_incl)}};
                if (a.barcode) art["barcode"] = *a.barcode;
                articles.push_back(std::move(art));
            }
            till["articles"] = std::move(articles);
        }
        if (!options_.pos_version.empty()) till["posVersion"] = options_.pos_version;
        j["till"] = std::move(till);
        if (!options_.ignore.empty()) j["ignore"] = options_.ignore;
        j["steps"] = steps_run_;
        return j;
    }

    /// The simulated till underneath (its steps, session and transcript).
    const PosSimulator& simulator() const noexcept { return *pos_; }
    /// The simulated till underneath, for actions the step format does not name.
    PosSimulator& simulator() noexcept { return *pos_; }
    /// The options in use (with the till defaults applied).
    const ScenarioOptions& options() const noexcept { return options_; }

private:
    static double elapsed_millis(std::chrono::steady_clock::time_point start) {
        const auto d = std::chrono::steady_clock::now() - start;
        return static_cast<double>(
                   std::chrono::duration_cast<std::chrono::microseconds>(d).count()) /
               1000.0;
    }

    static nlohmann::json decimal_json(const Decimal& d) {
        nlohmann::json j = webhooks::detail::parse_dom<nlohmann::json>(d.to_string());
        return j.is_discarded() ? nlohmann::json(d.to_string()) : j;
    }

    static std::optional<Decimal> decimal_of(const nlohmann::json& j) {
        if (!j.is_number()) return std::nullopt;
        return Decimal::parse(j.dump());
    }

    static nlohmann::json payment_json(const ExternalPaymentState& p) {
        static constexpr std::string_view names[] = {
            "none", "awaitingDialog", "started", "confirmed", "cancelled", "abandoned", "failed"};
        nlohmann::json j;
        j["status"] = std::string(names[static_cast<std::size_t>(p.status)]);
        if (p.status == ExternalPaymentStatus::none) return j;
        j["externalPaymentId"] = p.external_payment_id;
        j["method"] = p.method;
        j["amount"] = decimal_json(p.amount);
        j["cancelRequested"] = p.cancel_requested;
        j["polls"] = p.polls;
        if (p.final_amount) j["finalAmount"] = decimal_json(*p.final_amount);
        if (p.external_transaction_reference) {
            j["externalTransactionReference"] = *p.external_transaction_reference;
        }
        j["receiptTexts"] = nlohmann::json::array();
        for (const auto& t : p.receipt_texts) j["receiptTexts"].push_back(t);
        if (p.card_type) j["cardType"] = *p.card_type;
        if (p.terminal_id) j["terminalId"] = *p.terminal_id;
        j["messages"] = nlohmann::json::array();
        for (const auto& m : p.messages) j["messages"].push_back(m);
        j["problems"] = p.problems;
        return j;
    }

    ScenarioExchange record(const PosExchange& ex, std::size_t& timing) const {
        ScenarioExchange r;
        r.event = ex.event;
        switch (ex.kind) {
        case PosExchange::Kind::event: r.kind = "event"; break;
        case PosExchange::Kind::dialog_answer: r.kind = "dialogAnswer"; break;
        case PosExchange::Kind::form_answer: r.kind = "formAnswer"; break;
        case PosExchange::Kind::poll_repeat: r.kind = "pollRepeat"; break;
        case PosExchange::Kind::error_request: r.kind = "errorRequest"; break;
        }
        r.path = ex.request.path;
        r.request_body = ex.request.body;
        if (ex.response) {
            r.status = ex.response->status;
            r.reply_body = ex.response->body;
            const std::string_view sig = ex.response->header("X-Mplus-Signature");
            r.signature_ok = !sig.empty() && secret_->verify(ex.response->body, sig);
        }
        r.transport_error = ex.transport_error;
        r.applied = ex.applied;
        r.shows = ex.pos_shows;
        if (timing < timings_->size()) r.millis = (*timings_)[timing];
        ++timing;
        return r;
    }

    // Reports replies of this step that use what the configured POS version lacks.
    void check_versions(ScenarioStepResult& result) const {
        if (options_.pos_version.empty()) return;
        for (const auto& ex : result.exchanges) {
            if (ex.kind == "errorRequest" || ex.reply_body.empty()) continue;
            for (const auto& note : version_problems_of(ex.reply_body, options_.pos_version)) {
                const std::string text = ex.event + ": " + note;
                if (options_.strict_versions) {
                    result.problems.push_back(text);
                } else {
                    result.version_notes.push_back(text);
                }
            }
        }
    }

    // The reply of the step's own request: the last exchange that is not an error request.
    static const ScenarioExchange* step_reply(const ScenarioStepResult& result) {
        for (auto it = result.exchanges.rbegin(); it != result.exchanges.rend(); ++it) {
            if (it->kind != "errorRequest") return &*it;
        }
        return nullptr;
    }

    void evaluate(const nlohmann::json& expect, const nlohmann::json& step,
                  const JsonNumberTexts& numbers, ScenarioStepResult& result) const {
        const ScenarioExchange* reply = step_reply(result);
        if (expect.contains("status")) {
            const bool answered = reply != nullptr && reply->status != 0;
            const nlohmann::json actual =
                answered ? nlohmann::json(reply->status) : nlohmann::json();
            match_json(expect["status"], answered ? &actual : nullptr, "/status", result.failures,
                       NumberTextSources{&numbers, "/expect/status", nullptr, ""});
        }
        if (expect.contains("reply")) {
            std::vector<std::string> ignore = options_.ignore;
            if (step.contains("ignore") && step["ignore"].is_array()) {
                for (const auto& i : step["ignore"]) {
                    if (i.is_string()) ignore.push_back(i.get<std::string>());
                }
            }
            nlohmann::json expected = expect["reply"];
            if (reply == nullptr || reply->status == 0) {
                result.failures.push_back(
                    {"/reply", expected, std::nullopt, "no reply came (the step sent no request)"});
            } else {
                nlohmann::json actual;
                JsonNumberTexts reply_numbers;
                if (!parse_json_exact(reply->reply_body, actual, reply_numbers)) {
                    actual = nlohmann::json(reply->reply_body);
                }
                remove_pointers(expected, ignore);
                remove_pointers(actual, ignore);
                match_json(expected, &actual, "/reply", result.failures,
                           NumberTextSources{&numbers, "/expect/reply", &reply_numbers, ""});
            }
        }
        if (expect.contains("till") && expect["till"].is_object()) {
            JsonNumberTexts state_numbers;
            const nlohmann::json s = state_with_numbers(&state_numbers);
            nlohmann::json actual = nlohmann::json::object();
            for (const char* key :
                 {"total", "openAmount", "locked", "receiptFooters", "billFooters", "dialogOpen",
                  "formOpen", "sessionOpen", "payment", "relation", "barcode", "openUrl", "dialog",
                  "form", "customActionCaptions", "lastError"}) {
                if (!s[key].is_null()) actual[key] = s[key];
            }
            actual["lines"] = s["lines"];
            actual["messages"] = nlohmann::json::array();
            actual["customerMessages"] = nlohmann::json::array();
            for (const auto& m : step_messages_) {
                if (m.message) actual["messages"].push_back(*m.message);
                if (m.customer_message) actual["customerMessages"].push_back(*m.customer_message);
            }
            for (const auto& [key, expected] : expect["till"].items()) {
                const std::string path = JsonPointer::of("till", key).to_string();
                if (key == "lines" && expected.is_number_integer()) {
                    const nlohmann::json count = actual["lines"].size();
                    match_json(expected, &count, path, result.failures,
                               NumberTextSources{&numbers, "/expect" + path, nullptr, ""});
                    continue;
                }
                const auto it = actual.find(key);
                match_json(expected, it == actual.end() ? nullptr : &*it, path, result.failures,
                           NumberTextSources{&numbers, "/expect" + path, &state_numbers,
                                             JsonPointer::of(key).to_string()});
            }
        }
    }

    // The line a step names: an index into the session's lines, or a lineId.
    std::optional<std::string> line_id_of(const nlohmann::json& line) const {
        const auto& lines = pos_->session().lines;
        if (line.is_number_integer()) {
            const std::int64_t i = line.get<std::int64_t>();
            if (i < 0 || static_cast<std::size_t>(i) >= lines.size()) return std::nullopt;
            return lines[static_cast<std::size_t>(i)].line_id;
        }
        if (line.is_string()) return line.get<std::string>();
        return std::nullopt;
    }

    // Runs the external payment of a payExternal step (or the rest of it after a dialog).
    void run_payment(ScenarioStepResult& result) {
        if (!payment_plan_) return;
        PaymentPlan& plan = *payment_plan_;
        PosSimulator& pos = *pos_;
        while (pos.external_payment().status == ExternalPaymentStatus::started) {
            if (pos.external_payment().polls >= options_.till.max_polls) {
                result.problems.push_back("no final answer after " +
                                          std::to_string(pos.external_payment().polls) +
                                          " pollExternalPayment calls");
                break;
            }
            if (plan.force_after && plan.elapsed >= *plan.force_after) {
                // The middleware stays silent while the cashier waits for the forced cancel.
                pos.advance(std::chrono::milliseconds(PosSimulator::forced_cancel_after_millis));
                pos.cancel_external_payment();
                break;
            }
            if (plan.cancel_after && plan.elapsed >= *plan.cancel_after &&
                !pos.external_payment().cancel_requested) {
                pos.request_cancel_external_payment();
                continue;
            }
            const PosStep& poll = pos.poll_external_payment();
            pos.advance(std::chrono::seconds(1));
            ++plan.elapsed;
            if (!poll.ok() && pos.external_payment().status == ExternalPaymentStatus::started) {
                break;
            }
        }
        if (pos.external_payment().status != ExternalPaymentStatus::awaiting_dialog) {
            payment_plan_.reset();
        }
    }

    void perform(const nlohmann::json& step, const JsonNumberTexts& numbers,
                 ScenarioStepResult& result) {
        PosSimulator& pos = *pos_;
        const std::string action = step["action"].get<std::string>();
        // A number of the step as written (see parse_json_exact()), else as its JSON value.
        const auto exact_decimal = [&](const nlohmann::json& j,
                                       const std::string& pointer) -> std::optional<Decimal> {
            const auto it = numbers.find(pointer);
            if (j.is_number() && it != numbers.end()) return Decimal::parse(it->second);
            return decimal_of(j);
        };
        const auto decimal = [&](const char* key) -> std::optional<Decimal> {
            if (!step.contains(key)) return std::nullopt;
            return exact_decimal(step[key], JsonPointer::of(key).to_string());
        };
        if (action == "startSession") {
            pos.start_session();
        } else if (action == "scanCode") {
            const std::string type = step.value("codeType", std::string("barcode"));
            pos.scan(step["code"].get<std::string>(), CodeType(type));
        } else if (action == "addLine") {
            SessionLine line;
            const SimulatedArticle* article = nullptr;
            if (step.contains("articleNumber")) {
                line.article_number = step["articleNumber"].get<std::int64_t>();
                for (const auto& a : options_.till.articles) {
                    if (a.article_number == *line.article_number) article = &a;
                }
            }
            if (step.contains("text")) {
                line.text = step["text"].get<std::string>();
            } else if (article != nullptr) {
                line.text = article->text;
            } else {
                line.text = "Article " + std::to_string(line.article_number.value_or(0));
            }
            if (std::optional<Decimal> price = decimal("priceIncl")) {
                line.price_incl = *price;
            } else if (article != nullptr) {
                line.price_incl = article->price_incl;
            } else {
                result.problems.push_back("addLine: article " +
                                          std::to_string(line.article_number.value_or(0)) +
                                          " is not in till.articles; give priceIncl");
                return;
            }
            line.quantity = decimal("quantity").value_or(Decimal(1));
            pos.add_line(std::move(line));
        } else if (action == "updateLine" || action == "removeLine") {
            const std::optional<std::string> id = line_id_of(step["line"]);
            if (!id) {
                result.problems.push_back(action + ": no line " + step["line"].dump());
                return;
            }
            if (action == "updateLine") {
                pos.update_line(*id, decimal("quantity").value_or(Decimal(1)));
            } else {
                pos.remove_line(*id);
            }
        } else if (action == "selectRelation") {
            if (step.contains("relationNumber") && step["relationNumber"].is_number_integer()) {
                Relation r;
                r.relation_number = step["relationNumber"].get<std::int64_t>();
                pos.select_relation(std::move(r));
            } else {
                pos.deselect_relation();
            }
        } else if (action == "customAction") {
            const std::string id = step["customActionId"].get<std::string>();
            std::optional<bool> long_click;
            if (step.contains("longClick")) long_click = step["longClick"].get<bool>();
            pos.custom_action(id, step.value("buttonCaption", id), decimal("numpadValue"),
                              long_click);
        } else if (action == "startPayment") {
            pos.start_payment();
        } else if (action == "cancelPayment") {
            pos.cancel_payment();
        } else if (action == "payExternal") {
            PaymentPlan plan;
            if (step.contains("requestCancelAfterSeconds")) {
                plan.cancel_after = step["requestCancelAfterSeconds"].get<std::int64_t>();
            }
            if (step.contains("forceCancelAfterSeconds")) {
                plan.force_after = step["forceCancelAfterSeconds"].get<std::int64_t>();
            }
            payment_plan_ = plan;
            pos.start_external_payment(step["method"].get<std::string>(), decimal("amount"));
            run_payment(result);
        } else if (action == "complete") {
            if (step.contains("payments")) {
                const nlohmann::json& payments = step["payments"];
                for (std::size_t i = 0; i < payments.size(); ++i) {
                    const nlohmann::json& p = payments[i];
                    const std::string method = p["method"].get<std::string>();
                    pos.add_payment(
                        method, p.value("description", method),
                        exact_decimal(p["amount"],
                                      JsonPointer::of("payments", i, "amount").to_string())
                            .value_or(Decimal()));
                }
            }
            pos.complete_session();
        } else if (action == "cancelSession") {
            pos.cancel_session();
        } else if (action == "pauseSession") {
            pos.pause_session();
        } else if (action == "resumeSession") {
            pos.resume_session();
        } else if (action == "printBill") {
            pos.print_bill(step.contains("previousPayments") ? step["previousPayments"]
                                                             : nlohmann::json::object());
        } else if (action == "backgroundPoll") {
            pos.background_poll();
        } else if (action == "choose") {
            DialogAnswer answer;
            const nlohmann::json& option = step["option"];
            const Dialog* dialog = pos.open_dialog();
            // A text names the option called so, else the first enabled one containing it.
            const auto add = [&answer, dialog](const nlohmann::json& o) {
                if (o.is_number_integer()) {
                    answer.option_ids.push_back(o.get<std::int64_t>());
                    return;
                }
                const std::string text = o.get<std::string>();
                if (dialog != nullptr) {
                    for (const auto& d : dialog->dialog_options) {
                        if (d.option_name == text) return answer.option_ids.push_back(d.option_id);
                    }
                    for (const auto& d : dialog->dialog_options) {
                        if (!d.disabled.value_or(false) &&
                            d.option_name.find(text) != std::string::npos) {
                            return answer.option_ids.push_back(d.option_id);
                        }
                    }
                }
                answer.option_texts.push_back(text);
            };
            if (option.is_array()) {
                for (const auto& o : option) add(o);
            } else {
                add(option);
            }
            pos.answer_dialog(answer);
            run_payment(result);
        } else if (action == "fillForm") {
            FormAnswer answer;
            answer.cancel = step.value("cancel", false);
            if (step.contains("values")) {
                for (const auto& [id, v] : step["values"].items()) {
                    if (v.is_string()) {
                        answer.set(id, v.get<std::string>());
                    } else if (v.is_array()) {
                        answer.select(id, v.get<std::vector<std::string>>());
                    }
                }
            }
            pos.fill_form(answer);
            run_payment(result);
        } else if (action == "send") {
            nlohmann::json body = nlohmann::json::object();
            if (step.contains("body")) {
                body = step["body"].is_string() ? webhooks::detail::parse_dom<nlohmann::json>(
                                                      step["body"].get<std::string>())
                                                : step["body"];
                if (body.is_discarded()) body = nlohmann::json::object();
            }
            pos.send_event(step["event"].get<std::string>(), std::move(body),
                           step.value("raw", false));
        } else if (action == "wait") {
            pos.advance(std::chrono::seconds(step["seconds"].get<std::int64_t>()));
        }
    }

    struct PaymentPlan {
        std::optional<std::int64_t> cancel_after;
        std::optional<std::int64_t> force_after;
        std::int64_t elapsed = 0;
    };

    PosTransport transport_;
    ScenarioOptions options_;
    std::optional<Secret> secret_;
    std::shared_ptr<std::vector<double>> timings_;
    std::unique_ptr<PosSimulator> pos_;
    std::vector<nlohmann::json> steps_run_;
    std::vector<Message> step_messages_;
    std::optional<PaymentPlan> payment_plan_;
};

/// The outcome of a whole scenario run.
struct ScenarioResult {
    std::string name;                      ///< the scenario's name
    std::vector<ScenarioStepResult> steps; ///< the steps run, in order (a failing one last)
    std::size_t steps_total = 0;           ///< the number of steps in the scenario
    double millis = 0;                     ///< wall time of the run
    std::string setup_error;               ///< why the run could not start (bad secret, ...)
    std::string transcript;                ///< the simulator's transcript of the run

    /// True when every step ran and held.
    bool ok() const noexcept {
        if (!setup_error.empty() || steps.size() != steps_total) return false;
        for (const auto& s : steps) {
            if (!s.ok()) return false;
        }
        return true;
    }
    /// The failing steps' problems and failures as readable text (empty when ok()).
    std::string report() const {
        std::string out;
        if (!setup_error.empty()) out += "scenario '" + name + "': " + setup_error + "\n";
        for (const auto& s : steps) out += s.describe(name);
        return out;
    }
};

/// Runs `scenario` against `transport`: its till defaults and ignore list are added to
/// `options`; the run stops at the first step that does not hold.
inline ScenarioResult run_scenario(const Scenario& scenario, PosTransport transport,
                                   ScenarioOptions options) {
    ScenarioResult result;
    result.name = scenario.name;
    result.steps_total = scenario.steps.size();
    options.name = scenario.name;
    options.ignore.insert(options.ignore.end(), scenario.ignore.begin(), scenario.ignore.end());
    const auto start = std::chrono::steady_clock::now();
    try {
        ScenarioSession session(std::move(transport), std::move(options));
        session.use_till_defaults(scenario.till, scenario.till_numbers);
        for (std::size_t i = 0; i < scenario.steps.size(); ++i) {
            const nlohmann::json& step = scenario.steps[i];
            ScenarioStepResult r = i < scenario.step_numbers.size()
                                       ? session.run_step(step, scenario.step_numbers[i])
                                       : session.run_step(step);
            const bool ok = r.ok();
            result.steps.push_back(std::move(r));
            if (!ok) break;
        }
        result.transcript = render_transcript(session.simulator());
    } catch (const std::exception& e) {
        result.setup_error = e.what();
    }
    result.millis = static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(
                                            std::chrono::steady_clock::now() - start)
                                            .count()) /
                    1000.0;
    return result;
}

MPLUS_WEBHOOKS_END_NAMESPACE
