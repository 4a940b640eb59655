// The command line and HTTP server every recipe shares, so that each recipe's main.cpp holds
// only its handlers.
// SPDX-License-Identifier: MIT
//
//   <recipe> --port P --secret BASE64                   one installation
//   <recipe> --port P --installation ID=BASE64 ...      one secret per X-Mplus-Subscription-Id
//
// Listens on 127.0.0.1 only (port 0: a free one) and prints `listening on 127.0.0.1:<port>`
// once it accepts connections; SIGTERM or SIGINT ends it.
#pragma once

#include <mplus/webhooks/adapters/httplib.hpp>
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/signature.hpp>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace recipe {

namespace mw = mplus::webhooks;

/// What the command line says.
struct Options {
    int port = 0;                                     ///< 0: a free port
    std::string secret;                               ///< --secret
    std::map<std::string, std::string> installations; ///< --installation ID=SECRET
};

/// Prints `problem` and the usage on stderr and exits with status 2.
[[noreturn]] inline void usage(const char* program, const std::string& problem) {
    std::fprintf(stderr,
                 "%s: %s\nusage: %s --port P (--secret BASE64 | --installation ID=BASE64...)\n",
                 program, problem.c_str(), program);
    std::exit(2);
}

/// Reads --port, --secret and --installation.
inline Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc) usage(argv[0], std::string(arg) + " needs a value");
        const std::string value = argv[++i];
        if (arg == "--port") {
            o.port = std::atoi(value.c_str());
        } else if (arg == "--secret") {
            o.secret = value;
        } else if (arg == "--installation" && value.find('=') != std::string::npos) {
            o.installations[value.substr(0, value.find('='))] = value.substr(value.find('=') + 1);
        } else {
            usage(argv[0], "unexpected argument " + std::string(arg));
        }
    }
    if (o.secret.empty() && o.installations.empty()) usage(argv[0], "no secret given");
    return o;
}

/// The secret shown by the back office, or exit with the usage.
inline mw::Secret secret_from(const char* program, const std::string& text) {
    std::optional<mw::Secret> s = mw::Secret::from_text(text);
    if (!s) usage(program, "a secret is not base64");
    return std::move(*s);
}

/// The dispatcher configuration: one secret, or one per installation (subscription id).
inline mw::DispatcherConfig config(const Options& o, const char* program) {
    mw::DispatcherConfig c;
    if (o.installations.empty()) {
        c.secrets = mw::KeyRing({secret_from(program, o.secret)});
        return c;
    }
    auto rings =
        std::make_shared<std::map<std::string, std::shared_ptr<const mw::KeyRing>, std::less<>>>();
    for (const auto& [id, secret] : o.installations) {
        (*rings)[id] =
            std::make_shared<const mw::KeyRing>(mw::KeyRing({secret_from(program, secret)}));
    }
    // An unknown subscription id gets no ring: the dispatcher answers INVALID_SUBSCRIPTION_ID.
    c.secret_lookup = [rings](std::string_view id) -> std::shared_ptr<const mw::KeyRing> {
        const auto it = rings->find(id);
        return it == rings->end() ? nullptr : it->second;
    };
    return c;
}

/// Serves `dispatcher` on 127.0.0.1:`o.port` until the process is stopped.
inline int serve(const mw::Dispatcher& dispatcher, const Options& o, const char* program) {
    mw::adapters::httplib::Server server(dispatcher);
    const int port = server.bind("127.0.0.1", o.port);
    if (port <= 0) {
        std::fprintf(stderr, "%s: cannot listen on 127.0.0.1:%d\n", program, o.port);
        return 1;
    }
    std::printf("listening on 127.0.0.1:%d\n", port);
    std::fflush(stdout);
    return server.listen_after_bind() ? 0 : 1;
}

} // namespace recipe
