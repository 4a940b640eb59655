// Tests of scenario files: loading and validation (errors name the JSON path), every action,
// every matcher, till checks, ignored pointers, POS version gates and the session API.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/testing/scenario.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace mw = mplus::webhooks;
using nlohmann::json;

constexpr std::string_view test_secret = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";

// A middleware made of one function from (event, body) to reply JSON, answering signed.
struct JsonMiddleware {
    std::vector<std::pair<std::string, json>> received;
    std::function<json(const std::string&, const json&)> reply =
        [](const std::string&, const json&) { return json::object(); };
    int status = 200;

    mw::PosTransport transport() {
        return [this](const mw::HttpRequest& r) {
            const std::string event = r.path.substr(r.path.rfind('/') + 1);
            const json body = json::parse(r.body);
            received.emplace_back(event, body);
            mw::HttpResponse out;
            out.status = status;
            out.body = reply(event, body).dump();
            out.headers.push_back({"Content-Type", "application/json"});
            out.headers.push_back(
                {"X-Mplus-Signature", mw::Secret::from_text(test_secret)->sign(out.body)});
            return out;
        };
    }
};

mw::ScenarioOptions options() {
    mw::ScenarioOptions o;
    o.till.secret = std::string(test_secret);
    o.till.seed = 7;
    o.till.clock_start = "2024-06-01T10:00:00.000+02:00";
    return o;
}

mw::Scenario load(std::string_view text) {
    std::vector<mw::ScenarioProblem> problems;
    auto s = mw::load_scenario_text(text, problems);
    REQUIRE(problems.empty());
    REQUIRE(s);
    return *s;
}

} // namespace

TEST_CASE("ScenarioSession: a scan step with a reply expectation holds and fails readably") {
    JsonMiddleware m;
    m.reply = [](const std::string& event, const json&) {
        if (event == "scanCode") {
            return json{{"scanCode", {{"recognized", true}, {"message", "Card LOY0001"}}}};
        }
        return json::object();
    };
    mw::ScenarioSession session(m.transport(), options());
    auto ok = session.run_step(json::parse(
        R"({"action":"scanCode","code":"LOY0001","expect":{"status":200,"reply":{"scanCode":{"recognized":true,"message":"$re:^Card"}},"till":{"messages":["Card LOY0001"],"lines":0}}})"));
    CHECK(ok.ok());
    REQUIRE(ok.exchanges.size() == 2); // startSession first, then scanCode
    CHECK(ok.exchanges[1].event == "scanCode");
    CHECK(ok.exchanges[1].signature_ok);
    auto bad = session.run_step(json::parse(
        R"({"action":"scanCode","code":"X","expect":{"reply":{"scanCode":{"recognized":false}}}})"));
    REQUIRE(bad.failures.size() == 1);
    CHECK(bad.failures[0].path == "/reply/scanCode/recognized");
    CHECK(bad.describe("loyalty").find(
              "scenario 'loyalty': step 1 (scanCode): /reply/scanCode/recognized: differs: "
              "expected false, got true") != std::string::npos);
    CHECK(session.scenario()["steps"].size() == 2);
    CHECK(session.state()["sessionOpen"] == true);
}

TEST_CASE("load_scenario: problems name the JSON path in the file") {
    std::vector<mw::ScenarioProblem> problems;
    auto s = mw::load_scenario_text(
        R"({"name":"x","steps":[{"action":"scanCode"},{"action":"fly"},{"action":"addLine","text":"A","priceIncl":"1"}]})",
        problems);
    CHECK_FALSE(s);
    REQUIRE(problems.size() == 3);
    CHECK(problems[0].to_string() == "/steps/0/code: missing (scanCode needs it)");
    CHECK(problems[1].path == "/steps/1/action");
    CHECK(problems[2].to_string() == "/steps/2/priceIncl: expected number, got string");
    const mw::Scenario ok = load(R"({"name":"y","steps":[{"action":"startSession"}]})");
    CHECK(ok.name == "y");
    CHECK(ok.steps.size() == 1);
}

