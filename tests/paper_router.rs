//! The paper venue, driven event by event with no runtime, every report
//! applied to the order store.

use tickdesk::domain::{
    BookTicker, Fill, Instrument, InstrumentId, Instruments, Liquidity, Notional, Order, OrderId, OrderIntent,
    OrderKind, OrderState, Price, Qty, Side, StrategyId, TimeInForce, Trade, Venue,
};
use tickdesk::route::{Orders, PaperConfig, PaperRouter, Report};

const BTC: InstrumentId = InstrumentId(0);

/// Price scale 2, tick 0.10; qty scale 3, step 0.001.
fn btc() -> Instrument {
    Instrument {
        price_scale: 2,
        qty_scale: 3,
        tick_size: Price(10),
        step_size: Qty(1),
        ..Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT")
    }
}

fn px(s: &str) -> Price {
    btc().parse_price(s).expect("test fixture")
}

fn q(s: &str) -> Qty {
    btc().parse_qty(s).expect("test fixture")
}

fn n(s: &str) -> Notional {
    Notional::parse(s).expect("test fixture")
}

struct Desk {
    router: PaperRouter,
    orders: Orders,
    table: Instruments,
    next: u64,
}

impl Desk {
    fn new(latency_ms: u64) -> Self {
        let cfg = PaperConfig { latency_ms, slippage_ticks: 1, maker_fee_bps: "1".into(), taker_fee_bps: "5".into() };
        Self {
            router: PaperRouter::new(&cfg).expect("test fixture"),
            orders: Orders::new(),
            table: Instruments::fixed(vec![btc()]),
            next: 0,
        }
    }

    fn apply(&mut self, out: Vec<Report>) -> Vec<Report> {
        for r in &out {
            self.orders.apply(r).unwrap_or_else(|e| panic!("{r:?}: {e}"));
        }
        out
    }

    fn submit(&mut self, intent: OrderIntent, now: i64) -> (OrderId, Vec<Report>) {
        self.next += 1;
        let order = Order::new(OrderId(self.next), intent, now);
        let inst = btc();
        self.orders.insert(order.clone(), &inst).expect("test fixture");
        let mut out = vec![];
        self.router.submit(&order, &inst, now, &mut out);
        (order.id, self.apply(out))
    }

    fn book(&mut self, bid: &str, bid_qty: &str, ask: &str, ask_qty: &str, now: i64) -> Vec<Report> {
        let b = BookTicker {
            instrument: BTC,
            update_id: 0,
            bid: px(bid),
            bid_qty: q(bid_qty),
            ask: px(ask),
            ask_qty: q(ask_qty),
            event_time_ms: now,
            transaction_time_ms: now,
        };
        let mut out = vec![];
        self.router.on_book(&b, &self.table, now, &mut out);
        self.apply(out)
    }

    fn trade(&mut self, price: &str, qty: &str, buyer_is_maker: bool, now: i64) -> Vec<Report> {
        let t = Trade {
            instrument: BTC,
            trade_id: 0,
            price: px(price),
            qty: q(qty),
            time_ms: now,
            event_time_ms: now,
            buyer_is_maker,
            aggregated: false,
            first_trade_id: 0,
            last_trade_id: 0,
        };
        let mut out = vec![];
        self.router.on_trade(&t, &self.table, now, &mut out);
        self.apply(out)
    }

    fn time(&mut self, now: i64) -> Vec<Report> {
        let mut out = vec![];
        self.router.on_time(now, &self.table, &mut out);
        self.apply(out)
    }

    fn state(&self, id: OrderId) -> OrderState {
        self.orders.get(id).expect("known order").state
    }
}

fn limit(side: Side, qty: &str, price: &str, tif: TimeInForce) -> OrderIntent {
    OrderIntent { tif, ..OrderIntent::limit(BTC, side, q(qty), px(price), StrategyId(3)) }
}

fn fills(r: &[Report]) -> Vec<Fill> {
    r.iter()
        .filter_map(|r| match r {
            Report::Fill(f) => Some(*f),
            _ => None,
        })
        .collect()
}

fn fill_summary(r: &[Report]) -> Vec<(u64, Price, Qty)> {
    fills(r).iter().map(|f| (f.order_id.0, f.price, f.qty)).collect()
}

