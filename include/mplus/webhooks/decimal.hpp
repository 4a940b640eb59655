// Exact decimal numbers for the money, prices, quantities and percentages of the wire protocol.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iosfwd>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// Rounding used by Decimal::round and Decimal::divide.
enum class Rounding {
    half_away_from_zero, ///< Ties away from zero (2.5 -> 3, -2.5 -> -3): the usual till rule.
    half_even,           ///< Ties to the even neighbour (2.5 -> 2, 3.5 -> 4): banker's rounding.
    toward_zero,         ///< Truncation (2.9 -> 2, -2.9 -> -2).
    down,                ///< Toward negative infinity, floor (2.1 -> 2, -2.1 -> -3).
    up,                  ///< Toward positive infinity, ceiling (2.1 -> 3, -2.1 -> -2).
};

namespace detail {

/// 10^0 to 10^19, every power of ten an unsigned 64-bit integer holds.
inline constexpr std::uint64_t pow10_u64[20] = {
    1u,
    10u,
    100u,
    1000u,
    10000u,
    100000u,
    1000000u,
    10000000u,
    100000000u,
    1000000000u,
    10000000000u,
    100000000000u,
    1000000000000u,
    10000000000000u,
    100000000000000u,
    1000000000000000u,
    10000000000000000u,
    100000000000000000u,
    1000000000000000000u,
    10000000000000000000u,
};

/// |v| without the undefined negation of INT64_MIN.
constexpr std::uint64_t abs_u64(std::int64_t v) noexcept {
    return v < 0 ? static_cast<std::uint64_t>(-(v + 1)) + 1u : static_cast<std::uint64_t>(v);
}

// Unsigned 128-bit arithmetic, just enough for exact aligned sums, products, comparisons and
// long division. Hand-rolled because __int128 is not portable and warns under -Wpedantic.
struct U128 {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
};

/// The full 128-bit product a * b.
constexpr U128 mul_64x64(std::uint64_t a, std::uint64_t b) noexcept {
    constexpr std::uint64_t mask = 0xFFFFFFFFu;
    const std::uint64_t ll = (a & mask) * (b & mask);
    const std::uint64_t lh = (a & mask) * (b >> 32);
    const std::uint64_t hl = (a >> 32) * (b & mask);
    const std::uint64_t hh = (a >> 32) * (b >> 32);
    const std::uint64_t mid = (ll >> 32) + (lh & mask) + (hl & mask);
    return U128{hh + (lh >> 32) + (hl >> 32) + (mid >> 32), (mid << 32) | (ll & mask)};
}

/// a + b; the callers keep sums below 2^125.
constexpr U128 add_128(U128 a, U128 b) noexcept {
    const std::uint64_t lo = a.lo + b.lo;
    return U128{a.hi + b.hi + (lo < a.lo ? 1u : 0u), lo};
}

/// a - b for a >= b.
constexpr U128 sub_128(U128 a, U128 b) noexcept {
    return U128{a.hi - b.hi - (a.lo < b.lo ? 1u : 0u), a.lo - b.lo};
}

/// -1, 0 or 1 as a is less than, equal to or greater than b.
constexpr int compare_128(U128 a, U128 b) noexcept {
    if (a.hi != b.hi) return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo) return a.lo < b.lo ? -1 : 1;
    return 0;
}

/// a * 10 for a < 2^124.
constexpr U128 times10_128(U128 a) noexcept {
    const U128 low = mul_64x64(a.lo, 10u);
    return U128{a.hi * 10u + low.hi, low.lo};
}

/// Divides a by 10 in place and returns the remainder.
constexpr std::uint64_t divmod10_128(U128& a) noexcept {
    constexpr std::uint64_t mask = 0xFFFFFFFFu;
    std::uint64_t rem = a.hi % 10u;
    a.hi /= 10u;
    // Two 32-bit steps keep every partial dividend (rem * 2^32 + limb) below 2^64.
    std::uint64_t cur = (rem << 32) | (a.lo >> 32);
    const std::uint64_t q_high = cur / 10u;
    rem = cur % 10u;
    cur = (rem << 32) | (a.lo & mask);
    a.lo = (q_high << 32) | (cur / 10u);
    return cur % 10u;
}

