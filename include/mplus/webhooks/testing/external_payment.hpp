// An external payment as the simulated till tracks it: its status, what the middleware said,
// and the messages shown while it ran.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/replies.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
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

MPLUS_WEBHOOKS_END_NAMESPACE
