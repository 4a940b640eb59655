// The POS simulator: plays the MplusKASSA till against a middleware's handle function, so that
// integrators can test their webhooks without a till (and the CLI can drive a live endpoint).
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/codec.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/detail/simulator_support.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/reply_rules.hpp>
#include <mplus/webhooks/requests.hpp>
#include <mplus/webhooks/signature.hpp>
#include <mplus/webhooks/timestamp.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

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

/// An article the simulated POS knows: gives the price and text of a line a reply adds by
/// article number or barcode without them.
struct SimulatedArticle {
    std::int64_t article_number = 0;
    std::string text;
    Decimal price_incl;
    std::optional<std::string> barcode;
};

/// How a PosSimulator behaves. Every member has a usable default except `secret`.
struct SimulatorOptions {
    /// The subscription's secret as the back office shows it (base64 unless key_form says so).
    std::string secret;
    /// How the secret becomes the HMAC key; the protocol's form is the default.
    KeyForm key_form = KeyForm::base64_decoded;
    /// Sent as X-Mplus-Subscription-Id.
    std::string subscription_id = "mplus-webhooks-simulator";
    /// Path every event name is appended to: `<base_path>/<eventName>`.
    std::string base_path = "/webhooks";
    std::int64_t branch_number = 1;
    std::int64_t workplace_number = 1;
    std::string product_name = "MplusQ";
    std::optional<std::int64_t> employee_number;
    /// sender.instanceId; empty: a UUID drawn at construction, stable for the simulator's life.
    std::string instance_id;
    /// Seed of the generated ids (instance, sessions, lines, payments); 0: a random seed, so
    /// runs against a live, persistent middleware never reuse ids. Tests set it for stable ids.
    std::uint64_t seed = 0;
    /// The simulated clock's first reading (protocol timestamp text, its offset is kept); empty:
    /// the real current time in UTC. The clock moves only through PosSimulator::advance().
    std::string clock_start;
    /// event.eventCounter of the first event.
    std::int64_t first_event_counter = 1;
    /// Most requests of one polling loop, and most pollExternalPayment calls of one payment.
    std::size_t max_polls = 100;
    /// Most dialogs and forms answered in a row within one step.
    std::size_t max_dialog_rounds = 10;
    /// Blocking/polling per event name, overriding default_event_mode().
    std::map<std::string, EventMode, std::less<>> event_modes;
    /// The events the subscription includes; empty: every event. The POS acts on the others
    /// without calling the middleware.
    std::vector<std::string> subscribed_events;
    /// The back-office setting "Webhooks mogen alle regels verwijderen": when false, a reply
    /// may delete only lines that replies added (else LINE_CHANGE_NOT_ALLOWED).
    bool allow_delete_any_line = true;
    /// Send session.totalInclAmount and session.openAmount, as newer POS versions do.
    bool send_totals = true;
    /// The payment complete_session() adds for the open amount.
    std::string cash_method = "CASH";
    std::string cash_description = "Cash";
    /// Articles the POS knows (for replies that add lines by reference).
    std::vector<SimulatedArticle> articles;
};

/// The cashier's answer to a dialog: option ids, or option texts (matched exactly, else by a
/// unique substring of the option name). Empty: the dialog is closed without a choice.
struct DialogAnswer {
    std::vector<std::int64_t> option_ids;
    std::vector<std::string> option_texts;

    /// Chooses the option with id `id`.
    static DialogAnswer id(std::int64_t option_id) {
        DialogAnswer a;
        a.option_ids.push_back(option_id);
        return a;
    }
    /// Chooses the option named `text` (or the only one whose name contains it).
    static DialogAnswer text(std::string option_text) {
        DialogAnswer a;
        a.option_texts.push_back(std::move(option_text));
        return a;
    }
    /// Closes the dialog without a choice (not possible for a required dialog).
    static DialogAnswer none() { return DialogAnswer{}; }
};

/// The cashier's answer to a form: field values (fields not named keep their default value),
/// or cancel.
struct FormAnswer {
    std::vector<FormFieldValue> fields;
    bool cancel = false;

    /// Sets the text of field `id`.
    FormAnswer& set(std::string field_id, std::string value) {
        FormFieldValue f;
        f.id = std::move(field_id);
        f.value = std::move(value);
        fields.push_back(std::move(f));
        return *this;
    }
    /// Selects options of the select field `id`; its value becomes the first option id.
    FormAnswer& select(std::string field_id, std::vector<std::string> option_ids) {
        FormFieldValue f;
        f.id = std::move(field_id);
        if (!option_ids.empty()) f.value = option_ids.front();
        f.selected = std::move(option_ids);
        fields.push_back(std::move(f));
        return *this;
    }
    /// Cancels the form.
    static FormAnswer cancelled() {
        FormAnswer a;
        a.cancel = true;
        return a;
    }
};

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
    Kind kind = Kind::event;
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
    std::string event; ///< the event name
    EventKind kind = EventKind::unknown;
    PosStepStatus status = PosStepStatus::ok;
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

/// Where an external payment stands.
enum class ExternalPaymentStatus {
    none,            ///< no external payment
    awaiting_dialog, ///< startExternalPayment answered with a dialog that is still open
    started,         ///< started; polls go on
    confirmed,       ///< paid (added to the session's payments)
    cancelled,       ///< cancelled by the middleware
    abandoned,       ///< forcibly cancelled by the cashier (cancelExternalPayment)
    failed,          ///< not started (no `started:true`, error, or no answer)
};

/// One external payment as the POS tracks it.
struct ExternalPaymentState {
    std::string external_payment_id;
    std::string method;
    Decimal amount;
    ExternalPaymentStatus status = ExternalPaymentStatus::none;
    bool cancel_requested = false;       ///< requestCancelExternalPayment was sent
    std::size_t polls = 0;               ///< pollExternalPayment calls so far
    std::int64_t last_answer_millis = 0; ///< simulated time of the last answer
    std::optional<Decimal> final_amount;
    std::optional<std::string> external_transaction_reference;
    std::vector<ReceiptText> receipt_texts;
    std::optional<std::string> card_type;
    std::optional<std::string> terminal_id;
    std::vector<Message> messages;     ///< status messages shown during the payment
    std::vector<std::size_t> steps;    ///< indices into PosSimulator::steps()
    std::vector<std::string> problems; ///< what did not go as the POS expects

    /// True when the payment was confirmed.
    bool confirmed() const noexcept { return status == ExternalPaymentStatus::confirmed; }
    /// True when the payment reached a final state.
    bool finished() const noexcept {
        return status == ExternalPaymentStatus::confirmed ||
               status == ExternalPaymentStatus::cancelled ||
               status == ExternalPaymentStatus::abandoned ||
               status == ExternalPaymentStatus::failed;
    }
};

/// A simulated MplusKASSA till. It builds the requests a POS sends (event, sender, session),
/// signs them, delivers them through a PosTransport, verifies and checks every reply, applies
/// it to its session model as the POS does, and keeps every step for assertions and for
/// render_transcript().
///
/// Not thread-safe. Step references returned by the actions stay valid for the simulator's
/// life (steps live in a deque and are never erased).
class PosSimulator {
public:
    /// A simulator that talks to `transport`; throws std::invalid_argument when the secret
    /// cannot be read in the options' key form.
    PosSimulator(PosTransport transport, SimulatorOptions options)
        : transport_(std::move(transport)), options_(std::move(options)),
          ids_(options_.seed != 0 ? options_.seed : random_seed()) {
        std::optional<Secret> secret = Secret::from_text(options_.secret, options_.key_form);
        if (!secret) {
            throw std::invalid_argument(
                "mplus::webhooks::PosSimulator: the secret is empty or not base64");
        }
        secret_ = std::move(*secret);
        instance_id_ = options_.instance_id.empty() ? ids_.uuid() : options_.instance_id;
        event_counter_ = options_.first_event_counter;
        if (options_.clock_start.empty()) {
            now_millis_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
        } else if (std::optional<Timestamp> t = parse_timestamp(options_.clock_start)) {
            now_millis_ = t->unix_millis;
            offset_minutes_ = t->offset_minutes.value_or(0);
        } else {
            throw std::invalid_argument(
                "mplus::webhooks::PosSimulator: clock_start is not a protocol timestamp");
        }
    }
    /// A simulator with default options and `secret`.
    PosSimulator(PosTransport transport, std::string_view secret)
        : PosSimulator(std::move(transport), options_with_secret(secret)) {}

