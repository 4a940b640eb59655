// `mplus-webhooks validate`: check a request, a reply or a POS error request.
// SPDX-License-Identifier: MIT

#include "cli.hpp"

#include <mplus/webhooks.hpp>
#include <mplus/webhooks/session_rules.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mplus_webhooks_cli {

namespace {

/// The flags of a validate run.
struct ValidateSettings {
    mw::EventKind event = mw::EventKind::unknown;
    bool reply = false;
    bool strict = false;
    bool known_only = false;
    std::optional<std::string> request; ///< --request: the request the reply answers
    std::string pos_version;            ///< --pos-version: the POS version the fleet runs

    mw::ReadOptions read_options() const {
        mw::ReadOptions o;
        o.strict = strict;
        o.max_errors = 100; // a CI run should see every problem, not just the first few
        return o;
    }
    mw::WriteOptions write_options() const {
        mw::WriteOptions o;
        o.include_unknown = !known_only;
        return o;
    }
};

/// What validating one input gives: the JSON written back, or the problems.
struct Outcome {
    std::vector<mw::Error> problems;
    std::string json;
    std::vector<std::string> too_new; ///< reply features newer than --pos-version
};

/// Reads `text` as a T and writes it back.
template <class T>
Outcome read_and_write(std::string_view text, const ValidateSettings& settings) {
    mw::Result<T> result = mw::try_parse<T>(text, settings.read_options());
    if (!result) return {result.errors(), {}, {}};
    return {{}, mw::serialize(*result, settings.write_options()), {}};
}

/// Reads `text` as the request type of the event in `settings`.
Outcome validate_request(std::string_view text, const ValidateSettings& settings) {
    return mw::visit_event(settings.event, [&](auto event) {
        return read_and_write<typename decltype(event)::request>(text, settings);
    });
}

/// Reads `text` as a reply to the event in `settings` and checks it as the till does: the
/// reply rules, the session rules against the request (--request; without it the rules that
/// need one are skipped) and the version gates (--pos-version).
Outcome validate_reply(std::string_view text, const ValidateSettings& settings) {
    mw::Result<mw::Reply> result = mw::try_parse<mw::Reply>(text, settings.read_options());
    if (!result) return {result.errors(), {}, {}};
    mw::SessionRuleSettings rules;
    rules.pos_version = settings.pos_version;
    const mw::ReplyCheck check = mw::check_reply_against(
        *result, settings.event,
        settings.request ? std::string_view(*settings.request) : std::string_view("{}"), rules);
    std::vector<std::string> notes;
    for (const auto& v : check.too_new) notes.push_back(v.to_string(*check.pos_version));
    if (!check.ok()) return {check.errors, {}, std::move(notes)};
    return {{}, mw::serialize(*result, settings.write_options()), {}};
}

/// Collects the keys of the top-level object without building a DOM (nlohmann SAX handler),
/// to recognize the POS's error request before choosing the type to read.
class TopLevelKeys {
public:
    bool has(std::string_view key) const {
        for (const auto& k : keys_) {
            if (k == key) return true;
        }
        return false;
    }

