// What the simulated till shows, as text: messages, footers, dialogs, forms and JSON bodies
// for transcripts.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/replies.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

namespace detail {

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