    // ---- the session ------------------------------------------------------------------------

    /// Opens a new session (new sessionId, no lines) and sends startSession. Refused while a
    /// session is open.
    PosStep& start_session() {
        if (session_open_) return refuse("startSession", "a session is already open");
        if (PosStep* busy = refuse_when_busy("startSession")) return *busy;
        session_ = Session{};
        session_.session_id = ids_.uuid();
        session_open_ = true;
        locked_ = false;
        locked_for_additions_ = false;
        from_replies_.clear();
        return send_session_event<events::StartSession>(SessionRequest{});
    }

    /// The cashier adds a line (a session is started first when none is open); sends
    /// addSessionLine. Refused while the session is locked (or locked for additions).
    PosStep& add_line(std::int64_t article_number, std::string text, Decimal price_incl,
                      Decimal quantity = Decimal(1)) {
        SessionLine line;
        line.article_number = article_number;
        line.text = std::move(text);
        line.price_incl = price_incl;
        line.quantity = quantity;
        return add_line(std::move(line));
    }
    /// The cashier adds `line` as given (a lineId is generated when empty).
    PosStep& add_line(SessionLine line) {
        if (PosStep* busy = refuse_when_busy("addSessionLine")) return *busy;
        if (locked_ || locked_for_additions_) {
            return refuse("addSessionLine", locked_ ? "the session is locked"
                                                    : "the session is locked for additions");
        }
        ensure_session();
        if (line.line_id.empty()) line.line_id = ids_.uuid();
        if (!line.quantity) line.quantity = Decimal(1);
        session_.lines.push_back(line);
        AddSessionLineRequest r;
        r.add_session_line.line = line;
        PosStep& step = send_session_event<events::AddSessionLine>(std::move(r), line.line_id);
        return step;
    }

    /// The cashier changes the quantity of line `line_id`; sends updateSessionLine.
    PosStep& update_line(std::string_view line_id, Decimal quantity) {
        if (PosStep* busy = refuse_when_busy("updateSessionLine")) return *busy;
        SessionLine* line = find_line(line_id);
        if (line == nullptr) return refuse("updateSessionLine", "no line " + std::string(line_id));
        if (locked_) return refuse("updateSessionLine", "the session is locked");
        if (locked_for_additions_ && quantity > line->quantity.value_or(Decimal(1))) {
            return refuse("updateSessionLine", "the session is locked for additions");
        }
        line->quantity = quantity;
        UpdateSessionLineRequest r;
        r.update_session_line.line = *line;
        return send_session_event<events::UpdateSessionLine>(std::move(r), line->line_id);
    }

    /// The cashier removes line `line_id`; sends removeSessionLine.
    PosStep& remove_line(std::string_view line_id) {
        if (PosStep* busy = refuse_when_busy("removeSessionLine")) return *busy;
        SessionLine* line = find_line(line_id);
        if (line == nullptr) return refuse("removeSessionLine", "no line " + std::string(line_id));
        if (locked_) return refuse("removeSessionLine", "the session is locked");
        RemoveSessionLineRequest r;
        r.remove_session_line.line = *line;
        const std::string id = line->line_id;
        erase_line(id);
        return send_session_event<events::RemoveSessionLine>(std::move(r), id);
    }

    /// A code is scanned that the POS does not know; sends scanCode.
    PosStep& scan(std::string code, CodeType code_type = CodeType(CodeType::barcode)) {
        if (PosStep* busy = refuse_when_busy("scanCode")) return *busy;
        ensure_session();
        requested_scan_.reset();
        ScanCodeRequest r;
        r.scan_code.scanned_code = std::move(code);
        r.scan_code.code_type = std::move(code_type);
        return send_session_event<events::ScanCode>(std::move(r));
    }

    /// The cashier selects a relation (customer); sends selectRelation.
    PosStep& select_relation(Relation relation) {
        if (PosStep* busy = refuse_when_busy("selectRelation")) return *busy;
        ensure_session();
        session_.relation = relation;
        SelectRelationRequest r;
        r.select_relation.relation = std::move(relation);
        return send_session_event<events::SelectRelation>(std::move(r));
    }
    /// The cashier deselects the relation; sends selectRelation with `relation: null`.
    PosStep& deselect_relation() {
        if (PosStep* busy = refuse_when_busy("selectRelation")) return *busy;
        ensure_session();
        session_.relation.reset();
        return send_session_event<events::SelectRelation>(SelectRelationRequest{});
    }

    /// The cashier parks the session; sends pauseSession.
    PosStep& pause_session() { return simple_session_event<events::PauseSession>(); }
    /// The cashier resumes the session; sends resumeSession.
    PosStep& resume_session() { return simple_session_event<events::ResumeSession>(); }

    /// The cashier opens the payment screen; sends startPayment.
    PosStep& start_payment() {
        if (PosStep* busy = refuse_when_busy("startPayment")) return *busy;
        ensure_session();
        payment_started_ = true;
        return send_session_event<events::StartPayment>(SessionRequest{});
    }
    /// The cashier leaves the payment screen; sends cancelPayment.
    PosStep& cancel_payment() {
        if (PosStep* busy = refuse_when_busy("cancelPayment")) return *busy;
        if (!session_open_) return refuse("cancelPayment", "no session is open");
        payment_started_ = false;
        return send_session_event<events::CancelPayment>(SessionRequest{});
    }

    /// A payment the POS handles itself (cash, card): recorded in the session, no event.
    void add_payment(std::string method, std::string description, Decimal amount) {
        Payment p;
        p.method = std::move(method);
        p.description = std::move(description);
        p.amount = amount;
        session_.payments.push_back(std::move(p));
    }

    /// Pays what is still open in cash (SimulatorOptions::cash_method), then sends
    /// completeSession with this sale's payments. The receipt footers of the reply are kept as
    /// printed (receipt_footers()); the session is closed afterwards.
    PosStep& complete_session() {
        if (PosStep* busy = refuse_when_busy("completeSession")) return *busy;
        if (!session_open_) return refuse("completeSession", "no session is open");
        const Decimal open = open_amount();
        if (open > Decimal()) add_payment(options_.cash_method, options_.cash_description, open);
        CompleteSessionRequest r;
        r.complete_session.payments = session_.payments;
        receipt_footers_.clear();
        payment_started_ = true;
        return send(events::CompleteSession::name, EventKind::complete_session, std::move(r), {},
                    [](PosSimulator& pos, PosStep& step) {
                        pos.receipt_footers_ = step.receipt_footers;
                        pos.close_session();
                    });
    }

    /// The cashier cancels the session; sends cancelSession and closes it.
    PosStep& cancel_session() {
        if (PosStep* busy = refuse_when_busy("cancelSession")) return *busy;
        if (!session_open_) return refuse("cancelSession", "no session is open");
        return send(events::CancelSession::name, EventKind::cancel_session, SessionRequest{}, {},
                    [](PosSimulator& pos, PosStep&) { pos.close_session(); });
    }

    /// A bill is printed; sends printBill (its previous payments as `previous_payments`, raw).
    PosStep& print_bill(nlohmann::json previous_payments = nlohmann::json::object()) {
        if (PosStep* busy = refuse_when_busy("printBill")) return *busy;
        ensure_session();
        PrintBillRequest r;
        r.print_bill = std::move(previous_payments);
        bill_footers_.clear();
        return send(
            events::PrintBill::name, EventKind::print_bill, std::move(r), {},
            [](PosSimulator& pos, PosStep& step) { pos.bill_footers_ = step.bill_footers; });
    }

    /// A custom action button is pressed; sends customAction (with the session when open).
    PosStep& custom_action(std::string custom_action_id, std::string button_caption,
                           std::optional<Decimal> numpad_value = std::nullopt,
                           std::optional<bool> long_click = std::nullopt) {
        if (PosStep* busy = refuse_when_busy("customAction")) return *busy;
        CustomActionRequest r;
        r.custom_action.custom_action_id = std::move(custom_action_id);
        r.custom_action.button_caption = std::move(button_caption);
        r.custom_action.numpad_value = numpad_value;
        r.custom_action.long_click = long_click;
        return send(events::CustomAction::name, EventKind::custom_action, std::move(r));
    }

