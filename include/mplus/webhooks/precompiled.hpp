// The precompiled mode: what the static library mplus_webhooks::precompiled holds, declared
// `extern template` so that translation units that link it do not instantiate it again.
// SPDX-License-Identifier: MIT
//
// The CMake target mplus_webhooks::precompiled defines MPLUS_WEBHOOKS_PRECOMPILED for its users.
// Under that macro the headers declare, instead of defining, the dispatcher's machinery
// (compiled once into the library from src/) and the codecs listed below; without it this
// header declares nothing and the SDK stays header-only.
#pragma once

#include <mplus/webhooks/codec.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>

#include <string>
#include <string_view>

/// Calls `X(Type)` for every type whose reader and writer the precompiled library holds: the
/// request of every event in the catalog, the POS's error request and the reply.
#define MPLUS_WEBHOOKS_PRECOMPILED_CODECS(X)                                                       \
    X(SessionRequest)                                                                              \
    X(ScanCodeRequest)                                                                             \
    X(AddSessionLineRequest)                                                                       \
    X(UpdateSessionLineRequest)                                                                    \
    X(RemoveSessionLineRequest)                                                                    \
    X(SelectRelationRequest)                                                                       \
    X(MergeSessionRequest)                                                                         \
    X(CompleteSessionRequest)                                                                      \
    X(CustomActionRequest)                                                                         \
    X(PrintBillRequest)                                                                            \
    X(BackgroundPollRequest)                                                                       \
    X(KitchenRequest)                                                                              \
    X(ExternalPaymentRequest)                                                                      \
    X(PosErrorRequest)                                                                             \
    X(Reply)

/// Calls `X(Event)` for every event of the catalog (events::All, in its order: src/ checks
/// that the two lists agree): the library holds each event's typed handler slot.
#define MPLUS_WEBHOOKS_PRECOMPILED_EVENTS(X)                                                       \
    X(StartSession)                                                                                \
    X(ScanCode)                                                                                    \
    X(AddSessionLine)                                                                              \
    X(UpdateSessionLine)                                                                           \
    X(RemoveSessionLine)                                                                           \
    X(PauseSession)                                                                                \
    X(ResumeSession)                                                                               \
    X(SelectRelation)                                                                              \
    X(StartPayment)                                                                                \
    X(CancelPayment)                                                                               \
    X(MergeSession)                                                                                \
    X(CancelSession)                                                                               \
    X(CompleteSession)                                                                             \
    X(CreditSession)                                                                               \
    X(CustomAction)                                                                                \
    X(PrintBill)                                                                                   \
    X(BackgroundPoll)                                                                              \
    X(KitchenStartCourse)                                                                          \
    X(KitchenCompleteCourse)                                                                       \
    X(KitchenServeCourse)                                                                          \
    X(StartExternalPayment)                                                                        \
    X(PollExternalPayment)                                                                         \
    X(RequestCancelExternalPayment)                                                                \
    X(CancelExternalPayment)

#ifdef MPLUS_WEBHOOKS_PRECOMPILED

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

#define MPLUS_WEBHOOKS_EXTERN_CODEC(T)                                                             \
    extern template Result<T> try_parse<T>(std::string_view, const ReadOptions&);                  \
    extern template void serialize_to<T>(std::string&, const T&, const WriteOptions&);
MPLUS_WEBHOOKS_PRECOMPILED_CODECS(MPLUS_WEBHOOKS_EXTERN_CODEC)
#undef MPLUS_WEBHOOKS_EXTERN_CODEC

namespace detail {
// The library's code and the user's files must see the same types: MPLUS_WEBHOOKS_USE_OPENSSL
// changes the signing keys' layout. The library defines the one function of the two that
// names how it was built, and every Dispatcher calls the one its own file names, so a program
// built the other way fails to link instead of failing at run time.
#ifdef MPLUS_WEBHOOKS_USE_OPENSSL
/// Defined by a precompiled library built with MPLUS_WEBHOOKS_USE_OPENSSL.
void precompiled_library_built_with_openssl() noexcept;
/// Fails to link unless the precompiled library was built with MPLUS_WEBHOOKS_USE_OPENSSL.
inline void check_precompiled_library() noexcept {
    precompiled_library_built_with_openssl();
}
#else
/// Defined by a precompiled library built without MPLUS_WEBHOOKS_USE_OPENSSL.
void precompiled_library_built_without_openssl() noexcept;
/// Fails to link unless the precompiled library was built without MPLUS_WEBHOOKS_USE_OPENSSL.
inline void check_precompiled_library() noexcept {
    precompiled_library_built_without_openssl();
}
#endif
} // namespace detail

MPLUS_WEBHOOKS_END_NAMESPACE

#endif
