// The one error type of the SDK: a code, the JSON pointer path of the problem and a message.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// What went wrong. Each value maps to one wire code of the protocol (see wire_code()).
enum class errc {
    ok = 0,
    // Wire codes of the public protocol list.
    no_signature = 1,
    invalid_signature,
    invalid_json,
    invalid_data,
    no_subscription_id,
    invalid_subscription_id,
    no_content_type,
    invalid_content_type,
    no_event_details,
    no_scanned_code,
    line_already_has_discount,
    invalid_line_id,
    line_id_already_exists,
    invalid_relation_number,
    invalid_article,
    invalid_discount_percentage,
    invalid_receipt_footer_code,
    invalid_receipt_footer_code_type,
    line_change_not_allowed,
    line_addition_not_allowed,
    // Codes of this SDK for the front door; the code set is open, so the POS logs them as is.
    method_not_allowed,
    payload_too_large,
    internal_error,
    // Refinements of invalid_data that strict mode and the reply rules report.
    unknown_field,
    unknown_enum_value,
    reply_rule,
};

/// The protocol's wire code for `e` (`INVALID_DATA`, ...); refinements map to their wire code.
constexpr std::string_view wire_code(errc e) noexcept {
    switch (e) {
    case errc::ok: return "OK";
    case errc::no_signature: return "NO_SIGNATURE";
    case errc::invalid_signature: return "INVALID_SIGNATURE";
    case errc::invalid_json: return "INVALID_JSON";
    case errc::invalid_data: return "INVALID_DATA";
    case errc::no_subscription_id: return "NO_SUBSCRIPTION_ID";
    case errc::invalid_subscription_id: return "INVALID_SUBSCRIPTION_ID";
    case errc::no_content_type: return "NO_CONTENT_TYPE";
    case errc::invalid_content_type: return "INVALID_CONTENT_TYPE";
    case errc::no_event_details: return "NO_EVENT_DETAILS";
    case errc::no_scanned_code: return "NO_SCANNED_CODE";
    case errc::line_already_has_discount: return "LINE_ALREADY_HAS_DISCOUNT";
    case errc::invalid_line_id: return "INVALID_LINE_ID";
    case errc::line_id_already_exists: return "LINE_ID_ALREADY_EXISTS";
    case errc::invalid_relation_number: return "INVALID_RELATION_NUMBER";
    case errc::invalid_article: return "INVALID_ARTICLE";
    case errc::invalid_discount_percentage: return "INVALID_DISCOUNT_PERCENTAGE";
    case errc::invalid_receipt_footer_code: return "INVALID_RECEIPT_FOOTER_CODE";
    case errc::invalid_receipt_footer_code_type: return "INVALID_RECEIPT_FOOTER_CODE_TYPE";
    case errc::line_change_not_allowed: return "LINE_CHANGE_NOT_ALLOWED";
    case errc::line_addition_not_allowed: return "LINE_ADDITION_NOT_ALLOWED";
    case errc::method_not_allowed: return "METHOD_NOT_ALLOWED";
    case errc::payload_too_large: return "PAYLOAD_TOO_LARGE";
    case errc::internal_error: return "INTERNAL_ERROR";
    case errc::unknown_field:
    case errc::unknown_enum_value:
    case errc::reply_rule: return "INVALID_DATA";
    }
    return "INVALID_DATA";
}

namespace detail {
template <std::size_t... I>
constexpr std::array<std::string_view, sizeof...(I)>
wire_codes_from_first(std::index_sequence<I...>) noexcept {
    return {wire_code(static_cast<errc>(static_cast<int>(I) + 1))...};
}
} // namespace detail

/// The wire codes of the protocol's public list (errc::no_signature to
/// errc::line_addition_not_allowed), in errc order; ErrorCode's known values.
inline constexpr auto protocol_wire_codes = detail::wire_codes_from_first(
    std::make_index_sequence<static_cast<std::size_t>(errc::line_addition_not_allowed)>{});

