# Install and export rules of mplus_webhooks: headers, CMake package and pkg-config file, all in
# the install component `dev` (the command-line tool is in `tools`, see tools/CMakeLists.txt).
# SPDX-License-Identifier: MIT

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Header-only and architecture independent: the package files go under share/, like
# nlohmann_json's, so one install serves every architecture.
set(MPLUS_WEBHOOKS_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/mplus_webhooks"
    CACHE STRING "Where to install the CMake package files of mplus_webhooks")
set(MPLUS_WEBHOOKS_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_DATADIR}/pkgconfig"
    CACHE STRING "Where to install mplus_webhooks.pc")
mark_as_advanced(MPLUS_WEBHOOKS_INSTALL_CMAKEDIR MPLUS_WEBHOOKS_INSTALL_PKGCONFIGDIR)

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        COMPONENT dev
        FILES_MATCHING PATTERN "*.hpp")

install(TARGETS mplus_webhooks EXPORT mplus_webhooksTargets
        COMPONENT dev)
install(EXPORT mplus_webhooksTargets
        NAMESPACE mplus_webhooks::
        DESTINATION "${MPLUS_WEBHOOKS_INSTALL_CMAKEDIR}"
        COMPONENT dev)

# The OpenSSL flavour lives in its own export file: the package config loads it only when the
# consumer has OpenSSL too, so find_package(mplus_webhooks) never requires OpenSSL.
if(TARGET mplus_webhooks_openssl)
    install(TARGETS mplus_webhooks_openssl EXPORT mplus_webhooksOpenSSLTargets
        COMPONENT dev)
    install(EXPORT mplus_webhooksOpenSSLTargets
            NAMESPACE mplus_webhooks::
            DESTINATION "${MPLUS_WEBHOOKS_INSTALL_CMAKEDIR}"
        COMPONENT dev)
endif()

# The stores of the state helpers, each in its own export file too (components sqlite and
# postgresql), loaded only when the consumer has SQLite3 or libpq.
foreach(_mplus_webhooks_store IN ITEMS sqlite postgresql)
    if(TARGET mplus_webhooks_${_mplus_webhooks_store})
        install(TARGETS mplus_webhooks_${_mplus_webhooks_store}
                EXPORT mplus_webhooks_${_mplus_webhooks_store}Targets)
        install(EXPORT mplus_webhooks_${_mplus_webhooks_store}Targets
                NAMESPACE mplus_webhooks::
                DESTINATION "${MPLUS_WEBHOOKS_INSTALL_CMAKEDIR}")
    endif()
endforeach()

# The adapters too: each in its own export file, loaded by the package config when the
# consumer has the adapter's dependency (or asks for the component). The config finds
# cpp-httplib with the same script as this build.
if(TARGET mplus_webhooks_httplib)
    install(TARGETS mplus_webhooks_httplib EXPORT mplus_webhooksHttplibTargets
        COMPONENT dev)
    install(EXPORT mplus_webhooksHttplibTargets
            NAMESPACE mplus_webhooks::
            DESTINATION "${MPLUS_WEBHOOKS_INSTALL_CMAKEDIR}"
        COMPONENT dev)
    install(FILES "${PROJECT_SOURCE_DIR}/cmake/mplus_webhooks_find_httplib.cmake"
            DESTINATION "${MPLUS_WEBHOOKS_INSTALL_CMAKEDIR}"
        COMPONENT dev)
endif()
if(TARGET mplus_webhooks_beast)
    install(TARGETS mplus_webhooks_beast EXPORT mplus_webhooksBeastTargets
        COMPONENT dev)
    install(EXPORT mplus_webhooksBeastTargets
            NAMESPACE mplus_webhooks::
            DESTINATION "${MPLUS_WEBHOOKS_INSTALL_CMAKEDIR}"
        COMPONENT dev)
endif()

# The precompiled library (built with MPLUS_WEBHOOKS_BUILD_PRECOMPILED=ON) in its own export
# file too: the package config loads it when it was installed.
if(TARGET mplus_webhooks_precompiled AND MPLUS_WEBHOOKS_BUILD_PRECOMPILED)
    install(TARGETS mplus_webhooks_precompiled EXPORT mplus_webhooksPrecompiledTargets
            ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        COMPONENT dev)
    install(EXPORT mplus_webhooksPrecompiledTargets
            NAMESPACE mplus_webhooks::
            DESTINATION "${MPLUS_WEBHOOKS_INSTALL_CMAKEDIR}"
        COMPONENT dev)
endif()

configure_package_config_file(
    "${PROJECT_SOURCE_DIR}/cmake/mplus_webhooksConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/mplus_webhooksConfig.cmake"
    INSTALL_DESTINATION "${MPLUS_WEBHOOKS_INSTALL_CMAKEDIR}")

# ARCH_INDEPENDENT (CMake 3.14): a 32-bit consumer may use a package installed by a 64-bit build.
write_basic_package_version_file(
    "${PROJECT_BINARY_DIR}/mplus_webhooksConfigVersion.cmake"
    COMPATIBILITY SameMajorVersion
    ARCH_INDEPENDENT)

install(FILES
        "${PROJECT_BINARY_DIR}/mplus_webhooksConfig.cmake"
        "${PROJECT_BINARY_DIR}/mplus_webhooksConfigVersion.cmake"
        DESTINATION "${MPLUS_WEBHOOKS_INSTALL_CMAKEDIR}"
        COMPONENT dev)

# pkg-config: the prefix is computed from the .pc file's own location, so the file stays right
# when the tree is installed with `cmake --install --prefix` elsewhere or relocated.
if(IS_ABSOLUTE "${MPLUS_WEBHOOKS_INSTALL_PKGCONFIGDIR}")
    set(_mplus_webhooks_pc_dir "${MPLUS_WEBHOOKS_INSTALL_PKGCONFIGDIR}")
else()
    set(_mplus_webhooks_pc_dir "${CMAKE_INSTALL_PREFIX}/${MPLUS_WEBHOOKS_INSTALL_PKGCONFIGDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}" OR IS_ABSOLUTE "${MPLUS_WEBHOOKS_INSTALL_PKGCONFIGDIR}")
    set(MPLUS_WEBHOOKS_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
    file(RELATIVE_PATH _mplus_webhooks_pc_up "${_mplus_webhooks_pc_dir}" "${CMAKE_INSTALL_PREFIX}")
    string(REGEX REPLACE "/$" "" _mplus_webhooks_pc_up "${_mplus_webhooks_pc_up}")
    set(MPLUS_WEBHOOKS_PC_PREFIX "\${pcfiledir}/${_mplus_webhooks_pc_up}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
    set(MPLUS_WEBHOOKS_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
    set(MPLUS_WEBHOOKS_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file("${PROJECT_SOURCE_DIR}/cmake/mplus_webhooks.pc.in"
               "${PROJECT_BINARY_DIR}/mplus_webhooks.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/mplus_webhooks.pc"
        DESTINATION "${MPLUS_WEBHOOKS_INSTALL_PKGCONFIGDIR}"
        COMPONENT dev)
