// Codecs: how each C++ type reads a token and writes itself; the struct codec walks a field
// table. read_json runs the reader over a text.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/codec_fwd.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/detail/fields.hpp>
#include <mplus/webhooks/detail/json/dom.hpp>
#include <mplus/webhooks/detail/json/reader.hpp>
#include <mplus/webhooks/detail/json/writer.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/json_pointer.hpp>
#include <mplus/webhooks/open_enum.hpp>
#include <mplus/webhooks/raw_json.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
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

/// What the struct codec needs of one field to read it, whatever the member's type. The entries
/// of a struct are made at compile time from its field table and walked by code that is the
/// same for every struct, so that a struct costs the compiler one small function per field
/// (locate) and the functions of each member type, not a copy of every walk for every field.
struct ReadEntry {
    std::string_view key;
    unsigned flags = 0;
    /// The member in an object of the struct.
    void* (*locate)(void* object) noexcept = nullptr;
    /// Reads the member (null handling included: see StructCodec::read_entry()).
    ReadFn read = nullptr;
};

/// What the struct codec needs of one field to write it (apart from ReadEntry, so that a type
/// only read does not compile its writers, nor a type only written its readers).
struct WriteEntry {
    std::string_view key;
    unsigned flags = 0;
    const void* (*locate)(const void* object) noexcept = nullptr;
    void (*write)(std::string& out, const void* member, const WriteOptions&) = nullptr;
    bool (*is_set)(const void* member) noexcept = nullptr;
    bool (*has_content)(const void* member) noexcept = nullptr;
    /// Integer members only: whether the member holds the value of a decimal text.
    bool (*same_integer)(const void* member, const std::string& text) noexcept = nullptr;
};

/// The functions of a member type that the entries point at.
template <class M>
struct MemberOps {
    static void write(std::string& out, const void* m, const WriteOptions& o) {
        Codec<M>::write(out, *static_cast<const M*>(m), o);
    }
    static bool is_set(const void* m) noexcept { return detail::is_set(*static_cast<const M*>(m)); }
    static bool has_content(const void* m) noexcept {
        return detail::has_content(*static_cast<const M*>(m));
    }
    static bool same_integer(const void* m, const std::string& text) noexcept {
        return detail::same_integer(*static_cast<const M*>(m), text);
    }

    /// Reads a member whose null means a default-constructed value (and counts as not sent:
    /// the field being read is the object frame's `index`).
    static bool read_null_as_empty(Reader& r, void* p, const Token& t) {
        if (t.kind == Token::Kind::null) {
            *static_cast<M*>(p) = M{};
            Frame& f = r.top();
            f.nulls |= std::uint64_t{1} << f.index;
            return true;
        }
        return Codec<M>::read(r, p, t);
    }

    /// Reads the event's own object, whose null is NO_EVENT_DETAILS whatever its type (a raw
    /// nlohmann::json member would otherwise take the null as a value).
    static bool read_details(Reader& r, void* p, const Token& t) {
        if (t.kind == Token::Kind::null) {
            return r.report(errc::no_event_details, "event details are null", t);
        }
        return Codec<M>::read(r, p, t);
    }
};

/// The index of `key` among `n` keys; `n` when it is not one of them.
inline std::size_t find_key(const std::string_view* keys, std::size_t n,
                            std::string_view key) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        if (keys[i] == key) return i;
    }
    return n;
}

/// True when any member of `object` named by the entries holds something worth writing.
inline bool any_entry_set(const WriteEntry* entries, std::size_t n, const void* object) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        if (entries[i].is_set(entries[i].locate(object))) return true;
    }
    return false;
}

/// Writes the members of `object` named by the entries, in order; `read` is what the reader
/// noted of the object (which fields were sent, integers sent as text).
inline void write_members(std::string& out, const WriteEntry* entries, std::size_t n,
                          const void* object, const RawFields& read, const WriteOptions& o,
                          bool& first) {
    for (std::size_t index = 0; index < n; ++index) {
        const WriteEntry& e = entries[index];
        if ((e.flags & read_alias) != 0) continue;
        const void* m = e.locate(object);
        if ((e.flags & required) == 0) {
            // What was read is written back as it was: a field sent (even empty) is written,
            // one left out stays out unless it has been given a value.
            const bool sent = read.was_present(index);
            if ((e.flags & lenient_field) != 0) {
                if (read.from_input() && !sent && !e.is_set(m)) continue;
            } else if (!sent && !e.has_content(m)) {
                continue;
            }
        }
        out.append(first ? "\"" : ",\"");
        first = false;
        out.append(e.key.data(), e.key.size());
        out.append("\":");
        if (e.same_integer != nullptr && read.has_text_forms()) {
            const std::string* text = read.text_form(e.key);
            if (text != nullptr && e.same_integer(m, *text)) {
                write_json_string(out, *text);
                continue;
            }
        }
        e.write(out, m, o);
    }
}

/// Reports every required entry whose bit is not in `seen`. (A template so that only
/// translation units that read compile it.)
template <class R>
bool check_required_entries(R& r, const ReadEntry* entries, std::size_t n, std::uint64_t seen) {
    bool ok = true;
    for (std::size_t i = 0; i < n; ++i) {
        const ReadEntry& e = entries[i];
        if ((e.flags & required) == 0 || (seen & (std::uint64_t{1} << i)) != 0) continue;
        JsonPointer path = r.container_path();
        path.append_key(e.key);
        const bool is_details = (e.flags & event_details) != 0;
        ok = r.add_error(is_details ? errc::no_event_details : errc::invalid_data, std::move(path),
                         is_details ? "event details are missing" : "required field is missing") &&
             ok;
    }
    return ok;
}

