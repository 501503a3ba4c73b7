//! The aggregator against a naive model: the same trades grouped by bucket in
//! a `BTreeMap`, with the drop rule and the reorder window recomputed from
//! whole lists at every step.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test

use proptest::prelude::*;
use std::collections::BTreeMap;
use tickdesk::aggregate::{AggregateStats, Aggregator, AggregatorConfig, TickOutcome};
use tickdesk::domain::{Candle, Instrument, InstrumentId, Notional, Price, Qty, Timeframe, Trade, Venue};

const DAY: i64 = 86_400_000;

#[derive(Debug, Clone, Copy)]
struct T {
    sym: u32,
    time: i64,
    price: i64,
    qty: i64,
}

fn instrument() -> Instrument {
    let mut i = Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT");
    i.price_scale = 2;
    i.qty_scale = 5;
    i
}

fn bucket(tf: Timeframe, t: i64) -> i64 {
    let len = i128::from(tf.duration_ms().unwrap());
    let off = i128::from(tf.offset_ms());
    i64::try_from((i128::from(t) - off).div_euclid(len) * len + off).unwrap()
}

/// Applies the drop rule to ticks in the order they reach the candles: a tick
/// before the latest bucket start, over all timeframes, of the newest applied
/// tick is dropped. Returns the applied ticks and whether each tick was dropped.
fn naive_apply(tfs: &[Timeframe], ticks: &[T]) -> (Vec<T>, Vec<bool>) {
    let mut applied: Vec<T> = Vec::new();
    let mut dropped = Vec::new();
    for &t in ticks {
        let latest = applied.iter().map(|a| a.time).max();
        let limit = latest.map_or(i64::MIN, |l| tfs.iter().map(|&tf| bucket(tf, l)).max().unwrap());
        dropped.push(t.time < limit);
        if t.time >= limit {
            applied.push(t);
        }
    }
    (applied, dropped)
}

/// A tick as it reaches the candles through the reorder window.
#[derive(Debug, Clone, Copy)]
struct Reached {
    tick: T,
    /// Older than a released tick on arrival: it skipped the buffer.
    bypassed: bool,
    /// Arrived behind a newer tick.
    late: bool,
}

/// The reorder window as documented: hold sorted by time (ties by arrival),
/// release once the newest time seen is `w` past, let through directly what is
/// older than a released tick; at the end release the rest.
fn naive_reorder(ticks: &[T], w: i64) -> Vec<Reached> {
    let mut out = Vec::new();
    let mut held: Vec<(usize, Reached)> = Vec::new();
    let mut newest = i64::MIN;
    let mut released = i64::MIN;
    for (n, &t) in ticks.iter().enumerate() {
        if t.time < released {
            out.push(Reached { tick: t, bypassed: true, late: true });
            continue;
        }
        held.push((n, Reached { tick: t, bypassed: false, late: t.time < newest }));
        newest = newest.max(t.time);
        held.sort_by_key(|&(n, r)| (r.tick.time, n));
        while held.first().is_some_and(|(_, r)| r.tick.time <= newest - w) {
            let (_, r) = held.remove(0);
            released = r.tick.time;
            out.push(r);
        }
    }
    out.extend(held.into_iter().map(|(_, r)| r));
    out
}

type Key = (u32, Timeframe, i64);

/// Candles by (symbol, timeframe, bucket) from ticks in application order:
/// open is the earliest trade (first applied on a tie), close the latest (last applied).
fn naive_candles(tfs: &[Timeframe], applied: &[T]) -> BTreeMap<Key, Candle> {
    let inst = instrument();
    let mut groups: BTreeMap<Key, Vec<T>> = BTreeMap::new();
    for &t in applied {
        for &tf in tfs {
            groups.entry((t.sym, tf, bucket(tf, t.time))).or_default().push(t);
        }
    }
    groups
        .into_iter()
        .map(|(k, ts)| {
            let min_t = ts.iter().map(|t| t.time).min().unwrap();
            let max_t = ts.iter().map(|t| t.time).max().unwrap();
            let c = Candle {
                instrument: InstrumentId(k.0),
                timeframe: k.1,
                open_time_ms: k.2,
                open: Price(ts.iter().find(|t| t.time == min_t).unwrap().price),
                high: Price(ts.iter().map(|t| t.price).max().unwrap()),
                low: Price(ts.iter().map(|t| t.price).min().unwrap()),
                close: Price(ts.iter().rev().find(|t| t.time == max_t).unwrap().price),
                volume: Qty(ts.iter().map(|t| t.qty).sum()),
                quote_volume: ts.iter().fold(Notional::ZERO, |s, t| s + inst.notional(Price(t.price), Qty(t.qty))),
                trades: ts.len() as u64,
            };
            (k, c)
        })
        .collect()
}

/// What the aggregator produced for a run over all ticks, then `flush`.
struct Run {
    candles: BTreeMap<Key, Candle>,
    stats: BTreeMap<u32, AggregateStats>,
    outcomes: Vec<TickOutcome>,
}

const SYMBOLS: [u32; 2] = [0, 2];

