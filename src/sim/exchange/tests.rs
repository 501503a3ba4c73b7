//! Unit tests of the exchange rules, one behaviour each.

use super::*;
use crate::domain::{FilterStrings, Notional, OrderKind, Side, TimeInForce, Venue};

fn btc() -> Instrument {
    let f = FilterStrings {
        symbol: "BTCUSDT",
        base: "BTC",
        quote: "USDT",
        tick_size: "0.01",
        step_size: "0.00001",
        min_qty: "0.00001",
        min_notional: "5",
    };
    Instrument::from_filters(Venue::BinanceSpot, &f).unwrap()
}

/// A coarser instrument for the tick and step filters: tick 0.05, step 0.001.
fn eth() -> Instrument {
    let f = FilterStrings {
        symbol: "ETHUSDT",
        base: "ETH",
        quote: "USDT",
        tick_size: "0.05",
        step_size: "0.001",
        min_qty: "0.002",
        min_notional: "1",
    };
    Instrument::from_filters(Venue::BinanceSpot, &f).unwrap()
}

fn setup_with(cfg: &ExchangeConfig) -> (Exchange, AccountId, AccountId, AccountId) {
    let mut ex = Exchange::new(cfg, &[btc(), eth()]).unwrap();
    let a = ex.open_account("key-a");
    let b = ex.open_account("key-b");
    let c = ex.open_account("key-c");
    (ex, a, b, c)
}

fn setup() -> (Exchange, AccountId, AccountId, AccountId) {
    setup_with(&ExchangeConfig::default())
}

fn p(s: &str) -> Price {
    Price::parse(s, 2).unwrap()
}

fn q(s: &str) -> Qty {
    Qty::parse(s, 5).unwrap()
}

fn n(s: &str) -> Notional {
    Notional::parse(s).unwrap()
}

fn limit(side: Side, price: &str, qty: &str, tif: TimeInForce) -> PlaceRequest<'static> {
    PlaceRequest {
        symbol: "BTCUSDT",
        side,
        kind: OrderKind::Limit,
        tif: Some(tif),
        qty: q(qty),
        price: Some(p(price)),
        stop_price: None,
        client_order_id: None,
    }
}

fn gtc(side: Side, price: &str, qty: &str) -> PlaceRequest<'static> {
    limit(side, price, qty, TimeInForce::Gtc)
}

fn market(side: Side, qty: &str) -> PlaceRequest<'static> {
    PlaceRequest { kind: OrderKind::Market, tif: None, price: None, ..gtc(side, "1", qty) }
}

fn place(ex: &mut Exchange, acct: AccountId, req: &PlaceRequest<'_>) -> OrderSnapshot {
    let mut out = Vec::new();
    ex.place(acct, req, 1_000, &mut out).unwrap()
}

fn reject(ex: &mut Exchange, acct: AccountId, req: &PlaceRequest<'_>) -> (i64, String) {
    let mut out = Vec::new();
    let before = ex.balances(acct);
    ex.validate(acct, req).unwrap_err();
    let e = ex.place(acct, req, 1_000, &mut out).unwrap_err();
    assert!(out.is_empty(), "a reject emits nothing");
    assert_eq!(ex.balances(acct), before, "a reject changes nothing");
    (e.code, e.msg)
}

fn bal(ex: &Exchange, acct: AccountId, asset: &str) -> (Notional, Notional) {
    let r = ex.balances(acct).into_iter().find(|r| r.asset == asset).unwrap();
    (r.free, r.locked)
}

fn book(ex: &mut Exchange, bid: &str, bid_qty: &str, ask: &str, ask_qty: &str) -> Vec<Outbound> {
    let mut out = Vec::new();
    ex.on_book(0, p(bid), q(bid_qty), p(ask), q(ask_qty), 2_000, &mut out);
    out
}

fn print(ex: &mut Exchange, price: &str, qty: &str, buyer_is_maker: bool) -> Vec<Outbound> {
    let mut out = Vec::new();
    ex.on_market_trade(0, p(price), q(qty), buyer_is_maker, 3_000, &mut out);
    out
}

fn reports(out: &[Outbound]) -> Vec<(u32, ExecType, i64, Status)> {
    out.iter()
        .filter_map(|o| match o {
            Outbound::Execution { account, report } => {
                Some((account.0, report.exec_type, report.order.order_id, report.order.status))
            }
            Outbound::Balances { .. } => None,
        })
        .collect()
}

