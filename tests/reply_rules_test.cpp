// Tests of the stateless reply rules (reply_rules.hpp): each rule accepts what it should and
// reports, with its path and wire code, what it should not.
// SPDX-License-Identifier: MIT
#include "model_test_support.hpp"

#include <mplus/webhooks.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

namespace wh = mplus::webhooks;
using wh::EventKind;

namespace {

const std::string pay_id = "9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";

wh::Reply reply_of(std::string_view text) {
    const auto r = wh::try_parse<wh::Reply>(text);
    REQUIRE_MESSAGE(r.ok(), text, ": ", model_test::describe(r));
    return *r;
}

std::vector<std::string> paths(const std::vector<wh::Error>& errors) {
    std::vector<std::string> out;
    for (const auto& e : errors) out.push_back(e.path);
    return out;
}

constexpr EventKind all_kinds[] = {EventKind::start_session,
                                   EventKind::scan_code,
                                   EventKind::add_session_line,
                                   EventKind::update_session_line,
                                   EventKind::remove_session_line,
                                   EventKind::pause_session,
                                   EventKind::resume_session,
                                   EventKind::select_relation,
                                   EventKind::start_payment,
                                   EventKind::cancel_payment,
                                   EventKind::merge_session,
                                   EventKind::cancel_session,
                                   EventKind::complete_session,
                                   EventKind::credit_session,
                                   EventKind::custom_action,
                                   EventKind::print_bill,
                                   EventKind::background_poll,
                                   EventKind::kitchen_start_course,
                                   EventKind::kitchen_complete_course,
                                   EventKind::kitchen_serve_course,
                                   EventKind::start_external_payment,
                                   EventKind::poll_external_payment,
                                   EventKind::request_cancel_external_payment,
                                   EventKind::cancel_external_payment};

/// The events for which `reply` passes the rules (non-polling context, matching payment id).
std::vector<EventKind> accepted_by(const wh::Reply& reply) {
    std::vector<EventKind> out;
    for (EventKind k : all_kinds) {
        wh::ReplyContext ctx;
        ctx.event = k;
        ctx.external_payment_id = pay_id;
        if (wh::check_reply(reply, ctx).empty()) out.push_back(k);
    }
    return out;
}

} // namespace

TEST_CASE("check_reply: an empty reply passes for every event") {
    static_assert(sizeof(all_kinds) / sizeof(all_kinds[0]) == wh::event_count);
    CHECK(accepted_by(wh::Reply{}).size() == wh::event_count);
    CHECK(wh::check_reply(wh::Reply{}, EventKind::unknown).empty());
}

TEST_CASE("check_reply: receiptFooter only with completeSession") {
    const auto r = reply_of(R"({"receiptFooter":{"textBefore":"Thanks"}})");
    CHECK(accepted_by(r) == std::vector<EventKind>{EventKind::complete_session});
    const auto errors = wh::check_reply(r, EventKind::start_session);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].code == wh::errc::reply_rule);
    CHECK(errors[0].wire() == "INVALID_DATA");
    CHECK(errors[0].to_string() ==
          "/receiptFooter: receiptFooter is only accepted in a reply to completeSession");
}

TEST_CASE("check_reply: billFooter only with printBill") {
    const auto r = reply_of(R"({"billFooter":[{"textBefore":"Pay online"}]})");
    CHECK(accepted_by(r) == std::vector<EventKind>{EventKind::print_bill});
    const auto errors = wh::check_reply(r, EventKind::complete_session);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].path == "/billFooter");
}

TEST_CASE("check_reply: scanCode only with scanCode") {
    const auto r = reply_of(R"({"scanCode":{"recognized":true}})");
    CHECK(accepted_by(r) == std::vector<EventKind>{EventKind::scan_code});
    const auto errors = wh::check_reply(r, EventKind::add_session_line);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].to_string() == "/scanCode: scanCode is only accepted in a reply to scanCode");
}

