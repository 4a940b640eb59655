# Builds and runs a consumer with nothing but the compiler and `pkg-config --cflags`.
# SPDX-License-Identifier: MIT
foreach(_var PKG_CONFIG PKG_CONFIG_DIR EXPECTED_INCLUDEDIR EXPECTED_VERSION CXX CXX_STANDARD
             SOURCE WORK_DIR)
    if(NOT DEFINED ${_var})
        message(FATAL_ERROR "pkg_config.cmake: ${_var} is not set")
    endif()
endforeach()

set(ENV{PKG_CONFIG_PATH} "${PKG_CONFIG_DIR}")

execute_process(COMMAND "${PKG_CONFIG}" --modversion mplus_webhooks
                RESULT_VARIABLE _rc OUTPUT_VARIABLE _version ERROR_VARIABLE _err
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "pkg-config cannot find mplus_webhooks in ${PKG_CONFIG_DIR}: ${_err}")
endif()
if(NOT _version STREQUAL EXPECTED_VERSION)
    message(FATAL_ERROR "pkg-config reports version '${_version}', expected '${EXPECTED_VERSION}'")
endif()

execute_process(COMMAND "${PKG_CONFIG}" --cflags mplus_webhooks
                RESULT_VARIABLE _rc OUTPUT_VARIABLE _cflags ERROR_VARIABLE _err
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "pkg-config --cflags mplus_webhooks failed: ${_err}")
endif()
separate_arguments(_cflags UNIX_COMMAND "${_cflags}")

# The include directory must be the installed one, wherever the prefix was moved to.
get_filename_component(_expected "${EXPECTED_INCLUDEDIR}" REALPATH)
set(_found OFF)
foreach(_flag IN LISTS _cflags)
    if(_flag MATCHES "^-I(.+)$")
        get_filename_component(_dir "${CMAKE_MATCH_1}" REALPATH)
        if(_dir STREQUAL _expected)
            set(_found ON)
        endif()
    endif()
endforeach()
if(NOT _found)
    message(FATAL_ERROR "pkg-config --cflags gives '${_cflags}', without -I${_expected}")
endif()

file(MAKE_DIRECTORY "${WORK_DIR}")
set(_exe "${WORK_DIR}/consumer")
execute_process(COMMAND "${CXX}" "-std=c++${CXX_STANDARD}" ${_cflags}
                        "-DMPLUS_WEBHOOKS_EXPECTED_VERSION=\"${EXPECTED_VERSION}\""
                        "${SOURCE}" -o "${_exe}"
                RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "compiling ${SOURCE} with the pkg-config flags failed")
endif()
execute_process(COMMAND "${_exe}" RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "the pkg-config consumer exited with ${_rc}")
endif()
