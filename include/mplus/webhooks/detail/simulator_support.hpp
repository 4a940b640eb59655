// Internals of the POS simulator: ids, line arithmetic, option matching and the texts that
// describe what the simulated POS shows.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE
namespace detail {

/// Version-4 UUIDs from a splitmix64 stream: reproducible for one seed, which keeps test
/// transcripts stable, and cheap (no <random> engine state to carry around).
class UuidGenerator {
public:
    explicit UuidGenerator(std::uint64_t seed = 1) noexcept : state_(seed) {}

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

/// True when `line` carries a discount of the cashier's (percentage or amount, not zero).
inline bool has_manual_discount(const SessionLine& line) noexcept {
    return (line.discount_percentage && !line.discount_percentage->is_zero()) ||
           (line.discount_amount && !line.discount_amount->is_zero());
}

/// The option a cashier means by `text`: the one named exactly so, else the only one whose
/// name contains it (a test says "10:00-11:00" for "10:00-11:00 (12 seats left)"). nullptr
/// when none or several match.
inline const DialogOption* find_option_by_text(const Dialog& dialog, std::string_view text) {
    for (const auto& o : dialog.dialog_options) {
        if (o.option_name == text) return &o;
    }
    const DialogOption* found = nullptr;
    for (const auto& o : dialog.dialog_options) {
        if (o.option_name.find(text) != std::string::npos) {
            if (found != nullptr) return nullptr;
            found = &o;
        }
    }
    return found;
}

/// The dialog option with id `id`, or nullptr.
inline const DialogOption* find_option_by_id(const Dialog& dialog, std::int64_t id) noexcept {
    for (const auto& o : dialog.dialog_options) {
        if (o.option_id == id) return &o;
    }
    return nullptr;
}

/// `"text"` in double quotes, for the descriptions below.
inline std::string quote_text(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out.push_back('"');
    out.append(text);
    out.push_back('"');
    return out;
}

/// The lines a POS display would show for the messages of `m`.
inline void describe_message(const MessageText& m, std::string_view where,
                             std::vector<std::string>& out) {
    if (m.message && !m.message->empty()) {
        out.push_back("POS shows " + std::string(where) + ": " + quote_text(*m.message));
    }
    if (m.customer_message && !m.customer_message->empty()) {
        out.push_back("customer display shows " + std::string(where) + ": " +
                      quote_text(*m.customer_message));
    }
}

/// One printed footer entry as text: `text | [qrcode ABC] | text`.
inline std::string describe_footer(const FooterEntry& e) {
    std::string out;
    const auto add = [&out](const std::string& part) {
        if (!out.empty()) out += " | ";
        out += part;
    };
    if (e.text_before) add(quote_text(*e.text_before));
    if (e.barcode) {
        const std::string type =
            e.barcode->code_type ? e.barcode->code_type->str() : std::string("code128");
        add("[" + type + " " + e.barcode->code.value_or(std::string()) + "]");
    }
    if (e.text_after) add(quote_text(*e.text_after));
    return out.empty() ? std::string("(empty)") : out;
}

/// The dialog as the cashier sees it: title line, then one line per option.
inline void describe_dialog(const Dialog& d, std::vector<std::string>& out) {
    std::string head = "POS shows dialog " + quote_text(d.dialog_title);
    if (d.required) head += " (required)";
    if (d.allow_multiple_options) head += " (several choices)";
    out.push_back(head);
    for (const auto& o : d.dialog_options) {
        std::string line = "  [" + std::to_string(o.option_id) + "] " + o.option_name;
        if (o.disabled.value_or(false)) line += " (disabled)";
        out.push_back(line);
    }
}

/// The form as the cashier sees it: title line, then one line per field.
inline void describe_form(const Form& f, std::vector<std::string>& out) {
    out.push_back("POS shows form " + quote_text(f.title));
    for (const auto& field : f.fields) {
        std::string line = "  " + field.id + " (" + field.type.str() + "): " + field.label;
        if (field.required) line += " *";
        for (const auto& o : field.options) line += " [" + o.id + " " + o.label + "]";
        out.push_back(line);
    }
}

/// `body` indented by nlohmann's dump(2), keys in wire order; the text itself when it is not
/// JSON (the transcript must show what was sent, readable or not).
inline std::string pretty_json(std::string_view body) {
    if (body.empty()) return "(empty body)";
    const nlohmann::ordered_json j = nlohmann::ordered_json::parse(body, nullptr, false);
    if (j.is_discarded()) return std::string(body);
    return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

} // namespace detail
MPLUS_WEBHOOKS_END_NAMESPACE
