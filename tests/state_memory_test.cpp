// The store conformance suite and the state helpers' tests on the memory store.
// SPDX-License-Identifier: MIT
#include "state/state_suite.hpp"

#include <mplus/webhooks/state/store.hpp>

#include <memory>
#include <stdexcept>

namespace {

/// The memory store: each open() is a new, empty store.
struct MemoryBackend {
    static constexpr bool durable = false;
    std::unique_ptr<mplus::webhooks::state::Store> open() {
        return std::make_unique<mplus::webhooks::state::MemoryStore>();
    }
};

} // namespace

MPLUS_WEBHOOKS_STATE_SUITE(MemoryBackend);

TEST_CASE("store: fingerprints are stable and tell bodies apart") {
    namespace d = mplus::webhooks::state::detail;
    CHECK(d::fingerprint("") == "cbf29ce48422232584222325cbf29ce4");
    CHECK(d::fingerprint("a") == d::fingerprint("a"));
    CHECK(d::fingerprint("a") != d::fingerprint("b"));
    CHECK(d::fingerprint("ab") != d::fingerprint("ba"));
}

TEST_CASE("memory store: a rollback restores every key it changed, changed twice or erased") {
    namespace st = mplus::webhooks::state;
    st::MemoryStore store;
    store.with([](st::Transaction& tx) {
        tx.put("t", "a", 1);
        tx.put("t", "b", 2);
        tx.put("t", "c", 3);
    });
    CHECK_THROWS_AS(store.transact([](st::Transaction& tx) {
        tx.put("t", "a", 10); // changed twice
        tx.put("t", "a", 11);
        tx.erase("t", "b"); // erased
        tx.erase("t", "c"); // erased, then written again
        tx.put("t", "c", 30);
        tx.put("t", "d", 4); // new, changed, erased
        tx.put("t", "d", 40);
        tx.erase("t", "d");
        tx.put("u", "x", 5); // a new table
        CHECK(tx.get("t", "a") == 11);
        CHECK_FALSE(tx.get("t", "b"));
        throw std::runtime_error("rolled back");
    }),
                    std::runtime_error);
    const auto rows = store.with([](st::Transaction& tx) { return tx.list("t"); });
    REQUIRE(rows.size() == 3);
    CHECK(rows[0] == st::Row{"a", 1});
    CHECK(rows[1] == st::Row{"b", 2});
    CHECK(rows[2] == st::Row{"c", 3});
    CHECK(store.with([](st::Transaction& tx) { return tx.list("u"); }).empty());
    CHECK(store.notifies_every_change());
}
