// Tests of mplus::webhooks::Decimal: exact parsing, text, arithmetic, rounding and comparison.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/decimal.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iomanip>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

using mplus::webhooks::Decimal;
using mplus::webhooks::Rounding;

namespace {

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();

// A value the test writes as text; fails the test case when the text does not parse.
Decimal dec(std::string_view text) {
    const auto d = Decimal::parse(text);
    REQUIRE_MESSAGE(d.has_value(), "does not parse: ", text);
    return *d;
}

// Deterministic pseudo-random numbers, so a failure reproduces.
struct Lcg {
    std::uint64_t state = 0x9E3779B97F4A7C15u;
    std::uint64_t next() {
        state = state * 6364136223846793005u + 1442695040888963407u;
        return state >> 11;
    }
    std::int64_t between(std::int64_t lo, std::int64_t hi) { // inclusive, hi - lo < 2^53
        return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
    }
};

std::int64_t pow10(int n) {
    std::int64_t r = 1;
    for (int i = 0; i < n; ++i) r *= 10;
    return r;
}

const Rounding all_modes[] = {Rounding::half_away_from_zero, Rounding::half_even,
                              Rounding::toward_zero, Rounding::down, Rounding::up};

// Rounds the integer n / unit (unit > 0) the way `mode` says, with plain int64 arithmetic.
std::int64_t reference_round(std::int64_t n, std::int64_t unit, Rounding mode) {
    const std::int64_t t = n / unit;
    const std::int64_t r = n % unit;
    const std::int64_t sign = n < 0 ? -1 : 1;
    const std::int64_t twice = 2 * (r < 0 ? -r : r);
    switch (mode) {
    case Rounding::toward_zero: return t;
    case Rounding::down: return r < 0 ? t - 1 : t;
    case Rounding::up: return r > 0 ? t + 1 : t;
    case Rounding::half_away_from_zero: return twice >= unit ? t + sign : t;
    case Rounding::half_even:
        if (twice > unit) return t + sign;
        if (twice < unit) return t;
        return t % 2 != 0 ? t + sign : t;
    }
    return 0;
}

} // namespace

// Compile-time checks: the type is usable in constant expressions and only integers convert.
static_assert(Decimal().mantissa() == 0 && Decimal().scale() == 0);
static_assert(Decimal::from_units(250, 2).mantissa() == 25);
static_assert(Decimal::from_units(250, 2).scale() == 1);
static_assert(Decimal(5) == Decimal::from_units(500, 2));
static_assert(Decimal::compare(Decimal::from_units(1, 18), Decimal(0)) == 1);
static_assert(std::is_convertible_v<int, Decimal>);
static_assert(std::is_convertible_v<std::uint64_t, Decimal>);
static_assert(!std::is_convertible_v<double, Decimal>);
static_assert(!std::is_convertible_v<bool, Decimal>);
static_assert(!std::is_constructible_v<Decimal, const char*>);
static_assert(noexcept(Decimal::parse("1")));
static_assert(noexcept(Decimal::from_double(1.0)));
static_assert(noexcept(Decimal::checked_add(Decimal(), Decimal())));
static_assert(std::is_trivially_copyable_v<Decimal>);

TEST_CASE("Decimal: parses exact JSON numbers") {
    struct Case {
        const char* text;
        std::int64_t mantissa;
        int scale;
    };
    const Case cases[] = {
        {"0", 0, 0},
        {"7", 7, 0},
        {"123", 123, 0},
        {"-123", -123, 0},
        {"10", 10, 0},
        {"2.5", 25, 1},
        {"2.50", 25, 1},
        {"-2.50", -25, 1},
        {"100.00", 100, 0},
        {"1.0", 1, 0},
        {"0.001", 1, 3},
        {"-0.05", -5, 2},
        {"1e3", 1000, 0},
        {"1E3", 1000, 0},
        {"1e+3", 1000, 0},
        {"1e-3", 1, 3},
        {"1.5E-2", 15, 3},
        {"-1.5e2", -150, 0},
        {"123.456e1", 123456, 2},
        {"123.456e-1", 123456, 4},
        {"12345e-2", 12345, 2},
        {"12300e-2", 123, 0},
        {"0.0000000000000000010", 1, 18},
        {"1e-18", 1, 18},
        {"1e18", 1000000000000000000, 0},
        {"100000000000000000000e-5", 1000000000000000, 0},
        {"0.00000000000000000000000001e20", 1, 6},
        {"0.000000000000000000000000000000000001e30", 1, 6},
        {"1234567890123456789", 1234567890123456789, 0},
        {"123456789.0123456789", 1234567890123456789, 10},
        {"9223372036854775807", int64_max, 0},
        {"-9223372036854775808", int64_min, 0},
        {"9.223372036854775807", int64_max, 18},
        {"-9.223372036854775808", int64_min, 18},
        {"922337203685477580.7", int64_max, 1},
        {"9.223372036854775807e18", int64_max, 0},
        {"0.5e1", 5, 0},
        {"19.99", 1999, 2},
    };
    for (const Case& c : cases) {
        CAPTURE(c.text);
        const auto d = Decimal::parse(c.text);
        REQUIRE(d.has_value());
        CHECK(d->mantissa() == c.mantissa);
        CHECK(d->scale() == c.scale);
    }
}

