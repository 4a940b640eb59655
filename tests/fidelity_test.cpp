// The reading policy (what a till may leave out reads as empty) and the exact round trip (what
// was read is written back as it came), over every fixture and rule by rule.
// SPDX-License-Identifier: MIT
#include "model_test_support.hpp"
#include "support/exact_json.hpp"

#include <mplus/webhooks.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace wh = mplus::webhooks;
using model_test::Fixture;

namespace {

template <class T>
T read_ok(const std::string& text, const wh::ReadOptions& options = {}) {
    const auto r = wh::try_parse<T>(text, options);
    REQUIRE_MESSAGE(r.ok(), model_test::describe(r));
    return *r;
}

template <class T>
wh::Error first_error_of(const std::string& text) {
    const auto r = wh::try_parse<T>(text);
    REQUIRE_FALSE(r.ok());
    return r.errors().front();
}

template <class T>
struct tag {
    using type = T;
};

std::string lenient(std::string_view stem) {
    return model_test::fixture_text("lenient", stem);
}

const std::string base = R"({"event":{},"sender":{},"session":{"sessionId":"s","lines":[]})";

/// Applies the documented normalisations to a fixture's exact tree: the footer's old `text` is
/// written as `textBefore`, the typo `miminumValue` as `minimumValue`, and
/// `"selectRelation":null` as `{"relation":null}`.
void normalise(exact_json::Value& v, bool in_footer = false) {
    using K = exact_json::Value::Kind;
    if (v.kind == K::array) {
        for (auto& item : v.items) normalise(item, in_footer);
        return;
    }
    if (v.kind != K::object) return;
    auto rename = [&](const std::string& from, const std::string& to) {
        auto it = v.members.find(from);
        if (it == v.members.end()) return;
        exact_json::Value moved = std::move(it->second);
        v.members.erase(it);
        v.members[to] = std::move(moved);
    };
    rename("miminumValue", "minimumValue");
    if (in_footer) rename("text", "textBefore");
    for (auto& [key, member] : v.members) {
        normalise(member, key == "receiptFooter" || key == "billFooter");
    }
}

/// Reads `fx` as the request type of its event and writes it back.
std::string round_trip_request(const Fixture& fx) {
    const std::string event = fx.event();
    const wh::EventKind kind = wh::find_event(event);
    std::string out;
    const auto run = [&](auto tag) {
        using T = typename decltype(tag)::type;
        const auto r = wh::try_parse<T>(fx.text);
        REQUIRE_MESSAGE(r.ok(), fx.stem, ": ", model_test::describe(r));
        out = wh::serialize(*r);
    };
    if (event == "error-request") {
        run(tag<wh::PosErrorRequest>{});
        return out;
    }
    REQUIRE_MESSAGE(kind != wh::EventKind::unknown, fx.stem);
    wh::visit_event(kind, [&](auto ev) { run(tag<typename decltype(ev)::request>{}); });
    return out;
}

void check_exact_round_trip(const Fixture& fx, const std::string& out) {
    auto expected = exact_json::parse(fx.text);
    auto got = exact_json::parse(out);
    REQUIRE_MESSAGE(expected.has_value(), fx.stem);
    REQUIRE_MESSAGE(got.has_value(), fx.stem, ": ", out);
    if (fx.stem.rfind("selectRelation.deselect-null", 0) == 0) {
        auto& sel = expected->members["selectRelation"];
        sel.kind = exact_json::Value::Kind::object;
        sel.members["relation"] = exact_json::Value{};
    }
    normalise(*expected);
    CHECK_MESSAGE(*got == *expected, fx.stem, "\n  out: ", out);
}

} // namespace

// --- the exact comparison itself ----------------------------------------------------------------