#[test]
fn market_orders_fill_at_the_opposite_best_plus_slippage() {
    let mut d = Desk::new(0);
    d.book("100.00", "5", "100.20", "5", 1_000);
    let (id, r) = d.submit(OrderIntent::market(BTC, Side::Buy, q("0.5"), StrategyId(3)), 1_000);
    assert_eq!(r[0], Report::Accepted { id, time_ms: 1_000 });
    let f = fills(&r);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].price, f[0].qty, f[0].liquidity), (px("100.30"), q("0.5"), Liquidity::Taker));
    // 100.30 × 0.5 = 50.15, × 5 bps = 0.025075, exact.
    assert_eq!(f[0].fee, n("0.025075"));
    assert_eq!(f[0].strategy, StrategyId(3));
    assert_eq!(d.state(id), OrderState::Filled);
    let o = d.orders.get(id).unwrap();
    assert_eq!((o.filled_qty, o.filled_notional, o.fees), (q("0.5"), n("50.15"), n("0.025075")));

    let (_, r) = d.submit(OrderIntent::market(BTC, Side::Sell, q("1"), StrategyId(3)), 1_001);
    assert_eq!(fill_summary(&r), [(2, px("99.90"), q("1"))]);
}

#[test]
fn market_orders_without_a_book_are_rejected() {
    let mut d = Desk::new(0);
    let (id, r) = d.submit(OrderIntent::market(BTC, Side::Buy, q("1"), StrategyId(0)), 5);
    assert_eq!(r, [Report::Rejected { id, time_ms: 5, reason: "no_book" }]);
    assert_eq!(d.state(id), OrderState::Rejected);
}

#[test]
fn latency_runs_on_the_event_clock_against_the_book_before_the_revealing_event() {
    let mut d = Desk::new(100);
    d.book("100.00", "5", "100.20", "5", 1_000);
    let (id, r) = d.submit(OrderIntent::market(BTC, Side::Buy, q("1"), StrategyId(0)), 1_000);
    assert!(r.is_empty());
    assert_eq!(d.state(id), OrderState::New);
    assert!(d.time(1_099).is_empty());
    // This book arrives at 1150: the order reached the venue at 1100, before it.
    let r = d.book("101.00", "5", "101.20", "5", 1_150);
    assert_eq!(r[0], Report::Accepted { id, time_ms: 1_100 });
    let f = fills(&r);
    assert_eq!((f[0].price, f[0].time_ms), (px("100.30"), 1_100));
    assert_eq!(d.state(id), OrderState::Filled);
}

#[test]
fn resting_limits_fill_only_on_prints_through_their_price_by_printed_volume() {
    let mut d = Desk::new(0);
    d.book("100.00", "5", "100.20", "5", 0);
    // Behind the touch: the queue at 99.90 is unknown, so only through-prints fill.
    let (id, r) = d.submit(limit(Side::Buy, "1", "99.90", TimeInForce::Gtc), 0);
    assert_eq!(r, [Report::Accepted { id, time_ms: 0 }]);
    assert_eq!(d.router.resting(id).unwrap().queue_ahead, None);
    assert!(d.trade("99.90", "5", true, 1).is_empty());
    assert!(d.trade("100.00", "5", true, 2).is_empty());
    let r = d.trade("99.80", "0.4", true, 3);
    let f = fills(&r);
    assert_eq!(fill_summary(&r), [(id.0, px("99.90"), q("0.4"))]);
    assert_eq!(f[0].liquidity, Liquidity::Maker);
    // 99.90 × 0.4 = 39.96, × 1 bp = 0.003996
    assert_eq!(f[0].fee, n("0.003996"));
    assert_eq!(d.state(id), OrderState::PartiallyFilled);
    let r = d.trade("99.50", "2", true, 4);
    assert_eq!(fill_summary(&r), [(id.0, px("99.90"), q("0.6"))]);
    assert_eq!(d.state(id), OrderState::Filled);
    assert_eq!(d.router.resting_count(), 0);
    assert!(d.trade("99.00", "2", true, 5).is_empty());
}

