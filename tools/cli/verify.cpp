// `mplus-webhooks verify`: check an X-Mplus-Signature against the input.
// SPDX-License-Identifier: MIT

#include "cli.hpp"

#include <mplus/webhooks/signature.hpp>

#include <iostream>
#include <string>
#include <vector>

namespace mplus_webhooks_cli {

int run_verify(const std::vector<std::string>& args) {
    std::string error;
    const auto parsed = parse_arguments(
        args, {{"--secret", true}, {"--signature", true}, {"--raw-key", false}}, error);
    if (!parsed) return usage_error(error);
    if (parsed->value("--secret") == nullptr) return usage_error("verify needs --secret S");
    const std::string* signature = parsed->value("--signature");
    if (signature == nullptr) return usage_error("verify needs --signature SIG");
    if (parsed->positional.size() > 1) return usage_error(too_many_arguments);

    const auto secret = load_secret(*parsed, error);
    if (!secret) return fatal(error);
    const auto body = read_input(parsed->positional, error);
    if (!body) return fatal(error);

    if (secret->verify(*body, *signature)) {
        if (!print("valid\n")) return fatal("cannot write to standard output");
        return exit_ok;
    }
    if (!print("invalid signature\n")) return fatal("cannot write to standard output");
    if (secret->other_form_matches(*body, *signature)) {
        std::cerr << program
                  << (secret->form() == mw::KeyForm::base64_decoded
                          ? ": the signature matches the secret's raw text as key: use --raw-key\n"
                          : ": the signature matches the base64-decoded secret as key: drop "
                            "--raw-key\n");
    } else if (!mw::base64_decode(*signature) || signature->size() != 44) {
        std::cerr << program
                  << ": the signature is not a base64 HMAC-SHA256 (44 characters ending in '=')\n";
    }
    return exit_problems;
}

} // namespace mplus_webhooks_cli
