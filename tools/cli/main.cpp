// mplus-webhooks: validate webhook payloads and replies, sign and verify bodies, and play the
// POS against a live endpoint.
// SPDX-License-Identifier: MIT

#include <mplus/webhooks.hpp>
#include <mplus/webhooks/signature.hpp>
#include <mplus/webhooks/simulator.hpp>
#include <mplus/webhooks/simulator_flows.hpp>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#endif

namespace mw = mplus::webhooks;

namespace {

// Exit codes, shared by every command.
constexpr int exit_ok = 0;
constexpr int exit_problems = 1; // validate: the input does not conform; verify: no match
constexpr int exit_usage = 2;    // usage errors, unreadable input, anything unexpected

constexpr std::string_view program = "mplus-webhooks";

constexpr std::string_view usage_text =
    R"(usage: mplus-webhooks validate --event NAME [--reply] [--strict] [--known-only] [FILE|-]
       mplus-webhooks sign --secret S [--raw-key] [FILE|-]
       mplus-webhooks verify --secret S --signature SIG [--raw-key] [FILE|-]
       mplus-webhooks simulate --url BASE --secret S [--subscription-id ID]
                               --flow ticketing|cash-machine|reservation|loyalty|all
       mplus-webhooks --help | --version

validate   Check a request body of event NAME (or, with --reply, a reply to it).
           Exit 0: it conforms; stdout holds the JSON the SDK writes back.
           Exit 1: one line per problem on stderr: <JSON pointer>: <what> (<WIRE_CODE>).
           A POS error request (`error` + `original`) is checked as such, and its
           `original` as a request of event NAME.
  --event NAME   the event, as the last segment of the webhook URL (e.g. addSessionLine)
  --reply        the input is a reply to NAME; the reply rules apply
  --strict       unknown fields and unknown enumeration values are problems
  --known-only   print only what the typed model holds, without kept unknown fields

sign       Print the X-Mplus-Signature (base64 HMAC-SHA256) of the input's exact bytes.
verify     Check SIG against the input's exact bytes. Exit 0: valid; exit 1: invalid.
  --secret S     the secret as the back office shows it (base64)
  --raw-key      use the secret's text itself as the key, not its base64-decoded bytes
  --signature SIG  the X-Mplus-Signature value to check

simulate   Play the POS against the middleware at BASE (http://host:port/path; each event is
           POSTed to BASE/<eventName>) through the example flows, signing every request and
           verifying every reply, and print the transcript: requests, replies and what the
           POS shows. Exit 0: every flow completed as the POS expects; exit 1: not.
  --url BASE            the webhook base URL
  --subscription-id ID  sent as X-Mplus-Subscription-Id
  --flow NAME           the flow to run, or all four

FILE       read the input from FILE; '-' or no FILE reads standard input.
Exit 2: usage error (unknown option, missing or bad argument, unreadable input).
)";

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

/// One option a command accepts.
struct OptionSpec {
    std::string_view name; ///< with the leading "--"
    bool takes_value;
};

/// A command line split into options and positional arguments.
struct Arguments {
    std::vector<std::pair<std::string, std::string>> values; ///< options with a value
    std::vector<std::string> flags;                          ///< options without a value
    std::vector<std::string> positional;

    bool has(std::string_view flag) const {
        for (const auto& f : flags) {
            if (f == flag) return true;
        }
        return false;
    }
    const std::string* value(std::string_view name) const {
        for (const auto& v : values) {
            if (v.first == name) return &v.second;
        }
        return nullptr;
    }
};

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

constexpr const char* too_many_arguments = "too many arguments: give at most one FILE";

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

// --- validate ------------------------------------------------------------------------------------

/// The flags of a validate run.
struct ValidateSettings {
    mw::EventKind event = mw::EventKind::unknown;
    bool reply = false;
    bool strict = false;
    bool known_only = false;

