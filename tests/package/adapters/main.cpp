// Packaging test consumer: both adapters serve a signed request over loopback, each reached
// through the other's client transport.
// SPDX-License-Identifier: MIT
#include <mplus/webhooks.hpp>
#include <mplus/webhooks/adapters/beast.hpp>
#include <mplus/webhooks/adapters/httplib.hpp>
#include <mplus/webhooks/dispatcher.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

namespace mw = mplus::webhooks;

namespace {

const char* const secret_text = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";

/// Sends a signed scanCode through `transport`; true when the reply is 200, signed, expected.
template <class Transport>
bool exchange(Transport& transport, const mw::Secret& secret, const char* stack) {
    const std::string body = R"({"event":{"eventBlocking":true},"sender":{"branchNumber":1},)"
                             R"("session":{"sessionId":"s","lines":[]},)"
                             R"("scanCode":{"scannedCode":"HELLO1","codeType":"barcode"}})";
    mw::HttpRequest request;
    request.method = "POST";
    request.path = "/webhooks/scanCode";
    request.headers = {{"Content-Type", "application/json"},
                       {"X-Mplus-Signature", secret.sign(body)}};
    request.body = body;
    const mw::HttpResponse response = transport(request);
    const bool ok = response.status == 200 &&
                    response.body == R"({"scanCode":{"recognized":true}})" &&
                    secret.verify(response.body, response.header("X-Mplus-Signature"));
    std::printf("%s: %d %s %s\n", stack, response.status, response.body.c_str(),
                ok ? "ok" : "FAIL");
    return ok;
}

} // namespace

int main() {
    const mw::Secret secret = *mw::Secret::from_text(secret_text);
    mw::DispatcherConfig config;
    config.secrets = mw::KeyRing({secret});
    mw::Dispatcher dispatcher(config);
    dispatcher.on<mw::events::ScanCode>([](const mw::ScanCodeRequest&) {
        mw::Reply reply;
        reply.scan_code.emplace();
        reply.scan_code->recognized = true;
        return reply;
    });

    mw::adapters::httplib::Server httplib_server(dispatcher);
    const int httplib_port = httplib_server.bind("127.0.0.1", 0);
    if (httplib_port <= 0) return 1;
    std::thread httplib_thread([&] { httplib_server.listen_after_bind(); });
    while (!httplib_server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

    mw::adapters::beast::Server beast_server(dispatcher);
    const unsigned short beast_port = beast_server.listen("127.0.0.1", 0);
    beast_server.start();

    auto to_httplib = mw::adapters::beast::client_transport(
        "127.0.0.1", static_cast<unsigned short>(httplib_port));
    auto to_beast = mw::adapters::httplib::client_transport("127.0.0.1", beast_port);
    const bool ok =
        exchange(to_httplib, secret, "cpp-httplib") && exchange(to_beast, secret, "Boost.Beast");

    httplib_server.stop();
    httplib_thread.join();
    beast_server.stop();
    return ok ? 0 : 1;
}
