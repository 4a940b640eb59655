// Cash machine payment (method CASH_MACHINE): an external payment taken by a simulated machine.
// SPDX-License-Identifier: MIT
#pragma once

#include "flow.hpp"
#include "payment_support.hpp"
#include "store.hpp"

#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
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
    /// Until cash being returned (cancel after cash came in) is back with the customer.
    std::chrono::milliseconds return_time{1000};
    /// The customer pays in multiples of this (banknotes); the machine gives the change.
    /// 0.01 pays the exact amount.
    mw::Decimal tender_unit = 5;
    /// Longest a pollExternalPayment is held before it is answered with the status anyway.
    /// Must stay well below the POS's 60 s, after which it re-sends the poll.
    std::chrono::milliseconds long_poll{25000};
    /// Prefix of the externalTransactionReference, followed by a six-digit sequence number.
    std::string reference_prefix = "CASH-";
};

/// A cash machine, simulated: for each payment it waits `start_delay`, then takes the amount
/// in at most `steps` insertions `step_interval` apart, rounded up to `tender_unit` (the
/// change). It reports on its own thread; it can stop taking cash and return what it holds.
///
/// Payments are independent (one machine per till, one object for all of them). Callbacks run
/// on the machine's thread without any of its locks held; none runs after shutdown() returns.
class SimulatedCashMachine {
public:
    /// Cash came in: `inserted` is the payment's total so far.
    using InsertedFn = std::function<void(const std::string& payment_id, mw::Decimal inserted)>;
    /// Cash given back by give_back() is with the customer again.
    using ReturnedFn = std::function<void(const std::string& payment_id, mw::Decimal returned)>;

    /// What stop() found.
    struct Stopped {
        mw::Decimal inserted;  ///< cash the machine holds for the payment
        bool complete = false; ///< the amount was already taken in full: nothing was stopped
    };

    /// A machine with `options` that reports to `inserted` and `returned`.
    SimulatedCashMachine(CashMachineOptions options, InsertedFn inserted, ReturnedFn returned)
        : options_(std::move(options)), inserted_(std::move(inserted)),
          returned_(std::move(returned)) {}
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

    /// Starts taking cash for `payment_id` after `delay`: what is still due of `amount` when
    /// `inserted` is already in the machine (a resumed payment). Replaces a running job.
    void take(const std::string& payment_id, mw::Decimal amount, mw::Decimal inserted,
              std::chrono::milliseconds delay) {
        std::uint64_t generation = 0;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            Job& job = jobs_[payment_id];
            job.generation = ++generation_;
            job.inserted = inserted;
            const std::vector<mw::Decimal> parts = plan(amount - inserted, options_);
            job.plan.assign(parts.begin(), parts.end());
            job.complete = job.plan.empty();
            generation = job.generation;
            if (job.complete) return;
        }
        schedule_step(payment_id, generation, delay);
    }

    /// Stops taking cash for `payment_id`; nullopt when the machine knows no such payment.
    std::optional<Stopped> stop(const std::string& payment_id) {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto it = jobs_.find(payment_id);
        if (it == jobs_.end()) return std::nullopt;
        Stopped s{it->second.inserted, it->second.complete};
        if (!s.complete) jobs_.erase(it); // its scheduled step finds no job and does nothing
        return s;
    }

    /// Gives `cash` back to the customer; reports through ReturnedFn after `return_time`.
    void give_back(const std::string& payment_id, mw::Decimal cash) {
        scheduler_.after(options_.return_time,
                         [this, payment_id, cash] { returned_(payment_id, cash); });
    }

    /// Drops what the machine remembers of `payment_id` (its outcome is recorded elsewhere).
    void forget(const std::string& payment_id) {
        std::lock_guard<std::mutex> lock(mutex_);
        jobs_.erase(payment_id);
    }

    /// Stops the machine's thread: no callback runs after this returns.
    void shutdown() { scheduler_.stop(); }

