// Holds on seats, vouchers or payments that expire when their session never completes.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
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

/// Settings of Holds.
struct HoldOptions {
    /// The store table of the holds, by key; `<table>_by_session` indexes them by session.
    std::string table = "holds";
    /// A hold not renewed for this long is released by expire() and no longer counts.
    std::chrono::milliseconds ttl{std::chrono::minutes(15)};
    /// The clock of the stored times.
    Clock clock = unix_millis;
};

/// One hold: what `session_id` holds under `key`, with the caller's `data`.
struct Hold {
    std::string key;             ///< what is held, e.g. a seat or a slot
    std::string session_id;      ///< the sale that holds it
    nlohmann::json data;         ///< what the integrator stored with it
    std::int64_t held_at = 0;    ///< Unix milliseconds of the first hold
    std::int64_t expires_at = 0; ///< Unix milliseconds after which it is released
};

/// Holds by key (a seat, a voucher code, a payment), each owned by a session.
///
/// A hold lasts `ttl` from its last renewal. A session that completes or is cancelled
/// releases its holds (release_session); one that never does (a till that crashed) loses them
/// when expire() runs after `ttl`, on any store. An expired hold counts as free at once, also
/// before expire() removed it. Every call has a twin that takes the caller's transaction, so
/// a hold and the business state it guards change together. Thread-safe.
class Holds {
public:
    /// Holds on `store` with `options`.
    explicit Holds(Store& store, HoldOptions options = {})
        : store_(store), options_(std::move(options)), index_(options_.table + "_by_session") {}

    /// Holds `key` for `session_id` (renews it when the session holds it already). False when
    /// another session holds it and the hold has not expired.
    bool hold(Transaction& tx, const std::string& key, const std::string& session_id,
              nlohmann::json data = nlohmann::json::object()) {
        const std::int64_t now = options_.clock();
        std::int64_t held_at = now;
        if (const auto current = live(tx, key, now)) {
            if (current->session_id != session_id) return false;
            held_at = current->held_at;
        } else if (const auto stale = tx.get(options_.table, key)) {
            tx.erase(index_, index_key(text(*stale, "session_id"), key));
        }
        tx.put(options_.table, key,
               {{"session_id", session_id},
                {"data", std::move(data)},
                {"held_at", held_at},
                {"expires_at", now + options_.ttl.count()}});
        tx.put(index_, index_key(session_id, key), nlohmann::json::object());
        return true;
    }
    /// hold() in a transaction of its own.
    bool hold(const std::string& key, const std::string& session_id,
              nlohmann::json data = nlohmann::json::object()) {
        return store_.with([&](Transaction& tx) { return hold(tx, key, session_id, data); });
    }

    /// The live hold on `key`, if any (an expired one is absent).
    std::optional<Hold> find(Transaction& tx, const std::string& key) {
        return live(tx, key, options_.clock());
    }
    /// find() in a transaction of its own.
    std::optional<Hold> find(const std::string& key) {
        return store_.with([&](Transaction& tx) { return find(tx, key); });
    }

    /// Releases the hold on `key`, returning it (nullopt when there was none).
    std::optional<Hold> release(Transaction& tx, const std::string& key) {
        const auto doc = tx.get(options_.table, key);
        if (!doc) return std::nullopt;
        Hold h = hold_of(key, *doc);
        tx.erase(options_.table, key);
        tx.erase(index_, index_key(h.session_id, key));
        return h;
    }
    /// release() in a transaction of its own.
    std::optional<Hold> release(const std::string& key) {
        return store_.with([&](Transaction& tx) { return release(tx, key); });
    }

    /// Releases every hold of `session_id` (completed or cancelled); returns them.
    std::vector<Hold> release_session(Transaction& tx, const std::string& session_id) {
        std::vector<Hold> out;
        const std::string prefix = session_id + '\n';
        for (const auto& row : tx.list_prefix(index_, prefix)) {
            if (auto h = release(tx, row.first.substr(prefix.size()))) out.push_back(std::move(*h));
        }
        return out;
    }
    /// release_session() in a transaction of its own.
    std::vector<Hold> release_session(const std::string& session_id) {
        return store_.with([&](Transaction& tx) { return release_session(tx, session_id); });
    }

    /// Renews every live hold of `session_id` for another `ttl` (the session is active).
    std::size_t renew_session(Transaction& tx, const std::string& session_id) {
        const std::int64_t now = options_.clock();
        std::size_t renewed = 0;
        const std::string prefix = session_id + '\n';
        for (const auto& row : tx.list_prefix(index_, prefix)) {
            const std::string key = row.first.substr(prefix.size());
            auto doc = tx.get(options_.table, key);
            if (!doc || number(*doc, "expires_at") <= now) continue;
            (*doc)["expires_at"] = now + options_.ttl.count();
            tx.put(options_.table, key, *doc);
            ++renewed;
        }
        return renewed;
    }

    /// The live holds of `session_id`, ordered by key.
    std::vector<Hold> of_session(Transaction& tx, const std::string& session_id) {
        const std::int64_t now = options_.clock();
        std::vector<Hold> out;
        const std::string prefix = session_id + '\n';
        for (const auto& row : tx.list_prefix(index_, prefix)) {
            if (auto h = live(tx, row.first.substr(prefix.size()), now)) {
                out.push_back(std::move(*h));
            }
        }
        return out;
    }

    /// Releases every hold past its time; returns them (give the seats back, etc.).
    std::vector<Hold> expire(Transaction& tx) {
        const std::int64_t now = options_.clock();
        std::vector<Hold> out;
        for (const auto& row : tx.list(options_.table)) {
            if (number(row.second, "expires_at") > now) continue;
            if (auto h = release(tx, row.first)) out.push_back(std::move(*h));
        }
        return out;
    }
    /// expire() in a transaction of its own.
    std::vector<Hold> expire() {
        return store_.with([&](Transaction& tx) { return expire(tx); });
    }

private:
    static std::string index_key(const std::string& session_id, const std::string& key) {
        return session_id + '\n' + key;
    }
    static std::string text(const nlohmann::json& doc, const char* key) {
        const auto it = doc.find(key);
        return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
    }
    static std::int64_t number(const nlohmann::json& doc, const char* key) {
        const auto it = doc.find(key);
        return it != doc.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
    }
    static Hold hold_of(const std::string& key, const nlohmann::json& doc) {
        Hold h;
        h.key = key;
        h.session_id = text(doc, "session_id");
        if (const auto it = doc.find("data"); it != doc.end()) h.data = *it;
        h.held_at = number(doc, "held_at");
        h.expires_at = number(doc, "expires_at");
        return h;
    }
    std::optional<Hold> live(Transaction& tx, const std::string& key, std::int64_t now) {
        const auto doc = tx.get(options_.table, key);
        if (!doc || number(*doc, "expires_at") <= now) return std::nullopt;
        return hold_of(key, *doc);
    }

    Store& store_;
    HoldOptions options_;
    std::string index_;
};

} // namespace state
MPLUS_WEBHOOKS_END_NAMESPACE
