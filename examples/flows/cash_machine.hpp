// Cash machine payment (method CASH_MACHINE): an external payment taken by a simulated machine.
// SPDX-License-Identifier: MIT
#pragma once

#include "flow.hpp"
#include "flow_support.hpp"
#include "payment_support.hpp"
#include "store.hpp"

#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>
#include <mplus/webhooks/state/external_payment.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
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

namespace mplus_demo {

/// How the simulated cash machine behaves and how long a poll is held. The defaults are the
/// demo's; tests shorten every time to milliseconds.
struct CashMachineOptions {
    /// From the payment's start until the customer inserts the first cash.
    std::chrono::milliseconds start_delay{2000};
    /// Most insertions the amount is taken in (at least 1).
    int steps = 3;
    /// Between two insertions.
    std::chrono::milliseconds step_interval{1500};
    /// Until cash being returned (a cancel after cash came in) is back with the customer.
    std::chrono::milliseconds return_time{1000};
    /// The customer pays in multiples of this (banknotes); the machine gives the change.
    /// 0.01 pays the exact amount.
    mw::Decimal tender_unit = 5;
    /// Longest a pollExternalPayment is held before it is answered with the status anyway.
    /// Must stay well below the POS's 60 s, after which it re-sends the poll.
    std::chrono::milliseconds long_poll{25000};
    /// A held poll and the machine re-read the store at least this often: the changes of
    /// another process on the same SQLite file are not notified (PostgreSQL's are).
    std::chrono::milliseconds recheck{500};
    /// A machine report (cash in, paid) claimed by an instance that died is taken over by
    /// another instance after this long.
    std::chrono::milliseconds report_lease{2000};
    /// A payment that did not change for this long (a till that crashed mid-payment) is
    /// cancelled by expire() and its cash returned.
    std::chrono::milliseconds hold_ttl{std::chrono::minutes(15)};
    /// Prefix of the externalTransactionReference, followed by a six-digit sequence number.
    std::string reference_prefix = "CASH-";
};

/// A cash machine, simulated, that keeps its state in the store: for each payment it waits
/// `start_delay`, then takes the amount in at most `steps` insertions `step_interval` apart,
/// rounded up to `tender_unit` (the change). It can stop and give back what it holds.
///
/// The machine is the store's table `cash_machine` (one job per payment: amount, inserted,
/// the insertions still to come, when the next one is due, its state `taking`, `paid`,
/// `returning`, `returned` or `stopped`) and the index `cash_machine_due` of the jobs still
/// moving. Every process on the store runs the machine: a thread looks at the due jobs and
/// makes each step in one transaction, so exactly one process makes it, and the machine
/// goes on when the process that started a payment dies.
///
/// Each step leaves a report (cash in, paid, returned) in its job, claimed by the process
/// that made the step, which hands it to the ReportFn and then acknowledges it. A report
/// claimed by a process that died is taken over after `report_lease`, so none is lost (one
/// may be handed over twice when a process dies between the two: reports are idempotent).
class SimulatedCashMachine {
public:
    /// Gets the job (its document) of a report: `report.kind` is `inserted`, `paid` or
    /// `returned`. Runs on the machine's thread with no lock held.
    using ReportFn = std::function<void(const nlohmann::json& job)>;

    /// The store table of the jobs, by payment id.
    static constexpr std::string_view table = "cash_machine";
    /// The store table of the jobs still moving (steps or reports due), by payment id.
    static constexpr std::string_view due_table = "cash_machine_due";
    /// The topic that wakes the machines of every process (a job started or stopped).
    static constexpr std::string_view topic = "cash_machine";

