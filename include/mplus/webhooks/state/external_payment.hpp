// External payments kept in a Store: idempotent answers, held polls, one settled outcome.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>
#include <mplus/webhooks/state/store.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE
namespace state {

/// Posts `body` (JSON text) to `url`; true when the server took it (a 2xx answer). The
/// external-payment helper calls `callbackUrl` through it, so tests can check the calls.
using HttpPoster = std::function<bool(const std::string& url, const std::string& body)>;

/// Settings of ExternalPayments.
struct ExternalPaymentOptions {
    /// The store table of the payments, by externalPaymentId.
    std::string table = "external_payments";
    /// Longest a pollExternalPayment is held before it is answered "still pending". Keep it
    /// well below the POS's 60 s, after which it sends the poll again.
    std::chrono::milliseconds poll_budget{25000};
    /// A held poll re-reads the payment at least this often, for changes whose notification
    /// cannot reach this process (two processes on one SQLite file, a listener reconnecting).
    std::chrono::milliseconds recheck{1000};
    /// A payment neither confirmed nor cancelled this long after its last change is cancelled
    /// by expire() (a till that crashed mid-payment).
    std::chrono::milliseconds hold_ttl{std::chrono::minutes(30)};
    /// The message of a "still pending" answer when the device said nothing yet.
    std::string waiting_message = "Waiting for the payment device";
    /// The message that answers a requestCancelExternalPayment after the confirmation.
    std::string too_late_message = "Too late to cancel: the payment is already confirmed";
    /// The message of a payment cancelled at the cashier's request.
    std::string cancelled_message = "The payment was cancelled";
    /// The message of a payment this store never saw.
    std::string unknown_message = "Unknown payment";
    /// The message of a payment cancelled by expire().
    std::string expired_message = "The payment expired";
    /// Most device messages kept per payment (the oldest go first).
    std::size_t max_messages = 20;
    /// Calls to callbackUrl already claimed by an instance are left to it for this long.
    std::chrono::milliseconds callback_lease{30000};
    /// The clock of the stored times.
    Clock clock = unix_millis;
};

/// What the device reports when it completes a payment.
struct Confirmation {
    std::optional<Decimal> final_amount;        ///< when it differs from the amount asked
    std::string external_transaction_reference; ///< "" when none
    std::optional<std::string> card_type;       ///< the card brand, e.g. Maestro
    std::optional<std::string> terminal_id;     ///< the terminal that took the payment
    std::vector<ReceiptText> receipt_texts;     ///< texts to print on the receipt
};

/// Where a payment stands, as stored.
struct ExternalPaymentState {
    std::string id; ///< the externalPaymentId
    /// `started`, `pending` (the device reported), `confirmed` or `cancelled`.
    std::string status;                         ///< where the payment stands
    Decimal amount;                             ///< the amount asked
    std::string method;                         ///< the payment method
    std::string callback_url;                   ///< "" when the POS gave none
    std::string session_id;                     ///< "" when the request had no session
    std::vector<std::string> messages;          ///< the device's messages, oldest first
    std::optional<Decimal> final_amount;        ///< the amount paid, when it differs
    std::string external_transaction_reference; ///< the device's reference
    std::optional<std::string> card_type;       ///< the card brand
    std::optional<std::string> terminal_id;     ///< the terminal that took the payment
    std::vector<ReceiptText> receipt_texts;     ///< texts to print on the receipt
    bool refund_due = false;     ///< confirmed, then abandoned by the POS: reverse it
    bool callback_done = false;  ///< callbackUrl has been called
    std::int64_t version = 0;    ///< raised at every change the POS should hear of
    std::int64_t created_at = 0; ///< when it started (store clock, ms)
    std::int64_t updated_at = 0; ///< when it last changed (store clock, ms)

    /// True when confirmed or cancelled.
    bool final() const noexcept { return status == "confirmed" || status == "cancelled"; }
};

namespace detail {

/// The polls held without a thread each: one timer thread for their budgets and rechecks,
/// woken early by the store's notifications of the held payments.
class PollHolds {
public:
    /// Looks at a payment once: the answer when there is one now.
    using Step = std::function<std::optional<Reply>(const std::string& id, bool polling)>;
    /// The answer when the budget ended.
    using End = std::function<Reply(const std::string& id, bool polling)>;