private:
    struct Job {
        std::uint64_t generation = 0;
        mw::Decimal inserted;
        std::deque<mw::Decimal> plan;
        bool complete = false;
    };

    void schedule_step(const std::string& payment_id, std::uint64_t generation,
                       std::chrono::milliseconds delay) {
        scheduler_.after(delay, [this, payment_id, generation] { step(payment_id, generation); });
    }

    void step(const std::string& payment_id, std::uint64_t generation) {
        mw::Decimal total;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            const auto it = jobs_.find(payment_id);
            if (it == jobs_.end() || it->second.generation != generation) return;
            Job& job = it->second;
            if (job.plan.empty()) return;
            job.inserted += job.plan.front();
            job.plan.pop_front();
            job.complete = job.plan.empty();
            total = job.inserted;
            if (!job.complete) schedule_step(payment_id, generation, options_.step_interval);
        }
        inserted_(payment_id, total);
    }

    CashMachineOptions options_;
    InsertedFn inserted_;
    ReturnedFn returned_;
    std::mutex mutex_;
    std::map<std::string, Job, std::less<>> jobs_;
    std::uint64_t generation_ = 0;
    payment_detail::Scheduler scheduler_; // last: its thread stops before the rest is destroyed
};

/// The cash machine flow: startExternalPayment starts the machine, pollExternalPayment is a
/// long poll answered whenever cash comes in, requestCancel stops the machine and returns the
/// cash, cancelExternalPayment records the payment as abandoned.
///
/// Every payment lives in the store's table `cash_payments`, keyed by externalPaymentId:
/// `amount`, `inserted`, `status` (`started`, `returning`, `paid`, `cancelled`, `abandoned`),
/// `reference`, `change`, `returned`, timestamps. The machine writes each insertion there
/// before the POS hears of it, so what the POS was told is always in the store.
///
/// A forced cancel (cancelExternalPayment) stops the machine and records `abandoned` with
/// `abandoned_from` (the status it ended): cash of an unfinished payment goes back to the
/// customer (`returned`); a payment the machine had already completed, which the till never
/// registered, gets `refund_due` for the staff.
///
/// Restart: a new flow on the same store picks up every unfinished payment. A `started`
/// payment resumes: the cash recorded as inserted counts and the machine takes only the rest
/// (one `step_interval` after the restart); a `returning` payment gives its cash back again and
/// ends cancelled; an `abandoned` one whose cash was not yet returned returns it. The POS's
/// polls, which it repeats until it gets an answer, then see the same payment with the same
/// amounts: nothing is taken twice, nothing is forgotten. The first poll after a restart is
/// answered at once with the status (the POS may have missed the last one).
///
/// Thread-safe: on_event may be called from any number of dispatcher threads; it never blocks
/// for the long poll (the Responder is kept and answered from the machine's or the timer's
/// thread). Destroy the flow only after the server stops calling it; held polls are then
/// answered with the status so the POS asks again (the next middleware answers it).
class CashMachineFlow : public PaymentFlow {
public:
    /// The flow with its store and clock in `env`; throws std::invalid_argument when an option
    /// is out of range (steps < 1, tender_unit <= 0, long_poll not within 0..55 s).
    explicit CashMachineFlow(const FlowEnv& env, CashMachineOptions options = {})
        : env_(env), options_(check(std::move(options))),
          machine_(
              options_,
              [this](const std::string& id, mw::Decimal inserted) { on_inserted(id, inserted); },
              [this](const std::string& id, mw::Decimal returned) { on_returned(id, returned); }) {
        resume();
    }
    CashMachineFlow(const CashMachineFlow&) = delete;
    CashMachineFlow& operator=(const CashMachineFlow&) = delete;
    ~CashMachineFlow() override {
        machine_.shutdown();
        timer_.stop();
        std::map<std::string, Held> held;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            held.swap(held_);
        }
        for (auto& [id, h] : held) {
            std::optional<nlohmann::json> doc = load_or_null(id);
            mw::Reply r =
                doc ? status_reply(*doc, h.polling) : payment_detail::payment_reply(id, h.polling);
            h.responder.reply(std::move(r));
        }
    }

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

    /// The store table of the payments.
    static constexpr std::string_view table = "cash_payments";

