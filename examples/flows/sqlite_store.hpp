// The default store of the demo middleware: the SDK's SQLite store, one file in the data folder.
// SPDX-License-Identifier: MIT
#pragma once

#include "store.hpp"

#include <mplus/webhooks/state/sqlite_store.hpp>

namespace mplus_demo {

/// A Store in an SQLite database file, durable when transact returns (WAL, synchronous=FULL).
using mplus::webhooks::state::SqliteStore;

} // namespace mplus_demo
