// The dispatcher: a raw HTTP request in, a signed HTTP response out, typed handlers between.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/codec.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/detail/json_writer.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/reply_rules.hpp>
#include <mplus/webhooks/requests.hpp>
#include <mplus/webhooks/signature.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// Finds the secrets of one installation by its X-Mplus-Subscription-Id ("" when the header is
/// absent); null or an empty ring when the id is unknown. Called once per request, from any
/// thread at once. The returned ring is kept alive for as long as a reply may still be signed.
using SecretLookup =
    std::function<std::shared_ptr<const KeyRing>(std::string_view subscription_id)>;

/// How a Dispatcher checks requests and writes replies.
struct DispatcherConfig {
    /// The secrets of the one installation served; used when `secret_lookup` is empty. The
    /// first signs replies, all verify requests (key rotation).
    KeyRing secrets;
    /// Secrets per X-Mplus-Subscription-Id (one middleware, many installations); when set,
    /// `secrets` is not used.
    SecretLookup secret_lookup;
    /// When not empty, the only X-Mplus-Subscription-Id values accepted.
    std::vector<std::string> subscription_ids;
    /// Largest request body accepted, in bytes; checked before the HMAC is computed.
    std::size_t max_body_size = std::size_t{1024} * 1024;
    /// HTTP status of a too-large body: 413 (default) or 400.
    int body_too_large_status = 413;
    /// For tests: a reply that breaks a reply rule fails the request (HTTP 500 with the rule's
    /// wire code) instead of going out without the offending object.
    bool strict_replies = false;
    /// How request bodies are read (strict mode reports unknown fields as INVALID_DATA).
    ReadOptions read_options;
    /// How replies are written.
    WriteOptions write_options;
};

/// What a handler learns about its request besides the typed body.
///
/// The views and the pointer are valid during the handler call only: an asynchronous handler
/// copies what it needs before it returns.
struct RequestContext {
    std::string_view event_name;          ///< the last path segment, as sent
    EventKind event = EventKind::unknown; ///< the event, when it is a known one
    std::string_view subscription_id;     ///< X-Mplus-Subscription-Id; "" when absent
    bool blocking = false;                ///< event.eventBlocking: the POS waits for the reply
    bool polling = false;                 ///< event.eventPolling: the reply must carry polling
    std::size_t secret_index = 0;         ///< the ring's secret that verified the signature
    const HttpRequest* http = nullptr;    ///< the raw request
};

/// The original request of a POS error request, typed, when it parses as its event's request.
struct AnyRequest {
    /// The event of the URL the error request came to.
    EventKind event = EventKind::unknown;
    /// The typed original request.
    std::variant<std::monostate, SessionRequest, ScanCodeRequest, AddSessionLineRequest,
                 UpdateSessionLineRequest, RemoveSessionLineRequest, SelectRelationRequest,
                 MergeSessionRequest, CompleteSessionRequest, PrintBillRequest, CustomActionRequest,
                 BackgroundPollRequest, KitchenRequest, ExternalPaymentRequest>
        value;

    /// The original as the request of `Event`, or nullptr when it is another event's.
    template <class Event>
    const typename Event::request* get() const noexcept {
        if (event != Event::kind) return nullptr;
        return std::get_if<typename Event::request>(&value);
    }
};

/// What a diagnostic reports.
enum class DiagnosticKind {
    request_rejected,        ///< a request failed a check and got an error reply (400/413)
    other_key_form_matches,  ///< INVALID_SIGNATURE, but the secret's other key form matches
    reply_object_dropped,    ///< a reply object broke a rule and was left out of the reply
    reply_rejected,          ///< strict_replies: a reply broke a rule and the request failed
    polling_filled_in,       ///< a polling request's reply got "polling":{"finished":true}
    handler_exception,       ///< a handler (or the SDK, out of memory) threw: HTTP 500 sent
    responder_unanswered,    ///< an asynchronous handler's Responder died unanswered: 500 sent
    responder_answered_twice ///< Responder::reply() after the first answer: ignored
};

/// One diagnostic: what happened, for which request, and the problem (never a secret).
struct Diagnostic {
    DiagnosticKind kind = DiagnosticKind::request_rejected;
    std::string_view event_name;      ///< the last path segment of the request
    std::string_view subscription_id; ///< "" when absent
    Error error;                      ///< code, JSON pointer path, message
};

/// Per-request figures for the metrics hook, reported once the response is made.
struct Metrics {
    std::string_view event_name;              ///< the last path segment of the request
    EventKind event = EventKind::unknown;     ///< the event, when it is a known one
    int status = 200;                         ///< HTTP status sent
    std::string_view wire_code;               ///< error code sent; "" on success
    std::chrono::nanoseconds handler_time{0}; ///< in the handler (async: until its reply)
    bool blocking = false;                    ///< event.eventBlocking of the request
    bool polling = false;                     ///< event.eventPolling of the request
    bool async = false;                       ///< answered through a Responder
};

