// The conversation between the simulated till and a middleware: each cashier action is a step
// (PosStep) of requests and replies (PosExchange), and a Conversation conducts it: it signs
// and delivers each request, verifies the reply, has the till check and apply it, answers
// dialogs and forms, repeats polling and sends the POS's error requests.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/codec.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/error.hpp>
#include <mplus/webhooks/events.hpp>
#include <mplus/webhooks/http.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>
#include <mplus/webhooks/session_rules.hpp>
#include <mplus/webhooks/signature.hpp>
#include <mplus/webhooks/testing/answers.hpp>
#include <mplus/webhooks/testing/till_state.hpp>
#include <mplus/webhooks/testing/transport.hpp>

#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// One request the POS sent and what came back.
struct PosExchange {
    /// Why the request was sent.
    enum class Kind {
        event,         ///< the event itself
        dialog_answer, ///< the event re-sent with the dialog selection
        form_answer,   ///< the event re-sent with the form values
        poll_repeat,   ///< the event re-sent because polling was not finished
        error_request, ///< the POS's error request about the previous reply
    };
    Kind kind = Kind::event;              ///< what this exchange was
    std::string event;                    ///< the event name (last URL segment)
    HttpRequest request;                  ///< exactly what was sent
    std::optional<HttpResponse> response; ///< empty when the transport threw
    std::string transport_error;          ///< what the transport threw
    std::optional<Reply> reply;           ///< the reply as read; empty when unreadable
    bool applied = false;                 ///< the POS acted on the reply
    std::vector<std::string> pos_shows;   ///< what the POS showed, printed or did because of it
};

/// How a step ended.
enum class PosStepStatus {
    ok,                ///< the middleware answered and the POS applied every reply
    dialog_open,       ///< a dialog waits for the cashier (PosSimulator::choose)
    form_open,         ///< a form waits for the cashier (PosSimulator::fill_form)
    not_subscribed,    ///< the event is not subscribed: the POS acted without calling
    refused,           ///< the POS did not allow the action (lock, open dialog, 30 s rule...)
    rejected,          ///< the middleware answered with an error
    reply_error,       ///< a reply broke a rule; the POS sent its error request
    signature_failure, ///< a reply's signature was missing or wrong; error request sent
    transport_failure, ///< no reply: the transport threw or the HTTP status was unexpected
    poll_limit,        ///< polling did not finish within SimulatorOptions::max_polls
};

/// A readable name of a PosStepStatus value, for messages and transcripts.
constexpr std::string_view to_string(PosStepStatus s) noexcept {
    switch (s) {
    case PosStepStatus::ok: return "ok";
    case PosStepStatus::dialog_open: return "dialog open";
    case PosStepStatus::form_open: return "form open";
    case PosStepStatus::not_subscribed: return "not subscribed";
    case PosStepStatus::refused: return "refused by the POS";
    case PosStepStatus::rejected: return "rejected by the middleware";
    case PosStepStatus::reply_error: return "reply broke a rule";
    case PosStepStatus::signature_failure: return "reply signature failed";
    case PosStepStatus::transport_failure: return "transport failure";
    case PosStepStatus::poll_limit: return "polling limit reached";
    }
    return "?";
}

/// One action at the till and everything it caused: the requests sent (re-sends, polling
/// repeats and error requests included), the replies, and what the POS showed.
struct PosStep {
    std::string event;                                    ///< the event name
    EventKind kind = EventKind::unknown;                  ///< the event of the step
    PosStepStatus status = PosStepStatus::ok;             ///< how the step ended
    std::string line_id;                                  ///< line events: the line concerned
    std::vector<PosExchange> exchanges;                   ///< in order
    std::vector<Dialog> dialogs;                          ///< every dialog shown, in order
    std::vector<Form> forms;                              ///< every form shown, in order
    std::vector<Message> messages;                        ///< messages shown (every source)
    std::vector<FooterEntry> receipt_footers;             ///< printed on the receipt
    std::vector<FooterEntry> bill_footers;                ///< printed on the bill
    std::optional<ScanCodeReply> scan;                    ///< the scanCode reply
    std::optional<ExternalPaymentReply> external_payment; ///< the last externalPayment reply
    std::vector<Error> reply_errors;           ///< rules replies broke (first of each was sent)
    std::optional<ErrorInfo> middleware_error; ///< the middleware's error answer
    std::vector<std::string> failures;         ///< what did not go as the POS expects
    std::vector<std::string> version_notes;    ///< reply features newer than the POS version

