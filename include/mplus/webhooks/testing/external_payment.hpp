// An external payment as the simulated till tracks it: its status, what the middleware said,
// the messages shown while it ran, and the till's rules for it (one at a time, a forced cancel
// only after 30 s without an answer, what ends it).
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>
#include <mplus/webhooks/testing/conversation.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

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
    std::string external_payment_id;                            ///< the externalPaymentId
    std::string method;                                         ///< the payment method
    Decimal amount;                                             ///< the amount asked
    ExternalPaymentStatus status = ExternalPaymentStatus::none; ///< where the payment stands
    bool cancel_requested = false;       ///< requestCancelExternalPayment was sent
    std::size_t polls = 0;               ///< pollExternalPayment calls so far
    std::int64_t last_answer_millis = 0; ///< simulated time of the last answer
    std::optional<Decimal> final_amount; ///< the amount paid, when it differs
    std::optional<std::string> external_transaction_reference; ///< the device's reference
    std::vector<ReceiptText> receipt_texts;                    ///< texts to print on the receipt
    std::optional<std::string> card_type;                      ///< the card brand
    std::optional<std::string> terminal_id; ///< the terminal that took the payment
    std::vector<Message> messages;          ///< status messages shown during the payment
    std::vector<std::size_t> steps;         ///< indices into PosSimulator::steps()
    std::vector<std::string> problems;      ///< what did not go as the POS expects

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

/// The till's bookkeeping of its external payment: it starts one at a time, reads each answer
/// to startExternalPayment, pollExternalPayment and requestCancelExternalPayment, and settles
/// the payment once. It sends nothing: the simulator sends the events and hands over the steps.
class ExternalPaymentTracker {
public:
    /// Simulated time without an answer after which the cashier may force a cancel.
    static constexpr std::int64_t forced_cancel_after_millis = 30000;

    /// The current (or last) payment.
    const ExternalPaymentState& state() const noexcept { return state_; }
    /// True while a payment is started or waits for its dialog: no other may start.
    bool running() const noexcept {
        return state_.status == ExternalPaymentStatus::started ||
               state_.status == ExternalPaymentStatus::awaiting_dialog;
    }
    /// True while the payment is started (polls, cancel requests and forced cancels apply).
    bool started() const noexcept { return state_.status == ExternalPaymentStatus::started; }

    /// Begins a new payment (the previous one is forgotten); it waits for the answer to
    /// startExternalPayment, counted from `now_millis`.
    void begin(std::string external_payment_id, std::string method, Decimal amount,
               std::int64_t now_millis) {
        state_ = ExternalPaymentState{};
        state_.external_payment_id = std::move(external_payment_id);
        state_.method = std::move(method);
        state_.amount = amount;
        state_.status = ExternalPaymentStatus::awaiting_dialog;
        state_.last_answer_millis = now_millis;
    }
    /// The `externalPayment` object of the payment's requests.
    ExternalPaymentDetails details() const {
        ExternalPaymentDetails d;
        d.external_payment_id = state_.external_payment_id;
        d.amount = state_.amount;
        d.method = state_.method;
        return d;
    }
    /// Records that step `index` (of PosSimulator::steps()) belongs to the payment.
    void add_step(std::size_t index) { state_.steps.push_back(index); }
    /// Records messages shown by a reply to one of the payment's events.
    void shown(const std::vector<Message>& messages) {
        state_.messages.insert(state_.messages.end(), messages.begin(), messages.end());
    }
    /// Counts a pollExternalPayment about to be sent.
    void count_poll() noexcept { ++state_.polls; }
    /// Records that the cashier asked to cancel.
    void cancel_requested() noexcept { state_.cancel_requested = true; }

