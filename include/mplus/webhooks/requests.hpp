// Request objects: what the POS sends, one C++ aggregate per JSON object, with its field table.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/codec_fwd.hpp>
#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/detail/fields.hpp>
#include <mplus/webhooks/open_enum.hpp>
#include <mplus/webhooks/raw_json.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

// Every aggregate keeps the fields it does not know in `extra` and writes them back: the POS
// adds fields over time. Optional fields are std::optional (absent or null reads as empty, empty
// is not written); lists the protocol marks optional are omitted when empty.

/// `event`: metadata of the call. Every field is optional on input (samples send `{}`).
struct Event {
    std::optional<bool> event_blocking{};         ///< the POS waits for the reply
    std::optional<bool> event_polling{};          ///< the reply must carry `polling`
    std::optional<std::int64_t> event_counter{};  ///< increases per POS instance; may reset
    std::optional<std::string> event_timestamp{}; ///< ISO-8601 text, kept as sent
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back

    /// True when the POS waits for the reply.
    bool blocking() const noexcept { return event_blocking.value_or(false); }
    /// True when the reply must carry `polling`.
    bool polling() const noexcept { return event_polling.value_or(false); }
};
/// Field table of Event.
template <class T, detail::if_type<T, Event> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(
        opt("eventBlocking", &T::event_blocking), opt("eventPolling", &T::event_polling),
        opt("eventCounter", &T::event_counter), opt("eventTimestamp", &T::event_timestamp));
}

/// `sender`: the workplace that sent the call. Every field is optional on input.
struct Sender {
    std::optional<std::int64_t> branch_number{};    ///< the shop (branch) the till belongs to
    std::optional<std::int64_t> workplace_number{}; ///< the till (workplace) within the branch
    std::optional<std::string> instance_id{};       ///< regenerated at every POS restart
    std::optional<bool> payment_started{};          ///< the POS shows the payment screen
    std::optional<std::string> product_name{};      ///< "MplusQ", "MplusQservice", ...
    std::optional<std::int64_t> employee_number{};  ///< the cashier logged in
    // Browser details (v48), sent by the web apps.
    std::optional<std::string> browser_family{};   ///< web apps: the browser, e.g. Chrome
    std::optional<std::string> browser_version{};  ///< web apps: the browser's version
    std::optional<DeviceType> device_type{};       ///< web apps: Mobile, Tablet, Desktop or Bot
    std::optional<std::string> platform_family{};  ///< web apps: the operating system
    std::optional<std::string> platform_version{}; ///< web apps: the operating system's version
    std::optional<bool> has_receipt_printer{};     ///< v57
    // Receipt printer state, announced for a future version.
    std::optional<PrinterOverallState>
        overall_state{};                            ///< receipt printer: Offline, NotReady or Ready
    std::optional<PrinterCoverState> cover_state{}; ///< receipt printer: its cover
    std::optional<PrinterPaperState> paper_state{}; ///< receipt printer: its paper
    std::optional<std::int64_t> age_in_seconds{};   ///< receipt printer: how old the state is
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of Sender.
template <class T, detail::if_type<T, Sender> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(
        opt("branchNumber", &T::branch_number), opt("workplaceNumber", &T::workplace_number),
        opt("instanceId", &T::instance_id), opt("paymentStarted", &T::payment_started),
        opt("productName", &T::product_name), opt("employeeNumber", &T::employee_number),
        opt("browserFamily", &T::browser_family), opt("browserVersion", &T::browser_version),
        opt("deviceType", &T::device_type), opt("platformFamily", &T::platform_family),
        opt("platformVersion", &T::platform_version),
        opt("hasReceiptPrinter", &T::has_receipt_printer), opt("overallState", &T::overall_state),
        opt("coverState", &T::cover_state), opt("paperState", &T::paper_state),
        opt("ageInSeconds", &T::age_in_seconds));
}

