// Two-TU link test, part two: the same header, seen from a second translation unit.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks.hpp>

#include <system_error>

namespace link_test {
const std::error_category* category_in_b() {
    return &mplus::webhooks::error_category();
}
std::error_code invalid_json_in_b() {
    return mplus::webhooks::make_error_code(mplus::webhooks::errc::invalid_json);
}
const char* version_in_b() {
    return MPLUS_WEBHOOKS_VERSION_STRING;
}
} // namespace link_test
