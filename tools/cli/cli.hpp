// Shared parts of the mplus-webhooks commands: exit codes, usage, argument parsing, input,
// secrets, URLs, and the connection to a middleware (its options and client transport).
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/signature.hpp>
#include <mplus/webhooks/testing/transport.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mplus_webhooks_cli {

namespace mw = mplus::webhooks;

constexpr int exit_ok = 0;
constexpr int exit_problems = 1; // an expectation or a check failed; verify: no match
constexpr int exit_usage = 2;    // usage errors, unreadable input, anything unexpected

constexpr std::string_view program = "mplus-webhooks";

inline constexpr std::string_view usage_text =
    R"(usage: mplus-webhooks validate --event NAME [--reply [--request FILE]] [--pos-version V]
                               [--strict] [--known-only] [FILE|-]
       mplus-webhooks sign --secret S [--raw-key] [FILE|-]
       mplus-webhooks verify --secret S --signature SIG [--raw-key] [FILE|-]
       mplus-webhooks simulate --url URL --secret S [--raw-key] [--subscription-id ID]
                               --scenario FILE... [--junit FILE] [--ignore POINTER,...]
                               [--pos-version V] [--transcript]
       mplus-webhooks simulate --url URL --secret S [--subscription-id ID]
                               --flow ticketing|cash-machine|reservation|loyalty|all
       mplus-webhooks send --url URL --secret S [--raw-key] [--subscription-id ID]
                           --event NAME [FILE|-]
       mplus-webhooks record --listen HOST:PORT --forward-to URL --out FILE
                             [--secret S] [--raw-key] [--redact POINTER,...]
       mplus-webhooks till --url URL --secret S [--raw-key] [--subscription-id ID]
                           [--port P] [--scenario FILE]
       mplus-webhooks schema --event NAME [--reply] [--strict]
       mplus-webhooks schema --all --out DIR [--strict]
       mplus-webhooks --help | --version

validate   Check a request body of event NAME (or, with --reply, a reply to it).
           Exit 0: it conforms; stdout holds the JSON the SDK writes back.
           Exit 1: one line per problem on stderr: <JSON pointer>: <what> (<WIRE_CODE>).
           A POS error request (`error` + `original`) is checked as such, and its
           `original` as a request of event NAME.
  --event NAME     the event, as the last segment of the webhook URL (e.g. addSessionLine)
  --reply          the input is a reply to NAME; the till's reply rules apply
  --request FILE   the request the reply answers: the session rules apply too
                   (INVALID_LINE_ID, LINE_ID_ALREADY_EXISTS, LINE_ALREADY_HAS_DISCOUNT, ...)
  --pos-version V  the POS version the fleet runs (e.g. 57.0.0): a reply using something
                   newer is a problem, reported with the version that introduced it
  --strict         unknown fields and unknown enumeration values are problems
  --known-only     print only what the typed model holds, without kept unknown fields

sign       Print the X-Mplus-Signature (base64 HMAC-SHA256) of the input's exact bytes.
verify     Check SIG against the input's exact bytes. Exit 0: valid; exit 1: invalid.
  --secret S       the secret as the back office shows it (base64)
  --raw-key        use the secret's text itself as the key, not its base64-decoded bytes
  --signature SIG  the X-Mplus-Signature value to check

simulate   Play the till against the middleware at URL (each event is POSTed to
           URL/<eventName>), signing every request and verifying every reply, through
           scenario files (docs/scenarios.md) or the demo flows (--flow).
           Exit 0: every step ran and every expectation held; exit 1: an expectation
           failed or the middleware broke the protocol (stderr names the scenario, the
           step, the JSON path, what was expected and what came); exit 2: usage error or
           an invalid scenario file (stderr names the JSON path in the file).
  --subscription-id ID   sent as X-Mplus-Subscription-Id
  --scenario FILE...     scenario files to run, in order (more FILEs may follow)
  --flow NAME            a demo flow (examples/scenarios), or all four
  --junit FILE           write JUnit XML, one test case per scenario
  --ignore POINTER,...   JSON pointers into replies left out of every comparison
  --pos-version V        replies using something newer than POS version V fail
  --transcript           print every transcript (by default only failing ones)

send       Send one event: a partial body (FILE, '-' or none: standard input) is completed
           into a valid signed request (event, sender, session filled in where absent).
           Prints the reply body on stdout and a one-line status on stderr.
           Exit 0: HTTP 200 and a correct signature; exit 1 otherwise.

record     A proxy between a real till and a middleware: every byte is forwarded
           unchanged (headers included, so signatures stay valid) and each exchange is
           added to FILE, a scenario of raw `send` steps whose recorded reply is the
           expectation. FILE is rewritten atomically after every exchange; SIGINT or
           SIGTERM stops the recorder. Replay with `simulate --scenario FILE`.
  --listen HOST:PORT    where the till connects (port 0: any free port, printed)
  --forward-to URL      the middleware; a request to /p is forwarded to URL/p
  --secret S            verify both signatures and warn on stderr (never written)
  --redact POINTER,...  blank these values in recorded requests; in recorded replies
                        they become "$any"

