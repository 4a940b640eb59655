// The four demo flows (ticketing, cash machine, reservation, loyalty) as POS simulator scripts
// in C++: what a till does, and what it expects back from the demo middleware.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/testing/pos_simulator.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// The outcome of run_flow(): whether the flow went as the POS expects, and what did not.
struct FlowResult {
    std::string name;                  ///< the flow's name
    bool success = false;              ///< every expectation was met
    std::vector<std::string> problems; ///< what did not go as the POS expects, in order
    std::size_t first_step = 0;        ///< the flow's steps are PosSimulator::steps()
    std::size_t end_step = 0;          ///< [first_step, end_step)
    std::vector<FlowResult> flows;     ///< `all`: the result of each flow
};

/// The names run_flow() knows, `all` excluded.
inline constexpr std::array<std::string_view, 4> flow_names = {"ticketing", "cash-machine",
                                                               "reservation", "loyalty"};

namespace detail {

/// `"text"` in double quotes, for problem texts.
inline std::string quoted(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

/// Collects the problems of one flow.
class FlowCheck {
public:
    explicit FlowCheck(PosSimulator& pos, std::string_view name) : pos_(pos) {
        result_.name = std::string(name);
        result_.first_step = pos.steps().size();
    }

    /// Records `problem` unless `ok`; returns `ok`.
    bool expect(bool ok, std::string problem) {
        if (!ok) result_.problems.push_back(std::move(problem));
        return ok;
    }
    /// Records the step's failures; true when it had none.
    bool step_ok(const PosStep& step, std::string_view what) {
        for (const auto& f : step.failures) {
            result_.problems.push_back(std::string(what) + ": " + f);
        }
        return step.failures.empty();
    }
    /// Records the payment's problems; true when it had none.
    bool payment_ok(const ExternalPaymentState& p, std::string_view what) {
        for (const auto& f : p.problems) result_.problems.push_back(std::string(what) + ": " + f);
        return p.problems.empty();
    }

    /// The result, with the step range and success filled in.
    FlowResult finish() {
        result_.end_step = pos_.steps().size();
        result_.success = result_.problems.empty();
        return std::move(result_);
    }

private:
    PosSimulator& pos_;
    FlowResult result_;
};

/// The first option of `d` that can be chosen, or nullptr.
inline const DialogOption* first_enabled_option(const Dialog& d) noexcept {
    for (const auto& o : d.dialog_options) {
        if (!o.disabled.value_or(false)) return &o;
    }
    return nullptr;
}

/// A clean till: no dialog open, no session, no running payment.
inline void flow_prepare(PosSimulator& pos) {
    // A dialog or form left open by an earlier script: answer it (bounded, it may chain).
    for (int i = 0; i < 10 && (pos.open_dialog() != nullptr || pos.open_form() != nullptr); ++i) {
        if (const Dialog* d = pos.open_dialog()) {
            const DialogOption* o = d->required ? first_enabled_option(*d) : nullptr;
            if (o != nullptr) {
                pos.choose(o->option_id);
            } else {
                pos.dismiss_dialog();
            }
        } else {
            pos.cancel_form();
        }
    }
    if (pos.external_payment().status == ExternalPaymentStatus::started) {
        pos.request_cancel_external_payment();
        if (pos.external_payment().status == ExternalPaymentStatus::started) {
            pos.advance(std::chrono::milliseconds(PosSimulator::forced_cancel_after_millis));
            pos.cancel_external_payment();
        }
    }
    if (pos.session_open()) pos.cancel_session();
}

/// The number of QR codes among `footers`.
inline std::size_t count_qr_codes(const std::vector<FooterEntry>& footers) {
    std::size_t n = 0;
    for (const auto& f : footers) {
        if (f.barcode && f.barcode->code && !f.barcode->code->empty() && f.barcode->code_type &&
            f.barcode->code_type->str() == FooterCodeType::qrcode) {
            ++n;
        }
    }
    return n;
}

/// Adds one ticket line and chooses the first slot that can be chosen.
inline void ticketing_add(PosSimulator& pos, FlowCheck& check, std::int64_t article,
                          const std::string& text, Decimal price, Decimal quantity) {
    const PosStep& added = pos.add_line(article, text, price, quantity);
    const std::string what = "add ticket " + std::to_string(article);
    check.step_ok(added, what);
    const Dialog* d = added.dialog();
    if (!check.expect(d != nullptr, what + ": expected a dialog of time slots, got none")) return;
    const DialogOption* slot = first_enabled_option(*d);
    if (!check.expect(slot != nullptr, what + ": every time slot is disabled")) {
        pos.dismiss_dialog();
        return;
    }
    const std::string slot_name = slot->option_name;
    const PosStep& chosen = pos.choose(slot->option_id);
    check.step_ok(chosen, what + ": choose " + detail::quoted(slot_name));
    check.expect(pos.open_dialog() == nullptr,
                 what + ": another dialog after choosing " + detail::quoted(slot_name));
    bool renamed = false;
    bool present = false;
    for (const auto& l : pos.session().lines) {
        if (l.article_number && *l.article_number == article) {
            present = true;
            renamed = renamed || l.text != text;
        }
    }
    if (check.expect(present, what + ": the ticket line is gone after choosing a slot")) {
        check.expect(renamed, what + ": the line's text still is " + detail::quoted(text) +
                                  ", not the chosen slot " + detail::quoted(slot_name));
    }
}

/// Ticketing with time slots: articles 235 (adult) and 236 (child) get a dialog of slots;
/// the chosen slot names the line; completeSession prints one QR code per ticket.
inline FlowResult flow_ticketing(PosSimulator& pos) {
    FlowCheck check(pos, "ticketing");
    flow_prepare(pos);
    check.step_ok(pos.start_session(), "startSession");
    ticketing_add(pos, check, 235, "Tour Ticket (Adult)", Decimal::from_units(1250, 2), Decimal(2));
    ticketing_add(pos, check, 236, "Tour Ticket (Child)", Decimal::from_units(750, 2), Decimal(1));
    Decimal tickets;
    for (const auto& l : pos.session().lines) {
        if (l.article_number && (*l.article_number == 235 || *l.article_number == 236)) {
            tickets += l.quantity.value_or(Decimal(1));
        }
    }
    const PosStep& done = pos.complete_session();
    check.step_ok(done, "completeSession");
    const std::size_t qr = count_qr_codes(done.receipt_footers);
    check.expect(Decimal(static_cast<std::int64_t>(qr)) == tickets,
                 "completeSession: expected one QR code per ticket (" + tickets.to_string() +
                     ") in receiptFooter, got " + std::to_string(qr));
    return check.finish();
}

/// Cash machine payment (method CASH_MACHINE): start, polls until confirmed with receipt
/// texts; then a second sale whose payment is cancelled on request.
inline FlowResult flow_cash_machine(PosSimulator& pos) {
    FlowCheck check(pos, "cash-machine");
    flow_prepare(pos);
    check.step_ok(pos.start_session(), "startSession");
    check.step_ok(pos.add_line(1001, "Souvenir mug", Decimal::from_units(1295, 2)),
                  "addSessionLine");
    const Decimal amount = pos.open_amount();
    const ExternalPaymentState paid = pos.pay_external("CASH_MACHINE");
    check.payment_ok(paid, "pay CASH_MACHINE");
    bool start_message = false;
    for (std::size_t i : paid.steps) {
        const PosStep& s = pos.steps()[i];
        if (s.kind == EventKind::start_external_payment) start_message = !s.messages.empty();
    }
    check.expect(start_message, "startExternalPayment: expected a message telling the amount "
                                "to insert");
    if (check.expect(paid.confirmed(), "pay CASH_MACHINE: expected confirmed:true")) {
        check.expect(!paid.receipt_texts.empty(),
                     "pay CASH_MACHINE: expected receiptTexts with the amount paid and change");
        check.expect(pos.open_amount() <= Decimal(),
                     "pay CASH_MACHINE: " + amount.to_string() + " is not paid after confirm");
        check.step_ok(pos.complete_session(), "completeSession");
    } else if (pos.session_open()) {
        pos.cancel_session();
    }

    // Second sale: the cashier asks to cancel before any cash went in.
    check.step_ok(pos.start_session(), "startSession (cancel)");
    check.step_ok(pos.add_line(1001, "Souvenir mug", Decimal::from_units(1295, 2)),
                  "addSessionLine (cancel)");
    const PosStep& started = pos.start_external_payment("CASH_MACHINE");
    check.step_ok(started, "startExternalPayment (cancel)");
    if (check.expect(pos.external_payment().status == ExternalPaymentStatus::started,
                     "startExternalPayment (cancel): the payment did not start")) {
        check.step_ok(pos.request_cancel_external_payment(), "requestCancelExternalPayment");
        const ExternalPaymentState after = pos.await_external_payment();
        check.payment_ok(after, "cancel CASH_MACHINE");
        check.expect(after.status == ExternalPaymentStatus::cancelled,
                     "requestCancelExternalPayment: expected the payment to end cancelled");
        check.expect(pos.session().payments.empty(),
                     "requestCancelExternalPayment: a cancelled payment was recorded");
    }
    if (pos.session_open()) pos.cancel_session();
    return check.finish();
}

/// Book on reservation (method RESERVATION): start answers a dialog of open reservations; the
/// flow chooses `Mr. & Mrs. A. Nonymous (Sat-Fri)`; polls end confirmed with a reference.
inline FlowResult flow_reservation(PosSimulator& pos) {
    FlowCheck check(pos, "reservation");
    flow_prepare(pos);
    check.step_ok(pos.start_session(), "startSession");
    check.step_ok(pos.add_line(1101, "Dinner buffet", Decimal::from_units(2450, 2), Decimal(2)),
                  "addSessionLine");
    check.step_ok(pos.add_line(1102, "Wine (bottle)", Decimal::from_units(1995, 2)),
                  "addSessionLine");
    const PosStep& start = pos.start_external_payment("RESERVATION");
    check.step_ok(start, "startExternalPayment");
    const Dialog* d = start.dialog();
    if (check.expect(d != nullptr, "startExternalPayment: expected a dialog of reservations")) {
        check.expect(d->dialog_options.size() >= 3,
                     "startExternalPayment: expected at least three open reservations, got " +
                         std::to_string(d->dialog_options.size()));
        const DialogOption* guest = find_option_by_text(*d, "Mr. & Mrs. A. Nonymous (Sat-Fri)");
        if (guest == nullptr) guest = find_option_by_text(*d, "Nonymous");
        check.expect(guest != nullptr, "startExternalPayment: no reservation of "
                                       "\"Mr. & Mrs. A. Nonymous (Sat-Fri)\" in the dialog");
        if (guest == nullptr) guest = first_enabled_option(*d);
        if (guest != nullptr) {
            check.step_ok(pos.choose(guest->option_id), "choose the reservation");
        } else {
            pos.dismiss_dialog();
        }
    }
    if (pos.external_payment().status == ExternalPaymentStatus::started) {
        pos.await_external_payment();
    }
    const ExternalPaymentState& p = pos.external_payment();
    check.payment_ok(p, "pay RESERVATION");
    if (check.expect(p.confirmed(), "pay RESERVATION: expected confirmed:true")) {
        check.expect(p.external_transaction_reference && !p.external_transaction_reference->empty(),
                     "pay RESERVATION: expected an externalTransactionReference");
        check.step_ok(pos.complete_session(), "completeSession");
    }
    if (pos.session_open()) pos.cancel_session();
    return check.finish();
}

/// True when a line of the session carries an external discount.
inline bool has_external_discount(const PosSimulator& pos) {
    for (const auto& l : pos.session().lines) {
        if (l.external_discount) return true;
    }
    return false;
}

/// Scans `code`, choosing the first option of a dialog that comes first.
inline const PosStep& scan_choosing_first(PosSimulator& pos, FlowCheck& check,
                                          const std::string& code) {
    const PosStep& s = pos.scan(code);
    if (const Dialog* d = s.dialog()) {
        const DialogOption* o = first_enabled_option(*d);
        if (check.expect(o != nullptr, "scan " + code + ": every option is disabled")) {
            return pos.choose(o->option_id);
        }
        return pos.dismiss_dialog();
    }
    return s;
}

/// Loyalty vouchers: card LOY0001 is recognized, voucher VCH0001 discounts a line through
/// lineChanges (after a dialog when several), completeSession redeems it (a QR voucher in the
/// footer when the points reach the threshold); the voucher is not accepted a second time.
inline FlowResult flow_loyalty(PosSimulator& pos) {
    FlowCheck check(pos, "loyalty");
    flow_prepare(pos);
    check.step_ok(pos.start_session(), "startSession");
    check.step_ok(pos.add_line(1201, "Lunch menu", Decimal::from_units(1850, 2), Decimal(2)),
                  "addSessionLine");
    const PosStep& card = pos.scan("LOY0001");
    check.step_ok(card, "scan LOY0001");
    check.expect(card.scan && card.scan->recognized, "scan LOY0001: expected recognized:true");
    const PosStep& voucher = scan_choosing_first(pos, check, "VCH0001");
    check.step_ok(voucher, "scan VCH0001");
    check.expect(voucher.scan && voucher.scan->recognized,
                 "scan VCH0001: expected recognized:true");
    check.expect(has_external_discount(pos),
                 "scan VCH0001: expected lineChanges applying the voucher's discount");
    const PosStep& done = pos.complete_session();
    check.step_ok(done, "completeSession");
    for (const auto& f : done.receipt_footers) {
        check.expect(!f.barcode || (f.barcode->code && !f.barcode->code->empty()),
                     "completeSession: a footer barcode without a code");
    }

    // The redeemed voucher must not discount a second sale.
    check.step_ok(pos.start_session(), "startSession (second use)");
    check.step_ok(pos.add_line(1201, "Lunch menu", Decimal::from_units(1850, 2)),
                  "addSessionLine (second use)");
    check.step_ok(pos.scan("LOY0001"), "scan LOY0001 (second use)");
    const PosStep& again = scan_choosing_first(pos, check, "VCH0001");
    check.expect(again.status != PosStepStatus::transport_failure &&
                     again.status != PosStepStatus::signature_failure,
                 "scan VCH0001 (second use): no valid reply");
    check.expect(!has_external_discount(pos),
                 "scan VCH0001 (second use): a redeemed voucher gave a discount again");
    if (pos.session_open()) pos.cancel_session();
    return check.finish();
}

} // namespace detail

/// Runs the flow `flow_name` (`ticketing`, `cash-machine`, `reservation`, `loyalty`, or `all`
/// for the four in that order) on `pos` against a middleware that follows the demo's
/// conventions: ticket articles 235/236 with a slot dialog, external payment methods
/// CASH_MACHINE and RESERVATION, loyalty codes LOY0001 and VCH0001. Texts are never assumed.
inline FlowResult run_flow(PosSimulator& pos, std::string_view flow_name) {
    if (flow_name == "ticketing") return detail::flow_ticketing(pos);
    if (flow_name == "cash-machine") return detail::flow_cash_machine(pos);
    if (flow_name == "reservation") return detail::flow_reservation(pos);
    if (flow_name == "loyalty") return detail::flow_loyalty(pos);
    FlowResult result;
    result.name = std::string(flow_name);
    result.first_step = pos.steps().size();
    if (flow_name == "all") {
        result.success = true;
        for (std::string_view name : flow_names) {
            FlowResult one = run_flow(pos, name);
            for (const auto& p : one.problems) result.problems.push_back(one.name + ": " + p);
            result.success = result.success && one.success;
            result.flows.push_back(std::move(one));
        }
    } else {
        result.problems.push_back("unknown flow " + detail::quoted(flow_name) +
                                  " (ticketing, cash-machine, reservation, loyalty or all)");
    }
    result.end_step = pos.steps().size();
    return result;
}

MPLUS_WEBHOOKS_END_NAMESPACE