namespace {

std::vector<mw::ExpectationFailure> match(const char* expected, const char* actual) {
    std::vector<mw::ExpectationFailure> failures;
    const json a = json::parse(actual);
    mw::match_json(json::parse(expected), &a, "", failures);
    return failures;
}

} // namespace

TEST_CASE("match_json: objects are subsets, arrays match element by element") {
    CHECK(match(R"({"a":1})", R"({"a":1,"b":2})").empty());
    auto f = match(R"({"a":{"b":[1,2]}})", R"({"a":{"b":[1,3]}})");
    REQUIRE(f.size() == 1);
    CHECK(f[0].path == "/a/b/1");
    CHECK(f[0].to_string() == "/a/b/1: differs: expected 2, got 3");
    f = match(R"([1,2])", R"([1,2,3])");
    REQUIRE(f.size() == 1);
    CHECK(f[0].message == "expected 2 elements, got 3");
    f = match(R"({"a":1})", R"({"b":1})");
    REQUIRE(f.size() == 1);
    CHECK(f[0].to_string() == "/a: missing: expected 1, got (absent)");
    CHECK(match(R"({"a/b":{"c~d":1}})", R"({"a/b":{"c~d":2}})")[0].path == "/a~1b/c~0d");
}

TEST_CASE("match_json: $contains, $re:, $any and $absent") {
    CHECK(match(R"({"$contains":[{"id":2}]})", R"([{"id":1},{"id":2,"x":0}])").empty());
    auto f = match(R"({"$contains":[{"id":3}]})", R"([{"id":1},{"id":2}])");
    REQUIRE(f.size() == 1);
    CHECK(f[0].message == "no element matches $contains/0");
    CHECK(match(R"({"$contains":[1]})", R"({"a":1})")[0].message == "expected an array");
    CHECK(match(R"("$re:^ab+c$")", R"("abbbc")").empty());
    CHECK(match(R"("$re:^ab+c$")", R"("abd")")[0].message == "does not match the pattern");
    CHECK(match(R"("$re:x")", R"(5)")[0].message == "expected a string matching a pattern");
    CHECK(match(R"({"a":"$any"})", R"({"a":null})").empty());
    CHECK(match(R"({"a":"$any"})", R"({})")[0].message == "missing");
    CHECK(match(R"({"a":"$absent"})", R"({"b":1})").empty());
    CHECK(match(R"({"a":"$absent"})", R"({"a":false})")[0].message ==
          "expected the key to be absent");
}

TEST_CASE("match_json: numbers compare exactly, as decimals") {
    CHECK(match("10", "10.00").empty());
    CHECK(match("12.5", "12.50").empty());
    CHECK(match("0.1", "0.11").size() == 1);
    CHECK(match("1234567.891", "1234567.8910").empty());
    CHECK(match("19.95", "19.96")[0].message == "differs");
    CHECK(match("1", R"("1")")[0].message == "expected a number");
    CHECK(match("true", "1")[0].message == "differs");
}

TEST_CASE("remove_pointers: named values and wildcards leave the comparison") {
    json j = json::parse(R"({"a":{"t":1,"k":2},"l":[{"id":"x","v":1},{"id":"y","v":2}]})");
    mw::remove_pointers(j, {"/a/t", "/l/*/id", "/missing/x"});
    CHECK(j == json::parse(R"({"a":{"k":2},"l":[{"v":1},{"v":2}]})"));
}

