# Sanitizer flags for a top-level build of mplus_webhooks (MPLUS_WEBHOOKS_SANITIZE).
# SPDX-License-Identifier: MIT
#
# Global flags on purpose: every object in the program, the doctest main included, must be
# instrumented, or ThreadSanitizer reports false races and AddressSanitizer misses overflows.
# The top-level CMakeLists.txt includes this file only when the project is top level.

if(MPLUS_WEBHOOKS_SANITIZE STREQUAL "")
    return()
endif()

set(_mplus_webhooks_known_sanitizers address undefined thread leak memory)
foreach(_sanitizer IN LISTS MPLUS_WEBHOOKS_SANITIZE)
    if(NOT _sanitizer IN_LIST _mplus_webhooks_known_sanitizers)
        message(FATAL_ERROR "mplus_webhooks: unknown sanitizer '${_sanitizer}' in "
                            "MPLUS_WEBHOOKS_SANITIZE='${MPLUS_WEBHOOKS_SANITIZE}'")
    endif()
endforeach()
if("thread" IN_LIST MPLUS_WEBHOOKS_SANITIZE AND "address" IN_LIST MPLUS_WEBHOOKS_SANITIZE)
    message(FATAL_ERROR "mplus_webhooks: ThreadSanitizer cannot be combined with AddressSanitizer")
endif()
if(MSVC)
    message(FATAL_ERROR "mplus_webhooks: MPLUS_WEBHOOKS_SANITIZE supports GCC and Clang only")
endif()

string(REPLACE ";" "," _mplus_webhooks_sanitize_flag "${MPLUS_WEBHOOKS_SANITIZE}")
set(_mplus_webhooks_sanitize_flags
    "-fsanitize=${_mplus_webhooks_sanitize_flag}" -fno-omit-frame-pointer)
if("undefined" IN_LIST MPLUS_WEBHOOKS_SANITIZE)
    # Undefined behaviour must fail the test that triggers it, not just print a line.
    list(APPEND _mplus_webhooks_sanitize_flags -fno-sanitize-recover=undefined)
endif()
add_compile_options(${_mplus_webhooks_sanitize_flags})
if(CMAKE_VERSION VERSION_LESS 3.13)
    link_libraries(${_mplus_webhooks_sanitize_flags})
else()
    add_link_options(${_mplus_webhooks_sanitize_flags})
endif()
message(STATUS "mplus_webhooks: sanitizers ${_mplus_webhooks_sanitize_flag}")