class Responder;

namespace detail {

/// The part of a request that outlives the parse: where the reply goes and how it is signed.
struct Outgoing {
    std::string_view event_name;
    std::string_view subscription_id;
    const KeyRing* ring = nullptr; ///< null when no secret is known: responses go unsigned
    EventKind event = EventKind::unknown;
    bool blocking = false;
    bool polling = false;
    bool async = false;
    std::chrono::nanoseconds handler_time{0};
};

/// Scans a request whose event has no typed handler: only what routing needs is typed.
struct Probe {
    nlohmann::json event;
    nlohmann::json error;
    nlohmann::json original;
    nlohmann::json extra;
};
/// Field table of Probe.
template <class T, if_type<T, Probe> = 0>
constexpr auto fields(type_tag<T>) {
    return std::make_tuple(opt("event", &T::event), opt("error", &T::error),
                           opt("original", &T::original));
}

/// The boolean `key` of the raw `event` object; false when absent or not a boolean.
inline bool event_flag(const nlohmann::json& event, const char* key) noexcept {
    if (!event.is_object()) return false;
    const auto it = event.find(key);
    return it != event.end() && it->is_boolean() && it->get<bool>();
}

/// `{"error":{"code":...,"message":...}}`.
inline std::string error_body(std::string_view code, std::string_view message) {
    std::string body;
    body.reserve(40 + code.size() + message.size());
    body.append(R"({"error":{"code":)");
    write_json_string(body, code);
    body.append(R"(,"message":)");
    write_json_string(body, message);
    body.append("}}");
    return body;
}

/// The index of a JSON pointer segment, or nullopt when it is not one.
inline std::optional<std::size_t> pointer_index(std::string_view segment) noexcept {
    if (segment.empty() || segment.size() > 9) return std::nullopt;
    std::size_t n = 0;
    for (char c : segment) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    return n;
}

/// Splits `/key/rest...` into its first segment and the second (or "").
inline std::pair<std::string_view, std::string_view> pointer_head(std::string_view path) noexcept {
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    const std::size_t slash = path.find('/');
    if (slash == std::string_view::npos) return {path, std::string_view()};
    std::string_view rest = path.substr(slash + 1);
    return {path.substr(0, slash), rest.substr(0, rest.find('/'))};
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
inline void drop_offending(Reply& reply, const std::vector<Error>& problems) {
    const auto table = fields(type_tag<Reply>{});
    for_each_field(
        table,
        [&](auto, const auto& field) {
            bool whole = false;
            std::vector<std::size_t> indices;
            for (const Error& e : problems) {
                const auto [key, second] = pointer_head(e.path);
                if (key != field.key) continue;
                const std::optional<std::size_t> index = pointer_index(second);
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
        },
        std::make_index_sequence<std::tuple_size_v<decltype(table)>>{});
}

/// The elapsed time since `start`.
inline std::chrono::nanoseconds since(std::chrono::steady_clock::time_point start) noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                                start);
}

/// Where a finished response goes: straight back to handle(), or to a callback.
class Sink {
public:
    /// Delivers the response; may throw (a user callback).
    virtual void finish(HttpResponse&& response) = 0;
    /// A callable that delivers the response later, from any thread (asynchronous handlers).
    virtual std::function<void(HttpResponse)> detach() = 0;

protected:
    Sink() = default;
    Sink(const Sink&) = default;
    Sink& operator=(const Sink&) = default;
    ~Sink() = default;
};

class Core;
class PendingReply;

/// One request on its way through the dispatcher.
struct Exchange {
    Exchange(const HttpRequest& r, Sink& s) noexcept : request(r), sink(s) {}
    const HttpRequest& request;
    Sink& sink;
    RequestContext context;
    Outgoing out;
    std::shared_ptr<const KeyRing> ring_holder;
    std::shared_ptr<PendingReply> pending; ///< set once an asynchronous handler runs
    bool finished = false;                 ///< the sink has been handed a response
};

/// A typed handler: parses the body as its event's request and runs the user's function.
using SlotFn = std::function<void(const std::shared_ptr<const Core>&, Exchange&)>;
/// Parses a POS error request's `original` (JSON text) as the request of the URL's event.
using OriginalParser = void (*)(std::string_view text, const ReadOptions&, AnyRequest&);
/// The error-request handler, type-erased.
using ErrorFn = std::function<void(const PosErrorRequest&, const AnyRequest*, RequestContext&)>;
/// The unknown-event handler, type-erased.
using UnknownFn = std::function<Reply(const UnknownEvent&, RequestContext&)>;

/// Everything a Dispatcher holds; shared with the Responders still pending, so that a late
/// asynchronous reply finds its configuration and hooks even after the Dispatcher is gone.
class Core {
public:
    explicit Core(DispatcherConfig c) : config(std::move(c)) {}

