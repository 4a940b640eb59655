// The dispatcher: a raw HTTP request in, a signed HTTP response out, typed handlers between.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/codec.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/detail/json/writer.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/json_pointer.hpp>
#include <mplus/webhooks/pos_version.hpp>
#include <mplus/webhooks/precompiled.hpp>
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
    /// For development: every reply is checked against its own request with the till's
    /// session rules (check_reply_against()); a problem is reported as
    /// DiagnosticKind::reply_refused_by_till and the reply is sent, or, with `strict_replies`,
    /// the request fails as for a reply rule. Off: nothing is checked (no cost).
    bool check_session_rules = false;
    /// For development: the POS version the fleet runs (`57.0.0`); when set, a reply using a
    /// newer feature is reported as DiagnosticKind::reply_too_new (refused with
    /// `strict_replies`). Empty: no version gates.
    std::string pos_version;
    /// How request bodies are read (strict mode reports unknown fields as INVALID_DATA).
    ReadOptions read_options;
    /// How replies are written.
    WriteOptions write_options;
    /// The header whose value becomes the request id (a load balancer's, e.g. HAProxy's
    /// `unique-id-header`) when it holds 1 to 64 printable ASCII characters; otherwise, or when
    /// empty, the dispatcher makes one.
    std::string request_id_header = "X-Request-Id";
};

/// What a handler or a middleware learns about its request besides the typed body.
///
/// The views and the pointers are valid during the handler (or middleware) call only: an
/// asynchronous handler copies what it needs before it returns.
struct RequestContext {
    std::string_view event_name;          ///< the last path segment, as sent
    EventKind event = EventKind::unknown; ///< the event, when it is a known one
    std::string_view subscription_id;     ///< X-Mplus-Subscription-Id; "" when absent
    bool blocking = false;                ///< event.eventBlocking: the POS waits for the reply
    bool polling = false;                 ///< event.eventPolling: the reply must carry polling
    std::size_t secret_index = 0;         ///< the ring's secret that verified the signature
    const HttpRequest* http = nullptr;    ///< the raw request (its body: the exact bytes)
    std::string_view request_id;          ///< this exchange's id, also in diagnostics and metrics
    std::string_view instance_id;         ///< sender.instanceId; "" when absent
    std::optional<std::int64_t> event_counter; ///< event.eventCounter, when sent
    bool resend = false;        ///< the request carries a dialog or form answer (a re-send)
    bool error_request = false; ///< the POS's error request (`error` + `original`)
    /// The typed request's common part (event, sender, dialog, form) when the event has typed
    /// handlers; nullptr for unknown events, events without handlers and error requests.
    const RequestBase* request = nullptr;
};

namespace detail {
template <class... Ts>
auto variant_of(events::List<Ts...>) -> std::variant<std::monostate, Ts...>;
} // namespace detail

/// The original request of a POS error request, typed, when it parses as its event's request.
struct AnyRequest {
    /// The event of the URL the error request came to.
    EventKind event = EventKind::unknown;
    /// The typed original request: one alternative per request type of the event catalog.
    decltype(detail::variant_of(events::Requests{})) value;

    /// The original as the request of `Event`, or nullptr when it is another event's.
    template <class Event>
    const typename Event::request* get() const noexcept {
        if (event != Event::kind) return nullptr;
        return std::get_if<typename Event::request>(&value);
    }
};

/// What a diagnostic reports.
enum class DiagnosticKind {
    request_rejected,         ///< a request failed a check and got an error reply (400/413)
    other_key_form_matches,   ///< INVALID_SIGNATURE, but the secret's other key form matches
    reply_object_dropped,     ///< a reply object broke a rule and was left out of the reply
    reply_rejected,           ///< strict_replies: a reply broke a rule and the request failed
    polling_filled_in,        ///< a polling request's reply got "polling":{"finished":true}
    reply_refused_by_till,    ///< check_session_rules: the till would refuse the reply (sent)
    reply_too_new,            ///< pos_version: the reply uses a newer feature (sent)
    handler_exception,        ///< a handler, middleware or observer threw (HTTP 500 if unsent)
    responder_unanswered,     ///< an asynchronous handler's Responder died unanswered: 500 sent
    responder_answered_twice, ///< Responder::reply() (or Next) after the first answer: ignored
    middleware_unanswered     ///< a middleware returned without next() or an answer: 500 sent
};

/// One diagnostic: what happened, for which request, and the problem (never a secret).
struct Diagnostic {
    DiagnosticKind kind = DiagnosticKind::request_rejected; ///< what happened
    std::string_view event_name;      ///< the last path segment of the request
    std::string_view subscription_id; ///< "" when absent
    Error error;                      ///< code, JSON pointer path, message
    std::string_view request_id;      ///< the exchange's id (RequestContext::request_id)
    std::optional<PosVersion> since;  ///< a version gate's: the version that introduced it
};

