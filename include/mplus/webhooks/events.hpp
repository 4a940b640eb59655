// The event catalog: every event name of the protocol, its request type, and look-ups between
// names and types at compile time and at run time.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/requests.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// Every event the SDK knows, in the order of the protocol's table; `unknown` is any other name.
enum class EventKind : std::uint8_t {
    start_session,
    scan_code,
    add_session_line,
    update_session_line,
    remove_session_line,
    pause_session,
    resume_session,
    select_relation,
    start_payment,
    cancel_payment,
    merge_session,
    cancel_session,
    complete_session,
    credit_session,
    custom_action,
    print_bill,
    background_poll,
    kitchen_start_course,
    kitchen_complete_course,
    kitchen_serve_course,
    start_external_payment,
    poll_external_payment,
    request_cancel_external_payment,
    cancel_external_payment,
    unknown,
};

/// Tag types, one per event: `name` (the last URL segment), `kind`, and `request` (its type).
namespace events {
/// The `startSession` event.
struct StartSession {
    static constexpr std::string_view name = "startSession";    ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::start_session; ///< its EventKind
    using request = SessionRequest;                             ///< the request type the POS sends
};
/// The `scanCode` event.
struct ScanCode {
    static constexpr std::string_view name = "scanCode";    ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::scan_code; ///< its EventKind
    using request = ScanCodeRequest;                        ///< the request type the POS sends
};
/// The `addSessionLine` event.
struct AddSessionLine {
    static constexpr std::string_view name = "addSessionLine";     ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::add_session_line; ///< its EventKind
    using request = AddSessionLineRequest; ///< the request type the POS sends
};
/// The `updateSessionLine` event.
struct UpdateSessionLine {
    static constexpr std::string_view name = "updateSessionLine"; ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::update_session_line; ///< its EventKind
    using request = UpdateSessionLineRequest; ///< the request type the POS sends
};
/// The `removeSessionLine` event.
struct RemoveSessionLine {
    static constexpr std::string_view name = "removeSessionLine"; ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::remove_session_line; ///< its EventKind
    using request = RemoveSessionLineRequest; ///< the request type the POS sends
};
/// The `pauseSession` event.
struct PauseSession {
    static constexpr std::string_view name = "pauseSession";    ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::pause_session; ///< its EventKind
    using request = SessionRequest;                             ///< the request type the POS sends
};
/// The `resumeSession` event.
struct ResumeSession {
    static constexpr std::string_view name = "resumeSession";    ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::resume_session; ///< its EventKind
    using request = SessionRequest;                              ///< the request type the POS sends
};
/// The `selectRelation` event.
struct SelectRelation {
    static constexpr std::string_view name = "selectRelation";    ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::select_relation; ///< its EventKind
    using request = SelectRelationRequest; ///< the request type the POS sends
};
/// The `startPayment` event.
struct StartPayment {
    static constexpr std::string_view name = "startPayment";    ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::start_payment; ///< its EventKind
    using request = SessionRequest;                             ///< the request type the POS sends
};
/// The `cancelPayment` event.
struct CancelPayment {
    static constexpr std::string_view name = "cancelPayment";    ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::cancel_payment; ///< its EventKind
    using request = SessionRequest;                              ///< the request type the POS sends
};
/// The `mergeSession` event.
struct MergeSession {
    static constexpr std::string_view name = "mergeSession";    ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::merge_session; ///< its EventKind
    using request = MergeSessionRequest;                        ///< the request type the POS sends
};
/// The `cancelSession` event.
struct CancelSession {
    static constexpr std::string_view name = "cancelSession";    ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::cancel_session; ///< its EventKind
    using request = SessionRequest;                              ///< the request type the POS sends
};
/// The `completeSession` event.
struct CompleteSession {
    static constexpr std::string_view name = "completeSession";    ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::complete_session; ///< its EventKind
    using request = CompleteSessionRequest; ///< the request type the POS sends
};
/// The `creditSession` event.
struct CreditSession {
    static constexpr std::string_view name = "creditSession";    ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::credit_session; ///< its EventKind
    using request = SessionRequest;                              ///< the request type the POS sends
};
/// The `customAction` event.
struct CustomAction {
    static constexpr std::string_view name = "customAction";    ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::custom_action; ///< its EventKind
    using request = CustomActionRequest;                        ///< the request type the POS sends
};
/// The `printBill` event.
struct PrintBill {
    static constexpr std::string_view name = "printBill";    ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::print_bill; ///< its EventKind
    using request = PrintBillRequest;                        ///< the request type the POS sends
};
/// The `backgroundPoll` event.
struct BackgroundPoll {
    static constexpr std::string_view name = "backgroundPoll";    ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::background_poll; ///< its EventKind
    using request = BackgroundPollRequest; ///< the request type the POS sends
};
/// The `kitchenStartCourse` event.
struct KitchenStartCourse {
    static constexpr std::string_view name = "kitchenStartCourse"; ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::kitchen_start_course; ///< its EventKind
    using request = KitchenRequest; ///< the request type the POS sends
};
/// The `kitchenCompleteCourse` event.
struct KitchenCompleteCourse {
    static constexpr std::string_view name =
        "kitchenCompleteCourse"; ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::kitchen_complete_course; ///< its EventKind
    using request = KitchenRequest; ///< the request type the POS sends
};
/// The `kitchenServeCourse` event.
struct KitchenServeCourse {
    static constexpr std::string_view name = "kitchenServeCourse"; ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::kitchen_serve_course; ///< its EventKind
    using request = KitchenRequest; ///< the request type the POS sends
};
/// The `startExternalPayment` event.
struct StartExternalPayment {
    static constexpr std::string_view name =
        "startExternalPayment"; ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::start_external_payment; ///< its EventKind
    using request = ExternalPaymentRequest; ///< the request type the POS sends
};
/// The `pollExternalPayment` event.
struct PollExternalPayment {
    static constexpr std::string_view name = "pollExternalPayment"; ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::poll_external_payment; ///< its EventKind
    using request = ExternalPaymentRequest; ///< the request type the POS sends
};
/// The `requestCancelExternalPayment` event.
struct RequestCancelExternalPayment {
    static constexpr std::string_view name =
        "requestCancelExternalPayment"; ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::request_cancel_external_payment; ///< its EventKind
    using request = ExternalPaymentRequest; ///< the request type the POS sends
};
/// The `cancelExternalPayment` event.
struct CancelExternalPayment {
    static constexpr std::string_view name =
        "cancelExternalPayment"; ///< the wire name (URL segment)
    static constexpr EventKind kind = EventKind::cancel_external_payment; ///< its EventKind
    using request = ExternalPaymentRequest; ///< the request type the POS sends
};

/// A list of types.
template <class... Ts>
struct List {
    static constexpr std::size_t size = sizeof...(Ts); ///< how many types
};

/// Every known event, in EventKind order.
using All =
    List<StartSession, ScanCode, AddSessionLine, UpdateSessionLine, RemoveSessionLine, PauseSession,
         ResumeSession, SelectRelation, StartPayment, CancelPayment, MergeSession, CancelSession,
         CompleteSession, CreditSession, CustomAction, PrintBill, BackgroundPoll,
         KitchenStartCourse, KitchenCompleteCourse, KitchenServeCourse, StartExternalPayment,
         PollExternalPayment, RequestCancelExternalPayment, CancelExternalPayment>;
} // namespace events