/// A table: `session.table`, the kitchen events' `table` and `prepayTable.table`.
struct Table {
    std::optional<std::int64_t> number{};           ///< the table number
    std::optional<std::int64_t> sub_number{};       ///< the part of a split table
    std::optional<std::string> table_name{};        ///< kitchen events
    std::optional<std::int64_t> number_of_guests{}; ///< kitchen events
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of Table.
template <class T, detail::if_type<T, Table> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(opt("number", &T::number), opt("subNumber", &T::sub_number),
                      opt("tableName", &T::table_name),
                      opt("numberOfGuests", &T::number_of_guests));
}

/// An external discount: on a session line, and in a reply's line changes and additions.
struct ExternalDiscount {
    std::optional<std::string> discount_id{}; ///< an id the integrator generates and stores
    std::optional<std::string> discount_description{}; ///< shown on the line and the receipt
    std::optional<Decimal> discount_percentage{};      ///< stacks with discount_amount
    std::optional<Decimal> discount_amount{};          ///< stacks with discount_percentage
    std::optional<Decimal> apply_to_quantity{};        ///< replies: how many of the line's quantity
    std::optional<std::string> discount_type{};        ///< replies: free text, a filter in reports
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of ExternalDiscount.
template <class T, detail::if_type<T, ExternalDiscount> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(
        opt("discountId", &T::discount_id), opt("discountDescription", &T::discount_description),
        opt("discountPercentage", &T::discount_percentage),
        opt("discountAmount", &T::discount_amount), opt("applyToQuantity", &T::apply_to_quantity),
        opt("discountType", &T::discount_type));
}

/// A line of the session (`session.lines[]`, and the line of the line events).
struct SessionLine {
    std::string line_id{};                        ///< the line's id, unique within the session
    std::optional<std::int64_t> article_number{}; ///< the article, when the line has one
    std::optional<Decimal> price_incl{};          ///< unit price including VAT
    std::optional<Decimal> quantity{};            ///< how many; negative for returns
    std::string text{};                           ///< the line's text as shown
    std::optional<Decimal> discount_percentage{}; ///< the POS's own discount, in percent
    std::optional<Decimal> discount_amount{};     ///< the POS's own discount, as an amount
    std::optional<std::string> supplier_article_number{}; ///< the supplier's article number
    std::optional<std::string> plu_number{};              ///< the article's PLU
    std::optional<std::string> ext_article_id{};          ///< an article id of an external system
    std::optional<ExternalDiscount> external_discount{};  ///< a discount a reply gave this line
    RawJson preparation_methods{}; ///< newer POS versions; shape unpublished, kept raw
    RawJson component_articles{};  ///< newer POS versions; shape unpublished, kept raw
    RawFields extra{};             ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of SessionLine.
template <class T, detail::if_type<T, SessionLine> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(req("lineId", &T::line_id), opt("articleNumber", &T::article_number),
                      opt("priceIncl", &T::price_incl), opt("quantity", &T::quantity),
                      lenient("text", &T::text), opt("discountPercentage", &T::discount_percentage),
                      opt("discountAmount", &T::discount_amount),
                      opt("supplierArticleNumber", &T::supplier_article_number),
                      opt("pluNumber", &T::plu_number), opt("extArticleId", &T::ext_article_id),
                      opt("externalDiscount", &T::external_discount),
                      opt("preparationMethods", &T::preparation_methods),
                      opt("componentArticles", &T::component_articles));
}

/// A payment: `completeSession.payments[]` and `session.payments[]`.
struct Payment {
    Decimal amount{};          ///< the amount paid
    std::string description{}; ///< the payment method's label
    std::string method{};      ///< the payment method's reference id
    RawFields extra{};         ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of Payment.
template <class T, detail::if_type<T, Payment> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(req("amount", &T::amount), lenient("description", &T::description),
                      lenient("method", &T::method));
}

/// A relation (customer): `session.relation` and `selectRelation.relation`.
struct Relation {
    std::int64_t relation_number = 0;  ///< the customer's number
    std::optional<std::string> name{}; ///< the customer's name
    RawFields extra{};                 ///< the other relation fields the POS sends
};
/// Field table of Relation.
template <class T, detail::if_type<T, Relation> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(req("relationNumber", &T::relation_number), opt("name", &T::name));
}

