// Tests of the typed model against the fixtures: every field of every object is covered, every
// fixture round-trips, and the documented normalisations are exactly what changes.
// SPDX-License-Identifier: MIT
#include "model_test_support.hpp"

#include <mplus/webhooks.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#define MODEL_TEST_DEMANGLE 1
#endif

#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace wh = mplus::webhooks;
namespace whd = mplus::webhooks::detail;
using model_test::Fixture;

namespace {

const std::string ext_payment_id = "9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";

template <class T>
std::string type_name() {
    const char* mangled = typeid(T).name();
#ifdef MODEL_TEST_DEMANGLE
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> p(
        abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
    if (status == 0 && p) return p.get();
#endif
    return mangled;
}

template <class T>
inline constexpr bool is_optional_v = whd::is_optional<T>::value;
template <class T>
inline constexpr bool is_vector_v = whd::is_vector<T>::value;

template <class T, class F>
void for_each_field_of(F&& f) {
    constexpr auto table = fields(whd::type_tag<T>{});
    whd::for_each_field(table, f);
}

/// Which keys each object has (from the field tables) and which the fixtures fill.
///
/// The request types share one JSON object, the request, so their fields are counted together;
/// every other type is one JSON object of its own (Polling and Message each need every message
/// field).
class Coverage {
public:
    template <class T>
    static std::string owner() {
        if constexpr (std::is_base_of_v<wh::RequestBase, T>) {
            return "request";
        } else {
            return type_name<T>();
        }
    }

    /// Registers every described type reachable from T and its keys.
    template <class T>
    void declare() {
        if constexpr (is_optional_v<T> || is_vector_v<T>) {
            declare<typename T::value_type>();
        } else if constexpr (std::is_same_v<T, wh::Footer>) {
            declare<wh::FooterEntry>();
        } else if constexpr (std::is_same_v<T, wh::LineEventDetails>) {
            declare<wh::SessionLine>();
        } else if constexpr (whd::is_described_v<T>) {
            if (!declared_types_.insert(type_name<T>()).second) return;
            const std::string o = owner<T>();
            for_each_field_of<T>([&](auto, const auto& field) {
                keys_[o].insert(std::string(field.key));
                if ((field.flags & whd::read_alias) != 0)
                    aliases_.insert(o + " " + std::string(field.key));
                using M = std::remove_cv_t<
                    std::remove_reference_t<decltype(std::declval<const T&>().*(field.member))>>;
                declare<M>();
            });
        }
    }

    /// Records the fields that `v` (a parsed fixture) holds, recursively.
    template <class T>
    void visit(const T& v) {
        if constexpr (is_optional_v<T>) {
            if (v) visit(*v);
        } else if constexpr (is_vector_v<T>) {
            for (const auto& e : v) visit(e);
        } else if constexpr (std::is_same_v<T, wh::Footer>) {
            for (const auto& e : v.entries) visit(e);
        } else if constexpr (std::is_same_v<T, wh::LineEventDetails>) {
            visit(v.line);
        } else if constexpr (whd::is_described_v<T>) {
            const std::string o = owner<T>();
            for_each_field_of<T>([&](auto, const auto& field) {
                // An alias shares its member with the current name: only the text can tell.
                if ((field.flags & whd::read_alias) != 0) return;
                const auto& m = v.*(field.member);
                if ((field.flags & whd::required) != 0 || whd::has_content(m)) {
                    filled_[o].insert(std::string(field.key));
                }
                visit(m);
            });
        }
    }

    /// "owner key" for every declared key that is not filled, or (aliases and all) that does
    /// not occur as `"key":` in `text`.
    std::vector<std::string> missing(const std::string& text) const {
        std::vector<std::string> out;
        for (const auto& [o, keys] : keys_) {
            for (const auto& k : keys) {
                const bool alias = aliases_.count(o + " " + k) != 0;
                const auto filled = filled_.find(o);
                const bool is_filled =
                    alias || (filled != filled_.end() && filled->second.count(k) != 0);
                const bool in_text = text.find("\"" + k + "\":") != std::string::npos;
                if (!is_filled || !in_text) out.push_back(o + " " + k);
            }
        }
        return out;
    }

    std::size_t object_count() const { return keys_.size(); }
    std::size_t key_count() const {
        std::size_t n = 0;
        for (const auto& kv : keys_) n += kv.second.size();
        return n;
    }
    bool has_key(const std::string& o, const std::string& k) const {
        const auto it = keys_.find(o);
        return it != keys_.end() && it->second.count(k) != 0;
    }

private:
    std::set<std::string> declared_types_;
    std::map<std::string, std::set<std::string>> keys_;
    std::map<std::string, std::set<std::string>> filled_;
    std::set<std::string> aliases_;
};

template <class T>
struct tag {
    using type = T;
};

template <class... Ts>
void declare_requests(Coverage& c, wh::events::List<Ts...>) {
    (c.declare<typename Ts::request>(), ...);
}

/// Calls f(type_tag<request type>) for a request fixture.
template <class F>
void with_request_type(const Fixture& fx, F&& f) {
    if (fx.stem == "error-request") {
        f(tag<wh::PosErrorRequest>{});
        return;
    }
    const wh::EventKind kind = wh::find_event(fx.event());
    REQUIRE_MESSAGE(kind != wh::EventKind::unknown, "fixture of an unknown event: ", fx.stem);
    wh::visit_event(kind, [&](auto ev) { f(tag<typename decltype(ev)::request>{}); });
}

/// The input with the documented normalisations applied: what serialize must give back.
nlohmann::json normalised_request(nlohmann::json j) {
    if (j.contains("selectRelation") && j["selectRelation"].is_null()) {
        j["selectRelation"] = nlohmann::json{{"relation", nullptr}};
    }
    return j;
}

nlohmann::json normalised_reply(nlohmann::json j) {
    const auto footer_entry = [](nlohmann::json& e) {
        if (e.contains("text")) {
            e["textBefore"] = e["text"];
            e.erase("text");
        }
    };
    for (const char* key : {"receiptFooter", "billFooter"}) {
        if (!j.contains(key)) continue;
        auto& f = j[key];
        if (f.is_array()) {
            for (auto& e : f) footer_entry(e);
        } else {
            footer_entry(f);
        }
    }
    if (j.contains("form")) {
        for (auto& field : j["form"]["fields"]) {
            if (field.contains("miminumValue")) {
                field["minimumValue"] = field["miminumValue"];
                field.erase("miminumValue");
            }
        }
    }
    return j;
}

/// Parses `fx` as T, serializes it, and compares with `expected` by value; the text written
/// must also read back to the same text.
template <class T>
void check_round_trip(const Fixture& fx, const nlohmann::json& expected) {
    const auto r = wh::try_parse<T>(fx.text);
    REQUIRE_MESSAGE(r.ok(), fx.stem, ": ", model_test::describe(r));
    const std::string out = wh::serialize(*r);
    const auto got = nlohmann::json::parse(out, nullptr, false);
    REQUIRE_MESSAGE(!got.is_discarded(), fx.stem, ": invalid JSON written: ", out);
    CHECK_MESSAGE(got == expected, fx.stem, "\n  wrote: ", got.dump(),
                  "\n  want:  ", expected.dump());
    const auto again = wh::try_parse<T>(out);
    REQUIRE_MESSAGE(again.ok(), fx.stem, ": ", model_test::describe(again));
    CHECK_MESSAGE(wh::serialize(*again) == out, fx.stem);
}

} // namespace

TEST_CASE("fixtures: there is a request fixture for every event, and both shapes where two exist") {
    std::set<std::string> stems;
    std::set<wh::EventKind> kinds;
    for (const auto& fx : model_test::fixtures("requests")) {
        stems.insert(fx.stem);
        if (fx.stem != "error-request") {
            const auto k = wh::find_event(fx.event());
            CHECK_MESSAGE(k != wh::EventKind::unknown, fx.stem);
            kinds.insert(k);
        }
    }
    CHECK(kinds.size() == wh::event_count);
    CHECK(kinds.count(wh::EventKind::unknown) == 0);
    for (const char* s : {"addSessionLine", "addSessionLine.flat", "updateSessionLine",
                          "updateSessionLine.flat", "removeSessionLine", "removeSessionLine.flat",
                          "selectRelation", "selectRelation.deselect-null",
                          "selectRelation.deselect-relation-null", "error-request"}) {
        CHECK_MESSAGE(stems.count(s) == 1, s);
    }
}

TEST_CASE("fixtures: together they hold every field of every object of the field tables") {
    Coverage c;
    declare_requests(c, wh::events::All{});
    c.declare<wh::PosErrorRequest>();
    c.declare<wh::Reply>();
    // The walk reaches every object type; a few spot checks that it did.
    CHECK(c.has_key("request", "openUrl"));
    CHECK(c.has_key("request", "cafeteriaOrder"));
    CHECK(c.has_key(type_name<wh::Sender>(), "hasReceiptPrinter"));
    CHECK(c.has_key(type_name<wh::FooterEntry>(), "text"));
    CHECK(c.has_key(type_name<wh::FormField>(), "miminumValue"));
    CHECK(c.has_key(type_name<wh::Polling>(), "monospacedFont"));
    CHECK(c.has_key(type_name<wh::ExternalDiscount>(), "applyToQuantity"));
    CHECK(c.object_count() >= 40);
    CHECK(c.key_count() >= 250);

    std::string all_text;
    for (const auto& fx : model_test::fixtures("requests")) {
        all_text += fx.text;
        with_request_type(fx, [&](auto t) {
            using T = typename decltype(t)::type;
            const auto r = wh::try_parse<T>(fx.text);
            REQUIRE_MESSAGE(r.ok(), fx.stem, ": ", model_test::describe(r));
            c.visit(*r);
        });
    }
    for (const auto& fx : model_test::fixtures("replies")) {
        all_text += fx.text;
        const auto r = wh::try_parse<wh::Reply>(fx.text);
        REQUIRE_MESSAGE(r.ok(), fx.stem, ": ", model_test::describe(r));
        c.visit(*r);
    }
    const auto missing = c.missing(all_text);
    std::string list;
    for (const auto& m : missing) list += "\n  " + m;
    CHECK_MESSAGE(missing.empty(), "fields no fixture holds:", list);
}

TEST_CASE("fixtures: the coverage check notices a field that no fixture holds") {
    // The same check over one small fixture must report what that fixture lacks.
    Coverage c;
    c.declare<wh::Reply>();
    const std::string text = model_test::fixture_text("replies", "startSession.error");
    c.visit(wh::parse<wh::Reply>(text));
    const auto missing = c.missing(text);
    const auto has = [&](const std::string& s) {
        return std::find(missing.begin(), missing.end(), s) != missing.end();
    };
    CHECK(has(type_name<wh::Polling>() + " finished"));
    CHECK(has(type_name<wh::FooterEntry>() + " text"));
    CHECK(has(type_name<wh::Reply>() + " dialog"));
    CHECK_FALSE(has(type_name<wh::Reply>() + " error"));
    CHECK_FALSE(has(type_name<wh::ErrorInfo>() + " code"));
    CHECK_FALSE(has(type_name<wh::ErrorInfo>() + " message"));
}

TEST_CASE("fixtures: every request fixture round-trips through its event's request type") {
    const auto all = model_test::fixtures("requests");
    REQUIRE(all.size() >= 32);
    for (const auto& fx : all) {
        const auto input = nlohmann::json::parse(fx.text);
        with_request_type(fx, [&](auto t) {
            check_round_trip<typename decltype(t)::type>(fx, normalised_request(input));
        });
    }
}

TEST_CASE("fixtures: every reply fixture round-trips through Reply and obeys the reply rules") {
    const auto all = model_test::fixtures("replies");
    REQUIRE(all.size() >= 16);
    for (const auto& fx : all) {
        check_round_trip<wh::Reply>(fx, normalised_reply(nlohmann::json::parse(fx.text)));
        wh::ReplyContext ctx;
        ctx.event = wh::find_event(fx.event());
        REQUIRE_MESSAGE(ctx.event != wh::EventKind::unknown, fx.stem);
        ctx.external_payment_id = ext_payment_id;
        ctx.polling = ctx.event == wh::EventKind::poll_external_payment ||
                      ctx.event == wh::EventKind::background_poll;
        const auto problems = wh::check_reply(wh::parse<wh::Reply>(fx.text), ctx);
        std::string list;
        for (const auto& p : problems) list += "\n  " + p.to_string();
        CHECK_MESSAGE(problems.empty(), fx.stem, list);
    }
}

TEST_CASE("fixtures: the round trip compares values, so a changed value fails it") {
    // Guards the comparison itself: a fixture with one value changed is not equal.
    const std::string text = model_test::fixture_text("requests", "scanCode");
    auto r = wh::parse<wh::ScanCodeRequest>(text);
    r.scan_code.scanned_code += "0";
    CHECK(nlohmann::json::parse(wh::serialize(r)) != nlohmann::json::parse(text));
}

TEST_CASE("FooterEntry: the old name text is written back as textBefore") {
    const std::string text =
        model_test::fixture_text("replies", "completeSession.receipt-footer-old-text");
    REQUIRE(text.find("\"text\":") != std::string::npos);
    const auto reply = wh::parse<wh::Reply>(text);
    REQUIRE(reply.receipt_footer);
    REQUIRE(reply.receipt_footer->entries.size() == 1);
    CHECK(reply.receipt_footer->entries[0].text_before == "Your voucher");
    CHECK(wh::serialize(reply) ==
          R"({"receiptFooter":{"textBefore":"Your voucher","barcode":{"codeType":"code128",)"
          R"("code":"VOUCHER-88"}}})");
    // When both names come, the later one wins, and only textBefore is written.
    const auto both = wh::parse<wh::FooterEntry>(R"({"textBefore":"new","text":"old"})");
    CHECK(both.text_before == "old");
    CHECK(wh::serialize(both) == R"({"textBefore":"old"})");
}

TEST_CASE("FormField: the published typo miminumValue is written back as minimumValue") {
    const std::string text = model_test::fixture_text("replies", "customAction.form-old-minimum");
    REQUIRE(text.find("\"miminumValue\":") != std::string::npos);
    const auto reply = wh::parse<wh::Reply>(text);
    REQUIRE(reply.form);
    REQUIRE(reply.form->fields.size() == 1);
    REQUIRE(reply.form->fields[0].minimum_value);
    CHECK(*reply.form->fields[0].minimum_value == wh::Decimal::from_units(5, 1));
    CHECK(wh::serialize(reply) ==
          R"({"form":{"id":"tip","title":"Tip","fields":[{"id":"tip","type":"number",)"
          R"("required":true,"label":"Tip","decimals":2,"minimumValue":0.5,"maximumValue":50}]}})");
}

TEST_CASE("SelectRelationRequest: \"selectRelation\":null is written back as {\"relation\":null}") {
    const std::string text = model_test::fixture_text("requests", "selectRelation.deselect-null");
    const auto r = wh::parse<wh::SelectRelationRequest>(text);
    CHECK_FALSE(r.select_relation.relation.has_value());
    const auto out = nlohmann::json::parse(wh::serialize(r));
    CHECK(out["selectRelation"] == nlohmann::json::parse(R"({"relation":null})"));
    auto in = nlohmann::json::parse(text);
    in.erase("selectRelation");
    auto rest = out;
    rest.erase("selectRelation");
    CHECK(rest == in); // nothing else changes
}

TEST_CASE("SelectRelationRequest: a relation and both deselect forms") {
    const auto sel = wh::parse<wh::SelectRelationRequest>(
        model_test::fixture_text("requests", "selectRelation"));
    REQUIRE(sel.select_relation.relation);
    CHECK(sel.select_relation.relation->relation_number == 500123);
    CHECK(sel.select_relation.relation->name == "J. de Vries");
    CHECK(sel.select_relation.relation->extra.at("cardNumber").json() == "LOYAL-000123");
    for (const char* stem :
         {"selectRelation.deselect-null", "selectRelation.deselect-relation-null"}) {
        const auto r =
            wh::try_parse<wh::SelectRelationRequest>(model_test::fixture_text("requests", stem));
        REQUIRE_MESSAGE(r.ok(), stem);
        CHECK_MESSAGE(!r->select_relation.relation.has_value(), stem);
        CHECK(r->session.session_id == "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
    }
}

TEST_CASE("LineEventDetails: the wrapped and the flat shape read the same line") {
    const auto wrapped = wh::parse<wh::UpdateSessionLineRequest>(
        model_test::fixture_text("requests", "updateSessionLine"));
    const auto flat = wh::parse<wh::UpdateSessionLineRequest>(
        model_test::fixture_text("requests", "updateSessionLine.flat"));
    CHECK_FALSE(wrapped.update_session_line.flat);
    CHECK(flat.update_session_line.flat);
    CHECK(wrapped.update_session_line.line.line_id == flat.update_session_line.line.line_id);
    CHECK(wrapped.update_session_line.line.quantity == wh::Decimal(3));
    CHECK(flat.update_session_line.line.quantity == wh::Decimal(4));
    const auto add = wh::parse<wh::AddSessionLineRequest>(
        model_test::fixture_text("requests", "addSessionLine.flat"));
    CHECK(add.add_session_line.flat);
    CHECK(add.add_session_line.line.text == "Cappuccino");
    CHECK(add.add_session_line.extra.at("posNote").json() == "kept as an unknown field");
    CHECK(add.add_session_line.line.extra.empty());
    const auto rm = wh::parse<wh::RemoveSessionLineRequest>(
        model_test::fixture_text("requests", "removeSessionLine.flat"));
    REQUIRE(rm.remove_session_line.line.external_discount);
    CHECK(rm.remove_session_line.line.external_discount->discount_percentage == wh::Decimal(15));
}

TEST_CASE("Session: the values of the full fixture are read into the right members") {
    const auto r = wh::parse<wh::CompleteSessionRequest>(
        model_test::fixture_text("requests", "completeSession"));
    const wh::Session& s = r.session;
    REQUIRE(s.lines.size() == 3);
    REQUIRE(s.table);
    CHECK(s.table->number == 12);
    CHECK(s.table->sub_number == 1);
    REQUIRE(s.relation);
    CHECK(s.relation->relation_number == 500123);
    REQUIRE(s.payments.size() == 1);
    CHECK(s.payments[0].method == "CASH");
    CHECK(s.open_amount == wh::Decimal::from_units(1223, 2));
    CHECK(s.total_incl_amount == wh::Decimal::from_units(2223, 2));
    CHECK(s.total_excl_amount == wh::Decimal::from_units(1837, 2));
    const wh::SessionLine* full = s.find_line("8e2d6f4a-1b3c-4d5e-9f8a-7b6c5d4e3f21");
    REQUIRE(full != nullptr);
    CHECK(full->article_number == 2045);
    CHECK(full->price_incl == wh::Decimal::from_units(495, 2));
    CHECK(full->quantity == wh::Decimal::from_units(15, 1));
    CHECK(full->discount_percentage == wh::Decimal(10));
    CHECK(full->discount_amount == wh::Decimal::from_units(25, 2));
    CHECK(full->supplier_article_number == "SUP-77812");
    CHECK(full->plu_number == "412");
    CHECK(full->ext_article_id == "ext-cheese-old");
    CHECK(full->preparation_methods.json().at(0).at("name") == "Sliced");
    CHECK(full->component_articles.json().at(0).at("articleNumber") == 2046);
    CHECK(s.find_line("no-such-line") == nullptr);
    REQUIRE(r.complete_session.payments.size() == 2);
    CHECK(r.complete_session.payments[0].amount + r.complete_session.payments[1].amount ==
          wh::Decimal::from_units(1223, 2));
}

TEST_CASE("Sender: browser details, receipt printer and employee number of the web fixture") {
    const auto r =
        wh::parse<wh::SessionRequest>(model_test::fixture_text("requests", "startSession"));
    const wh::Sender& s = r.sender;
    CHECK(s.employee_number == 27);
    CHECK(s.browser_family == "Chrome");
    CHECK(s.browser_version == "124.0.6367.113");
    REQUIRE(s.device_type);
    CHECK(*s.device_type == wh::DeviceType::tablet);
    CHECK(s.platform_family == "Android");
    CHECK(s.platform_version == "14");
    CHECK(s.has_receipt_printer == true);
    REQUIRE(s.overall_state);
    CHECK(*s.overall_state == wh::PrinterOverallState::ready);
    REQUIRE(s.cover_state);
    CHECK(*s.cover_state == wh::PrinterCoverState::closed);
    REQUIRE(s.paper_state);
    CHECK(*s.paper_state == wh::PrinterPaperState::low);
    CHECK(s.age_in_seconds == 4);
    REQUIRE(r.open_url);
    CHECK(r.open_url->redirect_url == "https://pos.example.com/return?ws=14");
    CHECK(r.event.blocking());
    CHECK_FALSE(r.event.polling());
    CHECK(r.event.event_counter == 1001);
}

TEST_CASE("KitchenRequest: the kitchen objects of the fixtures") {
    const auto start =
        wh::parse<wh::KitchenRequest>(model_test::fixture_text("requests", "kitchenStartCourse"));
    REQUIRE(start.cafeteria_order);
    CHECK(start.cafeteria_order->ticket_number == 42);
    CHECK(start.cafeteria_order->year == 2024);
    CHECK_FALSE(start.table_order);
    CHECK_FALSE(start.session);
    REQUIRE(start.course);
    CHECK(start.course->expected_preparation_time.json() == 600);
    CHECK(start.course->actual_preparation_time.is_null());
    const auto done = wh::parse<wh::KitchenRequest>(
        model_test::fixture_text("requests", "kitchenCompleteCourse"));
    REQUIRE(done.table);
    CHECK(done.table->table_name == "Terrace 12");
    CHECK(done.table->number_of_guests == 4);
    REQUIRE(done.table_order);
    CHECK(done.table_order->number == 388);
    CHECK(done.order.json().at("remark") == "no onions");
}

TEST_CASE("PosErrorRequest: the error and the original request of the fixture") {
    const auto r =
        wh::parse<wh::PosErrorRequest>(model_test::fixture_text("requests", "error-request"));
    CHECK(r.error.code == wh::ErrorCode::invalid_receipt_footer_code_type);
    CHECK(r.error.message == "Unknown barcode type ean13");
    CHECK(r.original.json().at("event").at("eventCounter") == 1019);
    // The original is a whole request: it reads as one.
    const auto original = wh::parse<wh::CompleteSessionRequest>(r.original.dump());
    CHECK(original.complete_session.payments.size() == 1);
}

TEST_CASE("Reply: the values of the reply fixtures are read into the right members") {
    const auto dlg =
        wh::parse<wh::Reply>(model_test::fixture_text("replies", "startSession.dialog"));
    REQUIRE(dlg.dialog);
    REQUIRE(dlg.dialog->dialog_options.size() == 3);
    const auto& o2 = dlg.dialog->dialog_options[1];
    REQUIRE(o2.article_number);
    CHECK(o2.article_number->numeric);
    CHECK(o2.article_number->value == "9001");
    const auto& o3 = dlg.dialog->dialog_options[2];
    REQUIRE(o3.article_number);
    CHECK_FALSE(o3.article_number->numeric);
    CHECK(o3.article_number->value == "9002");
    CHECK(o3.disabled == true);

    const auto ep =
        wh::parse<wh::Reply>(model_test::fixture_text("replies", "pollExternalPayment.confirmed"));
    REQUIRE(ep.external_payment);
    CHECK(ep.external_payment->external_payment_id == ext_payment_id);
    CHECK(ep.external_payment->final_amount == wh::Decimal::from_units(2223, 2));
    REQUIRE(ep.external_payment->receipt_texts.size() == 3);
    REQUIRE(ep.external_payment->receipt_texts[1].type);
    CHECK(*ep.external_payment->receipt_texts[1].type == "merchant");
    CHECK_FALSE(ep.external_payment->receipt_texts[2].type);
    CHECK(ep.external_payment->monospaced_font == false);
    CHECK(ep.external_payment->customer_message_display_time == 3);
    REQUIRE(ep.polling);
    CHECK(ep.polling->finished);

    const auto footer =
        wh::parse<wh::Reply>(model_test::fixture_text("replies", "completeSession.receipt-footer"));
    REQUIRE(footer.receipt_footer);
    CHECK(footer.receipt_footer->as_array);
    REQUIRE(footer.receipt_footer->entries.size() == 2);
    const auto& e0 = footer.receipt_footer->entries[0];
    REQUIRE(e0.text_before_options);
    CHECK(e0.text_before_options->align == wh::Align("center"));
    REQUIRE(e0.barcode);
    CHECK(e0.barcode->code_type == wh::FooterCodeType("qrcode"));
    CHECK(e0.print_separate == true);

    const auto misc =
        wh::parse<wh::Reply>(model_test::fixture_text("replies", "customAction.misc"));
    CHECK(misc.hide_barcode == false);
    REQUIRE(misc.prepay_table);
    CHECK(misc.prepay_table->table.number == 12);
    REQUIRE(misc.prepay_table->payments.size() == 2);
    CHECK_FALSE(misc.prepay_table->payments[1].method);
    CHECK(misc.extra.at("x-middleware-trace").json().at("hops") == nlohmann::json::array({1, 2}));

    CHECK(wh::parse<wh::Reply>(model_test::fixture_text("replies", "cancelSession.empty")).empty());
    CHECK_FALSE(misc.empty());
}
