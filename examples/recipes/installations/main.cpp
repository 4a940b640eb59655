// Recipe: secrets for several installations. One middleware serves several shops; each till
// sends its shop's X-Mplus-Subscription-Id, and the request must be signed with that shop's
// secret (recipe_server.hpp builds the DispatcherConfig::secret_lookup from the command line).
// SPDX-License-Identifier: MIT
#include "../recipe_server.hpp"

#include <mplus/webhooks.hpp>

#include <string>

namespace mw = mplus::webhooks;

mw::Reply on_start(const mw::SessionRequest&, mw::RequestContext& context) {
    // Only requests that verified with this subscription's own secret get here.
    mw::Reply reply;
    reply.add_message("Welcome to " + std::string(context.subscription_id));
    return reply;
}

int main(int argc, char** argv) {
    const recipe::Options options = recipe::parse(argc, argv);
    mw::Dispatcher dispatcher(recipe::config(options, argv[0]));
    dispatcher.on<mw::events::StartSession>(on_start);
    return recipe::serve(dispatcher, options, argv[0]);
}
