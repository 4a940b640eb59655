// Ticketing with time slots: ticket articles get a dialog of today's slots, seats are held while
// the sale is open, and completeSession turns the holds into tickets printed as QR codes.
// SPDX-License-Identifier: MIT
#pragma once

#include "flow.hpp"
#include "flow_support.hpp"
#include "store.hpp"

#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mplus_demo {

/// How the ticket desk is set up.
struct TicketingConfig {
    /// The ticket articles and the text their line gets (the slot is appended).
    std::map<std::int64_t, std::string> articles = {{235, "Tour Ticket (Adult)"},
                                                    {236, "Tour Ticket (Child)"}};
    int first_hour = 9; ///< the first slot starts at this hour
    int last_hour = 17; ///< the last slot ends at this hour
    int capacity = 20;  ///< seats per slot
};

/// Ticketing with time slots (articles 235 and 236 by default).
///
/// Store tables: `ticket_holds` (`<sessionId> <lineId>` -> the seats a line holds),
/// `ticket_slots` (`<date>T<hour>` -> seats sold), `tickets` (ticket id -> the ticket),
/// `ticket_sessions` (sessionId -> the completed sale's footer, so a repeated completeSession
/// prints the same tickets instead of selling them twice) and the counter `ticket`.
class TicketingFlow : public SessionFlow {
public:
    /// A ticket desk keeping its state in `env.store`.
    explicit TicketingFlow(FlowEnv env, TicketingConfig config = {})
        : env_(std::move(env)), config_(std::move(config)) {}

    std::string_view name() const override { return "ticketing"; }

    /// The slot name the dialog shows: `10:00-11:00`.
    static std::string slot_name(int hour) { return hour_text(hour) + "-" + hour_text(hour + 1); }

    /// Seats of slot `hour` on `date` still free (sold and held seats are taken).
    int seats_left(const std::string& date, int hour) {
        return env_.store.with([&](Transaction& tx) { return free_seats(tx, date, hour); });
    }

    bool on_add_session_line(const mw::AddSessionLineRequest& request, mw::Reply& reply) override {
        const mw::SessionLine& line = request.add_session_line.line;
        if (!line.article_number) return false;
        const auto article = config_.articles.find(*line.article_number);
        if (article == config_.articles.end()) return false;
        const std::string& session_id = request.session.session_id;

        const mw::Decimal quantity = line.quantity.value_or(mw::Decimal(1));
        if (quantity.scale() != 0 || quantity <= mw::Decimal() ||
            quantity > mw::Decimal(config_.capacity)) {
            reply.add_message("Tickets are sold in whole numbers of 1 to " +
                              std::to_string(config_.capacity) + " seats.");
            reply.line_deletions.push_back(mw::LineDeletion{line.line_id, {}});
            return true;
        }
        const int seats = static_cast<int>(quantity.mantissa());
        const LocalTime now = local_time(env_.now_millis(), env_.utc_offset_minutes);

        env_.store.transact([&](Transaction& tx) {
            // A line that holds seats is our own replacement line: nothing to do. A line that
            // was replaced is a repeat of the request: the same answer again.
            if (const auto held = tx.get("ticket_holds", hold_key(session_id, line.line_id))) {
                const std::string by = held->value("replacedBy", std::string());
                if (by.empty()) return;
                if (const auto now_held = tx.get("ticket_holds", hold_key(session_id, by))) {
                    replace_line(line, *now_held, reply);
                }
                return;
            }
            const std::optional<int> chosen = selected_hour(request);
            if (request.dialog && !chosen) {
                reply.add_message("No time slot chosen: the ticket was removed.");
                reply.line_deletions.push_back(mw::LineDeletion{line.line_id, {}});
                return;
            }
            if (chosen) {
                if (slot_open(now, *chosen) && free_seats(tx, now.date, *chosen) >= seats) {
                    hold(tx, request, article->second, now.date, *chosen, seats, reply);
                    return;
                }
                reply.add_message(slot_name(*chosen) + " can no longer take " +
                                  std::to_string(seats) + (seats == 1 ? " seat" : " seats") +
                                  ": please choose another time slot.");
            }
            offer_slots(tx, now, article->second, seats, reply);
            if (!reply.dialog) {
                reply.add_message("No tour time slots left today: the ticket was removed.");
                reply.line_deletions.push_back(mw::LineDeletion{line.line_id, {}});
            }
        });
        return true;
    }