    bool null() { return true; }
    bool boolean(bool) { return true; }
    bool number_integer(nlohmann::json::number_integer_t) { return true; }
    bool number_unsigned(nlohmann::json::number_unsigned_t) { return true; }
    bool number_float(nlohmann::json::number_float_t, const nlohmann::json::string_t&) {
        return true;
    }
    bool string(nlohmann::json::string_t&) { return true; }
    bool binary(nlohmann::json::binary_t&) { return true; }
    bool start_object(std::size_t) { return enter(); }
    bool start_array(std::size_t) { return enter(); }
    bool end_object() { return leave(); }
    bool end_array() { return leave(); }
    bool key(nlohmann::json::string_t& k) {
        if (depth_ == 1) keys_.push_back(k);
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
        return false; // the typed read reports it, with its position
    }

private:
    // The typed read enforces the real depth limit; this only keeps the scan bounded.
    bool enter() { return ++depth_ <= 256; }
    bool leave() {
        --depth_;
        return true;
    }
    std::size_t depth_ = 0;
    std::vector<std::string> keys_;
};

/// True when `text` is an object with top-level `error` and `original`: the POS's error request.
bool is_pos_error_request(std::string_view text) {
    TopLevelKeys keys;
    const bool parsed = nlohmann::json::sax_parse(text.data(), text.data() + text.size(), &keys);
    return parsed && keys.has("error") && keys.has("original");
}

/// Reads the POS's error request, and its `original` as a request of the event in `settings`;
/// problems in the original are reported under `/original`.
Outcome validate_pos_error_request(std::string_view text, const ValidateSettings& settings) {
    mw::Result<mw::PosErrorRequest> result =
        mw::try_parse<mw::PosErrorRequest>(text, settings.read_options());
    if (!result) return {result.errors(), {}, {}};
    const mw::PosErrorRequest& request = *result;

    // The original was kept as raw JSON; read it again as its typed request.
    const std::string original_text =
        request.original.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    Outcome original = validate_request(original_text, settings);
    if (!original.problems.empty()) {
        for (auto& p : original.problems) p.path.insert(0, "/original");
        return original;
    }
    // Written as serialize(PosErrorRequest) would, but with the original as its typed request
    // wrote it: fields in protocol order, and without its unknown fields under --known-only.
    const mw::WriteOptions options = settings.write_options();
    std::string out = "{\"error\":";
    mw::serialize_to(out, request.error, options);
    out += ",\"original\":";
    out += original.json;
    if (options.include_unknown && request.extra.is_object()) {
        for (auto it = request.extra.begin(); it != request.extra.end(); ++it) {
            out += ',';
            mw::serialize_to(out, it.key());
            out += ':';
            mw::serialize_to(out, it.value());
        }
    }
    out += '}';
    return {{}, std::move(out), {}};
}

/// One problem as a line of its own: `<path>: <message> (<WIRE_CODE>)`.
std::string problem_line(const mw::Error& e) {
    std::string line = e.path.empty() ? std::string("(root)") : e.path;
    line.append(": ").append(e.message).append(" (").append(e.wire()).append(")");
    // A message quoting input text must not split the report into extra lines.
    for (char& c : line) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return line;
}

/// The names of every known event, for the unknown-event message.
std::string known_event_list() {
    std::string list;
    for (std::string_view name : mw::event_names) {
        if (!list.empty()) list += ", ";
        list += name;
    }
    return list;
}

} // namespace

int run_validate(const std::vector<std::string>& args) {
    std::string error;
    const auto parsed = parse_arguments(args,
                                        {{"--event", true},
                                         {"--reply", false},
                                         {"--strict", false},
                                         {"--known-only", false},
                                         {"--request", true},
                                         {"--pos-version", true}},
                                        error);
    if (!parsed) return usage_error(error);
    const std::string* event = parsed->value("--event");
    if (event == nullptr) return usage_error("validate needs --event NAME");

    ValidateSettings settings;
    settings.event = mw::find_event(*event);
    if (settings.event == mw::EventKind::unknown) {
        return usage_error("unknown event '" + *event + "'; known events: " + known_event_list());
    }
    settings.reply = parsed->has("--reply");
    settings.strict = parsed->has("--strict");
    settings.known_only = parsed->has("--known-only");
    if (const std::string* v = parsed->value("--pos-version")) {
        if (!mw::PosVersion::parse(*v)) {
            return usage_error("--pos-version needs a version like 57.0.0");
        }
        settings.pos_version = *v;
    }
    if (const std::string* request_file = parsed->value("--request")) {
        if (!settings.reply) return usage_error("--request goes with --reply");
        settings.request = read_file(*request_file, error);
        if (!settings.request) return fatal(error);
        const nlohmann::json r = nlohmann::json::parse(*settings.request, nullptr, false);
        if (r.is_discarded() || !r.is_object()) {
            return fatal("the request in '" + *request_file + "' is not a JSON object");
        }
    }

    if (parsed->positional.size() > 1) return usage_error(too_many_arguments);

    const auto input = read_input(parsed->positional, error);
    if (!input) return fatal(error);

    Outcome outcome;
    if (settings.reply) {
        outcome = validate_reply(*input, settings);
    } else if (is_pos_error_request(*input)) {
        outcome = validate_pos_error_request(*input, settings);
    } else {
        outcome = validate_request(*input, settings);
    }

    if (!outcome.problems.empty() || !outcome.too_new.empty()) {
        for (const auto& p : outcome.problems) std::cerr << problem_line(p) << '\n';
        for (const auto& n : outcome.too_new) std::cerr << n << '\n';
        return exit_problems;
    }
    if (!print(outcome.json + '\n')) return fatal("cannot write to standard output");
    return exit_ok;
}

} // namespace mplus_webhooks_cli