    /// One backgroundPoll (no session), repeated while the middleware says not finished.
    PosStep& background_poll() {
        if (PosStep* busy = refuse_when_busy("backgroundPoll")) return *busy;
        return send(events::BackgroundPoll::name, EventKind::background_poll,
                    BackgroundPollRequest{});
    }

    /// Sends any event with `body` as its JSON. Unless `raw`, `event`, `sender` and (while a
    /// session is open) `session` are filled in where the body lacks them. The reply is
    /// verified, checked and applied as for the till's own events; dialogs and forms re-send
    /// the body with `dialog` or `form` added.
    PosStep& send_event(std::string_view event, nlohmann::json body, bool raw = false) {
        if (PosStep* busy = refuse_when_busy(event)) return *busy;
        const EventKind kind = find_event(event);
        PosStep& step = new_step(event, kind);
        if (!body.is_object()) body = nlohmann::json::object();
        if (!raw) {
            RequestBase base;
            fill_base(base, event, kind);
            const nlohmann::json filled = base;
            for (const char* key : {"event", "sender"}) {
                if (!body.contains(key) && filled.contains(key)) body[key] = filled[key];
            }
            if (!body.contains("session") && session_open_) body["session"] = session_snapshot();
        }
        if (!subscribed(event)) {
            step.status = PosStepStatus::not_subscribed;
            return step;
        }
        Outgoing out;
        const auto payment = body.find("externalPayment");
        if (payment != body.end() && payment->is_object()) {
            const auto id = payment->find("externalPaymentId");
            if (id != payment->end() && id->is_string()) {
                out.external_payment_id = id->get<std::string>();
            }
        }
        out.body = [b = std::move(body)](const std::optional<DialogSelection>& d,
                                         const std::optional<FormSubmission>& f) {
            if (!d && !f) return b.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            nlohmann::json copy = b;
            if (d) copy["dialog"] = *d;
            if (f) copy["form"] = *f;
            return copy.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        };
        out.mode = mode_of(event, kind);
        drive(step, std::move(out));
        return step;
    }

    // ---- dialogs and forms ------------------------------------------------------------------

    /// Answers the open dialog with the option named `option_text` (exactly, else the only
    /// option containing it) and re-sends the event; returns the step that showed the dialog.
    PosStep& choose(std::string_view option_text) {
        return answer_dialog(DialogAnswer::text(std::string(option_text)));
    }
    /// Answers the open dialog with option `option_id` and re-sends the event.
    PosStep& choose(std::int64_t option_id) { return answer_dialog(DialogAnswer::id(option_id)); }
    /// Answers the open dialog and re-sends the event with `dialog.selectedDialogOptionIds`.
    PosStep& answer_dialog(const DialogAnswer& answer) {
        if (!pending_ || steps_[pending_->step].status != PosStepStatus::dialog_open) {
            return refuse("dialog", "no dialog is open");
        }
        PosStep& step = steps_[pending_->step];
        std::string problem;
        std::optional<DialogSelection> selection =
            selection_for(step.dialogs.back(), answer, problem);
        if (!selection) {
            step.failures.push_back("dialog answer not possible: " + problem);
            return step;
        }
        Outgoing out = std::move(*pending_->out);
        pending_.reset();
        out.dialog = std::move(selection);
        out.next_kind = PosExchange::Kind::dialog_answer;
        step.status = PosStepStatus::ok;
        drive(step, std::move(out));
        return step;
    }
    /// Closes the open dialog without a choice (empty selection); refused for a required one.
    PosStep& dismiss_dialog() { return answer_dialog(DialogAnswer::none()); }

    /// Submits the open form with `answer` (or cancels it) and re-sends the event with `form`.
    PosStep& fill_form(const FormAnswer& answer) {
        if (!pending_ || steps_[pending_->step].status != PosStepStatus::form_open) {
            return refuse("form", "no form is open");
        }
        PosStep& step = steps_[pending_->step];
        std::string problem;
        std::optional<FormSubmission> submission =
            submission_for(step.forms.back(), answer, problem);
        if (!submission) {
            step.failures.push_back("form answer not possible: " + problem);
            return step;
        }
        Outgoing out = std::move(*pending_->out);
        pending_.reset();
        out.form = std::move(submission);
        out.next_kind = PosExchange::Kind::form_answer;
        step.status = PosStepStatus::ok;
        drive(step, std::move(out));
        return step;
    }
    /// Cancels the open form (re-sends the event with `form.cancelled: true`).
    PosStep& cancel_form() { return fill_form(FormAnswer::cancelled()); }

    /// Queues the answer to the next dialog shown; queued answers are used before the callback.
    void queue_dialog_answer(DialogAnswer answer) { dialog_answers_.push_back(std::move(answer)); }
    /// Queues the answer to the next form shown.
    void queue_form_answer(FormAnswer answer) { form_answers_.push_back(std::move(answer)); }
    /// Answers dialogs no queued answer covers; returning nullopt leaves the dialog open.
    void on_dialog(std::function<std::optional<DialogAnswer>(const Dialog&)> callback) {
        dialog_callback_ = std::move(callback);
    }
    /// Answers forms no queued answer covers; returning nullopt leaves the form open.
    void on_form(std::function<std::optional<FormAnswer>(const Form&)> callback) {
        form_callback_ = std::move(callback);
    }

    /// The dialog waiting for the cashier, or nullptr.
    const Dialog* open_dialog() const noexcept {
        return pending_ ? steps_[pending_->step].dialog() : nullptr;
    }
    /// The form waiting for the cashier, or nullptr.
    const Form* open_form() const noexcept {
        return pending_ ? steps_[pending_->step].form() : nullptr;
    }
    /// The index in steps() of the step whose dialog or form waits for the cashier.
    std::optional<std::size_t> waiting_step() const noexcept {
        if (!pending_) return std::nullopt;
        return pending_->step;
    }

    // ---- external payments ------------------------------------------------------------------

    /// Runs a whole external payment: startExternalPayment (a dialog is answered from the
    /// queue or callback; unanswered, it stays open and the payment waits), then
    /// pollExternalPayment until confirmed or cancelled. `amount` defaults to the open amount.
    ExternalPaymentState pay_external(std::string method,
                                      std::optional<Decimal> amount = std::nullopt) {
        start_external_payment(std::move(method), amount);
        if (payment_.status == ExternalPaymentStatus::started) await_external_payment();
        return payment_;
    }

    /// Sends startExternalPayment (startPayment first when the payment screen is not open).
    /// Expects `externalPayment.started:true`, or a dialog first.
    PosStep& start_external_payment(std::string method,
                                    std::optional<Decimal> amount = std::nullopt) {
        if (PosStep* busy = refuse_when_busy("startExternalPayment")) return *busy;
        if (payment_.status == ExternalPaymentStatus::started ||
            payment_.status == ExternalPaymentStatus::awaiting_dialog) {
            return refuse("startExternalPayment", "an external payment is running");
        }
        ensure_session();
        if (!payment_started_ && subscribed(events::StartPayment::name)) start_payment();
        payment_started_ = true;
        payment_ = ExternalPaymentState{};
        payment_.external_payment_id = ids_.uuid();
        payment_.method = std::move(method);
        payment_.amount = amount ? *amount : open_amount();
        payment_.status = ExternalPaymentStatus::awaiting_dialog;
        payment_.last_answer_millis = now_millis_;
        PosStep& step = send_payment_event(
            events::StartExternalPayment::name, EventKind::start_external_payment,
            [](PosSimulator& pos, PosStep& s) { pos.after_start(s); });
        return step;
    }

    /// One pollExternalPayment (repeated at once while `polling.finished` is false).
    PosStep& poll_external_payment() {
        if (payment_.status != ExternalPaymentStatus::started) {
            return refuse("pollExternalPayment", "no external payment is running");
        }
        ++payment_.polls;
        return send_payment_event(events::PollExternalPayment::name,
                                  EventKind::poll_external_payment,
                                  [](PosSimulator& pos, PosStep& s) { pos.after_poll(s); });
    }

