// The demo middleware's storage seam: a small transactional key-value store of JSON documents.
// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace mplus_demo {

/// A storage failure (read-only database, full disk, ...). Nothing of the failed transaction
/// was written.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// One transaction's view of the store: tables of JSON documents by key.
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
    virtual std::vector<std::pair<std::string, nlohmann::json>> list(std::string_view table) = 0;
    /// The documents of `table` whose key starts with `prefix`, ordered by key. Stores
    /// override it with a range look-up; this default filters list().
    virtual std::vector<std::pair<std::string, nlohmann::json>>
    list_prefix(std::string_view table, std::string_view prefix) {
        auto docs = list(table);
        std::vector<std::pair<std::string, nlohmann::json>> out;
        for (auto& d : docs) {
            if (std::string_view(d.first).substr(0, prefix.size()) == prefix) {
                out.push_back(std::move(d));
            }
        }
        return out;
    }
};

/// The store every flow keeps its state in. Transactions run one at a time: what one writes
/// is all there or not at all, also when the process is killed in the middle.
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
};

/// A store in memory, for tests: same transaction semantics, nothing survives the process.
class MemoryStore : public Store {
public:
    void transact(const std::function<void(Transaction&)>& work) override {
        std::lock_guard<std::mutex> lock(mutex_);
        Tx tx(tables_);
        work(tx);
        tables_ = std::move(tx.tables); // commit: the copy becomes the state
    }

private:
    using Tables =
        std::map<std::string, std::map<std::string, nlohmann::json, std::less<>>, std::less<>>;

    struct Tx final : Transaction {
        explicit Tx(const Tables& t) : tables(t) {}
        std::optional<nlohmann::json> get(std::string_view table, std::string_view key) override {
            const auto t = tables.find(table);
            if (t == tables.end()) return std::nullopt;
            const auto d = t->second.find(key);
            if (d == t->second.end()) return std::nullopt;
            return d->second;
        }
        void put(std::string_view table, std::string_view key, const nlohmann::json& doc) override {
            tables[std::string(table)][std::string(key)] = doc;
        }
        void erase(std::string_view table, std::string_view key) override {
            const auto t = tables.find(table);
            if (t == tables.end()) return;
            const auto d = t->second.find(key);
            if (d != t->second.end()) t->second.erase(d);
        }
        std::vector<std::pair<std::string, nlohmann::json>> list(std::string_view table) override {
            return list_prefix(table, {});
        }
        std::vector<std::pair<std::string, nlohmann::json>>
        list_prefix(std::string_view table, std::string_view prefix) override {
            std::vector<std::pair<std::string, nlohmann::json>> out;
            const auto t = tables.find(table);
            if (t == tables.end()) return out;
            for (auto it = t->second.lower_bound(prefix); it != t->second.end(); ++it) {
                if (std::string_view(it->first).substr(0, prefix.size()) != prefix) break;
                out.emplace_back(it->first, it->second);
            }
            return out;
        }
        Tables tables;
    };

    std::mutex mutex_;
    Tables tables_;
};

} // namespace mplus_demo
