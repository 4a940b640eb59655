// The simulated till's state and rules: the session and its lines, locks, what the till shows
// and prints, and how a reply the till accepted changes them.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/detail/json/dom.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>
#include <mplus/webhooks/session_rules.hpp>
#include <mplus/webhooks/testing/describe.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// An article the simulated POS knows: gives the price and text of a line a reply adds by
/// article number or barcode without them.
struct SimulatedArticle {
    std::int64_t article_number = 0;    ///< the article's number
    std::string text;                   ///< the article's text
    Decimal price_incl;                 ///< its price including VAT
    std::optional<std::string> barcode; ///< its barcode, for adds by barcode
};

/// Version-4 UUIDs from a splitmix64 stream: reproducible for one seed, which keeps test
/// transcripts stable, and cheap (no `<random>` engine state to carry around).
class IdGenerator {
public:
    /// A generator whose stream starts at `seed`.
    explicit IdGenerator(std::uint64_t seed = 1) noexcept : state_(seed) {}

    /// The next 64 random bits.
    std::uint64_t next() noexcept {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }

    /// A random (version 4, variant 1) UUID in lower-case 8-4-4-4-12 form.
    std::string uuid() {
        std::uint64_t hi = next();
        std::uint64_t lo = next();
        hi = (hi & ~std::uint64_t{0xf000}) | std::uint64_t{0x4000};
        lo = (lo & ~(std::uint64_t{0xc} << 60)) | (std::uint64_t{0x8} << 60);
        constexpr std::string_view digits = "0123456789abcdef";
        std::string out;
        out.reserve(36);
        for (int i = 15; i >= 0; --i) {
            out.push_back(digits[static_cast<std::size_t>((hi >> (i * 4)) & 0xfu)]);
            if (i == 8 || i == 4) out.push_back('-');
        }
        out.push_back('-');
        for (int i = 15; i >= 0; --i) {
            out.push_back(digits[static_cast<std::size_t>((lo >> (i * 4)) & 0xfu)]);
            if (i == 12) out.push_back('-');
        }
        return out;
    }

private:
    std::uint64_t state_;
};

/// What a line costs after its own and its external discount, rounded to cents as a till does.
inline Decimal line_total(const SessionLine& line) {
    const Decimal price = line.price_incl.value_or(Decimal());
    const Decimal quantity = line.quantity.value_or(Decimal(1));
    Decimal total = price * quantity;
    if (line.discount_percentage) {
        total -= Decimal::divide(total * *line.discount_percentage, Decimal(100), 2);
    }
    if (line.discount_amount) total -= *line.discount_amount;
    if (line.external_discount) {
        const ExternalDiscount& d = *line.external_discount;
        const Decimal base = price * d.apply_to_quantity.value_or(quantity);
        if (d.discount_percentage) {
            total -= Decimal::divide(base * *d.discount_percentage, Decimal(100), 2);
        }
        if (d.discount_amount) total -= *d.discount_amount;
    }
    return total.round(2);
}

/// What applying one reply showed, printed and said, in order.
struct TillEffects {
    std::vector<std::string> shows;           ///< readable lines for the transcript
    std::vector<Message> messages;            ///< messages shown (every source)
    std::vector<FooterEntry> receipt_footers; ///< printed on the receipt
    std::vector<FooterEntry> bill_footers;    ///< printed on the bill
};

