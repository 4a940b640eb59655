// Framework-neutral HTTP messages: what an adapter hands the dispatcher and gets back.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// One HTTP header field.
struct Header {
    std::string name;  ///< as sent; compared case-insensitively
    std::string value; ///< as sent
};

namespace detail {

/// ASCII lower case of `c`; other bytes unchanged (header names are ASCII tokens).
constexpr char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// ASCII case-insensitive equality, without allocating.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

/// The first header named `name` (case-insensitive), or nullptr.
inline const Header* find_header(const std::vector<Header>& headers,
                                 std::string_view name) noexcept {
    for (const Header& h : headers) {
        if (iequals(h.name, name)) return &h;
    }
    return nullptr;
}

/// The event name of a request path: its last segment, without query string, fragment or
/// trailing slashes (`/hooks/startSession?x=1` gives `startSession`).
constexpr std::string_view event_name_from_path(std::string_view path) noexcept {
    const std::size_t end_of_path = path.find_first_of("?#");
    if (end_of_path != std::string_view::npos) path = path.substr(0, end_of_path);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    const std::size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

/// The value of the first header of `headers` named `name`; "" when absent.
inline std::string_view header_value(const std::vector<Header>& headers,
                                     std::string_view name) noexcept {
    const Header* h = find_header(headers, name);
    return h != nullptr ? std::string_view(h->value) : std::string_view();
}
} // namespace detail

/// An HTTP request as the dispatcher needs it: method, path, headers and the raw body bytes.
///
/// The body must be the exact bytes received (the signature covers them): no re-encoding,
/// no trimming.
struct HttpRequest {
    std::string method;          ///< `POST`, as sent (methods are case-sensitive)
    std::string path;            ///< the request target; the event name is its last segment
    std::vector<Header> headers; ///< every header field, in the order received
    std::string body;            ///< the exact bytes received

    /// The value of the first header named `name` (case-insensitive); "" when absent.
    std::string_view header(std::string_view name) const noexcept {
        return detail::header_value(headers, name);
    }
    /// True when a header named `name` is present (case-insensitive), even with an empty value.
    bool has_header(std::string_view name) const noexcept {
        return detail::find_header(headers, name) != nullptr;
    }
};

/// An HTTP response made by the dispatcher: status, headers and the exact body bytes signed.
struct HttpResponse {
    int status = 200;            ///< the HTTP status code
    std::vector<Header> headers; ///< Content-Type, X-Mplus-Signature, ...
    std::string body;            ///< the exact bytes that were signed

    /// The value of the first header named `name` (case-insensitive); "" when absent.
    std::string_view header(std::string_view name) const noexcept {
        return detail::header_value(headers, name);
    }
    /// True when a header named `name` is present (case-insensitive).
    bool has_header(std::string_view name) const noexcept {
        return detail::find_header(headers, name) != nullptr;
    }
};

MPLUS_WEBHOOKS_END_NAMESPACE
