// Two-TU link test, part one (holds main): catches ODR mistakes in the headers.
// SPDX-License-Identifier: MIT
//
// Both a.cpp and b.cpp include the umbrella header. A non-inline function or variable defined in
// a header fails the link; a `static` or anonymous-namespace object in a header gives each TU its
// own copy, which the identity checks below catch at run time.
#include <mplus/webhooks.hpp>

#include <cstdio>
#include <cstring>
#include <system_error>

namespace link_test {
const std::error_category* category_in_b();
std::error_code invalid_json_in_b();
const char* version_in_b();
} // namespace link_test

int main() {
    namespace mw = mplus::webhooks;
    int failures = 0;
    auto check = [&failures](bool ok, const char* what) {
        if (!ok) {
            std::fprintf(stderr, "link test: %s\n", what);
            ++failures;
        }
    };
    check(&mw::error_category() == link_test::category_in_b(),
          "error_category() is a different object in each translation unit");
    check(mw::make_error_code(mw::errc::invalid_json) == link_test::invalid_json_in_b(),
          "error codes made in two translation units do not compare equal");
    check(std::strcmp(MPLUS_WEBHOOKS_VERSION_STRING, link_test::version_in_b()) == 0,
          "translation units disagree on MPLUS_WEBHOOKS_VERSION_STRING");
    if (failures == 0) std::printf("link test: ok (%s)\n", MPLUS_WEBHOOKS_VERSION_STRING);
    return failures == 0 ? 0 : 1;
}
