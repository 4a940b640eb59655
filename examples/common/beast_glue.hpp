// Boost.Beast glue: a Beast request as the dispatcher's HttpRequest, and its response back.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/http.hpp>

#include <boost/beast/http.hpp>

#include <string>
#include <utility>

namespace example {

namespace beast_http = boost::beast::http;

/// The dispatcher's view of a Beast request; the body is moved, not copied.
inline mplus::webhooks::HttpRequest
to_http_request(beast_http::request<beast_http::string_body>&& req) {
    mplus::webhooks::HttpRequest out;
    out.method = std::string(req.method_string());
    out.path = std::string(req.target());
    for (const auto& field : req) {
        out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    out.body = std::move(req.body());
    return out;
}

/// The dispatcher's response as a Beast response for a request of HTTP `version`.
inline beast_http::response<beast_http::string_body>
to_beast_response(mplus::webhooks::HttpResponse&& response, unsigned version, bool keep_alive) {
    beast_http::response<beast_http::string_body> res;
    res.version(version);
    res.result(static_cast<unsigned>(response.status));
    for (const mplus::webhooks::Header& h : response.headers) res.set(h.name, h.value);
    res.body() = std::move(response.body);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
}

} // namespace example