TEST_CASE("load_scenario: every kind of problem names its path") {
    std::vector<mw::ScenarioProblem> p;
    CHECK_FALSE(mw::load_scenario(json::parse(R"([1])"), p));
    CHECK(p.at(0).to_string() ==
          R"(/: expected a JSON object {"name", "till", "steps"}, got array)");
    p.clear();
    CHECK_FALSE(mw::load_scenario(json::parse(R"({"name":1,"tll":{}})"), p));
    REQUIRE(p.size() == 3);
    CHECK(p[0].to_string() == "/name: expected string");
    CHECK(p[1].path == "/tll");
    CHECK(p[2].to_string() == "/steps: missing");
    p.clear();
    CHECK_FALSE(mw::load_scenario(
        json::parse(
            R"({"till":{"articles":[{"articleNumber":"1","priceIncl":1}],"branchNumber":1.5},
                        "ignore":["a","/ok~1x","/b~2"],
                        "steps":[{"action":"choose","option":[1,true]},
                                 {"action":"send","event":"x","body":[]},
                                 {"action":"fillForm"},
                                 {"action":"complete","payments":[{"method":"CARD"}]},
                                 {"action":"startSession","code":"x"},
                                 {"action":"scanCode","code":"x","expect":{"status":"200","reply":{"$contains":1}}}]})"),
        p));
    std::vector<std::string> texts;
    for (const auto& q : p) texts.push_back(q.to_string());
    const std::vector<std::string> want = {
        "/ignore/0: expected a JSON pointer (a string starting with /, with ~ only in ~0 and ~1)",
        "/ignore/2: expected a JSON pointer (a string starting with /, with ~ only in ~0 and ~1)",
        "/steps/0/option/1: expected integer or string",
        "/steps/1/body: expected object|string, got array",
        "/steps/2: fillForm needs values or cancel",
        "/steps/3/payments/0/amount: expected number",
        "/steps/4/code: unknown key for startSession (it takes none)",
        "/steps/5/expect/reply/$contains: $contains stands alone and takes an array",
        "/steps/5/expect/status: expected integer",
        "/till/articles/0/articleNumber: expected integer",
        "/till/branchNumber: expected integer, got number"};
    std::sort(texts.begin(), texts.end());
    CHECK(texts == want);
}

TEST_CASE("check_session_rules: the till's own codes") {
    mw::Session session;
    session.session_id = "s";
    mw::SessionLine a;
    a.line_id = "a";
    a.price_incl = mw::Decimal(10);
    mw::SessionLine b = a;
    b.line_id = "b";
    b.discount_percentage = mw::Decimal(5);
    session.lines = {a, b};
    mw::Reply reply = mw::parse<mw::Reply>(R"({
        "lineChanges": [{"lineId": "zz", "externalDiscount": {"discountId": "d"}},
                        {"lineId": "b", "externalDiscount": {"discountId": "d"}},
                        {"lineId": "a", "externalDiscount": {"discountId": "d", "discountPercentage": 120}}],
        "lineAdditions": [{"lineId": "a", "text": "again", "priceIncl": 1}],
        "lineDeletions": [{"lineId": "b"}, {"lineId": "nope"}]})");
    mw::SessionRuleSettings settings;
    settings.locked_for_additions = true;
    settings.allow_delete_any_line = false;
    std::vector<std::string> got;
    for (const auto& e : mw::check_session_rules(reply, session, settings)) {
        got.push_back(std::string(e.wire()) + " " + e.path);
    }
    const std::vector<std::string> want = {
        "INVALID_LINE_ID /lineChanges/0/lineId",
        "LINE_ALREADY_HAS_DISCOUNT /lineChanges/1/lineId",
        "INVALID_DISCOUNT_PERCENTAGE /lineChanges/2/externalDiscount/discountPercentage",
        "LINE_CHANGE_NOT_ALLOWED /lineDeletions/0/lineId",
        "INVALID_LINE_ID /lineDeletions/1/lineId",
        "LINE_ADDITION_NOT_ALLOWED /lineAdditions/0",
        "LINE_ID_ALREADY_EXISTS /lineAdditions/0/lineId"};
    CHECK(got == want);
    settings = {};
    settings.lines_added_by_replies = {"b"};
    CHECK(mw::check_session_rules(mw::parse<mw::Reply>(R"({"lineDeletions":[{"lineId":"b"}]})"),
                                  session, settings)
              .empty());
}