    /// Holds on `store`: rechecks every `recheck`, answers after `budget`.
    PollHolds(Store& store, std::chrono::milliseconds recheck, std::chrono::milliseconds budget,
              Step step, End end)
        : store_(store), recheck_(recheck), budget_(budget), step_(std::move(step)),
          end_(std::move(end)), shared_(std::make_shared<Shared>()) {
        thread_ = std::thread([this] { run(); });
    }
    PollHolds(const PollHolds&) = delete;
    PollHolds& operator=(const PollHolds&) = delete;
    /// Stops the thread and answers every poll still held with where its payment stands.
    ~PollHolds() {
        {
            std::lock_guard<std::mutex> lock(shared_->mutex);
            shared_->stop = true;
        }
        shared_->wake.notify_all();
        thread_.join();
        std::map<std::uint64_t, Waiter> left;
        {
            std::lock_guard<std::mutex> lock(shared_->mutex);
            left.swap(waiters_);
        }
        for (auto& [wid, w] : left) {
            w.listener.stop();
            w.answer(end_(w.id, w.polling));
        }
    }

    /// Answers the poll of payment `id` through `answer`, now or when held.
    void hold(const std::string& id, bool polling, std::function<void(Reply)> answer) {
        std::uint64_t wid = 0;
        {
            std::lock_guard<std::mutex> lock(shared_->mutex);
            wid = ++next_;
            Waiter& w = waiters_[wid];
            w.id = id;
            w.polling = polling;
            w.answer = std::move(answer);
            w.deadline = std::chrono::steady_clock::now() + budget_;
            std::weak_ptr<Shared> weak = shared_;
            // Listening before the first read: nothing committed after it is missed.
            w.listener = store_.listen(ExternalPayments_topic(id), [weak, wid] {
                if (const auto sh = weak.lock()) {
                    {
                        std::lock_guard<std::mutex> l(sh->mutex);
                        sh->woken.push_back(wid);
                    }
                    sh->wake.notify_all();
                }
            });
        }
        std::optional<Reply> now;
        bool failed = false;
        try {
            now = step_(id, polling);
        } catch (...) {
            failed = true; // the store failed: the hold thread retries at the next recheck
        }
        std::function<void(Reply)> call;
        {
            std::lock_guard<std::mutex> lock(shared_->mutex);
            const auto it = waiters_.find(wid);
            if (now) {
                call = std::move(it->second.answer);
                it->second.listener.stop();
                waiters_.erase(it);
            } else {
                it->second.ready = true;
                arm(wid, it->second, std::chrono::steady_clock::now(), failed);
                if (it->second.dirty) shared_->woken.push_back(wid);
            }
        }
        if (call) call(std::move(*now));
        shared_->wake.notify_all();
    }

    /// The polls held now.
    std::size_t size() const {
        std::lock_guard<std::mutex> lock(shared_->mutex);
        return waiters_.size();
    }

private:
    using TimePoint = std::chrono::steady_clock::time_point;
    struct Waiter {
        std::string id;
        bool polling = false;
        std::function<void(Reply)> answer;
        TimePoint deadline;
        TimePoint due;
        bool armed = false;
        bool ready = false; ///< hold() finished its first read
        bool dirty = false; ///< notified during that read
        Listener listener;
    };
    struct Shared {
        std::mutex mutex;
        std::condition_variable wake;
        std::vector<std::uint64_t> woken; ///< notified since the thread last looked
        bool stop = false;
    };

    static std::string ExternalPayments_topic(const std::string& id) {
        return "external_payment/" + id;
    }

    /// Schedules the next look at `w` (lock held): at the end of its budget when the store
    /// notifies every change (and the last look did not fail), else at the next recheck.
    void arm(std::uint64_t wid, Waiter& w, TimePoint now, bool failed = false) {
        if (w.armed) timers_.erase({w.due, wid});
        const bool recheck = failed || !store_.notifies_every_change();
        w.due = recheck ? std::min(w.deadline, now + recheck_) : w.deadline;
        w.armed = true;
        timers_.insert({w.due, wid});
    }

