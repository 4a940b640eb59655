// ISO-8601 timestamps of the protocol (`2022-07-08T13:37:54.324+02:00`): parse and format.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// A point in time read from the protocol's ISO-8601 text. The model keeps timestamps as the
/// text the POS sent; this is the helper that gives them meaning.
struct Timestamp {
    /// Milliseconds since 1970-01-01T00:00:00Z (for a bare date: its midnight at `offset`).
    std::int64_t unix_millis = 0;
    /// The UTC offset in minutes the text carried (0 for `Z`); empty when it carried none, in
    /// which case unix_millis reads the local time as if it were UTC.
    std::optional<int> offset_minutes;
    /// The text was a bare date (`2024-12-31`), as `cardExpiration` may be.
    bool date_only = false;
};

namespace detail {
/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? 0u - 3u : 9u)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// Reads exactly `n` digits at `pos`; -1 when they are not all digits.
constexpr int read_digits(std::string_view s, std::size_t pos, std::size_t n) noexcept {
    if (pos + n > s.size()) return -1;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

constexpr bool is_leap(int y) noexcept {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr int days_in_month(int y, int m) noexcept {
    constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}
} // namespace detail

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fraction]]` with an optional `Z` or `±HH:MM`
/// (a space may stand for `T`). Empty on anything else; never throws.
constexpr std::optional<Timestamp> parse_timestamp(std::string_view s) noexcept {
    const int year = detail::read_digits(s, 0, 4);
    if (year < 0 || s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    const int month = detail::read_digits(s, 5, 2);
    const int day = detail::read_digits(s, 8, 2);
    if (month < 1 || month > 12 || day < 1 || day > detail::days_in_month(year, month)) {
        return std::nullopt;
    }
    Timestamp t;
    const std::int64_t days =
        detail::days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    std::int64_t millis = days * 86400000;
    std::size_t pos = 10;
    if (pos == s.size()) {
        t.date_only = true;
        t.unix_millis = millis;
        return t;
    }
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
    const int hour = detail::read_digits(s, pos + 1, 2);
    if (hour < 0 || hour > 23 || pos + 3 >= s.size() || s[pos + 3] != ':') return std::nullopt;
    const int minute = detail::read_digits(s, pos + 4, 2);
    if (minute < 0 || minute > 59) return std::nullopt;
    pos += 6;
    int second = 0;
    std::int64_t fraction_ms = 0;
    if (pos < s.size() && s[pos] == ':') {
        second = detail::read_digits(s, pos + 1, 2);
        if (second < 0 || second > 60) return std::nullopt; // 60: a leap second
        pos += 3;
        if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
            ++pos;
            std::size_t digits = 0;
            std::int64_t scale = 100;
            while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
                if (digits < 3) fraction_ms += (s[pos] - '0') * scale;
                scale /= 10;
                ++digits;
                ++pos;
            }
            if (digits == 0) return std::nullopt;
        }
    }
    millis += (static_cast<std::int64_t>(hour) * 3600 + minute * 60 + second) * 1000 + fraction_ms;
    if (pos < s.size()) {
        if (s[pos] == 'Z' || s[pos] == 'z') {
            t.offset_minutes = 0;
            ++pos;
        } else if (s[pos] == '+' || s[pos] == '-') {
            const int sign = s[pos] == '-' ? -1 : 1;
            const int oh = detail::read_digits(s, pos + 1, 2);
            std::size_t mpos = pos + 3;
            if (mpos < s.size() && s[mpos] == ':') ++mpos;
            const int om = detail::read_digits(s, mpos, 2);
            if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::nullopt;
            t.offset_minutes = sign * (oh * 60 + om);
            pos = mpos + 2;
            millis -= static_cast<std::int64_t>(*t.offset_minutes) * 60000;
        }
    }
    if (pos != s.size()) return std::nullopt;
    t.unix_millis = millis;
    return t;
}

/// Formats `unix_millis` as the protocol writes it, in the given UTC offset:
/// `2022-07-08T13:37:54.324+02:00` (`Z` for offset 0 when `z_for_utc`).
inline std::string format_timestamp(std::int64_t unix_millis, int offset_minutes = 0,
                                    bool z_for_utc = false) {
    std::int64_t local = unix_millis + static_cast<std::int64_t>(offset_minutes) * 60000;
    std::int64_t days = local >= 0 ? local / 86400000 : (local - 86399999) / 86400000;
    std::int64_t ms_of_day = local - days * 86400000;
    // civil_from_days (Howard Hinnant's algorithm).
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);

    const auto two = [](std::string& out, std::int64_t v) {
        out.push_back(static_cast<char>('0' + v / 10));
        out.push_back(static_cast<char>('0' + v % 10));
    };
    std::string out;
    out.reserve(29);
    out += std::to_string(y);
    out.push_back('-');
    two(out, m);
    out.push_back('-');
    two(out, d);
    out.push_back('T');
    two(out, ms_of_day / 3600000);
    out.push_back(':');
    two(out, ms_of_day / 60000 % 60);
    out.push_back(':');
    two(out, ms_of_day / 1000 % 60);
    out.push_back('.');
    const std::int64_t ms = ms_of_day % 1000;
    out.push_back(static_cast<char>('0' + ms / 100));
    two(out, ms % 100);
    if (offset_minutes == 0 && z_for_utc) {
        out.push_back('Z');
    } else {
        const int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
        out.push_back(offset_minutes < 0 ? '-' : '+');
        two(out, a / 60);
        out.push_back(':');
        two(out, a % 60);
    }
    return out;
}

MPLUS_WEBHOOKS_END_NAMESPACE