    void on_remove_session_line(const mw::RemoveSessionLineRequest& request,
                                mw::Reply& reply) override {
        const std::string key =
            hold_key(request.session.session_id, request.remove_session_line.line.line_id);
        env_.store.transact([&](Transaction& tx) {
            const auto held = tx.get("ticket_holds", key);
            if (!held) return;
            tx.erase("ticket_holds", key);
            if (held->value("seats", 0) == 0) return;
            reply.add_message("Released " + seats_text(held->value("seats", 0)) + " of " +
                              held->value("slot", std::string()) + ".");
        });
    }

    void on_cancel_session(const mw::SessionRequest& request, mw::Reply&) override {
        env_.store.transact([&](Transaction& tx) {
            for (const auto& [key, doc] : holds_of(tx, request.session.session_id)) {
                tx.erase("ticket_holds", key);
            }
        });
    }

    void on_complete_session(const mw::CompleteSessionRequest& request, mw::Reply& reply) override {
        const std::string& session_id = request.session.session_id;
        nlohmann::json footer = nlohmann::json::array();
        env_.store.transact([&](Transaction& tx) {
            if (const auto done = tx.get("ticket_sessions", session_id)) {
                footer = done->value("footer", nlohmann::json::array());
                return;
            }
            const auto holds = holds_of(tx, session_id);
            if (holds.empty()) return;
            for (const auto& [key, hold] : holds) tx.erase("ticket_holds", key);
            // Tickets in the order of the receipt's lines; a line the POS removed without
            // telling us sells nothing.
            std::vector<nlohmann::json> sold;
            for (const auto& line : request.session.lines) {
                for (const auto& [key, hold] : holds) {
                    if (hold.value("line", std::string()) == line.line_id &&
                        hold.value("seats", 0) > 0) {
                        sold.push_back(hold);
                    }
                }
            }
            for (const auto& hold : sold) {
                const std::string date = hold.value("date", std::string());
                const int hour = hold.value("hour", 0);
                const int seats = hold.value("seats", 0);
                const std::string key_of_slot = slot_key(date, hour);
                nlohmann::json slot =
                    tx.get("ticket_slots", key_of_slot).value_or(nlohmann::json{{"sold", 0}});
                slot["sold"] = slot.value("sold", 0) + seats;
                tx.put("ticket_slots", key_of_slot, slot);
                for (int i = 1; i <= seats; ++i) {
                    const std::string id = "TKT-" + compact(date) + "-" +
                                           hour_text(hour).substr(0, 2) + "-" +
                                           numbered("", next_number(tx, "ticket"), 5);
                    tx.put("tickets", id,
                           nlohmann::json{{"session", session_id},
                                          {"article", hold.value("article", std::int64_t{0})},
                                          {"text", hold.value("text", std::string())},
                                          {"date", date},
                                          {"hour", hour},
                                          {"sold", mw::format_timestamp(env_.now_millis(),
                                                                        env_.utc_offset_minutes)}});
                    footer.push_back(footer_doc(
                        hold.value("ticket", std::string()) + "\n" + date + " " + slot_name(hour),
                        id,
                        "Ticket " + std::to_string(i) + " of " + std::to_string(seats) + " - " + id,
                        true));
                }
            }
            tx.put("ticket_sessions", session_id, nlohmann::json{{"footer", footer}});
        });
        add_footer_entries(reply, footer);
    }

private:
    static std::string hold_key(const std::string& session, const std::string& line) {
        return session + " " + line;
    }
    static std::string slot_key(const std::string& date, int hour) {
        return date + "T" + hour_text(hour).substr(0, 2);
    }
    static std::string compact(const std::string& date) {
        std::string out;
        for (char c : date) {
            if (c != '-') out.push_back(c);
        }
        return out;
    }
    static std::string seats_text(int seats) {
        return std::to_string(seats) + (seats == 1 ? " seat" : " seats");
    }

    /// A slot can be chosen until it starts.
    bool slot_open(const LocalTime& now, int hour) const {
        return hour >= config_.first_hour && hour < config_.last_hour &&
               now.minute_of_day < hour * 60;
    }

    /// The hour of the chosen option (option ids are the slots' start hours).
    static std::optional<int> selected_hour(const mw::AddSessionLineRequest& request) {
        if (!request.dialog || request.dialog->selected_dialog_option_ids.empty()) {
            return std::nullopt;
        }
        const std::int64_t id = request.dialog->selected_dialog_option_ids.front();
        if (id < 0 || id > 23) return std::nullopt;
        return static_cast<int>(id);
    }