TEST_CASE("Decimal: parse gives zero for every spelling of zero") {
    const char* zeros[] = {"0",   "-0",     "0.0",    "-0.000",
                           "0e5", "0E-400", "-0e+99", "0.000e99999999999999999999"};
    for (const char* text : zeros) {
        CAPTURE(text);
        const auto d = Decimal::parse(text);
        REQUIRE(d.has_value());
        CHECK(d->mantissa() == 0);
        CHECK(d->scale() == 0);
        CHECK(d->is_zero());
        CHECK_FALSE(d->is_negative());
        CHECK(d->to_string() == "0");
    }
}

TEST_CASE("Decimal: parse rejects text that is not a JSON number") {
    const char* bad[] = {"",    "01",       "-01",       "00",   "00.1",  "1.",    ".5",   "-.5",
                         "+1",  "1e",       "1e+",       "1e-",  "1E",    "--1",   " 1",   "1 ",
                         "\t1", "-",        "1.e5",      "1..2", "1e5.5", "1E5E5", "0x10", "1,5",
                         "NaN", "Infinity", "-Infinity", "1f",   "e5",    "1_000", "１"};
    for (const char* text : bad) {
        CAPTURE(text);
        CHECK_FALSE(Decimal::parse(text).has_value());
    }
    // An embedded NUL is part of the text, not its end.
    CHECK_FALSE(Decimal::parse(std::string_view("1\0", 2)).has_value());
    CHECK(Decimal::parse(std::string_view("12", 1)) == Decimal(1));
}

TEST_CASE("Decimal: parse rejects values it cannot hold exactly") {
    const char* unrepresentable[] = {
        "1e400",
        "-1e400",
        "1e-400",
        "1e19",
        "1e-19",
        "0.0000000000000000001",
        "0.1234567890123456789",
        "9223372036854775808",
        "-9223372036854775809",
        "12345678901234567890",
        "1234567890123456789.1",
        "92233720368547758070",
        "9.2233720368547758071",
        "0.12345678901234567891e5",
        "1e99999999999999999999",
        // 20 significant digits would wrap a 64-bit accumulator into range.
        "99999999999999999999",
        "-99999999999999999999",
        "9999999999999999999.9",
        "1e-99999999999999999999",
    };
    for (const char* text : unrepresentable) {
        CAPTURE(text);
        CHECK_FALSE(Decimal::parse(text).has_value());
    }
}

TEST_CASE("Decimal: constructs from integers") {
    CHECK(Decimal(0).mantissa() == 0);
    CHECK(Decimal(42).mantissa() == 42);
    CHECK(Decimal(-42).mantissa() == -42);
    CHECK(Decimal(42).scale() == 0);
    CHECK(Decimal(static_cast<short>(-7)).mantissa() == -7);
    CHECK(Decimal(static_cast<unsigned char>(200)).mantissa() == 200);
    CHECK(Decimal(int64_max).mantissa() == int64_max);
    CHECK(Decimal(int64_min).mantissa() == int64_min);
    CHECK(Decimal(std::uint64_t{9223372036854775807u}).mantissa() == int64_max);
    CHECK_THROWS_AS(Decimal{std::uint64_t{9223372036854775808u}}, std::overflow_error);
    CHECK_THROWS_AS(Decimal{std::numeric_limits<std::uint64_t>::max()}, std::overflow_error);
    const Decimal implicit = 1000;
    CHECK(implicit == dec("1e3"));
}

TEST_CASE("Decimal: from_units normalizes and checks the scale") {
    CHECK(Decimal::from_units(1999, 2) == dec("19.99"));
    CHECK(Decimal::from_units(1500, 3).mantissa() == 15);
    CHECK(Decimal::from_units(1500, 3).scale() == 1);
    CHECK(Decimal::from_units(1500, 0).mantissa() == 1500);
    CHECK(Decimal::from_units(-100, 2) == Decimal(-1));
    CHECK(Decimal::from_units(0, 18).scale() == 0);
    CHECK(Decimal::from_units(int64_min, 18).mantissa() == int64_min);
    CHECK(Decimal::from_units(int64_min, 18).scale() == 18);
    CHECK(Decimal::from_units(1, 18).to_string() == "0.000000000000000001");
    CHECK_THROWS_AS(Decimal::from_units(1, 19), std::invalid_argument);
    CHECK_THROWS_AS(Decimal::from_units(1, -1), std::invalid_argument);
}

