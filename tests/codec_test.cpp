// Tests of the JSON codec on the typed model: optional, null, wrong-type, missing, unknown-key
// and unknown-enum cases, numbers, errors, the writer, and nlohmann interoperability.
// SPDX-License-Identifier: MIT
#include "model_test_support.hpp"

#include <mplus/webhooks.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace wh = mplus::webhooks;

namespace {

// The smallest valid body of a request with a session; append `,"key":...}`.
const std::string base = R"({"event":{},"sender":{},"session":{"sessionId":"s1","lines":[]})";

template <class T>
wh::Error first_error(std::string_view text, const wh::ReadOptions& o = {}) {
    const auto r = wh::try_parse<T>(text, o);
    REQUIRE_MESSAGE(!r.ok(), "parsed although it should not: ", text);
    return r.error();
}

template <class T>
T parsed(std::string_view text, const wh::ReadOptions& o = {}) {
    const auto r = wh::try_parse<T>(text, o);
    REQUIRE_MESSAGE(r.ok(), text, ": ", model_test::describe(r));
    return *r;
}

nlohmann::json js(std::string_view text) {
    return nlohmann::json::parse(text);
}

wh::Decimal dec(std::string_view text) {
    const auto d = wh::Decimal::parse(text);
    REQUIRE(d.has_value());
    return *d;
}

} // namespace

// --- absent and null optional fields ----------------------------------------------------------

TEST_CASE("Event: every field absent reads as empty and writes {}") {
    const auto e = parsed<wh::Event>("{}");
    CHECK_FALSE(e.event_blocking);
    CHECK_FALSE(e.event_polling);
    CHECK_FALSE(e.event_counter);
    CHECK_FALSE(e.event_timestamp);
    CHECK_FALSE(e.blocking());
    CHECK_FALSE(e.polling());
    CHECK(wh::serialize(e) == "{}");
}

TEST_CASE("Sender: absent optional fields read as empty and are not written") {
    const auto s = parsed<wh::Sender>(R"({"branchNumber":1})");
    CHECK(s.branch_number == 1);
    CHECK_FALSE(s.workplace_number);
    CHECK_FALSE(s.device_type);
    CHECK_FALSE(s.has_receipt_printer);
    CHECK_FALSE(s.overall_state);
    CHECK(wh::serialize(s) == R"({"branchNumber":1})");
}

TEST_CASE("SessionLine: null optional fields read as empty and are written back as null") {
    const auto l = parsed<wh::SessionLine>(
        R"({"lineId":"l1","articleNumber":null,"priceIncl":null,"quantity":null,"text":"x",)"
        R"("discountPercentage":null,"pluNumber":null,"externalDiscount":null,)"
        R"("preparationMethods":null,"componentArticles":null})");
    CHECK(l.line_id == "l1");
    CHECK_FALSE(l.article_number);
    CHECK_FALSE(l.price_incl);
    CHECK_FALSE(l.quantity);
    CHECK_FALSE(l.discount_percentage);
    CHECK_FALSE(l.plu_number);
    CHECK_FALSE(l.external_discount);
    CHECK(l.preparation_methods.is_null());
    CHECK(wh::serialize(l) ==
          R"({"lineId":"l1","articleNumber":null,"priceIncl":null,"quantity":null,"text":"x",)"
          R"("discountPercentage":null,"pluNumber":null,"externalDiscount":null,)"
          R"("preparationMethods":null,"componentArticles":null})");
    // Built by code, an empty optional is not written.
    wh::SessionLine built;
    built.line_id = "l1";
    built.text = "x";
    CHECK(wh::serialize(built) == R"({"lineId":"l1","text":"x"})");
}

TEST_CASE("Sender: null optional enum and flag fields read as empty, written back as null") {
    const auto s = parsed<wh::Sender>(
        R"({"deviceType":null,"hasReceiptPrinter":null,"overallState":null,"ageInSeconds":null})");
    CHECK_FALSE(s.device_type);
    CHECK_FALSE(s.has_receipt_printer);
    CHECK_FALSE(s.overall_state);
    CHECK_FALSE(s.age_in_seconds);
    CHECK(
        wh::serialize(s) ==
        R"({"deviceType":null,"hasReceiptPrinter":null,"overallState":null,"ageInSeconds":null})");
    CHECK(wh::serialize(wh::Sender{}) == "{}");
}

TEST_CASE("Session: a null optional list reads as empty and is not written") {
    // A null list is no list; a null optional object is written back as the null it was.
    const auto r = parsed<wh::SessionRequest>(
        R"({"event":{},"sender":{},"session":{"sessionId":"s1","lines":[],"payments":null,)"
        R"("table":null,"relation":null}})");
    CHECK(r.session.payments.empty());
    CHECK_FALSE(r.session.table);
    CHECK_FALSE(r.session.relation);
    CHECK(wh::serialize(r) == R"({"event":{},"sender":{},"session":{"sessionId":"s1","table":null,)"
                              R"("lines":[],"relation":null}})");
}

TEST_CASE("Reply: null optional lists and strings read as empty") {
    const auto r =
        parsed<wh::Reply>(R"({"message":null,"lineChanges":null,"version":null,)"
                          R"("externalPayment":{"externalPaymentId":null,"receiptTexts":null}})");
    CHECK(r.message.empty());
    CHECK(r.line_changes.empty());
    CHECK_FALSE(r.version);
    REQUIRE(r.external_payment);
    CHECK(r.external_payment->external_payment_id.empty());
    CHECK(wh::serialize(r) == R"({"version":null,"externalPayment":{}})");
}

