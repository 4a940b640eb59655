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
#include <mplus/webhooks/state/holds.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
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
    /// Seats held by a sale that neither completes nor is cancelled (a till that crashed) are
    /// free again this long after the sale's last line event.
    std::chrono::milliseconds hold_ttl{std::chrono::minutes(15)};
};

/// Ticketing with time slots (articles 235 and 236 by default).
///
/// Store tables: `ticket_holds` (the SDK's `state::Holds`: `<sessionId> <lineId>` -> the
/// seats a line holds, owned by the session, expiring `hold_ttl` after its last renewal, with
/// `ticket_holds_by_session`), `ticket_slot_holds` (`<date>T<hour> <sessionId> <lineId>`: the
/// holds of a slot), `ticket_slots` (`<date>T<hour>` -> seats sold), `tickets` (ticket id ->
/// the ticket), `ticket_sessions` (sessionId -> the completed sale's footer, so a repeated
/// completeSession prints the same tickets instead of selling them twice) and the counter
/// `ticket`. An expired hold counts as free at once; expire() removes it.
class TicketingFlow : public SessionFlow {
public:
    /// A ticket desk keeping its state in `env.store`.
    explicit TicketingFlow(FlowEnv env, TicketingConfig config = {})
        : env_(std::move(env)), config_(std::move(config)),
          holds_(env_.store, hold_options(config_)) {}

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
            holds_.renew_session(tx, session_id); // the sale goes on: its seats stay held
            // A line that holds seats is our own replacement line: nothing to do. A line that
            // was replaced is a repeat of the request: the same answer again.
            if (const auto held = holds_.find(tx, hold_key(session_id, line.line_id))) {
                const std::string by = held->data.value("replacedBy", std::string());
                if (by.empty()) return;
                if (const auto now_held = holds_.find(tx, hold_key(session_id, by))) {
                    replace_line(line, now_held->data, reply);
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
            const bool live = holds_.find(tx, key).has_value();
            const auto held = holds_.release(tx, key);
            if (!held) return;
            unindex(tx, *held);
            const int seats = held->data.value("seats", 0);
            if (seats == 0 || !live) return;
            reply.add_message("Released " + seats_text(seats) + " of " +
                              held->data.value("slot", std::string()) + ".");
        });
    }

    void on_cancel_session(const mw::SessionRequest& request, mw::Reply&) override {
        env_.store.transact([&](Transaction& tx) {
            for (const auto& h : holds_.release_session(tx, request.session.session_id)) {
                unindex(tx, h);
            }
        });
    }

    /// Releases the seats of sales that stopped without completing or cancelling (after
    /// `hold_ttl`); returns how many holds went.
    std::size_t expire() override {
        return env_.store.with([&](Transaction& tx) {
            const auto gone = holds_.expire(tx);
            for (const auto& h : gone) unindex(tx, h);
            return gone.size();
        });
    }

    /// The store table of the holds (state::Holds).
    static constexpr std::string_view holds_table = "ticket_holds";
    /// The store table that lists the holds of each slot.
    static constexpr std::string_view slot_holds_table = "ticket_slot_holds";

    void on_complete_session(const mw::CompleteSessionRequest& request, mw::Reply& reply) override {
        const std::string& session_id = request.session.session_id;
        nlohmann::json footer = nlohmann::json::array();
        env_.store.transact([&](Transaction& tx) {
            if (const auto done = tx.get("ticket_sessions", session_id)) {
                footer = done->value("footer", nlohmann::json::array());
                return;
            }
            // Only live holds sell: seats whose hold expired may have gone to another sale.
            const std::vector<mplus::webhooks::state::Hold> holds =
                holds_.of_session(tx, session_id);
            for (const auto& h : holds_.release_session(tx, session_id)) unindex(tx, h);
            if (holds.empty()) return;
            // Tickets in the order of the receipt's lines; a line the POS removed without
            // telling us sells nothing.
            std::vector<nlohmann::json> sold;
            for (const auto& line : request.session.lines) {
                for (const auto& h : holds) {
                    if (h.data.value("line", std::string()) == line.line_id &&
                        h.data.value("seats", 0) > 0) {
                        sold.push_back(h.data);
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

    static mplus::webhooks::state::HoldOptions hold_options(const TicketingConfig& config) {
        mplus::webhooks::state::HoldOptions o;
        o.table = std::string(holds_table);
        o.ttl = config.hold_ttl;
        return o; // the real clock: hold times are compared across instances
    }

    /// Removes released hold `h` from its slot's list.
    static void unindex(Transaction& tx, const mplus::webhooks::state::Hold& h) {
        if (h.data.value("seats", 0) == 0) return;
        tx.erase(slot_holds_table,
                 slot_key(h.data.value("date", std::string()), h.data.value("hour", 0)) + " " +
                     h.key);
    }

    int free_seats(Transaction& tx, const std::string& date, int hour) {
        int taken = 0;
        const std::string slot = slot_key(date, hour);
        if (const auto sold = tx.get("ticket_slots", slot)) taken += sold->value("sold", 0);
        const std::string prefix = slot + " ";
        for (const auto& row : tx.list_prefix(slot_holds_table, prefix)) {
            // An expired hold is not found: its seats are free again.
            if (const auto h = holds_.find(tx, row.first.substr(prefix.size()))) {
                taken += h->data.value("seats", 0);
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
        const std::string key = hold_key(session_id, new_id);
        holds_.hold(tx, key, session_id, doc);
        tx.put(slot_holds_table, slot_key(date, hour) + " " + key, nlohmann::json::object());
        // The original line held nothing; a repeat of this request finds the new line's hold.
        holds_.hold(tx, hold_key(session_id, line.line_id), session_id,
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
    mplus::webhooks::state::Holds holds_;
};

} // namespace mplus_demo