    /// A machine on `store` with `options` that reports to `report`; its thread starts now.
    SimulatedCashMachine(Store& store, CashMachineOptions options, ReportFn report)
        : store_(store), options_(std::move(options)), report_(std::move(report)),
          shared_(std::make_shared<Shared>()) {
        std::weak_ptr<Shared> weak = shared_;
        listener_ = store_.listen(std::string(topic), [weak] {
            if (const auto sh = weak.lock()) {
                {
                    std::lock_guard<std::mutex> lock(sh->mutex);
                    sh->woken = true;
                }
                sh->wake.notify_all();
            }
        });
        thread_ = std::thread([this] { run(); });
    }
    SimulatedCashMachine(const SimulatedCashMachine&) = delete;
    SimulatedCashMachine& operator=(const SimulatedCashMachine&) = delete;
    ~SimulatedCashMachine() { shutdown(); }

    /// The insertions that pay `due`: `due` rounded up to `tender_unit`, split into at most
    /// `steps` parts that are multiples of `tender_unit`, the last one taking the rest.
    static std::vector<mw::Decimal> plan(mw::Decimal due, const CashMachineOptions& options) {
        std::vector<mw::Decimal> out;
        if (due <= mw::Decimal()) return out;
        const mw::Decimal unit = options.tender_unit;
        const mw::Decimal units =
            mw::Decimal::divide(due, unit, 0, mw::Rounding::up); // whole notes, rounded up
        const mw::Decimal tendered = units * unit;
        const int steps = options.steps < 1 ? 1 : options.steps;
        const mw::Decimal per_step =
            mw::Decimal::divide(units, mw::Decimal(steps), 0, mw::Rounding::down) * unit;
        mw::Decimal left = tendered;
        for (int i = 1; i < steps && left > mw::Decimal(); ++i) {
            const mw::Decimal part = per_step > mw::Decimal() ? per_step : unit;
            if (part >= left) break;
            out.push_back(part);
            left -= part;
        }
        out.push_back(left);
        return out;
    }

    /// Starts taking `amount` for payment `id` after `start_delay`, once: a job that exists
    /// is left as it is. Returns the job. The reference is drawn from `cash_meta`.
    nlohmann::json take(const std::string& id, mw::Decimal amount) {
        return store_.with([&](Transaction& tx) {
            if (auto existing = tx.get(table, id)) return *existing;
            const std::int64_t now = clock();
            nlohmann::json parts = nlohmann::json::array();
            for (const mw::Decimal& p : plan(amount, options_)) parts.push_back(decimal_text(p));
            nlohmann::json job = {{"id", id},
                                  {"amount", decimal_text(amount)},
                                  {"inserted", "0"},
                                  {"plan", std::move(parts)},
                                  {"state", "taking"},
                                  {"reference", next_reference(tx)},
                                  {"next_at", now + options_.start_delay.count()},
                                  {"seq", 0}};
            save(tx, job);
            return job;
        });
    }

    /// Stops taking cash for `id` and gives back what the machine holds, also a payment it
    /// had completed (its confirmation came too late). Returns the job; nullopt when the
    /// machine knows no such payment.
    std::optional<nlohmann::json> stop(const std::string& id) {
        return store_.with([&](Transaction& tx) -> std::optional<nlohmann::json> {
            auto job = tx.get(table, id);
            if (!job) return std::nullopt;
            const std::string state = payment_detail::string_at(*job, "state");
            if (state != "taking" && state != "paid") return job;
            (*job)["plan"] = nlohmann::json::array();
            if (decimal_of(*job, "inserted") > mw::Decimal()) {
                (*job)["state"] = "returning";
                (*job)["next_at"] = clock() + options_.return_time.count();
            } else {
                (*job)["state"] = "stopped";
            }
            save(tx, *job);
            return job;
        });
    }

    /// The job of payment `id`, if any.
    std::optional<nlohmann::json> job(const std::string& id) {
        return store_.with([&](Transaction& tx) { return tx.get(table, id); });
    }

    /// Stops the machine's thread in this process: no report is handed over after this
    /// returns (the other processes' machines go on).
    void shutdown() {
        {
            std::lock_guard<std::mutex> lock(shared_->mutex);
            shared_->stop = true;
        }
        shared_->wake.notify_all();
        if (thread_.joinable()) thread_.join();
        listener_.stop();
    }

