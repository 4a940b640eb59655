// Many threads through one Dispatcher: synchronous, asynchronous and rejected requests at once,
// every reply checked byte for byte. Also built with ThreadSanitizer (see tests/CMakeLists.txt).
// SPDX-License-Identifier: MIT
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/http.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace mw = mplus::webhooks;
namespace ev = mplus::webhooks::events;

constexpr std::string_view secret_text = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=";
constexpr std::string_view old_secret_text = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

mw::Secret secret(std::string_view text) {
    std::optional<mw::Secret> s = mw::Secret::from_text(text);
    REQUIRE(s.has_value());
    return *s;
}

mw::HttpRequest request_for(std::string_view event, std::string body, const mw::Secret& signer) {
    mw::HttpRequest r;
    r.method = "POST";
    r.path = "/hooks/" + std::string(event);
    r.headers.push_back({"content-type", "application/json; charset=utf-8"});
    r.headers.push_back({"x-mplus-subscription-id", "shop"});
    r.headers.push_back({"x-mplus-signature", signer.sign(body)});
    r.body = std::move(body);
    return r;
}

/// A small pool that answers Responders from its own threads, later.
class AnswerPool {
public:
    explicit AnswerPool(std::size_t threads) {
        for (std::size_t i = 0; i < threads; ++i) {
            workers_.emplace_back([this] { work(); });
        }
    }
    AnswerPool(const AnswerPool&) = delete;
    AnswerPool& operator=(const AnswerPool&) = delete;
    ~AnswerPool() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        ready_.notify_all();
        for (std::thread& t : workers_) t.join();
    }
    void post(std::function<void()> job) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            jobs_.push_back(std::move(job));
        }
        ready_.notify_one();
    }

private:
    void work() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                ready_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
                if (jobs_.empty()) return;
                job = std::move(jobs_.front());
                jobs_.pop_front();
            }
            job();
        }
    }
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> jobs_;
    bool stop_ = false;
    std::vector<std::thread> workers_;
};

std::string scan_body(std::size_t thread, std::size_t i) {
    return R"({"event":{"eventBlocking":true,"eventCounter":)" + std::to_string(i) +
           R"(},"sender":{},"session":{"sessionId":"s","lines":[]},"scanCode":{"scannedCode":"T)" +
           std::to_string(thread) + "-" + std::to_string(i) + R"(","codeType":"barcode"}})";
}

std::string payment_body(std::size_t thread, std::size_t i) {
    return R"({"event":{"eventBlocking":true,"eventPolling":true},"sender":{},)"
           R"("externalPayment":{"externalPaymentId":"ep-)" +
           std::to_string(thread) + "-" + std::to_string(i) + R"(","amount":1.25,"method":"pin"}})";
}

} // namespace

