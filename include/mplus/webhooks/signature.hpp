// X-Mplus-Signature: HMAC-SHA256 secrets, signing, constant-time verification, key rotation.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/base64.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/detail/crypto/sha256.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#ifdef MPLUS_WEBHOOKS_USE_OPENSSL
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#endif

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// Constant-time equality of two byte strings (time depends only on the lengths).
inline bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    // The volatile accumulator keeps the optimizer from turning the loop into an early exit
    // at the first differing byte, which would leak how many leading bytes matched.
    volatile unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = static_cast<unsigned char>(diff | static_cast<unsigned char>(a[i] ^ b[i]));
    }
    return diff == 0;
}

/// How the secret's text becomes the HMAC key.
enum class KeyForm {
    base64_decoded, ///< The key is the base64-decoded secret (the protocol's form; default).
    raw_text,       ///< The secret's ASCII text itself is the key.
};

namespace detail {

/// The bytes of a digest as a string_view.
inline std::string_view digest_bytes(const Sha256::Digest& digest) noexcept {
    // Viewing unsigned char storage as char is allowed: both are byte types.
    return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

/// Decodes an X-Mplus-Signature value into `out`; false unless it is exactly 44 characters
/// of strict base64 holding 32 bytes.
inline bool decode_signature(std::string_view signature, Sha256::Digest& out) noexcept {
    return signature.size() == 44 &&
           base64_decode_into(signature, out.data(), out.size()) == out.size();
}

// The OpenSSL build changes the layout and the code of SigningKey, Secret and KeyRing. An
// extra inline namespace gives them other mangled names, so a program that mixes translation
// units built with and without MPLUS_WEBHOOKS_USE_OPENSSL fails to link instead of breaking
// the one-definition rule silently.
#ifdef MPLUS_WEBHOOKS_USE_OPENSSL
inline namespace openssl_backend {

/// True when HMAC is computed by OpenSSL (MPLUS_WEBHOOKS_USE_OPENSSL is defined).
inline constexpr bool openssl_hmac = true;

/// Frees an EVP_MAC_CTX.
struct EvpMacCtxFree {
    void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};

/// An OpenSSL HMAC-SHA256 context keyed with `key`, or null when OpenSSL cannot make one
/// (no default provider, out of memory); the caller then falls back to the portable code.
inline std::shared_ptr<const EVP_MAC_CTX> make_openssl_hmac(std::string_view key) noexcept {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr) return nullptr;
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); // the context keeps its own reference
    if (ctx == nullptr) return nullptr;
    char digest_name[] = "SHA256"; // OSSL_PARAM wants a mutable pointer; OpenSSL only reads it
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end()};
    if (EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) !=
        1) {
        EVP_MAC_CTX_free(ctx);
        return nullptr;
    }
    try {
        return std::shared_ptr<const EVP_MAC_CTX>(ctx, EvpMacCtxFree{});
    } catch (...) { // shared_ptr has already freed ctx through the deleter
        return nullptr;
    }
}
#else
/// True when HMAC is computed by OpenSSL (MPLUS_WEBHOOKS_USE_OPENSSL is defined).
inline constexpr bool openssl_hmac = false;
#endif

/// One HMAC-SHA256 key with its pad states precomputed (portable, plus OpenSSL when enabled).
class SigningKey {
public:
    /// Precomputes the states for `key`; the key bytes are not kept.
    explicit SigningKey(std::string_view key) noexcept
        : portable_(key)
#ifdef MPLUS_WEBHOOKS_USE_OPENSSL
          ,
          openssl_(make_openssl_hmac(key))
#endif
    {
    }

    /// HMAC-SHA256 of `body`.
    Sha256::Digest mac(std::string_view body) const noexcept {
#ifdef MPLUS_WEBHOOKS_USE_OPENSSL
        // The keyed context is shared between copies and threads and never changes; each MAC
        // runs on a private duplicate, which copies the precomputed pad states.
        if (openssl_ != nullptr) {
            EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(openssl_.get());
            if (ctx != nullptr) {
                Sha256::Digest out{};
                std::size_t written = 0;
                const bool ok =
                    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(body.data()),
                                   body.size()) == 1 &&
                    EVP_MAC_final(ctx, out.data(), &written, out.size()) == 1 &&
                    written == out.size();
                EVP_MAC_CTX_free(ctx);
                if (ok) return out;
            }
        }
#endif
        return portable_.compute(body);
    }

private:
    HmacSha256Key portable_;
#ifdef MPLUS_WEBHOOKS_USE_OPENSSL
    std::shared_ptr<const EVP_MAC_CTX> openssl_;
#endif
};

#ifdef MPLUS_WEBHOOKS_USE_OPENSSL
} // inline namespace openssl_backend
#endif
} // namespace detail