    DispatcherConfig config;
    std::array<SlotFn, event_count> slots;
    ErrorFn error_handler;
    OriginalParser original_parser = nullptr;
    UnknownFn unknown_handler;
    std::function<void(const Diagnostic&)> diagnostic_hook;
    std::function<void(const Metrics&)> metrics_hook;

    /// Runs one request to its response, delivered to `x.sink` now or later; never throws.
    static void process(const std::shared_ptr<const Core>& self, Exchange& x) noexcept;

    /// Tells the diagnostic hook, if any; what the hook throws is swallowed.
    void diagnose(const Outgoing& out, DiagnosticKind kind, Error error) const noexcept {
        if (!diagnostic_hook) return;
        try {
            Diagnostic d;
            d.kind = kind;
            d.event_name = out.event_name;
            d.subscription_id = out.subscription_id;
            d.error = std::move(error);
            diagnostic_hook(d);
        } catch (...) { // a failing hook must not change the reply
        }
    }

    /// Tells the metrics hook, if any; what the hook throws is swallowed.
    void measure(const Outgoing& out, int status, std::string_view wire) const noexcept {
        if (!metrics_hook) return;
        try {
            Metrics m;
            m.event_name = out.event_name;
            m.event = out.event;
            m.status = status;
            m.wire_code = wire;
            m.handler_time = out.handler_time;
            m.blocking = out.blocking;
            m.polling = out.polling;
            m.async = out.async;
            metrics_hook(m);
        } catch (...) { // a failing hook must not change the reply
        }
    }

    /// A response with `body`, its content type and its signature.
    static HttpResponse make_response(int status, std::string body, const KeyRing* ring) {
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

    /// The error reply `{"error":{...}}` with `status`; reports it to the metrics hook.
    HttpResponse error_response(const Outgoing& out, int status, errc code,
                                std::string_view message) const {
        HttpResponse r = make_response(status, error_body(wire_code(code), message), out.ring);
        measure(out, status, wire_code(code));
        return r;
    }

    /// The 500 INTERNAL_ERROR reply, without internal details; a bare 500 if even that fails.
    HttpResponse internal_error(const Outgoing& out) const noexcept {
        try {
            return error_response(out, 500, errc::internal_error,
                                  "the request could not be handled");
        } catch (...) {
            HttpResponse bare;
            bare.status = 500;
            return bare;
        }
    }

    /// The reply to a handled request: external payment id and polling filled in, rules
    /// checked, serialized once, signed.
    HttpResponse reply_response(const Outgoing& out, const ReplyContext& rc, Reply reply) const {
        if (reply.external_payment && reply.external_payment->external_payment_id.empty() &&
            is_external_payment_event(rc.event)) {
            reply.external_payment->external_payment_id = rc.external_payment_id;
        }
        if (rc.polling && !reply.polling) {
            reply.polling.emplace(); // finished = true
            diagnose(out, DiagnosticKind::polling_filled_in,
                     Error{errc::ok, "/polling",
                           "the handler set no polling; sent \"polling\":{\"finished\":true}"});
        }
        std::vector<Error> problems = check_reply(reply, rc);
        if (!problems.empty()) {
            if (config.strict_replies) {
                for (const Error& e : problems) diagnose(out, DiagnosticKind::reply_rejected, e);
                const Error& first = problems.front();
                return error_response(out, 500, first.code,
                                      "the reply breaks a rule: " + first.to_string());
            }
            drop_offending(reply, problems);
            for (Error& e : problems) {
                diagnose(out, DiagnosticKind::reply_object_dropped, std::move(e));
            }
        }
        std::string body;
        body.reserve(512);
        serialize_to(body, reply, config.write_options);
        HttpResponse r = make_response(200, std::move(body), out.ring);
        measure(out, 200, std::string_view());
        return r;
    }

    /// The 400 (or 413) reply to a request that failed a check; tells both hooks.
    HttpResponse reject(const Outgoing& out, int status, errc code, std::string message,
                        std::string path = std::string()) const {
        HttpResponse r = error_response(out, status, code, message);
        diagnose(out, DiagnosticKind::request_rejected,
                 Error{code, std::move(path), std::move(message)});
        return r;
    }

    /// The reply to a body that did not read as the expected type.
    HttpResponse reject_body(const Outgoing& out, const std::vector<Error>& errors) const {
        const Error& first = errors.front();
        std::string message = first.to_string();
        if (errors.size() > 1) {
            message += " (and " + std::to_string(errors.size() - 1) + " more)";
        }
        // Only the three request-level codes go on the wire; strict-mode refinements are
        // INVALID_DATA there (wire_code() maps them).
        const errc code = first.code;
        HttpResponse r = make_response(400, error_body(wire_code(code), message), out.ring);
        measure(out, 400, wire_code(code));
        diagnose(out, DiagnosticKind::request_rejected, first);
        return r;
    }

    /// Hands `response` to the sink, once.
    static void deliver(Exchange& x, HttpResponse&& response) {
        if (x.finished) return;
        x.finished = true; // before finish(): a throwing callback must not be called again
        x.sink.finish(std::move(response));
    }

    /// The checks of the front door, then routing; may throw (caught by process()).
    void run(const std::shared_ptr<const Core>& self, Exchange& x) const;
    /// A body that failed to read as its event's request: an error request, or an error reply.
    void on_parse_failure(Exchange& x, const std::vector<Error>& errors) const;
    /// The POS's error request: the error handler, then 200 `{}`.
    void on_error_request(Exchange& x) const;
    /// An event without a typed handler: the unknown-event handler or `{}`.
    void on_fallback(Exchange& x) const;
};

/// The shared state of a Responder: answered once, by reply(), by the dispatcher when the
/// handler throws, or by the destructor when the last Responder copy dies unanswered.
class PendingReply {
public:
    PendingReply(std::shared_ptr<const Core> core, const Exchange& x, ReplyContext rc)
        : core_(std::move(core)), ring_holder_(x.ring_holder), event_name_(x.out.event_name),
          subscription_id_(x.out.subscription_id), out_(x.out), rc_(std::move(rc)),
          start_(std::chrono::steady_clock::now()) {
        out_.event_name = event_name_;
        out_.subscription_id = subscription_id_;
        out_.async = true;
    }
    PendingReply(const PendingReply&) = delete;
    PendingReply& operator=(const PendingReply&) = delete;

