// mplus-webhooks: validate webhook payloads and replies, sign and verify bodies, send events,
// record real traffic and play the POS against a live endpoint from scenario files.
// SPDX-License-Identifier: MIT

#include "cli.hpp"

#include <mplus/webhooks/config.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

namespace mplus_webhooks_cli {
namespace {

/// Prints the usage text on stdout (asked for with --help).
int print_usage() {
    return print(std::string(usage_text)) ? exit_ok : exit_usage;
}

int run(const std::vector<std::string>& args) {
    if (args.empty()) return usage_error("no command given");
    const std::string& command = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (command == "--help" || command == "-h" || command == "help") return print_usage();
    if (command == "--version") {
        return print(std::string(MPLUS_WEBHOOKS_VERSION_STRING) + '\n') ? exit_ok : exit_usage;
    }
    // `mplus-webhooks validate --help` and the like: help wins over everything else.
    for (const auto& a : rest) {
        if (a == "--") break;
        if (a == "--help" || a == "-h") return print_usage();
    }
    if (command == "validate") return run_validate(rest);
    if (command == "sign") return run_sign(rest);
    if (command == "verify") return run_verify(rest);
    if (command == "simulate") return run_simulate(rest);
    if (command == "send") return run_send(rest);
    if (command == "record") return run_record(rest);
    if (command == "till") return run_till(rest);
    if (command == "schema") return run_schema(rest);
    return usage_error("unknown command '" + command + "'");
}

} // namespace
} // namespace mplus_webhooks_cli

int main(int argc, char** argv) {
    try {
        std::vector<std::string> args;
        for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
        return mplus_webhooks_cli::run(args);
    } catch (const std::exception& e) {
        // C stdio here: building a message could throw again (std::bad_alloc).
        std::fprintf(stderr, "mplus-webhooks: internal error: %s\n", e.what());
    } catch (...) {
        std::fputs("mplus-webhooks: internal error\n", stderr);
    }
    return mplus_webhooks_cli::exit_usage;
}
