// The dedupe guard: a repeated event gets its first reply again, without running the handler.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/detail/json/dom.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/state/store.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE
namespace state {

/// Settings of DedupeGuard.
struct DedupeOptions {
    /// The store table of the replies, by `<instanceId>/<eventCounter>` (with
    /// `<table>_by_minute` and `<table>_meta` for their expiry).
    std::string table = "dedupe";
    /// How long a reply is kept for repeats.
    std::chrono::milliseconds ttl{std::chrono::minutes(10)};
    /// A repeat that arrives while the first is still being handled waits this long for its
    /// reply; after that it is handled again.
    std::chrono::milliseconds in_flight_wait{std::chrono::seconds(30)};
    /// A first request still marked as being handled after this long was lost with its
    /// instance: a repeat is handled as new.
    std::chrono::milliseconds running_lease{std::chrono::seconds(90)};
    /// expire() runs after this many new requests (0: never on its own).
    std::uint64_t expire_every = 1000;
    /// The clock of the stored times.
    Clock clock = unix_millis;
};

/// What DedupeGuard::admit decided about one request.
struct Admission {
    /// What to do with the request.
    enum class Kind {
        pass,   ///< not deduplicated (re-send, polling, error request, no counter): handle it
        fresh,  ///< first of its kind: handle it, then record() the reply (or abandon())
        repeat, ///< a repeat: answer with `reply`, do not run the handler
    };
    Kind kind = Kind::pass;            ///< what to do with the request
    std::string key;                   ///< `<instanceId>/<eventCounter>`; "" for pass
    std::string digest;                ///< the fingerprint of event and body
    std::int64_t admitted_at = 0;      ///< fresh: when it was admitted (Unix milliseconds)
    std::optional<HttpResponse> reply; ///< repeat: the first reply
};

/// Recognises repeated events and replays their first reply.
///
/// A request is a repeat when a request with the same `sender.instanceId` and
/// `event.eventCounter` came with the same event and the same body bytes. A dialog or form
/// re-send, a polling request, a POS error request, and a request without an instance id or
/// counter pass through. A counter that restarts (the POS restarted; a new instanceId, or the
/// same one with a different body) is handled as new: its request replaces what was recorded.
///
/// A repeat of a request still being handled waits for that reply (up to in_flight_wait, on
/// any instance sharing the store). The core is independent of the dispatcher; the dispatcher
/// middleware calls admit() before the handler and record() after it. Thread-safe.
class DedupeGuard {
public:
    /// The guard on `store` with `options`.
    explicit DedupeGuard(Store& store, DedupeOptions options = {})
        : store_(store), options_(std::move(options)), index_(options_.table + "_by_minute"),
          meta_(options_.table + "_meta") {}

    /// Decides about a request for `event_name` with `body`.
    Admission admit(std::string_view event_name, std::string_view body) {
        Admission a;
        const nlohmann::json doc = webhooks::detail::parse_dom<nlohmann::json>(body);
        if (doc.is_discarded() || !doc.is_object()) return a;
        if (doc.contains("dialog") || doc.contains("form") || doc.contains("error")) return a;
        const auto event = doc.find("event");
        const auto sender = doc.find("sender");
        if (event == doc.end() || !event->is_object() || sender == doc.end() ||
            !sender->is_object()) {
            return a;
        }
        if (const auto p = event->find("eventPolling");
            p != event->end() && p->is_boolean() && p->get<bool>()) {
            return a;
        }
        const auto counter = event->find("eventCounter");
        const auto instance = sender->find("instanceId");
        if (counter == event->end() || !counter->is_number_integer() || instance == sender->end() ||
            !instance->is_string()) {
            return a;
        }
        std::string canonical(event_name);
        canonical += '\n';
        canonical += body;
        a.digest = detail::fingerprint(canonical);
        a.key = instance->get<std::string>() + "/" + std::to_string(counter->get<std::int64_t>());

        const auto deadline = std::chrono::steady_clock::now() + options_.in_flight_wait;
        Subscription sub = store_.subscribe(topic(a.key));
        for (;;) {
            const std::int64_t now = options_.clock();
            bool in_flight = false;
            store_.with([&](Transaction& tx) {
                in_flight = false;
                const auto seen = tx.get(options_.table, a.key);
                if (seen && text(*seen, "digest") == a.digest) {
                    if (text(*seen, "state") == "done") {
                        a.kind = Admission::Kind::repeat;
                        a.reply = response_of(*seen);
                        return;
                    }
                    if (now - number(*seen, "started_at") < options_.running_lease.count()) {
                        in_flight = true;
                        return;
                    }
                }
                a.kind = Admission::Kind::fresh;
                a.admitted_at = now;
                tx.put(options_.table, a.key,
                       {{"digest", a.digest}, {"state", "running"}, {"started_at", now}});
                tx.put(index_, index_key(now, a.key), {{"at", now}});
            });
            if (!in_flight) break;
            const auto t = std::chrono::steady_clock::now();
            if (t >= deadline) {
                a.kind = Admission::Kind::pass; // the first is too slow: handle this one too
                break;
            }
            sub.wait_until(std::min(deadline, t + std::chrono::milliseconds(500)));
        }
        if (a.kind == Admission::Kind::repeat) hits_.fetch_add(1);
        if (a.kind == Admission::Kind::fresh && options_.expire_every != 0 &&
            fresh_.fetch_add(1) % options_.expire_every == options_.expire_every - 1) {
            expire();
        }
        return a;
    }

