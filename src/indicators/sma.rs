//! Simple moving average over the last `n` inputs.

use super::window::Window;
use super::{Indicator, IndicatorError, check_period};

/// Mean of the last `period` mantissas, from an exact running `i128` sum.
#[derive(Debug, Clone)]
pub struct Sma {
    window: Window,
    sum: i128,
    value: Option<f64>,
}

impl Sma {
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        Ok(Self { window: Window::new(check_period("SMA", period)?), sum: 0, value: None })
    }

    pub fn period(&self) -> usize {
        self.window.len()
    }
}

impl Indicator for Sma {
    type Input = i64;
    type Output = f64;

    #[inline]
    fn update(&mut self, x: i64) -> Option<f64> {
        self.sum += i128::from(x) - i128::from(self.window.push(x).unwrap_or(0));
        if self.window.is_full() {
            self.value = Some(self.sum as f64 / self.window.len() as f64);
        }
        self.value
    }

    fn value(&self) -> Option<f64> {
        self.value
    }

    fn reset(&mut self) {
        self.window.clear();
        self.sum = 0;
        self.value = None;
    }
}
