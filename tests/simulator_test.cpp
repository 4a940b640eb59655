// Tests of the POS simulator: requests, dialog and form re-sends, polling, the external-payment
// protocol, error requests, reply signatures, the session model, transcripts and the flows.
// SPDX-License-Identifier: MIT
#include "../examples/scenarios/demo_flows.hpp"
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/simulator.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace mw = mplus::webhooks;
using mw::Decimal;
using mw::PosStepStatus;
using nlohmann::json;

constexpr std::string_view test_secret = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";

// One request as the middleware received it.
struct Received {
    std::string event;
    json body;
    mw::HttpRequest http;
};

// A middleware made of one function: it gets the event name and the parsed body and returns
// a Reply, which is signed (or not, or wrongly) as the test says.
struct FakeMiddleware {
    std::vector<Received> received;
    std::function<mw::Reply(const std::string&, const json&)> reply =
        [](const std::string&, const json&) { return mw::Reply{}; };
    enum class Signing { good, none, raw_text_key, wrong_body } signing = Signing::good;
    int status = 200;

    mw::HttpResponse handle(const mw::HttpRequest& r) {
        const std::string event = r.path.substr(r.path.rfind('/') + 1);
        json body = json::parse(r.body);
        received.push_back({event, body, r});
        mw::HttpResponse out;
        out.status = status;
        out.body = mw::serialize(reply(event, body));
        out.headers.push_back({"Content-Type", "application/json"});
        const auto secret = mw::Secret::from_text(test_secret);
        const auto raw = mw::Secret::from_text(test_secret, mw::KeyForm::raw_text);
        switch (signing) {
        case Signing::good:
            out.headers.push_back({"X-Mplus-Signature", secret->sign(out.body)});
            break;
        case Signing::none: break;
        case Signing::raw_text_key:
            out.headers.push_back({"X-Mplus-Signature", raw->sign(out.body)});
            break;
        case Signing::wrong_body:
            out.headers.push_back({"X-Mplus-Signature", secret->sign(out.body + " ")});
            break;
        }
        return out;
    }
    mw::PosTransport transport() {
        return [this](const mw::HttpRequest& r) { return handle(r); };
    }
    std::size_t count(std::string_view event) const {
        std::size_t n = 0;
        for (const auto& r : received) n += r.event == event ? 1u : 0u;
        return n;
    }
};

mw::SimulatorOptions test_options() {
    mw::SimulatorOptions o;
    o.secret = std::string(test_secret);
    o.seed = 42;
    o.clock_start = "2024-06-01T10:00:00.000+02:00";
    return o;
}

mw::Dialog slot_dialog() {
    mw::Dialog d;
    d.required = true;
    d.dialog_title = "Choose a time slot";
    d.add_option(1, "09:00-10:00 (20 seats left)");
    d.add_option(2, "10:00-11:00 (12 seats left)");
    d.add_option(3, "11:00-12:00 (full)").disabled = true;
    return d;
}

json without(json j, const char* key) {
    j.erase(key);
    return j;
}

} // namespace

TEST_CASE("PosSimulator: requests carry event, sender, session and a valid signature") {
    FakeMiddleware m;
    mw::PosSimulator pos(m.transport(), test_options());
    CHECK(pos.start_session().status == PosStepStatus::ok);
    pos.advance(std::chrono::milliseconds(1500));
    const mw::PosStep& step =
        pos.add_line(235, "Tour Ticket (Adult)", Decimal::from_units(1250, 2), Decimal(2));
    REQUIRE(step.ok());
    REQUIRE(m.received.size() == 2);

    const auto& first = m.received[0];
    const auto& second = m.received[1];
    CHECK(first.http.method == "POST");
    CHECK(first.http.path == "/webhooks/startSession");
    CHECK(second.http.path == "/webhooks/addSessionLine");
    CHECK(second.http.header("Content-Type") == "application/json");
    CHECK(second.http.header("Accept") == "application/json");
    CHECK(second.http.header("X-Mplus-Subscription-Id") == "mplus-webhooks-simulator");
    const auto secret = mw::Secret::from_text(test_secret);
    CHECK(secret->verify(second.http.body, second.http.header("X-Mplus-Signature")));

    CHECK(first.body["event"] == json::parse(R"({"eventBlocking":false,"eventPolling":false,
        "eventCounter":1,"eventTimestamp":"2024-06-01T10:00:00.000+02:00"})"));
    CHECK(second.body["event"] == json::parse(R"({"eventBlocking":true,"eventPolling":false,
        "eventCounter":2,"eventTimestamp":"2024-06-01T10:00:01.500+02:00"})"));
    const json sender = second.body["sender"];
    CHECK(sender["branchNumber"] == 1);
    CHECK(sender["workplaceNumber"] == 1);
    CHECK(sender["productName"] == "MplusQ");
    CHECK(sender["paymentStarted"] == false);
    CHECK(sender["instanceId"] == pos.instance_id());
    CHECK(first.body["sender"]["instanceId"] == pos.instance_id());
    CHECK(pos.instance_id().size() == 36);
    CHECK(pos.instance_id()[14] == '4');

    const json session = second.body["session"];
    CHECK(session["sessionId"] == first.body["session"]["sessionId"]);
    CHECK(session["sessionId"] == pos.session().session_id);
    REQUIRE(session["lines"].size() == 1);
    CHECK(session["lines"][0]["lineId"] == step.line_id);
    CHECK(session["lines"][0]["articleNumber"] == 235);
    CHECK(session["lines"][0]["text"] == "Tour Ticket (Adult)");
    CHECK(session["totalInclAmount"] == 25);
    CHECK(session["openAmount"] == 25);
    CHECK(second.body["addSessionLine"]["line"]["lineId"] == step.line_id);
    CHECK(second.body["addSessionLine"]["line"]["priceIncl"] == 12.5);
    CHECK(second.body["addSessionLine"]["line"]["quantity"] == 2);
    // The body is the exact signed bytes; 12.50 goes out as the number 12.5.
    CHECK(second.http.body.find("\"priceIncl\":12.5,") != std::string::npos);
}

