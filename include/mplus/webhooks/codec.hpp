// Reading and writing typed values as JSON text: try_parse, parse, serialize.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/detail/codec.hpp>