/// `session`: the current sale.
struct Session {
    std::string session_id{};                   ///< the sale's id, stable over its events
    std::optional<Table> table{};               ///< the table, in hospitality
    std::vector<SessionLine> lines{};           ///< the lines, in order
    std::optional<Relation> relation{};         ///< the selected customer
    std::vector<Payment> payments{};            ///< every (pre)payment; omitted when empty
    std::optional<Decimal> open_amount{};       ///< what is left to pay
    std::optional<Decimal> total_incl_amount{}; ///< the total including VAT
    std::optional<Decimal> total_excl_amount{}; ///< the total excluding VAT
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back

    /// The line with `line_id`, or nullptr.
    const SessionLine* find_line(std::string_view line_id) const noexcept {
        for (const auto& l : lines) {
            if (l.line_id == line_id) return &l;
        }
        return nullptr;
    }
};
/// Field table of Session.
template <class T, detail::if_type<T, Session> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(req("sessionId", &T::session_id), opt("table", &T::table),
                      lenient("lines", &T::lines), opt("relation", &T::relation),
                      opt("payments", &T::payments), opt("openAmount", &T::open_amount),
                      opt("totalInclAmount", &T::total_incl_amount),
                      opt("totalExclAmount", &T::total_excl_amount));
}

/// `scanCode` of a scanCode request: what was scanned.
struct ScannedCode {
    std::string scanned_code{};          ///< the code as scanned
    std::optional<CodeType> code_type{}; ///< barcode, rfid or qrcode
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of ScannedCode.
template <class T, detail::if_type<T, ScannedCode> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(req("scannedCode", &T::scanned_code), opt("codeType", &T::code_type));
}

/// `addSessionLine`, `updateSessionLine`, `removeSessionLine`: the line concerned. The POS
/// sends it wrapped (`{"line":{...}}`, canonical) or, in one published sample, flat.
struct LineEventDetails {
    SessionLine line{}; ///< the line added, changed or removed
    bool flat = false;  ///< read without the `line` wrapper; written back the same way
    RawFields extra{};  ///< fields the SDK does not know, kept as sent and written back
};

/// `mergeSession`: the session the current one is merged with.
struct MergeSession {
    std::string merge_with_session_id{}; ///< the session merged into this one
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of MergeSession.
template <class T, detail::if_type<T, MergeSession> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(req("mergeWithSessionId", &T::merge_with_session_id));
}

/// `completeSession`: the payments of the final transaction only.
struct CompleteSession {
    std::vector<Payment> payments{}; ///< this transaction's payments only
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of CompleteSession.
template <class T, detail::if_type<T, CompleteSession> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(lenient("payments", &T::payments));
}

/// `selectRelation` (v43.1.1): the selected relation, empty on deselect. Both deselect forms
/// (`"selectRelation":null` and `{"relation":null}`) read as deselected.
struct SelectRelation {
    std::optional<Relation> relation{}; ///< the customer selected; empty: deselected
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of SelectRelation.
template <class T, detail::if_type<T, SelectRelation> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(lenient("relation", &T::relation));
}

/// `customAction`: the button that was pressed.
struct CustomAction {
    std::string custom_action_id{};        ///< the button's id, from the back office
    std::string button_caption{};          ///< the button's caption
    bool on_startup = false;               ///< sent when the POS starts, not by a click
    std::optional<bool> long_click{};      ///< the button was held
    std::optional<Decimal> numpad_value{}; ///< the number typed before the click
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of CustomAction.
template <class T, detail::if_type<T, CustomAction> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(req("customActionId", &T::custom_action_id),
                      lenient("buttonCaption", &T::button_caption),
                      lenient("onStartup", &T::on_startup), opt("longClick", &T::long_click),
                      opt("numpadValue", &T::numpad_value));
}

/// `cafeteriaOrder` of the kitchen events.
struct CafeteriaOrder {
    std::optional<std::string> order_id{};       ///< the order's id
    std::optional<std::int64_t> year{};          ///< the order's year
    std::optional<std::int64_t> number{};        ///< the order's number within the year
    std::optional<std::int64_t> ticket_number{}; ///< the number on the customer's ticket
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of CafeteriaOrder.
template <class T, detail::if_type<T, CafeteriaOrder> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(opt("orderId", &T::order_id), opt("year", &T::year),
                      opt("number", &T::number), opt("ticketNumber", &T::ticket_number));
}

