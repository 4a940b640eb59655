// Loyalty vouchers, end to end through the POS simulator, on both stores.
// SPDX-License-Identifier: MIT
#include "flow_test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace flow_test;
using mw::Decimal;

namespace {

/// Adds `euros` worth of lunch (article 1201) to the till's sale.
const mw::PosStep& add_lunch(mw::PosSimulator& pos, std::int64_t euros) {
    return pos.add_line(1201, "Lunch menu", Decimal(euros));
}

/// The external discount of the line of article `article`, if any.
std::optional<mw::ExternalDiscount> discount_of(const mw::PosSimulator& pos, std::int64_t article) {
    for (const auto& l : lines_of(pos, article)) {
        if (l.external_discount) return l.external_discount;
    }
    return std::nullopt;
}

/// The status of voucher `code` in the store ("" when there is none), and "held" while a sale
/// uses it.
std::string voucher_status(mplus_demo::Store& store, const std::string& code) {
    return store.with([&](mplus_demo::Transaction& tx) {
        const auto v = tx.get("loyalty_vouchers", code);
        if (!v) return std::string();
        if (tx.get(mplus_demo::LoyaltyFlow::holds_table, code)) return std::string("held");
        return v->value("status", std::string());
    });
}

std::int64_t points_of(Middleware& m, const std::string& account) {
    mplus_demo::LoyaltyFlow flow(m.env());
    return flow.points(account);
}

} // namespace

TEST_CASE("loyalty: first start holds card LOY0001 with open voucher VCH0001") {
    on_each_store([&](Middleware& m) {
        CHECK(voucher_status(m.store(), "VCH0001") == "open");
        CHECK(points_of(m, "LOY0001") == 0);
        m.restart(); // seeding happens once
        CHECK(voucher_status(m.store(), "VCH0001") == "open");
    });
}

TEST_CASE("loyalty: the simulator's loyalty script succeeds") {
    on_each_store([&](Middleware& m) {
        mw::PosSimulator pos = m.till(101);
        const mw::FlowResult r = mw::run_flow(pos, "loyalty");
        CHECK_MESSAGE(r.success, problems(r));
        CHECK(voucher_status(m.store(), "VCH0001") == "redeemed");
        // 2 x 18.50 = 37.00, minus the voucher's 5.00: 32 points.
        CHECK(points_of(m, "LOY0001") == 32);
    });
}

TEST_CASE("loyalty: a scanned card is recognized and earns a point per whole euro paid") {
    on_each_store([&](Middleware& m) {
        mw::PosSimulator pos = m.till(111);
        pos.start_session();
        add_lunch(pos, 60);
        pos.add_line(1202, "Coffee", Decimal::from_units(390, 2));
        const mw::PosStep& card = pos.scan("LOY0001");
        REQUIRE(card.scan);
        CHECK(card.scan->recognized);
        CHECK(contains(messages_of(card), "Loyalty LOY0001: 0 points, open voucher VCH0001"));
        const mw::PosStep& done = pos.complete_session();
        CHECK(done.ok());
        CHECK(points_of(m, "LOY0001") == 63);
        REQUIRE(done.receipt_footers.size() == 1);
        CHECK(done.receipt_footers[0].text_before == "Loyalty LOY0001: +63 points, balance 63");
        CHECK(qr_codes(done.receipt_footers).empty());

        // A sale without card or relation earns nothing and prints nothing.
        pos.start_session();
        add_lunch(pos, 80);
        CHECK(pos.complete_session().receipt_footers.empty());
        CHECK(points_of(m, "LOY0001") == 63);

        // Other codes are not ours.
        pos.start_session();
        const mw::PosStep& other = pos.scan("8712345678906");
        CHECK(!(other.scan && other.scan->recognized));
        pos.cancel_session();
    });
}

TEST_CASE("loyalty: reaching the threshold issues a voucher printed as a QR code") {
    on_each_store([&](Middleware& m) {
        mw::PosSimulator pos = m.till(121);
        pos.start_session();
        add_lunch(pos, 95);
        pos.scan("LOY0001");
        pos.complete_session();
        CHECK(points_of(m, "LOY0001") == 95);

        pos.start_session();
        pos.scan("LOY0001");
        pos.add_line(1203, "Dinner", Decimal::from_units(21099, 2)); // 210.99: 210 points
        const mw::PosStep& done = pos.complete_session();
        CHECK(done.ok());
        // 95 + 210 = 305: three vouchers, 5 points left.
        CHECK(points_of(m, "LOY0001") == 5);
        CHECK(qr_codes(done.receipt_footers) ==
              std::vector<std::string>{"VCH0002", "VCH0003", "VCH0004"});
        REQUIRE(done.receipt_footers.size() == 4);
        CHECK(done.receipt_footers[0].text_before == "Loyalty LOY0001: +210 points, balance 5");
        CHECK(done.receipt_footers[1].text_before ==
              "Loyalty voucher: EUR 5.00 off your next visit");
        CHECK(voucher_status(m.store(), "VCH0003") == "open");
    });
}

