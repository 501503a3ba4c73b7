//! Random sequences of orders, cancels, book updates and trade prints over
//! two accounts keep the exchange's invariants: fills only grow, finished
//! orders stay finished, money is conserved up to what the generated market
//! traded and the fees, nothing is locked below zero, and the resting book
//! is never crossed.

#![allow(clippy::unwrap_used)] // a test: a panic is a failure

use proptest::prelude::*;
use std::collections::HashMap;
use tickdesk::domain::{FilterStrings, Instrument, Notional, OrderKind, Price, Qty, Side, TimeInForce, Venue};
use tickdesk::sim::exchange::{
    AccountId, Exchange, ExchangeConfig, ExecType, OrderRef, OrderSnapshot, Outbound, PlaceRequest, Status,
};

#[derive(Debug, Clone)]
enum Op {
    Place { acct: usize, buy: bool, kind: u8, tif: u8, price: i64, stop: i64, qty: i64 },
    Cancel { acct: usize, pick: usize },
    CancelAll { acct: usize },
    Book { bid: i64, spread: i64, bid_qty: i64, ask_qty: i64 },
    Print { price: i64, qty: i64, buyer_is_maker: bool },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0..2usize, any::<bool>(), 0..5u8, 0..3u8, 9_900..10_100i64, 9_900..10_100i64, 1..40_000i64).prop_map(
            |(acct, buy, kind, tif, price, stop, qty)| Op::Place { acct, buy, kind, tif, price, stop, qty }
        ),
        2 => (0..2usize, 0..8usize).prop_map(|(acct, pick)| Op::Cancel { acct, pick }),
        1 => (0..2usize).prop_map(|acct| Op::CancelAll { acct }),
        2 => (9_900..10_100i64, 0..20i64, 0..30_000i64, 0..30_000i64)
            .prop_map(|(bid, spread, bid_qty, ask_qty)| Op::Book { bid, spread, bid_qty, ask_qty }),
        2 => (9_900..10_100i64, 0..30_000i64, any::<bool>())
            .prop_map(|(price, qty, buyer_is_maker)| Op::Print { price, qty, buyer_is_maker }),
    ]
}

fn instrument() -> Instrument {
    let f = FilterStrings {
        symbol: "BTCUSDT",
        base: "BTC",
        quote: "USDT",
        tick_size: "0.01",
        step_size: "0.00001",
        min_qty: "0.00001",
        min_notional: "1",
    };
    Instrument::from_filters(Venue::BinanceSpot, &f).unwrap()
}

/// Σ free + locked per asset over both accounts.
fn totals(ex: &Exchange, accts: &[AccountId]) -> HashMap<String, i128> {
    let mut t = HashMap::new();
    for &a in accts {
        for r in ex.balances(a) {
            assert!(r.locked.0 >= 0, "{} locked below zero: {}", r.asset, r.locked);
            assert!(r.free.0 >= 0, "{} free below zero: {}", r.asset, r.free);
            *t.entry(r.asset).or_insert(0) += r.free.0 + r.locked.0;
        }
    }
    t
}

struct Seen {
    /// order id → (executed, status, orig)
    orders: HashMap<i64, (i64, Status, i64)>,
}

impl Seen {
    fn see(&mut self, s: &OrderSnapshot) {
        assert!(s.executed_qty.0 <= s.orig_qty.0, "over-filled {s:?}");
        if let Some(&(exec, status, _)) = self.orders.get(&s.order_id) {
            assert!(s.executed_qty.0 >= exec, "executed went down {s:?}");
            if status.is_terminal() {
                assert_eq!(s.status, status, "terminal state changed {s:?}");
            }
        }
        if s.status == Status::Filled {
            assert_eq!(s.executed_qty, s.orig_qty);
        }
        self.orders.insert(s.order_id, (s.executed_qty.0, s.status, s.orig_qty.0));
    }
}

/// What the events say the totals must have moved by: trades with the
/// generated market (a trade id reported once) move base and quote; every
/// fill's commission leaves.
fn expected_delta(out: &[Outbound], inst: &Instrument) -> HashMap<String, i128> {
    let mut count: HashMap<i64, usize> = HashMap::new();
    for o in out {
        if let Outbound::Execution { report, .. } = o {
            if report.exec_type == ExecType::Trade {
                *count.entry(report.trade_id).or_insert(0) += 1;
            }
        }
    }
    let mut d: HashMap<String, i128> = HashMap::new();
    for o in out {
        let Outbound::Execution { report, .. } = o else { continue };
        if report.exec_type != ExecType::Trade {
            continue;
        }
        *d.entry("USDT".into()).or_insert(0) -= report.commission.0;
        if count[&report.trade_id] == 1 {
            let n = Notional::of(report.last_price, report.last_qty, inst.price_scale, inst.qty_scale).0;
            let b = Notional::from_scaled(report.last_qty.0, inst.qty_scale).0;
            let sign = if report.order.side == Side::Buy { 1 } else { -1 };
            *d.entry("BTC".into()).or_insert(0) += sign * b;
            *d.entry("USDT".into()).or_insert(0) -= sign * n;
        }
    }
    d
}