fn run(tfs: &[Timeframe], window: u64, ticks: &[T]) -> Run {
    let cfg = AggregatorConfig { timeframes: tfs.to_vec(), reorder_window_ms: window, history: 8 };
    let mut a = Aggregator::new(&cfg).unwrap();
    let inst = instrument();
    let mut closed = Vec::new();
    let mut outcomes = Vec::new();
    for t in ticks {
        let tr = Trade {
            instrument: InstrumentId(t.sym),
            trade_id: 0,
            price: Price(t.price),
            qty: Qty(t.qty),
            time_ms: t.time,
            event_time_ms: 0,
            buyer_is_maker: false,
            aggregated: false,
            first_trade_id: 0,
            last_trade_id: 0,
        };
        outcomes.push(a.on_trade(&tr, &inst, &mut closed));
    }
    a.flush(&mut closed);
    let mut candles = BTreeMap::new();
    for c in closed {
        let prev = candles.insert((c.instrument.0, c.timeframe, c.open_time_ms), c);
        assert!(prev.is_none(), "two candles for one bucket: {c:?}");
    }
    let stats = SYMBOLS.into_iter().map(|s| (s, a.symbol_stats(InstrumentId(s)))).collect();
    Run { candles, stats, outcomes }
}

/// The naive model's candles and counters for one symbol's ticks.
fn naive(tfs: &[Timeframe], window: u64, ticks: &[T]) -> (BTreeMap<Key, Candle>, AggregateStats) {
    if window == 0 {
        let (applied, dropped) = naive_apply(tfs, ticks);
        let n = dropped.iter().filter(|&&d| d).count() as u64;
        return (naive_candles(tfs, &applied), AggregateStats { out_of_order_dropped: n, ..Default::default() });
    }
    let reached = naive_reorder(ticks, window as i64);
    let order: Vec<T> = reached.iter().map(|r| r.tick).collect();
    let (applied, dropped) = naive_apply(tfs, &order);
    let mut stats = AggregateStats::default();
    for (r, d) in reached.iter().zip(dropped) {
        stats.out_of_order_dropped += u64::from(d);
        stats.reorder_unsaved += u64::from(d && r.bypassed);
        stats.reorder_saved += u64::from(!d && !r.bypassed && r.late);
    }
    (naive_candles(tfs, &applied), stats)
}

fn check(tfs: &[Timeframe], window: u64, ticks: &[T]) -> Result<(), TestCaseError> {
    let got = run(tfs, window, ticks);
    let mut want = BTreeMap::new();
    for sym in SYMBOLS {
        let mine: Vec<T> = ticks.iter().copied().filter(|t| t.sym == sym).collect();
        let (candles, stats) = naive(tfs, window, &mine);
        prop_assert_eq!(got.stats[&sym], stats, "symbol {}", sym);
        want.extend(candles);
    }
    prop_assert_eq!(got.candles.len(), want.len());
    for (k, w) in &want {
        prop_assert_eq!(got.candles.get(k), Some(w), "candle {:?}", k);
    }
    let dropped = got.outcomes.iter().filter(|&&o| o == TickOutcome::DroppedLate).count() as u64;
    prop_assert_eq!(dropped, got.stats.values().map(|s| s.out_of_order_dropped).sum::<u64>());
    if window == 0 {
        prop_assert!(!got.outcomes.contains(&TickOutcome::Buffered));
    }
    Ok(())
}

/// Mostly small forward steps, some late arrivals, rare jumps of days; steps
/// on a 500 ms grid make equal times and ticks on bucket boundaries common.
fn step() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => 0i64..1_500,
        4 => (-3i64..5).prop_map(|k| k * 500),
        3 => -2_500i64..0,
        2 => -200_000i64..200_000,
        1 => -3 * DAY..5 * DAY,
    ]
}

fn ticks() -> impl Strategy<Value = Vec<T>> {
    let start = prop_oneof![Just(0i64), -10 * DAY..10 * DAY, Just(1_704_067_200_000i64)];
    let steps = prop::collection::vec((step(), prop::bool::weighted(0.3), 1i64..1_000_000, 0i64..10_000), 0..120);
    (start, steps).prop_map(|(mut time, steps)| {
        steps
            .into_iter()
            .map(|(d, other, price, qty)| {
                time += d;
                T { sym: if other { 2 } else { 0 }, time, price, qty }
            })
            .collect()
    })
}

fn timeframes() -> impl Strategy<Value = Vec<Timeframe>> {
    prop_oneof![
        Just(Timeframe::DEFAULTS.to_vec()),
        Just(vec![Timeframe::S1]),
        Just(vec![Timeframe::M3, Timeframe::S1, Timeframe::M1]),
        Just(vec![Timeframe::D3, Timeframe::W1, Timeframe::H4]),
        Just(vec![Timeframe::W1, Timeframe::M1]),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn candles_match_naive_grouping(tfs in timeframes(), ticks in ticks()) {
        check(&tfs, 0, &ticks)?;
    }

    #[test]
    fn candles_match_naive_grouping_with_reorder_window(
        tfs in timeframes(),
        ticks in ticks(),
        window in prop_oneof![1u64..50, 50u64..3_000],
    ) {
        check(&tfs, window, &ticks)?;
    }
}

#[test]
fn reorder_window_saves_late_ticks_across_a_boundary() {
    let ticks: Vec<T> = [(900, 1), (1_050, 2), (950, 3), (1_400, 4)]
        .into_iter()
        .map(|(time, price)| T { sym: 0, time, price, qty: 1 })
        .collect();
    let without = run(&[Timeframe::S1], 0, &ticks);
    assert_eq!(without.stats[&0].out_of_order_dropped, 1);
    let with = run(&[Timeframe::S1], 200, &ticks);
    assert_eq!(with.stats[&0], AggregateStats { out_of_order_dropped: 0, reorder_saved: 1, reorder_unsaved: 0 });
    assert_eq!(with.candles[&(0, Timeframe::S1, 0)].trades, 2);
    check(&[Timeframe::S1], 200, &ticks).unwrap();
    check(&[Timeframe::S1], 0, &ticks).unwrap();
}