TEST_CASE("check_reply_against: the request gives the context, the session and the version") {
    const std::string request = R"({
        "event": {"eventPolling": true},
        "externalPayment": {"externalPaymentId": "P1"},
        "session": {"sessionId": "s", "lines": [{"lineId": "a", "priceIncl": 1}]}})";
    mw::Reply reply = mw::parse<mw::Reply>(
        R"({"externalPayment": {"externalPaymentId": "P2"}, "lineChanges": [{"lineId": "x"}]})");
    mw::ReplyCheck check =
        mw::check_reply_against(reply, mw::EventKind::poll_external_payment, request);
    std::vector<std::string> codes;
    for (const auto& e : check.errors) codes.push_back(std::string(e.wire()) + " " + e.path);
    CHECK(std::find(codes.begin(), codes.end(), "INVALID_LINE_ID /lineChanges/0/lineId") !=
          codes.end());
    CHECK(check.errors.size() >= 3); // polling missing, wrong payment id, unknown line
    CHECK_FALSE(check.ok());

    mw::SessionRuleSettings settings;
    settings.pos_version = "57.0.0";
    mw::Reply form = mw::parse<mw::Reply>(
        R"({"form":{"id":"f","title":"t","fields":[]},"openUrl":{"url":"https://x"}})");
    check =
        mw::check_reply_against(form, mw::EventKind::scan_code, std::string_view("{}"), settings);
    CHECK(check.errors.empty());
    REQUIRE(check.too_new.size() == 1);
    CHECK(check.to_string() == "/form: needs MplusKASSA 59.0.0 (the till runs 57.0.0)\n");
}

TEST_CASE("check_pos_version: each feature names the version that introduced it") {
    const auto problems = [](const char* reply, const char* version) {
        std::vector<std::string> out;
        for (const auto& p :
             mw::check_pos_version(json::parse(reply), *mw::PosVersion::parse(version))) {
            out.push_back(p.path + " " + p.since.to_string());
        }
        return out;
    };
    CHECK(problems(R"({"openUrl":{"url":"u"},"lockSession":true})", "47") ==
          std::vector<std::string>{"/openUrl 48.0.0"});
    CHECK(problems(R"({"openUrl":{"url":"u"}})", "48.0.0").empty());
    CHECK(problems(R"({"receiptFooter":[{"textBefore":"a"},{"textBeforeOptions":{"bold":true}}]})",
                   "58.9") ==
          std::vector<std::string>{"/receiptFooter/1/textBeforeOptions 59.0.0"});
    CHECK(problems(R"({"billFooter":{"textAfterOptions":{"bold":true}}})", "16.2") ==
          std::vector<std::string>{"/billFooter/textAfterOptions 59.0.0"});
    CHECK(problems(R"({"dialog":{"dialogOptions":[{"optionId":1,"disabled":true}]}})", "59.3.3") ==
          std::vector<std::string>{"/dialog/dialogOptions/0/disabled 59.3.4"});
    CHECK(problems(R"({"form":{"fields":[{"type":"label"},{"type":"text"}]}})", "59.3.2") ==
          std::vector<std::string>{"/form/fields/0/type 59.3.4"});
    CHECK(mw::PosVersion::parse("v59.3.4")->to_string() == "59.3.4");
    CHECK_FALSE(mw::PosVersion::parse("59..1"));
    CHECK_FALSE(mw::PosVersion::parse("fifty"));
}

