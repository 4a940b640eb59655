# Finds cpp-httplib for the tool and the examples; sets MPLUS_WEBHOOKS_HTTPLIB_TARGET to the
# target to link (empty when cpp-httplib is not there).
# SPDX-License-Identifier: MIT
#
# Upstream installs a CMake package (httplib::httplib); Debian's compiled build ships only a
# pkg-config file (cpp-httplib.pc, with the -DCPPHTTPLIB_*_SUPPORT flags that the library was
# built with and that the header must see too).

if(DEFINED MPLUS_WEBHOOKS_HTTPLIB_TARGET)
    return()
endif()
set(MPLUS_WEBHOOKS_HTTPLIB_TARGET "")
if(NOT TARGET httplib::httplib)
    find_package(httplib CONFIG QUIET)
endif()
if(TARGET httplib::httplib)
    set(MPLUS_WEBHOOKS_HTTPLIB_TARGET httplib::httplib)
else()
    find_package(PkgConfig QUIET)
    if(PKG_CONFIG_FOUND)
        pkg_check_modules(MPLUS_WEBHOOKS_CPPHTTPLIB QUIET IMPORTED_TARGET GLOBAL cpp-httplib)
    endif()
    if(TARGET PkgConfig::MPLUS_WEBHOOKS_CPPHTTPLIB)
        set(MPLUS_WEBHOOKS_HTTPLIB_TARGET PkgConfig::MPLUS_WEBHOOKS_CPPHTTPLIB)
    endif()
endif()