/// `tableOrder` of the kitchen events.
struct TableOrder {
    std::optional<std::string> order_id{}; ///< the order's id
    std::optional<std::int64_t> year{};    ///< the order's year
    std::optional<std::int64_t> number{};  ///< the order's number within the year
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of TableOrder.
template <class T, detail::if_type<T, TableOrder> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(opt("orderId", &T::order_id), opt("year", &T::year),
                      opt("number", &T::number));
}

/// `course` of the kitchen events.
struct Course {
    std::optional<std::int64_t> course_number{};   ///< the course's number
    std::optional<std::string> name{};             ///< the course's name
    std::optional<std::string> abbreviation{};     ///< the course's short name
    std::optional<std::int64_t> sequence_number{}; ///< the course's place in the meal
    RawJson expected_preparation_time{};           ///< type unpublished: kept raw
    RawJson actual_preparation_time{};             ///< type unpublished: kept raw
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of Course.
template <class T, detail::if_type<T, Course> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(opt("courseNumber", &T::course_number), opt("name", &T::name),
                      opt("abbreviation", &T::abbreviation),
                      opt("sequenceNumber", &T::sequence_number),
                      opt("expectedPreparationTime", &T::expected_preparation_time),
                      opt("actualPreparationTime", &T::actual_preparation_time));
}

/// `externalPayment` of the four external-payment events.
struct ExternalPaymentDetails {
    std::string external_payment_id{}; ///< new for each payment; echo it in every reply
    Decimal amount{};                  ///< the amount to collect
    std::string method{};              ///< the payment method configured to call the webhook
    std::optional<std::string> callback_url{}; ///< v56: call it once the final status is known
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of ExternalPaymentDetails.
template <class T, detail::if_type<T, ExternalPaymentDetails> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(req("externalPaymentId", &T::external_payment_id), req("amount", &T::amount),
                      lenient("method", &T::method), opt("callbackUrl", &T::callback_url));
}

/// `dialog` on a re-sent request: the options the user chose (possibly none).
struct DialogSelection {
    std::vector<std::int64_t> selected_dialog_option_ids{}; ///< the options chosen; empty: none
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of DialogSelection.
template <class T, detail::if_type<T, DialogSelection> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(lenient("selectedDialogOptionIds", &T::selected_dialog_option_ids));
}

/// A submitted form field: its value (always a string) and, for select fields, the options.
struct FormFieldValue {
    std::string id{};                    ///< the form field's id
    std::optional<std::string> value{};  ///< what was typed (always text)
    std::vector<std::string> selected{}; ///< select fields: the option ids chosen
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of FormFieldValue.
template <class T, detail::if_type<T, FormFieldValue> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(req("id", &T::id), opt("value", &T::value), opt("selected", &T::selected));
}

/// `form` on a re-sent request (v59): the submitted values, or cancelled.
struct FormSubmission {
    std::string id{};                     ///< the form's id
    std::optional<bool> cancelled{};      ///< the cashier closed the form
    std::vector<FormFieldValue> fields{}; ///< the values, one per field
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back

    /// The submitted field `field_id`, or nullptr.
    const FormFieldValue* field(std::string_view field_id) const noexcept {
        for (const auto& f : fields) {
            if (f.id == field_id) return &f;
        }
        return nullptr;
    }
};
/// Field table of FormSubmission.
template <class T, detail::if_type<T, FormSubmission> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(req("id", &T::id), opt("cancelled", &T::cancelled),
                      opt("fields", &T::fields));
}

/// `openUrl` on a request (v48): present when the client can open URLs.
struct OpenUrlPreferences {
    std::optional<std::string> redirect_url{}; ///< where to send the browser back to
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of OpenUrlPreferences.
template <class T, detail::if_type<T, OpenUrlPreferences> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(opt("redirectUrl", &T::redirect_url));
}

