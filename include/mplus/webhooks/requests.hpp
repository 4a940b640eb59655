// Request objects: what the POS sends, one C++ aggregate per JSON object, with its field table.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/decimal.hpp>
#include <mplus/webhooks/detail/codec.hpp>
#include <mplus/webhooks/open_enum.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

// Every aggregate keeps the fields it does not know in `extra` and writes them back: the POS
// adds fields over time. Optional fields are std::optional (absent or null reads as empty, empty
// is not written); lists the protocol marks optional are omitted when empty.

/// `event`: metadata of the call. Every field is optional on input (samples send `{}`).
struct Event {
    std::optional<bool> event_blocking;       ///< the POS waits for the reply
    std::optional<bool> event_polling;        ///< the reply must carry `polling`
    std::optional<std::int64_t> event_counter; ///< increases per POS instance; may reset
    std::optional<std::string> event_timestamp; ///< ISO-8601 text, kept as sent
    nlohmann::json extra;

    /// True when the POS waits for the reply.
    bool blocking() const noexcept { return event_blocking.value_or(false); }
    /// True when the reply must carry `polling`.
    bool polling() const noexcept { return event_polling.value_or(false); }
};
/// Field table of Event.
constexpr auto fields(detail::type_tag<Event>) {
    using namespace detail;
    return std::make_tuple(opt("eventBlocking", &Event::event_blocking),
                           opt("eventPolling", &Event::event_polling),
                           opt("eventCounter", &Event::event_counter),
                           opt("eventTimestamp", &Event::event_timestamp));
}

/// `sender`: the workplace that sent the call. Every field is optional on input.
struct Sender {
    std::optional<std::int64_t> branch_number;
    std::optional<std::int64_t> workplace_number;
    std::optional<std::string> instance_id; ///< regenerated at every POS restart
    std::optional<bool> payment_started;    ///< the POS shows the payment screen
    std::optional<std::string> product_name; ///< "MplusQ", "MplusQservice", ...
    std::optional<std::int64_t> employee_number;
    // Browser details (v48), sent by the web apps.
    std::optional<std::string> browser_family;
    std::optional<std::string> browser_version;
    std::optional<DeviceType> device_type;
    std::optional<std::string> platform_family;
    std::optional<std::string> platform_version;
    std::optional<bool> has_receipt_printer; ///< v57
    // Receipt printer state, announced for a future version.
    std::optional<PrinterOverallState> overall_state;
    std::optional<PrinterCoverState> cover_state;
    std::optional<PrinterPaperState> paper_state;
    std::optional<std::int64_t> age_in_seconds;
    nlohmann::json extra;
};
/// Field table of Sender.
constexpr auto fields(detail::type_tag<Sender>) {
    using namespace detail;
    return std::make_tuple(opt("branchNumber", &Sender::branch_number),
                           opt("workplaceNumber", &Sender::workplace_number),
                           opt("instanceId", &Sender::instance_id),
                           opt("paymentStarted", &Sender::payment_started),
                           opt("productName", &Sender::product_name),
                           opt("employeeNumber", &Sender::employee_number),
                           opt("browserFamily", &Sender::browser_family),
                           opt("browserVersion", &Sender::browser_version),
                           opt("deviceType", &Sender::device_type),
                           opt("platformFamily", &Sender::platform_family),
                           opt("platformVersion", &Sender::platform_version),
                           opt("hasReceiptPrinter", &Sender::has_receipt_printer),
                           opt("overallState", &Sender::overall_state),
                           opt("coverState", &Sender::cover_state),
                           opt("paperState", &Sender::paper_state),
                           opt("ageInSeconds", &Sender::age_in_seconds));
}

/// A table: `session.table`, the kitchen events' `table` and `prepayTable.table`.
struct Table {
    std::optional<std::int64_t> number;
    std::optional<std::int64_t> sub_number;
    std::optional<std::string> table_name;        ///< kitchen events
    std::optional<std::int64_t> number_of_guests; ///< kitchen events
    nlohmann::json extra;
};
/// Field table of Table.
constexpr auto fields(detail::type_tag<Table>) {
    using namespace detail;
    return std::make_tuple(opt("number", &Table::number), opt("subNumber", &Table::sub_number),
                           opt("tableName", &Table::table_name),
                           opt("numberOfGuests", &Table::number_of_guests));
}

