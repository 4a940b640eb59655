// The one way into nlohmann's parser (detail/json/dom.hpp): built twice, once as the SDK takes
// it with this nlohmann release and once through nlohmann's public entry points
// (MPLUS_WEBHOOKS_NLOHMANN_PUBLIC_API, the path of releases other than 3.10 and 3.11); the same
// expectations hold for both.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks.hpp>
#include <mplus/webhooks/testing/expect.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace wh = mplus::webhooks;

namespace {

nlohmann::json dom(std::string_view text) {
    return wh::detail::parse_dom<nlohmann::json>(text);
}

} // namespace

TEST_CASE("json parser: the entry in use is the one this nlohmann release and the build call for") {
#if defined(MPLUS_WEBHOOKS_NLOHMANN_PUBLIC_API)
    CHECK(MPLUS_WEBHOOKS_NLOHMANN_INTERNAL_PARSER == 0);
#elif NLOHMANN_JSON_VERSION_MAJOR == 3 && NLOHMANN_JSON_VERSION_MINOR >= 10 &&                     \
    NLOHMANN_JSON_VERSION_MINOR <= 11
    CHECK(MPLUS_WEBHOOKS_NLOHMANN_INTERNAL_PARSER == 1);
#else
    CHECK(MPLUS_WEBHOOKS_NLOHMANN_INTERNAL_PARSER == 0);
#endif
}

TEST_CASE("json parser: a DOM only of exactly one JSON value") {
    CHECK(dom(R"( {"a":[1,2.5,"\u00e9",null,true]} )") ==
          nlohmann::json{{"a", {1, 2.5, "\xc3\xa9", nullptr, true}}});
    CHECK(dom("7") == 7);
    CHECK(dom("{} x").is_discarded());
    CHECK(dom("{}{}").is_discarded());
    CHECK(dom("").is_discarded());
    CHECK(dom("[1,2").is_discarded());
    CHECK(dom(R"({"a":01})").is_discarded());
}

TEST_CASE("json parser: typed reads keep the exact text of what they do not know") {
    const auto r = wh::try_parse<wh::Event>(
        R"({"eventCounter":7,"price":2.50,"deep":{"n":1e2,"s":"\u00e9"}, "z" : [ 1 , 2 ]})");
    REQUIRE(r.ok());
    CHECK(r->event_counter == 7);
    CHECK(r->extra.at("price").text() == "2.50");
    CHECK(r->extra.at("deep").text() == R"({"n":1e2,"s":"\u00e9"})");
    CHECK(r->extra.at("z").text() == "[1,2]"); // whitespace between tokens is not kept
    CHECK(wh::serialize(*r) ==
          R"({"eventCounter":7,"price":2.50,"deep":{"n":1e2,"s":"\u00e9"},"z":[1,2]})");
}

TEST_CASE("json parser: typed reads report what is wrong, and where") {
    const auto wrong = wh::try_parse<wh::Event>(R"({"eventCounter":"x"})");
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().code == wh::errc::invalid_data);
    CHECK(wrong.error().path == "/eventCounter");

    const auto trailing = wh::try_parse<wh::Event>(R"({"eventCounter":1} {})");
    REQUIRE_FALSE(trailing.ok());
    CHECK(trailing.error().code == wh::errc::invalid_json);

    const auto nul = wh::try_parse<wh::Event>(std::string_view("{}\0{}", 5));
    REQUIRE_FALSE(nul.ok());
    CHECK(nul.error().code == wh::errc::invalid_json);
    CHECK(nul.error().message.find("NUL byte at offset 2") != std::string::npos);
}

TEST_CASE("json parser: the exact-number parse of the test tools keeps every number's text") {
    nlohmann::json out;
    wh::JsonNumberTexts numbers;
    REQUIRE(
        wh::parse_json_exact(R"({"a":[1.10,2],"b":0.1000000000000000001,"c":3})", out, numbers));
    CHECK(out["c"] == 3);
    CHECK(numbers.at("/a/0") == "1.10");
    CHECK(numbers.at("/b") == "0.1000000000000000001");
    CHECK(numbers.count("/c") == 0);
    std::string error;
    CHECK_FALSE(wh::parse_json_exact(R"({"a":)", out, numbers, &error));
    CHECK_FALSE(error.empty());
}
