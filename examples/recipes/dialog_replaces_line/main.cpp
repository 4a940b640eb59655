// Recipe: a dialog that replaces a line. Adding a coffee asks for its size; the answer replaces
// the line with the sized one.
// SPDX-License-Identifier: MIT
#include "../recipe_server.hpp"

#include <mplus/webhooks.hpp>

namespace mw = mplus::webhooks;

constexpr std::int64_t coffee = 100; // the article that asks for a size

mw::Reply on_add_line(const mw::AddSessionLineRequest& request) {
    const mw::SessionLine& line = request.add_session_line.line;
    mw::Reply reply;
    // Lines this middleware added carry its own id prefix: never ask about them again, whether
    // or not the POS fires addSessionLine for lines a reply adds.
    if (line.article_number != coffee || line.line_id.rfind("size-", 0) == 0) return reply;
    if (!request.dialog) { // first call: ask
        mw::Dialog& dialog = reply.dialog.emplace();
        dialog.dialog_title = "Which size?";
        dialog.required = true;
        dialog.add_option(1, "Small");
        dialog.add_option(2, "Large");
        return reply;
    }
    // The re-send carries the choice: replace the line with the sized one.
    const bool large = !request.dialog->selected_dialog_option_ids.empty() &&
                       request.dialog->selected_dialog_option_ids.front() == 2;
    reply.line_deletions.push_back(mw::LineDeletion{line.line_id, {}});
    mw::LineAddition& sized = reply.line_additions.emplace_back();
    sized.line_id = "size-" + line.line_id;
    sized.text = large ? "Coffee large" : "Coffee small";
    sized.price_incl = *mw::Decimal::parse(large ? "3.50" : "2.50");
    sized.quantity = line.quantity;
    return reply;
}

int main(int argc, char** argv) {
    const recipe::Options options = recipe::parse(argc, argv);
    mw::Dispatcher dispatcher(recipe::config(options, argv[0]));
    dispatcher.on<mw::events::AddSessionLine>(on_add_line);
    return recipe::serve(dispatcher, options, argv[0]);
}
