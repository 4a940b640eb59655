// `mplus-webhooks sign`: print the X-Mplus-Signature of the input.
// SPDX-License-Identifier: MIT

#include "cli.hpp"

#include <mplus/webhooks/signature.hpp>

#include <iostream>
#include <string>
#include <vector>

namespace mplus_webhooks_cli {

int run_sign(const std::vector<std::string>& args) {
    std::string error;
    const auto parsed = parse_arguments(args, {{"--secret", true}, {"--raw-key", false}}, error);
    if (!parsed) return usage_error(error);
    if (parsed->value("--secret") == nullptr) return usage_error("sign needs --secret S");
    if (parsed->positional.size() > 1) return usage_error(too_many_arguments);

    const auto secret = load_secret(*parsed, error);
    if (!secret) return fatal(error);
    const auto body = read_input(parsed->positional, error);
    if (!body) return fatal(error);

    if (!print(secret->sign(*body) + '\n')) return fatal("cannot write to standard output");
    return exit_ok;
}

} // namespace mplus_webhooks_cli
