// The JSON reader: a SAX handler that writes typed values in place while nlohmann's lexer
// runs, keeping exact number text and the JSON pointer of every problem.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/codec_fwd.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/detail/json/dom.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/json_pointer.hpp>
#include <mplus/webhooks/raw_json.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE
namespace detail {

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
    std::size_t index = 0;   ///< array: the element; raw: start offset; object: the field read
    std::string_view key;    ///< object frames: the key being read
    std::uint64_t nulls = 0; ///< object frames: fields that were null where null means empty
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
            errors_.push_back(
                Error{errc::invalid_data, current_path().to_string(), "number out of range"});
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
    bool add_error(errc code, JsonPointer path, std::string message) {
        if (errors_.size() >= options_.max_errors) return false;
        errors_.push_back(Error{code, std::move(path).to_string(), std::move(message)});
        return errors_.size() < options_.max_errors;
    }

    /// JSON pointer of the value being read.
    JsonPointer current_path() const { return path_of(stack_.size()); }
    /// JSON pointer of the innermost open container.
    JsonPointer container_path() const {
        return stack_.empty() ? JsonPointer() : path_of(stack_.size() - 1);
    }

    /// Every problem found, in document order.
    std::vector<Error>& errors() noexcept { return errors_; }
    /// True when the text was not JSON at all.
    bool syntax_error() const noexcept { return syntax_error_; }

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
    JsonPointer path_of(std::size_t frames) const {
        JsonPointer p;
        for (std::size_t i = 0; i < frames; ++i) {
            const Frame& f = stack_[i];
            switch (f.kind) {
            case Frame::Kind::array:
            case Frame::Kind::capture_array: p.append_index(f.index); break;
            case Frame::Kind::object:
            case Frame::Kind::capture_object: p.append_key(f.key); break;
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
    JsonPointer raw_path(const char* begin, const char* end) const {
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
                        const Json key = parse_dom<Json>(std::string_view(
                            string_start, static_cast<std::size_t>(c + 1 - string_start)));
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
        JsonPointer p;
        for (const Level& l : levels) {
            if (l.object) {
                p.append_key(l.key);
            } else {
                p.append_index(l.index);
            }
        }
        return p;
    }

    bool enter() {
        if (stack_.size() >= options_.max_depth) {
            errors_.push_back(
                Error{errc::invalid_data, current_path().to_string(),
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

} // namespace detail
MPLUS_WEBHOOKS_END_NAMESPACE
