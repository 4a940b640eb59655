// The POS simulator: plays the MplusKASSA till against a middleware's handle function or a
// live endpoint, so that integrators can test their webhooks without a till. It turns the
// cashier's actions into requests and composes the parts that do the work: the till's state
// and rules (till_state.hpp), the conversation (conversation.hpp), the cashier's answers
// (answers.hpp) and the external payment (external_payment.hpp).
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
#include <functional>
#include <map>
#include <optional>
#include <random>
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
        : options_(std::move(options)),
          conversation_(std::move(transport), secret_of(options_), conversation_settings(options_)),
          ids_(options_.seed != 0 ? options_.seed : random_seed()) {
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
        if (std::optional<std::string> why = till_.refuses_addition()) {
            return refuse("addSessionLine", std::move(*why));
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
        if (std::optional<std::string> why = till_.refuses_update(line_id, quantity)) {
            return refuse("updateSessionLine", std::move(*why));
        }
        SessionLine* line = find_line(line_id);
        line->quantity = quantity;
        UpdateSessionLineRequest r;
        r.update_session_line.line = *line;
        return send_session_event<events::UpdateSessionLine>(std::move(r), line->line_id);
    }

    /// The cashier removes line `line_id`; sends removeSessionLine.
    PosStep& remove_line(std::string_view line_id) {
        if (PosStep* busy = refuse_when_busy("removeSessionLine")) return *busy;
        if (std::optional<std::string> why = till_.refuses_removal(line_id)) {
            return refuse("removeSessionLine", std::move(*why));
        }
        const SessionLine* line = find_line(line_id);
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
        return send(events::CompleteSession::name, EventKind::complete_session, std::move(r),
                    [](PosSimulator& pos, PosStep& step) {
                        pos.till_.receipt_footers = step.receipt_footers;
                        pos.close_session();
                    });
    }

    /// The cashier cancels the session; sends cancelSession and closes it.
    PosStep& cancel_session() {
        if (PosStep* busy = refuse_when_busy("cancelSession")) return *busy;
        if (!till_.session_open) return refuse("cancelSession", "no session is open");
        return send(events::CancelSession::name, EventKind::cancel_session, SessionRequest{},
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
            events::PrintBill::name, EventKind::print_bill, std::move(r),
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
        return conversation_.signed_request(event, std::move(body));
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
        PosStep& step = conversation_.new_step(event, kind);
        if (!subscribed(event)) {
            step.status = PosStepStatus::not_subscribed;
            return step;
        }
        PosRequest out;
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
        return run(step, std::move(out), {});
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
        const std::optional<std::size_t> waiting = conversation_.waiting_step();
        Till till{*this};
        return resumed(waiting, conversation_.answer_dialog(answer, till));
    }
    /// Closes the open dialog without a choice (empty selection); refused for a required one.
    PosStep& dismiss_dialog() { return answer_dialog(DialogAnswer::none()); }

    /// Submits the open form with `answer` (or cancels it) and re-sends the event with `form`.
    PosStep& fill_form(const FormAnswer& answer) {
        const std::optional<std::size_t> waiting = conversation_.waiting_step();
        Till till{*this};
        return resumed(waiting, conversation_.fill_form(answer, till));
    }
    /// Cancels the open form (re-sends the event with `form.cancelled: true`).
    PosStep& cancel_form() { return fill_form(FormAnswer::cancelled()); }

    /// Queues the answer to the next dialog shown; queued answers are used before the callback.
    void queue_dialog_answer(DialogAnswer answer) {
        conversation_.answers().queue_dialog(std::move(answer));
    }
    /// Queues the answer to the next form shown.
    void queue_form_answer(FormAnswer answer) {
        conversation_.answers().queue_form(std::move(answer));
    }
    /// Answers dialogs no queued answer covers; returning nullopt leaves the dialog open.
    void on_dialog(std::function<std::optional<DialogAnswer>(const Dialog&)> callback) {
        conversation_.answers().on_dialog(std::move(callback));
    }
    /// Answers forms no queued answer covers; returning nullopt leaves the form open.
    void on_form(std::function<std::optional<FormAnswer>(const Form&)> callback) {
        conversation_.answers().on_form(std::move(callback));
    }

    /// The dialog waiting for the cashier, or nullptr.
    const Dialog* open_dialog() const noexcept { return conversation_.open_dialog(); }
    /// The form waiting for the cashier, or nullptr.
    const Form* open_form() const noexcept { return conversation_.open_form(); }
    /// The index in steps() of the step whose dialog or form waits for the cashier.
    std::optional<std::size_t> waiting_step() const noexcept {
        return conversation_.waiting_step();
    }

    // ---- external payments ------------------------------------------------------------------

    /// Runs a whole external payment: startExternalPayment (a dialog is answered from the
    /// queue or callback; unanswered, it stays open and the payment waits), then
    /// pollExternalPayment until confirmed or cancelled. `amount` defaults to the open amount.
    ExternalPaymentState pay_external(std::string method,
                                      std::optional<Decimal> amount = std::nullopt) {
        start_external_payment(std::move(method), amount);
        if (payment_.started()) await_external_payment();
        return payment_.state();
    }

    /// Sends startExternalPayment (startPayment first when the payment screen is not open).
    /// Expects `externalPayment.started:true`, or a dialog first.
    PosStep& start_external_payment(std::string method,
                                    std::optional<Decimal> amount = std::nullopt) {
        if (PosStep* busy = refuse_when_busy("startExternalPayment")) return *busy;
        if (payment_.running()) {
            return refuse("startExternalPayment", "an external payment is running");
        }
        ensure_session();
        if (!till_.payment_started && subscribed(events::StartPayment::name)) start_payment();
        till_.payment_started = true;
        payment_.begin(ids_.uuid(), std::move(method), amount ? *amount : open_amount(),
                       now_millis_);
        return send_payment_event(events::StartExternalPayment::name,
                                  EventKind::start_external_payment,
                                  [](PosSimulator& pos, PosStep& s) {
                                      pos.settle(pos.payment_.start_answered(s, pos.now_millis_));
                                  });
    }

    /// One pollExternalPayment (repeated at once while `polling.finished` is false).
    PosStep& poll_external_payment() {
        if (!payment_.started()) {
            return refuse("pollExternalPayment", "no external payment is running");
        }
        payment_.count_poll();
        return send_payment_event(events::PollExternalPayment::name,
                                  EventKind::poll_external_payment, &PosSimulator::answered);
    }

    /// Polls until the running payment is confirmed or cancelled, a poll fails, or
    /// max_polls polls were made (a problem; the cashier may then force a cancel).
    ExternalPaymentState await_external_payment() {
        while (payment_.started() && !payment_.poll_limit_reached(options_.max_polls)) {
            PosStep& step = poll_external_payment();
            if (!step.ok() && payment_.started()) break;
        }
        return payment_.state();
    }

    /// The cashier asks to cancel; sends requestCancelExternalPayment. A reply with
    /// `cancelled:true` ends the payment; otherwise polls go on (await_external_payment).
    PosStep& request_cancel_external_payment() {
        if (!payment_.started()) {
            return refuse("requestCancelExternalPayment", "no external payment is running");
        }
        payment_.cancel_requested();
        return send_payment_event(events::RequestCancelExternalPayment::name,
                                  EventKind::request_cancel_external_payment,
                                  &PosSimulator::answered);
    }

    /// The cashier gives up waiting; sends cancelExternalPayment. The POS allows this only
    /// after 30 s of simulated time without an answer (advance()); earlier it is refused and
    /// nothing is sent. The payment is abandoned whatever the reply says.
    PosStep& cancel_external_payment() {
        if (!payment_.started()) {
            return refuse("cancelExternalPayment", "no external payment is running");
        }
        if (std::optional<std::string> why = payment_.forced_cancel_refusal(now_millis_)) {
            return refuse("cancelExternalPayment", std::move(*why));
        }
        payment_.abandon();
        return send_payment_event(events::CancelExternalPayment::name,
                                  EventKind::cancel_external_payment, {});
    }

    /// The current (or last) external payment.
    const ExternalPaymentState& external_payment() const noexcept { return payment_.state(); }

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
    const std::deque<PosStep>& steps() const noexcept { return conversation_.steps(); }
    /// The last step; the simulator must have made one.
    const PosStep& last_step() const { return conversation_.steps().back(); }
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
    static constexpr std::int64_t forced_cancel_after_millis =
        ExternalPaymentTracker::forced_cancel_after_millis;

private:
    using DoneFn = std::function<void(PosSimulator&, PosStep&)>;

    // The till's side of the conversation: the till's rules and state, and the payment's
    // messages. Made for each call, so that a moved simulator never leaves one dangling.
    class Till final : public TillSide {
    public:
        explicit Till(PosSimulator& pos) noexcept : pos_(pos) {}
        ReplyCheck check(const PosStep& step, const Reply& reply, std::string_view request_body,
                         const EventMode& mode) override {
            SessionRuleSettings settings;
            settings.allow_delete_any_line = pos_.options_.allow_delete_any_line;
            settings.pos_version = pos_.options_.pos_version;
            return pos_.till_.check_reply(reply, step.kind, request_body, mode.polling,
                                          std::move(settings));
        }
        TillEffects apply(const PosStep& step, const Reply& reply) override {
            TillEffects effects;
            pos_.till_.apply(reply, effects, pos_.ids_, pos_.options_.articles);
            if (is_external_payment_event(step.kind)) pos_.payment_.shown(effects.messages);
            return effects;
        }
        void error_request_sent(const PosStep&, const ErrorInfo& error) override {
            pos_.till_.error_requests.push_back(error);
        }

    private:
        PosSimulator& pos_;
    };

    static SimulatorOptions options_with_secret(std::string_view secret) {
        SimulatorOptions o;
        o.secret = std::string(secret);
        return o;
    }
    static Secret secret_of(const SimulatorOptions& options) {
        std::optional<Secret> secret = Secret::from_text(options.secret, options.key_form);
        if (!secret) {
            throw std::invalid_argument(
                "mplus::webhooks::PosSimulator: the secret is empty or not base64");
        }
        return std::move(*secret);
    }
    static ConversationSettings conversation_settings(const SimulatorOptions& options) {
        ConversationSettings c;
        c.key_form = options.key_form;
        c.subscription_id = options.subscription_id;
        c.base_path = options.base_path;
        c.max_polls = options.max_polls;
        c.max_dialog_rounds = options.max_dialog_rounds;
        return c;
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

    PosStep& refuse(std::string_view event, std::string why) {
        return conversation_.refuse(event, std::move(why));
    }
    // While a dialog or form is open the POS is modal: the cashier can do nothing else.
    PosStep* refuse_when_busy(std::string_view event) {
        if (!conversation_.waiting()) return nullptr;
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
        r.external_payment = payment_.details();
        payment_.add_step(conversation_.steps().size());
        return send(event, kind, std::move(r), std::move(done));
    }

    // Builds the request's event and sender (and session), then sends it in a new step.
    template <class Request>
    PosStep& send(std::string_view event, EventKind kind, Request r, DoneFn done = {}) {
        PosStep& step = conversation_.new_step(event, kind);
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
        PosRequest out;
        out.body = [req = std::move(r)](const std::optional<DialogSelection>& d,
                                        const std::optional<FormSubmission>& f) mutable {
            req.dialog = d;
            req.form = f;
            return serialize(req);
        };
        out.mode = mode_of(event, kind);
        return run(step, std::move(out), std::move(done));
    }

    // Runs the step's conversation; `done` follows when it ends, or once the cashier's answer
    // ends it (resumed()).
    PosStep& run(PosStep& step, PosRequest request, DoneFn done) {
        Till till{*this};
        if (conversation_.run(step, std::move(request), till)) {
            if (done) done(*this, step);
        } else {
            waiting_done_ = std::move(done);
        }
        return step;
    }
    // After an answer to the dialog or form of step `waiting`: its follow-up runs when the
    // answer ended the step.
    PosStep& resumed(std::optional<std::size_t> waiting, PosStep& step) {
        if (waiting && !conversation_.waiting() && &conversation_.steps()[*waiting] == &step) {
            DoneFn done = std::move(waiting_done_);
            waiting_done_ = nullptr;
            if (done) done(*this, step);
        }
        return step;
    }

    // The payment a settled external payment adds to the session.
    void settle(std::optional<Payment> paid) {
        if (paid) till_.session.payments.push_back(std::move(*paid));
    }
    // The follow-up of a poll or a cancel request.
    static void answered(PosSimulator& pos, PosStep& step) {
        pos.settle(pos.payment_.answered(step, pos.now_millis_));
    }

    SimulatorOptions options_;
    Conversation conversation_;
    IdGenerator ids_;
    std::string instance_id_;
    std::int64_t event_counter_ = 1;
    std::int64_t now_millis_ = 0;
    int offset_minutes_ = 0;

    TillState till_;
    ExternalPaymentTracker payment_;
    DoneFn waiting_done_; // the follow-up of the step that waits for the cashier
};

MPLUS_WEBHOOKS_END_NAMESPACE
