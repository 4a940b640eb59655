// Fuzz target: arbitrary bodies through Dispatcher::handle without a valid signature.
// SPDX-License-Identifier: MIT
//
// Input: byte 0 picks the event of the path (low 5 bits) and the signature header (bits 5-6:
// none, empty, garbage of the right length, a valid signature made with another secret); the
// rest is the body. Every answer must be a signed NO_SIGNATURE / INVALID_SIGNATURE (or 413).
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t selector = data[0];
    std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
    fuzz::mw::HttpRequest req = fuzz::request(fuzz::path_for(selector & 31u), body);
    const unsigned mode = (selector >> 5) & 3u;
    if (mode == 1) {
        req.headers.push_back({"X-Mplus-Signature", ""});
    } else if (mode == 2) {
        std::string garbage = body.substr(0, 44);
        garbage.resize(44, '=');
        req.headers.push_back({"X-Mplus-Signature", garbage});
    } else if (mode == 3) {
        static const fuzz::mw::Secret other =
            *fuzz::mw::Secret::from_text("q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=");
        req.headers.push_back({"X-Mplus-Signature", other.sign(body)});
    }
    const fuzz::mw::HttpResponse res = fuzz::dispatcher().handle(req);
    const std::string code = fuzz::check_response(res);
    fuzz::require(res.status == 400 || res.status == 413, "an unsigned request is refused");
    fuzz::require(mode == 2 || mode == 3 ? code == "INVALID_SIGNATURE" : code == "NO_SIGNATURE",
                  "refused for its signature");
    return 0;
}
