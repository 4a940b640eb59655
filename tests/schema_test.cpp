// Tests of the JSON Schemas derived from the field tables (schema.hpp).
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/schema.hpp>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace wh = mplus::webhooks;
namespace ev = mplus::webhooks::events;
using nlohmann::json;

TEST_CASE("schema: required fields and types come from the field table") {
    const json s = wh::detail::schema_of<wh::Payment>({});
    CHECK(s["type"] == "object");
    // description and method are lenient: they may be absent, but not null or of another type.
    CHECK(s["required"] == json::array({"amount"}));
    CHECK(s["properties"]["amount"] == json{{"type", "number"}});
    CHECK(s["properties"]["method"] == json{{"type", "string"}});
    CHECK_FALSE(s.contains("additionalProperties")); // lenient: unknown fields are kept
}

TEST_CASE("schema: optional fields are not required and accept null") {
    const json s = wh::detail::schema_of<wh::Relation>({});
    CHECK(s["required"] == json::array({"relationNumber"}));
    CHECK(s["properties"]["name"]["type"] == json::array({"string", "null"}));
}

TEST_CASE("schema: integers also read as numeric strings") {
    const json s = wh::detail::schema_of<wh::Relation>({})["properties"]["relationNumber"];
    CHECK(s["type"] == json::array({"integer", "string"}));
    CHECK(s["pattern"] == "^-?[0-9]+$");
    CHECK(s["maximum"] == json(INT64_MAX));
}

TEST_CASE("schema: raw JSON members accept any value") {
    const json s = wh::detail::schema_of<wh::SessionLine>({});
    CHECK(s["properties"]["preparationMethods"] == json::object());
}

TEST_CASE("schema: open enumerations list their known values, strict closes them") {
    const json lenient = wh::detail::schema_of<wh::CodeType>({});
    CHECK(lenient["type"] == "string");
    CHECK(lenient["examples"] == json::array({"barcode", "rfid", "qrcode"}));
    CHECK_FALSE(lenient.contains("enum"));
    wh::SchemaOptions strict;
    strict.strict = true;
    CHECK(wh::detail::schema_of<wh::CodeType>(strict)["enum"] ==
          json::array({"barcode", "rfid", "qrcode"}));
    CHECK(wh::detail::schema_of<wh::Payment>(strict)["additionalProperties"] == false);
}

TEST_CASE("schema: event details are required and never null") {
    const json s = wh::request_schema<ev::ScanCode>();
    CHECK(s["$schema"] == "https://json-schema.org/draft/2020-12/schema");
    CHECK(s["title"] == "scanCode request");
    CHECK(s["required"] == json::array({"event", "sender", "session", "scanCode"}));
    CHECK(s["properties"]["scanCode"]["type"] == "object");
    CHECK(s["properties"]["scanCode"]["required"] == json::array({"scannedCode"}));
}

TEST_CASE("schema: an older key is accepted and marked deprecated") {
    const json s = wh::detail::schema_of<wh::FooterEntry>({});
    CHECK(s["properties"]["text"]["deprecated"] == true);
    CHECK(s["properties"]["textBefore"]["type"] == json::array({"string", "null"}));
}

TEST_CASE("schema: a footer is one object or a list of them") {
    const json s = wh::reply_schema<ev::CompleteSession>();
    const json footer = s["properties"]["receiptFooter"];
    REQUIRE(footer.contains("anyOf"));
    // nullable() wraps the object-or-list choice in another anyOf with null.
    CHECK(footer["anyOf"][1] == json{{"type", "null"}});
    CHECK(footer["anyOf"][0]["anyOf"][1]["type"] == "array");
}

TEST_CASE("schema: by event kind, and the OpenAPI document names every event") {
    CHECK(wh::request_schema(wh::EventKind::add_session_line) ==
          wh::request_schema<ev::AddSessionLine>());
    CHECK(wh::reply_schema(wh::EventKind::unknown).is_null());
    const json api = wh::openapi_document();
    CHECK(api["openapi"] == "3.1.0");
    CHECK(api["webhooks"].size() == wh::event_count);
    CHECK(api["webhooks"]["pollExternalPayment"]["post"]["responses"]["200"]["content"]
             ["application/json"]["schema"]["$ref"] == "#/components/schemas/reply");
    CHECK(api["components"]["schemas"].contains("startSession.request"));
}