#[test]
fn price_time_priority_across_accounts() {
    let (mut ex, a, b, c) = setup();
    let a1 = place(&mut ex, a, &gtc(Side::Sell, "100", "0.1"));
    let b1 = place(&mut ex, b, &gtc(Side::Sell, "100", "0.1"));
    let a2 = place(&mut ex, a, &gtc(Side::Sell, "99", "0.1"));
    let mut out = Vec::new();
    let s = ex.place(c, &gtc(Side::Buy, "100", "0.25"), 1_000, &mut out).unwrap();
    let fills: Vec<_> = s.fills.iter().map(|f| (f.price, f.qty, f.maker, f.trade_id)).collect();
    assert_eq!(
        fills,
        vec![(p("99"), q("0.1"), false, 1), (p("100"), q("0.1"), false, 2), (p("100"), q("0.05"), false, 3)]
    );
    assert_eq!(s.status, Status::Filled);
    assert_eq!(s.cum_quote, n("24.9"));
    assert_eq!(ex.query(a, "BTCUSDT", OrderRef::Id(a2.order_id)).unwrap().status, Status::Filled);
    assert_eq!(ex.query(a, "BTCUSDT", OrderRef::Id(a1.order_id)).unwrap().status, Status::Filled);
    let b1 = ex.query(b, "BTCUSDT", OrderRef::Id(b1.order_id)).unwrap();
    assert_eq!((b1.status, b1.executed_qty, b1.working), (Status::PartiallyFilled, q("0.05"), true));
    // Makers got their reports too, with the same trade ids.
    let makers: Vec<_> = out
        .iter()
        .filter_map(|o| match o {
            Outbound::Execution { account, report } if report.maker => Some((account.0, report.trade_id)),
            _ => None,
        })
        .collect();
    assert_eq!(makers, vec![(a.0, 1), (a.0, 2), (b.0, 3)]);
}

#[test]
fn partial_fill_rests_the_remainder() {
    let (mut ex, a, _, c) = setup();
    place(&mut ex, a, &gtc(Side::Sell, "100", "0.1"));
    let s = place(&mut ex, c, &gtc(Side::Buy, "100", "0.3"));
    assert_eq!((s.status, s.executed_qty, s.working), (Status::PartiallyFilled, q("0.1"), true));
    let open = ex.open_orders(c, Some("BTCUSDT")).unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].order_id, s.order_id);
    assert!(open[0].fills.is_empty());
    assert!(ex.open_orders(a, None).unwrap().is_empty());
}

#[test]
fn ioc_expires_the_remainder() {
    let (mut ex, a, _, c) = setup();
    place(&mut ex, a, &gtc(Side::Sell, "100", "0.1"));
    let mut out = Vec::new();
    let s = ex.place(c, &limit(Side::Buy, "100", "0.3", TimeInForce::Ioc), 1_000, &mut out).unwrap();
    assert_eq!((s.status, s.executed_qty, s.working), (Status::Expired, q("0.1"), false));
    let mine: Vec<_> = reports(&out).into_iter().filter(|r| r.0 == c.0).map(|r| (r.1, r.3)).collect();
    assert_eq!(
        mine,
        vec![
            (ExecType::New, Status::New),
            (ExecType::Trade, Status::PartiallyFilled),
            (ExecType::Expired, Status::Expired)
        ]
    );
    assert!(ex.open_orders(c, None).unwrap().is_empty());
    assert_eq!(bal(&ex, c, "USDT").1, Notional::ZERO, "nothing stays locked");
}

#[test]
fn fok_fills_completely_or_not_at_all() {
    let (mut ex, a, _, c) = setup();
    place(&mut ex, a, &gtc(Side::Sell, "100", "0.1"));
    book(&mut ex, "98", "1", "101", "0.1");
    let s = place(&mut ex, c, &limit(Side::Buy, "100", "0.2", TimeInForce::Fok));
    assert_eq!((s.status, s.executed_qty, s.fills.len()), (Status::Expired, Qty::ZERO, 0));
    assert_eq!(bal(&ex, c, "USDT"), (n("1000000"), Notional::ZERO));
    // With the generated ask in reach there is enough: resting first, then the ask.
    let s = place(&mut ex, c, &limit(Side::Buy, "101", "0.2", TimeInForce::Fok));
    assert_eq!(s.status, Status::Filled);
    let fills: Vec<_> = s.fills.iter().map(|f| (f.price, f.qty)).collect();
    assert_eq!(fills, vec![(p("100"), q("0.1")), (p("101"), q("0.1"))]);
}

