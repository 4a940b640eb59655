# The Debian packages: `cpack -G DEB` on the build tree, each package unpacked with
# `dpkg-deb -x`, then a consumer built with find_package against the unpacked tree and the
# unpacked tool run.
# SPDX-License-Identifier: MIT
#   cmake -DBUILD_DIR=... -DWORK_DIR=... -DCONSUMER_DIR=... -DEXPECTED_VERSION=...
#         [-DCXX=...] [-DGENERATOR=...] [-DCPACK=...] -P deb.cmake
foreach(_var BUILD_DIR WORK_DIR CONSUMER_DIR EXPECTED_VERSION)
    if(NOT DEFINED ${_var})
        message(FATAL_ERROR "deb.cmake: ${_var} is not set")
    endif()
endforeach()
if(NOT CPACK)
    set(CPACK cpack)
endif()

function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
    if(NOT _rc EQUAL 0)
        message(FATAL_ERROR "deb.cmake: ${ARGN} failed (${_rc}):\n${_out}")
    endif()
    set(run_output "${_out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
run("${CPACK}" -G DEB --config "${BUILD_DIR}/CPackConfig.cmake" -B "${WORK_DIR}/out")

file(GLOB _dev "${WORK_DIR}/out/libmplus-webhooks-dev_${EXPECTED_VERSION}_all.deb")
file(GLOB _tools "${WORK_DIR}/out/mplus-webhooks-tools_${EXPECTED_VERSION}_*.deb")
if(NOT _dev OR NOT _tools)
    file(GLOB _made "${WORK_DIR}/out/*.deb")
    message(FATAL_ERROR "deb.cmake: expected libmplus-webhooks-dev and mplus-webhooks-tools "
                        "packages of ${EXPECTED_VERSION}, cpack made: ${_made}")
endif()

# Control fields.
run(dpkg-deb -f "${_dev}" Package Depends Architecture)
if(NOT run_output MATCHES "Package: libmplus-webhooks-dev" OR
   NOT run_output MATCHES "Depends: [^\n]*nlohmann-json3-dev" OR
   NOT run_output MATCHES "Architecture: all")
    message(FATAL_ERROR "deb.cmake: libmplus-webhooks-dev control fields:\n${run_output}")
endif()
run(dpkg-deb -f "${_tools}" Package Depends)
if(NOT run_output MATCHES "Package: mplus-webhooks-tools")
    message(FATAL_ERROR "deb.cmake: mplus-webhooks-tools control fields:\n${run_output}")
endif()

# Contents: each package holds its own part only.
run(dpkg-deb -c "${_dev}")
foreach(_path ./usr/include/mplus/webhooks.hpp ./usr/include/mplus/webhooks/adapters/httplib.hpp
              ./usr/share/cmake/mplus_webhooks/mplus_webhooksConfig.cmake
              ./usr/share/pkgconfig/mplus_webhooks.pc)
    string(FIND "${run_output}" "${_path}" _at)
    if(_at LESS 0)
        message(FATAL_ERROR "deb.cmake: libmplus-webhooks-dev lacks ${_path}")
    endif()
endforeach()
if(run_output MATCHES "usr/bin/")
    message(FATAL_ERROR "deb.cmake: libmplus-webhooks-dev holds a program:\n${run_output}")
endif()
run(dpkg-deb -c "${_tools}")
if(NOT run_output MATCHES "\\./usr/bin/mplus-webhooks\n" OR run_output MATCHES "usr/include")
    message(FATAL_ERROR "deb.cmake: mplus-webhooks-tools contents:\n${run_output}")
endif()

# Unpacked: the tool runs, and a consumer builds against the package with find_package.
set(_root "${WORK_DIR}/root")
run(dpkg-deb -x "${_dev}" "${_root}")
run(dpkg-deb -x "${_tools}" "${_root}")
file(WRITE "${WORK_DIR}/body.json" "{}")
run("${_root}/usr/bin/mplus-webhooks" sign --secret "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0="
    "${WORK_DIR}/body.json")
if(NOT run_output MATCHES "^[A-Za-z0-9+/]+=*")
    message(FATAL_ERROR "deb.cmake: the unpacked tool printed: ${run_output}")
endif()

set(_consumer_args "-DCMAKE_PREFIX_PATH=${_root}/usr"
                   "-DMPLUS_WEBHOOKS_EXPECTED_VERSION=${EXPECTED_VERSION}"
                   "-DMPLUS_WEBHOOKS_EXPECTED_PREFIX=${_root}/usr"
                   -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
if(CXX)
    list(APPEND _consumer_args "-DCMAKE_CXX_COMPILER=${CXX}")
endif()
set(_generator_args "")
if(GENERATOR)
    set(_generator_args -G "${GENERATOR}")
endif()
run("${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${WORK_DIR}/consumer" ${_generator_args}
    ${_consumer_args})
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/consumer")
run("${CMAKE_CTEST_COMMAND}" --test-dir "${WORK_DIR}/consumer" --output-on-failure --no-tests=error)
file(REMOVE_RECURSE "${WORK_DIR}")
message(STATUS "the Debian packages install and a find_package consumer builds against them")
