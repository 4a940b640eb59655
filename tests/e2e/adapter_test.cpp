// End-to-end test of an example middleware: start it, send real requests over loopback, stop it.
// SPDX-License-Identifier: MIT
//
//   mplus_webhooks_e2e_driver PROGRAM [--subscription-id ID]
//
// Starts PROGRAM with --port 0 (and the subscription id, when given), waits for its
// "listening on http://127.0.0.1:N" line, sends signed and broken requests, checks the exact
// reply bodies, the wire codes and every reply's signature, then sends SIGTERM and expects exit
// status 0 within 5 s. Exits 0 when every check held. The program is killed on any failure,
// and (Linux) also when this driver dies.
#include "../support/server_process.hpp"

#include <mplus/webhooks.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <poll.h>
#include <string>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>
#ifdef __linux__
#include <sys/prctl.h>
#endif

namespace {

namespace mw = mplus::webhooks;
using Clock = std::chrono::steady_clock;

constexpr const char* secret_text = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";

int failures = 0;

void check(bool ok, const std::string& what) {
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
    if (!ok) ++failures;
}

const std::string add_session_line_body =
    R"({"event":{"eventBlocking":true,"eventPolling":false,"eventCounter":1042},)"
    R"("sender":{"branchNumber":1,"workplaceNumber":3},)"
    R"("session":{"sessionId":"0f8b3c52","lines":[{"lineId":"a3c1","articleNumber":235,)"
    R"J("priceIncl":17.50,"quantity":1,"text":"Tour Ticket (Adult)"}]},)J"
    R"("addSessionLine":{"line":{"lineId":"a3c1","articleNumber":235,"priceIncl":17.50,)"
    R"J("quantity":1,"text":"Tour Ticket (Adult)"}}})J";

std::string scan_code_body(const std::string& code) {
    return R"({"event":{"eventBlocking":true},"sender":{"branchNumber":1},)"
           R"("session":{"sessionId":"0f8b3c52","lines":[]},)"
           R"("scanCode":{"scannedCode":")" +
           code + R"(","codeType":"barcode"}})";
}

struct Tester {
    httplib::Client client;
    mw::Secret secret;
    std::string subscription_id; // sent with every request

    httplib::Headers headers(const std::string& signature) const {
        httplib::Headers h{{"Accept", "application/json"}};
        if (!subscription_id.empty()) h.emplace("X-Mplus-Subscription-Id", subscription_id);
        if (!signature.empty()) h.emplace("X-Mplus-Signature", signature);
        return h;
    }

    httplib::Result post(const std::string& event, const std::string& body,
                         const std::string& signature,
                         const char* content_type = "application/json") {
        return client.Post(("/webhooks/" + event).c_str(), headers(signature), body, content_type);
    }
    httplib::Result post_signed(const std::string& event, const std::string& body) {
        return post(event, body, secret.sign(body));
    }

    /// The reply is signed with our secret over exactly its body.
    void check_signed(const httplib::Result& r, const std::string& what) {
        check(r && r->get_header_value("Content-Type") == "application/json",
              what + ": Content-Type application/json");
        check(r && secret.verify(r->body, r->get_header_value("X-Mplus-Signature")),
              what + ": reply signature valid");
    }

    void expect_reply(const httplib::Result& r, const std::string& what, const std::string& body) {
        check(r && r->status == 200,
              what + ": status 200 (got " + (r ? std::to_string(r->status) : "no reply") + ")");
        check(r && r->body == body, what + ": body " + body + (r ? " (got " + r->body + ")" : ""));
        check_signed(r, what);
    }

    void expect_error(const httplib::Result& r, const std::string& what, int status,
                      const std::string& code, const std::string& message_part = "") {
        check(r && r->status == status, what + ": status " + std::to_string(status) + " (got " +
                                            (r ? std::to_string(r->status) : "no reply") + ")");
        const nlohmann::json j =
            r ? nlohmann::json::parse(r->body, nullptr, false) : nlohmann::json();
        const nlohmann::json* error = j.is_object() && j.contains("error") ? &j["error"] : nullptr;
        const bool code_ok =
            error != nullptr && error->is_object() && error->value("code", std::string()) == code;
        check(code_ok,
              what + ": code " + code + (r ? " (body " + r->body.substr(0, 200) + ")" : ""));
        if (!message_part.empty()) {
            check(code_ok && error->value("message", std::string()).find(message_part) !=
                                 std::string::npos,
                  what + ": message names " + message_part);
        }
        check_signed(r, what);
    }
};

} // namespace

