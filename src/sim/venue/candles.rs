//! Klines as Binance serves them, built from the venue's own trades: every
//! interval of every symbol at once, aligned to the epoch in UTC (weeks
//! from Monday, months by the calendar), continuous — an interval without
//! trades is a flat candle at the previous close, as on the exchange.

use super::streams::INTERVALS;
use crate::domain::Timeframe;
use crate::domain::calendar::{civil_from_days, days_from_civil};
use std::collections::VecDeque;

/// One kline; prices and quantities are mantissas at the symbol's scales,
/// quote amounts at the sum of both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bar {
    pub open_time: i64,
    /// `open_time + interval - 1`, as Binance.
    pub close_time: i64,
    pub open: i64,
    pub high: i64,
    pub low: i64,
    pub close: i64,
    pub volume: i128,
    pub quote_volume: i128,
    /// Volume bought by takers (the buyer was not the maker).
    pub taker_base: i128,
    pub taker_quote: i128,
    pub trades: u64,
    /// First and last trade id, -1 without trades.
    pub first_id: i64,
    pub last_id: i64,
}

impl Bar {
    /// A candle without trades, flat at `price`.
    fn flat(open_time: i64, close_time: i64, price: i64) -> Self {
        Self {
            open_time,
            close_time,
            open: price,
            high: price,
            low: price,
            close: price,
            volume: 0,
            quote_volume: 0,
            taker_base: 0,
            taker_quote: 0,
            trades: 0,
            first_id: -1,
            last_id: -1,
        }
    }

    fn add(&mut self, t: &TradeIn) {
        if self.trades == 0 {
            self.open = t.price;
            self.high = t.price;
            self.low = t.price;
            self.first_id = t.id;
        }
        self.high = self.high.max(t.price);
        self.low = self.low.min(t.price);
        self.close = t.price;
        let q = i128::from(t.qty);
        let quote = i128::from(t.price) * q;
        self.volume += q;
        self.quote_volume += quote;
        if !t.buyer_is_maker {
            self.taker_base += q;
            self.taker_quote += quote;
        }
        self.trades += 1;
        self.last_id = t.id;
    }
}

/// What a candle needs of a trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TradeIn {
    pub price: i64,
    pub qty: i64,
    pub time_ms: i64,
    pub id: i64,
    pub buyer_is_maker: bool,
}

/// Open and close time of the `tf` bucket holding `t`.
pub fn bucket(tf: Timeframe, t: i64) -> (i64, i64) {
    match tf.duration_ms() {
        Some(d) => {
            let off = tf.offset_ms();
            let open = (t - off).div_euclid(d) * d + off;
            (open, open + d - 1)
        }
        None => {
            let days = t.div_euclid(86_400_000);
            let (y, m, _) = civil_from_days(days);
            let open = days_from_civil(y, m, 1) * 86_400_000;
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            (open, days_from_civil(ny, nm, 1) * 86_400_000 - 1)
        }
    }
}

/// One interval of one symbol: closed candles (at most `cap`) and the open one.
#[derive(Debug, Clone)]
struct Series {
    tf: Timeframe,
    closed: VecDeque<Bar>,
    open: Option<Bar>,
}

impl Series {
    /// Closes the open candle and every one after it that ended before
    /// `now`, calling `out` for each; the new open candle holds `now`.
    fn advance(&mut self, now: i64, cap: usize, out: &mut impl FnMut(Timeframe, &Bar)) {
        while let Some(bar) = self.open {
            if now <= bar.close_time {
                return;
            }
            out(self.tf, &bar);
            self.closed.push_back(bar);
            while self.closed.len() > cap {
                self.closed.pop_front();
            }
            let mut next = bar.close_time + 1;
            // Skip what nobody could ask for: at most `cap` flat candles.
            if let Some(d) = self.tf.duration_ms() {
                let now_open = bucket(self.tf, now).0;
                let missing = (now_open - next) / d;
                if missing > cap as i64 + 1 {
                    next = now_open - (cap as i64) * d;
                }
            }
            let (o, c) = bucket(self.tf, next);
            self.open = Some(Bar::flat(o, c, bar.close));
        }
    }

    fn on_trade(&mut self, t: &TradeIn, cap: usize) {
        self.advance(t.time_ms, cap, &mut |_, _| {});
        match &mut self.open {
            // A trade older than the open candle (out of order in a
            // recording) still counts, in the open candle.
            Some(bar) => bar.add(t),
            None => {
                let (o, c) = bucket(self.tf, t.time_ms);
                let mut bar = Bar::flat(o, c, t.price);
                bar.add(t);
                self.open = Some(bar);
            }
        }
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = &Bar> {
        self.closed.iter().chain(self.open.iter())
    }
}

/// Every interval of one symbol.
#[derive(Debug, Clone)]
pub struct Candles {
    series: Vec<Series>,
    cap: usize,
}

impl Candles {
    /// Keeps `cap` closed candles per interval.
    pub fn new(cap: usize) -> Self {
        let series = INTERVALS.iter().map(|&tf| Series { tf, closed: VecDeque::new(), open: None }).collect();
        Self { series, cap }
    }

