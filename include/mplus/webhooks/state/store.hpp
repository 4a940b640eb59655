// The state seam: a small transactional store of JSON documents, with wake-ups across instances.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/detail/json/dom.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE
namespace state {

/// A storage failure (read-only database, lost connection, full disk, ...). Nothing of the
/// failed transaction was written.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A row of a table: its key and its document.
using Row = std::pair<std::string, nlohmann::json>;

/// One transaction's view of the store: tables of JSON documents by key.
///
/// Keys are compared as bytes. A transaction sees its own writes; nothing of it is seen by
/// others before it commits.
class Transaction {
public:
    virtual ~Transaction() = default;
    /// The document at `key` of `table`, if any.
    virtual std::optional<nlohmann::json> get(std::string_view table, std::string_view key) = 0;
    /// Stores (or replaces) the document at `key` of `table`.
    virtual void put(std::string_view table, std::string_view key, const nlohmann::json& doc) = 0;
    /// Removes the document at `key` of `table` (nothing when there is none).
    virtual void erase(std::string_view table, std::string_view key) = 0;
    /// Every document of `table`, ordered by key.
    virtual std::vector<Row> list(std::string_view table) = 0;
    /// The documents of `table` whose key starts with `prefix`, ordered by key. Stores
    /// override it with a range look-up; this default filters list().
    virtual std::vector<Row> list_prefix(std::string_view table, std::string_view prefix) {
        std::vector<Row> out;
        for (auto& row : list(table)) {
            if (std::string_view(row.first).substr(0, prefix.size()) == prefix) {
                out.push_back(std::move(row));
            }
        }
        return out;
    }

    /// Wakes every Subscription to `topic`, on every instance that shares the store, once
    /// this transaction commits (never when it rolls back).
    void notify(std::string_view topic) { notified_.emplace_back(topic); }
    /// The topics notify() named so far.
    const std::vector<std::string>& notified() const noexcept { return notified_; }

private:
    std::vector<std::string> notified_;
};

namespace detail {

/// The wake-ups of one process: a counter per topic that somebody waits on. Notifications
/// for a topic nobody waits on are dropped.
class NotifyHub {
public:
    /// Starts waiting on `topic`; returns the topic's counter.
    std::uint64_t join(const std::string& topic) {
        std::lock_guard<std::mutex> lock(mutex_);
        Topic& t = topics_[topic];
        ++t.users;
        return t.count;
    }
    /// Stops waiting on `topic`.
    void leave(const std::string& topic) noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto it = topics_.find(topic);
        if (it != topics_.end() && --it->second.users == 0) topics_.erase(it);
    }
    /// Calls `wake` at every later notification of `topic` (from the notifying thread, after
    /// the commit, with no lock held); returns the listener's id for unlisten().
    std::uint64_t listen(const std::string& topic, std::function<void()> wake) {
        std::lock_guard<std::mutex> lock(mutex_);
        Topic& t = topics_[topic];
        ++t.users;
        const std::uint64_t id = ++next_listener_;
        t.listeners.emplace(id, std::move(wake));
        return id;
    }
    /// Removes listener `id` of `topic`. A notification already being delivered may still
    /// call it once.
    void unlisten(const std::string& topic, std::uint64_t id) noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto it = topics_.find(topic);
        if (it == topics_.end()) return;
        it->second.listeners.erase(id);
        if (--it->second.users == 0) topics_.erase(it);
    }
    /// Counts one notification of `topic` and wakes its waiters and listeners.
    void publish(std::string_view topic) {
        std::vector<std::function<void()>> calls;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            const auto it = topics_.find(topic);
            if (it == topics_.end()) return;
            ++it->second.count;
            it->second.wake.notify_all();
            for (const auto& l : it->second.listeners) calls.push_back(l.second);
        }
        for (const auto& call : calls) call();
    }
    /// Waits until the counter of `topic` differs from `seen` (then updates `seen` and
    /// returns true) or until `deadline` (returns false). `topic` must be joined.
    bool wait_until(const std::string& topic, std::uint64_t& seen,
                    std::chrono::steady_clock::time_point deadline) {
        std::unique_lock<std::mutex> lock(mutex_);
        Topic& t = topics_[topic];
        if (!t.wake.wait_until(lock, deadline, [&] { return t.count != seen; })) return false;
        seen = t.count;
        return true;
    }
    /// The number of topics waited on now.
    std::size_t topics() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return topics_.size();
    }

private:
    struct Topic {
        std::uint64_t count = 0;
        std::size_t users = 0;
        std::condition_variable wake;
        std::map<std::uint64_t, std::function<void()>> listeners;
    };
    mutable std::mutex mutex_;
    std::uint64_t next_listener_ = 0;
    std::map<std::string, Topic, std::less<>> topics_;
};