TEST_CASE("check_reply: externalPayment only with the four external-payment events") {
    const auto r =
        reply_of(R"({"externalPayment":{"externalPaymentId":")" + pay_id + R"(","started":true}})");
    CHECK(accepted_by(r) == std::vector<EventKind>{EventKind::start_external_payment,
                                                   EventKind::poll_external_payment,
                                                   EventKind::request_cancel_external_payment,
                                                   EventKind::cancel_external_payment});
    const auto errors = wh::check_reply(r, EventKind::complete_session);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].path == "/externalPayment");
}

TEST_CASE("check_reply: externalPayment must echo the request's externalPaymentId") {
    wh::ReplyContext ctx;
    ctx.event = EventKind::poll_external_payment;
    ctx.external_payment_id = pay_id;
    const auto wrong =
        reply_of(R"({"externalPayment":{"externalPaymentId":"other","confirmed":true}})");
    const auto errors = wh::check_reply(wrong, ctx);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].code == wh::errc::reply_rule);
    CHECK(errors[0].path == "/externalPayment/externalPaymentId");
    CHECK(errors[0].message ==
          "externalPaymentId \"other\" is not the request's \"" + pay_id + "\"");
    // Left empty, the dispatcher fills it in: not a violation.
    CHECK(wh::check_reply(reply_of(R"({"externalPayment":{"confirmed":true}})"), ctx).empty());
    // Without the request's id there is nothing to compare.
    CHECK(wh::check_reply(wrong, EventKind::poll_external_payment).empty());
}

TEST_CASE("check_reply: events without a session reject line changes, additions and deletions") {
    const auto r =
        reply_of(R"({"lineChanges":[{"lineId":"a"}],"lineAdditions":[{"articleNumber":1}],)"
                 R"("lineDeletions":[{"lineId":"b"}]})");
    for (EventKind k : {EventKind::background_poll, EventKind::kitchen_start_course,
                        EventKind::kitchen_complete_course, EventKind::kitchen_serve_course}) {
        const auto errors = wh::check_reply(r, k);
        CHECK(paths(errors) ==
              std::vector<std::string>{"/lineChanges", "/lineAdditions", "/lineDeletions"});
        for (const auto& e : errors) CHECK(e.code == wh::errc::reply_rule);
    }
    CHECK(wh::check_reply(r, EventKind::start_session).empty());
    CHECK(wh::check_reply(r, EventKind::custom_action).empty());
    CHECK(wh::check_reply(reply_of(R"({"message":[{"message":"hi"}]})"), EventKind::background_poll)
              .empty());
}

TEST_CASE("check_reply: a footer barcode type outside code128/qrcode is "
          "INVALID_RECEIPT_FOOTER_CODE_TYPE") {
    const auto one = reply_of(R"({"receiptFooter":{"barcode":{"codeType":"ean13","code":"123"}}})");
    const auto errors = wh::check_reply(one, EventKind::complete_session);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].code == wh::errc::invalid_receipt_footer_code_type);
    CHECK(errors[0].wire() == "INVALID_RECEIPT_FOOTER_CODE_TYPE");
    CHECK(errors[0].to_string() ==
          "/receiptFooter/barcode/codeType: barcode type \"ean13\" is not code128 or qrcode");
    const auto arr = reply_of(R"({"billFooter":[{"barcode":{"codeType":"qrcode","code":"1"}},)"
                              R"({"barcode":{"codeType":"QRCODE","code":"2"}}]})");
    CHECK(paths(wh::check_reply(arr, EventKind::print_bill)) ==
          std::vector<std::string>{"/billFooter/1/barcode/codeType"});
    for (const char* ok : {R"({"receiptFooter":{"barcode":{"codeType":"code128","code":"1"}}})",
                           R"({"receiptFooter":{"barcode":{"codeType":"qrcode","code":"1"}}})",
                           R"({"receiptFooter":{"barcode":{"code":"1"}}})"}) {
        CHECK_MESSAGE(wh::check_reply(reply_of(ok), EventKind::complete_session).empty(), ok);
    }
}