TEST_CASE("Decimal: to_string writes plain minimal notation") {
    CHECK(Decimal().to_string() == "0");
    CHECK(dec("2.50").to_string() == "2.5");
    CHECK(dec("-0.05").to_string() == "-0.05");
    CHECK(dec("1e2").to_string() == "100");
    CHECK(dec("-1e2").to_string() == "-100");
    CHECK(dec("1.5E-2").to_string() == "0.015");
    CHECK(dec("123.456").to_string() == "123.456");
    CHECK(dec("-0.1").to_string() == "-0.1");
    CHECK(Decimal::from_units(int64_max, 18).to_string() == "9.223372036854775807");
    CHECK(Decimal::from_units(int64_min, 18).to_string() == "-9.223372036854775808");
    CHECK(Decimal::from_units(int64_min, 1).to_string() == "-922337203685477580.8");
    CHECK(Decimal(int64_min).to_string() == "-9223372036854775808");
    CHECK(Decimal(int64_max).to_string() == "9223372036854775807");
    CHECK(Decimal::from_units(-1, 18).to_string() == "-0.000000000000000001");
    CHECK(Decimal::from_units(123456789, 18).to_string() == "0.000000000123456789");
}

TEST_CASE("Decimal: to_chars writes without allocating and reports short buffers") {
    const Decimal longest[] = {Decimal::from_units(-1, 18), Decimal::from_units(int64_min, 18),
                               Decimal::from_units(int64_min, 1)};
    for (const Decimal& d : longest) {
        char buf[Decimal::max_chars];
        char* end = d.to_chars(buf, buf + sizeof buf);
        REQUIRE(end != nullptr);
        CHECK(end - buf == 21);
        CHECK(std::string(buf, 21) == d.to_string());
    }

    char buf[8];
    std::memset(buf, '#', sizeof buf);
    const Decimal d = dec("-2.5"); // 4 characters
    CHECK(d.to_chars(buf, buf + 3) == nullptr);
    CHECK(std::string(buf, sizeof buf) == "########"); // nothing written on failure
    char* end = d.to_chars(buf, buf + 4);
    REQUIRE(end == buf + 4);
    CHECK(std::string(buf, sizeof buf) == "-2.5####"); // no NUL, nothing past the end
    CHECK(d.to_chars(nullptr, nullptr) == nullptr);
    CHECK(Decimal().to_chars(buf, buf) == nullptr);
    CHECK(Decimal().to_chars(buf, buf + 1) == buf + 1);
    CHECK(buf[0] == '0');
}

TEST_CASE("Decimal: text round-trips") {
    const char* texts[] = {"0",
                           "1",
                           "-1",
                           "0.1",
                           "-0.1",
                           "19.99",
                           "1000000",
                           "0.000000000000000001",
                           "-9223372036854775808",
                           "9.223372036854775807",
                           "123456789.123456789"};
    for (const char* text : texts) {
        CAPTURE(text);
        CHECK(dec(text).to_string() == text);
        CHECK(dec(dec(text).to_string()) == dec(text));
    }
    Lcg rng;
    for (int i = 0; i < 20000; ++i) {
        const std::uint64_t high = rng.next() << 11;
        const std::uint64_t bits = high ^ rng.next(); // all 64 bits vary
        const auto decimals = static_cast<int>(rng.next() % 19);
        // Shifting spreads the magnitudes over every digit count.
        const auto units = static_cast<std::int64_t>(bits) >> (rng.next() % 64);
        const Decimal d = Decimal::from_units(units, decimals);
        char buf[Decimal::max_chars];
        char* end = d.to_chars(buf, buf + sizeof buf);
        REQUIRE(end != nullptr);
        const std::string_view text(buf, static_cast<std::size_t>(end - buf));
        CAPTURE(text);
        const auto back = Decimal::parse(text);
        REQUIRE(back.has_value());
        CHECK(*back == d);
        CHECK(d.to_string() == text);
    }
}