TEST_CASE("PosSimulator: the same seed gives the same ids, a random seed does not") {
    FakeMiddleware m;
    mw::PosSimulator a(m.transport(), test_options());
    mw::PosSimulator b(m.transport(), test_options());
    CHECK(a.instance_id() == b.instance_id());
    mw::SimulatorOptions o = test_options();
    o.seed = 0;
    mw::PosSimulator c(m.transport(), o);
    CHECK(c.instance_id() != a.instance_id());
    o.instance_id = "fixed-instance";
    mw::PosSimulator d(m.transport(), o);
    CHECK(d.instance_id() == "fixed-instance");
    o.secret = "not base64!";
    CHECK_THROWS_AS(mw::PosSimulator(m.transport(), o), std::invalid_argument);
}

TEST_CASE("PosSimulator: a dialog re-send carries the selection and everything sent before") {
    FakeMiddleware m;
    m.reply = [](const std::string& event, const json& body) {
        mw::Reply r;
        if (event != "addSessionLine") return r;
        if (!body.contains("dialog")) {
            r.dialog = slot_dialog();
        } else {
            r.add_message("slot held");
        }
        return r;
    };
    mw::PosSimulator pos(m.transport(), test_options());
    pos.start_session();
    mw::PosStep& step = pos.add_line(235, "Tour Ticket (Adult)", Decimal::from_units(1250, 2));
    CHECK(step.status == PosStepStatus::dialog_open);
    REQUIRE(step.dialog() != nullptr);
    CHECK(step.dialog()->dialog_title == "Choose a time slot");
    CHECK(pos.open_dialog() == step.dialog());
    CHECK(m.received.size() == 2);

    SUBCASE("the POS is modal while the dialog is open") {
        const mw::PosStep& scan = pos.scan("VCH0001");
        CHECK(scan.status == PosStepStatus::refused);
        CHECK(scan.exchanges.empty());
        CHECK(m.received.size() == 2);
    }
    SUBCASE("a disabled or unknown option cannot be chosen; the dialog stays open") {
        CHECK(&pos.choose(std::int64_t{3}) == &step);
        CHECK(step.status == PosStepStatus::dialog_open);
        CHECK(step.failures ==
              std::vector<std::string>{"dialog answer not possible: option 3 is disabled"});
        pos.choose("13:00");
        CHECK(step.failures.back() ==
              "dialog answer not possible: no single option named \"13:00\"");
        pos.choose("-");
        CHECK(step.failures.back() == "dialog answer not possible: no single option named \"-\"");
        CHECK(pos.dismiss_dialog().failures.back() ==
              "dialog answer not possible: the dialog requires a choice");
        CHECK(m.received.size() == 2);
    }
    SUBCASE("choose by text re-sends the same request plus the selection") {
        mw::PosStep& same = pos.choose("10:00-11:00");
        CHECK(&same == &step);
        CHECK(step.status == PosStepStatus::ok);
        CHECK(step.dialog() == nullptr);
        CHECK(pos.open_dialog() == nullptr);
        REQUIRE(m.received.size() == 3);
        const json& resend = m.received[2].body;
        CHECK(m.received[2].event == "addSessionLine");
        CHECK(resend["dialog"] == json::parse(R"({"selectedDialogOptionIds":[2]})"));
        CHECK(without(resend, "dialog") == m.received[1].body);
        CHECK(m.received[2].http.body.find("\"dialog\":{\"selectedDialogOptionIds\":[2]}") !=
              std::string::npos);
        REQUIRE(step.exchanges.size() == 2);
        CHECK(step.exchanges[0].kind == mw::PosExchange::Kind::event);
        CHECK(step.exchanges[1].kind == mw::PosExchange::Kind::dialog_answer);
        REQUIRE(step.messages.size() == 1);
        CHECK(step.messages[0].message == "slot held");
        CHECK(step.ok());
    }
    SUBCASE("choose by id") {
        pos.choose(std::int64_t{1});
        REQUIRE(m.received.size() == 3);
        CHECK(m.received[2].body["dialog"]["selectedDialogOptionIds"] == json::array({1}));
    }
}

TEST_CASE("PosSimulator: queued answers and the callback answer dialogs at once") {
    FakeMiddleware m;
    m.reply = [](const std::string& event, const json& body) {
        mw::Reply r;
        if (event == "addSessionLine" && !body.contains("dialog")) r.dialog = slot_dialog();
        return r;
    };
    mw::PosSimulator pos(m.transport(), test_options());
    pos.queue_dialog_answer(mw::DialogAnswer::text("09:00-10:00"));
    const mw::PosStep& first = pos.add_line(235, "Adult", Decimal(10));
    CHECK(first.status == PosStepStatus::ok);
    CHECK(first.dialogs.size() == 1);
    CHECK(m.received.back().body["dialog"]["selectedDialogOptionIds"] == json::array({1}));

    std::vector<std::string> titles;
    pos.on_dialog([&titles](const mw::Dialog& d) -> std::optional<mw::DialogAnswer> {
        titles.push_back(d.dialog_title);
        return mw::DialogAnswer::id(2);
    });
    pos.add_line(236, "Child", Decimal(5));
    CHECK(titles == std::vector<std::string>{"Choose a time slot"});
    CHECK(m.received.back().body["dialog"]["selectedDialogOptionIds"] == json::array({2}));

    pos.on_dialog([](const mw::Dialog&) { return std::optional<mw::DialogAnswer>(); });
    CHECK(pos.add_line(236, "Child", Decimal(5)).status == PosStepStatus::dialog_open);
}