TEST_CASE(
    "ScenarioSession: payExternal polls on the simulated clock, cancels on request or by force") {
    JsonMiddleware m;
    int polls = 0;
    m.reply = [&polls](const std::string& event, const json& body) {
        if (event == "startExternalPayment") {
            return json{{"externalPayment",
                         {{"externalPaymentId", body["externalPayment"]["externalPaymentId"]},
                          {"started", true}}}};
        }
        if (event == "pollExternalPayment") {
            ++polls;
            return json{{"externalPayment",
                         {{"externalPaymentId", body["externalPayment"]["externalPaymentId"]}}},
                        {"polling", {{"finished", true}}}};
        }
        if (event == "requestCancelExternalPayment") {
            return json{{"externalPayment",
                         {{"externalPaymentId", body["externalPayment"]["externalPaymentId"]},
                          {"cancelled", true}}}};
        }
        return json::object();
    };
    mw::ScenarioSession session(m.transport(), options());
    CHECK(session.run_step(json::parse(R"({"action":"addLine","text":"A","priceIncl":5})")).ok());
    auto r = session.run_step(json::parse(
        R"({"action":"payExternal","method":"PIN","requestCancelAfterSeconds":3,
            "expect":{"till":{"payment":{"status":"cancelled","polls":3,"cancelRequested":true},"openAmount":5}}})"));
    CHECK(r.ok());
    CHECK(polls == 3);
    r = session.run_step(json::parse(
        R"({"action":"payExternal","method":"PIN","forceCancelAfterSeconds":2,
            "expect":{"till":{"payment":{"status":"abandoned","polls":2}}}})"));
    CHECK(r.ok());
    CHECK(r.exchanges.back().event == "cancelExternalPayment");
    CHECK(session.state()["clock"] == "2024-06-01T10:00:35.000+02:00");
}

TEST_CASE("ScenarioSession: state(), scenario() that replays, reset()") {
    JsonMiddleware m;
    m.reply = [](const std::string& event, const json&) {
        if (event == "scanCode") {
            return json::parse(R"({"dialog":{"dialogTitle":"Pick","required":true,
                "allowMultipleOptions":false,"dialogOptions":[{"optionId":4,"optionName":"Four"}]}})");
        }
        return json::object();
    };
    mw::ScenarioOptions o = options();
    o.name = "recorded here";
    mw::ScenarioSession session(m.transport(), o);
    session.use_till_defaults(json::parse(
        R"({"branchNumber":9,"articles":[{"articleNumber":1,"text":"Cup","priceIncl":2.5}]})"));
    CHECK(session.run_step(json::parse(R"({"action":"addLine","articleNumber":1,"quantity":2})"))
              .ok());
    CHECK(session.run_step(json::parse(R"({"action":"scanCode","code":"Q"})")).ok());
    json s = session.state();
    CHECK(s["dialogOpen"] == true);
    CHECK(s["dialog"]["dialogOptions"][0]["optionName"] == "Four");
    CHECK(s["lines"][0]["text"] == "Cup");
    CHECK(s["lines"][0]["addedByReply"] == false);
    CHECK(s["lines"][0]["lineTotal"] == 5);
    CHECK(s["total"] == 5);
    CHECK(s["branchNumber"] == 9);
    for (const char* key : {"form", "messages", "customerMessages", "barcode", "openUrl",
                            "requestScanCode", "receiptFooters", "billFooters", "payment",
                            "customActionCaptions", "relation", "lastError", "locked"}) {
        CHECK_MESSAGE(s.contains(key), key);
    }
    auto chosen = session.run_step(json::parse(R"({"action":"choose","option":"Fo"})"));
    CHECK(chosen.ok());
    REQUIRE(chosen.exchanges.size() == 1);
    CHECK(chosen.exchanges[0].kind == "dialogAnswer");
    CHECK(json::parse(chosen.exchanges[0].request_body)["dialog"]["selectedDialogOptionIds"] ==
          json::array({4}));
    const json file = session.scenario();
    CHECK(file["name"] == "recorded here");
    CHECK(file["till"]["branchNumber"] == 9);
    CHECK(file["steps"].size() == 3);
    std::vector<mw::ScenarioProblem> problems;
    const auto replay = mw::load_scenario(file, problems);
    REQUIRE(replay);
    const std::size_t before = m.received.size();
    CHECK(mw::run_scenario(*replay, m.transport(), options()).ok());
    CHECK(m.received.size() - before == 4); // startSession, addSessionLine, scanCode, re-send
    session.reset();
    CHECK(session.state()["lines"].empty());
    CHECK(session.scenario()["steps"].empty());
    auto invalid = session.run_step(json::parse(R"({"action":"choose"})"));
    CHECK_FALSE(invalid.ok());
    CHECK(invalid.invalid.at(0).to_string() == "/option: missing (choose needs it)");
    auto refused = session.run_step(json::parse(R"({"action":"choose","option":1})"));
    CHECK(refused.problems.at(0) == "POS refused dialog: no dialog is open");
}