TEST_CASE("loyalty: a voucher discounts a line once, is redeemed at completeSession only") {
    on_each_store([&](Middleware& m) {
        mw::PosSimulator a = m.till(131);
        mw::PosSimulator b = m.till(132);
        a.start_session();
        add_lunch(a, 12);
        a.add_line(1202, "Coffee", Decimal::from_units(390, 2));
        const mw::PosStep& scanned = a.scan("VCH0001");
        CHECK(scanned.ok());
        REQUIRE(scanned.scan);
        CHECK(scanned.scan->recognized);
        // The most expensive line gets the discount.
        const auto d = discount_of(a, 1201);
        REQUIRE(d);
        CHECK(d->discount_id == "loyalty-VCH0001");
        CHECK(d->discount_description == "Loyalty voucher VCH0001");
        CHECK(d->discount_amount == Decimal(5));
        CHECK(a.total() == Decimal::from_units(1090, 2));
        CHECK(voucher_status(m.store(), "VCH0001") == "held");

        // Another till cannot use it meanwhile.
        b.start_session();
        add_lunch(b, 20);
        const mw::PosStep& elsewhere = b.scan("VCH0001");
        CHECK(elsewhere.scan->recognized);
        CHECK(contains(messages_of(elsewhere), "in use in another sale"));
        CHECK(!discount_of(b, 1201));

        // Scanning it again in the same sale changes nothing.
        a.scan("VCH0001");
        CHECK(a.total() == Decimal::from_units(1090, 2));

        CHECK(a.complete_session().ok());
        CHECK(voucher_status(m.store(), "VCH0001") == "redeemed");
        // The voucher named its owner: the sale earned LOY0001 its points.
        CHECK(points_of(m, "LOY0001") == 10);

        const mw::PosStep& second = b.scan("VCH0001");
        CHECK(second.scan->recognized);
        CHECK(contains(messages_of(second), "VCH0001 was already used on 2024-05-01"));
        CHECK(!discount_of(b, 1201));
        b.cancel_session();
    });
}

TEST_CASE("loyalty: removing the discounted line or cancelling the sale frees the voucher") {
    on_each_store([&](Middleware& m) {
        mw::PosSimulator a = m.till(141);
        a.start_session();
        add_lunch(a, 12);
        a.scan("VCH0001");
        REQUIRE(discount_of(a, 1201));
        const mw::PosStep& removed = a.remove_line(lines_of(a, 1201).at(0).line_id);
        CHECK(contains(messages_of(removed), "Voucher VCH0001 is free again"));
        CHECK(voucher_status(m.store(), "VCH0001") == "open");

        add_lunch(a, 15);
        a.scan("VCH0001");
        REQUIRE(discount_of(a, 1201));
        a.cancel_session();
        CHECK(voucher_status(m.store(), "VCH0001") == "open");

        // A sale completed after its discounted line was removed redeems nothing.
        a.start_session();
        add_lunch(a, 9);
        a.scan("VCH0001");
        a.remove_line(lines_of(a, 1201).at(0).line_id);
        add_lunch(a, 7);
        a.complete_session();
        CHECK(voucher_status(m.store(), "VCH0001") == "open");
    });
}

TEST_CASE("loyalty: a customer with several vouchers gets a dialog to pick one") {
    on_each_store([&](Middleware& m) {
        mw::PosSimulator pos = m.till(151);
        pos.start_session();
        pos.scan("LOY0001");
        pos.add_line(1203, "Dinner", Decimal(100));
        pos.complete_session(); // VCH0002 issued: LOY0001 now holds VCH0001 and VCH0002

        pos.start_session();
        add_lunch(pos, 30);
        const mw::PosStep& card = pos.scan("LOY0001");
        REQUIRE(card.dialog() != nullptr);
        CHECK(card.dialog()->dialog_options.size() == 2);
        CHECK(option(*card.dialog(), 2)->option_name == "VCH0002 (EUR 5.00 off)");
        const mw::PosStep& chosen = pos.choose(std::int64_t{2});
        CHECK(chosen.ok());
        const auto d = discount_of(pos, 1201);
        REQUIRE(d);
        CHECK(d->discount_id == "loyalty-VCH0002");
        CHECK(voucher_status(m.store(), "VCH0002") == "held");
        CHECK(voucher_status(m.store(), "VCH0001") == "open");
        pos.complete_session();
        CHECK(voucher_status(m.store(), "VCH0002") == "redeemed");
    });
}

