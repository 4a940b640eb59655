// The demo middleware: the four seed flows composed onto one dispatcher, as one real
// integration would run them side by side.
// SPDX-License-Identifier: MIT
#pragma once

#include "flow.hpp"
#include "loyalty.hpp"
#include "store.hpp"
#include "ticketing.hpp"

// The payment flows are built separately; each is composed in when its header is there.
#if !defined(MPLUS_DEMO_NO_PAYMENT_FLOWS) && __has_include("cash_machine.hpp")
#include "cash_machine.hpp"
#define MPLUS_DEMO_HAS_CASH_MACHINE 1
#endif
#if !defined(MPLUS_DEMO_NO_PAYMENT_FLOWS) && __has_include("reservation.hpp")
#include "reservation.hpp"
#define MPLUS_DEMO_HAS_RESERVATION 1
#endif

#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace mplus_demo {

/// Everything the demo middleware can be configured with.
struct DemoConfig {
    TicketingConfig ticketing;
    LoyaltyConfig loyalty;
#ifdef MPLUS_DEMO_HAS_CASH_MACHINE
    CashMachineOptions cash_machine;
#endif
#ifdef MPLUS_DEMO_HAS_RESERVATION
    std::vector<SeedReservation> reservations = default_reservations();
#endif
    /// When set, how long seats, vouchers and cash payments of a sale that never ends (a till
    /// that crashed) stay held, for every flow (else each flow's own setting).
    std::optional<std::chrono::milliseconds> hold_ttl;
    /// How often what is held past its time is released (0: never, e.g. tests that call the
    /// flows' expire() themselves). Expired holds count as free at once anyway.
    std::chrono::milliseconds expire_every{std::chrono::seconds(30)};
};

/// The four flows on one dispatcher. Session events go to every session flow in turn, each
/// adding to one reply (so a receipt gets the tickets and the loyalty voucher); an event a flow
/// claims (its ticket article, its scanned code) goes to that flow only. External payments go
/// to the payment flow of the payment's `method`.
///
/// The middleware must outlive every dispatcher it is attached to (the handlers refer to it).
class DemoMiddleware {
public:
    /// The demo's flows over `env` (store, clock), each seeding the store on first start.
    explicit DemoMiddleware(FlowEnv env, DemoConfig config = {}) : env_(std::move(env)) {
        if (config.hold_ttl) {
            config.ticketing.hold_ttl = *config.hold_ttl;
            config.loyalty.hold_ttl = *config.hold_ttl;
#ifdef MPLUS_DEMO_HAS_CASH_MACHINE
            config.cash_machine.hold_ttl = *config.hold_ttl;
#endif
        }
        session_flows_.push_back(std::make_unique<TicketingFlow>(env_, config.ticketing));
        session_flows_.push_back(std::make_unique<LoyaltyFlow>(env_, config.loyalty));
#ifdef MPLUS_DEMO_HAS_CASH_MACHINE
        payment_flows_.push_back(std::make_unique<CashMachineFlow>(env_, config.cash_machine));
#endif
#ifdef MPLUS_DEMO_HAS_RESERVATION
        payment_flows_.push_back(std::make_unique<ReservationFlow>(env_, config.reservations));
#endif
        if (config.expire_every.count() > 0) {
            const std::chrono::milliseconds every = config.expire_every;
            expirer_ = std::thread([this, every] { expire_loop(every); });
        }
    }
    DemoMiddleware(const DemoMiddleware&) = delete;
    DemoMiddleware& operator=(const DemoMiddleware&) = delete;
    ~DemoMiddleware() {
        {
            std::lock_guard<std::mutex> lock(expire_mutex_);
            stopping_ = true;
        }
        expire_wake_.notify_all();
        if (expirer_.joinable()) expirer_.join();
    }

    /// Releases, in every flow, what sales that never ended hold past their time (seats,
    /// vouchers, cash payments); returns how many. Runs every `expire_every` on its own.
    std::size_t expire() {
        std::lock_guard<std::mutex> lock(flows_mutex_);
        std::size_t n = 0;
        for (const auto& f : session_flows_) n += f->expire();
        for (const auto& f : payment_flows_) n += f->expire();
        return n;
    }

    /// Adds a session flow after the built-in ones.
    void add(std::unique_ptr<SessionFlow> flow) {
        std::lock_guard<std::mutex> lock(flows_mutex_);
        session_flows_.push_back(std::move(flow));
    }
    /// Adds (or, for a method already served, puts first) a payment flow.
    void add(std::unique_ptr<PaymentFlow> flow) {
        std::lock_guard<std::mutex> lock(flows_mutex_);
        payment_flows_.insert(payment_flows_.begin(), std::move(flow));
    }

