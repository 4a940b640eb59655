// A Store in PostgreSQL through libpq, shared by many instances (target
// mplus_webhooks::postgresql). SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/state/store.hpp>

#include <libpq-fe.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE
namespace state {

/// Settings of a PostgresqlStore; the defaults suit one store per database.
struct PostgresqlOptions {
    /// The table that holds every document.
    std::string table = "mplus_webhooks_documents";
    /// The LISTEN/NOTIFY channel on which instances wake each other.
    std::string channel = "mplus_webhooks";
    /// The advisory lock every transaction takes, which makes them run one at a time across
    /// all instances (serializable without retries).
    std::int64_t lock_key = 0x6d706c7573; // "mplus"
    /// Longest the constructor waits for the notification listener to be connected.
    std::chrono::milliseconds connect_timeout{10000};
};

/// A Store in a PostgreSQL database, for several middleware instances behind one balancer.
///
/// `conninfo` is a libpq connection string or URL (`postgresql://user@127.0.0.1:5432/db`).
/// Transactions run one at a time across every instance (an advisory lock), so the helpers'
/// read-modify-write steps settle races exactly once. Notifications go out with the commit
/// through NOTIFY; a listener thread with its own connection delivers the other instances'
/// ones to this process's subscriptions, reconnecting when the connection drops (helpers
/// re-read the state at intervals, so a notification lost while reconnecting only delays a
/// wake-up). POSIX only (the listener polls the connection's socket).
class PostgresqlStore : public Store {
public:
    /// Connects to `conninfo`, creates the table when missing and starts listening; throws
    /// StoreError when the database cannot be reached.
    explicit PostgresqlStore(std::string conninfo, PostgresqlOptions options = {})
        : conninfo_(std::move(conninfo)), options_(std::move(options)) {
        connect();
        {
            Result r(conn_, "BEGIN");
            r.check(conn_);
        }
        try {
            exec_lock();
            Result r(conn_, ("CREATE TABLE IF NOT EXISTS " + quoted(options_.table) +
                             " (tbl TEXT COLLATE \"C\" NOT NULL, key TEXT COLLATE \"C\" NOT NULL,"
                             " doc TEXT NOT NULL, PRIMARY KEY (tbl, key))")
                                .c_str());
            r.check(conn_);
            Result c(conn_, "COMMIT");
            c.check(conn_);
        } catch (...) {
            PQclear(PQexec(conn_, "ROLLBACK"));
            PQfinish(conn_);
            conn_ = nullptr;
            throw;
        }
        listener_ = std::thread([this] { listen(); });
        std::unique_lock<std::mutex> lock(listen_mutex_);
        if (!listen_ready_.wait_for(lock, options_.connect_timeout,
                                    [&] { return listening_ || !listen_error_.empty(); }) ||
            !listening_) {
            const std::string error =
                listen_error_.empty() ? "timed out connecting the listener" : listen_error_;
            lock.unlock();
            stop();
            throw StoreError("postgresql: " + error);
        }
    }
    PostgresqlStore(const PostgresqlStore&) = delete;
    PostgresqlStore& operator=(const PostgresqlStore&) = delete;
    ~PostgresqlStore() override { stop(); }

    void transact(const std::function<void(Transaction&)>& work) override {
        Tx tx(*this);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) reconnect();
            Result begin(conn_, "BEGIN");
            begin.check(conn_);
            try {
                exec_lock();
                work(tx);
                for (const auto& topic : tx.notified()) {
                    params({options_.channel, topic}, "SELECT pg_notify($1, $2)");
                }
                Result commit(conn_, "COMMIT");
                commit.check(conn_);
            } catch (...) {
                if (PQstatus(conn_) == CONNECTION_OK) PQclear(PQexec(conn_, "ROLLBACK"));
                throw;
            }
        }
        publish(tx); // at once here; the NOTIFY echo from the listener only wakes again
    }

    bool notifies_across_processes() const noexcept override { return true; }

