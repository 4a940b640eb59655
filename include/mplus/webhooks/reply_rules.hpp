// The reply rules that need no session state: which objects go with which event, code types,
// colours, unique ids. Each violation is reported with its path and the POS's wire code.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/json_pointer.hpp>
#include <mplus/webhooks/replies.hpp>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// What a reply is checked against: the request it answers.
struct ReplyContext {
    EventKind event = EventKind::unknown; ///< the event the reply answers
    /// The request's `externalPayment.externalPaymentId` (external-payment events).
    std::string external_payment_id;
    /// The request was a polling one, so the reply must carry `polling`.
    bool polling = false;
};

/// True for `#RRGGBB` or a preset colour name (letters only, such as `red` or `lightGreen`).
inline bool is_valid_color(std::string_view c) noexcept {
    const auto is_hex = [](char ch) {
        return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
    };
    const auto is_letter = [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
    };
    if (c.size() == 7 && c[0] == '#') {
        for (std::size_t i = 1; i < 7; ++i) {
            if (!is_hex(c[i])) return false;
        }
        return true;
    }
    if (c.empty() || c.size() > 32) return false;
    for (char ch : c) {
        if (!is_letter(ch)) return false;
    }
    return true;
}

namespace detail {
/// Collects rule violations under JSON pointer paths. A template, like check_reply, so that a
/// translation unit that never checks a reply does not compile the checks.
template <class Footer>
class RuleChecker {
public:
    explicit RuleChecker(std::vector<Error>& out) : out_(out) {}

    void fail(errc code, JsonPointer path, std::string message) {
        out_.push_back(Error{code, std::move(path).to_string(), std::move(message)});
    }

    void only_with(bool present, bool allowed, std::string_view key, std::string_view events) {
        if (present && !allowed) {
            fail(errc::reply_rule, JsonPointer::of(key),
                 std::string(key) + " is only accepted in a reply to " + std::string(events));
        }
    }

    void color(const std::optional<std::string>& c, JsonPointer path) {
        if (c && !is_valid_color(*c)) {
            fail(errc::reply_rule, std::move(path),
                 "colour \"" + *c + "\" is neither #RRGGBB nor a preset colour name");
        }
    }

    void footer(const std::optional<Footer>& f, std::string_view key) {
        if (!f) return;
        const bool as_array = f->as_array || f->entries.size() != 1;
        for (std::size_t i = 0; i < f->entries.size(); ++i) {
            const FooterEntry& e = f->entries[i];
            JsonPointer base = JsonPointer::of(key);
            if (as_array) base.append_index(i);
            if (e.barcode && e.barcode->code_type && !e.barcode->code_type->is_known()) {
                fail(errc::invalid_receipt_footer_code_type,
                     JsonPointer(base).append_key("barcode").append_key("codeType"),
                     "barcode type \"" + e.barcode->code_type->str() +
                         "\" is not code128 or qrcode");
            }
            if (e.barcode && (!e.barcode->code || e.barcode->code->empty())) {
                fail(errc::invalid_receipt_footer_code,
                     JsonPointer(base).append_key("barcode").append_key("code"),
                     "a footer barcode needs a code");
            }
        }
    }

    template <class Items, class Id>
    void unique(const Items& items, Id id_of, const JsonPointer& path, std::string_view key) {
        std::set<std::string> seen;
        for (std::size_t i = 0; i < items.size(); ++i) {
            const std::string id = id_of(items[i]);
            if (!seen.insert(id).second) {
                fail(errc::reply_rule, JsonPointer(path).append_index(i).append_key(key),
                     "duplicate id \"" + id + "\"");
            }
        }
    }

private:
    std::vector<Error>& out_;
};
} // namespace detail

