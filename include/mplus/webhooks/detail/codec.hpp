// The generic JSON codec: field tables walked by one reader (SAX, straight into the typed
// value) and one writer (straight into a string).
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/detail/json_writer.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/open_enum.hpp>
#include <mplus/webhooks/raw_json.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// How try_parse reads JSON text.
struct ReadOptions {
    /// Report unknown fields and unknown enumeration values as errors (for integrators' CI).
    bool strict = false;
    /// Deepest nesting of arrays and objects accepted; deeper input is rejected early.
    std::size_t max_depth = 64;
    /// Stop after this many problems.
    std::size_t max_errors = 32;
};

/// How serialize writes JSON text.
struct WriteOptions {
    /// Write the unknown fields kept from the input (true) or only what the typed model holds.
    bool include_unknown = true;
};

namespace detail {

/// Names a type for overload resolution and argument-dependent lookup of its field table.
template <class T>
struct type_tag {};

/// Enables a field table for exactly one type. The tables are templates so that a translation
/// unit pays for the ones it uses, not for every table it includes.
template <class T, class U>
using if_type = std::enable_if_t<std::is_same_v<T, U>, int>;

/// Field flags.
inline constexpr unsigned required = 1u;      ///< missing is an error
inline constexpr unsigned event_details = 2u; ///< missing or null is NO_EVENT_DETAILS
inline constexpr unsigned read_alias = 4u;    ///< an older key: read into the member, never written
inline constexpr unsigned null_is_empty = 8u; ///< a null reads as a default-constructed value
/// May be absent on input (reads as empty); written whenever code built the object, and when it
/// was read, written back only if it was sent (or has been given a value since).
inline constexpr unsigned lenient_field = 16u;

/// One entry of a field table: the JSON key, the member, and flags.
template <class C, class M>
struct Field {
    std::string_view key;
    M C::*member;
    unsigned flags;
};

/// A field that may be absent (std::optional, a vector omitted when empty, raw JSON).
template <class C, class M>
constexpr Field<C, M> opt(std::string_view key, M C::*member) noexcept {
    return {key, member, 0u};
}
/// A field that must be present.
template <class C, class M>
constexpr Field<C, M> req(std::string_view key, M C::*member) noexcept {
    return {key, member, required};
}
/// The event's own object: missing or null is NO_EVENT_DETAILS.
template <class C, class M>
constexpr Field<C, M> details(std::string_view key, M C::*member) noexcept {
    return {key, member, required | event_details};
}
/// The event's own object, where a null means the same as the empty object.
template <class C, class M>
constexpr Field<C, M> nullable_details(std::string_view key, M C::*member) noexcept {
    return {key, member, required | event_details | null_is_empty};
}
/// A field the definitions require but real tills may leave out: absent reads as empty.
template <class C, class M>
constexpr Field<C, M> lenient(std::string_view key, M C::*member) noexcept {
    return {key, member, lenient_field};
}
/// The event's own object where older tills leave it out: absent reads as empty, null is
/// NO_EVENT_DETAILS.
template <class C, class M>
constexpr Field<C, M> lenient_details(std::string_view key, M C::*member) noexcept {
    return {key, member, lenient_field | event_details};
}
/// An older name of a field: read into the same member, never written.
template <class C, class M>
constexpr Field<C, M> alias(std::string_view key, M C::*member) noexcept {
    return {key, member, read_alias};
}

/// True when T has a field table (a `fields(type_tag<T>)` function found by ADL).
template <class T, class = void>
struct is_described : std::false_type {};
template <class T>
struct is_described<T, std::void_t<decltype(fields(type_tag<T>{}))>> : std::true_type {};
template <class T>
inline constexpr bool is_described_v = is_described<T>::value;

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};

// ---------------------------------------------------------------------------------------------
// Reading

