# Installs the build tree into a fresh temporary prefix for the find_package/pkg-config tests.
# SPDX-License-Identifier: MIT
#   cmake -DBUILD_DIR=... -DPREFIX=... [-DCONFIG=...] [-DEXPECTED_FILES=a;b] -P install.cmake
foreach(_var BUILD_DIR PREFIX)
    if(NOT DEFINED ${_var})
        message(FATAL_ERROR "install.cmake: ${_var} is not set")
    endif()
endforeach()

# Start empty: files left over from an earlier install must not make the test pass.
file(REMOVE_RECURSE "${PREFIX}")

set(_args --install "${BUILD_DIR}" --prefix "${PREFIX}")
if(CONFIG)
    list(APPEND _args --config "${CONFIG}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" ${_args} RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "install.cmake: cmake ${_args} failed (${_rc})")
endif()

foreach(_file IN LISTS EXPECTED_FILES)
    if(NOT EXISTS "${PREFIX}/${_file}")
        message(FATAL_ERROR "install.cmake: ${_file} was not installed into ${PREFIX}")
    endif()
endforeach()
message(STATUS "installed into ${PREFIX}")
