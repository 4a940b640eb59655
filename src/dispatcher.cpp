// The precompiled library: the dispatcher's machinery and the typed slot of every event.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/detail/server/dispatcher_impl.hpp>
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/precompiled.hpp>

#include <string_view>
#include <type_traits>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

namespace detail {

#define MPLUS_WEBHOOKS_SLOT(Event)                                                                 \
    template class EventHandlers<events::Event>;                                                   \
    template std::shared_ptr<EventSlot> make_slot<events::Event>();
MPLUS_WEBHOOKS_PRECOMPILED_EVENTS(MPLUS_WEBHOOKS_SLOT)
#undef MPLUS_WEBHOOKS_SLOT

#ifdef MPLUS_WEBHOOKS_USE_OPENSSL
void precompiled_library_built_with_openssl() noexcept {}
#else
void precompiled_library_built_without_openssl() noexcept {}
#endif

template void merge_reply<Reply>(Reply&, Reply&&);
template void parse_original<>(std::string_view, const ReadOptions&, AnyRequest&);

// MPLUS_WEBHOOKS_PRECOMPILED_EVENTS must be the event catalog, in its order.
template <class First, class... Events>
struct listed_events {
    using type = events::List<Events...>;
};
#define MPLUS_WEBHOOKS_LISTED(Event) , events::Event
static_assert(
    std::is_same_v<
        listed_events<void MPLUS_WEBHOOKS_PRECOMPILED_EVENTS(MPLUS_WEBHOOKS_LISTED)>::type,
        events::All>,
    "MPLUS_WEBHOOKS_PRECOMPILED_EVENTS (include/mplus/webhooks/precompiled.hpp) is not "
    "the event catalog events::All");
#undef MPLUS_WEBHOOKS_LISTED

} // namespace detail

MPLUS_WEBHOOKS_END_NAMESPACE
