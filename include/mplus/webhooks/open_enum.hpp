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
    static constexpr std::string_view barcode = "barcode";
    static constexpr std::string_view rfid = "rfid";
    static constexpr std::string_view qrcode = "qrcode";
    static constexpr std::string_view known[] = {barcode, rfid, qrcode};
};
/// The kind of a scanned or displayed code.
using CodeType = OpenEnum<CodeTypeValues>;

/// Known values of `sender.deviceType`.
struct DeviceTypeValues {
    static constexpr std::string_view mobile = "Mobile";
    static constexpr std::string_view tablet = "Tablet";
    static constexpr std::string_view desktop = "Desktop";
    static constexpr std::string_view bot = "Bot";
    static constexpr std::string_view known[] = {mobile, tablet, desktop, bot};
};
/// The device class of a web-app POS.
using DeviceType = OpenEnum<DeviceTypeValues>;

/// Known values of the receipt printer's `overallState`.
struct PrinterOverallStateValues {
    static constexpr std::string_view offline = "Offline";
    static constexpr std::string_view not_ready = "NotReady";
    static constexpr std::string_view ready = "Ready";
    static constexpr std::string_view known[] = {offline, not_ready, ready};
};
/// The receipt printer's overall state (announced for a future POS version).
using PrinterOverallState = OpenEnum<PrinterOverallStateValues>;

/// Known values of the receipt printer's `coverState`.
struct PrinterCoverStateValues {
    static constexpr std::string_view unknown = "Unknown";
    static constexpr std::string_view open = "Open";
    static constexpr std::string_view closed = "Closed";
    static constexpr std::string_view known[] = {unknown, open, closed};
};
/// The receipt printer's cover state.
using PrinterCoverState = OpenEnum<PrinterCoverStateValues>;

/// Known values of the receipt printer's `paperState`.
struct PrinterPaperStateValues {
    static constexpr std::string_view unknown = "Unknown";
    static constexpr std::string_view empty = "Empty";
    static constexpr std::string_view low = "Low";
    static constexpr std::string_view present = "Present";
    static constexpr std::string_view known[] = {unknown, empty, low, present};
};
/// The receipt printer's paper state.
using PrinterPaperState = OpenEnum<PrinterPaperStateValues>;

/// Known values of a footer barcode's `codeType`.
struct FooterCodeTypeValues {
    static constexpr std::string_view code128 = "code128";
    static constexpr std::string_view qrcode = "qrcode";
    static constexpr std::string_view known[] = {code128, qrcode};
};
/// The barcode symbology printed in a receipt or bill footer (code128 when absent).
using FooterCodeType = OpenEnum<FooterCodeTypeValues>;

/// Known values of a footer text's `align`.
struct AlignValues {
    static constexpr std::string_view left = "left";
    static constexpr std::string_view center = "center";
    static constexpr std::string_view right = "right";
    static constexpr std::string_view known[] = {left, center, right};
};
/// Alignment of a footer text.
using Align = OpenEnum<AlignValues>;

/// Known values of `vatMethodChange`.
struct VatMethodValues {
    static constexpr std::string_view inclusive = "inclusive";
    static constexpr std::string_view exclusive = "exclusive";
    static constexpr std::string_view shifted = "shifted";
    static constexpr std::string_view known[] = {inclusive, exclusive, shifted};
};
/// The VAT method a reply switches the session to.
using VatMethod = OpenEnum<VatMethodValues>;

/// Known values of a form field's `type`.
struct FormFieldTypeValues {
    static constexpr std::string_view text = "text";
    static constexpr std::string_view email = "email";
    static constexpr std::string_view number = "number";
    static constexpr std::string_view select = "select";
    static constexpr std::string_view date = "date";
    static constexpr std::string_view time = "time";
    static constexpr std::string_view checkbox = "checkbox";
    static constexpr std::string_view label = "label";
    static constexpr std::string_view known[] = {text, email, number,   select,
                                                 date, time,  checkbox, label};
};
/// The kind of a form field.
using FormFieldType = OpenEnum<FormFieldTypeValues>;

/// Known values of a form field's `separator`.
struct SeparatorValues {
    static constexpr std::string_view none = "none";
    static constexpr std::string_view above = "above";
    static constexpr std::string_view below = "below";
    static constexpr std::string_view known[] = {none, above, below};
};
/// Where a form field draws a separator line.
using Separator = OpenEnum<SeparatorValues>;

/// Known values of an external payment receipt text's `type`.
struct ReceiptTextTypeValues {
    static constexpr std::string_view cardholder = "cardholder";
    static constexpr std::string_view merchant = "merchant";
    static constexpr std::string_view known[] = {cardholder, merchant};
};
/// For whom a payment receipt text is printed (cardholder when absent).
using ReceiptTextType = OpenEnum<ReceiptTextTypeValues>;

/// Known wire codes of the protocol's error objects (the set is open: integrators add theirs),
/// named after their errc; the texts come from the one table, wire_code() in error.hpp.
struct ErrorCodeValues {
    static constexpr std::string_view no_signature = wire_code(errc::no_signature);
    static constexpr std::string_view invalid_signature = wire_code(errc::invalid_signature);
    static constexpr std::string_view invalid_json = wire_code(errc::invalid_json);
    static constexpr std::string_view invalid_data = wire_code(errc::invalid_data);
    static constexpr std::string_view no_subscription_id = wire_code(errc::no_subscription_id);
    static constexpr std::string_view invalid_subscription_id =
        wire_code(errc::invalid_subscription_id);
    static constexpr std::string_view no_content_type = wire_code(errc::no_content_type);
    static constexpr std::string_view invalid_content_type = wire_code(errc::invalid_content_type);
    static constexpr std::string_view no_event_details = wire_code(errc::no_event_details);
    static constexpr std::string_view no_scanned_code = wire_code(errc::no_scanned_code);
    static constexpr std::string_view line_already_has_discount =
        wire_code(errc::line_already_has_discount);
    static constexpr std::string_view invalid_line_id = wire_code(errc::invalid_line_id);
    static constexpr std::string_view line_id_already_exists =
        wire_code(errc::line_id_already_exists);
    static constexpr std::string_view invalid_relation_number =
        wire_code(errc::invalid_relation_number);
    static constexpr std::string_view invalid_article = wire_code(errc::invalid_article);
    static constexpr std::string_view invalid_discount_percentage =
        wire_code(errc::invalid_discount_percentage);
    static constexpr std::string_view invalid_receipt_footer_code =
        wire_code(errc::invalid_receipt_footer_code);
    static constexpr std::string_view invalid_receipt_footer_code_type =
        wire_code(errc::invalid_receipt_footer_code_type);
    static constexpr std::string_view line_change_not_allowed =
        wire_code(errc::line_change_not_allowed);
    static constexpr std::string_view line_addition_not_allowed =
        wire_code(errc::line_addition_not_allowed);
    static constexpr auto known = protocol_wire_codes;
};
/// A wire error code.
using ErrorCode = OpenEnum<ErrorCodeValues>;

MPLUS_WEBHOOKS_END_NAMESPACE
