// Command line of the example middlewares: --port N --secret BASE64 [--subscription-id ID].
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace example {

/// What the example programs are told on their command line.
struct Options {
    unsigned short port = 8080;  ///< 0: any free port (the one chosen is printed)
    std::string secret;          ///< the subscription's secret as shown by the back office
    std::string subscription_id; ///< when set, the only X-Mplus-Subscription-Id accepted
};

/// Prints the usage to stderr and exits with status 2.
[[noreturn]] inline void usage(const char* program, const char* problem) {
    std::fprintf(stderr,
                 "%s: %s\nusage: %s --port N --secret BASE64 [--subscription-id ID]\n"
                 "  --port N              port on 127.0.0.1 (0: any free port)\n"
                 "  --secret BASE64       the subscription's secret (base64, as the POS shows it)\n"
                 "  --subscription-id ID  accept only this X-Mplus-Subscription-Id\n",
                 program, problem, program);
    std::exit(2);
}

/// Reads the command line; exits with the usage on anything it does not understand.
inline Options parse_options(int argc, char** argv) {
    Options options;
    bool have_secret = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc) usage(argv[0], ("missing value after " + std::string(arg)).c_str());
        const std::string value = argv[++i];
        if (arg == "--port") {
            char* end = nullptr;
            const unsigned long port = std::strtoul(value.c_str(), &end, 10);
            if (value.empty() || *end != '\0' || port > 65535) usage(argv[0], "bad --port");
            options.port = static_cast<unsigned short>(port);
        } else if (arg == "--secret") {
            options.secret = value;
            have_secret = true;
        } else if (arg == "--subscription-id") {
            options.subscription_id = value;
        } else {
            usage(argv[0], ("unknown option " + std::string(arg)).c_str());
        }
    }
    if (!have_secret) usage(argv[0], "--secret is required");
    return options;
}

/// Announces the bound port on stdout, flushed: scripts and tests wait for this line.
inline void announce(unsigned short port) {
    std::printf("listening on http://127.0.0.1:%u\n", static_cast<unsigned>(port));
    std::fflush(stdout);
}

} // namespace example