/// One SAX event handed to a value's reader.
struct Token {
    enum class Kind { null, boolean, integer, unsigned_integer, number, string, object, array };
    Kind kind = Kind::null;
    bool boolean = false;
    std::int64_t integer = 0;
    std::uint64_t unsigned_integer = 0;
    double number = 0;
    std::string_view raw;          ///< the number's text as it appeared in the input
    std::string* string = nullptr; ///< may be moved from
};

/// The JSON type name of a token, for messages.
inline std::string_view token_name(const Token& t) noexcept {
    switch (t.kind) {
    case Token::Kind::null: return "null";
    case Token::Kind::boolean: return "boolean";
    case Token::Kind::integer:
    case Token::Kind::unsigned_integer:
    case Token::Kind::number: return "number";
    case Token::Kind::string: return "string";
    case Token::Kind::object: return "object";
    case Token::Kind::array: return "array";
    }
    return "value";
}

template <class Json>
class BasicReader;
/// The reader. A template only so that its code is compiled where something is parsed, not in
/// every translation unit that includes the model.
using Reader = BasicReader<nlohmann::json>;

/// Reads one token into the value at `target`; false stops the parse.
using ReadFn = bool (*)(Reader&, void* target, const Token&);

/// What an object frame does with its keys and its end.
struct ObjectOps {
    /// Points the reader's next value at the member for `key` (or at the unknown-field store).
    bool (*on_key)(Reader&, std::string& key);
    /// Checks what must be present once the object is complete.
    bool (*on_end)(Reader&);
};

/// One open container on the reader's stack.
struct Frame {
    enum class Kind { object, array, capture_object, capture_array, skip, raw };
    Kind kind = Kind::skip;
    void* target = nullptr;
    const ObjectOps* object_ops = nullptr; ///< object frames
    ReadFn element = nullptr;              ///< array frames: reads one element (appending it)
    std::uint64_t seen = 0;                ///< object frames: which fields were present
    std::size_t index = 0;   ///< array frames: index of the element; raw frames: start offset
    std::string_view key;    ///< object frames: the key being read
    std::uint64_t nulls = 0; ///< object frames: fields that were null where null means empty
};

/// An input iterator over the JSON text whose position the reader can see: nlohmann's lexer
/// advances the shared cursor, so the reader knows where each value starts and ends and can
/// keep a value's exact text.
struct TrackedInput {
    using iterator_category = std::input_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char*;
    using reference = const char&;

    const char** cursor = nullptr; ///< the reader's position (or its end), shared

    /// The character at the position.
    reference operator*() const noexcept { return **cursor; }
    /// Moves the shared position on.
    TrackedInput& operator++() noexcept {
        ++*cursor;
        return *this;
    }
    /// Moves the shared position on.
    TrackedInput operator++(int) noexcept {
        TrackedInput old = *this;
        ++*cursor;
        return old;
    }
    /// Same position.
    friend bool operator==(const TrackedInput& a, const TrackedInput& b) noexcept {
        return *a.cursor == *b.cursor;
    }
    /// Other position.
    friend bool operator!=(const TrackedInput& a, const TrackedInput& b) noexcept {
        return *a.cursor != *b.cursor;
    }
};

/// The SAX handler: typed values are written in place while nlohmann's lexer runs.
///
/// Every reader function handed an object or array token opens exactly one frame (or stops
/// the parse), so the frame above an array frame is always the element being read.
template <class Json>
class BasicReader {
public:
    BasicReader(const ReadOptions& options, void* root, ReadFn root_read)
        : options_(options), pending_target_(root), pending_read_(root_read) {
        stack_.reserve(16);
    }