/// The document stored as `text`; throws StoreError when it is not JSON (a damaged store).
inline nlohmann::json parse_document(const std::string& text) {
    nlohmann::json doc = webhooks::detail::parse_dom<nlohmann::json>(text);
    if (doc.is_discarded()) throw StoreError("store: a stored document is not JSON");
    return doc;
}

/// A stable 128-bit fingerprint of `bytes` as 32 hex digits (two FNV-1a hashes): the same on
/// every instance and every run, unlike std::hash. Not for secrets.
inline std::string fingerprint(std::string_view bytes) {
    std::uint64_t a = 0xcbf29ce484222325ULL;
    std::uint64_t b = 0x84222325cbf29ce4ULL;
    for (const char c : bytes) {
        const auto u = static_cast<std::uint64_t>(static_cast<unsigned char>(c));
        a = (a ^ u) * 0x100000001b3ULL;
        b = (b ^ (u + 0x9eU)) * 0x100000001b3ULL;
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string out(32, '0');
    for (std::size_t i = 0; i < 16; ++i) {
        out[i] = hex[(a >> (60 - 4 * i)) & 0xFU];
        out[16 + i] = hex[(b >> (60 - 4 * i)) & 0xFU];
    }
    return out;
}

} // namespace detail

/// Waits for notifications of one topic. Created by Store::subscribe before reading the state
/// it waits on, so that no notification committed after that read is missed.
class Subscription {
public:
    /// Subscribes to `topic` of `hub`.
    Subscription(std::shared_ptr<detail::NotifyHub> hub, std::string topic)
        : hub_(std::move(hub)), topic_(std::move(topic)), seen_(hub_->join(topic_)) {}
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    /// Moves the subscription; the source is left empty.
    Subscription(Subscription&& other) noexcept
        : hub_(std::move(other.hub_)), topic_(std::move(other.topic_)), seen_(other.seen_) {}
    Subscription& operator=(Subscription&&) = delete;
    ~Subscription() {
        if (hub_) hub_->leave(topic_);
    }

    /// True once the topic was notified since the subscription (or the last wait that returned
    /// true); false when `deadline` came first.
    bool wait_until(std::chrono::steady_clock::time_point deadline) {
        return hub_->wait_until(topic_, seen_, deadline);
    }
    /// The topic.
    const std::string& topic() const noexcept { return topic_; }

private:
    std::shared_ptr<detail::NotifyHub> hub_;
    std::string topic_;
    std::uint64_t seen_ = 0;
};

/// Calls a function at every notification of one topic, until destroyed: the non-blocking
/// twin of Subscription. Created by Store::listen before reading the state it watches.
class Listener {
public:
    /// An empty listener.
    Listener() = default;
    /// Listens to `topic` of `hub`, calling `wake`.
    Listener(std::shared_ptr<detail::NotifyHub> hub, std::string topic, std::function<void()> wake)
        : hub_(std::move(hub)), topic_(std::move(topic)),
          id_(hub_->listen(topic_, std::move(wake))) {}
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;
    /// Moves the listener; the source is left empty.
    Listener(Listener&& other) noexcept
        : hub_(std::move(other.hub_)), topic_(std::move(other.topic_)), id_(other.id_) {}
    /// Stops this listener and takes over `other`.
    Listener& operator=(Listener&& other) noexcept {
        if (this != &other) {
            stop();
            hub_ = std::move(other.hub_);
            topic_ = std::move(other.topic_);
            id_ = other.id_;
        }
        return *this;
    }
    ~Listener() { stop(); }

    /// Stops listening (a notification being delivered may still call once).
    void stop() noexcept {
        if (hub_) hub_->unlisten(topic_, id_);
        hub_.reset();
    }

private:
    std::shared_ptr<detail::NotifyHub> hub_;
    std::string topic_;
    std::uint64_t id_ = 0;
};

/// The store that helpers and handlers keep their state in. What one transaction writes is
/// all there or not at all; transactions are serializable (each sees the others as if they
/// ran one at a time), also across the instances that share a networked store.
class Store {
public:
    virtual ~Store() = default;
    /// Runs `work` in one transaction: committed when it returns, rolled back when it throws
    /// (the exception goes on to the caller); a storage failure throws StoreError.
    virtual void transact(const std::function<void(Transaction&)>& work) = 0;

    /// Runs `work` in a transaction and returns what it returns.
    template <class F>
    auto with(F&& work) -> decltype(work(std::declval<Transaction&>())) {
        using R = decltype(work(std::declval<Transaction&>()));
        if constexpr (std::is_void_v<R>) {
            transact([&](Transaction& tx) { work(tx); });
        } else {
            std::optional<R> result;
            transact([&](Transaction& tx) { result.emplace(work(tx)); });
            return std::move(*result);
        }
    }