    mw::ReadOptions read_options() const {
        mw::ReadOptions o;
        o.strict = strict;
        o.max_errors = 100; // a CI run should see every problem, not just the first few
        return o;
    }
    mw::WriteOptions write_options() const {
        mw::WriteOptions o;
        o.include_unknown = !known_only;
        return o;
    }
};

/// What validating one input gives: the JSON written back, or the problems.
struct Outcome {
    std::vector<mw::Error> problems;
    std::string json;
};

/// Reads `text` as a T and writes it back.
template <class T>
Outcome read_and_write(std::string_view text, const ValidateSettings& settings) {
    mw::Result<T> result = mw::try_parse<T>(text, settings.read_options());
    if (!result) return {result.errors(), {}};
    return {{}, mw::serialize(*result, settings.write_options())};
}

/// Reads `text` as the request type of the event in `settings`.
Outcome validate_request(std::string_view text, const ValidateSettings& settings) {
    return mw::visit_event(settings.event, [&](auto event) {
        return read_and_write<typename decltype(event)::request>(text, settings);
    });
}

/// Reads `text` as a reply to the event in `settings` and applies the reply rules. No request
/// is known, so the rules that need one (polling, the echoed externalPaymentId) are skipped.
Outcome validate_reply(std::string_view text, const ValidateSettings& settings) {
    mw::Result<mw::Reply> result = mw::try_parse<mw::Reply>(text, settings.read_options());
    if (!result) return {result.errors(), {}};
    mw::ReplyContext context;
    context.event = settings.event;
    std::vector<mw::Error> violations = mw::check_reply(*result, context);
    if (!violations.empty()) return {std::move(violations), {}};
    return {{}, mw::serialize(*result, settings.write_options())};
}

/// Collects the keys of the top-level object without building a DOM (nlohmann SAX handler),
/// to recognize the POS's error request before choosing the type to read.
class TopLevelKeys {
public:
    bool has(std::string_view key) const {
        for (const auto& k : keys_) {
            if (k == key) return true;
        }
        return false;
    }

    bool null() { return true; }
    bool boolean(bool) { return true; }
    bool number_integer(nlohmann::json::number_integer_t) { return true; }
    bool number_unsigned(nlohmann::json::number_unsigned_t) { return true; }
    bool number_float(nlohmann::json::number_float_t, const nlohmann::json::string_t&) {
        return true;
    }
    bool string(nlohmann::json::string_t&) { return true; }
    bool binary(nlohmann::json::binary_t&) { return true; }
    bool start_object(std::size_t) { return enter(); }
    bool start_array(std::size_t) { return enter(); }
    bool end_object() { return leave(); }
    bool end_array() { return leave(); }
    bool key(nlohmann::json::string_t& k) {
        if (depth_ == 1) keys_.push_back(k);
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
        return false; // the typed read reports it, with its position
    }

private:
    // The typed read enforces the real depth limit; this only keeps the scan bounded.
    bool enter() { return ++depth_ <= 256; }
    bool leave() {
        --depth_;
        return true;
    }
    std::size_t depth_ = 0;
    std::vector<std::string> keys_;
};

/// True when `text` is an object with top-level `error` and `original`: the POS's error request.
bool is_pos_error_request(std::string_view text) {
    TopLevelKeys keys;
    const bool parsed = nlohmann::json::sax_parse(text.data(), text.data() + text.size(), &keys);
    return parsed && keys.has("error") && keys.has("original");
}

