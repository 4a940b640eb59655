// Codecs: how each C++ type reads a token and writes itself; the struct codec walks a field
// table. read_json runs the reader over a text.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/codec_fwd.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/detail/fields.hpp>
#include <mplus/webhooks/detail/json/reader.hpp>
#include <mplus/webhooks/detail/json/writer.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/json_pointer.hpp>
#include <mplus/webhooks/open_enum.hpp>
#include <mplus/webhooks/raw_json.hpp>

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE
namespace detail {

/// Reads and writes values of type T; specialized below for each kind of member.
template <class T, class = void>
struct Codec;

/// Writes a value of type T.
template <class T>
void write_value(std::string& out, const T& v, const WriteOptions& o) {
    Codec<T>::write(out, v, o);
}

/// The unknown-field store of an aggregate when it is a RawFields (an aggregate of user code
/// may still keep its unknown fields in a nlohmann::json, read and written as a DOM).
inline RawFields* raw_fields_of(RawFields& extra) noexcept {
    return &extra;
}
/// Not a RawFields: nothing is noted about what was read.
template <class Json>
RawFields* raw_fields_of(Json&) noexcept {
    return nullptr;
}
/// Read-only twin of raw_fields_of.
inline const RawFields* raw_fields_of(const RawFields& extra) noexcept {
    return &extra;
}
/// Not a RawFields.
template <class Json>
const RawFields* raw_fields_of(const Json&) noexcept {
    return nullptr;
}

/// True when a member holds something other than its default (a lenient field left out on
/// input and still at its default is not written back).
template <class T>
bool is_set(const T& v) noexcept;

template <class T>
struct is_integer_member : std::is_same<T, std::int64_t> {};
template <>
struct is_integer_member<std::optional<std::int64_t>> : std::true_type {};

/// True when the integer member `m` holds the value of the decimal text `text`.
template <class T>
bool same_integer(const T& m, const std::string& text) noexcept {
    std::int64_t n = 0;
    const char* end = text.data() + text.size();
    const auto res = std::from_chars(text.data(), end, n);
    if (res.ec != std::errc() || res.ptr != end) return false;
    if constexpr (is_optional<T>::value) {
        return m.has_value() && *m == n;
    } else {
        return m == n;
    }
}

template <class T>
struct Codec<T, for_type<T, bool>> {
    static bool read(Reader& r, void* p, const Token& t) {
        if (t.kind != Token::Kind::boolean) return r.type_error("boolean", t);
        *static_cast<bool*>(p) = t.boolean;
        return true;
    }
    static void write(std::string& out, bool v, const WriteOptions&) {
        out.append(v ? "true" : "false");
    }
};

template <class T>
struct Codec<T, for_type<T, std::int64_t>> {
    static bool read(Reader& r, void* p, const Token& t) {
        auto& v = *static_cast<std::int64_t*>(p);
        switch (t.kind) {
        case Token::Kind::integer: v = t.integer; return true;
        case Token::Kind::unsigned_integer:
            return r.report(errc::invalid_data, "integer out of range", t);
        case Token::Kind::number: {
            // 5.0 or 1e3 are integers written another way; take them when exact.
            const auto d = Decimal::parse(t.raw);
            if (d && d->scale() == 0) {
                v = d->mantissa();
                return true;
            }
            // 1e-400 does not fit a Decimal either, but it is a fraction, not a big number.
            const bool fraction = d || (t.number < 1.0 && t.number > -1.0);
            return r.report(errc::invalid_data,
                            fraction ? "expected integer, got a number with a fraction"
                                     : "integer out of range",
                            t);
        }
        case Token::Kind::string: {
            // Article and relation numbers come as numeric strings from some tills: take the
            // value, and note the text so that it is written back as it came.
            const std::string& s = *t.string;
            const char* end = s.data() + s.size();
            const auto res = std::from_chars(s.data(), end, v);
            if (res.ptr != end || res.ec == std::errc::invalid_argument || s.empty()) {
                return r.type_error("integer", t);
            }
            if (res.ec != std::errc())
                return r.report(errc::invalid_data, "integer out of range", t);
            r.keep_text_form(s);
            return true;
        }
        default: return r.type_error("integer", t);
        }
    }
    static void write(std::string& out, std::int64_t v, const WriteOptions&) {
        write_json_integer(out, v);
    }
};

template <class T>
struct Codec<T, for_type<T, Decimal>> {
    static bool read(Reader& r, void* p, const Token& t) {
        auto& v = *static_cast<Decimal*>(p);
        switch (t.kind) {
        case Token::Kind::integer: v = Decimal(t.integer); return true;
        case Token::Kind::unsigned_integer:
            return r.report(errc::invalid_data, "number out of range", t);
        case Token::Kind::number: {
            const auto d = Decimal::parse(t.raw);
            if (!d) {
                return r.report(errc::invalid_data,
                                "number cannot be held exactly (at most 18 significant digits "
                                "and 18 decimals)",
                                t);
            }
            v = *d;
            return true;
        }
        default: return r.type_error("number", t);
        }
    }
    static void write(std::string& out, const Decimal& v, const WriteOptions&) {
        write_json_decimal(out, v);
    }
};

template <class T>
struct Codec<T, for_type<T, std::string>> {
    static bool read(Reader& r, void* p, const Token& t) {
        if (t.kind != Token::Kind::string) return r.type_error("string", t);
        *static_cast<std::string*>(p) = std::move(*t.string);
        return true;
    }
    static void write(std::string& out, const std::string& v, const WriteOptions&) {
        write_json_string(out, v);
    }
};

template <class T>
struct Codec<T, for_type<T, RawJson>> {
    static bool read(Reader& r, void* p, const Token& t) {
        return r.capture_raw(*static_cast<RawJson*>(p), t);
    }
    static void write(std::string& out, const RawJson& v, const WriteOptions&) {
        if (v.empty()) {
            out.append("null");
        } else {
            out.append(v.text());
        }
    }
};

template <class Values>
struct Codec<OpenEnum<Values>> {
    static bool read(Reader& r, void* p, const Token& t) {
        if (t.kind != Token::Kind::string) return r.type_error("string", t);
        auto& v = *static_cast<OpenEnum<Values>*>(p);
        v = OpenEnum<Values>(std::move(*t.string));
        if (r.options().strict && !v.is_known()) {
            return r.note(errc::unknown_enum_value, "unknown value \"" + v.str() + "\"");
        }
        return true;
    }
    static void write(std::string& out, const OpenEnum<Values>& v, const WriteOptions&) {
        write_json_string(out, v.str());
    }
};

template <class T>
struct Codec<T, for_type<T, nlohmann::json>> {
    static bool read(Reader& r, void* p, const Token& t) { return Reader::capture_read(r, p, t); }
    static void write(std::string& out, const T& v, const WriteOptions&) {
        write_json_value(out, v);
    }
};

template <class T>
struct Codec<std::optional<T>> {
    static bool read(Reader& r, void* p, const Token& t) {
        auto& v = *static_cast<std::optional<T>*>(p);
        if (t.kind == Token::Kind::null) {
            v.reset();
            return true;
        }
        v.emplace();
        return Codec<T>::read(r, &*v, t);
    }
    static void write(std::string& out, const std::optional<T>& v, const WriteOptions& o) {
        if (v) {
            Codec<T>::write(out, *v, o);
        } else {
            out.append("null");
        }
    }
};

template <class T, class A>
struct Codec<std::vector<T, A>> {
    static bool read_element(Reader& r, void* p, const Token& t) {
        auto& v = *static_cast<std::vector<T, A>*>(p);
        v.emplace_back();
        return Codec<T>::read(r, &v.back(), t);
    }
    static bool read(Reader& r, void* p, const Token& t) {
        if (t.kind != Token::Kind::array) return r.type_error("array", t);
        static_cast<std::vector<T, A>*>(p)->clear(); // a repeated key: the last one wins
        return r.push_array(p, &read_element);
    }
    static void write(std::string& out, const std::vector<T, A>& v, const WriteOptions& o) {
        out.push_back('[');
        bool first = true;
        for (const auto& e : v) {
            if (!first) out.push_back(',');
            first = false;
            Codec<T>::write(out, e, o);
        }
        out.push_back(']');
    }
};

/// The codec of every type with a field table: the table is walked to read and to write.
template <class T>
struct StructCodec {
    static constexpr auto table = fields(type_tag<T>{});
    static constexpr std::size_t size = std::tuple_size_v<std::remove_const_t<decltype(table)>>;
    static_assert(size <= 64, "a field table holds at most 64 fields");
    using indices = std::make_index_sequence<size>;