TEST_CASE("exact_json: numbers compare by decimal value as text, never through double") {
    CHECK(exact_json::equal("2.50", "2.5"));
    CHECK(exact_json::equal("25e-1", "2.5"));
    CHECK(exact_json::equal("-0", "0"));
    CHECK(exact_json::equal("100", "1E2"));
    // Equal as doubles, different as decimals.
    CHECK_FALSE(exact_json::equal("12345678901234567890.12345", "12345678901234567890.12346"));
    CHECK_FALSE(exact_json::equal("12345678.123456789", "12345678.12345679"));
    CHECK_FALSE(exact_json::equal("0.1", "0.10000000000000001"));
    CHECK(exact_json::equal(R"({"a":1,"b":[true,null,"x"]})", R"({"b":[true,null,"x"],"a":1})"));
    CHECK(exact_json::equal(R"("caf\u00e9 \/")", "\"caf\xc3\xa9 /\""));
    CHECK_FALSE(exact_json::equal("[1,2]", "[2,1]"));
    CHECK_FALSE(exact_json::equal(R"({"a":[]})", R"({})"));
    CHECK_FALSE(exact_json::equal("1", "\"1\""));
    CHECK_FALSE(exact_json::equal("{", "{"));
}

// --- the round-trip property over every fixture -----------------------------------------------

TEST_CASE("fidelity: every fixture is written back with exactly the values it was read with") {
    std::size_t count = 0;
    for (const char* dir : {"requests", "lenient"}) {
        for (const auto& fx : model_test::fixtures(dir)) {
            check_exact_round_trip(fx, round_trip_request(fx));
            ++count;
        }
    }
    for (const auto& fx : model_test::fixtures("replies")) {
        const auto r = wh::try_parse<wh::Reply>(fx.text);
        REQUIRE_MESSAGE(r.ok(), fx.stem, ": ", model_test::describe(r));
        check_exact_round_trip(fx, wh::serialize(*r));
        ++count;
    }
    CHECK(count >= 60);
}

TEST_CASE("fidelity: the default mode reads every lenient fixture, strict mode reports unknowns") {
    for (const auto& fx : model_test::fixtures("lenient")) {
        (void)round_trip_request(fx); // REQUIREs a successful read
    }
    wh::ReadOptions strict;
    strict.strict = true;
    const auto r =
        wh::try_parse<wh::CompleteSessionRequest>(lenient("completeSession.future-fields"), strict);
    REQUIRE_FALSE(r.ok());
    std::vector<std::string> paths;
    for (const auto& e : r.errors()) {
        CHECK(e.code == wh::errc::unknown_field);
        paths.push_back(e.path);
    }
    CHECK(paths == std::vector<std::string>{"/session/futureAmount", "/session/futureRates",
                                            "/session/futureNote",
                                            "/completeSession/payments/0/fee", "/futureObject"});
    const auto e = wh::try_parse<wh::ScanCodeRequest>(
        base + R"(,"scanCode":{"scannedCode":"1","codeType":"nfc"}})", strict);
    REQUIRE_FALSE(e.ok());
    CHECK(e.errors().front().code == wh::errc::unknown_enum_value);
    CHECK(e.errors().front().path == "/scanCode/codeType");
}

// --- one test per leniency rule -----------------------------------------------------------------

TEST_CASE("lenient: a session without lines reads as no lines and is written back without") {
    const std::string text = lenient("startSession.empty-session");
    const auto r = read_ok<wh::SessionRequest>(text);
    CHECK(r.session.session_id == "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
    CHECK(r.session.lines.empty());
    CHECK(wh::serialize(r.session) == R"({"sessionId":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"})");
    // A session built by code still carries its (empty) list, as the definitions ask.
    wh::Session built;
    built.session_id = "s";
    CHECK(wh::serialize(built) == R"({"sessionId":"s","lines":[]})");
    // A line added to a session read without lines is written.
    auto changed = r.session;
    changed.lines.push_back(wh::SessionLine{});
    changed.lines.back().line_id = "l";
    CHECK(
        wh::serialize(changed) ==
        R"({"sessionId":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d","lines":[{"lineId":"l","text":""}]})");
}

TEST_CASE("lenient: a line without price, quantity or text reads as empty") {
    const auto r = read_ok<wh::AddSessionLineRequest>(lenient("addSessionLine.line-without-price"));
    const wh::SessionLine& l = r.add_session_line.line;
    CHECK(l.line_id == "77e2d6f4-1b3c-4d5e-9f8a-7b6c5d4e3f21");
    CHECK_FALSE(l.price_incl);
    CHECK_FALSE(l.quantity);
    const auto bare = read_ok<wh::SessionLine>(R"({"lineId":"l"})");
    CHECK(bare.text.empty());
    CHECK(wh::serialize(bare) == R"({"lineId":"l"})");
}