private:
    using Decimal = mw::Decimal;
    using json = nlohmann::json;

    /// A poll held until cash comes in, the outcome is known, or the deadline.
    struct Held {
        mw::Responder responder;
        std::uint64_t token = 0;
        bool polling = false;
    };

    static CashMachineOptions check(CashMachineOptions o) {
        if (o.steps < 1) throw std::invalid_argument("CashMachineOptions: steps must be >= 1");
        if (o.tender_unit <= Decimal()) {
            throw std::invalid_argument("CashMachineOptions: tender_unit must be positive");
        }
        if (o.long_poll.count() < 0 || o.long_poll > std::chrono::seconds(55)) {
            throw std::invalid_argument(
                "CashMachineOptions: long_poll must be within 0..55 s (the POS re-sends at 60 s)");
        }
        return o;
    }

    // ---- the four events ------------------------------------------------------------------

    void start(const mw::ExternalPaymentRequest& request, mw::Responder responder) {
        const std::string& id = request.external_payment.external_payment_id;
        const bool polling = request.event.polling();
        const Decimal amount = request.external_payment.amount;
        if (amount <= Decimal()) {
            responder.reply(payment_detail::cancelled_reply(
                id, polling, "The cash machine only takes payments, not " + money_text(amount)));
            return;
        }
        mw::Reply reply;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            bool created = false;
            const json doc = env_.store.with([&](Transaction& tx) {
                if (std::optional<json> existing = tx.get(table, id)) return *existing;
                created = true;
                json d = {{"id", id},
                          {"method", request.external_payment.method},
                          {"amount", decimal_text(amount)},
                          {"inserted", "0"},
                          {"status", "started"},
                          {"reference", next_reference(tx)},
                          {"started_at", env_.now_millis()}};
                if (request.session) d["session_id"] = request.session->session_id;
                tx.put(table, id, d);
                return d;
            });
            if (created) {
                reported_[id] = Decimal();
                machine_.take(id, amount, Decimal(), options_.start_delay);
            }
            // A repeated start (the POS retried) answers with where the payment stands.
            const std::string status = payment_detail::string_at(doc, "status");
            if (status == "started" || status == "returning") {
                reply = payment_detail::payment_reply(id, polling);
                reply.external_payment->started = true;
                reply.external_payment->message = status_text(doc);
            } else {
                reply = outcome_reply(doc, polling);
            }
        }
        responder.reply(std::move(reply));
    }

    void poll(const mw::ExternalPaymentRequest& request, mw::Responder responder) {
        const std::string& id = request.external_payment.external_payment_id;
        const bool polling = request.event.polling();
        std::optional<mw::Reply> now;
        std::optional<Held> replaced;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            const std::optional<json> doc = load(id);
            if (!doc) {
                now = payment_detail::cancelled_reply(id, polling,
                                                      "Unknown cash machine payment " + id);
            } else if (is_final(*doc)) {
                now = outcome_reply(*doc, polling);
            } else {
                const Decimal inserted = decimal_of(*doc, "inserted");
                const auto seen = reported_.find(id);
                const bool news = payment_detail::string_at(*doc, "status") == "started" &&
                                  (seen == reported_.end() || seen->second != inserted);
                if (news) {
                    reported_[id] = inserted;
                    now = status_reply(*doc, polling);
                } else {
                    // Hold it. A second poll for the same payment (the POS gave up on the
                    // first connection) takes the place of the first.
                    const auto old = held_.find(id);
                    if (old != held_.end()) {
                        replaced = std::move(old->second);
                        held_.erase(old);
                    }
                    const std::uint64_t token = ++tokens_;
                    held_.emplace(id, Held{std::move(responder), token, polling});
                    timer_.after(options_.long_poll, [this, id, token] { on_deadline(id, token); });
                    if (replaced) now = status_reply(*doc, replaced->polling);
                }
            }
        }
        if (replaced) {
            replaced->responder.reply(std::move(*now));
        } else if (now) {
            responder.reply(std::move(*now));
        }
    }

    void request_cancel(const mw::ExternalPaymentRequest& request, mw::Responder responder) {
        const std::string& id = request.external_payment.external_payment_id;
        const bool polling = request.event.polling();
        mw::Reply reply;
        std::vector<std::pair<Held, mw::Reply>> answers;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            std::optional<json> doc = load(id);
            if (!doc) {
                reply = payment_detail::cancelled_reply(id, polling, "Cash payment cancelled");
            } else {
                const std::string status = payment_detail::string_at(*doc, "status");
                if (status == "started") {
                    doc = stop_machine(id, *doc, "returning", answers);
                }
                const std::string now_status = payment_detail::string_at(*doc, "status");
                if (now_status == "paid") {
                    reply = payment_detail::payment_reply(id, polling);
                    reply.external_payment->message =
                        "Too late to cancel: " + money_text(decimal_of(*doc, "amount")) +
                        " has been paid";
                } else if (now_status == "returning") {
                    reply = payment_detail::payment_reply(id, polling);
                    reply.external_payment->message = status_text(*doc);
                } else {
                    reply = outcome_reply(*doc, polling);
                }
            }
        }
        for (auto& [held, r] : answers) held.responder.reply(std::move(r));
        responder.reply(std::move(reply));
    }

    void force_cancel(const mw::ExternalPaymentRequest& request, mw::Responder responder) {
        const std::string& id = request.external_payment.external_payment_id;
        const bool polling = request.event.polling();
        std::vector<std::pair<Held, mw::Reply>> answers;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (std::optional<json> doc = load(id)) {
                if (payment_detail::string_at(*doc, "status") == "started") {
                    doc = stop_machine(id, *doc, "abandoned", answers);
                }
                const std::string status = payment_detail::string_at(*doc, "status");
                if (status == "returning" || status == "paid") {
                    // The POS has forgotten the payment: a return goes on; a paid payment
                    // was never registered at the till and must be refunded by hand.
                    json d = *doc;
                    d["status"] = "abandoned";
                    d["abandoned_from"] = status;
                    if (status == "paid") d["refund_due"] = d["amount"];
                    d["updated_at"] = env_.now_millis();
                    save(id, d);
                    machine_.forget(id);
                }
                drop_held(id, answers);
            }
            reported_.erase(id);
        }
        for (auto& [held, r] : answers) held.responder.reply(std::move(r));
        // A courtesy call: the POS has moved on whatever we answer.
        responder.reply(payment_detail::cancelled_reply(id, polling, "Cash payment abandoned"));
    }

    // ---- the machine's and the timer's reports --------------------------------------------

    void on_inserted(const std::string& id, Decimal inserted) {
        std::optional<std::pair<Held, mw::Reply>> answer;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            std::optional<json> doc = load(id);
            // A report that arrives after a cancel is already counted in what stop() found.
            if (!doc || payment_detail::string_at(*doc, "status") != "started") return;
            if (inserted <= decimal_of(*doc, "inserted")) return;
            json d = record_inserted(id, *doc, inserted);
            const auto h = held_.find(id);
            if (h != held_.end()) {
                if (is_final(d)) {
                    answer.emplace(std::move(h->second), outcome_reply(d, h->second.polling));
                } else {
                    reported_[id] = inserted;
                    answer.emplace(std::move(h->second), status_reply(d, h->second.polling));
                }
                held_.erase(h);
            }
        }
        if (answer) answer->first.responder.reply(std::move(answer->second));
    }

    void on_returned(const std::string& id, Decimal returned) {
        std::optional<std::pair<Held, mw::Reply>> answer;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            std::optional<json> doc = load(id);
            if (!doc) return;
            json d = *doc;
            const std::string status = payment_detail::string_at(d, "status");
            if (status == "returning") d["status"] = "cancelled";
            if (status != "returning" && status != "abandoned") return;
            d["returned"] = decimal_text(returned);
            d["updated_at"] = env_.now_millis();
            save(id, d);
            machine_.forget(id);
            const auto h = held_.find(id);
            if (h != held_.end()) {
                answer.emplace(std::move(h->second), outcome_reply(d, h->second.polling));
                held_.erase(h);
            }
            if (is_final(d)) reported_.erase(id);
        }
        if (answer) answer->first.responder.reply(std::move(answer->second));
    }

    void on_deadline(const std::string& id, std::uint64_t token) {
        std::optional<std::pair<Held, mw::Reply>> answer;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            const auto h = held_.find(id);
            if (h == held_.end() || h->second.token != token) return; // answered already
            const std::optional<json> doc = load(id);
            mw::Reply r = doc ? status_reply(*doc, h->second.polling)
                              : payment_detail::payment_reply(id, h->second.polling);
            answer.emplace(std::move(h->second), std::move(r));
            held_.erase(h);
        }
        answer->first.responder.reply(std::move(answer->second));
    }

    // ---- state ----------------------------------------------------------------------------

    /// Stops the machine for a `started` payment (mutex_ held) and records what follows: paid
    /// when it had already taken everything, cancelled when it held no cash, else `then` with
    /// the cash going back to the customer. Held polls to answer go to `answers`.
    json stop_machine(const std::string& id, const json& doc, const char* then,
                      std::vector<std::pair<Held, mw::Reply>>& answers) {
        const std::optional<SimulatedCashMachine::Stopped> s = machine_.stop(id);
        Decimal inserted = decimal_of(doc, "inserted");
        if (s && s->inserted > inserted) inserted = s->inserted;
        json d = doc;
        if (s && s->complete) {
            d = record_inserted(id, doc, inserted); // the insertion report is still on its way
        } else {
            const bool abandoning = std::string_view(then) == "abandoned";
            d["inserted"] = decimal_text(inserted);
            if (abandoning) d["abandoned_from"] = "started";
            if (inserted > Decimal()) {
                d["status"] = then;
                machine_.give_back(id, inserted);
            } else {
                d["status"] = abandoning ? "abandoned" : "cancelled";
                machine_.forget(id);
            }
            d["updated_at"] = env_.now_millis();
            save(id, d);
        }
        const auto h = held_.find(id);
        if (h != held_.end()) {
            mw::Reply r = is_final(d) ? outcome_reply(d, h->second.polling)
                                      : status_reply(d, h->second.polling);
            answers.emplace_back(std::move(h->second), std::move(r));
            held_.erase(h);
        }
        return d;
    }

    /// Records `inserted` for a started payment; paid (with the change) once it covers the
    /// amount. Returns the new document.
    json record_inserted(const std::string& id, const json& doc, Decimal inserted) {
        json d = doc;
        d["inserted"] = decimal_text(inserted);
        const Decimal amount = decimal_of(d, "amount");
        if (inserted >= amount) {
            d["status"] = "paid";
            d["change"] = decimal_text(inserted - amount);
            machine_.forget(id);
            reported_.erase(id);
        }
        d["updated_at"] = env_.now_millis();
        save(id, d);
        return d;
    }

    /// Answers a poll still held for `id` (mutex_ held): the payment was abandoned.
    void drop_held(const std::string& id, std::vector<std::pair<Held, mw::Reply>>& answers) {
        const auto h = held_.find(id);
        if (h == held_.end()) return;
        answers.emplace_back(
            std::move(h->second),
            payment_detail::cancelled_reply(id, h->second.polling, "Cash payment abandoned"));
        held_.erase(h);
    }

    /// Picks up the unfinished payments of an earlier run (see the class comment).
    void resume() {
        const auto docs = env_.store.with([](Transaction& tx) { return tx.list(table); });
        std::lock_guard<std::mutex> lock(mutex_);
        for (const auto& [id, doc] : docs) {
            const std::string status = payment_detail::string_at(doc, "status");
            const Decimal inserted = decimal_of(doc, "inserted");
            if (status == "started") {
                machine_.take(id, decimal_of(doc, "amount"), inserted, options_.step_interval);
            } else if ((status == "returning" || status == "abandoned") && inserted > Decimal() &&
                       doc.find("returned") == doc.end() &&
                       payment_detail::string_at(doc, "abandoned_from") != "paid") {
                machine_.give_back(id, inserted);
            }
        }
    }

    std::optional<json> load(const std::string& id) {
        return env_.store.with([&](Transaction& tx) { return tx.get(table, id); });
    }
    std::optional<json> load_or_null(const std::string& id) {
        try {
            return load(id);
        } catch (const StoreError&) {
            return std::nullopt;
        }
    }
    void save(const std::string& id, const json& doc) {
        env_.store.with([&](Transaction& tx) { tx.put(table, id, doc); });
    }

    std::string next_reference(Transaction& tx) const {
        std::int64_t n = 1;
        if (std::optional<json> seq = tx.get("cash_meta", "sequence")) {
            const auto it = seq->find("next");
            if (it != seq->end() && it->is_number_integer()) n = it->get<std::int64_t>();
        }
        tx.put("cash_meta", "sequence", json{{"next", n + 1}});
        char digits[24];
        std::snprintf(digits, sizeof digits, "%06lld", static_cast<long long>(n));
        return options_.reference_prefix + digits;
    }

    static bool is_final(const json& doc) {
        const std::string s = payment_detail::string_at(doc, "status");
        return s == "paid" || s == "cancelled" || s == "abandoned";
    }

    /// The status line the cashier sees while the payment runs.
    static std::string status_text(const json& doc) {
        const Decimal amount = decimal_of(doc, "amount");
        const Decimal inserted = decimal_of(doc, "inserted");
        if (payment_detail::string_at(doc, "status") == "returning") {
            return "Returning " + money_text(inserted) + " to the customer";
        }
        if (inserted <= Decimal()) {
            return "Insert " + money_text(amount) + " into the cash machine";
        }
        return "Inserted " + money_text(inserted) + " of " + money_text(amount);
    }

    /// A not-final answer: the status, and the POS polls again.
    static mw::Reply status_reply(const json& doc, bool polling) {
        if (is_final(doc)) return outcome_reply(doc, polling);
        mw::Reply r = payment_detail::payment_reply(payment_detail::string_at(doc, "id"), polling);
        r.external_payment->message = status_text(doc);
        return r;
    }

    /// The final answer of a paid, cancelled or abandoned payment.
    static mw::Reply outcome_reply(const json& doc, bool polling) {
        const std::string id = payment_detail::string_at(doc, "id");
        const std::string status = payment_detail::string_at(doc, "status");
        if (status != "paid") {
            const Decimal returned = decimal_of(doc, "returned");
            std::string text =
                status == "abandoned" ? "Cash payment abandoned" : "Cash payment cancelled";
            if (returned > Decimal()) text += "; " + money_text(returned) + " returned";
            return payment_detail::cancelled_reply(id, polling, std::move(text));
        }
        const Decimal amount = decimal_of(doc, "amount");
        const Decimal inserted = decimal_of(doc, "inserted");
        const Decimal change = decimal_of(doc, "change");
        mw::Reply r = payment_detail::payment_reply(id, polling);
        mw::ExternalPaymentReply& e = *r.external_payment;
        e.confirmed = true;
        e.final_amount = amount;
        e.external_transaction_reference = payment_detail::string_at(doc, "reference");
        e.message = "Paid " + money_text(inserted) + ", change " + money_text(change);
        mw::ReceiptText t;
        t.text = "Cash machine " + payment_detail::string_at(doc, "reference") +
                 "\nAmount: " + money_text(amount) + "\nPaid: " + money_text(inserted) +
                 "\nChange: " + money_text(change);
        e.receipt_texts.push_back(std::move(t));
        return r;
    }

    FlowEnv env_;
    CashMachineOptions options_;
    std::mutex mutex_; // one payment step at a time: store, machine and held polls agree
    std::map<std::string, Held> held_;
    std::map<std::string, Decimal> reported_; // the inserted amount each POS was last told
    std::uint64_t tokens_ = 0;
    payment_detail::Scheduler timer_; // poll deadlines
    SimulatedCashMachine machine_;    // last: stopped first, its reports use everything above
};

} // namespace mplus_demo