#[test]
fn at_price_prints_fill_after_the_displayed_queue_ahead() {
    let mut d = Desk::new(0);
    d.book("100.00", "2", "100.20", "5", 0);
    let (id, _) = d.submit(limit(Side::Buy, "1", "100.00", TimeInForce::Gtc), 0);
    assert_eq!(d.router.resting(id).unwrap().queue_ahead, Some(q("2")));
    assert!(d.trade("100.00", "1.5", true, 1).is_empty());
    assert_eq!(d.router.resting(id).unwrap().queue_ahead, Some(q("0.5")));
    let r = d.trade("100.00", "1", true, 2);
    assert_eq!(fill_summary(&r), [(id.0, px("100.00"), q("0.5"))]);
    let r = d.trade("100.00", "0.7", true, 3);
    assert_eq!(fill_summary(&r), [(id.0, px("100.00"), q("0.5"))]);
    assert_eq!(d.state(id), OrderState::Filled);

    // Inside the spread nobody is displayed ahead: the first print at the price fills.
    let (id, _) = d.submit(limit(Side::Sell, "1", "100.10", TimeInForce::Gtc), 4);
    assert_eq!(d.router.resting(id).unwrap().queue_ahead, Some(Qty::ZERO));
    let r = d.trade("100.10", "0.3", false, 5);
    assert_eq!(fill_summary(&r), [(id.0, px("100.10"), q("0.3"))]);
}

#[test]
fn book_tops_shrink_the_queue_estimate() {
    let mut d = Desk::new(0);
    d.book("100.00", "2", "100.20", "5", 0);
    let (at_touch, _) = d.submit(limit(Side::Buy, "1", "100.00", TimeInForce::Gtc), 0);
    let (behind, _) = d.submit(limit(Side::Buy, "1", "99.90", TimeInForce::Gtc), 0);
    d.book("100.00", "0.5", "100.20", "5", 1);
    assert_eq!(d.router.resting(at_touch).unwrap().queue_ahead, Some(q("0.5")));
    d.book("100.00", "3", "100.20", "5", 2);
    assert_eq!(d.router.resting(at_touch).unwrap().queue_ahead, Some(q("0.5")), "never grows");
    // The bid drops to our second order's price: at most its quantity is ahead of it,
    // and nobody displayed is ahead of the first any more.
    d.book("99.90", "4", "100.20", "5", 3);
    assert_eq!(d.router.resting(at_touch).unwrap().queue_ahead, Some(Qty::ZERO));
    assert_eq!(d.router.resting(behind).unwrap().queue_ahead, Some(q("4")));
}

#[test]
fn the_same_print_never_fills_two_orders() {
    let mut d = Desk::new(0);
    d.book("100.00", "5", "100.20", "5", 0);
    let (a, _) = d.submit(limit(Side::Buy, "1", "99.90", TimeInForce::Gtc), 0);
    let (b, _) = d.submit(limit(Side::Buy, "1", "99.90", TimeInForce::Gtc), 0);
    let (c, _) = d.submit(limit(Side::Buy, "1", "99.80", TimeInForce::Gtc), 0);
    // 1.5 printed through 99.90 and at 99.80 (where c's queue is unknown): time priority.
    let r = d.trade("99.80", "1.5", true, 1);
    assert_eq!(fill_summary(&r), [(a.0, px("99.90"), q("1")), (b.0, px("99.90"), q("0.5"))]);
    // Price priority: a better price fills first even if it arrived later.
    let (e, _) = d.submit(limit(Side::Buy, "1", "100.00", TimeInForce::Gtc), 2);
    let r = d.trade("99.70", "1", true, 3);
    assert_eq!(fill_summary(&r), [(e.0, px("100.00"), q("1"))]);
    let r = d.trade("99.70", "1", true, 4);
    assert_eq!(fill_summary(&r), [(b.0, px("99.90"), q("0.5")), (c.0, px("99.80"), q("0.5"))]);
}

