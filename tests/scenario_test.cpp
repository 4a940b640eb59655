// Tests of scenario files: loading and validation (errors name the JSON path), every action,
// every matcher, till checks, ignored pointers, POS version gates and the session API.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/testing/scenario.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

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