TEST_CASE("PosSimulator: a form is answered with field values, or cancelled") {
    FakeMiddleware m;
    m.reply = [](const std::string& event, const json& body) {
        mw::Reply r;
        if (event != "customAction" || body.contains("form")) return r;
        mw::Form f;
        f.id = "guest";
        f.title = "Guest details";
        mw::FormField name;
        name.id = "name";
        name.type = "text";
        name.required = true;
        name.label = "Name";
        mw::FormField room;
        room.id = "room";
        room.type = "select";
        room.label = "Room";
        mw::FormOption a;
        a.id = "101";
        a.label = "Room 101";
        a.selected = true;
        mw::FormOption b;
        b.id = "102";
        b.label = "Room 102";
        room.options = {a, b};
        mw::FormField nights;
        nights.id = "nights";
        nights.type = "number";
        nights.label = "Nights";
        nights.value = "1";
        f.fields = {name, room, nights};
        r.form = f;
        return r;
    };
    mw::PosSimulator pos(m.transport(), test_options());
    mw::PosStep& step = pos.custom_action("checkin", "Check in");
    CHECK(step.status == PosStepStatus::form_open);
    REQUIRE(step.form() != nullptr);
    CHECK(pos.open_form()->title == "Guest details");

    SUBCASE("values") {
        CHECK(pos.fill_form(mw::FormAnswer().set("nights", "3")).failures.back() ==
              "form answer not possible: field \"name\" is required");
        pos.fill_form(mw::FormAnswer().set("name", "A. Nonymous").select("room", {"102"}));
        CHECK(step.status == PosStepStatus::ok);
        REQUIRE(m.received.size() == 2);
        CHECK(m.received[1].body["form"] == json::parse(R"({"id":"guest","cancelled":false,
            "fields":[{"id":"name","value":"A. Nonymous"},
                      {"id":"room","value":"102","selected":["102"]},
                      {"id":"nights","value":"1"}]})"));
        CHECK(without(m.received[1].body, "form") == m.received[0].body);
        CHECK(step.exchanges[1].kind == mw::PosExchange::Kind::form_answer);
    }
    SUBCASE("cancel") {
        pos.cancel_form();
        REQUIRE(m.received.size() == 2);
        CHECK(m.received[1].body["form"]["cancelled"] == true);
        CHECK(m.received[1].body["form"]["id"] == "guest");
        CHECK(pos.open_form() == nullptr);
    }
}

TEST_CASE("PosSimulator: polling repeats until finished, within max_polls") {
    FakeMiddleware m;
    int until = 3;
    m.reply = [&until, &m](const std::string&, const json&) {
        mw::Reply r;
        r.polling = mw::Polling{};
        r.polling->finished = static_cast<int>(m.received.size()) >= until;
        return r;
    };
    mw::SimulatorOptions o = test_options();
    o.max_polls = 5;
    mw::PosSimulator pos(m.transport(), o);

    const mw::PosStep& finished = pos.background_poll();
    CHECK(finished.status == PosStepStatus::ok);
    CHECK(m.received.size() == 3);
    CHECK(finished.exchanges[1].kind == mw::PosExchange::Kind::poll_repeat);
    // A polling repeat is the same request: same counter, same body.
    CHECK(m.received[2].http.body == m.received[0].http.body);
    CHECK(m.received[0].body["event"]["eventPolling"] == true);
    CHECK_FALSE(m.received[0].body.contains("session"));

    until = 100;
    m.received.clear();
    const mw::PosStep& endless = pos.background_poll();
    CHECK(endless.status == PosStepStatus::poll_limit);
    CHECK(m.received.size() == 5);
    CHECK(endless.failures ==
          std::vector<std::string>{"backgroundPoll: polling not finished after 5 requests"});

    // A polling request answered without `polling` breaks a rule: error request.
    m.reply = [](const std::string&, const json&) { return mw::Reply{}; };
    m.received.clear();
    const mw::PosStep& missing = pos.background_poll();
    CHECK(missing.status == PosStepStatus::reply_error);
    REQUIRE(m.received.size() == 2);
    CHECK(m.received[1].body["error"]["code"] == "INVALID_DATA");
}

TEST_CASE("PosSimulator: external payment start, polls with messages, confirmed") {
    FakeMiddleware m;
    int polls = 0;
    m.reply = [&polls](const std::string& event, const json& body) {
        mw::Reply r;
        if (event == "startExternalPayment") {
            r.external_payment = mw::ExternalPaymentReply{};
            r.external_payment->external_payment_id =
                body["externalPayment"]["externalPaymentId"].get<std::string>();
            r.external_payment->started = true;
            r.external_payment->message = "Insert 25.00";
        } else if (event == "pollExternalPayment") {
            r.polling = mw::Polling{};
            r.external_payment = mw::ExternalPaymentReply{};
            if (++polls < 3) {
                r.external_payment->message = "Inserted " + std::to_string(polls * 10) + ".00";
            } else {
                r.external_payment->confirmed = true;
                r.external_payment->final_amount = Decimal(20);
                r.external_payment->external_transaction_reference = "CM-1";
                mw::ReceiptText t;
                t.text = "Paid 20.00, change 0.00";
                r.external_payment->receipt_texts.push_back(t);
            }
        }
        return r;
    };
    mw::PosSimulator pos(m.transport(), test_options());
    pos.add_line(1001, "Mug", Decimal(25));
    const mw::ExternalPaymentState pay = pos.pay_external("CASH_MACHINE");
    CHECK(pay.status == mw::ExternalPaymentStatus::confirmed);
    CHECK(pay.problems.empty());
    CHECK(pay.polls == 3);
    CHECK(pay.amount == Decimal(25));
    CHECK(pay.final_amount == Decimal(20));
    CHECK(pay.external_transaction_reference == "CM-1");
    REQUIRE(pay.receipt_texts.size() == 1);
    CHECK(pay.receipt_texts[0].text == "Paid 20.00, change 0.00");
    REQUIRE(pay.messages.size() == 3);
    CHECK(pay.messages[0].message == "Insert 25.00");
    CHECK(pay.messages[2].message == "Inserted 20.00");

    // startSession, addSessionLine, startPayment, start, 3 polls.
    REQUIRE(m.received.size() == 7);
    CHECK(m.received[2].event == "startPayment");
    CHECK(m.received[3].event == "startExternalPayment");
    const json ext = m.received[3].body["externalPayment"];
    CHECK(ext["amount"] == 25);
    CHECK(ext["method"] == "CASH_MACHINE");
    CHECK(ext["externalPaymentId"] == pay.external_payment_id);
    CHECK(m.received[3].body["sender"]["paymentStarted"] == true);
    for (std::size_t i = 4; i < 7; ++i) {
        CHECK(m.received[i].event == "pollExternalPayment");
        CHECK(m.received[i].body["event"]["eventPolling"] == true);
        CHECK(m.received[i].body["externalPayment"] == ext);
    }
    // Each poll after an answer is a new event.
    CHECK(m.received[5].body["event"]["eventCounter"] == 6);

    REQUIRE(pos.session().payments.size() == 1);
    CHECK(pos.session().payments[0].amount == Decimal(20));
    CHECK(pos.session().payments[0].method == "CASH_MACHINE");
    CHECK(pos.open_amount() == Decimal(5));
    const mw::PosStep& done = pos.complete_session();
    REQUIRE(m.received.back().event == "completeSession");
    CHECK(m.received.back().body["completeSession"]["payments"] == json::parse(R"([
        {"amount":20,"description":"CASH_MACHINE","method":"CASH_MACHINE"},
        {"amount":5,"description":"Cash","method":"CASH"}])"));
    CHECK(done.ok());
    CHECK_FALSE(pos.session_open());
}

