// Expectations of scenario files: JSON-subset matching with $contains, $re:, $any and $absent,
// numbers compared as exact decimals, and ignored JSON pointers.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/detail/json/dom.hpp>
#include <mplus/webhooks/json_pointer.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

struct ScenarioProblem;

/// One expectation that did not hold: where, what was expected, and what came.
struct ExpectationFailure {
    std::string path;                     ///< JSON pointer: `/status`, `/reply/...`, `/till/...`
    nlohmann::json expected;              ///< the expected value (matchers as written)
    std::optional<nlohmann::json> actual; ///< what came; empty when the value was absent
    std::string message;                  ///< why it does not match

    /// `<path>: <message>: expected <json>, got <json|absent>`, on one line.
    std::string to_string() const {
        const auto dump = [](const nlohmann::json& j) {
            return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        };
        std::string out = path + ": " + message + ": expected " + dump(expected) + ", got " +
                          (actual ? dump(*actual) : std::string("(absent)"));
        return out;
    }
    /// The failure as JSON: path, expected, actual (absent: not present), message.
    nlohmann::json to_json() const {
        nlohmann::json j = {{"path", path}, {"expected", expected}, {"message", message}};
        if (actual) j["actual"] = *actual;
        return j;
    }
};

/// The exact text of numbers in a JSON document, keyed by JSON pointer (`/lines/0/price`):
/// what a double would round away. Numbers without an entry compare by their JSON value.
using JsonNumberTexts = std::map<std::string, std::string>;

namespace detail {

/// A SAX handler building an nlohmann::json and recording the text of every non-integer
/// number (and every integer beyond 64 bits) under its JSON pointer.
class ExactJsonBuilder {
public:
    using number_integer_t = nlohmann::json::number_integer_t;
    using number_unsigned_t = nlohmann::json::number_unsigned_t;
    using number_float_t = nlohmann::json::number_float_t;
    using string_t = nlohmann::json::string_t;
    using binary_t = nlohmann::json::binary_t;

    /// Builds into `root`, recording texts into `numbers`.
    ExactJsonBuilder(nlohmann::json& root, JsonNumberTexts& numbers)
        : root_(root), numbers_(numbers) {}

    bool null() { return put(nullptr) != nullptr; }
    bool boolean(bool v) { return put(v) != nullptr; }
    bool number_integer(number_integer_t v) { return put(v) != nullptr; }
    bool number_unsigned(number_unsigned_t v) { return put(v) != nullptr; }
    bool number_float(number_float_t v, const string_t& text) {
        JsonPointer pointer;
        if (put(v, &pointer) == nullptr) return false;
        numbers_[std::move(pointer).to_string()] = text;
        return true;
    }
    bool string(string_t& v) { return put(v) != nullptr; }
    bool binary(binary_t& v) { return put(nlohmann::json::binary(v)) != nullptr; }
    bool start_object(std::size_t) { return open(nlohmann::json::object()); }
    bool end_object() { return close(); }
    bool start_array(std::size_t) { return open(nlohmann::json::array()); }
    bool end_array() { return close(); }
    bool key(string_t& k) {
        key_ = k;
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::json::exception& e) {
        error_ = e.what();
        return false;
    }
    /// Why the text was not valid JSON (empty when it was).
    const std::string& error() const { return error_; }

private:
    struct Frame {
        nlohmann::json* node;
        JsonPointer pointer;
    };

    nlohmann::json* put(nlohmann::json v, JsonPointer* pointer = nullptr) {
        if (stack_.empty()) {
            root_ = std::move(v);
            if (pointer != nullptr) *pointer = JsonPointer();
            return &root_;
        }
        Frame& f = stack_.back();
        if (f.node->is_array()) {
            if (pointer != nullptr) *pointer = JsonPointer(f.pointer).append_index(f.node->size());
            f.node->push_back(std::move(v));
            return &f.node->back();
        }
        if (pointer != nullptr) *pointer = JsonPointer(f.pointer).append_key(key_);
        nlohmann::json& slot = (*f.node)[key_];
        slot = std::move(v);
        return &slot;
    }
    bool open(nlohmann::json container) {
        JsonPointer pointer;
        nlohmann::json* node = put(std::move(container), &pointer);
        if (node == nullptr) return false;
        stack_.push_back({node, std::move(pointer)});
        return true;
    }
    bool close() {
        if (stack_.empty()) return false;
        stack_.pop_back();
        return true;
    }

