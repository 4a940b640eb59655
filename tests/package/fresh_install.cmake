# The README's install, as on a fresh clone: configure with no options, install without building.
# The header-only library (headers, CMake package, pkg-config file) must install, and the
# command-line tool, never built, must not (and must not make the install fail).
# SPDX-License-Identifier: MIT
#   cmake -DSOURCE_DIR=... -DWORK_DIR=... [-DGENERATOR=...] [-DCXX=...] -P fresh_install.cmake
foreach(_var SOURCE_DIR WORK_DIR)
    if(NOT DEFINED ${_var})
        message(FATAL_ERROR "fresh_install.cmake: ${_var} is not set")
    endif()
endforeach()

file(REMOVE_RECURSE "${WORK_DIR}")
set(_build "${WORK_DIR}/build")
set(_prefix "${WORK_DIR}/prefix")

set(_configure "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${_build}")
if(GENERATOR)
    list(APPEND _configure -G "${GENERATOR}")
endif()
if(CXX)
    list(APPEND _configure "-DCMAKE_CXX_COMPILER=${CXX}")
endif()
execute_process(COMMAND ${_configure} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "fresh_install.cmake: configure failed (${_rc}):\n${_out}")
endif()
if(NOT _out MATCHES "mplus_webhooks [0-9.]+ summary:")
    message(FATAL_ERROR "fresh_install.cmake: configure printed no summary:\n${_out}")
endif()

execute_process(COMMAND "${CMAKE_COMMAND}" --install "${_build}" --prefix "${_prefix}"
                RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "fresh_install.cmake: cmake --install without a build failed (${_rc}):\n${_out}")
endif()

foreach(_file include/mplus/webhooks.hpp include/mplus/webhooks/dispatcher.hpp
              include/mplus/webhooks/adapters/httplib.hpp include/mplus/webhooks/adapters/beast.hpp
              share/cmake/mplus_webhooks/mplus_webhooksConfig.cmake
              share/cmake/mplus_webhooks/mplus_webhooksTargets.cmake
              share/pkgconfig/mplus_webhooks.pc)
    if(NOT EXISTS "${_prefix}/${_file}")
        message(FATAL_ERROR "fresh_install.cmake: ${_file} was not installed")
    endif()
endforeach()
if(EXISTS "${_prefix}/bin/mplus-webhooks")
    message(FATAL_ERROR "fresh_install.cmake: the tool was installed although it was never built")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
message(STATUS "fresh clone: cmake --install without a build installed the library")