namespace detail {
/// The list of the request types of `Events...`, each once, in catalog order.
template <class Done, class... Events>
struct unique_requests;
template <class... Done>
struct unique_requests<events::List<Done...>> {
    using type = events::List<Done...>;
};
template <class... Done, class E, class... Rest>
struct unique_requests<events::List<Done...>, E, Rest...> {
    using R = typename E::request;
    using type =
        typename std::conditional_t<(std::is_same_v<R, Done> || ...),
                                    unique_requests<events::List<Done...>, Rest...>,
                                    unique_requests<events::List<Done..., R>, Rest...>>::type;
};
template <class... Events>
auto request_types(events::List<Events...>) ->
    typename unique_requests<events::List<>, Events...>::type;
} // namespace detail

namespace events {
/// Every request type of the catalog, each once, in the order of its first event.
using Requests = decltype(detail::request_types(All{}));
} // namespace events

/// The number of known events.
inline constexpr std::size_t event_count = events::All::size;

namespace detail {
template <class... Ts>
constexpr std::array<std::string_view, sizeof...(Ts)> event_names(events::List<Ts...>) {
    return {Ts::name...};
}
template <class... Ts>
constexpr bool kinds_in_order(events::List<Ts...>) {
    std::size_t i = 0;
    return ((static_cast<std::size_t>(Ts::kind) == i++) && ...);
}
static_assert(kinds_in_order(events::All{}), "events::All must follow EventKind order");
} // namespace detail

