// Measures decode+encode of the typed model against nlohmann::json parse+dump of the same bytes.
// SPDX-License-Identifier: MIT
//
// Usage: codec_bench [--quick]
//
// For each payload (an addSessionLine request whose session holds 1, 9 and 100 lines: about
// 0.8 KB, 3.3 KB and 28.8 KB), timed batches of the baseline and of ours alternate, so that a
// change in machine load hits both; each batch is sized to about 50 ms (5 ms with --quick) and
// the median of the per-operation times is printed.
//
// What one operation is:
//   baseline  nlohmann::json::parse(text) then j.dump(): a new json value and a new string.
//   ours      try_parse<AddSessionLineRequest>(text) then serialize_to(out, value) into one
//             std::string that is cleared and reused (its capacity stays from the first call).
//   ours*     the same, but serialize(value), which returns a new string each time, as dump() does.
// The baseline cannot reuse its output buffer (dump() always returns a new string), so "ours*"
// is the like-for-like row; "ours" is how a server that keeps a buffer per connection would call.
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

// Keeps the optimizer from dropping work whose result nobody reads.
volatile std::size_t sink = 0;

// --- Payloads ------------------------------------------------------------------------------

const char* const article_texts[] = {
    "Cappuccino",
    "Caffe latte groot",
    "Verse jus d'orange 0,3l",
    "Appeltaart met slagroom",
    "Tosti ham/kaas",
    "Club sandwich kip-avocado",
    "Spa blauw 0,5l",
    "Huiswijn rood (glas)",
    "Bitterballen 8 stuks",
    "Biefstuk met friet en salade",
    "Kinderijsje aardbei",
    "Heineken tap 0,25l",
};
const char* const prices[] = {"3.20", "3.90", "4.50", "4.75",  "6.25", "9.95",
                              "2.95", "5.50", "7.25", "24.50", "3.75", "12.50"};

/// Session line `i`: every fourth one lean (as a plain POS article sends it), the others with
/// supplier and PLU numbers; every third one carries an externalDiscount.
std::string line_json(std::size_t i) {
    const std::size_t k = i % 12;
    std::string s = "{\"lineId\":\"";
    char id[40];
    std::snprintf(id, sizeof id, "4f1c9a2e-%04zx-4b7d-9e21-%012zx", i, 0x6a3f00c0ffeeu + i);
    s += id;
    s += "\",\"articleNumber\":";
    s += std::to_string(100230 + i * 7);
    s += ",\"priceIncl\":";
    s += prices[k];
    s += ",\"quantity\":";
    s += (i % 5 == 3) ? "2.5" : std::to_string(1 + i % 3);
    s += ",\"text\":\"";
    s += article_texts[k];
    s += "\"";
    if (i % 4 != 0) {
        s += ",\"discountPercentage\":0,\"discountAmount\":0,\"supplierArticleNumber\":\"SUP-";
        s += std::to_string(880000 + i);
        s += "\",\"pluNumber\":\"";
        s += std::to_string(4000 + i);
        s += "\",\"extArticleId\":\"ext-art-";
        s += std::to_string(51000 + i);
        s += "\"";
    }
    if (i % 3 == 1) {
        s += ",\"externalDiscount\":{\"discountId\":\"loyalty-";
        s += std::to_string(9000 + i);
        s += "\",\"discountDescription\":\"Stempelkaart korting 10%\","
             "\"discountPercentage\":10,\"discountAmount\":0.50}";
    }
    s += "}";
    return s;
}

