// Ticketing with time slots, end to end through the POS simulator, on both stores.
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

const Decimal adult_price = Decimal::from_units(1250, 2);
const Decimal child_price = Decimal::from_units(750, 2);

/// Adds `quantity` adult tickets; returns the step (its dialog open).
const mw::PosStep& add_adult(mw::PosSimulator& pos, int quantity) {
    return pos.add_line(235, "Tour Ticket (Adult)", adult_price, Decimal(quantity));
}

/// Adds `quantity` adult tickets and chooses slot `hour` in their dialog; returns that step.
const mw::PosStep& hold_adults(mw::PosSimulator& pos, int quantity, std::int64_t hour) {
    add_adult(pos, quantity);
    return pos.choose(hour);
}

/// The option name of slot `hour` in the dialog a new ticket line of `pos2` gets (and the
/// dialog is closed again, which removes the line).
std::string slot_seen_by_new_sale(mw::PosSimulator& pos, std::int64_t hour) {
    if (!pos.session_open()) pos.start_session();
    const mw::PosStep& step = pos.add_line(236, "Tour Ticket (Child)", child_price);
    const mw::Dialog* d = step.dialog();
    REQUIRE(d != nullptr);
    const mw::DialogOption* o = option(*d, hour);
    const std::string name = o ? o->option_name + (o->disabled.value_or(false) ? " [disabled]" : "")
                               : std::string("<absent>");
    pos.dismiss_dialog();
    return name;
}

} // namespace

TEST_CASE("ticketing: the dialog offers today's slots still to come, with the seats left") {
    on_each_store([&](Middleware& m) {
        mw::PosSimulator pos = m.till(11);
        pos.start_session();
        const mw::PosStep& step = add_adult(pos, 2);
        REQUIRE(step.dialog() != nullptr);
        const mw::Dialog& d = *step.dialog();
        // 10:15 at the till: 09:00 and 10:00 have started and are left out.
        CHECK(enabled_ids(d) == std::vector<std::int64_t>{11, 12, 13, 14, 15, 16});
        CHECK(d.dialog_options.size() == 6);
        CHECK(d.dialog_options.front().option_name == "11:00-12:00 (20 seats left)");
        CHECK(d.dialog_options.back().option_name == "16:00-17:00 (20 seats left)");
        CHECK(option(d, 9) == nullptr);
        CHECK(option(d, 10) == nullptr);
    });
}

TEST_CASE("ticketing: choosing a slot holds the seats and names the slot on the line") {
    on_each_store([&](Middleware& m) {
        mw::PosSimulator pos = m.till(21);
        mw::PosSimulator other = m.till(22);
        pos.start_session();
        add_adult(pos, 2);
        const mw::PosStep& chosen = pos.choose(std::int64_t{11});
        CHECK(chosen.ok());
        CHECK(pos.open_dialog() == nullptr);
        const auto lines = lines_of(pos, 235);
        REQUIRE(lines.size() == 1);
        CHECK(lines[0].text == "Tour Ticket (Adult) 11:00-12:00");
        CHECK(lines[0].quantity == Decimal(2));
        CHECK(lines[0].price_incl == adult_price);
        CHECK(contains(messages_of(chosen), "2 seats held for 11:00-12:00"));
        // Held seats count as taken for every other sale.
        CHECK(slot_seen_by_new_sale(other, 11) == "11:00-12:00 (18 seats left)");
        CHECK(slot_seen_by_new_sale(other, 12) == "12:00-13:00 (20 seats left)");
    });
}

