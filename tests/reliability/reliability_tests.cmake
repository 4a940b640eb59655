# Load and fault tests of the example middlewares (docs/reliability.md): concurrent signed load
# through each server (label load) and the demo middleware's store failures and SIGKILLs
# (label faults). Included from examples/CMakeLists.txt, which knows the example targets.
# SPDX-License-Identifier: MIT

if(NOT MPLUS_WEBHOOKS_BUILD_TESTS OR NOT _mplus_webhooks_httplib)
    return()
endif()

# --- Load: 2,000 requests from 8 keep-alive clients; no failure, every signature valid --------

mplus_webhooks_example(mplus_webhooks_load_driver "${PROJECT_SOURCE_DIR}/bench/load_test.cpp"
                       ${_mplus_webhooks_httplib})
set(_load_tests "")
foreach(_server IN ITEMS mplus-example-httplib mplus-demo-middleware)
    if(NOT TARGET ${_server})
        continue()
    endif()
    set(_demo "")
    if(_server STREQUAL "mplus-demo-middleware")
        set(_demo --demo)
    endif()
    add_test(NAME "load.${_server}"
             COMMAND mplus_webhooks_load_driver --server $<TARGET_FILE:${_server}> ${_demo}
                     --requests 2000 --clients 8)
    list(APPEND _load_tests "load.${_server}")
    add_dependencies(mplus_webhooks_load_driver ${_server}) # building the driver builds its servers
endforeach()
if(_load_tests)
    set_tests_properties(${_load_tests} PROPERTIES LABELS load TIMEOUT 60)
endif()

# --- Faults: failing stores in process, the demo server killed with SIGKILL ---------------------

file(GLOB _fault_sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*_test.cpp")
find_package(doctest QUIET)
find_package(SQLite3 QUIET)
if(NOT _fault_sources OR NOT TARGET doctest::doctest OR NOT TARGET SQLite::SQLite3
   OR NOT TARGET mplus-demo-middleware OR NOT TARGET mplus_webhooks_doctest_main)
    return()
endif()
mplus_webhooks_example(mplus_webhooks_fault_tests "${_fault_sources}" ${_mplus_webhooks_httplib}
                       SQLite::SQLite3 mplus_webhooks_doctest_main)
target_compile_definitions(mplus_webhooks_fault_tests PRIVATE
    "MPLUS_DEMO_SERVER=\"$<TARGET_FILE:mplus-demo-middleware>\"")
add_dependencies(mplus_webhooks_fault_tests mplus-demo-middleware)
add_test(NAME faults.all COMMAND mplus_webhooks_fault_tests)
set_tests_properties(faults.all PROPERTIES LABELS faults TIMEOUT 120)