    ~PendingReply() {
        if (answered_.exchange(true)) return;
        core_->diagnose(out_, DiagnosticKind::responder_unanswered,
                        Error{errc::internal_error, std::string(),
                              "the asynchronous handler's Responder was destroyed unanswered"});
        send(core_->internal_error(finish_time()));
    }

    /// Where the response goes; set once, before the handler runs.
    void set_done(std::function<void(HttpResponse)> done) noexcept { done_ = std::move(done); }

    /// The handler's answer; the first call wins.
    void reply(Reply reply) noexcept {
        if (answered_.exchange(true)) {
            core_->diagnose(out_, DiagnosticKind::responder_answered_twice,
                            Error{errc::ok, std::string(),
                                  "Responder::reply() called again; the later reply is ignored"});
            return;
        }
        const Outgoing& out = finish_time();
        HttpResponse response;
        try {
            response = core_->reply_response(out, rc_, std::move(reply));
        } catch (...) {
            core_->diagnose(out, DiagnosticKind::handler_exception,
                            Error{errc::internal_error, std::string(),
                                  "the reply could not be made (out of memory?)"});
            response = core_->internal_error(out);
        }
        send(std::move(response));
    }

    /// The handler threw: answers with INTERNAL_ERROR unless it had answered already.
    void fail(Error what) noexcept {
        core_->diagnose(out_, DiagnosticKind::handler_exception, std::move(what));
        if (answered_.exchange(true)) return;
        send(core_->internal_error(finish_time()));
    }

    /// True once answered.
    bool answered() const noexcept { return answered_.load(); }

private:
    const Outgoing& finish_time() noexcept {
        out_.handler_time = since(start_);
        return out_;
    }

    void send(HttpResponse&& response) noexcept {
        try {
            if (done_) done_(std::move(response));
        } catch (...) { // the integrator's callback failed; there is no one left to tell
        }
    }