    /// True when nothing went wrong (an open dialog or form is not wrong).
    bool ok() const noexcept { return failures.empty(); }
    /// The dialog waiting for the cashier, or nullptr.
    const Dialog* dialog() const noexcept {
        return status == PosStepStatus::dialog_open && !dialogs.empty() ? &dialogs.back() : nullptr;
    }
    /// The form waiting for the cashier, or nullptr.
    const Form* form() const noexcept {
        return status == PosStepStatus::form_open && !forms.empty() ? &forms.back() : nullptr;
    }
    /// The last reply the POS applied, or nullptr.
    const Reply* reply() const noexcept {
        for (auto it = exchanges.rbegin(); it != exchanges.rend(); ++it) {
            if (it->applied && it->reply) return &*it->reply;
        }
        return nullptr;
    }
    /// The number of requests sent in this step.
    std::size_t requests() const noexcept { return exchanges.size(); }
};

/// What the conversation asks of the till it speaks for: the till's rules for a reply, and the
/// till acting on a reply it accepted. The conversation keeps the records; the till its state.
class TillSide {
public:
    /// Every way `reply` breaks the till's rules, for the request `request_body` of `step`
    /// sent as `mode` says.
    virtual ReplyCheck check(const PosStep& step, const Reply& reply, std::string_view request_body,
                             const EventMode& mode) = 0;
    /// The till acts on `reply`, which it accepted; returns what it showed, printed and said.
    virtual TillEffects apply(const PosStep& step, const Reply& reply) = 0;
    /// The till sent an error request about a reply of `step`.
    virtual void error_request_sent(const PosStep& step, const ErrorInfo& error) = 0;

protected:
    /// Only derived classes make one.
    TillSide() = default;
    /// Copied as part of a derived class.
    TillSide(const TillSide&) = default;
    /// Assigned as part of a derived class.
    TillSide& operator=(const TillSide&) = default;
    /// Not deleted through this interface, so not virtual.
    ~TillSide() = default;
};

/// One request of a step, as the conversation sends, re-sends and repeats it.
struct PosRequest {
    /// The request body, with the cashier's dialog selection or form values when there are.
    std::function<std::string(const std::optional<DialogSelection>&,
                              const std::optional<FormSubmission>&)>
        body;
    EventMode mode;      ///< blocking and polling, as subscribed
    bool single = false; ///< exactly one request: no dialog, form or polling round follows
};

/// How a Conversation reaches the middleware and how long it goes on.
struct ConversationSettings {
    /// How the secret becomes the HMAC key (named in signature problems).
    KeyForm key_form = KeyForm::base64_decoded;
    std::string subscription_id; ///< sent as X-Mplus-Subscription-Id
    std::string base_path;       ///< every event name is appended to it: `<base_path>/<event>`
    std::size_t max_polls = 100; ///< most requests of one polling loop
    std::size_t max_dialog_rounds = 10; ///< most dialogs and forms answered in a row
};

/// Conducts the till's side of the conversation and keeps its record: steps in order, each
/// with every request and reply. While a dialog or form waits for the cashier, the step's
/// request is held until answer_dialog() or fill_form().
///
/// Not thread-safe. Step references stay valid for the conversation's life (steps live in a
/// deque and are never erased).
class Conversation {
public:
    /// A conversation over `transport`, signing with `secret`.
    Conversation(PosTransport transport, Secret secret, ConversationSettings settings)
        : transport_(std::move(transport)), secret_(std::move(secret)),
          settings_(std::move(settings)) {}