private:
    /// A result, cleared on scope exit.
    class Result {
    public:
        Result(PGconn* conn, const char* sql) : res_(PQexec(conn, sql)) {}
        explicit Result(PGresult* res) : res_(res) {}
        Result(const Result&) = delete;
        Result& operator=(const Result&) = delete;
        ~Result() { PQclear(res_); }
        /// Throws StoreError unless the statement succeeded.
        void check(PGconn* conn) const {
            const ExecStatusType s = res_ ? PQresultStatus(res_) : PGRES_FATAL_ERROR;
            if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
                throw StoreError(std::string("postgresql: ") +
                                 (res_ ? PQresultErrorMessage(res_) : PQerrorMessage(conn)));
            }
        }
        /// The result itself.
        PGresult* get() const noexcept { return res_; }
        int rows() const { return PQntuples(res_); }
        std::string text(int row, int col) const {
            return std::string(PQgetvalue(res_, row, col),
                               static_cast<std::size_t>(PQgetlength(res_, row, col)));
        }

    private:
        PGresult* res_;
    };

    struct Tx final : Transaction {
        explicit Tx(PostgresqlStore& s) : store(s) {}
        std::optional<nlohmann::json> get(std::string_view table, std::string_view key) override {
            auto r = store.params({std::string(table), std::string(key)},
                                  "SELECT doc FROM " + quoted(store.options_.table) +
                                      " WHERE tbl = $1 AND key = $2");
            if (r->rows() == 0) return std::nullopt;
            return detail::parse_document(r->text(0, 0));
        }
        void put(std::string_view table, std::string_view key, const nlohmann::json& doc) override {
            store.params({std::string(table), std::string(key),
                          doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)},
                         "INSERT INTO " + quoted(store.options_.table) +
                             " (tbl, key, doc) VALUES ($1, $2, $3) ON CONFLICT (tbl, key) DO "
                             "UPDATE SET doc = EXCLUDED.doc");
        }
        void erase(std::string_view table, std::string_view key) override {
            store.params({std::string(table), std::string(key)},
                         "DELETE FROM " + quoted(store.options_.table) +
                             " WHERE tbl = $1 AND key = $2");
        }
        std::vector<Row> list(std::string_view table) override {
            return rows(store.params({std::string(table)}, "SELECT key, doc FROM " +
                                                               quoted(store.options_.table) +
                                                               " WHERE tbl = $1 ORDER BY key"));
        }
        std::vector<Row> list_prefix(std::string_view table, std::string_view prefix) override {
            // A range on the primary key, compared as bytes (collation "C").
            std::string end(prefix);
            while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xFF) end.pop_back();
            if (end.empty()) return list(table);
            end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
            return rows(store.params({std::string(table), std::string(prefix), end},
                                     "SELECT key, doc FROM " + quoted(store.options_.table) +
                                         " WHERE tbl = $1 AND key >= $2 AND key < $3 "
                                         "ORDER BY key"));
        }
        static std::vector<Row> rows(const std::unique_ptr<Result>& r) {
            std::vector<Row> out;
            const int n = r->rows();
            out.reserve(static_cast<std::size_t>(n));
            for (int i = 0; i < n; ++i) {
                out.emplace_back(r->text(i, 0), detail::parse_document(r->text(i, 1)));
            }
            return out;
        }
        PostgresqlStore& store;
    };

    /// `name` as a quoted SQL identifier.
    static std::string quoted(const std::string& name) {
        std::string out = "\"";
        for (const char c : name) {
            if (c == '"') out += '"';
            out += c;
        }
        return out + "\"";
    }

    /// Runs `sql` with text parameters `values` on the transaction connection.
    std::unique_ptr<Result> params(const std::vector<std::string>& values, const std::string& sql) {
        std::vector<const char*> ptrs;
        ptrs.reserve(values.size());
        for (const auto& v : values) ptrs.push_back(v.c_str());
        auto r =
            std::make_unique<Result>(PQexecParams(conn_, sql.c_str(), static_cast<int>(ptrs.size()),
                                                  nullptr, ptrs.data(), nullptr, nullptr, 0));
        r->check(conn_);
        return r;
    }

    void exec_lock() {
        params({std::to_string(options_.lock_key)}, "SELECT pg_advisory_xact_lock($1::bigint)");
    }

    void connect() {
        conn_ = PQconnectdb(conninfo_.c_str());
        if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
            const std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
            PQfinish(conn_);
            conn_ = nullptr;
            throw StoreError("postgresql: cannot connect: " + msg);
        }
    }

    void reconnect() {
        if (conn_ != nullptr) {
            PQreset(conn_);
            if (PQstatus(conn_) == CONNECTION_OK) return;
            PQfinish(conn_);
            conn_ = nullptr;
        }
        connect();
    }

    /// The listener thread: LISTEN on its own connection, deliver what arrives.
    void listen() {
        PGconn* c = nullptr;
        while (!stopping_.load()) {
            if (c == nullptr || PQstatus(c) != CONNECTION_OK) {
                PQfinish(c);
                c = PQconnectdb(conninfo_.c_str());
                bool ok = c != nullptr && PQstatus(c) == CONNECTION_OK;
                if (ok) {
                    Result r(c, ("LISTEN " + quoted(options_.channel)).c_str());
                    ok = PQresultStatus(r.get()) == PGRES_COMMAND_OK;
                }
                if (!ok) {
                    {
                        std::lock_guard<std::mutex> lock(listen_mutex_);
                        if (!listening_) {
                            listen_error_ = c ? PQerrorMessage(c) : "out of memory";
                        }
                    }
                    listen_ready_.notify_all();
                    PQfinish(c);
                    c = nullptr;
                    std::unique_lock<std::mutex> lock(listen_mutex_);
                    listen_ready_.wait_for(lock, std::chrono::milliseconds(200),
                                           [&] { return stopping_.load(); });
                    continue;
                }
                {
                    std::lock_guard<std::mutex> lock(listen_mutex_);
                    listening_ = true;
                    listen_error_.clear();
                }
                listen_ready_.notify_all();
            }
            pollfd pfd{};
            pfd.fd = PQsocket(c);
            pfd.events = POLLIN;
            ::poll(&pfd, 1, 100); // a bounded wait, so that stop() is seen
            if (PQconsumeInput(c) == 0) {
                PQfinish(c);
                c = nullptr;
                continue;
            }
            while (PGnotify* n = PQnotifies(c)) {
                publish(std::string_view(n->extra));
                PQfreemem(n);
            }
        }
        PQfinish(c);
    }

    void stop() {
        {
            std::lock_guard<std::mutex> lock(listen_mutex_);
            stopping_.store(true);
        }
        listen_ready_.notify_all();
        if (listener_.joinable()) listener_.join();
        PQfinish(conn_);
        conn_ = nullptr;
    }

    std::string conninfo_;
    PostgresqlOptions options_;
    std::mutex mutex_; // one transaction at a time on conn_
    PGconn* conn_ = nullptr;
    std::mutex listen_mutex_;
    std::condition_variable listen_ready_;
    bool listening_ = false;
    std::string listen_error_;
    std::atomic<bool> stopping_{false};
    std::thread listener_;
};

} // namespace state
MPLUS_WEBHOOKS_END_NAMESPACE