    void run() {
        std::unique_lock<std::mutex> lock(shared_->mutex);
        for (;;) {
            if (shared_->stop) return;
            const TimePoint now = std::chrono::steady_clock::now();
            std::vector<std::uint64_t> due;
            due.swap(shared_->woken);
            while (!timers_.empty() && timers_.begin()->first <= now) {
                due.push_back(timers_.begin()->second);
                timers_.erase(timers_.begin());
                const auto it = waiters_.find(due.back());
                if (it != waiters_.end()) it->second.armed = false;
            }
            if (due.empty()) {
                if (timers_.empty()) {
                    shared_->wake.wait(lock);
                } else {
                    shared_->wake.wait_until(lock, timers_.begin()->first);
                }
                continue;
            }
            for (const std::uint64_t wid : due) {
                auto it = waiters_.find(wid);
                if (it == waiters_.end()) continue;
                if (!it->second.ready) { // hold() is still reading: it looks again when done
                    it->second.dirty = true;
                    continue;
                }
                const std::string id = it->second.id;
                const bool polling = it->second.polling;
                const bool last = std::chrono::steady_clock::now() >= it->second.deadline;
                lock.unlock();
                std::optional<Reply> answer;
                bool failed = false;
                try {
                    answer = step_(id, polling);
                } catch (...) {
                    failed = true;
                }
                if (!answer && last) answer = end_(id, polling);
                lock.lock();
                it = waiters_.find(wid);
                if (it == waiters_.end()) continue;
                if (!answer) {
                    arm(wid, it->second, std::chrono::steady_clock::now(), failed);
                    continue;
                }
                std::function<void(Reply)> call = std::move(it->second.answer);
                if (it->second.armed) timers_.erase({it->second.due, wid});
                it->second.listener.stop();
                waiters_.erase(it);
                lock.unlock();
                call(std::move(*answer));
                lock.lock();
            }
        }
    }

    Store& store_;
    std::chrono::milliseconds recheck_;
    std::chrono::milliseconds budget_;
    Step step_;
    End end_;
    std::shared_ptr<Shared> shared_;
    std::map<std::uint64_t, Waiter> waiters_;              // guarded by shared_->mutex
    std::set<std::pair<TimePoint, std::uint64_t>> timers_; // guarded by shared_->mutex
    std::uint64_t next_ = 0;
    std::thread thread_;
};

} // namespace detail

/// The external-payment events on a Store, for any payment device.
///
/// One document per externalPaymentId. The POS side (start, poll, request_cancel, abandon,
/// or handle for all four) answers from the stored state, so a repeated request gets the same
/// answer and any instance sharing the store can answer it. The device side (progress,
/// confirm, decline) records what the device says and wakes the held polls, also on other
/// instances when the store notifies across processes.
///
/// The race between cancel and success is settled in one transaction each: whichever
/// commits first is the outcome. confirm() after a cancel returns false (the device must
/// reverse the payment); request_cancel() after a confirmation answers too_late_message.
///
/// Once the outcome is final, callbackUrl (when given) gets one POST from the instance that
/// settled it; deliver_callbacks() retries what failed. Thread-safe; poll() blocks the calling
/// thread for at most poll_budget, poll_async() holds the poll without blocking a thread.
class ExternalPayments {
public:
    /// The helper on `store`, posting callbacks through `poster` (none when empty).
    explicit ExternalPayments(Store& store, ExternalPaymentOptions options = {},
                              HttpPoster poster = {})
        : store_(store), options_(std::move(options)), poster_(std::move(poster)) {}

    /// The answer to startExternalPayment and whether this request created the payment.
    struct Started {
        Reply reply;          ///< the answer to send
        bool created = false; ///< false: a repeated start, answered with the stored state
    };

    /// startExternalPayment: records the payment once; a repeat answers where it stands.
    Started start(const ExternalPaymentRequest& request) {
        const ExternalPaymentDetails& ep = request.external_payment;
        Started out;
        const nlohmann::json doc = store_.with([&](Transaction& tx) {
            if (auto existing = tx.get(options_.table, ep.external_payment_id)) return *existing;
            out.created = true;
            const std::int64_t now = options_.clock();
            nlohmann::json d = {{"id", ep.external_payment_id},
                                {"status", "started"},
                                {"amount", ep.amount.to_string()},
                                {"method", ep.method},
                                {"callback_url", ep.callback_url.value_or("")},
                                {"messages", nlohmann::json::array()},
                                {"version", 0},
                                {"answered", 0},
                                {"created_at", now},
                                {"updated_at", now}};
            if (const auto* session = session_of(request)) d["session_id"] = *session;
            tx.put(options_.table, ep.external_payment_id, d);
            return d;
        });
        const ExternalPaymentState s = state_of(doc);
        out.reply = s.final() ? outcome_reply(s, request.event.polling())
                              : base_reply(s.id, request.event.polling());
        if (!s.final()) {
            out.reply.external_payment->started = true;
            if (!s.messages.empty()) out.reply.external_payment->message = s.messages.back();
        }
        return out;
    }

