//! The sim exchange's matching core under a realistic mix of order
//! operations on one symbol and two accounts: resting limits away from the
//! touch that are later canceled, crossing limits (GTC and IOC), market
//! orders, generated trade prints and top-of-book updates. Reports order
//! operations per second (criterion's `thrpt`, elements = operations).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench: a panic is a failed run

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::collections::{BTreeMap, VecDeque};
use std::hint::black_box;
use tickdesk::domain::{FilterStrings, Instrument, OrderKind, Price, Qty, Side, TimeInForce, Venue};
use tickdesk::sim::exchange::{AccountId, Exchange, ExchangeConfig, OrderRef, Outbound, PlaceRequest};

const BATCH: u64 = 10_000;
const MID: i64 = 6_000_000; // 60000.00

struct Sim {
    ex: Exchange,
    accts: [AccountId; 2],
    resting: VecDeque<(usize, i64)>,
    out: Vec<Outbound>,
    rng: u64,
    now: i64,
    mid: i64,
}

impl Sim {
    fn new() -> Self {
        let f = FilterStrings {
            symbol: "BTCUSDT",
            base: "BTC",
            quote: "USDT",
            tick_size: "0.01",
            step_size: "0.00001",
            min_qty: "0.00001",
            min_notional: "5",
        };
        let inst = Instrument::from_filters(Venue::BinanceSpot, &f).unwrap();
        let cfg = ExchangeConfig {
            starting_balances: BTreeMap::from([
                ("USDT".into(), "100000000000000".into()),
                ("BTC".into(), "1000000000".into()),
            ]),
            ..ExchangeConfig::default()
        };
        let mut ex = Exchange::new(&cfg, &[inst]).unwrap();
        let accts = [ex.open_account("a"), ex.open_account("b")];
        Self {
            ex,
            accts,
            resting: VecDeque::new(),
            out: Vec::with_capacity(64),
            rng: 0x9e37_79b9_7f4a_7c15,
            now: 0,
            mid: MID,
        }
    }

    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic and cheap next to what is measured.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn req(
        side: Side,
        kind: OrderKind,
        tif: Option<TimeInForce>,
        price: Option<i64>,
        qty: i64,
    ) -> PlaceRequest<'static> {
        PlaceRequest {
            symbol: "BTCUSDT",
            side,
            kind,
            tif,
            qty: Qty(qty),
            price: price.map(Price),
            stop_price: None,
            client_order_id: None,
        }
    }

    /// One order operation of the mix.
    fn step(&mut self) {
        self.now += 1;
        self.out.clear();
        let r = self.next();
        let acct = (r & 1) as usize;
        let side = if r & 2 == 0 { Side::Buy } else { Side::Sell };
        let sign = if side == Side::Buy { -1 } else { 1 };
        let qty = 100 + ((r >> 8) % 5_000) as i64;
        let ticks = ((r >> 24) % 200) as i64;
        match (r >> 40) % 100 {
            // A resting limit 1-200 ticks away from the mid, canceled later.
            0..=39 => {
                let price = self.mid + sign * (1 + ticks);
                let req = Self::req(side, OrderKind::Limit, Some(TimeInForce::Gtc), Some(price), qty);
                if let Ok(s) = self.ex.place(self.accts[acct], &req, self.now, &mut self.out) {
                    self.resting.push_back((acct, s.order_id));
                }
            }
            // Cancel the oldest resting order (it may have filled meanwhile: -2011).
            40..=69 => {
                if let Some((a, id)) = self.resting.pop_front() {
                    let _ = self.ex.cancel(self.accts[a], "BTCUSDT", OrderRef::Id(id), None, self.now, &mut self.out);
                }
            }
            // A crossing limit, GTC or IOC, up to 20 ticks through the mid.
            70..=84 => {
                let price = self.mid - sign * (ticks % 20);
                let tif = if r & 4 == 0 { TimeInForce::Gtc } else { TimeInForce::Ioc };
                let req = Self::req(side, OrderKind::Limit, Some(tif), Some(price), qty);
                if let Ok(s) = self.ex.place(self.accts[acct], &req, self.now, &mut self.out) {
                    if s.working {
                        self.resting.push_back((acct, s.order_id));
                    }
                }
            }
            85..=89 => {
                let req = Self::req(side, OrderKind::Market, None, None, qty);
                let _ = self.ex.place(self.accts[acct], &req, self.now, &mut self.out);
            }
            // A generated print near the mid.
            90..=94 => {
                let price = self.mid + sign * (ticks % 30);
                self.ex.on_market_trade(0, Price(price), Qty(qty), r & 4 == 0, self.now, &mut self.out);
            }
            // A new generated top; the mid wanders a little.
            _ => {
                self.mid = (self.mid + (ticks % 5) - 2).clamp(MID - 5_000, MID + 5_000);
                let (bid, ask) = (self.mid - 1, self.mid + 1);
                self.ex.on_book(0, Price(bid), Qty(qty), Price(ask), Qty(qty), self.now, &mut self.out);
            }
        }
        // Keep the book at a realistic depth.
        while self.resting.len() > 2_000 {
            if let Some((a, id)) = self.resting.pop_front() {
                let _ = self.ex.cancel(self.accts[a], "BTCUSDT", OrderRef::Id(id), None, self.now, &mut self.out);
            }
        }
        black_box(self.out.len());
    }
}

fn matching(c: &mut Criterion) {
    let mut sim = Sim::new();
    for _ in 0..50_000 {
        sim.step();
    }
    let mut g = c.benchmark_group("matching");
    g.throughput(Throughput::Elements(BATCH));
    g.bench_function("mixed_order_ops", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                sim.step();
            }
        })
    });
    g.finish();
    let s = sim.ex.stats();
    eprintln!(
        "stats: ops {} placed {} rejected {} canceled {} expired {} fills {} trades {}",
        s.ops, s.orders_placed, s.orders_rejected, s.orders_canceled, s.orders_expired, s.fills, s.trades
    );
}

criterion_group!(benches, matching);
criterion_main!(benches);