/// An external discount: on a session line, and in a reply's line changes and additions.
struct ExternalDiscount {
    std::optional<std::string> discount_id; ///< an id the integrator generates and stores
    std::optional<std::string> discount_description;
    std::optional<Decimal> discount_percentage; ///< stacks with discount_amount
    std::optional<Decimal> discount_amount;     ///< stacks with discount_percentage
    std::optional<Decimal> apply_to_quantity;   ///< replies: how many of the line's quantity
    std::optional<std::string> discount_type;   ///< replies: free text, a filter in reports
    nlohmann::json extra;
};
/// Field table of ExternalDiscount.
constexpr auto fields(detail::type_tag<ExternalDiscount>) {
    using namespace detail;
    return std::make_tuple(opt("discountId", &ExternalDiscount::discount_id),
                           opt("discountDescription", &ExternalDiscount::discount_description),
                           opt("discountPercentage", &ExternalDiscount::discount_percentage),
                           opt("discountAmount", &ExternalDiscount::discount_amount),
                           opt("applyToQuantity", &ExternalDiscount::apply_to_quantity),
                           opt("discountType", &ExternalDiscount::discount_type));
}

/// A line of the session (`session.lines[]`, and the line of the line events).
struct SessionLine {
    std::string line_id;
    std::optional<std::int64_t> article_number;
    std::optional<Decimal> price_incl;
    std::optional<Decimal> quantity;
    std::string text;
    std::optional<Decimal> discount_percentage;
    std::optional<Decimal> discount_amount;
    std::optional<std::string> supplier_article_number;
    std::optional<std::string> plu_number;
    std::optional<std::string> ext_article_id;
    std::optional<ExternalDiscount> external_discount;
    nlohmann::json preparation_methods; ///< newer POS versions; shape unpublished, kept raw
    nlohmann::json component_articles;  ///< newer POS versions; shape unpublished, kept raw
    nlohmann::json extra;
};
/// Field table of SessionLine.
constexpr auto fields(detail::type_tag<SessionLine>) {
    using namespace detail;
    return std::make_tuple(req("lineId", &SessionLine::line_id),
                           opt("articleNumber", &SessionLine::article_number),
                           opt("priceIncl", &SessionLine::price_incl),
                           opt("quantity", &SessionLine::quantity),
                           req("text", &SessionLine::text),
                           opt("discountPercentage", &SessionLine::discount_percentage),
                           opt("discountAmount", &SessionLine::discount_amount),
                           opt("supplierArticleNumber", &SessionLine::supplier_article_number),
                           opt("pluNumber", &SessionLine::plu_number),
                           opt("extArticleId", &SessionLine::ext_article_id),
                           opt("externalDiscount", &SessionLine::external_discount),
                           opt("preparationMethods", &SessionLine::preparation_methods),
                           opt("componentArticles", &SessionLine::component_articles));
}

/// A payment: `completeSession.payments[]` and `session.payments[]`.
struct Payment {
    Decimal amount;
    std::string description; ///< the payment method's label
    std::string method;      ///< the payment method's reference id
    nlohmann::json extra;
};
/// Field table of Payment.
constexpr auto fields(detail::type_tag<Payment>) {
    using namespace detail;
    return std::make_tuple(req("amount", &Payment::amount),
                           req("description", &Payment::description),
                           req("method", &Payment::method));
}

/// A relation (customer): `session.relation` and `selectRelation.relation`.
struct Relation {
    std::int64_t relation_number = 0;
    std::optional<std::string> name;
    nlohmann::json extra; ///< the other relation fields the POS sends
};
/// Field table of Relation.
constexpr auto fields(detail::type_tag<Relation>) {
    using namespace detail;
    return std::make_tuple(req("relationNumber", &Relation::relation_number),
                           opt("name", &Relation::name));
}