TEST_CASE("check_reply: a footer barcode without a code is INVALID_RECEIPT_FOOTER_CODE") {
    for (const char* text : {R"({"receiptFooter":{"barcode":{"codeType":"qrcode"}}})",
                             R"({"receiptFooter":{"barcode":{"code":""}}})"}) {
        const auto errors = wh::check_reply(reply_of(text), EventKind::complete_session);
        REQUIRE_MESSAGE(errors.size() == 1, text);
        CHECK(errors[0].code == wh::errc::invalid_receipt_footer_code);
        CHECK(errors[0].wire() == "INVALID_RECEIPT_FOOTER_CODE");
        CHECK(errors[0].path == "/receiptFooter/barcode/code");
    }
    const auto arr = reply_of(R"({"receiptFooter":[{"textBefore":"x"},{"barcode":{}}]})");
    CHECK(paths(wh::check_reply(arr, EventKind::complete_session)) ==
          std::vector<std::string>{"/receiptFooter/1/barcode/code"});
    CHECK(wh::check_reply(reply_of(R"({"receiptFooter":{"textBefore":"no barcode"}})"),
                          EventKind::complete_session)
              .empty());
}

TEST_CASE("check_reply: displayBarcode codeType must be barcode, rfid or qrcode") {
    const auto bad = reply_of(R"({"displayBarcode":{"codeType":"code128","code":"1"}})");
    const auto errors = wh::check_reply(bad, EventKind::start_payment);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].code == wh::errc::reply_rule);
    CHECK(errors[0].to_string() ==
          "/displayBarcode/codeType: code type \"code128\" is not barcode, rfid or qrcode");
    for (const char* t : {"barcode", "rfid", "qrcode"}) {
        wh::Reply r;
        r.display_barcode = wh::DisplayBarcode{t, "1", {}};
        CHECK_MESSAGE(wh::check_reply(r, EventKind::start_payment).empty(), t);
    }
}

TEST_CASE("is_valid_color: #RRGGBB or a preset colour name") {
    for (const char* ok : {"#1E90FF", "#1e90ff", "#000000", "red", "green", "lightGreen"}) {
        CHECK_MESSAGE(wh::is_valid_color(ok), ok);
    }
    for (const char* bad :
         {"", "#12345", "#1234567", "#GGGGGG", "1E90FF", "#FFF", "red!", "light green",
          "rgb(1,2,3)", "#1E90F ", "abcdefghijklmnopqrstuvwxyzabcdefg"}) {
        CHECK_MESSAGE(!wh::is_valid_color(bad), bad);
    }
}

TEST_CASE("check_reply: colours of dialog options, form options and messages are checked") {
    const auto r = reply_of(
        R"({"dialog":{"required":false,"allowMultipleOptions":false,"dialogTitle":"t","dialogOptions":[)"
        R"({"optionId":1,"optionName":"a","optionColor":"#00FF00"},{"optionId":2,"optionName":"b","optionColor":"00FF00"}]},)"
        R"("form":{"id":"f","title":"t","fields":[{"id":"s","type":"select","required":true,"label":"S","options":[)"
        R"({"id":"o1","label":"1","color":"blue"},{"id":"o2","label":"2","color":"#blue"}]}]},)"
        R"("message":[{"message":"m","backgroundColor":"dark red"},{"message":"n","backgroundColor":"red"}]})");
    const auto errors = wh::check_reply(r, EventKind::custom_action);
    CHECK(paths(errors) == std::vector<std::string>{"/dialog/dialogOptions/1/optionColor",
                                                    "/form/fields/0/options/1/color",
                                                    "/message/0/backgroundColor"});
    for (const auto& e : errors) CHECK(e.code == wh::errc::reply_rule);
    CHECK(errors.at(0).message == "colour \"00FF00\" is neither #RRGGBB nor a preset colour name");
}

TEST_CASE("check_reply: dialog option ids must be unique") {
    const auto r = reply_of(
        R"({"dialog":{"required":false,"allowMultipleOptions":false,"dialogTitle":"t","dialogOptions":[)"
        R"({"optionId":1,"optionName":"a"},{"optionId":2,"optionName":"b"},{"optionId":1,"optionName":"c"}]}})");
    const auto errors = wh::check_reply(r, EventKind::start_session);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].to_string() == "/dialog/dialogOptions/2/optionId: duplicate id \"1\"");
    wh::Reply ok;
    auto& d = ok.dialog.emplace();
    d.add_option(1, "a");
    d.add_option(2, "b");
    CHECK(wh::check_reply(ok, EventKind::start_session).empty());
}

