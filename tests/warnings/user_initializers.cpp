// User code as the README shows it: replies built with brace and designated initializers. It
// is compiled by the test `warnings.user_initializers.*` with -Wall -Wextra -Werror (a user's
// flags, not the project's), with every compiler found, and must not warn.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/codec.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>

#include <string>
#include <utility>

namespace mw = mplus::webhooks;

std::string build_replies() {
    mw::Reply reply{};
    reply.add_message("Welcome");

    // Brace initializers that name only the first members.
    mw::Message hello{{std::string("Hello")}}; // the base MessageText, then Message's own
    mw::ScanCodeReply scan{true};
    mw::LineDeletion deletion{"line-1"};
    mw::DialogOption option{1, "10:00-11:00"};
    mw::Payment payment{mw::Decimal(5), "Cash"};
    mw::Polling polling{};
    polling.finished = false;
    reply.message.push_back(std::move(hello));
    reply.scan_code = scan;
    reply.line_deletions.push_back(deletion);

#if __cplusplus >= 202002L
    // Designated initializers that leave most members out.
    mw::LineAddition addition{.article_number = 1001, .quantity = mw::Decimal(2)};
    mw::ExternalDiscount discount{.discount_id = "d1", .discount_amount = mw::Decimal(1)};
    mw::LineChange change{.line_id = "line-2", .external_discount = discount};
    mw::Dialog dialog{.required = true, .dialog_title = "Time slot"};
    dialog.dialog_options.push_back(option);
    mw::ExternalCardScan card{.card_identifier = "C-1", .card_balance = mw::Decimal(10)};
    mw::OpenUrl url{.url = "https://example.com", .auto_open = true};
    mw::FooterEntry footer{.text_before = "Thanks", .print_separate = false};
    mw::SessionLine line{.line_id = "l", .text = "Tea"};
    reply.line_additions.push_back(addition);
    reply.line_changes.push_back(change);
    reply.dialog = dialog;
    reply.external_card_scan = card;
    reply.open_url = url;
    reply.receipt_footer = mw::Footer{};
    reply.receipt_footer->add(footer);
    (void)line;
#endif
    (void)payment;
    reply.polling = polling;
    return mw::serialize(reply);
}
