# Strict warnings for mplus_webhooks' own tests, examples, tools and benchmarks.
# SPDX-License-Identifier: MIT
#
# Kept in a separate INTERFACE target that is never installed or exported, so that the flags
# apply to our code only and never leak into a consumer's build.

if(TARGET mplus_webhooks_warnings)
    return()
endif()

add_library(mplus_webhooks_warnings INTERFACE)

if(MSVC)
    target_compile_options(mplus_webhooks_warnings INTERFACE /W4 /permissive-)
    if(MPLUS_WEBHOOKS_WERROR)
        target_compile_options(mplus_webhooks_warnings INTERFACE /WX)
    endif()
else()
    target_compile_options(mplus_webhooks_warnings INTERFACE
        -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast)
    if(MPLUS_WEBHOOKS_WERROR)
        target_compile_options(mplus_webhooks_warnings INTERFACE -Werror)
    endif()
    # g++ 12 at -O2/-O3 reports -Wrestrict inside libstdc++'s own std::string code for plain
    # `"literal" + std::string` (GCC bug 105329, fixed in later releases): a false positive that
    # -Werror would turn into a failed build of correct code.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
       AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
        target_compile_options(mplus_webhooks_warnings INTERFACE -Wno-restrict)
    endif()
endif()
