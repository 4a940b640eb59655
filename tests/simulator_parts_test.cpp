// Tests of the simulator's parts on their own: the cashier's answers, the external payment's
// bookkeeping, the till's rules for a reply, and the conversation with a till side of the
// test's own.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/testing/answers.hpp>
#include <mplus/webhooks/testing/conversation.hpp>
#include <mplus/webhooks/testing/external_payment.hpp>
#include <mplus/webhooks/testing/till_state.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstddef>
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

constexpr std::string_view part_secret = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";

mw::Dialog two_options() {
    mw::Dialog d;
    d.required = true;
    d.dialog_title = "Size";
    d.add_option(1, "Small");
    d.add_option(2, "Large");
    return d;
}

// A step as the conversation leaves it after one applied reply.
mw::PosStep answered_step(mw::EventKind kind, mw::Reply reply) {
    mw::PosStep step;
    step.kind = kind;
    step.exchanges.emplace_back();
    step.exchanges.back().reply = std::move(reply);
    step.exchanges.back().applied = true;
    return step;
}

mw::Reply payment_reply(bool started, bool confirmed, bool cancelled) {
    mw::Reply r;
    mw::ExternalPaymentReply e;
    if (started) e.started = true;
    if (confirmed) e.confirmed = true;
    if (cancelled) e.cancelled = true;
    r.external_payment = e;
    return r;
}

// A till side that records what the conversation asked of it and refuses replies with
// `refuse` set.
struct RecordingTill final : mw::TillSide {
    std::vector<std::string> checked; // request bodies
    std::size_t applied = 0;
    std::vector<std::string> error_codes;
    std::optional<mw::Error> refuse;

    mw::ReplyCheck check(const mw::PosStep&, const mw::Reply&, std::string_view request_body,
                         const mw::EventMode&) override {
        checked.emplace_back(request_body);
        mw::ReplyCheck c;
        if (refuse) c.errors.push_back(*refuse);
        return c;
    }
    mw::TillEffects apply(const mw::PosStep&, const mw::Reply&) override {
        ++applied;
        mw::TillEffects e;
        e.shows.push_back("applied " + std::to_string(applied));
        return e;
    }
    void error_request_sent(const mw::PosStep&, const mw::ErrorInfo& error) override {
        error_codes.push_back(error.code.str());
    }
};

// A middleware that answers each request with the next reply of a list, signed.
struct ScriptedMiddleware {
    std::vector<mw::Reply> replies;
    std::vector<json> received;

    mw::PosTransport transport() {
        return [this](const mw::HttpRequest& r) {
            received.push_back(json::parse(r.body));
            mw::HttpResponse out;
            out.status = 200;
            const std::size_t i = received.size() - 1;
            out.body = mw::serialize(i < replies.size() ? replies[i] : mw::Reply{});
            out.headers.push_back({"Content-Type", "application/json"});
            out.headers.push_back(
                {"X-Mplus-Signature", mw::Secret::from_text(part_secret)->sign(out.body)});
            return out;
        };
    }
};

mw::Conversation conversation_over(ScriptedMiddleware& m) {
    mw::ConversationSettings settings;
    settings.subscription_id = "parts";
    settings.base_path = "/hooks";
    return mw::Conversation(m.transport(), *mw::Secret::from_text(part_secret), settings);
}

mw::PosRequest json_request(json body) {
    mw::PosRequest r;
    r.mode = {true, false};
    r.body = [b = std::move(body)](const std::optional<mw::DialogSelection>& d,
                                   const std::optional<mw::FormSubmission>& f) {
        json copy = b;
        if (d) copy["dialog"] = *d;
        if (f) copy["form"] = *f;
        return copy.dump();
    };
    return r;
}

} // namespace

