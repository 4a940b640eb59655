// The dispatcher: a raw HTTP request in, a signed HTTP response out, typed handlers between.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/codec.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/detail/server/core.hpp>
#include <mplus/webhooks/dispatcher_config.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/precompiled.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

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

/// @cond INTERNAL
namespace detail {

/// Calls the asynchronous handler `f` (an F) in either of its two forms.
template <class F, class Request>
void call_erased_async(const void* f, const void* request, RequestContext& ctx,
                       Responder responder) {
    const F& handler = *static_cast<const F*>(f);
    const Request& typed = *static_cast<const Request*>(request);
    if constexpr (std::is_invocable_v<const F&, const Request&, RequestContext&, Responder>) {
        handler(typed, ctx, std::move(responder));
    } else {
        (void)ctx;
        handler(typed, std::move(responder));
    }
}

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
        for (const SyncHandler& handler : handlers) handler(&request, x.context, reply);
        if (async_handler) {
            auto state = std::make_shared<PendingReply>(self, x, std::move(reply), start);
            // The sink is detached only once the state exists: if making it fails, the sink
            // still holds the callback and the failure can be answered through it.
            state->set_done(x.sink.detach());
            x.pending = state;
            x.finished = true;
            async_handler(&request, x.context, Core::responder_for(std::move(state)));
            return;
        }
        if (timed) x.facts.handler_time = since(start);
        core.respond(x, core.reply_response(x.facts, x.reply_context, std::move(reply)));
    };
    core.chain(self, x, Stage(run_handlers));
}

} // namespace detail
/// @endcond

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
    detail::EventSlot& slot() {
        std::shared_ptr<detail::EventSlot>& s = core_->slots[static_cast<std::size_t>(Event::kind)];
        if (!s) s = detail::make_slot<Event>();
        return *s;
    }

    template <class Event, class F>
    void add_sync(const std::shared_ptr<const F>& f) {
        slot<Event>().handlers.push_back(
            {f, &detail::call_erased_sync<F, typename Event::request>});
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
        slot<Event>().async_handler = {f, &detail::call_erased_async<F, typename Event::request>};
    }

    std::shared_ptr<detail::Core> core_;
};

#ifdef MPLUS_WEBHOOKS_PRECOMPILED
namespace detail {
/// Declares the typed handler slot of every event of the catalog, compiled into the library.
#define MPLUS_WEBHOOKS_EXTERN_SLOT(Event)                                                          \
    extern template class EventHandlers<events::Event>;                                            \
    extern template std::shared_ptr<EventSlot> make_slot<events::Event>();
MPLUS_WEBHOOKS_PRECOMPILED_EVENTS(MPLUS_WEBHOOKS_EXTERN_SLOT)
#undef MPLUS_WEBHOOKS_EXTERN_SLOT
} // namespace detail
#endif

MPLUS_WEBHOOKS_END_NAMESPACE

#ifndef MPLUS_WEBHOOKS_PRECOMPILED
#include <mplus/webhooks/detail/server/dispatcher_impl.hpp>
#endif