    /// Polls until the running payment is confirmed or cancelled, a poll fails, or
    /// max_polls polls were made (a problem; the cashier may then force a cancel).
    ExternalPaymentState await_external_payment() {
        while (payment_.status == ExternalPaymentStatus::started) {
            if (payment_.polls >= options_.max_polls) {
                payment_.problems.push_back("no final answer after " +
                                            std::to_string(payment_.polls) +
                                            " pollExternalPayment calls");
                break;
            }
            PosStep& step = poll_external_payment();
            if (!step.ok() && payment_.status == ExternalPaymentStatus::started) break;
        }
        return payment_;
    }

    /// The cashier asks to cancel; sends requestCancelExternalPayment. A reply with
    /// `cancelled:true` ends the payment; otherwise polls go on (await_external_payment).
    PosStep& request_cancel_external_payment() {
        if (payment_.status != ExternalPaymentStatus::started) {
            return refuse("requestCancelExternalPayment", "no external payment is running");
        }
        payment_.cancel_requested = true;
        return send_payment_event(events::RequestCancelExternalPayment::name,
                                  EventKind::request_cancel_external_payment,
                                  [](PosSimulator& pos, PosStep& s) { pos.after_poll(s); });
    }

    /// The cashier gives up waiting; sends cancelExternalPayment. The POS allows this only
    /// after 30 s of simulated time without an answer (advance()); earlier it is refused and
    /// nothing is sent. The payment is abandoned whatever the reply says.
    PosStep& cancel_external_payment() {
        if (payment_.status != ExternalPaymentStatus::started) {
            return refuse("cancelExternalPayment", "no external payment is running");
        }
        const std::int64_t waited = now_millis_ - payment_.last_answer_millis;
        if (waited < forced_cancel_after_millis) {
            return refuse("cancelExternalPayment",
                          "a forced cancel is allowed after 30 s without an answer; " +
                              std::to_string(waited / 1000) + " s have passed");
        }
        payment_.status = ExternalPaymentStatus::abandoned;
        return send_payment_event(events::CancelExternalPayment::name,
                                  EventKind::cancel_external_payment, {});
    }

    /// The current (or last) external payment.
    const ExternalPaymentState& external_payment() const noexcept { return payment_; }

    // ---- the clock --------------------------------------------------------------------------

    /// Moves the simulated clock forward (never sleeps).
    void advance(std::chrono::milliseconds by) noexcept { now_millis_ += by.count(); }
    /// The simulated time, in milliseconds since 1970 UTC.
    std::int64_t now_millis() const noexcept { return now_millis_; }
    /// The simulated time as the protocol writes it.
    std::string now_text() const { return format_timestamp(now_millis_, offset_minutes_); }

    // ---- what the POS holds and shows -------------------------------------------------------

    /// The session model (also after it was closed, until the next one starts).
    const Session& session() const noexcept { return session_; }
    /// True while a session is open.
    bool session_open() const noexcept { return session_open_; }
    /// The line `line_id` of the session, or nullptr.
    const SessionLine* line(std::string_view line_id) const noexcept {
        return session_.find_line(line_id);
    }
    /// What the sale costs, discounts applied.
    Decimal total() const {
        Decimal sum;
        for (const auto& l : session_.lines) sum += detail::line_total(l);
        return sum;
    }
    /// What is still to be paid.
    Decimal open_amount() const {
        Decimal open = total();
        for (const auto& p : session_.payments) open -= p.amount;
        return open;
    }
    /// True when a reply locked the session.
    bool locked() const noexcept { return locked_; }
    /// True when a reply locked the session for additions.
    bool locked_for_additions() const noexcept { return locked_for_additions_; }
    /// True while the POS shows the payment screen (sender.paymentStarted).
    bool payment_started() const noexcept { return payment_started_; }
    /// Every message shown so far, in order.
    const std::vector<Message>& messages() const noexcept { return messages_; }
    /// The footers printed on the receipt of the last completed session.
    const std::vector<FooterEntry>& receipt_footers() const noexcept { return receipt_footers_; }
    /// The footers printed on the last bill.
    const std::vector<FooterEntry>& bill_footers() const noexcept { return bill_footers_; }
    /// The VAT method a reply switched the session to.
    const std::optional<VatMethod>& vat_method() const noexcept { return vat_method_; }
    /// The middleware version a reply announced.
    const std::optional<std::string>& middleware_version() const noexcept { return version_; }
    /// The code on the customer display (displayBarcode; hideBarcode clears it).
    const std::optional<DisplayBarcode>& customer_barcode() const noexcept { return barcode_; }
    /// The last URL a reply asked to open.
    const std::optional<OpenUrl>& opened_url() const noexcept { return open_url_; }
    /// A reply's request to have a code scanned, until the next scan.
    const std::optional<RequestScanCode>& requested_scan() const noexcept {
        return requested_scan_;
    }
    /// Custom action captions changed by replies, by custom action id.
    const std::map<std::string, std::string>& custom_action_captions() const noexcept {
        return captions_;
    }
    /// Custom actions replies asked the POS to run, in order.
    const std::vector<std::string>& requested_custom_actions() const noexcept {
        return requested_actions_;
    }
    /// External cards replies reported, in order.
    const std::vector<ExternalCardScan>& external_card_scans() const noexcept { return cards_; }
    /// Table prepayments replies registered, in order.
    const std::vector<PrepayTable>& table_prepayments() const noexcept { return prepayments_; }
    /// Every error request the POS sent, in order.
    const std::vector<ErrorInfo>& error_requests() const noexcept { return error_requests_; }
    /// Every step so far, in order.
    const std::deque<PosStep>& steps() const noexcept { return steps_; }
    /// The last step; the simulator must have made one.
    const PosStep& last_step() const { return steps_.back(); }
    /// sender.instanceId of this simulator.
    const std::string& instance_id() const noexcept { return instance_id_; }
    /// The options in use.
    const SimulatorOptions& options() const noexcept { return options_; }
    /// Defines an article for replies that add lines by reference.
    void define_article(SimulatedArticle article) {
        options_.articles.push_back(std::move(article));
    }

    /// Every way `reply` breaks the POS's session rules (INVALID_LINE_ID, LINE_ID_ALREADY_EXISTS,
    /// LINE_ADDITION_NOT_ALLOWED, LINE_ALREADY_HAS_DISCOUNT, LINE_CHANGE_NOT_ALLOWED) given the
    /// current session; check_reply() covers the stateless rules.
    std::vector<Error> check_session_rules(const Reply& reply) const {
        std::vector<Error> errors;
        std::set<std::string> ids;
        for (const auto& l : session_.lines) ids.insert(l.line_id);
        for (std::size_t i = 0; i < reply.line_changes.size(); ++i) {
            const LineChange& c = reply.line_changes[i];
            const std::string path = "/lineChanges/" + std::to_string(i) + "/lineId";
            const SessionLine* l = session_.find_line(c.line_id);
            if (l == nullptr) {
                errors.push_back({errc::invalid_line_id, path, "no line " + c.line_id});
                continue;
            }
            if (c.external_discount &&
                (detail::has_manual_discount(*l) ||
                 (l->external_discount &&
                  l->external_discount->discount_id != c.external_discount->discount_id))) {
                errors.push_back({errc::line_already_has_discount, path,
                                  "line " + c.line_id + " already has a discount"});
            }
        }
        for (std::size_t i = 0; i < reply.line_deletions.size(); ++i) {
            const std::string& id = reply.line_deletions[i].line_id;
            const std::string path = "/lineDeletions/" + std::to_string(i) + "/lineId";
            if (ids.erase(id) == 0) {
                errors.push_back({errc::invalid_line_id, path, "no line " + id});
            } else if (!options_.allow_delete_any_line && from_replies_.count(id) == 0) {
                errors.push_back({errc::line_change_not_allowed, path,
                                  "line " + id + " was not added by a webhook reply"});
            }
        }
        const bool additions_locked = locked_ || locked_for_additions_;
        for (std::size_t i = 0; i < reply.line_additions.size(); ++i) {
            const LineAddition& a = reply.line_additions[i];
            const std::string path = "/lineAdditions/" + std::to_string(i);
            if (additions_locked) {
                errors.push_back(
                    {errc::line_addition_not_allowed, path, "the session is locked for additions"});
            }
            if (a.line_id && !ids.insert(*a.line_id).second) {
                errors.push_back({errc::line_id_already_exists, path + "/lineId",
                                  "line " + *a.line_id + " already exists"});
            }
        }
        return errors;
    }

