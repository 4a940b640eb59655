// The precompiled library: the readers and writers of every request and of the reply.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/precompiled.hpp>

#include <string>
#include <string_view>
#include <type_traits>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

#define MPLUS_WEBHOOKS_CODEC(T)                                                                    \
    template Result<T> try_parse<T>(std::string_view, const ReadOptions&);                         \
    template void serialize_to<T>(std::string&, const T&, const WriteOptions&);
MPLUS_WEBHOOKS_PRECOMPILED_CODECS(MPLUS_WEBHOOKS_CODEC)
#undef MPLUS_WEBHOOKS_CODEC

namespace detail {

// Every request type of the event catalog must be in MPLUS_WEBHOOKS_PRECOMPILED_CODECS.
template <class T>
struct precompiled_codec : std::false_type {};
#define MPLUS_WEBHOOKS_LISTED(T)                                                                   \
    template <>                                                                                    \
    struct precompiled_codec<T> : std::true_type {};
MPLUS_WEBHOOKS_PRECOMPILED_CODECS(MPLUS_WEBHOOKS_LISTED)
#undef MPLUS_WEBHOOKS_LISTED

template <class... Events>
constexpr bool all_requests_listed(events::List<Events...>) {
    return (precompiled_codec<typename Events::request>::value && ...);
}
static_assert(all_requests_listed(events::All{}),
              "a request type of the event catalog is missing from "
              "MPLUS_WEBHOOKS_PRECOMPILED_CODECS (include/mplus/webhooks/precompiled.hpp)");

} // namespace detail

MPLUS_WEBHOOKS_END_NAMESPACE
