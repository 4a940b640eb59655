// JSON kept as text: values the typed model does not know, written back byte for byte.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/detail/json/dom.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// One JSON value kept as its text: numbers keep every digit, nothing goes through `double`.
///
/// The reader stores what it received without insignificant whitespace; the writer copies the
/// text as it is. An empty RawJson is an absent value (`null` is the text "null").
class RawJson {
public:
    /// Absent.
    RawJson() = default;
    /// The compact text of a nlohmann value (invalid UTF-8 in it is replaced).
    RawJson(const nlohmann::json& j) // NOLINT(google-explicit-constructor): `raw = json{...};`
        : text_(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) {}

    /// JSON text checked to be one valid JSON value; nullopt when it is not.
    static std::optional<RawJson> from_text(std::string_view text) {
        if (detail::parse_dom<nlohmann::json>(text).is_discarded()) return std::nullopt;
        RawJson r;
        r.text_ = minify(text);
        return r;
    }
    /// Text the caller guarantees to be one valid JSON value (the reader's own captures).
    static RawJson verbatim(std::string text) noexcept {
        RawJson r;
        r.text_ = std::move(text);
        return r;
    }

    /// The JSON text; empty when absent.
    std::string_view text() const noexcept { return text_; }
    /// True when absent.
    bool empty() const noexcept { return text_.empty(); }
    /// True when the value is a JSON object.
    bool is_object() const noexcept { return !text_.empty() && text_.front() == '{'; }
    /// True when absent or JSON null.
    bool is_null() const noexcept { return text_.empty() || text_ == "null"; }
    /// A DOM view of the value (null when absent). Numbers beyond nlohmann's types become
    /// doubles there; the text itself keeps them exactly. (A template only so that the DOM
    /// parser is compiled where a DOM is asked for.)
    template <class Json = nlohmann::json>
    Json json() const {
        if (text_.empty()) return nullptr;
        return detail::parse_dom<Json>(text_);
    }
    /// The text (indent < 0) or a DOM dump with nlohmann's formatting options.
    template <class Json = nlohmann::json>
    std::string
    dump(int indent = -1, char indent_char = ' ', bool ensure_ascii = false,
         typename Json::error_handler_t error_handler = Json::error_handler_t::strict) const {
        if (indent < 0 && !ensure_ascii) return text_.empty() ? std::string("null") : text_;
        return json<Json>().dump(indent, indent_char, ensure_ascii, error_handler);
    }

    /// Same text.
    friend bool operator==(const RawJson& a, const RawJson& b) noexcept {
        return a.text_ == b.text_;
    }
    /// Different text.
    friend bool operator!=(const RawJson& a, const RawJson& b) noexcept { return !(a == b); }

    /// `text` without whitespace outside strings.
    static std::string minify(std::string_view text) {
        std::string out;
        out.reserve(text.size());
        bool in_string = false;
        bool escaped = false;
        for (const char c : text) {
            if (in_string) {
                out.push_back(c);
                if (escaped) {
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else if (c == '"') {
                    in_string = false;
                }
                continue;
            }
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
            if (c == '"') in_string = true;
            out.push_back(c);
        }
        return out;
    }

private:
    std::string text_;
};

/// The fields of one JSON object that the typed model does not know, in the order read, each
/// kept as exact text; also what the reader noted about the object (which fields were sent,
/// integers sent as strings) so that the writer gives back what was read.
class RawFields {
public:
    /// One kept field.
    struct Entry {
        std::string key; ///< the field's key
        RawJson value;   ///< the field's value, its exact text
    };

    /// Iterates the kept fields; `key()` and `value()` as with a nlohmann object.
    class const_iterator {
    public:
        using base = std::vector<Entry>::const_iterator;     ///< the underlying iterator
        using iterator_category = std::forward_iterator_tag; ///< a forward iterator
        using value_type = Entry;                            ///< an Entry
        using difference_type = std::ptrdiff_t;              ///< distance between iterators
        using pointer = const Entry*;                        ///< pointer to an Entry
        using reference = const Entry&;                      ///< reference to an Entry