TEST_CASE("ticketing: a full slot cannot be chosen, also when it filled up meanwhile") {
    DemoConfig config;
    config.ticketing.capacity = 3;
    on_each_store(config, [&](Middleware& m) {
        mw::PosSimulator a = m.till(31);
        mw::PosSimulator b = m.till(32);
        b.start_session();
        const mw::PosStep& b_add = b.add_line(236, "Tour Ticket (Child)", child_price, Decimal(2));
        REQUIRE(b_add.dialog() != nullptr);
        CHECK(option(*b_add.dialog(), 11)->option_name == "11:00-12:00 (3 seats left)");

        a.start_session();
        hold_adults(a, 3, 11);
        REQUIRE(lines_of(a, 235).size() == 1);

        // b's dialog was shown before a took the last seats: choosing 11 now gives the dialog
        // again, with 11 full and greyed out, and a message saying why.
        const mw::PosStep& again = b.choose(std::int64_t{11});
        REQUIRE(b.open_dialog() != nullptr);
        const mw::DialogOption* full = option(*b.open_dialog(), 11);
        REQUIRE(full != nullptr);
        CHECK(full->option_name == "11:00-12:00 (full)");
        CHECK(full->disabled.value_or(false));
        CHECK(contains(messages_of(again), "11:00-12:00 can no longer take 2 seats"));
        b.choose(std::int64_t{12});
        REQUIRE(lines_of(b, 236).size() == 1);
        CHECK(lines_of(b, 236)[0].text == "Tour Ticket (Child) 12:00-13:00");

        // A slot with fewer seats left than the line needs is greyed out too.
        mw::PosSimulator c = m.till(33);
        c.start_session();
        const mw::PosStep& c_add = add_adult(c, 2);
        REQUIRE(c_add.dialog() != nullptr);
        CHECK(option(*c_add.dialog(), 12)->option_name == "12:00-13:00 (1 seat left)");
        CHECK(option(*c_add.dialog(), 12)->disabled.value_or(false));
        c.dismiss_dialog();
        CHECK(lines_of(c, 235).empty()); // no slot chosen: the ticket line is removed
    });
}

TEST_CASE("ticketing: removing the line or cancelling the sale releases the hold") {
    on_each_store([&](Middleware& m) {
        mw::PosSimulator pos = m.till(41);
        mw::PosSimulator other = m.till(42);
        pos.start_session();
        hold_adults(pos, 4, 13);
        CHECK(slot_seen_by_new_sale(other, 13) == "13:00-14:00 (16 seats left)");
        const std::string line_id = lines_of(pos, 235).at(0).line_id;
        const mw::PosStep& removed = pos.remove_line(line_id);
        CHECK(contains(messages_of(removed), "Released 4 seats of 13:00-14:00"));
        CHECK(slot_seen_by_new_sale(other, 13) == "13:00-14:00 (20 seats left)");

        hold_adults(pos, 5, 13);
        CHECK(slot_seen_by_new_sale(other, 13) == "13:00-14:00 (15 seats left)");
        pos.cancel_session();
        CHECK(slot_seen_by_new_sale(other, 13) == "13:00-14:00 (20 seats left)");
    });
}

TEST_CASE("ticketing: completeSession sells the seats and prints one QR code per ticket") {
    on_each_store([&](Middleware& m) {
        mw::PosSimulator pos = m.till(51);
        mw::PosSimulator other = m.till(52);
        pos.start_session();
        hold_adults(pos, 2, 11);
        pos.add_line(236, "Tour Ticket (Child)", child_price);
        pos.choose(std::int64_t{14});
        pos.add_line(1001, "Souvenir mug", Decimal::from_units(1295, 2)); // not a ticket
        const mw::PosStep& done = pos.complete_session();
        CHECK(done.ok());
        const std::vector<std::string> codes = qr_codes(done.receipt_footers);
        CHECK(codes == std::vector<std::string>{"TKT-20240501-11-00001", "TKT-20240501-11-00002",
                                                "TKT-20240501-14-00003"});
        REQUIRE(done.receipt_footers.size() == 3);
        CHECK(done.receipt_footers[0].text_before == "Tour Ticket (Adult)\n2024-05-01 11:00-12:00");
        CHECK(done.receipt_footers[2].text_after == "Ticket 1 of 1 - TKT-20240501-14-00003");
        CHECK(done.receipt_footers[0].print_separate == true);
        // Sold seats stay taken; the tickets are in the store.
        CHECK(slot_seen_by_new_sale(other, 11) == "11:00-12:00 (18 seats left)");
        CHECK(slot_seen_by_new_sale(other, 14) == "14:00-15:00 (19 seats left)");
        const auto tickets =
            m.store().with([](mplus_demo::Transaction& tx) { return tx.list("tickets"); });
        CHECK(tickets.size() == 3);
        CHECK(m.store()
                  .with([](mplus_demo::Transaction& tx) { return tx.list("ticket_holds"); })
                  .empty());

        // The same completeSession again (the POS retried): the same tickets, none sold twice.
        mplus_demo::TicketingFlow flow(m.env());
        mw::CompleteSessionRequest repeat;
        repeat.session = pos.session();
        mw::Reply reply;
        flow.on_complete_session(repeat, reply);
        REQUIRE(reply.receipt_footer);
        CHECK(qr_codes(reply.receipt_footer->entries) == codes);
        CHECK(flow.seats_left("2024-05-01", 11) == 18);
    });
}