fn run(ops: Vec<Op>) {
    let inst = instrument();
    let mut ex = Exchange::new(&ExchangeConfig::default(), std::slice::from_ref(&inst)).unwrap();
    let accts = [ex.open_account("a"), ex.open_account("b")];
    let mut seen = Seen { orders: HashMap::new() };
    let mut out = Vec::new();
    let mut now = 0;
    for op in ops {
        now += 1;
        out.clear();
        let before = totals(&ex, &accts);
        // Returned snapshots are the final state: seen after the events.
        let mut results: Vec<OrderSnapshot> = Vec::new();
        match op {
            Op::Place { acct, buy, kind, tif, price, stop, qty } => {
                let kind = [
                    OrderKind::Limit,
                    OrderKind::Market,
                    OrderKind::LimitMaker,
                    OrderKind::StopLossLimit,
                    OrderKind::TakeProfitLimit,
                ][usize::from(kind)];
                let tif = [TimeInForce::Gtc, TimeInForce::Ioc, TimeInForce::Fok][usize::from(tif)];
                let limit_like = !matches!(kind, OrderKind::Market);
                let stop_kind = matches!(kind, OrderKind::StopLossLimit | OrderKind::TakeProfitLimit);
                let req = PlaceRequest {
                    symbol: "BTCUSDT",
                    side: if buy { Side::Buy } else { Side::Sell },
                    kind,
                    tif: (limit_like && kind != OrderKind::LimitMaker).then_some(tif),
                    qty: Qty(qty),
                    price: limit_like.then_some(Price(price)),
                    stop_price: stop_kind.then_some(Price(stop)),
                    client_order_id: None,
                };
                let valid = ex.validate(accts[acct], &req);
                match ex.place(accts[acct], &req, now, &mut out) {
                    Ok(s) => {
                        assert!(valid.is_ok());
                        results.push(s);
                    }
                    Err(e) => {
                        assert_eq!(valid, Err(e));
                        assert!(out.is_empty());
                    }
                }
            }
            Op::Cancel { acct, pick } => {
                let open = ex.open_orders(accts[acct], Some("BTCUSDT")).unwrap();
                let id = open.get(pick).map_or(-5, |o| o.order_id);
                match ex.cancel(accts[acct], "BTCUSDT", OrderRef::Id(id), None, now, &mut out) {
                    Ok(s) => {
                        assert_eq!(s.status, Status::Canceled);
                        results.push(s);
                    }
                    Err(e) => assert_eq!(e.code, -2011),
                }
            }
            Op::CancelAll { acct } => {
                if let Ok(v) = ex.cancel_all(accts[acct], "BTCUSDT", now, &mut out) {
                    results.extend(v);
                }
            }
            Op::Book { bid, spread, bid_qty, ask_qty } => {
                ex.on_book(0, Price(bid), Qty(bid_qty), Price(bid + spread), Qty(ask_qty), now, &mut out);
            }
            Op::Print { price, qty, buyer_is_maker } => {
                ex.on_market_trade(0, Price(price), Qty(qty), buyer_is_maker, now, &mut out);
            }
        }
        for o in &out {
            if let Outbound::Execution { report, .. } = o {
                seen.see(&report.order);
            }
        }
        results.iter().for_each(|s| seen.see(s));
        let after = totals(&ex, &accts);
        let delta = expected_delta(&out, &inst);
        for (asset, t) in &after {
            let moved = t - before.get(asset).copied().unwrap_or(0);
            assert_eq!(moved, delta.get(asset).copied().unwrap_or(0), "{asset} not conserved");
        }
        // Every kept order agrees with what was reported, and the book is not crossed.
        let mut best_bid = i64::MIN;
        let mut best_ask = i64::MAX;
        for &a in &accts {
            for o in ex.open_orders(a, None).unwrap() {
                assert!(!o.status.is_terminal());
                seen.see(&o);
                if o.working {
                    match o.side {
                        Side::Buy => best_bid = best_bid.max(o.price.0),
                        Side::Sell => best_ask = best_ask.min(o.price.0),
                    }
                }
            }
        }
        assert!(best_bid < best_ask, "crossed book: {best_bid} >= {best_ask}");
    }
    for (&id, &(exec, status, _)) in &seen.orders {
        let Ok(s) = accts.iter().find_map(|&a| ex.query(a, "BTCUSDT", OrderRef::Id(id)).ok()).ok_or(()) else {
            continue;
        };
        assert!(s.executed_qty.0 >= exec);
        if status.is_terminal() {
            assert_eq!(s.status, status);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn exchange_invariants_hold(ops in prop::collection::vec(op(), 1..120)) {
        run(ops);
    }
}