#ifdef MPLUS_WEBHOOKS_USE_OPENSSL
inline namespace openssl_backend {
#endif

/// A subscription's shared secret, ready to sign and verify bodies.
///
/// Holds only precomputed HMAC states, never the secret's text or key bytes, and has no
/// accessor, to-string or stream output for them: a Secret cannot leak into a log. Copies
/// are cheap and independent; one Secret may be used from several threads at once.
class Secret {
public:
    /// Reads the secret as shown by the POS back office.
    ///
    /// nullopt when `text` is empty, or when `form` is base64_decoded and `text` is not
    /// strict base64 (see base64_decode(): padding required, no whitespace). Surrounding
    /// whitespace is not trimmed: it would be part of the key.
    static std::optional<Secret> from_text(std::string_view text,
                                           KeyForm form = KeyForm::base64_decoded) {
        if (text.empty()) return std::nullopt;
        std::optional<detail::SigningKey> decoded_key;
        if (std::optional<std::string> decoded = base64_decode(text)) {
            decoded_key.emplace(*decoded);
            detail::secure_wipe(decoded->data(), decoded->size());
        }
        detail::SigningKey raw_key(text);
        if (form == KeyForm::base64_decoded) {
            if (!decoded_key) return std::nullopt;
            return Secret(form, std::move(*decoded_key), std::move(raw_key));
        }
        return Secret(form, std::move(raw_key), std::move(decoded_key));
    }

    /// The key form this secret signs and verifies with.
    KeyForm form() const noexcept { return form_; }

    /// base64(HMAC-SHA256(key, body)): the X-Mplus-Signature of `body` (44 characters).
    std::string sign(std::string_view body) const {
        return base64_encode(detail::digest_bytes(key_.mac(body)));
    }

    /// True when `signature` is the signature of `body`; compares in constant time.
    /// A malformed signature (wrong length, not strict base64) is false, never an error.
    bool verify(std::string_view body, std::string_view signature) const noexcept {
        return matches(key_, body, signature);
    }

    /// Whether the other key form would have accepted `signature`: a diagnostic for a failed
    /// verify() that names the likely misconfiguration without revealing the secret. Always
    /// false for a raw_text secret whose text is not base64.
    bool other_form_matches(std::string_view body, std::string_view signature) const noexcept {
        return other_ && matches(*other_, body, signature);
    }

private:
    Secret(KeyForm form, detail::SigningKey key, std::optional<detail::SigningKey> other)
        : form_(form), key_(std::move(key)), other_(std::move(other)) {}

    static bool matches(const detail::SigningKey& key, std::string_view body,
                        std::string_view signature) noexcept {
        detail::Sha256::Digest given{};
        if (!detail::decode_signature(signature, given)) return false;
        return constant_time_equal(detail::digest_bytes(key.mac(body)),
                                   detail::digest_bytes(given));
    }

    KeyForm form_;
    detail::SigningKey key_;
    std::optional<detail::SigningKey> other_;
};

/// Several secrets for one subscription (key rotation): signs with the first, verifies
/// against all.
class KeyRing {
public:
    /// An empty ring: verifies nothing, cannot sign.
    KeyRing() = default;
    /// A ring of `secrets`; the first one signs.
    explicit KeyRing(std::vector<Secret> secrets) : secrets_(std::move(secrets)) {}

    /// Appends a secret that verifies but does not sign (unless the ring was empty).
    void add(Secret secret) { secrets_.push_back(std::move(secret)); }
    /// True when the ring holds no secret.
    bool empty() const noexcept { return secrets_.empty(); }
    /// Number of secrets in the ring.
    std::size_t size() const noexcept { return secrets_.size(); }

    /// The secret that signs; throws std::logic_error when the ring is empty.
    const Secret& primary() const {
        if (secrets_.empty()) throw std::logic_error("mplus::webhooks::KeyRing is empty");
        return secrets_.front();
    }

    /// The signature of `body` with the primary secret; throws std::logic_error when empty.
    std::string sign(std::string_view body) const { return primary().sign(body); }

    /// The outcome of KeyRing::verify().
    struct Verdict {
        bool valid = false;                  ///< Some secret accepted the signature.
        bool other_form_would_match = false; ///< Not valid, but some secret's other form would.
        std::size_t matched_index = 0;       ///< The first accepting secret; only when valid.
    };

    /// Checks `signature` against every secret (constant time each; an empty ring says no).
    Verdict verify(std::string_view body, std::string_view signature) const noexcept {
        Verdict verdict;
        // Every secret is tried even after a match, so the time does not tell which one it was.
        for (std::size_t i = secrets_.size(); i-- > 0;) {
            if (secrets_[i].verify(body, signature)) {
                verdict.valid = true;
                verdict.matched_index = i;
            }
        }
        if (!verdict.valid) {
            for (const Secret& secret : secrets_) {
                if (secret.other_form_matches(body, signature)) {
                    verdict.other_form_would_match = true;
                    break;
                }
            }
        }
        return verdict;
    }

private:
    std::vector<Secret> secrets_;
};

#ifdef MPLUS_WEBHOOKS_USE_OPENSSL
} // inline namespace openssl_backend
#endif

MPLUS_WEBHOOKS_END_NAMESPACE
