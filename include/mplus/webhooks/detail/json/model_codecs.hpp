// The codecs of the model types whose JSON form a field table cannot describe: a line event
// sent wrapped or flat, an article number sent as string or integer, a footer sent as one
// object or a list.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/codec_fwd.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/detail/fields.hpp>
#include <mplus/webhooks/detail/json/codecs.hpp>
#include <mplus/webhooks/detail/json/reader.hpp>
#include <mplus/webhooks/detail/json/writer.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/json_pointer.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE
namespace detail {

/// LineEventDetails: `{"line":{...}}`, or the line's fields straight in the object.
template <class T>
struct Codec<T, for_type<T, LineEventDetails>> {
    static constexpr std::uint64_t line_bit = std::uint64_t{1} << 63;
    using LineCodec = StructCodec<decltype(T::line)>; // dependent: instantiated on use

    static bool on_key(Reader& r, std::string& key) {
        Frame& f = r.top();
        auto& d = *static_cast<T*>(f.target);
        if (key == "line") {
            f.seen |= line_bit;
            r.expect(&d.line, &LineCodec::read, "line", false);
            return true;
        }
        if (LineCodec::is_known_key(key)) {
            d.flat = true;
            return LineCodec::on_key_of(r, d.line, key);
        }
        return LineCodec::read_unknown(r, d.extra, key);
    }
    static bool on_end(Reader& r) {
        const Frame& f = r.top();
        auto& d = *static_cast<T*>(f.target);
        if ((f.seen & line_bit) != 0 && !d.flat) return true;
        if (d.flat) {
            d.line.extra.mark_read(f.seen & ~line_bit & ~f.nulls);
            return LineCodec::check_required(r, f.seen);
        }
        JsonPointer path = r.container_path();
        path.append_key("line");
        return r.add_error(errc::invalid_data, std::move(path), "required field is missing");
    }
    static constexpr ObjectOps ops{&on_key, &on_end};

    static bool read(Reader& r, void* p, const Token& t) {
        if (t.kind != Token::Kind::object) return r.type_error("object", t);
        *static_cast<T*>(p) = T{};
        return r.push_object(p, &ops);
    }
    static bool is_line_key(std::string_view key) noexcept { return key == "line"; }
    static void write(std::string& out, const T& d, const WriteOptions& o) {
        out.push_back('{');
        bool first = true;
        if (d.flat) {
            LineCodec::write_fields(out, d.line, o, first);
        } else {
            out.append("\"line\":");
            LineCodec::write(out, d.line, o);
            first = false;
        }
        if (o.include_unknown) {
            LineCodec::write_unknown(out, d.extra, first,
                                     d.flat ? &LineCodec::is_known_key : &is_line_key);
        }
        out.push_back('}');
    }
};

/// ArticleRef: a JSON string or integer.
template <class T>
struct Codec<T, for_type<T, ArticleRef>> {
    static bool read(Reader& r, void* p, const Token& t) {
        auto& v = *static_cast<T*>(p);
        if (t.kind == Token::Kind::string) {
            v.value = std::move(*t.string);
            v.numeric = false;
            return true;
        }
        if (t.kind == Token::Kind::integer) {
            v = T(t.integer);
            return true;
        }
        return r.type_error("string or integer", t);
    }
    static void write(std::string& out, const T& v, const WriteOptions&) {
        // A number only when the text is exactly how an int64 is written (negative and
        // 19-digit numbers included), so whatever user code stores, the output is valid JSON.
        std::int64_t n = 0;
        const char* const end = v.value.data() + v.value.size();
        const auto res = std::from_chars(v.value.data(), end, n);
        const bool canonical =
            res.ec == std::errc() && res.ptr == end && std::to_string(n) == v.value;
        if (v.numeric && canonical) {
            out.append(v.value);
        } else {
            write_json_string(out, v.value);
        }
    }
};

/// Footer: one object or an array of objects.
template <class T>
struct Codec<T, for_type<T, Footer>> {
    using Entry = typename decltype(T::entries)::value_type; // dependent: instantiated on use
    static bool read_entry(Reader& r, void* p, const Token& t) {
        auto& f = *static_cast<T*>(p);
        f.entries.emplace_back();
        return Codec<Entry>::read(r, &f.entries.back(), t);
    }
    static bool read(Reader& r, void* p, const Token& t) {
        auto& f = *static_cast<T*>(p);
        f = T{};
        if (t.kind == Token::Kind::object) {
            f.entries.emplace_back();
            return Codec<Entry>::read(r, &f.entries.back(), t);
        }
        if (t.kind == Token::Kind::array) {
            f.as_array = true;
            return r.push_array(p, &read_entry);
        }
        return r.type_error("object or array", t);
    }
    static void write(std::string& out, const T& f, const WriteOptions& o) {
        if (f.entries.size() == 1 && !f.as_array) {
            Codec<Entry>::write(out, f.entries.front(), o);
        } else {
            Codec<decltype(T::entries)>::write(out, f.entries, o);
        }
    }
};

} // namespace detail
MPLUS_WEBHOOKS_END_NAMESPACE
