# The consumer program of the packaging tests' projects (add_subdirectory, fetchcontent,
# find_package), built from the one source they share, consumer_main.cpp.
# SPDX-License-Identifier: MIT

set(_mplus_webhooks_consumer_source "${CMAKE_CURRENT_LIST_DIR}/consumer_main.cpp")

# mplus_webhooks_add_consumer(<name> <library target> [STRICT] [DEFINITIONS <definition>...])
# The executable <name> linked to <library target> and the ctest test <name> that runs it; it
# passes when the library's version is MPLUS_WEBHOOKS_EXPECTED_VERSION. STRICT: compiled with
# -Wall -Wextra -Wpedantic -Werror.
function(mplus_webhooks_add_consumer name library)
    cmake_parse_arguments(PARSE_ARGV 2 _consumer "STRICT" "" "DEFINITIONS")
    add_executable(${name} "${_mplus_webhooks_consumer_source}")
    target_link_libraries(${name} PRIVATE ${library})
    target_compile_definitions(${name} PRIVATE
        "MPLUS_WEBHOOKS_EXPECTED_VERSION=\"${MPLUS_WEBHOOKS_EXPECTED_VERSION}\""
        ${_consumer_DEFINITIONS})
    if(_consumer_STRICT AND NOT MSVC)
        target_compile_options(${name} PRIVATE -Wall -Wextra -Wpedantic -Werror)
    endif()
    add_test(NAME ${name} COMMAND ${name})
endfunction()
