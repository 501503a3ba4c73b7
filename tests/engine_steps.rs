//! The engine driven one event at a time, with no runtime: state and
//! outputs after each step.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns may unwrap

use tickdesk::config::Config;
use tickdesk::domain::{
    BookTicker, DepthSnapshot, DepthUpdate, FilterStrings, Instrument, InstrumentId, Instruments, Level, MarketEvent,
    OrderIntent, Price, Qty, Side, StrategyId, Trade, Venue,
};
use tickdesk::engine::{Command, Engine, Event, EventKind, Stamp, build_engine};
use tickdesk::sim::Generator;

const BTC: InstrumentId = InstrumentId(0);

fn instruments() -> Instruments {
    let f = FilterStrings {
        symbol: "BTCUSDT",
        base: "BTC",
        quote: "USDT",
        tick_size: "0.01",
        step_size: "0.00001",
        min_qty: "0.00001",
        min_notional: "5",
    };
    Instruments::fixed(vec![Instrument::from_filters(Venue::BinanceSpot, &f).unwrap()])
}

fn engine() -> Engine {
    let mut cfg = Config::default();
    cfg.strategies.clear();
    build_engine(&cfg, instruments()).unwrap()
}

struct Feed {
    seq: u64,
}

impl Feed {
    fn ev(&mut self, kind: EventKind) -> Event {
        self.seq += 1;
        Event { seq: self.seq, stamp: Stamp { recv_mono_ns: 1, recv_wall_ns: 0, decoded_mono_ns: 2 }, kind }
    }
    fn book(&mut self, t: i64, bid: i64, ask: i64) -> Event {
        self.ev(EventKind::Market(MarketEvent::BookTicker(BookTicker {
            instrument: BTC,
            update_id: self.seq,
            bid: Price(bid),
            bid_qty: Qty(100_000),
            ask: Price(ask),
            ask_qty: Qty(100_000),
            event_time_ms: t,
            transaction_time_ms: t,
        })))
    }
    fn trade(&mut self, t: i64, price: i64, qty: i64) -> Event {
        self.ev(EventKind::Market(MarketEvent::Trade(Trade {
            instrument: BTC,
            trade_id: self.seq,
            price: Price(price),
            qty: Qty(qty),
            time_ms: t,
            event_time_ms: t,
            buyer_is_maker: false,
            aggregated: false,
            first_trade_id: self.seq,
            last_trade_id: self.seq,
        })))
    }
    fn cmd(&mut self, t: i64, command: Command) -> Event {
        self.ev(EventKind::Command { time_ms: t, command })
    }
}

#[test]
fn manual_market_order_fills_after_latency_and_pnl_is_exact() {
    let mut e = engine();
    let mut f = Feed { seq: 0 };
    e.process(&f.book(1_000, 6_000_000, 6_000_010)); // 60000.00 / 60000.10
    e.process(&f.trade(1_000, 6_000_000, 1_000));
    let buy = OrderIntent::market(BTC, Side::Buy, Qty(1_000), StrategyId::MANUAL); // 0.01 BTC
    e.process(&f.cmd(1_000, Command::Submit(buy)));
    assert_eq!(e.orders().open_count(), 1, "in flight for the paper latency");
    assert_eq!(e.counters().fills, 0);
    e.process(&f.ev(EventKind::Timer { time_ms: 1_050 }));
    assert_eq!(e.counters().fills, 1);
    let s = e.snapshot();
    assert_eq!(s.positions.len(), 1);
    assert_eq!(s.positions[0].qty, "0.01000");
    assert_eq!(s.positions[0].avg_price, "60000.10");
    // 0.01 × 60000.10 = 600.001; taker fee 10 bps = 0.6000010
    assert_eq!(s.positions[0].fees, "0.600001");
    // Marked at the next trade, 60010.00: unrealized = 0.01 × (60010.00 − 60000.10) = 0.099
    e.process(&f.trade(1_100, 6_001_000, 500));
    let s = e.snapshot();
    assert_eq!(s.pnl.unrealized, "0.099");
    assert_eq!(s.pnl.total, "-0.501001");
    assert_eq!(s.pnl.equity, "9999.498999");
}

#[test]
fn kill_switch_cancels_open_orders_and_blocks_new_ones() {
    let mut e = engine();
    let mut f = Feed { seq: 0 };
    e.process(&f.book(1_000, 6_000_000, 6_000_010));
    e.process(&f.trade(1_000, 6_000_000, 1_000));
    let bid = OrderIntent::limit(BTC, Side::Buy, Qty(1_000), Price(5_990_000), StrategyId::MANUAL);
    e.process(&f.cmd(1_000, Command::Submit(bid)));
    e.process(&f.ev(EventKind::Timer { time_ms: 1_100 }));
    assert_eq!(e.orders().open_count(), 1);
    e.process(&f.cmd(1_200, Command::KillSwitch { flatten: false }));
    assert_eq!(e.orders().open_count(), 0);
    assert!(e.is_halted());
    e.process(&f.cmd(1_300, Command::Submit(bid)));
    assert_eq!(e.orders().open_count(), 0);
    let s = e.snapshot();
    assert!(s.kill_switch.is_some());
    assert_eq!(s.orders.canceled, 1);
    let rejected: Vec<_> = e.risk().rejections().map(|(r, n)| (r.as_str().to_string(), n)).collect();
    assert_eq!(rejected, vec![("kill_switch".to_string(), 1)]);
    e.process(&f.cmd(1_400, Command::ResetKillSwitch));
    e.process(&f.cmd(1_400, Command::Submit(bid)));
    assert_eq!(e.orders().open_count(), 1);
}

