//! Random sequences of submits, cancels, book tops, trades and time steps
//! through the paper router and the order store: the state machine never
//! makes an illegal move and fills stay consistent.

use proptest::prelude::*;
use std::collections::HashMap;
use tickdesk::domain::{
    BookTicker, Instrument, InstrumentId, Instruments, Liquidity, Order, OrderId, OrderIntent, OrderKind, OrderState,
    Price, Qty, Side, StrategyId, TimeInForce, Trade, Venue,
};
use tickdesk::route::{Orders, PaperConfig, PaperRouter, Report};

const ID: InstrumentId = InstrumentId(0);

fn inst() -> Instrument {
    Instrument {
        price_scale: 0,
        qty_scale: 0,
        tick_size: Price(1),
        step_size: Qty(1),
        ..Instrument::with_defaults(Venue::BinanceSpot, "TESTUSDT")
    }
}

#[derive(Debug, Clone)]
enum Op {
    Submit { kind: OrderKind, side: Side, qty: i64, price: i64, tif: TimeInForce, expire: Option<i64> },
    Cancel(usize),
    CancelAll,
    Book { bid: i64, spread: i64, bid_qty: i64, ask_qty: i64 },
    Trade { price: i64, qty: i64, buyer_is_maker: bool },
    Time,
}

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)]
}

fn op() -> impl Strategy<Value = Op> {
    let kind = prop_oneof![
        2 => Just(OrderKind::Market),
        6 => Just(OrderKind::Limit),
        2 => Just(OrderKind::LimitMaker),
        1 => Just(OrderKind::StopLossLimit),
    ];
    let tif = prop_oneof![4 => Just(TimeInForce::Gtc), 1 => Just(TimeInForce::Ioc), 1 => Just(TimeInForce::Fok)];
    prop_oneof![
        4 => (kind, side(), -1i64..6, 94i64..107, tif, proptest::option::of(0i64..300))
            .prop_map(|(kind, side, qty, price, tif, expire)| Op::Submit { kind, side, qty, price, tif, expire }),
        1 => any::<usize>().prop_map(Op::Cancel),
        1 => Just(Op::CancelAll),
        3 => (95i64..105, 1i64..4, 0i64..6, 0i64..6)
            .prop_map(|(bid, spread, bid_qty, ask_qty)| Op::Book { bid, spread, bid_qty, ask_qty }),
        5 => (93i64..108, 1i64..9, any::<bool>())
            .prop_map(|(price, qty, buyer_is_maker)| Op::Trade { price, qty, buyer_is_maker }),
        2 => Just(Op::Time),
    ]
}

struct World {
    router: PaperRouter,
    store: Orders,
    table: Instruments,
    ids: Vec<OrderId>,
    /// Sum of fill quantities seen per order.
    filled: HashMap<OrderId, i64>,
    done: HashMap<OrderId, OrderState>,
}

impl World {
    /// Applies reports, checking the invariants each one must keep.
    fn absorb(&mut self, out: &mut Vec<Report>) -> Result<(), TestCaseError> {
        for r in out.drain(..) {
            let id = r.order_id();
            prop_assert!(!self.done.contains_key(&id), "report {r:?} after terminal {:?}", self.done.get(&id));
            if let Report::Fill(f) = r {
                prop_assert!(f.qty.0 > 0);
                *self.filled.entry(id).or_default() += f.qty.0;
            }
            let applied = self.store.apply(&r);
            prop_assert!(applied.is_ok(), "{r:?}: {:?}", applied.err());
            let o = self.store.get(id).cloned();
            prop_assert!(o.is_some(), "unknown order in {r:?}");
            let o = o.unwrap_or_else(|| unreachable!());
            prop_assert!(o.filled_qty.0 <= o.intent.qty.0.max(0), "overfilled {o:?}");
            prop_assert_eq!(o.filled_qty.0, self.filled.get(&id).copied().unwrap_or(0));
            if o.state == OrderState::Filled {
                prop_assert_eq!(o.filled_qty, o.intent.qty);
            }
            if o.state.is_terminal() {
                self.done.insert(id, o.state);
            }
        }
        Ok(())
    }
}

