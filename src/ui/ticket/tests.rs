#![allow(clippy::unwrap_used)]

use super::*;
use crate::domain::{BookTicker, OrderKind, TimeInForce};
use proptest::prelude::*;

/// BTCUSDT with tick 0.10, step 0.00100, min 0.01000, book 96849.90 / 96850.00.
fn view() -> SymbolView {
    SymbolView {
        symbol: "BTCUSDT".into(),
        price_scale: 2,
        qty_scale: 5,
        tick_size: Price(10),
        step_size: Qty(100),
        min_qty: Qty(1000),
        last: Some(Price(9_684_980)),
        book: Some(BookTicker {
            instrument: InstrumentId(0),
            update_id: 1,
            bid: Price(9_684_990),
            bid_qty: Qty(1),
            ask: Price(9_685_000),
            ask_qty: Qty(1),
            event_time_ms: 0,
            transaction_time_ms: 0,
        }),
        ..Default::default()
    }
}

fn buy() -> Ticket {
    Ticket::new(Side::Buy, 0, &view())
}

/// Replaces the text of `field` by typing.
fn type_into(t: &mut Ticket, field: Field, text: &str) {
    t.focus = field;
    for _ in 0..MAX_FIELD_LEN {
        t.on_input(TicketInput::Backspace);
    }
    for c in text.chars() {
        t.on_input(TicketInput::Char(c));
    }
}

fn error_of(t: &Ticket) -> String {
    t.check().unwrap_err().to_string()
}

#[test]
fn prefills_from_the_book() {
    let t = buy();
    assert_eq!((t.price.as_str(), t.qty.as_str()), ("96850.00", "0.01000"));
    assert_eq!((t.kind, t.focus, t.stage), (TicketKind::Limit, Field::Qty, Stage::Editing));
    assert_eq!(Ticket::new(Side::Sell, 0, &view()).price, "96849.90");
    let no_book = SymbolView { book: None, ..view() };
    assert_eq!(Ticket::new(Side::Sell, 0, &no_book).price, "96849.80");
    let nothing = SymbolView { book: None, last: None, min_qty: Qty(0), ..view() };
    let t = Ticket::new(Side::Buy, 0, &nothing);
    assert_eq!((t.price.as_str(), t.qty.as_str()), ("", "0.00100"));
    assert_eq!(t.quote, "USDT");
}

#[test]
fn invalid_quantity_is_named() {
    let mut t = buy();
    type_into(&mut t, Field::Qty, "1.2.3");
    assert_eq!(error_of(&t), "quantity: \"1.2.3\" is not a number");
    type_into(&mut t, Field::Qty, "");
    assert_eq!(error_of(&t), "quantity: empty; type a number");
    type_into(&mut t, Field::Qty, "-1");
    assert!(error_of(&t).starts_with("quantity: "), "{}", error_of(&t));
    type_into(&mut t, Field::Qty, "0");
    assert_eq!(error_of(&t), "quantity: must be above zero");
}

#[test]
fn too_many_decimals() {
    let mut t = buy();
    type_into(&mut t, Field::Qty, "0.010001");
    assert_eq!(error_of(&t), "quantity: at most 5 decimals");
    type_into(&mut t, Field::Qty, "0.01000000");
    assert!(t.check().is_ok(), "trailing zeros are fine");
    type_into(&mut t, Field::Price, "96850.001");
    assert_eq!(error_of(&t), "price: at most 2 decimals");
}

#[test]
fn quantity_off_step_and_below_minimum() {
    let mut t = buy();
    type_into(&mut t, Field::Qty, "0.0105");
    assert_eq!(error_of(&t), "quantity: 0.0105 is not a multiple of the step 0.00100");
    type_into(&mut t, Field::Qty, "0.005");
    assert_eq!(error_of(&t), "quantity: 0.005 is below the minimum 0.01000");
}

#[test]
fn price_off_tick() {
    let mut t = buy();
    type_into(&mut t, Field::Price, "96850.05");
    assert_eq!(error_of(&t), "price: 96850.05 is not on the tick 0.10");
    type_into(&mut t, Field::Price, "0");
    assert_eq!(error_of(&t), "price: must be above zero");
}

#[test]
fn min_notional_when_known() {
    let mut t = buy().with_min_notional(Notional::parse("5").unwrap());
    type_into(&mut t, Field::Price, "100.00");
    assert_eq!(error_of(&t), "price: notional 1.00 USDT is below the minimum 5 USDT");
    type_into(&mut t, Field::Price, "500.00");
    assert!(t.check().is_ok());
}

#[test]
fn enter_confirms_then_submits_a_manual_gtc_limit() {
    let mut t = buy();
    assert_eq!(t.on_input(TicketInput::Enter), TicketOutcome::Pending);
    assert_eq!(t.stage, Stage::Confirming);
    assert_eq!(t.summary().unwrap(), "BUY 0.01000 BTCUSDT LIMIT @ 96850.00 ≈ 968.50 USDT");
    // Typing while confirming changes nothing.
    t.on_input(TicketInput::Char('9'));
    assert_eq!(t.qty, "0.01000");
    let TicketOutcome::Submit(intent) = t.on_input(TicketInput::Enter) else { panic!("expected a submit") };
    assert_eq!(intent, OrderIntent::limit(InstrumentId(0), Side::Buy, Qty(1000), Price(9_685_000), StrategyId::MANUAL));
    assert_eq!((intent.kind, intent.tif), (OrderKind::Limit, TimeInForce::Gtc));
}