namespace {

// Failures of matching `actual` against `expected`, both read with parse_json_exact().
std::vector<mw::ExpectationFailure> match_exact(std::string_view expected,
                                                std::string_view actual) {
    json e;
    json a;
    mw::JsonNumberTexts en;
    mw::JsonNumberTexts an;
    REQUIRE(mw::parse_json_exact(expected, e, en));
    REQUIRE(mw::parse_json_exact(actual, a, an));
    std::vector<mw::ExpectationFailure> failures;
    mw::match_json(e, &a, "", failures, mw::NumberTextSources{&en, "", &an, ""});
    return failures;
}

// A middleware answering every request with the same signed body text.
mw::PosTransport raw_reply(std::string body) {
    return [body](const mw::HttpRequest&) {
        mw::HttpResponse out;
        out.status = 200;
        out.body = body;
        out.headers.push_back({"Content-Type", "application/json"});
        out.headers.push_back(
            {"X-Mplus-Signature", mw::Secret::from_text(test_secret)->sign(out.body)});
        return out;
    };
}

} // namespace

TEST_CASE("parse_json_exact: keeps each number's text by JSON pointer") {
    json j;
    mw::JsonNumberTexts n;
    REQUIRE(mw::parse_json_exact(
        R"({"a":[1,2.50,{"b/c":0.1000000000000000001}],"d":123456789012345678901234,"e~":1E2})", j,
        n));
    CHECK(j["a"][0] == 1);
    CHECK(j["a"][2]["b/c"] == 0.1);
    CHECK(n.size() == 4);
    CHECK(n["/a/1"] == "2.50");
    CHECK(n["/a/2/b~1c"] == "0.1000000000000000001");
    CHECK(n["/d"] == "123456789012345678901234");
    CHECK(n["/e~0"] == "1E2");
    CHECK(n.count("/a/0") == 0); // 64-bit integers are exact as JSON values
    std::string error;
    CHECK_FALSE(mw::parse_json_exact(R"({"a":)", j, n, &error));
    CHECK(error.find("parse error") != std::string::npos);
    CHECK_FALSE(mw::parse_json_exact("1 2", j, n));
    CHECK(n["/a/1"] == "2.50"); // a failed parse leaves the outputs alone
}

TEST_CASE("normalized_number_text: one text per value, any number of digits") {
    CHECK(mw::detail::normalized_number_text("0.0150") == "15e-1");
    CHECK(mw::detail::normalized_number_text("1.5E-2") == "15e-1");
    CHECK(mw::detail::normalized_number_text("-0.000") == "0");
    CHECK(mw::detail::normalized_number_text("-12300") == "-123e5");
    CHECK(mw::detail::normalized_number_text("0.1000000000000000001") == "1000000000000000001e0");
    CHECK_FALSE(mw::detail::normalized_number_text("1."));
    CHECK_FALSE(mw::detail::normalized_number_text("1e"));
    CHECK_FALSE(mw::detail::normalized_number_text("x"));
}