TEST_CASE("lenient: a payment without description or method reads as empty strings") {
    const auto r =
        read_ok<wh::CompleteSessionRequest>(lenient("completeSession.payment-without-description"));
    REQUIRE(r.complete_session.payments.size() == 2);
    CHECK(r.complete_session.payments[0].description.empty());
    CHECK(r.complete_session.payments[0].method == "PIN");
    CHECK(r.complete_session.payments[1].method.empty());
    CHECK(r.complete_session.payments[1].amount == wh::Decimal());
    CHECK(wh::serialize(r.complete_session) ==
          R"({"payments":[{"amount":5,"method":"PIN"},{"amount":0}]})");
    // Sent empty, written empty.
    const auto empty = read_ok<wh::Payment>(R"({"amount":1,"description":""})");
    CHECK(wh::serialize(empty) == R"({"amount":1,"description":""})");
}

TEST_CASE("lenient: an externalPayment without method reads as an empty method") {
    const auto r =
        read_ok<wh::ExternalPaymentRequest>(lenient("startExternalPayment.without-method"));
    CHECK(r.external_payment.external_payment_id == "9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d");
    CHECK(r.external_payment.amount == wh::Decimal(5));
    CHECK(r.external_payment.method.empty());
    CHECK(wh::serialize(r.external_payment) ==
          R"({"externalPaymentId":"9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d","amount":5})");
}

TEST_CASE("lenient: a customAction with only its id reads with no caption and not on start-up") {
    const auto r = read_ok<wh::CustomActionRequest>(lenient("customAction.id-only"));
    CHECK(r.custom_action.custom_action_id == "open-drawer");
    CHECK(r.custom_action.button_caption.empty());
    CHECK_FALSE(r.custom_action.on_startup);
    CHECK_FALSE(r.session);
    CHECK(wh::serialize(r.custom_action) == R"({"customActionId":"open-drawer"})");
    // Built by code, the fields the definitions require are written.
    wh::CustomAction built;
    built.custom_action_id = "x";
    CHECK(wh::serialize(built) == R"({"customActionId":"x","buttonCaption":"","onStartup":false})");
}

TEST_CASE("lenient: a completeSession without its object (older tills) reads as no payments") {
    const std::string text = lenient("completeSession.without-object");
    const auto r = read_ok<wh::CompleteSessionRequest>(text);
    CHECK(r.complete_session.payments.empty());
    CHECK(wh::serialize(r).find("completeSession") == std::string::npos);
    // A null is not an absence: still NO_EVENT_DETAILS.
    CHECK(first_error_of<wh::CompleteSessionRequest>(base + R"(,"completeSession":null})").code ==
          wh::errc::no_event_details);
    // A lenient field is required in the definitions: only its absence reads as empty, a null
    // is the wrong type.
    CHECK(first_error_of<wh::SessionRequest>(
              R"({"event":{},"sender":{},"session":{"sessionId":"s","lines":null}})")
              .to_string() == "/session/lines: expected array, got null");
}

TEST_CASE("lenient: a scanCode without codeType reads as no code type") {
    const auto r = read_ok<wh::ScanCodeRequest>(lenient("scanCode.without-code-type"));
    CHECK(r.scan_code.scanned_code == "8712345678906");
    CHECK_FALSE(r.scan_code.code_type);
    CHECK(wh::serialize(r.scan_code) == R"({"scannedCode":"8712345678906"})");
}

TEST_CASE("lenient: an event without counter reads as no counter") {
    const auto r = read_ok<wh::SessionRequest>(lenient("pauseSession.event-without-counter"));
    CHECK_FALSE(r.event.event_counter);
    CHECK_FALSE(r.event.blocking());
    CHECK(
        wh::serialize(r.event) ==
        R"({"eventBlocking":false,"eventPolling":false,"eventTimestamp":"2017-03-02T10:15:00.000+01:00"})");
}