/// The till's state: the session (also after it was closed, until the next one starts), its
/// locks, and everything replies made the till show, print or remember.
struct TillState {
    Session session;                        ///< the sale as the till holds it
    bool session_open = false;              ///< a sale is open
    bool locked = false;                    ///< a reply locked the session
    bool locked_for_additions = false;      ///< a reply locked the session for additions
    bool payment_started = false;           ///< the payment screen is open (sender.paymentStarted)
    std::set<std::string> added_by_replies; ///< lines replies added (for deletion rights)
    std::vector<Message> messages;          ///< every message shown, in order
    std::vector<FooterEntry> receipt_footers;      ///< the receipt of the last completed session
    std::vector<FooterEntry> bill_footers;         ///< the last bill
    std::optional<VatMethod> vat_method;           ///< the VAT method a reply switched to
    std::optional<std::string> middleware_version; ///< the version a reply announced
    std::optional<DisplayBarcode> barcode;         ///< the code on the customer display
    std::optional<OpenUrl> open_url;               ///< the last URL a reply asked to open
    std::optional<RequestScanCode> requested_scan; ///< a request to scan, until the next scan
    std::map<std::string, std::string> custom_action_captions; ///< by custom action id
    std::vector<std::string> requested_custom_actions;         ///< in order
    std::vector<ExternalCardScan> external_card_scans;         ///< in order
    std::vector<PrepayTable> table_prepayments;                ///< in order
    std::vector<ErrorInfo> error_requests; ///< every error request the till sent, in order

    /// Opens a new, empty session with `session_id`; the locks are lifted.
    void open_session(std::string session_id) {
        session = Session{};
        session.session_id = std::move(session_id);
        session_open = true;
        locked = false;
        locked_for_additions = false;
        added_by_replies.clear();
    }
    /// Closes the session (it stays readable until the next one opens).
    void close_session() noexcept {
        session_open = false;
        payment_started = false;
        locked = false;
        locked_for_additions = false;
    }
    /// The line `id`, or nullptr.
    SessionLine* find_line(std::string_view id) noexcept {
        for (auto& l : session.lines) {
            if (l.line_id == id) return &l;
        }
        return nullptr;
    }
    /// Removes the line `id` (nothing when there is none).
    void erase_line(std::string_view id) {
        for (auto it = session.lines.begin(); it != session.lines.end(); ++it) {
            if (it->line_id == id) {
                session.lines.erase(it);
                return;
            }
        }
    }
    /// Why the till does not let the cashier add a line now (a reply locked the session, or
    /// locked it for additions), or nullopt.
    std::optional<std::string> refuses_addition() const {
        if (locked) return std::string("the session is locked");
        if (locked_for_additions) return std::string("the session is locked for additions");
        return std::nullopt;
    }
    /// Why the till does not let the cashier set line `id` to `quantity` (no such line, a
    /// locked session, or more while locked for additions), or nullopt.
    std::optional<std::string> refuses_update(std::string_view id, Decimal quantity) const {
        const SessionLine* line = session.find_line(id);
        if (line == nullptr) return "no line " + std::string(id);
        if (locked) return std::string("the session is locked");
        if (locked_for_additions && quantity > line->quantity.value_or(Decimal(1))) {
            return std::string("the session is locked for additions");
        }
        return std::nullopt;
    }
    /// Why the till does not let the cashier remove line `id` (no such line, or a locked
    /// session), or nullopt.
    std::optional<std::string> refuses_removal(std::string_view id) const {
        if (session.find_line(id) == nullptr) return "no line " + std::string(id);
        if (locked) return std::string("the session is locked");
        return std::nullopt;
    }

    /// What the sale costs, discounts applied.
    Decimal total() const {
        Decimal sum;
        for (const auto& l : session.lines) sum += line_total(l);
        return sum;
    }
    /// What is still to be paid.
    Decimal open_amount() const {
        Decimal open = total();
        for (const auto& p : session.payments) open -= p.amount;
        return open;
    }
    /// The settings of the session rules in this state (locks, lines added by replies).
    SessionRuleSettings rule_settings(bool allow_delete_any_line = true) const {
        SessionRuleSettings s;
        s.locked = locked;
        s.locked_for_additions = locked_for_additions;
        s.allow_delete_any_line = allow_delete_any_line;
        s.lines_added_by_replies = added_by_replies;
        return s;
    }

