// mplus-webhooks schema: the JSON Schema of a request or reply, or every schema and an OpenAPI
// 3.1 document written to a directory.
// SPDX-License-Identifier: MIT

#include "cli.hpp"

#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/schema.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

namespace mplus_webhooks_cli {

namespace {

/// Writes `doc` to `dir`/`name`; false after reporting the problem.
bool write_schema(const std::filesystem::path& dir, const std::string& name,
                  const nlohmann::json& doc) {
    std::string error;
    if (!write_file_atomically((dir / name).string(), doc.dump(2) + '\n', error)) {
        fatal(error);
        return false;
    }
    return true;
}

int write_all(const std::string& dir, const mw::SchemaOptions& options) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fatal("cannot create " + dir + ": " + ec.message());
    const std::filesystem::path base(dir);
    std::size_t written = 0;
    for (std::size_t i = 0; i < mw::event_count; ++i) {
        const auto kind = static_cast<mw::EventKind>(i);
        const std::string name(mw::event_name(kind));
        if (!write_schema(base, name + ".request.schema.json", mw::request_schema(kind, options)) ||
            !write_schema(base, name + ".reply.schema.json", mw::reply_schema(kind, options))) {
            return exit_usage;
        }
        written += 2;
    }
    if (!write_schema(base, "posErrorRequest.schema.json", mw::pos_error_request_schema(options)) ||
        !write_schema(base, "openapi.json", mw::openapi_document(options))) {
        return exit_usage;
    }
    written += 2;
    std::cerr << program << ": wrote " << written << " files to " << dir << '\n';
    return exit_ok;
}

} // namespace

int run_schema(const std::vector<std::string>& args) {
    std::string error;
    const auto parsed = parse_arguments(args,
                                        {{"--event", true},
                                         {"--reply", false},
                                         {"--all", false},
                                         {"--out", true},
                                         {"--strict", false}},
                                        error);
    if (!parsed) return usage_error(error);
    if (!parsed->positional.empty()) return usage_error("schema takes no FILE");
    mw::SchemaOptions options;
    options.strict = parsed->has("--strict");
    const std::string* event = parsed->value("--event");
    const std::string* out = parsed->value("--out");
    if (parsed->has("--all")) {
        if (event != nullptr || parsed->has("--reply")) {
            return usage_error("schema --all takes no --event or --reply");
        }
        if (out == nullptr) return usage_error("schema --all needs --out DIR");
        return write_all(*out, options);
    }
    if (out != nullptr) return usage_error("schema --out goes with --all");
    if (event == nullptr) return usage_error("schema needs --event NAME or --all --out DIR");
    const mw::EventKind kind = mw::find_event(*event);
    if (kind == mw::EventKind::unknown) {
        std::string known;
        for (auto n : mw::event_names) known.append(known.empty() ? "" : ", ").append(n);
        return usage_error("unknown event '" + *event + "'; known events: " + known);
    }
    const nlohmann::json doc = parsed->has("--reply") ? mw::reply_schema(kind, options)
                                                      : mw::request_schema(kind, options);
    return print(doc.dump(2) + '\n') ? exit_ok : exit_usage;
}

} // namespace mplus_webhooks_cli
