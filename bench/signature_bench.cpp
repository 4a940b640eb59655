// Measures the time to sign a 3.5 KB body: portable HMAC-SHA256, and OpenSSL when enabled.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/base64.hpp>
#include <mplus/webhooks/detail/crypto/sha256.hpp>
#include <mplus/webhooks/signature.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace {

namespace mw = mplus::webhooks;
namespace md = mplus::webhooks::detail;

constexpr std::size_t body_size = 3500;
constexpr int repetitions = 9;
constexpr int batch = 2000;

// Keeps the optimizer from dropping signatures nobody reads.
volatile unsigned char sink = 0;

template <class Sign>
double median_microseconds(Sign sign) {
    std::array<double, repetitions> per_call{};
    for (double& result : per_call) {
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < batch; ++i) sink = static_cast<unsigned char>(sink ^ sign());
        const auto stop = std::chrono::steady_clock::now();
        result = std::chrono::duration<double, std::micro>(stop - start).count() / batch;
    }
    std::sort(per_call.begin(), per_call.end());
    return per_call[repetitions / 2];
}

} // namespace

int main() {
    // A body shaped like a real request: JSON text, not zeros.
    std::string body = R"({"event":{"eventCounter":1},"session":{"lines":[)";
    while (body.size() < body_size - 2) body += R"({"lineId":"1c6b","priceIncl":2.50},)";
    body.resize(body_size - 2);
    body += "]}";

    const std::optional<mw::Secret> secret =
        mw::Secret::from_text("eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=");
    if (!secret) return 1;
    const std::string key = *mw::base64_decode("eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=");
    const md::HmacSha256Key portable(key);

    const double portable_us = median_microseconds([&] {
        return static_cast<unsigned char>(
            mw::base64_encode(md::digest_bytes(portable.compute(body)))[0]);
    });
    std::printf("sign %zu-byte body, median of %d batches of %d:\n", body.size(), repetitions,
                batch);
    const double one_shot_us = median_microseconds([&] {
        return static_cast<unsigned char>(
            mw::base64_encode(md::digest_bytes(md::hmac_sha256(key, body)))[0]);
    });
    std::printf("  %-42s %8.2f us\n", "portable, precomputed key states:", portable_us);
    std::printf("  %-42s %8.2f us\n", "portable, key states recomputed per call:", one_shot_us);
    if constexpr (md::openssl_hmac) {
        const double openssl_us =
            median_microseconds([&] { return static_cast<unsigned char>(secret->sign(body)[0]); });
        std::printf("  %-42s %8.2f us\n", "OpenSSL 3 EVP_MAC, precomputed context:", openssl_us);
    } else {
        std::printf("  OpenSSL 3 EVP_MAC: (not built; define MPLUS_WEBHOOKS_USE_OPENSSL)\n");
    }
    // Both paths must agree, or the figures compare different things.
    return secret->sign(body) == mw::base64_encode(md::digest_bytes(portable.compute(body))) ? 0
                                                                                             : 2;
}