    /// Finds the field of `key`; `size` when there is none.
    template <std::size_t... I>
    static std::size_t find(std::string_view key, std::index_sequence<I...>) noexcept {
        std::size_t found = size;
        (void)((std::get<I>(table).key == key ? (found = I, true) : false) || ...);
        return found;
    }

    /// Reads a member whose null means a default-constructed value (and counts as not sent).
    template <class M, std::size_t I>
    static bool read_null_as_empty(Reader& r, void* p, const Token& t) {
        if (t.kind == Token::Kind::null) {
            *static_cast<M*>(p) = M{};
            r.top().nulls |= std::uint64_t{1} << I;
            return true;
        }
        return Codec<M>::read(r, p, t);
    }

    /// Reads the event's own object, whose null is NO_EVENT_DETAILS whatever its type (a raw
    /// nlohmann::json member would otherwise take the null as a value).
    template <class M>
    static bool read_details(Reader& r, void* p, const Token& t) {
        if (t.kind == Token::Kind::null) {
            return r.report(errc::no_event_details, "event details are null", t);
        }
        return Codec<M>::read(r, p, t);
    }

    template <std::size_t I>
    static void expect_field(Reader& r, T& obj) {
        constexpr auto field = std::get<I>(table);
        using M = std::remove_reference_t<decltype(obj.*(field.member))>;
        // An optional field that is not a std::optional (a list omitted when empty, a string)
        // reads null as empty too, like every optional field.
        // Raw JSON keeps a null as the text "null"; an optional takes a null as a value (sent,
        // so written back as null); a lenient field is a required one read leniently: a null
        // there is the wrong type, only its absence reads as empty.
        constexpr bool raw = std::is_same_v<M, RawJson>;
        constexpr bool null_empty = !raw && (field.flags & lenient_field) == 0 &&
                                    ((field.flags & null_is_empty) != 0 ||
                                     ((field.flags & required) == 0 && !is_optional<M>::value));
        constexpr ReadFn read = null_empty                           ? &read_null_as_empty<M, I>
                                : (field.flags & event_details) != 0 ? &read_details<M>
                                                                     : &Codec<M>::read;
        r.expect(&(obj.*(field.member)), read, field.key, (field.flags & event_details) != 0,
                 raw_fields_of(obj.extra));
    }

