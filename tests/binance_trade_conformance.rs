//! The trading parsers over the Binance documentation examples that
//! nautilus_trader keeps as fixtures, and a real Binance.US execution report.

// Test helpers outside #[test] functions may unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use tickdesk::domain::{
    FilterStrings, Instrument, Instruments, Notional, OrderKind, Price, Qty, Side, TimeInForce, Venue,
};
use tickdesk::venue::parse::{self, ExecType, UserEvent, VenueOrderStatus};

const DOCS: &str = "nautilus_trader-docs-examples/crates/adapters/binance/test_data/spot/http_json";
const WS: &str = "nautilus_trader/tests/integration_tests/adapters/binance/resources/ws_messages";

fn read(path: PathBuf) -> Vec<u8> {
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn docs(data: &Path, name: &str) -> Vec<u8> {
    read(data.join(DOCS).join(name))
}

fn inst(symbol: &str, tick: &str, step: &str) -> Instrument {
    let f = FilterStrings {
        symbol,
        base: "X",
        quote: "Y",
        tick_size: tick,
        step_size: step,
        min_qty: "0",
        min_notional: "0",
    };
    Instrument::from_filters(Venue::BinanceSpot, &f).unwrap()
}

#[test]
fn query_and_open_orders() {
    let Some(data) = common::shared_data() else { return };
    let ltc = inst("LTCBTC", "0.000001", "0.01");
    let o = parse::order(&docs(&data, "order_response.json"), &ltc).unwrap();
    assert_eq!((o.order_id, o.client_order_id.as_str(), o.status), (1, "myOrder1", VenueOrderStatus::New));
    assert_eq!((o.price, o.orig_qty, o.executed_qty), (Price(100_000), Qty(100), Qty(0)));
    assert_eq!((o.kind, o.tif, o.side), (Some(OrderKind::Limit), Some(TimeInForce::Gtc), Side::Buy));
    assert_eq!((o.time_ms, o.update_time_ms), (Some(1_499_827_319_559), Some(1_499_827_319_559)));
    let list = parse::orders(&docs(&data, "open_orders_response.json"), &ltc).unwrap();
    assert_eq!(list, vec![o]);
}

#[test]
fn full_new_order_answer() {
    let Some(data) = common::shared_data() else { return };
    let btc = inst("BTCUSDT", "0.01", "0.00001");
    let o = parse::order(&docs(&data, "new_order_full_response.json"), &btc).unwrap();
    assert_eq!((o.order_id, o.client_order_id.as_str()), (28, "6gCrw2kRUAF9CvJDGP16IP"));
    assert_eq!((o.status, o.kind, o.side), (VenueOrderStatus::Filled, Some(OrderKind::Market), Side::Sell));
    assert_eq!(o.executed_qty, Qty(1_000_000));
    assert_eq!(o.fills.len(), 5);
    let ids: Vec<i64> = o.fills.iter().map(|f| f.trade_id).collect();
    assert_eq!(ids, vec![56, 57, 58, 59, 60]);
    assert_eq!(o.fills[4].price, Price(399_500));
    assert_eq!(o.fills[2].commission, Notional::parse("7.996").unwrap());
    assert_eq!(o.fills.iter().map(|f| f.qty.0).sum::<i64>(), o.executed_qty.0);
}

#[test]
fn cancel_answer_swaps_the_ids_back() {
    let Some(data) = common::shared_data() else { return };
    let ltc = inst("LTCBTC", "0.000001", "0.01");
    let o = parse::order(&docs(&data, "cancel_order_response.json"), &ltc).unwrap();
    assert_eq!(o.client_order_id, "myOrder1");
    assert_eq!(o.orig_client_order_id.as_deref(), Some("cancelMyOrder1"));
    assert_eq!((o.order_id, o.status), (4, VenueOrderStatus::Canceled));
}

#[test]
fn account_balances() {
    let Some(data) = common::shared_data() else { return };
    let a = parse::account(&docs(&data, "account_response.json")).unwrap();
    assert!(a.can_trade);
    assert_eq!(a.update_time_ms, 123_456_789);
    let assets: Vec<&str> = a.balances.iter().map(|b| b.asset.as_str()).collect();
    assert_eq!(assets, vec!["BTC", "LTC"]);
    assert_eq!(a.balances[1].free, Notional::parse("4763368.68006011").unwrap());
}

#[test]
fn real_binance_us_execution_report() {
    let Some(data) = common::shared_data() else { return };
    let frame = read(data.join(WS).join("ws_spot_execution_report_binance_us.json"));
    let table = Instruments::fixed(vec![inst("BTCUSD", "0.01", "0.00001")]);
    let UserEvent::Execution(r) = parse::user_event(&frame, &table).unwrap() else { panic!("not an execution report") };
    assert_eq!((r.exec_type, r.status, r.side), (ExecType::Trade, VenueOrderStatus::Filled, Side::Sell));
    assert_eq!((r.order_id, r.trade_id, r.execution_id), (2_281_896_601, 88_685_053, 4_644_480_641));
    assert_eq!((r.last_qty, r.cum_qty, r.order_qty), (Qty(42), Qty(42), Qty(42)));
    assert_eq!(r.last_price, Price(11_729_077));
    assert_eq!(r.commission, Notional::parse("0.00492621").unwrap());
    assert_eq!(r.commission_asset.as_deref(), Some("USD"));
    assert_eq!(r.cum_quote, Notional::parse("49.2621234").unwrap());
    assert_eq!(r.order_client_id(), "T0ESHzso0banw0QiPFZYgj");
    assert!(!r.is_maker);
    // Unknown symbol: an error that names it.
    let e = parse::user_event(&frame, &Instruments::fixed(vec![])).unwrap_err();
    assert!(e.0.contains("\"BTCUSD\""), "{e}");
}
