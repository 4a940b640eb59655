// The store conformance suite and the state helpers' tests on the memory store.
// SPDX-License-Identifier: MIT
#include "state/state_suite.hpp"

#include <mplus/webhooks/state/store.hpp>

#include <memory>

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