    template <std::size_t... I>
    static void expect_index(Reader& r, T& obj, std::size_t i, std::index_sequence<I...>) {
        (void)((i == I ? (expect_field<I>(r, obj), true) : false) || ...);
    }

    /// Points the reader at the member of `obj` named `key` (or at obj's unknown fields).
    static bool on_key_of(Reader& r, T& obj, std::string& key) {
        const std::size_t i = find(key, indices{});
        if (i < size) {
            r.top().seen |= std::uint64_t{1} << i;
            expect_index(r, obj, i, indices{});
            return true;
        }
        return read_unknown(r, obj.extra, key);
    }

    static bool on_key(Reader& r, std::string& key) {
        return on_key_of(r, *static_cast<T*>(r.top().target), key);
    }

    /// Reports every required field whose bit is not in `seen`.
    static bool check_required(Reader& r, std::uint64_t seen) {
        bool ok = true;
        for_each_field(
            table,
            [&](auto index, const auto& field) {
                if ((field.flags & required) == 0 || (seen & (std::uint64_t{1} << index)) != 0) {
                    return;
                }
                JsonPointer path = r.container_path();
                path.append_key(field.key);
                const bool is_details = (field.flags & event_details) != 0;
                ok = r.add_error(
                         is_details ? errc::no_event_details : errc::invalid_data, std::move(path),
                         is_details ? "event details are missing" : "required field is missing") &&
                     ok;
            },
            indices{});
        return ok;
    }

