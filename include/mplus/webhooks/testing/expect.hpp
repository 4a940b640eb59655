// Expectations of scenario files: JSON-subset matching with $contains, $re:, $any and $absent,
// numbers compared as exact decimals, and ignored JSON pointers.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
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

namespace detail {

/// True when `j` is the matcher object `{"$contains": [...]}`.
inline bool is_contains_matcher(const nlohmann::json& j) {
    return j.is_object() && j.size() == 1 && j.contains("$contains");
}

/// The exact decimal value of a JSON number (its shortest text), or nullopt.
inline std::optional<Decimal> json_decimal(const nlohmann::json& j) {
    if (!j.is_number()) return std::nullopt;
    return Decimal::parse(j.dump());
}

/// True when `actual` matches `expected` (no failure recorded).
inline bool json_matches(const nlohmann::json& expected, const nlohmann::json* actual);

} // namespace detail

/// Compares `actual` (nullptr: absent) with the JSON subset `expected` and appends a failure
/// per mismatch, each naming its JSON pointer under `path`. Objects match when every key given
/// matches; arrays element by element with the same length, unless written
/// `{"$contains": [...]}` (every element given matches some element); `"$any"` matches any
/// present value, `"$absent"` requires absence, `"$re:<ECMAScript regex>"` searches a string;
/// numbers compare as exact decimals (10 matches 10.00).
inline void match_json(const nlohmann::json& expected, const nlohmann::json* actual,
                       const std::string& path, std::vector<ExpectationFailure>& failures) {
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
            for (const auto& a : *actual) found = found || detail::json_matches(want[i], &a);
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
            std::string token;
            for (char c : key)
                token += c == '~'   ? std::string("~0")
                         : c == '/' ? std::string("~1")
                                    : std::string(1, c);
            const auto it = actual->find(key);
            match_json(value, it == actual->end() ? nullptr : &*it, path + "/" + token, failures);
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
            match_json(expected[i], &(*actual)[i], path + "/" + std::to_string(i), failures);
        }
        return;
    }
    if (expected.is_number()) {
        const std::optional<Decimal> e = detail::json_decimal(expected);
        const std::optional<Decimal> a = detail::json_decimal(*actual);
        if (!actual->is_number()) return fail("expected a number");
        if (e && a ? !(*e == *a) : expected.dump() != actual->dump()) fail("differs");
        return;
    }
    if (expected != *actual) fail("differs");
}

namespace detail {

inline bool json_matches(const nlohmann::json& expected, const nlohmann::json* actual) {
    std::vector<ExpectationFailure> failures;
    match_json(expected, actual, "", failures);
    return failures.empty();
}

/// Splits a JSON pointer into its unescaped tokens.
inline std::vector<std::string> pointer_tokens(std::string_view pointer) {
    std::vector<std::string> tokens;
    if (pointer.empty()) return tokens;
    std::size_t start = 1;
    while (start <= pointer.size()) {
        std::size_t end = pointer.find('/', start);
        if (end == std::string_view::npos) end = pointer.size();
        std::string t;
        for (std::size_t i = start; i < end; ++i) {
            if (pointer[i] == '~' && i + 1 < end) {
                t.push_back(pointer[i + 1] == '1' ? '/' : '~');
                ++i;
            } else {
                t.push_back(pointer[i]);
            }
        }
        tokens.push_back(std::move(t));
        start = end + 1;
    }
    return tokens;
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
                    problems.push_back(
                        {path + "/$contains", "$contains stands alone and takes an array"});
                    continue;
                }
            } else if (!key.empty() && key[0] == '$') {
                problems.push_back({path + "/" + key, "unknown matcher key (expected $contains)"});
                continue;
            }
            std::string token;
            for (char c : key)
                token += c == '~'   ? std::string("~0")
                         : c == '/' ? std::string("~1")
                                    : std::string(1, c);
            check_matchers(value, path + "/" + token, problems);
        }
        return;
    }
    if (expected.is_array()) {
        for (std::size_t i = 0; i < expected.size(); ++i) {
            check_matchers(expected[i], path + "/" + std::to_string(i), problems);
        }
    }
}

} // namespace detail

/// Removes the values at `pointers` from `j` (`*` as a token stands for every element or
/// member; an array element becomes null so that the others keep their positions).
inline void remove_pointers(nlohmann::json& j, const std::vector<std::string>& pointers) {
    for (const auto& p : pointers) {
        const std::vector<std::string> tokens = detail::pointer_tokens(p);
        if (tokens.empty()) continue;
        detail::remove_tokens(j, tokens, 0);
    }
}

MPLUS_WEBHOOKS_END_NAMESPACE
