//! MACD: the gap between a fast and a slow EMA, and its own EMA (signal).

use super::ema::{self, Ema};
use super::{Indicator, IndicatorError, check_period};

/// One MACD reading, in the input's raw units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MacdValue {
    /// Fast EMA − slow EMA.
    pub macd: f64,
    /// EMA of `macd` over the signal period (seeded with their mean).
    pub signal: f64,
    /// `macd − signal`.
    pub histogram: f64,
}

/// MACD(fast, slow, signal), classically (12, 26, 9). The MACD line starts
/// when the slow EMA is warm; the output starts `signal − 1` inputs later.
#[derive(Debug, Clone)]
pub struct Macd {
    fast: Ema,
    slow: Ema,
    signal_period: usize,
    signal_alpha: f64,
    /// MACD values seen while the signal line warms up, and their sum.
    signal_seen: usize,
    signal_seed: f64,
    signal: Option<f64>,
    value: Option<MacdValue>,
}

impl Macd {
    pub fn new(fast: usize, slow: usize, signal: usize) -> Result<Self, IndicatorError> {
        let signal = check_period("MACD signal", signal)?;
        if fast >= slow {
            return Err(IndicatorError::FastNotShorter { fast, slow });
        }
        Ok(Self {
            fast: Ema::new(fast)?,
            slow: Ema::new(slow)?,
            signal_period: signal,
            signal_alpha: ema::alpha(signal),
            signal_seen: 0,
            signal_seed: 0.0,
            signal: None,
            value: None,
        })
    }
}

impl Indicator for Macd {
    type Input = i64;
    type Output = MacdValue;

    #[inline]
    fn update(&mut self, x: i64) -> Option<MacdValue> {
        let fast = self.fast.update(x);
        let (Some(fast), Some(slow)) = (fast, self.slow.update(x)) else {
            return None;
        };
        let macd = fast - slow;
        let signal = match self.signal {
            Some(prev) => ema::step(self.signal_alpha, prev, macd),
            None => {
                self.signal_seed += macd;
                self.signal_seen += 1;
                if self.signal_seen < self.signal_period {
                    return None;
                }
                self.signal_seed / self.signal_period as f64
            }
        };
        self.signal = Some(signal);
        self.value = Some(MacdValue { macd, signal, histogram: macd - signal });
        self.value
    }

    fn value(&self) -> Option<MacdValue> {
        self.value
    }

    fn reset(&mut self) {
        self.fast.reset();
        self.slow.reset();
        self.signal_seen = 0;
        self.signal_seed = 0.0;
        self.signal = None;
        self.value = None;
    }
}
