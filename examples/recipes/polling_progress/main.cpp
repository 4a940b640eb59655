// Recipe: a polling event with progress messages. backgroundPoll is a polling event: while a
// reply says `polling.finished: false` the POS sends it again at once, so a long job reports
// its progress one step per reply and ends the loop when it is done.
// SPDX-License-Identifier: MIT
#include "../recipe_server.hpp"

#include <mplus/webhooks.hpp>

#include <map>
#include <mutex>
#include <string>

namespace mw = mplus::webhooks;

/// A price update per till (by sender.instanceId), three steps long.
class PriceSync {
public:
    mw::Reply on_poll(const mw::BackgroundPollRequest& request) {
        const std::string till = request.sender.instance_id.value_or("");
        int step = 0;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            step = ++steps_[till];
            if (step == total) steps_.erase(till); // done: the next poll starts over
        }
        mw::Reply reply;
        mw::Polling& polling = reply.polling.emplace();
        polling.finished = step == total;
        polling.message = polling.finished ? "Prices up to date"
                                           : "Updating prices " + std::to_string(step) + "/" +
                                                 std::to_string(total - 1);
        return reply;
    }

private:
    static constexpr int total = 3; // two progress replies, then the final one
    std::mutex mutex_;              // handlers run on several threads at once
    std::map<std::string, int> steps_;
};

int main(int argc, char** argv) {
    const recipe::Options options = recipe::parse(argc, argv);
    mw::Dispatcher dispatcher(recipe::config(options, argv[0]));
    PriceSync sync;
    dispatcher.on<mw::events::BackgroundPoll>(
        [&sync](const mw::BackgroundPollRequest& request) { return sync.on_poll(request); });
    return recipe::serve(dispatcher, options, argv[0]);
}
