// Recipe: an external payment with the state helper. startExternalPayment starts a (simulated)
// card terminal; pollExternalPayment answers from the stored state and is held until the
// terminal reports; requestCancelExternalPayment and cancelExternalPayment cancel it. The
// helper settles the race between a cancel and the terminal's confirmation.
// SPDX-License-Identifier: MIT
#include "../recipe_server.hpp"

#include <mplus/webhooks.hpp>
#include <mplus/webhooks/state/external_payment.hpp>
#include <mplus/webhooks/state/store.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mw = mplus::webhooks;
namespace state = mplus::webhooks::state;
using namespace std::chrono_literals;

/// A stand-in for a card terminal: after 100 ms it asks for the card; after 300 ms (5 s for
/// method CARD_SLOW, time enough to cancel) the customer has paid.
class Terminal {
public:
    explicit Terminal(state::ExternalPayments& payments) : payments_(payments) {}
    ~Terminal() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        for (std::thread& t : threads_) t.join();
    }

    void begin(const std::string& id, const std::string& method) {
        std::lock_guard<std::mutex> lock(mutex_);
        threads_.emplace_back([this, id, method] {
            if (!sleep(100ms)) return;
            payments_.progress(id, "Present the card");
            if (!sleep(method == "CARD_SLOW" ? 5000ms : 300ms)) return;
            state::Confirmation paid;
            paid.external_transaction_reference = "TX-" + id;
            paid.card_type = "Maestro";
            if (!payments_.confirm(id, paid)) {
                // Cancelled first: the helper's answer is final, the money goes back.
                std::fprintf(stderr, "terminal: payment %s cancelled, reversing\n", id.c_str());
            }
        });
    }

private:
    /// Sleeps for `d`; false when the terminal is shutting down.
    bool sleep(std::chrono::milliseconds d) {
        std::unique_lock<std::mutex> lock(mutex_);
        return !wake_.wait_for(lock, d, [this] { return stopping_; });
    }

    state::ExternalPayments& payments_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

int main(int argc, char** argv) {
    const recipe::Options options = recipe::parse(argc, argv);
    state::MemoryStore store; // SqliteStore or PostgresqlStore to survive restarts
    state::ExternalPaymentOptions settings;
    settings.poll_budget = 2s; // answer a held poll "still pending" after 2 s
    state::ExternalPayments payments(store, settings);
    Terminal terminal(payments);

    mw::Dispatcher dispatcher(recipe::config(options, argv[0]));
    dispatcher.on<mw::events::StartExternalPayment>([&](const mw::ExternalPaymentRequest& r) {
        state::ExternalPayments::Started started = payments.start(r);
        if (started.created)
            terminal.begin(r.external_payment.external_payment_id, r.external_payment.method);
        return started.reply;
    });
    dispatcher.on<mw::events::PollExternalPayment>(
        [&](const mw::ExternalPaymentRequest& r) { return payments.poll(r); });
    dispatcher.on<mw::events::RequestCancelExternalPayment>(
        [&](const mw::ExternalPaymentRequest& r) { return payments.request_cancel(r); });
    dispatcher.on<mw::events::CancelExternalPayment>(
        [&](const mw::ExternalPaymentRequest& r) { return payments.abandon(r); });
    return recipe::serve(dispatcher, options, argv[0]);
}