TEST_CASE("PosSimulator: a forced cancel only after 30 simulated seconds without an answer") {
    FakeMiddleware m;
    m.reply = [](const std::string& event, const json& body) {
        mw::Reply r;
        if (event == "startExternalPayment") {
            r.external_payment = mw::ExternalPaymentReply{};
            r.external_payment->external_payment_id =
                body["externalPayment"]["externalPaymentId"].get<std::string>();
            r.external_payment->started = true;
        } else if (event == "pollExternalPayment") {
            r.polling = mw::Polling{};
        }
        return r;
    };
    mw::SimulatorOptions o = test_options();
    o.max_polls = 4;
    mw::PosSimulator pos(m.transport(), o);
    pos.add_line(1001, "Mug", Decimal(25));
    CHECK(pos.start_external_payment("CASH_MACHINE").ok());
    CHECK(pos.external_payment().status == mw::ExternalPaymentStatus::started);

    pos.advance(std::chrono::seconds(29));
    const std::size_t sent = m.received.size();
    const mw::PosStep& early = pos.cancel_external_payment();
    CHECK(early.status == PosStepStatus::refused);
    CHECK(early.failures ==
          std::vector<std::string>{"POS refused cancelExternalPayment: a forced cancel is allowed "
                                   "after 30 s without an answer; 29 s have passed"});
    CHECK(m.received.size() == sent);

    // An answer restarts the 30 s.
    pos.poll_external_payment();
    pos.advance(std::chrono::seconds(29));
    CHECK(pos.cancel_external_payment().status == PosStepStatus::refused);

    // Polls that never end are bounded.
    const mw::ExternalPaymentState waiting = pos.await_external_payment();
    CHECK(waiting.status == mw::ExternalPaymentStatus::started);
    CHECK(waiting.polls == 4);
    CHECK(waiting.problems.back() == "no final answer after 4 pollExternalPayment calls");

    pos.advance(std::chrono::seconds(30));
    const mw::PosStep& forced = pos.cancel_external_payment();
    CHECK(forced.status == PosStepStatus::ok);
    CHECK(m.received.back().event == "cancelExternalPayment");
    CHECK(m.received.back().body["event"]["eventBlocking"] == false);
    CHECK(pos.external_payment().status == mw::ExternalPaymentStatus::abandoned);
    CHECK(pos.session().payments.empty());
    CHECK(pos.poll_external_payment().status == PosStepStatus::refused);
}

TEST_CASE("PosSimulator: requestCancel answered with a message, then cancelled by a poll") {
    FakeMiddleware m;
    bool cancel_asked = false;
    m.reply = [&cancel_asked](const std::string& event, const json&) {
        mw::Reply r;
        if (event == "startExternalPayment") {
            r.external_payment = mw::ExternalPaymentReply{};
            r.external_payment->started = true;
        } else if (event == "requestCancelExternalPayment") {
            cancel_asked = true;
            r.external_payment = mw::ExternalPaymentReply{};
            r.external_payment->message = "Returning 10.00";
        } else if (event == "pollExternalPayment") {
            r.polling = mw::Polling{};
            r.external_payment = mw::ExternalPaymentReply{};
            r.external_payment->cancelled = cancel_asked;
        }
        return r;
    };
    mw::PosSimulator pos(m.transport(), test_options());
    pos.add_line(1001, "Mug", Decimal(25));
    pos.start_external_payment("CASH_MACHINE");
    const mw::PosStep& ask = pos.request_cancel_external_payment();
    CHECK(ask.ok());
    REQUIRE(ask.messages.size() == 1);
    CHECK(ask.messages[0].message == "Returning 10.00");
    CHECK(pos.external_payment().status == mw::ExternalPaymentStatus::started);
    CHECK(pos.external_payment().cancel_requested);
    const mw::ExternalPaymentState end = pos.await_external_payment();
    CHECK(end.status == mw::ExternalPaymentStatus::cancelled);
    CHECK(end.polls == 1);
    CHECK(pos.session().payments.empty());
}

TEST_CASE("PosSimulator: a start without started:true fails, and a dialog may come first") {
    FakeMiddleware m;
    m.reply = [](const std::string& event, const json& body) {
        mw::Reply r;
        if (event != "startExternalPayment") return r;
        if (body["externalPayment"]["method"] == "BROKEN") return r;
        if (!body.contains("dialog")) {
            mw::Dialog d;
            d.dialog_title = "Reservation";
            d.add_option(3, "Mr. & Mrs. A. Nonymous (Sat-Fri)");
            r.dialog = d;
        } else {
            r.external_payment = mw::ExternalPaymentReply{};
            r.external_payment->started = true;
        }
        return r;
    };
    mw::PosSimulator pos(m.transport(), test_options());
    pos.add_line(1, "Room", Decimal(100));
    const mw::ExternalPaymentState broken = pos.pay_external("BROKEN");
    CHECK(broken.status == mw::ExternalPaymentStatus::failed);
    CHECK(broken.problems ==
          std::vector<std::string>{"the reply to startExternalPayment did not say "
                                   "externalPayment.started:true"});

    const mw::ExternalPaymentState waiting = pos.pay_external("RESERVATION");
    CHECK(waiting.status == mw::ExternalPaymentStatus::awaiting_dialog);
    pos.choose("Nonymous");
    CHECK(pos.external_payment().status == mw::ExternalPaymentStatus::started);
    CHECK(m.received.back().body["dialog"]["selectedDialogOptionIds"] == json::array({3}));
    CHECK(m.received.back().body["externalPayment"]["method"] == "RESERVATION");
}