TEST_CASE("FormSubmission: fields and selected may be absent") {
    const auto f = parsed<wh::FormSubmission>(R"({"id":"f","cancelled":true})");
    CHECK(f.cancelled == true);
    CHECK(f.fields.empty());
    CHECK(f.field("x") == nullptr);
    const auto g =
        parsed<wh::FormSubmission>(R"({"id":"f","fields":[{"id":"a","selected":["o1","o2"]}]})");
    REQUIRE(g.field("a") != nullptr);
    CHECK_FALSE(g.field("a")->value);
    CHECK(g.field("a")->selected == std::vector<std::string>{"o1", "o2"});
}

// --- wrong types and missing fields -----------------------------------------------------------

TEST_CASE("SessionLine: a wrong type is INVALID_DATA at the exact JSON pointer") {
    const auto e = first_error<wh::SessionRequest>(
        R"({"event":{},"sender":{},"session":{"sessionId":"s1","lines":[)"
        R"({"lineId":"a","text":"A","quantity":1},{"lineId":"b","text":"B","quantity":"2"}]}})");
    CHECK(e.code == wh::errc::invalid_data);
    CHECK(e.wire() == "INVALID_DATA");
    CHECK(e.path == "/session/lines/1/quantity");
    CHECK(e.message == "expected number, got string");
    CHECK(e.to_string() == "/session/lines/1/quantity: expected number, got string");
}

TEST_CASE("Event: wrong types of boolean, integer and string fields name what was expected") {
    const auto r = wh::try_parse<wh::Event>(
        R"({"eventBlocking":1,"eventPolling":"yes","eventCounter":true,"eventTimestamp":5})");
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.errors().size() == 4);
    CHECK(r.errors()[0].to_string() == "/eventBlocking: expected boolean, got number");
    CHECK(r.errors()[1].to_string() == "/eventPolling: expected boolean, got string");
    CHECK(r.errors()[2].to_string() == "/eventCounter: expected integer, got boolean");
    CHECK(r.errors()[3].to_string() == "/eventTimestamp: expected string, got number");
}

TEST_CASE("Session: an object where an array belongs, and the reverse, are reported and skipped") {
    const auto r = wh::try_parse<wh::SessionRequest>(
        R"({"event":[1,{"a":2}],"sender":{},"session":{"sessionId":"s","lines":{"x":[1]}}})");
    REQUIRE(r.errors().size() == 2);
    CHECK(r.errors()[0].to_string() == "/event: expected object, got array");
    CHECK(r.errors()[1].to_string() == "/session/lines: expected array, got object");
}

TEST_CASE("ReadOptions: max_errors stops after that many problems") {
    const std::string text = R"({"eventBlocking":1,"eventPolling":2,"eventCounter":"three"})";
    CHECK(wh::try_parse<wh::Event>(text).errors().size() == 3);
    wh::ReadOptions o;
    o.max_errors = 2;
    const auto r = wh::try_parse<wh::Event>(text, o);
    REQUIRE(r.errors().size() == 2);
    CHECK(r.errors()[1].path == "/eventPolling");
}

TEST_CASE("SessionLine: a missing required field is reported at the missing key's path") {
    const auto e = first_error<wh::SessionRequest>(
        R"({"event":{},"sender":{},"session":{"sessionId":"s1","lines":[{"text":"A"}]}})");
    CHECK(e.code == wh::errc::invalid_data);
    CHECK(e.to_string() == "/session/lines/0/lineId: required field is missing");
}

TEST_CASE("SessionRequest: a missing session and a missing sender are reported") {
    const auto r = wh::try_parse<wh::SessionRequest>(R"({"event":{}})");
    REQUIRE(r.errors().size() == 2);
    CHECK(r.errors()[0].to_string() == "/sender: required field is missing");
    CHECK(r.errors()[1].to_string() == "/session: required field is missing");
}

TEST_CASE("Payment: a missing amount in completeSession is reported with its index") {
    const auto e = first_error<wh::CompleteSessionRequest>(
        base + R"(,"completeSession":{"payments":[{"amount":1,"description":"Pin","method":"PIN"},)"
               R"({"description":"Cash","method":"CASH"}]}})");
    CHECK(e.to_string() == "/completeSession/payments/1/amount: required field is missing");
}

TEST_CASE("Dialog: missing required fields of a reply object are reported") {
    const auto r = wh::try_parse<wh::Reply>(R"({"dialog":{"required":true,"dialogOptions":[]}})");
    REQUIRE(r.errors().size() == 2);
    CHECK(r.errors()[0].path == "/dialog/allowMultipleOptions");
    CHECK(r.errors()[1].path == "/dialog/dialogTitle");
}

TEST_CASE("LineEventDetails: neither a line nor a flat line is a missing line") {
    const auto e = first_error<wh::AddSessionLineRequest>(base + R"(,"addSessionLine":{"foo":1}})");
    CHECK(e.to_string() == "/addSessionLine/line: required field is missing");
    const auto f =
        first_error<wh::AddSessionLineRequest>(base + R"(,"addSessionLine":{"text":"x"}})");
    CHECK(f.to_string() == "/addSessionLine/lineId: required field is missing");
    // A flat line needs only its id (its text may be left out, like any line's).
    const auto flat =
        parsed<wh::AddSessionLineRequest>(base + R"(,"addSessionLine":{"lineId":"x"}})");
    CHECK(flat.add_session_line.flat);
    CHECK(wh::serialize(flat.add_session_line) == R"({"lineId":"x"})");
}