    static bool on_end(Reader& r) {
        const Frame& f = r.top();
        RawFields* noted = raw_fields_of(static_cast<T*>(f.target)->extra);
        if (noted != nullptr) noted->mark_read(f.seen & ~f.nulls);
        return check_required(r, f.seen);
    }

    static constexpr ObjectOps ops{&on_key, &on_end};

    static bool read(Reader& r, void* p, const Token& t) {
        if (t.kind != Token::Kind::object) return r.type_error("object", t);
        *static_cast<T*>(p) = T{}; // a repeated key: the last one wins, whole
        return r.push_object(p, &ops);
    }

    static bool is_known_key(std::string_view key) noexcept { return find(key, indices{}) < size; }

    /// True when `v` has any field worth writing.
    static bool any_set(const T& v) noexcept {
        const RawFields* noted = raw_fields_of(v.extra);
        bool any = noted != nullptr ? !noted->empty() : has_content(v.extra);
        for_each_field(
            table, [&](auto, const auto& field) { any = any || is_set(v.*(field.member)); },
            indices{});
        return any;
    }

    static void write_fields(std::string& out, const T& v, const WriteOptions& o, bool& first) {
        static const RawFields none;
        const RawFields* noted = raw_fields_of(v.extra);
        const RawFields& read = noted != nullptr ? *noted : none;
        for_each_field(
            table,
            [&](auto index, const auto& field) {
                if ((field.flags & read_alias) != 0) return;
                const auto& m = v.*(field.member);
                if ((field.flags & required) == 0) {
                    // What was read is written back as it was: a field sent (even empty) is
                    // written, one left out stays out unless it has been given a value.
                    const bool sent = read.was_present(index);
                    if ((field.flags & lenient_field) != 0) {
                        if (read.from_input() && !sent && !is_set(m)) return;
                    } else if (!sent && !has_content(m)) {
                        return;
                    }
                }
                out.append(first ? "\"" : ",\"");
                first = false;
                out.append(field.key.data(), field.key.size());
                out.append("\":");
                using M = std::remove_cv_t<std::remove_reference_t<decltype(m)>>;
                if constexpr (is_integer_member<M>::value) {
                    if (read.has_text_forms()) {
                        const std::string* text = read.text_form(field.key);
                        if (text != nullptr && same_integer(m, *text)) {
                            write_json_string(out, *text);
                            return;
                        }
                    }
                }
                write_value(out, m, o);
            },
            indices{});
        if (o.include_unknown) write_unknown(out, v.extra, first, &is_known_key);
    }

    static void write(std::string& out, const T& v, const WriteOptions& o) {
        out.push_back('{');
        bool first = true;
        write_fields(out, v, o, first);
        out.push_back('}');
    }

    /// Stores an unknown field's exact text in `extra` (strict mode also reports it).
    static bool read_unknown(Reader& r, RawFields& extra, std::string& key) {
        RawFields::Entry& e = extra.set(key, RawJson());
        r.expect(&e.value, &Codec<RawJson>::read, e.key, false);
        if (r.options().strict) return r.note(errc::unknown_field, "unknown field");
        return true;
    }