/// An addSessionLine request whose session holds `line_count` lines; the last one is the line
/// just added. One line: a take-away sale on an older POS (no table, no totals). More lines: a
/// table session on a current POS, with a relation, a prepayment and totals.
std::string make_payload(std::size_t line_count) {
    const bool table_session = line_count > 1;
    std::string s =
        R"({"event":{"eventBlocking":true,"eventPolling":false,"eventCounter":18342,)"
        R"("eventTimestamp":"2024-05-14T10:21:33.412+02:00"},)"
        R"("sender":{"branchNumber":1,"workplaceNumber":3,)"
        R"("instanceId":"8d0b6f2a-5c1e-4f7a-9b3d-2e6c1a9f0b47","paymentStarted":false,)"
        R"("productName":"MplusQ","employeeNumber":12,"browserFamily":"Chrome",)"
        R"("browserVersion":"124.0.6367.91","deviceType":"Tablet","platformFamily":"Android",)"
        R"("platformVersion":"13","hasReceiptPrinter":true},)"
        R"("session":{"sessionId":"c2f7e1d4-93a8-4e0b-8f65-1b7d2a4c9e30",)";
    if (table_session) s += R"("table":{"number":14,"subNumber":0},)";
    s += R"("lines":[)";
    for (std::size_t i = 0; i < line_count; ++i) {
        if (i != 0) s += ",";
        s += line_json(i);
    }
    s += "]";
    if (table_session) {
        s += R"(,"relation":{"relationNumber":20417,"name":"Bakkerij de Vries B.V."})";
        s += R"(,"payments":[{"amount":50.00,"description":"Pin","method":"PIN"}])";
        s += R"(,"openAmount":)" + std::to_string(line_count * 7 - 50) + ".25";
        s += R"(,"totalInclAmount":)" + std::to_string(line_count * 7) + ".25";
        s += R"(,"totalExclAmount":)" + std::to_string(line_count * 6) + ".07";
    }
    s += R"(},"addSessionLine":{"line":)" + line_json(line_count - 1) + "}}";
    return s;
}

// --- Timing --------------------------------------------------------------------------------

using Clock = std::chrono::steady_clock;

/// Runs `op` `n` times; nanoseconds per call.
template <class Op>
double time_batch(Op& op, std::size_t n) {
    const auto start = Clock::now();
    for (std::size_t i = 0; i < n; ++i) sink = sink + op();
    const auto stop = Clock::now();
    return std::chrono::duration<double, std::nano>(stop - start).count() / static_cast<double>(n);
}

/// How many calls of `op` take about `target_ns`.
template <class Op>
std::size_t calibrate(Op& op, double target_ns) {
    std::size_t n = 1;
    for (;;) {
        const double per = time_batch(op, n);
        const double total = per * static_cast<double>(n);
        if (total >= target_ns / 8 || n >= (std::size_t{1} << 28)) {
            const double want = target_ns / per;
            return want < 1 ? 1 : static_cast<std::size_t>(want);
        }
        n *= 4;
    }
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 != 0 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/// Times the operations of `ops` in alternating batches; the median ns per call of each.
template <class... Ops>
std::vector<double> measure(int batches, double batch_ns, Ops&... ops) {
    const std::vector<std::size_t> n{calibrate(ops, batch_ns)...};
    std::vector<std::vector<double>> samples(sizeof...(Ops));
    for (int b = 0; b < batches; ++b) {
        std::size_t i = 0;
        ((samples[i].push_back(time_batch(ops, n[i])), ++i), ...);
    }
    std::vector<double> result;
    for (auto& s : samples) result.push_back(median(s));
    return result;
}

struct Row {
    const char* name;
    std::size_t bytes;
    std::vector<double> ns; // see the order in main()
};

} // namespace

int main(int argc, char** argv) {
    bool quick = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else {
            std::fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
            return 2;
        }
    }
    const int batches = quick ? 5 : 15;
    const double batch_ns = quick ? 5e6 : 50e6;

    struct Case {
        const char* name;
        std::size_t lines;
    };
    const Case cases[] = {
        {"small (1 line)", 1}, {"medium (9 lines)", 9}, {"large (100 lines)", 100}};

    std::vector<Row> rows;
    for (const Case& c : cases) {
        const std::string text = make_payload(c.lines);

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