/// `session`: the current sale.
struct Session {
    std::string session_id;
    std::optional<Table> table;
    std::vector<SessionLine> lines;
    std::optional<Relation> relation;
    std::vector<Payment> payments; ///< every (pre)payment; omitted when empty
    std::optional<Decimal> open_amount;
    std::optional<Decimal> total_incl_amount;
    std::optional<Decimal> total_excl_amount;
    nlohmann::json extra;

    /// The line with `line_id`, or nullptr.
    const SessionLine* find_line(std::string_view line_id) const noexcept {
        for (const auto& l : lines) {
            if (l.line_id == line_id) return &l;
        }
        return nullptr;
    }
};
/// Field table of Session.
constexpr auto fields(detail::type_tag<Session>) {
    using namespace detail;
    return std::make_tuple(req("sessionId", &Session::session_id), opt("table", &Session::table),
                           req("lines", &Session::lines), opt("relation", &Session::relation),
                           opt("payments", &Session::payments),
                           opt("openAmount", &Session::open_amount),
                           opt("totalInclAmount", &Session::total_incl_amount),
                           opt("totalExclAmount", &Session::total_excl_amount));
}

/// `scanCode` of a scanCode request: what was scanned.
struct ScannedCode {
    std::string scanned_code;
    std::optional<CodeType> code_type;
    nlohmann::json extra;
};
/// Field table of ScannedCode.
constexpr auto fields(detail::type_tag<ScannedCode>) {
    using namespace detail;
    return std::make_tuple(req("scannedCode", &ScannedCode::scanned_code),
                           opt("codeType", &ScannedCode::code_type));
}

/// `addSessionLine`, `updateSessionLine`, `removeSessionLine`: the line concerned. The POS
/// sends it wrapped (`{"line":{...}}`, canonical) or, in one published sample, flat.
struct LineEventDetails {
    SessionLine line;
    bool flat = false; ///< read without the `line` wrapper; written back the same way
    nlohmann::json extra;
};

namespace detail {
/// LineEventDetails: `{"line":{...}}`, or the line's fields straight in the object.
template <>
struct Codec<LineEventDetails> {
    static constexpr std::uint64_t line_bit = std::uint64_t{1} << 63;
    using LineCodec = StructCodec<SessionLine>;

    static bool on_key(Reader& r, std::string& key) {
        Frame& f = r.top();
        auto& d = *static_cast<LineEventDetails*>(f.target);
        if (key == "line") {
            f.seen |= line_bit;
            r.expect(&d.line, &LineCodec::read, "line", false);
            return true;
        }
        if (LineCodec::is_known_key(key)) {
            d.flat = true;
            return LineCodec::on_key_of(r, d.line, key);
        }
        return LineCodec::read_unknown(r, d.extra, key);
    }
    static bool on_end(Reader& r) {
        const Frame& f = r.top();
        const auto& d = *static_cast<const LineEventDetails*>(f.target);
        if ((f.seen & line_bit) != 0 && !d.flat) return true;
        if (d.flat) return LineCodec::check_required(r, f.seen);
        std::string path = r.container_path();
        Reader::append_pointer_key(path, "line");
        return r.add_error(errc::invalid_data, std::move(path), "required field is missing");
    }
    static constexpr ObjectOps ops{&on_key, &on_end};

    static bool read(Reader& r, void* p, const Token& t) {
        if (t.kind != Token::Kind::object) return r.type_error("object", t);
        *static_cast<LineEventDetails*>(p) = LineEventDetails{};
        return r.push_object(p, &ops);
    }
    static bool is_line_key(std::string_view key) noexcept { return key == "line"; }
    static void write(std::string& out, const LineEventDetails& d, const WriteOptions& o) {
        out.push_back('{');
        bool first = true;
        if (d.flat) {
            LineCodec::write_fields(out, d.line, o, first);
        } else {
            out.append("\"line\":");
            LineCodec::write(out, d.line, o);
            first = false;
        }
        if (o.include_unknown) {
            LineCodec::write_unknown(out, d.extra, first,
                                     d.flat ? &LineCodec::is_known_key : &is_line_key);
        }
        out.push_back('}');
    }
};

} // namespace detail