        const_iterator() = default;
        /// Wraps a vector iterator.
        explicit const_iterator(base it) : it_(it) {}
        /// The field's key.
        const std::string& key() const { return it_->key; }
        /// The field's value.
        const RawJson& value() const { return it_->value; }
        /// The entry.
        reference operator*() const { return *it_; }
        /// The entry.
        pointer operator->() const { return &*it_; }
        /// Next field.
        const_iterator& operator++() {
            ++it_;
            return *this;
        }
        /// Next field.
        const_iterator operator++(int) {
            const_iterator old = *this;
            ++it_;
            return old;
        }
        /// Same position.
        friend bool operator==(const const_iterator& a, const const_iterator& b) {
            return a.it_ == b.it_;
        }
        /// Other position.
        friend bool operator!=(const const_iterator& a, const const_iterator& b) {
            return a.it_ != b.it_;
        }

    private:
        base it_{};
    };

    /// No fields.
    RawFields() = default;
    /// The members of a nlohmann object (anything else gives no fields).
    RawFields(const nlohmann::json& object) { // NOLINT(google-explicit-constructor)
        if (!object.is_object()) return;
        for (auto it = object.begin(); it != object.end(); ++it) set(it.key(), RawJson(*it));
    }

    /// Always true: the kept fields are the members of an object (nlohmann-style check).
    bool is_object() const noexcept { return true; }
    /// True when no field is kept.
    bool empty() const noexcept { return entries_.empty(); }
    /// How many fields are kept.
    std::size_t size() const noexcept { return entries_.size(); }
    /// First field.
    const_iterator begin() const noexcept { return const_iterator(entries_.begin()); }
    /// Past the last field.
    const_iterator end() const noexcept { return const_iterator(entries_.end()); }

    /// The value of `key`, or nullptr.
    const RawJson* find(std::string_view key) const noexcept {
        for (const auto& e : entries_) {
            if (e.key == key) return &e.value;
        }
        return nullptr;
    }
    /// True when `key` is kept.
    bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }
    /// The value of `key`; throws std::out_of_range when it is not kept.
    const RawJson& at(std::string_view key) const {
        const RawJson* v = find(key);
        if (v == nullptr) throw std::out_of_range("no field \"" + std::string(key) + "\"");
        return *v;
    }
    /// Sets `key` to `value` (replacing a kept value of the same key, in its place).
    Entry& set(std::string_view key, RawJson value) {
        for (auto& e : entries_) {
            if (e.key == key) {
                e.value = std::move(value);
                return e;
            }
        }
        entries_.push_back(Entry{std::string(key), std::move(value)});
        return entries_.back();
    }
    /// Removes `key`; false when it was not kept.
    bool erase(std::string_view key) {
        for (auto it = entries_.begin(); it != entries_.end(); ++it) {
            if (it->key == key) {
                entries_.erase(it);
                return true;
            }
        }
        return false;
    }
    /// A DOM view of the kept fields as one nlohmann object.
    template <class Json = nlohmann::json>
    Json json() const {
        Json j = Json::object();
        for (const auto& e : entries_) j[e.key] = e.value.template json<Json>();
        return j;
    }

    // --- what the reader noted, for the writer -------------------------------------------
    /// True when the object was read from JSON text (not built by code).
    bool from_input() const noexcept { return from_input_; }
    /// True when the field at `index` of the object's field table was present in the input.
    bool was_present(std::size_t index) const noexcept {
        return index < 64 && (present_ & (std::uint64_t{1} << index)) != 0;
    }
    /// Notes which fields of the field table were present in the input.
    void mark_read(std::uint64_t present) noexcept {
        from_input_ = true;
        present_ = present;
    }
    /// The string text an integer field `key` was sent as, or nullptr.
    const std::string* text_form(std::string_view key) const noexcept {
        for (const auto& t : text_forms_) {
            if (t.first == key) return &t.second;
        }
        return nullptr;
    }
    /// True when some integer field was sent as a string.
    bool has_text_forms() const noexcept { return !text_forms_.empty(); }
    /// Notes that the integer field `key` was sent as the string `text`.
    void keep_text_form(std::string_view key, std::string text) {
        for (auto& t : text_forms_) {
            if (t.first == key) {
                t.second = std::move(text);
                return;
            }
        }
        text_forms_.emplace_back(std::string(key), std::move(text));
    }

private:
    std::vector<Entry> entries_;
    std::vector<std::pair<std::string, std::string>> text_forms_;
    std::uint64_t present_ = 0;
    bool from_input_ = false;
};

MPLUS_WEBHOOKS_END_NAMESPACE