/// Whether an inexact result moves one unit away from zero; `half_cmp` compares the dropped
/// part with one half unit (-1, 0, 1), `odd` tells whether the kept magnitude is odd.
constexpr bool rounds_away(Rounding mode, bool negative, bool odd, int half_cmp) noexcept {
    switch (mode) {
    case Rounding::half_away_from_zero: return half_cmp >= 0;
    case Rounding::half_even: return half_cmp > 0 || (half_cmp == 0 && odd);
    case Rounding::toward_zero: return false;
    case Rounding::down: return negative;
    case Rounding::up: return !negative;
    }
    return false;
}

/// A JSON number read as (-1)^negative * digits * 10^exponent, digits without trailing zeros.
struct ScannedNumber {
    bool negative = false;
    std::uint64_t digits = 0;
    std::int64_t exponent = 0;
};

/// Reads JSON number syntax (RFC 8259) exactly; nullopt on bad syntax or over 19 significant
/// digits. Exponents saturate far beyond any representable value, so huge ones cannot overflow.
inline std::optional<ScannedNumber> scan_number(std::string_view text) noexcept {
    const auto is_digit = [](char c) noexcept { return c >= '0' && c <= '9'; };
    const std::size_t n = text.size();
    std::size_t i = 0;
    ScannedNumber out;
    if (i < n && text[i] == '-') {
        out.negative = true;
        ++i;
    }
    const std::size_t int_begin = i;
    if (i < n && text[i] == '0') {
        ++i;
    } else if (i < n && text[i] >= '1' && text[i] <= '9') {
        while (i < n && is_digit(text[i])) ++i;
    } else {
        return std::nullopt;
    }
    const std::size_t int_count = i - int_begin;
    std::size_t frac_begin = i;
    std::size_t frac_count = 0;
    if (i < n && text[i] == '.') {
        frac_begin = ++i;
        while (i < n && is_digit(text[i])) ++i;
        frac_count = i - frac_begin;
        if (frac_count == 0) return std::nullopt;
    }
    std::int64_t exp = 0;
    if (i < n && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        bool exp_negative = false;
        if (i < n && (text[i] == '+' || text[i] == '-')) {
            exp_negative = text[i] == '-';
            ++i;
        }
        if (i >= n || !is_digit(text[i])) return std::nullopt;
        while (i < n && is_digit(text[i])) {
            if (exp < 1000000000) exp = exp * 10 + (text[i] - '0');
            ++i;
        }
        if (exp_negative) exp = -exp;
    }
    if (i != n) return std::nullopt;

    // Walk integer and fraction digits as one sequence; zeros after the last non-zero digit
    // are only counted, so "1000...0" of any length costs no overflow.
    bool seen_nonzero = false;
    std::size_t kept = 0;          // significant digits folded into out.digits
    std::size_t pending_zeros = 0; // zeros after the last non-zero digit
    std::size_t last_nonzero = 0;  // index of that digit in the sequence
    for (std::size_t k = 0; k < int_count + frac_count; ++k) {
        const char c = k < int_count ? text[int_begin + k] : text[frac_begin + (k - int_count)];
        const auto d = static_cast<std::uint64_t>(c - '0');
        if (d == 0) {
            if (seen_nonzero) ++pending_zeros;
            continue;
        }
        if (seen_nonzero) {
            if (kept + pending_zeros + 1 > 19) return std::nullopt;
            out.digits = out.digits * pow10_u64[pending_zeros + 1] + d;
            kept += pending_zeros + 1;
        } else {
            seen_nonzero = true;
            out.digits = d;
            kept = 1;
        }
        pending_zeros = 0;
        last_nonzero = k;
    }
    if (!seen_nonzero) return ScannedNumber{out.negative, 0, 0};
    out.exponent =
        exp + static_cast<std::int64_t>(int_count) - 1 - static_cast<std::int64_t>(last_nonzero);
    return out;
}

} // namespace detail

/// An exact decimal number: a 64-bit mantissa times 10^-scale, scale 0 to 18, kept normalized.
///
/// Money, prices, quantities and percentages on the wire are JSON numbers; Decimal reads them
/// without binary rounding (0.1 + 0.2 == 0.3) and writes them back in plain notation. Every
/// value has one representation (no trailing zeros in the mantissa, zero has scale 0), so
/// equal values have equal members. Arithmetic is exact or throws std::overflow_error; the
/// checked_* twins return nullopt instead.
class Decimal {
public:
    /// Most digits after the decimal point a Decimal holds.
    static constexpr int max_scale = 18;
    /// A buffer of this size always fits to_chars (longest text is 21 characters).
    static constexpr std::size_t max_chars = 22;