TEST_CASE("Decimal: addition and subtraction are exact") {
    CHECK(dec("0.1") + dec("0.2") == dec("0.3"));
    CHECK(dec("0.3") - dec("0.1") == dec("0.2"));
    Decimal total;
    for (int i = 0; i < 1000; ++i) total += dec("0.01");
    CHECK(total == Decimal(10));
    CHECK(total.scale() == 0);
    for (int i = 0; i < 1000; ++i) total -= dec("0.01");
    CHECK(total.is_zero());
    CHECK(dec("2.5") + dec("2.5") == Decimal(5));
    CHECK((dec("2.5") + dec("2.5")).scale() == 0);
    CHECK(dec("1.05") - dec("2.1") == dec("-1.05"));
    CHECK(dec("-1.5") + Decimal(1) == dec("-0.5"));
    CHECK(Decimal(1) - dec("0.000000000000000001") == dec("0.999999999999999999"));
    CHECK(dec("0.5") + dec("-0.5") == Decimal());
    // One operand does not fit int64 once aligned to 1 decimal, the exact sum does.
    CHECK(Decimal(1000000000000000000) + dec("-900000000000000000.1") ==
          dec("99999999999999999.9"));
    CHECK(Decimal(int64_max) - Decimal(int64_max) == Decimal());
    CHECK(Decimal(int64_min) + Decimal(int64_max) == Decimal(-1));
    CHECK(Decimal(int64_max) + Decimal(int64_min) == Decimal(-1));
    CHECK(Decimal(-1) + Decimal(int64_min + 1) == Decimal(int64_min));
    CHECK(Decimal(0) - Decimal(int64_max) - Decimal(1) == Decimal(int64_min));

    Lcg rng;
    for (int i = 0; i < 5000; ++i) {
        const std::int64_t ma = rng.between(-1000000000, 1000000000);
        const std::int64_t mb = rng.between(-1000000000, 1000000000);
        const int sa = static_cast<int>(rng.next() % 10);
        const int sb = static_cast<int>(rng.next() % 10);
        const Decimal a = Decimal::from_units(ma, sa);
        const Decimal b = Decimal::from_units(mb, sb);
        const std::int64_t x = ma * pow10(9 - sa); // both at 9 decimals: plain int64 sums
        const std::int64_t y = mb * pow10(9 - sb);
        CAPTURE(a);
        CAPTURE(b);
        CHECK(a + b == Decimal::from_units(x + y, 9));
        CHECK(a - b == Decimal::from_units(x - y, 9));
        CHECK(Decimal::checked_sub(b, a) == Decimal::from_units(y - x, 9));
    }
}

TEST_CASE("Decimal: multiplication is exact") {
    CHECK(dec("19.99") * Decimal(3) == dec("59.97"));
    CHECK(Decimal(3) * dec("19.99") == dec("59.97"));
    CHECK(dec("0.5") * dec("0.2") == dec("0.1"));
    CHECK(dec("2.5") * dec("0.4") == Decimal(1));
    CHECK((dec("2.5") * dec("0.4")).scale() == 0);
    CHECK(dec("-1.5") * Decimal(2) == Decimal(-3));
    CHECK(dec("-1.5") * dec("-1.5") == dec("2.25"));
    CHECK(dec("1.1") * dec("1.1") == dec("1.21"));
    CHECK(dec("0.21") * dec("100") == Decimal(21));
    CHECK(Decimal() * dec("-3.5") == Decimal());
    CHECK_FALSE((Decimal() * dec("-3.5")).is_negative());
    // The raw product 10^27 needs more than 64 bits; normalized it is 1.
    const Decimal five_pow = Decimal::from_units(7450580596923828125, 18); // 5^27 / 10^18
    const Decimal two_pow = Decimal::from_units(134217728, 9);             // 2^27 / 10^9
    CHECK(five_pow * two_pow == Decimal(1));
    // Scale 19 before normalization, 18 after.
    CHECK(Decimal::from_units(5, 18) * dec("0.2") == Decimal::from_units(1, 18));
    CHECK(Decimal(4611686018427387904) * dec("0.5") == Decimal(2305843009213693952));
    CHECK(Decimal(int64_min) * Decimal(1) == Decimal(int64_min));
    CHECK(Decimal(int64_max) * Decimal(-1) == Decimal(int64_min + 1));
    Decimal price = dec("0.99");
    price *= Decimal(100);
    CHECK(price == Decimal(99));

    Lcg rng;
    for (int i = 0; i < 5000; ++i) {
        const std::int64_t ma = rng.between(-1000000000, 1000000000);
        const std::int64_t mb = rng.between(-1000000000, 1000000000);
        const int sa = static_cast<int>(rng.next() % 10);
        const int sb = static_cast<int>(rng.next() % 10);
        const Decimal a = Decimal::from_units(ma, sa);
        const Decimal b = Decimal::from_units(mb, sb);
        CAPTURE(a);
        CAPTURE(b);
        CHECK(a * b == Decimal::from_units(ma * mb, sa + sb));
    }
}