    /// Milliseconds since the Unix epoch: job times are compared across processes.
    static std::int64_t clock() { return mplus::webhooks::state::unix_millis(); }

private:
    struct Shared {
        std::mutex mutex;
        std::condition_variable wake;
        bool woken = false;
        bool stop = false;
    };

    /// Stores `job` and its entry in the due index (in the caller's transaction), and wakes
    /// the machines.
    void save(Transaction& tx, const nlohmann::json& job) const {
        const std::string id = payment_detail::string_at(job, "id");
        tx.put(table, id, job);
        const std::optional<std::int64_t> at = due_at(job);
        if (at) {
            tx.put(due_table, id, nlohmann::json{{"at", *at}});
        } else {
            tx.erase(due_table, id);
        }
        tx.notify(topic);
    }

    /// When the machine must look at `job` next; nullopt when it is done.
    std::optional<std::int64_t> due_at(const nlohmann::json& job) const {
        // A report waits for its acknowledgement (then the job is saved again) or, when its
        // process died, for the end of its claim; the next step comes after it.
        if (const auto r = job.find("report"); r != job.end() && r->is_object()) {
            return number(*r, "claimed_at") + options_.report_lease.count();
        }
        const std::string state = payment_detail::string_at(job, "state");
        if (state == "taking" || state == "returning") return number(job, "next_at");
        return std::nullopt;
    }

    static std::int64_t number(const nlohmann::json& doc, const char* key) {
        const auto it = doc.find(key);
        return it != doc.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
    }

    std::string next_reference(Transaction& tx) const {
        std::int64_t n = 1;
        if (std::optional<nlohmann::json> seq = tx.get("cash_meta", "sequence")) {
            const auto it = seq->find("next");
            if (it != seq->end() && it->is_number_integer()) n = it->get<std::int64_t>();
        }
        tx.put("cash_meta", "sequence", nlohmann::json{{"next", n + 1}});
        char digits[24];
        std::snprintf(digits, sizeof digits, "%06lld", static_cast<long long>(n));
        return options_.reference_prefix + digits;
    }

    /// One look at job `id` at `now` (in its own transaction): makes the step that is due, or
    /// takes over a report whose claim ran out. Returns the job when this process must hand
    /// over its report.
    std::optional<nlohmann::json> advance(const std::string& id, std::int64_t now) {
        return store_.with([&](Transaction& tx) -> std::optional<nlohmann::json> {
            auto job = tx.get(table, id);
            if (!job) {
                tx.erase(due_table, id);
                return std::nullopt;
            }
            nlohmann::json& j = *job;
            if (const auto r = j.find("report"); r != j.end() && r->is_object()) {
                // A report not yet acknowledged comes before the next step (the POS hears
                // of the insertions in order).
                if (number(*r, "claimed_at") + options_.report_lease.count() > now) {
                    return std::nullopt;
                }
                (*r)["claimed_at"] = now;
                save(tx, j);
                return j;
            }
            const std::string state = payment_detail::string_at(j, "state");
            if ((state != "taking" && state != "returning") || number(j, "next_at") > now) {
                return std::nullopt;
            }
            const std::int64_t seq = number(j, "seq") + 1;
            j["seq"] = seq;
            if (state == "taking") {
                nlohmann::json& parts = j["plan"];
                mw::Decimal inserted = decimal_of(j, "inserted");
                if (parts.is_array() && !parts.empty()) {
                    inserted += mw::Decimal::parse(parts.front().get<std::string>())
                                    .value_or(mw::Decimal());
                    parts.erase(parts.begin());
                }
                j["inserted"] = decimal_text(inserted);
                if (!parts.is_array() || parts.empty()) {
                    j["state"] = "paid";
                    j["change"] = decimal_text(inserted - decimal_of(j, "amount"));
                    j["report"] = {{"kind", "paid"}, {"seq", seq}, {"claimed_at", now}};
                } else {
                    j["next_at"] = now + options_.step_interval.count();
                    j["report"] = {{"kind", "inserted"}, {"seq", seq}, {"claimed_at", now}};
                }
            } else {
                j["state"] = "returned";
                j["returned"] = j["inserted"];
                j["report"] = {{"kind", "returned"}, {"seq", seq}, {"claimed_at", now}};
            }
            save(tx, j);
            return j;
        });
    }

