// Loyalty vouchers: a card or relation identifies the customer, completeSession earns points,
// points become vouchers printed as QR codes, and a scanned voucher discounts a line once.
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

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mplus_demo {

/// How the loyalty programme works.
struct LoyaltyConfig {
    std::string card_prefix = "LOY";      ///< scanned codes with this prefix are loyalty cards
    std::string voucher_prefix = "VCH";   ///< scanned codes with this prefix are vouchers
    std::int64_t points_per_euro = 1;     ///< points per whole euro paid
    std::int64_t voucher_threshold = 100; ///< points exchanged for one voucher
    mw::Decimal voucher_value = mw::Decimal(5); ///< the discount of one voucher
    /// What the store holds on first start: this card with one open voucher.
    std::string seed_card = "LOY0001";
    std::string seed_voucher = "VCH0001";
    /// A voucher held by a sale that neither completes nor is cancelled (a till that crashed)
    /// is free again this long after the sale last used it.
    std::chrono::milliseconds hold_ttl{std::chrono::minutes(15)};
};

/// Loyalty vouchers (cards `LOY...`, vouchers `VCH...` by default).
///
/// Store tables: `loyalty_accounts` (account id -> points; the id is the card code, or
/// `REL<number>` for a relation without a card), `loyalty_relations` (relation number ->
/// account id), `loyalty_vouchers` (code -> value, status `open`/`redeemed`),
/// `voucher_holds` (the SDK's `state::Holds`: code -> the sale and line that use it, and the
/// amount, expiring `hold_ttl` after the sale last used it, with `voucher_holds_by_session`),
/// `loyalty_sessions` (sessionId -> the customer, and once completed the receipt footer, so
/// that a repeated completeSession neither earns twice nor redeems twice), the index
/// `loyalty_account_vouchers` (see put_voucher), `loyalty_meta` and the counter `voucher`.
class LoyaltyFlow : public SessionFlow {
public:
    /// A loyalty programme keeping its state in `env.store`; seeds it on first start.
    explicit LoyaltyFlow(FlowEnv env, LoyaltyConfig config = {})
        : env_(std::move(env)), config_(std::move(config)),
          holds_(env_.store, hold_options(config_)) {
        env_.store.transact([&](Transaction& tx) {
            if (tx.get("loyalty_meta", "seeded")) return;
            tx.put("loyalty_accounts", config_.seed_card,
                   nlohmann::json{{"points", 0}, {"name", "Card " + config_.seed_card}});
            put_voucher(tx, config_.seed_voucher,
                        nlohmann::json{{"account", config_.seed_card},
                                       {"value", decimal_text(config_.voucher_value)},
                                       {"status", "open"}});
            // The seeded voucher is number 1: issued vouchers continue after it.
            tx.put("counters", "voucher", nlohmann::json{{"next", 2}});
            tx.put("loyalty_meta", "seeded", nlohmann::json{{"at", now_text()}});
        });
    }

    std::string_view name() const override { return "loyalty"; }

    /// The points of account `account` (0 when there is none).
    std::int64_t points(const std::string& account) {
        return env_.store.with([&](Transaction& tx) {
            const auto doc = tx.get("loyalty_accounts", account);
            return doc ? doc->value("points", std::int64_t{0}) : std::int64_t{0};
        });
    }

    bool on_scan_code(const mw::ScanCodeRequest& request, mw::Reply& reply) override {
        const std::string& code = request.scan_code.scanned_code;
        if (starts_with(code, config_.card_prefix)) {
            reply.scan_code.emplace();
            reply.scan_code->recognized = true;
            env_.store.transact([&](Transaction& tx) {
                identify(tx, request, code, "card", reply);
                if (request.dialog) apply_selected(tx, request, reply);
            });
            return true;
        }
        if (starts_with(code, config_.voucher_prefix)) {
            reply.scan_code.emplace();
            reply.scan_code->recognized = true;
            env_.store.transact([&](Transaction& tx) { scan_voucher(tx, request, code, reply); });
            return true;
        }
        return false;
    }

    void on_select_relation(const mw::SelectRelationRequest& request, mw::Reply& reply) override {
        const std::string& session_id = request.session.session_id;
        env_.store.transact([&](Transaction& tx) {
            const auto& relation = request.select_relation.relation;
            if (!relation) {
                // Deselected: forget the customer only when the relation was how we knew them.
                auto session = tx.get("loyalty_sessions", session_id);
                if (session && session->value("source", std::string()) == "relation") {
                    session->erase("account");
                    session->erase("source");
                    tx.put("loyalty_sessions", session_id, *session);
                }
                return;
            }
            const std::string key = std::to_string(relation->relation_number);
            std::string account = "REL" + key;
            if (const auto linked = tx.get("loyalty_relations", key)) {
                account = linked->value("account", account);
            } else {
                tx.put("loyalty_relations", key, nlohmann::json{{"account", account}});
            }
            if (!tx.get("loyalty_accounts", account)) {
                tx.put("loyalty_accounts", account,
                       nlohmann::json{{"points", 0},
                                      {"name", relation->name.value_or(account)},
                                      {"relation", relation->relation_number}});
            }
            identify(tx, request, account, "relation", reply);
            if (request.dialog) apply_selected(tx, request, reply);
        });
    }

    void on_remove_session_line(const mw::RemoveSessionLineRequest& request,
                                mw::Reply& reply) override {
        const std::string& line_id = request.remove_session_line.line.line_id;
        env_.store.transact([&](Transaction& tx) {
            for (const auto& h : holds_.of_session(tx, request.session.session_id)) {
                if (h.data.value("line", std::string()) != line_id) continue;
                holds_.release(tx, h.key);
                reply.add_message("Voucher " + h.key + " is free again.");
            }
        });
    }

    void on_cancel_session(const mw::SessionRequest& request, mw::Reply&) override {
        const std::string& session_id = request.session.session_id;
        env_.store.transact([&](Transaction& tx) {
            holds_.release_session(tx, session_id);
            tx.erase("loyalty_sessions", session_id);
        });
    }

    /// Frees the vouchers of sales that stopped without completing or cancelling (after
    /// `hold_ttl`); returns how many.
    std::size_t expire() override { return holds_.expire().size(); }

    /// The store table of the vouchers' holds (state::Holds).
    static constexpr std::string_view holds_table = "voucher_holds";

    void on_complete_session(const mw::CompleteSessionRequest& request, mw::Reply& reply) override {
        const std::string& session_id = request.session.session_id;
        nlohmann::json footer = nlohmann::json::array();
        // Points, redemptions and new vouchers: all in one transaction, so that a crash leaves
        // either all of them or none, and a repeat finds the sale completed.
        env_.store.transact([&](Transaction& tx) {
            nlohmann::json session =
                tx.get("loyalty_sessions", session_id).value_or(nlohmann::json::object());
            if (session.value("completed", false)) {
                footer = session.value("footer", nlohmann::json::array());
                return;
            }
            // Only live holds redeem: a voucher whose hold expired may be in another sale.
            for (const auto& h : holds_.of_session(tx, session_id)) {
                const std::string& code = h.key;
                auto voucher = tx.get("loyalty_vouchers", code);
                const mw::SessionLine* l =
                    request.session.find_line(h.data.value("line", std::string()));
                if (voucher && l != nullptr && l->external_discount &&
                    l->external_discount->discount_id.value_or("") == discount_id(code)) {
                    (*voucher)["status"] = "redeemed";
                    (*voucher)["redeemedIn"] = session_id;
                    (*voucher)["redeemedAt"] = now_text();
                    put_voucher(tx, code, *voucher);
                }
            }
            holds_.release_session(tx, session_id);
            std::string account = session.value("account", std::string());
            if (account.empty() && request.session.relation) {
                const auto linked = tx.get(
                    "loyalty_relations", std::to_string(request.session.relation->relation_number));
                if (linked) account = linked->value("account", std::string());
            }
            auto account_doc = account.empty() ? std::nullopt : tx.get("loyalty_accounts", account);
            if (account_doc) {
                mw::Decimal paid;
                for (const auto& p : request.complete_session.payments) paid += p.amount;
                const std::int64_t earned =
                    paid > mw::Decimal()
                        ? paid.round(0, mw::Rounding::down).mantissa() * config_.points_per_euro
                        : 0;
                std::int64_t balance = account_doc->value("points", std::int64_t{0}) + earned;
                std::vector<std::string> issued;
                while (config_.voucher_threshold > 0 && balance >= config_.voucher_threshold) {
                    balance -= config_.voucher_threshold;
                    const std::string code =
                        numbered(config_.voucher_prefix, next_number(tx, "voucher"));
                    put_voucher(tx, code,
                                nlohmann::json{{"account", account},
                                               {"value", decimal_text(config_.voucher_value)},
                                               {"status", "open"},
                                               {"issuedIn", session_id},
                                               {"issuedAt", now_text()}});
                    issued.push_back(code);
                }
                (*account_doc)["points"] = balance;
                tx.put("loyalty_accounts", account, *account_doc);
                footer.push_back(footer_doc("Loyalty " + account + ": +" + std::to_string(earned) +
                                                " points, balance " + std::to_string(balance),
                                            "", "", false));
                for (const auto& code : issued) {
                    footer.push_back(footer_doc("Loyalty voucher: EUR " +
                                                    money_text(config_.voucher_value) +
                                                    " off your next visit",
                                                code, code, true));
                }
            }
            session["completed"] = true;
            session["footer"] = footer;
            tx.put("loyalty_sessions", session_id, session);
        });
        add_footer_entries(reply, footer);
    }

private:
    static bool starts_with(std::string_view s, std::string_view prefix) {
        return !prefix.empty() && s.substr(0, prefix.size()) == prefix;
    }
    /// The external discount id of voucher `code`.
    static std::string discount_id(const std::string& code) { return "loyalty-" + code; }

    std::string now_text() const {
        return mw::format_timestamp(env_.now_millis(), env_.utc_offset_minutes);
    }

    static mplus::webhooks::state::HoldOptions hold_options(const LoyaltyConfig& config) {
        mplus::webhooks::state::HoldOptions o;
        o.table = std::string(holds_table);
        o.ttl = config.hold_ttl;
        return o; // the real clock: hold times are compared across instances
    }

    // The index `<account> <code>` of each account's open vouchers keeps a card scan
    // independent of how many vouchers were ever issued and redeemed. put_voucher() is the
    // only writer of vouchers, so the index never drifts apart; the vouchers a sale holds are
    // the Holds of its session.
    static constexpr const char* account_index = "loyalty_account_vouchers";
    // The most vouchers a card scan offers in its dialog.
    static constexpr std::size_t vouchers_offered = 8;

    /// Stores voucher `code` and brings the index up to date, in the caller's transaction.
    static void put_voucher(Transaction& tx, const std::string& code, const nlohmann::json& doc) {
        const std::string account = doc.value("account", std::string());
        if (!account.empty()) {
            const std::string entry = account + ' ' + code;
            if (doc.value("status", std::string()) == "open") {
                tx.put(account_index, entry, nlohmann::json::object());
            } else {
                tx.erase(account_index, entry);
            }
        }
        tx.put("loyalty_vouchers", code, doc);
    }

    /// Remembers `account` as the sale's customer and tells the cashier about the account. A
    /// card seen for the first time is enrolled (cards are handed out blank).
    void identify(Transaction& tx, const mw::SessionRequest& request, const std::string& account,
                  const char* source, mw::Reply& reply) {
        const std::string& session_id = request.session.session_id;
        auto doc = tx.get("loyalty_accounts", account);
        if (!doc) {
            doc = nlohmann::json{{"points", 0}, {"name", "Card " + account}};
            tx.put("loyalty_accounts", account, *doc);
            reply.add_message("New loyalty card " + account + " registered.");
        }
        nlohmann::json session =
            tx.get("loyalty_sessions", session_id).value_or(nlohmann::json::object());
        session["account"] = account;
        session["source"] = source;
        tx.put("loyalty_sessions", session_id, session);
        if (reply.scan_code && doc->contains("relation")) {
            reply.scan_code->relation_number = (*doc)["relation"].get<std::int64_t>();
        }

        // The oldest open vouchers the card has, at most vouchers_offered: a card with many
        // costs a scan no more than one with a few.
        std::vector<std::string> open;
        for (const auto& [key, entry] : tx.list_prefix(account_index, account + ' ')) {
            if (open.size() == vouchers_offered) break;
            const std::string code = key.substr(account.size() + 1);
            const auto v = tx.get("loyalty_vouchers", code);
            if (v && v->value("status", std::string()) == "open" && !holds_.find(tx, code)) {
                open.push_back(code);
            }
        }
        std::string text = "Loyalty " + account + ": " +
                           std::to_string(doc->value("points", std::int64_t{0})) + " points";
        if (open.size() == 1) text += ", open voucher " + open.front() + " (scan it to use it)";
        reply.add_message(text + ".");
        // Several vouchers: let the cashier pick instead of hunting for the right paper.
        if (open.size() > 1 && !request.dialog) {
            mw::Dialog dialog;
            dialog.dialog_title = "Use a voucher of " + account + "?";
            for (const auto& code : open) {
                dialog.add_option(voucher_number(code),
                                  code + " (EUR " + money_text(voucher_value(tx, code)) + " off)");
            }
            reply.dialog = std::move(dialog);
        }
    }

    /// The number in a voucher code (`VCH0007` -> 7): the option id in the voucher dialog.
    std::int64_t voucher_number(const std::string& code) const {
        std::int64_t n = 0;
        for (char c : code.substr(config_.voucher_prefix.size())) {
            if (c < '0' || c > '9') return 0;
            n = n * 10 + (c - '0');
        }
        return n;
    }

    mw::Decimal voucher_value(Transaction& tx, const std::string& code) {
        const auto v = tx.get("loyalty_vouchers", code);
        return v ? decimal_of(*v, "value") : mw::Decimal();
    }

    /// Applies the vouchers chosen in the dialog (a re-send of scanCode or selectRelation).
    void apply_selected(Transaction& tx, const mw::SessionRequest& request, mw::Reply& reply) {
        for (std::int64_t id : request.dialog->selected_dialog_option_ids) {
            apply_voucher(tx, request, numbered(config_.voucher_prefix, id), reply);
        }
    }

    void scan_voucher(Transaction& tx, const mw::ScanCodeRequest& request, const std::string& code,
                      mw::Reply& reply) {
        const auto voucher = tx.get("loyalty_vouchers", code);
        if (voucher) {
            // The voucher names its owner: the customer is known from now on if not before.
            auto session = tx.get("loyalty_sessions", request.session.session_id)
                               .value_or(nlohmann::json::object());
            if (!session.contains("account")) {
                session["account"] = voucher->value("account", std::string());
                session["source"] = "voucher";
                tx.put("loyalty_sessions", request.session.session_id, session);
            }
        }
        apply_voucher(tx, request, code, reply);
    }

    /// Applies voucher `code` to the sale's largest undiscounted line, or says why not.
    void apply_voucher(Transaction& tx, const mw::SessionRequest& request, const std::string& code,
                       mw::Reply& reply) {
        const std::string& session_id = request.session.session_id;
        auto voucher = tx.get("loyalty_vouchers", code);
        if (!voucher) {
            reply.add_message("Voucher " + code + " is not known.");
            return;
        }
        if (voucher->value("status", std::string()) == "redeemed") {
            reply.add_message("Voucher " + code + " was already used on " +
                              voucher->value("redeemedAt", std::string("an earlier sale")) +
                              ": no discount.");
            return;
        }
        if (const auto held = holds_.find(tx, code)) {
            if (held->session_id != session_id) {
                reply.add_message("Voucher " + code + " is in use in another sale: no discount.");
                return;
            }
            const std::string line = held->data.value("line", std::string());
            if (request.session.find_line(line) != nullptr) {
                // A repeat of the request that applied it: the same change again.
                holds_.hold(tx, code, session_id, held->data); // renewed: the sale goes on
                discount_line(code, line, decimal_of(held->data, "amount"), reply);
                return;
            }
        }
        const mw::SessionLine* target = nullptr;
        mw::Decimal target_total;
        for (const auto& l : request.session.lines) {
            if (l.external_discount || (l.discount_amount && !l.discount_amount->is_zero()) ||
                (l.discount_percentage && !l.discount_percentage->is_zero())) {
                continue; // a line takes one discount only (LINE_ALREADY_HAS_DISCOUNT)
            }
            const mw::Decimal total =
                l.price_incl.value_or(mw::Decimal()) * l.quantity.value_or(mw::Decimal(1));
            if (total > target_total) {
                target = &l;
                target_total = total;
            }
        }
        if (target == nullptr) {
            reply.add_message("Voucher " + code +
                              ": no line to apply it to; add the items first, then scan it.");
            return;
        }
        const mw::Decimal value = std::min(decimal_of(*voucher, "value"), target_total);
        if (!holds_.hold(
                tx, code, session_id,
                nlohmann::json{{"line", target->line_id}, {"amount", decimal_text(value)}})) {
            reply.add_message("Voucher " + code + " is in use in another sale: no discount.");
            return;
        }
        discount_line(code, target->line_id, value, reply);
        reply.add_message("Voucher " + code + ": EUR " + money_text(value) + " off " +
                          target->text + ".");
    }

    void discount_line(const std::string& code, const std::string& line_id, mw::Decimal value,
                       mw::Reply& reply) {
        mw::LineChange change;
        change.line_id = line_id;
        change.external_discount.emplace();
        change.external_discount->discount_id = discount_id(code);
        change.external_discount->discount_description = "Loyalty voucher " + code;
        change.external_discount->discount_amount = value;
        change.external_discount->discount_type = "loyalty";
        reply.line_changes.push_back(std::move(change));
    }

    FlowEnv env_;
    LoyaltyConfig config_;
    mplus::webhooks::state::Holds holds_;
};

} // namespace mplus_demo
