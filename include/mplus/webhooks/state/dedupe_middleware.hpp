// The dedupe guard as dispatcher middleware: repeats are answered without running the handler.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/dispatcher.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/state/dedupe.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <utility>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE
namespace state {

/// The dispatcher middleware of `guard`: `dispatcher.use(dedupe_middleware(guard))`.
///
/// A repeated event is answered with the body of its first reply, signed again, and the rest
/// of the chain (later middleware, the handlers) does not run. A new event runs the chain; its
/// reply is recorded when it is a 200, otherwise forgotten (a repeat then runs again). Dialog
/// and form re-sends, polling requests and the POS's error requests go straight on, and so does
/// every request when the store fails (deduplication is then skipped, never the request).
/// `guard` must outlive the dispatcher: an asynchronous handler's reply is recorded later.
inline std::function<void(RequestContext&, Next&)> dedupe_middleware(DedupeGuard& guard) {
    return [&guard](RequestContext& ctx, Next& next) {
        if (ctx.http == nullptr || ctx.resend || ctx.error_request || ctx.polling) return next();
        Admission admission;
        try {
            admission = guard.admit(ctx.event_name, ctx.http->body);
        } catch (const std::exception&) {
            return next(); // a storage failure: handle the request without the guard
        }
        if (admission.kind == Admission::Kind::repeat && admission.reply) {
            return next.reply_body(std::move(admission.reply->body));
        }
        if (admission.kind != Admission::Kind::fresh) return next();
        auto fresh = std::make_shared<Admission>(std::move(admission));
        next([&guard, fresh](const HttpResponse& response) {
            try {
                if (response.status == 200) {
                    guard.record(*fresh, response);
                } else {
                    guard.abandon(*fresh);
                }
            } catch (const std::exception&) {
                // Not recorded: a repeat after its running_lease is handled as new.
            }
        });
    };
}

} // namespace state
MPLUS_WEBHOOKS_END_NAMESPACE