#[test]
fn marketable_limits_take_the_touch_then_ioc_expires_and_gtc_rests() {
    let mut d = Desk::new(0);
    d.book("100.00", "5", "100.20", "1", 0);
    // Slippage would make it 100.30; the limit caps it at 100.20.
    let (ioc, r) = d.submit(limit(Side::Buy, "3", "100.20", TimeInForce::Ioc), 0);
    assert_eq!(fill_summary(&r), [(ioc.0, px("100.20"), q("1"))]);
    assert_eq!(fills(&r)[0].liquidity, Liquidity::Taker);
    assert_eq!(r.last(), Some(&Report::Expired { id: ioc, time_ms: 0 }));
    assert_eq!(d.state(ioc), OrderState::Expired);
    assert_eq!(d.orders.get(ioc).unwrap().filled_qty, q("1"));
    // The touch quantity is used up until the next book top.
    let (ioc2, r) = d.submit(limit(Side::Buy, "1", "100.50", TimeInForce::Ioc), 1);
    assert_eq!(r, [Report::Accepted { id: ioc2, time_ms: 1 }, Report::Expired { id: ioc2, time_ms: 1 }]);
    d.book("100.00", "5", "100.20", "1", 2);
    let (gtc, r) = d.submit(limit(Side::Buy, "3", "100.50", TimeInForce::Gtc), 2);
    assert_eq!(fill_summary(&r), [(gtc.0, px("100.30"), q("1"))]);
    assert_eq!(d.state(gtc), OrderState::PartiallyFilled);
    let rest = d.router.resting(gtc).unwrap();
    assert_eq!((rest.remaining, rest.queue_ahead), (q("2"), Some(Qty::ZERO)));
    // A book top crossing the resting order does not fill it; a print does.
    assert!(d.book("100.00", "5", "100.10", "9", 3).is_empty());
    let r = d.trade("100.40", "5", false, 4);
    assert_eq!(fill_summary(&r), [(gtc.0, px("100.50"), q("2"))]);
    // Not marketable: IOC expires untouched.
    let (late, r) = d.submit(limit(Side::Buy, "1", "99.00", TimeInForce::Ioc), 5);
    assert_eq!(r, [Report::Accepted { id: late, time_ms: 5 }, Report::Expired { id: late, time_ms: 5 }]);
}

#[test]
fn fok_fills_whole_from_the_touch_or_not_at_all() {
    let mut d = Desk::new(0);
    d.book("100.00", "2", "100.20", "2", 0);
    let (big, r) = d.submit(limit(Side::Sell, "3", "99.00", TimeInForce::Fok), 0);
    assert_eq!(r, [Report::Accepted { id: big, time_ms: 0 }, Report::Expired { id: big, time_ms: 0 }]);
    assert_eq!(d.orders.get(big).unwrap().filled_qty, Qty::ZERO);
    let (ok, r) = d.submit(limit(Side::Sell, "2", "99.00", TimeInForce::Fok), 1);
    // Sell: bid − 1 tick = 99.90, above the limit.
    assert_eq!(fill_summary(&r), [(ok.0, px("99.90"), q("2"))]);
    assert_eq!(d.state(ok), OrderState::Filled);
}

#[test]
fn limit_maker_that_would_cross_is_rejected() {
    let mut d = Desk::new(0);
    d.book("100.00", "5", "100.20", "5", 0);
    let maker = |p: &str| OrderIntent { kind: OrderKind::LimitMaker, ..limit(Side::Buy, "1", p, TimeInForce::Gtc) };
    let (id, r) = d.submit(maker("100.20"), 0);
    assert_eq!(r, [Report::Rejected { id, time_ms: 0, reason: "would_take" }]);
    let (id, r) = d.submit(maker("100.10"), 0);
    assert_eq!(r, [Report::Accepted { id, time_ms: 0 }]);
    assert_eq!(d.router.resting_count(), 1);
}

#[test]
fn cancel_working_and_in_flight_orders() {
    let mut d = Desk::new(100);
    d.book("100.00", "5", "100.20", "5", 0);
    let (flying, _) = d.submit(limit(Side::Buy, "1", "99.00", TimeInForce::Gtc), 0);
    let mut out = vec![];
    assert!(d.router.cancel(flying, 50, &mut out));
    let r = d.apply(out);
    assert_eq!(r, [Report::Canceled { id: flying, time_ms: 50 }]);
    assert_eq!(d.state(flying), OrderState::Canceled);
    assert!(d.time(1_000).is_empty(), "a canceled order never arrives");

    let (working, _) = d.submit(limit(Side::Buy, "1", "99.00", TimeInForce::Gtc), 1_000);
    d.time(1_100);
    assert_eq!(d.state(working), OrderState::Accepted);
    let mut out = vec![];
    assert!(d.router.cancel(working, 1_200, &mut out));
    assert!(!d.router.cancel(working, 1_201, &mut out), "already gone");
    assert_eq!(d.apply(out), [Report::Canceled { id: working, time_ms: 1_200 }]);
    assert!(d.trade("98.00", "10", true, 1_300).is_empty());
}

