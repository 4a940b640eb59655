// Recipe: externalCardScan on a card scan. A scanned gift card is recognized and its balance
// shown on the POS screen.
// SPDX-License-Identifier: MIT
#include "../recipe_server.hpp"

#include <mplus/webhooks.hpp>

#include <map>
#include <string>

namespace mw = mplus::webhooks;

/// The card system: balances by card number (a database or an API call in real life).
const std::map<std::string, std::string> balances = {{"GC-1001", "25.00"}, {"GC-1002", "0.00"}};

mw::Reply on_scan(const mw::ScanCodeRequest& request) {
    const std::string& code = request.scan_code.scanned_code;
    mw::Reply reply;
    mw::ScanCodeReply& scan = reply.scan_code.emplace(); // recognized = false: not ours
    const auto card = balances.find(code);
    if (card == balances.end()) return reply;
    scan.recognized = true; // the POS stops looking the code up itself
    mw::ExternalCardScan& shown = reply.external_card_scan.emplace();
    shown.card_identifier = code;
    shown.card_description = "Gift card";
    shown.card_balance = *mw::Decimal::parse(card->second);
    shown.card_blocked = card->second == "0.00";
    shown.display_time = 10; // seconds
    return reply;
}

int main(int argc, char** argv) {
    const recipe::Options options = recipe::parse(argc, argv);
    mw::Dispatcher dispatcher(recipe::config(options, argv[0]));
    dispatcher.on<mw::events::ScanCode>(on_scan);
    return recipe::serve(dispatcher, options, argv[0]);
}