    nlohmann::json& root_;
    JsonNumberTexts& numbers_;
    std::vector<Frame> stack_;
    std::string key_;
    std::string error_;
};

/// JSON number text in one normal form: `0`, or `[-]<digits>e<exponent>` with the significant
/// digits (no leading or trailing zeros) of any length; nullopt when `text` is not a number.
inline std::optional<std::string> normalized_number_text(std::string_view text) {
    std::size_t i = 0;
    const std::size_t n = text.size();
    const bool negative = i < n && text[i] == '-';
    if (negative) ++i;
    std::string digits;
    std::int64_t point = 0; // digits before the decimal point
    bool any = false;
    while (i < n && text[i] >= '0' && text[i] <= '9') {
        digits += text[i++];
        ++point;
        any = true;
    }
    if (!any) return std::nullopt;
    if (i < n && text[i] == '.') {
        ++i;
        bool frac = false;
        while (i < n && text[i] >= '0' && text[i] <= '9') {
            digits += text[i++];
            frac = true;
        }
        if (!frac) return std::nullopt;
    }
    std::int64_t exponent = 0;
    if (i < n && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        bool exp_negative = false;
        if (i < n && (text[i] == '+' || text[i] == '-')) exp_negative = text[i++] == '-';
        if (i >= n) return std::nullopt;
        while (i < n && text[i] >= '0' && text[i] <= '9') {
            if (exponent < 1000000000) exponent = exponent * 10 + (text[i] - '0');
            ++i;
        }
        if (exp_negative) exponent = -exponent;
    }
    if (i != n) return std::nullopt;
    const std::size_t first = digits.find_first_not_of('0');
    if (first == std::string::npos) return std::string("0");
    const std::size_t last = digits.find_last_not_of('0');
    // value = 0.<digits> * 10^(point + exponent); keep the significant digits only
    const std::int64_t e = point + exponent - static_cast<std::int64_t>(first);
    return std::string(negative ? "-" : "") + digits.substr(first, last - first + 1) + "e" +
           std::to_string(e);
}

/// True when the JSON number texts `a` and `b` have the same value: as Decimal when both fit,
/// else by their normalized_number_text() (`10` equals `10.00`, `0.1000000000000000001` does
/// not equal `0.1`).
inline bool same_number_text(std::string_view a, std::string_view b) {
    const std::optional<Decimal> da = Decimal::parse(a);
    const std::optional<Decimal> db = Decimal::parse(b);
    if (da && db) return *da == *db;
    const std::optional<std::string> na = normalized_number_text(a);
    const std::optional<std::string> nb = normalized_number_text(b);
    return na && nb ? *na == *nb : a == b;
}

/// The exact text of the number `j` found at `pointer` in `numbers` (null: none kept), else
/// its JSON text.
inline std::string number_text(const nlohmann::json& j, const JsonNumberTexts* numbers,
                               const std::string& pointer) {
    if (numbers != nullptr) {
        const auto it = numbers->find(pointer);
        if (it != numbers->end()) return it->second;
    }
    return j.dump();
}

} // namespace detail

/// Parses JSON `text` into `out`, keeping in `numbers` the exact text of each number that is
/// not a 64-bit integer, by JSON pointer; false (with `error` set when given) when `text` is
/// not valid JSON. Never throws.
inline bool parse_json_exact(std::string_view text, nlohmann::json& out, JsonNumberTexts& numbers,
                             std::string* error = nullptr) {
    nlohmann::json root;
    JsonNumberTexts found;
    detail::ExactJsonBuilder builder(root, found);
    bool ok = false;
    try {
        const char* cursor = text.data();
        const char* end = text.data() + text.size();
        ok = detail::json_parser<nlohmann::json>(&cursor, &end).sax_parse(&builder, true);
    } catch (const std::exception& e) {
        if (error != nullptr) *error = e.what();
        return false;
    }
    if (!ok) {
        if (error != nullptr) *error = builder.error();
        return false;
    }
    out = std::move(root);
    numbers = std::move(found);
    return true;
}

/// Where the exact number texts of an expected value and of the actual value are found:
/// the maps (null: none) and the JSON pointers of the two values in them.
struct NumberTextSources {
    const JsonNumberTexts* expected = nullptr; ///< texts of the expected document
    std::string expected_at;                   ///< pointer of the expected value in it
    const JsonNumberTexts* actual = nullptr;   ///< texts of the actual document
    std::string actual_at;                     ///< pointer of the actual value in it
};