    /// Every way `reply` breaks the till's rules, as the till checks the reply to the request
    /// `request_body` of event `event`: the session rules apply to the session the request
    /// carried (the till's own, or one a hand-written request gave), else to this session;
    /// `polling` is how the request was sent. `settings` gives the back-office setting and
    /// the POS version; the locks and the lines replies added are this state's.
    ReplyCheck check_reply(const Reply& reply, EventKind event, std::string_view request_body,
                           bool polling, SessionRuleSettings settings = {}) const {
        settings.locked = locked;
        settings.locked_for_additions = locked_for_additions;
        settings.lines_added_by_replies = added_by_replies;
        nlohmann::json request = webhooks::detail::parse_dom<nlohmann::json>(request_body);
        if (request.is_discarded() || !request.is_object()) request = nlohmann::json::object();
        if (!request.contains("session")) request["session"] = session;
        if (request.contains("event") && request["event"].is_object()) {
            request["event"]["eventPolling"] = polling;
        }
        return check_reply_against(reply, event, request, settings);
    }

    /// Shows `m` (when it has a text) and records it as shown.
    void show(TillEffects& effects, const MessageText& m, std::string_view where,
              const std::optional<std::string>& color = std::nullopt) {
        if (!m.message && !m.customer_message) return;
        Message shown;
        static_cast<MessageText&>(shown) = m;
        shown.background_color = color;
        messages.push_back(shown);
        effects.messages.push_back(shown);
        detail::describe_message(m, where, effects.shows);
    }

