// Benchmark support: the addSessionLine payloads and alternating, calibrated timing.
// SPDX-License-Identifier: MIT
//
// codec_bench.cpp and dispatch_bench.cpp share these payloads, so that the codec and dispatcher
// figures in docs/benchmarks.md describe the same requests.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace bench {

/// How many batches of what length a benchmark times.
struct RunSettings {
    int batches = 15;
    double batch_ns = 50e6;
    bool quick = false; ///< a smoke test: the figures mean little
};

/// The settings of `argv`: none (15 batches of ~50 ms) or `--quick` (5 of ~5 ms, a smoke test);
/// anything else prints the usage and exits 2.
inline RunSettings parse_run_settings(int argc, char** argv) {
    RunSettings settings;
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--quick") {
            settings.batches = 5;
            settings.batch_ns = 5e6;
            settings.quick = true;
        } else {
            std::fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
            std::exit(2);
        }
    }
    return settings;
}

// Keeps the optimizer from dropping work whose result nobody reads.
inline volatile std::size_t sink = 0;

inline const char* const article_texts[] = {
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
inline const char* const prices[] = {"3.20", "3.90", "4.50", "4.75",  "6.25", "9.95",
                                     "2.95", "5.50", "7.25", "24.50", "3.75", "12.50"};

/// Session line `i`: every fourth one lean (as a plain POS article sends it), the others with
/// supplier and PLU numbers; every third one carries an externalDiscount.
inline std::string line_json(std::size_t i) {
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
inline std::string make_payload(std::size_t line_count) {
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
        s += R"(,"openAmount":)" + std::to_string(static_cast<long long>(line_count) * 7 - 50) +
             ".25";
        s += R"(,"totalInclAmount":)" + std::to_string(line_count * 7) + ".25";
        s += R"(,"totalExclAmount":)" + std::to_string(line_count * 6) + ".07";
    }
    s += R"(},"addSessionLine":{"line":)" + line_json(line_count - 1) + "}}";
    return s;
}

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

inline double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 != 0 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/// Times the operations in alternating batches (so that load drift hits all alike); the
/// median ns per call of each.
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

} // namespace bench
