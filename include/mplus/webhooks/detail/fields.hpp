// Field tables: the one description of each payload struct (JSON key, member, flags) that the
// reader, the writer and the schema generator walk.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/raw_json.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE
namespace detail {

/// Names a type for overload resolution and argument-dependent lookup of its field table.
template <class T>
struct type_tag {};

/// Enables a field table for exactly one type. The tables are templates so that a translation
/// unit pays for the ones it uses, not for every table it includes.
template <class T, class U>
using if_type = std::enable_if_t<std::is_same_v<T, U>, int>;

/// Selects a specialization (a codec, a schema) written for exactly one type. They are partial
/// specializations so that their code is compiled only where it is used.
template <class T, class U>
using for_type = std::enable_if_t<std::is_same_v<T, U>>;

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

/// One entry of a FieldList, found by its index.
template <std::size_t I, class F>
struct FieldSlot {
    F field;
};

template <class Indices, class... Fs>
struct FieldListBase;
template <std::size_t... I, class... Fs>
struct FieldListBase<std::index_sequence<I...>, Fs...> : FieldSlot<I, Fs>... {};

/// A field table: its fields in protocol order, of as many types as there are member types.
/// (A list of its own rather than a std::tuple, whose constructors a compiler checks for
/// every table; only what the walks use is here.)
template <class... Fs>
struct FieldList : FieldListBase<std::index_sequence_for<Fs...>, Fs...> {
    static constexpr std::size_t size = sizeof...(Fs);
};

template <std::size_t... I, class... Fs>
constexpr FieldList<Fs...> make_field_list(std::index_sequence<I...>, const Fs&... fields) {
    return FieldList<Fs...>{{FieldSlot<I, Fs>{fields}...}};
}

/// The table of the fields given, in order.
template <class... Fs>
constexpr FieldList<Fs...> field_list(const Fs&... fields) {
    return make_field_list(std::index_sequence_for<Fs...>{}, fields...);
}

/// Field I of a table.
template <std::size_t I, class F>
constexpr const F& field_at(const FieldSlot<I, F>& slot) noexcept {
    return slot.field;
}

template <class... As, class... Bs, std::size_t... I, std::size_t... J>
constexpr FieldList<As..., Bs...>
concat_fields(const FieldList<As...>& a, const FieldList<Bs...>& b, std::index_sequence<I...>,
              std::index_sequence<J...>) {
    return field_list(field_at<I>(a)..., field_at<J>(b)...);
}
/// The fields of `a`, then those of `b` (a table that extends another).
template <class... As, class... Bs>
constexpr FieldList<As..., Bs...> concat_fields(const FieldList<As...>& a,
                                                const FieldList<Bs...>& b) {
    return concat_fields(a, b, std::index_sequence_for<As...>{}, std::index_sequence_for<Bs...>{});
}

/// The number of fields of a table type.
template <class Table>
inline constexpr std::size_t field_count_v = std::remove_cv_t<Table>::size;

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

template <class Table, class F, std::size_t... I>
constexpr void for_each_field_of(const Table& table, F& f, std::index_sequence<I...>) {
    (f(std::integral_constant<std::size_t, I>{}, field_at<I>(table)), ...);
}
/// Calls f(index, field) for every entry of a field table.
template <class Table, class F>
constexpr void for_each_field(const Table& table, F&& f) {
    for_each_field_of(table, f, std::make_index_sequence<field_count_v<Table>>{});
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

} // namespace detail
MPLUS_WEBHOOKS_END_NAMESPACE
