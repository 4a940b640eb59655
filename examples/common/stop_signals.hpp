// Clean shutdown on SIGINT/SIGTERM for servers that block in a listen loop (cpp-httplib).
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <csignal>
#include <functional>
#include <pthread.h>
#include <thread>
#include <utility>

namespace example {

/// Blocks SIGINT and SIGTERM in the calling thread (and so in every thread it starts later)
/// and starts a thread that waits for them and calls `stop` once. Stopping a server is not
/// async-signal-safe, so it must not run in a signal handler: sigwait() on an ordinary thread
/// makes it a normal call. Call before the server starts its threads; join the result after
/// the server has stopped (call release() first if it stopped for another reason).
class StopOnSignal {
public:
    explicit StopOnSignal(std::function<void()> stop) {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set_, nullptr);
        waiter_ = std::thread([this, stop = std::move(stop)] {
            int received = 0;
            sigwait(&set_, &received);
            (void)received;
            if (released_) return;
            signalled_ = true;
            stop();
        });
    }
    StopOnSignal(const StopOnSignal&) = delete;
    StopOnSignal& operator=(const StopOnSignal&) = delete;

    /// Wakes the waiting thread without calling `stop` (the server ended on its own).
    void release() {
        released_ = true;
        pthread_kill(waiter_.native_handle(), SIGTERM);
    }
    /// True once SIGINT or SIGTERM has arrived.
    bool signalled() const noexcept { return signalled_; }

    ~StopOnSignal() {
        if (waiter_.joinable()) waiter_.join();
    }

private:
    sigset_t set_{};
    std::atomic<bool> released_{false};
    std::atomic<bool> signalled_{false};
    std::thread waiter_;
};

} // namespace example
