// The compile-time baseline of bench/compile_time.sh: the five endpoints of
// examples/httplib_middleware written by hand on cpp-httplib and nlohmann, no dispatcher.
// SPDX-License-Identifier: MIT
//
//   hand_written_middleware --port N --secret BASE64
//
// The same work per request as the dispatcher with the example's handlers, by hand: method,
// content type, size cap and signature checks, parse, the fields each handler uses (each
// type-checked), the reply built, dumped and signed (through the SDK's Secret: the same HMAC
// code). addSessionLine, updateSessionLine, removeSessionLine, scanCode and completeSession answer
// as the example does; every other event gets `{}`.
#include "hand_written.hpp"

#include <mplus/webhooks/signature.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

using bench::PlainResponse;
using nlohmann::json;

/// A signed reply with `reply` as its body; `polling` adds polling.finished.
PlainResponse signed_reply(const mplus::webhooks::Secret& secret, json reply, bool polling) {
    if (polling) reply["polling"] = {{"finished", true}};
    if (reply.is_null()) reply = json::object();
    PlainResponse r{200, reply.dump(), std::string()};
    r.signature = secret.sign(r.body);
    return r;
}

/// The string at `/details/line/text`, or nullptr.
const std::string* line_text(const json& j, const char* details) {
    const auto d = j.find(details);
    if (d == j.end() || !d->is_object()) return nullptr;
    const auto line = d->find("line");
    if (line == d->end() || !line->is_object()) return nullptr;
    const auto text = line->find("text");
    if (text == line->end() || !text->is_string()) return nullptr;
    return &text->get_ref<const std::string&>();
}

json message(const std::string& text) {
    return json::array({json{{"message", text}}});
}

PlainResponse handle(const mplus::webhooks::Secret& secret, const httplib::Request& req) {
    using bench::plain_error;
    if (req.method != "POST") return plain_error(secret, 400, "METHOD_NOT_ALLOWED", "only POST");
    const std::string content_type = req.get_header_value("Content-Type");
    std::string_view media = std::string_view(content_type).substr(0, content_type.find(';'));
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    if (!bench::ascii_iequals(media, "application/json")) {
        return plain_error(secret, 400, "INVALID_CONTENT_TYPE", "Content-Type");
    }
    if (req.body.size() > std::size_t{1024} * 1024) {
        return plain_error(secret, 413, "PAYLOAD_TOO_LARGE", "too large");
    }
    const std::string signature = req.get_header_value("X-Mplus-Signature");
    if (signature.empty()) return plain_error(secret, 400, "NO_SIGNATURE", "X-Mplus-Signature");
    if (!secret.verify(req.body, signature)) {
        return plain_error(secret, 400, "INVALID_SIGNATURE", "X-Mplus-Signature");
    }
    const json j = json::parse(req.body, nullptr, false);
    if (j.is_discarded()) return plain_error(secret, 400, "INVALID_JSON", "not JSON");
    if (!j.is_object()) return plain_error(secret, 400, "INVALID_DATA", "not an object");
    bool polling = false;
    const auto event = j.find("event");
    if (event != j.end() && event->is_object()) {
        const auto p = event->find("eventPolling");
        polling = p != event->end() && p->is_boolean() && p->get<bool>();
    }
    const auto session = j.find("session");
    if (session == j.end() || !session->is_object()) {
        return plain_error(secret, 400, "INVALID_DATA", "/session");
    }

    std::string_view name = req.path;
    name = name.substr(name.rfind('/') + 1);
    json reply;
    if (name == "addSessionLine" || name == "updateSessionLine" || name == "removeSessionLine") {
        const std::string details(name);
        const std::string* text = line_text(j, details.c_str());
        if (text == nullptr) return plain_error(secret, 400, "INVALID_DATA", details.c_str());
        const char* verb = name == "addSessionLine"      ? "Added: "
                           : name == "updateSessionLine" ? "Updated: "
                                                         : "Removed: ";
        reply["message"] = message(verb + *text);
    } else if (name == "scanCode") {
        const auto d = j.find("scanCode");
        if (d == j.end() || !d->is_object()) {
            return plain_error(secret, 400, "NO_EVENT_DETAILS", "/scanCode");
        }
        const auto code = d->find("scannedCode");
        if (code == d->end() || !code->is_string()) {
            return plain_error(secret, 400, "INVALID_DATA", "/scanCode/scannedCode");
        }
        const std::string& c = code->get_ref<const std::string&>();
        const bool ours = c.rfind("HELLO", 0) == 0;
        reply["scanCode"] = {{"recognized", ours}};
        if (ours) reply["message"] = message("Recognized code " + c);
    } else if (name == "completeSession") {
        const auto lines = session->find("lines");
        const std::size_t count = lines != session->end() && lines->is_array() ? lines->size() : 0;
        reply["message"] = message("Thank you (" + std::to_string(count) + " lines)");
    }
    return signed_reply(secret, std::move(reply), polling);
}

} // namespace

int main(int argc, char** argv) {
    int port = 8080;
    std::string secret_text;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view arg = argv[i];
        if (arg == "--port") port = std::atoi(argv[i + 1]);
        if (arg == "--secret") secret_text = argv[i + 1];
    }
    const std::optional<mplus::webhooks::Secret> secret =
        mplus::webhooks::Secret::from_text(secret_text);
    if (!secret) {
        std::fprintf(stderr, "usage: %s --port N --secret BASE64\n", argv[0]);
        return 2;
    }

    httplib::Server server;
    server.set_tcp_nodelay(true);
    server.set_payload_max_length(std::size_t{1024} * 1024);
    server.set_keep_alive_max_count(100000);
    const auto handler = [&secret](const httplib::Request& req, httplib::Response& res) {
        PlainResponse r = handle(*secret, req);
        res.status = r.status;
        res.set_header("X-Mplus-Signature", r.signature);
        res.set_content(std::move(r.body), "application/json");
    };
    server.Post(".*", handler);
    server.Get(".*", handler);
    return server.listen("127.0.0.1", port) ? 0 : 1;
}