#[test]
fn market_takes_the_generated_top_and_expires_the_rest() {
    let (mut ex, _, _, c) = setup();
    book(&mut ex, "99", "0.5", "101", "0.2");
    let s = place(&mut ex, c, &market(Side::Buy, "0.3"));
    assert_eq!((s.status, s.executed_qty, s.price), (Status::Expired, q("0.2"), Price::ZERO));
    assert_eq!(s.fills[0].price, p("101"));
    assert!(!s.fills[0].maker);
    // The ask was used up until the next book update.
    let s = place(&mut ex, c, &market(Side::Buy, "0.1"));
    assert_eq!((s.status, s.executed_qty), (Status::Expired, Qty::ZERO));
    book(&mut ex, "99", "0.5", "101", "0.2");
    let s = place(&mut ex, c, &market(Side::Sell, "0.5"));
    assert_eq!((s.status, s.executed_qty, s.cum_quote), (Status::Filled, q("0.5"), n("49.5")));
}

#[test]
fn generated_liquidity_and_book_merge_by_price() {
    let (mut ex, a, _, c) = setup();
    place(&mut ex, a, &gtc(Side::Sell, "102", "0.1"));
    book(&mut ex, "99", "0.5", "101", "0.1");
    let s = place(&mut ex, c, &gtc(Side::Buy, "102", "0.2"));
    let fills: Vec<_> = s.fills.iter().map(|f| (f.price, f.qty)).collect();
    assert_eq!(fills, vec![(p("101"), q("0.1")), (p("102"), q("0.1"))]);
}

#[test]
fn limit_maker_is_rejected_when_it_would_take() {
    let (mut ex, a, _, c) = setup();
    let maker = |side, price| PlaceRequest { kind: OrderKind::LimitMaker, tif: None, ..gtc(side, price, "0.1") };
    place(&mut ex, a, &gtc(Side::Sell, "105", "0.1"));
    let msg = (-2010, "Order would immediately match and take.".to_string());
    assert_eq!(reject(&mut ex, c, &maker(Side::Buy, "105")), msg);
    book(&mut ex, "99", "1", "101", "1");
    assert_eq!(reject(&mut ex, c, &maker(Side::Buy, "101")), msg);
    assert_eq!(reject(&mut ex, c, &maker(Side::Sell, "99")), msg);
    let s = place(&mut ex, c, &maker(Side::Buy, "100"));
    assert_eq!((s.status, s.working, s.kind), (Status::New, true, OrderKind::LimitMaker));
}

#[test]
fn stops_wait_for_a_print_then_work_as_limits() {
    let (mut ex, a, _, _) = setup();
    print(&mut ex, "100", "0.1", false);
    let stop = |side, stop: &str, price| PlaceRequest {
        kind: OrderKind::StopLossLimit,
        stop_price: Some(p(stop)),
        ..gtc(side, price, "0.1")
    };
    let trig = (-2010, "Order would trigger immediately.".to_string());
    assert_eq!(reject(&mut ex, a, &stop(Side::Sell, "100", "99")), trig);
    assert_eq!(reject(&mut ex, a, &stop(Side::Buy, "99", "99")), trig);
    let tp = PlaceRequest { kind: OrderKind::TakeProfitLimit, ..stop(Side::Sell, "99", "99") };
    assert_eq!(reject(&mut ex, a, &tp), trig);
    let s = place(&mut ex, a, &stop(Side::Sell, "95", "94"));
    assert_eq!((s.status, s.working, s.stop_price), (Status::New, false, p("95")));
    assert_eq!(bal(&ex, a, "BTC").1, n("0.1"), "a held stop locks its funds");
    book(&mut ex, "94.5", "1", "95.5", "1");
    let out = print(&mut ex, "96", "1", true);
    assert!(reports(&out).is_empty(), "96 does not reach 95");
    let out = print(&mut ex, "95", "1", true);
    let r = reports(&out);
    assert_eq!(
        r,
        vec![(a.0, ExecType::New, s.order_id, Status::New), (a.0, ExecType::Trade, s.order_id, Status::Filled)]
    );
    let done = ex.query(a, "BTCUSDT", OrderRef::Id(s.order_id)).unwrap();
    assert_eq!((done.status, done.cum_quote), (Status::Filled, n("9.45")));
}

