//! Pure mappings of the chart: time to slot, price to half-row, axis steps
//! and labels. No drawing here, so each mapping is unit-tested alone.

use crate::domain::{Candle, Price, Timeframe};
use crate::ui::format;
use std::ops::Range;

/// Places candles by time: slot 0 is the newest bucket, slot `n` is `n`
/// buckets older, so a missing bucket leaves its slot empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slots {
    newest_open: i64,
    /// `None` for calendar months: slots then count candles instead.
    tf_ms: Option<i64>,
    len: usize,
}

impl Slots {
    pub fn new(candles: &[Candle], tf: Timeframe) -> Option<Self> {
        let newest = candles.last()?;
        let tf_ms = tf.duration_ms().filter(|&d| d > 0);
        Some(Self { newest_open: newest.open_time_ms, tf_ms, len: candles.len() })
    }

    /// The slot of the candle at `idx` opening at `open_ms`.
    pub fn of_candle(&self, idx: usize, open_ms: i64) -> i64 {
        match self.tf_ms {
            Some(d) => (self.newest_open - open_ms).div_euclid(d),
            None => self.len.saturating_sub(idx + 1) as i64,
        }
    }

    /// The slot whose bucket contains time `t`.
    pub fn of_time(&self, t: i64) -> Option<i64> {
        self.tf_ms.map(|d| -(t - self.newest_open).div_euclid(d))
    }

    /// Open time of the bucket at `slot`.
    pub fn time_of(&self, slot: i64) -> Option<i64> {
        self.tf_ms.map(|d| self.newest_open - slot * d)
    }

    pub fn tf_ms(&self) -> Option<i64> {
        self.tf_ms
    }
}