    std::shared_ptr<const Core> core_;
    std::shared_ptr<const KeyRing> ring_holder_; // keeps out_.ring alive
    std::string event_name_;
    std::string subscription_id_;
    Outgoing out_;
    ReplyContext rc_;
    std::chrono::steady_clock::time_point start_;
    std::function<void(HttpResponse)> done_;
    std::atomic<bool> answered_{false};
};

/// The Error a caught exception is reported as (to the diagnostic hook only).
inline Error describe_exception(const std::exception_ptr& e) noexcept {
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

inline void Core::process(const std::shared_ptr<const Core>& self, Exchange& x) noexcept {
    // The exchange's reference to a pending reply is dropped on the way out: a Responder the
    // handler let go unanswered must be able to die (and answer 500) while handle() waits.
    try {
        self->run(self, x);
        x.pending.reset();
        return;
    } catch (...) {
        Error what = describe_exception(std::current_exception());
        if (x.pending) {
            x.pending->fail(std::move(what));
            x.pending.reset();
            return;
        }
        self->diagnose(x.out, DiagnosticKind::handler_exception, std::move(what));
    }
    try {
        deliver(x, self->internal_error(x.out));
    } catch (...) { // the integrator's callback threw; nothing else can be done
    }
}

inline void Core::run(const std::shared_ptr<const Core>& self, Exchange& x) const {
    const HttpRequest& req = x.request;
    RequestContext& ctx = x.context;
    Outgoing& out = x.out;
    ctx.http = &req;
    ctx.event_name = event_name_from_path(req.path);
    ctx.event = find_event(ctx.event_name);
    const Header* subscription = find_header(req.headers, "X-Mplus-Subscription-Id");
    if (subscription != nullptr) ctx.subscription_id = subscription->value;
    out.event_name = ctx.event_name;
    out.event = ctx.event;
    out.subscription_id = ctx.subscription_id;

    // The ring is found first so that every reply, errors included, can be signed.
    if (config.secret_lookup) {
        x.ring_holder = config.secret_lookup(ctx.subscription_id);
        if (x.ring_holder && !x.ring_holder->empty()) out.ring = x.ring_holder.get();
    } else if (!config.secrets.empty()) {
        out.ring = &config.secrets;
    }

    if (req.method != "POST") {
        return deliver(x, reject(out, 400, errc::method_not_allowed,
                                 "only POST is accepted, not " + req.method));
    }

    const Header* content_type = find_header(req.headers, "Content-Type");
    if (content_type == nullptr || content_type->value.empty()) {
        return deliver(x, reject(out, 400, errc::no_content_type, "Content-Type is missing"));
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
            return deliver(x, reject(out, 400, errc::invalid_content_type,
                                     "Content-Type must be application/json"));
        }
    }

    const bool has_subscription = subscription != nullptr && !subscription->value.empty();
    if (!config.subscription_ids.empty()) {
        if (!has_subscription) {
            return deliver(x, reject(out, 400, errc::no_subscription_id,
                                     "X-Mplus-Subscription-Id is missing"));
        }
        if (std::find(config.subscription_ids.begin(), config.subscription_ids.end(),
                      ctx.subscription_id) == config.subscription_ids.end()) {
            return deliver(x, reject(out, 400, errc::invalid_subscription_id,
                                     "X-Mplus-Subscription-Id is not a known subscription"));
        }
    }
    if (out.ring == nullptr) { // only with a lookup that does not know this subscription
        return deliver(x, has_subscription
                              ? reject(out, 400, errc::invalid_subscription_id,
                                       "no secret is known for this X-Mplus-Subscription-Id")
                              : reject(out, 400, errc::no_subscription_id,
                                       "X-Mplus-Subscription-Id is missing"));
    }

    // The size cap comes before the HMAC, so an oversized body costs no hashing.
    if (req.body.size() > config.max_body_size) {
        return deliver(x, reject(out, config.body_too_large_status, errc::payload_too_large,
                                 "the body is larger than " + std::to_string(config.max_body_size) +
                                     " bytes"));
    }

    const Header* signature = find_header(req.headers, "X-Mplus-Signature");
    if (signature == nullptr || signature->value.empty()) {
        return deliver(x, reject(out, 400, errc::no_signature, "X-Mplus-Signature is missing"));
    }
    const KeyRing::Verdict verdict = out.ring->verify(req.body, signature->value);
    if (!verdict.valid) {
        if (verdict.other_form_would_match) {
            diagnose(out, DiagnosticKind::other_key_form_matches,
                     Error{errc::invalid_signature, std::string(),
                           "the signature matches the secret's other key form (raw text versus "
                           "base64-decoded): check how the secret is configured"});
        }
        return deliver(x, reject(out, 400, errc::invalid_signature,
                                 "X-Mplus-Signature does not match the body"));
    }
    ctx.secret_index = verdict.matched_index;

    if (ctx.event != EventKind::unknown) {
        const SlotFn& slot = slots[static_cast<std::size_t>(ctx.event)];
        if (slot) return slot(self, x);
    }
    on_fallback(x);
}

inline void Core::on_parse_failure(Exchange& x, const std::vector<Error>& errors) const {
    if (errors.front().code != errc::invalid_json) {
        // Not an event request: perhaps the POS's error request (`error` + `original`).
        ReadOptions lenient = config.read_options;
        lenient.strict = false;
        const Result<Probe> probe = try_parse<Probe>(x.request.body, lenient);
        if (probe.ok() && !probe->error.is_null() && !probe->original.is_null()) {
            return on_error_request(x);
        }
    }
    deliver(x, reject_body(x.out, errors));
}

inline void Core::on_error_request(Exchange& x) const {
    Result<PosErrorRequest> request =
        try_parse<PosErrorRequest>(x.request.body, config.read_options);
    if (!request.ok()) return deliver(x, reject_body(x.out, request.errors()));
    if (error_handler) {
        AnyRequest original;
        original.event = x.context.event;
        if (original_parser != nullptr && x.context.event != EventKind::unknown &&
            request->original.is_object()) {
            std::string text;
            write_json_value(text, request->original);
            original_parser(text, config.read_options, original);
        }
        const AnyRequest* typed =
            std::holds_alternative<std::monostate>(original.value) ? nullptr : &original;
        const auto start = std::chrono::steady_clock::now();
        error_handler(*request, typed, x.context);
        x.out.handler_time = since(start);
    }
    HttpResponse response = make_response(200, "{}", x.out.ring);
    measure(x.out, 200, std::string_view());
    deliver(x, std::move(response));
}

inline void Core::on_fallback(Exchange& x) const {
    ReadOptions lenient = config.read_options;
    lenient.strict = false; // the probe types only three keys: the rest is not unknown
    Result<Probe> probe = try_parse<Probe>(x.request.body, lenient);
    if (!probe.ok()) return deliver(x, reject_body(x.out, probe.errors()));
    if (!probe->error.is_null() && !probe->original.is_null()) return on_error_request(x);

    RequestContext& ctx = x.context;
    ctx.blocking = event_flag(probe->event, "eventBlocking");
    ctx.polling = event_flag(probe->event, "eventPolling");
    x.out.blocking = ctx.blocking;
    x.out.polling = ctx.polling;
    ReplyContext rc;
    rc.event = ctx.event;
    rc.polling = ctx.polling;
    Reply reply;
    if (unknown_handler) {
        UnknownEvent event;
        event.name = std::string(ctx.event_name);
        event.body = x.request.body;
        const auto start = std::chrono::steady_clock::now();
        reply = unknown_handler(event, ctx);
        x.out.handler_time = since(start);
    }
    deliver(x, reply_response(x.out, rc, std::move(reply)));
}

/// Parses `text` as the request of the event `original.event` into `original.value`. A
/// template so that only programs that take its address instantiate every request's reader.
template <class = void>
void parse_original(std::string_view text, const ReadOptions& options, AnyRequest& original) {
    visit_event(original.event, [&](auto event) {
        using Request = typename decltype(event)::request;
        Result<Request> parsed = try_parse<Request>(text, options);
        if (parsed.ok()) original.value.template emplace<Request>(std::move(*parsed));
    });
}

/// The sink of the synchronous handle(): the response lands in `out`, now or (asynchronous
/// handlers) when the Responder answers from whatever thread.
class SyncSink final : public Sink {
public:
    explicit SyncSink(HttpResponse& out) noexcept : out_(out) {}