// --- unknown keys -----------------------------------------------------------------------------

TEST_CASE("Event: an unknown key is kept and written back after the known ones") {
    const auto e =
        parsed<wh::Event>(R"({"eventNew":{"a":[1,2.5,"x",null]},"eventCounter":7,"z":false})");
    CHECK(e.event_counter == 7);
    CHECK(e.extra.at("eventNew").json() == js(R"({"a":[1,2.5,"x",null]})"));
    CHECK(e.extra.at("z").json() == false);
    CHECK(wh::serialize(e) == R"({"eventCounter":7,"eventNew":{"a":[1,2.5,"x",null]},"z":false})");
}

TEST_CASE("SessionLine: unknown keys deep in a request are kept where they were") {
    const auto r = parsed<wh::SessionRequest>(
        R"({"event":{},"sender":{"shift":3},"session":{"sessionId":"s","lines":[)"
        R"({"lineId":"l","text":"t","externalDiscount":{"discountId":"d","origin":"app"},"vat":21}]},)"
        R"("top":"level"})");
    CHECK(r.extra.at("top").json() == "level");
    CHECK(r.sender.extra.at("shift").json() == 3);
    CHECK(r.session.lines.at(0).extra.at("vat").json() == 21);
    CHECK(r.session.lines.at(0).external_discount->extra.at("origin").json() == "app");
    CHECK(js(wh::serialize(r)) ==
          js(R"({"event":{},"sender":{"shift":3},"session":{"sessionId":"s","lines":[)"
             R"({"lineId":"l","text":"t","externalDiscount":{"discountId":"d","origin":"app"},)"
             R"("vat":21}]},"top":"level"})"));
}

TEST_CASE("Event: strict mode reports an unknown key as unknown_field at its path") {
    wh::ReadOptions strict;
    strict.strict = true;
    const auto e = first_error<wh::Event>(R"({"eventCounter":1,"futureFlag":true})", strict);
    CHECK(e.code == wh::errc::unknown_field);
    CHECK(e.wire() == "INVALID_DATA");
    CHECK(e.to_string() == "/futureFlag: unknown field");
    // A key with / and ~ is escaped in the pointer.
    const auto f = first_error<wh::SessionRequest>(
        R"({"event":{"a/b~c":1},"sender":{},"session":{"sessionId":"s","lines":[]}})", strict);
    CHECK(f.path == "/event/a~1b~0c");
    // Without unknown keys, strict mode accepts a fixture.
    CHECK(
        wh::try_parse<wh::ScanCodeRequest>(model_test::fixture_text("requests", "scanCode"), strict)
            .ok());
}

TEST_CASE("Relation: strict mode reports every unknown key, in document order") {
    wh::ReadOptions strict;
    strict.strict = true;
    const auto r = wh::try_parse<wh::SelectRelationRequest>(
        base + R"(,"selectRelation":{"relation":{"relationNumber":5,"email":"a@b","city":"X"}}})",
        strict);
    REQUIRE(r.errors().size() == 2);
    CHECK(r.errors()[0].path == "/selectRelation/relation/email");
    CHECK(r.errors()[1].path == "/selectRelation/relation/city");
}

TEST_CASE("WriteOptions: include_unknown=false writes only what the typed model holds") {
    const auto r = parsed<wh::SessionRequest>(
        R"({"event":{"x":1},"sender":{},"session":{"sessionId":"s","lines":[)"
        R"({"lineId":"l","text":"t","vat":21}]},"top":"level"})");
    wh::WriteOptions known_only;
    known_only.include_unknown = false;
    CHECK(
        wh::serialize(r, known_only) ==
        R"({"event":{},"sender":{},"session":{"sessionId":"s","lines":[{"lineId":"l","text":"t"}]}})");
    const auto flat = parsed<wh::AddSessionLineRequest>(
        base + R"(,"addSessionLine":{"lineId":"l","text":"t","posNote":"n"}})");
    CHECK(wh::serialize(flat.add_session_line, known_only) == R"({"lineId":"l","text":"t"})");
    CHECK(wh::serialize(flat.add_session_line) == R"({"lineId":"l","text":"t","posNote":"n"})");
    const auto reply = parsed<wh::Reply>(R"({"version":"1","x":{"y":1}})");
    CHECK(wh::serialize(reply, known_only) == R"({"version":"1"})");
}

TEST_CASE("Event: an unknown key the model now owns is not written twice") {
    wh::Event e;
    e.event_counter = 3;
    e.extra = nlohmann::json{{"eventCounter", 99}, {"other", 1}};
    CHECK(wh::serialize(e) == R"({"eventCounter":3,"other":1})");
}

// --- unknown enumeration values ---------------------------------------------------------------

