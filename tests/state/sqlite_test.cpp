// The store conformance suite and the state helpers' tests on the SQLite store.
// SPDX-License-Identifier: MIT
#include "state_suite.hpp"

#include <mplus/webhooks/state/sqlite_store.hpp>
#include <mplus/webhooks/state/store.hpp>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include <unistd.h>

namespace {

/// A fresh SQLite file per backend, removed afterwards; open() reopens the same file.
struct SqliteBackend {
    static constexpr bool durable = true;
    std::string path;
    SqliteBackend() {
        static std::atomic<int> n{0};
        path = std::string(MPLUS_WEBHOOKS_TEST_BINARY_DIR) + "/state_test_" +
               std::to_string(::getpid()) + "_" + std::to_string(n.fetch_add(1)) + ".sqlite";
        remove_files();
    }
    SqliteBackend(const SqliteBackend&) = delete;
    SqliteBackend& operator=(const SqliteBackend&) = delete;
    ~SqliteBackend() { remove_files(); }
    void remove_files() const {
        for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
    }
    std::unique_ptr<mplus::webhooks::state::Store> open() {
        return std::make_unique<mplus::webhooks::state::SqliteStore>(path);
    }
};

} // namespace

MPLUS_WEBHOOKS_STATE_SUITE(SqliteBackend);

TEST_CASE("sqlite store: a file that cannot be opened is a StoreError") {
    CHECK_THROWS_AS(mplus::webhooks::state::SqliteStore("/nonexistent-dir/x/y.sqlite"),
                    mplus::webhooks::state::StoreError);
}
