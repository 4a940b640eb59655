// mplus-webhooks: the umbrella header of the MplusKASSA webhook SDK.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/base64.hpp>
#include <mplus/webhooks/codec.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/json_pointer.hpp>
#include <mplus/webhooks/open_enum.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/reply_rules.hpp>
#include <mplus/webhooks/requests.hpp>
#include <mplus/webhooks/signature.hpp>
#include <mplus/webhooks/timestamp.hpp>