/// The errc whose wire code is `code`, or errc::ok when `code` is not one of ours.
constexpr errc errc_from_wire_code(std::string_view code) noexcept {
    for (int i = 1; i <= static_cast<int>(errc::internal_error); ++i) {
        if (wire_code(static_cast<errc>(i)) == code) return static_cast<errc>(i);
    }
    return errc::ok;
}

namespace detail {
class error_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "mplus-webhooks"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::unknown_field: return "unknown field";
        case errc::unknown_enum_value: return "unknown enumeration value";
        case errc::reply_rule: return "reply breaks a protocol rule";
        default: return std::string(wire_code(static_cast<errc>(ev)));
        }
    }
};
} // namespace detail

/// The std::error_category of errc.
inline const std::error_category& error_category() noexcept {
    static const detail::error_category_impl category;
    return category;
}

/// Makes errc usable as a std::error_code.
inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

/// One problem: what (code), where (JSON pointer `path`, "" for the document root) and why.
struct Error {
    errc code = errc::ok; ///< what went wrong; wire() gives the protocol's code
    std::string path;     ///< JsonPointer text of the offending value; "" for the root
    std::string message;  ///< a readable explanation for logs

    /// The protocol's wire code of this error.
    std::string_view wire() const noexcept { return wire_code(code); }
    /// `path: message`, or just the message when the path is the document root.
    std::string to_string() const {
        if (path.empty()) return message;
        std::string out;
        out.reserve(path.size() + 2 + message.size());
        out.append(path).append(": ").append(message);
        return out;
    }
};

/// The exception of the throwing convenience API; it carries the Error it was made from.
class Exception : public std::system_error {
public:
    /// An exception that reports `e`.
    explicit Exception(Error e)
        : std::system_error(make_error_code(e.code), e.to_string()), error_(std::move(e)) {}
    /// The error this exception reports.
    const Error& error() const noexcept { return error_; }

private:
    Error error_;
};

/// A value, or the problems that kept it from being made (never empty when there is no value).
template <class T>
class Result {
public:
    /// A successful result.
    Result(T value) : value_(std::move(value)) {} // NOLINT(google-explicit-constructor)
    /// A failed result with one problem.
    Result(Error e) : errors_{std::move(e)} {} // NOLINT(google-explicit-constructor)
    /// A failed result with several problems; `errors` must not be empty.
    explicit Result(std::vector<Error> errors) : errors_(std::move(errors)) {}

    /// True when there is a value.
    bool ok() const noexcept { return errors_.empty(); }
    /// True when there is a value (same as ok()).
    explicit operator bool() const noexcept { return ok(); }

    /// The value; throws Exception with the first problem when there is none.
    T& value() & {
        throw_if_failed();
        return value_;
    }
    /// The value; throws Exception with the first problem when there is none.
    const T& value() const& {
        throw_if_failed();
        return value_;
    }
    /// The value, moved out; throws Exception with the first problem when there is none.
    T&& value() && {
        throw_if_failed();
        return std::move(value_);
    }
    /// The value, unchecked: only when ok().
    T& operator*() & noexcept { return value_; }
    /// The value, unchecked: only when ok().
    const T& operator*() const& noexcept { return value_; }
    /// Access to the value's members, unchecked: only when ok().
    T* operator->() noexcept { return &value_; }
    /// Access to the value's members, unchecked: only when ok().
    const T* operator->() const noexcept { return &value_; }

    /// Every problem, in document order; empty on success.
    const std::vector<Error>& errors() const noexcept { return errors_; }
    /// The first problem; only valid when !ok().
    const Error& error() const noexcept { return errors_.front(); }

private:
    void throw_if_failed() const {
        if (!errors_.empty()) throw Exception(errors_.front());
    }
    T value_{};
    std::vector<Error> errors_;
};

MPLUS_WEBHOOKS_END_NAMESPACE

namespace std {
template <>
struct is_error_code_enum<mplus::webhooks::errc> : true_type {};
} // namespace std