    /// pollExternalPayment: answers at once with a final outcome or a device message the POS
    /// was not given yet; otherwise holds until one comes or poll_budget ends, then answers
    /// "still pending" with the last message.
    Reply poll(const ExternalPaymentRequest& request) {
        const std::string& id = request.external_payment.external_payment_id;
        const bool polling = request.event.polling();
        const auto deadline = std::chrono::steady_clock::now() + options_.poll_budget;
        Subscription sub = store_.subscribe(topic(id));
        for (;;) {
            std::optional<Reply> answer = poll_step(store_, options_, id, polling);
            if (answer) return std::move(*answer);
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) break;
            sub.wait_until(std::min(deadline, now + options_.recheck));
        }
        return poll_end(store_, options_, id, polling);
    }

    /// pollExternalPayment without blocking: `answer` gets the reply poll() would give, at once
    /// (from this call) when the payment is final or has a message the POS was not given, else
    /// later from the one hold thread of this helper, when the device reports or poll_budget
    /// ends. No thread per held poll: a held poll is a timer entry and a store Listener.
    /// `answer` is called exactly once (also when the helper is destroyed first: it then
    /// answers "still pending" at once); it must not throw.
    void poll_async(const ExternalPaymentRequest& request, std::function<void(Reply)> answer) {
        holds().hold(request.external_payment.external_payment_id, request.event.polling(),
                     std::move(answer));
    }

    /// poll_async() answering through the asynchronous handler's Responder:
    ///
    ///     dispatcher.on_async<events::PollExternalPayment>(
    ///         [&](const ExternalPaymentRequest& r, Responder out) { payments.poll_async(r, out);
    ///         });
    void poll_async(const ExternalPaymentRequest& request, Responder responder) {
        poll_async(request, [responder](Reply r) mutable { responder.reply(std::move(r)); });
    }

    /// The polls held by poll_async() now.
    std::size_t held_polls() const { return holds_ ? holds_->size() : 0; }

    /// requestCancelExternalPayment: cancels a payment that is not confirmed; after the
    /// confirmation the answer is too_late_message and the payment stays confirmed.
    Reply request_cancel(const ExternalPaymentRequest& request) {
        const std::string& id = request.external_payment.external_payment_id;
        const bool polling = request.event.polling();
        bool settled = false;
        Reply reply = store_.with([&](Transaction& tx) -> Reply {
            auto doc = tx.get(options_.table, id);
            if (!doc) return unknown_reply(id, polling);
            ExternalPaymentState s = state_of(*doc);
            if (s.status == "confirmed") {
                Reply r = base_reply(id, polling);
                r.external_payment->message = options_.too_late_message;
                return r;
            }
            if (s.status != "cancelled") {
                settle(tx, *doc, "cancelled", options_.cancelled_message);
                s = state_of(*doc);
                settled = true;
            }
            return outcome_reply(s, polling);
        });
        if (settled) deliver_callback(id);
        return reply;
    }

    /// cancelExternalPayment: the POS gave the payment up. One not yet final is cancelled; a
    /// confirmed one gets refund_due (the POS never registered it). Answers `{}`.
    Reply abandon(const ExternalPaymentRequest& request) {
        const std::string& id = request.external_payment.external_payment_id;
        bool settled = false;
        store_.with([&](Transaction& tx) {
            auto doc = tx.get(options_.table, id);
            if (!doc) return;
            const ExternalPaymentState s = state_of(*doc);
            if (s.status == "confirmed") {
                (*doc)["refund_due"] = true;
                tx.put(options_.table, id, *doc);
            } else if (s.status != "cancelled") {
                settle(tx, *doc, "cancelled", options_.cancelled_message);
                settled = true;
            }
        });
        if (settled) deliver_callback(id);
        Reply r;
        if (request.event.polling()) r.polling.emplace();
        return r;
    }

    /// Any of the four external-payment events; `{}` for another event.
    Reply handle(EventKind event, const ExternalPaymentRequest& request) {
        switch (event) {
        case EventKind::start_external_payment: return start(request).reply;
        case EventKind::poll_external_payment: return poll(request);
        case EventKind::request_cancel_external_payment: return request_cancel(request);
        case EventKind::cancel_external_payment: return abandon(request);
        default: return Reply{};
        }
    }