TEST_CASE("match_json: numbers kept as written compare beyond what a double holds") {
    // Through double these are equal; as written they are not.
    CHECK(match(R"({"x":0.1000000000000000001})", R"({"x":0.1})").empty());
    const auto f = match_exact(R"({"x":0.1000000000000000001})", R"({"x":0.1})");
    REQUIRE(f.size() == 1);
    CHECK(f[0].path == "/x");
    CHECK(f[0].message == "differs (as written: expected 0.1000000000000000001, got 0.1)");
    CHECK(match_exact("[0.1000000000000000001]", "[0.10000000000000000010]").empty());
    CHECK(match_exact("12345678901234567.89", "1234567.891234567892").size() == 1);
    CHECK(match_exact("12345678901234567.89", "12345678901234567.890").empty());
    CHECK(match_exact("12345678901234567890123", "12345678901234567890124").size() == 1);
    CHECK(match_exact("12345678901234567890123", "1.2345678901234567890123e22").empty());
    CHECK(match_exact("10", "10.00").empty());
    CHECK(match_exact("1.5E-2", "0.015").empty());
    CHECK(match_exact("19.95", "19.96")[0].message == "differs");
    CHECK(match_exact(R"({"a":{"$contains":[0.1000000000000000001]}})", R"({"a":[0.2,0.1]})")
              .size() == 1);
    CHECK(match_exact(R"({"a":{"$contains":[0.1000000000000000001]}})",
                      R"({"a":[0.2,0.1000000000000000001]})")
              .empty());
}

TEST_CASE("run_scenario: reply numbers compare as written in the file and in the reply") {
    const std::string body =
        R"({"scanCode":{"recognized":true},"amount":0.1000000000000000001,"big":98765432109876543210})";
    const auto run = [&](std::string_view expect) {
        const mw::Scenario s = load(R"({"name":"exact","steps":[{"action":"scanCode","code":"A",)"
                                    R"("expect":{"reply":)" +
                                    std::string(expect) + "}}]}");
        return mw::run_scenario(s, raw_reply(body), options());
    };
    const auto failures = [](const mw::ScenarioResult& r) {
        REQUIRE(r.steps.size() == 1);
        return r.steps[0].failures;
    };
    CHECK(
        failures(run(R"({"amount":0.10000000000000000010,"big":98765432109876543210.0})")).empty());
    const auto f = failures(run(R"({"amount":0.1})"));
    REQUIRE(f.size() == 1);
    CHECK(f[0].path == "/reply/amount");
    CHECK(failures(run(R"({"big":98765432109876543211})")).size() == 1);
}

TEST_CASE("run_scenario: till numbers keep every digit of the step and of the expectation") {
    JsonMiddleware m;
    const auto run = [&](std::string_view total) {
        const mw::Scenario s = load(
            R"({"name":"exact","steps":[{"action":"addLine","text":"A","priceIncl":12345678901234567.89,)"
            R"("expect":{"till":{"total":)" +
            std::string(total) + R"(,"lines":[{"lineTotal":)" + std::string(total) + "}]}}}]}");
        return mw::run_scenario(s, m.transport(), options());
    };
    const mw::ScenarioResult held = run("12345678901234567.89");
    REQUIRE(held.steps.size() == 1);
    CHECK(held.steps[0].failures.empty());
    const mw::ScenarioResult off = run("12345678901234567.88");
    REQUIRE(off.steps.size() == 1);
    std::vector<std::string> paths;
    for (const auto& f : off.steps[0].failures) paths.push_back(f.path);
    std::sort(paths.begin(), paths.end());
    CHECK(paths == std::vector<std::string>{"/till/lines/0/lineTotal", "/till/total"});
}

TEST_CASE("run_scenario: article prices in the till defaults keep every digit") {
    JsonMiddleware m;
    const auto run = [&](std::string_view total) {
        const mw::Scenario s = load(
            R"({"name":"exact","till":{"articles":[{"articleNumber":1,"text":"A",)"
            R"("priceIncl":12345678901234567.89}]},"steps":[{"action":"addLine","articleNumber":1,)"
            R"("expect":{"till":{"total":)" +
            std::string(total) + "}}}]}");
        return mw::run_scenario(s, m.transport(), options());
    };
    const mw::ScenarioResult held = run("12345678901234567.89");
    REQUIRE(held.steps.size() == 1);
    CHECK(held.steps[0].failures.empty());
    const mw::ScenarioResult off = run("12345678901234567.9");
    REQUIRE(off.steps.size() == 1);
    REQUIRE(off.steps[0].failures.size() == 1);
    CHECK(off.steps[0].failures[0].message ==
          "differs (as written: expected 12345678901234567.9, got 12345678901234567.89)");
}