#[test]
fn parameter_checks() {
    let (mut ex, a, _, _) = setup();
    let no_price = PlaceRequest { price: None, ..gtc(Side::Buy, "1", "1") };
    assert_eq!(reject(&mut ex, a, &no_price).0, -1102);
    assert!(reject(&mut ex, a, &no_price).1.contains("'price'"));
    let no_tif = PlaceRequest { tif: None, ..gtc(Side::Buy, "1", "1") };
    assert!(reject(&mut ex, a, &no_tif).1.contains("'timeInForce'"));
    let tif_on_market = PlaceRequest { tif: Some(TimeInForce::Gtc), ..market(Side::Buy, "1") };
    assert_eq!(reject(&mut ex, a, &tif_on_market), (-1106, "Parameter 'timeInForce' sent when not required.".into()));
    let maker_tif = PlaceRequest { kind: OrderKind::LimitMaker, ..gtc(Side::Buy, "1", "1") };
    assert_eq!(reject(&mut ex, a, &maker_tif).0, -1106);
    let no_stop = PlaceRequest { kind: OrderKind::StopLossLimit, ..gtc(Side::Buy, "1", "1") };
    assert!(reject(&mut ex, a, &no_stop).1.contains("'stopPrice'"));
    let stray_stop = PlaceRequest { stop_price: Some(p("1")), ..gtc(Side::Buy, "1", "1") };
    assert_eq!(reject(&mut ex, a, &stray_stop).0, -1106);
    let bad_symbol = PlaceRequest { symbol: "NOPE", ..gtc(Side::Buy, "1", "1") };
    assert_eq!(reject(&mut ex, a, &bad_symbol), (-1121, "Invalid symbol.".into()));
    let bad_client = PlaceRequest { client_order_id: Some("has space"), ..gtc(Side::Buy, "10", "1") };
    assert_eq!(reject(&mut ex, a, &bad_client).0, -1100);
}

#[test]
fn filters_fail_with_binance_codes() {
    let (mut ex, a, _, _) = setup();
    let e = |price: i64, qty: i64| PlaceRequest {
        symbol: "ETHUSDT",
        price: Some(Price(price)),
        qty: Qty(qty),
        ..gtc(Side::Buy, "1", "1")
    };
    let price_f = (-1013, "Filter failure: PRICE_FILTER".to_string());
    let lot = (-1013, "Filter failure: LOT_SIZE".to_string());
    let notional = (-1013, "Filter failure: NOTIONAL".to_string());
    // ETHUSDT: tick 0.05 (5 at scale 2), step 0.001 (1 at scale 3), min qty 0.002, min notional 1.
    assert_eq!(reject(&mut ex, a, &e(300_001, 10)), price_f);
    assert_eq!(reject(&mut ex, a, &e(0, 10)), price_f);
    assert_eq!(reject(&mut ex, a, &e(-5, 10)), price_f);
    assert_eq!(reject(&mut ex, a, &e(i64::MAX - i64::MAX % 5, 10)), price_f);
    assert_eq!(reject(&mut ex, a, &e(300_000, 1)), lot);
    assert_eq!(reject(&mut ex, a, &e(300_000, 0)), lot);
    assert_eq!(reject(&mut ex, a, &e(300_000, i64::MAX)), lot);
    assert_eq!(reject(&mut ex, a, &e(5, 2)), notional);
    let stop_off_tick =
        PlaceRequest { kind: OrderKind::StopLossLimit, stop_price: Some(Price(300_002)), ..e(300_000, 10) };
    assert_eq!(reject(&mut ex, a, &stop_off_tick), price_f);
    // LOT_SIZE step on BTCUSDT is one unit of the scale, so only the bounds bite there.
    assert_eq!(reject(&mut ex, a, &gtc(Side::Buy, "100", "0")), lot);
    // MARKET uses the generated mid for NOTIONAL, and is unchecked without one.
    place(&mut ex, a, &market(Side::Buy, "0.00001"));
    book(&mut ex, "99", "1", "101", "1");
    assert_eq!(reject(&mut ex, a, &market(Side::Buy, "0.00001")), notional);
    assert_eq!(place(&mut ex, a, &e(300_000, 10)).status, Status::New);
}

