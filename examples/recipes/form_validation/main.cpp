// Recipe: a form with validation. A custom action asks for the customer's e-mail address; an
// address that does not look right brings the form back with the error, the rest is kept.
// SPDX-License-Identifier: MIT
#include "../recipe_server.hpp"

#include <mplus/webhooks.hpp>

#include <string>

namespace mw = mplus::webhooks;

/// The form, with `value` pre-filled and `error` shown as the e-mail field's hint.
mw::Form email_form(const std::string& value, const std::string& error) {
    mw::Form form;
    form.id = "receipt-mail";
    form.title = "E-mail receipt";
    mw::FormField& email = form.fields.emplace_back();
    email.id = "email";
    email.type = mw::FormFieldType::email;
    email.required = true;
    email.label = "E-mail address";
    email.maximum_length = 254;
    if (!value.empty()) email.value = value;
    email.hint = error.empty() ? "We send the receipt there" : error;
    return form;
}

/// Good enough for a till: one @, something before it, a dot after it.
bool looks_like_email(const std::string& s) {
    const auto at = s.find('@');
    return at != std::string::npos && at > 0 && s.find('@', at + 1) == std::string::npos &&
           s.find('.', at) != std::string::npos && s.back() != '.';
}

mw::Reply on_action(const mw::CustomActionRequest& request) {
    mw::Reply reply;
    if (request.custom_action.custom_action_id != "mail-receipt") return reply;
    if (!request.form) { // the button: show the empty form
        reply.form = email_form("", "");
        return reply;
    }
    if (request.form->cancelled.value_or(false)) {
        reply.add_message("No e-mail receipt");
        return reply;
    }
    const mw::FormFieldValue* field = request.form->field("email");
    const std::string email = field && field->value ? *field->value : "";
    if (!looks_like_email(email)) { // the same form again, with what was typed and the error
        reply.form = email_form(email, "Not an e-mail address: " + email);
        return reply;
    }
    reply.add_message("Receipt goes to " + email);
    return reply;
}

int main(int argc, char** argv) {
    const recipe::Options options = recipe::parse(argc, argv);
    mw::Dispatcher dispatcher(recipe::config(options, argv[0]));
    dispatcher.on<mw::events::CustomAction>(on_action);
    return recipe::serve(dispatcher, options, argv[0]);
}
