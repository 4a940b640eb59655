// Small pieces the payment flows share: store strings and replies.
// SPDX-License-Identifier: MIT
#pragma once

#include "flow_support.hpp"

#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <utility>

namespace mplus_demo {
namespace payment_detail {

namespace mw = mplus::webhooks;

/// The string at `key` of a store document; "" when absent.
inline std::string string_at(const nlohmann::json& doc, const char* key) {
    const auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// A reply whose `externalPayment` names payment `id`, plus `"polling":{"finished":true}` when
/// the request polls.
///
/// Every answer finishes its request's polling loop, also a status answer: the external
/// payment's own loop (the POS polls again after every answer until `confirmed` or
/// `cancelled`) is what keeps the payment going, and a `finished:false` would make the POS
/// repeat the request inside one exchange without showing the status in between.
inline mw::Reply payment_reply(const std::string& id, bool polling) {
    mw::Reply r;
    r.external_payment.emplace();
    r.external_payment->external_payment_id = id;
    if (polling) r.polling.emplace(); // finished: true
    return r;
}

/// `externalPayment{cancelled:true}` with `message`.
inline mw::Reply cancelled_reply(const std::string& id, bool polling, std::string message) {
    mw::Reply r = payment_reply(id, polling);
    r.external_payment->cancelled = true;
    r.external_payment->message = std::move(message);
    return r;
}

} // namespace payment_detail
} // namespace mplus_demo
