// Packaging test consumer, one source for every route (find_package, pkg-config flags,
// add_subdirectory, FetchContent): the library it was built against has the expected version.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks.hpp>

#include <cstdio>
#include <cstring>

#ifndef MPLUS_WEBHOOKS_EXPECTED_VERSION
#error "build with -DMPLUS_WEBHOOKS_EXPECTED_VERSION=\"x.y.z\""
#endif

int main() {
    std::printf("mplus_webhooks %s (expected %s)\n", MPLUS_WEBHOOKS_VERSION_STRING,
                MPLUS_WEBHOOKS_EXPECTED_VERSION);
#if defined(MPLUS_WEBHOOKS_CONSUMER_EXPECTS_OPENSSL) && !defined(MPLUS_WEBHOOKS_USE_OPENSSL)
    std::printf("mplus_webhooks::openssl did not define MPLUS_WEBHOOKS_USE_OPENSSL\n");
    return 1;
#else
    return std::strcmp(MPLUS_WEBHOOKS_VERSION_STRING, MPLUS_WEBHOOKS_EXPECTED_VERSION) == 0 ? 0 : 1;
#endif
}