namespace detail {

/// True when `j` is the matcher object `{"$contains": [...]}`.
inline bool is_contains_matcher(const nlohmann::json& j) {
    return j.is_object() && j.size() == 1 && j.contains("$contains");
}

/// True when `actual` matches `expected` (no failure recorded).
inline bool json_matches(const nlohmann::json& expected, const nlohmann::json* actual,
                         const NumberTextSources& numbers = {});

} // namespace detail

/// Compares `actual` (nullptr: absent) with the JSON subset `expected` and appends a failure
/// per mismatch, each naming its JSON pointer under `path`. Objects match when every key given
/// matches; arrays element by element with the same length, unless written
/// `{"$contains": [...]}` (every element given matches some element); `"$any"` matches any
/// present value, `"$absent"` requires absence, `"$re:<ECMAScript regex>"` searches a string;
/// numbers compare as exact decimals (10 matches 10.00) of their text in `numbers` where kept
/// there (see parse_json_exact()), else of their JSON value.
inline void match_json(const nlohmann::json& expected, const nlohmann::json* actual,
                       const std::string& path, std::vector<ExpectationFailure>& failures,
                       const NumberTextSources& numbers) {
    // Where a member or element of each value is: each pointer extended by a relative one.
    const auto at = [&](const JsonPointer& expected_step, const JsonPointer& actual_step) {
        return NumberTextSources{numbers.expected, numbers.expected_at + expected_step.to_string(),
                                 numbers.actual, numbers.actual_at + actual_step.to_string()};
    };
    const auto fail = [&](std::string message) {
        failures.push_back({path, expected,
                            actual ? std::optional<nlohmann::json>(*actual) : std::nullopt,
                            std::move(message)});
    };
    if (expected.is_string()) {
        const std::string& e = expected.get_ref<const std::string&>();
        if (e == "$absent") {
            if (actual != nullptr) fail("expected the key to be absent");
            return;
        }
        if (actual == nullptr) return fail("missing");
        if (e == "$any") return;
        if (e.rfind("$re:", 0) == 0) {
            if (!actual->is_string()) return fail("expected a string matching a pattern");
            try {
                const std::regex re(e.substr(4), std::regex::ECMAScript);
                if (!std::regex_search(actual->get_ref<const std::string&>(), re)) {
                    fail("does not match the pattern");
                }
            } catch (const std::regex_error&) {
                fail("the pattern is not a valid regular expression");
            }
            return;
        }
        if (!actual->is_string() || actual->get_ref<const std::string&>() != e) fail("differs");
        return;
    }
    if (actual == nullptr) return fail("missing");
    if (detail::is_contains_matcher(expected)) {
        const nlohmann::json& want = expected["$contains"];
        if (!actual->is_array()) return fail("expected an array");
        if (!want.is_array()) return fail("$contains needs an array");
        for (std::size_t i = 0; i < want.size(); ++i) {
            bool found = false;
            for (std::size_t k = 0; k < actual->size() && !found; ++k) {
                found =
                    detail::json_matches(want[i], &(*actual)[k],
                                         at(JsonPointer::of("$contains", i), JsonPointer::of(k)));
            }
            if (!found) {
                failures.push_back(
                    {path, want[i], *actual, "no element matches $contains/" + std::to_string(i)});
            }
        }
        return;
    }
    if (expected.is_object()) {
        if (!actual->is_object()) return fail("expected an object");
        for (const auto& [key, value] : expected.items()) {
            const JsonPointer step = JsonPointer::of(key);
            const auto it = actual->find(key);
            match_json(value, it == actual->end() ? nullptr : &*it, path + step.to_string(),
                       failures, at(step, step));
        }
        return;
    }
    if (expected.is_array()) {
        if (!actual->is_array()) return fail("expected an array");
        if (actual->size() != expected.size()) {
            return fail("expected " + std::to_string(expected.size()) + " elements, got " +
                        std::to_string(actual->size()));
        }
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const JsonPointer step = JsonPointer::of(i);
            match_json(expected[i], &(*actual)[i], path + step.to_string(), failures,
                       at(step, step));
        }
        return;
    }
    if (expected.is_number()) {
        if (!actual->is_number()) return fail("expected a number");
        const std::string e = detail::number_text(expected, numbers.expected, numbers.expected_at);
        const std::string a = detail::number_text(*actual, numbers.actual, numbers.actual_at);
        if (detail::same_number_text(e, a)) return;
        if (e == expected.dump() && a == actual->dump()) return fail("differs");
        fail("differs (as written: expected " + e + ", got " + a + ")");
        return;
    }
    if (expected != *actual) fail("differs");
}

