// Tests of the ISO-8601 timestamp helper.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/timestamp.hpp>

#include <doctest/doctest.h>

using namespace mplus::webhooks;

TEST_CASE("Timestamp: parses the protocol's form with milliseconds and offset") {
    const auto t = parse_timestamp("2022-07-08T13:37:54.324+02:00");
    REQUIRE(t);
    // 2022-07-08T11:37:54.324Z
    CHECK(t->unix_millis == 1657280274324);
    REQUIRE(t->offset_minutes);
    CHECK(*t->offset_minutes == 120);
    CHECK_FALSE(t->date_only);
}

TEST_CASE("Timestamp: parses Z, negative offsets, no seconds and no offset") {
    CHECK(parse_timestamp("1970-01-01T00:00:00Z")->unix_millis == 0);
    CHECK(*parse_timestamp("1970-01-01T00:00:00Z")->offset_minutes == 0);
    CHECK(parse_timestamp("1970-01-01T00:00-01:30")->unix_millis == 5400000);
    CHECK(parse_timestamp("1970-01-01T00:00:00-0130")->unix_millis == 5400000);
    const auto local = parse_timestamp("2000-02-29 12:00:00.5");
    REQUIRE(local);
    CHECK(local->unix_millis == 951825600500);
    CHECK_FALSE(local->offset_minutes);
    CHECK(parse_timestamp("1969-12-31T23:59:59.999Z")->unix_millis == -1);
}

TEST_CASE("Timestamp: a bare date is a date") {
    const auto t = parse_timestamp("2024-12-31");
    REQUIRE(t);
    CHECK(t->date_only);
    CHECK(t->unix_millis == 1735603200000);
}

TEST_CASE("Timestamp: rejects what is not a timestamp") {
    for (const char* bad :
         {"", "2024", "2024-13-01", "2023-02-29", "2024-01-32", "2024-01-01T24:00",
          "2024-01-01T12:60", "2024-01-01T12:00:00.", "2024-01-01T12:00+25:00",
          "2024-01-01T12:00:00Zjunk", "2024/01/01", "2024-01-01X12:00"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_timestamp(bad));
    }
}

TEST_CASE("Timestamp: formats as the POS writes and round-trips") {
    CHECK(format_timestamp(1657280274324, 120) == "2022-07-08T13:37:54.324+02:00");
    CHECK(format_timestamp(0, 0, true) == "1970-01-01T00:00:00.000Z");
    CHECK(format_timestamp(-1, 0) == "1969-12-31T23:59:59.999+00:00");
    CHECK(format_timestamp(5400000, -90) == "1970-01-01T00:00:00.000-01:30");
    for (std::int64_t ms : {std::int64_t{0}, std::int64_t{951825600500},
                            std::int64_t{4102444800123}, std::int64_t{-86400001}}) {
        for (int off : {0, 60, -300, 330}) {
            const auto back = parse_timestamp(format_timestamp(ms, off));
            REQUIRE(back);
            CHECK(back->unix_millis == ms);
            CHECK(*back->offset_minutes == off);
        }
    }
}
