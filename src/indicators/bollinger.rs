//! Bollinger bands: SMA ± k·σ over a window, σ the population deviation.

use super::window::Window;
use super::{Indicator, IndicatorError, check_period};

/// One reading, in the input's raw units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bands {
    pub lower: f64,
    pub middle: f64,
    pub upper: f64,
    /// Population standard deviation of the window.
    pub sigma: f64,
}

/// Bollinger(n, k). The variance comes from exact `i128` running sums of the
/// inputs and their squares, taken relative to an origin (an earlier input)
/// so the squares stay small: `n²·σ² = n·Σd² − (Σd)²` then has no
/// catastrophic cancellation, unlike the same formula in `f64` over prices
/// near 10^12.
#[derive(Debug, Clone)]
pub struct Bollinger {
    window: Window,
    k: f64,
    sums: Sums,
    value: Option<Bands>,
}

/// Exact sums of the window's deviations from `origin`.
#[derive(Debug, Clone)]
struct Sums {
    origin: i64,
    sum: i128,
    sum_sq: i128,
    /// Deviations so large that `n·Σd²` could leave `i128`; they stay out of
    /// the sums, and while any is in the window the update takes the slow path.
    huge: usize,
    /// `|d|` from which a deviation counts as huge.
    huge_from: u128,
}

impl Sums {
    #[inline]
    fn add(&mut self, x: i64, sign: i128) {
        let d = i128::from(x) - i128::from(self.origin);
        if d.unsigned_abs() >= self.huge_from {
            self.huge = if sign > 0 { self.huge + 1 } else { self.huge.saturating_sub(1) };
        } else {
            self.sum += sign * d;
            self.sum_sq += sign * d * d;
        }
    }

    fn rebase(&mut self, origin: i64, window: &[i64]) {
        self.origin = origin;
        self.sum = 0;
        self.sum_sq = 0;
        self.huge = 0;
        for &x in window {
            self.add(x, 1);
        }
    }

    /// Mean and population σ of `n` values with no huge deviation.
    fn exact(&self, n: usize) -> Option<(f64, f64)> {
        let n = n as i128;
        let var_n2 = (n * self.sum_sq).checked_sub(self.sum * self.sum)?;
        let mean = (n * i128::from(self.origin) + self.sum) as f64 / n as f64;
        Some((mean, (var_n2.max(0) as f64).sqrt() / n as f64))
    }
}

impl Bollinger {
    pub fn new(period: usize, k: f64) -> Result<Self, IndicatorError> {
        let period = check_period("Bollinger", period)?;
        if !k.is_finite() || k < 0.0 {
            return Err(IndicatorError::BadWidth(k));
        }
        // With every |d| < 2^e and n ≤ 2^m, e = 63 − m: n·Σd² ≤ n²·d² < 2^126.
        let m = usize::BITS - (period - 1).leading_zeros();
        let e = 63 - m.min(62);
        Ok(Self {
            window: Window::new(period),
            k,
            sums: Sums { origin: 0, sum: 0, sum_sq: 0, huge: 0, huge_from: 1u128 << e },
            value: None,
        })
    }

    /// Two passes in `f64` over the window, when even the newest value as
    /// origin leaves a huge deviation in the window.
    fn two_pass(&self) -> (f64, f64) {
        let v = self.window.values();
        let n = v.len() as f64;
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt())
    }
}

impl Indicator for Bollinger {
    type Input = i64;
    type Output = Bands;

    #[inline]
    fn update(&mut self, x: i64) -> Option<Bands> {
        if self.window.values().is_empty() {
            self.sums.origin = x;
        }
        if let Some(old) = self.window.push(x) {
            self.sums.add(old, -1);
        }
        self.sums.add(x, 1);
        if !self.window.is_full() {
            return None;
        }
        if self.sums.huge > 0 {
            // Rare and O(n): re-anchor on the newest value, so the exact path
            // resumes as soon as the outlier has left the window.
            self.sums.rebase(x, self.window.values());
        }
        let exact = if self.sums.huge == 0 { self.sums.exact(self.window.len()) } else { None };
        let (middle, sigma) = exact.unwrap_or_else(|| self.two_pass());
        let width = self.k * sigma;
        self.value = Some(Bands { lower: middle - width, middle, upper: middle + width, sigma });
        self.value
    }

    fn value(&self) -> Option<Bands> {
        self.value
    }

    fn reset(&mut self) {
        self.window.clear();
        self.sums.rebase(0, &[]);
        self.value = None;
    }
}