TEST_CASE("ScannedCode: an unknown codeType is kept verbatim and written back") {
    const auto r = parsed<wh::ScanCodeRequest>(
        base + R"(,"scanCode":{"scannedCode":"123","codeType":"NFC-tag"}})");
    REQUIRE(r.scan_code.code_type);
    CHECK_FALSE(r.scan_code.code_type->is_known());
    CHECK(r.scan_code.code_type->str() == "NFC-tag");
    CHECK(js(wh::serialize(r)).at("scanCode") ==
          js(R"({"scannedCode":"123","codeType":"NFC-tag"})"));
    const auto known = parsed<wh::ScannedCode>(R"({"scannedCode":"1","codeType":"rfid"})");
    CHECK(known.code_type->is_known());
    CHECK(*known.code_type == wh::CodeType::rfid);
}

TEST_CASE("ScannedCode: strict mode reports an unknown codeType as unknown_enum_value") {
    wh::ReadOptions strict;
    strict.strict = true;
    const auto e = first_error<wh::ScanCodeRequest>(
        base + R"(,"scanCode":{"scannedCode":"123","codeType":"NFC-tag"}})", strict);
    CHECK(e.code == wh::errc::unknown_enum_value);
    CHECK(e.wire() == "INVALID_DATA");
    CHECK(e.to_string() == R"(/scanCode/codeType: unknown value "NFC-tag")");
}

TEST_CASE("FormField: unknown type, separator and align values are kept, strict reports each") {
    const std::string text =
        R"({"form":{"id":"f","title":"t","fields":[{"id":"a","type":"signature","required":false,)"
        R"("separator":"double","label":"A"}]},"vatMethodChange":"reverse",)"
        R"("receiptFooter":{"textBeforeOptions":{"align":"justify"}}})";
    const auto r = parsed<wh::Reply>(text);
    CHECK(r.form->fields[0].type == "signature");
    CHECK_FALSE(r.form->fields[0].type.is_known());
    CHECK(r.form->fields[0].separator == wh::Separator("double"));
    CHECK(r.vat_method_change == wh::VatMethod("reverse"));
    CHECK(js(wh::serialize(r)) == js(text));
    wh::ReadOptions strict;
    strict.strict = true;
    const auto s = wh::try_parse<wh::Reply>(text, strict);
    REQUIRE(s.errors().size() == 4);
    CHECK(s.errors()[0].path == "/form/fields/0/type");
    CHECK(s.errors()[1].path == "/form/fields/0/separator");
    CHECK(s.errors()[2].path == "/vatMethodChange");
    CHECK(s.errors()[3].path == "/receiptFooter/textBeforeOptions/align");
    for (const auto& e : s.errors()) CHECK(e.code == wh::errc::unknown_enum_value);
}

TEST_CASE("ErrorInfo: an error code outside the known list is kept") {
    const auto r = parsed<wh::Reply>(R"({"error":{"code":"ACME_CARD_BLOCKED","message":"m"}})");
    CHECK(r.error->code == "ACME_CARD_BLOCKED");
    CHECK_FALSE(r.error->code.is_known());
    CHECK(wh::serialize(r) == R"({"error":{"code":"ACME_CARD_BLOCKED","message":"m"}})");
}

// --- the event's own object -------------------------------------------------------------------

namespace {
template <class T>
void check_no_event_details(const std::string& key) {
    const auto missing = first_error<T>(base + "}");
    CHECK_MESSAGE(missing.code == wh::errc::no_event_details, key);
    CHECK(missing.wire() == "NO_EVENT_DETAILS");
    CHECK(missing.path == "/" + key);
    CHECK(missing.message == "event details are missing");
    const auto null = first_error<T>(base + ",\"" + key + "\":null}");
    CHECK_MESSAGE(null.code == wh::errc::no_event_details, key);
    CHECK(null.path == "/" + key);
    CHECK(null.message == "event details are null");
    const auto wrong = first_error<T>(base + ",\"" + key + "\":\"x\"}");
    CHECK_MESSAGE(wrong.code == wh::errc::invalid_data, key);
}
} // namespace

