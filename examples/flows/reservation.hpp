// Book on reservation (method RESERVATION): the sale is charged to a hotel reservation's bill.
// SPDX-License-Identifier: MIT
#pragma once

#include "flow.hpp"
#include "payment_support.hpp"
#include "store.hpp"

#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>
#include <mplus/webhooks/timestamp.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mplus_demo {

/// One reservation seeded on first start.
struct SeedReservation {
    std::string number;         ///< room number, also the reservation's key
    std::string guest;          ///< `Mr. & Mrs. A. Nonymous`
    std::string stay;           ///< `Sat-Fri`
    std::int64_t option_id = 0; ///< its dialog option id (stable)
};

/// The reservations a fresh store starts with; option 3 is the seed's
/// `Mr. & Mrs. A. Nonymous (Sat-Fri)`.
inline std::vector<SeedReservation> default_reservations() {
    return {{"101", "Ms. J. Jansen", "Mon-Wed", 1},
            {"102", "Fam. De Vries", "Thu-Sun", 2},
            {"103", "Mr. & Mrs. A. Nonymous", "Sat-Fri", 3},
            {"104", "Mr. B. Bakker", "Fri-Mon", 4}};
}

/// The reservation flow: startExternalPayment answers a dialog of the open reservations; the
/// re-send with the cashier's choice books the payment on it (started:true); the poll
/// confirms it and posts the session's lines to the reservation's bill; cancelExternalPayment
/// undoes the booking.
///
/// Store tables: `reservations` (key: room number; `guest`, `stay`, `option_id`, `open`,
/// `bill[]` with one entry per confirmed payment: `payment_id`, `session_id`, `amount`,
/// `posted_at`, `lines[]`), `reservation_payments` (key: externalPaymentId; `status`
/// `choosing`, `booked`, `confirmed`, `cancelled` or `abandoned`, `reservation`, `amount`),
/// `reservation_meta/seeded`.
///
/// Every step is one store transaction that checks the payment's status first, so a repeated
/// request (a POS retry, a poll after a restart) finds the step done and answers the same:
/// lines are posted once, and a forced cancel removes exactly that payment's entry. Nothing is
/// kept in memory, so a restarted flow continues where the store says. Thread-safe.
class ReservationFlow : public PaymentFlow {
public:
    /// The flow with its store and clock in `env`; seeds `seeds` when the store was never
    /// seeded.
    explicit ReservationFlow(const FlowEnv& env,
                             std::vector<SeedReservation> seeds = default_reservations())
        : env_(env) {
        env_.store.with([&](Transaction& tx) {
            if (tx.get(meta_table, "seeded")) return;
            for (const auto& s : seeds) {
                tx.put(reservations_table, s.number,
                       json{{"number", s.number},
                            {"guest", s.guest},
                            {"stay", s.stay},
                            {"option_id", s.option_id},
                            {"open", true},
                            {"bill", json::array()}});
            }
            tx.put(meta_table, "seeded", json{{"at", env_.now_millis()}});
        });
    }

    /// `RESERVATION`.
    std::string_view method() const override { return "RESERVATION"; }

    /// Handles one external-payment event; every answer is given at once.
    void on_event(mw::EventKind event, const mw::ExternalPaymentRequest& request,
                  mw::Responder responder) override {
        mw::Reply reply;
        switch (event) {
        case mw::EventKind::start_external_payment: reply = start(request); break;
        case mw::EventKind::poll_external_payment: reply = poll(request); break;
        case mw::EventKind::request_cancel_external_payment: reply = request_cancel(request); break;
        case mw::EventKind::cancel_external_payment: reply = force_cancel(request); break;
        default: break;
        }
        responder.reply(std::move(reply));
    }

    /// The name a reservation has in the dialog: `Room 103: Mr. & Mrs. A. Nonymous (Sat-Fri)`.
    static std::string display_name(const nlohmann::json& reservation) {
        return "Room " + payment_detail::string_at(reservation, "number") + ": " +
               payment_detail::string_at(reservation, "guest") + " (" +
               payment_detail::string_at(reservation, "stay") + ")";
    }
    /// The externalTransactionReference of a booking: `RES-103 Mr. & Mrs. A. Nonymous (Sat-Fri)`.
    static std::string reference(const nlohmann::json& reservation) {
        return "RES-" + payment_detail::string_at(reservation, "number") + " " +
               payment_detail::string_at(reservation, "guest") + " (" +
               payment_detail::string_at(reservation, "stay") + ")";
    }

    /// The store table of the reservations, by room number.
    static constexpr std::string_view reservations_table = "reservations";
    /// The store table of the payments, by externalPaymentId.
    static constexpr std::string_view payments_table = "reservation_payments";
    /// The store table that remembers the seeding.
    static constexpr std::string_view meta_table = "reservation_meta";

private:
    using Decimal = mw::Decimal;
    using json = nlohmann::json;