#[test]
fn enter_on_an_invalid_ticket_stays_and_focuses_the_field() {
    let mut t = buy();
    type_into(&mut t, Field::Price, "1.234");
    t.focus = Field::Side;
    assert_eq!(t.on_input(TicketInput::Enter), TicketOutcome::Pending);
    assert_eq!((t.stage, t.focus), (Stage::Editing, Field::Price));
}

#[test]
fn esc_in_confirmation_goes_back_to_editing() {
    let mut t = buy();
    t.on_input(TicketInput::Enter);
    assert_eq!(t.on_input(TicketInput::Esc), TicketOutcome::Pending);
    assert_eq!(t.stage, Stage::Editing);
    t.on_input(TicketInput::Char('0'));
    assert_eq!(t.qty, "0.010000");
}

#[test]
fn esc_while_editing_cancels() {
    assert_eq!(buy().on_input(TicketInput::Esc), TicketOutcome::Cancelled);
}

#[test]
fn market_order_ignores_the_price() {
    let mut t = Ticket::new(Side::Sell, 2, &view());
    type_into(&mut t, Field::Price, "not a price");
    t.focus = Field::Kind;
    t.on_input(TicketInput::Toggle);
    assert_eq!(t.kind, TicketKind::Market);
    assert_eq!(t.summary().unwrap(), "SELL 0.01000 BTCUSDT MARKET ≈ 968.50 USDT");
    t.on_input(TicketInput::Enter);
    let TicketOutcome::Submit(intent) = t.on_input(TicketInput::Enter) else { panic!("expected a submit") };
    assert_eq!(intent, OrderIntent::market(InstrumentId(2), Side::Sell, Qty(1000), StrategyId::MANUAL));
    assert_eq!((intent.tif, intent.limit_price), (TimeInForce::Ioc, None));
}

#[test]
fn focus_cycles_and_skips_the_price_of_a_market_order() {
    let mut t = buy();
    let mut seen = vec![];
    for _ in 0..4 {
        t.on_input(TicketInput::NextField);
        seen.push(t.focus);
    }
    assert_eq!(seen, [Field::Price, Field::Side, Field::Kind, Field::Qty]);
    t.on_input(TicketInput::PrevField);
    t.on_input(TicketInput::Char('m'));
    assert_eq!((t.focus, t.kind), (Field::Kind, TicketKind::Market));
    t.on_input(TicketInput::NextField);
    t.on_input(TicketInput::NextField);
    assert_eq!(t.focus, Field::Side);
}

#[test]
fn side_toggle_reprefills_an_untouched_price_only() {
    let mut t = buy();
    t.focus = Field::Side;
    t.on_input(TicketInput::Toggle);
    assert_eq!((t.side, t.price.as_str()), (Side::Sell, "96849.90"));
    t.on_input(TicketInput::Char('b'));
    assert_eq!((t.side, t.price.as_str()), (Side::Buy, "96850.00"));
    type_into(&mut t, Field::Price, "96000.00");
    t.focus = Field::Side;
    t.on_input(TicketInput::Char(' '));
    assert_eq!((t.side, t.price.as_str()), (Side::Sell, "96000.00"));
}

fn input() -> impl Strategy<Value = TicketInput> {
    prop_oneof![
        6 => prop::sample::select(vec!['0', '1', '5', '9', '.', '.', '-', 'e', 'x', ' ', 'b', 's', 'm', 'l', 'é'])
            .prop_map(TicketInput::Char),
        2 => Just(TicketInput::Backspace),
        1 => Just(TicketInput::NextField),
        1 => Just(TicketInput::PrevField),
        1 => Just(TicketInput::Toggle),
        2 => Just(TicketInput::Enter),
        1 => Just(TicketInput::Esc),
    ]
}

proptest! {
    #[test]
    fn typing_never_panics_and_submits_are_on_the_grid(inputs in prop::collection::vec(input(), 0..80)) {
        let mut t = buy();
        for i in inputs {
            let _ = t.check();
            let _ = t.summary();
            match t.on_input(i) {
                TicketOutcome::Submit(intent) => {
                    prop_assert!(intent.qty.0 > 0 && intent.qty.0 % 100 == 0 && intent.qty.0 >= 1000, "{intent:?}");
                    if let Some(p) = intent.limit_price {
                        prop_assert!(p.0 > 0 && p.0 % 10 == 0, "{intent:?}");
                    }
                    prop_assert_eq!(intent.strategy, StrategyId::MANUAL);
                    t = buy();
                }
                TicketOutcome::Cancelled => t = buy(),
                TicketOutcome::Pending => {}
            }
        }
    }
}

#[test]
fn prefilled_quantity_meets_the_minimum_notional() {
    let min = Notional::parse("1000").unwrap();
    let t = Ticket::new(Side::Buy, 0, &view()).with_min_notional(min);
    assert!(t.check().is_ok(), "{:?}", t.check());
    // 1000 / 96850.00 = 0.010325..., rounded up to the 0.001 step.
    assert_eq!(t.qty, "0.01100");
    // A quantity that already meets the minimum is left alone.
    let small = Ticket::new(Side::Buy, 0, &view()).with_min_notional(Notional::parse("5").unwrap());
    assert_eq!(small.qty, "0.01000");
}
