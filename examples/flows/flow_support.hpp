// Small helpers the demo flows share: local time of the till, receipt footers, store counters.
// SPDX-License-Identifier: MIT
#pragma once

#include "flow.hpp"
#include "store.hpp"

#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/timestamp.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mplus_demo {

/// The till's wall clock at one instant: the date and the minute of the day.
struct LocalTime {
    std::string date;      ///< `YYYY-MM-DD` in the till's offset
    int minute_of_day = 0; ///< 0 to 1439
};

/// The till's local date and time of `unix_millis` at `offset_minutes` from UTC.
inline LocalTime local_time(std::int64_t unix_millis, int offset_minutes) {
    const std::string text = mw::format_timestamp(unix_millis, offset_minutes);
    // `YYYY-MM-DDTHH:MM:...`; the year may have more than four digits, so work from the 'T'.
    const std::size_t t = text.find('T');
    LocalTime lt;
    lt.date = text.substr(0, t);
    lt.minute_of_day = ((text[t + 1] - '0') * 10 + (text[t + 2] - '0')) * 60 +
                       (text[t + 4] - '0') * 10 + (text[t + 5] - '0');
    return lt;
}

/// `HH:00` of an hour of the day.
inline std::string hour_text(int hour) {
    std::string s;
    s.push_back(static_cast<char>('0' + hour / 10));
    s.push_back(static_cast<char>('0' + hour % 10));
    s += ":00";
    return s;
}

/// A Decimal as stored in a document: its exact text.
inline std::string decimal_text(mw::Decimal d) {
    return d.to_string();
}

/// The Decimal a document stored as text (zero when absent or unreadable).
inline mw::Decimal decimal_of(const nlohmann::json& doc, const char* key) {
    const auto it = doc.find(key);
    if (it == doc.end() || !it->is_string()) return mw::Decimal();
    return mw::Decimal::parse(it->get<std::string>()).value_or(mw::Decimal());
}

/// Money as a receipt shows it: `5.00`.
inline std::string money_text(mw::Decimal d) {
    const mw::Decimal r = d.round(2);
    std::string s = r.to_string();
    const std::size_t dot = s.find('.');
    if (dot == std::string::npos) return s + ".00";
    if (s.size() - dot == 2) s.push_back('0');
    return s;
}

/// Takes the next number of the counter `name` (1, 2, ...) inside the caller's transaction.
inline std::int64_t next_number(Transaction& tx, std::string_view name) {
    std::int64_t next = 1;
    if (const auto doc = tx.get("counters", name)) next = doc->value("next", std::int64_t{1});
    tx.put("counters", name, nlohmann::json{{"next", next + 1}});
    return next;
}

/// `prefix` followed by `n` with at least `width` digits: `VCH0007`.
inline std::string numbered(std::string_view prefix, std::int64_t n, std::size_t width = 4) {
    std::string digits = std::to_string(n);
    if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
    return std::string(prefix) + digits;
}

/// A receipt footer entry: text, a QR code, more text; stored and rebuilt as a document.
inline nlohmann::json footer_doc(std::string text_before, std::string qr_code,
                                 std::string text_after, bool separate) {
    nlohmann::json doc = {{"textBefore", std::move(text_before)}};
    if (!qr_code.empty()) doc["qr"] = std::move(qr_code);
    if (!text_after.empty()) doc["textAfter"] = std::move(text_after);
    if (separate) doc["separate"] = true;
    return doc;
}

/// Appends the footer entries stored as `docs` (see footer_doc) to the reply's receiptFooter,
/// which is written as an array so that several flows can add to it.
inline void add_footer_entries(mw::Reply& reply, const nlohmann::json& docs) {
    if (!docs.is_array() || docs.empty()) return;
    if (!reply.receipt_footer) reply.receipt_footer.emplace();
    reply.receipt_footer->as_array = true;
    for (const auto& d : docs) {
        mw::FooterEntry e;
        if (d.contains("textBefore")) e.text_before = d["textBefore"].get<std::string>();
        if (d.contains("qr")) {
            e.barcode.emplace();
            e.barcode->code_type = mw::FooterCodeType(mw::FooterCodeType::qrcode);
            e.barcode->code = d["qr"].get<std::string>();
        }
        if (d.contains("textAfter")) e.text_after = d["textAfter"].get<std::string>();
        if (d.value("separate", false)) e.print_separate = true;
        reply.receipt_footer->add(std::move(e));
    }
}

} // namespace mplus_demo
