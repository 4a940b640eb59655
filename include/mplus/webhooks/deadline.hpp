// Deadlines for asynchronous handlers: a fallback reply when the real one does not come in time.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/replies.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// Answers Responders with a fallback reply when their handler has not answered by a deadline.
///
/// A blocking event freezes the till until it is answered, and the POS gives up on a long poll
/// after about 60 s; an asynchronous handler that waits on a device or a remote service must
/// still answer in time. arm() gives a Responder a deadline: whoever answers first wins (the
/// handler through its copy, or the fallback at the deadline), since a Responder is one-shot.
///
/// One timer thread, started by the first arm() and stopped by the destructor. arm() may be
/// called from any thread at once. The fallback is sent from the timer thread; it goes through
/// the dispatcher like a handler's reply (checked, polling filled in, signed).
///
/// Lifetimes: a Deadlines holds a copy of each armed Responder until its deadline, so a handler
/// that drops its Responder unanswered gets the fallback at the deadline instead of the
/// dispatcher's immediate 500 INTERNAL_ERROR. The destructor answers every deadline still
/// pending with its fallback at once (unless answered already) and joins the thread: no request
/// is left waiting, none is answered twice. Destroy the Deadlines before the work that might
/// still answer, or accept that such late answers are ignored (reported to the diagnostic hook
/// as responder_answered_twice). The same report can come from a handler that answers at the
/// very moment its deadline passes; the first answer is the one sent.
class Deadlines {
public:
    using Clock = std::chrono::steady_clock;

    /// No thread yet: the first arm() starts it.
    Deadlines() = default;
    Deadlines(const Deadlines&) = delete;
    Deadlines& operator=(const Deadlines&) = delete;

    /// Answers the pending deadlines with their fallback now and stops the timer thread.
    ~Deadlines() {
        std::vector<Entry> left;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
            for (auto& [when, entry] : pending_) left.push_back(std::move(entry));
            pending_.clear();
        }
        wake_.notify_all();
        if (thread_.joinable()) thread_.join();
        for (Entry& e : left) {
            if (fire(e)) ++fallbacks_; // the thread is gone: no lock needed
        }
    }

    /// Sends `fallback` through `responder` `after` from now, unless it was answered by then.
    /// Throws std::system_error when the timer thread cannot be started (nothing is armed).
    void arm(Responder responder, std::chrono::milliseconds after, Reply fallback) {
        arm_at(std::move(responder), Clock::now() + after, std::move(fallback));
    }

    /// Sends `fallback` through `responder` at `when` (steady clock), unless answered by then.
    void arm_at(Responder responder, Clock::time_point when, Reply fallback) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
            pending_.emplace(when, Entry{std::move(responder), std::move(fallback)});
        }
        wake_.notify_one();
    }

    /// The deadlines not yet reached (answered or not).
    std::size_t pending() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return pending_.size();
    }

    /// How many fallbacks were sent so far (a Responder answered in time is not counted).
    std::uint64_t fallbacks_sent() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return fallbacks_;
    }

private:
    struct Entry {
        Responder responder;
        Reply fallback;
    };

    /// Answers `e` with its fallback when nothing answered it; true when the fallback went out.
    static bool fire(Entry& e) noexcept {
        if (e.responder.answered()) return false;
        e.responder.reply(std::move(e.fallback));
        return true;
    }

    void run() {
        std::unique_lock<std::mutex> lock(mutex_);
        while (!stopping_) {
            if (pending_.empty()) {
                wake_.wait(lock);
                continue;
            }
            const auto first = pending_.begin();
            // A copy: wait_until reads its time point again after waking, and by then the
            // destructor may have cleared the map the key lived in.
            const Clock::time_point when = first->first;
            if (Clock::now() < when) {
                // A new, earlier deadline or the destructor wakes this wait early.
                wake_.wait_until(lock, when);
                continue;
            }
            Entry due = std::move(first->second);
            pending_.erase(first);
            // Answered outside the lock: the reply is made, signed and delivered here, and
            // the delivery callback may take its time.
            lock.unlock();
            const bool sent = fire(due);
            due = Entry{};
            lock.lock();
            if (sent) ++fallbacks_;
        }
    }

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::multimap<Clock::time_point, Entry> pending_;
    std::uint64_t fallbacks_ = 0;
    bool stopping_ = false;
    std::thread thread_;
};

MPLUS_WEBHOOKS_END_NAMESPACE
