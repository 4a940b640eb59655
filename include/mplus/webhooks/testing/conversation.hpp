// The conversation between the simulated till and a middleware, as records: each request and
// its reply (PosExchange), and each cashier action with everything it caused (PosStep).
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/replies.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// One request the POS sent and what came back.
struct PosExchange {
    /// Why the request was sent.
    enum class Kind {
        event,         ///< the event itself
        dialog_answer, ///< the event re-sent with the dialog selection
        form_answer,   ///< the event re-sent with the form values
        poll_repeat,   ///< the event re-sent because polling was not finished
        error_request, ///< the POS's error request about the previous reply
    };
    Kind kind = Kind::event;              ///< what this exchange was
    std::string event;                    ///< the event name (last URL segment)
    HttpRequest request;                  ///< exactly what was sent
    std::optional<HttpResponse> response; ///< empty when the transport threw
    std::string transport_error;          ///< what the transport threw
    std::optional<Reply> reply;           ///< the reply as read; empty when unreadable
    bool applied = false;                 ///< the POS acted on the reply
    std::vector<std::string> pos_shows;   ///< what the POS showed, printed or did because of it
};

/// How a step ended.
enum class PosStepStatus {
    ok,                ///< the middleware answered and the POS applied every reply
    dialog_open,       ///< a dialog waits for the cashier (PosSimulator::choose)
    form_open,         ///< a form waits for the cashier (PosSimulator::fill_form)
    not_subscribed,    ///< the event is not subscribed: the POS acted without calling
    refused,           ///< the POS did not allow the action (lock, open dialog, 30 s rule...)
    rejected,          ///< the middleware answered with an error
    reply_error,       ///< a reply broke a rule; the POS sent its error request
    signature_failure, ///< a reply's signature was missing or wrong; error request sent
    transport_failure, ///< no reply: the transport threw or the HTTP status was unexpected
    poll_limit,        ///< polling did not finish within SimulatorOptions::max_polls
};

/// A readable name of a PosStepStatus value, for messages and transcripts.
constexpr std::string_view to_string(PosStepStatus s) noexcept {
    switch (s) {
    case PosStepStatus::ok: return "ok";
    case PosStepStatus::dialog_open: return "dialog open";
    case PosStepStatus::form_open: return "form open";
    case PosStepStatus::not_subscribed: return "not subscribed";
    case PosStepStatus::refused: return "refused by the POS";
    case PosStepStatus::rejected: return "rejected by the middleware";
    case PosStepStatus::reply_error: return "reply broke a rule";
    case PosStepStatus::signature_failure: return "reply signature failed";
    case PosStepStatus::transport_failure: return "transport failure";
    case PosStepStatus::poll_limit: return "polling limit reached";
    }
    return "?";
}

/// One action at the till and everything it caused: the requests sent (re-sends, polling
/// repeats and error requests included), the replies, and what the POS showed.
struct PosStep {
    std::string event;                                    ///< the event name
    EventKind kind = EventKind::unknown;                  ///< the event of the step
    PosStepStatus status = PosStepStatus::ok;             ///< how the step ended
    std::string line_id;                                  ///< line events: the line concerned
    std::vector<PosExchange> exchanges;                   ///< in order
    std::vector<Dialog> dialogs;                          ///< every dialog shown, in order
    std::vector<Form> forms;                              ///< every form shown, in order
    std::vector<Message> messages;                        ///< messages shown (every source)
    std::vector<FooterEntry> receipt_footers;             ///< printed on the receipt
    std::vector<FooterEntry> bill_footers;                ///< printed on the bill
    std::optional<ScanCodeReply> scan;                    ///< the scanCode reply
    std::optional<ExternalPaymentReply> external_payment; ///< the last externalPayment reply
    std::vector<Error> reply_errors;           ///< rules replies broke (first of each was sent)
    std::optional<ErrorInfo> middleware_error; ///< the middleware's error answer
    std::vector<std::string> failures;         ///< what did not go as the POS expects
    std::vector<std::string> version_notes;    ///< reply features newer than the POS version

    /// True when nothing went wrong (an open dialog or form is not wrong).
    bool ok() const noexcept { return failures.empty(); }
    /// The dialog waiting for the cashier, or nullptr.
    const Dialog* dialog() const noexcept {
        return status == PosStepStatus::dialog_open && !dialogs.empty() ? &dialogs.back() : nullptr;
    }
    /// The form waiting for the cashier, or nullptr.
    const Form* form() const noexcept {
        return status == PosStepStatus::form_open && !forms.empty() ? &forms.back() : nullptr;
    }
    /// The last reply the POS applied, or nullptr.
    const Reply* reply() const noexcept {
        for (auto it = exchanges.rbegin(); it != exchanges.rend(); ++it) {
            if (it->applied && it->reply) return &*it->reply;
        }
        return nullptr;
    }
    /// The number of requests sent in this step.
    std::size_t requests() const noexcept { return exchanges.size(); }
};

MPLUS_WEBHOOKS_END_NAMESPACE