fn run(latency: u64, steps: &[(Op, i64)]) -> Result<(), TestCaseError> {
    let cfg = PaperConfig { latency_ms: latency, slippage_ticks: 1, ..PaperConfig::default() };
    let mut w = World {
        router: PaperRouter::new(&cfg).map_err(TestCaseError::fail)?,
        store: Orders::with_history(10_000, 16),
        table: Instruments::fixed(vec![inst()]),
        ids: vec![],
        filled: HashMap::new(),
        done: HashMap::new(),
    };
    let inst = inst();
    let mut out = Vec::new();
    let mut now = 0i64;
    for (op, dt) in steps {
        now += dt;
        // Arrivals and expiries due now come out first, so a trade's own output is only its fills.
        w.router.on_time(now, &w.table, &mut out);
        w.absorb(&mut out)?;
        match *op {
            Op::Submit { kind, side, qty, price, tif, expire } => {
                let id = OrderId(w.ids.len() as u64 + 1);
                let intent = OrderIntent {
                    instrument: ID,
                    side,
                    kind,
                    tif,
                    qty: Qty(qty),
                    limit_price: (kind != OrderKind::Market).then_some(Price(price)),
                    stop_price: None,
                    strategy: StrategyId(0),
                    expire_after_ms: expire,
                };
                let order = Order::new(id, intent, now);
                w.store.insert(order.clone(), &inst).map_err(|e| TestCaseError::fail(e.to_string()))?;
                w.ids.push(id);
                w.router.submit(&order, &inst, now, &mut out);
            }
            Op::Cancel(i) => {
                if !w.ids.is_empty() {
                    let id = w.ids[i % w.ids.len()];
                    let was_open = w.store.get(id).is_some_and(|o| o.state.is_open());
                    let canceled = w.router.cancel(id, now, &mut out);
                    prop_assert_eq!(canceled, was_open, "cancel of {:?}", id);
                }
            }
            Op::CancelAll => w.router.cancel_all(now, &mut out),
            Op::Book { bid, spread, bid_qty, ask_qty } => {
                let b = BookTicker {
                    instrument: ID,
                    update_id: 0,
                    bid: Price(bid),
                    bid_qty: Qty(bid_qty),
                    ask: Price(bid + spread),
                    ask_qty: Qty(ask_qty),
                    event_time_ms: now,
                    transaction_time_ms: now,
                };
                w.router.on_book(&b, &w.table, now, &mut out);
                prop_assert!(out.is_empty(), "a book top alone fills nothing: {out:?}");
            }
            Op::Trade { price, qty, buyer_is_maker } => {
                let t = Trade {
                    instrument: ID,
                    trade_id: 0,
                    price: Price(price),
                    qty: Qty(qty),
                    time_ms: now,
                    event_time_ms: now,
                    buyer_is_maker,
                    aggregated: false,
                    first_trade_id: 0,
                    last_trade_id: 0,
                };
                w.router.on_trade(&t, &w.table, now, &mut out);
                let mut printed = 0;
                for r in &out {
                    let Report::Fill(f) = r else {
                        return Err(TestCaseError::fail(format!("a trade only fills: {r:?}")));
                    };
                    prop_assert_eq!(f.liquidity, Liquidity::Maker);
                    let ok = match f.side {
                        Side::Buy => f.price >= t.price,
                        Side::Sell => f.price <= t.price,
                    };
                    prop_assert!(ok, "fill {f:?} not reached by print at {price}");
                    printed += f.qty.0;
                }
                prop_assert!(printed <= qty, "print of {qty} filled {printed}");
            }
            Op::Time => {}
        }
        w.absorb(&mut out)?;
        // The venue and the store agree on what is open.
        let working = w.store.open().filter(|o| o.state != OrderState::New).count();
        let in_flight = w.store.open().filter(|o| o.state == OrderState::New).count();
        prop_assert_eq!(w.router.resting_count(), working);
        prop_assert_eq!(w.router.pending_count(), in_flight);
    }
    // Every order's state history ended legally; terminal ones stay terminal.
    for (id, state) in &w.done {
        prop_assert_eq!(w.store.get(*id).map(|o| o.state), Some(*state));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_event_sequences_keep_the_order_state_machine_legal(
        latency in prop_oneof![Just(0u64), 1u64..120],
        steps in prop::collection::vec((op(), 0i64..60), 1..120),
    ) {
        run(latency, &steps)?;
    }
}