    /// Zero.
    constexpr Decimal() noexcept = default;

    /// The integer `v`; throws std::overflow_error when an unsigned `v` exceeds INT64_MAX.
    template <class Int,
              std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>, int> = 0>
    constexpr Decimal(Int v) { // NOLINT(google-explicit-constructor): `Decimal price = 3;`
        static_assert(sizeof(Int) <= sizeof(std::int64_t), "integer wider than 64 bits");
        if constexpr (std::is_unsigned_v<Int>) {
            if (static_cast<std::uint64_t>(v) >
                static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                throw std::overflow_error("mplus::webhooks::Decimal: integer exceeds INT64_MAX");
            }
        }
        m_ = static_cast<std::int64_t>(v);
    }

    /// units * 10^-decimals, normalized; throws std::invalid_argument unless 0 <= decimals <= 18.
    static constexpr Decimal from_units(std::int64_t units, int decimals) {
        if (decimals < 0 || decimals > max_scale) {
            throw std::invalid_argument("mplus::webhooks::Decimal: scale outside [0, 18]");
        }
        while (decimals > 0 && units % 10 == 0) {
            units /= 10;
            --decimals;
        }
        return raw(units, decimals);
    }

    /// The exact value of JSON number text ("2.50", "-0", "1.5E-2"); nullopt when the text is
    /// not a JSON number or its value does not fit (over 19 significant digits, mantissa beyond
    /// int64, more than 18 decimals).
    static std::optional<Decimal> parse(std::string_view text) noexcept {
        const auto scanned = detail::scan_number(text);
        if (!scanned) return std::nullopt;
        return from_scaled(scanned->negative, scanned->digits, scanned->exponent);
    }

    /// The decimal nearest to `v` with at most `max_decimals` decimals, ties away from zero;
    /// nullopt for NaN, infinities, values beyond int64 and max_decimals outside [0, 18].
    ///
    /// `v` is first taken at its shortest round-trip text, so 0.1 gives exactly 0.1 and 2.675
    /// (binary 2.67499999...) rounds to 2.68 with two decimals, as a person reading it expects.
    static std::optional<Decimal> from_double(double v, int max_decimals = 6) noexcept {
        if (!std::isfinite(v) || max_decimals < 0 || max_decimals > max_scale) {
            return std::nullopt;
        }
        char buf[32];
        const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
        if (res.ec != std::errc{}) return std::nullopt;
        const auto scanned =
            detail::scan_number(std::string_view(buf, static_cast<std::size_t>(res.ptr - buf)));
        if (!scanned) return std::nullopt;
        const std::int64_t drop = -scanned->exponent - max_decimals;
        if (drop <= 0) return from_scaled(scanned->negative, scanned->digits, scanned->exponent);
        // A double has at most 17 significant digits, so dropping 19 or more leaves under half.
        if (drop >= 19) return Decimal{};
        const std::uint64_t unit = detail::pow10_u64[drop];
        std::uint64_t kept = scanned->digits / unit;
        const std::uint64_t rest = scanned->digits % unit;
        if (rest >= unit - rest) ++kept;
        return from_magnitude(scanned->negative, kept, max_decimals);
    }

    /// The mantissa: the value is mantissa() * 10^-scale().
    constexpr std::int64_t mantissa() const noexcept { return m_; }
    /// The number of decimals, 0 to 18; minimal, so 0 for integers and for zero.
    constexpr int scale() const noexcept { return s_; }

    /// Plain notation with minimal digits and no exponent: "2.5", "-0.05", "100", "0".
    std::string to_string() const {
        char buf[max_chars];
        const char* const end = to_chars(buf, buf + max_chars);
        return std::string(buf, static_cast<std::size_t>(end - buf));
    }

