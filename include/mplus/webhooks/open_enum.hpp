// Open string enumerations: the known values have names, unknown ones are kept verbatim.
// SPDX-License-Identifier: MIT
#pragma once

#include <mplus/webhooks/config.hpp>
#include <mplus/webhooks/error.hpp>

#include <string>
#include <string_view>
#include <utility>

MPLUS_WEBHOOKS_BEGIN_NAMESPACE

/// A string enumeration of the protocol. `Values` names the known values as
/// `static constexpr std::string_view` members (reachable as `CodeType::qrcode`) and lists them
/// in `known`. Any other string is kept verbatim and written back unchanged: the POS adds
/// values over time.
template <class Values>
class OpenEnum : public Values {
public:
    OpenEnum() = default;
    /// Any value, known or not.
    OpenEnum(std::string value) : value_(std::move(value)) {} // NOLINT(google-explicit-constructor)
    /// Any value, known or not.
    OpenEnum(std::string_view value) : value_(value) {} // NOLINT(google-explicit-constructor)
    /// Any value, known or not.
    OpenEnum(const char* value) : value_(value) {} // NOLINT(google-explicit-constructor)

    /// The value as sent or set.
    const std::string& str() const noexcept { return value_; }
    /// True when no value is set.
    bool empty() const noexcept { return value_.empty(); }
    /// True when the value is one of the known ones.
    bool is_known() const noexcept {
        for (std::string_view k : Values::known) {
            if (k == value_) return true;
        }
        return false;
    }

    friend bool operator==(const OpenEnum& a, const OpenEnum& b) noexcept {
        return a.value_ == b.value_;
    }
    friend bool operator!=(const OpenEnum& a, const OpenEnum& b) noexcept { return !(a == b); }
    friend bool operator==(const OpenEnum& a, std::string_view b) noexcept { return a.value_ == b; }
    friend bool operator!=(const OpenEnum& a, std::string_view b) noexcept { return !(a == b); }
    friend bool operator==(std::string_view a, const OpenEnum& b) noexcept { return b.value_ == a; }
    friend bool operator!=(std::string_view a, const OpenEnum& b) noexcept { return !(a == b); }
    friend bool operator==(const OpenEnum& a, const char* b) noexcept { return a.value_ == b; }
    friend bool operator!=(const OpenEnum& a, const char* b) noexcept { return !(a == b); }
    friend bool operator==(const char* a, const OpenEnum& b) noexcept { return b.value_ == a; }
    friend bool operator!=(const char* a, const OpenEnum& b) noexcept { return !(a == b); }
    friend bool operator==(const OpenEnum& a, const std::string& b) noexcept {
        return a.value_ == b;
    }
    friend bool operator!=(const OpenEnum& a, const std::string& b) noexcept { return !(a == b); }
    friend bool operator==(const std::string& a, const OpenEnum& b) noexcept {
        return b.value_ == a;
    }
    friend bool operator!=(const std::string& a, const OpenEnum& b) noexcept { return !(a == b); }

private:
    std::string value_;
};

/// Known values of `scanCode.codeType` and `displayBarcode.codeType`.
struct CodeTypeValues {
    static constexpr std::string_view barcode = "barcode";               ///< a barcode
    static constexpr std::string_view rfid = "rfid";                     ///< an RFID tag
    static constexpr std::string_view qrcode = "qrcode";                 ///< a QR code
    static constexpr std::string_view known[] = {barcode, rfid, qrcode}; ///< every known value
};
/// The kind of a scanned or displayed code.
using CodeType = OpenEnum<CodeTypeValues>;

/// Known values of `sender.deviceType`.
struct DeviceTypeValues {
    static constexpr std::string_view mobile = "Mobile";   ///< a phone
    static constexpr std::string_view tablet = "Tablet";   ///< a tablet
    static constexpr std::string_view desktop = "Desktop"; ///< a desktop computer
    static constexpr std::string_view bot = "Bot";         ///< an automated client
    static constexpr std::string_view known[] = {mobile, tablet, desktop,
                                                 bot}; ///< every known value
};
/// The device class of a web-app POS.
using DeviceType = OpenEnum<DeviceTypeValues>;