/// Per-request figures for the metrics hook, reported once the response is made.
struct Metrics {
    std::string_view event_name;              ///< the last path segment of the request
    EventKind event = EventKind::unknown;     ///< the event, when it is a known one
    int status = 200;                         ///< HTTP status sent
    std::string_view wire_code;               ///< error code sent; "" on success
    std::chrono::nanoseconds handler_time{0}; ///< in the handlers (async: until the reply)
    bool blocking = false;                    ///< event.eventBlocking of the request
    bool polling = false;                     ///< event.eventPolling of the request
    bool async = false;                       ///< answered through a Responder
    std::string_view request_id;              ///< the exchange's id
};

/// Sees the response of a request before it is sent (Next::operator()(observer)).
using ResponseObserver = std::function<void(const HttpResponse&)>;

class Responder;
class Next;

namespace detail {

/// What the response to an exchange and its reports need to know: the names it is reported
/// under, the ring that signs it, the request's flags and the time spent in handlers.
struct ExchangeFacts {
    std::string_view event_name;
    std::string_view subscription_id;
    std::string_view request_id;
    const KeyRing* ring = nullptr; ///< null when no secret is known: responses go unsigned
    EventKind event = EventKind::unknown;
    bool blocking = false;
    bool polling = false;
    bool async = false;
    std::chrono::nanoseconds handler_time{0};
    /// The request's JSON, kept for DispatcherConfig::check_session_rules; null otherwise.
    std::shared_ptr<const nlohmann::json> checked_request;
};

/// Scans a request whose event has no typed handler: only what routing and middleware need.
struct Probe {
    nlohmann::json event;
    nlohmann::json sender;
    nlohmann::json dialog;
    nlohmann::json form;
    nlohmann::json error;
    nlohmann::json original;
    nlohmann::json extra;
};
/// Field table of Probe.
template <class T, if_type<T, Probe> = 0>
constexpr auto fields(type_tag<T>) {
    return std::make_tuple(opt("event", &T::event), opt("sender", &T::sender),
                           opt("dialog", &T::dialog), opt("form", &T::form),
                           opt("error", &T::error), opt("original", &T::original));
}

/// Adds `from` to the reply under construction `into`: lists are appended, an object `from`
/// sets replaces the earlier one, unknown keys are merged (the later wins).
template <class R, if_type<R, Reply> = 0>
void merge_reply(R& into, R&& from) {
    if (into.empty()) {
        into = std::move(from);
        return;
    }
    const auto table = fields(type_tag<R>{});
    for_each_field(
        table,
        [&](auto, const auto& field) {
            auto& to = into.*(field.member);
            auto& add = from.*(field.member);
            using M = std::remove_reference_t<decltype(to)>;
            if constexpr (is_vector<M>::value) {
                to.insert(to.end(), std::make_move_iterator(add.begin()),
                          std::make_move_iterator(add.end()));
            } else {
                if (has_content(add)) to = std::move(add);
            }
        },
        std::make_index_sequence<std::tuple_size_v<decltype(table)>>{});
    for (const auto& e : from.extra) into.extra.set(e.key, e.value);
}
#ifdef MPLUS_WEBHOOKS_PRECOMPILED
extern template void merge_reply<Reply>(Reply&, Reply&&);
#endif

/// The elapsed time since `start`.
inline std::chrono::nanoseconds since(std::chrono::steady_clock::time_point start) noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                                start);
}

/// True for a request id taken from a header: 1 to 64 printable ASCII characters, none of
/// them a quote or a backslash (ids go into logs as they are).
constexpr bool acceptable_request_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id) {
        if (c <= ' ' || c > '~' || c == '"' || c == '\\') return false;
    }
    return true;
}

/// Where a finished response goes: straight back to handle(), or to a callback.
class Sink {
public:
    /// Hands the response over; may throw (a user callback).
    virtual void finish(HttpResponse&& response) = 0;
    /// A callable that hands the response over later, from any thread (asynchronous handlers).
    virtual std::function<void(HttpResponse)> detach() = 0;

protected:
    Sink() = default;
    Sink(const Sink&) = default;
    Sink& operator=(const Sink&) = default;
    ~Sink() = default;
};

class Core;
class PendingReply;

/// A reference to the step that comes after the last middleware, valid during one exchange.
class Stage {
public:
    template <class F>
    explicit Stage(F& f) noexcept
        : object_(&f), call_([](void* object) { (*static_cast<F*>(object))(); }) {}
    /// Runs the step.
    void operator()() const { call_(object_); }

private:
    void* object_;
    void (*call_)(void*);
};