    /// Marks the report `seq` of job `id` as handed over.
    void acknowledge(const std::string& id, std::int64_t seq) {
        store_.with([&](Transaction& tx) {
            auto job = tx.get(table, id);
            if (!job) return;
            const auto r = job->find("report");
            if (r == job->end() || !r->is_object() || number(*r, "seq") != seq) return;
            job->erase("report");
            save(tx, *job);
        });
    }

    /// One pass over the due jobs; returns when the next one is due (Unix ms).
    std::int64_t pass() {
        const std::int64_t now = clock();
        const auto due = store_.with([](Transaction& tx) { return tx.list(due_table); });
        // Idle, the machine waits for a notification; it looks on its own only now and then,
        // for jobs of another process on a store that does not notify across processes.
        std::int64_t next = now + options_.recheck.count() * (due.empty() ? 10 : 1);
        for (const auto& [id, entry] : due) {
            const std::int64_t at = number(entry, "at");
            if (at > now) {
                next = std::min(next, at);
                continue;
            }
            if (std::optional<nlohmann::json> job = advance(id, now)) {
                report_(*job);
                acknowledge(id, number((*job)["report"], "seq"));
                next = now; // look again at once: the job's next step may be due
            } else {
                // Another process made the step first: its save moved the entry.
                next = std::min(next, now + 20);
            }
        }
        return next;
    }

    void run() {
        for (;;) {
            {
                std::lock_guard<std::mutex> lock(shared_->mutex);
                if (shared_->stop) return;
                shared_->woken = false;
            }
            std::int64_t next = clock() + options_.recheck.count();
            try {
                next = pass();
            } catch (...) { // a storage failure: look again at the next recheck
            }
            std::unique_lock<std::mutex> lock(shared_->mutex);
            const std::int64_t wait = next - clock();
            if (wait > 0) {
                shared_->wake.wait_for(lock, std::chrono::milliseconds(wait),
                                       [&] { return shared_->stop || shared_->woken; });
            }
        }
    }

    Store& store_;
    CashMachineOptions options_;
    ReportFn report_;
    std::shared_ptr<Shared> shared_;
    mplus::webhooks::state::Listener listener_;
    std::thread thread_;
};

/// The cash machine flow on the SDK's external-payment helper: the POS's four events go to
/// `state::ExternalPayments` (table `cash_payments`), which answers every request from the
/// store, holds polls without a thread of their own and settles the cancel/confirm race
/// once; the simulated machine (table `cash_machine`) reports cash in as progress, a full
/// amount as the confirmation (with the reference, the change and a receipt text), and
/// returns the cash of a payment cancelled first.
///
/// Every process on the store can answer any request of any payment, and every process runs
/// the machine: a poll or a re-send may land on another instance than the start, and a
/// payment goes on when the instance that started it dies (its held poll is lost with it; the
/// POS repeats the poll, and another instance answers).
///
/// - startExternalPayment starts the machine once per externalPaymentId; a repeat answers
///   where the payment stands.
/// - pollExternalPayment is answered at once with news or the outcome, else held until the
///   machine reports or `long_poll` ends.
/// - requestCancelExternalPayment cancels a payment not yet paid (the cash inserted goes
///   back); after the confirmation it answers "too late".
/// - cancelExternalPayment cancels an open payment (the cash goes back) or marks a paid one
///   `refund_due` (the POS never registered it).
///
/// Thread-safe; the reply to a held poll comes from the helper's hold thread. Destroy the flow
/// only after the server stops calling it: the polls it still holds are then answered with
/// where their payment stands.
class CashMachineFlow : public PaymentFlow {
public:
    /// The flow with its store in `env`; throws std::invalid_argument when an option is out
    /// of range (steps < 1, tender_unit <= 0, long_poll not within 0..55 s).
    explicit CashMachineFlow(const FlowEnv& env, CashMachineOptions options = {})
        : env_(env), options_(check(std::move(options))),
          payments_(env.store, payment_options(options_)),
          machine_(env.store, options_, [this](const nlohmann::json& job) { on_report(job); }) {}
    CashMachineFlow(const CashMachineFlow&) = delete;
    CashMachineFlow& operator=(const CashMachineFlow&) = delete;
    ~CashMachineFlow() override { machine_.shutdown(); }

