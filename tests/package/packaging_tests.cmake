# Packaging tests (label "packaging"): small consumer projects built and run by ctest through
# every route a user takes: find_package against a temporary install, pkg-config against the
# same install, add_subdirectory of the checkout, and FetchContent of the checkout (SOURCE_DIR)
# and of a source archive made from it (URL). No route needs the network.
# SPDX-License-Identifier: MIT
#
# Included from tests/CMakeLists.txt.

set(_pkg_src "${CMAKE_CURRENT_LIST_DIR}")
set(_pkg_bin "${CMAKE_CURRENT_BINARY_DIR}/package")
set(_pkg_prefix "${_pkg_bin}/prefix")
file(MAKE_DIRECTORY "${_pkg_bin}")

if(CMAKE_CXX_STANDARD)
    set(_consumer_std ${CMAKE_CXX_STANDARD})
else()
    set(_consumer_std 17)
endif()

# Options every consumer is configured with: same compiler, standard and generator as we use.
set(_consumer_options
    "-DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}"
    "-DCMAKE_CXX_STANDARD=${_consumer_std}"
    "-DMPLUS_WEBHOOKS_EXPECTED_VERSION=${PROJECT_VERSION}")
if(CMAKE_BUILD_TYPE)
    list(APPEND _consumer_options "-DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}")
endif()
set(_build_and_test_options
    --build-generator "${CMAKE_GENERATOR}"
    --build-makeprogram "${CMAKE_MAKE_PROGRAM}")
if(CMAKE_GENERATOR_PLATFORM)
    list(APPEND _build_and_test_options --build-generator-platform "${CMAKE_GENERATOR_PLATFORM}")
endif()
if(CMAKE_GENERATOR_TOOLSET)
    list(APPEND _build_and_test_options --build-generator-toolset "${CMAKE_GENERATOR_TOOLSET}")
endif()

# mplus_webhooks_add_consumer_test(<test name> <consumer dir> [cmake options...])
# Configures, builds and runs the consumer's own ctest tests (which run its executable).
function(mplus_webhooks_add_consumer_test name consumer)
    add_test(NAME ${name}
             COMMAND "${CMAKE_CTEST_COMMAND}"
                     --build-and-test "${_pkg_src}/${consumer}" "${_pkg_bin}/${name}"
                     ${_build_and_test_options}
                     --build-options ${_consumer_options} ${ARGN}
                     --test-command "${CMAKE_CTEST_COMMAND}" --output-on-failure
                                    --no-tests=error -C $<CONFIG>)
    set_tests_properties(${name} PROPERTIES LABELS packaging)
endfunction()

# --- find_package and pkg-config, against `cmake --install` into the build tree ----------------

