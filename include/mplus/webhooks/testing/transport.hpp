// How the simulated till reaches a middleware (a PosTransport) and how each event is sent
// (blocking, polling).
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/http.hpp>

#include <functional>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// Delivers one request to the middleware and returns its reply: a Dispatcher's handle, or an
/// HTTP client. It may throw; the simulator records that as a transport failure.
using PosTransport = std::function<HttpResponse(const HttpRequest&)>;

/// Blocking and polling flags of one event, as chosen when subscribing.
struct EventMode {
    bool blocking = false; ///< the POS waits for the reply
    bool polling = false;  ///< the POS repeats the request until `polling.finished`
};

/// The flags a subscription usually chooses for `kind`: blocking for the line, scan, relation
/// and payment events (and printBill, customAction), polling for pollExternalPayment and
/// backgroundPoll. cancelExternalPayment is a courtesy call, so it does not block.
constexpr EventMode default_event_mode(EventKind kind) noexcept {
    switch (kind) {
    case EventKind::scan_code:
    case EventKind::add_session_line:
    case EventKind::update_session_line:
    case EventKind::remove_session_line:
    case EventKind::select_relation:
    case EventKind::start_payment:
    case EventKind::cancel_payment:
    case EventKind::complete_session:
    case EventKind::print_bill:
    case EventKind::custom_action:
    case EventKind::start_external_payment:
    case EventKind::request_cancel_external_payment: return {true, false};
    case EventKind::poll_external_payment:
    case EventKind::background_poll: return {true, true};
    default: return {false, false};
    }
}

MPLUS_WEBHOOKS_END_NAMESPACE
