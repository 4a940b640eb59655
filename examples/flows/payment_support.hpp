// Small pieces the payment flows share: store strings, replies, a timer thread.
// SPDX-License-Identifier: MIT
#pragma once

#include "flow_support.hpp"

#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace mplus_demo {
namespace payment_detail {

namespace mw = mplus::webhooks;

/// The string at `key` of a store document; "" when absent.
inline std::string string_at(const nlohmann::json& doc, const char* key) {
    const auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// A reply whose `externalPayment` names payment `id`, plus `"polling":{"finished":true}` when
/// the request polls.
///
/// Every answer finishes its request's polling loop, also a status answer: the external
/// payment's own loop (the POS polls again after every answer until `confirmed` or
/// `cancelled`) is what keeps the payment going, and a `finished:false` would make the POS
/// repeat the request inside one exchange without showing the status in between.
inline mw::Reply payment_reply(const std::string& id, bool polling) {
    mw::Reply r;
    r.external_payment.emplace();
    r.external_payment->external_payment_id = id;
    if (polling) r.polling.emplace(); // finished: true
    return r;
}

/// `externalPayment{cancelled:true}` with `message`.
inline mw::Reply cancelled_reply(const std::string& id, bool polling, std::string message) {
    mw::Reply r = payment_reply(id, polling);
    r.external_payment->cancelled = true;
    r.external_payment->message = std::move(message);
    return r;
}

/// One thread that runs functions at their time, in time order. Functions run without the
/// scheduler's lock held, so they may schedule more work. What a function throws is dropped:
/// one failed step must not stop every later one.
class Scheduler {
public:
    Scheduler() {
        thread_ = std::thread([this] { run(); });
    }
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;
    ~Scheduler() { stop(); }

    /// Runs `fn` on the scheduler's thread once `delay` has passed (nothing after stop()).
    void after(std::chrono::milliseconds delay, std::function<void()> fn) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (stopping_) return;
            queue_.emplace(std::chrono::steady_clock::now() + delay, std::move(fn));
        }
        wake_.notify_all();
    }

    /// Drops what is still queued and joins the thread: nothing runs after it returns. Never
    /// call it from a scheduled function.
    void stop() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
            queue_.clear();
        }
        wake_.notify_all();
        if (thread_.joinable()) thread_.join();
    }

private:
    void run() {
        std::unique_lock<std::mutex> lock(mutex_);
        while (!stopping_) {
            if (queue_.empty()) {
                wake_.wait(lock);
                continue;
            }
            const auto first = queue_.begin();
            if (std::chrono::steady_clock::now() < first->first) {
                wake_.wait_until(lock, first->first);
                continue;
            }
            std::function<void()> fn = std::move(first->second);
            queue_.erase(first);
            lock.unlock();
            try {
                fn();
            } catch (...) { // a storage failure in one step; the next steps still run
            }
            fn = nullptr; // release what it captured before taking the lock again
            lock.lock();
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> queue_;
    std::thread thread_;
};

} // namespace payment_detail
} // namespace mplus_demo
