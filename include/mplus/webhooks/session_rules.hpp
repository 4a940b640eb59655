// The till's own checks of a reply against the request it answers: the session-aware rules
// (INVALID_LINE_ID, LINE_ID_ALREADY_EXISTS, LINE_ALREADY_HAS_DISCOUNT, ...), the stateless
// reply rules and the POS version gates, in one call.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/codec.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/detail/json/dom.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/json_pointer.hpp>
#include <mplus/webhooks/pos_version.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/reply_rules.hpp>
#include <mplus/webhooks/requests.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// What the till knows about its session beyond what a request carries.
struct SessionRuleSettings {
    /// A reply locked the session (lockSession): no lines may be added.
    bool locked = false;
    /// A reply locked the session for additions (lockSessionForAdditions).
    bool locked_for_additions = false;
    /// The back-office setting "Webhooks mogen alle regels verwijderen": when false, a reply
    /// may delete only lines that replies added (else LINE_CHANGE_NOT_ALLOWED).
    bool allow_delete_any_line = true;
    /// The lines replies added (consulted when allow_delete_any_line is false).
    std::set<std::string> lines_added_by_replies;
    /// The POS version the fleet runs (`57.0.0`); empty: no version gates.
    std::string pos_version;
};

namespace detail {

/// True when `line` carries a discount of the cashier's (percentage or amount, not zero).
inline bool has_manual_discount(const SessionLine& line) noexcept {
    return (line.discount_percentage && !line.discount_percentage->is_zero()) ||
           (line.discount_amount && !line.discount_amount->is_zero());
}

/// INVALID_DISCOUNT_PERCENTAGE unless `d` has no percentage or one from 0 to 100.
inline void check_discount_percentage(const std::optional<ExternalDiscount>& d,
                                      const JsonPointer& path, std::vector<Error>& errors) {
    if (!d || !d->discount_percentage) return;
    const Decimal p = *d->discount_percentage;
    if (p < Decimal() || Decimal(100) < p) {
        errors.push_back({errc::invalid_discount_percentage,
                          JsonPointer(path).append_key("discountPercentage").to_string(),
                          "a discount percentage goes from 0 to 100, not " + p.to_string()});
    }
}

/// The lines of a request's `session` JSON, read one by one: a line the model cannot read
/// (a request that breaks the protocol itself) still counts with its lineId, so that the
/// rules about line ids hold for the others.
inline Session session_lines_of(const nlohmann::json& session) {
    Session out;
    const auto lines = session.find("lines");
    if (lines == session.end() || !lines->is_array()) return out;
    for (const auto& l : *lines) {
        Result<SessionLine> line = try_parse<SessionLine>(
            l.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        if (line.ok()) {
            out.lines.push_back(std::move(*line));
        } else if (l.is_object() && l.contains("lineId") && l["lineId"].is_string()) {
            SessionLine bare;
            bare.line_id = l["lineId"].get<std::string>();
            out.lines.push_back(std::move(bare));
        }
    }
    return out;
}

} // namespace detail

/// Every way `reply` breaks the till's session rules, given the `session` of the request it
/// answers: INVALID_LINE_ID (a change or deletion of a line not in the session),
/// LINE_ID_ALREADY_EXISTS (an addition reusing a lineId), LINE_ALREADY_HAS_DISCOUNT (an
/// external discount on a line that has another discount), INVALID_DISCOUNT_PERCENTAGE (outside
/// 0..100), LINE_CHANGE_NOT_ALLOWED (deleting a line the reply may not delete) and
/// LINE_ADDITION_NOT_ALLOWED (adding to a locked session).
inline std::vector<Error> check_session_rules(const Reply& reply, const Session& session,
                                              const SessionRuleSettings& settings = {}) {
    std::vector<Error> errors;
    std::set<std::string> ids;
    for (const auto& l : session.lines) ids.insert(l.line_id);
    for (std::size_t i = 0; i < reply.line_changes.size(); ++i) {
        const LineChange& c = reply.line_changes[i];
        const JsonPointer at = JsonPointer::of("lineChanges", i);
        const std::string line_id_at = JsonPointer(at).append_key("lineId").to_string();
        const SessionLine* l = session.find_line(c.line_id);
        if (l == nullptr) {
            errors.push_back({errc::invalid_line_id, line_id_at, "no line " + c.line_id});
            continue;
        }
        if (c.external_discount &&
            (detail::has_manual_discount(*l) ||
             (l->external_discount &&
              l->external_discount->discount_id != c.external_discount->discount_id))) {
            errors.push_back({errc::line_already_has_discount, line_id_at,
                              "line " + c.line_id + " already has a discount"});
        }
        detail::check_discount_percentage(c.external_discount,
                                          JsonPointer(at).append_key("externalDiscount"), errors);
    }
    for (std::size_t i = 0; i < reply.line_deletions.size(); ++i) {
        const std::string& id = reply.line_deletions[i].line_id;
        const std::string path = JsonPointer::of("lineDeletions", i, "lineId").to_string();
        if (ids.erase(id) == 0) {
            errors.push_back({errc::invalid_line_id, path, "no line " + id});
        } else if (!settings.allow_delete_any_line &&
                   settings.lines_added_by_replies.count(id) == 0) {
            errors.push_back({errc::line_change_not_allowed, path,
                              "line " + id + " was not added by a webhook reply"});
        }
    }
    const bool additions_locked = settings.locked || settings.locked_for_additions;
    for (std::size_t i = 0; i < reply.line_additions.size(); ++i) {
        const LineAddition& a = reply.line_additions[i];
        const JsonPointer path = JsonPointer::of("lineAdditions", i);
        if (additions_locked) {
            errors.push_back({errc::line_addition_not_allowed, path.to_string(),
                              settings.locked ? "the session is locked"
                                              : "the session is locked for additions"});
        }
        if (a.line_id && !ids.insert(*a.line_id).second) {
            errors.push_back({errc::line_id_already_exists,
                              JsonPointer(path).append_key("lineId").to_string(),
                              "line " + *a.line_id + " already exists"});
        }
        detail::check_discount_percentage(a.external_discount,
                                          JsonPointer(path).append_key("externalDiscount"), errors);
    }
    return errors;
}

/// What the till thinks of a reply: the rules it breaks (each with its path and the POS's wire
/// code: the till refuses the reply) and the features it uses that the POS version lacks.
struct ReplyCheck {
    std::vector<Error> errors;               ///< the till refuses the reply for these
    std::vector<VersionGateProblem> too_new; ///< features newer than the POS version
    std::optional<PosVersion> pos_version;   ///< the version checked against

