//! Exponential moving average, seeded with the SMA of the first `n` inputs.

use super::{Indicator, IndicatorError, check_period};

/// `ema = α·x + (1 − α)·ema` with `α = 2 / (n + 1)`. The first value is the
/// mean of the first `period` inputs (exact `i128` sum), the usual seed that
/// makes the result independent of where the series was picked up.
#[derive(Debug, Clone)]
pub struct Ema {
    period: usize,
    alpha: f64,
    seen: usize,
    seed_sum: i128,
    value: Option<f64>,
}

/// The smoothing factor of an `n`-period EMA.
#[inline]
pub(crate) fn alpha(period: usize) -> f64 {
    2.0 / (period as f64 + 1.0)
}

/// One step of the recurrence, written as the textbook does.
#[inline]
pub(crate) fn step(alpha: f64, prev: f64, x: f64) -> f64 {
    alpha * x + (1.0 - alpha) * prev
}

impl Ema {
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = check_period("EMA", period)?;
        Ok(Self { period, alpha: alpha(period), seen: 0, seed_sum: 0, value: None })
    }

    pub fn period(&self) -> usize {
        self.period
    }
}

impl Indicator for Ema {
    type Input = i64;
    type Output = f64;

    #[inline]
    fn update(&mut self, x: i64) -> Option<f64> {
        match self.value {
            Some(prev) => self.value = Some(step(self.alpha, prev, x as f64)),
            None => {
                self.seed_sum += i128::from(x);
                self.seen += 1;
                if self.seen == self.period {
                    self.value = Some(self.seed_sum as f64 / self.period as f64);
                }
            }
        }
        self.value
    }

    fn value(&self) -> Option<f64> {
        self.value
    }

    fn reset(&mut self) {
        self.seen = 0;
        self.seed_sum = 0;
        self.value = None;
    }
}