TEST_CASE("Decimal: overflow throws and checked operations return nullopt") {
    const Decimal max = Decimal(int64_max);
    const Decimal min = Decimal(int64_min);
    CHECK_THROWS_AS(max + Decimal(1), std::overflow_error);
    CHECK_FALSE(Decimal::checked_add(max, Decimal(1)).has_value());
    CHECK_THROWS_AS(min - Decimal(1), std::overflow_error);
    CHECK_FALSE(Decimal::checked_sub(min, Decimal(1)).has_value());
    CHECK_THROWS_AS(min + Decimal(-1), std::overflow_error);
    CHECK_THROWS_AS(Decimal(0) - min, std::overflow_error);
    CHECK_FALSE(Decimal::checked_sub(Decimal(0), min).has_value());
    // Aligning to 18 decimals is needed and the exact sum has 37 digits.
    CHECK_FALSE(Decimal::checked_add(max, Decimal::from_units(1, 18)).has_value());
    CHECK(Decimal::checked_add(dec("0.5"), Decimal(922337203685477580)) ==
          Decimal::from_units(9223372036854775805, 1));
    CHECK_FALSE(Decimal::checked_add(dec("0.5"), Decimal(922337203685477581)).has_value());
    // Aligned operands sum to 2^64 + 1: a lost carry would read as 0.1.
    CHECK_FALSE(Decimal::checked_add(Decimal(922337203685477581), Decimal::from_units(int64_max, 1))
                    .has_value());
    CHECK_THROWS_AS(max * Decimal(2), std::overflow_error);
    CHECK_FALSE(Decimal::checked_mul(max, Decimal(2)).has_value());
    CHECK_FALSE(Decimal::checked_mul(min, Decimal(-1)).has_value());
    CHECK_FALSE(Decimal::checked_mul(max, max).has_value());
    // Exact products past 18 decimals do not fit either.
    CHECK_THROWS_AS(Decimal::from_units(1, 18) * dec("0.1"), std::overflow_error);
    CHECK_FALSE(
        Decimal::checked_mul(Decimal::from_units(1, 10), Decimal::from_units(1, 9)).has_value());
    CHECK(Decimal::checked_mul(Decimal::from_units(1, 10), Decimal::from_units(1, 8)) ==
          Decimal::from_units(1, 18));
    CHECK_THROWS_AS(-min, std::overflow_error);
    CHECK_THROWS_AS(-Decimal::from_units(int64_min, 3), std::overflow_error);
    Decimal acc = max;
    CHECK_THROWS_AS(acc += Decimal(1), std::overflow_error);
    CHECK(acc == max); // unchanged after the throw
    CHECK_THROWS_AS(acc *= Decimal(10), std::overflow_error);
    CHECK_THROWS_AS(acc -= Decimal(-1), std::overflow_error);
    CHECK(Decimal::checked_add(max, Decimal(0)) == max);
    CHECK(Decimal::checked_add(max, Decimal(-1)) == Decimal(int64_max - 1));
}

TEST_CASE("Decimal: negation") {
    CHECK(-dec("2.5") == dec("-2.5"));
    CHECK(-dec("-0.001") == dec("0.001"));
    CHECK(-Decimal() == Decimal());
    CHECK(-Decimal(int64_max) == Decimal(int64_min + 1));
}

TEST_CASE("Decimal: round supports every mode") {
    struct Case {
        const char* value;
        int decimals;
        // half_away_from_zero, half_even, toward_zero, down, up
        const char* expected[5];
    };
    const Case cases[] = {
        {"2.5", 0, {"3", "2", "2", "2", "3"}},
        {"-2.5", 0, {"-3", "-2", "-2", "-3", "-2"}},
        {"3.5", 0, {"4", "4", "3", "3", "4"}},
        {"-3.5", 0, {"-4", "-4", "-3", "-4", "-3"}},
        {"2.45", 1, {"2.5", "2.4", "2.4", "2.4", "2.5"}},
        {"-2.45", 1, {"-2.5", "-2.4", "-2.4", "-2.5", "-2.4"}},
        {"2.46", 1, {"2.5", "2.5", "2.4", "2.4", "2.5"}},
        {"2.44", 1, {"2.4", "2.4", "2.4", "2.4", "2.5"}},
        {"-2.44", 1, {"-2.4", "-2.4", "-2.4", "-2.5", "-2.4"}},
        {"-2.46", 1, {"-2.5", "-2.5", "-2.4", "-2.5", "-2.4"}},
        {"12.345", 2, {"12.35", "12.34", "12.34", "12.34", "12.35"}},
        {"12.355", 2, {"12.36", "12.36", "12.35", "12.35", "12.36"}},
        {"0.95", 1, {"1", "1", "0.9", "0.9", "1"}},
        {"-0.04", 1, {"0", "0", "0", "-0.1", "0"}},
        {"0.04", 1, {"0", "0", "0", "0", "0.1"}},
        {"0.5000000000000001", 0, {"1", "1", "0", "0", "1"}},
        {"0.4999999999999999", 0, {"0", "0", "0", "0", "1"}},
        {"1.23", 5, {"1.23", "1.23", "1.23", "1.23", "1.23"}},
        {"1.23", 2, {"1.23", "1.23", "1.23", "1.23", "1.23"}},
        {"7", 0, {"7", "7", "7", "7", "7"}},
        {"-7", 3, {"-7", "-7", "-7", "-7", "-7"}},
        {"9.223372036854775807", 0, {"9", "9", "9", "9", "10"}},
        {"-922337203685477580.8",
         0,
         {"-922337203685477581", "-922337203685477581", "-922337203685477580",
          "-922337203685477581", "-922337203685477580"}},
    };
    for (const Case& c : cases) {
        for (int m = 0; m < 5; ++m) {
            CAPTURE(c.value);
            CAPTURE(c.decimals);
            CAPTURE(m);
            const Decimal rounded = dec(c.value).round(c.decimals, all_modes[m]);
            CHECK(rounded == dec(c.expected[m]));
            CHECK(rounded.scale() <= c.decimals);
        }
    }
    CHECK(dec("2.5").round(0) == Decimal(3)); // default mode is half away from zero
    CHECK(dec("-0.04").round(1).to_string() == "0");
    CHECK_THROWS_AS(dec("1.5").round(-1), std::invalid_argument);

    Lcg rng;
    for (int i = 0; i < 5000; ++i) {
        const std::int64_t units = rng.between(-100000000000, 100000000000);
        const int decimals = static_cast<int>(rng.next() % 10);
        const Decimal d = Decimal::from_units(units, 9);
        CAPTURE(d);
        CAPTURE(decimals);
        for (Rounding mode : all_modes) {
            CHECK(d.round(decimals, mode) ==
                  Decimal::from_units(reference_round(units, pow10(9 - decimals), mode), decimals));
        }
    }
}