    /// Simulated time without an answer after which the cashier may force a cancel.
    static constexpr std::int64_t forced_cancel_after_millis = 30000;

private:
    using BodyFn = std::function<std::string(const std::optional<DialogSelection>&,
                                             const std::optional<FormSubmission>&)>;
    using DoneFn = std::function<void(PosSimulator&, PosStep&)>;

    // One request the step sends, re-sends and repeats.
    struct Outgoing {
        BodyFn body;
        std::optional<DialogSelection> dialog;
        std::optional<FormSubmission> form;
        EventMode mode;
        std::string external_payment_id;
        std::size_t rounds = 0;
        PosExchange::Kind next_kind = PosExchange::Kind::event;
        DoneFn done;
    };
    struct Pending {
        std::size_t step = 0;
        std::optional<Outgoing> out;
    };

    static SimulatorOptions options_with_secret(std::string_view secret) {
        SimulatorOptions o;
        o.secret = std::string(secret);
        return o;
    }
    static std::uint64_t random_seed() {
        std::random_device rd;
        return (std::uint64_t{rd()} << 32) ^ std::uint64_t{rd()} ^
               static_cast<std::uint64_t>(
                   std::chrono::steady_clock::now().time_since_epoch().count());
    }

    bool subscribed(std::string_view event) const {
        if (options_.subscribed_events.empty()) return true;
        for (const auto& e : options_.subscribed_events) {
            if (e == event) return true;
        }
        return false;
    }
    EventMode mode_of(std::string_view event, EventKind kind) const {
        auto it = options_.event_modes.find(event);
        return it != options_.event_modes.end() ? it->second : default_event_mode(kind);
    }

    PosStep& new_step(std::string_view event, EventKind kind) {
        steps_.emplace_back();
        PosStep& step = steps_.back();
        step.event = std::string(event);
        step.kind = kind;
        return step;
    }
    PosStep& refuse(std::string_view event, std::string why) {
        PosStep& step = new_step(event, find_event(event));
        step.status = PosStepStatus::refused;
        step.failures.push_back("POS refused " + std::string(event) + ": " + why);
        return step;
    }
    // While a dialog or form is open the POS is modal: the cashier can do nothing else.
    PosStep* refuse_when_busy(std::string_view event) {
        if (!pending_) return nullptr;
        return &refuse(event, "a dialog or form is open");
    }
    void ensure_session() {
        if (!session_open_) start_session();
    }
    void close_session() {
        session_open_ = false;
        payment_started_ = false;
        locked_ = false;
        locked_for_additions_ = false;
    }
    SessionLine* find_line(std::string_view id) {
        for (auto& l : session_.lines) {
            if (l.line_id == id) return &l;
        }
        return nullptr;
    }
    void erase_line(std::string_view id) {
        for (auto it = session_.lines.begin(); it != session_.lines.end(); ++it) {
            if (it->line_id == id) {
                session_.lines.erase(it);
                return;
            }
        }
    }

    Session session_snapshot() const {
        Session s = session_;
        if (options_.send_totals) {
            s.total_incl_amount = total();
            s.open_amount = open_amount();
        }
        return s;
    }

    template <class Request>
    void fill_base(Request& r, std::string_view event, EventKind kind) {
        const EventMode mode = mode_of(event, kind);
        r.event.event_blocking = mode.blocking;
        r.event.event_polling = mode.polling;
        r.event.event_counter = event_counter_++;
        r.event.event_timestamp = now_text();
        r.sender.branch_number = options_.branch_number;
        r.sender.workplace_number = options_.workplace_number;
        r.sender.instance_id = instance_id_;
        r.sender.payment_started = payment_started_;
        r.sender.product_name = options_.product_name;
        r.sender.employee_number = options_.employee_number;
    }

    template <class Event, class Request>
    PosStep& send_session_event(Request r, std::string line_id = {}) {
        PosStep& step = send(Event::name, Event::kind, std::move(r));
        step.line_id = std::move(line_id);
        return step;
    }
    template <class Event>
    PosStep& simple_session_event() {
        if (PosStep* busy = refuse_when_busy(Event::name)) return *busy;
        if (!session_open_) return refuse(Event::name, "no session is open");
        return send_session_event<Event>(SessionRequest{});
    }

    PosStep& send_payment_event(std::string_view event, EventKind kind, DoneFn done) {
        ExternalPaymentRequest r;
        if (session_open_) r.session = session_snapshot();
        r.external_payment.external_payment_id = payment_.external_payment_id;
        r.external_payment.amount = payment_.amount;
        r.external_payment.method = payment_.method;
        payment_.steps.push_back(steps_.size());
        return send(event, kind, std::move(r), payment_.external_payment_id, std::move(done));
    }

    // Builds the request's event and sender (and session), then sends it in a new step.
    template <class Request>
    PosStep& send(std::string_view event, EventKind kind, Request r,
                  std::string external_payment_id = {}, DoneFn done = {}) {
        PosStep& step = new_step(event, kind);
        fill_base(r, event, kind);
        if constexpr (std::is_base_of_v<SessionRequest, Request>) {
            r.session = session_snapshot();
        } else if constexpr (std::is_same_v<Request, CustomActionRequest>) {
            if (session_open_) r.session = session_snapshot();
        }
        if (!subscribed(event)) {
            step.status = PosStepStatus::not_subscribed;
            if (done) done(*this, step);
            return step;
        }
        Outgoing out;
        out.body = [req = std::move(r)](const std::optional<DialogSelection>& d,
                                        const std::optional<FormSubmission>& f) mutable {
            req.dialog = d;
            req.form = f;
            return serialize(req);
        };
        out.mode = mode_of(event, kind);
        out.external_payment_id = std::move(external_payment_id);
        out.done = std::move(done);
        drive(step, std::move(out));
        return step;
    }

    HttpRequest make_request(std::string_view event, std::string body) const {
        HttpRequest req;
        req.method = "POST";
        req.path = options_.base_path + "/" + std::string(event);
        req.headers.push_back({"Content-Type", "application/json"});
        req.headers.push_back({"Accept", "application/json"});
        req.headers.push_back({"X-Mplus-Subscription-Id", options_.subscription_id});
        req.headers.push_back({"X-Mplus-Signature", secret_->sign(body)});
        req.body = std::move(body);
        return req;
    }

    // Delivers one request; false (and the step marked) when nothing usable came back.
    bool deliver(PosStep& step, PosExchange& ex) {
        try {
            ex.response = transport_(ex.request);
        } catch (const std::exception& e) {
            ex.transport_error = e.what();
        } catch (...) {
            ex.transport_error = "unknown exception";
        }
        if (!ex.response) {
            step.status = PosStepStatus::transport_failure;
            step.failures.push_back(step.event + ": no reply: " + ex.transport_error);
            return false;
        }
        return true;
    }

    // The reply's signature problem, or nullopt when it verifies.
    std::optional<Error> signature_problem(const HttpResponse& response) const {
        const std::string_view sig = response.header("X-Mplus-Signature");
        if (sig.empty()) {
            return Error{errc::no_signature, std::string(), "the reply has no X-Mplus-Signature"};
        }
        if (secret_->verify(response.body, sig)) return std::nullopt;
        std::string message = "the reply's X-Mplus-Signature does not match its body";
        if (secret_->other_form_matches(response.body, sig)) {
            message += options_.key_form == KeyForm::base64_decoded
                           ? " (it matches the secret's text used as the key: the middleware "
                             "does not base64-decode the secret)"
                           : " (it matches the base64-decoded secret used as the key)";
        }
        return Error{errc::invalid_signature, std::string(), std::move(message)};
    }

    // Sends the POS's error request about the reply to `original`, to the same URL.
    void send_error_request(PosStep& step, const std::string& original, const Error& error) {
        ErrorInfo info;
        info.code = ErrorCode(std::string(error.wire()));
        info.message = error.to_string();
        error_requests_.push_back(info);
        std::string body = "{\"error\":";
        serialize_to(body, info);
        body += ",\"original\":";
        body += original;
        body += '}';
        step.exchanges.emplace_back();
        PosExchange& ex = step.exchanges.back();
        ex.kind = PosExchange::Kind::error_request;
        ex.event = step.event;
        ex.request = make_request(step.event, std::move(body));
        PosStepStatus keep = step.status;
        if (!deliver(step, ex)) return;
        step.status = keep;
        if (ex.response->status == 200 || ex.response->status == 400) {
            if (std::optional<Error> sig = signature_problem(*ex.response)) {
                step.failures.push_back(step.event + " (error request): " + sig->message);
            }
        }
    }