    /// Applies a reply the till accepted, as the POS does; `effects` gets what it showed.
    /// New lines without a lineId get one from `ids`; lines added by reference take their
    /// price and text from `articles`.
    void apply(const Reply& reply, TillEffects& effects, IdGenerator& ids,
               const std::vector<SimulatedArticle>& articles) {
        for (const auto& c : reply.line_changes) {
            SessionLine* l = find_line(c.line_id);
            if (l == nullptr) continue; // checked against the request's session, not this one
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
            effects.shows.push_back(text);
        }
        for (const auto& d : reply.line_deletions) {
            const SessionLine* l = session.find_line(d.line_id);
            effects.shows.push_back("POS deletes line " +
                                    detail::quote_text(l ? l->text : d.line_id));
            erase_line(d.line_id);
            added_by_replies.erase(d.line_id);
        }
        for (const auto& a : reply.line_additions) {
            SessionLine l;
            l.line_id = a.line_id ? *a.line_id : ids.uuid();
            l.article_number = a.article_number;
            l.supplier_article_number = a.supplier_article_number;
            l.plu_number = a.plu_number;
            l.ext_article_id = a.ext_article_id;
            const SimulatedArticle* article = find_article(articles, a);
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
            added_by_replies.insert(l.line_id);
            effects.shows.push_back("POS adds line " + detail::quote_text(l.text) + " " +
                                    l.quantity->to_string() + " x " + l.price_incl->to_string());
            session.lines.push_back(std::move(l));
        }
        if (reply.lock_session) {
            locked = *reply.lock_session;
            effects.shows.push_back(locked ? "POS locks the session" : "POS unlocks the session");
        }
        if (reply.lock_session_for_additions) {
            locked_for_additions = *reply.lock_session_for_additions;
            effects.shows.push_back(locked_for_additions ? "POS locks the session for additions"
                                                         : "POS unlocks the session for additions");
        }
        if (reply.scan_code) {
            const ScanCodeReply& s = *reply.scan_code;
            effects.shows.push_back(s.recognized ? "POS: code recognized"
                                                 : "POS: code not recognized");
            if (s.relation_number && session_open) {
                if (!session.relation || session.relation->relation_number != *s.relation_number) {
                    Relation r;
                    r.relation_number = *s.relation_number;
                    session.relation = r;
                }
                effects.shows.push_back("POS selects relation " +
                                        std::to_string(*s.relation_number));
            }
            MessageText m;
            m.message = s.message;
            m.customer_message = s.customer_message;
            show(effects, m, "message");
        }
        for (const auto& m : reply.message) show(effects, m, "message", m.background_color);
        if (reply.receipt_footer) {
            for (const auto& e : reply.receipt_footer->entries) {
                effects.receipt_footers.push_back(e);
                effects.shows.push_back("POS prints receipt footer: " + detail::describe_footer(e));
            }
        }
        if (reply.bill_footer) {
            for (const auto& e : reply.bill_footer->entries) {
                effects.bill_footers.push_back(e);
                effects.shows.push_back("POS prints bill footer: " + detail::describe_footer(e));
            }
        }
        if (reply.request_scan_code) {
            requested_scan = reply.request_scan_code;
            effects.shows.push_back("POS asks to scan a code: " +
                                    detail::quote_text(reply.request_scan_code->request_title));
        }
        if (reply.display_barcode) {
            barcode = reply.display_barcode;
            effects.shows.push_back("customer display shows code [" +
                                    reply.display_barcode->code_type.str() + " " +
                                    reply.display_barcode->code + "]");
        }
        if (reply.hide_barcode.value_or(false)) {
            barcode.reset();
            effects.shows.push_back("customer display hides the code");
        }
        if (reply.open_url) {
            open_url = reply.open_url;
            effects.shows.push_back("POS opens " + reply.open_url->url);
        }
        if (reply.custom_action_change) {
            custom_action_captions[reply.custom_action_change->custom_action_id] =
                reply.custom_action_change->button_caption;
            effects.shows.push_back("POS renames button " +
                                    reply.custom_action_change->custom_action_id + " to " +
                                    detail::quote_text(reply.custom_action_change->button_caption));
        }
        if (reply.vat_method_change) {
            vat_method = reply.vat_method_change;
            effects.shows.push_back("POS switches the VAT method to " +
                                    reply.vat_method_change->str());
        }
        if (reply.external_card_scan) {
            external_card_scans.push_back(*reply.external_card_scan);
            effects.shows.push_back(
                "POS shows card " +
                detail::quote_text(reply.external_card_scan->card_identifier.value_or("")));
        }
        if (reply.prepay_table) {
            table_prepayments.push_back(*reply.prepay_table);
            effects.shows.push_back("POS registers a prepayment on table " +
                                    std::to_string(reply.prepay_table->table.number.value_or(0)));
        }
        if (reply.request_custom_action) {
            requested_custom_actions.push_back(reply.request_custom_action->custom_action_id);
            effects.shows.push_back("POS runs custom action " +
                                    reply.request_custom_action->custom_action_id);
        }
        if (reply.version) {
            middleware_version = reply.version;
            effects.shows.push_back("middleware version " + *reply.version);
        }
        if (reply.external_payment) {
            const ExternalPaymentReply& e = *reply.external_payment;
            if (e.started.value_or(false)) effects.shows.push_back("POS: external payment started");
            if (e.confirmed.value_or(false)) {
                std::string text = "POS: external payment confirmed";
                if (e.final_amount) text += ", amount " + e.final_amount->to_string();
                if (e.external_transaction_reference) {
                    text += ", reference " + detail::quote_text(*e.external_transaction_reference);
                }
                effects.shows.push_back(text);
                for (const auto& t : e.receipt_texts) {
                    effects.shows.push_back("POS prints payment receipt text: " +
                                            detail::quote_text(t.text));
                }
            }
            if (e.cancelled.value_or(false)) {
                effects.shows.push_back("POS: external payment cancelled");
            }
            show(effects, e, "payment message");
        }
        if (reply.polling) show(effects, *reply.polling, "polling message");
        if (reply.dialog) {
            detail::describe_dialog(*reply.dialog, effects.shows);
        }
        if (reply.form) {
            detail::describe_form(*reply.form, effects.shows);
        }
    }

    /// The article of `articles` a line addition names (by article number or barcode).
    static const SimulatedArticle* find_article(const std::vector<SimulatedArticle>& articles,
                                                const LineAddition& a) noexcept {
        for (const auto& art : articles) {
            if ((a.article_number && art.article_number == *a.article_number) ||
                (a.barcode && art.barcode && *art.barcode == *a.barcode)) {
                return &art;
            }
        }
        return nullptr;
    }
};

MPLUS_WEBHOOKS_END_NAMESPACE
