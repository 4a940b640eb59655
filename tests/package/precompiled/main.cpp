// Packaging test consumer: a dispatcher built against mplus_webhooks::precompiled. The headers
// only declare the dispatcher's machinery in this mode, so this links only with the library.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks.hpp>
#include <mplus/webhooks/dispatcher.hpp>

#include <cstdio>
#include <string>

#ifndef MPLUS_WEBHOOKS_PRECOMPILED
#error "mplus_webhooks::precompiled must define MPLUS_WEBHOOKS_PRECOMPILED"
#endif

namespace mw = mplus::webhooks;

int main() {
    mw::Secret secret = *mw::Secret::from_text("c2VjcmV0");
    mw::DispatcherConfig config;
    config.secrets = mw::KeyRing({secret});
    mw::Dispatcher dispatcher(config);
    dispatcher.on<mw::events::AddSessionLine>([](const mw::AddSessionLineRequest& request) {
        mw::Reply reply;
        reply.add_message("Added: " + request.add_session_line.line.text);
        return reply;
    });

    mw::HttpRequest request;
    request.method = "POST";
    request.path = "/webhooks/addSessionLine";
    request.body = R"({"event":{"eventBlocking":true,"eventCounter":7},)"
                   R"("sender":{"branchNumber":1,"workplaceNumber":2},)"
                   R"("session":{"sessionId":"s-1","lines":[{"lineId":"l-1","text":"Coffee"}]},)"
                   R"("addSessionLine":{"line":{"lineId":"l-1","text":"Coffee"}}})";
    request.headers = {{"Content-Type", "application/json"},
                       {"X-Mplus-Signature", secret.sign(request.body)}};
    const mw::HttpResponse response = dispatcher.handle(request);
    const std::string expected = R"({"message":[{"message":"Added: Coffee"}]})";
    std::printf("%d %s\n", response.status, response.body.c_str());
    if (response.status != 200 || response.body != expected) {
        std::printf("expected 200 %s\n", expected.c_str());
        return 1;
    }
    // The codecs come from the library too.
    const mw::Result<mw::AddSessionLineRequest> parsed =
        mw::try_parse<mw::AddSessionLineRequest>(request.body);
    return parsed.ok() && parsed->add_session_line.line.text == "Coffee" ? 0 : 1;
}