/// match_json() with numbers compared as exact decimals of their JSON values.
inline void match_json(const nlohmann::json& expected, const nlohmann::json* actual,
                       const std::string& path, std::vector<ExpectationFailure>& failures) {
    match_json(expected, actual, path, failures, NumberTextSources{});
}

namespace detail {

inline bool json_matches(const nlohmann::json& expected, const nlohmann::json* actual,
                         const NumberTextSources& numbers) {
    std::vector<ExpectationFailure> failures;
    match_json(expected, actual, "", failures, numbers);
    return failures.empty();
}

/// Removes what `tokens[at...]` names from `j`; `*` names every element or member.
inline void remove_tokens(nlohmann::json& j, const std::vector<std::string>& tokens,
                          std::size_t at) {
    if (at >= tokens.size()) return;
    const std::string& t = tokens[at];
    const bool last = at + 1 == tokens.size();
    if (j.is_object()) {
        if (t == "*") {
            if (last) {
                j = nlohmann::json::object();
                return;
            }
            for (auto& [k, v] : j.items()) {
                (void)k;
                remove_tokens(v, tokens, at + 1);
            }
            return;
        }
        const auto it = j.find(t);
        if (it == j.end()) return;
        if (last) {
            j.erase(it);
        } else {
            remove_tokens(*it, tokens, at + 1);
        }
        return;
    }
    if (j.is_array()) {
        if (t == "*") {
            for (auto& v : j) {
                if (last) {
                    v = nullptr;
                } else {
                    remove_tokens(v, tokens, at + 1);
                }
            }
            return;
        }
        std::size_t index = 0;
        for (char c : t) {
            if (c < '0' || c > '9') return;
            index = index * 10 + static_cast<std::size_t>(c - '0');
        }
        if (t.empty() || index >= j.size()) return;
        if (last) {
            j[index] = nullptr; // keeps the positions of the others
        } else {
            remove_tokens(j[index], tokens, at + 1);
        }
    }
}

/// Checks that the matchers in an expected value are well formed; problems name `path`.
template <class Problems>
void check_matchers(const nlohmann::json& expected, const std::string& path, Problems& problems) {
    if (expected.is_string()) {
        const std::string& e = expected.get_ref<const std::string&>();
        if (e.rfind("$re:", 0) == 0) {
            try {
                const std::regex re(e.substr(4), std::regex::ECMAScript);
                (void)re;
            } catch (const std::regex_error& err) {
                problems.push_back(
                    {path, std::string("not a valid regular expression: ") + err.what()});
            }
        } else if (!e.empty() && e[0] == '$' && e != "$any" && e != "$absent") {
            problems.push_back(
                {path, "unknown matcher '" + e + "' (expected $any, $absent or $re:...)"});
        }
        return;
    }
    if (expected.is_object()) {
        for (const auto& [key, value] : expected.items()) {
            if (key == "$contains") {
                if (expected.size() != 1 || !value.is_array()) {
                    problems.push_back({path + JsonPointer::of(key).to_string(),
                                        "$contains stands alone and takes an array"});
                    continue;
                }
            } else if (!key.empty() && key[0] == '$') {
                problems.push_back({path + JsonPointer::of(key).to_string(),
                                    "unknown matcher key (expected $contains)"});
                continue;
            }
            check_matchers(value, path + JsonPointer::of(key).to_string(), problems);
        }
        return;
    }
    if (expected.is_array()) {
        for (std::size_t i = 0; i < expected.size(); ++i) {
            check_matchers(expected[i], path + JsonPointer::of(i).to_string(), problems);
        }
    }
}

} // namespace detail

/// Removes the values at `pointers` from `j` (`*` as a token stands for every element or
/// member; an array element becomes null so that the others keep their positions).
inline void remove_pointers(nlohmann::json& j, const std::vector<std::string>& pointers) {
    for (const auto& p : pointers) {
        const std::optional<JsonPointer> pointer = JsonPointer::parse(p);
        if (!pointer) continue;
        const std::vector<std::string> tokens = pointer->tokens();
        if (tokens.empty()) continue;
        detail::remove_tokens(j, tokens, 0);
    }
}

MPLUS_WEBHOOKS_END_NAMESPACE