TEST_CASE("CashierAnswers: queued answers come first, in order, then the callback") {
    mw::CashierAnswers answers;
    const mw::Dialog d = two_options();
    CHECK_FALSE(answers.next(d).has_value());
    answers.queue_dialog(mw::DialogAnswer::id(2));
    answers.queue_dialog(mw::DialogAnswer::text("Small"));
    answers.on_dialog([](const mw::Dialog& shown) {
        return std::optional<mw::DialogAnswer>(
            mw::DialogAnswer::id(shown.dialog_options.front().option_id));
    });
    CHECK(answers.queued_dialogs() == 2);
    const auto first = answers.next(d);
    REQUIRE(first.has_value());
    CHECK(first->option_ids == std::vector<std::int64_t>{2});
    const auto second = answers.next(d);
    REQUIRE(second.has_value());
    CHECK(second->option_texts == std::vector<std::string>{"Small"});
    CHECK(answers.queued_dialogs() == 0);
    const auto third = answers.next(d); // the callback
    REQUIRE(third.has_value());
    CHECK(third->option_ids == std::vector<std::int64_t>{1});

    mw::Form f;
    f.id = "f";
    CHECK_FALSE(answers.next(f).has_value());
    answers.queue_form(mw::FormAnswer::cancelled());
    CHECK(answers.queued_forms() == 1);
    const auto form = answers.next(f);
    REQUIRE(form.has_value());
    CHECK(form->cancel);
    answers.on_form([](const mw::Form&) { return std::optional<mw::FormAnswer>(); });
    CHECK_FALSE(answers.next(f).has_value());
}

TEST_CASE("ExternalPaymentTracker: started, polled, confirmed once, with the payment to add") {
    mw::ExternalPaymentTracker t;
    CHECK_FALSE(t.running());
    t.begin("pay-1", "PIN", Decimal::from_text("12.50").value(), 1000);
    CHECK(t.running());
    CHECK_FALSE(t.started());
    CHECK(t.state().status == mw::ExternalPaymentStatus::awaiting_dialog);
    CHECK(t.details().external_payment_id == "pay-1");
    CHECK(t.details().method == "PIN");
    CHECK(t.details().amount == Decimal::from_units(1250, 2));

    CHECK_FALSE(t.start_answered(answered_step(mw::EventKind::start_external_payment,
                                               payment_reply(true, false, false)),
                                 2000)
                    .has_value());
    CHECK(t.started());
    CHECK(t.state().last_answer_millis == 2000);

    t.count_poll();
    CHECK_FALSE(t.answered(answered_step(mw::EventKind::poll_external_payment, mw::Reply{}), 3000)
                    .has_value());
    CHECK(t.started());

    mw::Reply confirmed = payment_reply(false, true, false);
    confirmed.external_payment->final_amount = Decimal::from_text("12.00").value();
    confirmed.external_payment->external_transaction_reference = "REF-7";
    t.count_poll();
    const std::optional<mw::Payment> paid =
        t.answered(answered_step(mw::EventKind::poll_external_payment, confirmed), 4000);
    REQUIRE(paid.has_value());
    CHECK(paid->method == "PIN");
    CHECK(paid->description == "PIN");
    CHECK(paid->amount == Decimal(12));
    CHECK(t.state().confirmed());
    CHECK(t.state().finished());
    CHECK(t.state().polls == 2);
    CHECK(t.state().external_transaction_reference == std::optional<std::string>("REF-7"));
    // A second confirmation does not pay twice.
    CHECK_FALSE(t.answered(answered_step(mw::EventKind::poll_external_payment, confirmed), 5000)
                    .has_value());
}

TEST_CASE(
    "ExternalPaymentTracker: a forced cancel only after 30 s, and the poll limit is a problem") {
    mw::ExternalPaymentTracker t;
    t.begin("pay-2", "PIN", Decimal(5), 0);
    t.start_answered(
        answered_step(mw::EventKind::start_external_payment, payment_reply(true, false, false)),
        10000);
    const std::optional<std::string> early = t.forced_cancel_refusal(39999);
    REQUIRE(early.has_value());
    CHECK(*early == "a forced cancel is allowed after 30 s without an answer; 29 s have passed");
    CHECK_FALSE(t.forced_cancel_refusal(40000).has_value());
    t.abandon();
    CHECK(t.state().status == mw::ExternalPaymentStatus::abandoned);
    CHECK_FALSE(t.running());

    mw::ExternalPaymentTracker limited;
    limited.begin("pay-3", "PIN", Decimal(5), 0);
    CHECK_FALSE(limited.poll_limit_reached(2));
    limited.count_poll();
    limited.count_poll();
    CHECK(limited.poll_limit_reached(2));
    REQUIRE(limited.state().problems.size() == 1);
    CHECK(limited.state().problems[0] == "no final answer after 2 pollExternalPayment calls");
}

