// The transcript of a simulated till's steps, in the style of the vendor's example flows.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/testing/conversation.hpp>
#include <mplus/webhooks/testing/describe.hpp>
#include <mplus/webhooks/testing/pos_simulator.hpp>

#include <cstddef>
#include <deque>
#include <string>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// The transcript of steps [first, last) of a conversation in the style of the vendor's
/// example flows: `» » » <event> » » »` and the request JSON, `« « « reply « « «` and the reply
/// JSON (both indented with nlohmann's dump(2)), then what the POS showed, printed or did, and
/// what went wrong.
inline std::string render_transcript(const std::deque<PosStep>& steps, std::size_t first = 0,
                                     std::size_t last = static_cast<std::size_t>(-1)) {
    std::string out;
    if (last > steps.size()) last = steps.size();
    for (std::size_t i = first; i < last; ++i) {
        const PosStep& step = steps[i];
        if (step.exchanges.empty()) {
            out += "--- " + step.event + " (" + std::string(to_string(step.status)) +
                   ", nothing sent) ---\n";
        }
        for (const auto& ex : step.exchanges) {
            std::string title = ex.event;
            switch (ex.kind) {
            case PosExchange::Kind::event: break;
            case PosExchange::Kind::dialog_answer: title += " (dialog answer)"; break;
            case PosExchange::Kind::form_answer: title += " (form answer)"; break;
            case PosExchange::Kind::poll_repeat: title += " (polling)"; break;
            case PosExchange::Kind::error_request: title += " (error request)"; break;
            }
            out += "\u00bb \u00bb \u00bb " + title + " \u00bb \u00bb \u00bb\n";
            out += detail::pretty_json(ex.request.body) + "\n";
            if (!ex.response) {
                out += "\u00ab \u00ab \u00ab no reply: " + ex.transport_error +
                       " \u00ab \u00ab \u00ab\n";
            } else {
                std::string head = "reply";
                if (ex.response->status != 200) {
                    head += " (HTTP " + std::to_string(ex.response->status) + ")";
                }
                out += "\u00ab \u00ab \u00ab " + head + " \u00ab \u00ab \u00ab\n";
                out += detail::pretty_json(ex.response->body) + "\n";
            }
            for (const auto& line : ex.pos_shows) out += "  " + line + "\n";
        }
        for (const auto& f : step.failures) out += "  !! " + f + "\n";
    }
    return out;
}

/// The transcript of steps [first, last) of `pos` (see the overload above).
inline std::string render_transcript(const PosSimulator& pos, std::size_t first = 0,
                                     std::size_t last = static_cast<std::size_t>(-1)) {
    return render_transcript(pos.steps(), first, last);
}

MPLUS_WEBHOOKS_END_NAMESPACE