    /// Subscribes to the notifications of `topic` (see Transaction::notify). Stores shared by
    /// several processes deliver other instances' notifications too when they can (the
    /// PostgreSQL store does; two processes on one SQLite file do not).
    Subscription subscribe(std::string topic) { return Subscription(hub_, std::move(topic)); }
    /// Calls `wake` at every notification of `topic` while the returned Listener lives (from
    /// the notifying thread, so keep `wake` short: record, then act on another thread).
    Listener listen(std::string topic, std::function<void()> wake) {
        return Listener(hub_, std::move(topic), std::move(wake));
    }

    /// True when notifications from other processes reach this one.
    virtual bool notifies_across_processes() const noexcept { return false; }
    /// True when every change of the store is notified in this process without fail (a store
    /// no other process writes): a helper waiting on notifications need not re-read at
    /// intervals then.
    virtual bool notifies_every_change() const noexcept { return false; }

protected:
    /// Delivers the notifications of a committed transaction in this process.
    void publish(const Transaction& committed) {
        for (const auto& topic : committed.notified()) hub_->publish(topic);
    }
    /// Delivers one notification of `topic` in this process.
    void publish(std::string_view topic) { hub_->publish(topic); }

private:
    std::shared_ptr<detail::NotifyHub> hub_ = std::make_shared<detail::NotifyHub>();
};

/// A store in memory, for tests: the same transaction semantics, nothing survives the process.
///
/// A transaction works on the tables in place under the store's lock and keeps the previous
/// document of each key it writes (an undo log), so its cost grows with what it touches, not
/// with the size of the store; a transaction that throws is rolled back from that log.
class MemoryStore : public Store {
public:
    void transact(const std::function<void(Transaction&)>& work) override {
        Tx tx(tables_);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            try {
                work(tx);
            } catch (...) {
                tx.roll_back();
                throw;
            }
        }
        publish(tx);
    }

    /// Every change is made by a transaction of this process, which notifies it here.
    bool notifies_every_change() const noexcept override { return true; }

private:
    using Table = std::map<std::string, nlohmann::json, std::less<>>;
    using Tables = std::map<std::string, Table, std::less<>>;

    struct Tx final : Transaction {
        explicit Tx(Tables& t) : tables(t) {}

        std::optional<nlohmann::json> get(std::string_view table, std::string_view key) override {
            const auto t = tables.find(table);
            if (t == tables.end()) return std::nullopt;
            const auto d = t->second.find(key);
            if (d == t->second.end()) return std::nullopt;
            return d->second;
        }
        void put(std::string_view table, std::string_view key, const nlohmann::json& doc) override {
            auto t = tables.find(table);
            if (t == tables.end()) t = tables.emplace(std::string(table), Table{}).first;
            auto d = t->second.find(key);
            if (d == t->second.end()) {
                remember(t->first, key, std::nullopt);
                t->second.emplace(std::string(key), doc);
            } else {
                remember(t->first, key, d->second);
                d->second = doc;
            }
        }
        void erase(std::string_view table, std::string_view key) override {
            const auto t = tables.find(table);
            if (t == tables.end()) return;
            const auto d = t->second.find(key);
            if (d == t->second.end()) return;
            remember(t->first, key, std::move(d->second));
            t->second.erase(d);
        }
        std::vector<Row> list(std::string_view table) override { return list_prefix(table, {}); }
        std::vector<Row> list_prefix(std::string_view table, std::string_view prefix) override {
            std::vector<Row> out;
            const auto t = tables.find(table);
            if (t == tables.end()) return out;
            for (auto it = t->second.lower_bound(prefix); it != t->second.end(); ++it) {
                if (std::string_view(it->first).substr(0, prefix.size()) != prefix) break;
                out.emplace_back(it->first, it->second);
            }
            return out;
        }

        /// Puts back what this transaction changed, newest change first (a key changed twice
        /// has two records; the older one, applied last, restores its first document).
        void roll_back() {
            for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
                Table& table = tables[it->table];
                if (it->before) {
                    table[it->key] = std::move(*it->before);
                } else {
                    table.erase(it->key);
                }
            }
            undo.clear();
        }

        /// Records the document `key` of `table` held before this change (none: absent).
        void remember(const std::string& table, std::string_view key,
                      std::optional<nlohmann::json> before) {
            undo.push_back({table, std::string(key), std::move(before)});
        }

        /// One change to take back: the document `key` of `table` as it was before.
        struct Undo {
            std::string table;                    ///< the table changed
            std::string key;                      ///< the key of the document changed
            std::optional<nlohmann::json> before; ///< its value before; none when it was absent
        };
        Tables& tables;
        std::vector<Undo> undo;
    };

    std::mutex mutex_;
    Tables tables_;
};

/// Milliseconds since the Unix epoch: the time helpers store, comparable across instances.
inline std::int64_t unix_millis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// A clock in Unix milliseconds; helpers take one so that tests can move time.
using Clock = std::function<std::int64_t()>;

} // namespace state
MPLUS_WEBHOOKS_END_NAMESPACE
