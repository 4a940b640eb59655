// Version, namespace macros and compiler switches shared by every mplus-webhooks header.
// SPDX-License-Identifier: MIT
#pragma once

#define MPLUS_WEBHOOKS_VERSION_MAJOR 0
#define MPLUS_WEBHOOKS_VERSION_MINOR 1
#define MPLUS_WEBHOOKS_VERSION_PATCH 0
#define MPLUS_WEBHOOKS_VERSION_STRING "0.1.0"

// The inline version namespace keeps two copies of the library in one program from silently
// breaking the one-definition rule: their symbols get different mangled names.
#define MPLUS_WEBHOOKS_BEGIN_NAMESPACE                                                             \
    namespace mplus {                                                                              \
    namespace webhooks {                                                                           \
    inline namespace v0 {
#define MPLUS_WEBHOOKS_END_NAMESPACE                                                               \
    }                                                                                              \
    }                                                                                              \
    }