    /// Adds a new step for `event` (nothing sent yet).
    PosStep& new_step(std::string_view event, EventKind kind) {
        steps_.emplace_back();
        PosStep& step = steps_.back();
        step.event = std::string(event);
        step.kind = kind;
        return step;
    }
    /// Adds a step the POS refused (nothing sent), saying `why`.
    PosStep& refuse(std::string_view event, std::string why) {
        PosStep& step = new_step(event, find_event(event));
        step.status = PosStepStatus::refused;
        step.failures.push_back("POS refused " + std::string(event) + ": " + why);
        return step;
    }

    /// The signed HTTP request the till sends for `event` with `body` (exactly these bytes).
    HttpRequest signed_request(std::string_view event, std::string body) const {
        HttpRequest req;
        req.method = "POST";
        req.path = settings_.base_path + "/" + std::string(event);
        req.headers.push_back({"Content-Type", "application/json"});
        req.headers.push_back({"Accept", "application/json"});
        req.headers.push_back({"X-Mplus-Subscription-Id", settings_.subscription_id});
        req.headers.push_back({"X-Mplus-Signature", secret_.sign(body)});
        req.body = std::move(body);
        return req;
    }

    /// Sends `request` in `step` until the step ends: dialogs and forms answered from
    /// answers(), polling repeated, problems in replies answered with error requests. False
    /// when a dialog or form waits for the cashier (the step is held), true when it ended.
    bool run(PosStep& step, PosRequest request, TillSide& till) {
        Held held;
        held.request = std::move(request);
        return drive(step, std::move(held), till);
    }

    /// Answers the waiting dialog and re-sends the step's request with the selection; returns
    /// that step (or a refused step when no dialog waits). An answer the cashier could not
    /// give is a failure of the step, and the dialog stays open.
    PosStep& answer_dialog(const DialogAnswer& answer, TillSide& till) {
        return answer_waiting(answer, PosStepStatus::dialog_open, "dialog", till);
    }
    /// Submits the waiting form with `answer` (or cancels it) and re-sends the step's request;
    /// returns that step (or a refused step when no form waits).
    PosStep& fill_form(const FormAnswer& answer, TillSide& till) {
        return answer_waiting(answer, PosStepStatus::form_open, "form", till);
    }

    /// True while a dialog or form waits for the cashier.
    bool waiting() const noexcept { return held_.has_value(); }
    /// The index in steps() of the step whose dialog or form waits for the cashier.
    std::optional<std::size_t> waiting_step() const noexcept {
        if (!held_) return std::nullopt;
        return held_->step;
    }
    /// The dialog waiting for the cashier, or nullptr.
    const Dialog* open_dialog() const noexcept {
        return held_ ? steps_[held_->step].dialog() : nullptr;
    }
    /// The form waiting for the cashier, or nullptr.
    const Form* open_form() const noexcept { return held_ ? steps_[held_->step].form() : nullptr; }

    /// Where the answers to dialogs and forms come from.
    CashierAnswers& answers() noexcept { return answers_; }
    /// Every step so far, in order.
    const std::deque<PosStep>& steps() const noexcept { return steps_; }
    /// The settings in use.
    const ConversationSettings& settings() const noexcept { return settings_; }

private:
    // The request of a step with what the cashier answered so far.
    struct Held {
        PosRequest request;
        std::optional<DialogSelection> dialog;
        std::optional<FormSubmission> form;
        std::size_t rounds = 0;
        PosExchange::Kind next_kind = PosExchange::Kind::event;
        std::size_t step = 0;
    };

    std::size_t index_of(const PosStep& step) const {
        for (std::size_t i = steps_.size(); i-- > 0;) {
            if (&steps_[i] == &step) return i;
        }
        return steps_.size() - 1;
    }

