// Shared parts of the mplus-webhooks commands.
// SPDX-License-Identifier: MIT

#include "cli.hpp"

#include <mplus/webhooks/adapters/httplib.hpp>
#include <mplus/webhooks/signature.hpp>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#endif

namespace mplus_webhooks_cli {

/// A usage error: the message goes to stderr, followed by the usage text; exit 2.
int usage_error(const std::string& message) {
    std::cerr << program << ": " << message << "\n\n" << usage_text;
    return exit_usage;
}

/// A failure that is not about how the tool was called (unreadable file, bad secret); exit 2.
int fatal(const std::string& message) {
    std::cerr << program << ": " << message << '\n';
    return exit_usage;
}

// --- Arguments ---------------------------------------------------------------------------------

/// Splits `args` by `specs`: `--name VALUE`, `--name=VALUE`, flags, positional arguments (a
/// lone `-` is positional: standard input); `--` ends the options. nullopt and `error` set
/// on an unknown, repeated or incomplete option.
std::optional<Arguments> parse_arguments(const std::vector<std::string>& args,
                                         const std::vector<OptionSpec>& specs, std::string& error) {
    Arguments out;
    bool options_done = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (options_done || arg == "-" || arg.empty() || arg[0] != '-') {
            out.positional.push_back(arg);
            continue;
        }
        if (arg == "--") {
            options_done = true;
            continue;
        }
        const std::size_t eq = arg.find('=');
        const std::string name = arg.substr(0, eq);
        const OptionSpec* spec = nullptr;
        for (const auto& s : specs) {
            if (s.name == name) spec = &s;
        }
        if (spec == nullptr) {
            error = "unknown option '" + name + "'";
            return std::nullopt;
        }
        if (!spec->takes_value) {
            if (eq != std::string::npos) {
                error = "option " + name + " takes no value";
                return std::nullopt;
            }
            if (!out.has(name)) out.flags.push_back(name);
            continue;
        }
        if (out.value(name) != nullptr) {
            error = "option " + name + " is given twice";
            return std::nullopt;
        }
        if (eq != std::string::npos) {
            out.values.emplace_back(name, arg.substr(eq + 1));
        } else if (i + 1 < args.size()) {
            out.values.emplace_back(name, args[++i]);
        } else {
            error = "option " + name + " needs a value";
            return std::nullopt;
        }
    }
    return out;
}

// --- Input -------------------------------------------------------------------------------------

/// Reads every byte of `f` into `out`; false on a read error.
bool read_all(std::FILE* f, std::string& out) {
    char buffer[65536];
    for (;;) {
        const std::size_t n = std::fread(buffer, 1, sizeof buffer, f);
        out.append(buffer, n);
        if (n < sizeof buffer) return std::ferror(f) == 0;
    }
}

/// The exact bytes of the input named by the positional arguments (none or `-`: standard
/// input; at most one argument); nullopt after reporting the problem through `error`.
std::optional<std::string> read_input(const std::vector<std::string>& positional,
                                      std::string& error) {
    std::string bytes;
    if (positional.empty() || positional[0] == "-") {
#ifdef _WIN32
        // Signatures are over the exact bytes: no CRLF translation.
        _setmode(_fileno(stdin), _O_BINARY);
#endif
        if (!read_all(stdin, bytes)) {
            error = "cannot read standard input";
            return std::nullopt;
        }
        return bytes;
    }
    const std::string& path = positional[0];
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        error = "cannot open '" + path + "': " + std::strerror(errno);
        return std::nullopt;
    }
    errno = 0;
    const bool ok = read_all(f, bytes);
    const int read_errno = errno;
    std::fclose(f);
    if (!ok) {
        error = "cannot read '" + path + "'";
        if (read_errno != 0) error += std::string(": ") + std::strerror(read_errno);
        return std::nullopt;
    }
    return bytes;
}

/// Writes `text` to stdout; false when it could not be written (closed pipe, full disk).
bool print(const std::string& text) {
    std::cout << text;
    std::cout.flush();
    return static_cast<bool>(std::cout);
}

/// The secret of `--secret` in the form `--raw-key` selects; nullopt after reporting why.
/// No message ever contains the secret.
std::optional<mw::Secret> load_secret(const Arguments& args, std::string& error) {
    const std::string* text = args.value("--secret");
    if (text == nullptr) {
        error = "--secret S is required";
        return std::nullopt;
    }
    if (text->empty()) {
        error = "the secret is empty";
        return std::nullopt;
    }
    const bool raw = args.has("--raw-key");
    auto secret =
        mw::Secret::from_text(*text, raw ? mw::KeyForm::raw_text : mw::KeyForm::base64_decoded);
    if (!secret) {
        error = "the secret is not strict base64 (standard alphabet, '=' padding, no "
                "whitespace); pass --raw-key to use its text as the key";
    }
    return secret;
}