#[test]
fn insufficient_balance_is_refused_before_anything_changes() {
    let (mut ex, a, _, _) = setup();
    let msg = (-2010, "Account has insufficient balance for requested action.".to_string());
    assert_eq!(reject(&mut ex, a, &gtc(Side::Buy, "100000", "10")), msg);
    assert_eq!(reject(&mut ex, a, &gtc(Side::Sell, "100", "100.00001")), msg);
    // The lock is price × qty plus the higher fee (4 bps): 999600 + 399.84.
    let s = place(&mut ex, a, &gtc(Side::Buy, "10000", "99.96"));
    assert_eq!(bal(&ex, a, "USDT"), (n("0.16"), n("999999.84")));
    ex.cancel(a, "BTCUSDT", OrderRef::Id(s.order_id), None, 5, &mut Vec::new()).unwrap();
    assert_eq!(bal(&ex, a, "USDT"), (n("1000000"), Notional::ZERO));
    // A MARKET buy needs what its fills will cost.
    book(&mut ex, "99", "1", "1000000", "1.1");
    assert_eq!(reject(&mut ex, a, &market(Side::Buy, "1.1")), msg);
    assert_eq!(place(&mut ex, a, &market(Side::Buy, "0.9")).status, Status::Filled);
}

#[test]
fn duplicate_client_ids_among_open_orders() {
    let (mut ex, a, b, _) = setup();
    let req = PlaceRequest { client_order_id: Some("mine-1"), ..gtc(Side::Buy, "90", "0.1") };
    let s = place(&mut ex, a, &req);
    assert_eq!(s.client_order_id, "mine-1");
    assert_eq!(reject(&mut ex, a, &req), (-2010, "Duplicate order sent.".into()));
    assert_eq!(place(&mut ex, b, &req).client_order_id, "mine-1", "another account may use it");
    ex.cancel(a, "BTCUSDT", OrderRef::Client("mine-1"), None, 5, &mut Vec::new()).unwrap();
    let again = place(&mut ex, a, &req);
    assert_ne!(again.order_id, s.order_id);
    // Generated ids.
    let g = place(&mut ex, a, &gtc(Side::Buy, "90", "0.1"));
    assert_eq!(g.client_order_id, format!("sim-{}", g.order_id));
    // Query by client id finds the open one first, then the newest finished.
    assert_eq!(ex.query(a, "BTCUSDT", OrderRef::Client("mine-1")).unwrap().order_id, again.order_id);
    ex.cancel(a, "BTCUSDT", OrderRef::Id(again.order_id), None, 6, &mut Vec::new()).unwrap();
    assert_eq!(ex.query(a, "BTCUSDT", OrderRef::Client("mine-1")).unwrap().order_id, again.order_id);
}

