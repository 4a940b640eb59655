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
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

namespace mplus_demo {

/// Counts what the dispatcher reports and writes it as Prometheus text (`GET /metrics`):
/// `mplus_webhooks_requests_total{event,status,subscription,branch,workplace}`, the histogram
/// `mplus_webhooks_handler_seconds{event,subscription,branch,workplace}`, the gauge
/// `mplus_webhooks_pending_polls` (requests of pollExternalPayment being held now) and
/// `mplus_webhooks_dedupe_hits_total`.
///
/// `subscription` is the request's X-Mplus-Subscription-Id, `branch` and `workplace` are
/// `sender.branchNumber` and `sender.workplaceNumber` of its body (bytes other than printable
/// ASCII become `_`); `none` when the request does not give them (also for requests refused before
/// their signature was checked, so that unsigned traffic adds no label values). The number of
/// series stays bounded: a subscription id is cut to 64 bytes, and once `max_label_sets`
/// (subscription, branch, workplace) combinations were seen, new ones are counted as `other`.
/// Thread-safe.
class PrometheusMetrics {
public:
    /// The upper bounds of the handler-time buckets, in seconds.
    static constexpr std::array<double, 10> bounds = {0.001, 0.005, 0.01, 0.05, 0.1,
                                                      0.5,   1.0,   5.0,  10.0, 30.0};
    /// Most (subscription, branch, workplace) combinations counted apart.
    static constexpr std::size_t max_label_sets = 100;
    /// Longest subscription label, in bytes.
    static constexpr std::size_t max_subscription_length = 64;

    /// The labels of the till a request came from.
    struct TillLabels {
        std::string subscription = "none"; ///< X-Mplus-Subscription-Id
        std::string branch = "none";       ///< sender.branchNumber
        std::string workplace = "none";    ///< sender.workplaceNumber

        /// Ordered, for maps and sets.
        bool operator<(const TillLabels& o) const {
            return std::tie(subscription, branch, workplace) <
                   std::tie(o.subscription, o.branch, o.workplace);
        }
    };

    /// The labels of the request in `ctx`, before the bound on combinations.
    static TillLabels labels_of(const mplus::webhooks::RequestContext& ctx) {
        TillLabels l;
        if (!ctx.subscription_id.empty()) {
            // Printable ASCII only: the text format wants UTF-8, and the header is any bytes.
            l.subscription.clear();
            for (const char c : ctx.subscription_id.substr(0, max_subscription_length)) {
                l.subscription += c >= ' ' && c <= '~' ? c : '_';
            }
        }
        if (ctx.request != nullptr) {
            const auto& sender = ctx.request->sender;
            if (sender.branch_number) l.branch = std::to_string(*sender.branch_number);
            if (sender.workplace_number) l.workplace = std::to_string(*sender.workplace_number);
        }
        return l;
    }

    /// Reports to these metrics: the metrics hook and a middleware that counts held polls.
    /// `dedupe_hits` (may be empty) tells the dedupe guard's count when the text is written.
    void attach(mplus::webhooks::Dispatcher& dispatcher,
                std::function<std::uint64_t()> dedupe_hits = {}) {
        dedupe_hits_ = std::move(dedupe_hits);
        dispatcher.on_metrics([this](const mplus::webhooks::Metrics& m) { record(m); });
        dispatcher.use([this](mplus::webhooks::RequestContext& ctx, mplus::webhooks::Next& next) {
            remember(ctx.request_id, labels_of(ctx));
            if (ctx.event != mplus::webhooks::EventKind::poll_external_payment) return next();
            pending_polls_.fetch_add(1);
            next([this](const mplus::webhooks::HttpResponse&) { pending_polls_.fetch_sub(1); });
        });
    }

    /// Keeps the labels of exchange `request_id` until its metrics come.
    void remember(std::string_view request_id, const TillLabels& labels) {
        std::lock_guard<std::mutex> lock(mutex_);
        // An exchange whose metrics never came (none known) must not make the map grow.
        if (pending_labels_.size() >= 4096) pending_labels_.erase(pending_labels_.begin());
        pending_labels_[std::string(request_id)] = bounded(labels);
    }

    /// Counts one exchange, under the labels remembered for it (`none` when there are none).
    void record(const mplus::webhooks::Metrics& m) {
        const double seconds = std::chrono::duration<double>(m.handler_time).count();
        // Unknown events are counted as one: their names come from the network.
        const std::string event = m.event == mplus::webhooks::EventKind::unknown
                                      ? std::string("unknown")
                                      : std::string(m.event_name);
        std::lock_guard<std::mutex> lock(mutex_);
        TillLabels till;
        if (const auto it = pending_labels_.find(m.request_id); it != pending_labels_.end()) {
            till = std::move(it->second);
            pending_labels_.erase(it);
        }
        ++requests_[{{event, m.status}, till}];
        Histogram& h = handler_time_[{event, till}];
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
            out += "mplus_webhooks_requests_total{event=\"" + label(key.first.first) +
                   "\",status=\"" + std::to_string(key.first.second) + "\"," +
                   till_labels(key.second) + "} " + std::to_string(n) + "\n";
        }
        out += "# HELP mplus_webhooks_handler_seconds Time in the handlers by event.\n"
               "# TYPE mplus_webhooks_handler_seconds histogram\n";
        for (const auto& [key, h] : handler_time_) {
            const std::string e = "event=\"" + label(key.first) + "\"," + till_labels(key.second);
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

    /// `labels`, or `other` for all three once max_label_sets combinations are counted
    /// (mutex_ held).
    TillLabels bounded(const TillLabels& labels) {
        if (label_sets_.count(labels) != 0) return labels;
        if (label_sets_.size() < max_label_sets) {
            label_sets_.insert(labels);
            return labels;
        }
        return TillLabels{"other", "other", "other"};
    }

    /// `subscription="...",branch="...",workplace="..."`.
    static std::string till_labels(const TillLabels& l) {
        return "subscription=\"" + label(l.subscription) + "\",branch=\"" + label(l.branch) +
               "\",workplace=\"" + label(l.workplace) + "\"";
    }

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
    std::map<std::pair<std::pair<std::string, int>, TillLabels>, std::uint64_t> requests_;
    std::map<std::pair<std::string, TillLabels>, Histogram> handler_time_;
    std::map<std::string, TillLabels, std::less<>> pending_labels_; // by request id
    std::set<TillLabels> label_sets_;
    std::atomic<std::int64_t> pending_polls_{0};
    std::function<std::uint64_t()> dedupe_hits_;
};

} // namespace mplus_demo