    // --- nlohmann SAX interface -------------------------------------------------------------
    bool null() { return value(Token{}); }
    bool boolean(bool v) {
        Token t;
        t.kind = Token::Kind::boolean;
        t.boolean = v;
        return value(t);
    }
    bool number_integer(std::int64_t v) {
        Token t;
        t.kind = Token::Kind::integer;
        t.integer = v;
        return value(t);
    }
    bool number_unsigned(std::uint64_t v) {
        Token t;
        if (v <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            t.kind = Token::Kind::integer;
            t.integer = static_cast<std::int64_t>(v);
        } else {
            t.kind = Token::Kind::unsigned_integer;
            t.unsigned_integer = v;
        }
        return value(t);
    }
    bool number_float(double v, const std::string& raw) {
        Token t;
        t.kind = Token::Kind::number;
        t.number = v;
        t.raw = raw;
        return value(t);
    }
    bool string(std::string& v) {
        Token t;
        t.kind = Token::Kind::string;
        t.string = &v;
        return value(t);
    }
    bool binary(typename Json::binary_t&) {
        return add_error(errc::invalid_json, current_path(), "binary data") && false;
    }
    bool start_object(std::size_t) {
        Token t;
        t.kind = Token::Kind::object;
        return value(t);
    }
    bool start_array(std::size_t) {
        Token t;
        t.kind = Token::Kind::array;
        return value(t);
    }
    bool key(std::string& k) {
        const bool ok = route_key(k);
        mark_ = pos_;
        return ok;
    }
    bool route_key(std::string& k) {
        Frame& f = stack_.back();
        if (f.kind == Frame::Kind::object) return f.object_ops->on_key(*this, k);
        if (f.kind == Frame::Kind::capture_object) {
            auto& obj = *static_cast<Json*>(f.target);
            auto it = obj.find(k);
            if (it == obj.end()) it = obj.emplace(k, nullptr).first;
            it.value() = nullptr; // a repeated key: the last one wins, as in nlohmann
            f.key = it.key();
            pending_target_ = &it.value();
            pending_read_ = capture_read;
            details_field_ = false;
        }
        return true;
    }
    bool end_object() {
        const bool ok = close();
        mark_ = pos_;
        return ok;
    }
    bool end_array() {
        const bool ok = close();
        mark_ = pos_;
        return ok;
    }
    bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                     const nlohmann::detail::exception& ex) {
        if (ex.id == 406) { // a number nlohmann cannot hold (1e400): bad data, not bad syntax
            errors_.push_back(Error{errc::invalid_data, current_path(), "number out of range"});
            return false;
        }
        std::string what = ex.what();
        // nlohmann's text is "[json.exception.parse_error.101] parse error at line 1, ...";
        // keep what follows the bracketed id.
        const auto close_bracket = what.find("] ");
        if (close_bracket != std::string::npos) what.erase(0, close_bracket + 2);
        syntax_error_ = true;
        errors_.clear(); // problems found before the text turned out not to be JSON are moot
        errors_.push_back(Error{errc::invalid_json, std::string(), std::move(what)});
        return false;
    }

    // --- used by codecs -------------------------------------------------------------------
    /// The options this read runs with.
    const ReadOptions& options() const noexcept { return options_; }

    /// Opens an object frame for `target`, read with `ops`.
    bool push_object(void* target, const ObjectOps* ops) {
        if (!enter()) return false;
        Frame f;
        f.kind = Frame::Kind::object;
        f.target = target;
        f.object_ops = ops;
        stack_.push_back(f);
        return true;
    }
    /// Opens an array frame whose elements are read by `element`.
    bool push_array(void* target, ReadFn element) {
        if (!enter()) return false;
        Frame f;
        f.kind = Frame::Kind::array;
        f.target = target;
        f.element = element;
        stack_.push_back(f);
        return true;
    }

    /// The innermost frame (an object frame while its keys are read).
    Frame& top() noexcept { return stack_.back(); }

    /// Points the next value at `target`, read by `read`, under `key` of the innermost object;
    /// `is_details` makes a null there NO_EVENT_DETAILS; `owner` is the unknown-field store of
    /// the object the member belongs to (where an integer sent as a string is noted).
    void expect(void* target, ReadFn read, std::string_view key, bool is_details,
                RawFields* owner = nullptr) noexcept {
        stack_.back().key = key;
        pending_target_ = target;
        pending_read_ = read;
        pending_owner_ = owner;
        details_field_ = is_details;
    }

    /// Sets the JSON text being read (its first byte); the lexer moves `cursor()` over it.
    void set_input(const char* begin, const char* end) noexcept {
        base_ = pos_ = mark_ = begin;
        end_ = end;
        // nlohmann skips a UTF-8 byte order mark at the start.
        if (end - begin >= 3 && begin[0] == '\xEF' && begin[1] == '\xBB' && begin[2] == '\xBF') {
            mark_ = begin + 3;
        }
    }
    /// The lexer's position, shared with the input iterators.
    const char** cursor() noexcept { return &pos_; }
    /// The end of the input, shared with the end iterator.
    const char** end_cursor() noexcept { return &end_; }

    /// Keeps the exact text of the value being read in `target` (a container is kept whole
    /// once it closes).
    bool capture_raw(RawJson& target, const Token& t) {
        const char* start = mark_;
        while (start < pos_ && (*start == ' ' || *start == '\n' || *start == '\r' ||
                                *start == '\t' || *start == ',' || *start == ':')) {
            ++start;
        }
        if (is_container(t)) {
            if (!enter()) return false;
            Frame f;
            f.kind = Frame::Kind::raw;
            f.target = &target;
            f.index = static_cast<std::size_t>(start - base_);
            stack_.push_back(f);
            return true;
        }
        const char* end = pos_;
        if (t.kind == Token::Kind::integer || t.kind == Token::Kind::unsigned_integer ||
            t.kind == Token::Kind::number) {
            // The lexer has read one character past a number (unless it ended the input).
            while (end > start && (end[-1] < '0' || end[-1] > '9')) --end;
        }
        target = RawJson::verbatim(std::string(start, end));
        return true;
    }

    /// Notes that the integer being read was sent as the string `text`, so that it is written
    /// back as a string.
    void keep_text_form(const std::string& text) {
        if (owner_ != nullptr && !stack_.empty()) owner_->keep_text_form(stack_.back().key, text);
    }

    /// Records a type problem for the value being read and skips it.
    bool type_error(std::string_view expected, const Token& t) {
        if (details_field_ && t.kind == Token::Kind::null) {
            return report(errc::no_event_details, "event details are null", t);
        }
        std::string msg = "expected ";
        msg.append(expected).append(", got ").append(token_name(t));
        return report(errc::invalid_data, std::move(msg), t);
    }
    /// Records a problem for the value being read and skips it when it is a container.
    bool report(errc code, std::string message, const Token& t) {
        if (!add_error(code, current_path(), std::move(message))) return false;
        if (t.kind == Token::Kind::object || t.kind == Token::Kind::array) return push_skip();
        return true;
    }
    /// Records a problem about the value being read that needs no skipping (strict mode).
    bool note(errc code, std::string message) {
        return add_error(code, current_path(), std::move(message));
    }
    /// Records a problem at `path`; false once the error budget is spent.
    bool add_error(errc code, std::string path, std::string message) {
        if (errors_.size() >= options_.max_errors) return false;
        errors_.push_back(Error{code, std::move(path), std::move(message)});
        return errors_.size() < options_.max_errors;
    }

    /// JSON pointer of the value being read.
    std::string current_path() const { return path_of(stack_.size()); }
    /// JSON pointer of the innermost open container.
    std::string container_path() const {
        return stack_.empty() ? std::string() : path_of(stack_.size() - 1);
    }

    /// Every problem found, in document order.
    std::vector<Error>& errors() noexcept { return errors_; }
    /// True when the text was not JSON at all.
    bool syntax_error() const noexcept { return syntax_error_; }

    /// Appends `key` to a JSON pointer, escaping `~` and `/`.
    static void append_pointer_key(std::string& p, std::string_view key) {
        p.push_back('/');
        for (char c : key) {
            if (c == '~') {
                p.append("~0");
            } else if (c == '/') {
                p.append("~1");
            } else {
                p.push_back(c);
            }
        }
    }

    /// Reads any value into the Json at `target` (unknown fields, raw objects).
    static bool capture_read(Reader& r, void* target, const Token& t) {
        auto& j = *static_cast<Json*>(target);
        switch (t.kind) {
        case Token::Kind::null: j = nullptr; return true;
        case Token::Kind::boolean: j = t.boolean; return true;
        case Token::Kind::integer: j = t.integer; return true;
        case Token::Kind::unsigned_integer: j = t.unsigned_integer; return true;
        case Token::Kind::number: j = t.number; return true;
        case Token::Kind::string: j = std::move(*t.string); return true;
        case Token::Kind::object:
        case Token::Kind::array: {
            if (!r.enter()) return false;
            const bool is_object = t.kind == Token::Kind::object;
            j = is_object ? Json::object() : Json::array();
            Frame f;
            f.kind = is_object ? Frame::Kind::capture_object : Frame::Kind::capture_array;
            f.target = &j;
            r.stack_.push_back(f);
            return true;
        }
        }
        return true;
    }

