# Finds cpp-httplib for the tool, the examples and the benchmarks; sets MPLUS_WEBHOOKS_HTTPLIB_TARGET to the
# target to link, or to "" when it is not found.
# SPDX-License-Identifier: MIT
#
# Upstream installs a CMake package (httplib::httplib). Debian's compiled build ships only a
# pkg-config file (cpp-httplib.pc), whose -DCPPHTTPLIB_*_SUPPORT flags the header must see too.
# The pkg-config target is GLOBAL so that examples/ and bench/ share it.

set(MPLUS_WEBHOOKS_HTTPLIB_TARGET "")
if(NOT TARGET httplib::httplib AND NOT TARGET PkgConfig::MPLUS_WEBHOOKS_CPPHTTPLIB)
    find_package(httplib CONFIG QUIET)
    if(NOT TARGET httplib::httplib)
        find_package(PkgConfig QUIET)
        if(PKG_CONFIG_FOUND)
            pkg_check_modules(MPLUS_WEBHOOKS_CPPHTTPLIB QUIET IMPORTED_TARGET GLOBAL cpp-httplib)
        endif()
    endif()
endif()
if(TARGET httplib::httplib)
    set(MPLUS_WEBHOOKS_HTTPLIB_TARGET httplib::httplib)
elseif(TARGET PkgConfig::MPLUS_WEBHOOKS_CPPHTTPLIB)
    set(MPLUS_WEBHOOKS_HTTPLIB_TARGET PkgConfig::MPLUS_WEBHOOKS_CPPHTTPLIB)
endif()
