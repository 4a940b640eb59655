// Tests of SHA-256, HMAC-SHA256, base64, Secret and KeyRing against published vectors.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/base64.hpp>
#include <mplus/webhooks/detail/crypto/sha256.hpp>
#include <mplus/webhooks/signature.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

namespace mw = mplus::webhooks;
namespace md = mplus::webhooks::detail;

// The protocol's published vector (spec section 2).
constexpr std::string_view protocol_secret = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";
constexpr std::string_view protocol_body = "test";
constexpr std::string_view protocol_signature = "EBFFIb5qPH/teEFmjtwcIj6h80cl+X1DUy62D46tnu8=";
constexpr std::string_view protocol_raw_signature = "pKDrmsKUDJ7QeDwyOMtUcEi9aBl+BTnzxYIHSqjbfk4=";

std::string hex(const md::Sha256::Digest& digest) {
    constexpr std::string_view digits = "0123456789abcdef";
    std::string out;
    for (unsigned char byte : digest) {
        out += digits[static_cast<std::size_t>(byte >> 4)];
        out += digits[static_cast<std::size_t>(byte & 0x0f)];
    }
    return out;
}

std::string unhex(std::string_view text) {
    const auto nibble = [](char c) {
        return static_cast<unsigned>(c >= 'a' ? c - 'a' + 10 : c - '0');
    };
    std::string out;
    for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
        out += static_cast<char>((nibble(text[i]) << 4) | nibble(text[i + 1]));
    }
    return out;
}

std::string random_bytes(std::mt19937& rng, std::size_t size) {
    std::uniform_int_distribution<int> byte(0, 255);
    std::string out(size, '\0');
    for (char& c : out) c = static_cast<char>(byte(rng));
    return out;
}

mw::Secret secret(std::string_view text, mw::KeyForm form = mw::KeyForm::base64_decoded) {
    std::optional<mw::Secret> s = mw::Secret::from_text(text, form);
    REQUIRE(s.has_value());
    return *s;
}

// HMAC as RFC 2104 writes it, without precomputed states, to check the precomputation.
md::Sha256::Digest reference_hmac(std::string key, std::string_view message) {
    if (key.size() > 64) key = std::string(md::digest_bytes(md::sha256(key)));
    key.resize(64, '\0');
    std::string ipad = key, opad = key;
    for (char& c : ipad) c = static_cast<char>(c ^ 0x36);
    for (char& c : opad) c = static_cast<char>(c ^ 0x5c);
    md::Sha256 inner;
    inner.update(ipad);
    inner.update(message);
    const md::Sha256::Digest inner_digest = inner.final();
    md::Sha256 outer;
    outer.update(opad);
    outer.update(md::digest_bytes(inner_digest));
    return outer.final();
}

template <class T, class = void>
struct is_streamable : std::false_type {};
template <class T>
struct is_streamable<
    T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<const T&>())>>
    : std::true_type {};

bool bytes_contain(const void* object, std::size_t size, std::string_view needle) {
    const std::string_view haystack(static_cast<const char*>(object), size);
    return haystack.find(needle) != std::string_view::npos;
}

} // namespace