TEST_CASE("lenient: integers sent as numeric strings are read, and written back as strings") {
    const std::string text = lenient("addSessionLine.numbers-as-strings");
    const auto r = read_ok<wh::AddSessionLineRequest>(text);
    CHECK(r.add_session_line.line.article_number == 1234);
    CHECK(r.session.lines.at(0).article_number == 1234);
    REQUIRE(r.session.relation);
    CHECK(r.session.relation->relation_number == 500123);
    const std::string out = wh::serialize(r);
    CHECK(out.find(R"("articleNumber":"1234")") != std::string::npos);
    CHECK(out.find(R"("relationNumber":"500123")") != std::string::npos);
    // A value the handler changed is written as a number.
    auto changed = r.add_session_line.line;
    changed.article_number = 99;
    CHECK(wh::serialize(changed).find(R"("articleNumber":99)") != std::string::npos);
    // Leading zeros and signs come back exactly.
    const auto zeros = read_ok<wh::SessionLine>(R"({"lineId":"l","articleNumber":"-007"})");
    CHECK(zeros.article_number == -7);
    CHECK(wh::serialize(zeros) == R"({"lineId":"l","articleNumber":"-007"})");
    // A string that is not an integer is still a type error, a too large one out of range.
    CHECK(first_error_of<wh::SessionLine>(R"({"lineId":"l","articleNumber":"12a"})").to_string() ==
          "/articleNumber: expected integer, got string");
    CHECK(first_error_of<wh::SessionLine>(R"({"lineId":"l","articleNumber":""})").to_string() ==
          "/articleNumber: expected integer, got string");
    CHECK(first_error_of<wh::SessionLine>(R"({"lineId":"l","articleNumber":" 1"})").to_string() ==
          "/articleNumber: expected integer, got string");
    CHECK(
        first_error_of<wh::SessionLine>(R"({"lineId":"l","articleNumber":"99999999999999999999"})")
            .to_string() == "/articleNumber: integer out of range");
    // Money stays a number: a price as a string is refused.
    CHECK(first_error_of<wh::SessionLine>(R"({"lineId":"l","priceIncl":"2.50"})").to_string() ==
          "/priceIncl: expected number, got string");
}

TEST_CASE("lenient: what stays required is refused with the path that names it") {
    CHECK(first_error_of<wh::ScanCodeRequest>(base + R"(,"scanCode":{"codeType":"barcode"}})")
              .to_string() == "/scanCode/scannedCode: required field is missing");
    const auto no_scan = first_error_of<wh::ScanCodeRequest>(base + "}");
    CHECK(no_scan.code == wh::errc::no_event_details);
    CHECK(
        first_error_of<wh::AddSessionLineRequest>(base + R"(,"addSessionLine":{}})").to_string() ==
        "/addSessionLine/line: required field is missing");
    CHECK(first_error_of<wh::AddSessionLineRequest>(base + R"(,"addSessionLine":{"line":{}}})")
              .to_string() == "/addSessionLine/line/lineId: required field is missing");
    CHECK(first_error_of<wh::ExternalPaymentRequest>(base + R"(,"externalPayment":{"amount":1}})")
              .to_string() == "/externalPayment/externalPaymentId: required field is missing");
    CHECK(first_error_of<wh::CustomActionRequest>(base + R"(,"customAction":{}})").to_string() ==
          "/customAction/customActionId: required field is missing");
    CHECK(first_error_of<wh::MergeSessionRequest>(base + R"(,"mergeSession":{}})").to_string() ==
          "/mergeSession/mergeWithSessionId: required field is missing");
    CHECK(first_error_of<wh::SessionRequest>(R"({"event":{},"sender":{},"session":{}})")
              .to_string() == "/session/sessionId: required field is missing");
    CHECK(first_error_of<wh::SessionRequest>(base + R"(,"extra":1)").code ==
          wh::errc::invalid_json);
    CHECK(first_error_of<wh::SessionRequest>(
              R"({"event":[],"sender":{},"session":{"sessionId":"s"}})")
              .to_string() == "/event: expected object, got array");
}