    /// Records `response` as the reply of the fresh request `a`; repeats get it from now on.
    void record(const Admission& a, const HttpResponse& response) {
        if (a.kind != Admission::Kind::fresh) return;
        nlohmann::json headers = nlohmann::json::array();
        for (const auto& h : response.headers) headers.push_back({h.name, h.value});
        store_.with([&](Transaction& tx) {
            tx.put(options_.table, a.key,
                   {{"digest", a.digest},
                    {"state", "done"},
                    {"started_at", a.admitted_at},
                    {"status", response.status},
                    {"headers", std::move(headers)},
                    {"body", response.body}});
            tx.notify(topic(a.key));
        });
    }

    /// Forgets the fresh request `a` without a reply (its handler failed): a repeat runs again.
    void abandon(const Admission& a) {
        if (a.kind != Admission::Kind::fresh) return;
        store_.with([&](Transaction& tx) {
            const auto seen = tx.get(options_.table, a.key);
            if (seen && text(*seen, "digest") == a.digest && text(*seen, "state") == "running") {
                tx.erase(options_.table, a.key);
            }
            tx.notify(topic(a.key));
        });
    }

    /// Forgets the replies older than ttl; returns how many.
    ///
    /// Records are indexed by the minute they were admitted in (`<table>_by_minute`), so an
    /// expiry reads only the minutes that ran out since the last one, not the whole table.
    std::size_t expire() {
        const std::int64_t limit = options_.clock() - options_.ttl.count();
        const std::int64_t last = minute_of(limit);
        return store_.with([&](Transaction& tx) {
            std::vector<Row> rows;
            const auto meta = tx.get(meta_, "expired");
            const std::int64_t from = meta ? number(*meta, "through") + 1 : last;
            if (!meta || last - from > max_minutes_per_expiry) {
                rows = tx.list(index_); // first run, or a clock jump: one full pass
            } else {
                for (std::int64_t m = from; m <= last; ++m) {
                    for (auto& row : tx.list_prefix(index_, minute_key(m))) {
                        rows.push_back(std::move(row));
                    }
                }
            }
            std::size_t n = 0;
            for (const auto& row : rows) {
                const std::int64_t at = number(row.second, "at");
                if (at > limit) continue;
                tx.erase(index_, row.first);
                const std::string key = row.first.substr(minute_key(0).size());
                const auto doc = tx.get(options_.table, key);
                // A newer request under the same key (a counter reset) has its own index row.
                if (doc && number(*doc, "started_at") == at) {
                    tx.erase(options_.table, key);
                    ++n;
                }
            }
            tx.put(meta_, "expired", {{"through", last - 1}});
            return n;
        });
    }

    /// How many repeats this guard answered.
    std::uint64_t hits() const noexcept { return hits_.load(); }

    /// The notification topic of `key`.
    static std::string topic(std::string_view key) { return "dedupe/" + std::string(key); }

private:
    /// More minutes than this since the last expiry (a clock jump): one full pass instead.
    static constexpr std::int64_t max_minutes_per_expiry = 100000;

    static std::int64_t minute_of(std::int64_t unix_millis) {
        return unix_millis >= 0 ? unix_millis / 60000 : 0;
    }
    /// `minute` as a fixed-width prefix, so that index keys sort by time.
    static std::string minute_key(std::int64_t minute) {
        std::string digits = std::to_string(minute);
        return std::string(digits.size() < 12 ? 12 - digits.size() : 0, '0') + digits + "/";
    }
    static std::string index_key(std::int64_t unix_millis, const std::string& key) {
        return minute_key(minute_of(unix_millis)) + key;
    }

    static std::string text(const nlohmann::json& doc, const char* key) {
        const auto it = doc.find(key);
        return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
    }
    static std::int64_t number(const nlohmann::json& doc, const char* key) {
        const auto it = doc.find(key);
        return it != doc.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
    }
    static HttpResponse response_of(const nlohmann::json& doc) {
        HttpResponse r;
        r.status = static_cast<int>(number(doc, "status"));
        r.body = text(doc, "body");
        if (const auto it = doc.find("headers"); it != doc.end() && it->is_array()) {
            for (const auto& h : *it) {
                if (h.is_array() && h.size() == 2 && h[0].is_string() && h[1].is_string()) {
                    r.headers.push_back({h[0].get<std::string>(), h[1].get<std::string>()});
                }
            }
        }
        return r;
    }

    Store& store_;
    DedupeOptions options_;
    std::string index_;
    std::string meta_;
    std::atomic<std::uint64_t> hits_{0};
    std::atomic<std::uint64_t> fresh_{0};
};

} // namespace state
MPLUS_WEBHOOKS_END_NAMESPACE