/// An error object: `{"code":"...","message":"..."}`, in both directions.
struct ErrorInfo {
    ErrorCode code{};      ///< the wire code, e.g. INVALID_LINE_ID
    std::string message{}; ///< a readable explanation
    RawFields extra{};     ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of ErrorInfo.
template <class T, detail::if_type<T, ErrorInfo> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(req("code", &T::code), opt("message", &T::message));
}

// ---------------------------------------------------------------------------------------------
// Requests, one type per shape; events::* (events.hpp) names which event uses which.

/// What every request carries: event, sender and the re-send objects.
struct RequestBase {
    Event event{};                                ///< metadata of the call
    Sender sender{};                              ///< the till that called
    std::optional<DialogSelection> dialog{};      ///< only on the re-send after a dialog reply
    std::optional<FormSubmission> form{};         ///< only on the re-send after a form reply
    std::optional<OpenUrlPreferences> open_url{}; ///< only when the client can open URLs
    RawFields extra{}; ///< fields the SDK does not know, kept as sent and written back
};
/// Field table of RequestBase.
template <class T, detail::if_type<T, RequestBase> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(req("event", &T::event), req("sender", &T::sender), opt("dialog", &T::dialog),
                      opt("form", &T::form), opt("openUrl", &T::open_url));
}

/// A request that carries the session and nothing else of its own (startSession,
/// pauseSession, resumeSession, startPayment, cancelPayment, cancelSession, creditSession).
struct SessionRequest : RequestBase {
    Session session{}; ///< the current sale
};
/// Field table of SessionRequest.
template <class T, detail::if_type<T, SessionRequest> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return concat_fields(fields(type_tag<RequestBase>{}), field_list(req("session", &T::session)));
}

/// scanCode: a code was scanned that the POS may not know.
struct ScanCodeRequest : SessionRequest {
    ScannedCode scan_code{}; ///< the code scanned
};
/// Field table of ScanCodeRequest.
template <class T, detail::if_type<T, ScanCodeRequest> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return concat_fields(fields(type_tag<SessionRequest>{}),
                         field_list(details("scanCode", &T::scan_code)));
}

/// addSessionLine: a line was added.
struct AddSessionLineRequest : SessionRequest {
    LineEventDetails add_session_line{}; ///< the line added
};
/// updateSessionLine: a line was changed (handheld beta).
struct UpdateSessionLineRequest : SessionRequest {
    LineEventDetails update_session_line{}; ///< the line changed
};
/// removeSessionLine: a line was removed.
struct RemoveSessionLineRequest : SessionRequest {
    LineEventDetails remove_session_line{}; ///< the line removed
};

/// selectRelation (v43.1.1): a relation was selected or deselected.
struct SelectRelationRequest : SessionRequest {
    SelectRelation select_relation{}; ///< the customer (de)selected
};
/// Field table of AddSessionLineRequest.
template <class T, detail::if_type<T, AddSessionLineRequest> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return concat_fields(fields(type_tag<SessionRequest>{}),
                         field_list(details("addSessionLine", &T::add_session_line)));
}
/// Field table of UpdateSessionLineRequest.
template <class T, detail::if_type<T, UpdateSessionLineRequest> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return concat_fields(fields(type_tag<SessionRequest>{}),
                         field_list(details("updateSessionLine", &T::update_session_line)));
}
/// Field table of RemoveSessionLineRequest.
template <class T, detail::if_type<T, RemoveSessionLineRequest> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return concat_fields(fields(type_tag<SessionRequest>{}),
                         field_list(details("removeSessionLine", &T::remove_session_line)));
}

/// Field table of SelectRelationRequest.
template <class T, detail::if_type<T, SelectRelationRequest> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return concat_fields(fields(type_tag<SessionRequest>{}),
                         field_list(nullable_details("selectRelation", &T::select_relation)));
}

/// mergeSession: the session is merged with another one.
struct MergeSessionRequest : SessionRequest {
    MergeSession merge_session{}; ///< the session merged in
};
/// Field table of MergeSessionRequest.
template <class T, detail::if_type<T, MergeSessionRequest> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return concat_fields(fields(type_tag<SessionRequest>{}),
                         field_list(details("mergeSession", &T::merge_session)));
}