/// Every violation of the stateless reply rules by `reply` answering `context`; empty when the
/// reply may be sent as it is.
template <class R, detail::if_type<R, Reply> = 0>
std::vector<Error> check_reply(const R& reply, const ReplyContext& context) {
    std::vector<Error> errors;
    detail::RuleChecker<Footer> check(errors);
    const EventKind ev = context.event;

    check.only_with(reply.receipt_footer.has_value(), ev == EventKind::complete_session,
                    "receiptFooter", "completeSession");
    check.only_with(reply.bill_footer.has_value(), ev == EventKind::print_bill, "billFooter",
                    "printBill");
    check.only_with(reply.scan_code.has_value(), ev == EventKind::scan_code, "scanCode",
                    "scanCode");
    check.only_with(reply.external_payment.has_value(), is_external_payment_event(ev),
                    "externalPayment", "the external-payment events");
    if (is_sessionless_event(ev)) {
        check.only_with(!reply.line_changes.empty(), false, "lineChanges", "events with a session");
        check.only_with(!reply.line_additions.empty(), false, "lineAdditions",
                        "events with a session");
        check.only_with(!reply.line_deletions.empty(), false, "lineDeletions",
                        "events with a session");
    }
    if (reply.external_payment && is_external_payment_event(ev) &&
        !reply.external_payment->external_payment_id.empty() &&
        !context.external_payment_id.empty() &&
        reply.external_payment->external_payment_id != context.external_payment_id) {
        check.fail(errc::reply_rule, JsonPointer::of("externalPayment", "externalPaymentId"),
                   "externalPaymentId \"" + reply.external_payment->external_payment_id +
                       "\" is not the request's \"" + context.external_payment_id + "\"");
    }
    if (context.polling && !reply.polling) {
        check.fail(errc::reply_rule, JsonPointer::of("polling"),
                   "a reply to a polling request needs polling");
    }

    check.footer(reply.receipt_footer, "receiptFooter");
    check.footer(reply.bill_footer, "billFooter");

    if (reply.display_barcode && !reply.display_barcode->code_type.is_known()) {
        check.fail(errc::reply_rule, JsonPointer::of("displayBarcode", "codeType"),
                   "code type \"" + reply.display_barcode->code_type.str() +
                       "\" is not barcode, rfid or qrcode");
    }

    for (std::size_t i = 0; i < reply.line_changes.size(); ++i) {
        const auto& d = reply.line_changes[i].external_discount;
        if (d && (!d->discount_id || d->discount_id->empty())) {
            check.fail(errc::reply_rule,
                       JsonPointer::of("lineChanges", i, "externalDiscount", "discountId"),
                       "an external discount needs a discountId");
        }
    }

    if (reply.dialog) {
        const auto& opts = reply.dialog->dialog_options;
        check.unique(
            opts, [](const DialogOption& o) { return std::to_string(o.option_id); },
            JsonPointer::of("dialog", "dialogOptions"), "optionId");
        for (std::size_t i = 0; i < opts.size(); ++i) {
            check.color(opts[i].option_color,
                        JsonPointer::of("dialog", "dialogOptions", i, "optionColor"));
        }
    }
    if (reply.form) {
        const auto& form_fields = reply.form->fields;
        check.unique(
            form_fields, [](const FormField& f) { return f.id; }, JsonPointer::of("form", "fields"),
            "id");
        for (std::size_t i = 0; i < form_fields.size(); ++i) {
            const JsonPointer base = JsonPointer::of("form", "fields", i, "options");
            check.unique(
                form_fields[i].options, [](const FormOption& o) { return o.id; }, base, "id");
            for (std::size_t k = 0; k < form_fields[i].options.size(); ++k) {
                check.color(form_fields[i].options[k].color,
                            JsonPointer(base).append_index(k).append_key("color"));
            }
        }
    }
    for (std::size_t i = 0; i < reply.message.size(); ++i) {
        check.color(reply.message[i].background_color,
                    JsonPointer::of("message", i, "backgroundColor"));
    }
    if (reply.prepay_table && !reply.prepay_table->table.number) {
        check.fail(errc::reply_rule, JsonPointer::of("prepayTable", "table", "number"),
                   "prepayTable needs the table's number");
    }
    return errors;
}

/// Checks `reply` for the event `event` (see check_reply(const Reply&, const ReplyContext&)).
template <class R, detail::if_type<R, Reply> = 0>
std::vector<Error> check_reply(const R& reply, EventKind event) {
    ReplyContext context;
    context.event = event;
    return check_reply(reply, context);
}

MPLUS_WEBHOOKS_END_NAMESPACE
