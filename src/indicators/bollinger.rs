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

/// Bollinger(n, k). The variance comes from exact `i128` running sums of
/// the inputs and their squares, taken relative to the first input so the
/// squares stay small: `n²·σ² = n·Σd² − (Σd)²` has no catastrophic
/// cancellation, unlike the same formula in `f64` over prices near 10^12.
#[derive(Debug, Clone)]
pub struct Bollinger {
    window: Window,
    k: f64,
    /// The first input ever seen: every sum is of `x − origin`.
    origin: Option<i64>,
    sum: i128,
    sum_sq: i128,
    /// Deviations so large that `n·Σd²` could leave `i128`: while any is in the
    /// window, the (rare, O(n)) slow path recomputes from the window.
    huge: usize,
    /// `|d|` from which a deviation counts as huge.
    huge_from: u128,
    value: Option<Bands>,
}

impl Bollinger {
    pub fn new(period: usize, k: f64) -> Result<Self, IndicatorError> {
        let period = check_period("Bollinger", period)?;
        if !k.is_finite() || k < 0.0 {
            return Err(IndicatorError::BadWidth(k));
        }
        // With every |d| < 2^e where 2·e + 2·log2(n) ≤ 126, n·Σd² < 2^126.
        let log2_n = usize::BITS - (period - 1).leading_zeros();
        let e = (126 - 2 * log2_n.min(62)) / 2;
        Ok(Self {
            window: Window::new(period),
            k,
            origin: None,
            sum: 0,
            sum_sq: 0,
            huge: 0,
            huge_from: 1u128 << e,
            value: None,
        })
    }

    fn deviation(&self, x: i64) -> i128 {
        i128::from(x) - i128::from(self.origin.unwrap_or(0))
    }

    fn add(&mut self, d: i128, sign: i128) {
        if d.unsigned_abs() >= self.huge_from {
            self.huge = self.huge.wrapping_add_signed(sign as isize);
        } else {
            self.sum += sign * d;
            self.sum_sq += sign * d * d;
        }
    }

    /// Mean and population σ of the window from the exact sums.
    fn exact(&self) -> Option<(f64, f64)> {
        let n = self.window.len() as i128;
        let var_n2 = (n * self.sum_sq).checked_sub(self.sum * self.sum)?;
        let origin = i128::from(self.origin?);
        let mean = match (n * origin).checked_add(self.sum) {
            Some(total) => total as f64 / n as f64,
            None => origin as f64 + self.sum as f64 / n as f64,
        };
        Some((mean, (var_n2.max(0) as f64).sqrt() / n as f64))
    }

    /// Two passes in `f64` over the window, for windows holding huge deviations.
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
        self.origin.get_or_insert(x);
        if let Some(old) = self.window.push(x) {
            self.add(self.deviation(old), -1);
        }
        self.add(self.deviation(x), 1);
        if !self.window.is_full() {
            return None;
        }
        let exact = if self.huge == 0 { self.exact() } else { None };
        let (middle, sigma) = exact.unwrap_or_else(|| self.two_pass());
        let width = self.k * sigma;
        self.value = Some(Bands {
            lower: middle - width,
            middle,
            upper: middle + width,
            sigma,
        });
        self.value
    }

    fn value(&self) -> Option<Bands> {
        self.value
    }

    fn reset(&mut self) {
        self.window.clear();
        self.origin = None;
        self.sum = 0;
        self.sum_sq = 0;
        self.huge = 0;
        self.value = None;
    }
}
