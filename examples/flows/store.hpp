// The demo middleware's storage seam: the SDK's store of JSON documents, under the demo's names.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/state/store.hpp>

namespace mplus_demo {

/// A storage failure: nothing of the failed transaction was written.
using mplus::webhooks::state::StoreError;
/// One transaction's view of the store: tables of JSON documents by key.
using mplus::webhooks::state::Transaction;
/// The store every flow keeps its state in (see <mplus/webhooks/state/store.hpp>).
using mplus::webhooks::state::Store;
/// A store in memory, for tests.
using mplus::webhooks::state::MemoryStore;

} // namespace mplus_demo
