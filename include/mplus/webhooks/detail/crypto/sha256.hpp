// Portable SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), with precomputable HMAC key states.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE
namespace detail {

/// Overwrites `size` bytes at `data` with zeros in a way the optimizer may not drop.
inline void secure_wipe(void* data, std::size_t size) noexcept {
    // Writes through a volatile pointer count as observable behaviour, so they survive even
    // when the memory is about to be freed.
    volatile unsigned char* p = static_cast<volatile unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) p[i] = 0;
}

/// SHA-256 round constants (FIPS 180-4, 4.2.2).
inline constexpr std::array<std::uint32_t, 64> sha256_round_constants = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u,
    0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu,
    0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu,
    0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
    0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u,
    0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u,
    0xc67178f2u};

/// SHA-256 initial hash value (FIPS 180-4, 5.3.3).
inline constexpr std::array<std::uint32_t, 8> sha256_initial_state = {
    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
    0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};

/// Streaming SHA-256: init(), any number of update() calls, then final().
class Sha256 {
public:
    /// Size of a digest in bytes.
    static constexpr std::size_t digest_size = 32;
    /// Size of a compression block in bytes.
    static constexpr std::size_t block_size = 64;
    /// A finished digest.
    using Digest = std::array<unsigned char, digest_size>;
    /// The chaining value between blocks (what HMAC precomputes).
    using State = std::array<std::uint32_t, 8>;

    /// A fresh hash, ready for update().
    Sha256() noexcept = default;

    /// A hash resumed from a chaining value after `length` bytes, a multiple of block_size.
    static Sha256 resume(const State& state, std::uint64_t length) noexcept {
        Sha256 h;
        h.state_ = state;
        h.length_ = length;
        return h;
    }

    /// Starts over, forgetting everything hashed so far.
    void init() noexcept { *this = Sha256(); }

    /// Hashes `size` more bytes from `data`.
    void update(const void* data, std::size_t size) noexcept {
        const unsigned char* p = static_cast<const unsigned char*>(data);
        length_ += size;
        if (buffered_ != 0) {
            std::size_t take = block_size - buffered_;
            if (take > size) take = size;
            for (std::size_t i = 0; i < take; ++i) buffer_[buffered_ + i] = p[i];
            buffered_ += take;
            p += take;
            size -= take;
            if (buffered_ < block_size) return;
            compress(buffer_.data());
            buffered_ = 0;
        }
        // Whole blocks straight from the input: no copy for the bulk of a body.
        for (; size >= block_size; size -= block_size, p += block_size) compress(p);
        for (std::size_t i = 0; i < size; ++i) buffer_[i] = p[i];
        buffered_ = size;
    }

    /// Hashes the bytes of `bytes`.
    void update(std::string_view bytes) noexcept { update(bytes.data(), bytes.size()); }

    /// The chaining value; meaningful only after a multiple of block_size bytes.
    const State& state() const noexcept { return state_; }

    /// Zeroes everything this hash holds (for states derived from a key).
    void wipe() noexcept { secure_wipe(this, sizeof *this); }

    /// Pads, finishes and returns the digest; call init() before hashing again.
    Digest final() noexcept {
        const std::uint64_t bit_length = length_ * 8u;
        buffer_[buffered_++] = 0x80;
        if (buffered_ > block_size - 8) {
            while (buffered_ < block_size) buffer_[buffered_++] = 0;
            compress(buffer_.data());
            buffered_ = 0;
        }
        while (buffered_ < block_size - 8) buffer_[buffered_++] = 0;
        for (std::size_t i = 0; i < 8; ++i) {
            buffer_[block_size - 1 - i] = static_cast<unsigned char>(bit_length >> (8 * i));
        }
        compress(buffer_.data());
        buffered_ = 0;
        Digest out{};
        for (std::size_t i = 0; i < 8; ++i) {
            out[4 * i] = static_cast<unsigned char>(state_[i] >> 24);
            out[4 * i + 1] = static_cast<unsigned char>(state_[i] >> 16);
            out[4 * i + 2] = static_cast<unsigned char>(state_[i] >> 8);
            out[4 * i + 3] = static_cast<unsigned char>(state_[i]);
        }
        return out;
    }

private:
    static constexpr std::uint32_t rotr(std::uint32_t x, unsigned n) noexcept {
        return (x >> n) | (x << (32u - n));
    }