/// Reads the POS's error request, and its `original` as a request of the event in `settings`;
/// problems in the original are reported under `/original`.
Outcome validate_pos_error_request(std::string_view text, const ValidateSettings& settings) {
    mw::Result<mw::PosErrorRequest> result =
        mw::try_parse<mw::PosErrorRequest>(text, settings.read_options());
    if (!result) return {result.errors(), {}};
    const mw::PosErrorRequest& request = *result;

    // The original was kept as raw JSON; read it again as its typed request.
    const std::string original_text =
        request.original.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    Outcome original = validate_request(original_text, settings);
    if (!original.problems.empty()) {
        for (auto& p : original.problems) p.path.insert(0, "/original");
        return original;
    }
    // Written as serialize(PosErrorRequest) would, but with the original as its typed request
    // wrote it: fields in protocol order, and without its unknown fields under --known-only.
    const mw::WriteOptions options = settings.write_options();
    std::string out = "{\"error\":";
    mw::serialize_to(out, request.error, options);
    out += ",\"original\":";
    out += original.json;
    if (options.include_unknown && request.extra.is_object()) {
        for (auto it = request.extra.begin(); it != request.extra.end(); ++it) {
            out += ',';
            mw::serialize_to(out, it.key());
            out += ':';
            mw::serialize_to(out, it.value());
        }
    }
    out += '}';
    return {{}, std::move(out)};
}

/// One problem as a line of its own: `<path>: <message> (<WIRE_CODE>)`.
std::string problem_line(const mw::Error& e) {
    std::string line = e.path.empty() ? std::string("(root)") : e.path;
    line.append(": ").append(e.message).append(" (").append(e.wire()).append(")");
    // A message quoting input text must not split the report into extra lines.
    for (char& c : line) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return line;
}

/// The names of every known event, for the unknown-event message.
std::string known_event_list() {
    std::string list;
    for (std::string_view name : mw::event_names) {
        if (!list.empty()) list += ", ";
        list += name;
    }
    return list;
}

int run_validate(const std::vector<std::string>& args) {
    std::string error;
    const auto parsed = parse_arguments(
        args, {{"--event", true}, {"--reply", false}, {"--strict", false}, {"--known-only", false}},
        error);
    if (!parsed) return usage_error(error);
    const std::string* event = parsed->value("--event");
    if (event == nullptr) return usage_error("validate needs --event NAME");

    ValidateSettings settings;
    settings.event = mw::find_event(*event);
    if (settings.event == mw::EventKind::unknown) {
        return usage_error("unknown event '" + *event + "'; known events: " + known_event_list());
    }
    settings.reply = parsed->has("--reply");
    settings.strict = parsed->has("--strict");
    settings.known_only = parsed->has("--known-only");

    if (parsed->positional.size() > 1) return usage_error(too_many_arguments);

    const auto input = read_input(parsed->positional, error);
    if (!input) return fatal(error);

    Outcome outcome;
    if (settings.reply) {
        outcome = validate_reply(*input, settings);
    } else if (is_pos_error_request(*input)) {
        outcome = validate_pos_error_request(*input, settings);
    } else {
        outcome = validate_request(*input, settings);
    }

    if (!outcome.problems.empty()) {
        for (const auto& p : outcome.problems) std::cerr << problem_line(p) << '\n';
        return exit_problems;
    }
    if (!print(outcome.json + '\n')) return fatal("cannot write to standard output");
    return exit_ok;
}

// --- sign and verify -----------------------------------------------------------------------------

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

// --- simulate ----------------------------------------------------------------------------------

/// The parts of an `http[s]://host[:port][/path]` URL.
struct HttpUrl {
    std::string scheme; ///< "http" or "https"
    std::string host;
    int port = 80;
    std::string path; ///< without a trailing '/'; "" for the root
};

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
        int port = 0;
        for (char c : digits) {
            if (c < '0' || c > '9' || port > 65535) {
                port = -1;
                break;
            }
            port = port * 10 + (c - '0');
        }
        if (digits.empty() || port <= 0 || port > 65535) {
            error = "--url has a bad port: '" + std::string(digits) + "'";
            return std::nullopt;
        }
        out.port = port;
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

/// Delivers the simulator's requests over HTTP; a request that gets no answer throws, which
/// the simulator records as a transport failure.
class HttpTransport {
public:
    explicit HttpTransport(const HttpUrl& url)
        : client_(std::make_shared<httplib::Client>(url.scheme + "://" + url.host + ":" +
                                                    std::to_string(url.port))) {
        client_->set_tcp_nodelay(true);
        client_->set_connection_timeout(5);
        // pollExternalPayment is a long poll: the POS waits up to 60 s for it.
        client_->set_read_timeout(65);
        client_->set_keep_alive(true);
    }