    std::vector<std::pair<std::string, nlohmann::json>> holds_of(Transaction& tx,
                                                                 const std::string& session) {
        return tx.list_prefix("ticket_holds", hold_key(session, std::string()));
    }

    int free_seats(Transaction& tx, const std::string& date, int hour) {
        int taken = 0;
        if (const auto slot = tx.get("ticket_slots", slot_key(date, hour))) {
            taken += slot->value("sold", 0);
        }
        for (const auto& [key, doc] : tx.list("ticket_holds")) {
            if (doc.value("date", std::string()) == date && doc.value("hour", -1) == hour) {
                taken += doc.value("seats", 0);
            }
        }
        return config_.capacity - taken;
    }

    /// A dialog of the slots still to come today; none when no slot has started yet... or left.
    void offer_slots(Transaction& tx, const LocalTime& now, const std::string& text, int seats,
                     mw::Reply& reply) {
        mw::Dialog dialog;
        dialog.dialog_title = text + " x" + std::to_string(seats) + ": choose a time slot";
        dialog.columns = 2;
        bool any = false;
        for (int hour = config_.first_hour; hour < config_.last_hour; ++hour) {
            if (!slot_open(now, hour)) continue; // started slots are not offered at all
            const int left = free_seats(tx, now.date, hour);
            mw::DialogOption& o = dialog.add_option(
                hour, slot_name(hour) + (left > 0 ? " (" + std::to_string(left) +
                                                        (left == 1 ? " seat" : " seats") + " left)"
                                                  : " (full)"));
            // Full slots stay visible, greyed out, so the cashier can tell the customer why.
            if (left < seats) {
                o.disabled = true;
            } else {
                any = true;
            }
        }
        if (any) reply.dialog = std::move(dialog);
    }

    /// Holds `seats` of the slot for the request's line and renames the line.
    ///
    /// lineChanges can only set an external discount, so the line cannot be renamed in place.
    /// The slot must be on the line, though: the cashier checks it on screen, the customer on
    /// the receipt, and the door staff on the ticket. So the reply deletes the line and adds
    /// the same article, price and quantity with the slot in its text (`Tour Ticket (Adult)
    /// 10:00-11:00`): turnover still counts the ticket article, and the hold moves to the new
    /// line, whose id we choose so that its removal releases the seats.
    void hold(Transaction& tx, const mw::AddSessionLineRequest& request, const std::string& text,
              const std::string& date, int hour, int seats, mw::Reply& reply) {
        const mw::SessionLine& line = request.add_session_line.line;
        const std::string& session_id = request.session.session_id;
        const std::string new_id = line.line_id + "-" + hour_text(hour).substr(0, 2);
        const std::string line_text = text + " " + slot_name(hour);
        const nlohmann::json doc = {
            {"session", session_id}, {"line", new_id}, {"article", *line.article_number},
            {"text", line_text},     {"ticket", text}, {"date", date},
            {"hour", hour},          {"seats", seats}, {"slot", slot_name(hour)}};
        tx.put("ticket_holds", hold_key(session_id, new_id), doc);
        // The original line held nothing; a repeat of this request finds the new line's hold.
        tx.put("ticket_holds", hold_key(session_id, line.line_id),
               nlohmann::json{{"session", session_id},
                              {"line", line.line_id},
                              {"replacedBy", new_id},
                              {"seats", 0}});
        replace_line(line, doc, reply);
    }

    /// The reply that replaces `line` by the held line `held`.
    static void replace_line(const mw::SessionLine& line, const nlohmann::json& held,
                             mw::Reply& reply) {
        reply.line_deletions.push_back(mw::LineDeletion{line.line_id, {}});
        mw::LineAddition add;
        add.line_id = held.value("line", std::string());
        add.article_number = line.article_number;
        add.price_incl = line.price_incl;
        add.quantity = line.quantity.value_or(mw::Decimal(1));
        add.text = held.value("text", std::string());
        reply.line_additions.push_back(std::move(add));
        reply.add_message(seats_text(held.value("seats", 0)) + " held for " +
                          held.value("slot", std::string()) + " today.");
    }

    FlowEnv env_;
    TicketingConfig config_;
};

} // namespace mplus_demo
