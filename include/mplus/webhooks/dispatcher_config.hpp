// What a Dispatcher is configured with, and what it tells handlers, middleware and hooks:
// DispatcherConfig, RequestContext, AnyRequest, Diagnostic, Metrics.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/codec_fwd.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/pos_version.hpp>
#include <mplus/webhooks/requests.hpp>
#include <mplus/webhooks/signature.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

MPLUS_WEBHOOKS_END_NAMESPACE