#[test]
fn cancel_and_query_unknown_orders() {
    let (mut ex, a, b, _) = setup();
    let mut out = Vec::new();
    let s = place(&mut ex, a, &gtc(Side::Buy, "90", "0.1"));
    let unknown = Err(Reject::new(-2011, "Unknown order sent."));
    assert_eq!(ex.cancel(a, "BTCUSDT", OrderRef::Id(999), None, 5, &mut out), unknown);
    assert_eq!(ex.cancel(b, "BTCUSDT", OrderRef::Id(s.order_id), None, 5, &mut out), unknown);
    assert_eq!(ex.cancel(a, "ETHUSDT", OrderRef::Id(s.order_id), None, 5, &mut out), unknown);
    assert_eq!(ex.cancel(a, "BTCUSDT", OrderRef::Client("nope"), None, 5, &mut out), unknown);
    assert_eq!(ex.cancel(a, "XXX", OrderRef::Id(s.order_id), None, 5, &mut out).unwrap_err().code, -1121);
    assert!(out.is_empty());
    let no_such = Err(Reject::new(-2013, "Order does not exist."));
    assert_eq!(ex.query(a, "BTCUSDT", OrderRef::Id(999)), no_such);
    assert_eq!(ex.query(b, "BTCUSDT", OrderRef::Id(s.order_id)), no_such);
    let c = ex.cancel(a, "BTCUSDT", OrderRef::Id(s.order_id), Some("cxl-1"), 7, &mut out).unwrap();
    assert_eq!(
        (c.status, c.client_order_id.as_str(), c.update_time_ms),
        (Status::Canceled, s.client_order_id.as_str(), 7)
    );
    let Outbound::Execution { report, .. } = &out[0] else { panic!("{out:?}") };
    assert_eq!(report.exec_type, ExecType::Canceled);
    assert_eq!(report.order.client_order_id, "cxl-1");
    assert_eq!(report.orig_client_order_id.as_deref(), Some(s.client_order_id.as_str()));
    assert!(
        matches!(&out[1], Outbound::Balances { balances, .. } if balances.len() == 1 && balances[0].asset == "USDT")
    );
    assert_eq!(ex.cancel(a, "BTCUSDT", OrderRef::Id(s.order_id), None, 8, &mut out), unknown);
    assert_eq!(ex.query(a, "BTCUSDT", OrderRef::Id(s.order_id)).unwrap().status, Status::Canceled);
}

#[test]
fn cancel_all_cancels_the_symbol_only() {
    let (mut ex, a, _, _) = setup();
    let mut out = Vec::new();
    assert_eq!(ex.cancel_all(a, "BTCUSDT", 5, &mut out).unwrap_err().code, -2011);
    let s1 = place(&mut ex, a, &gtc(Side::Buy, "90", "0.1"));
    let s2 = place(&mut ex, a, &gtc(Side::Sell, "110", "0.1"));
    let eth = PlaceRequest { symbol: "ETHUSDT", price: Some(Price(300_000)), qty: Qty(10), ..gtc(Side::Buy, "1", "1") };
    place(&mut ex, a, &eth);
    let done = ex.cancel_all(a, "BTCUSDT", 5, &mut out).unwrap();
    assert_eq!(done.iter().map(|s| s.order_id).collect::<Vec<_>>(), vec![s1.order_id, s2.order_id]);
    assert_eq!(ex.open_orders(a, None).unwrap().len(), 1);
    assert_eq!(bal(&ex, a, "BTC"), (n("100"), Notional::ZERO));
}