    mw::HttpResponse operator()(const mw::HttpRequest& request) const {
        httplib::Headers headers;
        std::string content_type = "application/json";
        for (const auto& h : request.headers) {
            if (is_content_type(h.name)) {
                content_type = h.value;
            } else {
                headers.emplace(h.name, h.value);
            }
        }
        const auto result = client_->Post(request.path, headers, request.body, content_type);
        if (!result) throw std::runtime_error("no answer: " + httplib::to_string(result.error()));
        mw::HttpResponse response;
        response.status = result->status;
        response.body = result->body;
        for (const auto& [name, value] : result->headers) response.headers.push_back({name, value});
        return response;
    }

private:
    std::shared_ptr<httplib::Client> client_; // shared: the transport is copied into a function
};

/// True for a name run_flow() knows, `all` included.
bool is_flow_name(std::string_view name) {
    if (name == "all") return true;
    for (std::string_view n : mw::flow_names) {
        if (n == name) return true;
    }
    return false;
}

/// Prints one flow's transcript and verdict.
void print_flow(const mw::PosSimulator& pos, const mw::FlowResult& flow) {
    std::cout << "\n=== flow " << flow.name << " ===\n\n"
              << mw::render_transcript(pos, flow.first_step, flow.end_step);
    std::cout << "\n=== flow " << flow.name << ": "
              << (flow.success ? "completed as the POS expects" : "FAILED") << " ===\n";
    for (const auto& problem : flow.problems) std::cout << "  - " << problem << '\n';
}

int run_simulate(const std::vector<std::string>& args) {
    std::string error;
    const auto parsed = parse_arguments(
        args, {{"--url", true}, {"--secret", true}, {"--subscription-id", true}, {"--flow", true}},
        error);
    if (!parsed) return usage_error(error);
    const std::string* url_text = parsed->value("--url");
    const std::string* secret = parsed->value("--secret");
    const std::string* flow = parsed->value("--flow");
    if (url_text == nullptr) return usage_error("simulate needs --url BASE");
    if (secret == nullptr) return usage_error("simulate needs --secret S");
    if (flow == nullptr) return usage_error("simulate needs --flow NAME");
    if (!parsed->positional.empty()) return usage_error("simulate takes no FILE");
    if (!is_flow_name(*flow)) {
        return usage_error("unknown flow '" + *flow +
                           "': use ticketing, cash-machine, reservation, loyalty or all");
    }
    const auto url = parse_http_url(*url_text, error);
    if (!url) return usage_error(error);
    if (!mw::Secret::from_text(*secret)) {
        return fatal("the secret is not valid base64 (its text is not printed)");
    }

    mw::SimulatorOptions options;
    options.secret = *secret;
    options.base_path = url->path;
    if (const std::string* id = parsed->value("--subscription-id")) options.subscription_id = *id;
    mw::PosSimulator pos(HttpTransport(*url), options);

    const mw::FlowResult result = mw::run_flow(pos, *flow);
    if (result.flows.empty()) {
        print_flow(pos, result);
    } else {
        for (const auto& one : result.flows) print_flow(pos, one);
    }
    std::cout << '\n'
              << (result.success ? "all flows completed as the POS expects"
                                 : "some flows did not complete as the POS expects")
              << '\n';
    std::cout.flush();
    return result.success ? exit_ok : exit_problems;
}

// --- main ----------------------------------------------------------------------------------------

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
    return usage_error("unknown command '" + command + "'");
}

} // namespace

int main(int argc, char** argv) {
    try {
        std::vector<std::string> args;
        for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
        return run(args);
    } catch (const std::exception& e) {
        // C stdio here: building a message could throw again (std::bad_alloc).
        std::fprintf(stderr, "mplus-webhooks: internal error: %s\n", e.what());
    } catch (...) {
        std::fputs("mplus-webhooks: internal error\n", stderr);
    }
    return exit_usage;
}
