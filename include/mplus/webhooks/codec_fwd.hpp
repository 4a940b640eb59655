// The codec's options (ReadOptions, WriteOptions) and the declaration of try_parse, for headers
// that name them without needing the reader: the definitions are in <mplus/webhooks/codec.hpp>.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/error.hpp>

#include <cstddef>
#include <string_view>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// How try_parse reads JSON text.
struct ReadOptions {
    /// Report unknown fields and unknown enumeration values as errors (for integrators' CI).
    bool strict = false;
    /// Deepest nesting of arrays and objects accepted; deeper input is rejected early.
    std::size_t max_depth = 64;
    /// Stop after this many problems.
    std::size_t max_errors = 32;
};

/// How serialize writes JSON text.
struct WriteOptions {
    /// Write the unknown fields kept from the input (true) or only what the typed model holds.
    bool include_unknown = true;
};

/// Reads a typed value from JSON text; never throws. Defined in <mplus/webhooks/codec.hpp>,
/// which a translation unit that calls it must include.
template <class T>
Result<T> try_parse(std::string_view text, const ReadOptions& options = {});

MPLUS_WEBHOOKS_END_NAMESPACE