TEST_CASE("ScanCodeRequest: NO_EVENT_DETAILS when scanCode is missing or null") {
    check_no_event_details<wh::ScanCodeRequest>("scanCode");
}
TEST_CASE("AddSessionLineRequest: NO_EVENT_DETAILS when addSessionLine is missing or null") {
    check_no_event_details<wh::AddSessionLineRequest>("addSessionLine");
    check_no_event_details<wh::UpdateSessionLineRequest>("updateSessionLine");
    check_no_event_details<wh::RemoveSessionLineRequest>("removeSessionLine");
}
TEST_CASE("MergeSessionRequest: NO_EVENT_DETAILS when mergeSession is missing or null") {
    check_no_event_details<wh::MergeSessionRequest>("mergeSession");
}
TEST_CASE("CompleteSessionRequest: NO_EVENT_DETAILS when completeSession is null, not missing") {
    // Older tills send no completeSession at all: that reads as no payments.
    CHECK(parsed<wh::CompleteSessionRequest>(base + "}").complete_session.payments.empty());
    const auto null = first_error<wh::CompleteSessionRequest>(base + R"(,"completeSession":null})");
    CHECK(null.code == wh::errc::no_event_details);
    CHECK(null.to_string() == "/completeSession: event details are null");
    const auto wrong = first_error<wh::CompleteSessionRequest>(base + R"(,"completeSession":"x"})");
    CHECK(wrong.code == wh::errc::invalid_data);
}
TEST_CASE("CustomActionRequest: NO_EVENT_DETAILS when customAction is missing or null") {
    check_no_event_details<wh::CustomActionRequest>("customAction");
}
TEST_CASE("PrintBillRequest: NO_EVENT_DETAILS when printBill is missing or null") {
    // printBill is kept raw: a null must not pass as a raw value.
    const auto missing = first_error<wh::PrintBillRequest>(base + "}");
    CHECK(missing.code == wh::errc::no_event_details);
    const auto null = first_error<wh::PrintBillRequest>(base + R"(,"printBill":null})");
    CHECK(null.code == wh::errc::no_event_details);
    CHECK(null.to_string() == "/printBill: event details are null");
    const auto ok = parsed<wh::PrintBillRequest>(base + R"(,"printBill":{"payments":[]}})");
    CHECK(ok.print_bill.json() == js(R"({"payments":[]})"));
}
TEST_CASE("ExternalPaymentRequest: NO_EVENT_DETAILS when externalPayment is missing or null") {
    check_no_event_details<wh::ExternalPaymentRequest>("externalPayment");
}
TEST_CASE(
    "SelectRelationRequest: a missing selectRelation is NO_EVENT_DETAILS, a null one is not") {
    CHECK(first_error<wh::SelectRelationRequest>(base + "}").code == wh::errc::no_event_details);
    CHECK(parsed<wh::SelectRelationRequest>(base + R"(,"selectRelation":null})")
              .select_relation.relation == std::nullopt);
}
TEST_CASE(
    "ScanCodeRequest: a null inside the event's object is INVALID_DATA, not NO_EVENT_DETAILS") {
    const auto e = first_error<wh::ScanCodeRequest>(base + R"(,"scanCode":{"scannedCode":null}})");
    CHECK(e.code == wh::errc::invalid_data);
    CHECK(e.to_string() == "/scanCode/scannedCode: expected string, got null");
}

// --- not JSON, wrong top level, depth ----------------------------------------------------------

TEST_CASE("Reply: text that is not JSON is INVALID_JSON at the document root") {
    for (const char* text : {"", "{", R"({"version":"1",})", "{} x", "nul", "{'a':1}"}) {
        const auto e = first_error<wh::Reply>(text);
        CHECK_MESSAGE(e.code == wh::errc::invalid_json, text);
        CHECK(e.wire() == "INVALID_JSON");
        CHECK(e.path.empty());
        CHECK(e.message.find("parse error") != std::string::npos);
    }
    // Problems found before the text broke are dropped: only the syntax error is left.
    const auto r = wh::try_parse<wh::Event>(R"({"eventCounter":"x", )");
    REQUIRE(r.errors().size() == 1);
    CHECK(r.error().code == wh::errc::invalid_json);
}

TEST_CASE("SessionRequest: a body that is not an object is INVALID_DATA at the root") {
    CHECK(first_error<wh::SessionRequest>("[]").to_string() == "expected object, got array");
    CHECK(first_error<wh::SessionRequest>(R"("x")").to_string() == "expected object, got string");
    CHECK(first_error<wh::SessionRequest>("null").to_string() == "expected object, got null");
    CHECK(first_error<wh::Reply>("42").code == wh::errc::invalid_data);
}

TEST_CASE("ReadOptions: nesting deeper than max_depth is rejected") {
    std::string deep = R"({"event":{"x":)";
    for (int i = 0; i < 100; ++i) deep += "[";
    for (int i = 0; i < 100; ++i) deep += "]";
    deep += R"(},"sender":{},"session":{"sessionId":"s","lines":[]}})";
    const auto e = first_error<wh::SessionRequest>(deep);
    CHECK(e.code == wh::errc::invalid_data);
    CHECK(e.message == "nesting deeper than 64 levels");
    CHECK(e.path.rfind("/event/x/0/0", 0) == 0);
    wh::ReadOptions o;
    o.max_depth = 3;
    const auto f = first_error<wh::Event>(R"({"a":{"b":{"c":{}}}})", o);
    CHECK(f.message == "nesting deeper than 3 levels");
    CHECK(f.path == "/a/b/c");
    CHECK(wh::try_parse<wh::Event>(R"({"a":{"b":{}}})", o).ok());
    o.max_depth = 200;
    CHECK(wh::try_parse<wh::SessionRequest>(deep, o).ok());
}

// --- numbers ----------------------------------------------------------------------------------

TEST_CASE("Event: integer fields reject what an int64 cannot hold exactly") {
    const auto err = [](const std::string& n) {
        return first_error<wh::Event>(R"({"eventCounter":)" + n + "}").to_string();
    };
    CHECK(err("1e400") == "/eventCounter: number out of range");
    CHECK(err("-1e400") == "/eventCounter: number out of range");
    CHECK(err("9223372036854775808") == "/eventCounter: integer out of range");
    CHECK(err("18446744073709551616") == "/eventCounter: integer out of range");
    CHECK(err("1e-400") == "/eventCounter: expected integer, got a number with a fraction");
    CHECK(err("5.5") == "/eventCounter: expected integer, got a number with a fraction");
    CHECK(first_error<wh::Event>(R"({"eventCounter":1e400})").code == wh::errc::invalid_data);
}

