// The till page's files, embedded in the tool at build time (see embed_assets.cmake).
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string_view>

namespace till {

/// One embedded file of the page.
struct Asset {
    const char* path;         ///< as requested, e.g. "/till.js"
    const char* content_type; ///< the Content-Type it is served with
    const unsigned char* data;
    std::size_t size;
};

/// The embedded file served at `path`, or nullptr.
const Asset* find_asset(std::string_view path) noexcept;

} // namespace till
