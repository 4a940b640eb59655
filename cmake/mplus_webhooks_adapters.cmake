# The HTTP adapters, each an INTERFACE target that finds its own dependency:
#   mplus_webhooks::httplib  <mplus/webhooks/adapters/httplib.hpp>  cpp-httplib (CMake package or
#                            pkg-config file, see mplus_webhooks_find_httplib.cmake)
#   mplus_webhooks::beast    <mplus/webhooks/adapters/beast.hpp>    Boost.Beast (Boost >= 1.74)
# A target is defined only when its dependency is found; MPLUS_WEBHOOKS_HTTPLIB_FOUND and
# MPLUS_WEBHOOKS_BEAST_FOUND say which.
# SPDX-License-Identifier: MIT

find_package(Threads QUIET)

include(mplus_webhooks_find_httplib)
set(MPLUS_WEBHOOKS_HTTPLIB_FOUND OFF)
if(MPLUS_WEBHOOKS_HTTPLIB_TARGET AND TARGET Threads::Threads)
    add_library(mplus_webhooks_httplib INTERFACE)
    add_library(mplus_webhooks::httplib ALIAS mplus_webhooks_httplib)
    set_target_properties(mplus_webhooks_httplib PROPERTIES EXPORT_NAME httplib)
    target_link_libraries(mplus_webhooks_httplib INTERFACE
        mplus_webhooks ${MPLUS_WEBHOOKS_HTTPLIB_TARGET} Threads::Threads)
    set(MPLUS_WEBHOOKS_HTTPLIB_FOUND ON)
endif()

set(MPLUS_WEBHOOKS_BEAST_FOUND OFF)
if(NOT TARGET Boost::headers AND NOT TARGET Boost::boost)
    find_package(Boost 1.74 CONFIG QUIET)
    if(NOT Boost_FOUND)
        find_package(Boost 1.74 QUIET)
    endif()
endif()
if(TARGET Boost::headers)
    set(MPLUS_WEBHOOKS_BOOST_TARGET Boost::headers)
elseif(TARGET Boost::boost)
    set(MPLUS_WEBHOOKS_BOOST_TARGET Boost::boost)
else()
    set(MPLUS_WEBHOOKS_BOOST_TARGET "")
endif()
if(MPLUS_WEBHOOKS_BOOST_TARGET AND TARGET Threads::Threads)
    add_library(mplus_webhooks_beast INTERFACE)
    add_library(mplus_webhooks::beast ALIAS mplus_webhooks_beast)
    set_target_properties(mplus_webhooks_beast PROPERTIES EXPORT_NAME beast)
    target_link_libraries(mplus_webhooks_beast INTERFACE
        mplus_webhooks ${MPLUS_WEBHOOKS_BOOST_TARGET} Threads::Threads)
    set(MPLUS_WEBHOOKS_BEAST_FOUND ON)
endif()