    mw::Reply start(const mw::ExternalPaymentRequest& request) {
        const std::string& id = request.external_payment.external_payment_id;
        const bool polling = request.event.polling();
        return env_.store.with([&](Transaction& tx) -> mw::Reply {
            std::optional<json> payment = tx.get(payments_table, id);
            const std::string status =
                payment ? payment_detail::string_at(*payment, "status") : std::string();
            if (status == "booked" || status == "confirmed") {
                // A repeated start or re-send: the booking stands.
                return booked_reply(tx, *payment, polling);
            }
            if (status == "cancelled" || status == "abandoned") {
                return payment_detail::cancelled_reply(id, polling, "Booking cancelled");
            }
            if (!payment) {
                payment = json{{"id", id},
                               {"status", "choosing"},
                               {"amount", decimal_text(request.external_payment.amount)},
                               {"started_at", env_.now_millis()}};
                if (request.session) (*payment)["session_id"] = request.session->session_id;
                tx.put(payments_table, id, *payment);
            }
            if (!request.dialog) return dialog_reply(tx, id, polling, std::string());
            const auto& chosen = request.dialog->selected_dialog_option_ids;
            if (chosen.empty()) {
                json p = *payment;
                p["status"] = "cancelled";
                tx.put(payments_table, id, p);
                return payment_detail::cancelled_reply(id, polling, "No reservation chosen");
            }
            std::optional<json> reservation = find_open(tx, chosen.front());
            if (!reservation) {
                return dialog_reply(tx, id, polling, "That reservation is no longer open");
            }
            json p = *payment;
            p["status"] = "booked";
            p["reservation"] = payment_detail::string_at(*reservation, "number");
            p["booked_at"] = env_.now_millis();
            tx.put(payments_table, id, p);
            return booked_reply(tx, p, polling);
        });
    }

    mw::Reply poll(const mw::ExternalPaymentRequest& request) {
        const std::string& id = request.external_payment.external_payment_id;
        const bool polling = request.event.polling();
        return env_.store.with([&](Transaction& tx) -> mw::Reply {
            std::optional<json> payment = tx.get(payments_table, id);
            if (!payment) {
                return payment_detail::cancelled_reply(id, polling,
                                                       "Unknown reservation payment " + id);
            }
            const std::string status = payment_detail::string_at(*payment, "status");
            if (status == "cancelled" || status == "abandoned") {
                return payment_detail::cancelled_reply(id, polling, "Booking cancelled");
            }
            if (status == "choosing") {
                mw::Reply r = payment_detail::payment_reply(id, polling);
                r.external_payment->message = "Choose a reservation";
                return r;
            }
            const std::string number = payment_detail::string_at(*payment, "reservation");
            std::optional<json> reservation = tx.get(reservations_table, number);
            if (!reservation) { // removed behind our back: nothing to post to
                json p = *payment;
                p["status"] = "cancelled";
                tx.put(payments_table, id, p);
                return payment_detail::cancelled_reply(id, polling,
                                                       "Reservation " + number + " is gone");
            }
            if (status == "booked") {
                json& bill = (*reservation)["bill"];
                if (!bill.is_array()) bill = json::array();
                bill.push_back(bill_entry(request, *payment));
                tx.put(reservations_table, number, *reservation);
                json p = *payment;
                p["status"] = "confirmed";
                p["confirmed_at"] = env_.now_millis();
                tx.put(payments_table, id, p);
            }
            mw::Reply r = payment_detail::payment_reply(id, polling);
            mw::ExternalPaymentReply& e = *r.external_payment;
            e.confirmed = true;
            e.final_amount = decimal_of(*payment, "amount");
            e.external_transaction_reference = reference(*reservation);
            e.message = "Booked on " + display_name(*reservation);
            mw::ReceiptText t;
            t.text = "Charged to room " + number + "\n" +
                     payment_detail::string_at(*reservation, "guest") + " (" +
                     payment_detail::string_at(*reservation, "stay") + ")";
            e.receipt_texts.push_back(std::move(t));
            return r;
        });
    }

    mw::Reply request_cancel(const mw::ExternalPaymentRequest& request) {
        const std::string& id = request.external_payment.external_payment_id;
        const bool polling = request.event.polling();
        return env_.store.with([&](Transaction& tx) -> mw::Reply {
            std::optional<json> payment = tx.get(payments_table, id);
            const std::string status =
                payment ? payment_detail::string_at(*payment, "status") : std::string();
            if (status == "confirmed") {
                mw::Reply r = payment_detail::payment_reply(id, polling);
                r.external_payment->message =
                    "Too late to cancel: already charged to reservation " +
                    payment_detail::string_at(*payment, "reservation");
                return r;
            }
            if (payment && status != "cancelled" && status != "abandoned") {
                json p = *payment;
                p["status"] = "cancelled";
                p["cancelled_at"] = env_.now_millis();
                tx.put(payments_table, id, p);
            }
            return payment_detail::cancelled_reply(id, polling, "Booking cancelled");
        });
    }

