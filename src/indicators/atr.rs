//! Average true range with Wilder's smoothing.

use super::{Indicator, IndicatorError, check_period};
use crate::domain::Candle;

/// High, low and close mantissas of one bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hlc {
    pub high: i64,
    pub low: i64,
    pub close: i64,
}

impl From<&Candle> for Hlc {
    fn from(c: &Candle) -> Self {
        Self { high: c.high.0, low: c.low.0, close: c.close.0 }
    }
}

/// ATR(n): true range `max(high − low, |high − prev close|, |low − prev close|)`
/// (just `high − low` on the first bar), averaged as a plain mean over the
/// first `n` bars (exact `i128` sum), then `atr = (atr·(n − 1) + tr) / n`.
#[derive(Debug, Clone)]
pub struct Atr {
    period: usize,
    prev_close: Option<i64>,
    seen: usize,
    seed_sum: i128,
    value: Option<f64>,
}

impl Atr {
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = check_period("ATR", period)?;
        Ok(Self { period, prev_close: None, seen: 0, seed_sum: 0, value: None })
    }

    pub fn period(&self) -> usize {
        self.period
    }
}

/// True range, exact.
#[inline]
pub(crate) fn true_range(bar: Hlc, prev_close: Option<i64>) -> i128 {
    let (h, l) = (i128::from(bar.high), i128::from(bar.low));
    let range = h - l;
    match prev_close.map(i128::from) {
        Some(pc) => range.max((h - pc).abs()).max((l - pc).abs()),
        None => range,
    }
}

impl Indicator for Atr {
    type Input = Hlc;
    type Output = f64;

    #[inline]
    fn update(&mut self, bar: Hlc) -> Option<f64> {
        let tr = true_range(bar, self.prev_close.replace(bar.close));
        let n = self.period as f64;
        match self.value {
            Some(prev) => self.value = Some((prev * (n - 1.0) + tr as f64) / n),
            None => {
                self.seed_sum += tr;
                self.seen += 1;
                if self.seen == self.period {
                    self.value = Some(self.seed_sum as f64 / n);
                }
            }
        }
        self.value
    }

    fn value(&self) -> Option<f64> {
        self.value
    }

    fn reset(&mut self) {
        self.prev_close = None;
        self.seen = 0;
        self.seed_sum = 0;
        self.value = None;
    }
}