/// `mergeSession`: the session the current one is merged with.
struct MergeSession {
    std::string merge_with_session_id;
    nlohmann::json extra;
};
/// Field table of MergeSession.
constexpr auto fields(detail::type_tag<MergeSession>) {
    using namespace detail;
    return std::make_tuple(req("mergeWithSessionId", &MergeSession::merge_with_session_id));
}

/// `completeSession`: the payments of the final transaction only.
struct CompleteSession {
    std::vector<Payment> payments;
    nlohmann::json extra;
};
/// Field table of CompleteSession.
constexpr auto fields(detail::type_tag<CompleteSession>) {
    using namespace detail;
    return std::make_tuple(req("payments", &CompleteSession::payments));
}

/// `selectRelation` (v43.1.1): the selected relation, empty on deselect. Both deselect forms
/// (`"selectRelation":null` and `{"relation":null}`) read as deselected.
struct SelectRelation {
    std::optional<Relation> relation;
    nlohmann::json extra;
};
/// Field table of SelectRelation.
constexpr auto fields(detail::type_tag<SelectRelation>) {
    using namespace detail;
    return std::make_tuple(req("relation", &SelectRelation::relation));
}

namespace detail {
/// SelectRelation: a null object means deselected, like `{"relation":null}`.
template <>
struct Codec<SelectRelation> : StructCodec<SelectRelation> {
    static bool read(Reader& r, void* p, const Token& t) {
        if (t.kind == Token::Kind::null) {
            *static_cast<SelectRelation*>(p) = SelectRelation{};
            return true;
        }
        return StructCodec<SelectRelation>::read(r, p, t);
    }
};
} // namespace detail

/// `customAction`: the button that was pressed.
struct CustomAction {
    std::string custom_action_id;
    std::string button_caption;
    bool on_startup = false;
    std::optional<bool> long_click;
    std::optional<Decimal> numpad_value;
    nlohmann::json extra;
};
/// Field table of CustomAction.
constexpr auto fields(detail::type_tag<CustomAction>) {
    using namespace detail;
    return std::make_tuple(req("customActionId", &CustomAction::custom_action_id),
                           req("buttonCaption", &CustomAction::button_caption),
                           req("onStartup", &CustomAction::on_startup),
                           opt("longClick", &CustomAction::long_click),
                           opt("numpadValue", &CustomAction::numpad_value));
}

/// `cafeteriaOrder` of the kitchen events.
struct CafeteriaOrder {
    std::optional<std::string> order_id;
    std::optional<std::int64_t> year;
    std::optional<std::int64_t> number;
    std::optional<std::int64_t> ticket_number;
    nlohmann::json extra;
};
/// Field table of CafeteriaOrder.
constexpr auto fields(detail::type_tag<CafeteriaOrder>) {
    using namespace detail;
    return std::make_tuple(opt("orderId", &CafeteriaOrder::order_id),
                           opt("year", &CafeteriaOrder::year),
                           opt("number", &CafeteriaOrder::number),
                           opt("ticketNumber", &CafeteriaOrder::ticket_number));
}

/// `tableOrder` of the kitchen events.
struct TableOrder {
    std::optional<std::string> order_id;
    std::optional<std::int64_t> year;
    std::optional<std::int64_t> number;
    nlohmann::json extra;
};
/// Field table of TableOrder.
constexpr auto fields(detail::type_tag<TableOrder>) {
    using namespace detail;
    return std::make_tuple(opt("orderId", &TableOrder::order_id), opt("year", &TableOrder::year),
                           opt("number", &TableOrder::number));
}