TEST_CASE("ticketing: the simulator's ticketing script succeeds") {
    on_each_store([&](Middleware& m) {
        mw::PosSimulator pos = m.till(61);
        const mw::FlowResult r = mw::run_flow(pos, "ticketing");
        CHECK_MESSAGE(r.success, problems(r));
        CHECK(qr_codes(pos.receipt_footers()).size() == 3);
    });
}

TEST_CASE("ticketing: a restart in the middle of the flow loses nothing and sells nothing twice") {
    Middleware m(StoreKind::sqlite);
    mw::PosSimulator pos = m.till(71);
    mw::PosSimulator other = m.till(72);
    pos.start_session();
    add_adult(pos, 2);
    REQUIRE(pos.open_dialog() != nullptr);
    m.restart(); // the dialog is on screen while the middleware restarts
    pos.choose(std::int64_t{15});
    REQUIRE(lines_of(pos, 235).size() == 1);
    m.restart(); // seats held
    CHECK(slot_seen_by_new_sale(other, 15) == "15:00-16:00 (18 seats left)");
    pos.add_line(236, "Tour Ticket (Child)", child_price);
    pos.choose(std::int64_t{15});
    m.restart();
    const mw::PosStep& done = pos.complete_session();
    CHECK(done.ok());
    CHECK(qr_codes(done.receipt_footers).size() == 3);
    m.restart();
    CHECK(slot_seen_by_new_sale(other, 15) == "15:00-16:00 (17 seats left)");
    CHECK(m.store().with([](mplus_demo::Transaction& tx) { return tx.list("tickets"); }).size() ==
          3);
}

TEST_CASE("ticketing: late in the day no slot is left and the ticket line is removed") {
    Middleware m(StoreKind::memory);
    m.set_now("2024-05-01T16:30:00.000+02:00");
    mw::PosSimulator pos = m.till(81);
    pos.start_session();
    const mw::PosStep& step = add_adult(pos, 1);
    CHECK(step.dialog() == nullptr);
    CHECK(contains(messages_of(step), "No tour time slots left today"));
    CHECK(lines_of(pos, 235).empty());
}

TEST_CASE("ticketing: the seats of a sale that never ends are free again after hold_ttl") {
    DemoConfig config;
    config.hold_ttl = std::chrono::milliseconds(300);
    config.expire_every = std::chrono::milliseconds(0); // expire() called here
    on_each_store(config, [&](Middleware& m) {
        mw::PosSimulator crashed = m.till(71);
        crashed.start_session();
        hold_adults(crashed, 3, 12);
        mw::PosSimulator other = m.till(72);
        CHECK(slot_seen_by_new_sale(other, 12) == "12:00-13:00 (17 seats left)");
        mplus_demo::TicketingFlow desk(m.env(), config.ticketing);
        CHECK(desk.expire() == 0); // still held

        // The till never completes nor cancels: after the ttl the seats count as free at
        // once, and expire() removes the hold (the line's and the replaced line's).
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        CHECK(slot_seen_by_new_sale(other, 12) == "12:00-13:00 (20 seats left)");
        CHECK(m.middleware().expire() == 2);
        CHECK(m.store()
                  .with([](mplus_demo::Transaction& tx) { return tx.list("ticket_holds"); })
                  .empty());
        CHECK(m.store()
                  .with([](mplus_demo::Transaction& tx) { return tx.list("ticket_slot_holds"); })
                  .empty());
        // A completeSession that comes after all sells nothing (the seats may be gone).
        const mw::PosStep& late = crashed.complete_session();
        CHECK(late.ok());
        CHECK(qr_codes(late.receipt_footers).empty());
        CHECK(desk.seats_left("2024-05-01", 12) == 20);
    });
}

TEST_CASE("ticketing: a sale that goes on keeps its seats past hold_ttl") {
    DemoConfig config;
    config.hold_ttl = std::chrono::milliseconds(1000);
    config.expire_every = std::chrono::milliseconds(50);
    Middleware m(StoreKind::memory, config);
    mw::PosSimulator pos = m.till(73);
    pos.start_session();
    hold_adults(pos, 2, 14);
    // Every 300 ms another ticket line renews the sale's holds, for longer than the ttl.
    for (int i = 0; i < 4; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        pos.add_line(236, "Tour Ticket (Child)", child_price);
        pos.choose(std::int64_t{15});
    }
    const mw::PosStep& done = pos.complete_session();
    CHECK(qr_codes(done.receipt_footers).size() == 6);
}