/// Known values of the receipt printer's `overallState`.
struct PrinterOverallStateValues {
    static constexpr std::string_view offline = "Offline";    ///< not reachable
    static constexpr std::string_view not_ready = "NotReady"; ///< reachable, cannot print now
    static constexpr std::string_view ready = "Ready";        ///< ready to print
    static constexpr std::string_view known[] = {offline, not_ready, ready}; ///< every known value
};
/// The receipt printer's overall state (announced for a future POS version).
using PrinterOverallState = OpenEnum<PrinterOverallStateValues>;

/// Known values of the receipt printer's `coverState`.
struct PrinterCoverStateValues {
    static constexpr std::string_view unknown = "Unknown";               ///< not known
    static constexpr std::string_view open = "Open";                     ///< open: cannot print
    static constexpr std::string_view closed = "Closed";                 ///< closed
    static constexpr std::string_view known[] = {unknown, open, closed}; ///< every known value
};
/// The receipt printer's cover state.
using PrinterCoverState = OpenEnum<PrinterCoverStateValues>;

/// Known values of the receipt printer's `paperState`.
struct PrinterPaperStateValues {
    static constexpr std::string_view unknown = "Unknown"; ///< not known
    static constexpr std::string_view empty = "Empty";     ///< out of paper
    static constexpr std::string_view low = "Low";         ///< paper running low
    static constexpr std::string_view present = "Present"; ///< paper loaded
    static constexpr std::string_view known[] = {unknown, empty, low,
                                                 present}; ///< every known value
};
/// The receipt printer's paper state.
using PrinterPaperState = OpenEnum<PrinterPaperStateValues>;

/// Known values of a footer barcode's `codeType`.
struct FooterCodeTypeValues {
    static constexpr std::string_view code128 = "code128"; ///< a Code 128 barcode (the default)
    static constexpr std::string_view qrcode = "qrcode";   ///< a QR code
    static constexpr std::string_view known[] = {code128, qrcode}; ///< every known value
};
/// The barcode symbology printed in a receipt or bill footer (code128 when absent).
using FooterCodeType = OpenEnum<FooterCodeTypeValues>;

/// Known values of a footer text's `align`.
struct AlignValues {
    static constexpr std::string_view left = "left";                   ///< left-aligned
    static constexpr std::string_view center = "center";               ///< centred
    static constexpr std::string_view right = "right";                 ///< right-aligned
    static constexpr std::string_view known[] = {left, center, right}; ///< every known value
};
/// Alignment of a footer text.
using Align = OpenEnum<AlignValues>;

/// Known values of `vatMethodChange`.
struct VatMethodValues {
    static constexpr std::string_view inclusive = "inclusive"; ///< prices include VAT
    static constexpr std::string_view exclusive = "exclusive"; ///< prices exclude VAT
    static constexpr std::string_view shifted =
        "shifted"; ///< VAT shifted to the buyer (reverse charge)
    static constexpr std::string_view known[] = {inclusive, exclusive,
                                                 shifted}; ///< every known value
};
/// The VAT method a reply switches the session to.
using VatMethod = OpenEnum<VatMethodValues>;

/// Known values of a form field's `type`.
struct FormFieldTypeValues {
    static constexpr std::string_view text = "text";         ///< a line of text
    static constexpr std::string_view email = "email";       ///< an e-mail address
    static constexpr std::string_view number = "number";     ///< a number
    static constexpr std::string_view select = "select";     ///< a choice among options
    static constexpr std::string_view date = "date";         ///< a date
    static constexpr std::string_view time = "time";         ///< a time of day
    static constexpr std::string_view checkbox = "checkbox"; ///< a yes/no box
    static constexpr std::string_view label = "label";       ///< text only, nothing to fill in
    /// Every known value.
    static constexpr std::string_view known[] = {text, email, number,   select,
                                                 date, time,  checkbox, label};
};
/// The kind of a form field.
using FormFieldType = OpenEnum<FormFieldTypeValues>;

