// The cashier's answers to what a reply shows: dialog choices and form values, where they come
// from (a queue, then a callback), and what the till sends for them.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/replies.hpp>
#include <mplus/webhooks/requests.hpp>
#include <mplus/webhooks/testing/describe.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// The cashier's answer to a dialog: option ids, or option texts (matched exactly, else by a
/// unique substring of the option name). Empty: the dialog is closed without a choice.
struct DialogAnswer {
    std::vector<std::int64_t> option_ids;  ///< choose these option ids
    std::vector<std::string> option_texts; ///< or choose the options with these names

    /// Chooses the option with id `id`.
    static DialogAnswer id(std::int64_t option_id) {
        DialogAnswer a;
        a.option_ids.push_back(option_id);
        return a;
    }
    /// Chooses the option named `text` (or the only one whose name contains it).
    static DialogAnswer text(std::string option_text) {
        DialogAnswer a;
        a.option_texts.push_back(std::move(option_text));
        return a;
    }
    /// Closes the dialog without a choice (not possible for a required dialog).
    static DialogAnswer none() { return DialogAnswer{}; }
};

/// The cashier's answer to a form: field values (fields not named keep their default value),
/// or cancel.
struct FormAnswer {
    std::vector<FormFieldValue> fields; ///< the values to fill in, by field id
    bool cancel = false;                ///< close the form instead

    /// Sets the text of field `id`.
    FormAnswer& set(std::string field_id, std::string value) {
        FormFieldValue f;
        f.id = std::move(field_id);
        f.value = std::move(value);
        fields.push_back(std::move(f));
        return *this;
    }
    /// Selects options of the select field `id`; its value becomes the first option id.
    FormAnswer& select(std::string field_id, std::vector<std::string> option_ids) {
        FormFieldValue f;
        f.id = std::move(field_id);
        if (!option_ids.empty()) f.value = option_ids.front();
        f.selected = std::move(option_ids);
        fields.push_back(std::move(f));
        return *this;
    }
    /// Cancels the form.
    static FormAnswer cancelled() {
        FormAnswer a;
        a.cancel = true;
        return a;
    }
};

/// The option a cashier means by `text`: the one named exactly so, else the only one whose
/// name contains it (a test says "10:00-11:00" for "10:00-11:00 (12 seats left)"). nullptr
/// when none or several match.
inline const DialogOption* find_option_by_text(const Dialog& dialog, std::string_view text) {
    for (const auto& o : dialog.dialog_options) {
        if (o.option_name == text) return &o;
    }
    const DialogOption* found = nullptr;
    for (const auto& o : dialog.dialog_options) {
        if (o.option_name.find(text) != std::string::npos) {
            if (found != nullptr) return nullptr;
            found = &o;
        }
    }
    return found;
}

/// The dialog option with id `id`, or nullptr.
inline const DialogOption* find_option_by_id(const Dialog& dialog, std::int64_t id) noexcept {
    for (const auto& o : dialog.dialog_options) {
        if (o.option_id == id) return &o;
    }
    return nullptr;
}

/// The selection the till sends for `a` on dialog `d`, or nullopt (and why, in `problem`)
/// when the cashier could not make that choice.
inline std::optional<DialogSelection> dialog_selection_for(const Dialog& d, const DialogAnswer& a,
                                                           std::string& problem) {
    DialogSelection sel;
    for (std::int64_t id : a.option_ids) {
        const DialogOption* o = find_option_by_id(d, id);
        if (o == nullptr) {
            problem = "no option " + std::to_string(id);
            return std::nullopt;
        }
        if (o->disabled.value_or(false)) {
            problem = "option " + std::to_string(id) + " is disabled";
            return std::nullopt;
        }
        sel.selected_dialog_option_ids.push_back(id);
    }
    for (const auto& text : a.option_texts) {
        const DialogOption* o = find_option_by_text(d, text);
        if (o == nullptr) {
            problem = "no single option named " + detail::quote_text(text);
            return std::nullopt;
        }
        if (o->disabled.value_or(false)) {
            problem = "option " + detail::quote_text(o->option_name) + " is disabled";
            return std::nullopt;
        }
        sel.selected_dialog_option_ids.push_back(o->option_id);
    }
    if (sel.selected_dialog_option_ids.empty() && d.required) {
        problem = "the dialog requires a choice";
        return std::nullopt;
    }
    if (sel.selected_dialog_option_ids.size() > 1 && !d.allow_multiple_options) {
        problem = "the dialog allows one choice";
        return std::nullopt;
    }
    return sel;
}