TEST_CASE("PosSimulator: a reply that breaks a session rule gets the POS's error request") {
    FakeMiddleware m;
    mw::Reply next;
    m.reply = [&next](const std::string& event, const json&) {
        return event == "addSessionLine" ? next : mw::Reply{};
    };
    mw::PosSimulator pos(m.transport(), test_options());
    pos.start_session();
    const std::string first = pos.add_line(1, "Coffee", Decimal(3)).line_id;

    SUBCASE("INVALID_LINE_ID") {
        mw::LineChange c;
        c.line_id = "no-such-line";
        c.external_discount = mw::ExternalDiscount{};
        c.external_discount->discount_id = "d1";
        next.line_changes.push_back(c);
        const mw::PosStep& step = pos.add_line(2, "Cake", Decimal(4));
        CHECK(step.status == PosStepStatus::reply_error);
        REQUIRE(m.received.size() == 4);
        const Received& error = m.received[3];
        CHECK(error.http.path == "/webhooks/addSessionLine");
        CHECK(error.body["error"] == json::parse(R"({"code":"INVALID_LINE_ID",
            "message":"/lineChanges/0/lineId: no line no-such-line"})"));
        // `original` is the original request, byte for byte.
        CHECK(error.http.body == "{\"error\":{\"code\":\"INVALID_LINE_ID\",\"message\":"
                                 "\"/lineChanges/0/lineId: no line no-such-line\"},\"original\":" +
                                     m.received[2].http.body + "}");
        CHECK(mw::Secret::from_text(test_secret)
                  ->verify(error.http.body, error.http.header("X-Mplus-Signature")));
        CHECK(step.exchanges.back().kind == mw::PosExchange::Kind::error_request);
        REQUIRE(pos.error_requests().size() == 1);
        CHECK(pos.error_requests()[0].code.str() == "INVALID_LINE_ID");
        CHECK(step.failures ==
              std::vector<std::string>{"addSessionLine: reply breaks a rule: INVALID_LINE_ID "
                                       "/lineChanges/0/lineId: no line no-such-line"});
        // Nothing of the reply was applied.
        CHECK(pos.line(first)->external_discount == std::nullopt);
    }
    SUBCASE("LINE_ID_ALREADY_EXISTS") {
        mw::LineAddition a;
        a.line_id = first;
        a.text = "again";
        next.line_additions.push_back(a);
        pos.add_line(2, "Cake", Decimal(4));
        CHECK(m.received.back().body["error"]["code"] == "LINE_ID_ALREADY_EXISTS");
        CHECK(pos.session().lines.size() == 2);
    }
    SUBCASE("LINE_ADDITION_NOT_ALLOWED after lockSessionForAdditions") {
        next.lock_session_for_additions = true;
        pos.add_line(2, "Cake", Decimal(4));
        CHECK(pos.locked_for_additions());
        // The cashier cannot add a line either.
        const mw::PosStep& refused = pos.add_line(3, "Tea", Decimal(2));
        CHECK(refused.status == PosStepStatus::refused);
        CHECK(refused.exchanges.empty());
        next = mw::Reply{};
        mw::LineAddition a;
        a.text = "Free cookie";
        next.line_additions.push_back(a);
        pos.scan("X");
        CHECK(m.received.back().event == "scanCode");
        next.lock_session_for_additions.reset();
        m.reply = [&next](const std::string&, const json&) { return next; };
        pos.scan("Y");
        CHECK(m.received.back().body["error"]["code"] == "LINE_ADDITION_NOT_ALLOWED");
    }
    SUBCASE("LINE_ALREADY_HAS_DISCOUNT") {
        mw::LineChange c;
        c.line_id = first;
        c.external_discount = mw::ExternalDiscount{};
        c.external_discount->discount_id = "d1";
        c.external_discount->discount_amount = Decimal(1);
        next.line_changes.push_back(c);
        CHECK(pos.add_line(2, "Cake", Decimal(4)).ok());
        CHECK(pos.line(first)->external_discount->discount_id == "d1");
        next.line_changes[0].external_discount->discount_id = "d2";
        pos.add_line(3, "Tea", Decimal(2));
        CHECK(m.received.back().body["error"]["code"] == "LINE_ALREADY_HAS_DISCOUNT");
        CHECK(pos.line(first)->external_discount->discount_id == "d1");
    }
    SUBCASE("LINE_CHANGE_NOT_ALLOWED: deleting a cashier's line without the setting") {
        mw::SimulatorOptions o = test_options();
        o.allow_delete_any_line = false;
        mw::PosSimulator strict(m.transport(), o);
        const std::string id = strict.add_line(1, "Coffee", Decimal(3)).line_id;
        mw::LineDeletion d;
        d.line_id = id;
        next.line_deletions.push_back(d);
        strict.add_line(2, "Cake", Decimal(4));
        CHECK(m.received.back().body["error"]["code"] == "LINE_CHANGE_NOT_ALLOWED");
        CHECK(strict.line(id) != nullptr);
    }
    SUBCASE("a stateless rule: receiptFooter only with completeSession") {
        next.receipt_footer = mw::Footer{};
        next.receipt_footer->add().text_before = "Thanks";
        pos.add_line(2, "Cake", Decimal(4));
        CHECK(m.received.back().body["error"] == json::parse(R"({"code":"INVALID_DATA",
            "message":"/receiptFooter: receiptFooter is only accepted in a reply to completeSession"})"));
        CHECK(pos.receipt_footers().empty());
    }
}