TEST_CASE("Dispatcher: 8 threads x 2000 requests through one dispatcher, every reply verified") {
    constexpr std::size_t threads = 8;
    constexpr std::size_t per_thread = 2000;
    const mw::Secret signer = secret(secret_text);
    const mw::Secret old_signer = secret(old_secret_text);

    mw::DispatcherConfig config;
    config.secrets = mw::KeyRing({signer, old_signer});
    mw::Dispatcher d(std::move(config));
    AnswerPool pool(2);

    std::atomic<std::size_t> metrics_200{0};
    std::atomic<std::size_t> metrics_400{0};
    std::atomic<std::size_t> metrics_500{0};
    std::atomic<std::size_t> polling_filled{0};
    std::atomic<std::size_t> handler_errors{0};
    d.on_metrics([&](const mw::Metrics& m) {
        (m.status == 200 ? metrics_200 : m.status == 400 ? metrics_400 : metrics_500)++;
    });
    d.on_diagnostic([&](const mw::Diagnostic& diag) {
        if (diag.kind == mw::DiagnosticKind::polling_filled_in) ++polling_filled;
        if (diag.kind == mw::DiagnosticKind::handler_exception) ++handler_errors;
    });
    d.on<ev::ScanCode>([](const mw::ScanCodeRequest& r, mw::RequestContext&) {
        if (r.event.event_counter.value_or(0) % 100 == 7) {
            throw std::runtime_error("every hundredth request fails");
        }
        mw::Reply reply;
        reply.add_message("code " + r.scan_code.scanned_code);
        return reply;
    });
    d.on_async<ev::PollExternalPayment>(
        [&pool](const mw::ExternalPaymentRequest& r, mw::Responder responder) {
            std::string id = r.external_payment.external_payment_id;
            pool.post([responder, id]() mutable {
                mw::Reply reply;
                reply.external_payment.emplace();
                reply.external_payment->confirmed = true;
                reply.add_message("paid " + id);
                responder.reply(std::move(reply));
            });
        });

    std::atomic<std::size_t> failures{0};
    std::atomic<std::size_t> callback_answers{0};
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            std::size_t local_failures = 0;
            const auto expect = [&](const mw::HttpResponse& res, int status,
                                    const std::string& body) {
                const bool ok = res.status == status && res.body == body &&
                                res.header("Content-Type") == "application/json" &&
                                res.header("X-Mplus-Signature") == signer.sign(body);
                if (!ok) ++local_failures;
            };
            for (std::size_t i = 0; i < per_thread; ++i) {
                const std::string tag = std::to_string(t) + "-" + std::to_string(i);
                switch (i % 5) {
                case 0: { // synchronous handler, current key
                    const mw::HttpResponse res =
                        d.handle(request_for("scanCode", scan_body(t, i), signer));
                    expect(res, 200, R"({"message":[{"message":"code T)" + tag + R"("}]})");
                    break;
                }
                case 1: { // old key (rotation); the handler throws once per 100 requests
                    const mw::HttpResponse res =
                        d.handle(request_for("scanCode", scan_body(t, i + 6), old_signer));
                    const std::string code_tag = std::to_string(t) + "-" + std::to_string(i + 6);
                    if ((i + 6) % 100 == 7) {
                        expect(
                            res, 500,
                            R"({"error":{"code":"INTERNAL_ERROR","message":"the request could not be handled"}})");
                    } else {
                        expect(res, 200,
                               R"({"message":[{"message":"code T)" + code_tag + R"("}]})");
                    }
                    break;
                }
                case 2: { // asynchronous handler answered from the pool; handle() waits
                    const mw::HttpResponse res =
                        d.handle(request_for("pollExternalPayment", payment_body(t, i), signer));
                    expect(res, 200,
                           R"({"message":[{"message":"paid ep-)" + tag +
                               R"("}],"externalPayment":{"externalPaymentId":"ep-)" + tag +
                               R"(","confirmed":true},"polling":{"finished":true}})");
                    break;
                }
                case 3: { // asynchronous handler, callback form
                    std::mutex m;
                    std::condition_variable cv;
                    std::optional<mw::HttpResponse> got;
                    d.handle(request_for("pollExternalPayment", payment_body(t, i), signer),
                             [&](mw::HttpResponse res) {
                                 // Notified under the lock: once `got` is set the waiting
                                 // thread may return and destroy `cv`.
                                 std::lock_guard<std::mutex> lock(m);
                                 got.emplace(std::move(res));
                                 cv.notify_one();
                             });
                    std::unique_lock<std::mutex> lock(m);
                    cv.wait(lock, [&] { return got.has_value(); });
                    ++callback_answers;
                    expect(*got, 200,
                           R"({"message":[{"message":"paid ep-)" + tag +
                               R"("}],"externalPayment":{"externalPaymentId":"ep-)" + tag +
                               R"(","confirmed":true},"polling":{"finished":true}})");
                    break;
                }
                default: { // rejected: a wrong signature, or an unknown polling event
                    if (i % 2 == 0) {
                        mw::HttpRequest r = request_for("scanCode", scan_body(t, i), signer);
                        r.body.back() = ' ';
                        expect(
                            d.handle(r), 400,
                            R"({"error":{"code":"INVALID_SIGNATURE","message":"X-Mplus-Signature does not match the body"}})");
                    } else {
                        expect(d.handle(request_for("futureEvent", payment_body(t, i), signer)),
                               200, R"({"polling":{"finished":true}})");
                    }
                    break;
                }
                }
            }
            failures += local_failures;
        });
    }
    for (std::thread& w : workers) w.join();

    CHECK(failures == 0);
    CHECK(callback_answers == threads * per_thread / 5);
    const std::size_t total = threads * per_thread;
    // The handler throws for eventCounter % 100 == 7: in case 1 (counter i + 6), once per 100.
    const std::size_t expected_500 = threads * per_thread / 100;
    CHECK(metrics_500 == expected_500);
    CHECK(handler_errors == expected_500);
    CHECK(metrics_400 == threads * per_thread / 10);
    CHECK(metrics_200 + metrics_400 + metrics_500 == total);
    // Every payment poll and every unknown polling event was completed with polling.
    CHECK(polling_filled == threads * per_thread * 2 / 5 + threads * per_thread / 10);
}
