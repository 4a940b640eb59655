// The dispatcher's machinery that does not depend on the user's handlers: inline in the
// header-only mode, compiled once into mplus_webhooks::precompiled in the precompiled mode.
// SPDX-License-Identifier: MIT
//
// Included at the end of <mplus/webhooks/dispatcher.hpp> unless MPLUS_WEBHOOKS_PRECOMPILED is
// defined, and by src/dispatcher.cpp, which builds the precompiled library.
#pragma once

#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/json_pointer.hpp>
#include <mplus/webhooks/session_rules.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

/// `inline` in the header-only mode; nothing in the precompiled mode, where the one definition
/// of each function so marked is in the library.
#ifdef MPLUS_WEBHOOKS_PRECOMPILED
#define MPLUS_WEBHOOKS_DISPATCHER_INLINE
#else
#define MPLUS_WEBHOOKS_DISPATCHER_INLINE inline
#endif

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

namespace detail {

/// The member `key` of the raw object `object`, or nullptr.
MPLUS_WEBHOOKS_DISPATCHER_INLINE const nlohmann::json* raw_member(const nlohmann::json& object,
                                                                  const char* key) noexcept {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

/// The boolean `key` of the raw `event` object; false when absent or not a boolean.
MPLUS_WEBHOOKS_DISPATCHER_INLINE bool event_flag(const nlohmann::json& event,
                                                 const char* key) noexcept {
    const nlohmann::json* v = raw_member(event, key);
    return v != nullptr && v->is_boolean() && v->get<bool>();
}

/// The string `key` of a raw object; "" when absent or not a string.
MPLUS_WEBHOOKS_DISPATCHER_INLINE std::string_view raw_string(const nlohmann::json& object,
                                                             const char* key) noexcept {
    const nlohmann::json* v = raw_member(object, key);
    if (v == nullptr || !v->is_string()) return std::string_view();
    return v->get_ref<const std::string&>();
}

/// The integer `key` of a raw object, when it is one.
MPLUS_WEBHOOKS_DISPATCHER_INLINE std::optional<std::int64_t>
raw_integer(const nlohmann::json& object, const char* key) noexcept {
    const nlohmann::json* v = raw_member(object, key);
    if (v == nullptr || !v->is_number_integer()) return std::nullopt;
    return v->get<std::int64_t>();
}

/// `{"error":{"code":...,"message":...}}`.
MPLUS_WEBHOOKS_DISPATCHER_INLINE std::string error_body(std::string_view code,
                                                        std::string_view message) {
    std::string body;
    body.reserve(40 + code.size() + message.size());
    body.append(R"({"error":{"code":)");
    write_json_string(body, code);
    body.append(R"(,"message":)");
    write_json_string(body, message);
    body.append("}}");
    return body;
}

/// Removes the elements at `indices` (any order, duplicates allowed) from `v`.
template <class V>
void erase_indices(V& v, std::vector<std::size_t>& indices) {
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    for (auto it = indices.rbegin(); it != indices.rend(); ++it) {
        if (*it < v.size()) v.erase(v.begin() + static_cast<std::ptrdiff_t>(*it));
    }
}

/// Leaves out of `reply` each object a problem points at: the element of a list (a message,
/// a line change, a footer entry) when the path names one, else the whole top-level object.
MPLUS_WEBHOOKS_DISPATCHER_INLINE void drop_offending(Reply& reply,
                                                     const std::vector<Error>& problems) {
    // What each problem points at: the top-level key, and the element of it when it names one.
    std::vector<std::pair<std::string, std::optional<std::size_t>>> targets;
    for (const Error& e : problems) {
        const std::optional<JsonPointer> pointer = JsonPointer::parse(e.path);
        if (!pointer) continue;
        std::vector<std::string> tokens = pointer->tokens();
        if (tokens.empty()) continue;
        std::optional<std::size_t> index;
        if (tokens.size() > 1) index = JsonPointer::index_of(tokens[1]);
        targets.emplace_back(std::move(tokens[0]), index);
    }
    constexpr auto table = fields(type_tag<Reply>{});
    for_each_field(table, [&](auto, const auto& field) {
        bool whole = false;
        std::vector<std::size_t> indices;
        for (const auto& [key, index] : targets) {
            if (key != field.key) continue;
            if (index) {
                indices.push_back(*index);
            } else {
                whole = true;
            }
        }
        if (!whole && indices.empty()) return;
        auto& member = reply.*(field.member);
        using M = std::remove_reference_t<decltype(member)>;
        if constexpr (is_vector<M>::value) {
            if (whole) {
                member.clear();
            } else {
                erase_indices(member, indices);
            }
        } else if constexpr (std::is_same_v<M, std::optional<Footer>>) {
            if (member && !whole) erase_indices(member->entries, indices);
            if (whole || !member || member->entries.empty()) member.reset();
        } else {
            member = M{};
        }
    });
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE void
Core::diagnose(const ExchangeFacts& facts, DiagnosticKind kind, Error error,
               std::optional<PosVersion> since) const noexcept {
    if (!diagnostic_hook) return;
    try {
        Diagnostic d;
        d.kind = kind;
        d.since = since;
        d.event_name = facts.event_name;
        d.subscription_id = facts.subscription_id;
        d.request_id = facts.request_id;
        d.error = std::move(error);
        diagnostic_hook(d);
    } catch (...) { // a failing hook must not change the reply
    }
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE void Core::measure(const ExchangeFacts& facts, int status,
                                                    std::string_view wire) const noexcept {
    if (!metrics_hook) return;
    try {
        Metrics m;
        m.event_name = facts.event_name;
        m.event = facts.event;
        m.status = status;
        m.wire_code = wire;
        m.handler_time = facts.handler_time;
        m.blocking = facts.blocking;
        m.polling = facts.polling;
        m.async = facts.async;
        m.request_id = facts.request_id;
        metrics_hook(m);
    } catch (...) { // a failing hook must not change the reply
    }
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE void Core::observe(const ExchangeFacts& facts,
                                                    const std::vector<ResponseObserver>& observers,
                                                    const HttpResponse& response) const noexcept {
    for (auto it = observers.rbegin(); it != observers.rend(); ++it) {
        try {
            (*it)(response);
        } catch (...) {
            diagnose(facts, DiagnosticKind::handler_exception,
                     Error{errc::internal_error, std::string(),
                           "a middleware's response observer threw"});
        }
    }
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE HttpResponse Core::make_response(int status, std::string body,
                                                                  const KeyRing* ring) {
    HttpResponse r;
    r.status = status;
    r.headers.reserve(2);
    r.headers.push_back(Header{"Content-Type", "application/json"});
    if (ring != nullptr && !ring->empty()) {
        r.headers.push_back(Header{"X-Mplus-Signature", ring->sign(body)});
    }
    r.body = std::move(body);
    return r;
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE HttpResponse Core::error_response(const ExchangeFacts& facts,
                                                                   int status, errc code,
                                                                   std::string_view message) const {
    HttpResponse r = make_response(status, error_body(wire_code(code), message), facts.ring);
    measure(facts, status, wire_code(code));
    return r;
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE HttpResponse
Core::internal_error(const ExchangeFacts& facts) const noexcept {
    try {
        return error_response(facts, 500, errc::internal_error, "the request could not be handled");
    } catch (...) {
        HttpResponse bare;
        bare.status = 500;
        return bare;
    }
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE HttpResponse Core::reply_response(const ExchangeFacts& facts,
                                                                   const ReplyContext& rc,
                                                                   Reply reply) const {
    if (reply.external_payment && reply.external_payment->external_payment_id.empty() &&
        is_external_payment_event(rc.event)) {
        reply.external_payment->external_payment_id = rc.external_payment_id;
    }
    if (rc.polling && !reply.polling) {
        reply.polling.emplace(); // finished = true
        diagnose(facts, DiagnosticKind::polling_filled_in,
                 Error{errc::ok, "/polling",
                       "the handler set no polling; sent \"polling\":{\"finished\":true}"});
    }
    std::vector<Error> problems = check_reply(reply, rc);
    if (!problems.empty()) {
        if (config.strict_replies) {
            for (const Error& e : problems) diagnose(facts, DiagnosticKind::reply_rejected, e);
            const Error& first = problems.front();
            return error_response(facts, 500, first.code,
                                  "the reply breaks a rule: " + first.to_string());
        }
        drop_offending(reply, problems);
        for (Error& e : problems) {
            diagnose(facts, DiagnosticKind::reply_object_dropped, std::move(e));
        }
    }
    std::string body;
    body.reserve(512);
    serialize_to(body, reply, config.write_options);
    if (config.check_session_rules || !config.pos_version.empty()) {
        if (std::optional<HttpResponse> refused = check_against_request(facts, rc, reply, body)) {
            return std::move(*refused);
        }
    }
    HttpResponse r = make_response(200, std::move(body), facts.ring);
    measure(facts, 200, std::string_view());
    return r;
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE std::optional<HttpResponse>
Core::check_against_request(const ExchangeFacts& facts, const ReplyContext& rc, const Reply& reply,
                            std::string_view body) const {
    static const nlohmann::json unknown = nlohmann::json::object();
    const nlohmann::json& request = facts.checked_request ? *facts.checked_request : unknown;
    // The rules without the version gates, which read the body already written rather than
    // writing the reply again.
    ReplyCheck check = check_reply_against(reply, rc.event, request, SessionRuleSettings{});
    if (!config.pos_version.empty()) {
        gate_versions(check, parse_dom<nlohmann::json>(body), config.pos_version);
    }
    if (check.ok()) return std::nullopt;
    const PosVersion pos = check.pos_version.value_or(PosVersion{});
    std::vector<std::pair<Error, std::optional<PosVersion>>> problems;
    for (const Error& e : check.errors) problems.emplace_back(e, std::nullopt);
    for (const VersionGateProblem& v : check.too_new) {
        problems.emplace_back(Error{errc::reply_rule, v.path,
                                    "needs MplusKASSA " + v.since.to_string() + " (the till runs " +
                                        pos.to_string() + ")"},
                              v.since);
    }
    if (config.strict_replies) {
        for (const auto& p : problems) {
            diagnose(facts, DiagnosticKind::reply_rejected, p.first, p.second);
        }
        const Error& first = problems.front().first;
        return error_response(facts, 500, first.code,
                              "the reply breaks a rule: " + first.to_string());
    }
    for (auto& p : problems) {
        diagnose(facts,
                 p.second ? DiagnosticKind::reply_too_new : DiagnosticKind::reply_refused_by_till,
                 std::move(p.first), p.second);
    }
    return std::nullopt;
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE void Core::keep_request(Exchange& x) const {
    if (!config.check_session_rules) return;
    nlohmann::json j = detail::parse_dom<nlohmann::json>(x.request.body);
    if (j.is_discarded() || !j.is_object()) return;
    x.facts.checked_request = std::make_shared<const nlohmann::json>(std::move(j));
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE HttpResponse Core::raw_response(const ExchangeFacts& facts,
                                                                 std::string body) const {
    HttpResponse r = make_response(200, std::move(body), facts.ring);
    measure(facts, 200, std::string_view());
    return r;
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE HttpResponse Core::reject(const ExchangeFacts& facts, int status,
                                                           errc code, std::string message,
                                                           std::string path) const {
    HttpResponse r = error_response(facts, status, code, message);
    diagnose(facts, DiagnosticKind::request_rejected,
             Error{code, std::move(path), std::move(message)});
    return r;
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE HttpResponse
Core::reject_body(const ExchangeFacts& facts, const std::vector<Error>& errors) const {
    const Error& first = errors.front();
    std::string message = first.to_string();
    if (errors.size() > 1) {
        message += " (and " + std::to_string(errors.size() - 1) + " more)";
    }
    // Only the three request-level codes go on the wire; strict-mode refinements are
    // INVALID_DATA there (wire_code() maps them).
    const errc code = first.code;
    HttpResponse r = make_response(400, error_body(wire_code(code), message), facts.ring);
    measure(facts, 400, wire_code(code));
    diagnose(facts, DiagnosticKind::request_rejected, first);
    return r;
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE void Core::respond(Exchange& x, HttpResponse&& response) const {
    if (x.finished) return;
    x.finished = true; // before finish(): a throwing callback must not be called again
    if (!x.observers.empty()) observe(x.facts, x.observers, response);
    x.sink.finish(std::move(response));
}

/// The Error a caught exception is reported as (to the diagnostic hook only).
MPLUS_WEBHOOKS_DISPATCHER_INLINE Error describe_exception(const std::exception_ptr& e) noexcept {
    try {
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            return Error{errc::internal_error, std::string(),
                         std::string("the handler threw: ") + ex.what()};
        } catch (...) {
            return Error{errc::internal_error, std::string(),
                         "the handler threw a non-standard exception"};
        }
    } catch (...) { // out of memory while describing it
        return Error{errc::internal_error, std::string(), std::string()};
    }
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE void Core::process(const std::shared_ptr<const Core>& self,
                                                    Exchange& x) noexcept {
    // The exchange's reference to a pending reply is dropped on the way out: a Responder the
    // handler let go unanswered must be able to die (and answer 500) while handle() waits.
    try {
        self->run(self, x);
        x.pending.reset();
        if (x.finished) return;
        // A middleware caught what the rest of the chain threw and returned without answering.
        self->diagnose(
            x.facts, DiagnosticKind::middleware_unanswered,
            Error{errc::internal_error, std::string(), "the request ended without a response"});
    } catch (...) {
        Error what = describe_exception(std::current_exception());
        if (x.pending) {
            x.pending->fail(std::move(what));
            x.pending.reset();
            return;
        }
        self->diagnose(x.facts, DiagnosticKind::handler_exception, std::move(what));
    }
    try {
        self->respond(x, self->internal_error(x.facts));
    } catch (...) { // the integrator's callback threw; nothing else can be done
    }
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE void Core::open(Exchange& x, std::string_view known_id) const {
    const HttpRequest& req = x.request;
    RequestContext& ctx = x.context;
    ExchangeFacts& facts = x.facts;
    ctx.http = &req;
    ctx.event_name = event_name_from_path(req.path);
    ctx.event = find_event(ctx.event_name);
    ctx.subscription_id = header_value(req.headers, "X-Mplus-Subscription-Id");

    const std::string_view given = config.request_id_header.empty()
                                       ? std::string_view()
                                       : header_value(req.headers, config.request_id_header);
    if (!known_id.empty()) {
        x.request_id.assign(known_id.data(), known_id.size());
    } else if (acceptable_request_id(given)) {
        x.request_id.assign(given.data(), given.size());
    } else {
        x.request_id.reserve(24);
        x.request_id.append(id_prefix_).push_back('-');
        x.request_id.append(std::to_string(ids_.fetch_add(1, std::memory_order_relaxed) + 1));
    }
    ctx.request_id = x.request_id;

    facts.event_name = ctx.event_name;
    facts.event = ctx.event;
    facts.subscription_id = ctx.subscription_id;
    facts.request_id = ctx.request_id;

    // The ring is found first so that every reply, errors included, can be signed.
    if (config.secret_lookup) {
        x.ring_holder = config.secret_lookup(ctx.subscription_id);
        if (x.ring_holder && !x.ring_holder->empty()) facts.ring = x.ring_holder.get();
    } else if (!config.secrets.empty()) {
        facts.ring = &config.secrets;
    }
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE std::optional<HttpResponse> Core::admit(Exchange& x) const {
    const HttpRequest& req = x.request;
    ExchangeFacts& facts = x.facts;
    if (req.method != "POST") {
        return reject(facts, 400, errc::method_not_allowed,
                      "only POST is accepted, not " + req.method);
    }

    const Header* content_type = find_header(req.headers, "Content-Type");
    if (content_type == nullptr || content_type->value.empty()) {
        return reject(facts, 400, errc::no_content_type, "Content-Type is missing");
    }
    {
        std::string_view media = content_type->value;
        media = media.substr(0, media.find(';'));
        while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) {
            media.remove_suffix(1);
        }
        while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) {
            media.remove_prefix(1);
        }
        if (!iequals(media, "application/json")) {
            return reject(facts, 400, errc::invalid_content_type,
                          "Content-Type must be application/json");
        }
    }

    const bool has_subscription = !x.context.subscription_id.empty();
    if (!config.subscription_ids.empty()) {
        if (!has_subscription) {
            return reject(facts, 400, errc::no_subscription_id,
                          "X-Mplus-Subscription-Id is missing");
        }
        if (std::find(config.subscription_ids.begin(), config.subscription_ids.end(),
                      x.context.subscription_id) == config.subscription_ids.end()) {
            return reject(facts, 400, errc::invalid_subscription_id,
                          "X-Mplus-Subscription-Id is not a known subscription");
        }
    }
    if (facts.ring == nullptr) { // only with a lookup that does not know this subscription
        return has_subscription ? reject(facts, 400, errc::invalid_subscription_id,
                                         "no secret is known for this X-Mplus-Subscription-Id")
                                : reject(facts, 400, errc::no_subscription_id,
                                         "X-Mplus-Subscription-Id is missing");
    }

    // The size cap comes before the HMAC, so an oversized body costs no hashing.
    if (req.body.size() > config.max_body_size) {
        return reject(facts, config.body_too_large_status, errc::payload_too_large,
                      "the body is larger than " + std::to_string(config.max_body_size) + " bytes");
    }

    const Header* signature = find_header(req.headers, "X-Mplus-Signature");
    if (signature == nullptr || signature->value.empty()) {
        return reject(facts, 400, errc::no_signature, "X-Mplus-Signature is missing");
    }
    const KeyRing::Verdict verdict = facts.ring->verify(req.body, signature->value);
    if (!verdict.valid) {
        if (verdict.other_form_would_match) {
            diagnose(facts, DiagnosticKind::other_key_form_matches,
                     Error{errc::invalid_signature, std::string(),
                           "the signature matches the secret's other key form (raw text versus "
                           "base64-decoded): check how the secret is configured"});
        }
        return reject(facts, 400, errc::invalid_signature,
                      "X-Mplus-Signature does not match the body");
    }
    x.context.secret_index = verdict.matched_index;
    return std::nullopt;
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE void Core::run(const std::shared_ptr<const Core>& self,
                                                Exchange& x) const {
    open(x);
    if (std::optional<HttpResponse> rejected = admit(x)) return respond(x, std::move(*rejected));
    if (x.context.event != EventKind::unknown) {
        const std::shared_ptr<EventSlot>& slot = slots[static_cast<std::size_t>(x.context.event)];
        if (slot) return slot->run(self, x);
    }
    on_untyped(self, x);
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE void Core::chain(const std::shared_ptr<const Core>& self,
                                                  Exchange& x, const Stage& handlers) const {
    if (middleware.empty()) return handlers();
    x.handlers = &handlers;
    call_middleware(self, x, 0);
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE bool Core::is_error_request(std::string_view body) const {
    ReadOptions lenient = config.read_options;
    lenient.strict = false;
    const Result<Probe> probe = try_parse<Probe>(body, lenient);
    return probe.ok() && !probe->error.is_null() && !probe->original.is_null();
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE void
Core::on_parse_failure(const std::shared_ptr<const Core>& self, Exchange& x,
                       const std::vector<Error>& errors) const {
    // Not an event request: perhaps the POS's error request (`error` + `original`).
    if (errors.front().code != errc::invalid_json && is_error_request(x.request.body)) {
        return on_error_request(self, x);
    }
    respond(x, reject_body(x.facts, errors));
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE void
Core::on_error_request(const std::shared_ptr<const Core>& self, Exchange& x) const {
    Result<PosErrorRequest> request =
        try_parse<PosErrorRequest>(x.request.body, config.read_options);
    if (!request.ok()) return respond(x, reject_body(x.facts, request.errors()));
    RequestContext& ctx = x.context;
    ctx.error_request = true;
    const nlohmann::json original_dom = request->original.json(); // `original` is kept as text
    if (const nlohmann::json* sender = raw_member(original_dom, "sender")) {
        ctx.instance_id = raw_string(*sender, "instanceId");
    }
    if (const nlohmann::json* event = raw_member(original_dom, "event")) {
        ctx.event_counter = raw_integer(*event, "eventCounter");
    }
    x.reply_context.event = ctx.event;
    auto handlers = [&] {
        if (error_handler) {
            AnyRequest original;
            original.event = ctx.event;
            if (original_parser != nullptr && ctx.event != EventKind::unknown &&
                request->original.is_object()) {
                std::string text;
                write_json_value(text, request->original);
                original_parser(text, config.read_options, original);
            }
            const AnyRequest* typed =
                std::holds_alternative<std::monostate>(original.value) ? nullptr : &original;
            const auto start = std::chrono::steady_clock::now();
            error_handler(*request, typed, ctx);
            x.facts.handler_time = since(start);
        }
        HttpResponse response = make_response(200, "{}", x.facts.ring);
        measure(x.facts, 200, std::string_view());
        respond(x, std::move(response));
    };
    chain(self, x, Stage(handlers));
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE void Core::on_untyped(const std::shared_ptr<const Core>& self,
                                                       Exchange& x) const {
    ReadOptions lenient = config.read_options;
    lenient.strict = false; // the probe types only a few keys: the rest is not unknown
    Result<Probe> probe = try_parse<Probe>(x.request.body, lenient);
    if (!probe.ok()) return respond(x, reject_body(x.facts, probe.errors()));
    if (!probe->error.is_null() && !probe->original.is_null()) return on_error_request(self, x);

    RequestContext& ctx = x.context;
    ctx.blocking = event_flag(probe->event, "eventBlocking");
    ctx.polling = event_flag(probe->event, "eventPolling");
    ctx.instance_id = raw_string(probe->sender, "instanceId");
    ctx.event_counter = raw_integer(probe->event, "eventCounter");
    ctx.resend = !probe->dialog.is_null() || !probe->form.is_null();
    x.facts.blocking = ctx.blocking;
    x.facts.polling = ctx.polling;
    x.reply_context.event = ctx.event;
    x.reply_context.polling = ctx.polling;
    keep_request(x);
    auto handlers = [&] {
        Reply reply;
        if (unknown_handler) {
            UnknownEvent event;
            event.name = std::string(ctx.event_name);
            event.body = x.request.body;
            const auto start = std::chrono::steady_clock::now();
            reply = unknown_handler(event, ctx);
            x.facts.handler_time = since(start);
        }
        respond(x, reply_response(x.facts, x.reply_context, std::move(reply)));
    };
    chain(self, x, Stage(handlers));
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE Responder
Core::responder_for(std::shared_ptr<PendingReply> state) noexcept {
    return Responder(std::move(state));
}

MPLUS_WEBHOOKS_DISPATCHER_INLINE void Core::call_middleware(const std::shared_ptr<const Core>& self,
                                                            Exchange& x, std::size_t index) const {
    Next next(self, x, index);
    middleware[index](x.context, next);
    if (!next.called() && !x.finished) {
        diagnose(x.facts, DiagnosticKind::middleware_unanswered,
                 Error{errc::internal_error, std::string(),
                       "a middleware returned without calling next() or answering"});
        respond(x, internal_error(x.facts));
    }
}

} // namespace detail

MPLUS_WEBHOOKS_END_NAMESPACE

#undef MPLUS_WEBHOOKS_DISPATCHER_INLINE
