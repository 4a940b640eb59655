// Fuzz target: arbitrary bodies through Dispatcher::handle, correctly signed by the harness, so
// that parsing, decoding, handlers and reply making are reached.
// SPDX-License-Identifier: MIT
//
// Input: byte 0 picks the event of the path; the rest is the body.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
    fuzz::mw::HttpRequest req = fuzz::request(fuzz::path_for(data[0]), body);
    req.headers.push_back({"X-Mplus-Signature", fuzz::secret().sign(body)});
    const fuzz::mw::HttpResponse res = fuzz::dispatcher().handle(req);
    const std::string code = fuzz::check_response(res);
    // Handlers return an empty reply and never throw: a 500 would be the SDK's own failure.
    fuzz::require(res.status == 200 || res.status == 400, "status is 200 or 400");
    fuzz::require(res.status == 200 || (code != "NO_SIGNATURE" && code != "INVALID_SIGNATURE"),
                  "a signed request is never refused for its signature");
    return 0;
}
