// JSON Schema (draft 2020-12) of every request and reply, derived from the codec's field tables,
// and an OpenAPI 3.1 document with a `webhooks` section.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/detail/fields.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/json_pointer.hpp>
#include <mplus/webhooks/open_enum.hpp>
#include <mplus/webhooks/raw_json.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// How the schemas are drawn.
struct SchemaOptions {
    /// Describe what strict reading accepts: no unknown fields (`additionalProperties: false`)
    /// and only the known values of open enumerations. The default describes lenient reading:
    /// what the SDK accepts, the schema accepts.
    bool strict = false;
};

/// The dialect every schema document declares in `$schema`.
inline constexpr std::string_view json_schema_dialect =
    "https://json-schema.org/draft/2020-12/schema";

namespace detail {

template <class T, class = void>
struct SchemaOf;

/// The schema of a value of type T (no `$schema`: a part of a larger document).
template <class T>
nlohmann::json schema_of(const SchemaOptions& o) {
    return SchemaOf<T>::get(o);
}

/// `s` widened so that a JSON null is accepted too.
inline nlohmann::json nullable(nlohmann::json s) {
    if (s.is_object() && s.contains("type") && s["type"].is_string() && !s.contains("anyOf")) {
        s["type"] = nlohmann::json::array({s["type"], "null"});
        if (s.contains("enum")) s["enum"].push_back(nullptr);
        return s;
    }
    if (s.is_object() && s.empty()) return s; // already accepts anything
    return nlohmann::json{{"anyOf", nlohmann::json::array({std::move(s), {{"type", "null"}}})}};
}

template <class T>
struct SchemaOf<T, for_type<T, bool>> {
    static nlohmann::json get(const SchemaOptions&) { return {{"type", "boolean"}}; }
};

template <class T>
struct SchemaOf<T, for_type<T, std::int64_t>> {
    static nlohmann::json get(const SchemaOptions&) {
        // 5.0 and 1e3 read as integers (JSON Schema's "integer" accepts them too), and so does
        // a numeric string such as "42" (some tills send ids that way). `minimum`/`maximum`
        // apply to numbers only, `pattern` to strings only.
        return {{"type", nlohmann::json::array({"integer", "string"})},
                {"minimum", std::numeric_limits<std::int64_t>::min()},
                {"maximum", std::numeric_limits<std::int64_t>::max()},
                {"pattern", "^-?[0-9]+$"}};
    }
};

template <class T>
struct SchemaOf<T, for_type<T, Decimal>> {
    static nlohmann::json get(const SchemaOptions&) { return {{"type", "number"}}; }
};

template <class T>
struct SchemaOf<T, for_type<T, std::string>> {
    static nlohmann::json get(const SchemaOptions&) { return {{"type", "string"}}; }
};

template <class T>
struct SchemaOf<T, for_type<T, nlohmann::json>> {
    static nlohmann::json get(const SchemaOptions&) { return nlohmann::json::object(); }
};

template <class T>
struct SchemaOf<T, for_type<T, RawJson>> {
    static nlohmann::json get(const SchemaOptions&) { return nlohmann::json::object(); }
};

template <class Values>
struct SchemaOf<OpenEnum<Values>> {
    static nlohmann::json get(const SchemaOptions& o) {
        nlohmann::json known = nlohmann::json::array();
        for (std::string_view k : Values::known) known.push_back(std::string(k));
        // Lenient reading keeps any other string verbatim: the known values are examples.
        if (o.strict) return {{"type", "string"}, {"enum", std::move(known)}};
        return {{"type", "string"}, {"examples", std::move(known)}};
    }
};

template <class T>
struct SchemaOf<std::optional<T>> {
    static nlohmann::json get(const SchemaOptions& o) { return nullable(schema_of<T>(o)); }
};

template <class T, class A>
struct SchemaOf<std::vector<T, A>> {
    static nlohmann::json get(const SchemaOptions& o) {
        return {{"type", "array"}, {"items", schema_of<T>(o)}};
    }
};

template <class T>
struct SchemaOf<T, for_type<T, ArticleRef>> {
    static nlohmann::json get(const SchemaOptions&) {
        return {{"type", nlohmann::json::array({"string", "integer"})}};
    }
};

template <class T>
struct SchemaOf<T, for_type<T, Footer>> {
    static nlohmann::json get(const SchemaOptions& o) {
        using Entry = typename decltype(T::entries)::value_type;
        nlohmann::json entry = schema_of<Entry>(o);
        nlohmann::json list = {{"type", "array"}, {"items", entry}};
        return {{"anyOf", nlohmann::json::array({std::move(entry), std::move(list)})}};
    }
};

template <class T>
struct SchemaOf<T, for_type<T, LineEventDetails>> {
    static nlohmann::json get(const SchemaOptions& o) {
        nlohmann::json line = schema_of<decltype(T::line)>(o);
        nlohmann::json wrapped = {{"type", "object"},
                                  {"properties", {{"line", line}}},
                                  {"required", nlohmann::json::array({"line"})}};
        if (o.strict) wrapped["additionalProperties"] = false;
        // Also read flat: the line's own fields straight in the object.
        return {{"anyOf", nlohmann::json::array({std::move(wrapped), std::move(line)})}};
    }
};

/// The schema of an aggregate with a field table: walks the table the codec walks.
template <class T>
struct SchemaOf<T, std::enable_if_t<is_described_v<T>>> {
    static nlohmann::json get(const SchemaOptions& o) {
        constexpr auto table = fields(type_tag<T>{});
        nlohmann::json properties = nlohmann::json::object();
        nlohmann::json required_keys = nlohmann::json::array();
        for_each_field(table, [&](auto, const auto& field) {
            using M = std::remove_reference_t<decltype(std::declval<T&>().*(field.member))>;
            const bool is_required = (field.flags & required) != 0;
            const bool is_details = (field.flags & event_details) != 0;
            const bool is_lenient = (field.flags & lenient_field) != 0;
            // The same rules as StructCodec::expect_field: which members read null as empty
            // (a lenient field may be absent, but a null there is the wrong type; raw JSON
            // keeps whatever came, null included).
            const bool null_empty =
                !std::is_same_v<M, RawJson> && !is_lenient &&
                ((field.flags & null_is_empty) != 0 || (!is_required && !is_optional<M>::value));
            const bool accepts_null = null_empty || (!is_details && is_optional<M>::value);
            nlohmann::json s = schema_of<M>(o);
            if (accepts_null && !is_optional<M>::value) s = nullable(std::move(s));
            if constexpr (is_optional<M>::value) {
                if (!accepts_null) s = schema_of<typename M::value_type>(o);
            }
            if ((field.flags & read_alias) != 0) s["deprecated"] = true;
            const std::string key(field.key);
            properties[key] = std::move(s);
            if (is_required) required_keys.push_back(key);
        });
        nlohmann::json out = {{"type", "object"}, {"properties", std::move(properties)}};
        if (!required_keys.empty()) out["required"] = std::move(required_keys);
        if (o.strict) out["additionalProperties"] = false;
        return out;
    }
};

/// A whole schema document: `$schema`, a title, then the schema of T.
template <class T>
nlohmann::json schema_document(std::string title, std::string description, const SchemaOptions& o) {
    nlohmann::json doc = {{"$schema", std::string(json_schema_dialect)},
                          {"title", std::move(title)},
                          {"description", std::move(description)}};
    doc.update(schema_of<T>(o));
    return doc;
}

} // namespace detail

