// Tests of mplus::webhooks::JsonPointer: building, RFC 6901 escaping, parsing and tokens, and
// the error paths the reader and the reply rules build with it.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/codec.hpp>
#include <mplus/webhooks/json_pointer.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/reply_rules.hpp>
#include <mplus/webhooks/requests.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace wh = mplus::webhooks;
using wh::JsonPointer;

TEST_CASE("JsonPointer: the root is the empty pointer") {
    const JsonPointer root;
    CHECK(root.is_root());
    CHECK(root.to_string().empty());
    CHECK(root.tokens().empty());
    CHECK(JsonPointer::of().is_root());
    const std::optional<JsonPointer> parsed = JsonPointer::parse("");
    REQUIRE(parsed);
    CHECK(*parsed == root);
    CHECK_FALSE(JsonPointer::of("a").is_root());
}

TEST_CASE("JsonPointer: keys and indices append in order") {
    JsonPointer p;
    p.append_key("addSessionLine").append_key("lines").append_index(0).append_key("price");
    CHECK(p.to_string() == "/addSessionLine/lines/0/price");
    CHECK(JsonPointer::of("addSessionLine", "lines", std::size_t{12}, "price").to_string() ==
          "/addSessionLine/lines/12/price");
    const std::size_t i = 3;
    CHECK(JsonPointer::of("message", i).to_string() == "/message/3");
    CHECK(JsonPointer::of("a").append(JsonPointer::of("b", i)).to_string() == "/a/b/3");
    // An index that is text stays a key: "0" as a member name is written the same way.
    CHECK(JsonPointer::of("0").to_string() == "/0");
}

TEST_CASE("JsonPointer: ~ and / in keys are escaped as ~0 and ~1") {
    CHECK(JsonPointer::of("a/b").to_string() == "/a~1b");
    CHECK(JsonPointer::of("m~n").to_string() == "/m~0n");
    // `~1` in a key is a tilde and a one, not an escaped slash: written as ~01.
    CHECK(JsonPointer::of("~1").to_string() == "/~01");
    CHECK(JsonPointer::of("/~").to_string() == "/~1~0");
    CHECK(JsonPointer::of("").to_string() == "/");
    CHECK(JsonPointer::of("", "").to_string() == "//");
}

TEST_CASE("JsonPointer: tokens give back the keys as they were") {
    const std::vector<std::string> keys = {"a/b", "m~n", "~1", "", "0", "x y"};
    JsonPointer p;
    for (const auto& k : keys) p.append_key(k);
    CHECK(p.to_string() == "/a~1b/m~0n/~01//0/x y");
    CHECK(p.tokens() == keys);
    const std::optional<JsonPointer> parsed = JsonPointer::parse(p.to_string());
    REQUIRE(parsed);
    CHECK(*parsed == p);
    CHECK(parsed->tokens() == keys);
    CHECK(JsonPointer::unescape("~01") == "~1");
    CHECK(JsonPointer::unescape("a~1b~0") == "a/b~");
}

TEST_CASE("JsonPointer: parse refuses what is not a pointer") {
    CHECK_FALSE(JsonPointer::parse("a/b"));
    CHECK_FALSE(JsonPointer::parse("/a~"));
    CHECK_FALSE(JsonPointer::parse("/a~2"));
    CHECK_FALSE(JsonPointer::parse("#/a"));
    REQUIRE(JsonPointer::parse("/"));
    CHECK(JsonPointer::parse("/")->tokens() == std::vector<std::string>{""});
    REQUIRE(JsonPointer::parse("/a~0~1"));
    CHECK(JsonPointer::parse("/a~0~1")->tokens() == std::vector<std::string>{"a~/"});
}

TEST_CASE("JsonPointer: index_of reads array indices only") {
    CHECK(JsonPointer::index_of("0") == std::optional<std::size_t>(0));
    CHECK(JsonPointer::index_of("17") == std::optional<std::size_t>(17));
    CHECK(JsonPointer::index_of("123456789012345678") ==
          std::optional<std::size_t>(123456789012345678u));
    CHECK_FALSE(JsonPointer::index_of(""));
    CHECK_FALSE(JsonPointer::index_of("01"));
    CHECK_FALSE(JsonPointer::index_of("-1"));
    CHECK_FALSE(JsonPointer::index_of("1a"));
    CHECK_FALSE(JsonPointer::index_of("-"));
    CHECK_FALSE(JsonPointer::index_of("1234567890123456789")); // 19 digits: refused, no overflow
}

TEST_CASE("JsonPointer: comparison and moving the text out") {
    const JsonPointer a = JsonPointer::of("a");
    const JsonPointer b = JsonPointer::of("b");
    CHECK(a != b);
    CHECK(a < b);
    CHECK_FALSE(b < a);
    JsonPointer c = JsonPointer::of("lines", std::size_t{2});
    const std::string text = std::move(c).to_string();
    CHECK(text == "/lines/2");
}

TEST_CASE("JsonPointer: the reader's error paths escape keys") {
    const auto has_path = [](const auto& result, const std::string& path) {
        for (const auto& e : result.errors()) {
            if (e.path == path) return true;
        }
        return false;
    };
    wh::ReadOptions strict;
    strict.strict = true;
    const auto unknown = wh::try_parse<wh::AddSessionLineRequest>(
        R"({"event":{"a/b~c":1},"addSessionLine":{"line":{"lineId":"1"}}})", strict);
    REQUIRE_FALSE(unknown.ok());
    CHECK(has_path(unknown, "/event/a~1b~0c"));

    const auto wrong = wh::try_parse<wh::AddSessionLineRequest>(
        R"({"addSessionLine":{"line":{"lineId":"1","quantity":"two"}}})");
    REQUIRE_FALSE(wrong.ok());
    CHECK(has_path(wrong, "/addSessionLine/line/quantity"));
}

TEST_CASE("JsonPointer: the reply rules' paths name list elements") {
    wh::Reply reply;
    reply.message.resize(2);
    reply.message[1].message = "hi";
    reply.message[1].background_color = "not a colour";
    const std::vector<wh::Error> problems = wh::check_reply(reply, wh::EventKind::scan_code);
    REQUIRE(problems.size() == 1);
    CHECK(problems.front().path == "/message/1/backgroundColor");
}
