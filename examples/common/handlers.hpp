// The example middlewares' configuration and handlers, shared by every adapter.
// SPDX-License-Identifier: MIT
#pragma once

#include "options.hpp"

#include <mplus/webhooks.hpp>
#include <mplus/webhooks/dispatcher.hpp>

#include <optional>
#include <string>
#include <utility>

namespace example {

namespace mw = mplus::webhooks;

/// The dispatcher's default configuration with the secret and subscription id of `options`;
/// exits with the usage when the secret is not base64.
inline mw::DispatcherConfig make_config(const Options& options, const char* program) {
    std::optional<mw::Secret> secret = mw::Secret::from_text(options.secret);
    if (!secret) usage(program, "--secret is not base64 (the POS shows the secret as base64)");
    mw::DispatcherConfig config;
    config.secrets = mw::KeyRing({std::move(*secret)});
    if (!options.subscription_id.empty()) config.subscription_ids = {options.subscription_id};
    return config;
}

/// addSessionLine: a message that names the line just added.
inline mw::Reply added_line_reply(const mw::AddSessionLineRequest& request) {
    mw::Reply reply;
    reply.add_message("Added: " + request.add_session_line.line.text);
    return reply;
}

/// scanCode: codes starting with HELLO are ours (recognized, with a message); others are not.
inline mw::Reply scan_code_reply(const mw::ScanCodeRequest& request) {
    const std::string& code = request.scan_code.scanned_code;
    mw::Reply reply;
    reply.scan_code.emplace();
    if (code.rfind("HELLO", 0) == 0) {
        reply.scan_code->recognized = true;
        reply.add_message("Recognized code " + code);
    }
    return reply;
}

/// updateSessionLine: a message that names the line just changed.
inline mw::Reply updated_line_reply(const mw::UpdateSessionLineRequest& request) {
    mw::Reply reply;
    reply.add_message("Updated: " + request.update_session_line.line.text);
    return reply;
}

/// removeSessionLine: a message that names the line just removed.
inline mw::Reply removed_line_reply(const mw::RemoveSessionLineRequest& request) {
    mw::Reply reply;
    reply.add_message("Removed: " + request.remove_session_line.line.text);
    return reply;
}

/// completeSession: thanks, with the session's line count.
inline mw::Reply complete_session_reply(const mw::CompleteSessionRequest& request) {
    mw::Reply reply;
    reply.add_message("Thank you (" + std::to_string(request.session.lines.size()) + " lines)");
    return reply;
}

/// Registers the synchronous handlers (scanCode's unless `with_scan_code` is false: handlers of
/// one event compose, so a program that answers scanCode its own way leaves it out); every
/// other event gets the default reply (`{}`).
inline void add_handlers(mw::Dispatcher& dispatcher, bool with_scan_code = true) {
    dispatcher.on<mw::events::AddSessionLine>(added_line_reply);
    dispatcher.on<mw::events::UpdateSessionLine>(updated_line_reply);
    dispatcher.on<mw::events::RemoveSessionLine>(removed_line_reply);
    if (with_scan_code) dispatcher.on<mw::events::ScanCode>(scan_code_reply);
    dispatcher.on<mw::events::CompleteSession>(complete_session_reply);
}

} // namespace example