/// One request on its way through the dispatcher.
struct Exchange {
    Exchange(const HttpRequest& r, Sink& s) noexcept : request(r), sink(s) {}
    Exchange(const Exchange&) = delete;
    Exchange& operator=(const Exchange&) = delete;
    const HttpRequest& request;
    Sink& sink;
    RequestContext context;
    ExchangeFacts facts;
    std::string request_id; ///< what context.request_id and facts.request_id view
    std::shared_ptr<const KeyRing> ring_holder;
    ReplyContext reply_context;              ///< what a reply to this request is checked against
    std::vector<ResponseObserver> observers; ///< of the middleware, outermost first
    const Stage* handlers = nullptr;         ///< the step after the last middleware
    std::shared_ptr<PendingReply> pending;   ///< set once an asynchronous handler runs
    bool finished = false;                   ///< the sink has been handed a response
};

/// The handlers of one event; the typed ones are EventHandlers<Event>.
class EventSlot {
public:
    EventSlot() = default;
    EventSlot(const EventSlot&) = delete;
    EventSlot& operator=(const EventSlot&) = delete;
    virtual ~EventSlot() = default;
    /// Reads the request as its event's type, runs the middleware, then the handlers.
    virtual void run(const std::shared_ptr<const Core>& self, Exchange& x) const = 0;
};

/// Parses a POS error request's `original` (JSON text) as the request of the URL's event.
using OriginalParser = void (*)(std::string_view text, const ReadOptions&, AnyRequest&);
/// The error-request handler, type-erased.
using ErrorFn = std::function<void(const PosErrorRequest&, const AnyRequest*, RequestContext&)>;
/// The unknown-event handler, type-erased.
using UnknownFn = std::function<Reply(const UnknownEvent&, RequestContext&)>;
/// A middleware, type-erased.
using MiddlewareFn = std::function<void(RequestContext&, Next&)>;

/// Everything a Dispatcher holds; shared with the Responders still pending, so that a late
/// asynchronous reply finds its configuration and hooks even after the Dispatcher is gone.
class Core {
public:
    explicit Core(DispatcherConfig c) : config(std::move(c)), id_prefix_(make_id_prefix(this)) {}

    DispatcherConfig config;
    std::array<std::shared_ptr<EventSlot>, event_count> slots;
    std::vector<MiddlewareFn> middleware;
    ErrorFn error_handler;
    OriginalParser original_parser = nullptr;
    UnknownFn unknown_handler;
    std::function<void(const Diagnostic&)> diagnostic_hook;
    std::function<void(const Metrics&)> metrics_hook;

    /// Runs one request to its response, handed to `x.sink` now or later; never throws.
    static void process(const std::shared_ptr<const Core>& self, Exchange& x) noexcept;

    /// Tells the diagnostic hook, if any; what the hook throws is swallowed.
    void diagnose(const ExchangeFacts& facts, DiagnosticKind kind, Error error,
                  std::optional<PosVersion> since = std::nullopt) const noexcept;

    /// Tells the metrics hook, if any; what the hook throws is swallowed.
    void measure(const ExchangeFacts& facts, int status, std::string_view wire) const noexcept;

    /// Shows `response` to the observers of the middleware, innermost first; what an observer
    /// throws is reported and swallowed.
    void observe(const ExchangeFacts& facts, const std::vector<ResponseObserver>& observers,
                 const HttpResponse& response) const noexcept;

    /// A response with `body`, its content type and its signature.
    static HttpResponse make_response(int status, std::string body, const KeyRing* ring);

    /// The error reply `{"error":{...}}` with `status`; reports it to the metrics hook.
    HttpResponse error_response(const ExchangeFacts& facts, int status, errc code,
                                std::string_view message) const;

    /// The 500 INTERNAL_ERROR reply, without internal details; a bare 500 if even that fails.
    HttpResponse internal_error(const ExchangeFacts& facts) const noexcept;

    /// The reply to a handled request: external payment id and polling filled in, rules
    /// checked, serialized once, signed.
    HttpResponse reply_response(const ExchangeFacts& facts, const ReplyContext& rc,
                                Reply reply) const;

    /// The development checks of `reply` against its request (check_session_rules,
    /// pos_version), reported to the diagnostic hook; with strict_replies, the refusal.
    std::optional<HttpResponse> check_against_request(const ExchangeFacts& facts,
                                                      const ReplyContext& rc,
                                                      const Reply& reply) const;

    /// Keeps the request's JSON for check_against_request() when check_session_rules is on.
    void keep_request(Exchange& x) const;

    /// The 200 response with `body` sent as it is (a stored reply replayed), signed.
    HttpResponse raw_response(const ExchangeFacts& facts, std::string body) const;

    /// The 400 (or 413) reply to a request that failed a check; tells both hooks.
    HttpResponse reject(const ExchangeFacts& facts, int status, errc code, std::string message,
                        std::string path = std::string()) const;