    pub fn on_trade(&mut self, t: &TradeIn) {
        for s in &mut self.series {
            s.on_trade(t, self.cap);
        }
    }

    /// Closes what ended before `now`, calling `out` for each closed candle.
    pub fn advance(&mut self, now: i64, mut out: impl FnMut(Timeframe, &Bar)) {
        for s in &mut self.series {
            s.advance(now, self.cap, &mut out);
        }
    }

    /// The open candle of `tf`, if any trade was seen.
    pub fn open_bar(&self, tf: Timeframe) -> Option<&Bar> {
        self.get(tf).and_then(|s| s.open.as_ref())
    }

    /// `/api/v3/klines` selection: with `start`, the oldest from it; with
    /// only `end`, the newest up to it; with neither, the newest. At most `limit`.
    pub fn query(&self, tf: Timeframe, start: Option<i64>, end: Option<i64>, limit: usize) -> Vec<Bar> {
        let Some(s) = self.get(tf) else { return Vec::new() };
        let before_end = |b: &&Bar| end.is_none_or(|e| b.open_time <= e);
        match start {
            Some(st) => s.iter().filter(|b| b.open_time >= st).filter(before_end).take(limit).copied().collect(),
            None => {
                let mut v: Vec<Bar> = s.iter().rev().filter(before_end).take(limit).copied().collect();
                v.reverse();
                v
            }
        }
    }

    fn get(&self, tf: Timeframe) -> Option<&Series> {
        self.series.iter().find(|s| s.tf == tf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn trade(price: i64, time_ms: i64, id: i64) -> TradeIn {
        TradeIn { price, qty: 2, time_ms, id, buyer_is_maker: id % 2 == 0 }
    }

    #[test]
    fn calendar_buckets() {
        // 2024-02-29 12:00 UTC
        let t = 1_709_208_000_000;
        assert_eq!(bucket(Timeframe::Mo1, t), (1_706_745_600_000, 1_709_251_200_000 - 1));
        assert_eq!(bucket(Timeframe::Mo1, 1_703_980_800_000 + 5).0, 1_701_388_800_000); // 2023-12-31 → Dec 1
        // 2024-02-29 was a Thursday; its week starts Monday 2024-02-26.
        assert_eq!(bucket(Timeframe::W1, t).0, 1_708_905_600_000);
        assert_eq!(bucket(Timeframe::M1, 61_234), (60_000, 119_999));
        for d in [-1_000_000, -1, 0, 59, 365, 10_957, 19_782, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn candles_are_continuous_and_flat_without_trades() {
        let mut c = Candles::new(10);
        c.on_trade(&trade(100, 5 * MIN + 10, 1));
        c.on_trade(&trade(105, 5 * MIN + 20, 2));
        c.on_trade(&trade(99, 5 * MIN + 30, 3));
        let mut closed = Vec::new();
        c.advance(8 * MIN + 1, |tf, b| {
            if tf == Timeframe::M1 {
                closed.push(*b)
            }
        });
        assert_eq!(closed.len(), 3);
        let first = closed[0];
        assert_eq!((first.open, first.high, first.low, first.close, first.trades), (100, 105, 99, 99, 3));
        assert_eq!((first.first_id, first.last_id, first.volume, first.taker_base), (1, 3, 6, 4));
        assert_eq!(first.quote_volume, 2 * (100 + 105 + 99));
        assert!(closed[1..].iter().all(|b| b.trades == 0 && b.open == 99 && b.first_id == -1));
        let all = c.query(Timeframe::M1, None, None, 100);
        assert_eq!(all.len(), 4);
        assert!(all.windows(2).all(|w| w[1].open_time == w[0].close_time + 1));
        assert_eq!(
            c.query(Timeframe::M1, Some(6 * MIN), None, 2).iter().map(|b| b.open_time).collect::<Vec<_>>(),
            [6 * MIN, 7 * MIN]
        );
        assert_eq!(c.query(Timeframe::M1, None, Some(6 * MIN), 1)[0].open_time, 6 * MIN);
        assert_eq!(c.query(Timeframe::M1, None, None, 1)[0].open_time, 8 * MIN);
        assert_eq!(c.open_bar(Timeframe::H1).map(|b| b.trades), Some(3));
    }

    #[test]
    fn long_silences_keep_at_most_the_history() {
        let mut c = Candles::new(5);
        c.on_trade(&trade(100, 0, 1));
        c.on_trade(&trade(101, 1_000 * MIN, 2));
        let m1 = c.query(Timeframe::M1, None, None, 100);
        assert_eq!(m1.len(), 6);
        assert!(m1.windows(2).all(|w| w[1].open_time == w[0].close_time + 1));
        assert_eq!(m1.last().map(|b| (b.open_time, b.close)), Some((1_000 * MIN, 101)));
    }
}
