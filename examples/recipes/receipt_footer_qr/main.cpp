// Recipe: a receipt footer with a QR code. Every completed sale prints a QR code that links to
// its digital receipt, between two lines of text.
// SPDX-License-Identifier: MIT
#include "../recipe_server.hpp"

#include <mplus/webhooks.hpp>

namespace mw = mplus::webhooks;

mw::Reply on_complete(const mw::CompleteSessionRequest& request) {
    mw::Reply reply;
    mw::FooterEntry& footer = reply.receipt_footer.emplace().add();
    footer.text_before = "Your receipt online:";
    mw::FooterBarcode& qr = footer.barcode.emplace();
    qr.code_type = mw::FooterCodeType::qrcode; // code128 when left out
    qr.code = "https://receipts.example.com/r/" + request.session.session_id;
    footer.text_after = "Thank you for your visit";
    return reply;
}

int main(int argc, char** argv) {
    const recipe::Options options = recipe::parse(argc, argv);
    mw::Dispatcher dispatcher(recipe::config(options, argv[0]));
    dispatcher.on<mw::events::CompleteSession>(on_complete);
    return recipe::serve(dispatcher, options, argv[0]);
}