/// The JSON Schema of the request body of event E (an `events::X` tag).
template <class E>
nlohmann::json request_schema(const SchemaOptions& options = {}) {
    return detail::schema_document<typename E::request>(
        std::string(E::name) + " request",
        "The body the POS POSTs to <base URL>/" + std::string(E::name) + ".", options);
}

/// The JSON Schema of a reply to event E (every event shares the Reply object; which reply
/// objects fit which event is checked by the reply rules, not by the schema).
template <class E>
nlohmann::json reply_schema(const SchemaOptions& options = {}) {
    return detail::schema_document<Reply>(
        std::string(E::name) + " reply",
        "The body a middleware answers " + std::string(E::name) + " with.", options);
}

/// The JSON Schema of the POS's error request (`error` and the `original` request), which
/// arrives at the URL of the event whose reply the POS refused.
inline nlohmann::json pos_error_request_schema(const SchemaOptions& options = {}) {
    return detail::schema_document<PosErrorRequest>(
        "POS error request", "Sent by the POS to an event's URL when it refused a reply.", options);
}

/// The JSON Schema of the request body of the event `kind`; null for EventKind::unknown.
inline nlohmann::json request_schema(EventKind kind, const SchemaOptions& options = {}) {
    nlohmann::json out;
    visit_event(kind, [&](auto e) { out = request_schema<decltype(e)>(options); });
    return out;
}

