//! Relative strength index with Wilder's smoothing.

use super::{Indicator, IndicatorError, check_period};

/// Wilder's RSI over `period` changes: the first average gain and loss are
/// plain means of the first `period` changes (exact `i128` sums), then
/// `avg = (avg·(n − 1) + current) / n`. `RSI = 100 − 100 / (1 + gain/loss)`,
/// 100 when there was no loss, and 50 when the price did not move at all.
/// Needs `period + 1` inputs.
#[derive(Debug, Clone)]
pub struct Rsi {
    period: usize,
    prev: Option<i64>,
    changes: usize,
    seed_gain: i128,
    seed_loss: i128,
    avg_gain: f64,
    avg_loss: f64,
    value: Option<f64>,
}

impl Rsi {
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = check_period("RSI", period)?;
        Ok(Self {
            period,
            prev: None,
            changes: 0,
            seed_gain: 0,
            seed_loss: 0,
            avg_gain: 0.0,
            avg_loss: 0.0,
            value: None,
        })
    }

    pub fn period(&self) -> usize {
        self.period
    }
}

/// RSI from the two averages, with the flat-market cases defined.
#[inline]
fn rsi(avg_gain: f64, avg_loss: f64) -> f64 {
    if avg_loss == 0.0 {
        if avg_gain == 0.0 { 50.0 } else { 100.0 }
    } else {
        100.0 - 100.0 / (1.0 + avg_gain / avg_loss)
    }
}

impl Indicator for Rsi {
    type Input = i64;
    type Output = f64;

    #[inline]
    fn update(&mut self, x: i64) -> Option<f64> {
        let prev = self.prev.replace(x)?;
        let change = i128::from(x) - i128::from(prev);
        let (gain, loss) = (change.max(0), (-change).max(0));
        let n = self.period as f64;
        if self.changes < self.period {
            self.changes += 1;
            self.seed_gain += gain;
            self.seed_loss += loss;
            if self.changes < self.period {
                return None;
            }
            self.avg_gain = self.seed_gain as f64 / n;
            self.avg_loss = self.seed_loss as f64 / n;
        } else {
            self.avg_gain = (self.avg_gain * (n - 1.0) + gain as f64) / n;
            self.avg_loss = (self.avg_loss * (n - 1.0) + loss as f64) / n;
        }
        self.value = Some(rsi(self.avg_gain, self.avg_loss));
        self.value
    }

    fn value(&self) -> Option<f64> {
        self.value
    }

    fn reset(&mut self) {
        self.prev = None;
        self.changes = 0;
        self.seed_gain = 0;
        self.seed_loss = 0;
        self.avg_gain = 0.0;
        self.avg_loss = 0.0;
        self.value = None;
    }
}