    /// True when the till accepts the reply and every feature exists in its version.
    bool ok() const noexcept { return errors.empty() && too_new.empty(); }
    /// One line per problem: `<path>: <message> (<WIRE_CODE>)`, then the version notes.
    std::string to_string() const {
        std::string out;
        for (const auto& e : errors) {
            out += (e.path.empty() ? std::string("/") : e.path) + ": " + e.message + " (" +
                   std::string(e.wire()) + ")\n";
        }
        for (const auto& v : too_new) {
            out += v.to_string(pos_version.value_or(PosVersion{})) + "\n";
        }
        return out;
    }
};

namespace detail {
/// Fills in the version gates of `check`: the features of `reply` (its JSON) newer than
/// `pos_version`; nothing when `pos_version` is empty or cannot be read.
inline void gate_versions(ReplyCheck& check, const nlohmann::json& reply,
                          std::string_view pos_version) {
    if (pos_version.empty()) return;
    check.pos_version = PosVersion::parse(pos_version);
    if (check.pos_version) check.too_new = check_pos_version(reply, *check.pos_version);
}
} // namespace detail

/// Checks `reply` against the request it answers, as the till does: the stateless rules (the
/// context — event, polling, externalPaymentId — taken from the request), the session rules
/// on the request's `session` (when it has one) and, when `settings.pos_version` is set, the
/// version gates on the reply's JSON. `request` is the request's JSON (an empty object when
/// unknown: the rules that need it are then skipped).
inline ReplyCheck check_reply_against(const Reply& reply, EventKind event,
                                      const nlohmann::json& request,
                                      const SessionRuleSettings& settings = {}) {
    ReplyCheck check;
    ReplyContext context;
    context.event = event;
    if (request.is_object()) {
        const auto ev = request.find("event");
        if (ev != request.end() && ev->is_object()) {
            const auto polling = ev->find("eventPolling");
            context.polling = polling != ev->end() && polling->is_boolean() && polling->get<bool>();
        }
        const auto payment = request.find("externalPayment");
        if (payment != request.end() && payment->is_object()) {
            const auto id = payment->find("externalPaymentId");
            if (id != payment->end() && id->is_string()) {
                context.external_payment_id = id->get<std::string>();
            }
        }
    }
    check.errors = check_reply(reply, context);
    if (request.is_object()) {
        const auto s = request.find("session");
        if (s != request.end() && s->is_object()) {
            const std::vector<Error> more =
                check_session_rules(reply, detail::session_lines_of(*s), settings);
            check.errors.insert(check.errors.end(), more.begin(), more.end());
        }
    }
    if (!settings.pos_version.empty()) {
        const nlohmann::json j = reply;
        detail::gate_versions(check, j, settings.pos_version);
    }
    return check;
}

/// check_reply_against() with the request as JSON text (an unreadable text counts as unknown).
inline ReplyCheck check_reply_against(const Reply& reply, EventKind event,
                                      std::string_view request_body,
                                      const SessionRuleSettings& settings = {}) {
    nlohmann::json request = detail::parse_dom<nlohmann::json>(request_body);
    if (request.is_discarded()) request = nlohmann::json::object();
    return check_reply_against(reply, event, request, settings);
}

/// check_reply_against() with the request's text in a std::string.
inline ReplyCheck check_reply_against(const Reply& reply, EventKind event,
                                      const std::string& request_body,
                                      const SessionRuleSettings& settings = {}) {
    return check_reply_against(reply, event, std::string_view(request_body), settings);
}

/// check_reply_against() with the request's text in a C string.
inline ReplyCheck check_reply_against(const Reply& reply, EventKind event, const char* request_body,
                                      const SessionRuleSettings& settings = {}) {
    return check_reply_against(reply, event, std::string_view(request_body), settings);
}

MPLUS_WEBHOOKS_END_NAMESPACE