    /// `CASH_MACHINE`.
    std::string_view method() const override { return "CASH_MACHINE"; }

    /// Handles one external-payment event; a held poll is answered later from another thread.
    void on_event(mw::EventKind event, const mw::ExternalPaymentRequest& request,
                  mw::Responder responder) override {
        switch (event) {
        case mw::EventKind::start_external_payment: return start(request, std::move(responder));
        case mw::EventKind::poll_external_payment: return poll(request, std::move(responder));
        case mw::EventKind::request_cancel_external_payment:
            return request_cancel(request, std::move(responder));
        case mw::EventKind::cancel_external_payment:
            return force_cancel(request, std::move(responder));
        default: responder.reply(mw::Reply{}); return;
        }
    }

    /// Cancels the payments that did not change for `hold_ttl` and returns their cash;
    /// returns how many.
    std::size_t expire() override {
        const std::vector<std::string> ids = payments_.expire();
        for (const auto& id : ids) machine_.stop(id);
        return ids.size();
    }

    /// The polls held now.
    std::size_t held_polls() const { return payments_.held_polls(); }

    /// The store table of the payments (ExternalPayments' documents).
    static constexpr std::string_view table = "cash_payments";

private:
    using Decimal = mw::Decimal;
    using json = nlohmann::json;

    static CashMachineOptions check(CashMachineOptions o) {
        if (o.steps < 1) throw std::invalid_argument("CashMachineOptions: steps must be >= 1");
        if (o.tender_unit <= Decimal()) {
            throw std::invalid_argument("CashMachineOptions: tender_unit must be positive");
        }
        if (o.long_poll.count() < 0 || o.long_poll > std::chrono::seconds(55)) {
            throw std::invalid_argument(
                "CashMachineOptions: long_poll must be within 0..55 s (the POS re-sends at 60 s)");
        }
        if (o.recheck.count() <= 0 || o.report_lease.count() <= 0 || o.hold_ttl.count() <= 0) {
            throw std::invalid_argument(
                "CashMachineOptions: recheck, report_lease and hold_ttl must be positive");
        }
        return o;
    }

    static mplus::webhooks::state::ExternalPaymentOptions
    payment_options(const CashMachineOptions& o) {
        mplus::webhooks::state::ExternalPaymentOptions p;
        p.table = std::string(table);
        p.poll_budget = o.long_poll;
        p.recheck = o.recheck;
        p.hold_ttl = o.hold_ttl;
        p.waiting_message = waiting;
        p.too_late_message = "Too late to cancel: the cash has been paid";
        p.cancelled_message = "Cash payment cancelled";
        p.unknown_message = "Unknown cash machine payment";
        p.expired_message = "Cash payment expired";
        return p;
    }

    /// The message of a poll answered before the first insertion; replaced by what to insert.
    static constexpr const char* waiting = "Waiting for the cash machine";

    // ---- the four events ------------------------------------------------------------------

    void start(const mw::ExternalPaymentRequest& request, mw::Responder responder) {
        const std::string& id = request.external_payment.external_payment_id;
        const Decimal amount = request.external_payment.amount;
        if (amount <= Decimal()) {
            responder.reply(payment_detail::cancelled_reply(
                id, request.event.polling(),
                "The cash machine only takes payments, not " + money_text(amount)));
            return;
        }
        mplus::webhooks::state::ExternalPayments::Started started = payments_.start(request);
        mw::Reply reply = std::move(started.reply);
        const mw::ExternalPaymentReply& ep = *reply.external_payment;
        if (!ep.confirmed.value_or(false) && !ep.cancelled.value_or(false)) {
            // Also on a repeated start: an instance that died between the payment and the
            // machine's job left no job, and this one starts it.
            machine_.take(id, amount);
        }
        responder.reply(dress(std::move(reply), amount));
    }

