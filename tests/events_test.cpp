// Tests of the event catalog (events.hpp): names, kinds and request types, at compile time and at
// run time.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/open_enum.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>

namespace wh = mplus::webhooks;
namespace ev = mplus::webhooks::events;
using wh::EventKind;

namespace {

// The protocol's event names, as written in the spec's table, in EventKind order.
constexpr std::array<std::string_view, 24> spec_names = {"startSession",
                                                         "scanCode",
                                                         "addSessionLine",
                                                         "updateSessionLine",
                                                         "removeSessionLine",
                                                         "pauseSession",
                                                         "resumeSession",
                                                         "selectRelation",
                                                         "startPayment",
                                                         "cancelPayment",
                                                         "mergeSession",
                                                         "cancelSession",
                                                         "completeSession",
                                                         "creditSession",
                                                         "customAction",
                                                         "printBill",
                                                         "backgroundPoll",
                                                         "kitchenStartCourse",
                                                         "kitchenCompleteCourse",
                                                         "kitchenServeCourse",
                                                         "startExternalPayment",
                                                         "pollExternalPayment",
                                                         "requestCancelExternalPayment",
                                                         "cancelExternalPayment"};

constexpr bool all_names_match() {
    for (std::size_t i = 0; i < spec_names.size(); ++i) {
        const auto kind = static_cast<EventKind>(i);
        if (wh::find_event(spec_names[i]) != kind) return false;
        if (wh::event_name(kind) != spec_names[i]) return false;
    }
    return true;
}

static_assert(wh::event_count == 24);
static_assert(ev::All::size == 24);
static_assert(all_names_match(), "every spec name maps to its EventKind and back");
static_assert(wh::find_event("startSession") == EventKind::start_session);
static_assert(wh::find_event("requestCancelExternalPayment") ==
              EventKind::request_cancel_external_payment);
static_assert(wh::find_event("StartSession") == EventKind::unknown);
static_assert(wh::find_event("") == EventKind::unknown);
static_assert(wh::event_name(EventKind::unknown).empty());
static_assert(wh::event_name(EventKind::kitchen_serve_course) == "kitchenServeCourse");
static_assert(ev::PrintBill::name == "printBill" && ev::PrintBill::kind == EventKind::print_bill);

static_assert(std::is_same_v<ev::StartSession::request, wh::SessionRequest>);
static_assert(std::is_same_v<ev::CreditSession::request, wh::SessionRequest>);
static_assert(std::is_same_v<ev::ScanCode::request, wh::ScanCodeRequest>);
static_assert(std::is_same_v<ev::AddSessionLine::request, wh::AddSessionLineRequest>);
static_assert(std::is_same_v<ev::UpdateSessionLine::request, wh::UpdateSessionLineRequest>);
static_assert(std::is_same_v<ev::RemoveSessionLine::request, wh::RemoveSessionLineRequest>);
static_assert(std::is_same_v<ev::SelectRelation::request, wh::SelectRelationRequest>);
static_assert(std::is_same_v<ev::MergeSession::request, wh::MergeSessionRequest>);
static_assert(std::is_same_v<ev::CompleteSession::request, wh::CompleteSessionRequest>);
static_assert(std::is_same_v<ev::CustomAction::request, wh::CustomActionRequest>);
static_assert(std::is_same_v<ev::PrintBill::request, wh::PrintBillRequest>);
static_assert(std::is_same_v<ev::BackgroundPoll::request, wh::BackgroundPollRequest>);
static_assert(std::is_same_v<ev::KitchenServeCourse::request, wh::KitchenRequest>);
static_assert(std::is_same_v<ev::CancelExternalPayment::request, wh::ExternalPaymentRequest>);

static_assert(wh::is_external_payment_event(EventKind::poll_external_payment));
static_assert(!wh::is_external_payment_event(EventKind::start_payment));
static_assert(wh::is_sessionless_event(EventKind::background_poll));
static_assert(!wh::is_sessionless_event(EventKind::custom_action));

} // namespace

TEST_CASE("find_event: every event name of the protocol at run time, and back") {
    std::set<EventKind> seen;
    for (std::size_t i = 0; i < spec_names.size(); ++i) {
        const std::string name(spec_names[i]); // not a literal: a run-time look-up
        const EventKind k = wh::find_event(name);
        CHECK_MESSAGE(k == static_cast<EventKind>(i), name);
        CHECK(wh::event_name(k) == name);
        CHECK(wh::event_names[i] == name);
        seen.insert(k);
    }
    CHECK(seen.size() == 24);
}

