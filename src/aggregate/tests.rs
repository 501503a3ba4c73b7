//! Behaviour of the aggregator on small hand-made trade sequences.

use super::*;
use crate::domain::{Instrument, Notional, Price, Qty, Venue};

const SEC: i64 = 1_000;
const MIN: i64 = 60 * SEC;
const DAY: i64 = 86_400_000;

fn btc() -> Instrument {
    let mut i = Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT");
    i.price_scale = 2;
    i.qty_scale = 3;
    i
}

fn trade(id: u32, t: i64, price: i64, qty: i64) -> Trade {
    Trade {
        instrument: InstrumentId(id),
        trade_id: 0,
        price: Price(price),
        qty: Qty(qty),
        time_ms: t,
        event_time_ms: t,
        buyer_is_maker: false,
        aggregated: false,
        first_trade_id: 0,
        last_trade_id: 0,
    }
}

fn agg(tfs: &[Timeframe], window: u64) -> Aggregator {
    let cfg = AggregatorConfig { timeframes: tfs.to_vec(), reorder_window_ms: window, history: 4 };
    Aggregator::new(&cfg).unwrap()
}

/// Feeds `(time, price, qty)` trades of instrument 0; returns the closed candles.
fn feed(a: &mut Aggregator, ticks: &[(i64, i64, i64)]) -> Vec<Candle> {
    let inst = btc();
    let mut closed = Vec::new();
    for &(t, p, q) in ticks {
        a.on_trade(&trade(0, t, p, q), &inst, &mut closed);
    }
    closed
}

fn opens(cs: &[Candle]) -> Vec<(Timeframe, i64)> {
    cs.iter().map(|c| (c.timeframe, c.open_time_ms)).collect()
}

#[test]
fn config_is_checked() {
    let bad = |timeframes: Vec<Timeframe>| {
        Aggregator::new(&AggregatorConfig { timeframes, ..AggregatorConfig::default() }).unwrap_err()
    };
    assert_eq!(bad(vec![]), AggregateError::NoTimeframes);
    assert_eq!(bad(vec![Timeframe::M1, Timeframe::Mo1]), AggregateError::NoFixedLength(Timeframe::Mo1));
    assert_eq!(bad(vec![Timeframe::M1, Timeframe::S1, Timeframe::M1]), AggregateError::Duplicate(Timeframe::M1));
    let e = Aggregator::new(&AggregatorConfig { reorder_window_ms: 60_001, ..AggregatorConfig::default() });
    assert_eq!(e.unwrap_err(), AggregateError::ReorderWindowTooLong(60_001));
    let a = Aggregator::new(&AggregatorConfig::default()).unwrap();
    assert_eq!(a.timeframes(), Timeframe::DEFAULTS);
}