    /// The reply to a body that did not read as the expected type.
    HttpResponse reject_body(const ExchangeFacts& facts, const std::vector<Error>& errors) const;

    /// Hands `response` to the observers, then to the sink, once.
    void respond(Exchange& x, HttpResponse&& response) const;

    /// Names the exchange (event, subscription, request id: `known_id` when not empty) and
    /// finds its ring.
    void open(Exchange& x, std::string_view known_id = std::string_view()) const;
    /// The checks of the front door, up to the signature: the rejection, if any.
    std::optional<HttpResponse> admit(Exchange& x) const;
    /// The front door, then reading and routing; may throw (caught by process()).
    void run(const std::shared_ptr<const Core>& self, Exchange& x) const;
    /// Records what the context and the reply checks learn from a typed request.
    template <class Event>
    static void note_request(Exchange& x, const typename Event::request& request);
    /// Runs the middleware in order, then `handlers` (unless a middleware answered).
    void chain(const std::shared_ptr<const Core>& self, Exchange& x, const Stage& handlers) const;
    /// Runs middleware number `index` with its continuation.
    void call_middleware(const std::shared_ptr<const Core>& self, Exchange& x,
                         std::size_t index) const;
    /// True when `body` is the POS's error request (`error` and `original`).
    bool is_error_request(std::string_view body) const;
    /// A body that failed to read as its event's request: an error request, or an error reply.
    void on_parse_failure(const std::shared_ptr<const Core>& self, Exchange& x,
                          const std::vector<Error>& errors) const;
    /// The POS's error request: the middleware, the error handler, then 200 `{}`.
    void on_error_request(const std::shared_ptr<const Core>& self, Exchange& x) const;
    /// An event without a typed handler: the middleware, the unknown-event handler or `{}`.
    void on_untyped(const std::shared_ptr<const Core>& self, Exchange& x) const;
    /// A Responder answering through `state` (Responder's constructor is private).
    static Responder responder_for(std::shared_ptr<PendingReply> state) noexcept;

private:
    /// Eight hex digits that tell this dispatcher's request ids from other processes' ones.
    static std::string make_id_prefix(const void* self) {
        std::uint64_t z =
            static_cast<std::uint64_t>(
                std::chrono::system_clock::now().time_since_epoch().count()) ^
            (static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())
             << 17) ^
            static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(self));
        z += 0x9e3779b97f4a7c15ULL; // splitmix64's finalizer spreads the bits
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        std::string prefix(8, '0');
        for (std::size_t i = 0; i < 8; ++i) {
            prefix[7 - i] = "0123456789abcdef"[(z >> (4 * i)) & 0xF];
        }
        return prefix;
    }

    std::string id_prefix_;
    mutable std::atomic<std::uint64_t> ids_{0};
};

/// The shared state of a Responder: answered once, by reply(), by the dispatcher when the
/// handler throws, or by the destructor when the last Responder copy dies unanswered.
class PendingReply {
public:
    /// `base` is what the synchronous handlers of the event built before the asynchronous
    /// one ran; the Responder's reply is added to it.
    PendingReply(std::shared_ptr<const Core> core, Exchange& x, Reply base,
                 std::chrono::steady_clock::time_point start)
        : core_(std::move(core)), ring_holder_(x.ring_holder), event_name_(x.facts.event_name),
          subscription_id_(x.facts.subscription_id), request_id_(x.request_id), facts_(x.facts),
          rc_(x.reply_context), base_(std::move(base)), observers_(std::move(x.observers)),
          start_(start) {
        x.observers.clear();
        facts_.event_name = event_name_;
        facts_.subscription_id = subscription_id_;
        facts_.request_id = request_id_;
        facts_.async = true;
    }
    PendingReply(const PendingReply&) = delete;
    PendingReply& operator=(const PendingReply&) = delete;

    ~PendingReply() {
        if (answered_.exchange(true)) return;
        core_->diagnose(facts_, DiagnosticKind::responder_unanswered,
                        Error{errc::internal_error, std::string(),
                              "the asynchronous handler's Responder was destroyed unanswered"});
        hand_over(core_->internal_error(stop_clock()));
    }

    /// Where the response goes; set once, before the handler runs.
    void set_done(std::function<void(HttpResponse)> done) noexcept { done_ = std::move(done); }

    /// The handler's answer; the first call wins.
    void reply(Reply reply) noexcept {
        if (answered_.exchange(true)) {
            core_->diagnose(facts_, DiagnosticKind::responder_answered_twice,
                            Error{errc::ok, std::string(),
                                  "Responder::reply() called again; the later reply is ignored"});
            return;
        }
        const ExchangeFacts& facts = stop_clock();
        HttpResponse response;
        try {
            merge_reply(base_, std::move(reply));
            response = core_->reply_response(facts, rc_, std::move(base_));
        } catch (...) {
            core_->diagnose(facts, DiagnosticKind::handler_exception,
                            Error{errc::internal_error, std::string(),
                                  "the reply could not be made (out of memory?)"});
            response = core_->internal_error(facts);
        }
        hand_over(std::move(response));
    }