TEST_CASE("ExternalPaymentTracker: a start fails without started:true, waits for a dialog") {
    mw::ExternalPaymentTracker t;
    t.begin("pay-4", "PIN", Decimal(5), 0);
    t.start_answered(answered_step(mw::EventKind::start_external_payment, mw::Reply{}), 1);
    CHECK(t.state().status == mw::ExternalPaymentStatus::failed);
    REQUIRE(t.state().problems.size() == 1);
    CHECK(t.state().problems[0] ==
          "the reply to startExternalPayment did not say externalPayment.started:true");

    t.begin("pay-5", "PIN", Decimal(5), 0);
    CHECK(t.state().problems.empty());
    mw::PosStep waiting;
    waiting.status = PosStepStatus::dialog_open;
    t.start_answered(waiting, 1);
    CHECK(t.state().status == mw::ExternalPaymentStatus::awaiting_dialog);
    CHECK(t.running());

    mw::PosStep unsubscribed;
    unsubscribed.status = PosStepStatus::not_subscribed;
    t.start_answered(unsubscribed, 2);
    CHECK(t.state().status == mw::ExternalPaymentStatus::failed);

    // Cancelled at once: started, then settled as cancelled; nothing is paid.
    t.begin("pay-6", "PIN", Decimal(5), 0);
    CHECK_FALSE(t.start_answered(answered_step(mw::EventKind::start_external_payment,
                                               payment_reply(false, false, true)),
                                 3)
                    .has_value());
    CHECK(t.state().status == mw::ExternalPaymentStatus::cancelled);
}

TEST_CASE("TillState: check_reply uses the request's session, else its own, and its locks") {
    mw::TillState till;
    till.open_session("s-1");
    mw::SessionLine line;
    line.line_id = "L1";
    line.text = "Mug";
    line.price_incl = Decimal(10);
    till.session.lines.push_back(line);

    mw::Reply change;
    mw::LineChange c;
    c.line_id = "L1";
    change.line_changes.push_back(c);
    // The request carries no session: the till's own has line L1.
    CHECK(till.check_reply(change, mw::EventKind::add_session_line, "{}", false).errors.empty());
    // The request's session has no line L1.
    const json request = {{"session", {{"sessionId", "s-1"}, {"lines", json::array()}}}};
    const mw::ReplyCheck refused =
        till.check_reply(change, mw::EventKind::add_session_line, request.dump(), false);
    REQUIRE(refused.errors.size() == 1);
    CHECK(refused.errors[0].wire() == "INVALID_LINE_ID");

    mw::Reply add;
    mw::LineAddition a;
    a.article_number = 5;
    a.price_incl = Decimal(1);
    add.line_additions.push_back(a);
    CHECK(till.check_reply(add, mw::EventKind::add_session_line, "{}", false).errors.empty());
    till.locked = true;
    const mw::ReplyCheck locked =
        till.check_reply(add, mw::EventKind::add_session_line, "{}", false);
    REQUIRE(locked.errors.size() == 1);
    CHECK(locked.errors[0].wire() == "LINE_ADDITION_NOT_ALLOWED");
}

TEST_CASE("Conversation: a dialog is held for the cashier, then answered and re-sent") {
    ScriptedMiddleware m;
    mw::Reply with_dialog;
    with_dialog.dialog = two_options();
    m.replies = {with_dialog, mw::Reply{}};
    mw::Conversation conversation = conversation_over(m);
    RecordingTill till;

    mw::PosStep& step = conversation.new_step("scanCode", mw::EventKind::scan_code);
    CHECK_FALSE(conversation.run(step, json_request({{"scanCode", {{"scannedCode", "X"}}}}), till));
    CHECK(conversation.waiting());
    CHECK(conversation.waiting_step() == std::optional<std::size_t>(0));
    REQUIRE(conversation.open_dialog() != nullptr);
    CHECK(conversation.open_dialog()->dialog_title == "Size");
    CHECK(step.status == PosStepStatus::dialog_open);

    // A form answer while a dialog is open is refused, and the dialog stays.
    const mw::PosStep& refused = conversation.fill_form(mw::FormAnswer::cancelled(), till);
    CHECK(refused.status == PosStepStatus::refused);
    CHECK(conversation.waiting());
    // An answer the cashier cannot give is a failure; the dialog stays open.
    conversation.answer_dialog(mw::DialogAnswer::id(9), till);
    CHECK(conversation.waiting());
    REQUIRE(step.failures.size() == 1);
    CHECK(step.failures[0] == "dialog answer not possible: no option 9");
    step.failures.clear();

    const mw::PosStep& done = conversation.answer_dialog(mw::DialogAnswer::text("Large"), till);
    CHECK(&done == &step);
    CHECK_FALSE(conversation.waiting());
    CHECK(step.status == PosStepStatus::ok);
    REQUIRE(step.exchanges.size() == 2);
    CHECK(step.exchanges[1].kind == mw::PosExchange::Kind::dialog_answer);
    REQUIRE(m.received.size() == 2);
    CHECK(m.received[1]["dialog"]["selectedDialogOptionIds"] == json::array({2}));
    CHECK(m.received[1]["scanCode"]["scannedCode"] == "X");
    CHECK(step.exchanges[1].request.path == "/hooks/scanCode");
    CHECK(step.exchanges[1].request.header("X-Mplus-Subscription-Id") == "parts");
    CHECK(till.checked.size() == 2);
    CHECK(till.applied == 2);
    CHECK(step.exchanges[0].pos_shows == std::vector<std::string>{"applied 1"});
    REQUIRE(step.dialogs.size() == 1);
    CHECK(step.ok());
}

