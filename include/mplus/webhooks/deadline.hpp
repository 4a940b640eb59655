// Deadlines: a fallback reply when a handler's real one does not come in time, for asynchronous
// handlers (Deadlines) and for blocking synchronous ones (HandlerBudget).
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/replies.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
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
    using Clock = std::chrono::steady_clock; ///< the clock deadlines are measured on

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

namespace detail {
/// A request and its context, copied so that a handler can run after the dispatcher's call
/// returned: the context's views point into this object, which is never moved.
template <class Request>
struct DetachedRequest {
    DetachedRequest(const Request& r, const RequestContext& c)
        : request(r), event_name(c.event_name), subscription_id(c.subscription_id),
          request_id(c.request_id), instance_id(c.instance_id), context(c) {
        if (c.http != nullptr) http = *c.http;
        context.http = &http;
        context.event_name = event_name;
        context.subscription_id = subscription_id;
        context.request_id = request_id;
        context.instance_id = instance_id;
        context.request = &request;
    }
    DetachedRequest(const DetachedRequest&) = delete;
    DetachedRequest& operator=(const DetachedRequest&) = delete;

    Request request;
    HttpRequest http;
    std::string event_name;
    std::string subscription_id;
    std::string request_id;
    std::string instance_id;
    RequestContext context;
};
} // namespace detail

/// A time budget for blocking synchronous handlers: the handler runs on one of a bounded set of
/// worker threads, and when it has not answered within its budget the request gets a fallback
/// reply; the handler's late reply is then dropped (reported as responder_answered_twice).
///
///     mw::HandlerBudget budget(4);  // at most 4 handlers running at once
///     dispatcher.on_async<mw::events::StartPayment>(
///         budget.limit(std::chrono::seconds(5), fallback, slow_handler));
///
/// limit() turns a synchronous handler (any form on() takes) into an asynchronous one. The
/// budget counts from the moment the request reaches it, time waiting for a worker included.
/// Threads: at most `workers`, started on demand and kept; a handler that never returns holds
/// its worker for good, and the requests behind it get their fallback at their deadline. At
/// most `max_queued` requests wait for a worker; beyond that a request gets its fallback at
/// once, and a waiting request whose fallback went out is dropped unrun. A handler that throws
/// gets the fallback at once.
///
/// The HandlerBudget must outlive the dispatcher's use of the handlers it made. Its destructor
/// answers every waiting or running request with its fallback, then waits for the running
/// handlers to return and joins the workers.
class HandlerBudget {
public:
    /// At most `workers` (at least 1) threads run handlers; at most `max_queued` requests wait.
    explicit HandlerBudget(std::size_t workers = 4, std::size_t max_queued = 256)
        : workers_(workers == 0 ? 1 : workers), max_queued_(max_queued) {}
    HandlerBudget(const HandlerBudget&) = delete;
    HandlerBudget& operator=(const HandlerBudget&) = delete;

    /// Answers the waiting and running requests with their fallback, then joins the workers.
    ~HandlerBudget() {
        std::deque<Task> dropped;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
            dropped.swap(queue_);
        }
        work_.notify_all();
        for (Task& t : dropped) {
            if (t.responder.answered()) continue;
            t.responder.reply(std::move(t.fallback));
            std::lock_guard<std::mutex> lock(mutex_);
            ++immediate_fallbacks_;
        }
        dropped.clear();
        deadlines_.reset(); // the running handlers' requests get their fallback now
        for (std::thread& t : threads_) t.join();
    }

    /// An asynchronous handler (for on_async) that runs `handler` (`f(const Request&[,
    /// RequestContext&]) -> Reply` or `f(const Request&, RequestContext&, Reply&)`) on a worker
    /// and answers with `fallback` when it has not answered within `budget`.
    template <class F>
    auto limit(std::chrono::milliseconds budget, Reply fallback, F handler) {
        auto f = std::make_shared<const F>(std::move(handler));
        auto spare = std::make_shared<const Reply>(std::move(fallback));
        return [this, budget, f, spare](const auto& request, RequestContext& ctx,
                                        Responder responder) {
            using Request = std::decay_t<decltype(request)>;
            static_assert(detail::is_sync_handler_v<F, Request>,
                          "HandlerBudget::limit(budget, fallback, f): f must be a synchronous "
                          "handler of the event's request, as on() takes");
            auto detached = std::make_shared<detail::DetachedRequest<Request>>(request, ctx);
            Task task;
            task.responder = responder;
            task.fallback = *spare;
            task.run = [f, detached, responder]() mutable {
                Reply reply;
                detail::call_sync(*f, detached->request, detached->context, reply);
                responder.reply(std::move(reply));
            };
            submit(std::move(task), budget, *spare);
        };
    }

    /// How many fallbacks were sent so far (deadlines passed, full queue, throwing handlers).
    std::uint64_t fallbacks_sent() const {
        std::uint64_t n = deadlines_ ? deadlines_->fallbacks_sent() : 0;
        std::lock_guard<std::mutex> lock(mutex_);
        return n + immediate_fallbacks_;
    }
    /// Worker threads started so far (never more than `workers`).
    std::size_t threads() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return threads_.size();
    }
    /// Requests waiting for a worker now.
    std::size_t queued() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return queue_.size();
    }
    /// Handlers running now.
    std::size_t running() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return running_;
    }

private:
    struct Task {
        std::function<void()> run;
        Responder responder;
        Reply fallback;
    };

    void submit(Task task, std::chrono::milliseconds budget, const Reply& fallback) {
        bool accepted = false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!stopping_) {
                if (queue_.size() >= max_queued_) drop_answered();
                if (queue_.size() < max_queued_) {
                    deadlines_->arm(task.responder, budget, fallback);
                    queue_.push_back(std::move(task));
                    accepted = true;
                    if (queue_.size() > idle_ && threads_.size() < workers_) {
                        threads_.emplace_back([this] { work(); });
                    }
                }
            }
            if (!accepted) ++immediate_fallbacks_;
        }
        if (accepted) {
            work_.notify_one();
        } else {
            task.responder.reply(std::move(task.fallback));
        }
    }

    /// Drops the waiting tasks whose request was answered (by its fallback); under the lock.
    void drop_answered() {
        std::deque<Task> kept;
        for (Task& t : queue_) {
            if (!t.responder.answered()) kept.push_back(std::move(t));
        }
        queue_.swap(kept);
    }

    void work() {
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            ++idle_;
            work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            --idle_;
            if (stopping_) return;
            Task task = std::move(queue_.front());
            queue_.pop_front();
            if (task.responder.answered()) continue; // its fallback went out: not run
            ++running_;
            lock.unlock();
            bool failed = false;
            try {
                task.run();
            } catch (...) {
                failed = true;
            }
            if (failed && !task.responder.answered()) {
                task.responder.reply(std::move(task.fallback));
            }
            task = Task{};
            lock.lock();
            --running_;
            if (failed) ++immediate_fallbacks_;
        }
    }

    const std::size_t workers_;
    const std::size_t max_queued_;
    // A pointer so that the destructor can answer and stop it before joining the workers.
    std::unique_ptr<Deadlines> deadlines_ = std::make_unique<Deadlines>();
    mutable std::mutex mutex_;
    std::condition_variable work_;
    std::deque<Task> queue_;
    std::vector<std::thread> threads_;
    std::size_t idle_ = 0;
    std::size_t running_ = 0;
    std::uint64_t immediate_fallbacks_ = 0;
    bool stopping_ = false;
};

MPLUS_WEBHOOKS_END_NAMESPACE