    /// The device reports progress (`message` for the cashier); wakes the held polls. False
    /// when the payment is unknown or already final.
    bool progress(const std::string& id, std::string message) {
        return store_.with([&](Transaction& tx) {
            auto doc = tx.get(options_.table, id);
            if (!doc || state_of(*doc).final()) return false;
            (*doc)["status"] = "pending";
            add_message(*doc, std::move(message));
            touch(tx, id, *doc);
            return true;
        });
    }

    /// The device completed the payment. True when the payment is confirmed (also when it
    /// already was); false when it was cancelled first or is unknown: reverse it then.
    bool confirm(const std::string& id, const Confirmation& c = {}) {
        bool settled = false;
        const bool ok = store_.with([&](Transaction& tx) {
            auto doc = tx.get(options_.table, id);
            if (!doc) return false;
            const std::string status = state_of(*doc).status;
            if (status == "confirmed") return true;
            if (status == "cancelled") return false;
            nlohmann::json& d = *doc;
            if (c.final_amount) d["final_amount"] = c.final_amount->to_string();
            d["reference"] = c.external_transaction_reference;
            if (c.card_type) d["card_type"] = *c.card_type;
            if (c.terminal_id) d["terminal_id"] = *c.terminal_id;
            if (!c.receipt_texts.empty()) {
                nlohmann::json texts = nlohmann::json::array();
                for (const auto& t : c.receipt_texts) {
                    nlohmann::json jt = {{"text", t.text}};
                    if (t.type) jt["type"] = t.type->str();
                    if (t.requires_signature) jt["requires_signature"] = *t.requires_signature;
                    texts.push_back(std::move(jt));
                }
                d["receipt_texts"] = std::move(texts);
            }
            settle(tx, d, "confirmed", {});
            settled = true;
            return true;
        });
        if (settled) deliver_callback(id);
        return ok;
    }

    /// The device declined or stopped the payment. True when it is cancelled (also when it
    /// already was); false when it was confirmed first or is unknown.
    bool decline(const std::string& id, std::string message) {
        bool settled = false;
        const bool ok = store_.with([&](Transaction& tx) {
            auto doc = tx.get(options_.table, id);
            if (!doc) return false;
            const std::string status = state_of(*doc).status;
            if (status == "cancelled") return true;
            if (status == "confirmed") return false;
            settle(tx, *doc, "cancelled", std::move(message));
            settled = true;
            return true;
        });
        if (settled) deliver_callback(id);
        return ok;
    }

    /// The stored state of payment `id`.
    std::optional<ExternalPaymentState> find(const std::string& id) {
        auto doc = store_.with([&](Transaction& tx) { return tx.get(options_.table, id); });
        if (!doc) return std::nullopt;
        return state_of(*doc);
    }

    /// Cancels every payment that is not final and did not change for hold_ttl; returns
    /// their ids (stop their devices).
    std::vector<std::string> expire() {
        const std::int64_t limit = options_.clock() - options_.hold_ttl.count();
        std::vector<std::string> ids = store_.with([&](Transaction& tx) {
            std::vector<std::string> out;
            for (auto& [id, doc] : tx.list(options_.table)) {
                const ExternalPaymentState s = state_of(doc);
                if (s.final() || s.updated_at > limit) continue;
                settle(tx, doc, "cancelled", options_.expired_message);
                out.push_back(id);
            }
            return out;
        });
        for (const auto& id : ids) deliver_callback(id);
        return ids;
    }

    /// Posts the callbacks that are due and not claimed by another instance; returns how many
    /// the servers took.
    std::size_t deliver_callbacks() {
        const std::vector<std::string> ids = store_.with([&](Transaction& tx) {
            std::vector<std::string> out;
            for (const auto& row : tx.list(options_.table)) {
                const ExternalPaymentState s = state_of(row.second);
                if (s.final() && !s.callback_done && !s.callback_url.empty()) {
                    out.push_back(row.first);
                }
            }
            return out;
        });
        std::size_t delivered = 0;
        for (const auto& id : ids) {
            if (deliver_callback(id)) ++delivered;
        }
        return delivered;
    }

    /// The notification topic of payment `id`.
    static std::string topic(std::string_view id) { return "external_payment/" + std::string(id); }