/// Indices of the candles whose slots fall in `scroll..scroll + n`, found by
/// bisection (slots fall as the index rises).
pub fn visible(candles: &[Candle], slots: &Slots, scroll: usize, n: usize) -> Range<usize> {
    let slot = |i: usize| candles.get(i).map_or(i64::MIN, |c| slots.of_candle(i, c.open_time_ms));
    let first_below = |limit: i64| {
        let (mut lo, mut hi) = (0usize, candles.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if slot(mid) >= limit {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    };
    let scroll = scroll as i64;
    let start = first_below(scroll.saturating_add(n as i64));
    let end = first_below(scroll);
    start..end.max(start)
}

/// Vertical mapping of prices (raw mantissas, as `f64` only for the row
/// arithmetic) onto `rows` terminal rows of two half-rows each.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceScale {
    pub top: f64,
    pub bottom: f64,
    pub rows: u16,
}

impl PriceScale {
    /// The range `lo..=hi` with a little padding, so extremes do not touch the border.
    pub fn new(lo: f64, hi: f64, rows: u16) -> Self {
        let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        let pad = ((hi - lo) * 0.04).max(1.0);
        Self { top: hi + pad, bottom: lo - pad, rows: rows.max(1) }
    }

    /// Position of `p` in `0..parts` bins counted from the top.
    fn bin(&self, p: f64, parts: usize) -> usize {
        let span = self.top - self.bottom;
        let f = if span > 0.0 { (self.top - p) / span } else { 0.5 };
        let b = (f * parts as f64).floor();
        if b.is_nan() || b < 0.0 { 0 } else { (b as usize).min(parts - 1) }
    }

    /// Half-row of `p`: 0 is the top half of the first row.
    pub fn half_row(&self, p: f64) -> usize {
        self.bin(p, 2 * usize::from(self.rows))
    }

    /// Quarter-row of `p`, for the braille overlay dots.
    pub fn quarter_row(&self, p: f64) -> usize {
        self.bin(p, 4 * usize::from(self.rows))
    }

    /// Row of `p`, 0 at the top.
    pub fn row(&self, p: f64) -> u16 {
        (self.half_row(p) / 2) as u16
    }

    pub fn contains(&self, p: f64) -> bool {
        p >= self.bottom && p <= self.top
    }
}

/// A round price step (1, 2 or 5 times a power of ten, in mantissa units)
/// giving a label about every third row.
pub fn price_step(scale: &PriceScale) -> i64 {
    let target = (scale.top - scale.bottom) / (f64::from(scale.rows) / 3.0).max(1.0);
    let mut step: i64 = 1;
    loop {
        for m in [1, 2, 5] {
            let s = step.saturating_mul(m);
            if s as f64 >= target || s == i64::MAX {
                return s;
            }
        }
        if step > i64::MAX / 10 {
            return step;
        }
        step *= 10;
    }
}

/// Label of an axis price at the instrument's precision, from its integer.
pub fn price_label(mantissa: i64, scale: u8) -> String {
    format::price(Price(mantissa), scale)
}

/// Label of a bucket start on the time axis: seconds for 1s, dates for a day or more.
pub fn time_label(ms: i64, tf_ms: i64) -> String {
    const DAY: i64 = 86_400_000;
    if tf_ms < 60_000 {
        format::clock(ms)
    } else if tf_ms >= DAY {
        let (_, m, d) = crate::domain::calendar::civil_from_days(ms.div_euclid(DAY));
        format!("{m:02}-{d:02}")
    } else {
        let s = ms.div_euclid(1000).rem_euclid(86_400);
        format!("{:02}:{:02}", s / 3600, s / 60 % 60)
    }
}

/// A round label interval for the time axis, in slots: whole minutes, hours
/// or days, wide enough for `label_w` plus a gap at `stride` columns a slot.
pub fn time_step_slots(tf_ms: i64, stride: u16, label_w: u16) -> i64 {
    const S: i64 = 1000;
    const NICE: [i64; 22] = [
        1,
        2,
        5,
        10,
        15,
        30,
        60,
        120,
        300,
        600,
        900,
        1800,
        3600,
        7200,
        3 * 3600,
        6 * 3600,
        12 * 3600,
        86_400,
        2 * 86_400,
        7 * 86_400,
        14 * 86_400,
        28 * 86_400,
    ];
    let stride = i64::from(stride.max(1));
    let need = ((i64::from(label_w) + 2 + stride - 1) / stride).max(1);
    NICE.iter()
        .map(|&n| n * S)
        .filter(|&ms| tf_ms > 0 && ms % tf_ms == 0)
        .map(|ms| ms / tf_ms)
        .find(|&k| k >= need)
        .unwrap_or(need)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::sample;

    #[test]
    fn price_maps_to_half_rows_from_the_top() {
        let s = PriceScale { top: 100.0, bottom: 0.0, rows: 5 };
        assert_eq!(s.half_row(100.0), 0);
        assert_eq!(s.half_row(95.0), 0);
        assert_eq!(s.half_row(89.9), 1);
        assert_eq!(s.half_row(80.0), 2);
        assert_eq!(s.half_row(0.0), 9);
        assert_eq!(s.half_row(-50.0), 9);
        assert_eq!(s.half_row(500.0), 0);
        assert_eq!(s.row(85.0), 0);
        assert_eq!(s.row(75.0), 1);
        assert_eq!(s.quarter_row(99.0), 0);
        assert_eq!(s.quarter_row(0.1), 19);
        assert_eq!(s.half_row(f64::NAN), 0);
    }

    #[test]
    fn flat_range_is_padded() {
        let s = PriceScale::new(500.0, 500.0, 4);
        assert!(s.top > 500.0 && s.bottom < 500.0);
        assert_eq!(s.row(500.0), 2);
    }

    #[test]
    fn slots_follow_time_so_gaps_stay_empty() {
        let c = sample::candles(240);
        let slots = Slots::new(&c, Timeframe::M1).unwrap();
        let last = c.len() - 1;
        assert_eq!(slots.of_candle(last, c[last].open_time_ms), 0);
        // Buckets 150..155 are missing: candle index 150 is bucket 155, 84 buckets back.
        assert_eq!(c.len(), 235);
        assert_eq!(slots.of_candle(150, c[150].open_time_ms), 84);
        assert_eq!(slots.of_candle(149, c[149].open_time_ms), 90);
        assert_eq!(slots.of_time(c[last].open_time_ms + 59_999), Some(0));
        assert_eq!(slots.of_time(c[last].open_time_ms - 1), Some(1));
        assert_eq!(slots.time_of(2), Some(c[last].open_time_ms - 120_000));
        // Slots 85..=89 hold nothing.
        let r = visible(&c, &slots, 85, 5);
        assert!(r.is_empty(), "{r:?}");
        assert_eq!(visible(&c, &slots, 0, 10), 225..235);
        assert_eq!(visible(&c, &slots, 80, 20), 140..155);
        assert_eq!(visible(&c, &slots, 10_000, 20), 0..0);
    }

    #[test]
    fn axis_labels_at_precision() {
        assert_eq!(price_label(9_701_235, 2), "97012.35");
        assert_eq!(price_label(9_700_000, 2), "97000.00");
        assert_eq!(price_label(5, 3), "0.005");
        let s = PriceScale { top: 9_750_000.0, bottom: 9_700_000.0, rows: 15 };
        assert_eq!(price_step(&s), 10_000);
        assert_eq!(price_step(&PriceScale { top: 3.0, bottom: 0.0, rows: 30 }), 1);
    }

    #[test]
    fn time_labels_by_timeframe() {
        let t = sample::T0_MS; // 2026-11-23 10:00:00
        assert_eq!(time_label(t + 5_000, 1_000), "10:00:05");
        assert_eq!(time_label(t + 60_000, 60_000), "10:01");
        assert_eq!(time_label(t, 86_400_000), "11-23");
        assert_eq!(time_step_slots(60_000, 4, 5), 2);
        assert_eq!(time_step_slots(60_000, 1, 5), 10);
        assert_eq!(time_step_slots(1_000, 1, 8), 10);
        assert_eq!(time_step_slots(86_400_000, 2, 5), 7);
    }
}