    mw::Reply force_cancel(const mw::ExternalPaymentRequest& request) {
        const std::string& id = request.external_payment.external_payment_id;
        const bool polling = request.event.polling();
        env_.store.with([&](Transaction& tx) {
            std::optional<json> payment = tx.get(payments_table, id);
            if (!payment) return;
            const std::string status = payment_detail::string_at(*payment, "status");
            if (status == "abandoned" || status == "cancelled") return;
            if (status == "confirmed") {
                // The POS never saw the confirmation: take this payment's lines off the bill.
                const std::string number = payment_detail::string_at(*payment, "reservation");
                if (std::optional<json> reservation = tx.get(reservations_table, number)) {
                    json kept = json::array();
                    const json& bill = (*reservation)["bill"];
                    if (bill.is_array()) {
                        for (const auto& entry : bill) {
                            if (payment_detail::string_at(entry, "payment_id") != id) {
                                kept.push_back(entry);
                            }
                        }
                    }
                    (*reservation)["bill"] = std::move(kept);
                    tx.put(reservations_table, number, *reservation);
                }
            }
            json p = *payment;
            p["status"] = "abandoned";
            p["abandoned_from"] = status;
            p["abandoned_at"] = env_.now_millis();
            tx.put(payments_table, id, p);
        });
        return payment_detail::cancelled_reply(id, polling, "Booking undone");
    }

    /// The dialog of the open reservations, by option id; `note` is shown above it.
    mw::Reply dialog_reply(Transaction& tx, const std::string& id, bool polling,
                           const std::string& note) {
        std::vector<json> open;
        for (auto& [key, r] : tx.list(reservations_table)) {
            const auto o = r.find("open");
            if (o != r.end() && o->is_boolean() && o->get<bool>()) open.push_back(r);
        }
        if (open.empty()) {
            json p = tx.get(payments_table, id).value_or(json::object());
            p["status"] = "cancelled";
            tx.put(payments_table, id, p);
            return payment_detail::cancelled_reply(id, polling, "No open reservations");
        }
        std::sort(open.begin(), open.end(),
                  [](const json& a, const json& b) { return option_id(a) < option_id(b); });
        mw::Reply r;
        if (polling) r.polling.emplace(); // finished: the dialog's re-send is a new request
        r.dialog.emplace();
        r.dialog->required = false; // dismissing it cancels the payment
        r.dialog->dialog_title = "Book on which reservation?";
        for (const auto& res : open) r.dialog->add_option(option_id(res), display_name(res));
        if (!note.empty()) r.add_message(note);
        return r;
    }

    /// started:true for a booked (or already confirmed) payment.
    static mw::Reply booked_reply(Transaction& tx, const json& payment, bool polling) {
        const std::string id = payment_detail::string_at(payment, "id");
        const std::string number = payment_detail::string_at(payment, "reservation");
        const std::optional<json> reservation = tx.get(reservations_table, number);
        mw::Reply r = payment_detail::payment_reply(id, polling);
        r.external_payment->started = true;
        r.external_payment->message = "Booking " + money_text(decimal_of(payment, "amount")) +
                                      " on " +
                                      (reservation ? display_name(*reservation) : "room " + number);
        return r;
    }

    /// The bill entry of a confirmed payment: the session's lines as the poll sent them.
    json bill_entry(const mw::ExternalPaymentRequest& request, const json& payment) const {
        json lines = json::array();
        if (request.session) {
            for (const auto& l : request.session->lines) {
                json line = {{"line_id", l.line_id}, {"text", l.text}};
                if (l.article_number) line["article_number"] = *l.article_number;
                line["quantity"] = decimal_text(l.quantity.value_or(Decimal(1)));
                if (l.price_incl) line["price_incl"] = decimal_text(*l.price_incl);
                if (l.discount_amount) {
                    line["discount_amount"] = decimal_text(*l.discount_amount);
                }
                if (l.discount_percentage) {
                    line["discount_percentage"] = decimal_text(*l.discount_percentage);
                }
                lines.push_back(std::move(line));
            }
        }
        json entry = {
            {"payment_id", payment_detail::string_at(payment, "id")},
            {"amount", payment.value("amount", json("0"))},
            {"posted_at", mw::format_timestamp(env_.now_millis(), env_.utc_offset_minutes)},
            {"lines", std::move(lines)}};
        if (request.session) entry["session_id"] = request.session->session_id;
        return entry;
    }

    /// The open reservation whose dialog option is `option`.
    static std::optional<json> find_open(Transaction& tx, std::int64_t option) {
        for (auto& [key, r] : tx.list(reservations_table)) {
            const auto o = r.find("open");
            if (option_id(r) == option && o != r.end() && o->is_boolean() && o->get<bool>()) {
                return r;
            }
        }
        return std::nullopt;
    }

    static std::int64_t option_id(const json& reservation) {
        const auto it = reservation.find("option_id");
        return it != reservation.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
    }

    FlowEnv env_;
};

} // namespace mplus_demo