    /// The handler threw: answers with INTERNAL_ERROR unless it had answered already.
    void fail(Error what) noexcept {
        core_->diagnose(facts_, DiagnosticKind::handler_exception, std::move(what));
        if (answered_.exchange(true)) return;
        hand_over(core_->internal_error(stop_clock()));
    }

    /// True once answered.
    bool answered() const noexcept { return answered_.load(); }

private:
    const ExchangeFacts& stop_clock() noexcept {
        facts_.handler_time = since(start_);
        return facts_;
    }

    void hand_over(HttpResponse&& response) noexcept {
        core_->observe(facts_, observers_, response);
        try {
            if (done_) done_(std::move(response));
        } catch (...) { // the integrator's callback failed; there is no one left to tell
        }
    }

    std::shared_ptr<const Core> core_;
    std::shared_ptr<const KeyRing> ring_holder_; // keeps facts_.ring alive
    std::string event_name_;
    std::string subscription_id_;
    std::string request_id_;
    ExchangeFacts facts_;
    ReplyContext rc_;
    Reply base_;
    std::vector<ResponseObserver> observers_;
    std::chrono::steady_clock::time_point start_;
    std::function<void(HttpResponse)> done_;
    std::atomic<bool> answered_{false};
};

template <class Event>
void Core::note_request(Exchange& x, const typename Event::request& request) {
    RequestContext& ctx = x.context;
    ctx.blocking = request.event.blocking();
    ctx.polling = request.event.polling();
    ctx.instance_id = request.sender.instance_id ? std::string_view(*request.sender.instance_id)
                                                 : std::string_view();
    ctx.event_counter = request.event.event_counter;
    ctx.resend = request.dialog.has_value() || request.form.has_value();
    ctx.request = &request;
    x.facts.blocking = ctx.blocking;
    x.facts.polling = ctx.polling;
    x.reply_context.event = Event::kind;
    x.reply_context.polling = ctx.polling;
    if constexpr (std::is_same_v<typename Event::request, ExternalPaymentRequest>) {
        x.reply_context.external_payment_id = request.external_payment.external_payment_id;
    }
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
#ifdef MPLUS_WEBHOOKS_PRECOMPILED
extern template void parse_original<>(std::string_view, const ReadOptions&, AnyRequest&);
#endif

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
    std::is_invocable_r_v<Reply, const F&, const Request&> ||
    std::is_invocable_v<const F&, const Request&, RequestContext&, Reply&>;

template <class F, class Request>
inline constexpr bool is_async_handler_v =
    std::is_invocable_v<const F&, const Request&, RequestContext&, Responder> ||
    std::is_invocable_v<const F&, const Request&, Responder>;

/// Calls a synchronous handler in any of its three forms, adding to the reply `reply`.
template <class F, class Request>
void call_sync(const F& f, const Request& request, RequestContext& ctx, Reply& reply) {
    if constexpr (std::is_invocable_v<const F&, const Request&, RequestContext&, Reply&>) {
        f(request, ctx, reply);
    } else if constexpr (std::is_invocable_r_v<Reply, const F&, const Request&, RequestContext&>) {
        merge_reply(reply, Reply(f(request, ctx)));
    } else {
        (void)ctx;
        merge_reply(reply, Reply(f(request)));
    }
}

/// The typed handlers of `Event`: synchronous ones in order, then at most one asynchronous.
template <class Event>
class EventHandlers final : public EventSlot {
public:
    using Request = typename Event::request;
    std::vector<std::function<void(const Request&, RequestContext&, Reply&)>> handlers;
    std::function<void(const Request&, RequestContext&, Responder)> async_handler;

    void run(const std::shared_ptr<const Core>& self, Exchange& x) const override;
};

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

    /// Sends `reply` (added to what the event's synchronous handlers built, then checked,
    /// completed and signed like a synchronous handler's); the first call wins. Never throws.
    void reply(Reply reply) noexcept {
        if (state_) state_->reply(std::move(reply));
    }
    /// True once the request has been answered (by this or another copy, or by the SDK).
    bool answered() const noexcept { return !state_ || state_->answered(); }

private:
    friend class detail::Core;
    explicit Responder(std::shared_ptr<detail::PendingReply> state) noexcept
        : state_(std::move(state)) {}
    std::shared_ptr<detail::PendingReply> state_;
};