/// completeSession: the sale was paid.
struct CompleteSessionRequest : SessionRequest {
    CompleteSession complete_session{}; ///< the payments of the transaction
};
/// Field table of CompleteSessionRequest.
template <class T, detail::if_type<T, CompleteSessionRequest> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return concat_fields(fields(type_tag<SessionRequest>{}),
                         field_list(lenient_details("completeSession", &T::complete_session)));
}

/// printBill: a bill is printed; its previous payments are unpublished and kept raw.
struct PrintBillRequest : SessionRequest {
    RawJson print_bill{}; ///< the bill's previous payments, kept raw
};
/// Field table of PrintBillRequest.
template <class T, detail::if_type<T, PrintBillRequest> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return concat_fields(fields(type_tag<SessionRequest>{}),
                         field_list(details("printBill", &T::print_bill)));
}

/// customAction: a custom button was pressed (also at POS start-up, possibly without session).
struct CustomActionRequest : RequestBase {
    std::optional<Session> session{}; ///< the current sale, when one is open
    CustomAction custom_action{};     ///< the button pressed
};
/// Field table of CustomActionRequest.
template <class T, detail::if_type<T, CustomActionRequest> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return concat_fields(
        fields(type_tag<RequestBase>{}),
        field_list(opt("session", &T::session), details("customAction", &T::custom_action)));
}

/// backgroundPoll: runs all the time the POS runs; no session; always blocking and polling.
struct BackgroundPollRequest : RequestBase {};
/// Field table of BackgroundPollRequest.
template <class T, detail::if_type<T, BackgroundPollRequest> = 0>
constexpr auto fields(detail::type_tag<T>) {
    return fields(detail::type_tag<RequestBase>{});
}

/// kitchenStartCourse, kitchenCompleteCourse, kitchenServeCourse: which objects come varies.
struct KitchenRequest : RequestBase {
    std::optional<Session> session{};                ///< the sale, when the POS sends it
    std::optional<CafeteriaOrder> cafeteria_order{}; ///< a counter order, when it is one
    std::optional<TableOrder> table_order{};         ///< a table order, when it is one
    std::optional<Table> table{};                    ///< the table, when there is one
    std::optional<Course> course{};                  ///< the course concerned
    RawJson order{};                                 ///< `order`: fields unpublished, kept raw
};
/// Field table of KitchenRequest.
template <class T, detail::if_type<T, KitchenRequest> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return concat_fields(fields(type_tag<RequestBase>{}),
                         field_list(opt("session", &T::session),
                                    opt("cafeteriaOrder", &T::cafeteria_order),
                                    opt("tableOrder", &T::table_order), opt("table", &T::table),
                                    opt("course", &T::course), opt("order", &T::order)));
}

/// startExternalPayment, pollExternalPayment, requestCancelExternalPayment,
/// cancelExternalPayment.
struct ExternalPaymentRequest : RequestBase {
    std::optional<Session> session{};          ///< the sale being paid
    ExternalPaymentDetails external_payment{}; ///< the payment: id, amount, method
};
/// Field table of ExternalPaymentRequest.
template <class T, detail::if_type<T, ExternalPaymentRequest> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return concat_fields(
        fields(type_tag<RequestBase>{}),
        field_list(opt("session", &T::session), details("externalPayment", &T::external_payment)));
}

/// The POS's error request: a reply of ours broke a rule. Not an event of its own: it comes
/// to the URL of the event whose reply failed, with `error` and the whole `original` request.
struct PosErrorRequest {
    ErrorInfo error{};  ///< what the POS refused in our reply
    RawJson original{}; ///< the original request, exactly as sent
    RawFields extra{};  ///< fields the SDK does not know, kept as sent and written back

    /// The original request read as the typed request `T` of the event whose reply failed.
    template <class T>
    Result<T> original_as(const ReadOptions& options = {}) const {
        return try_parse<T>(original.text(), options);
    }
};
/// Field table of PosErrorRequest.
template <class T, detail::if_type<T, PosErrorRequest> = 0>
constexpr auto fields(detail::type_tag<T>) {
    using namespace detail;
    return field_list(req("error", &T::error), req("original", &T::original));
}

MPLUS_WEBHOOKS_END_NAMESPACE