#[test]
fn trades_close_candles_on_rollover_and_finish_closes_the_rest() {
    let mut e = engine();
    e.set_capture_candles(true);
    let mut f = Feed { seq: 0 };
    for (t, p) in [(1_000, 100), (1_500, 120), (2_000, 90), (3_999, 95)] {
        e.process(&f.trade(t, p, 1));
    }
    let closed: Vec<_> = e.drain_candles().collect();
    assert_eq!(closed.len(), 2, "two 1s candles closed: {closed:?}");
    assert_eq!(
        (closed[0].open, closed[0].high, closed[0].close, closed[0].trades),
        (Price(100), Price(120), Price(120), 2)
    );
    e.finish();
    let rest: Vec<_> = e.drain_candles().collect();
    assert_eq!(rest.len(), 6, "the open 1s candle and one per longer timeframe");
    assert_eq!(e.counters().candles_closed, 8);
}

#[test]
fn events_for_unknown_instruments_are_counted_not_fatal() {
    let mut e = engine();
    let mut f = Feed { seq: 0 };
    let mut ev = f.trade(1_000, 100, 1);
    if let EventKind::Market(MarketEvent::Trade(t)) = &mut ev.kind {
        t.instrument = InstrumentId(42);
    }
    e.process(&ev);
    assert_eq!(e.counters().unknown_instrument, 1);
    let cancel_unknown = f.cmd(1_000, Command::Cancel(tickdesk::domain::OrderId(999)));
    e.process(&cancel_unknown);
    assert_eq!(e.counters().illegal_transitions, 0);
}

#[test]
fn sequence_gaps_are_counted() {
    let mut e = engine();
    let mut f = Feed { seq: 0 };
    e.process(&f.trade(1_000, 100, 1));
    f.seq += 5;
    e.process(&f.trade(1_001, 100, 1));
    assert_eq!(e.counters().seq_gaps, 5);
}

/// The same events through two engines give the same decisions.
#[test]
fn same_events_same_decisions() {
    let cfg = Config::default();
    let run = || {
        let mut g = Generator::new(&cfg.synthetic, 1_700_000_000_000).unwrap();
        let mut e = build_engine(&cfg, Instruments::fixed(g.instruments())).unwrap();
        for seq in 1..=200_000u64 {
            let (_, m) = g.next_event();
            e.process(&Event { seq, stamp: Stamp::default(), kind: EventKind::Market(m) });
        }
        e.finish();
        let s = e.snapshot();
        (s.counters, s.orders, s.positions, s.pnl)
    };
    let a = run();
    assert!(a.0.orders_submitted > 0, "the default strategies should trade: {:?}", a.1);
    assert_eq!(a, run());
}

/// The core never imports I/O runtimes or reads the wall clock.
#[test]
fn core_modules_do_no_io_and_read_no_clock() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let core = ["domain", "aggregate", "indicators", "strategy", "risk", "route", "portfolio", "engine", "book"];
    // Dependencies point inward: the core names no I/O module of its own crate either.
    let forbidden = [
        "tokio",
        "crossterm",
        "ratatui",
        "SystemTime",
        "Instant::now",
        "std::fs",
        "std::net",
        "crate::feed",
        "crate::sim",
        "crate::cmd",
    ];
    let mut files = Vec::new();
    for m in core {
        files.push(root.join(format!("{m}.rs")));
        let dir = root.join(m);
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
    }
    assert!(files.len() > 20);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for word in forbidden {
            assert!(!text.contains(word), "{} mentions {word}", f.display());
        }
    }
}

#[test]
fn a_stale_feed_blocks_new_orders_until_it_recovers() {
    let mut e = engine();
    let mut f = Feed { seq: 0 };
    e.process(&f.book(1_000, 6_000_000, 6_000_010));
    e.process(&f.trade(1_000, 6_000_000, 1_000));
    e.process(&f.ev(EventKind::MarketStatus { instrument: BTC, stale: true }));
    assert!(e.is_stale(BTC));
    let buy = OrderIntent::market(BTC, Side::Buy, Qty(1_000), StrategyId::MANUAL);
    e.process(&f.cmd(1_000, Command::Submit(buy)));
    assert_eq!(e.orders().open_count(), 0);
    let reasons: Vec<String> = e.risk().rejections().map(|(r, _)| r.as_str().to_string()).collect();
    assert_eq!(reasons, vec!["stale_market_data".to_string()]);
    e.process(&f.ev(EventKind::MarketStatus { instrument: BTC, stale: false }));
    e.process(&f.cmd(1_000, Command::Submit(buy)));
    assert_eq!(e.orders().open_count(), 1);
}