TEST_CASE("loyalty: a selected relation identifies the customer") {
    on_each_store([&](Middleware& m) {
        mw::PosSimulator pos = m.till(161);
        pos.start_session();
        add_lunch(pos, 42);
        mw::Relation r;
        r.relation_number = 4711;
        r.name = "A. Nonymous";
        const mw::PosStep& selected = pos.select_relation(r);
        CHECK(selected.ok());
        CHECK(contains(messages_of(selected), "Loyalty REL4711: 0 points"));
        const mw::PosStep& done = pos.complete_session();
        CHECK(points_of(m, "REL4711") == 42);
        REQUIRE(done.receipt_footers.size() == 1);
        CHECK(done.receipt_footers[0].text_before == "Loyalty REL4711: +42 points, balance 42");

        // Deselecting the relation forgets the customer.
        pos.start_session();
        add_lunch(pos, 10);
        pos.select_relation(r);
        pos.deselect_relation();
        CHECK(pos.complete_session().receipt_footers.empty());
        CHECK(points_of(m, "REL4711") == 42);
    });
}

TEST_CASE("loyalty: a restart in the middle of the flow loses nothing and redeems once") {
    Middleware m(StoreKind::sqlite);
    mw::PosSimulator pos = m.till(171);
    pos.start_session();
    add_lunch(pos, 40);
    pos.scan("LOY0001");
    m.restart();
    pos.scan("VCH0001");
    REQUIRE(discount_of(pos, 1201));
    m.restart();
    CHECK(voucher_status(m.store(), "VCH0001") == "held");
    const mw::PosStep& done = pos.complete_session();
    CHECK(done.ok());
    CHECK(points_of(m, "LOY0001") == 35);
    m.restart();
    CHECK(voucher_status(m.store(), "VCH0001") == "redeemed");

    // The POS repeats completeSession (it never saw the reply): same footer, no double points.
    mplus_demo::LoyaltyFlow flow(m.env());
    mw::CompleteSessionRequest repeat;
    repeat.session = pos.session();
    repeat.complete_session.payments = pos.session().payments;
    mw::Reply reply;
    flow.on_complete_session(repeat, reply);
    REQUIRE(reply.receipt_footer);
    CHECK(reply.receipt_footer->entries.at(0).text_before ==
          "Loyalty LOY0001: +35 points, balance 35");
    CHECK(points_of(m, "LOY0001") == 35);
}

TEST_CASE("loyalty: a voucher held by a sale that never ends is free again after hold_ttl") {
    DemoConfig config;
    config.hold_ttl = std::chrono::milliseconds(300);
    config.expire_every = std::chrono::milliseconds(0);
    on_each_store(config, [&](Middleware& m) {
        mw::PosSimulator crashed = m.till(181);
        mw::PosSimulator b = m.till(182);
        crashed.start_session();
        add_lunch(crashed, 12);
        crashed.scan("VCH0001");
        REQUIRE(discount_of(crashed, 1201));
        b.start_session();
        add_lunch(b, 20);
        CHECK(contains(messages_of(b.scan("VCH0001")), "in use in another sale"));

        // The first till never comes back: after the ttl the voucher is free for b, once.
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        const mw::PosStep& now_free = b.scan("VCH0001");
        CHECK(contains(messages_of(now_free), "Voucher VCH0001: EUR 5.00 off"));
        REQUIRE(discount_of(b, 1201));
        CHECK(m.middleware().expire() == 0); // b's hold is live; the crashed one was replaced
        CHECK(b.complete_session().ok());
        CHECK(voucher_status(m.store(), "VCH0001") == "redeemed");
        // The crashed till completing late does not redeem it a second time.
        CHECK(crashed.complete_session().ok());
        const std::string redeemed_in = m.store().with([](mplus_demo::Transaction& tx) {
            return tx.get("loyalty_vouchers", "VCH0001")->value("redeemedIn", std::string());
        });
        CHECK(redeemed_in == b.session().session_id);
    });
}
