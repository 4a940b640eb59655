-- wrk script of http_rps.sh: POSTs one fixed, correctly signed addSessionLine body.
-- SPDX-License-Identifier: MIT
--
-- MPLUS_BODY_FILE: the body's file (sent byte for byte); MPLUS_SIGNATURE: its X-Mplus-Signature.
local path = assert(os.getenv("MPLUS_BODY_FILE"), "MPLUS_BODY_FILE is not set")
local file = assert(io.open(path, "rb"))
local body = file:read("*a")
file:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["X-Mplus-Subscription-Id"] = "bench"
wrk.headers["X-Mplus-Signature"] = assert(os.getenv("MPLUS_SIGNATURE"), "MPLUS_SIGNATURE is not set")
