// The dispatcher's internals: one exchange on its way through, the core that every copy of a
// Dispatcher shares, the typed handler slots and the sinks that take the response.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/codec.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/detail/fields.hpp>
#include <mplus/webhooks/dispatcher_config.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/pos_version.hpp>
#include <mplus/webhooks/precompiled.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/reply_rules.hpp>
#include <mplus/webhooks/requests.hpp>
#include <mplus/webhooks/signature.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

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
    return field_list(opt("event", &T::event), opt("sender", &T::sender), opt("dialog", &T::dialog),
                      opt("form", &T::form), opt("error", &T::error),
                      opt("original", &T::original));
}

/// Adds `from` to the reply under construction `into`: lists are appended, an object `from`
/// sets replaces the earlier one, unknown keys are merged (the later wins).
template <class R, if_type<R, Reply> = 0>
void merge_reply(R& into, R&& from) {
    if (into.empty()) {
        into = std::move(from);
        return;
    }
    constexpr auto table = fields(type_tag<R>{});
    for_each_field(table, [&](auto, const auto& field) {
        auto& to = into.*(field.member);
        auto& add = from.*(field.member);
        using M = std::remove_reference_t<decltype(to)>;
        if constexpr (is_vector<M>::value) {
            to.insert(to.end(), std::make_move_iterator(add.begin()),
                      std::make_move_iterator(add.end()));
        } else {
            if (has_content(add)) to = std::move(add);
        }
    });
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
    /// A handler of the event, whatever its type: the object and a function that calls it
    /// with the typed request (cheaper to make for each handler than a std::function).
    template <class... Args>
    struct Erased {
        std::shared_ptr<const void> object;
        void (*call)(const void* object, const void* request, Args... args) = nullptr;

        explicit operator bool() const noexcept { return call != nullptr; }
        void operator()(const void* request, Args... args) const {
            call(object.get(), request, std::forward<Args>(args)...);
        }
    };
    /// A synchronous handler: adds to the reply under construction.
    using SyncHandler = Erased<RequestContext&, Reply&>;
    /// The asynchronous handler: answers through its Responder.
    using AsyncHandler = Erased<RequestContext&, Responder>;

    EventSlot() = default;
    EventSlot(const EventSlot&) = delete;
    EventSlot& operator=(const EventSlot&) = delete;
    virtual ~EventSlot() = default;
    /// Reads the request as its event's type, runs the middleware, then the handlers.
    virtual void run(const std::shared_ptr<const Core>& self, Exchange& x) const = 0;

    /// The synchronous handlers, in registration order.
    std::vector<SyncHandler> handlers;
    /// The asynchronous handler, if any; it runs after the synchronous ones.
    AsyncHandler async_handler;
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

    /// The development checks of `reply` (written as `body`) against its request
    /// (check_session_rules, pos_version: its version gates read `body`), reported to the
    /// diagnostic hook; with strict_replies, the refusal.
    std::optional<HttpResponse> check_against_request(const ExchangeFacts& facts,
                                                      const ReplyContext& rc, const Reply& reply,
                                                      std::string_view body) const;

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

    void run(const std::shared_ptr<const Core>& self, Exchange& x) const override;
};

/// A new, empty slot of `Event`.
template <class Event>
std::shared_ptr<EventSlot> make_slot() {
    return std::make_shared<EventHandlers<Event>>();
}

/// Calls the synchronous handler `f` (an F) in any of its three forms.
template <class F, class Request>
void call_erased_sync(const void* f, const void* request, RequestContext& ctx, Reply& reply) {
    call_sync(*static_cast<const F*>(f), *static_cast<const Request*>(request), ctx, reply);
}

} // namespace detail

MPLUS_WEBHOOKS_END_NAMESPACE