// --- nothing lost on the way back ---------------------------------------------------------------

TEST_CASE("fidelity: unknown fields keep their exact text, numbers included") {
    const std::string text = lenient("completeSession.future-fields");
    const auto r = read_ok<wh::CompleteSessionRequest>(text);
    CHECK(r.session.extra.at("futureAmount").text() == "12345678901234567890.12345");
    CHECK(r.session.extra.at("futureRates").text() == "[1E+30,-0.0,1.10,2e-5]");
    CHECK(r.session.extra.at("futureNote").text() == R"("caf\u00e9 \/ \"quoted\"")");
    CHECK(r.extra.at("futureObject").text() ==
          R"({"nested":{"big":98765432109876543210,"list":[]}})");
    CHECK(r.complete_session.payments.at(0).extra.at("fee").text() == "0.010");
    const std::string out = wh::serialize(r);
    CHECK(out.find(R"("futureAmount":12345678901234567890.12345)") != std::string::npos);
    CHECK(out.find(R"("futureRates":[1E+30,-0.0,1.10,2e-5])") != std::string::npos);
    CHECK(out.find(R"("futureNote":"caf\u00e9 \/ \"quoted\"")") != std::string::npos);
    CHECK(out.find(R"("futureObject":{"nested":{"big":98765432109876543210,"list":[]}})") !=
          std::string::npos);
    CHECK(out.find(R"("fee":0.010)") != std::string::npos);
    // The DOM view is offered for convenience; the text is what is written.
    CHECK(r.extra.at("futureObject").json().at("nested").at("list").empty());
    CHECK(r.extra.json().contains("futureObject"));
    // Under WriteOptions::include_unknown = false they are left out.
    wh::WriteOptions known_only;
    known_only.include_unknown = false;
    CHECK(wh::serialize(r, known_only).find("future") == std::string::npos);
}

TEST_CASE("fidelity: an unknown field at the end of the input and at every depth is exact") {
    const auto e = read_ok<wh::Event>(R"({"eventCounter":1,"n":-12.500})");
    CHECK(wh::serialize(e) == R"({"eventCounter":1,"n":-12.500})");
    const auto deep = read_ok<wh::Event>("{\"a\" :\t[ {\"b\" : [ 1.0 , { } , [ ] , \"x y\" , true "
                                         ", null ] } ] ,\"eventCounter\":2}");
    CHECK(wh::serialize(deep) == R"({"eventCounter":2,"a":[{"b":[1.0,{},[],"x y",true,null]}]})");
    // A repeated unknown key: the last one wins.
    const auto twice = read_ok<wh::Event>(R"({"x":1.50,"x":[2.50]})");
    CHECK(wh::serialize(twice) == R"({"x":[2.50]})");
}

TEST_CASE("fidelity: the error request's original is kept verbatim and typed when it parses") {
    const std::string text = lenient("error-request.exact-numbers");
    const auto r = read_ok<wh::PosErrorRequest>(text);
    CHECK(r.original.is_object());
    CHECK(r.original.text().find(R"("amount":12345678.123456789)") != std::string::npos);
    const std::string out = wh::serialize(r);
    CHECK(out.find(R"("ratio":12345678.123456789)") != std::string::npos);
    CHECK(out.find(R"("amount":12345678.123456789)") != std::string::npos);
    const auto typed = r.original_as<wh::ExternalPaymentRequest>();
    REQUIRE_MESSAGE(typed.ok(), model_test::describe(typed));
    CHECK(typed->external_payment.amount == wh::Decimal::from_units(12345678123456789, 9));
    CHECK(typed->session->extra.at("ratio").text() == "12345678.123456789");
    // An original that is not the request asked for says why.
    const auto wrong = r.original_as<wh::ScanCodeRequest>();
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.errors().front().code == wh::errc::no_event_details);
}