till       Serve an interactive till on http://127.0.0.1:P/ (docs/till.md) that plays the
           POS against the middleware at URL as the cashier clicks: dialogs, forms,
           messages, displays, receipts and every signed exchange. Prints
           `till on http://127.0.0.1:P/`; SIGINT or SIGTERM stops it.
  --port P          the page's port (0 or none: a free port)
  --scenario FILE   take the till defaults (till.articles, ...) from a scenario file

schema     Print the JSON Schema (draft 2020-12) of the request of event NAME (with --reply:
           of a reply to it), derived from the SDK's field tables: it accepts what the SDK
           reads. --all writes every schema and an OpenAPI 3.1 document (openapi.json) to DIR.
  --strict              describe strict reading: no unknown fields, only known enum values

FILE       read the input from FILE; '-' or no FILE reads standard input.
Exit 2: usage error (unknown option, missing or bad argument, unreadable input).
)";

/// A usage error: the message goes to stderr, followed by the usage text; exit 2.
int usage_error(const std::string& message);
/// A failure that is not about how the tool was called (unreadable file, bad secret); exit 2.
int fatal(const std::string& message);

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
                                         const std::vector<OptionSpec>& specs, std::string& error);

/// Reads every byte of `f` into `out`; false on a read error.
bool read_all(std::FILE* f, std::string& out);

constexpr const char* too_many_arguments = "too many arguments: give at most one FILE";

/// The exact bytes of the input named by the positional arguments (none or `-`: standard
/// input; at most one argument); nullopt after reporting the problem through `error`.
std::optional<std::string> read_input(const std::vector<std::string>& positional,
                                      std::string& error);
/// The exact bytes of the file `path`; nullopt after reporting the problem through `error`.
std::optional<std::string> read_file(const std::string& path, std::string& error);
/// Writes `bytes` to `path` through a temporary file renamed over it, so that a reader never
/// sees a partial file; false (and `error`) when it could not be written.
bool write_file_atomically(const std::string& path, const std::string& bytes, std::string& error);

/// Writes `text` to stdout; false when it could not be written (closed pipe, full disk).
bool print(const std::string& text);

/// The secret of `--secret` in the form `--raw-key` selects; nullopt after reporting why.
/// No message ever contains the secret.
std::optional<mw::Secret> load_secret(const Arguments& args, std::string& error);

/// Splits a comma-separated list (`--ignore /a,/b`); empty parts are dropped.
std::vector<std::string> split_list(std::string_view list);

/// The parts of an `http[s]://host[:port][/path]` URL.
struct HttpUrl {
    std::string scheme; ///< "http" or "https"
    std::string host;
    int port = 80;
    std::string path; ///< without a trailing '/'; "" for the root
};

/// Splits an HTTP URL; nullopt and `error` set when it is not one.
std::optional<HttpUrl> parse_http_url(std::string_view url, std::string& error);

/// A TCP port from 0 to 65535 written in decimal digits; nullopt for anything else.
std::optional<int> parse_port(std::string_view text);

/// True for the header name Content-Type in any case.
bool is_content_type(std::string_view name);

/// A client transport to `url`'s host through the cpp-httplib adapter (the request's path as
/// given), with the timeouts of a till: 5 s to connect, 65 s for a reply (pollExternalPayment
/// is a long poll). A request that gets no answer gives status 0 and the error in the body,
/// or, with `throw_on_failure`, throws, which the simulator records as a transport failure.
mw::PosTransport http_transport(const HttpUrl& url, bool throw_on_failure = true);

/// The options of the commands that play the till against a middleware: --url, --secret,
/// --raw-key and --subscription-id.
constexpr OptionSpec connection_options[] = {
    {"--url", true}, {"--secret", true}, {"--raw-key", false}, {"--subscription-id", true}};

/// `own` followed by connection_options.
std::vector<OptionSpec> with_connection_options(std::vector<OptionSpec> own);

/// How a command reaches the middleware it plays the till against.
struct Connection {
    std::string url_text;                       ///< --url as given
    HttpUrl url;                                ///< --url, split
    mw::Secret secret;                          ///< --secret in the key form --raw-key selects
    std::string secret_text;                    ///< --secret as given
    mw::KeyForm key_form;                       ///< raw_text with --raw-key
    std::optional<std::string> subscription_id; ///< --subscription-id

    /// Fills the secret, key form, base path and subscription id of the simulator's options
    /// (mw::SimulatorOptions; a template so that this header need not include the simulator).
    template <class SimulatorOptions>
    void fill(SimulatorOptions& till) const {
        till.secret = secret_text;
        till.key_form = key_form;
        till.base_path = url.path;
        if (subscription_id) till.subscription_id = *subscription_id;
    }
    /// The client transport to the middleware (see http_transport()).
    mw::PosTransport transport() const { return http_transport(url); }
};

/// The connection options of `command` (--url and --secret required); nullopt after reporting
/// the problem, with the exit code in `status`.
std::optional<Connection> read_connection(const Arguments& args, std::string_view command,
                                          int& status);

int run_validate(const std::vector<std::string>& args);
int run_sign(const std::vector<std::string>& args);
int run_verify(const std::vector<std::string>& args);
int run_simulate(const std::vector<std::string>& args);
int run_send(const std::vector<std::string>& args);
int run_record(const std::vector<std::string>& args);
int run_till(const std::vector<std::string>& args);
int run_schema(const std::vector<std::string>& args);

} // namespace mplus_webhooks_cli