/// `course` of the kitchen events.
struct Course {
    std::optional<std::int64_t> course_number;
    std::optional<std::string> name;
    std::optional<std::string> abbreviation;
    std::optional<std::int64_t> sequence_number;
    nlohmann::json expected_preparation_time; ///< type unpublished: kept raw
    nlohmann::json actual_preparation_time;   ///< type unpublished: kept raw
    nlohmann::json extra;
};
/// Field table of Course.
constexpr auto fields(detail::type_tag<Course>) {
    using namespace detail;
    return std::make_tuple(opt("courseNumber", &Course::course_number),
                           opt("name", &Course::name),
                           opt("abbreviation", &Course::abbreviation),
                           opt("sequenceNumber", &Course::sequence_number),
                           opt("expectedPreparationTime", &Course::expected_preparation_time),
                           opt("actualPreparationTime", &Course::actual_preparation_time));
}

/// `externalPayment` of the four external-payment events.
struct ExternalPaymentDetails {
    std::string external_payment_id; ///< new for each payment; echo it in every reply
    Decimal amount;
    std::string method; ///< the payment method configured to call the webhook
    std::optional<std::string> callback_url; ///< v56: call it once the final status is known
    nlohmann::json extra;
};
/// Field table of ExternalPaymentDetails.
constexpr auto fields(detail::type_tag<ExternalPaymentDetails>) {
    using namespace detail;
    return std::make_tuple(req("externalPaymentId", &ExternalPaymentDetails::external_payment_id),
                           req("amount", &ExternalPaymentDetails::amount),
                           req("method", &ExternalPaymentDetails::method),
                           opt("callbackUrl", &ExternalPaymentDetails::callback_url));
}

/// `dialog` on a re-sent request: the options the user chose (possibly none).
struct DialogSelection {
    std::vector<std::int64_t> selected_dialog_option_ids;
    nlohmann::json extra;
};
/// Field table of DialogSelection.
constexpr auto fields(detail::type_tag<DialogSelection>) {
    using namespace detail;
    return std::make_tuple(
        req("selectedDialogOptionIds", &DialogSelection::selected_dialog_option_ids));
}

/// A submitted form field: its value (always a string) and, for select fields, the options.
struct FormFieldValue {
    std::string id;
    std::optional<std::string> value;
    std::vector<std::string> selected;
    nlohmann::json extra;
};
/// Field table of FormFieldValue.
constexpr auto fields(detail::type_tag<FormFieldValue>) {
    using namespace detail;
    return std::make_tuple(req("id", &FormFieldValue::id), opt("value", &FormFieldValue::value),
                           opt("selected", &FormFieldValue::selected));
}

/// `form` on a re-sent request (v59): the submitted values, or cancelled.
struct FormSubmission {
    std::string id;
    std::optional<bool> cancelled;
    std::vector<FormFieldValue> fields;
    nlohmann::json extra;

    /// The submitted field `field_id`, or nullptr.
    const FormFieldValue* field(std::string_view field_id) const noexcept {
        for (const auto& f : fields) {
            if (f.id == field_id) return &f;
        }
        return nullptr;
    }
};
/// Field table of FormSubmission.
constexpr auto fields(detail::type_tag<FormSubmission>) {
    using namespace detail;
    return std::make_tuple(req("id", &FormSubmission::id),
                           opt("cancelled", &FormSubmission::cancelled),
                           opt("fields", &FormSubmission::fields));
}

/// `openUrl` on a request (v48): present when the client can open URLs.
struct OpenUrlPreferences {
    std::optional<std::string> redirect_url;
    nlohmann::json extra;
};
/// Field table of OpenUrlPreferences.
constexpr auto fields(detail::type_tag<OpenUrlPreferences>) {
    using namespace detail;
    return std::make_tuple(opt("redirectUrl", &OpenUrlPreferences::redirect_url));
}

/// An error object: `{"code":"...","message":"..."}`, in both directions.
struct ErrorInfo {
    ErrorCode code;
    std::string message;
    nlohmann::json extra;
};
/// Field table of ErrorInfo.
constexpr auto fields(detail::type_tag<ErrorInfo>) {
    using namespace detail;
    return std::make_tuple(req("code", &ErrorInfo::code), opt("message", &ErrorInfo::message));
}

// ---------------------------------------------------------------------------------------------
// Requests, one type per shape; events::* (events.hpp) names which event uses which.

