// The POS simulator: plays the MplusKASSA till against a middleware's handle function or a
// live endpoint, so that integrators can test their webhooks without a till. It conducts the
// conversation; the till's state, the cashier's answers and external payments live in their
// own headers.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/codec.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/reply_rules.hpp>
#include <mplus/webhooks/requests.hpp>
#include <mplus/webhooks/session_rules.hpp>
#include <mplus/webhooks/signature.hpp>
#include <mplus/webhooks/testing/answers.hpp>
#include <mplus/webhooks/testing/conversation.hpp>
#include <mplus/webhooks/testing/describe.hpp>
#include <mplus/webhooks/testing/external_payment.hpp>
#include <mplus/webhooks/testing/till_state.hpp>
#include <mplus/webhooks/testing/transport.hpp>
#include <mplus/webhooks/timestamp.hpp>

#include <nlohmann/json.hpp>

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
    std::int64_t branch_number = 1;              ///< sender.branchNumber
    std::int64_t workplace_number = 1;           ///< sender.workplaceNumber
    std::string product_name = "MplusQ";         ///< sender.productName
    std::optional<std::int64_t> employee_number; ///< sender.employeeNumber
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
    std::string cash_description = "Cash"; ///< the description of that payment
    /// Articles the POS knows (for replies that add lines by reference).
    std::vector<SimulatedArticle> articles;
    /// The POS version the fleet runs (`57.0.0`): replies using something newer are noted in
    /// PosStep::version_notes (and the transcript). Empty: no version gates.
    std::string pos_version;
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
        if (till_.session_open) return refuse("startSession", "a session is already open");
        if (PosStep* busy = refuse_when_busy("startSession")) return *busy;
        till_.open_session(ids_.uuid());
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
        if (till_.locked || till_.locked_for_additions) {
            return refuse("addSessionLine", till_.locked ? "the session is locked"
                                                         : "the session is locked for additions");
        }
        ensure_session();
        if (line.line_id.empty()) line.line_id = ids_.uuid();
        if (!line.quantity) line.quantity = Decimal(1);
        till_.session.lines.push_back(line);
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
        if (till_.locked) return refuse("updateSessionLine", "the session is locked");
        if (till_.locked_for_additions && quantity > line->quantity.value_or(Decimal(1))) {
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
        if (till_.locked) return refuse("removeSessionLine", "the session is locked");
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
        till_.requested_scan.reset();
        ScanCodeRequest r;
        r.scan_code.scanned_code = std::move(code);
        r.scan_code.code_type = std::move(code_type);
        return send_session_event<events::ScanCode>(std::move(r));
    }

    /// The cashier selects a relation (customer); sends selectRelation.
    PosStep& select_relation(Relation relation) {
        if (PosStep* busy = refuse_when_busy("selectRelation")) return *busy;
        ensure_session();
        till_.session.relation = relation;
        SelectRelationRequest r;
        r.select_relation.relation = std::move(relation);
        return send_session_event<events::SelectRelation>(std::move(r));
    }
    /// The cashier deselects the relation; sends selectRelation with `relation: null`.
    PosStep& deselect_relation() {
        if (PosStep* busy = refuse_when_busy("selectRelation")) return *busy;
        ensure_session();
        till_.session.relation.reset();
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
        till_.payment_started = true;
        return send_session_event<events::StartPayment>(SessionRequest{});
    }
    /// The cashier leaves the payment screen; sends cancelPayment.
    PosStep& cancel_payment() {
        if (PosStep* busy = refuse_when_busy("cancelPayment")) return *busy;
        if (!till_.session_open) return refuse("cancelPayment", "no session is open");
        till_.payment_started = false;
        return send_session_event<events::CancelPayment>(SessionRequest{});
    }

    /// A payment the POS handles itself (cash, card): recorded in the session, no event.
    void add_payment(std::string method, std::string description, Decimal amount) {
        Payment p;
        p.method = std::move(method);
        p.description = std::move(description);
        p.amount = amount;
        till_.session.payments.push_back(std::move(p));
    }

    /// Pays what is still open in cash (SimulatorOptions::cash_method), then sends
    /// completeSession with this sale's payments. The receipt footers of the reply are kept as
    /// printed (receipt_footers()); the session is closed afterwards.
    PosStep& complete_session() {
        if (PosStep* busy = refuse_when_busy("completeSession")) return *busy;
        if (!till_.session_open) return refuse("completeSession", "no session is open");
        const Decimal open = open_amount();
        if (open > Decimal()) add_payment(options_.cash_method, options_.cash_description, open);
        CompleteSessionRequest r;
        r.complete_session.payments = till_.session.payments;
        till_.receipt_footers.clear();
        till_.payment_started = true;
        return send(events::CompleteSession::name, EventKind::complete_session, std::move(r), {},
                    [](PosSimulator& pos, PosStep& step) {
                        pos.till_.receipt_footers = step.receipt_footers;
                        pos.close_session();
                    });
    }

    /// The cashier cancels the session; sends cancelSession and closes it.
    PosStep& cancel_session() {
        if (PosStep* busy = refuse_when_busy("cancelSession")) return *busy;
        if (!till_.session_open) return refuse("cancelSession", "no session is open");
        return send(events::CancelSession::name, EventKind::cancel_session, SessionRequest{}, {},
                    [](PosSimulator& pos, PosStep&) { pos.close_session(); });
    }

    /// A bill is printed; sends printBill (its previous payments as `previous_payments`, raw).
    PosStep& print_bill(nlohmann::json previous_payments = nlohmann::json::object()) {
        if (PosStep* busy = refuse_when_busy("printBill")) return *busy;
        ensure_session();
        PrintBillRequest r;
        r.print_bill = std::move(previous_payments);
        till_.bill_footers.clear();
        return send(
            events::PrintBill::name, EventKind::print_bill, std::move(r), {},
            [](PosSimulator& pos, PosStep& step) { pos.till_.bill_footers = step.bill_footers; });
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

    /// `body` completed into a request of `event` as the till would send it: `event` and
    /// `sender` are filled in where absent, and `session` where absent and the event carries
    /// one (the open session, or a new empty one when none is open).
    nlohmann::json complete_request(std::string_view event, nlohmann::json body) {
        const EventKind kind = find_event(event);
        if (!body.is_object()) body = nlohmann::json::object();
        RequestBase base;
        fill_base(base, event, kind);
        const nlohmann::json filled = base;
        for (const char* key : {"event", "sender"}) {
            if (!body.contains(key) && filled.contains(key)) body[key] = filled[key];
        }
        bool carries_session = kind == EventKind::custom_action || is_external_payment_event(kind);
        visit_event(kind, [&carries_session](auto e) {
            using Request = typename decltype(e)::request;
            carries_session = carries_session || std::is_base_of_v<SessionRequest, Request>;
        });
        if (!body.contains("session") && carries_session) {
            if (till_.session_open) {
                body["session"] = session_snapshot();
            } else if (kind != EventKind::custom_action && !is_external_payment_event(kind)) {
                Session fresh;
                fresh.session_id = ids_.uuid();
                body["session"] = fresh;
            }
        }
        return body;
    }

    /// The signed HTTP request the till sends for `event` with `body` (exactly these bytes).
    HttpRequest signed_request(std::string_view event, std::string body) const {
        return make_request(event, std::move(body));
    }

    /// Sends any event with `body` as its JSON, completed by complete_request() unless `raw`.
    /// The reply is verified, checked and applied as for the till's own events. Unless `raw`,
    /// dialogs and forms wait for an answer (the re-send adds `dialog` or `form` to the body)
    /// and polling repeats; a raw send is one request (a recorded conversation holds the
    /// re-sends as requests of their own).
    PosStep& send_event(std::string_view event, nlohmann::json body, bool raw = false) {
        if (PosStep* busy = refuse_when_busy(event)) return *busy;
        const EventKind kind = find_event(event);
        if (!raw) body = complete_request(event, std::move(body));
        // The session a request carries is the till's session at that moment: the till
        // adopts it, so that the reply applies to the lines it names.
        const auto carried = body.is_object() ? body.find("session") : body.end();
        if (carried != body.end() && carried->is_object()) {
            Result<Session> session = try_parse<Session>(
                carried->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
            if (session.ok() && session->session_id != till_.session.session_id) {
                till_.open_session(session->session_id);
            }
            if (session.ok()) {
                till_.session = std::move(*session);
                till_.session_open = true;
            }
        }
        PosStep& step = new_step(event, kind);
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
        out.single = raw;
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
            dialog_selection_for(step.dialogs.back(), answer, problem);
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
            form_submission_for(step.forms.back(), answer, problem);
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
        if (!till_.payment_started && subscribed(events::StartPayment::name)) start_payment();
        till_.payment_started = true;
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
    const Session& session() const noexcept { return till_.session; }
    /// True while a session is open.
    bool session_open() const noexcept { return till_.session_open; }
    /// The line `line_id` of the session, or nullptr.
    const SessionLine* line(std::string_view line_id) const noexcept {
        return till_.session.find_line(line_id);
    }
    /// What the sale costs, discounts applied.
    Decimal total() const { return till_.total(); }
    /// What is still to be paid.
    Decimal open_amount() const { return till_.open_amount(); }
    /// True when a reply locked the session.
    bool locked() const noexcept { return till_.locked; }
    /// True when a reply locked the session for additions.
    bool locked_for_additions() const noexcept { return till_.locked_for_additions; }
    /// True while the POS shows the payment screen (sender.paymentStarted).
    bool payment_started() const noexcept { return till_.payment_started; }
    /// Every message shown so far, in order.
    const std::vector<Message>& messages() const noexcept { return till_.messages; }
    /// The footers printed on the receipt of the last completed session.
    const std::vector<FooterEntry>& receipt_footers() const noexcept {
        return till_.receipt_footers;
    }
    /// The footers printed on the last bill.
    const std::vector<FooterEntry>& bill_footers() const noexcept { return till_.bill_footers; }
    /// The VAT method a reply switched the session to.
    const std::optional<VatMethod>& vat_method() const noexcept { return till_.vat_method; }
    /// The middleware version a reply announced.
    const std::optional<std::string>& middleware_version() const noexcept {
        return till_.middleware_version;
    }
    /// The code on the customer display (displayBarcode; hideBarcode clears it).
    const std::optional<DisplayBarcode>& customer_barcode() const noexcept { return till_.barcode; }
    /// The last URL a reply asked to open.
    const std::optional<OpenUrl>& opened_url() const noexcept { return till_.open_url; }
    /// A reply's request to have a code scanned, until the next scan.
    const std::optional<RequestScanCode>& requested_scan() const noexcept {
        return till_.requested_scan;
    }
    /// Custom action captions changed by replies, by custom action id.
    const std::map<std::string, std::string>& custom_action_captions() const noexcept {
        return till_.custom_action_captions;
    }
    /// Custom actions replies asked the POS to run, in order.
    const std::vector<std::string>& requested_custom_actions() const noexcept {
        return till_.requested_custom_actions;
    }
    /// External cards replies reported, in order.
    const std::vector<ExternalCardScan>& external_card_scans() const noexcept {
        return till_.external_card_scans;
    }
    /// Table prepayments replies registered, in order.
    const std::vector<PrepayTable>& table_prepayments() const noexcept {
        return till_.table_prepayments;
    }
    /// Every error request the POS sent, in order.
    const std::vector<ErrorInfo>& error_requests() const noexcept { return till_.error_requests; }
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

    /// Every way `reply` breaks the till's session rules given the current session and locks
    /// (see mplus::webhooks::check_session_rules); check_reply() covers the stateless rules.
    std::vector<Error> check_session_rules(const Reply& reply) const {
        return mplus::webhooks::check_session_rules(
            reply, till_.session, till_.rule_settings(options_.allow_delete_any_line));
    }

    /// The till's state: session, locks, and what replies made it show and remember.
    const TillState& till() const noexcept { return till_; }

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
        bool single = false; // one request: no dialog, form or polling round follows
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
        if (!till_.session_open) start_session();
    }
    void close_session() { till_.close_session(); }
    SessionLine* find_line(std::string_view id) { return till_.find_line(id); }
    void erase_line(std::string_view id) { till_.erase_line(id); }

    Session session_snapshot() const {
        Session s = till_.session;
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
        r.sender.payment_started = till_.payment_started;
        r.sender.instance_id = instance_id_;
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
        if (!till_.session_open) return refuse(Event::name, "no session is open");
        return send_session_event<Event>(SessionRequest{});
    }

    PosStep& send_payment_event(std::string_view event, EventKind kind, DoneFn done) {
        ExternalPaymentRequest r;
        if (till_.session_open) r.session = session_snapshot();
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
            if (till_.session_open) r.session = session_snapshot();
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
        till_.error_requests.push_back(info);
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
            if (out.single) {
                step.status = PosStepStatus::ok;
                return finish(step, out);
            }
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
                if (answer) sel = dialog_selection_for(*reply.dialog, *answer, problem);
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
                if (answer) sub = form_submission_for(*reply.form, *answer, problem);
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
        // The session rules apply to the session the request carried (the till's own, or the
        // one a `send` step wrote); without one, to the till's current session.
        SessionRuleSettings settings = till_.rule_settings(options_.allow_delete_any_line);
        settings.pos_version = options_.pos_version;
        nlohmann::json request = nlohmann::json::parse(original, nullptr, false);
        if (request.is_discarded() || !request.is_object()) request = nlohmann::json::object();
        if (!request.contains("session")) request["session"] = till_.session;
        if (request.contains("event") && request["event"].is_object()) {
            request["event"]["eventPolling"] = out.mode.polling;
        }
        if (!out.external_payment_id.empty()) {
            request["externalPayment"]["externalPaymentId"] = out.external_payment_id;
        }
        ReplyCheck check = check_reply_against(reply, step.kind, request, settings);
        for (const auto& v : check.too_new) {
            const std::string note =
                "reply uses what the POS version lacks: " + v.to_string(*check.pos_version);
            ex.pos_shows.push_back(note);
            step.version_notes.push_back(note);
        }
        if (!check.errors.empty()) return reply_broken(step, ex, original, check.errors);
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

    // Applies a checked reply: the till's state changes, the step keeps what was shown.
    void apply(PosStep& step, PosExchange& ex, const Reply& reply) {
        TillEffects effects;
        till_.apply(reply, effects, ids_, options_.articles);
        ex.pos_shows.insert(ex.pos_shows.end(), effects.shows.begin(), effects.shows.end());
        step.messages.insert(step.messages.end(), effects.messages.begin(), effects.messages.end());
        if (is_external_payment_event(step.kind)) {
            payment_.messages.insert(payment_.messages.end(), effects.messages.begin(),
                                     effects.messages.end());
        }
        step.receipt_footers.insert(step.receipt_footers.end(), effects.receipt_footers.begin(),
                                    effects.receipt_footers.end());
        step.bill_footers.insert(step.bill_footers.end(), effects.bill_footers.begin(),
                                 effects.bill_footers.end());
        if (reply.scan_code) step.scan = reply.scan_code;
        if (reply.external_payment) step.external_payment = reply.external_payment;
        if (reply.dialog) step.dialogs.push_back(*reply.dialog);
        if (reply.form) step.forms.push_back(*reply.form);
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
    IdGenerator ids_;
    std::optional<Secret> secret_;
    std::string instance_id_;
    std::int64_t event_counter_ = 1;
    std::int64_t now_millis_ = 0;
    int offset_minutes_ = 0;

    TillState till_;
    ExternalPaymentState payment_;

    std::deque<DialogAnswer> dialog_answers_;
    std::deque<FormAnswer> form_answers_;
    std::function<std::optional<DialogAnswer>(const Dialog&)> dialog_callback_;
    std::function<std::optional<FormAnswer>(const Form&)> form_callback_;
    std::optional<Pending> pending_;

    std::deque<PosStep> steps_;
};

MPLUS_WEBHOOKS_END_NAMESPACE
