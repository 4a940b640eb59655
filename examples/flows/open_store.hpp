// Opens the demo's store from a URL: sqlite:PATH (the default) or postgresql://...
// SPDX-License-Identifier: MIT
#pragma once

#include "sqlite_store.hpp"
#include "store.hpp"

#if defined(MPLUS_DEMO_WITH_POSTGRESQL)
#include <mplus/webhooks/state/postgresql_store.hpp>
#endif

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mplus_demo {

/// The store `url` names: `sqlite:PATH` (one file), or `postgresql://...` / `postgres://...`
/// (a libpq URL; several instances may share it). Throws std::invalid_argument for another
/// scheme, or for PostgreSQL when the program was built without libpq, and StoreError when
/// the store cannot be opened.
inline std::unique_ptr<Store> open_store(const std::string& url) {
    const std::string_view u(url);
    if (u.substr(0, 7) == "sqlite:") {
        const std::string path(u.substr(7));
        if (path.empty()) throw std::invalid_argument("sqlite: needs a file path (sqlite:PATH)");
        return std::make_unique<SqliteStore>(path);
    }
    if (u.substr(0, 13) == "postgresql://" || u.substr(0, 11) == "postgres://") {
#if defined(MPLUS_DEMO_WITH_POSTGRESQL)
        return std::make_unique<mplus::webhooks::state::PostgresqlStore>(url);
#else
        throw std::invalid_argument("this program was built without PostgreSQL (libpq-dev)");
#endif
    }
    throw std::invalid_argument("unknown store URL (sqlite:PATH or postgresql://...): " + url);
}

} // namespace mplus_demo