if(MPLUS_WEBHOOKS_INSTALL)
    add_test(NAME packaging.install
             COMMAND "${CMAKE_COMMAND}"
                     "-DBUILD_DIR=${PROJECT_BINARY_DIR}"
                     "-DPREFIX=${_pkg_prefix}"
                     "-DCONFIG=$<CONFIG>"
                     "-DEXPECTED_FILES=${CMAKE_INSTALL_INCLUDEDIR}/mplus/webhooks.hpp;${MPLUS_WEBHOOKS_INSTALL_CMAKEDIR}/mplus_webhooksConfig.cmake;${MPLUS_WEBHOOKS_INSTALL_CMAKEDIR}/mplus_webhooksConfigVersion.cmake;${MPLUS_WEBHOOKS_INSTALL_CMAKEDIR}/mplus_webhooksTargets.cmake;${MPLUS_WEBHOOKS_INSTALL_PKGCONFIGDIR}/mplus_webhooks.pc$<$<TARGET_EXISTS:mplus_webhooks_httplib>:;${MPLUS_WEBHOOKS_INSTALL_CMAKEDIR}/mplus_webhooksHttplibTargets.cmake;${CMAKE_INSTALL_INCLUDEDIR}/mplus/webhooks/adapters/httplib.hpp>$<$<TARGET_EXISTS:mplus_webhooks_beast>:;${MPLUS_WEBHOOKS_INSTALL_CMAKEDIR}/mplus_webhooksBeastTargets.cmake>$<$<TARGET_EXISTS:mplus-webhooks>:;${CMAKE_INSTALL_BINDIR}/mplus-webhooks>"
                     -P "${_pkg_src}/install.cmake")
    set_tests_properties(packaging.install PROPERTIES
        LABELS packaging FIXTURES_SETUP mplus_webhooks_installed)

    if(TARGET mplus_webhooks::openssl)
        set(_expect_openssl ON)
    else()
        set(_expect_openssl OFF)
    endif()
    mplus_webhooks_add_consumer_test(packaging.find_package find_package
        "-DCMAKE_PREFIX_PATH=${_pkg_prefix}"
        "-DMPLUS_WEBHOOKS_EXPECTED_PREFIX=${_pkg_prefix}"
        "-DMPLUS_WEBHOOKS_EXPECT_OPENSSL=${_expect_openssl}"
        -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
    set_tests_properties(packaging.find_package PROPERTIES
        FIXTURES_REQUIRED mplus_webhooks_installed)

    find_program(MPLUS_WEBHOOKS_PKG_CONFIG NAMES pkg-config pkgconf)
    mark_as_advanced(MPLUS_WEBHOOKS_PKG_CONFIG)
    if(MPLUS_WEBHOOKS_PKG_CONFIG)
        add_test(NAME packaging.pkg_config
                 COMMAND "${CMAKE_COMMAND}"
                         "-DPKG_CONFIG=${MPLUS_WEBHOOKS_PKG_CONFIG}"
                         "-DPKG_CONFIG_DIR=${_pkg_prefix}/${MPLUS_WEBHOOKS_INSTALL_PKGCONFIGDIR}"
                         "-DEXPECTED_INCLUDEDIR=${_pkg_prefix}/${CMAKE_INSTALL_INCLUDEDIR}"
                         "-DEXPECTED_VERSION=${PROJECT_VERSION}"
                         "-DCXX=${CMAKE_CXX_COMPILER}"
                         "-DCXX_STANDARD=${_consumer_std}"
                         "-DSOURCE=${_pkg_src}/consumer_main.cpp"
                         "-DWORK_DIR=${_pkg_bin}/packaging.pkg_config"
                         -P "${_pkg_src}/pkg_config.cmake")
        set_tests_properties(packaging.pkg_config PROPERTIES
            LABELS packaging FIXTURES_REQUIRED mplus_webhooks_installed)
    else()
        message(STATUS "mplus_webhooks: pkg-config not found, no packaging.pkg_config test")
    endif()
endif()

# --- The README's install on a fresh configuration: no build, library only --------------------

add_test(NAME packaging.install_without_build
         COMMAND "${CMAKE_COMMAND}"
                 "-DSOURCE_DIR=${PROJECT_SOURCE_DIR}"
                 "-DWORK_DIR=${_pkg_bin}/install_without_build"
                 "-DGENERATOR=${CMAKE_GENERATOR}"
                 "-DCXX=${CMAKE_CXX_COMPILER}"
                 -P "${_pkg_src}/fresh_install.cmake")
set_tests_properties(packaging.install_without_build PROPERTIES LABELS packaging TIMEOUT 300)

# --- The adapter targets through every route (full configuration: they compile both stacks) ---

if(MPLUS_WEBHOOKS_BUILD_EXAMPLES AND TARGET mplus_webhooks::httplib AND TARGET mplus_webhooks::beast)
    if(MPLUS_WEBHOOKS_INSTALL)
        mplus_webhooks_add_consumer_test(packaging.adapters.find_package adapters
            -DMPLUS_WEBHOOKS_ROUTE=find_package
            "-DCMAKE_PREFIX_PATH=${_pkg_prefix}"
            -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
        set_tests_properties(packaging.adapters.find_package PROPERTIES
            FIXTURES_REQUIRED mplus_webhooks_installed)
    endif()
    mplus_webhooks_add_consumer_test(packaging.adapters.add_subdirectory adapters
        -DMPLUS_WEBHOOKS_ROUTE=add_subdirectory "-DMPLUS_WEBHOOKS_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
    mplus_webhooks_add_consumer_test(packaging.adapters.fetchcontent adapters
        -DMPLUS_WEBHOOKS_ROUTE=fetchcontent "-DMPLUS_WEBHOOKS_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endif()

# --- The precompiled library (configurations built with MPLUS_WEBHOOKS_BUILD_PRECOMPILED=ON) ---

if(MPLUS_WEBHOOKS_BUILD_PRECOMPILED AND TARGET mplus_webhooks::precompiled)
    if(MPLUS_WEBHOOKS_INSTALL)
        mplus_webhooks_add_consumer_test(packaging.precompiled.find_package precompiled
            -DMPLUS_WEBHOOKS_ROUTE=find_package
            "-DCMAKE_PREFIX_PATH=${_pkg_prefix}"
            -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
        set_tests_properties(packaging.precompiled.find_package PROPERTIES
            FIXTURES_REQUIRED mplus_webhooks_installed LABELS "packaging;precompiled")
        set_tests_properties(packaging.install PROPERTIES LABELS "packaging;precompiled")
    endif()
    mplus_webhooks_add_consumer_test(packaging.precompiled.add_subdirectory precompiled
        -DMPLUS_WEBHOOKS_ROUTE=add_subdirectory "-DMPLUS_WEBHOOKS_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
    set_tests_properties(packaging.precompiled.add_subdirectory PROPERTIES
        LABELS "packaging;precompiled")
endif()

# --- The Debian packages (full configuration: cpack needs the tool built) -----------------------

find_program(MPLUS_WEBHOOKS_DPKG_DEB dpkg-deb)
mark_as_advanced(MPLUS_WEBHOOKS_DPKG_DEB)
if(MPLUS_WEBHOOKS_INSTALL AND MPLUS_WEBHOOKS_BUILD_EXAMPLES AND MPLUS_WEBHOOKS_BUILD_TOOLS
   AND MPLUS_WEBHOOKS_DPKG_DEB AND PROJECT_IS_TOP_LEVEL)
    add_test(NAME packaging.deb
             COMMAND "${CMAKE_COMMAND}"
                     "-DBUILD_DIR=${PROJECT_BINARY_DIR}"
                     "-DWORK_DIR=${_pkg_bin}/deb"
                     "-DCONSUMER_DIR=${_pkg_src}/find_package"
                     "-DEXPECTED_VERSION=${PROJECT_VERSION}"
                     "-DCXX=${CMAKE_CXX_COMPILER}"
                     "-DGENERATOR=${CMAKE_GENERATOR}"
                     "-DCPACK=${CMAKE_CPACK_COMMAND}"
                     -P "${_pkg_src}/deb.cmake")
    set_tests_properties(packaging.deb PROPERTIES LABELS packaging TIMEOUT 300)
endif()

# --- add_subdirectory of the checkout -----------------------------------------------------------

mplus_webhooks_add_consumer_test(packaging.add_subdirectory add_subdirectory
    "-DMPLUS_WEBHOOKS_SOURCE_DIR=${PROJECT_SOURCE_DIR}")

# --- FetchContent: SOURCE_DIR at the checkout, and URL of an archive made from it ---------------

mplus_webhooks_add_consumer_test(packaging.fetchcontent_source_dir fetchcontent
    "-DMPLUS_WEBHOOKS_SOURCE_DIR=${PROJECT_SOURCE_DIR}")

# The archive holds only what a release archive of the library holds, so this test also proves
# that the project configures without its tests, tools, examples and benchmarks.
set(_archive "${_pkg_bin}/mplus_webhooks-${PROJECT_VERSION}-src.tar.gz")
set(_archive_members "")
foreach(_member CMakeLists.txt cmake include src LICENSE README.md)
    if(EXISTS "${PROJECT_SOURCE_DIR}/${_member}")
        list(APPEND _archive_members "${_member}")
    endif()
endforeach()
add_test(NAME packaging.source_archive
         COMMAND "${CMAKE_COMMAND}" -E tar czf "${_archive}" -- ${_archive_members}
         WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
set_tests_properties(packaging.source_archive PROPERTIES
    LABELS packaging FIXTURES_SETUP mplus_webhooks_source_archive)
mplus_webhooks_add_consumer_test(packaging.fetchcontent_url fetchcontent
    "-DMPLUS_WEBHOOKS_URL=file://${_archive}")
set_tests_properties(packaging.fetchcontent_url PROPERTIES
    FIXTURES_REQUIRED mplus_webhooks_source_archive)