    // Sends the outgoing request until the step ends: dialogs and forms answered from the queue
    // or callback, polling repeated, problems in replies turned into error requests.
    void drive(PosStep& step, Outgoing out) {
        std::size_t polls = 0;
        for (;;) {
            step.exchanges.emplace_back();
            const std::size_t index = step.exchanges.size() - 1;
            {
                PosExchange& ex = step.exchanges[index];
                ex.kind = out.next_kind;
                ex.event = step.event;
                ex.request = make_request(step.event, out.body(out.dialog, out.form));
                ++polls;
                if (!deliver(step, ex)) return finish(step, out);
            }
            if (!receive(step, index, out)) return finish(step, out);
            const Reply& reply = *step.exchanges[index].reply;
            if (reply.dialog) {
                if (++out.rounds > options_.max_dialog_rounds) {
                    step.status = PosStepStatus::poll_limit;
                    step.failures.push_back(step.event + ": more than " +
                                            std::to_string(options_.max_dialog_rounds) +
                                            " dialogs in a row");
                    return finish(step, out);
                }
                std::optional<DialogAnswer> answer = next_dialog_answer(*reply.dialog);
                std::string problem;
                std::optional<DialogSelection> sel;
                if (answer) sel = selection_for(*reply.dialog, *answer, problem);
                if (answer && !sel)
                    step.failures.push_back("dialog answer not possible: " + problem);
                if (!sel) {
                    step.status = PosStepStatus::dialog_open;
                    pending_ = Pending{steps_index(step), std::move(out)};
                    return;
                }
                out.dialog = std::move(sel);
                out.next_kind = PosExchange::Kind::dialog_answer;
                polls = 0;
                continue;
            }
            if (reply.form) {
                if (++out.rounds > options_.max_dialog_rounds) {
                    step.status = PosStepStatus::poll_limit;
                    step.failures.push_back(step.event + ": more than " +
                                            std::to_string(options_.max_dialog_rounds) +
                                            " forms in a row");
                    return finish(step, out);
                }
                std::optional<FormAnswer> answer = next_form_answer(*reply.form);
                std::string problem;
                std::optional<FormSubmission> sub;
                if (answer) sub = submission_for(*reply.form, *answer, problem);
                if (answer && !sub) step.failures.push_back("form answer not possible: " + problem);
                if (!sub) {
                    step.status = PosStepStatus::form_open;
                    pending_ = Pending{steps_index(step), std::move(out)};
                    return;
                }
                out.form = std::move(sub);
                out.next_kind = PosExchange::Kind::form_answer;
                polls = 0;
                continue;
            }
            if (out.mode.polling && reply.polling && !reply.polling->finished) {
                if (polls >= options_.max_polls) {
                    step.status = PosStepStatus::poll_limit;
                    step.failures.push_back(step.event + ": polling not finished after " +
                                            std::to_string(polls) + " requests");
                    return finish(step, out);
                }
                out.next_kind = PosExchange::Kind::poll_repeat;
                continue;
            }
            step.status = PosStepStatus::ok;
            return finish(step, out);
        }
    }

    void finish(PosStep& step, Outgoing& out) {
        if (out.done) {
            DoneFn done = std::move(out.done);
            done(*this, step);
        }
    }

    std::size_t steps_index(const PosStep& step) const {
        for (std::size_t i = steps_.size(); i-- > 0;) {
            if (&steps_[i] == &step) return i;
        }
        return steps_.size() - 1;
    }

    // Reads, verifies and checks the reply of exchange `index`; applies it when it is good.
    // False when the step ends here.
    bool receive(PosStep& step, std::size_t index, const Outgoing& out) {
        PosExchange& ex = step.exchanges[index];
        const HttpResponse& response = *ex.response;
        const std::string original = ex.request.body;
        if (response.status != 200 && response.status != 400) {
            step.status = PosStepStatus::transport_failure;
            step.failures.push_back(step.event + ": unexpected HTTP status " +
                                    std::to_string(response.status));
            return false;
        }
        if (std::optional<Error> sig = signature_problem(response)) {
            ex.pos_shows.push_back("POS rejects the reply: " + sig->message);
            step.reply_errors.push_back(*sig);
            step.failures.push_back(step.event + ": " + sig->message);
            step.status = PosStepStatus::signature_failure;
            if (response.status == 200) send_error_request(step, original, *sig);
            step.status = PosStepStatus::signature_failure;
            return false;
        }
        const std::string_view body =
            response.body.empty() ? std::string_view("{}") : std::string_view(response.body);
        Result<Reply> parsed = try_parse<Reply>(body);
        if (response.status == 400) {
            step.status = PosStepStatus::rejected;
            if (parsed.ok() && parsed->error) {
                ex.reply = *parsed;
                step.middleware_error = parsed->error;
                ex.pos_shows.push_back("POS shows error: " + parsed->error->code.str() + " " +
                                       parsed->error->message);
                step.failures.push_back(step.event + ": the middleware answered HTTP 400 " +
                                        parsed->error->code.str() + ": " + parsed->error->message);
            } else {
                step.failures.push_back(step.event +
                                        ": the middleware answered HTTP 400 without an error");
            }
            return false;
        }
        const std::string_view content_type = response.header("Content-Type");
        if (content_type.substr(0, 16) != "application/json") {
            const Error e{content_type.empty() ? errc::no_content_type : errc::invalid_content_type,
                          std::string(),
                          content_type.empty()
                              ? std::string("the reply has no Content-Type")
                              : "the reply's Content-Type is " + std::string(content_type)};
            return reply_broken(step, ex, original, {e});
        }
        if (!parsed.ok()) return reply_broken(step, ex, original, parsed.errors());
        ex.reply = std::move(*parsed);
        const Reply& reply = *ex.reply;
        if (reply.error) {
            step.status = PosStepStatus::rejected;
            step.middleware_error = reply.error;
            ex.pos_shows.push_back("POS shows error: " + reply.error->code.str() + " " +
                                   reply.error->message);
            step.failures.push_back(step.event + ": the middleware answered error " +
                                    reply.error->code.str() + ": " + reply.error->message);
            return false;
        }
        ReplyContext context;
        context.event = step.kind;
        context.external_payment_id = out.external_payment_id;
        context.polling = out.mode.polling;
        std::vector<Error> errors = check_reply(reply, context);
        std::vector<Error> state = check_session_rules(reply);
        errors.insert(errors.end(), state.begin(), state.end());
        if (!errors.empty()) return reply_broken(step, ex, original, errors);
        apply(step, ex, reply);
        ex.applied = true;
        return true;
    }

    bool reply_broken(PosStep& step, PosExchange& ex, const std::string& original,
                      const std::vector<Error>& errors) {
        for (const auto& e : errors) {
            ex.pos_shows.push_back("POS rejects the reply: " + std::string(e.wire()) + " " +
                                   e.to_string());
            step.failures.push_back(step.event + ": reply breaks a rule: " + std::string(e.wire()) +
                                    " " + e.to_string());
            step.reply_errors.push_back(e);
        }
        step.status = PosStepStatus::reply_error;
        send_error_request(step, original, errors.front());
        step.status = PosStepStatus::reply_error;
        return false;
    }

    void show(PosStep& step, PosExchange& ex, const MessageText& m, std::string_view where,
              const std::optional<std::string>& color = std::nullopt) {
        if (!m.message && !m.customer_message) return;
        Message shown;
        static_cast<MessageText&>(shown) = m;
        shown.background_color = color;
        messages_.push_back(shown);
        step.messages.push_back(shown);
        if (is_external_payment_event(step.kind)) payment_.messages.push_back(shown);
        detail::describe_message(m, where, ex.pos_shows);
    }