TEST_CASE("Signature: SHA-256 matches the FIPS 180-4 vectors") {
    CHECK(hex(md::sha256("abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(hex(md::sha256("")) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    const std::string_view m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    REQUIRE(m448.size() * 8 == 448);
    const std::string expected448 =
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
    CHECK(hex(md::sha256(m448)) == expected448);
    // Every split point goes through the partial-block buffering differently.
    for (std::size_t split = 0; split <= m448.size(); ++split) {
        md::Sha256 h;
        h.update(m448.substr(0, split));
        h.update(m448.substr(split));
        CHECK(hex(h.final()) == expected448);
    }

    const std::string million(1000000, 'a');
    const std::string expected_million =
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    CHECK(hex(md::sha256(million)) == expected_million);
    md::Sha256 h;
    h.update("garbage that init() must forget");
    h.init();
    for (std::size_t done = 0, chunk = 1; done < million.size();
         done += chunk, chunk = chunk % 97 + 1) {
        h.update(std::string_view(million).substr(done, chunk));
    }
    CHECK(hex(h.final()) == expected_million);
}

TEST_CASE("Signature: HMAC-SHA256 matches RFC 4231 test cases 1-7") {
    struct Case {
        std::string key;
        std::string data;
        std::string mac_hex;
    };
    const std::string key131(131, '\xaa');
    const std::vector<Case> cases = {
        {std::string(20, '\x0b'), "Hi There",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"Jefe", "what do ya want for nothing?",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {std::string(20, '\xaa'), std::string(50, '\xdd'),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd'),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        // Case 5 publishes only the first 128 bits.
        {std::string(20, '\x0c'), "Test With Truncation", "a3b6167473100ee06e0c796c2955552b"},
        {key131, "Test Using Larger Than Block-Size Key - Hash Key First",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {key131,
         "This is a test using a larger than block-size key and a larger than block-size data. "
         "The key needs to be hashed before being used by the HMAC algorithm.",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    REQUIRE(cases.size() == 7);
    for (std::size_t i = 0; i < cases.size(); ++i) {
        CAPTURE(i + 1);
        const Case& c = cases[i];
        const std::size_t n = c.mac_hex.size();
        CHECK(hex(md::hmac_sha256(c.key, c.data)).substr(0, n) == c.mac_hex);
        CHECK(hex(reference_hmac(c.key, c.data)).substr(0, n) == c.mac_hex);
        // Through the public API (OpenSSL when enabled), with the key given as base64 text.
        const mw::Secret s = secret(mw::base64_encode(c.key));
        const std::optional<std::string> mac = mw::base64_decode(s.sign(c.data));
        REQUIRE(mac.has_value());
        CHECK(mac->size() == 32);
        md::Sha256::Digest digest{};
        for (std::size_t j = 0; j < digest.size(); ++j) {
            digest[j] = static_cast<unsigned char>((*mac)[j]);
        }
        CHECK(hex(digest).substr(0, n) == c.mac_hex);
    }
}

TEST_CASE("Signature: precomputed HMAC states equal the textbook construction") {
    std::mt19937 rng(4231);
    for (std::size_t key_size : {0u, 1u, 20u, 32u, 63u, 64u, 65u, 131u, 200u}) {
        const std::string key = random_bytes(rng, key_size);
        const md::HmacSha256Key precomputed(key);
        for (std::size_t body_size : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 119u, 128u, 3500u}) {
            CAPTURE(key_size);
            CAPTURE(body_size);
            const std::string body = random_bytes(rng, body_size);
            CHECK(precomputed.compute(body) == reference_hmac(key, body));
        }
    }
}

TEST_CASE("Signature: the protocol's published vector passes in both key forms") {
    const mw::Secret decoded = secret(protocol_secret);
    CHECK(decoded.form() == mw::KeyForm::base64_decoded);
    CHECK(decoded.sign(protocol_body) == protocol_signature);
    CHECK(decoded.verify(protocol_body, protocol_signature));
    CHECK_FALSE(decoded.verify(protocol_body, protocol_raw_signature));
    CHECK(decoded.other_form_matches(protocol_body, protocol_raw_signature));
    CHECK_FALSE(decoded.other_form_matches(protocol_body, protocol_signature));
    CHECK_FALSE(decoded.verify("test ", protocol_signature));
    CHECK_FALSE(decoded.verify("Test", protocol_signature));

    const mw::Secret raw = secret(protocol_secret, mw::KeyForm::raw_text);
    CHECK(raw.form() == mw::KeyForm::raw_text);
    CHECK(raw.sign(protocol_body) == protocol_raw_signature);
    CHECK(raw.verify(protocol_body, protocol_raw_signature));
    CHECK_FALSE(raw.verify(protocol_body, protocol_signature));
    CHECK(raw.other_form_matches(protocol_body, protocol_signature));
    CHECK_FALSE(raw.other_form_matches(protocol_body, protocol_raw_signature));
}

TEST_CASE("Signature: base64 matches RFC 4648 and round-trips every length 0..64") {
    const std::vector<std::pair<std::string, std::string>> rfc = {{"", ""},
                                                                  {"f", "Zg=="},
                                                                  {"fo", "Zm8="},
                                                                  {"foo", "Zm9v"},
                                                                  {"foob", "Zm9vYg=="},
                                                                  {"fooba", "Zm9vYmE="},
                                                                  {"foobar", "Zm9vYmFy"}};
    for (const auto& [bytes, text] : rfc) {
        CHECK(mw::base64_encode(bytes) == text);
        CHECK(mw::base64_decode(text) == bytes);
    }
    CHECK(mw::base64_encode(std::string("\xfb\xff\xbf", 3)) == "+/+/");

    std::mt19937 rng(4648);
    for (std::size_t size = 0; size <= 64; ++size) {
        CAPTURE(size);
        for (int round = 0; round < 8; ++round) {
            // Round 0 uses the extreme bytes 0x00 and 0xff, the rest random ones.
            std::string bytes =
                round == 0 ? std::string(size, size % 2 ? '\xff' : '\0') : random_bytes(rng, size);
            const std::string text = mw::base64_encode(bytes);
            CHECK(text.size() == (size + 2) / 3 * 4);
            CHECK(md::base64_decoded_size(text) == size);
            const std::optional<std::string> back = mw::base64_decode(text);
            REQUIRE(back.has_value());
            CHECK(*back == bytes);
        }
    }
    // Every byte value survives.
    std::string all;
    for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
    CHECK(mw::base64_decode(mw::base64_encode(all)) == all);
}

TEST_CASE("Signature: base64_decode rejects hostile and non-canonical input") {
    const std::vector<std::string> bad = {
        "Zg",    // no padding: rejected by decision, the protocol always pads
        "Zm8",   // idem
        "Zg=",   // padding short
        "Zg===", // padding long
        "Zh==",  // non-zero bits under the padding
        "Zm9=",  // idem, one pad
        "====",
        "A===",
        "AB=C",
        "=AAA",
        "Zg==Zg==", // '=' not at the end
        " Zg==",
        "Zg==\n",
        "Zm 9v",
        "Zm9v\r\n", // whitespace
        "Zm-_",     // URL-safe alphabet
        std::string("Zm\0v", 4),
        std::string("Zm9v\0", 5),
        "\xff\xff\xff\xff",
        "Zm9v\x80"};
    for (const std::string& text : bad) {
        CAPTURE(text);
        CHECK_FALSE(mw::base64_decode(text).has_value());
    }

    // Every single byte in every position of a quartet: only alphabet bytes (and '=' where
    // padding may stand with zero bits under it) are accepted.
    for (int b = 0; b < 256; ++b) {
        const char c = static_cast<char>(b);
        const bool in_alphabet = md::base64_alphabet.find(c) != std::string_view::npos;
        for (std::size_t pos = 0; pos < 4; ++pos) {
            std::string text = "AAAA";
            text[pos] = c;
            CAPTURE(b);
            CAPTURE(pos);
            const bool pad_ok = c == '=' && pos == 3;
            CHECK(mw::base64_decode(text).has_value() == (in_alphabet || pad_ok));
        }
    }

    // Random junk from a tiny alphabet hits every structure; whatever is accepted must be the
    // one canonical spelling of its bytes (ASan checks that nothing reads out of bounds).
    std::mt19937 rng(2045);
    const std::string_view junk("AQgw+/=Z9 \0-", 12); // '=', space, NUL, URL-safe '-'
    std::size_t accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string text(static_cast<std::size_t>(rng() % 13), ' ');
        for (char& c : text) c = junk[rng() % junk.size()];
        if (const std::optional<std::string> bytes = mw::base64_decode(text)) {
            ++accepted;
            CHECK(mw::base64_encode(*bytes) == text);
        }
    }
    CHECK(accepted > 50); // the generator does reach valid text, so the check above bites

    // The non-allocating decoder never writes past its capacity.
    std::array<unsigned char, 8> guard{};
    guard.fill(0xee);
    CHECK(md::base64_decode_into("Zm9vYmFy", guard.data(), 5) == md::base64_bad);
    CHECK(guard[5] == 0xee);
    CHECK(md::base64_decode_into("Zm9vYmFy", guard.data(), 6) == 6);
    CHECK(guard[6] == 0xee);
}

TEST_CASE("Signature: constant_time_equal compares whole byte strings") {
    CHECK(mw::constant_time_equal("", ""));
    CHECK(mw::constant_time_equal("abc", "abc"));
    CHECK_FALSE(mw::constant_time_equal("abc", "abd"));
    CHECK_FALSE(mw::constant_time_equal("abc", "xbc"));
    CHECK_FALSE(mw::constant_time_equal("abc", "ab"));
    CHECK_FALSE(mw::constant_time_equal("", "a"));
    CHECK(mw::constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
    CHECK_FALSE(mw::constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
    // A difference in only the top bit of the last byte still counts.
    CHECK_FALSE(mw::constant_time_equal("\x01\x7f", "\x01\xff"));
}

TEST_CASE("Signature: Secret::from_text accepts and rejects the right texts") {
    CHECK_FALSE(mw::Secret::from_text("").has_value());
    CHECK_FALSE(mw::Secret::from_text("", mw::KeyForm::raw_text).has_value());
    CHECK_FALSE(mw::Secret::from_text("not base64!").has_value());
    CHECK_FALSE(mw::Secret::from_text(" eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=").has_value());
    CHECK_FALSE(mw::Secret::from_text("eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0").has_value());

    // Raw text: any non-empty text is a key; the other form exists only for base64 text.
    const mw::Secret plain = secret("not base64!", mw::KeyForm::raw_text);
    const std::string signature = plain.sign(protocol_body);
    CHECK(signature.size() == 44);
    CHECK(plain.verify(protocol_body, signature));
    CHECK_FALSE(plain.other_form_matches(protocol_body, signature));
    CHECK(signature == mw::base64_encode(md::digest_bytes(md::hmac_sha256("not base64!", "test"))));

    // Copies and moves sign alike and stay usable on their own.
    const mw::Secret original = secret(protocol_secret);
    mw::Secret copy = original;
    CHECK(copy.sign(protocol_body) == protocol_signature);
    mw::Secret moved = std::move(copy);
    CHECK(moved.sign(protocol_body) == protocol_signature);
    moved = secret(protocol_secret, mw::KeyForm::raw_text);
    CHECK(moved.sign(protocol_body) == protocol_raw_signature);
    CHECK(original.sign(protocol_body) == protocol_signature);
    static_assert(std::is_nothrow_move_constructible_v<mw::Secret>);
}

TEST_CASE("Signature: Secret::verify is false for every malformed signature") {
    const mw::Secret s = secret(protocol_secret);
    const std::string good(protocol_signature);
    const std::vector<std::string> bad = {
        "",
        good.substr(0, 43),
        good + "=",
        good + " ",
        " " + good,
        good + "\n",
        good.substr(0, 43) + "A",                       // no padding: 44 characters but 33 bytes
        "EBFFIb5qPH_teEFmjtwcIj6h80cl-X1DUy62D46tnu8=", // URL-safe spelling of the same bytes
        // Same 32 bytes with a non-zero trailing bit ('8' -> '9'): non-canonical spelling.
        "EBFFIb5qPH/teEFmjtwcIj6h80cl+X1DUy62D46tnu9=",
        std::string(44, '='),
        std::string(44, '\0'),
        mw::base64_encode(std::string(32, '\0')),
        mw::base64_encode(std::string(31, '\0')),
    };
    CHECK(s.verify(protocol_body, good));
    for (const std::string& signature : bad) {
        CAPTURE(signature);
        CHECK_FALSE(s.verify(protocol_body, signature));
        CHECK_FALSE(s.other_form_matches(protocol_body, signature));
    }
    // Any single flipped bit of the MAC is refused.
    for (std::size_t bit = 0; bit < 256; ++bit) {
        std::string mac = *mw::base64_decode(good);
        mac[bit / 8] = static_cast<char>(mac[bit / 8] ^ (1 << (bit % 8)));
        CHECK_FALSE(s.verify(protocol_body, mw::base64_encode(mac)));
    }
}

TEST_CASE("Signature: KeyRing signs with the first secret and verifies against all") {
    const mw::Secret current = secret("bmV3IGtleSBmb3IgMjAyNg=="); // "new key for 2026"
    const mw::Secret previous = secret(protocol_secret);
    mw::KeyRing ring({current, previous});
    CHECK_FALSE(ring.empty());
    CHECK(ring.size() == 2);
    CHECK(ring.sign(protocol_body) == current.sign(protocol_body));
    CHECK(ring.primary().sign(protocol_body) == current.sign(protocol_body));

    mw::KeyRing::Verdict v = ring.verify(protocol_body, current.sign(protocol_body));
    CHECK(v.valid);
    CHECK(v.matched_index == 0);
    CHECK_FALSE(v.other_form_would_match);

    v = ring.verify(protocol_body, protocol_signature);
    CHECK(v.valid);
    CHECK(v.matched_index == 1);

    const mw::Secret next = secret("bmV4dCBrZXk="); // "next key"
    v = ring.verify(protocol_body, next.sign(protocol_body));
    CHECK_FALSE(v.valid);
    CHECK_FALSE(v.other_form_would_match);

    ring.add(next);
    CHECK(ring.size() == 3);
    v = ring.verify(protocol_body, next.sign(protocol_body));
    CHECK(v.valid);
    CHECK(v.matched_index == 2);
    CHECK(ring.sign(protocol_body) == current.sign(protocol_body)); // add() does not re-key

    // The same secret twice: the first one is reported.
    const mw::KeyRing twice({previous, previous});
    v = twice.verify(protocol_body, protocol_signature);
    CHECK(v.valid);
    CHECK(v.matched_index == 0);
}

TEST_CASE("Signature: an empty KeyRing verifies nothing and refuses to sign") {
    mw::KeyRing ring;
    CHECK(ring.empty());
    CHECK(ring.size() == 0);
    const mw::KeyRing::Verdict v = ring.verify(protocol_body, protocol_signature);
    CHECK_FALSE(v.valid);
    CHECK_FALSE(v.other_form_would_match);
    CHECK_THROWS_AS(ring.sign(protocol_body), std::logic_error);
    CHECK_THROWS_AS(ring.primary(), std::logic_error);
    ring.add(secret(protocol_secret));
    CHECK(ring.sign(protocol_body) == protocol_signature);
}

TEST_CASE("Signature: KeyRing says when the other key form would have matched") {
    // The integrator configured the protocol's (decoded) form, the sender used the raw text.
    const mw::KeyRing decoded_ring({secret("bmV3IGtleQ=="), secret(protocol_secret)});
    mw::KeyRing::Verdict v = decoded_ring.verify(protocol_body, protocol_raw_signature);
    CHECK_FALSE(v.valid);
    CHECK(v.other_form_would_match);

    // And the other way round.
    const mw::KeyRing raw_ring({secret(protocol_secret, mw::KeyForm::raw_text)});
    v = raw_ring.verify(protocol_body, protocol_signature);
    CHECK_FALSE(v.valid);
    CHECK(v.other_form_would_match);

    // A signature that is simply wrong is not blamed on the key form.
    v = decoded_ring.verify("other body", protocol_raw_signature);
    CHECK_FALSE(v.valid);
    CHECK_FALSE(v.other_form_would_match);
}

TEST_CASE("Signature: the secret never shows in text, messages or the object's bytes") {
    static_assert(!std::is_convertible_v<mw::Secret, std::string>);
    static_assert(!std::is_convertible_v<mw::Secret, std::string_view>);
    static_assert(!is_streamable<mw::Secret>::value);
    static_assert(!is_streamable<mw::KeyRing>::value);
    static_assert(!is_streamable<mw::KeyRing::Verdict>::value);

    const std::string text(protocol_secret);
    const std::string key = *mw::base64_decode(text);
    std::string key_ipad = key, key_opad = key;
    for (char& c : key_ipad) c = static_cast<char>(c ^ 0x36);
    for (char& c : key_opad) c = static_cast<char>(c ^ 0x5c);
    const std::vector<std::string> needles = {
        text, key, key_ipad, key_opad, text.substr(0, 16), key.substr(0, 8)};

    for (mw::KeyForm form : {mw::KeyForm::base64_decoded, mw::KeyForm::raw_text}) {
        const mw::Secret s = secret(text, form);
        for (const std::string& needle : needles) {
            CHECK_FALSE(bytes_contain(&s, sizeof s, needle));
        }
    }
    // The key states are wiped when a key dies (checked on storage we still own).
    alignas(md::HmacSha256Key) unsigned char storage[sizeof(md::HmacSha256Key)];
    auto* k = new (storage) md::HmacSha256Key(key);
    const md::Sha256::Digest before = k->compute(protocol_body);
    CHECK(mw::base64_encode(md::digest_bytes(before)) == protocol_signature);
    k->~HmacSha256Key();
    bool all_zero = true;
    for (unsigned char byte : storage) all_zero = all_zero && byte == 0;
    CHECK(all_zero);

    // The only message the SDK makes here names the problem, not the secret.
    mw::KeyRing empty;
    try {
        (void)empty.sign(text);
        FAIL("sign() on an empty ring must throw");
    } catch (const std::logic_error& e) {
        const std::string message = e.what();
        CHECK(message.find("KeyRing") != std::string::npos);
        for (const std::string& needle : needles) CHECK(message.find(needle) == std::string::npos);
    }
}

TEST_CASE("Signature: the configured backend and the portable code give identical MACs") {
    INFO("OpenSSL backend: " << md::openssl_hmac);
#ifdef MPLUS_WEBHOOKS_USE_OPENSSL
    CHECK(md::openssl_hmac);
    // OpenSSL really runs: a failure here would silently fall back to the portable code.
    CHECK(md::make_openssl_hmac("key") != nullptr);
#else
    CHECK_FALSE(md::openssl_hmac);
#endif
    std::mt19937 rng(180);
    for (std::size_t key_size : {1u, 16u, 32u, 63u, 64u, 65u, 131u}) {
        const std::string key = random_bytes(rng, key_size);
        const mw::Secret raw = secret(key, mw::KeyForm::raw_text);
        const mw::Secret decoded = secret(mw::base64_encode(key));
        const md::HmacSha256Key portable(key);
        for (std::size_t body_size = 0; body_size <= 300; body_size += 7) {
            const std::string body = random_bytes(rng, body_size);
            const std::string expected =
                mw::base64_encode(md::digest_bytes(portable.compute(body)));
            CHECK(raw.sign(body) == expected);
            CHECK(decoded.sign(body) == expected);
        }
        const std::string big = random_bytes(rng, 3500);
        CHECK(raw.sign(big) == mw::base64_encode(md::digest_bytes(md::hmac_sha256(key, big))));
    }
}
