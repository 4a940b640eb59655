// The floor of the header-only mode in bench/compile_time.sh middleware: what any program that
// uses the dispatcher compiles, header-only, before its own handlers and its HTTP server. A
// Dispatcher is built and handles one request; no handler, no middleware, no adapter.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks.hpp>
#include <mplus/webhooks/dispatcher.hpp>

#include <optional>
#include <utility>

int main(int argc, char** argv) {
    namespace mw = mplus::webhooks;
    std::optional<mw::Secret> secret = mw::Secret::from_text(argc > 1 ? argv[1] : "");
    if (!secret) return 2;
    mw::DispatcherConfig config;
    config.secrets = mw::KeyRing({std::move(*secret)});
    const mw::Dispatcher dispatcher(std::move(config));
    mw::HttpRequest request;
    request.method = "POST";
    request.path = "/addSessionLine";
    request.body = argc > 2 ? argv[2] : "{}";
    return dispatcher.handle(request).status == 200 ? 0 : 1;
}