    // True when the step ended; false when it holds for the cashier.
    bool drive(PosStep& step, Held held, TillSide& till) {
        std::size_t polls = 0;
        for (;;) {
            step.exchanges.emplace_back();
            const std::size_t index = step.exchanges.size() - 1;
            {
                PosExchange& ex = step.exchanges[index];
                ex.kind = held.next_kind;
                ex.event = step.event;
                ex.request = signed_request(step.event, held.request.body(held.dialog, held.form));
                ++polls;
                if (!deliver(step, ex)) return true;
            }
            if (!receive(step, index, held.request.mode, till)) return true;
            if (held.request.single) {
                step.status = PosStepStatus::ok;
                return true;
            }
            const Reply& reply = *step.exchanges[index].reply;
            if (reply.dialog || reply.form) {
                const char* what = reply.dialog ? " dialogs in a row" : " forms in a row";
                if (++held.rounds > settings_.max_dialog_rounds) {
                    step.status = PosStepStatus::poll_limit;
                    step.failures.push_back(step.event + ": more than " +
                                            std::to_string(settings_.max_dialog_rounds) + what);
                    return true;
                }
                const bool answered =
                    reply.dialog
                        ? answer_at_once(step, *reply.dialog, PosStepStatus::dialog_open, "dialog",
                                         held)
                        : answer_at_once(step, *reply.form, PosStepStatus::form_open, "form", held);
                if (!answered) {
                    held.step = index_of(step);
                    held_ = std::move(held);
                    return false;
                }
                polls = 0;
                continue;
            }
            if (held.request.mode.polling && reply.polling && !reply.polling->finished) {
                if (polls >= settings_.max_polls) {
                    step.status = PosStepStatus::poll_limit;
                    step.failures.push_back(step.event + ": polling not finished after " +
                                            std::to_string(polls) + " requests");
                    return true;
                }
                held.next_kind = PosExchange::Kind::poll_repeat;
                continue;
            }
            step.status = PosStepStatus::ok;
            return true;
        }
    }

    // What the cashier answers to: the last dialog or form of a step.
    static const Dialog& shown(const PosStep& step, const DialogAnswer&) {
        return step.dialogs.back();
    }
    static const Form& shown(const PosStep& step, const FormAnswer&) { return step.forms.back(); }

    // Puts the selection for answer `a` to dialog `d` into the held request; false (and why)
    // when the cashier could not make that choice.
    static bool answer_into(Held& held, const Dialog& d, const DialogAnswer& a,
                            std::string& problem) {
        std::optional<DialogSelection> selection = dialog_selection_for(d, a, problem);
        if (!selection) return false;
        held.dialog = std::move(selection);
        held.next_kind = PosExchange::Kind::dialog_answer;
        return true;
    }
    // Puts the form values for answer `a` to form `f` into the held request; false (and why)
    // when the cashier could not submit them.
    static bool answer_into(Held& held, const Form& f, const FormAnswer& a, std::string& problem) {
        std::optional<FormSubmission> submission = form_submission_for(f, a, problem);
        if (!submission) return false;
        held.form = std::move(submission);
        held.next_kind = PosExchange::Kind::form_answer;
        return true;
    }

    // Answers a dialog or form shown right now from answers(); false (the step marked as
    // waiting for the cashier) when there is no answer the cashier could give.
    template <class Shown>
    bool answer_at_once(PosStep& step, const Shown& what, PosStepStatus waiting,
                        std::string_view name, Held& held) {
        const auto answer = answers_.next(what);
        std::string problem;
        if (answer && answer_into(held, what, *answer, problem)) return true;
        if (answer) step.failures.push_back(std::string(name) + " answer not possible: " + problem);
        step.status = waiting;
        return false;
    }

