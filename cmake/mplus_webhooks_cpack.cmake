# Debian packages with `cpack -G DEB` (from the build directory):
#   libmplus-webhooks-dev   headers, CMake package, pkg-config file (install component `dev`);
#                           architecture all, depends on nlohmann-json3-dev
#   mplus-webhooks-tools    the mplus-webhooks command-line tool (component `tools`; build it
#                           first), its library dependencies found by dpkg-shlibdeps
# SPDX-License-Identifier: MIT

set(CPACK_PACKAGE_NAME "mplus-webhooks")
set(CPACK_PACKAGE_VENDOR "mplus-webhooks")
set(CPACK_PACKAGE_CONTACT "mplus-webhooks maintainers <mplus-webhooks@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "C++17 SDK for MplusKASSA POS webhooks")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL dev tools)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "libdevel")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME "libmplus-webhooks-dev")
set(CPACK_DEBIAN_DEV_PACKAGE_ARCHITECTURE "all")
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "nlohmann-json3-dev (>= 3.10)")
set(CPACK_DEBIAN_DEV_PACKAGE_SUGGESTS "libssl-dev, libcpp-httplib-dev, libboost-dev")
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "C++17 SDK for MplusKASSA POS webhooks (header-only)\n"
    "Typed requests and replies, signatures, a dispatcher and HTTP adapters for cpp-httplib\n"
    "and Boost.Beast. CMake: find_package(mplus_webhooks); pkg-config: mplus_webhooks.")

set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME "mplus-webhooks-tools")
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION "devel")
set(CPACK_COMPONENT_TOOLS_DESCRIPTION
    "mplus-webhooks command-line tool\n"
    "Validates MplusKASSA webhook payloads and replies, signs and verifies bodies, and plays the\n"
    "POS against a live middleware.")
find_program(MPLUS_WEBHOOKS_DPKG_SHLIBDEPS dpkg-shlibdeps)
mark_as_advanced(MPLUS_WEBHOOKS_DPKG_SHLIBDEPS)
if(MPLUS_WEBHOOKS_DPKG_SHLIBDEPS)
    set(CPACK_DEBIAN_TOOLS_PACKAGE_SHLIBDEPS ON)
endif()

include(CPack)