TEST_CASE("find_event: unknown and near-miss names are EventKind::unknown") {
    for (const char* name :
         {"", "startsession", "StartSession", "startSession ", " startSession", "startSession/",
          "/startSession", "error", "unknown", "order", "kitchenStartCourses", "startSessio"}) {
        CHECK_MESSAGE(wh::find_event(name) == EventKind::unknown, name);
    }
    CHECK(wh::event_name(EventKind::unknown) == "");
    CHECK(wh::event_name(static_cast<EventKind>(200)) == "");
}

TEST_CASE("visit_event: calls the visitor with the tag type of each kind") {
    for (std::size_t i = 0; i < wh::event_count; ++i) {
        const auto kind = static_cast<EventKind>(i);
        const std::string_view name =
            wh::visit_event(kind, [](auto e) { return decltype(e)::name; });
        CHECK(name == spec_names[i]);
        const EventKind back = wh::visit_event(kind, [](auto e) { return decltype(e)::kind; });
        CHECK(back == kind);
        int calls = 0;
        wh::visit_event(kind, [&](auto) { ++calls; });
        CHECK(calls == 1);
    }
    const bool is_session_request = wh::visit_event(EventKind::pause_session, [](auto e) {
        return std::is_same_v<typename decltype(e)::request, wh::SessionRequest>;
    });
    CHECK(is_session_request);
    const bool scan_is_session_request = wh::visit_event(EventKind::scan_code, [](auto e) {
        return std::is_same_v<typename decltype(e)::request, wh::SessionRequest>;
    });
    CHECK_FALSE(scan_is_session_request);
}

TEST_CASE("is_external_payment_event: exactly the four external-payment events") {
    std::set<std::string_view> yes;
    for (std::size_t i = 0; i < wh::event_count; ++i) {
        const auto kind = static_cast<EventKind>(i);
        if (wh::is_external_payment_event(kind)) yes.insert(wh::event_name(kind));
    }
    CHECK(yes == std::set<std::string_view>{"startExternalPayment", "pollExternalPayment",
                                            "requestCancelExternalPayment",
                                            "cancelExternalPayment"});
    CHECK_FALSE(wh::is_external_payment_event(EventKind::unknown));
}

TEST_CASE("is_sessionless_event: backgroundPoll and the three kitchen events") {
    std::set<std::string_view> yes;
    for (std::size_t i = 0; i < wh::event_count; ++i) {
        const auto kind = static_cast<EventKind>(i);
        if (wh::is_sessionless_event(kind)) yes.insert(wh::event_name(kind));
    }
    CHECK(yes == std::set<std::string_view>{"backgroundPoll", "kitchenStartCourse",
                                            "kitchenCompleteCourse", "kitchenServeCourse"});
    CHECK_FALSE(wh::is_sessionless_event(EventKind::unknown));
}

TEST_CASE("UnknownEvent: keeps the name and the raw body") {
    const wh::UnknownEvent u{"futureEvent", R"({"event":{}})"};
    CHECK(u.name == "futureEvent");
    CHECK(u.body == R"({"event":{}})");
    CHECK(wh::find_event(u.name) == EventKind::unknown);
}

TEST_CASE("events::Requests: every request type of the catalog once, in catalog order") {
    using R = wh::events::Requests;
    static_assert(
        std::is_same_v<
            R, wh::events::List<wh::SessionRequest, wh::ScanCodeRequest, wh::AddSessionLineRequest,
                                wh::UpdateSessionLineRequest, wh::RemoveSessionLineRequest,
                                wh::SelectRelationRequest, wh::MergeSessionRequest,
                                wh::CompleteSessionRequest, wh::CustomActionRequest,
                                wh::PrintBillRequest, wh::BackgroundPollRequest, wh::KitchenRequest,
                                wh::ExternalPaymentRequest>>);
    CHECK(R::size == 13);
    CHECK(wh::events::All::size == wh::event_count);
}

TEST_CASE("ErrorCode: its known values are the wire codes of errc, from the one table") {
    REQUIRE(wh::ErrorCodeValues::known.size() == wh::protocol_wire_codes.size());
    for (std::size_t i = 0; i < wh::protocol_wire_codes.size(); ++i) {
        const auto code = static_cast<wh::errc>(static_cast<int>(i) + 1);
        CHECK(wh::ErrorCodeValues::known[i] == wh::wire_code(code));
        CHECK(wh::errc_from_wire_code(wh::ErrorCodeValues::known[i]) == code);
        CHECK(wh::ErrorCode(std::string(wh::wire_code(code))).is_known());
    }
    CHECK(wh::ErrorCodeValues::invalid_json == "INVALID_JSON");
    CHECK(wh::ErrorCodeValues::line_addition_not_allowed == "LINE_ADDITION_NOT_ALLOWED");
    CHECK_FALSE(wh::ErrorCode(std::string("INTERNAL_ERROR")).is_known()); // ours, not the list's
}