/// The continuation of a middleware: run the rest of the chain, or answer instead of it.
///
/// A middleware calls exactly one of next(), next(observer), reply() or reply_body() before it
/// returns; the first call counts, later ones are ignored (and reported as
/// responder_answered_twice). A middleware that returns without any gets HTTP 500
/// INTERNAL_ERROR (reported as middleware_unanswered). The decision is synchronous; the
/// response an observer sees may come later, from another thread, when an asynchronous handler
/// answers.
class Next {
public:
    Next(const Next&) = delete;
    Next& operator=(const Next&) = delete;

    /// Runs the next middleware, or the event's handlers after the last one.
    void operator()() { proceed(ResponseObserver()); }
    /// Runs the rest of the chain, then shows `observer` the response before it is sent
    /// (whoever made it: a handler, a later middleware, the SDK's 500), on the thread that
    /// made it. What the observer throws is reported and swallowed.
    void operator()(ResponseObserver observer) { proceed(std::move(observer)); }
    /// Answers instead of the rest of the chain with `reply`, checked, completed and signed
    /// like a handler's.
    void reply(Reply reply) {
        if (!claim()) return;
        core().respond(x_, core().reply_response(x_.facts, x_.reply_context, std::move(reply)));
    }
    /// Answers instead of the rest of the chain with `body`, JSON text sent as it is with
    /// status 200 and signed (a stored reply replayed byte for byte).
    void reply_body(std::string body) {
        if (!claim()) return;
        core().respond(x_, core().raw_response(x_.facts, std::move(body)));
    }
    /// True once next(), reply() or reply_body() has been called.
    bool called() const noexcept { return called_; }

private:
    friend class detail::Core;
    Next(const std::shared_ptr<const detail::Core>& self, detail::Exchange& x,
         std::size_t index) noexcept
        : self_(self), x_(x), index_(index) {}

    const detail::Core& core() const noexcept { return *self_; }

    bool claim() noexcept {
        if (called_) {
            core().diagnose(x_.facts, DiagnosticKind::responder_answered_twice,
                            Error{errc::ok, std::string(),
                                  "a middleware called its Next again; the call is ignored"});
            return false;
        }
        called_ = true;
        return true;
    }

    void proceed(ResponseObserver observer) {
        if (!claim()) return;
        if (observer) x_.observers.push_back(std::move(observer));
        if (index_ + 1 < core().middleware.size()) {
            core().call_middleware(self_, x_, index_ + 1);
        } else {
            (*x_.handlers)();
        }
    }

    const std::shared_ptr<const detail::Core>& self_;
    detail::Exchange& x_;
    std::size_t index_;
    bool called_ = false;
};

/// What Dispatcher::verify() found: the typed request, or the signed response to send.
template <class Request>
struct Verified {
    /// The typed request, when the request passed every check and its body read.
    std::optional<Request> request;
    /// The POS's error request (`error` + `original`) that came instead of an event request.
    std::optional<PosErrorRequest> error_request;
    /// When `request` is empty, what to send: the signed error reply, or, for an error
    /// request, the signed 200 `{}` it must get.
    HttpResponse response;
    /// The ring's secret that verified the signature.
    std::size_t secret_index = 0;
    /// The exchange's id, as the dispatcher would report it.
    std::string request_id;

    /// True when `request` holds the typed request.
    bool ok() const noexcept { return request.has_value(); }
    /// True when `request` holds the typed request.
    explicit operator bool() const noexcept { return ok(); }
};

namespace detail {

template <class Event>
void EventHandlers<Event>::run(const std::shared_ptr<const Core>& self, Exchange& x) const {
    const Core& core = *self;
    Result<Request> parsed = try_parse<Request>(x.request.body, core.config.read_options);
    if (!parsed.ok()) return core.on_parse_failure(self, x, parsed.errors());
    const Request& request = *parsed;
    Core::note_request<Event>(x, request);
    core.keep_request(x);
    auto run_handlers = [&] {
        const bool timed = static_cast<bool>(core.metrics_hook) || async_handler;
        const auto start =
            timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
        Reply reply;
        for (const auto& handler : handlers) handler(request, x.context, reply);
        if (async_handler) {
            auto state = std::make_shared<PendingReply>(self, x, std::move(reply), start);
            // The sink is detached only once the state exists: if making it fails, the sink
            // still holds the callback and the failure can be answered through it.
            state->set_done(x.sink.detach());
            x.pending = state;
            x.finished = true;
            async_handler(request, x.context, Core::responder_for(std::move(state)));
            return;
        }
        if (timed) x.facts.handler_time = since(start);
        core.respond(x, core.reply_response(x.facts, x.reply_context, std::move(reply)));
    };
    core.chain(self, x, Stage(run_handlers));
}

} // namespace detail