#[test]
fn balances_after_fills_are_exact_to_the_last_digit() {
    let (mut ex, a, b, _) = setup();
    place(&mut ex, a, &gtc(Side::Sell, "100", "0.1"));
    assert_eq!(bal(&ex, a, "BTC"), (n("99.9"), n("0.1")));
    let mut out = Vec::new();
    ex.place(b, &gtc(Side::Buy, "100", "0.1"), 1_000, &mut out).unwrap();
    // Notional 10 USDT; maker pays 2 bps (0.002), taker 4 bps (0.004), both in USDT.
    assert_eq!(bal(&ex, a, "BTC"), (n("99.9"), Notional::ZERO));
    assert_eq!(bal(&ex, a, "USDT"), (n("1000009.998"), Notional::ZERO));
    assert_eq!(bal(&ex, b, "BTC"), (n("100.1"), Notional::ZERO));
    assert_eq!(bal(&ex, b, "USDT"), (n("999989.996"), Notional::ZERO));
    // One balance event per account, with only the changed assets.
    let events: Vec<_> = out
        .iter()
        .filter_map(|o| match o {
            Outbound::Balances { account, balances, .. } => {
                Some((account.0, balances.iter().map(|r| r.asset.as_str()).collect::<Vec<_>>()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(events, vec![(a.0, vec!["BTC", "USDT"]), (b.0, vec!["BTC", "USDT"])]);
    assert!(matches!(out.last(), Some(Outbound::Balances { .. })));
    // A buy filled below its limit gives back the difference when it ends.
    place(&mut ex, a, &gtc(Side::Sell, "99.99", "0.06"));
    let s = place(&mut ex, b, &gtc(Side::Buy, "101.01", "0.1"));
    assert_eq!((s.cum_quote, s.fills[0].commission), (n("5.9994"), n("0.00239976")));
    // Locked 101.01 × 0.1 × 1.0004 = 10.1050404; the fill cost 5.9994 + 0.00239976.
    assert_eq!(bal(&ex, b, "USDT").1, n("4.10324064"));
    ex.cancel(b, "BTCUSDT", OrderRef::Id(s.order_id), None, 9, &mut Vec::new()).unwrap();
    assert_eq!(bal(&ex, b, "USDT"), (n("999983.99420024"), Notional::ZERO));
    assert_eq!(bal(&ex, b, "BTC"), (n("100.16"), Notional::ZERO));
    assert_eq!(bal(&ex, a, "USDT"), (n("1000015.99620012"), Notional::ZERO));
    assert_eq!(bal(&ex, a, "BTC"), (n("99.84"), Notional::ZERO));
}

#[test]
fn finished_orders_are_kept_then_evicted() {
    let cfg = ExchangeConfig { keep_finished_orders: 2, ..ExchangeConfig::default() };
    let (mut ex, a, _, _) = setup_with(&cfg);
    let ids: Vec<i64> = (0..3)
        .map(|_| {
            let s = place(&mut ex, a, &gtc(Side::Buy, "90", "0.1"));
            ex.cancel(a, "BTCUSDT", OrderRef::Id(s.order_id), None, 5, &mut Vec::new()).unwrap();
            s.order_id
        })
        .collect();
    assert_eq!(ex.query(a, "BTCUSDT", OrderRef::Id(ids[0])).unwrap_err().code, -2013);
    assert_eq!(ex.query(a, "BTCUSDT", OrderRef::Id(ids[1])).unwrap().status, Status::Canceled);
    assert_eq!(ex.query(a, "BTCUSDT", OrderRef::Id(ids[2])).unwrap().status, Status::Canceled);
}

#[test]
fn resting_orders_fill_against_generated_flow() {
    let (mut ex, a, b, _) = setup();
    let buy = place(&mut ex, a, &gtc(Side::Buy, "100", "0.3"));
    let sell = place(&mut ex, b, &gtc(Side::Sell, "105", "0.2"));
    // A new ask below the resting buy fills it as maker at its own price, up to the shown size.
    let out = book(&mut ex, "98", "1", "99", "0.1");
    assert_eq!(reports(&out), vec![(a.0, ExecType::Trade, buy.order_id, Status::PartiallyFilled)]);
    let Outbound::Execution { report, .. } = &out[0] else { panic!() };
    assert_eq!((report.last_price, report.last_qty, report.maker), (p("100"), q("0.1"), true));
    assert_eq!(report.commission, n("0.002"));
    // The ask's size is used up: an IOC buy at 99 finds nothing there.
    assert_eq!(place(&mut ex, b, &limit(Side::Buy, "99", "0.1", TimeInForce::Ioc)).executed_qty, Qty::ZERO);
    // A buying print at 106 takes the resting sell at 105, up to the print's size.
    let out = print(&mut ex, "106", "0.15", false);
    assert_eq!(reports(&out), vec![(b.0, ExecType::Trade, sell.order_id, Status::PartiallyFilled)]);
    // A selling print at 106 does not touch the buy at 100; one at 100 does.
    assert!(reports(&print(&mut ex, "106", "1", true)).is_empty());
    let out = print(&mut ex, "100", "1", true);
    assert_eq!(reports(&out), vec![(a.0, ExecType::Trade, buy.order_id, Status::Filled)]);
    let trades = ex.trades(a, "BTCUSDT", None, None, 10).unwrap();
    assert_eq!(
        trades.iter().map(|t| (t.id, t.qty, t.is_maker, t.is_buyer)).collect::<Vec<_>>(),
        vec![(1, q("0.1"), true, true), (3, q("0.2"), true, true)]
    );
}

#[test]
fn trade_history_filters() {
    let (mut ex, a, b, _) = setup();
    for _ in 0..3 {
        place(&mut ex, a, &gtc(Side::Sell, "100", "0.1"));
        place(&mut ex, b, &gtc(Side::Buy, "100", "0.1"));
    }
    let ids = |v: Vec<TradeRecord>| v.iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(ids(ex.trades(b, "BTCUSDT", None, None, 2).unwrap()), vec![2, 3]);
    assert_eq!(ids(ex.trades(b, "BTCUSDT", None, Some(2), 1).unwrap()), vec![2]);
    assert_eq!(ids(ex.trades(a, "BTCUSDT", Some(3), None, 10).unwrap()), vec![2]);
    let t = &ex.trades(b, "BTCUSDT", None, None, 1).unwrap()[0];
    assert_eq!((t.quote_qty, t.commission, t.commission_asset.as_str()), (n("10"), n("0.004"), "USDT"));
    assert!(ex.trades(b, "ETHUSDT", None, None, 10).unwrap().is_empty());
    assert_eq!(ex.trades(b, "XXX", None, None, 10).unwrap_err().code, -1121);
}

#[test]
fn validate_changes_nothing() {
    let (mut ex, a, b, _) = setup();
    place(&mut ex, a, &gtc(Side::Sell, "100", "0.1"));
    ex.validate(b, &gtc(Side::Buy, "100", "0.1")).unwrap();
    assert_eq!(ex.open_orders(a, None).unwrap().len(), 1);
    assert_eq!(bal(&ex, b, "USDT"), (n("1000000"), Notional::ZERO));
    assert_eq!(ex.stats().orders_placed, 1);
}

#[test]
fn accounts_and_starting_balances() {
    let mut cfg = ExchangeConfig::default();
    cfg.starting_balances.insert("ETH".into(), "2.5".into());
    cfg.starting_balances.insert("BNB".into(), "1".into());
    let mut ex = Exchange::new(&cfg, &[btc(), eth()]).unwrap();
    let a = ex.open_account("k");
    assert_eq!(ex.open_account("k"), a);
    assert_eq!(ex.account("k"), Some(a));
    assert_eq!(ex.account("other"), None);
    let rows: Vec<_> = ex.balances(a).into_iter().map(|r| (r.asset, r.free.to_string())).collect();
    let want = [("BNB", "1"), ("BTC", "100"), ("ETH", "2.5"), ("USDT", "1000000")];
    assert_eq!(rows, want.map(|(a, f)| (a.to_string(), f.to_string())).to_vec());
    assert!(ex.balances(AccountId(77)).is_empty());
    assert_eq!(ex.place(AccountId(77), &gtc(Side::Buy, "1", "1"), 0, &mut Vec::new()).unwrap_err().code, -2015);
    assert_eq!(ex.symbol_index("ETHUSDT"), Some(1));
    assert_eq!(ex.instrument(1).map(|i| i.symbol.as_str()), Some("ETHUSDT"));
    assert!(ex.instrument(2).is_none());
}

#[test]
fn config_is_strict_and_validated() {
    let cfg: ExchangeConfig = toml::from_str("").unwrap();
    assert_eq!(cfg, ExchangeConfig::default());
    let cfg: ExchangeConfig = toml::from_str("maker-fee-bps = 0\n[starting-balances]\nBTC = \"1.5\"").unwrap();
    assert_eq!(cfg.maker_fee_bps, 0);
    assert!(toml::from_str::<ExchangeConfig>("maker-fee = 1").is_err());
    let bad = ExchangeConfig { taker_fee_bps: 10_001, ..ExchangeConfig::default() };
    assert!(bad.validate().unwrap_err().starts_with("taker-fee-bps"));
    let mut bad = ExchangeConfig::default();
    bad.starting_balances.insert("BTC".into(), "-1".into());
    assert!(bad.validate().unwrap_err().starts_with("starting-balances"));
    assert!(Exchange::new(&bad, &[]).is_err());
    assert!(Exchange::new(&ExchangeConfig::default(), &[btc(), btc()]).is_err());
}

#[test]
fn stray_market_input_is_ignored() {
    let (mut ex, a, _, _) = setup();
    let mut out = Vec::new();
    ex.on_book(9, p("1"), q("1"), p("2"), q("1"), 0, &mut out);
    ex.on_market_trade(9, p("1"), q("1"), true, 0, &mut out);
    ex.on_book(0, Price(-1), Qty(-5), Price(i64::MAX), Qty(i64::MAX), 0, &mut out);
    ex.on_market_trade(0, Price(0), Qty(-1), true, 0, &mut out);
    ex.on_market_trade(0, Price(i64::MAX), Qty(i64::MAX), false, 0, &mut out);
    assert!(out.is_empty());
    assert_eq!(place(&mut ex, a, &market(Side::Buy, "1")).executed_qty, Qty::ZERO);
}