TEST_CASE("Conversation: queued answers are used at once, a refused reply gets an error request") {
    ScriptedMiddleware m;
    mw::Reply with_dialog;
    with_dialog.dialog = two_options();
    m.replies = {with_dialog, mw::Reply{}, mw::Reply{}};
    mw::Conversation conversation = conversation_over(m);
    conversation.answers().queue_dialog(mw::DialogAnswer::id(1));
    RecordingTill till;
    mw::PosStep& step = conversation.new_step("scanCode", mw::EventKind::scan_code);
    CHECK(conversation.run(step, json_request(json::object()), till));
    CHECK(step.status == PosStepStatus::ok);
    CHECK(m.received.size() == 2);
    CHECK(conversation.answers().queued_dialogs() == 0);

    till.refuse = mw::Error{mw::errc::invalid_line_id, "/lineChanges/0/lineId", "no line X"};
    mw::PosStep& broken = conversation.new_step("addSessionLine", mw::EventKind::add_session_line);
    CHECK(conversation.run(broken, json_request({{"n", 1}}), till));
    CHECK(broken.status == PosStepStatus::reply_error);
    REQUIRE(broken.exchanges.size() == 2);
    CHECK(broken.exchanges[1].kind == mw::PosExchange::Kind::error_request);
    CHECK_FALSE(broken.exchanges[0].applied);
    REQUIRE(m.received.size() == 4);
    CHECK(m.received[3]["error"]["code"] == "INVALID_LINE_ID");
    CHECK(m.received[3]["original"] == json{{"n", 1}});
    CHECK(till.error_codes == std::vector<std::string>{"INVALID_LINE_ID"});
    CHECK(conversation.steps().size() == 2);
}

TEST_CASE("TillState: the cashier's changes the till refuses, and why") {
    mw::TillState till;
    till.open_session("s-2");
    mw::SessionLine line;
    line.line_id = "L1";
    line.quantity = Decimal(2);
    till.session.lines.push_back(line);

    CHECK_FALSE(till.refuses_addition().has_value());
    CHECK_FALSE(till.refuses_update("L1", Decimal(5)).has_value());
    CHECK_FALSE(till.refuses_removal("L1").has_value());
    CHECK(till.refuses_update("L9", Decimal(1)) == std::optional<std::string>("no line L9"));
    CHECK(till.refuses_removal("L9") == std::optional<std::string>("no line L9"));

    till.locked_for_additions = true;
    CHECK(till.refuses_addition() ==
          std::optional<std::string>("the session is locked for additions"));
    CHECK_FALSE(till.refuses_update("L1", Decimal(1)).has_value()); // fewer is allowed
    CHECK(till.refuses_update("L1", Decimal(3)) ==
          std::optional<std::string>("the session is locked for additions"));
    CHECK_FALSE(till.refuses_removal("L1").has_value());

    till.locked = true;
    CHECK(till.refuses_addition() == std::optional<std::string>("the session is locked"));
    CHECK(till.refuses_update("L1", Decimal(1)) ==
          std::optional<std::string>("the session is locked"));
    CHECK(till.refuses_removal("L1") == std::optional<std::string>("the session is locked"));
    till.close_session();
    CHECK_FALSE(till.refuses_addition().has_value());
}