/// Routes signed webhook requests to typed handlers and turns their replies, or any failure,
/// into signed responses. Framework-agnostic: adapters translate to and from HttpRequest and
/// HttpResponse.
///
/// A verified request goes through the middleware (use()) in registration order; each may
/// answer instead of the rest (a dedupe guard replaying a stored reply) or call next(). After
/// the last one come the event's handlers: all of them, in registration order, building one
/// reply. A handler that returns a Reply adds it to the reply under construction (lists are
/// appended, an object it sets replaces an earlier one); a handler that takes `Reply&` edits
/// the reply under construction directly and sees what earlier handlers put in. An
/// asynchronous handler, at most one per event, runs after the synchronous ones and its
/// Responder's reply is added the same way.
///
/// Register every handler, middleware and hook before the first handle() call: registration
/// is not synchronized. After that, handle() may be called from any number of threads at
/// once; the handlers, middleware and hooks are then called concurrently and must be
/// thread-safe themselves. Copies of a Dispatcher share one set of handlers.
class Dispatcher {
public:
    /// A dispatcher with no handlers (every event gets the default reply).
    ///
    /// Throws std::invalid_argument when there is no secret (neither `secrets` nor
    /// `secret_lookup`) or when `body_too_large_status` is not 400 or 413.
    explicit Dispatcher(DispatcherConfig config)
        : core_(std::make_shared<detail::Core>(std::move(config))) {
#ifdef MPLUS_WEBHOOKS_PRECOMPILED
        detail::check_precompiled_library();
#endif
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

    /// Adds `handler` to the handlers of each of `Events...`, after those registered before:
    /// `handler(const Event::request&[, RequestContext&]) -> Reply`, or
    /// `handler(const Event::request&, RequestContext&, Reply&)` to edit the reply under
    /// construction. One handler object serves all the events given.
    template <class... Events, class F>
    Dispatcher& on(F handler) {
        static_assert(sizeof...(Events) > 0, "on<Event...>(f): name at least one event");
        static_assert((detail::is_sync_handler_v<F, typename Events::request> && ...),
                      "on<Event...>(f): f must be callable, through a const reference, as "
                      "f(const Event::request&) or f(const Event::request&, RequestContext&) "
                      "returning a Reply, or as f(const Event::request&, RequestContext&, "
                      "Reply&), for every event named");
        const auto shared = std::make_shared<const F>(std::move(handler));
        (add_sync<Events>(shared), ...);
        return *this;
    }

    /// A catch-all: adds `handler` (as for on()) to the handlers of every known event, after
    /// those registered before. Take `const RequestBase&` to see what every request carries.
    /// Unknown event names go to on_unknown_event().
    template <class F>
    Dispatcher& on_any(F handler) {
        const auto shared = std::make_shared<const F>(std::move(handler));
        add_sync_all(shared, events::All{});
        return *this;
    }

    /// Handles each of `Events...` asynchronously with `handler(const Event::request&[,
    /// RequestContext&], Responder)`: the handler answers later, once, from any thread,
    /// through the Responder. It runs after the event's synchronous handlers. Throws
    /// std::logic_error when one of the events has an asynchronous handler already.
    template <class... Events, class F>
    Dispatcher& on_async(F handler) {
        static_assert(sizeof...(Events) > 0, "on_async<Event...>(f): name at least one event");
        static_assert((detail::is_async_handler_v<F, typename Events::request> && ...),
                      "on_async<Event...>(f): f must be callable as f(const Event::request&, "
                      "Responder) or f(const Event::request&, RequestContext&, Responder), "
                      "through a const reference, for every event named");
        if ((slot<Events>().async_handler || ...)) {
            throw std::logic_error("mplus::webhooks::Dispatcher::on_async: an event has an "
                                   "asynchronous handler already");
        }
        const auto shared = std::make_shared<const F>(std::move(handler));
        (add_async<Events>(shared), ...);
        return *this;
    }

    /// Adds a middleware, after those added before: `middleware(RequestContext&, Next&)`. It
    /// runs for every request that passed the front door (method, content type, subscription,
    /// size, signature) and whose body read, before the handlers; it calls `next()` (or
    /// `next(observer)` to see the response) to go on, or `next.reply(...)` /
    /// `next.reply_body(...)` to answer instead. What it throws is answered with HTTP 500
    /// INTERNAL_ERROR, signed.
    template <class F>
    Dispatcher& use(F middleware) {
        static_assert(std::is_invocable_v<F&, RequestContext&, Next&>,
                      "use(f): f must be callable as f(RequestContext&, Next&)");
        core_->middleware.emplace_back(std::move(middleware));
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

    /// The configuration this dispatcher checks requests with (adapters read its body cap).
    const DispatcherConfig& config() const noexcept {
        return core_->config;
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
            if (!sink.done()) response = core_->internal_error(x.facts);
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

    /// The verify-only entry point, for integrators who route requests themselves: the front
    /// door's checks (method, content type, subscription, size, signature), then the body read
    /// as `Event`'s request. No middleware or handler runs; the hooks are told as by handle().
    /// Answer a verified request with sign_reply(), a failed one with `response`. Never
    /// throws.
    template <class Event>
    Verified<typename Event::request> verify(const HttpRequest& http) const noexcept {
        using Request = typename Event::request;
        Verified<Request> v;
        try {
            HttpResponse unused;
            detail::SyncSink sink(unused);
            detail::Exchange x(http, sink);
            core_->open(x);
            v.request_id = x.request_id;
            if (std::optional<HttpResponse> rejected = core_->admit(x)) {
                v.response = std::move(*rejected);
                return v;
            }
            v.secret_index = x.context.secret_index;
            const ReadOptions& options = core_->config.read_options;
            Result<Request> parsed = try_parse<Request>(http.body, options);
            if (parsed.ok()) {
                v.request.emplace(std::move(*parsed));
                return v;
            }
            if (parsed.error().code != errc::invalid_json && core_->is_error_request(http.body)) {
                Result<PosErrorRequest> error = try_parse<PosErrorRequest>(http.body, options);
                if (error.ok()) {
                    v.error_request.emplace(std::move(*error));
                    v.response = core_->raw_response(x.facts, "{}");
                } else {
                    v.response = core_->reject_body(x.facts, error.errors());
                }
                return v;
            }
            v.response = core_->reject_body(x.facts, parsed.errors());
        } catch (...) { // out of memory
            v.request.reset();
            v.error_request.reset();
            v.response = HttpResponse();
            v.response.status = 500;
        }
        return v;
    }

    /// The signed response to a request verify() accepted: `reply` completed (polling,
    /// external payment id), checked against the reply rules and signed like a handler's;
    /// `verified.response` when verify() did not accept it. Never throws.
    template <class Event>
    HttpResponse sign_reply(const HttpRequest& http,
                            const Verified<typename Event::request>& verified,
                            Reply reply) const noexcept {
        if (!verified.request) return verified.response;
        try {
            HttpResponse unused;
            detail::SyncSink sink(unused);
            detail::Exchange x(http, sink);
            core_->open(x, verified.request_id);
            detail::Core::note_request<Event>(x, *verified.request);
            core_->keep_request(x);
            if (x.facts.ring == nullptr) return core_->internal_error(x.facts);
            return core_->reply_response(x.facts, x.reply_context, std::move(reply));
        } catch (...) { // out of memory
            HttpResponse bare;
            bare.status = 500;
            return bare;
        }
    }

private:
    template <class Event>
    detail::EventHandlers<Event>& slot() {
        std::shared_ptr<detail::EventSlot>& s = core_->slots[static_cast<std::size_t>(Event::kind)];
        if (!s) s = std::make_shared<detail::EventHandlers<Event>>();
        return static_cast<detail::EventHandlers<Event>&>(*s);
    }

    template <class Event, class F>
    void add_sync(const std::shared_ptr<const F>& f) {
        using Request = typename Event::request;
        slot<Event>().handlers.emplace_back(
            [f](const Request& request, RequestContext& ctx, Reply& reply) {
                detail::call_sync(*f, request, ctx, reply);
            });
    }

    template <class F, class... Events>
    void add_sync_all(const std::shared_ptr<const F>& f, events::List<Events...>) {
        static_assert((detail::is_sync_handler_v<F, typename Events::request> && ...),
                      "on_any(f): f must be callable, through a const reference, with the "
                      "request of every event (const RequestBase& is), as for on()");
        (add_sync<Events>(f), ...);
    }

    template <class Event, class F>
    void add_async(const std::shared_ptr<const F>& f) {
        using Request = typename Event::request;
        slot<Event>().async_handler = [f](const Request& request, RequestContext& ctx,
                                          Responder responder) {
            if constexpr (std::is_invocable_v<const F&, const Request&, RequestContext&,
                                              Responder>) {
                (*f)(request, ctx, std::move(responder));
            } else {
                (void)ctx;
                (*f)(request, std::move(responder));
            }
        };
    }

    std::shared_ptr<detail::Core> core_;
};

#ifdef MPLUS_WEBHOOKS_PRECOMPILED
namespace detail {
/// Declares the typed handler slot of every event of the catalog, compiled into the library.
#define MPLUS_WEBHOOKS_EXTERN_SLOT(Event) extern template class EventHandlers<events::Event>;
MPLUS_WEBHOOKS_PRECOMPILED_EVENTS(MPLUS_WEBHOOKS_EXTERN_SLOT)
#undef MPLUS_WEBHOOKS_EXTERN_SLOT
} // namespace detail
#endif

MPLUS_WEBHOOKS_END_NAMESPACE

#ifndef MPLUS_WEBHOOKS_PRECOMPILED
#include <mplus/webhooks/detail/dispatcher_impl.hpp>
#endif