TEST_CASE("PosSimulator: reply signature failures are visible and get an error request") {
    FakeMiddleware m;
    m.reply = [](const std::string&, const json&) {
        mw::Reply r;
        r.add_message("hello");
        return r;
    };
    mw::PosSimulator pos(m.transport(), test_options());

    m.signing = FakeMiddleware::Signing::none;
    const mw::PosStep& none = pos.start_session();
    CHECK(none.status == PosStepStatus::signature_failure);
    // The reply to the error request is unsigned too, and says so.
    CHECK(none.failures ==
          std::vector<std::string>{"startSession: the reply has no X-Mplus-Signature",
                                   "startSession (error request): the reply has no "
                                   "X-Mplus-Signature"});
    REQUIRE(m.received.size() == 2);
    CHECK(m.received[1].body["error"]["code"] == "NO_SIGNATURE");
    CHECK(pos.messages().empty());

    m.signing = FakeMiddleware::Signing::wrong_body;
    const mw::PosStep& wrong = pos.add_line(1, "Coffee", Decimal(3));
    CHECK(wrong.status == PosStepStatus::signature_failure);
    CHECK(m.received.back().body["error"]["code"] == "INVALID_SIGNATURE");

    m.signing = FakeMiddleware::Signing::raw_text_key;
    const mw::PosStep& raw = pos.add_line(1, "Coffee", Decimal(3));
    CHECK(raw.failures.front() ==
          "addSessionLine: the reply's X-Mplus-Signature does not match its body (it matches "
          "the secret's text used as the key: the middleware does not base64-decode the "
          "secret)");
    CHECK(pos.messages().empty());
    CHECK(pos.error_requests().size() == 3);

    // A transport that throws, and an unexpected status.
    mw::PosSimulator down(
        [](const mw::HttpRequest&) -> mw::HttpResponse {
            throw std::runtime_error("connection refused");
        },
        test_options());
    const mw::PosStep& failed = down.start_session();
    CHECK(failed.status == PosStepStatus::transport_failure);
    CHECK(failed.failures ==
          std::vector<std::string>{"startSession: no reply: connection refused"});
    m.signing = FakeMiddleware::Signing::good;
    m.status = 500;
    CHECK(pos.add_line(1, "Coffee", Decimal(3)).failures.back() ==
          "addSessionLine: unexpected HTTP status 500");
}

TEST_CASE("PosSimulator: each reply object changes the session model as the POS does") {
    FakeMiddleware m;
    mw::Reply next;
    m.reply = [&next](const std::string&, const json&) { return next; };
    mw::SimulatorOptions o = test_options();
    o.articles.push_back({900, "Bag", Decimal::from_units(50, 2), std::string("8700000000900")});
    mw::PosSimulator pos(m.transport(), o);
    pos.start_session();
    const std::string coffee =
        pos.add_line(1, "Coffee", Decimal::from_units(350, 2), Decimal(2)).line_id;
    CHECK(pos.total() == Decimal(7));

    // lineChanges: a 10 % discount on one of two, plus 0.20 off.
    mw::LineChange c;
    c.line_id = coffee;
    c.external_discount = mw::ExternalDiscount{};
    c.external_discount->discount_id = "v1";
    c.external_discount->discount_description = "Voucher";
    c.external_discount->discount_percentage = Decimal(10);
    c.external_discount->discount_amount = Decimal::from_units(20, 2);
    c.external_discount->apply_to_quantity = Decimal(1);
    next.line_changes.push_back(c);
    // lineAdditions: by barcode from the catalog (generated id) and a text line with an id.
    mw::LineAddition bag;
    bag.barcode = "8700000000900";
    mw::LineAddition note;
    note.line_id = "note-1";
    note.text = "Booked on room 12";
    next.line_additions = {bag, note};
    next.lock_session = true;
    next.version = "demo 1.0";
    next.vat_method_change = mw::VatMethod("exclusive");
    next.display_barcode = mw::DisplayBarcode{mw::CodeType("qrcode"), "PAY-1", {}};
    next.custom_action_change = mw::CustomActionChange{"btn1", "Loyalty (3)", {}};
    next.request_custom_action = mw::RequestCustomAction{"btn2", {}};
    next.add_message("Voucher applied").background_color = "green";
    const mw::PosStep& step = pos.scan("VCH0001");
    REQUIRE(step.ok());

    const mw::SessionLine* line = pos.line(coffee);
    REQUIRE(line->external_discount);
    CHECK(line->external_discount->discount_id == "v1");
    // 7.00 - 10 % of 3.50 (0.35) - 0.20 = 6.45, plus the bag 0.50.
    CHECK(mw::line_total(*line) == Decimal::from_units(645, 2));
    REQUIRE(pos.session().lines.size() == 3);
    const mw::SessionLine& added = pos.session().lines[1];
    CHECK(added.line_id.size() == 36);
    CHECK(added.article_number == 900);
    CHECK(added.text == "Bag");
    CHECK(added.price_incl == Decimal::from_units(50, 2));
    CHECK(added.quantity == Decimal(1));
    CHECK(pos.line("note-1")->text == "Booked on room 12");
    CHECK(pos.total() == Decimal::from_units(695, 2));
    CHECK(pos.locked());
    CHECK(pos.middleware_version() == "demo 1.0");
    CHECK(pos.vat_method()->str() == "exclusive");
    CHECK(pos.customer_barcode()->code == "PAY-1");
    CHECK(pos.custom_action_captions().at("btn1") == "Loyalty (3)");
    CHECK(pos.requested_custom_actions() == std::vector<std::string>{"btn2"});
    REQUIRE(pos.messages().size() == 1);
    CHECK(pos.messages()[0].message == "Voucher applied");
    CHECK(pos.messages()[0].background_color == "green");
    // The next request carries the changed session.
    next = mw::Reply{};
    const mw::PosStep& refused = pos.remove_line(coffee);
    CHECK(refused.status == PosStepStatus::refused);
    next.lock_session = false;
    next.hide_barcode = true;
    pos.scan("X");
    CHECK_FALSE(pos.locked());
    CHECK_FALSE(pos.customer_barcode());
    const json& sent = m.received.back().body["session"];
    CHECK(sent["lines"][0]["externalDiscount"] == json::parse(R"({"discountId":"v1",
        "discountDescription":"Voucher","discountPercentage":10,"discountAmount":0.2,
        "applyToQuantity":1})"));
    CHECK(sent["openAmount"] == 6.95);

    // lineDeletions, and a lineChange without a discount removes it.
    next = mw::Reply{};
    next.line_deletions.push_back(mw::LineDeletion{"note-1", {}});
    mw::LineChange clear;
    clear.line_id = coffee;
    next.line_changes.push_back(clear);
    pos.scan("Y");
    CHECK(pos.line("note-1") == nullptr);
    CHECK_FALSE(pos.line(coffee)->external_discount);

    // scanCode: recognized, a relation to select, and its message.
    next = mw::Reply{};
    next.scan_code = mw::ScanCodeReply{};
    next.scan_code->recognized = true;
    next.scan_code->relation_number = 1001;
    next.scan_code->message = "Welcome back";
    const mw::PosStep& card = pos.scan("LOY0001");
    CHECK(card.scan->recognized);
    CHECK(pos.session().relation->relation_number == 1001);
    CHECK(card.messages.back().message == "Welcome back");

    // receiptFooter: kept as printed once the session completes.
    next = mw::Reply{};
    next.receipt_footer = mw::Footer{};
    mw::FooterEntry& qr = next.receipt_footer->add();
    qr.text_before = "Your voucher";
    qr.barcode = mw::FooterBarcode{mw::FooterCodeType("qrcode"), std::string("VCH0002"), {}};
    next.receipt_footer->add().text_after = "Thank you";
    const mw::PosStep& done = pos.complete_session();
    CHECK(done.ok());
    REQUIRE(pos.receipt_footers().size() == 2);
    CHECK(pos.receipt_footers()[0].barcode->code == "VCH0002");
    CHECK(pos.receipt_footers()[1].text_after == "Thank you");
    CHECK_FALSE(pos.session_open());
    CHECK(pos.session().payments.back().amount == Decimal::from_units(750, 2));
}

