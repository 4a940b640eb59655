// The seams between the demo middleware and its flows: session flows and payment flows.
// SPDX-License-Identifier: MIT
#pragma once

#include "store.hpp"

#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace mplus_demo {

namespace mw = mplus::webhooks;

/// What every flow gets from the middleware: where to keep state and what time it is.
struct FlowEnv {
    Store& store;
    /// Milliseconds since the Unix epoch (fixed with --now, simulated in tests).
    std::function<std::int64_t()> now_millis;
    /// The till's UTC offset in minutes, for the times flows show (slots, receipts).
    int utc_offset_minutes = 0;
};

/// A flow that follows the session: it sees the session events and adds to the reply. Each
/// on_* that returns bool says whether the flow claimed the event (the others then skip it).
/// Handlers run on the dispatcher's threads: they keep state in the store only.
class SessionFlow {
public:
    virtual ~SessionFlow() = default;
    /// The flow's name (`ticketing`, `loyalty`).
    virtual std::string_view name() const = 0;
    /// A line was added (also the re-send after a dialog).
    virtual bool on_add_session_line(const mw::AddSessionLineRequest&, mw::Reply&) { return false; }
    /// A line was removed.
    virtual void on_remove_session_line(const mw::RemoveSessionLineRequest&, mw::Reply&) {}
    /// A code was scanned (also the re-send after a dialog).
    virtual bool on_scan_code(const mw::ScanCodeRequest&, mw::Reply&) { return false; }
    /// A relation was selected or deselected.
    virtual void on_select_relation(const mw::SelectRelationRequest&, mw::Reply&) {}
    /// The sale was paid.
    virtual void on_complete_session(const mw::CompleteSessionRequest&, mw::Reply&) {}
    /// The sale was cancelled.
    virtual void on_cancel_session(const mw::SessionRequest&, mw::Reply&) {}
    /// Releases what sales that never ended hold past their time; returns how many holds.
    virtual std::size_t expire() { return 0; }
};

/// An external payment flow, chosen by the payment's `method` (`CASH_MACHINE`, `RESERVATION`).
class PaymentFlow {
public:
    virtual ~PaymentFlow() = default;
    /// The payment method this flow serves.
    virtual std::string_view method() const = 0;
    /// One of the four external-payment events; answer through `responder`, at once or later
    /// (pollExternalPayment is a long poll).
    virtual void on_event(mw::EventKind event, const mw::ExternalPaymentRequest& request,
                          mw::Responder responder) = 0;
    /// Ends payments that tills left open past their time; returns how many.
    virtual std::size_t expire() { return 0; }
};

} // namespace mplus_demo