TEST_CASE("Decimal: divide rounds the exact quotient") {
    CHECK(Decimal::divide(Decimal(1), Decimal(3), 4) == dec("0.3333"));
    CHECK(Decimal::divide(Decimal(2), Decimal(3), 2) == dec("0.67"));
    CHECK(Decimal::divide(Decimal(-2), Decimal(3), 2) == dec("-0.67"));
    CHECK(Decimal::divide(Decimal(2), Decimal(-3), 2, Rounding::toward_zero) == dec("-0.66"));
    CHECK(Decimal::divide(Decimal(2), Decimal(3), 2, Rounding::down) == dec("0.66"));
    CHECK(Decimal::divide(Decimal(-2), Decimal(3), 2, Rounding::down) == dec("-0.67"));
    CHECK(Decimal::divide(Decimal(-2), Decimal(3), 2, Rounding::up) == dec("-0.66"));
    CHECK(Decimal::divide(Decimal(1), Decimal(3), 18) == dec("0.333333333333333333"));
    CHECK(Decimal::divide(Decimal(2), Decimal(3), 18) == dec("0.666666666666666667"));
    CHECK(Decimal::divide(Decimal(10), Decimal(4), 0) == Decimal(3));
    CHECK(Decimal::divide(Decimal(10), Decimal(4), 0, Rounding::half_even) == Decimal(2));
    CHECK(Decimal::divide(Decimal(14), Decimal(4), 0, Rounding::half_even) == Decimal(4));
    CHECK(Decimal::divide(Decimal(-10), Decimal(4), 0) == Decimal(-3));
    // The dividend has more decimals than the result.
    CHECK(Decimal::divide(dec("7.5"), Decimal(2), 0) == Decimal(4));
    CHECK(Decimal::divide(dec("7.5"), Decimal(2), 2) == dec("3.75"));
    CHECK(Decimal::divide(dec("7.5"), Decimal(2), 2).scale() == 2);
    CHECK(Decimal::divide(dec("59.97"), Decimal(3), 2) == dec("19.99"));
    CHECK(Decimal::divide(Decimal(6), Decimal(3), 18) == Decimal(2));
    CHECK(Decimal::divide(Decimal(6), Decimal(3), 18).scale() == 0);
    CHECK(Decimal::divide(Decimal(), Decimal(7), 3, Rounding::up) == Decimal());
    // 10^18 / 3 needs 18 steps of long division past a 64-bit 10^e.
    CHECK(Decimal::divide(Decimal(1), Decimal::from_units(3, 18), 0) ==
          Decimal(333333333333333333));
    CHECK(Decimal::divide(Decimal(1), Decimal::from_units(3, 18), 1) ==
          dec("333333333333333333.3"));
    CHECK(Decimal::divide(Decimal::from_units(1, 18), Decimal(int64_max), 18) == Decimal());
    CHECK(Decimal::divide(Decimal::from_units(1, 18), Decimal(int64_max), 18, Rounding::up) ==
          Decimal::from_units(1, 18));
    CHECK(Decimal::divide(Decimal::from_units(-1, 18), Decimal(int64_max), 18, Rounding::down) ==
          Decimal::from_units(-1, 18));
    CHECK(Decimal::divide(Decimal(int64_min), Decimal(1), 0) == Decimal(int64_min));
    CHECK(Decimal::divide(Decimal(int64_min), Decimal(2), 0) == Decimal(-4611686018427387904));
    CHECK_FALSE(Decimal::checked_divide(Decimal(int64_min), Decimal(-1), 0).has_value());
    CHECK_THROWS_AS(Decimal::divide(Decimal(int64_min), Decimal(-1), 0), std::overflow_error);
    CHECK_THROWS_AS(Decimal::divide(Decimal(int64_max), dec("0.1"), 0), std::overflow_error);
    CHECK_THROWS_AS(Decimal::divide(Decimal(1), Decimal::from_units(1, 18), 18),
                    std::overflow_error);
    CHECK_THROWS_AS(Decimal::divide(Decimal(1), Decimal(0), 2), std::domain_error);
    CHECK_THROWS_AS(Decimal::divide(Decimal(1), Decimal(3), -1), std::invalid_argument);
    CHECK_THROWS_AS(Decimal::divide(Decimal(1), Decimal(3), 19), std::invalid_argument);
    CHECK_FALSE(Decimal::checked_divide(Decimal(1), Decimal(0), 2).has_value());
    CHECK_FALSE(Decimal::checked_divide(Decimal(1), Decimal(3), 19).has_value());
    CHECK_FALSE(Decimal::checked_divide(Decimal(int64_max), dec("0.1"), 0).has_value());
    CHECK(Decimal::checked_divide(Decimal(1), Decimal(8), 3) == dec("0.125"));

    Lcg rng;
    for (int i = 0; i < 5000; ++i) {
        const std::int64_t ma = rng.between(-1000000, 1000000);
        std::int64_t mb = rng.between(-1000000, 1000000);
        if (mb == 0) mb = 1;
        const int sa = static_cast<int>(rng.next() % 4);
        const int sb = static_cast<int>(rng.next() % 4);
        const int decimals = static_cast<int>(rng.next() % 7);
        const Decimal a = Decimal::from_units(ma, sa);
        const Decimal b = Decimal::from_units(mb, sb);
        // a / b * 10^decimals == ma * 10^e / mb; both sides stay far inside int64 here.
        const int e = sb - sa + decimals;
        const std::int64_t num = ma * pow10(e > 0 ? e : 0) * (mb < 0 ? -1 : 1);
        const std::int64_t den = (mb < 0 ? -mb : mb) * pow10(e < 0 ? -e : 0);
        CAPTURE(a);
        CAPTURE(b);
        CAPTURE(decimals);
        for (Rounding mode : all_modes) {
            CHECK(Decimal::divide(a, b, decimals, mode) ==
                  Decimal::from_units(reference_round(num, den, mode), decimals));
        }
        // Exact quotients come back exactly (a has at most 3 decimals).
        CHECK(Decimal::divide(a * b, b, 3) == a);
    }
}