TEST_CASE("PosSimulator: render_transcript shows requests, replies and what the POS shows") {
    FakeMiddleware m;
    m.reply = [](const std::string& event, const json& body) {
        mw::Reply r;
        if (event == "addSessionLine" && !body.contains("dialog")) {
            mw::Dialog d;
            d.dialog_title = "Slot";
            d.add_option(1, "10:00-11:00 (12 seats left)");
            r.dialog = d;
        } else if (event == "addSessionLine") {
            r.add_message("Held");
        }
        return r;
    };
    mw::SimulatorOptions o = test_options();
    o.instance_id = "i-1";
    o.send_totals = false;
    o.subscribed_events = {"addSessionLine"};
    mw::PosSimulator pos(m.transport(), o);
    mw::SessionLine line;
    line.line_id = "l-1";
    line.text = "Ticket";
    pos.add_line(line);
    pos.choose("10:00-11:00");
    const std::string expected = R"T(--- startSession (not subscribed, nothing sent) ---
» » » addSessionLine » » »
{
  "event": {
    "eventBlocking": true,
    "eventPolling": false,
    "eventCounter": 2,
    "eventTimestamp": "2024-06-01T10:00:00.000+02:00"
  },
  "sender": {
    "branchNumber": 1,
    "workplaceNumber": 1,
    "instanceId": "i-1",
    "paymentStarted": false,
    "productName": "MplusQ"
  },
  "session": {
    "sessionId": ")T" + pos.session().session_id +
                                 R"T(",
    "lines": [
      {
        "lineId": "l-1",
        "quantity": 1,
        "text": "Ticket"
      }
    ]
  },
  "addSessionLine": {
    "line": {
      "lineId": "l-1",
      "quantity": 1,
      "text": "Ticket"
    }
  }
}
« « « reply « « «
{
  "dialog": {
    "required": false,
    "allowMultipleOptions": false,
    "dialogTitle": "Slot",
    "dialogOptions": [
      {
        "optionId": 1,
        "optionName": "10:00-11:00 (12 seats left)"
      }
    ]
  }
}
  POS shows dialog "Slot"
    [1] 10:00-11:00 (12 seats left)
» » » addSessionLine (dialog answer) » » »
)T";
    const std::string text = mw::render_transcript(pos);
    CHECK(text.substr(0, expected.size()) == expected);
    CHECK(text.find("\"dialog\": {\n    \"selectedDialogOptionIds\": [\n      1\n    ]\n  }") !=
          std::string::npos);
    const std::string tail = "« « « reply « « «\n{\n  \"message\": [\n    {\n      \"message\": "
                             "\"Held\"\n    }\n  ]\n}\n"
                             "  POS shows message: \"Held\"\n";
    REQUIRE(text.size() > tail.size());
    CHECK(text.substr(text.size() - tail.size()) == tail);
    CHECK(mw::render_transcript(pos, 1, 1).empty());
}

namespace {

// A small middleware on the Dispatcher that follows the demo's conventions, for run_flow().
struct ConventionMiddleware {
    std::map<std::string, int> held; // slot -> seats held
    std::map<std::string, std::string> slot_of_line;
    bool voucher_used = false;
    std::map<std::string, int> cash_polls;
    mw::Dispatcher dispatcher{config()};

    static mw::DispatcherConfig config() {
        mw::DispatcherConfig c;
        c.secrets = mw::KeyRing({*mw::Secret::from_text(test_secret)});
        return c;
    }