#[test]
fn exchange_latency_uses_the_clock_offset_and_counts_disagreement() {
    let mut e = engine();
    let mut f = Feed { seq: 0 };
    e.process(&f.ev(EventKind::ClockOffset { offset_ms: 250 }));
    // Sent at venue time 10_250 ms = our 10_000 ms; received at our 10_003 ms.
    let mut ev = f.trade(10_250, 100, 1);
    ev.stamp.recv_wall_ns = 10_003_000_000;
    e.process(&ev);
    let s = e.latency().stats(tickdesk::telemetry::Stage::ExchangeToReceive);
    assert_eq!(s.count, 1);
    assert!((2_990_000..=3_010_000).contains(&s.p50), "{s:?}");
    // Received "before" it was sent: counted, not recorded.
    let mut ev = f.trade(20_000, 100, 1);
    ev.stamp.recv_wall_ns = 1_000_000_000;
    e.process(&ev);
    assert_eq!(e.counters().negative_exchange_latency, 1);
    assert_eq!(e.latency().stats(tickdesk::telemetry::Stage::ExchangeToReceive).count, 1);
}

#[test]
fn feed_figures_reach_the_snapshot_without_disturbing_the_numbering() {
    let mut e = engine();
    let mut f = Feed { seq: 0 };
    e.process(&f.trade(1_000, 100, 1));
    let stats = tickdesk::feed::connection::ConnStatsSnapshot { conn_id: 7, messages: 42, ..Default::default() };
    e.process(&Event { seq: 0, stamp: Stamp::default(), kind: EventKind::FeedStats(Box::new(stats)) });
    e.process(&f.trade(1_001, 100, 1));
    assert_eq!(e.counters().seq_gaps, 0);
    let s = e.snapshot();
    assert_eq!(s.feeds.len(), 1);
    assert_eq!((s.feeds[0].conn_id, s.feeds[0].messages), (7, 42));
}

fn levels(v: &[(i64, i64)]) -> Vec<Level> {
    v.iter().map(|&(p, q)| Level { price: Price(p), qty: Qty(q) }).collect()
}

fn depth(first: u64, last: u64, bids: &[(i64, i64)], asks: &[(i64, i64)]) -> EventKind {
    EventKind::Market(MarketEvent::Depth(Box::new(DepthUpdate {
        instrument: BTC,
        event_time_ms: 1_000,
        transaction_time_ms: 0,
        first_update_id: first,
        final_update_id: last,
        prev_final_update_id: None,
        bids: levels(bids),
        asks: levels(asks),
    })))
}

#[test]
fn depth_diffs_and_a_snapshot_build_a_synced_book_and_gaps_are_counted() {
    let mut e = engine();
    let mut f = Feed { seq: 0 };
    assert!(e.depth(BTC).is_none());
    // A diff before the snapshot: a best-effort book at once.
    e.process(&f.ev(depth(10, 12, &[(100, 5)], &[(102, 1)])));
    let b = e.depth(BTC).unwrap();
    assert!(!b.is_synced());
    assert_eq!(b.best_bid().map(|l| l.price), Some(Price(100)));
    let snap = DepthSnapshot {
        instrument: Some(BTC),
        last_update_id: 11,
        bids: levels(&[(100, 4), (99, 3)]),
        asks: levels(&[(101, 2)]),
    };
    e.process(&f.ev(EventKind::Market(MarketEvent::DepthSnapshot(snap))));
    let b = e.depth(BTC).unwrap();
    assert!(b.is_synced(), "{:?}", b.state());
    let bids: Vec<_> = b.bids().map(|l| (l.price.0, l.qty.0)).collect();
    let asks: Vec<_> = b.asks().map(|l| (l.price.0, l.qty.0)).collect();
    assert_eq!(bids, vec![(100, 5), (99, 3)]);
    assert_eq!(asks, vec![(101, 2), (102, 1)]);
    e.process(&f.ev(depth(13, 13, &[(99, 0)], &[])));
    assert!(e.depth(BTC).unwrap().is_synced());
    assert_eq!(e.counters().depth_gaps, 0);
    e.process(&f.ev(depth(20, 21, &[], &[])));
    assert!(!e.depth(BTC).unwrap().is_synced());
    assert_eq!(e.counters().depth_gaps, 1);
    assert_eq!(e.counters().depth_updates, 3);
}

#[test]
fn a_market_event_without_stamps_adds_no_latency_sample() {
    use tickdesk::telemetry::Stage;
    let mut e = engine();
    let mut f = Feed { seq: 0 };
    e.process(&f.book(1_000, 6_000_000, 6_000_010));
    let mut unstamped = f.trade(1_001, 6_000_000, 1_000);
    unstamped.stamp = Stamp::default();
    e.process(&unstamped);
    // The stamped book ticker's samples only: none is measured from 0.
    for (stage, count) in [(Stage::Decode, 1), (Stage::Queue, 1), (Stage::Signal, 1), (Stage::Aggregate, 0)] {
        assert_eq!(e.latency().stats(stage).count, count, "{stage:?}");
    }
    assert_eq!(e.counters().trades, 1, "the unstamped trade was still applied");
}