    /// Stores an unknown field in a nlohmann `extra` (strict mode also reports it).
    template <class Json>
    static bool read_unknown(Reader& r, Json& extra, std::string& key) {
        if (!extra.is_object()) extra = Json::object();
        auto it = extra.find(key);
        if (it == extra.end()) it = extra.emplace(key, nullptr).first;
        r.expect(&it.value(), &Reader::capture_read, it.key(), false);
        if (r.options().strict) return r.note(errc::unknown_field, "unknown field");
        return true;
    }

    /// Writes the unknown fields kept in a nlohmann `extra`.
    template <class Json>
    static void write_unknown(std::string& out, const Json& extra, bool& first,
                              bool (*known)(std::string_view) noexcept) {
        if (!extra.is_object()) return;
        for (auto it = extra.begin(); it != extra.end(); ++it) {
            if (known(it.key())) continue;
            if (!first) out.push_back(',');
            first = false;
            write_json_string(out, it.key());
            out.push_back(':');
            write_json_value(out, it.value());
        }
    }

    /// Writes the kept unknown fields as their text, except any whose key the typed model now
    /// owns.
    static void write_unknown(std::string& out, const RawFields& extra, bool& first,
                              bool (*known)(std::string_view) noexcept) {
        for (const RawFields::Entry& e : extra) {
            if (e.value.empty() || known(e.key)) continue;
            if (!first) out.push_back(',');
            first = false;
            write_json_string(out, e.key);
            out.push_back(':');
            out.append(e.value.text());
        }
    }
};

template <class T>
struct Codec<T, std::enable_if_t<is_described_v<T>>> : StructCodec<T> {};

template <class T>
bool is_set(const T& v) noexcept {
    if constexpr (is_optional<T>::value || is_vector<T>::value || std::is_same_v<T, RawJson> ||
                  std::is_same_v<T, std::string>) {
        return has_content(v);
    } else if constexpr (std::is_same_v<T, bool>) {
        return v;
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
        return v != 0;
    } else if constexpr (std::is_same_v<T, Decimal>) {
        return v != Decimal();
    } else if constexpr (is_described_v<T>) {
        return StructCodec<T>::any_set(v);
    } else {
        (void)v;
        return true;
    }
}

/// Runs `reader` over `text`: what stopped it, beyond the problems the reader itself noted; the
/// part of read_json that does not depend on the type read.
template <class Json>
std::optional<Error> run_reader(BasicReader<Json>& reader, std::string_view text) {
    try {
        // nlohmann's lexer takes a NUL byte for the end of the input (it also parses C
        // strings), so `{...}\0junk` would read as `{...}` and the rest would never be looked
        // at. JSON text never holds a raw NUL (inside strings it must be escaped), so refuse it
        // up front.
        const std::size_t nul = text.find('\0');
        if (nul != std::string_view::npos) {
            return Error{errc::invalid_json, std::string(),
                         "NUL byte at offset " + std::to_string(nul) +
                             " (JSON text must escape it as \\u0000)"};
        }
        reader.set_input(text.data(), text.data() + text.size());
        const bool ok =
            json_parser<Json>(reader.cursor(), reader.end_cursor()).sax_parse(&reader, true);
        if (!ok && reader.errors().empty()) {
            return Error{errc::invalid_json, std::string(), "unreadable JSON"};
        }
    } catch (const std::bad_alloc&) {
        return Error{errc::invalid_data, std::string(), "input too large to hold"};
    } catch (const std::exception& e) {
        return Error{errc::invalid_json, std::string(), e.what()};
    }
    return std::nullopt;
}

/// Parses `text` into a T; never throws.
template <class T>
Result<T> read_json(std::string_view text, const ReadOptions& options) {
    T value{};
    Reader reader(options, &value, &Codec<T>::read);
    std::optional<Error> stopped = run_reader(reader, text);
    if (stopped) return Result<T>(std::move(*stopped));
    if (!reader.errors().empty()) return Result<T>(std::move(reader.errors()));
    return Result<T>(std::move(value));
}

} // namespace detail
MPLUS_WEBHOOKS_END_NAMESPACE