    // Applies a checked reply to the model, as the POS does.
    void apply(PosStep& step, PosExchange& ex, const Reply& reply) {
        for (const auto& c : reply.line_changes) {
            SessionLine* l = find_line(c.line_id);
            l->external_discount = c.external_discount;
            std::string text = "POS changes line " + detail::quote_text(l->text);
            if (c.external_discount) {
                const ExternalDiscount& d = *c.external_discount;
                text += ": discount " + detail::quote_text(d.discount_description.value_or(""));
                if (d.discount_percentage) text += " " + d.discount_percentage->to_string() + "%";
                if (d.discount_amount) text += " -" + d.discount_amount->to_string();
            } else {
                text += ": discount removed";
            }
            ex.pos_shows.push_back(text);
        }
        for (const auto& d : reply.line_deletions) {
            const SessionLine* l = session_.find_line(d.line_id);
            ex.pos_shows.push_back("POS deletes line " +
                                   detail::quote_text(l ? l->text : d.line_id));
            erase_line(d.line_id);
            from_replies_.erase(d.line_id);
        }
        for (const auto& a : reply.line_additions) {
            SessionLine l;
            l.line_id = a.line_id ? *a.line_id : ids_.uuid();
            l.article_number = a.article_number;
            l.supplier_article_number = a.supplier_article_number;
            l.plu_number = a.plu_number;
            l.ext_article_id = a.ext_article_id;
            const SimulatedArticle* article = find_article(a);
            if (article != nullptr && !l.article_number) l.article_number = article->article_number;
            l.price_incl =
                a.price_incl ? *a.price_incl : (article ? article->price_incl : Decimal());
            l.quantity = a.quantity.value_or(Decimal(1));
            l.text =
                a.text
                    ? *a.text
                    : (article ? article->text
                               : (a.article_number ? "Article " + std::to_string(*a.article_number)
                                                   : std::string()));
            l.external_discount = a.external_discount;
            from_replies_.insert(l.line_id);
            ex.pos_shows.push_back("POS adds line " + detail::quote_text(l.text) + " " +
                                   l.quantity->to_string() + " x " + l.price_incl->to_string());
            session_.lines.push_back(std::move(l));
        }
        if (reply.lock_session) {
            locked_ = *reply.lock_session;
            ex.pos_shows.push_back(locked_ ? "POS locks the session" : "POS unlocks the session");
        }
        if (reply.lock_session_for_additions) {
            locked_for_additions_ = *reply.lock_session_for_additions;
            ex.pos_shows.push_back(locked_for_additions_ ? "POS locks the session for additions"
                                                         : "POS unlocks the session for additions");
        }
        if (reply.scan_code) {
            step.scan = reply.scan_code;
            const ScanCodeReply& s = *reply.scan_code;
            ex.pos_shows.push_back(s.recognized ? "POS: code recognized"
                                                : "POS: code not recognized");
            if (s.relation_number && session_open_) {
                if (!session_.relation ||
                    session_.relation->relation_number != *s.relation_number) {
                    Relation r;
                    r.relation_number = *s.relation_number;
                    session_.relation = r;
                }
                ex.pos_shows.push_back("POS selects relation " +
                                       std::to_string(*s.relation_number));
            }
            MessageText m;
            m.message = s.message;
            m.customer_message = s.customer_message;
            show(step, ex, m, "message");
        }
        for (const auto& m : reply.message) show(step, ex, m, "message", m.background_color);
        if (reply.receipt_footer) {
            for (const auto& e : reply.receipt_footer->entries) {
                step.receipt_footers.push_back(e);
                ex.pos_shows.push_back("POS prints receipt footer: " + detail::describe_footer(e));
            }
        }
        if (reply.bill_footer) {
            for (const auto& e : reply.bill_footer->entries) {
                step.bill_footers.push_back(e);
                ex.pos_shows.push_back("POS prints bill footer: " + detail::describe_footer(e));
            }
        }
        if (reply.request_scan_code) {
            requested_scan_ = reply.request_scan_code;
            ex.pos_shows.push_back("POS asks to scan a code: " +
                                   detail::quote_text(reply.request_scan_code->request_title));
        }
        if (reply.display_barcode) {
            barcode_ = reply.display_barcode;
            ex.pos_shows.push_back("customer display shows code [" +
                                   reply.display_barcode->code_type.str() + " " +
                                   reply.display_barcode->code + "]");
        }
        if (reply.hide_barcode.value_or(false)) {
            barcode_.reset();
            ex.pos_shows.push_back("customer display hides the code");
        }
        if (reply.open_url) {
            open_url_ = reply.open_url;
            ex.pos_shows.push_back("POS opens " + reply.open_url->url);
        }
        if (reply.custom_action_change) {
            captions_[reply.custom_action_change->custom_action_id] =
                reply.custom_action_change->button_caption;
            ex.pos_shows.push_back("POS renames button " +
                                   reply.custom_action_change->custom_action_id + " to " +
                                   detail::quote_text(reply.custom_action_change->button_caption));
        }
        if (reply.vat_method_change) {
            vat_method_ = reply.vat_method_change;
            ex.pos_shows.push_back("POS switches the VAT method to " +
                                   reply.vat_method_change->str());
        }
        if (reply.external_card_scan) {
            cards_.push_back(*reply.external_card_scan);
            ex.pos_shows.push_back(
                "POS shows card " +
                detail::quote_text(reply.external_card_scan->card_identifier.value_or("")));
        }
        if (reply.prepay_table) {
            prepayments_.push_back(*reply.prepay_table);
            ex.pos_shows.push_back("POS registers a prepayment on table " +
                                   std::to_string(reply.prepay_table->table.number.value_or(0)));
        }
        if (reply.request_custom_action) {
            requested_actions_.push_back(reply.request_custom_action->custom_action_id);
            ex.pos_shows.push_back("POS runs custom action " +
                                   reply.request_custom_action->custom_action_id);
        }
        if (reply.version) {
            version_ = reply.version;
            ex.pos_shows.push_back("middleware version " + *reply.version);
        }
        if (reply.external_payment) {
            step.external_payment = reply.external_payment;
            const ExternalPaymentReply& e = *reply.external_payment;
            if (e.started.value_or(false)) ex.pos_shows.push_back("POS: external payment started");
            if (e.confirmed.value_or(false)) {
                std::string text = "POS: external payment confirmed";
                if (e.final_amount) text += ", amount " + e.final_amount->to_string();
                if (e.external_transaction_reference) {
                    text += ", reference " + detail::quote_text(*e.external_transaction_reference);
                }
                ex.pos_shows.push_back(text);
                for (const auto& t : e.receipt_texts) {
                    ex.pos_shows.push_back("POS prints payment receipt text: " +
                                           detail::quote_text(t.text));
                }
            }
            if (e.cancelled.value_or(false)) {
                ex.pos_shows.push_back("POS: external payment cancelled");
            }
            show(step, ex, e, "payment message");
        }
        if (reply.polling) show(step, ex, *reply.polling, "polling message");
        if (reply.dialog) {
            step.dialogs.push_back(*reply.dialog);
            detail::describe_dialog(*reply.dialog, ex.pos_shows);
        }
        if (reply.form) {
            step.forms.push_back(*reply.form);
            detail::describe_form(*reply.form, ex.pos_shows);
        }
    }

    const SimulatedArticle* find_article(const LineAddition& a) const noexcept {
        for (const auto& art : options_.articles) {
            if ((a.article_number && art.article_number == *a.article_number) ||
                (a.barcode && art.barcode && *art.barcode == *a.barcode)) {
                return &art;
            }
        }
        return nullptr;
    }

    std::optional<DialogAnswer> next_dialog_answer(const Dialog& d) {
        if (!dialog_answers_.empty()) {
            DialogAnswer a = std::move(dialog_answers_.front());
            dialog_answers_.pop_front();
            return a;
        }
        if (dialog_callback_) return dialog_callback_(d);
        return std::nullopt;
    }
    std::optional<FormAnswer> next_form_answer(const Form& f) {
        if (!form_answers_.empty()) {
            FormAnswer a = std::move(form_answers_.front());
            form_answers_.pop_front();
            return a;
        }
        if (form_callback_) return form_callback_(f);
        return std::nullopt;
    }