int main(int argc, char** argv) {
    if (argc != 2 && !(argc == 4 && std::string(argv[2]) == "--subscription-id")) {
        std::fprintf(stderr, "usage: %s PROGRAM [--subscription-id ID]\n", argv[0]);
        return 2;
    }
    const std::string subscription_id = argc == 4 ? argv[3] : "";
    std::vector<std::string> command{argv[1], "--port", "0", "--secret", secret_text};
    if (!subscription_id.empty()) {
        command.push_back("--subscription-id");
        command.push_back(subscription_id);
    }
    std::signal(SIGPIPE, SIG_IGN);

    std::optional<test_support::ServerProcess> child;
    try {
        child.emplace(command, 0, std::chrono::seconds(10));
    } catch (const std::exception& e) {
        check(false, std::string("the program prints its port: ") + e.what());
        return 1;
    }
    check(child->port() > 0, "the program prints its port");
    const std::optional<int> port = child->port();

    Tester t{httplib::Client("127.0.0.1", *port), *mw::Secret::from_text(secret_text),
             subscription_id.empty() ? "till-7" : subscription_id};
    t.client.set_connection_timeout(5);
    t.client.set_read_timeout(10);

    // Correct requests.
    t.expect_reply(t.post_signed("addSessionLine", add_session_line_body), "addSessionLine",
                   R"J({"message":[{"message":"Added: Tour Ticket (Adult)"}]})J");
    t.expect_reply(t.post_signed("scanCode", scan_code_body("HELLO123")), "scanCode HELLO123",
                   R"({"scanCode":{"recognized":true},)"
                   R"("message":[{"message":"Recognized code HELLO123"}]})");
    t.expect_reply(t.post_signed("scanCode", scan_code_body("OTHER")), "scanCode OTHER",
                   R"({"scanCode":{"recognized":false}})");
    t.expect_reply(
        t.post_signed("startSession",
                      R"({"event":{},"sender":{},"session":{"sessionId":"s1","lines":[]}})"),
        "startSession (default reply)", "{}");
    t.expect_reply(t.post_signed("someFutureEvent", R"({"event":{"eventPolling":true}})"),
                   "unknown polling event", R"({"polling":{"finished":true}})");

    // Broken requests, one wire code each.
    t.expect_error(t.post("addSessionLine", add_session_line_body, ""), "no signature", 400,
                   "NO_SIGNATURE");
    t.expect_error(
        t.post("addSessionLine", add_session_line_body, t.secret.sign(add_session_line_body + " ")),
        "wrong signature", 400, "INVALID_SIGNATURE");
    t.expect_error(t.post_signed("addSessionLine", R"({"event":{)"), "bad JSON", 400,
                   "INVALID_JSON");
    std::string wrong_type = add_session_line_body;
    wrong_type.replace(wrong_type.rfind("\"quantity\":1"), 12, R"("quantity":"one")");
    t.expect_error(t.post_signed("addSessionLine", wrong_type), "wrong type", 400, "INVALID_DATA",
                   "/addSessionLine/line/quantity");
    t.expect_error(t.post_signed("scanCode", R"({"event":{},"sender":{},)"
                                             R"("session":{"sessionId":"s1","lines":[]}})"),
                   "scanCode without scanCode", 400, "NO_EVENT_DETAILS");
    t.expect_error(t.post("addSessionLine", add_session_line_body,
                          t.secret.sign(add_session_line_body), "text/plain"),
                   "wrong content type", 400, "INVALID_CONTENT_TYPE");
    t.expect_error(t.client.Get("/webhooks/addSessionLine", t.headers("")), "GET", 400,
                   "METHOD_NOT_ALLOWED");
    const std::string big(std::size_t{1024} * 1024 + 1, ' ');
    t.expect_error(t.post_signed("addSessionLine", big), "body over 1 MiB", 413,
                   "PAYLOAD_TOO_LARGE");
    if (!subscription_id.empty()) {
        Tester other{httplib::Client("127.0.0.1", *port), t.secret, subscription_id + "-other"};
        other.expect_error(other.post_signed("addSessionLine", add_session_line_body),
                           "wrong subscription id", 400, "INVALID_SUBSCRIPTION_ID");
    }

    // Still serving after all that.
    t.expect_reply(t.post_signed("scanCode", scan_code_body("HELLO")), "scanCode after errors",
                   R"({"scanCode":{"recognized":true},)"
                   R"("message":[{"message":"Recognized code HELLO"}]})");

    const std::optional<int> status = child->stop(SIGTERM, std::chrono::seconds(5));
    check(status.has_value(), "SIGTERM: exits within 5 s");
    check(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0, "SIGTERM: exit status 0");

    std::printf("%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