/// The form values the till sends for `a` on `form` (fields not named keep their default), or
/// nullopt (and why, in `problem`) when the cashier could not submit them.
inline std::optional<FormSubmission> form_submission_for(const Form& form, const FormAnswer& a,
                                                         std::string& problem) {
    FormSubmission sub;
    sub.id = form.id;
    sub.cancelled = a.cancel;
    for (const auto& given : a.fields) {
        bool known = false;
        for (const auto& f : form.fields) known = known || f.id == given.id;
        if (!known) {
            problem = "no field " + detail::quote_text(given.id);
            return std::nullopt;
        }
    }
    for (const auto& f : form.fields) {
        if (f.type.str() == "label") continue;
        FormFieldValue v;
        v.id = f.id;
        v.value = f.value.value_or(std::string());
        for (const auto& o : f.options) {
            if (o.selected.value_or(false)) v.selected.push_back(o.id);
        }
        for (const auto& given : a.fields) {
            if (given.id != f.id) continue;
            if (given.value) v.value = given.value;
            if (!given.selected.empty()) v.selected = given.selected;
        }
        if (!a.cancel && f.required && v.value->empty() && v.selected.empty()) {
            problem = "field " + detail::quote_text(f.id) + " is required";
            return std::nullopt;
        }
        sub.fields.push_back(std::move(v));
    }
    return sub;
}

/// Where the cashier's answers come from: queued answers first, in order, then the callbacks.
/// With neither, a dialog or form stays open for an answer given later.
class CashierAnswers {
public:
    /// Answers dialogs no queued answer covers; nullopt leaves the dialog open.
    using DialogCallback = std::function<std::optional<DialogAnswer>(const Dialog&)>;
    /// Answers forms no queued answer covers; nullopt leaves the form open.
    using FormCallback = std::function<std::optional<FormAnswer>(const Form&)>;

    /// Queues the answer to the next dialog shown.
    void queue_dialog(DialogAnswer answer) { dialogs_.push_back(std::move(answer)); }
    /// Queues the answer to the next form shown.
    void queue_form(FormAnswer answer) { forms_.push_back(std::move(answer)); }
    /// Sets the callback for dialogs (an empty one removes it).
    void on_dialog(DialogCallback callback) { dialog_callback_ = std::move(callback); }
    /// Sets the callback for forms (an empty one removes it).
    void on_form(FormCallback callback) { form_callback_ = std::move(callback); }

    /// The answer to dialog `d`: the next queued one (taken from the queue), else the
    /// callback's, else nullopt.
    std::optional<DialogAnswer> next(const Dialog& d) {
        return take(dialogs_, dialog_callback_, d);
    }
    /// The answer to form `f`: the next queued one (taken from the queue), else the
    /// callback's, else nullopt.
    std::optional<FormAnswer> next(const Form& f) { return take(forms_, form_callback_, f); }

    /// Queued dialog answers not used yet.
    std::size_t queued_dialogs() const noexcept { return dialogs_.size(); }
    /// Queued form answers not used yet.
    std::size_t queued_forms() const noexcept { return forms_.size(); }

private:
    template <class Answer, class Callback, class Shown>
    static std::optional<Answer> take(std::deque<Answer>& queue, const Callback& callback,
                                      const Shown& shown) {
        if (!queue.empty()) {
            Answer a = std::move(queue.front());
            queue.pop_front();
            return a;
        }
        if (callback) return callback(shown);
        return std::nullopt;
    }

    std::deque<DialogAnswer> dialogs_;
    std::deque<FormAnswer> forms_;
    DialogCallback dialog_callback_;
    FormCallback form_callback_;
};

MPLUS_WEBHOOKS_END_NAMESPACE