/// What every request carries: event, sender and the re-send objects.
struct RequestBase {
    Event event;
    Sender sender;
    std::optional<DialogSelection> dialog; ///< only on the re-send after a dialog reply
    std::optional<FormSubmission> form;    ///< only on the re-send after a form reply
    std::optional<OpenUrlPreferences> open_url; ///< only when the client can open URLs
    nlohmann::json extra;
};
/// Field table of RequestBase.
constexpr auto fields(detail::type_tag<RequestBase>) {
    using namespace detail;
    return std::make_tuple(req("event", &RequestBase::event), req("sender", &RequestBase::sender),
                           opt("dialog", &RequestBase::dialog), opt("form", &RequestBase::form),
                           opt("openUrl", &RequestBase::open_url));
}

/// A request that carries the session and nothing else of its own (startSession,
/// pauseSession, resumeSession, startPayment, cancelPayment, cancelSession, creditSession).
struct SessionRequest : RequestBase {
    Session session;
};
/// Field table of SessionRequest.
constexpr auto fields(detail::type_tag<SessionRequest>) {
    using namespace detail;
    return std::tuple_cat(fields(type_tag<RequestBase>{}),
                          std::make_tuple(req("session", &SessionRequest::session)));
}

/// scanCode: a code was scanned that the POS may not know.
struct ScanCodeRequest : SessionRequest {
    ScannedCode scan_code;
};
/// Field table of ScanCodeRequest.
constexpr auto fields(detail::type_tag<ScanCodeRequest>) {
    using namespace detail;
    return std::tuple_cat(fields(type_tag<SessionRequest>{}),
                          std::make_tuple(details("scanCode", &ScanCodeRequest::scan_code)));
}

/// addSessionLine: a line was added.
struct AddSessionLineRequest : SessionRequest {
    LineEventDetails add_session_line;
};
/// updateSessionLine: a line was changed (handheld beta).
struct UpdateSessionLineRequest : SessionRequest {
    LineEventDetails update_session_line;
};
/// removeSessionLine: a line was removed.
struct RemoveSessionLineRequest : SessionRequest {
    LineEventDetails remove_session_line;
};

/// selectRelation (v43.1.1): a relation was selected or deselected.
struct SelectRelationRequest : SessionRequest {
    SelectRelation select_relation;
};
/// Field table of AddSessionLineRequest.
constexpr auto fields(detail::type_tag<AddSessionLineRequest>) {
    using namespace detail;
    return std::tuple_cat(
        fields(type_tag<SessionRequest>{}),
        std::make_tuple(details("addSessionLine", &AddSessionLineRequest::add_session_line)));
}
/// Field table of UpdateSessionLineRequest.
constexpr auto fields(detail::type_tag<UpdateSessionLineRequest>) {
    using namespace detail;
    return std::tuple_cat(fields(type_tag<SessionRequest>{}),
                          std::make_tuple(details("updateSessionLine",
                                                  &UpdateSessionLineRequest::update_session_line)));
}
/// Field table of RemoveSessionLineRequest.
constexpr auto fields(detail::type_tag<RemoveSessionLineRequest>) {
    using namespace detail;
    return std::tuple_cat(fields(type_tag<SessionRequest>{}),
                          std::make_tuple(details("removeSessionLine",
                                                  &RemoveSessionLineRequest::remove_session_line)));
}

/// Field table of SelectRelationRequest.
constexpr auto fields(detail::type_tag<SelectRelationRequest>) {
    using namespace detail;
    return std::tuple_cat(
        fields(type_tag<SessionRequest>{}),
        std::make_tuple(details("selectRelation", &SelectRelationRequest::select_relation)));
}

/// mergeSession: the session is merged with another one.
struct MergeSessionRequest : SessionRequest {
    MergeSession merge_session;
};
/// Field table of MergeSessionRequest.
constexpr auto fields(detail::type_tag<MergeSessionRequest>) {
    using namespace detail;
    return std::tuple_cat(
        fields(type_tag<SessionRequest>{}),
        std::make_tuple(details("mergeSession", &MergeSessionRequest::merge_session)));
}