#[test]
fn cancel_all_cancels_everything_in_id_order() {
    let mut d = Desk::new(100);
    d.book("100.00", "5", "100.20", "5", 0);
    let (a, _) = d.submit(limit(Side::Sell, "1", "101.00", TimeInForce::Gtc), 0);
    let (b, _) = d.submit(limit(Side::Buy, "1", "99.00", TimeInForce::Gtc), 0);
    d.time(100);
    let (c, _) = d.submit(limit(Side::Buy, "1", "98.00", TimeInForce::Gtc), 100);
    assert_eq!((d.router.resting_count(), d.router.pending_count()), (2, 1));
    let mut out = vec![];
    d.router.cancel_all(150, &mut out);
    let r = d.apply(out);
    assert_eq!(r.iter().map(|r| r.order_id()).collect::<Vec<_>>(), [a, b, c]);
    assert!(r.iter().all(|r| matches!(r, Report::Canceled { time_ms: 150, .. })));
    assert_eq!(d.orders.open_count(), 0);
    assert_eq!((d.router.resting_count(), d.router.pending_count()), (0, 0));
    assert!(d.time(10_000).is_empty());
}

#[test]
fn orders_expire_after_acceptance_on_the_event_clock() {
    let mut d = Desk::new(100);
    d.book("100.00", "5", "100.20", "5", 0);
    let i = OrderIntent { expire_after_ms: Some(500), ..limit(Side::Buy, "1", "99.00", TimeInForce::Gtc) };
    let (id, _) = d.submit(i, 1_000);
    assert_eq!(d.time(1_100), [Report::Accepted { id, time_ms: 1_100 }]);
    assert!(d.time(1_599).is_empty());
    // Revealed by a trade at 1700 that would have filled it: it expired at 1600 first.
    let r = d.trade("98.00", "5", true, 1_700);
    assert_eq!(r, [Report::Expired { id, time_ms: 1_600 }]);
    assert_eq!(d.state(id), OrderState::Expired);
    // Activation and expiry due in one step come out in time order.
    let short = OrderIntent { expire_after_ms: Some(10), ..limit(Side::Buy, "1", "99.00", TimeInForce::Gtc) };
    let (x, _) = d.submit(short, 2_000);
    let (y, _) = d.submit(limit(Side::Buy, "1", "99.00", TimeInForce::Gtc), 2_050);
    let r = d.time(5_000);
    assert_eq!(
        r,
        [
            Report::Accepted { id: x, time_ms: 2_100 },
            Report::Expired { id: x, time_ms: 2_110 },
            Report::Accepted { id: y, time_ms: 2_150 },
        ]
    );
}

#[test]
fn invalid_and_unsupported_orders_are_rejected_at_once() {
    let mut d = Desk::new(100);
    let (id, r) = d.submit(limit(Side::Buy, "0", "99.00", TimeInForce::Gtc), 7);
    assert_eq!(r, [Report::Rejected { id, time_ms: 7, reason: "bad_qty" }]);
    let stop = OrderIntent { kind: OrderKind::StopLossLimit, ..limit(Side::Sell, "1", "99.00", TimeInForce::Gtc) };
    let (id, r) = d.submit(stop, 8);
    assert_eq!(r, [Report::Rejected { id, time_ms: 8, reason: "unsupported_kind" }]);
    assert_eq!(d.orders.counts().rejected, 2);
}

#[test]
fn config_is_strict_and_errors_name_the_key() {
    let cfg: PaperConfig = toml::from_str("latency-ms = 5\ntaker-fee-bps = \"7.5\"").unwrap();
    assert_eq!((cfg.latency_ms, cfg.maker_fee_bps.as_str()), (5, "10"));
    assert!(toml::from_str::<PaperConfig>("latency = 5").is_err());
    let e = PaperRouter::new(&PaperConfig { maker_fee_bps: "one".into(), ..PaperConfig::default() }).unwrap_err();
    assert!(e.contains("paper.maker-fee-bps") && e.contains("\"one\""), "{e}");
}