TEST_CASE("Decimal: compares by value") {
    CHECK(dec("1.50") == dec("1.5"));
    CHECK(dec("1.5") != dec("1.51"));
    CHECK(dec("1.5") < dec("1.51"));
    CHECK(dec("1.51") > dec("1.5"));
    CHECK(dec("-1.51") < dec("-1.5"));
    CHECK(dec("-0.000000000000000001") < Decimal());
    CHECK(Decimal() < dec("0.000000000000000001"));
    CHECK(dec("2") <= dec("2.0"));
    CHECK(dec("2") >= dec("2.0"));
    CHECK_FALSE(dec("2") < dec("2.0"));
    CHECK_FALSE(dec("2.1") <= dec("2"));
    CHECK_FALSE(dec("2") >= dec("2.1"));
    CHECK(Decimal(3) > dec("2.999999999999999999"));
    CHECK(dec("0.1") + dec("0.2") == dec("0.3"));
    // Scales that cannot be aligned in int64.
    const Decimal big = Decimal(int64_max);
    const Decimal tiny = Decimal::from_units(1, 18);
    CHECK(tiny < big);
    CHECK(big > tiny);
    CHECK_FALSE(big < tiny);
    CHECK(-big < -tiny);
    CHECK(Decimal(int64_min) < Decimal::from_units(int64_min, 18));
    CHECK(Decimal::from_units(int64_max, 18) > Decimal(9));
    CHECK(Decimal::from_units(int64_max, 18) < Decimal(10));
    CHECK(Decimal::from_units(int64_max, 1) > Decimal::from_units(int64_max, 2));
    CHECK(Decimal::from_units(int64_min, 1) < Decimal::from_units(int64_min, 2));
    CHECK(Decimal(922337203685477580) < Decimal::from_units(int64_max, 1));
    CHECK(Decimal(922337203685477581) > Decimal::from_units(int64_max, 1));
    CHECK(Decimal::compare(big, tiny) == 1);
    CHECK(Decimal::compare(tiny, big) == -1);
    CHECK(Decimal::compare(dec("4.20"), dec("4.2")) == 0);

    Lcg rng;
    for (int i = 0; i < 5000; ++i) {
        const std::int64_t ma = rng.between(-1000000000, 1000000000);
        const std::int64_t mb = rng.between(-1000000000, 1000000000);
        const int sa = static_cast<int>(rng.next() % 10);
        const int sb = static_cast<int>(rng.next() % 10);
        const Decimal a = Decimal::from_units(ma, sa);
        const Decimal b = Decimal::from_units(mb, sb);
        const std::int64_t x = ma * pow10(9 - sa);
        const std::int64_t y = mb * pow10(9 - sb);
        CAPTURE(a);
        CAPTURE(b);
        CHECK((a < b) == (x < y));
        CHECK((a <= b) == (x <= y));
        CHECK((a > b) == (x > y));
        CHECK((a >= b) == (x >= y));
        CHECK((a == b) == (x == y));
        CHECK((a != b) == (x != y));
        CHECK(Decimal::compare(a, b) == (x < y ? -1 : (x > y ? 1 : 0)));
    }
}