/// completeSession: the sale was paid.
struct CompleteSessionRequest : SessionRequest {
    CompleteSession complete_session;
};
/// Field table of CompleteSessionRequest.
constexpr auto fields(detail::type_tag<CompleteSessionRequest>) {
    using namespace detail;
    return std::tuple_cat(
        fields(type_tag<SessionRequest>{}),
        std::make_tuple(details("completeSession", &CompleteSessionRequest::complete_session)));
}

/// printBill: a bill is printed; its previous payments are unpublished and kept raw.
struct PrintBillRequest : SessionRequest {
    nlohmann::json print_bill;
};
/// Field table of PrintBillRequest.
constexpr auto fields(detail::type_tag<PrintBillRequest>) {
    using namespace detail;
    return std::tuple_cat(fields(type_tag<SessionRequest>{}),
                          std::make_tuple(details("printBill", &PrintBillRequest::print_bill)));
}

/// customAction: a custom button was pressed (also at POS start-up, possibly without session).
struct CustomActionRequest : RequestBase {
    std::optional<Session> session;
    CustomAction custom_action;
};
/// Field table of CustomActionRequest.
constexpr auto fields(detail::type_tag<CustomActionRequest>) {
    using namespace detail;
    return std::tuple_cat(
        fields(type_tag<RequestBase>{}),
        std::make_tuple(opt("session", &CustomActionRequest::session),
                        details("customAction", &CustomActionRequest::custom_action)));
}

/// backgroundPoll: runs all the time the POS runs; no session; always blocking and polling.
struct BackgroundPollRequest : RequestBase {};
/// Field table of BackgroundPollRequest.
constexpr auto fields(detail::type_tag<BackgroundPollRequest>) {
    return fields(detail::type_tag<RequestBase>{});
}

/// kitchenStartCourse, kitchenCompleteCourse, kitchenServeCourse: which objects come varies.
struct KitchenRequest : RequestBase {
    std::optional<Session> session;
    std::optional<CafeteriaOrder> cafeteria_order;
    std::optional<TableOrder> table_order;
    std::optional<Table> table;
    std::optional<Course> course;
    nlohmann::json order; ///< `order`: fields unpublished, kept raw
};
/// Field table of KitchenRequest.
constexpr auto fields(detail::type_tag<KitchenRequest>) {
    using namespace detail;
    return std::tuple_cat(fields(type_tag<RequestBase>{}),
                          std::make_tuple(opt("session", &KitchenRequest::session),
                                          opt("cafeteriaOrder", &KitchenRequest::cafeteria_order),
                                          opt("tableOrder", &KitchenRequest::table_order),
                                          opt("table", &KitchenRequest::table),
                                          opt("course", &KitchenRequest::course),
                                          opt("order", &KitchenRequest::order)));
}

/// startExternalPayment, pollExternalPayment, requestCancelExternalPayment,
/// cancelExternalPayment.
struct ExternalPaymentRequest : RequestBase {
    std::optional<Session> session;
    ExternalPaymentDetails external_payment;
};
/// Field table of ExternalPaymentRequest.
constexpr auto fields(detail::type_tag<ExternalPaymentRequest>) {
    using namespace detail;
    return std::tuple_cat(
        fields(type_tag<RequestBase>{}),
        std::make_tuple(opt("session", &ExternalPaymentRequest::session),
                        details("externalPayment", &ExternalPaymentRequest::external_payment)));
}

/// The POS's error request: a reply of ours broke a rule. Not an event of its own: it comes
/// to the URL of the event whose reply failed, with `error` and the whole `original` request.
struct PosErrorRequest {
    ErrorInfo error;
    nlohmann::json original;
    nlohmann::json extra;
};
/// Field table of PosErrorRequest.
constexpr auto fields(detail::type_tag<PosErrorRequest>) {
    using namespace detail;
    return std::make_tuple(req("error", &PosErrorRequest::error),
                           req("original", &PosErrorRequest::original));
}

MPLUS_WEBHOOKS_END_NAMESPACE