private:
    std::string path_of(std::size_t frames) const {
        std::string p;
        for (std::size_t i = 0; i < frames; ++i) {
            const Frame& f = stack_[i];
            switch (f.kind) {
            case Frame::Kind::array:
            case Frame::Kind::capture_array:
                p.push_back('/');
                p.append(std::to_string(f.index));
                break;
            case Frame::Kind::object:
            case Frame::Kind::capture_object: append_pointer_key(p, f.key); break;
            case Frame::Kind::skip: break;
            case Frame::Kind::raw:
                // Inside a value kept as text: only an error (too deep) asks for a path there,
                // so it is rebuilt from the text read so far rather than tracked as it goes.
                p.append(raw_path(base_ + f.index, pos_));
                return p;
            }
        }
        return p;
    }

    /// The JSON pointer, relative to the value starting at `begin`, of the value whose opening
    /// bracket ends just before `end`.
    std::string raw_path(const char* begin, const char* end) const {
        struct Level {
            bool object;
            std::size_t index;
            std::string key;
        };
        std::vector<Level> levels;
        bool in_string = false;
        bool escaped = false;
        bool expect_key = false;
        const char* string_start = nullptr;
        for (const char* c = begin; c < end; ++c) {
            if (in_string) {
                if (escaped) {
                    escaped = false;
                } else if (*c == '\\') {
                    escaped = true;
                } else if (*c == '"') {
                    in_string = false;
                    if (expect_key && !levels.empty()) {
                        const Json key = Json::parse(string_start, c + 1, nullptr, false);
                        levels.back().key = key.is_string() ? key.template get<std::string>() : "";
                        expect_key = false;
                    }
                }
                continue;
            }
            switch (*c) {
            case '"':
                in_string = true;
                string_start = c;
                break;
            case '{':
                levels.push_back(Level{true, 0, std::string()});
                expect_key = true;
                break;
            case '[': levels.push_back(Level{false, 0, std::string()}); break;
            case '}':
            case ']':
                if (!levels.empty()) levels.pop_back();
                expect_key = false;
                break;
            case ',':
                if (!levels.empty()) {
                    if (levels.back().object) {
                        expect_key = true;
                    } else {
                        ++levels.back().index;
                    }
                }
                break;
            default: break;
            }
        }
        // The container just opened is the value the path names, not a level of it.
        const char* last = end;
        while (last > begin &&
               (last[-1] == ' ' || last[-1] == '\n' || last[-1] == '\r' || last[-1] == '\t')) {
            --last;
        }
        if (last > begin && (last[-1] == '{' || last[-1] == '[') && !levels.empty()) {
            levels.pop_back();
        }
        std::string p;
        for (const Level& l : levels) {
            if (l.object) {
                append_pointer_key(p, l.key);
            } else {
                p.push_back('/');
                p.append(std::to_string(l.index));
            }
        }
        return p;
    }

    bool enter() {
        if (stack_.size() >= options_.max_depth) {
            errors_.push_back(
                Error{errc::invalid_data, current_path(),
                      "nesting deeper than " + std::to_string(options_.max_depth) + " levels"});
            return false; // stop: the rest of such a document is not worth reading
        }
        return true;
    }

    bool push_skip() {
        if (!enter()) return false;
        stack_.push_back(Frame{});
        return true;
    }

    static bool is_container(const Token& t) noexcept {
        return t.kind == Token::Kind::object || t.kind == Token::Kind::array;
    }

    bool value(const Token& t) {
        const bool ok = route(t);
        mark_ = pos_;
        return ok;
    }

    /// Routes a value (or the opening of a container) to where the current container says.
    bool route(const Token& t) {
        if (stack_.empty()) return deliver(t);
        const std::size_t depth = stack_.size();
        Frame& f = stack_.back();
        switch (f.kind) {
        case Frame::Kind::object:
        case Frame::Kind::capture_object: return deliver(t);
        case Frame::Kind::array: {
            const bool ok = f.element(*this, f.target, t);
            // A container element moves the index on when it closes (see close()).
            if (!is_container(t)) ++stack_[depth - 1].index;
            return ok;
        }
        case Frame::Kind::capture_array: {
            auto& j = *static_cast<Json*>(f.target);
            j.push_back(nullptr);
            const bool ok = capture_read(*this, &j.back(), t);
            if (!is_container(t)) ++stack_[depth - 1].index;
            return ok;
        }
        case Frame::Kind::skip:
        case Frame::Kind::raw: return is_container(t) ? push_skip() : true;
        }
        return true;
    }

    bool deliver(const Token& t) {
        const ReadFn read = pending_read_;
        pending_read_ = nullptr;
        owner_ = pending_owner_;
        pending_owner_ = nullptr;
        if (read == nullptr) return is_container(t) ? push_skip() : true;
        const bool ok = read(*this, pending_target_, t);
        owner_ = nullptr;
        return ok;
    }

    bool close() {
        if (stack_.empty()) return true;
        bool ok = true;
        const Frame& f = stack_.back();
        if (f.kind == Frame::Kind::object) {
            ok = f.object_ops->on_end(*this);
        } else if (f.kind == Frame::Kind::raw) {
            const char* start = base_ + f.index;
            *static_cast<RawJson*>(f.target) = RawJson::verbatim(
                RawJson::minify(std::string_view(start, static_cast<std::size_t>(pos_ - start))));
        }
        stack_.pop_back();
        if (!stack_.empty()) {
            Frame& parent = stack_.back();
            if (parent.kind == Frame::Kind::array || parent.kind == Frame::Kind::capture_array) {
                ++parent.index;
            }
        }
        return ok;
    }

    const ReadOptions& options_;
    std::vector<Frame> stack_;
    std::vector<Error> errors_;
    void* pending_target_ = nullptr;
    ReadFn pending_read_ = nullptr;
    RawFields* pending_owner_ = nullptr;
    RawFields* owner_ = nullptr;
    const char* base_ = nullptr;
    const char* pos_ = nullptr;
    const char* end_ = nullptr;
    const char* mark_ = nullptr;
    bool details_field_ = false;
    bool syntax_error_ = false;
};