TEST_CASE("check_reply: form field ids and option ids within a field must be unique") {
    const auto r = reply_of(
        R"({"form":{"id":"f","title":"t","fields":[)"
        R"({"id":"a","type":"select","required":true,"label":"A","options":[{"id":"x","label":"X"},{"id":"x","label":"Y"}]},)"
        R"({"id":"b","type":"select","required":true,"label":"B","options":[{"id":"x","label":"X"}]},)"
        R"({"id":"a","type":"text","required":false,"label":"A2"}]}})");
    const auto errors = wh::check_reply(r, EventKind::custom_action);
    CHECK(paths(errors) ==
          std::vector<std::string>{"/form/fields/2/id", "/form/fields/0/options/1/id"});
    CHECK(errors.at(0).message == "duplicate id \"a\"");
}

TEST_CASE("check_reply: an external discount in lineChanges needs a discountId") {
    const auto r = reply_of(
        R"({"lineChanges":[{"lineId":"a","externalDiscount":{"discountId":"d1","discountPercentage":10}},)"
        R"({"lineId":"b","externalDiscount":{"discountPercentage":10}},)"
        R"({"lineId":"c","externalDiscount":{"discountId":""}},{"lineId":"d"}]})");
    const auto errors = wh::check_reply(r, EventKind::add_session_line);
    CHECK(paths(errors) == std::vector<std::string>{"/lineChanges/1/externalDiscount/discountId",
                                                    "/lineChanges/2/externalDiscount/discountId"});
    CHECK(errors.at(0).code == wh::errc::reply_rule);
}

TEST_CASE("check_reply: prepayTable needs the table's number") {
    const auto bad = reply_of(
        R"({"prepayTable":{"table":{"subNumber":1},"sessionId":"s","payments":[{"paymentId":"p","amount":5}]}})");
    const auto errors = wh::check_reply(bad, EventKind::custom_action);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].to_string() ==
          "/prepayTable/table/number: prepayTable needs the table's number");
    const auto ok = reply_of(
        R"({"prepayTable":{"table":{"number":12},"sessionId":"s","payments":[{"paymentId":"p","amount":5}]}})");
    CHECK(wh::check_reply(ok, EventKind::custom_action).empty());
}

TEST_CASE("check_reply: a reply to a polling request needs polling") {
    wh::ReplyContext ctx;
    ctx.event = EventKind::background_poll;
    ctx.polling = true;
    const auto errors = wh::check_reply(wh::Reply{}, ctx);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].code == wh::errc::reply_rule);
    CHECK(errors[0].to_string() == "/polling: a reply to a polling request needs polling");
    wh::Reply with;
    with.polling = wh::Polling{};
    CHECK(wh::check_reply(with, ctx).empty());
    ctx.polling = false;
    CHECK(wh::check_reply(wh::Reply{}, ctx).empty());
    CHECK(wh::check_reply(with, ctx).empty()); // polling on a non-polling request is harmless
}

TEST_CASE("check_reply: every violation of one reply is reported") {
    wh::ReplyContext ctx;
    ctx.event = EventKind::kitchen_serve_course;
    ctx.polling = true;
    const auto r = reply_of(
        R"({"scanCode":{"recognized":false},"receiptFooter":{"barcode":{"codeType":"ean13"}},)"
        R"("lineDeletions":[{"lineId":"x"}],"message":[{"backgroundColor":"#12"}]})");
    const auto errors = wh::check_reply(r, ctx);
    CHECK(paths(errors) == std::vector<std::string>{"/receiptFooter", "/scanCode", "/lineDeletions",
                                                    "/polling", "/receiptFooter/barcode/codeType",
                                                    "/receiptFooter/barcode/code",
                                                    "/message/0/backgroundColor"});
}