/// The JSON Schema of a reply to the event `kind`; null for EventKind::unknown.
inline nlohmann::json reply_schema(EventKind kind, const SchemaOptions& options = {}) {
    nlohmann::json out;
    visit_event(kind, [&](auto e) { out = reply_schema<decltype(e)>(options); });
    return out;
}

/// An OpenAPI 3.1 document: one entry per event in `webhooks`, the schemas in `components`.
inline nlohmann::json openapi_document(const SchemaOptions& options = {}) {
    using nlohmann::json;
    const auto strip = [](json s) {
        s.erase("$schema"); // the document's jsonSchemaDialect says it once
        return s;
    };
    const json signature_header = {
        {"description", "Base64 HMAC-SHA256 of the exact body bytes, keyed with the secret."},
        {"required", true},
        {"schema", {{"type", "string"}}}};
    json schemas = json::object();
    json webhooks = json::object();
    schemas["posErrorRequest"] = strip(pos_error_request_schema(options));
    // Every event is answered with the same Reply object: one component.
    schemas["reply"] = strip(detail::schema_document<Reply>(
        "Reply", "The body a middleware answers an event with.", options));
    for (std::size_t i = 0; i < event_count; ++i) {
        const auto kind = static_cast<EventKind>(i);
        const std::string name(event_name(kind));
        schemas[name + ".request"] = strip(request_schema(kind, options));
        json request_body = {
            {"anyOf",
             json::array(
                 {{{"$ref",
                    "#" + JsonPointer::of("components", "schemas", name + ".request").to_string()}},
                  {{"$ref", "#/components/schemas/posErrorRequest"}}})}};
        webhooks[name]["post"] = {
            {"operationId", name},
            {"summary", "The POS calls " + name + " at <base URL>/" + name + "."},
            {"parameters", json::array({{{"name", "X-Mplus-Signature"}, {"in", "header"}}})},
            {"requestBody",
             {{"required", true},
              {"content", {{"application/json", {{"schema", std::move(request_body)}}}}}}},
            {"responses",
             {{"200",
               {{"description", "The reply, signed the same way."},
                {"headers", {{"X-Mplus-Signature", signature_header}}},
                {"content",
                 {{"application/json",
                   {{"schema", {{"$ref", "#/components/schemas/reply"}}}}}}}}}}}};
        auto& param = webhooks[name]["post"]["parameters"][0];
        param.update(signature_header);
    }
    return {{"openapi", "3.1.0"},
            {"info",
             {{"title", "MplusKASSA webhooks"},
              {"version", MPLUS_WEBHOOKS_VERSION_STRING},
              {"description", "The webhook calls of the MplusKASSA POS and the replies a "
                              "middleware gives, as the mplus-webhooks SDK reads them."}}},
            {"jsonSchemaDialect", std::string(json_schema_dialect)},
            {"webhooks", std::move(webhooks)},
            {"components", {{"schemas", std::move(schemas)}}}};
}

MPLUS_WEBHOOKS_END_NAMESPACE