    // Answers the dialog or form the held step waits for and drives the step on.
    template <class Answer>
    PosStep& answer_waiting(const Answer& answer, PosStepStatus waiting, std::string_view name,
                            TillSide& till) {
        if (!held_ || steps_[held_->step].status != waiting) {
            return refuse(name, "no " + std::string(name) + " is open");
        }
        PosStep& step = steps_[held_->step];
        std::string problem;
        if (!answer_into(*held_, shown(step, answer), answer, problem)) {
            step.failures.push_back(std::string(name) + " answer not possible: " + problem);
            return step;
        }
        Held held = std::move(*held_);
        held_.reset();
        step.status = PosStepStatus::ok;
        drive(step, std::move(held), till);
        return step;
    }

    // Delivers one request; false (and the step marked) when nothing usable came back.
    bool deliver(PosStep& step, PosExchange& ex) {
        try {
            ex.response = transport_(ex.request);
        } catch (const std::exception& e) {
            ex.transport_error = e.what();
        } catch (...) {
            ex.transport_error = "unknown exception";
        }
        if (!ex.response) {
            step.status = PosStepStatus::transport_failure;
            step.failures.push_back(step.event + ": no reply: " + ex.transport_error);
            return false;
        }
        return true;
    }

    // The reply's signature problem, or nullopt when it verifies.
    std::optional<Error> signature_problem(const HttpResponse& response) const {
        const std::string_view sig = response.header("X-Mplus-Signature");
        if (sig.empty()) {
            return Error{errc::no_signature, std::string(), "the reply has no X-Mplus-Signature"};
        }
        if (secret_.verify(response.body, sig)) return std::nullopt;
        std::string message = "the reply's X-Mplus-Signature does not match its body";
        if (secret_.other_form_matches(response.body, sig)) {
            message += settings_.key_form == KeyForm::base64_decoded
                           ? " (it matches the secret's text used as the key: the middleware "
                             "does not base64-decode the secret)"
                           : " (it matches the base64-decoded secret used as the key)";
        }
        return Error{errc::invalid_signature, std::string(), std::move(message)};
    }

    // Reads, verifies and checks the reply of exchange `index`; applies it when it is good.
    // False when the step ends here.
    bool receive(PosStep& step, std::size_t index, const EventMode& mode, TillSide& till) {
        PosExchange& ex = step.exchanges[index];
        const HttpResponse& response = *ex.response;
        const std::string original = ex.request.body;
        if (response.status != 200 && response.status != 400) {
            step.status = PosStepStatus::transport_failure;
            step.failures.push_back(step.event + ": unexpected HTTP status " +
                                    std::to_string(response.status));
            return false;
        }
        if (std::optional<Error> sig = signature_problem(response)) {
            ex.pos_shows.push_back("POS rejects the reply: " + sig->message);
            step.reply_errors.push_back(*sig);
            step.failures.push_back(step.event + ": " + sig->message);
            step.status = PosStepStatus::signature_failure;
            if (response.status == 200) send_error_request(step, original, *sig, till);
            step.status = PosStepStatus::signature_failure;
            return false;
        }
        const std::string_view body =
            response.body.empty() ? std::string_view("{}") : std::string_view(response.body);
        Result<Reply> parsed = try_parse<Reply>(body);
        if (response.status == 400) {
            step.status = PosStepStatus::rejected;
            if (parsed.ok() && parsed->error) {
                ex.reply = *parsed;
                step.middleware_error = parsed->error;
                ex.pos_shows.push_back("POS shows error: " + parsed->error->code.str() + " " +
                                       parsed->error->message);
                step.failures.push_back(step.event + ": the middleware answered HTTP 400 " +
                                        parsed->error->code.str() + ": " + parsed->error->message);
            } else {
                step.failures.push_back(step.event +
                                        ": the middleware answered HTTP 400 without an error");
            }
            return false;
        }
        const std::string_view content_type = response.header("Content-Type");
        if (content_type.substr(0, 16) != "application/json") {
            const Error e{content_type.empty() ? errc::no_content_type : errc::invalid_content_type,
                          std::string(),
                          content_type.empty()
                              ? std::string("the reply has no Content-Type")
                              : "the reply's Content-Type is " + std::string(content_type)};
            return reply_broken(step, ex, original, {e}, till);
        }
        if (!parsed.ok()) return reply_broken(step, ex, original, parsed.errors(), till);
        ex.reply = std::move(*parsed);
        const Reply& reply = *ex.reply;
        if (reply.error) {
            step.status = PosStepStatus::rejected;
            step.middleware_error = reply.error;
            ex.pos_shows.push_back("POS shows error: " + reply.error->code.str() + " " +
                                   reply.error->message);
            step.failures.push_back(step.event + ": the middleware answered error " +
                                    reply.error->code.str() + ": " + reply.error->message);
            return false;
        }
        ReplyCheck check = till.check(step, reply, original, mode);
        for (const auto& v : check.too_new) {
            const std::string note =
                "reply uses what the POS version lacks: " + v.to_string(*check.pos_version);
            ex.pos_shows.push_back(note);
            step.version_notes.push_back(note);
        }
        if (!check.errors.empty()) return reply_broken(step, ex, original, check.errors, till);
        record(step, ex, reply, till.apply(step, reply));
        ex.applied = true;
        return true;
    }