/// The wire names of the known events, indexed by EventKind.
inline constexpr std::array<std::string_view, event_count> event_names =
    detail::event_names(events::All{});

/// The wire name of `kind` ("" for EventKind::unknown).
constexpr std::string_view event_name(EventKind kind) noexcept {
    const auto i = static_cast<std::size_t>(kind);
    return i < event_count ? event_names[i] : std::string_view();
}

/// The event named `name` (case-sensitive, as on the wire), or EventKind::unknown.
constexpr EventKind find_event(std::string_view name) noexcept {
    for (std::size_t i = 0; i < event_count; ++i) {
        if (event_names[i] == name) return static_cast<EventKind>(i);
    }
    return EventKind::unknown;
}

/// True for the four external-payment events.
constexpr bool is_external_payment_event(EventKind kind) noexcept {
    return kind == EventKind::start_external_payment || kind == EventKind::poll_external_payment ||
           kind == EventKind::request_cancel_external_payment ||
           kind == EventKind::cancel_external_payment;
}

/// True for events whose request carries no session (backgroundPoll, the kitchen events).
constexpr bool is_sessionless_event(EventKind kind) noexcept {
    return kind == EventKind::background_poll || kind == EventKind::kitchen_start_course ||
           kind == EventKind::kitchen_complete_course || kind == EventKind::kitchen_serve_course;
}

namespace detail {
template <class F, class... Ts>
decltype(auto) visit_event_impl(EventKind kind, F&& f, events::List<Ts...>) {
    using R = std::invoke_result_t<F, events::StartSession>;
    static_assert((std::is_same_v<R, std::invoke_result_t<F, Ts>> && ...),
                  "visit_event: the visitor must return the same type for every event");
    if constexpr (std::is_void_v<R>) {
        (void)((kind == Ts::kind ? (f(Ts{}), true) : false) || ...);
    } else {
        std::optional<R> result;
        (void)((kind == Ts::kind ? (result.emplace(f(Ts{})), true) : false) || ...);
        if (!result) throw std::invalid_argument("visit_event: not a known event");
        return R(std::move(*result));
    }
}
} // namespace detail

/// Calls `f(events::X{})` for the known event `kind`. For EventKind::unknown a visitor that
/// returns nothing is not called, and one that returns a value makes it throw
/// std::invalid_argument.
template <class F>
decltype(auto) visit_event(EventKind kind, F&& f) {
    return detail::visit_event_impl(kind, std::forward<F>(f), events::All{});
}

/// A request for an event the SDK does not know: its name and the raw body, kept as sent.
struct UnknownEvent {
    std::string name; ///< the event name, as in the URL
    std::string body; ///< the request body, byte for byte
};

MPLUS_WEBHOOKS_END_NAMESPACE