TEST_CASE("Event: integers written as 5.0, 1e3 or -0 read as the integer") {
    CHECK(parsed<wh::Event>(R"({"eventCounter":5.0})").event_counter == 5);
    CHECK(parsed<wh::Event>(R"({"eventCounter":1e3})").event_counter == 1000);
    CHECK(parsed<wh::Event>(R"({"eventCounter":-0})").event_counter == 0);
    CHECK(parsed<wh::Event>(R"({"eventCounter":-0.0})").event_counter == 0);
    CHECK(wh::serialize(parsed<wh::Event>(R"({"eventCounter":5.0})")) == R"({"eventCounter":5})");
    CHECK(parsed<wh::Event>(R"({"eventCounter":9223372036854775807})").event_counter ==
          std::numeric_limits<std::int64_t>::max());
    CHECK(parsed<wh::Event>(R"({"eventCounter":-9223372036854775808})").event_counter ==
          std::numeric_limits<std::int64_t>::min());
}

TEST_CASE("SessionLine: decimal fields reject what a Decimal cannot hold exactly") {
    const auto err = [](const std::string& n) {
        return first_error<wh::SessionLine>(R"({"lineId":"l","text":"t","priceIncl":)" + n + "}");
    };
    CHECK(err("1e400").to_string() == "/priceIncl: number out of range");
    CHECK(err("9223372036854775808").to_string() == "/priceIncl: number out of range");
    for (const char* n : {"1e-400", "18446744073709551616", "0.0000000000000000001"}) {
        const auto e = err(n);
        CHECK_MESSAGE(e.code == wh::errc::invalid_data, n);
        CHECK(e.path == "/priceIncl");
        CHECK(e.message.rfind("number cannot be held exactly", 0) == 0);
    }
}

TEST_CASE("SessionLine: decimals read exactly and write as plain numbers") {
    const auto l = parsed<wh::SessionLine>(
        R"({"lineId":"l","text":"t","priceIncl":2.50,"quantity":-0,"discountAmount":5.0,)"
        R"("discountPercentage":1.5E-2})");
    REQUIRE(l.price_incl);
    CHECK(l.price_incl->mantissa() == 25);
    CHECK(l.price_incl->scale() == 1);
    CHECK(*l.price_incl == wh::Decimal::from_units(25, 1));
    CHECK(l.quantity == wh::Decimal(0));
    CHECK(l.discount_amount == wh::Decimal(5));
    CHECK(l.discount_percentage == wh::Decimal::from_units(15, 3));
    CHECK(wh::serialize(l) == R"({"lineId":"l","priceIncl":2.5,"quantity":0,"text":"t",)"
                              R"("discountPercentage":0.015,"discountAmount":5})");
    const auto big = parsed<wh::SessionLine>(
        R"({"lineId":"l","text":"t","priceIncl":0.000000000000000001,"quantity":-9223372036854775808})");
    CHECK(wh::serialize(big) == R"({"lineId":"l","priceIncl":0.000000000000000001,)"
                                R"("quantity":-9223372036854775808,"text":"t"})");
}

TEST_CASE("Session: the sum of 100 line prices is exact") {
    std::string text = R"({"sessionId":"s","lines":[)";
    double as_double = 0;
    for (int i = 0; i < 100; ++i) {
        if (i != 0) text += ",";
        text += R"({"lineId":"l)" + std::to_string(i) + R"(","text":"t","priceIncl":0.10})";
        as_double += 0.10;
    }
    text += "]}";
    const auto s = parsed<wh::Session>(text);
    REQUIRE(s.lines.size() == 100);
    wh::Decimal sum;
    for (const auto& l : s.lines) sum += *l.price_incl;
    CHECK(sum == wh::Decimal(10));
    CHECK(sum.to_string() == "10");
    CHECK(as_double != 10.0); // what the SDK avoids: binary doubles drift
    CHECK(dec("0.1") + dec("0.2") == dec("0.3"));
}

// --- duplicates and UTF-8 ---------------------------------------------------------------------

TEST_CASE("Event: a repeated key takes the last value") {
    CHECK(parsed<wh::Event>(R"({"eventCounter":1,"eventCounter":2})").event_counter == 2);
    const auto t = parsed<wh::Table>(R"({"number":1,"subNumber":2,"x":1,"x":[2]})");
    CHECK(t.number == 1);
    CHECK(t.extra.at("x").json() == js("[2]"));
    const auto s = parsed<wh::Session>(
        R"({"sessionId":"s","table":{"number":1,"subNumber":2},"table":{"number":3},)"
        R"("lines":[{"lineId":"a","text":"a"}],"lines":[]})");
    REQUIRE(s.table);
    CHECK(s.table->number == 3);
    CHECK_FALSE(s.table->sub_number); // the whole object is replaced
    CHECK(s.lines.empty());
}

