// Recipe: vouchers as external discounts. Scanning a voucher code gives every line of the sale
// a discount the middleware owns (its id lets it find, change or remove the discount later).
// SPDX-License-Identifier: MIT
#include "../recipe_server.hpp"

#include <mplus/webhooks.hpp>

#include <map>
#include <string>

namespace mw = mplus::webhooks;

/// Voucher codes and their percentage off.
const std::map<std::string, std::string> vouchers = {{"VOUCHER10", "10"}, {"VOUCHER25", "25"}};

mw::Reply on_scan(const mw::ScanCodeRequest& request) {
    const std::string& code = request.scan_code.scanned_code;
    mw::Reply reply;
    reply.scan_code.emplace();
    const auto voucher = vouchers.find(code);
    if (voucher == vouchers.end()) return reply;
    reply.scan_code->recognized = true;
    for (const mw::SessionLine& line : request.session.lines) {
        // One discount per line: the POS refuses a second one (LINE_ALREADY_HAS_DISCOUNT).
        if (line.external_discount) continue;
        mw::LineChange& change = reply.line_changes.emplace_back();
        change.line_id = line.line_id;
        mw::ExternalDiscount& discount = change.external_discount.emplace();
        discount.discount_id = code + "/" + line.line_id;
        discount.discount_description = "Voucher " + voucher->second + "%";
        discount.discount_percentage = *mw::Decimal::parse(voucher->second);
        discount.discount_type = "voucher"; // a filter in the back office's reports
    }
    reply.add_message("Voucher " + code + " applied");
    return reply;
}

int main(int argc, char** argv) {
    const recipe::Options options = recipe::parse(argc, argv);
    mw::Dispatcher dispatcher(recipe::config(options, argv[0]));
    dispatcher.on<mw::events::ScanCode>(on_scan);
    return recipe::serve(dispatcher, options, argv[0]);
}