TEST_CASE("fidelity: a list sent empty is written back empty, an absent one stays absent") {
    const std::string text = lenient("customAction.form-resend-empty-lists");
    const auto r = read_ok<wh::CustomActionRequest>(text);
    REQUIRE(r.form);
    CHECK(r.form->fields.empty());
    const std::string out = wh::serialize(r);
    CHECK(out.find(R"("payments":[])") != std::string::npos);
    CHECK(out.find(R"("form":{"id":"tip","fields":[]})") != std::string::npos);
    CHECK(out.find(R"("selectedDialogOptionIds":[])") != std::string::npos);
    const auto absent = read_ok<wh::FormSubmission>(R"({"id":"f"})");
    CHECK(wh::serialize(absent) == R"({"id":"f"})");
    // Replies too: an empty message list that was sent comes back.
    CHECK(wh::serialize(read_ok<wh::Reply>(R"({"message":[],"lineChanges":[]})")) ==
          R"({"lineChanges":[],"message":[]})");
    CHECK(wh::serialize(read_ok<wh::Reply>("{}")) == "{}");
    // A null sent for an optional value is written back as null.
    CHECK(wh::serialize(read_ok<wh::Event>(R"({"eventCounter":null})")) ==
          R"({"eventCounter":null})");
    // A null list is no list.
    CHECK(wh::serialize(read_ok<wh::Session>(R"({"sessionId":"s","payments":null})")) ==
          R"({"sessionId":"s"})");
    // Raw members keep a null.
    const auto line = read_ok<wh::SessionLine>(R"({"lineId":"l","preparationMethods":null})");
    CHECK(line.preparation_methods.is_null());
    CHECK(wh::serialize(line) == R"({"lineId":"l","preparationMethods":null})");
}

TEST_CASE("fidelity: RawFields and RawJson for code that builds or inspects unknown fields") {
    wh::Event e;
    e.extra = nlohmann::json{{"b", 1}, {"a", {{"x", 2.5}}}};
    CHECK(e.extra.size() == 2);
    e.extra.set("c", *wh::RawJson::from_text(" [ 1.10 , 2 ] "));
    CHECK(e.extra.at("c").text() == "[1.10,2]");
    CHECK_FALSE(wh::RawJson::from_text("[1,").has_value());
    CHECK(e.extra.erase("b"));
    CHECK_FALSE(e.extra.erase("b"));
    CHECK_FALSE(e.extra.contains("b"));
    CHECK(e.extra.find("zz") == nullptr);
    CHECK_THROWS_AS((void)e.extra.at("zz"), std::out_of_range);
    CHECK(wh::serialize(e) == R"({"a":{"x":2.5},"c":[1.10,2]})");
    std::vector<std::string> keys;
    for (auto it = e.extra.begin(); it != e.extra.end(); ++it) keys.push_back(it.key());
    CHECK(keys == std::vector<std::string>{"a", "c"});
    CHECK(e.extra.json() == nlohmann::json::parse(R"({"a":{"x":2.5},"c":[1.1,2]})"));
    const wh::RawJson absent;
    CHECK(absent.empty());
    CHECK(absent.is_null());
    CHECK(absent.dump() == "null");
    CHECK(wh::RawJson(nlohmann::json("x")).dump(2) == "\"x\"");
}

// --- reply objects complete -------------------------------------------------------------------

