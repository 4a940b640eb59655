// Tests of the demo's Prometheus metrics: till labels, their bound, and the text format.
// SPDX-License-Identifier: MIT
#include "../../../tests/support/signed_requests.hpp"
#include "../prometheus_metrics.hpp"

#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/signature.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace mw = mplus::webhooks;

/// A signed scanCode from subscription `subscription` (no header when empty), with `sender`.
mw::HttpRequest scan(const std::string& subscription, const std::string& sender) {
    const std::string body = R"({"event":{"eventBlocking":true},"sender":)" + sender +
                             R"(,"session":{"sessionId":"s-1","lines":[]},)"
                             R"("scanCode":{"scannedCode":"X1","codeType":"barcode"}})";
    std::vector<mw::Header> extra;
    if (!subscription.empty()) extra.push_back({"X-Mplus-Subscription-Id", subscription});
    return test_support::signed_post("scanCode", body, std::move(extra));
}

struct Rig {
    Rig() {
        mw::DispatcherConfig c;
        c.secrets = mw::KeyRing({test_support::signer()});
        dispatcher.emplace(std::move(c));
        metrics.attach(*dispatcher);
        dispatcher->on<mw::events::ScanCode>(
            [](const mw::ScanCodeRequest&) { return mw::Reply{}; });
    }
    std::optional<mw::Dispatcher> dispatcher;
    mplus_demo::PrometheusMetrics metrics;
};

/// The lines of `text` that are samples (not comments).
std::vector<std::string> samples(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] != '#') out.push_back(line);
    }
    return out;
}

/// True when every line of `text` is a valid line of the Prometheus text format 0.0.4.
bool valid_exposition(const std::string& text) {
    static const std::regex sample(
        R"re(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? [-+0-9.eE]+(Inf)?$)re");
    static const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)");
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!std::regex_match(line, sample) && !std::regex_match(line, comment)) {
            INFO("invalid line: " << line);
            return false;
        }
    }
    return text.empty() || text.back() == '\n';
}

} // namespace

TEST_CASE("PrometheusMetrics: requests carry the subscription, branch and workplace labels") {
    Rig rig;
    CHECK(rig.dispatcher->handle(scan("shop-a", R"({"branchNumber":3,"workplaceNumber":7})"))
              .status == 200);
    CHECK(rig.dispatcher->handle(scan("shop-a", R"({"branchNumber":3,"workplaceNumber":7})"))
              .status == 200);
    CHECK(rig.dispatcher->handle(scan("", "{}")).status == 200);
    // A quote, a backslash and a byte that is not ASCII in the header: escaped or replaced.
    CHECK(rig.dispatcher->handle(scan("a\"b\\c\xc3", R"({"branchNumber":1})")).status == 200);
    // Refused before its signature is checked: counted without till labels.
    mw::HttpRequest forged = scan("shop-z", R"({"branchNumber":9,"workplaceNumber":9})");
    forged.headers[1].value = "AAAA";
    CHECK(rig.dispatcher->handle(forged).status != 200);

    const std::string text = rig.metrics.text();
    INFO(text);
    CHECK(valid_exposition(text));
    CHECK(text.find("mplus_webhooks_requests_total{event=\"scanCode\",status=\"200\","
                    "subscription=\"shop-a\",branch=\"3\",workplace=\"7\"} 2\n") !=
          std::string::npos);
    CHECK(text.find("mplus_webhooks_requests_total{event=\"scanCode\",status=\"200\","
                    "subscription=\"none\",branch=\"none\",workplace=\"none\"} 1\n") !=
          std::string::npos);
    CHECK(text.find("subscription=\"a\\\"b\\\\c_\",branch=\"1\",workplace=\"none\"} 1\n") !=
          std::string::npos);
    CHECK(text.find("shop-z") == std::string::npos);
    CHECK(text.find("mplus_webhooks_handler_seconds_count{event=\"scanCode\","
                    "subscription=\"shop-a\",branch=\"3\",workplace=\"7\"} 2\n") !=
          std::string::npos);
}

TEST_CASE("PrometheusMetrics: label combinations are bounded, the rest counted as other") {
    Rig rig;
    const std::size_t extra = 30;
    const std::size_t sent = mplus_demo::PrometheusMetrics::max_label_sets + extra;
    for (std::size_t i = 0; i < sent; ++i) {
        const std::string sender = R"({"branchNumber":)" + std::to_string(i % 7) +
                                   R"(,"workplaceNumber":)" + std::to_string(i) + "}";
        REQUIRE(rig.dispatcher->handle(scan("s" + std::to_string(i), sender)).status == 200);
    }
    // A long subscription id is cut (and, as a new combination, counted as other here).
    REQUIRE(rig.dispatcher->handle(scan(std::string(500, 'x'), "{}")).status == 200);
    const std::string text = rig.metrics.text();
    CHECK(valid_exposition(text));
    std::size_t request_series = 0;
    for (const auto& line : samples(text)) {
        if (line.rfind("mplus_webhooks_requests_total{", 0) == 0) ++request_series;
    }
    CHECK(request_series == mplus_demo::PrometheusMetrics::max_label_sets + 1);
    CHECK(text.find("mplus_webhooks_requests_total{event=\"scanCode\",status=\"200\","
                    "subscription=\"other\",branch=\"other\",workplace=\"other\"} " +
                    std::to_string(extra + 1) + "\n") != std::string::npos);
    CHECK(text.find(std::string(65, 'x')) == std::string::npos);
    // Known combinations keep counting on their own.
    REQUIRE(
        rig.dispatcher->handle(scan("s0", R"({"branchNumber":0,"workplaceNumber":0})")).status ==
        200);
    CHECK(rig.metrics.text().find("subscription=\"s0\",branch=\"0\",workplace=\"0\"} 2\n") !=
          std::string::npos);
}