    void compress(const unsigned char* block) noexcept {
        std::array<std::uint32_t, 64> w{};
        for (std::size_t i = 0; i < 16; ++i) {
            w[i] = (static_cast<std::uint32_t>(block[4 * i]) << 24) |
                   (static_cast<std::uint32_t>(block[4 * i + 1]) << 16) |
                   (static_cast<std::uint32_t>(block[4 * i + 2]) << 8) |
                   static_cast<std::uint32_t>(block[4 * i + 3]);
        }
        for (std::size_t i = 16; i < 64; ++i) {
            const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
        std::uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
        for (std::size_t i = 0; i < 64; ++i) {
            const std::uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
                                     ((e & f) ^ (~e & g)) + sha256_round_constants[i] + w[i];
            const std::uint32_t t2 =
                (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state_[0] += a;
        state_[1] += b;
        state_[2] += c;
        state_[3] += d;
        state_[4] += e;
        state_[5] += f;
        state_[6] += g;
        state_[7] += h;
    }

    State state_ = sha256_initial_state;
    std::array<unsigned char, block_size> buffer_{};
    std::uint64_t length_ = 0;
    std::size_t buffered_ = 0;
};

/// SHA-256 of `bytes` in one call.
inline Sha256::Digest sha256(std::string_view bytes) noexcept {
    Sha256 h;
    h.update(bytes);
    return h.final();
}

/// An HMAC-SHA256 key reduced to its inner and outer chaining values, computed once.
///
/// Each MAC then costs the body's blocks plus two final blocks, instead of re-hashing the
/// padded key twice. The states are as secret as the key: they are wiped on destruction and
/// never printed. The key bytes themselves are not kept.
class HmacSha256Key {
public:
    /// A key that has not been set; compute() on it gives HMAC with the empty key.
    HmacSha256Key() noexcept : HmacSha256Key(std::string_view{}) {}

    /// Precomputes the states for `key` (any length; keys over 64 bytes are hashed first).
    explicit HmacSha256Key(std::string_view key) noexcept {
        std::array<unsigned char, Sha256::block_size> block{};
        Sha256::Digest hashed{};
        if (key.size() > Sha256::block_size) {
            hashed = sha256(key);
            for (std::size_t i = 0; i < hashed.size(); ++i) block[i] = hashed[i];
        } else {
            for (std::size_t i = 0; i < key.size(); ++i) {
                block[i] = static_cast<unsigned char>(key[i]);
            }
        }
        for (auto& byte : block) byte = static_cast<unsigned char>(byte ^ 0x36u);
        Sha256 inner;
        inner.update(block.data(), block.size());
        inner_ = inner.state();
        // 0x36 ^ 0x5c turns the inner pad into the outer pad without going back to the key.
        for (auto& byte : block) byte = static_cast<unsigned char>(byte ^ (0x36u ^ 0x5cu));
        Sha256 outer;
        outer.update(block.data(), block.size());
        outer_ = outer.state();
        inner.wipe();
        outer.wipe();
        secure_wipe(block.data(), block.size());
        secure_wipe(hashed.data(), hashed.size());
    }

    HmacSha256Key(const HmacSha256Key&) noexcept = default;
    HmacSha256Key& operator=(const HmacSha256Key&) noexcept = default;
    ~HmacSha256Key() {
        secure_wipe(inner_.data(), sizeof inner_);
        secure_wipe(outer_.data(), sizeof outer_);
    }

    /// HMAC-SHA256 of `message` under this key.
    Sha256::Digest compute(std::string_view message) const noexcept {
        Sha256 inner = Sha256::resume(inner_, Sha256::block_size);
        inner.update(message);
        const Sha256::Digest inner_digest = inner.final();
        Sha256 outer = Sha256::resume(outer_, Sha256::block_size);
        outer.update(inner_digest.data(), inner_digest.size());
        return outer.final();
    }

private:
    Sha256::State inner_{};
    Sha256::State outer_{};
};

/// HMAC-SHA256 of `message` under `key` in one call (portable code, never OpenSSL).
inline Sha256::Digest hmac_sha256(std::string_view key, std::string_view message) noexcept {
    return HmacSha256Key(key).compute(message);
}

} // namespace detail
MPLUS_WEBHOOKS_END_NAMESPACE