    /// Writes the to_string() text to [first, last) and returns its end; nullptr when it does
    /// not fit (max_chars always fits). Writes no terminating NUL.
    char* to_chars(char* first, char* last) const noexcept {
        char digits[20]; // least significant first
        int count = 0;
        std::uint64_t mag = detail::abs_u64(m_);
        do {
            digits[count++] = static_cast<char>('0' + mag % 10u);
            mag /= 10u;
        } while (mag != 0);
        const bool negative = m_ < 0;
        const int int_digits = count > s_ ? count - s_ : 1;
        const int length = (negative ? 1 : 0) + (s_ == 0 ? count : int_digits + 1 + s_);
        if (first == nullptr || last - first < length) return nullptr;
        // Composed in a local buffer and copied once: g++ 12 at -O3 cannot follow the length
        // check above into the loops and warns falsely (-Wstringop-overflow) about small
        // caller buffers.
        char text[48];
        char* out = text;
        if (negative) *out++ = '-';
        if (count > s_) {
            for (int j = count - 1; j >= s_; --j) *out++ = digits[j];
        } else {
            *out++ = '0';
        }
        if (s_ > 0) {
            *out++ = '.';
            for (int j = s_ - 1; j >= 0; --j) *out++ = j < count ? digits[j] : '0';
        }
        const auto n = static_cast<std::size_t>(out - text);
        std::memcpy(first, text, n);
        return first + n;
    }

    /// Fixed notation with exactly `decimals` decimals, for receipts and messages: 12.5 with 2
    /// gives "12.50", 2.675 gives "2.68", 3 with 0 gives "3". Rounds with `mode` when the value
    /// has more decimals; throws std::invalid_argument unless 0 <= decimals <= 18.
    std::string to_fixed(int decimals, Rounding mode = Rounding::half_away_from_zero) const {
        if (decimals < 0 || decimals > max_scale) {
            throw std::invalid_argument(
                "mplus::webhooks::Decimal: to_fixed takes 0 to 18 decimals");
        }
        const Decimal r = round(decimals, mode);
        std::string s = r.to_string();
        if (decimals > r.s_) {
            if (r.s_ == 0) s.push_back('.');
            s.append(static_cast<std::size_t>(decimals - r.s_), '0');
        }
        return s;
    }

    /// Reads an amount typed by a person or written in a configuration file: "12.50", "12,50",
    /// "12", "-3.5", "+7", ",5", " 4.25 ". One decimal separator, a point or a comma; an
    /// optional sign; spaces around the number. Refused, with the reason in `why` when given:
    /// empty text, no digits, a second separator (so "1.250,00" is never guessed at), any other
    /// character (exponents, currency signs, digit grouping), and values a Decimal cannot hold
    /// (more than 18 decimals, or beyond 19 significant digits).
    static std::optional<Decimal> from_text(std::string_view text, std::string* why = nullptr) {
        const auto fail = [&](std::string message) -> std::optional<Decimal> {
            if (why != nullptr) *why = std::move(message);
            return std::nullopt;
        };
        const auto is_space = [](char c) {
            return c == ' ' || c == '\t' || c == '\n' || c == '\r';
        };
        std::size_t b = 0;
        std::size_t e = text.size();
        while (b < e && is_space(text[b])) ++b;
        while (e > b && is_space(text[e - 1])) --e;
        if (b == e) return fail("empty text");
        std::string number; // rewritten as JSON number text, the form parse() reads
        std::size_t i = b;
        if (text[i] == '-' || text[i] == '+') {
            if (text[i] == '-') number.push_back('-');
            ++i;
        }
        std::string int_digits;
        std::string frac_digits;
        bool separator = false;
        for (; i < e; ++i) {
            const char c = text[i];
            if (c >= '0' && c <= '9') {
                (separator ? frac_digits : int_digits).push_back(c);
            } else if (c == '.' || c == ',') {
                if (separator) {
                    return fail("more than one decimal separator at position " +
                                std::to_string(i - b + 1));
                }
                separator = true;
            } else {
                return fail(std::string("unexpected character '") + c + "' at position " +
                            std::to_string(i - b + 1));
            }
        }
        if (int_digits.empty() && frac_digits.empty()) return fail("no digits");
        const std::size_t first = int_digits.find_first_not_of('0');
        number += first == std::string::npos ? std::string("0") : int_digits.substr(first);
        if (!frac_digits.empty()) number.append(".").append(frac_digits);
        const std::optional<Decimal> d = parse(number);
        if (!d) {
            return fail(frac_digits.size() > static_cast<std::size_t>(max_scale)
                            ? "more than 18 decimals"
                            : "too many digits (a Decimal holds 19 significant digits)");
        }
        return d;
    }