#[test]
fn config_reads_kebab_case_with_defaults() {
    let cfg: AggregatorConfig = serde_json::from_str(r#"{"timeframes":["1m","1w"],"reorder-window-ms":250}"#).unwrap();
    assert_eq!(cfg.timeframes, [Timeframe::M1, Timeframe::W1]);
    assert_eq!((cfg.reorder_window_ms, cfg.history), (250, 500));
    assert!(serde_json::from_str::<AggregatorConfig>(r#"{"history":1,"bogus":2}"#).is_err());
}

#[test]
fn builds_ohlcv_and_rolls_over() {
    let mut a = agg(&[Timeframe::M1], 0);
    let closed = feed(&mut a, &[(10, 100, 2), (20, 120, 1), (30, 90, 1), (59_999, 110, 5)]);
    assert!(closed.is_empty());
    let c = *a.current(InstrumentId(0), Timeframe::M1).unwrap();
    assert_eq!((c.open, c.high, c.low, c.close), (Price(100), Price(120), Price(90), Price(110)));
    assert_eq!((c.volume, c.trades, c.open_time_ms), (Qty(9), 4, 0));
    // 1.00×0.002 + 1.20×0.001 + 0.90×0.001 + 1.10×0.005 = 0.0096
    assert_eq!(c.quote_volume, Notional::parse("0.0096").unwrap());

    let closed = feed(&mut a, &[(MIN, 130, 1)]);
    assert_eq!(closed, [c]);
    let next = a.current(InstrumentId(0), Timeframe::M1).unwrap();
    assert_eq!((next.open_time_ms, next.open, next.trades), (MIN, Price(130), 1));
    assert_eq!(a.history(InstrumentId(0), Timeframe::M1).copied().collect::<Vec<_>>(), [c]);
}

#[test]
fn an_interval_without_trades_makes_no_candle() {
    let mut a = agg(&[Timeframe::M1], 0);
    let mut closed = feed(&mut a, &[(5 * SEC, 100, 1), (3 * MIN + 5, 101, 1), (3 * MIN + 9, 99, 1)]);
    a.flush(&mut closed);
    assert_eq!(opens(&closed), [(Timeframe::M1, 0), (Timeframe::M1, 3 * MIN)]);
}

#[test]
fn all_timeframes_close_in_config_order() {
    let mut a = agg(&[Timeframe::S1, Timeframe::M1, Timeframe::M5], 0);
    let closed = feed(&mut a, &[(0, 1, 1), (500, 2, 1), (1_000, 3, 1), (5 * MIN + 7, 4, 1)]);
    assert_eq!(opens(&closed), [(Timeframe::S1, 0), (Timeframe::S1, 1_000), (Timeframe::M1, 0), (Timeframe::M5, 0)]);
    assert_eq!(closed[2].trades, 3);
    assert_eq!(closed[3].close, Price(3));
}

#[test]
fn late_ticks_inside_the_open_buckets_are_applied_in_time_order() {
    let mut a = agg(&[Timeframe::S1, Timeframe::M1], 0);
    feed(&mut a, &[(1_500, 10, 1), (1_900, 20, 1), (1_100, 5, 1), (1_700, 30, 1)]);
    let c = a.current(InstrumentId(0), Timeframe::S1).unwrap();
    // 1100 is the earliest trade: its price opens; 1900 is the latest: it closes.
    assert_eq!((c.open, c.close, c.low, c.high, c.trades), (Price(5), Price(20), Price(5), Price(30), 4));
    assert_eq!(a.symbol_stats(InstrumentId(0)), AggregateStats::default());
}

#[test]
fn ticks_before_the_smallest_open_bucket_are_dropped_once() {
    let mut a = agg(&[Timeframe::S1, Timeframe::M1, Timeframe::H1], 0);
    let inst = btc();
    let mut closed = Vec::new();
    let mut out = |t| a.on_trade(&trade(0, t, 1, 1), &inst, &mut closed);
    assert_eq!(out(2_000), TickOutcome::Applied);
    assert_eq!(out(3_000), TickOutcome::Applied);
    // Still inside the open 1m and 1h candles, but its second has closed.
    assert_eq!(out(2_999), TickOutcome::DroppedLate);
    assert_eq!(out(-5), TickOutcome::DroppedLate);
    assert_eq!(out(3_001), TickOutcome::Applied);
    assert_eq!(a.symbol_stats(InstrumentId(0)).out_of_order_dropped, 2);
    assert_eq!(a.current(InstrumentId(0), Timeframe::M1).unwrap().trades, 3);
    assert_eq!(a.symbol_stats(InstrumentId(1)), AggregateStats::default());
}

#[test]
fn unaligned_timeframes_drop_by_the_latest_open_bucket() {
    // 3d and 1w boundaries do not nest: after a tick on Monday 1970-01-05 the
    // open week starts that day while the open 3-day bucket began 01-04.
    let mut a = agg(&[Timeframe::D3, Timeframe::W1], 0);
    let inst = btc();
    let mut closed = Vec::new();
    a.on_trade(&trade(0, 3 * DAY + 1, 1, 1), &inst, &mut closed);
    a.on_trade(&trade(0, 4 * DAY + 1, 1, 1), &inst, &mut closed);
    assert_eq!(opens(&closed), [(Timeframe::W1, -3 * DAY)]);
    // Same 3-day bucket, but the week it belongs to has closed.
    assert_eq!(a.on_trade(&trade(0, 3 * DAY + 2, 1, 1), &inst, &mut closed), TickOutcome::DroppedLate);
    assert_eq!(a.current(InstrumentId(0), Timeframe::D3).unwrap().trades, 2);
}

#[test]
fn flush_closes_every_open_candle_of_every_symbol() {
    let mut a = agg(&[Timeframe::M1, Timeframe::H1], 0);
    let inst = btc();
    let mut closed = Vec::new();
    a.on_trade(&trade(3, 10, 1, 1), &inst, &mut closed);
    a.on_trade(&trade(1, 20, 2, 1), &inst, &mut closed);
    assert!(closed.is_empty());
    a.flush(&mut closed);
    let ids: Vec<_> = closed.iter().map(|c| (c.instrument.0, c.timeframe)).collect();
    assert_eq!(ids, [(1, Timeframe::M1), (1, Timeframe::H1), (3, Timeframe::M1), (3, Timeframe::H1)]);
    assert!(a.current(InstrumentId(1), Timeframe::M1).is_none());
    closed.clear();
    a.flush(&mut closed);
    assert!(closed.is_empty());
    assert!(a.current(InstrumentId(2), Timeframe::M1).is_none());
    assert!(a.current(InstrumentId(1), Timeframe::D1).is_none());
}

#[test]
fn negative_and_epoch_times_bucket_by_floor() {
    let mut a = agg(&[Timeframe::S1, Timeframe::M1], 0);
    let mut closed = feed(&mut a, &[(-61_000, 1, 1), (-60_001, 2, 1), (-1, 3, 1), (0, 4, 1)]);
    a.flush(&mut closed);
    let s1: Vec<_> = closed.iter().filter(|c| c.timeframe == Timeframe::S1).map(|c| c.open_time_ms).collect();
    let m1: Vec<_> = closed.iter().filter(|c| c.timeframe == Timeframe::M1).map(|c| c.open_time_ms).collect();
    assert_eq!(s1, [-61_000, -1_000, 0]);
    assert_eq!(closed[0].trades, 2);
    assert_eq!(m1, [-120_000, -60_000, 0]);
}

#[test]
fn weeks_align_on_monday() {
    let mut a = agg(&[Timeframe::W1], 0);
    let monday = 1_704_067_200_000; // 2024-01-01 00:00 UTC
    let mut closed = feed(&mut a, &[(monday - 1, 1, 1), (monday, 2, 1), (monday + 7 * DAY - 1, 3, 1)]);
    a.flush(&mut closed);
    assert_eq!(opens(&closed), [(Timeframe::W1, monday - 7 * DAY), (Timeframe::W1, monday)]);
    assert_eq!(closed[1].trades, 2);
}

#[test]
fn extreme_times_do_not_panic() {
    let mut a = agg(&[Timeframe::S1, Timeframe::W1], 0);
    let mut closed =
        feed(&mut a, &[(i64::MIN, 1, 1), (i64::MIN + 1, 1, 1), (i64::MAX - 1, 1, i64::MAX), (i64::MAX, 1, 5)]);
    a.flush(&mut closed);
    let last = closed.iter().rev().find(|c| c.timeframe == Timeframe::S1).unwrap();
    assert_eq!((last.trades, last.volume), (2, Qty(i64::MAX)));
}

#[test]
fn history_keeps_the_newest_closed_candles() {
    let mut a = agg(&[Timeframe::S1], 0);
    let ticks: Vec<_> = (0..10).map(|s| (s * SEC, s, 1)).collect();
    feed(&mut a, &ticks);
    let kept: Vec<_> = a.history(InstrumentId(0), Timeframe::S1).map(|c| c.open_time_ms).collect();
    assert_eq!(kept, [5 * SEC, 6 * SEC, 7 * SEC, 8 * SEC]);
    assert_eq!(a.history(InstrumentId(0), Timeframe::M1).count(), 0);
    assert_eq!(a.history(InstrumentId(9), Timeframe::S1).count(), 0);
}

#[test]
fn reorder_window_puts_late_ticks_back_in_order() {
    let mut a = agg(&[Timeframe::S1], 200);
    let inst = btc();
    let mut closed = Vec::new();
    let mut out = |t, p| a.on_trade(&trade(0, t, p, 1), &inst, &mut closed);
    assert_eq!(out(900, 1), TickOutcome::Buffered);
    assert_eq!(out(1_050, 2), TickOutcome::Buffered); // releases 900
    // Late by 100 ms, across a second boundary: without the window, dropped.
    assert_eq!(out(950, 3), TickOutcome::Buffered);
    assert_eq!(out(1_300, 4), TickOutcome::Buffered); // releases 950, then 1050
    assert_eq!(out(1_500, 5), TickOutcome::Buffered); // releases 1300
    // Older than a released trade, but inside the open bucket: applied.
    assert_eq!(out(1_200, 6), TickOutcome::Applied);
    // Older than the open bucket: beyond saving.
    assert_eq!(out(940, 7), TickOutcome::DroppedLate);
    assert_eq!(out(3_000, 8), TickOutcome::Buffered); // releases 1500
    // Late by 1.4 s, but not older than anything released: put in order at once.
    assert_eq!(out(1_600, 9), TickOutcome::Applied);
    let stats = a.symbol_stats(InstrumentId(0));
    assert_eq!(stats, AggregateStats { out_of_order_dropped: 1, reorder_saved: 2, reorder_unsaved: 1 });
    a.flush(&mut closed);
    let got: Vec<_> = closed.iter().map(|c| (c.open_time_ms, c.open.0, c.close.0, c.trades)).collect();
    assert_eq!(got, [(0, 1, 3, 2), (1_000, 2, 9, 5), (3_000, 8, 8, 1)]);
}

#[test]
fn backfill_seeds_history_in_order_and_skips_what_it_cannot_use() {
    let mut a = agg(&[Timeframe::M1], 0);
    let c = |t: i64, tf: Timeframe| Candle {
        instrument: InstrumentId(0),
        timeframe: tf,
        open_time_ms: t,
        open: Price(1),
        high: Price(2),
        low: Price(1),
        close: Price(2),
        volume: Qty(1),
        quote_volume: Notional::ZERO,
        trades: 1,
    };
    let kept =
        a.backfill(&[c(0, Timeframe::M1), c(60_000, Timeframe::M1), c(60_000, Timeframe::M1), c(0, Timeframe::H1)]);
    assert_eq!(kept, 2, "a repeat and an unconfigured timeframe are skipped");
    let times: Vec<i64> = a.history(InstrumentId(0), Timeframe::M1).map(|c| c.open_time_ms).collect();
    assert_eq!(times, vec![0, 60_000]);
    // Live trades still build candles after the backfill.
    let closed = feed(&mut a, &[(120_000, 5, 1), (180_000, 6, 1)]);
    assert_eq!(closed.len(), 1);
    assert_eq!(a.history(InstrumentId(0), Timeframe::M1).count(), 3);
}
