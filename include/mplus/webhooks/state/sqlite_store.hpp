// A Store in one SQLite file: the embedded default (CMake target mplus_webhooks::sqlite).
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/state/store.hpp>

#include <sqlite3.h>

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE
namespace state {

/// A Store in an SQLite database file. Every transaction is durable when transact returns
/// (synchronous=FULL), so a middleware killed at any point restarts with all it confirmed.
class SqliteStore : public Store {
public:
    /// Opens (or creates) the database at `path`; throws StoreError when it cannot.
    explicit SqliteStore(const std::string& path) {
        if (sqlite3_open_v2(path.c_str(), &db_,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                            nullptr) != SQLITE_OK) {
            const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            db_ = nullptr;
            throw StoreError("cannot open " + path + ": " + msg);
        }
        sqlite3_busy_timeout(db_, 5000);
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=FULL");
        exec("CREATE TABLE IF NOT EXISTS documents (tbl TEXT NOT NULL, key TEXT NOT NULL, "
             "doc TEXT NOT NULL, PRIMARY KEY (tbl, key)) WITHOUT ROWID");
    }
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;
    ~SqliteStore() override { sqlite3_close(db_); }

    void transact(const std::function<void(Transaction&)>& work) override {
        Tx tx(*this);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            exec("BEGIN IMMEDIATE");
            try {
                work(tx);
                exec("COMMIT");
            } catch (...) {
                sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
                throw;
            }
        }
        publish(tx);
    }

private:
    /// A prepared statement, finalized on scope exit.
    class Statement {
    public:
        Statement(sqlite3* db, const char* sql) : db_(db) {
            if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
                throw StoreError(std::string("sqlite: ") + sqlite3_errmsg(db));
            }
        }
        Statement(const Statement&) = delete;
        Statement& operator=(const Statement&) = delete;
        ~Statement() { sqlite3_finalize(stmt_); }
        void bind(int i, std::string_view text) {
            sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()),
                              SQLITE_TRANSIENT);
        }
        /// True while there is a row; throws StoreError on failure.
        bool step() {
            const int rc = sqlite3_step(stmt_);
            if (rc == SQLITE_ROW) return true;
            if (rc == SQLITE_DONE) return false;
            throw StoreError(std::string("sqlite: ") + sqlite3_errmsg(db_));
        }
        std::string text(int col) const {
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
            return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
                     : std::string();
        }

    private:
        sqlite3* db_;
        sqlite3_stmt* stmt_ = nullptr;
    };

    struct Tx final : Transaction {
        explicit Tx(SqliteStore& s) : store(s) {}
        std::optional<nlohmann::json> get(std::string_view table, std::string_view key) override {
            Statement st(store.db_, "SELECT doc FROM documents WHERE tbl = ?1 AND key = ?2");
            st.bind(1, table);
            st.bind(2, key);
            if (!st.step()) return std::nullopt;
            return detail::parse_document(st.text(0));
        }
        void put(std::string_view table, std::string_view key, const nlohmann::json& doc) override {
            Statement st(store.db_,
                         "INSERT OR REPLACE INTO documents (tbl, key, doc) VALUES (?1, ?2, ?3)");
            st.bind(1, table);
            st.bind(2, key);
            const std::string text =
                doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            st.bind(3, text);
            st.step();
        }
        void erase(std::string_view table, std::string_view key) override {
            Statement st(store.db_, "DELETE FROM documents WHERE tbl = ?1 AND key = ?2");
            st.bind(1, table);
            st.bind(2, key);
            st.step();
        }
        std::vector<Row> list(std::string_view table) override {
            Statement st(store.db_, "SELECT key, doc FROM documents WHERE tbl = ?1 ORDER BY key");
            st.bind(1, table);
            return rows(st);
        }
        std::vector<Row> list_prefix(std::string_view table, std::string_view prefix) override {
            // A range on the primary key (tbl, key), compared as bytes (BINARY collation):
            // from `prefix` up to `prefix` with its last byte raised by one.
            std::string end(prefix);
            while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xFF) end.pop_back();
            if (end.empty()) return list(table);
            end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
            Statement st(store.db_, "SELECT key, doc FROM documents WHERE tbl = ?1 AND key >= ?2 "
                                    "AND key < ?3 ORDER BY key");
            st.bind(1, table);
            st.bind(2, prefix);
            st.bind(3, end);
            return rows(st);
        }
        static std::vector<Row> rows(Statement& st) {
            std::vector<Row> out;
            while (st.step()) out.emplace_back(st.text(0), detail::parse_document(st.text(1)));
            return out;
        }
        SqliteStore& store;
    };

    void exec(const char* sql) {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
            const std::string msg = err ? err : sqlite3_errmsg(db_);
            sqlite3_free(err);
            throw StoreError(std::string("sqlite: ") + msg);
        }
    }

    sqlite3* db_ = nullptr;
    std::mutex mutex_;
};

} // namespace state
MPLUS_WEBHOOKS_END_NAMESPACE
