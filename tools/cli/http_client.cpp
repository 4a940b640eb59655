// The HTTP client transport of `simulate` and `send` (cpp-httplib).
// SPDX-License-Identifier: MIT

#include "cli.hpp"

#include <httplib.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace mplus_webhooks_cli {

namespace {

/// Delivers the simulator's requests over HTTP; a request that gets no answer throws, which
/// the simulator records as a transport failure.
class HttpTransport {
public:
    explicit HttpTransport(const HttpUrl& url)
        : client_(std::make_shared<httplib::Client>(url.scheme + "://" + url.host + ":" +
                                                    std::to_string(url.port))) {
        client_->set_tcp_nodelay(true);
        client_->set_connection_timeout(5);
        // pollExternalPayment is a long poll: the POS waits up to 60 s for it.
        client_->set_read_timeout(65);
        client_->set_keep_alive(true);
    }

    mw::HttpResponse operator()(const mw::HttpRequest& request) const {
        httplib::Headers headers;
        std::string content_type = "application/json";
        for (const auto& h : request.headers) {
            if (is_content_type(h.name)) {
                content_type = h.value;
            } else {
                headers.emplace(h.name, h.value);
            }
        }
        const auto result = client_->Post(request.path, headers, request.body, content_type);
        if (!result) throw std::runtime_error("no answer: " + httplib::to_string(result.error()));
        mw::HttpResponse response;
        response.status = result->status;
        response.body = result->body;
        for (const auto& [name, value] : result->headers) response.headers.push_back({name, value});
        return response;
    }

private:
    std::shared_ptr<httplib::Client> client_; // shared: the transport is copied into a function
};

} // namespace

mw::PosTransport http_transport(const HttpUrl& url) {
    return HttpTransport(url);
}

} // namespace mplus_webhooks_cli
