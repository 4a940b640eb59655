// POS version gates: which MplusKASSA version introduced each reply feature, and the features
// a reply uses that a given POS version does not know yet.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/detail/json/dom.hpp>
#include <mplus/webhooks/json_pointer.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// A POS version as `major.minor.patch` (missing parts are 0), ordered.
struct PosVersion {
    int major = 0; ///< the major version, e.g. 57
    int minor = 0; ///< the minor version
    int patch = 0; ///< the patch version

    /// Reads `59`, `59.3` or `59.3.4` (a leading `v` is allowed); nullopt otherwise.
    static std::optional<PosVersion> parse(std::string_view text) noexcept {
        if (!text.empty() && (text[0] == 'v' || text[0] == 'V')) text.remove_prefix(1);
        PosVersion v;
        int* parts[3] = {&v.major, &v.minor, &v.patch};
        std::size_t part = 0;
        bool digit = false;
        for (char c : text) {
            if (c >= '0' && c <= '9') {
                if (*parts[part] > 100000) return std::nullopt;
                *parts[part] = *parts[part] * 10 + (c - '0');
                digit = true;
            } else if (c == '.' && digit && part < 2) {
                ++part;
                digit = false;
            } else {
                return std::nullopt;
            }
        }
        if (!digit) return std::nullopt;
        return v;
    }
    /// `major.minor.patch`.
    std::string to_string() const {
        return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
    }
    /// True when this version is older than `o`.
    constexpr bool operator<(const PosVersion& o) const noexcept {
        return major != o.major   ? major < o.major
               : minor != o.minor ? minor < o.minor
                                  : patch < o.patch;
    }
};

/// A reply feature and the POS version that introduced it. `pointer` names where it sits in
/// a reply; `*` stands for every array element (a footer may also be one object, not an
/// array: `*` then stands for that object).
struct ReplyFeature {
    std::string_view pointer; ///< where in a reply the feature sits
    PosVersion since;         ///< the first POS version that honours it
};

/// The reply features newer than the oldest POS versions, from the vendor's documentation.
inline constexpr std::array<ReplyFeature, 35> reply_features = {{
    {"/lockSession", {11, 1, 0}},
    {"/requestScanCode", {13, 1, 0}},
    {"/customActionChange", {15, 1, 0}},
    {"/vatMethodChange", {15, 1, 0}},
    {"/billFooter", {16, 2, 0}},
    {"/lockSessionForAdditions", {16, 2, 0}},
    {"/externalCardScan", {16, 2, 0}},
    {"/prepayTable", {16, 2, 0}},
    {"/requestCustomAction", {17, 0, 0}},
    {"/displayBarcode", {21, 2, 0}},
    {"/hideBarcode", {21, 2, 0}},
    {"/version", {23, 0, 0}},
    {"/dialog/requireConfirmation", {46, 0, 0}},
    {"/openUrl", {48, 0, 0}},
    {"/externalPayment/externalTransactionReference", {48, 0, 0}},
    {"/externalPayment/receiptTexts", {48, 0, 0}},
    {"/externalPayment/cardType", {48, 0, 0}},
    {"/externalPayment/terminalId", {48, 0, 0}},
    {"/externalPayment/method", {48, 0, 0}},
    {"/form", {59, 0, 0}},
    {"/dialog/dialogOptions/*/articleNumber", {59, 0, 0}},
    {"/dialog/dialogOptions/*/barcode", {59, 0, 0}},
    {"/dialog/dialogOptions/*/pluNumber", {59, 0, 0}},
    {"/dialog/dialogOptions/*/supplierArticleNumber", {59, 0, 0}},
    {"/dialog/dialogOptions/*/extArticleId", {59, 0, 0}},
    {"/receiptFooter/*/textBeforeOptions", {59, 0, 0}},
    {"/receiptFooter/*/textAfterOptions", {59, 0, 0}},
    {"/billFooter/*/textBeforeOptions", {59, 0, 0}},
    {"/billFooter/*/textAfterOptions", {59, 0, 0}},
    {"/form/fields/*/options/*/image", {59, 3, 2}},
    {"/form/fields/*/options/*/disabled", {59, 3, 2}},
    {"/form/fields/*/separator", {59, 3, 4}},
    {"/form/fields/*/type=label", {59, 3, 4}},
    {"/dialog/dialogOptions/*/disabled", {59, 3, 4}},
    {"/externalPayment/requiresReceiptPrinter", {48, 0, 0}},
}};

/// A reply feature a POS version does not know: where it is used and the version it needs.
struct VersionGateProblem {
    std::string path; ///< the JSON pointer in the reply where it is used
    PosVersion since; ///< the POS version that introduced it
    /// `<path>: needs MplusKASSA <since> (the till runs <pos>)`.
    std::string to_string(const PosVersion& pos) const {
        return path + ": needs MplusKASSA " + since.to_string() + " (the till runs " +
               pos.to_string() + ")";
    }
};

namespace detail {

/// Walks `tokens[at...]` in `j` and appends every concrete pointer it names to `out`.
inline void feature_paths(const nlohmann::json& j, const std::vector<std::string>& tokens,
                          std::size_t at, const JsonPointer& path, std::vector<std::string>& out) {
    if (at == tokens.size()) {
        out.push_back(path.to_string());
        return;
    }
    const std::string& t = tokens[at];
    if (t == "*") {
        if (j.is_array()) {
            for (std::size_t i = 0; i < j.size(); ++i) {
                feature_paths(j[i], tokens, at + 1, JsonPointer(path).append_index(i), out);
            }
        } else if (j.is_object()) {
            feature_paths(j, tokens, at + 1, path, out);
        }
        return;
    }
    if (!j.is_object()) return;
    const std::size_t eq = t.find('=');
    const std::string key = eq == std::string::npos ? t : t.substr(0, eq);
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return;
    if (eq != std::string::npos) {
        if (!it->is_string() || it->get<std::string>() != t.substr(eq + 1)) return;
    }
    feature_paths(*it, tokens, at + 1, JsonPointer(path).append_key(key), out);
}

} // namespace detail

/// Every feature `reply` (a reply's JSON) uses that `pos` does not know yet, with the version
/// that introduced it; in reply_features order.
inline std::vector<VersionGateProblem> check_pos_version(const nlohmann::json& reply,
                                                         const PosVersion& pos) {
    std::vector<VersionGateProblem> problems;
    for (const auto& f : reply_features) {
        if (!(pos < f.since)) continue;
        const std::optional<JsonPointer> pattern = JsonPointer::parse(f.pointer);
        if (!pattern) continue;
        std::vector<std::string> paths;
        detail::feature_paths(reply, pattern->tokens(), 0, JsonPointer(), paths);
        for (auto& path : paths) {
            bool seen = false;
            for (const auto& q : problems) seen = seen || q.path == path;
            if (!seen) problems.push_back({std::move(path), f.since});
        }
    }
    return problems;
}

/// check_pos_version() on reply text, as readable lines; empty when the text is not JSON or
/// `pos_version` cannot be read. (A template only so that the DOM parser is compiled where this
/// is called.)
template <class Json = nlohmann::json>
std::vector<std::string> version_problems_of(std::string_view reply_text,
                                             std::string_view pos_version) {
    std::vector<std::string> out;
    const std::optional<PosVersion> pos = PosVersion::parse(pos_version);
    if (!pos) return out;
    const Json reply = detail::parse_dom<Json>(reply_text);
    if (reply.is_discarded()) return out;
    for (const auto& p : check_pos_version(reply, *pos)) out.push_back(p.to_string(*pos));
    return out;
}

MPLUS_WEBHOOKS_END_NAMESPACE
