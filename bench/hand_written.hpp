// The baseline of the dispatcher benchmarks: an addSessionLine endpoint written by hand with
// nlohmann::json and the SDK's Secret (the same HMAC code), without the dispatcher.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/signature.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace bench {

/// What the hand-written endpoint answers: status, body and the body's signature.
struct PlainResponse {
    int status = 200;
    std::string body;
    std::string signature;
};

inline PlainResponse plain_error(const mplus::webhooks::Secret& secret, int status,
                                 const char* code, const char* message) {
    nlohmann::json j;
    j["error"] = {{"code", code}, {"message", message}};
    PlainResponse r{status, j.dump(), std::string()};
    r.signature = secret.sign(r.body);
    return r;
}

inline bool ascii_iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) {
            return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

/// The same checks and handler work as the dispatcher with the examples' addSessionLine
/// handler, by hand: method, content type, size cap, signature over the raw bytes, parse,
/// the fields the handler and the polling rule use (each type-checked), the reply built as a
/// json value, dumped and signed. `signature` is null when the header is absent.
inline PlainResponse hand_written_add_session_line(const mplus::webhooks::Secret& secret,
                                                   std::string_view method,
                                                   std::string_view content_type,
                                                   const std::string* signature,
                                                   const std::string& body) {
    if (method != "POST") return plain_error(secret, 400, "METHOD_NOT_ALLOWED", "only POST");
    std::string_view media = content_type.substr(0, content_type.find(';'));
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    if (!ascii_iequals(media, "application/json")) {
        return plain_error(secret, 400, "INVALID_CONTENT_TYPE", "Content-Type");
    }
    if (body.size() > std::size_t{1024} * 1024) {
        return plain_error(secret, 413, "PAYLOAD_TOO_LARGE", "too large");
    }
    if (signature == nullptr || signature->empty()) {
        return plain_error(secret, 400, "NO_SIGNATURE", "X-Mplus-Signature is missing");
    }
    if (!secret.verify(body, *signature)) {
        return plain_error(secret, 400, "INVALID_SIGNATURE", "X-Mplus-Signature");
    }
    const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded()) return plain_error(secret, 400, "INVALID_JSON", "not JSON");
    if (!j.is_object()) return plain_error(secret, 400, "INVALID_DATA", "not an object");
    bool polling = false;
    const auto event = j.find("event");
    if (event != j.end() && event->is_object()) {
        const auto p = event->find("eventPolling");
        polling = p != event->end() && p->is_boolean() && p->get<bool>();
    }
    const auto details = j.find("addSessionLine");
    if (details == j.end() || !details->is_object()) {
        return plain_error(secret, 400, "NO_EVENT_DETAILS", "/addSessionLine");
    }
    const auto line = details->find("line");
    if (line == details->end() || !line->is_object()) {
        return plain_error(secret, 400, "INVALID_DATA", "/addSessionLine/line");
    }
    const auto text = line->find("text");
    if (text == line->end() || !text->is_string()) {
        return plain_error(secret, 400, "INVALID_DATA", "/addSessionLine/line/text");
    }

    nlohmann::json reply;
    reply["message"] = nlohmann::json::array(
        {nlohmann::json{{"message", "Added: " + text->get_ref<const std::string&>()}}});
    if (polling) reply["polling"] = {{"finished", true}};
    PlainResponse r{200, reply.dump(), std::string()};
    r.signature = secret.sign(r.body);
    return r;
}

} // namespace bench
