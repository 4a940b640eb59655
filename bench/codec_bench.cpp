// Measures decode+encode of the typed model against nlohmann::json parse+dump of the same bytes.
// SPDX-License-Identifier: MIT
//
// Usage: codec_bench [--quick]
//
// For each payload (an addSessionLine request whose session holds 1, 9 and 100 lines: about
// 0.8 KB, 3.3 KB and 28.8 KB, and the 9-line one again with unknown fields on every line and
// object, kept as exact text: about 6 KB), timed batches of the baseline and of ours alternate, so
// that a change in machine load hits both; each batch is sized to about 50 ms (5 ms with --quick)
// and the median of the per-operation times is printed.
//
// What one operation is:
//   baseline  nlohmann::json::parse(text) then j.dump(): a new json value and a new string.
//   ours      try_parse<AddSessionLineRequest>(text) then serialize_to(out, value) into one
//             std::string that is cleared and reused (its capacity stays from the first call).
//   ours*     the same, but serialize(value), which returns a new string each time, as dump() does.
// The baseline cannot reuse its output buffer (dump() always returns a new string), so "ours*"
// is the like-for-like row; "ours" is how a server that keeps a buffer per connection would call.
#include "bench_support.hpp"

#include <mplus/webhooks.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace mw = mplus::webhooks;
using Request = mw::AddSessionLineRequest;

using bench::make_payload;
using bench::measure;
using bench::sink;

/// `text` with fields the model does not know added to every line and to the request: numbers
/// beyond double, decimals with trailing zeros, a nested object and a list.
std::string with_unknown_fields(const std::string& text) {
    const std::string extra_line = R"("futureAmount":12345678901234567890.12345,"vatRate":21.00,)"
                                   R"("labels":["kitchen","bar"],"origin":{"app":"pos","v":2},)";
    std::string out;
    out.reserve(text.size() * 2);
    std::size_t from = 0;
    for (std::size_t at = text.find(R"("lineId":)"); at != std::string::npos;
         at = text.find(R"("lineId":)", at + 1)) {
        out.append(text, from, at - from).append(extra_line);
        from = at;
    }
    out.append(text, from, std::string::npos);
    out.insert(out.size() - 1,
               R"(,"futureObject":{"rates":[0.10,0.20],"big":98765432109876543210})");
    return out;
}

struct Row {
    const char* name;
    std::size_t bytes;
    std::vector<double> ns; // see the order in main()
};

} // namespace

int main(int argc, char** argv) {
    const auto [batches, batch_ns, quick] = bench::parse_run_settings(argc, argv);

    struct Case {
        const char* name;
        std::size_t lines;
        bool unknown; ///< with unknown fields, kept as exact text
    };
    const Case cases[] = {{"small (1 line)", 1, false},
                          {"medium (9 lines)", 9, false},
                          {"large (100 lines)", 100, false},
                          {"medium + unknown", 9, true}};

    std::vector<Row> rows;
    for (const Case& c : cases) {
        const std::string text =
            c.unknown ? with_unknown_fields(make_payload(c.lines)) : make_payload(c.lines);

        // Both sides must produce the same JSON value, or the figures compare different work.
        const auto once = mw::try_parse<Request>(text);
        if (!once) {
            std::fprintf(stderr, "%s: try_parse failed: %s %s\n", c.name, once.error().path.c_str(),
                         once.error().message.c_str());
            return 1;
        }
        const nlohmann::json input = nlohmann::json::parse(text);
        const nlohmann::json ours_value = nlohmann::json::parse(mw::serialize(*once));
        const nlohmann::json theirs_value = nlohmann::json::parse(input.dump());
        if (ours_value != input || theirs_value != input) {
            std::fprintf(stderr, "%s: outputs differ in value\n  ours: %s\n  nlohmann: %s\n",
                         c.name, ours_value.dump().c_str(), theirs_value.dump().c_str());
            return 1;
        }

        std::string out;
        out.reserve(2 * text.size());
        const Request parsed = *once;
        const nlohmann::json parsed_json = input;

        auto base_both = [&] { return nlohmann::json::parse(text).dump().size(); };
        auto ours_both = [&] {
            auto r = mw::try_parse<Request>(text);
            out.clear();
            mw::serialize_to(out, *r);
            return out.size();
        };
        auto ours_fresh = [&] {
            auto r = mw::try_parse<Request>(text);
            return mw::serialize(*r).size();
        };
        auto base_parse = [&] { return nlohmann::json::parse(text).size(); };
        auto ours_parse = [&] { return mw::try_parse<Request>(text)->session.lines.size(); };
        auto base_dump = [&] { return parsed_json.dump().size(); };
        auto ours_write = [&] {
            out.clear();
            mw::serialize_to(out, parsed);
            return out.size();
        };
        rows.push_back(Row{c.name, text.size(),
                           measure(batches, batch_ns, base_both, ours_both, ours_fresh, base_parse,
                                   ours_parse, base_dump, ours_write)});
    }

    std::printf("codec_bench: AddSessionLineRequest, median of %d alternating batches of ~%.0f ms "
                "each%s\n\n",
                batches, batch_ns / 1e6, quick ? " (--quick)" : "");
    std::printf("decode+encode, ns per operation (target: ours/baseline <= 1.30)\n");
    std::printf("%-18s %8s %14s %12s %12s %10s %10s\n", "payload", "bytes", "baseline", "ours",
                "ours*", "ours/base", "ours*/base");
    for (const Row& r : rows) {
        std::printf("%-18s %8zu %14.0f %12.0f %12.0f %10.2f %10.2f\n", r.name, r.bytes, r.ns[0],
                    r.ns[1], r.ns[2], r.ns[1] / r.ns[0], r.ns[2] / r.ns[0]);
    }
    std::printf("  baseline = nlohmann::json::parse(text).dump()\n"
                "  ours     = try_parse<AddSessionLineRequest>(text) + serialize_to(reused "
                "string)\n"
                "  ours*    = try_parse<AddSessionLineRequest>(text) + serialize(value) (new "
                "string, like dump())\n\n");
    std::printf("the halves, ns per operation\n");
    std::printf("%-18s %14s %12s %8s %14s %12s %8s\n", "payload", "json::parse", "try_parse",
                "ratio", "json::dump", "serialize_to", "ratio");
    for (const Row& r : rows) {
        std::printf("%-18s %14.0f %12.0f %8.2f %14.0f %12.0f %8.2f\n", r.name, r.ns[3], r.ns[4],
                    r.ns[4] / r.ns[3], r.ns[5], r.ns[6], r.ns[6] / r.ns[5]);
    }
    std::printf("  json::dump of a parsed json; serialize_to of a parsed request into a reused "
                "string\n");
    return 0;
}