/// The codec of every type with a field table: the table's entries are walked to read and to
/// write.
template <class T>
struct StructCodec {
    static constexpr auto table = fields(type_tag<T>{});
    static constexpr std::size_t size = field_count_v<decltype(table)>;
    static_assert(size <= 64, "a field table holds at most 64 fields");

    /// The member of field I in `object` (a T).
    template <std::size_t I>
    static void* locate(void* object) noexcept {
        constexpr auto member = field_at<I>(table).member; // evaluated at compile time
        return &(static_cast<T*>(object)->*member);
    }

    /// The member of field I in `object` (a const T), for writing.
    template <std::size_t I>
    static const void* locate_const(const void* object) noexcept {
        constexpr auto member = field_at<I>(table).member;
        return &(static_cast<const T*>(object)->*member);
    }

    /// The member type of field I.
    template <std::size_t I>
    using member_type =
        std::remove_reference_t<decltype(std::declval<T&>().*(field_at<I>(table).member))>;

    /// The read entry of field I.
    template <std::size_t I>
    static constexpr ReadEntry read_entry() {
        constexpr auto field = field_at<I>(table);
        using M = member_type<I>;
        // An optional field that is not a std::optional (a list omitted when empty, a string)
        // reads null as empty too, like every optional field.
        // Raw JSON keeps a null as the text "null"; an optional takes a null as a value (sent,
        // so written back as null); a lenient field is a required one read leniently: a null
        // there is the wrong type, only its absence reads as empty.
        constexpr bool raw = std::is_same_v<M, RawJson>;
        constexpr bool null_empty = !raw && (field.flags & lenient_field) == 0 &&
                                    ((field.flags & null_is_empty) != 0 ||
                                     ((field.flags & required) == 0 && !is_optional<M>::value));
        ReadEntry e;
        e.key = field.key;
        e.flags = field.flags;
        e.locate = &locate<I>;
        e.read = null_empty                           ? &MemberOps<M>::read_null_as_empty
                 : (field.flags & event_details) != 0 ? &MemberOps<M>::read_details
                                                      : &Codec<M>::read;
        return e;
    }

    /// The write entry of field I.
    template <std::size_t I>
    static constexpr WriteEntry write_entry() {
        using M = member_type<I>;
        WriteEntry e;
        e.key = field_at<I>(table).key;
        e.flags = field_at<I>(table).flags;
        e.locate = &locate_const<I>;
        e.write = &MemberOps<M>::write;
        e.is_set = &MemberOps<M>::is_set;
        e.has_content = &MemberOps<M>::has_content;
        if constexpr (is_integer_member<M>::value) e.same_integer = &MemberOps<M>::same_integer;
        return e;
    }

    template <std::size_t... I>
    static constexpr std::array<std::string_view, size> keys_of(std::index_sequence<I...>) {
        return {{field_at<I>(table).key...}};
    }
    /// The JSON keys, in the table's order.
    static constexpr std::array<std::string_view, size> keys =
        keys_of(std::make_index_sequence<size>{});

    template <std::size_t... I>
    static constexpr std::array<ReadEntry, size> read_entries_of(std::index_sequence<I...>) {
        return {{read_entry<I>()...}};
    }
    template <std::size_t... I>
    static constexpr std::array<WriteEntry, size> write_entries_of(std::index_sequence<I...>) {
        return {{write_entry<I>()...}};
    }
    /// The fields as read (a variable template: made only where the type is read).
    template <class = void>
    static constexpr std::array<ReadEntry, size>
        read_entries = read_entries_of(std::make_index_sequence<size>{});
    /// The fields as written (made only where the type is written).
    template <class = void>
    static constexpr std::array<WriteEntry, size>
        write_entries = write_entries_of(std::make_index_sequence<size>{});

    /// Points the reader at the member of `obj` named `key` (or at obj's unknown fields).
    static bool on_key_of(Reader& r, T& obj, std::string& key) {
        const std::size_t i = find_key(keys.data(), size, key);
        if (i < size) {
            Frame& f = r.top();
            f.seen |= std::uint64_t{1} << i;
            f.index = i;
            const ReadEntry& e = read_entries<>[i];
            r.expect(e.locate(&obj), e.read, e.key, (e.flags & event_details) != 0,
                     raw_fields_of(obj.extra));
            return true;
        }
        return read_unknown(r, obj.extra, key);
    }

    static bool on_key(Reader& r, std::string& key) {
        return on_key_of(r, *static_cast<T*>(r.top().target), key);
    }

    /// Reports every required field whose bit is not in `seen`.
    static bool check_required(Reader& r, std::uint64_t seen) {
        return check_required_entries(r, read_entries<>.data(), size, seen);
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

    static bool is_known_key(std::string_view key) noexcept {
        return find_key(keys.data(), size, key) < size;
    }

    /// True when `v` has any field worth writing.
    static bool any_set(const T& v) noexcept {
        const RawFields* noted = raw_fields_of(v.extra);
        if (noted != nullptr ? !noted->empty() : has_content(v.extra)) return true;
        return any_entry_set(write_entries<>.data(), size, &v);
    }

    static void write_fields(std::string& out, const T& v, const WriteOptions& o, bool& first) {
        static const RawFields none;
        const RawFields* noted = raw_fields_of(v.extra);
        write_members(out, write_entries<>.data(), size, &v, noted != nullptr ? *noted : none, o,
                      first);
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