    /// The nearest double (exact up to 2^53 in the mantissa).
    double to_double() const noexcept {
        // Both operands are exact for |mantissa| <= 2^53 and 10^s <= 10^22, so one rounding.
        return static_cast<double>(m_) / static_cast<double>(detail::pow10_u64[s_]);
    }

    /// Whether the value is zero.
    constexpr bool is_zero() const noexcept { return m_ == 0; }
    /// Whether the value is below zero.
    constexpr bool is_negative() const noexcept { return m_ < 0; }

    /// a + b, exact; throws std::overflow_error when it does not fit.
    friend Decimal operator+(Decimal a, Decimal b) {
        return or_overflow(checked_add(a, b), "mplus::webhooks::Decimal: sum does not fit");
    }
    /// a - b, exact; throws std::overflow_error when it does not fit.
    friend Decimal operator-(Decimal a, Decimal b) {
        return or_overflow(checked_sub(a, b), "mplus::webhooks::Decimal: difference does not fit");
    }
    /// a * b, exact; throws std::overflow_error when it does not fit (also past 18 decimals).
    friend Decimal operator*(Decimal a, Decimal b) {
        return or_overflow(checked_mul(a, b), "mplus::webhooks::Decimal: product does not fit");
    }
    /// -value; throws std::overflow_error for a mantissa of INT64_MIN.
    Decimal operator-() const {
        if (m_ == std::numeric_limits<std::int64_t>::min()) {
            throw std::overflow_error("mplus::webhooks::Decimal: negation does not fit");
        }
        return raw(-m_, s_);
    }
    /// *this = *this + other.
    Decimal& operator+=(Decimal other) { return *this = *this + other; }
    /// *this = *this - other.
    Decimal& operator-=(Decimal other) { return *this = *this - other; }
    /// *this = *this * other.
    Decimal& operator*=(Decimal other) { return *this = *this * other; }

    /// a + b, or nullopt when the exact sum does not fit.
    static std::optional<Decimal> checked_add(Decimal a, Decimal b) noexcept {
        return add_signed(a, b, false);
    }
    /// a - b, or nullopt when the exact difference does not fit.
    static std::optional<Decimal> checked_sub(Decimal a, Decimal b) noexcept {
        return add_signed(a, b, true);
    }
    /// a * b, or nullopt when the exact product does not fit.
    static std::optional<Decimal> checked_mul(Decimal a, Decimal b) noexcept {
        return from_wide((a.m_ < 0) != (b.m_ < 0),
                         detail::mul_64x64(detail::abs_u64(a.m_), detail::abs_u64(b.m_)),
                         a.s_ + b.s_);
    }

    /// The value rounded to at most `decimals` decimals; throws std::invalid_argument if
    /// decimals < 0. Never overflows.
    Decimal round(int decimals, Rounding mode = Rounding::half_away_from_zero) const {
        if (decimals < 0) {
            throw std::invalid_argument("mplus::webhooks::Decimal: negative decimals in round");
        }
        if (decimals >= s_) return *this;
        const std::uint64_t unit = detail::pow10_u64[s_ - decimals];
        const std::uint64_t mag = detail::abs_u64(m_);
        std::uint64_t kept = mag / unit;
        const std::uint64_t rest = mag % unit;
        if (rest != 0) {
            const std::uint64_t other = unit - rest; // rest vs. half: rest vs. unit - rest
            const int half_cmp = rest < other ? -1 : (rest > other ? 1 : 0);
            if (detail::rounds_away(mode, m_ < 0, (kept & 1u) != 0, half_cmp)) ++kept;
        }
        // kept <= 2^63 / 10 + 1, so this always has a value.
        return *from_magnitude(m_ < 0, kept, decimals);
    }