// ---------------------------------------------------------------------------------------------
// Codecs: how each C++ type reads a token and writes itself.

/// Reads and writes values of type T; specialized below for each kind of member.
template <class T, class = void>
struct Codec;

/// Selects a codec written for exactly one type. The codecs are partial specializations so
/// that their code is compiled only where it is used.
template <class T, class U>
using for_type = std::enable_if_t<std::is_same_v<T, U>>;

/// Writes a value of type T.
template <class T>
void write_value(std::string& out, const T& v, const WriteOptions& o) {
    Codec<T>::write(out, v, o);
}

/// True when an optional member holds something worth writing.
template <class T>
bool has_content(const T& v) noexcept {
    if constexpr (is_optional<T>::value) {
        return v.has_value();
    } else if constexpr (is_vector<T>::value) {
        return !v.empty();
    } else if constexpr (std::is_same_v<T, nlohmann::json>) {
        return !v.is_null();
    } else if constexpr (std::is_same_v<T, RawJson>) {
        return !v.empty();
    } else if constexpr (std::is_same_v<T, std::string>) {
        return !v.empty(); // a plain string marked optional is omitted when empty
    } else {
        (void)v;
        return true;
    }
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

/// Calls f(index, field) for every entry of a field table.
template <class Table, class F, std::size_t... I>
constexpr void for_each_field(const Table& table, F&& f, std::index_sequence<I...>) {
    (f(std::integral_constant<std::size_t, I>{}, std::get<I>(table)), ...);
}

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
                std::string path = r.container_path();
                Reader::append_pointer_key(path, field.key);
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

/// Parses `text` into a T; never throws.
template <class T>
Result<T> read_json(std::string_view text, const ReadOptions& options) {
    // nlohmann's lexer takes a NUL byte for the end of the input (it also parses C strings), so
    // `{...}\0junk` would read as `{...}` and the rest would never be looked at. JSON text
    // never holds a raw NUL (inside strings it must be escaped), so refuse it up front.
    const std::size_t nul = text.find('\0');
    if (nul != std::string_view::npos) {
        return Result<T>(Error{errc::invalid_json, std::string(),
                               "NUL byte at offset " + std::to_string(nul) +
                                   " (JSON text must escape it as \\u0000)"});
    }
    T value{};
    Reader reader(options, &value, &Codec<T>::read);
    try {
        reader.set_input(text.data(), text.data() + text.size());
        const bool ok = nlohmann::json::sax_parse(TrackedInput{reader.cursor()},
                                                  TrackedInput{reader.end_cursor()}, &reader,
                                                  nlohmann::json::input_format_t::json, true);
        if (!reader.errors().empty()) return Result<T>(std::move(reader.errors()));
        if (!ok) return Result<T>(Error{errc::invalid_json, std::string(), "unreadable JSON"});
    } catch (const std::bad_alloc&) {
        return Result<T>(Error{errc::invalid_data, std::string(), "input too large to hold"});
    } catch (const std::exception& e) {
        return Result<T>(Error{errc::invalid_json, std::string(), e.what()});
    }
    return Result<T>(std::move(value));
}

} // namespace detail

