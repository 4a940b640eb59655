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

/// What a program adds to the shared usage: the synopsis of its own options, and a line each.
struct UsageExtra {
    const char* synopsis = "";
    const char* lines = "";
};

/// Prints the usage and exits: after `problem` to stderr with status 2, or, when `problem` is
/// null (--help), to stdout with status 0.
[[noreturn]] inline void usage(const char* program, const char* problem,
                               const UsageExtra& extra = {}) {
    std::FILE* out = problem != nullptr ? stderr : stdout;
    if (problem != nullptr) std::fprintf(out, "%s: %s\n", program, problem);
    std::fprintf(out,
                 "usage: %s --port N --secret BASE64 [--subscription-id ID]%s\n"
                 "  --port N              port on 127.0.0.1 (0: any free port)\n"
                 "  --secret BASE64       the subscription's secret (base64, as the POS shows it)\n"
                 "  --subscription-id ID  accept only this X-Mplus-Subscription-Id\n%s",
                 program, extra.synopsis, extra.lines);
    std::exit(problem != nullptr ? 2 : 0);
}

/// Reads the command line (--help: the usage); exits with the usage on anything it does not
/// understand. `extra`: what the program's own usage adds.
inline Options parse_options(int argc, char** argv, const UsageExtra& extra = {}) {
    Options options;
    bool have_secret = false;
    const auto fail = [&](const std::string& problem) { usage(argv[0], problem.c_str(), extra); };
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") usage(argv[0], nullptr, extra);
        if (i + 1 >= argc) fail("missing value after " + std::string(arg));
        const std::string value = argv[++i];
        if (arg == "--port") {
            char* end = nullptr;
            const unsigned long port = std::strtoul(value.c_str(), &end, 10);
            if (value.empty() || *end != '\0' || port > 65535) fail("bad --port");
            options.port = static_cast<unsigned short>(port);
        } else if (arg == "--secret") {
            options.secret = value;
            have_secret = true;
        } else if (arg == "--subscription-id") {
            options.subscription_id = value;
        } else {
            fail("unknown option " + std::string(arg));
        }
    }
    if (!have_secret) fail("--secret is required");
    return options;
}

/// Announces the bound port on stdout, flushed: scripts and tests wait for this line.
inline void announce(unsigned short port) {
    std::printf("listening on http://127.0.0.1:%u\n", static_cast<unsigned>(port));
    std::fflush(stdout);
}

} // namespace example