    bool reply_broken(PosStep& step, PosExchange& ex, const std::string& original,
                      const std::vector<Error>& errors, TillSide& till) {
        for (const auto& e : errors) {
            ex.pos_shows.push_back("POS rejects the reply: " + std::string(e.wire()) + " " +
                                   e.to_string());
            step.failures.push_back(step.event + ": reply breaks a rule: " + std::string(e.wire()) +
                                    " " + e.to_string());
            step.reply_errors.push_back(e);
        }
        step.status = PosStepStatus::reply_error;
        send_error_request(step, original, errors.front(), till);
        step.status = PosStepStatus::reply_error;
        return false;
    }

    // The step keeps what an applied reply showed, printed and asked.
    static void record(PosStep& step, PosExchange& ex, const Reply& reply,
                       const TillEffects& effects) {
        ex.pos_shows.insert(ex.pos_shows.end(), effects.shows.begin(), effects.shows.end());
        step.messages.insert(step.messages.end(), effects.messages.begin(), effects.messages.end());
        step.receipt_footers.insert(step.receipt_footers.end(), effects.receipt_footers.begin(),
                                    effects.receipt_footers.end());
        step.bill_footers.insert(step.bill_footers.end(), effects.bill_footers.begin(),
                                 effects.bill_footers.end());
        if (reply.scan_code) step.scan = reply.scan_code;
        if (reply.external_payment) step.external_payment = reply.external_payment;
        if (reply.dialog) step.dialogs.push_back(*reply.dialog);
        if (reply.form) step.forms.push_back(*reply.form);
    }

    // Sends the POS's error request about the reply to `original`, to the same URL.
    void send_error_request(PosStep& step, const std::string& original, const Error& error,
                            TillSide& till) {
        ErrorInfo info;
        info.code = ErrorCode(std::string(error.wire()));
        info.message = error.to_string();
        till.error_request_sent(step, info);
        std::string body = "{\"error\":";
        serialize_to(body, info);
        body += ",\"original\":";
        body += original;
        body += '}';
        step.exchanges.emplace_back();
        PosExchange& ex = step.exchanges.back();
        ex.kind = PosExchange::Kind::error_request;
        ex.event = step.event;
        ex.request = signed_request(step.event, std::move(body));
        PosStepStatus keep = step.status;
        if (!deliver(step, ex)) return;
        step.status = keep;
        if (ex.response->status == 200 || ex.response->status == 400) {
            if (std::optional<Error> sig = signature_problem(*ex.response)) {
                step.failures.push_back(step.event + " (error request): " + sig->message);
            }
        }
    }

    PosTransport transport_;
    Secret secret_;
    ConversationSettings settings_;
    CashierAnswers answers_;
    std::optional<Held> held_;
    std::deque<PosStep> steps_;
};

MPLUS_WEBHOOKS_END_NAMESPACE