    /// The payment methods served (`CASH_MACHINE`, `RESERVATION`).
    std::vector<std::string> payment_methods() const {
        std::vector<std::string> out;
        for (const auto& f : payment_flows_) out.emplace_back(f->method());
        return out;
    }

    /// Registers the handlers of every flow on `dispatcher`.
    void attach(mw::Dispatcher& dispatcher) {
        namespace ev = mw::events;
        dispatcher.on<ev::AddSessionLine>([this](const mw::AddSessionLineRequest& r) {
            return first_claim(
                [&](SessionFlow& f, mw::Reply& reply) { return f.on_add_session_line(r, reply); });
        });
        dispatcher.on<ev::ScanCode>([this](const mw::ScanCodeRequest& r) {
            return first_claim(
                [&](SessionFlow& f, mw::Reply& reply) { return f.on_scan_code(r, reply); });
        });
        dispatcher.on<ev::RemoveSessionLine>([this](const mw::RemoveSessionLineRequest& r) {
            return every(
                [&](SessionFlow& f, mw::Reply& reply) { f.on_remove_session_line(r, reply); });
        });
        dispatcher.on<ev::SelectRelation>([this](const mw::SelectRelationRequest& r) {
            return every([&](SessionFlow& f, mw::Reply& reply) { f.on_select_relation(r, reply); });
        });
        dispatcher.on<ev::CompleteSession>([this](const mw::CompleteSessionRequest& r) {
            return every(
                [&](SessionFlow& f, mw::Reply& reply) { f.on_complete_session(r, reply); });
        });
        dispatcher.on<ev::CancelSession>([this](const mw::SessionRequest& r) {
            return every([&](SessionFlow& f, mw::Reply& reply) { f.on_cancel_session(r, reply); });
        });
        attach_payment<ev::StartExternalPayment>(dispatcher);
        attach_payment<ev::PollExternalPayment>(dispatcher);
        attach_payment<ev::RequestCancelExternalPayment>(dispatcher);
        attach_payment<ev::CancelExternalPayment>(dispatcher);
    }

private:
    /// Offers the event to each flow until one claims it; its additions are the reply.
    template <class F>
    mw::Reply first_claim(F&& offer) {
        mw::Reply reply;
        for (const auto& f : session_flows_) {
            if (offer(*f, reply)) break;
        }
        return reply;
    }
    /// Gives the event to every flow; the reply holds what each added (messages and footer
    /// entries are lists, so nothing one flow adds overwrites another's).
    template <class F>
    mw::Reply every(F&& give) {
        mw::Reply reply;
        for (const auto& f : session_flows_) give(*f, reply);
        return reply;
    }

    template <class Event>
    void attach_payment(mw::Dispatcher& dispatcher) {
        dispatcher.on_async<Event>([this](const mw::ExternalPaymentRequest& r,
                                          mw::RequestContext& ctx, mw::Responder responder) {
            const std::string& method = r.external_payment.method;
            for (const auto& f : payment_flows_) {
                if (f->method() == method) {
                    f->on_event(Event::kind, r, std::move(responder));
                    return;
                }
            }
            mw::Reply reply;
            if (Event::kind != mw::EventKind::cancel_external_payment) {
                reply.external_payment.emplace();
                reply.external_payment->external_payment_id =
                    r.external_payment.external_payment_id;
                reply.external_payment->cancelled = true;
                reply.add_message("Payment method \"" + method +
                                  "\" is not handled by this middleware.");
            }
            if (ctx.polling) reply.polling.emplace(); // finished: stop asking
            responder.reply(std::move(reply));
        });
    }

    void expire_loop(std::chrono::milliseconds every) {
        std::unique_lock<std::mutex> lock(expire_mutex_);
        while (!expire_wake_.wait_for(lock, every, [this] { return stopping_; })) {
            lock.unlock();
            try {
                expire();
            } catch (...) { // a storage failure: the next round tries again
            }
            lock.lock();
        }
    }

    FlowEnv env_;
    std::vector<std::unique_ptr<SessionFlow>> session_flows_;
    std::vector<std::unique_ptr<PaymentFlow>> payment_flows_;
    std::mutex flows_mutex_; // add() against the expiring thread
    std::mutex expire_mutex_;
    std::condition_variable expire_wake_;
    bool stopping_ = false;
    std::thread expirer_; // last: joined in the destructor before the flows go
};

} // namespace mplus_demo