/// Reads a typed value from JSON text. Never throws: problems come back in the Result, each
/// with the JSON pointer of where it was found and the wire code it maps to.
template <class T>
Result<T> try_parse(std::string_view text, const ReadOptions& options = {}) {
    return detail::read_json<T>(text, options);
}

/// Reads a typed value from JSON text; throws Exception with the first problem.
template <class T>
T parse(std::string_view text, const ReadOptions& options = {}) {
    return try_parse<T>(text, options).value();
}

/// Appends the JSON text of `value` to `out`.
template <class T>
void serialize_to(std::string& out, const T& value, const WriteOptions& options = {}) {
    detail::Codec<T>::write(out, value, options);
}

/// The JSON text of `value`: known fields in protocol order, then the kept unknown fields.
template <class T>
std::string serialize(const T& value, const WriteOptions& options = {}) {
    std::string out;
    out.reserve(256);
    serialize_to(out, value, options);
    return out;
}

/// nlohmann interoperability: `nlohmann::json j = value;`.
template <class Json, class T, std::enable_if_t<detail::is_described_v<T>, int> = 0>
void to_json(Json& j, const T& value) {
    j = Json::parse(serialize(value));
}

/// nlohmann interoperability: `j.get<T>()`; throws Exception with the first problem.
template <class Json, class T, std::enable_if_t<detail::is_described_v<T>, int> = 0>
void from_json(const Json& j, T& value) {
    value = parse<T>(j.dump(-1, ' ', false, Json::error_handler_t::replace));
}

MPLUS_WEBHOOKS_END_NAMESPACE
