// cpp-httplib glue: an httplib request as the dispatcher's HttpRequest, and its response back.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/http.hpp>

#include <httplib.h>

#include <string>
#include <utility>

namespace example {

/// The dispatcher's view of an httplib request: method, path, headers, the exact body bytes.
inline mplus::webhooks::HttpRequest to_http_request(const httplib::Request& req) {
    mplus::webhooks::HttpRequest out;
    out.method = req.method;
    out.path = req.path;
    out.headers.reserve(req.headers.size());
    for (const auto& [name, value] : req.headers) out.headers.push_back({name, value});
    out.body = req.body;
    return out;
}

/// Copies the dispatcher's response (status, Content-Type, signature, body) into `res`.
inline void to_httplib_response(mplus::webhooks::HttpResponse&& response, httplib::Response& res) {
    res.status = response.status;
    std::string content_type = "application/json";
    for (mplus::webhooks::Header& h : response.headers) {
        if (mplus::webhooks::detail::iequals(h.name, "Content-Type")) {
            content_type = std::move(h.value);
        } else {
            res.set_header(h.name.c_str(), h.value);
        }
    }
    res.set_content(std::move(response.body), content_type.c_str());
}

} // namespace example