    /// The reply that tells the POS the final outcome of `s` (confirmed or cancelled).
    static Reply outcome_reply(const ExternalPaymentState& s, bool polling) {
        Reply r = base_reply(s.id, polling);
        ExternalPaymentReply& ep = *r.external_payment;
        if (s.status == "confirmed") {
            ep.confirmed = true;
            ep.final_amount = s.final_amount ? s.final_amount : std::optional<Decimal>(s.amount);
            if (!s.external_transaction_reference.empty()) {
                ep.external_transaction_reference = s.external_transaction_reference;
            }
            ep.card_type = s.card_type;
            ep.terminal_id = s.terminal_id;
            ep.receipt_texts = s.receipt_texts;
        } else {
            ep.cancelled = true;
            if (!s.messages.empty()) ep.message = s.messages.back();
        }
        return r;
    }

    /// The stored document `doc` read back.
    static ExternalPaymentState state_of(const nlohmann::json& doc) {
        ExternalPaymentState s;
        s.id = text(doc, "id");
        s.status = text(doc, "status");
        s.amount = Decimal::parse(text(doc, "amount")).value_or(Decimal());
        s.method = text(doc, "method");
        s.callback_url = text(doc, "callback_url");
        s.session_id = text(doc, "session_id");
        if (const auto it = doc.find("messages"); it != doc.end() && it->is_array()) {
            for (const auto& m : *it) {
                if (m.is_string()) s.messages.push_back(m.get<std::string>());
            }
        }
        if (doc.contains("final_amount"))
            s.final_amount = Decimal::parse(text(doc, "final_amount"));
        s.external_transaction_reference = text(doc, "reference");
        if (doc.contains("card_type")) s.card_type = text(doc, "card_type");
        if (doc.contains("terminal_id")) s.terminal_id = text(doc, "terminal_id");
        if (const auto it = doc.find("receipt_texts"); it != doc.end() && it->is_array()) {
            for (const auto& t : *it) {
                ReceiptText rt;
                rt.text = text(t, "text");
                if (t.contains("type")) rt.type = text(t, "type");
                if (const auto rs = t.find("requires_signature");
                    rs != t.end() && rs->is_boolean()) {
                    rt.requires_signature = rs->get<bool>();
                }
                s.receipt_texts.push_back(std::move(rt));
            }
        }
        s.refund_due = flag(doc, "refund_due");
        s.callback_done = flag(doc, "callback_done");
        s.version = number(doc, "version");
        s.created_at = number(doc, "created_at");
        s.updated_at = number(doc, "updated_at");
        return s;
    }

private:
    static const std::string* session_of(const ExternalPaymentRequest& request) {
        if (request.session && !request.session->session_id.empty()) {
            return &request.session->session_id;
        }
        return nullptr;
    }

    static std::string text(const nlohmann::json& doc, const char* key) {
        const auto it = doc.find(key);
        return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
    }
    static std::int64_t number(const nlohmann::json& doc, const char* key) {
        const auto it = doc.find(key);
        return it != doc.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
    }
    static bool flag(const nlohmann::json& doc, const char* key) {
        const auto it = doc.find(key);
        return it != doc.end() && it->is_boolean() && it->get<bool>();
    }

    static Reply base_reply(const std::string& id, bool polling) {
        Reply r;
        r.external_payment.emplace();
        r.external_payment->external_payment_id = id;
        if (polling) r.polling.emplace(); // finished: the POS polls again after every answer
        return r;
    }

    Reply pending_reply(const ExternalPaymentState& s, bool polling) const {
        return pending_reply(options_, s, polling);
    }
    static Reply pending_reply(const ExternalPaymentOptions& o, const ExternalPaymentState& s,
                               bool polling) {
        Reply r = base_reply(s.id, polling);
        r.external_payment->message = s.messages.empty() ? o.waiting_message : s.messages.back();
        return r;
    }

    Reply unknown_reply(const std::string& id, bool polling) const {
        return unknown_reply(options_, id, polling);
    }
    static Reply unknown_reply(const ExternalPaymentOptions& o, const std::string& id,
                               bool polling) {
        Reply r = base_reply(id, polling);
        r.external_payment->cancelled = true;
        r.external_payment->message = o.unknown_message;
        return r;
    }