/// Splits an HTTP URL; nullopt and `error` set when it is not one.
std::optional<HttpUrl> parse_http_url(std::string_view url, std::string& error) {
    HttpUrl out;
    if (url.substr(0, 7) == "http://") {
        out.scheme = "http";
        url.remove_prefix(7);
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
    } else if (url.substr(0, 8) == "https://") {
        out.scheme = "https";
        out.port = 443;
        url.remove_prefix(8);
#endif
    } else {
        error = "--url must start with http://";
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
        error += " or https://";
#endif
        return std::nullopt;
    }
    const std::size_t slash = url.find('/');
    const std::string_view authority = url.substr(0, slash);
    out.path = slash == std::string_view::npos ? std::string() : std::string(url.substr(slash));
    while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
    const std::size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
        const std::string_view digits = authority.substr(colon + 1);
        const std::optional<int> port = parse_port(digits);
        if (!port || *port == 0) {
            error = "--url has a bad port: '" + std::string(digits) + "'";
            return std::nullopt;
        }
        out.port = *port;
    }
    if (out.host.empty()) {
        error = "--url has no host";
        return std::nullopt;
    }
    return out;
}

/// True for the header name Content-Type in any case.
bool is_content_type(std::string_view name) {
    constexpr std::string_view wanted = "content-type";
    if (name.size() != wanted.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c =
            name[i] >= 'A' && name[i] <= 'Z' ? static_cast<char>(name[i] - 'A' + 'a') : name[i];
        if (c != wanted[i]) return false;
    }
    return true;
}

std::optional<std::string> read_file(const std::string& path, std::string& error) {
    return read_input({path}, error);
}

bool write_file_atomically(const std::string& path, const std::string& bytes, std::string& error) {
    const std::string temporary = path + ".tmp";
    std::FILE* f = std::fopen(temporary.c_str(), "wb");
    if (f == nullptr) {
        error = "cannot write '" + temporary + "': " + std::strerror(errno);
        return false;
    }
    const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    const bool closed = std::fclose(f) == 0;
    if (!written || !closed) {
        error = "cannot write '" + temporary + "'";
        std::remove(temporary.c_str());
        return false;
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        error = "cannot rename '" + temporary + "' to '" + path + "': " + std::strerror(errno);
        std::remove(temporary.c_str());
        return false;
    }
    return true;
}

std::vector<std::string> split_list(std::string_view list) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= list.size()) {
        std::size_t end = list.find(',', start);
        if (end == std::string_view::npos) end = list.size();
        if (end > start) out.emplace_back(list.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::optional<int> parse_port(std::string_view text) {
    if (text.empty()) return std::nullopt;
    int port = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        port = port * 10 + (c - '0');
        if (port > 65535) return std::nullopt;
    }
    return port;
}

mw::PosTransport http_transport(const HttpUrl& url, bool throw_on_failure) {
    mw::adapters::httplib::ClientOptions options;
    options.connect_timeout = std::chrono::seconds(5);
    // pollExternalPayment is a long poll: the POS waits up to 60 s for it.
    options.read_timeout = std::chrono::seconds(65);
    options.tls = url.scheme == "https";
    options.throw_on_failure = throw_on_failure;
    return mw::adapters::httplib::client_transport(url.host, url.port, options);
}

std::vector<OptionSpec> with_connection_options(std::vector<OptionSpec> own) {
    own.insert(own.end(), std::begin(connection_options), std::end(connection_options));
    return own;
}

std::optional<Connection> read_connection(const Arguments& args, std::string_view command,
                                          int& status) {
    const std::string* url_text = args.value("--url");
    const std::string* secret_text = args.value("--secret");
    if (url_text == nullptr || secret_text == nullptr) {
        status = usage_error(std::string(command) + " needs " +
                             (url_text == nullptr ? "--url URL" : "--secret S"));
        return std::nullopt;
    }
    std::string error;
    std::optional<HttpUrl> url = parse_http_url(*url_text, error);
    if (!url) {
        status = usage_error(error);
        return std::nullopt;
    }
    std::optional<mw::Secret> secret = load_secret(args, error);
    if (!secret) {
        status = fatal(error);
        return std::nullopt;
    }
    const std::string* id = args.value("--subscription-id");
    return Connection{*url_text,
                      std::move(*url),
                      std::move(*secret),
                      *secret_text,
                      args.has("--raw-key") ? mw::KeyForm::raw_text : mw::KeyForm::base64_decoded,
                      id != nullptr ? std::optional<std::string>(*id) : std::nullopt};
}

} // namespace mplus_webhooks_cli