TEST_CASE("Decimal: from_double takes the shortest decimal text") {
    CHECK(Decimal::from_double(0.1) == dec("0.1"));
    CHECK(Decimal::from_double(0.1)->scale() == 1);
    CHECK(Decimal::from_double(0.1 + 0.2) == dec("0.3"));
    CHECK(Decimal::from_double(0.1 + 0.2, 17) == dec("0.30000000000000004"));
    CHECK(Decimal::from_double(19.99) == dec("19.99"));
    CHECK(Decimal::from_double(2.675, 2) == dec("2.68"));
    CHECK(Decimal::from_double(-2.675, 2) == dec("-2.68"));
    CHECK(Decimal::from_double(1.005, 2) == dec("1.01"));
    CHECK(Decimal::from_double(123.456, 0) == Decimal(123));
    CHECK(Decimal::from_double(0.5, 0) == Decimal(1));
    CHECK(Decimal::from_double(-0.5, 0) == Decimal(-1));
    CHECK(Decimal::from_double(0.49, 0) == Decimal());
    CHECK(Decimal::from_double(1e-7) == Decimal());
    CHECK(Decimal::from_double(5e-7) == dec("0.000001"));
    CHECK(Decimal::from_double(-5e-7) == dec("-0.000001"));
    CHECK(Decimal::from_double(1e-300) == Decimal());
    CHECK(Decimal::from_double(1e-18, 18) == Decimal::from_units(1, 18));
    // 17 significant digits, all dropped: the first decides.
    CHECK(Decimal::from_double(0.057799066029201575, 1) == dec("0.1"));
    CHECK(Decimal::from_double(5.1785107111985274e-08, 7) == dec("0.0000001"));
    CHECK(Decimal::from_double(0.0073383354934594336, 2) == dec("0.01"));
    CHECK(Decimal::from_double(0.0073383354934594336, 1) == Decimal());
    CHECK(Decimal::from_double(0.0) == Decimal());
    CHECK(Decimal::from_double(-0.0) == Decimal());
    CHECK(Decimal::from_double(1e18) == Decimal(1000000000000000000));
    CHECK(Decimal::from_double(9.2e18) == Decimal(9200000000000000000));
    CHECK(Decimal::from_double(-9.2e18) == Decimal(-9200000000000000000));
    CHECK(Decimal::from_double(123456789.123456789, 18) == dec("123456789.12345679"));
    CHECK(Decimal::from_double(1234.5) == dec("1234.5"));
    CHECK_FALSE(Decimal::from_double(1e19).has_value());
    CHECK_FALSE(Decimal::from_double(9.3e18).has_value());
    CHECK_FALSE(Decimal::from_double(-1e300).has_value());
    CHECK_FALSE(Decimal::from_double(std::numeric_limits<double>::quiet_NaN()).has_value());
    CHECK_FALSE(Decimal::from_double(std::numeric_limits<double>::infinity()).has_value());
    CHECK_FALSE(Decimal::from_double(-std::numeric_limits<double>::infinity()).has_value());
    CHECK_FALSE(Decimal::from_double(1.5, -1).has_value());
    CHECK_FALSE(Decimal::from_double(1.5, 19).has_value());
}

TEST_CASE("Decimal: to_double gives the nearest double") {
    CHECK(dec("0.1").to_double() == 0.1);
    CHECK(dec("-2.5").to_double() == -2.5);
    CHECK(dec("19.99").to_double() == 19.99);
    CHECK(Decimal().to_double() == 0.0);
    CHECK(Decimal::from_units(1, 18).to_double() == 1e-18);
    CHECK(Decimal(int64_max).to_double() == 9223372036854775808.0);
    CHECK(Decimal(int64_min).to_double() == -9223372036854775808.0);
    CHECK(dec("123456.789").to_double() == 123456.789);
}

TEST_CASE("Decimal: streams like to_string") {
    std::ostringstream os;
    os << dec("-2.50") << ' ' << Decimal(100) << ' ' << dec("0.05");
    CHECK(os.str() == "-2.5 100 0.05");
    std::ostringstream padded;
    padded << std::setw(6) << std::setfill('*') << dec("1.5") << '|';
    CHECK(padded.str() == "***1.5|");
    std::wostringstream wide;
    wide << dec("-0.05");
    CHECK(wide.str() == L"-0.05");
}

TEST_CASE("Decimal: sign queries") {
    CHECK(Decimal().is_zero());
    CHECK_FALSE(Decimal().is_negative());
    CHECK_FALSE(dec("0.000000000000000001").is_zero());
    CHECK_FALSE(dec("0.1").is_negative());
    CHECK(dec("-0.1").is_negative());
    CHECK_FALSE(dec("-0.1").is_zero());
}