    /// a / b rounded to at most `decimals` decimals; throws std::domain_error when b is zero,
    /// std::invalid_argument unless 0 <= decimals <= 18, std::overflow_error when it does not fit.
    static Decimal divide(Decimal a, Decimal b, int decimals,
                          Rounding mode = Rounding::half_away_from_zero) {
        Decimal out;
        switch (divide_into(a, b, decimals, mode, out)) {
        case DivideStatus::ok: break;
        case DivideStatus::by_zero:
            throw std::domain_error("mplus::webhooks::Decimal: division by zero");
        case DivideStatus::bad_decimals:
            throw std::invalid_argument("mplus::webhooks::Decimal: decimals outside [0, 18]");
        case DivideStatus::overflow:
            throw std::overflow_error("mplus::webhooks::Decimal: quotient does not fit");
        }
        return out;
    }
    /// divide() without exceptions: nullopt when divide() would throw.
    static std::optional<Decimal>
    checked_divide(Decimal a, Decimal b, int decimals,
                   Rounding mode = Rounding::half_away_from_zero) noexcept {
        Decimal out;
        if (divide_into(a, b, decimals, mode, out) != DivideStatus::ok) return std::nullopt;
        return out;
    }

    /// -1, 0 or 1 as a is less than, equal to or greater than b; exact for any two values.
    static constexpr int compare(Decimal a, Decimal b) noexcept {
        const int sign_a = a.m_ < 0 ? -1 : (a.m_ > 0 ? 1 : 0);
        const int sign_b = b.m_ < 0 ? -1 : (b.m_ > 0 ? 1 : 0);
        if (sign_a != sign_b) return sign_a < sign_b ? -1 : 1;
        if (a.s_ == b.s_) return a.m_ < b.m_ ? -1 : (a.m_ > b.m_ ? 1 : 0);
        // Aligned magnitudes need up to 63 + 60 bits: compare them in 128 bits.
        const int s = a.s_ > b.s_ ? a.s_ : b.s_;
        const int mag_cmp = detail::compare_128(aligned(a, s), aligned(b, s));
        return sign_a < 0 ? -mag_cmp : mag_cmp;
    }
    /// Equal values (normalization makes this a member comparison).
    friend constexpr bool operator==(Decimal a, Decimal b) noexcept {
        return a.m_ == b.m_ && a.s_ == b.s_;
    }
    /// Different values.
    friend constexpr bool operator!=(Decimal a, Decimal b) noexcept { return !(a == b); }
    /// a below b.
    friend constexpr bool operator<(Decimal a, Decimal b) noexcept { return compare(a, b) < 0; }
    /// a below or equal to b.
    friend constexpr bool operator<=(Decimal a, Decimal b) noexcept { return compare(a, b) <= 0; }
    /// a above b.
    friend constexpr bool operator>(Decimal a, Decimal b) noexcept { return compare(a, b) > 0; }
    /// a above or equal to b.
    friend constexpr bool operator>=(Decimal a, Decimal b) noexcept { return compare(a, b) >= 0; }

    /// Writes the to_string() text; honours the stream's width and fill.
    template <class Ch, class Tr>
    friend std::basic_ostream<Ch, Tr>& operator<<(std::basic_ostream<Ch, Tr>& os,
                                                  const Decimal& d) {
        char buf[max_chars];
        const char* const end = d.to_chars(buf, buf + max_chars);
        std::basic_string<Ch, Tr> text;
        for (const char* p = buf; p != end; ++p) text.push_back(os.widen(*p));
        return os << text;
    }

private:
    enum class DivideStatus { ok, by_zero, bad_decimals, overflow };

    static constexpr Decimal raw(std::int64_t m, int s) noexcept {
        Decimal d;
        d.m_ = m;
        d.s_ = s;
        return d;
    }

    // |d.m_| * 10^(s - d.s_): the magnitude of d in units of 10^-s, for s >= d.s_.
    static constexpr detail::U128 aligned(Decimal d, int s) noexcept {
        return detail::mul_64x64(detail::abs_u64(d.m_), detail::pow10_u64[s - d.s_]);
    }

    static Decimal or_overflow(std::optional<Decimal> value, const char* message) {
        if (!value) throw std::overflow_error(message);
        return *value;
    }

    // (-1)^negative * mag * 10^-s, normalized; nullopt when it does not fit.
    static constexpr std::optional<Decimal> from_magnitude(bool negative, std::uint64_t mag,
                                                           int s) noexcept {
        while (s > 0 && mag % 10u == 0) {
            mag /= 10u;
            --s;
        }
        constexpr auto max_positive =
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        if (s > max_scale || mag > max_positive + (negative ? 1u : 0u)) return std::nullopt;
        if (!negative) return raw(static_cast<std::int64_t>(mag), s);
        if (mag == 0) return Decimal{};
        return raw(-static_cast<std::int64_t>(mag - 1u) - 1, s);
    }

