//! Volume-weighted average price, cumulative since the last reset.

use super::Indicator;
use crate::domain::{Price, Qty};

/// `Σ(price·qty) / Σqty` over every trade since construction or
/// [`Indicator::reset`] (call it at the session boundary you want). Both sums
/// are exact `i128` over raw mantissas, so the result is in raw price units;
/// `f64` is used only for the final division. The sums saturate instead of
/// wrapping, far beyond any real session.
#[derive(Debug, Clone, Default)]
pub struct Vwap {
    sum_pq: i128,
    sum_q: i128,
}

impl Vwap {
    pub fn new() -> Self {
        Self::default()
    }

    /// Total quantity since the last reset, raw.
    pub fn volume(&self) -> i128 {
        self.sum_q
    }
}

impl Indicator for Vwap {
    type Input = (Price, Qty);
    type Output = f64;

    #[inline]
    fn update(&mut self, (price, qty): (Price, Qty)) -> Option<f64> {
        self.sum_pq = self.sum_pq.saturating_add(i128::from(price.0) * i128::from(qty.0));
        self.sum_q = self.sum_q.saturating_add(i128::from(qty.0));
        self.value()
    }

    fn value(&self) -> Option<f64> {
        (self.sum_q > 0).then(|| self.sum_pq as f64 / self.sum_q as f64)
    }

    fn reset(&mut self) {
        *self = Self::default();
    }
}