TEST_CASE("ExternalPaymentReply: carries every message property, backgroundColor included") {
    wh::ExternalPaymentReply ep;
    ep.external_payment_id = "p";
    ep.confirmed = true;
    ep.message = "Paid";
    ep.customer_message = "Thank you";
    ep.display_time = 3;
    ep.message_display_time = 4;
    ep.customer_message_display_time = 5;
    ep.hide_timestamp = true;
    ep.clear_screen = false;
    ep.clear_customer_screen = true;
    ep.monospaced_font = false;
    ep.background_color = "#00FF00";
    const std::string out = wh::serialize(ep);
    CHECK(out ==
          R"({"externalPaymentId":"p","confirmed":true,"message":"Paid",)"
          R"("customerMessage":"Thank you","displayTime":3,"messageDisplayTime":4,)"
          R"("customerMessageDisplayTime":5,"hideTimestamp":true,"clearScreen":false,)"
          R"("clearCustomerScreen":true,"monospacedFont":false,"backgroundColor":"#00FF00"})");
    wh::ReadOptions strict;
    strict.strict = true;
    const auto back = wh::try_parse<wh::ExternalPaymentReply>(out, strict);
    REQUIRE_MESSAGE(back.ok(), model_test::describe(back));
    CHECK(back->background_color == "#00FF00");
    CHECK(wh::serialize(*back) == out);
}

// --- money for people ---------------------------------------------------------------------------

TEST_CASE("Decimal::to_fixed: a fixed number of decimals, rounded half away from zero") {
    CHECK(wh::Decimal::from_units(125, 1).to_fixed(2) == "12.50");
    CHECK(wh::Decimal(12).to_fixed(2) == "12.00");
    CHECK(wh::Decimal(3).to_fixed(0) == "3");
    CHECK(wh::Decimal::from_units(2675, 3).to_fixed(2) == "2.68");
    CHECK(wh::Decimal::from_units(-2675, 3).to_fixed(2) == "-2.68");
    CHECK(wh::Decimal::from_units(2675, 3).to_fixed(2, wh::Rounding::half_even) == "2.68");
    CHECK(wh::Decimal::from_units(2665, 3).to_fixed(2, wh::Rounding::half_even) == "2.66");
    CHECK(wh::Decimal::from_units(-1, 3).to_fixed(2) == "0.00");
    CHECK(wh::Decimal::from_units(-5, 2).to_fixed(1) == "-0.1");
    CHECK(wh::Decimal::from_units(5, 1).to_fixed(0) == "1");
    CHECK(wh::Decimal::from_units(1, 18).to_fixed(18) == "0.000000000000000001");
    CHECK_THROWS_AS((void)wh::Decimal(1).to_fixed(-1), std::invalid_argument);
    CHECK_THROWS_AS((void)wh::Decimal(1).to_fixed(19), std::invalid_argument);
}

TEST_CASE("Decimal::from_text: a cashier's or a configuration's amount") {
    const auto ok = [](std::string_view text) {
        std::string why;
        const auto d = wh::Decimal::from_text(text, &why);
        REQUIRE_MESSAGE(d.has_value(), text, ": ", why);
        return *d;
    };
    CHECK(ok("12.50") == wh::Decimal::from_units(125, 1));
    CHECK(ok("12,50") == wh::Decimal::from_units(125, 1));
    CHECK(ok("12") == wh::Decimal(12));
    CHECK(ok("-3.5") == wh::Decimal::from_units(-35, 1));
    CHECK(ok("+7") == wh::Decimal(7));
    CHECK(ok(" 4.25\t") == wh::Decimal::from_units(425, 2));
    CHECK(ok(",5") == wh::Decimal::from_units(5, 1));
    CHECK(ok("5.") == wh::Decimal(5));
    CHECK(ok("007") == wh::Decimal(7));
    CHECK(ok("-0") == wh::Decimal());
    CHECK(ok("0.000000000000000001") == wh::Decimal::from_units(1, 18));
    const auto refused = [](std::string_view text) {
        std::string why;
        const auto d = wh::Decimal::from_text(text, &why);
        CHECK_MESSAGE(!d.has_value(), text);
        return why;
    };
    CHECK(refused("") == "empty text");
    CHECK(refused("   ") == "empty text");
    CHECK(refused("-") == "no digits");
    CHECK(refused(".") == "no digits");
    CHECK(refused("1.250,00") == "more than one decimal separator at position 6");
    CHECK(refused("1,2,3") == "more than one decimal separator at position 4");
    CHECK(refused("1e3") == "unexpected character 'e' at position 2");
    CHECK(refused("EUR 5") == "unexpected character 'E' at position 1");
    CHECK(refused("1 000") == "unexpected character ' ' at position 2");
    CHECK(refused("--1") == "unexpected character '-' at position 2");
    CHECK(refused("0.0000000000000000001") == "more than 18 decimals");
    CHECK(refused("99999999999999999999") ==
          "too many digits (a Decimal holds 19 significant digits)");
    CHECK_FALSE(wh::Decimal::from_text("x").has_value()); // without a reason asked for
}
