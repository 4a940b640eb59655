// The POS simulator (include <mplus/webhooks/testing/pos_simulator.hpp> and
// <mplus/webhooks/testing/transcript.hpp> directly; this header includes both).
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/testing/pos_simulator.hpp>
#include <mplus/webhooks/testing/transcript.hpp>