    void finish(HttpResponse&& response) override {
        out_ = std::move(response);
        done_ = true;
    }
    std::function<void(HttpResponse)> detach() override {
        waiter_ = std::make_shared<Waiter>();
        return [w = waiter_](HttpResponse response) { w->set(std::move(response)); };
    }

    /// The response: at once, or after waiting for an asynchronous handler's answer.
    void wait() {
        if (done_ || !waiter_) return;
        std::unique_lock<std::mutex> lock(waiter_->mutex);
        waiter_->ready.wait(lock, [&] { return waiter_->response.has_value(); });
        out_ = std::move(*waiter_->response);
        done_ = true;
    }
    bool done() const noexcept { return done_; }

private:
    struct Waiter {
        std::mutex mutex;
        std::condition_variable ready;
        std::optional<HttpResponse> response;
        void set(HttpResponse r) {
            {
                std::lock_guard<std::mutex> lock(mutex);
                response.emplace(std::move(r));
            }
            ready.notify_all();
        }
    };
    HttpResponse& out_;
    bool done_ = false;
    std::shared_ptr<Waiter> waiter_;
};

/// The sink of the callback handle(): the response goes to the integrator's callback.
class CallbackSink final : public Sink {
public:
    explicit CallbackSink(std::function<void(HttpResponse)>& done) noexcept : done_(done) {}
    void finish(HttpResponse&& response) override {
        if (done_) done_(std::move(response));
    }
    std::function<void(HttpResponse)> detach() override { return std::move(done_); }

private:
    std::function<void(HttpResponse)>& done_;
};

template <class F, class Request>
inline constexpr bool is_sync_handler_v =
    std::is_invocable_r_v<Reply, const F&, const Request&, RequestContext&> ||
    std::is_invocable_r_v<Reply, const F&, const Request&>;

template <class F, class Request>
inline constexpr bool is_async_handler_v =
    std::is_invocable_v<const F&, const Request&, RequestContext&, Responder> ||
    std::is_invocable_v<const F&, const Request&, Responder>;

} // namespace detail

/// The one-shot answer of an asynchronous handler: call reply() once, from any thread.
///
/// Copies share one answer: the first reply() wins, later calls are ignored (and reported to
/// the diagnostic hook). When the last copy is destroyed unanswered, the request is answered
/// with HTTP 500 INTERNAL_ERROR. A default-constructed Responder answers nothing.
class Responder {
public:
    /// A Responder with nothing to answer.
    Responder() = default;

