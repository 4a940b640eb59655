// Dialog and form continuations: what a handler asked, looked up when the POS re-sends.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/detail/json/dom.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/state/store.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE
namespace state {

/// Settings of Continuations.
struct ContinuationOptions {
    /// The store table of the open questions, by continuation key.
    std::string table = "continuations";
    /// A question not answered for this long is forgotten (the cashier walked away).
    std::chrono::milliseconds ttl{std::chrono::minutes(30)};
    /// The clock of the stored times.
    Clock clock = unix_millis;
};

/// A question a handler asked with a dialog or a form, as stored.
struct Asked {
    std::string kind;                     ///< `dialog` or `form`
    std::vector<std::int64_t> option_ids; ///< dialog: the options offered
    std::string form_id;                  ///< form: its id
    std::vector<std::string> field_ids;   ///< form: its field ids
    nlohmann::json context;               ///< what the handler kept with the question
    std::int64_t asked_at = 0;            ///< Unix milliseconds

    /// True when every id of `selected` was offered by the dialog.
    bool offers(const std::vector<std::int64_t>& selected) const {
        for (const auto id : selected) {
            bool found = false;
            for (const auto o : option_ids) found = found || o == id;
            if (!found) return false;
        }
        return true;
    }
};

/// The key of a request and of its re-send: the POS re-sends an event with everything it sent
/// before plus `dialog` or `form`, so the key is a fingerprint of the event name and the body
/// without those (and without `event.eventCounter` and `event.eventTimestamp`, which a re-send
/// may renew). "" when `body` is not a JSON object.
inline std::string continuation_key(std::string_view event_name, std::string_view body) {
    nlohmann::json doc = webhooks::detail::parse_dom<nlohmann::json>(body);
    if (doc.is_discarded() || !doc.is_object()) return {};
    doc.erase("dialog");
    doc.erase("form");
    if (const auto e = doc.find("event"); e != doc.end() && e->is_object()) {
        e->erase("eventCounter");
        e->erase("eventTimestamp");
    }
    std::string canonical(event_name);
    canonical += '\n';
    canonical += doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return detail::fingerprint(canonical);
}

/// The questions handlers asked, by continuation key, on a Store: the re-send may reach
/// another instance or come after a restart. Thread-safe.
class Continuations {
public:
    /// Continuations on `store` with `options`.
    explicit Continuations(Store& store, ContinuationOptions options = {})
        : store_(store), options_(std::move(options)) {}

    /// Records the dialog or form of `reply` (nothing when it has neither) under `key`, with
    /// `context`. Returns whether something was recorded.
    bool ask(const std::string& key, const Reply& reply,
             nlohmann::json context = nlohmann::json::object()) {
        if (key.empty() || (!reply.dialog && !reply.form)) return false;
        nlohmann::json doc = {{"context", std::move(context)}, {"asked_at", options_.clock()}};
        if (reply.dialog) {
            doc["kind"] = "dialog";
            nlohmann::json ids = nlohmann::json::array();
            for (const auto& o : reply.dialog->dialog_options) ids.push_back(o.option_id);
            doc["option_ids"] = std::move(ids);
        } else {
            doc["kind"] = "form";
            doc["form_id"] = reply.form->id;
            nlohmann::json ids = nlohmann::json::array();
            for (const auto& f : reply.form->fields) ids.push_back(f.id);
            doc["field_ids"] = std::move(ids);
        }
        store_.with([&](Transaction& tx) { tx.put(options_.table, key, doc); });
        return true;
    }

    /// What was asked under `key` and is still open; it stays open (the POS may re-send the
    /// answer again) until finish() or its ttl.
    std::optional<Asked> find(const std::string& key) {
        if (key.empty()) return std::nullopt;
        const auto doc = store_.with([&](Transaction& tx) { return tx.get(options_.table, key); });
        if (!doc) return std::nullopt;
        Asked a = asked_of(*doc);
        if (a.asked_at + options_.ttl.count() <= options_.clock()) return std::nullopt;
        return a;
    }

    /// Closes the question under `key`; returns whether one was open.
    bool finish(const std::string& key) {
        return store_.with([&](Transaction& tx) {
            const bool open = tx.get(options_.table, key).has_value();
            tx.erase(options_.table, key);
            return open;
        });
    }

    /// Forgets every question older than ttl; returns how many.
    std::size_t expire() {
        const std::int64_t limit = options_.clock() - options_.ttl.count();
        return store_.with([&](Transaction& tx) {
            std::size_t n = 0;
            for (const auto& row : tx.list(options_.table)) {
                if (asked_of(row.second).asked_at > limit) continue;
                tx.erase(options_.table, row.first);
                ++n;
            }
            return n;
        });
    }

private:
    static Asked asked_of(const nlohmann::json& doc) {
        Asked a;
        if (const auto it = doc.find("kind"); it != doc.end() && it->is_string()) {
            a.kind = it->get<std::string>();
        }
        if (const auto it = doc.find("form_id"); it != doc.end() && it->is_string()) {
            a.form_id = it->get<std::string>();
        }
        if (const auto it = doc.find("option_ids"); it != doc.end() && it->is_array()) {
            for (const auto& v : *it) {
                if (v.is_number_integer()) a.option_ids.push_back(v.get<std::int64_t>());
            }
        }
        if (const auto it = doc.find("field_ids"); it != doc.end() && it->is_array()) {
            for (const auto& v : *it) {
                if (v.is_string()) a.field_ids.push_back(v.get<std::string>());
            }
        }
        if (const auto it = doc.find("context"); it != doc.end()) a.context = *it;
        if (const auto it = doc.find("asked_at"); it != doc.end() && it->is_number_integer()) {
            a.asked_at = it->get<std::int64_t>();
        }
        return a;
    }

    Store& store_;
    ContinuationOptions options_;
};

} // namespace state
MPLUS_WEBHOOKS_END_NAMESPACE