    /// One look at a polled payment: the answer when there is one now (final, unknown, or a
    /// change the POS was not given yet, which is then marked as given).
    static std::optional<Reply> poll_step(Store& store, const ExternalPaymentOptions& o,
                                          const std::string& id, bool polling) {
        return store.with([&](Transaction& tx) -> std::optional<Reply> {
            auto doc = tx.get(o.table, id);
            if (!doc) return unknown_reply(o, id, polling);
            const ExternalPaymentState s = state_of(*doc);
            if (s.final()) return outcome_reply(s, polling);
            if (s.version > number(*doc, "answered")) {
                (*doc)["answered"] = s.version;
                tx.put(o.table, id, *doc);
                return pending_reply(o, s, polling);
            }
            return std::nullopt;
        });
    }

    /// The answer to a poll whose budget ended: where the payment stands.
    static Reply poll_end(Store& store, const ExternalPaymentOptions& o, const std::string& id,
                          bool polling) {
        auto doc = store.with([&](Transaction& tx) { return tx.get(o.table, id); });
        if (!doc) return unknown_reply(o, id, polling);
        const ExternalPaymentState s = state_of(*doc);
        return s.final() ? outcome_reply(s, polling) : pending_reply(o, s, polling);
    }

    detail::PollHolds& holds() {
        std::call_once(holds_once_, [this] {
            Store& store = store_;
            const ExternalPaymentOptions o = options_;
            holds_ = std::make_shared<detail::PollHolds>(
                store, o.recheck, o.poll_budget,
                [&store, o](const std::string& id, bool polling) {
                    return poll_step(store, o, id, polling);
                },
                [&store, o](const std::string& id, bool polling) {
                    try {
                        return poll_end(store, o, id, polling);
                    } catch (...) {
                        ExternalPaymentState s;
                        s.id = id;
                        return pending_reply(o, s, polling); // the store failed: still pending
                    }
                });
        });
        return *holds_;
    }

    void add_message(nlohmann::json& doc, std::string message) const {
        nlohmann::json& messages = doc["messages"];
        if (!messages.is_array()) messages = nlohmann::json::array();
        messages.push_back(std::move(message));
        while (messages.size() > options_.max_messages && !messages.empty()) {
            messages.erase(messages.begin());
        }
    }

    /// Records a change the POS should hear of and wakes the polls.
    void touch(Transaction& tx, const std::string& id, nlohmann::json& doc) const {
        doc["version"] = number(doc, "version") + 1;
        doc["updated_at"] = options_.clock();
        tx.put(options_.table, id, doc);
        tx.notify(topic(id));
    }

    void settle(Transaction& tx, nlohmann::json& doc, const char* status,
                std::string message) const {
        doc["status"] = status;
        if (!message.empty()) add_message(doc, std::move(message));
        touch(tx, text(doc, "id"), doc);
    }

    /// Posts the callback of final payment `id` once: claims it, posts, records it done.
    bool deliver_callback(const std::string& id) {
        if (!poster_) return false;
        const std::int64_t now = options_.clock();
        std::string url;
        std::string body;
        store_.with([&](Transaction& tx) {
            auto doc = tx.get(options_.table, id);
            if (!doc) return;
            const ExternalPaymentState s = state_of(*doc);
            if (!s.final() || s.callback_done || s.callback_url.empty()) return;
            if (now - number(*doc, "callback_claimed_at") < options_.callback_lease.count()) {
                return;
            }
            (*doc)["callback_claimed_at"] = now;
            tx.put(options_.table, id, *doc);
            url = s.callback_url;
            nlohmann::json b = {{"externalPaymentId", s.id}};
            b[s.status == "confirmed" ? "confirmed" : "cancelled"] = true;
            body = b.dump();
        });
        if (url.empty()) return false;
        bool ok = false;
        try {
            ok = poster_(url, body);
        } catch (...) {
            ok = false; // a failed call is retried by deliver_callbacks()
        }
        store_.with([&](Transaction& tx) {
            auto doc = tx.get(options_.table, id);
            if (!doc) return;
            if (ok) {
                (*doc)["callback_done"] = true;
            } else {
                doc->erase("callback_claimed_at");
            }
            tx.put(options_.table, id, *doc);
        });
        return ok;
    }

    Store& store_;
    ExternalPaymentOptions options_;
    HttpPoster poster_;
    std::once_flag holds_once_;
    std::shared_ptr<detail::PollHolds> holds_; // last: stopped (polls answered) first
};

} // namespace state
MPLUS_WEBHOOKS_END_NAMESPACE