    ConventionMiddleware() {
        dispatcher.on<mw::events::AddSessionLine>([this](const mw::AddSessionLineRequest& r) {
            mw::Reply reply;
            const mw::SessionLine& l = r.add_session_line.line;
            if (!l.article_number || (*l.article_number != 235 && *l.article_number != 236)) {
                return reply;
            }
            if (!r.dialog) {
                mw::Dialog d;
                d.required = true;
                d.dialog_title = "Time slot";
                d.add_option(1, "09:00-10:00 (0 seats left)").disabled = true;
                d.add_option(2,
                             "10:00-11:00 (" + std::to_string(20 - held["10:00"]) + " seats left)");
                reply.dialog = d;
                return reply;
            }
            held["10:00"] += 1;
            mw::LineDeletion del;
            del.line_id = l.line_id;
            reply.line_deletions.push_back(del);
            mw::LineAddition add;
            add.line_id = l.line_id + "-slot";
            add.article_number = l.article_number;
            add.price_incl = l.price_incl;
            add.quantity = l.quantity;
            add.text = l.text + " 10:00-11:00";
            reply.line_additions.push_back(add);
            return reply;
        });
        dispatcher.on<mw::events::CompleteSession>([this](const mw::CompleteSessionRequest& r) {
            mw::Reply reply;
            int n = 0;
            for (const auto& l : r.session.lines) {
                if (l.article_number && (*l.article_number == 235 || *l.article_number == 236)) {
                    for (int i = 0; i < std::stoi(l.quantity->to_string()); ++i) {
                        if (!reply.receipt_footer) reply.receipt_footer = mw::Footer{};
                        mw::FooterEntry& e = reply.receipt_footer->add();
                        std::string code = "T";
                        code += std::to_string(++n);
                        e.barcode = mw::FooterBarcode{mw::FooterCodeType("qrcode"), code, {}};
                    }
                }
                if (l.external_discount) voucher_used = true;
            }
            return reply;
        });
        dispatcher.on<mw::events::ScanCode>([this](const mw::ScanCodeRequest& r) {
            mw::Reply reply;
            reply.scan_code = mw::ScanCodeReply{};
            const std::string& code = r.scan_code.scanned_code;
            if (code == "LOY0001") {
                reply.scan_code->recognized = true;
                reply.scan_code->relation_number = 7;
            } else if (code == "VCH0001") {
                reply.scan_code->recognized = true;
                if (!voucher_used && !r.session.lines.empty()) {
                    mw::LineChange c;
                    c.line_id = r.session.lines.front().line_id;
                    c.external_discount = mw::ExternalDiscount{};
                    c.external_discount->discount_id = "VCH0001";
                    c.external_discount->discount_description = "Voucher";
                    c.external_discount->discount_amount = Decimal(5);
                    reply.line_changes.push_back(c);
                } else {
                    reply.add_message("Voucher already used");
                }
            }
            return reply;
        });
        dispatcher.on<mw::events::StartExternalPayment>([](const mw::ExternalPaymentRequest& r) {
            mw::Reply reply;
            if (r.external_payment.method == "RESERVATION" && !r.dialog) {
                mw::Dialog d;
                d.required = true;
                d.dialog_title = "Reservation";
                d.add_option(1, "Room 12 - Smith");
                d.add_option(2, "Room 14 - Jansen");
                d.add_option(3, "Mr. & Mrs. A. Nonymous (Sat-Fri)");
                reply.dialog = d;
                return reply;
            }
            reply.external_payment = mw::ExternalPaymentReply{};
            reply.external_payment->started = true;
            reply.external_payment->message = "Insert " + r.external_payment.amount.to_string();
            return reply;
        });
        dispatcher.on<mw::events::PollExternalPayment>([this](const mw::ExternalPaymentRequest& r) {
            mw::Reply reply;
            reply.external_payment = mw::ExternalPaymentReply{};
            auto& e = *reply.external_payment;
            if (r.external_payment.method == "RESERVATION") {
                e.confirmed = true;
                e.external_transaction_reference = "RES-3";
            } else if (++cash_polls[r.external_payment.external_payment_id] < 2) {
                e.message = "Inserted 10.00";
            } else {
                e.confirmed = true;
                mw::ReceiptText t;
                t.text = "Paid, change 0.00";
                e.receipt_texts.push_back(t);
            }
            return reply;
        });
        dispatcher.on<mw::events::RequestCancelExternalPayment>(
            [](const mw::ExternalPaymentRequest&) {
                mw::Reply reply;
                reply.external_payment = mw::ExternalPaymentReply{};
                reply.external_payment->cancelled = true;
                return reply;
            });
    }
    mw::PosTransport transport() {
        return [this](const mw::HttpRequest& r) { return dispatcher.handle(r); };
    }
};

} // namespace

TEST_CASE("run_flow: the four flows succeed against a middleware that follows the conventions") {
    ConventionMiddleware m;
    mw::PosSimulator pos(m.transport(), test_options());
    const mw::FlowResult all = mw::run_flow(pos, "all");
    CHECK(all.problems == std::vector<std::string>{});
    CHECK(all.success);
    REQUIRE(all.flows.size() == 4);
    CHECK(all.flows[0].name == "ticketing");
    CHECK(all.flows[3].name == "loyalty");
    CHECK(all.first_step == 0);
    CHECK(all.end_step == pos.steps().size());
    CHECK(all.flows[1].first_step == all.flows[0].end_step);
    CHECK(m.held["10:00"] == 2);
    CHECK(m.voucher_used);
    const std::string text =
        mw::render_transcript(pos, all.flows[0].first_step, all.flows[0].end_step);
    CHECK(text.find("POS prints receipt footer: [qrcode T3]") != std::string::npos);
    CHECK(text.find("» » » addSessionLine (dialog answer) » » »") != std::string::npos);
}

TEST_CASE("run_flow: a middleware that ignores the conventions gets a list of problems") {
    mw::DispatcherConfig c;
    c.secrets = mw::KeyRing({*mw::Secret::from_text(test_secret)});
    mw::Dispatcher empty(c);
    mw::PosSimulator pos([&empty](const mw::HttpRequest& r) { return empty.handle(r); },
                         test_options());
    const mw::FlowResult ticketing = mw::run_flow(pos, "ticketing");
    CHECK_FALSE(ticketing.success);
    CHECK(ticketing.problems ==
          std::vector<std::string>{"add ticket 235: expected a dialog of time slots, got none",
                                   "add ticket 236: expected a dialog of time slots, got none",
                                   "completeSession: expected one QR code per ticket (3) in "
                                   "receiptFooter, got 0"});
    const mw::FlowResult cash = mw::run_flow(pos, "cash-machine");
    CHECK_FALSE(cash.success);
    CHECK(cash.problems.front() == "pay CASH_MACHINE: the reply to startExternalPayment did not "
                                   "say externalPayment.started:true");
    const mw::FlowResult reservation = mw::run_flow(pos, "reservation");
    CHECK(reservation.problems.front() ==
          "startExternalPayment: expected a dialog of reservations");
    const mw::FlowResult loyalty = mw::run_flow(pos, "loyalty");
    CHECK(loyalty.problems.front() == "scan LOY0001: expected recognized:true");
    const mw::FlowResult unknown = mw::run_flow(pos, "bogus");
    CHECK_FALSE(unknown.success);
    CHECK(unknown.problems ==
          std::vector<std::string>{"unknown flow \"bogus\" (ticketing, cash-machine, reservation, "
                                   "loyalty or all)"});
    CHECK(pos.open_dialog() == nullptr);
    CHECK_FALSE(pos.session_open());
}