    void poll(const mw::ExternalPaymentRequest& request, mw::Responder responder) {
        const Decimal amount = request.external_payment.amount;
        payments_.poll_async(request, [this, amount, responder](mw::Reply r) mutable {
            responder.reply(dress(std::move(r), amount));
        });
    }

    void request_cancel(const mw::ExternalPaymentRequest& request, mw::Responder responder) {
        mw::Reply reply = payments_.request_cancel(request);
        if (reply.external_payment && reply.external_payment->cancelled.value_or(false)) {
            const auto job = machine_.stop(request.external_payment.external_payment_id);
            if (job && payment_detail::string_at(*job, "state") == "returning") {
                reply.external_payment->message = "Cash payment cancelled; returning " +
                                                  money_text(decimal_of(*job, "inserted")) +
                                                  " to the customer";
            }
        }
        responder.reply(dress(std::move(reply), request.external_payment.amount));
    }

    void force_cancel(const mw::ExternalPaymentRequest& request, mw::Responder responder) {
        mw::Reply reply = payments_.abandon(request);
        const std::string& id = request.external_payment.external_payment_id;
        const auto state = payments_.find(id);
        if (state && state->status == "cancelled") machine_.stop(id);
        responder.reply(std::move(reply));
    }

    // ---- the machine's reports ------------------------------------------------------------

    void on_report(const json& job) {
        const std::string id = payment_detail::string_at(job, "id");
        const std::string kind =
            payment_detail::string_at(job.value("report", json::object()), "kind");
        const Decimal amount = decimal_of(job, "amount");
        const Decimal inserted = decimal_of(job, "inserted");
        if (kind == "inserted") {
            // False: the payment was cancelled meanwhile; the cash goes back.
            if (!payments_.progress(id, "Inserted " + money_text(inserted) + " of " +
                                            money_text(amount))) {
                machine_.stop(id);
            }
        } else if (kind == "paid") {
            mplus::webhooks::state::Confirmation c;
            c.final_amount = amount;
            c.external_transaction_reference = payment_detail::string_at(job, "reference");
            mw::ReceiptText t;
            t.text = "Cash machine " + c.external_transaction_reference +
                     "\nAmount: " + money_text(amount) + "\nPaid: " + money_text(inserted) +
                     "\nChange: " + money_text(decimal_of(job, "change"));
            c.receipt_texts.push_back(std::move(t));
            // False: the cancel came first; the machine gives all of it back.
            if (!payments_.confirm(id, c)) machine_.stop(id);
        }
        // `returned`: the payment was cancelled before; the job records the cash given back.
    }

    /// The demo's texts on an answer of the helper: what to insert before the first cash, and
    /// the cash paid and the change with the confirmation. Never throws (it answers polls on
    /// the helper's thread).
    mw::Reply dress(mw::Reply r, Decimal amount) noexcept {
        if (!r.external_payment) return r;
        mw::ExternalPaymentReply& ep = *r.external_payment;
        try {
            if (ep.confirmed.value_or(false)) {
                // The store, not machine_: the helper answers its last polls after the machine
                // is gone.
                const auto job = env_.store.with([&](Transaction& tx) {
                    return tx.get(SimulatedCashMachine::table, ep.external_payment_id);
                });
                if (job) {
                    ep.message = "Paid " + money_text(decimal_of(*job, "inserted")) + ", change " +
                                 money_text(decimal_of(*job, "change"));
                }
            } else if (!ep.cancelled.value_or(false) && (!ep.message || *ep.message == waiting)) {
                ep.message = "Insert " + money_text(amount) + " into the cash machine";
            }
        } catch (...) { // the store failed: the answer goes without the text
        }
        return r;
    }

    FlowEnv env_;
    CashMachineOptions options_;
    mplus::webhooks::state::ExternalPayments payments_;
    SimulatedCashMachine machine_; // last: stopped first, its reports use the payments
};

} // namespace mplus_demo