    // The selection the POS sends for `answer`, or nullopt (and why) when the cashier could
    // not make that choice.
    static std::optional<DialogSelection> selection_for(const Dialog& d, const DialogAnswer& a,
                                                        std::string& problem) {
        DialogSelection sel;
        for (std::int64_t id : a.option_ids) {
            const DialogOption* o = detail::find_option_by_id(d, id);
            if (o == nullptr) {
                problem = "no option " + std::to_string(id);
                return std::nullopt;
            }
            if (o->disabled.value_or(false)) {
                problem = "option " + std::to_string(id) + " is disabled";
                return std::nullopt;
            }
            sel.selected_dialog_option_ids.push_back(id);
        }
        for (const auto& text : a.option_texts) {
            const DialogOption* o = detail::find_option_by_text(d, text);
            if (o == nullptr) {
                problem = "no single option named " + detail::quote_text(text);
                return std::nullopt;
            }
            if (o->disabled.value_or(false)) {
                problem = "option " + detail::quote_text(o->option_name) + " is disabled";
                return std::nullopt;
            }
            sel.selected_dialog_option_ids.push_back(o->option_id);
        }
        if (sel.selected_dialog_option_ids.empty() && d.required) {
            problem = "the dialog requires a choice";
            return std::nullopt;
        }
        if (sel.selected_dialog_option_ids.size() > 1 && !d.allow_multiple_options) {
            problem = "the dialog allows one choice";
            return std::nullopt;
        }
        return sel;
    }

    static std::optional<FormSubmission> submission_for(const Form& form, const FormAnswer& a,
                                                        std::string& problem) {
        FormSubmission sub;
        sub.id = form.id;
        sub.cancelled = a.cancel;
        for (const auto& given : a.fields) {
            bool known = false;
            for (const auto& f : form.fields) known = known || f.id == given.id;
            if (!known) {
                problem = "no field " + detail::quote_text(given.id);
                return std::nullopt;
            }
        }
        for (const auto& f : form.fields) {
            if (f.type.str() == "label") continue;
            FormFieldValue v;
            v.id = f.id;
            v.value = f.value.value_or(std::string());
            for (const auto& o : f.options) {
                if (o.selected.value_or(false)) v.selected.push_back(o.id);
            }
            for (const auto& given : a.fields) {
                if (given.id != f.id) continue;
                if (given.value) v.value = given.value;
                if (!given.selected.empty()) v.selected = given.selected;
            }
            if (!a.cancel && f.required && v.value->empty() && v.selected.empty()) {
                problem = "field " + detail::quote_text(f.id) + " is required";
                return std::nullopt;
            }
            sub.fields.push_back(std::move(v));
        }
        return sub;
    }

    // The external-payment bookkeeping after each external-payment step.
    void after_start(PosStep& step) {
        payment_.last_answer_millis = now_millis_;
        if (step.status == PosStepStatus::dialog_open || step.status == PosStepStatus::form_open) {
            payment_.status = ExternalPaymentStatus::awaiting_dialog;
            return;
        }
        if (step.status == PosStepStatus::not_subscribed) {
            payment_.status = ExternalPaymentStatus::failed;
            payment_.problems.push_back("startExternalPayment is not subscribed");
            return;
        }
        if (!step.ok()) {
            payment_.status = ExternalPaymentStatus::failed;
            for (const auto& f : step.failures) payment_.problems.push_back(f);
            return;
        }
        const Reply* reply = step.reply();
        const ExternalPaymentReply* e =
            reply && reply->external_payment ? &*reply->external_payment : nullptr;
        if (e != nullptr && (e->confirmed.value_or(false) || e->cancelled.value_or(false))) {
            payment_.status = ExternalPaymentStatus::started;
            settle(*e);
            return;
        }
        if (e == nullptr || !e->started.value_or(false)) {
            payment_.status = ExternalPaymentStatus::failed;
            payment_.problems.push_back(
                "the reply to startExternalPayment did not say externalPayment.started:true");
            return;
        }
        payment_.status = ExternalPaymentStatus::started;
    }

    void after_poll(PosStep& step) {
        if (!step.ok()) {
            for (const auto& f : step.failures) payment_.problems.push_back(f);
            return;
        }
        payment_.last_answer_millis = now_millis_;
        const Reply* reply = step.reply();
        if (reply && reply->external_payment) settle(*reply->external_payment);
    }

    // A confirmed or cancelled answer ends the payment; confirmed adds it to the session.
    void settle(const ExternalPaymentReply& e) {
        if (payment_.status != ExternalPaymentStatus::started) return;
        if (e.confirmed.value_or(false)) {
            payment_.status = ExternalPaymentStatus::confirmed;
            payment_.final_amount = e.final_amount;
            payment_.external_transaction_reference = e.external_transaction_reference;
            payment_.receipt_texts = e.receipt_texts;
            payment_.card_type = e.card_type;
            payment_.terminal_id = e.terminal_id;
            add_payment(e.method.value_or(payment_.method), payment_.method,
                        e.final_amount.value_or(payment_.amount));
        } else if (e.cancelled.value_or(false)) {
            payment_.status = ExternalPaymentStatus::cancelled;
        }
    }

    PosTransport transport_;
    SimulatorOptions options_;
    detail::UuidGenerator ids_;
    std::optional<Secret> secret_;
    std::string instance_id_;
    std::int64_t event_counter_ = 1;
    std::int64_t now_millis_ = 0;
    int offset_minutes_ = 0;

    Session session_;
    bool session_open_ = false;
    bool locked_ = false;
    bool locked_for_additions_ = false;
    bool payment_started_ = false;
    std::set<std::string> from_replies_; // lines that replies added (for deletion rights)

    std::vector<Message> messages_;
    std::vector<FooterEntry> receipt_footers_;
    std::vector<FooterEntry> bill_footers_;
    std::optional<VatMethod> vat_method_;
    std::optional<std::string> version_;
    std::optional<DisplayBarcode> barcode_;
    std::optional<OpenUrl> open_url_;
    std::optional<RequestScanCode> requested_scan_;
    std::map<std::string, std::string> captions_;
    std::vector<std::string> requested_actions_;
    std::vector<ExternalCardScan> cards_;
    std::vector<PrepayTable> prepayments_;
    std::vector<ErrorInfo> error_requests_;

    ExternalPaymentState payment_;

    std::deque<DialogAnswer> dialog_answers_;
    std::deque<FormAnswer> form_answers_;
    std::function<std::optional<DialogAnswer>(const Dialog&)> dialog_callback_;
    std::function<std::optional<FormAnswer>(const Form&)> form_callback_;
    std::optional<Pending> pending_;

    std::deque<PosStep> steps_;
};

/// The transcript of steps [first, last) of `pos` in the style of the vendor's example flows:
/// `» » » <event> » » »` and the request JSON, `« « « reply « « «` and the reply JSON (both
/// indented with nlohmann's dump(2)), then what the POS showed, printed or did, and what went
/// wrong.
inline std::string render_transcript(const PosSimulator& pos, std::size_t first = 0,
                                     std::size_t last = static_cast<std::size_t>(-1)) {
    std::string out;
    const auto& steps = pos.steps();
    if (last > steps.size()) last = steps.size();
    for (std::size_t i = first; i < last; ++i) {
        const PosStep& step = steps[i];
        if (step.exchanges.empty()) {
            out += "--- " + step.event + " (" + std::string(to_string(step.status)) +
                   ", nothing sent) ---\n";
        }
        for (const auto& ex : step.exchanges) {
            std::string title = ex.event;
            switch (ex.kind) {
            case PosExchange::Kind::event: break;
            case PosExchange::Kind::dialog_answer: title += " (dialog answer)"; break;
            case PosExchange::Kind::form_answer: title += " (form answer)"; break;
            case PosExchange::Kind::poll_repeat: title += " (polling)"; break;
            case PosExchange::Kind::error_request: title += " (error request)"; break;
            }
            out += "\u00bb \u00bb \u00bb " + title + " \u00bb \u00bb \u00bb\n";
            out += detail::pretty_json(ex.request.body) + "\n";
            if (!ex.response) {
                out += "\u00ab \u00ab \u00ab no reply: " + ex.transport_error +
                       " \u00ab \u00ab \u00ab\n";
            } else {
                std::string head = "reply";
                if (ex.response->status != 200) {
                    head += " (HTTP " + std::to_string(ex.response->status) + ")";
                }
                out += "\u00ab \u00ab \u00ab " + head + " \u00ab \u00ab \u00ab\n";
                out += detail::pretty_json(ex.response->body) + "\n";
            }
            for (const auto& line : ex.pos_shows) out += "  " + line + "\n";
        }
        for (const auto& f : step.failures) out += "  !! " + f + "\n";
    }
    return out;
}

MPLUS_WEBHOOKS_END_NAMESPACE