    /// Sends `reply` (checked, completed and signed like a synchronous handler's); the first
    /// call wins. Never throws.
    void reply(Reply reply) noexcept {
        if (state_) state_->reply(std::move(reply));
    }
    /// True once the request has been answered (by this or another copy, or by the SDK).
    bool answered() const noexcept { return !state_ || state_->answered(); }

private:
    friend class Dispatcher;
    explicit Responder(std::shared_ptr<detail::PendingReply> state) noexcept
        : state_(std::move(state)) {}
    std::shared_ptr<detail::PendingReply> state_;
};

/// Routes signed webhook requests to typed handlers and turns their replies, or any failure,
/// into signed responses. Framework-agnostic: adapters translate to and from HttpRequest and
/// HttpResponse.
///
/// Register every handler and hook before the first handle() call: registration is not
/// synchronized. After that, handle() may be called from any number of threads at once; the
/// handlers and hooks are then called concurrently and must be thread-safe themselves (they
/// are called through const references). Copies of a Dispatcher share one set of handlers.
class Dispatcher {
public:
    /// A dispatcher with no handlers (every event gets the default reply).
    ///
    /// Throws std::invalid_argument when there is no secret (neither `secrets` nor
    /// `secret_lookup`) or when `body_too_large_status` is not 400 or 413.
    explicit Dispatcher(DispatcherConfig config)
        : core_(std::make_shared<detail::Core>(std::move(config))) {
        const DispatcherConfig& c = core_->config;
        if (c.secrets.empty() && !c.secret_lookup) {
            throw std::invalid_argument(
                "mplus::webhooks::Dispatcher needs secrets or a secret_lookup");
        }
        if (c.body_too_large_status != 400 && c.body_too_large_status != 413) {
            throw std::invalid_argument(
                "mplus::webhooks::Dispatcher: body_too_large_status must be 400 or 413");
        }
    }

    /// Handles `Event` with `handler(const Event::request&[, RequestContext&]) -> Reply`.
    /// Replaces an earlier handler of the same event.
    template <class Event, class F>
    Dispatcher& on(F handler) {
        using Request = typename Event::request;
        static_assert(detail::is_sync_handler_v<F, Request>,
                      "on<Event>(f): f must be callable as f(const Event::request&) or "
                      "f(const Event::request&, RequestContext&), through a const reference, "
                      "and return a Reply");
        core_->slots[static_cast<std::size_t>(Event::kind)] =
            [f = std::move(handler)](const std::shared_ptr<const detail::Core>& self,
                                     detail::Exchange& x) {
                Result<Request> parsed = read_request<Request>(*self, x);
                if (!parsed.ok()) return;
                const Request& request = *parsed;
                const bool timed = static_cast<bool>(self->metrics_hook);
                const auto start = timed ? std::chrono::steady_clock::now()
                                         : std::chrono::steady_clock::time_point();
                Reply reply = call_sync(f, request, x.context);
                if (timed) x.out.handler_time = detail::since(start);
                detail::Core::deliver(x,
                                      self->reply_response(x.out, reply_context<Event>(x, request),
                                                           std::move(reply)));
            };
        return *this;
    }

    /// Handles `Event` asynchronously with `handler(const Event::request&[, RequestContext&],
    /// Responder)`: the handler answers later, once, from any thread, through the Responder.
    template <class Event, class F>
    Dispatcher& on_async(F handler) {
        using Request = typename Event::request;
        static_assert(detail::is_async_handler_v<F, Request>,
                      "on_async<Event>(f): f must be callable as f(const Event::request&, "
                      "Responder) or f(const Event::request&, RequestContext&, Responder), "
                      "through a const reference");
        core_->slots[static_cast<std::size_t>(Event::kind)] =
            [f = std::move(handler)](const std::shared_ptr<const detail::Core>& self,
                                     detail::Exchange& x) {
                Result<Request> parsed = read_request<Request>(*self, x);
                if (!parsed.ok()) return;
                const Request& request = *parsed;
                auto state = std::make_shared<detail::PendingReply>(
                    self, x, reply_context<Event>(x, request));
                // The sink is detached only once the state exists: if making it fails, the
                // sink still holds the callback and the failure can be answered through it.
                state->set_done(x.sink.detach());
                x.pending = state;
                x.finished = true;
                Responder responder(std::move(state));
                if constexpr (std::is_invocable_v<const F&, const Request&, RequestContext&,
                                                  Responder>) {
                    f(request, x.context, std::move(responder));
                } else {
                    f(request, std::move(responder));
                }
            };
        return *this;
    }