    // The same for a 128-bit magnitude, whose trailing zeros may bring it into range.
    static constexpr std::optional<Decimal> from_wide(bool negative, detail::U128 mag,
                                                      int s) noexcept {
        while (s > 0) {
            detail::U128 tenth = mag;
            if (detail::divmod10_128(tenth) != 0) break;
            mag = tenth;
            --s;
        }
        if (mag.hi != 0) return std::nullopt;
        return from_magnitude(negative, mag.lo, s);
    }

    // (-1)^negative * digits * 10^exponent when exactly representable.
    static constexpr std::optional<Decimal> from_scaled(bool negative, std::uint64_t digits,
                                                        std::int64_t exponent) noexcept {
        if (digits == 0) return Decimal{};
        if (exponent < -max_scale || exponent > 19) return std::nullopt;
        if (exponent < 0) return from_magnitude(negative, digits, static_cast<int>(-exponent));
        const std::uint64_t unit = detail::pow10_u64[exponent];
        if (digits > std::numeric_limits<std::uint64_t>::max() / unit) return std::nullopt;
        return from_magnitude(negative, digits * unit, 0);
    }

    static constexpr std::optional<Decimal> add_signed(Decimal a, Decimal b,
                                                       bool negate_b) noexcept {
        // Aligned magnitudes stay below 2^63 * 10^18 < 2^123, so their sum fits in 128 bits;
        // the exact sum can fit int64 even when one aligned operand does not.
        const int s = a.s_ > b.s_ ? a.s_ : b.s_;
        const detail::U128 x = aligned(a, s);
        const detail::U128 y = aligned(b, s);
        const bool neg_x = a.m_ < 0;
        const bool neg_y = (b.m_ < 0) != negate_b;
        if (neg_x == neg_y) return from_wide(neg_x, detail::add_128(x, y), s);
        if (detail::compare_128(x, y) >= 0) return from_wide(neg_x, detail::sub_128(x, y), s);
        return from_wide(neg_y, detail::sub_128(y, x), s);
    }

    static DivideStatus divide_into(Decimal a, Decimal b, int decimals, Rounding mode,
                                    Decimal& out) noexcept {
        if (b.m_ == 0) return DivideStatus::by_zero;
        if (decimals < 0 || decimals > max_scale) return DivideStatus::bad_decimals;
        const bool negative = (a.m_ < 0) != (b.m_ < 0);
        // a / b * 10^decimals == |a.m| * 10^e / |b.m|, with e in [-18, 36].
        const int e = b.s_ - a.s_ + decimals;
        const std::uint64_t num = detail::abs_u64(a.m_);
        const detail::U128 den =
            e < 0 ? aligned(b, b.s_ - e) : detail::U128{0, detail::abs_u64(b.m_)};
        std::uint64_t quotient = 0;
        detail::U128 rem{0, num};
        if (den.hi == 0 && den.lo <= num) {
            quotient = num / den.lo;
            rem.lo = num % den.lo;
        }
        // Long division, one decimal digit per step: 10^e alone may not fit in 64 bits.
        for (int step = 0; step < e; ++step) {
            rem = detail::times10_128(rem); // rem < den < 2^123
            std::uint64_t digit = 0;
            while (detail::compare_128(rem, den) >= 0) {
                rem = detail::sub_128(rem, den);
                ++digit;
            }
            if (quotient > (std::numeric_limits<std::uint64_t>::max() - digit) / 10u) {
                return DivideStatus::overflow;
            }
            quotient = quotient * 10u + digit;
        }
        if (rem.hi != 0 || rem.lo != 0) {
            const int half_cmp = detail::compare_128(detail::add_128(rem, rem), den);
            if (detail::rounds_away(mode, negative, (quotient & 1u) != 0, half_cmp)) {
                if (quotient == std::numeric_limits<std::uint64_t>::max()) {
                    return DivideStatus::overflow;
                }
                ++quotient;
            }
        }
        const auto result = from_magnitude(negative, quotient, decimals);
        if (!result) return DivideStatus::overflow;
        out = *result;
        return DivideStatus::ok;
    }

    std::int64_t m_ = 0;
    int s_ = 0;
};

MPLUS_WEBHOOKS_END_NAMESPACE