/// Known values of a form field's `separator`.
struct SeparatorValues {
    static constexpr std::string_view none = "none";                  ///< no separator line
    static constexpr std::string_view above = "above";                ///< a line above the field
    static constexpr std::string_view below = "below";                ///< a line below the field
    static constexpr std::string_view known[] = {none, above, below}; ///< every known value
};
/// Where a form field draws a separator line.
using Separator = OpenEnum<SeparatorValues>;

/// Known values of an external payment receipt text's `type`.
struct ReceiptTextTypeValues {
    static constexpr std::string_view cardholder = "cardholder";        ///< the customer's copy
    static constexpr std::string_view merchant = "merchant";            ///< the shop's copy
    static constexpr std::string_view known[] = {cardholder, merchant}; ///< every known value
};
/// For whom a payment receipt text is printed (cardholder when absent).
using ReceiptTextType = OpenEnum<ReceiptTextTypeValues>;

/// Known wire codes of the protocol's error objects (the set is open: integrators add theirs),
/// named after their errc; the texts come from the one table, wire_code() in error.hpp.
struct ErrorCodeValues {
    /// The request had no X-Mplus-Signature.
    static constexpr std::string_view no_signature = wire_code(errc::no_signature);
    /// The signature did not match the body.
    static constexpr std::string_view invalid_signature = wire_code(errc::invalid_signature);
    /// The body is not JSON.
    static constexpr std::string_view invalid_json = wire_code(errc::invalid_json);
    /// A value has the wrong type or is missing.
    static constexpr std::string_view invalid_data = wire_code(errc::invalid_data);
    /// X-Mplus-Subscription-Id is missing.
    static constexpr std::string_view no_subscription_id = wire_code(errc::no_subscription_id);
    /// X-Mplus-Subscription-Id is not accepted.
    static constexpr std::string_view invalid_subscription_id =
        wire_code(errc::invalid_subscription_id);
    /// Content-Type is missing.
    static constexpr std::string_view no_content_type = wire_code(errc::no_content_type);
    /// Content-Type is not JSON.
    static constexpr std::string_view invalid_content_type = wire_code(errc::invalid_content_type);
    /// The event's own object is missing.
    static constexpr std::string_view no_event_details = wire_code(errc::no_event_details);
    /// ScanCode without a code.
    static constexpr std::string_view no_scanned_code = wire_code(errc::no_scanned_code);
    /// A line got a second external discount.
    static constexpr std::string_view line_already_has_discount =
        wire_code(errc::line_already_has_discount);
    /// A reply named a line the session lacks.
    static constexpr std::string_view invalid_line_id = wire_code(errc::invalid_line_id);
    /// An added line reused an existing id.
    static constexpr std::string_view line_id_already_exists =
        wire_code(errc::line_id_already_exists);
    /// A reply named an unknown relation.
    static constexpr std::string_view invalid_relation_number =
        wire_code(errc::invalid_relation_number);
    /// A reply named an unknown article.
    static constexpr std::string_view invalid_article = wire_code(errc::invalid_article);
    /// A discount percentage out of range.
    static constexpr std::string_view invalid_discount_percentage =
        wire_code(errc::invalid_discount_percentage);
    /// A footer barcode cannot hold its code.
    static constexpr std::string_view invalid_receipt_footer_code =
        wire_code(errc::invalid_receipt_footer_code);
    /// A footer barcode type is unknown.
    static constexpr std::string_view invalid_receipt_footer_code_type =
        wire_code(errc::invalid_receipt_footer_code_type);
    /// The reply may not change or delete that line.
    static constexpr std::string_view line_change_not_allowed =
        wire_code(errc::line_change_not_allowed);
    /// The reply may not add lines now.
    static constexpr std::string_view line_addition_not_allowed =
        wire_code(errc::line_addition_not_allowed);
    static constexpr auto known = protocol_wire_codes; ///< every known value
};
/// A wire error code.
using ErrorCode = OpenEnum<ErrorCodeValues>;

MPLUS_WEBHOOKS_END_NAMESPACE