    /// Handles the POS's error requests (a reply of ours broke a rule) with
    /// `handler(const PosErrorRequest&, const AnyRequest* original[, RequestContext&])`, where
    /// `original` is the typed original request, or nullptr when the URL's event is unknown
    /// or the original does not parse as its request. The request is answered 200 `{}`.
    template <class F>
    Dispatcher& on_error_request(F handler) {
        constexpr bool with_context = std::is_invocable_v<const F&, const PosErrorRequest&,
                                                          const AnyRequest*, RequestContext&>;
        static_assert(with_context ||
                          std::is_invocable_v<const F&, const PosErrorRequest&, const AnyRequest*>,
                      "on_error_request(f): f must be callable as f(const PosErrorRequest&, "
                      "const AnyRequest*) or f(const PosErrorRequest&, const AnyRequest*, "
                      "RequestContext&)");
        core_->error_handler = [f = std::move(handler)](const PosErrorRequest& e,
                                                        const AnyRequest* original,
                                                        RequestContext& ctx) {
            if constexpr (with_context) {
                f(e, original, ctx);
            } else {
                (void)ctx;
                f(e, original);
            }
        };
        // Typing the original needs every request type's reader: only programs with an
        // error handler pay for them.
        core_->original_parser = &detail::parse_original<>;
        return *this;
    }

    /// Handles events that have no typed handler (unknown event names, and known events with
    /// no on<>/on_async<> handler) with `handler(const UnknownEvent&[, RequestContext&]) ->
    /// Reply`. Without one they get `{}` (plus `"polling":{"finished":true}` when polling).
    template <class F>
    Dispatcher& on_unknown_event(F handler) {
        constexpr bool with_context =
            std::is_invocable_r_v<Reply, const F&, const UnknownEvent&, RequestContext&>;
        static_assert(with_context || std::is_invocable_r_v<Reply, const F&, const UnknownEvent&>,
                      "on_unknown_event(f): f must be callable as f(const UnknownEvent&) or "
                      "f(const UnknownEvent&, RequestContext&) and return a Reply");
        core_->unknown_handler = [f = std::move(handler)](const UnknownEvent& e,
                                                          RequestContext& ctx) -> Reply {
            if constexpr (with_context) {
                return f(e, ctx);
            } else {
                (void)ctx;
                return f(e);
            }
        };
        return *this;
    }

    /// Receives every Diagnostic (rejected requests, dropped reply objects, polling filled
    /// in, key-form hints, handler exceptions, Responder misuse). Never given a secret.
    Dispatcher& on_diagnostic(std::function<void(const Diagnostic&)> hook) {
        core_->diagnostic_hook = std::move(hook);
        return *this;
    }

    /// Receives the Metrics of every response made.
    Dispatcher& on_metrics(std::function<void(const Metrics&)> hook) {
        core_->metrics_hook = std::move(hook);
        return *this;
    }

    /// Handles one request and returns its response; waits for an asynchronous handler's
    /// answer. Never throws.
    HttpResponse handle(const HttpRequest& request) const noexcept {
        HttpResponse response;
        try {
            detail::SyncSink sink(response);
            detail::Exchange x(request, sink);
            detail::Core::process(core_, x);
            sink.wait();
            if (!sink.done()) response = core_->internal_error(x.out);
        } catch (...) { // out of memory in the sink itself
            response = HttpResponse();
            response.status = 500;
        }
        return response;
    }

    /// Handles one request and calls `done` with its response, on this thread before returning
    /// or, for an asynchronous handler, on the thread its Responder answers from (or is
    /// destroyed on). `done` is called exactly once. Never throws; what `done` throws is
    /// swallowed.
    void handle(HttpRequest request, std::function<void(HttpResponse)> done) const noexcept {
        detail::CallbackSink sink(done);
        detail::Exchange x(request, sink);
        detail::Core::process(core_, x);
    }

private:
    /// Reads the request of exchange `x` and records its blocking and polling flags; a request
    /// that does not parse has been answered when this returns.
    template <class Request>
    static Result<Request> read_request(const detail::Core& core, detail::Exchange& x) {
        Result<Request> parsed = try_parse<Request>(x.request.body, core.config.read_options);
        if (!parsed.ok()) {
            core.on_parse_failure(x, parsed.errors());
            return parsed;
        }
        x.context.blocking = parsed->event.blocking();
        x.context.polling = parsed->event.polling();
        x.out.blocking = x.context.blocking;
        x.out.polling = x.context.polling;
        return parsed;
    }

    /// What the reply to `request` of `Event` is checked against.
    template <class Event, class Request>
    static ReplyContext reply_context(const detail::Exchange& x, const Request& request) {
        ReplyContext rc;
        rc.event = Event::kind;
        rc.polling = x.context.polling;
        if constexpr (std::is_same_v<Request, ExternalPaymentRequest>) {
            rc.external_payment_id = request.external_payment.external_payment_id;
        }
        return rc;
    }

    template <class F, class Request>
    static Reply call_sync(const F& f, const Request& request, RequestContext& ctx) {
        if constexpr (std::is_invocable_r_v<Reply, const F&, const Request&, RequestContext&>) {
            return f(request, ctx);
        } else {
            (void)ctx;
            return f(request);
        }
    }

    std::shared_ptr<detail::Core> core_;
};

MPLUS_WEBHOOKS_END_NAMESPACE
