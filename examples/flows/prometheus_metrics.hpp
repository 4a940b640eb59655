// The demo's metrics in the Prometheus text format: requests, handler time, held polls, dedupe.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/http.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace mplus_demo {

/// Counts what the dispatcher reports and writes it as Prometheus text (`GET /metrics`):
/// `mplus_webhooks_requests_total{event,status}`, the histogram
/// `mplus_webhooks_handler_seconds{event}`, the gauge `mplus_webhooks_pending_polls` (requests
/// of pollExternalPayment being held now) and `mplus_webhooks_dedupe_hits_total`.
/// Thread-safe.
class PrometheusMetrics {
public:
    /// The upper bounds of the handler-time buckets, in seconds.
    static constexpr std::array<double, 10> bounds = {0.001, 0.005, 0.01, 0.05, 0.1,
                                                      0.5,   1.0,   5.0,  10.0, 30.0};

    /// Reports to these metrics: the metrics hook and a middleware that counts held polls.
    /// `dedupe_hits` (may be empty) tells the dedupe guard's count when the text is written.
    void attach(mplus::webhooks::Dispatcher& dispatcher,
                std::function<std::uint64_t()> dedupe_hits = {}) {
        dedupe_hits_ = std::move(dedupe_hits);
        dispatcher.on_metrics([this](const mplus::webhooks::Metrics& m) { record(m); });
        dispatcher.use([this](mplus::webhooks::RequestContext& ctx, mplus::webhooks::Next& next) {
            if (ctx.event != mplus::webhooks::EventKind::poll_external_payment) return next();
            pending_polls_.fetch_add(1);
            next([this](const mplus::webhooks::HttpResponse&) { pending_polls_.fetch_sub(1); });
        });
    }

    /// Counts one exchange.
    void record(const mplus::webhooks::Metrics& m) {
        const double seconds = std::chrono::duration<double>(m.handler_time).count();
        // Unknown events are counted as one: their names come from the network.
        const std::string event = m.event == mplus::webhooks::EventKind::unknown
                                      ? std::string("unknown")
                                      : std::string(m.event_name);
        std::lock_guard<std::mutex> lock(mutex_);
        ++requests_[{event, m.status}];
        Histogram& h = handler_time_[event];
        for (std::size_t i = 0; i < bounds.size(); ++i) {
            if (seconds <= bounds[i]) ++h.buckets[i];
        }
        ++h.count;
        h.sum += seconds;
    }

    /// The metrics in the Prometheus text exposition format (version 0.0.4).
    std::string text() const {
        std::string out;
        out += "# HELP mplus_webhooks_requests_total Webhook requests by event and HTTP status.\n"
               "# TYPE mplus_webhooks_requests_total counter\n";
        std::lock_guard<std::mutex> lock(mutex_);
        for (const auto& [key, n] : requests_) {
            out += "mplus_webhooks_requests_total{event=\"" + label(key.first) + "\",status=\"" +
                   std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
        }
        out += "# HELP mplus_webhooks_handler_seconds Time in the handlers by event.\n"
               "# TYPE mplus_webhooks_handler_seconds histogram\n";
        for (const auto& [event, h] : handler_time_) {
            const std::string e = "event=\"" + label(event) + "\"";
            for (std::size_t i = 0; i < bounds.size(); ++i) {
                out += "mplus_webhooks_handler_seconds_bucket{" + e + ",le=\"" + number(bounds[i]) +
                       "\"} " + std::to_string(h.buckets[i]) + "\n";
            }
            out += "mplus_webhooks_handler_seconds_bucket{" + e + ",le=\"+Inf\"} " +
                   std::to_string(h.count) + "\n";
            out += "mplus_webhooks_handler_seconds_sum{" + e + "} " + number(h.sum) + "\n";
            out +=
                "mplus_webhooks_handler_seconds_count{" + e + "} " + std::to_string(h.count) + "\n";
        }
        out += "# HELP mplus_webhooks_pending_polls pollExternalPayment requests held now.\n"
               "# TYPE mplus_webhooks_pending_polls gauge\n"
               "mplus_webhooks_pending_polls " +
               std::to_string(pending_polls_.load()) + "\n";
        out += "# HELP mplus_webhooks_dedupe_hits_total Repeated events answered from the "
               "store.\n"
               "# TYPE mplus_webhooks_dedupe_hits_total counter\n"
               "mplus_webhooks_dedupe_hits_total " +
               std::to_string(dedupe_hits_ ? dedupe_hits_() : 0) + "\n";
        return out;
    }

private:
    struct Histogram {
        std::array<std::uint64_t, bounds.size()> buckets{};
        std::uint64_t count = 0;
        double sum = 0;
    };

    /// `v` escaped as a label value.
    static std::string label(std::string_view v) {
        std::string out;
        for (const char c : v) {
            if (c == '\\' || c == '"') out += '\\';
            if (c == '\n') {
                out += "\\n";
                continue;
            }
            out += c;
        }
        return out;
    }
    static std::string number(double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.6g", v);
        return buf;
    }

    mutable std::mutex mutex_;
    std::map<std::pair<std::string, int>, std::uint64_t> requests_;
    std::map<std::string, Histogram> handler_time_;
    std::atomic<std::int64_t> pending_polls_{0};
    std::function<std::uint64_t()> dedupe_hits_;
};

} // namespace mplus_demo