    /// True (and the problem recorded) when `max_polls` polls brought no final answer.
    bool poll_limit_reached(std::size_t max_polls) {
        if (state_.polls < max_polls) return false;
        state_.problems.push_back("no final answer after " + std::to_string(state_.polls) +
                                  " pollExternalPayment calls");
        return true;
    }
    /// Why the cashier may not force a cancel at `now_millis` (the POS allows it only after
    /// 30 s without an answer), or nullopt when a forced cancel is allowed.
    std::optional<std::string> forced_cancel_refusal(std::int64_t now_millis) const {
        const std::int64_t waited = now_millis - state_.last_answer_millis;
        if (waited >= forced_cancel_after_millis) return std::nullopt;
        return "a forced cancel is allowed after 30 s without an answer; " +
               std::to_string(waited / 1000) + " s have passed";
    }
    /// The cashier forces a cancel: the payment is abandoned whatever the middleware says.
    void abandon() noexcept { state_.status = ExternalPaymentStatus::abandoned; }

    /// Reads how startExternalPayment ended at `now_millis`: started, waiting for a dialog or
    /// form, settled at once, or failed. A confirmed payment is returned, to be added to the
    /// session's payments.
    std::optional<Payment> start_answered(const PosStep& step, std::int64_t now_millis) {
        state_.last_answer_millis = now_millis;
        if (step.status == PosStepStatus::dialog_open || step.status == PosStepStatus::form_open) {
            state_.status = ExternalPaymentStatus::awaiting_dialog;
            return std::nullopt;
        }
        if (step.status == PosStepStatus::not_subscribed) {
            state_.status = ExternalPaymentStatus::failed;
            state_.problems.push_back("startExternalPayment is not subscribed");
            return std::nullopt;
        }
        if (!step.ok()) {
            state_.status = ExternalPaymentStatus::failed;
            for (const auto& f : step.failures) state_.problems.push_back(f);
            return std::nullopt;
        }
        const Reply* reply = step.reply();
        const ExternalPaymentReply* e =
            reply && reply->external_payment ? &*reply->external_payment : nullptr;
        if (e != nullptr && (e->confirmed.value_or(false) || e->cancelled.value_or(false))) {
            state_.status = ExternalPaymentStatus::started;
            return settle(*e);
        }
        if (e == nullptr || !e->started.value_or(false)) {
            state_.status = ExternalPaymentStatus::failed;
            state_.problems.push_back(
                "the reply to startExternalPayment did not say externalPayment.started:true");
            return std::nullopt;
        }
        state_.status = ExternalPaymentStatus::started;
        return std::nullopt;
    }

    /// Reads the answer to a poll or a cancel request at `now_millis`: a failed step is a
    /// problem (the payment goes on), a confirmed or cancelled answer ends the payment. A
    /// confirmed payment is returned, to be added to the session's payments.
    std::optional<Payment> answered(const PosStep& step, std::int64_t now_millis) {
        if (!step.ok()) {
            for (const auto& f : step.failures) state_.problems.push_back(f);
            return std::nullopt;
        }
        state_.last_answer_millis = now_millis;
        const Reply* reply = step.reply();
        if (reply && reply->external_payment) return settle(*reply->external_payment);
        return std::nullopt;
    }

private:
    // A confirmed or cancelled answer ends a started payment, once.
    std::optional<Payment> settle(const ExternalPaymentReply& e) {
        if (state_.status != ExternalPaymentStatus::started) return std::nullopt;
        if (e.confirmed.value_or(false)) {
            state_.status = ExternalPaymentStatus::confirmed;
            state_.final_amount = e.final_amount;
            state_.external_transaction_reference = e.external_transaction_reference;
            state_.receipt_texts = e.receipt_texts;
            state_.card_type = e.card_type;
            state_.terminal_id = e.terminal_id;
            Payment paid;
            paid.method = e.method.value_or(state_.method);
            paid.description = state_.method;
            paid.amount = e.final_amount.value_or(state_.amount);
            return paid;
        }
        if (e.cancelled.value_or(false)) state_.status = ExternalPaymentStatus::cancelled;
        return std::nullopt;
    }

    ExternalPaymentState state_;
};

MPLUS_WEBHOOKS_END_NAMESPACE