TEST_CASE("Event: invalid UTF-8 in the input is INVALID_JSON") {
    for (const std::string& text :
         {std::string("{\"eventTimestamp\":\"\xff\"}"),
          std::string("{\"eventTimestamp\":\"\xc0\xaf\"}"),
          std::string("{\"eventTimestamp\":\"\xed\xa0\x80\"}"),
          std::string(R"({"eventTimestamp":"\ud800"})"), std::string("{\"x\xfe\":1}")}) {
        const auto e = first_error<wh::Event>(text);
        CHECK(e.code == wh::errc::invalid_json);
    }
    const auto ok =
        parsed<wh::Event>("{\"eventTimestamp\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}");
    CHECK(*ok.event_timestamp == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST_CASE("SessionLine: the writer escapes control characters and replaces invalid UTF-8") {
    wh::SessionLine l;
    l.line_id = std::string("a\0b", 3);
    l.text = "\x01\x1f\n\t\r\b\f\"\\/\x7f";
    l.plu_number = "caf\xc3\xa9 \xff \xc3 \xed\xa0\x80 \xf0\x9f\x98\x80";
    l.extra = nlohmann::json{{"bad\xfe", "x\xff"}};
    const std::string out = wh::serialize(l);
    const auto j = nlohmann::json::parse(out, nullptr, false); // strict: throws nothing, rejects
    REQUIRE_FALSE(j.is_discarded());
    CHECK(j.at("lineId") == std::string("a\0b", 3));
    CHECK(j.at("text") == "\x01\x1f\n\t\r\b\f\"\\/\x7f");
    CHECK(j.at("pluNumber") == "caf\xc3\xa9 \xef\xbf\xbd \xef\xbf\xbd "
                               "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xf0\x9f\x98\x80");
    CHECK(out.find(R"("\u0001\u001f\n\t\r\b\f\"\\/)") != std::string::npos);
    CHECK(j.size() == 4);
    // The written text reads back.
    CHECK(wh::try_parse<wh::SessionLine>(out).ok());
}

// --- building replies -------------------------------------------------------------------------

TEST_CASE("Reply: an empty Reply is {}") {
    const wh::Reply r;
    CHECK(r.empty());
    CHECK(wh::serialize(r) == "{}");
    CHECK(parsed<wh::Reply>("{}").empty());
    wh::Reply v;
    v.version = "1.0";
    CHECK_FALSE(v.empty());
}

TEST_CASE("Reply: a reply built in a few lines serializes to the exact text") {
    wh::Reply reply;
    reply.add_message("Welcome back, J. de Vries").background_color = "green";
    wh::LineAddition add;
    add.article_number = 1001;
    add.quantity = wh::Decimal(2);
    add.price_incl = wh::Decimal::from_units(250, 2);
    reply.line_additions.push_back(add);
    reply.vat_method_change = wh::VatMethod::exclusive;
    reply.polling = wh::Polling{};
    CHECK(wh::serialize(reply) ==
          R"({"lineAdditions":[{"articleNumber":1001,"priceIncl":2.5,"quantity":2}],)"
          R"("message":[{"message":"Welcome back, J. de Vries","backgroundColor":"green"}],)"
          R"("vatMethodChange":"exclusive","polling":{"finished":true}})");

    wh::Reply d;
    auto& dialog = d.dialog.emplace();
    dialog.dialog_title = "Bag?";
    dialog.add_option(1, "Yes").option_color = "#00FF00";
    dialog.add_option(2, "No").article_number = std::int64_t{9001};
    CHECK(wh::serialize(d) ==
          R"({"dialog":{"required":false,"allowMultipleOptions":false,"dialogTitle":"Bag?",)"
          R"("dialogOptions":[{"optionId":1,"optionName":"Yes","optionColor":"#00FF00"},)"
          R"({"optionId":2,"optionName":"No","articleNumber":9001}]}})");
}

TEST_CASE("ArticleRef: numbers and strings both read and are written back in the form read") {
    const auto r = parsed<wh::FormOption>(
        R"({"id":"o","label":"L","articleNumber":1001,"barcode":"8712345678906",)"
        R"("pluNumber":-5,"extArticleId":1234567890123456789})");
    CHECK(r.article_number->numeric);
    CHECK(r.article_number->value == "1001");
    CHECK_FALSE(r.barcode->numeric);
    CHECK(*r.article_number == wh::ArticleRef("1001")); // equal by value, whatever the form
    CHECK(wh::serialize(r) ==
          R"({"id":"o","label":"L","articleNumber":1001,"barcode":"8712345678906",)"
          R"("pluNumber":-5,"extArticleId":1234567890123456789})");
    CHECK(
        first_error<wh::FormOption>(R"({"id":"o","label":"L","articleNumber":1.5})").to_string() ==
        "/articleNumber: expected string or integer, got number");
    CHECK(first_error<wh::FormOption>(R"({"id":"o","label":"L","barcode":true})").code ==
          wh::errc::invalid_data);
}

TEST_CASE("ArticleRef: set from code as a number or a string") {
    wh::DialogOption o;
    o.option_id = 1;
    o.option_name = "x";
    o.article_number = std::int64_t{42};
    o.barcode = "0042";
    o.plu_number = wh::ArticleRef(std::string("7"));
    wh::ArticleRef odd;
    odd.value = "12a";
    odd.numeric = true; // not a number: written as a string, never as invalid JSON
    o.ext_article_id = odd;
    CHECK(wh::serialize(o) == R"({"optionId":1,"optionName":"x","articleNumber":42,)"
                              R"("barcode":"0042","pluNumber":"7","extArticleId":"12a"})");
}

TEST_CASE("Footer: one object or an array, each written back as read") {
    const auto one = parsed<wh::Reply>(R"({"billFooter":{"textBefore":"a"}})");
    REQUIRE(one.bill_footer);
    CHECK_FALSE(one.bill_footer->as_array);
    CHECK(wh::serialize(one) == R"({"billFooter":{"textBefore":"a"}})");
    const auto arr = parsed<wh::Reply>(R"({"billFooter":[{"textBefore":"a"}]})");
    CHECK(arr.bill_footer->as_array);
    CHECK(wh::serialize(arr) == R"({"billFooter":[{"textBefore":"a"}]})");
    wh::Reply built;
    auto& f = built.receipt_footer.emplace();
    f.add().text_before = "one";
    CHECK(wh::serialize(built) == R"({"receiptFooter":{"textBefore":"one"}})");
    f.add().text_after = "two";
    CHECK(wh::serialize(built) ==
          R"({"receiptFooter":[{"textBefore":"one"},{"textAfter":"two"}]})");
    CHECK(first_error<wh::Reply>(R"({"receiptFooter":"text"})").to_string() ==
          "/receiptFooter: expected object or array, got string");
    CHECK(first_error<wh::Reply>(R"({"receiptFooter":[{"printSeparate":1}]})").path ==
          "/receiptFooter/0/printSeparate");
}

// --- nlohmann interoperability, Result, Exception, error codes --------------------------------

TEST_CASE("Reply: to_json and from_json through nlohmann") {
    wh::Reply reply;
    reply.add_message("hi");
    reply.lock_session = true;
    reply.extra = nlohmann::json{{"custom", 1}};
    const nlohmann::json j = reply;
    CHECK(j == js(R"({"message":[{"message":"hi"}],"lockSession":true,"custom":1})"));
    const auto back = j.get<wh::Reply>();
    CHECK(back.lock_session == true);
    REQUIRE(back.message.size() == 1);
    CHECK(back.message[0].message == "hi");
    CHECK(back.extra.at("custom").json() == 1);
    const nlohmann::json price = js(R"({"lineId":"l","text":"t","priceIncl":0.1})");
    CHECK(price.get<wh::SessionLine>().price_incl == dec("0.1"));
    try {
        (void)js(R"({"lockSession":"yes"})").get<wh::Reply>();
        FAIL("from_json accepted a wrong type");
    } catch (const wh::Exception& e) {
        CHECK(e.error().to_string() == "/lockSession: expected boolean, got string");
    }
}

TEST_CASE("Result: parse throws an Exception carrying the first Error") {
    const std::string text = R"({"eventCounter":"x","eventBlocking":2})";
    CHECK_THROWS_AS((void)wh::parse<wh::Event>(text), wh::Exception);
    try {
        (void)wh::parse<wh::Event>(text);
        FAIL("parse did not throw");
    } catch (const wh::Exception& e) {
        CHECK(e.error().code == wh::errc::invalid_data);
        CHECK(e.error().path == "/eventCounter");
        CHECK(e.code() == wh::make_error_code(wh::errc::invalid_data));
        CHECK(std::string(e.what()).find("/eventCounter: expected integer, got string") !=
              std::string::npos);
    }
    auto r = wh::try_parse<wh::Event>(text);
    CHECK_FALSE(r.ok());
    CHECK_FALSE(static_cast<bool>(r));
    CHECK(r.errors().size() == 2);
    CHECK_THROWS_AS((void)r.value(), wh::Exception);
    auto good = wh::try_parse<wh::Event>(R"({"eventCounter":3})");
    REQUIRE(good.ok());
    CHECK(good.errors().empty());
    CHECK(good.value().event_counter == 3);
    CHECK(good->event_counter == 3);
    CHECK(wh::parse<wh::Event>(R"({"eventCounter":4})").event_counter == 4);
}

TEST_CASE("errc: the error category names the library and gives messages") {
    const std::error_code ec = wh::errc::invalid_json; // is_error_code_enum
    CHECK(std::string(ec.category().name()) == "mplus-webhooks");
    CHECK(ec.message() == "INVALID_JSON");
    CHECK(wh::make_error_code(wh::errc::unknown_field).message() == "unknown field");
    CHECK(wh::make_error_code(wh::errc::unknown_enum_value).message() ==
          "unknown enumeration value");
    CHECK(wh::make_error_code(wh::errc::reply_rule).message() == "reply breaks a protocol rule");
    CHECK(ec != wh::make_error_code(wh::errc::invalid_data));
    CHECK(&wh::error_category() == &ec.category());
}

TEST_CASE("errc: wire_code and errc_from_wire_code round-trip") {
    for (int i = 1; i <= static_cast<int>(wh::errc::internal_error); ++i) {
        const auto e = static_cast<wh::errc>(i);
        CHECK(wh::errc_from_wire_code(wh::wire_code(e)) == e);
    }
    CHECK(wh::wire_code(wh::errc::no_event_details) == "NO_EVENT_DETAILS");
    CHECK(wh::wire_code(wh::errc::invalid_receipt_footer_code_type) ==
          "INVALID_RECEIPT_FOOTER_CODE_TYPE");
    CHECK(wh::wire_code(wh::errc::unknown_field) == "INVALID_DATA");
    CHECK(wh::wire_code(wh::errc::unknown_enum_value) == "INVALID_DATA");
    CHECK(wh::wire_code(wh::errc::reply_rule) == "INVALID_DATA");
    CHECK(wh::errc_from_wire_code("INVALID_DATA") == wh::errc::invalid_data);
    CHECK(wh::errc_from_wire_code("ACME_SPECIAL") == wh::errc::ok);
    CHECK(wh::errc_from_wire_code("invalid_data") == wh::errc::ok);
    static_assert(wh::errc_from_wire_code("NO_SIGNATURE") == wh::errc::no_signature);
    const wh::Error root{wh::errc::invalid_json, "", "bad"};
    CHECK(root.to_string() == "bad");
    CHECK(root.wire() == "INVALID_JSON");
}
