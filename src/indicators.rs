//! Incremental technical indicators: O(1) per update, no allocation after
//! construction, no history rescans.
//!
//! Inputs are raw fixed-point mantissas (`Price::raw()`, at the instrument's
//! scale) or [`Candle`](crate::domain::Candle)s; outputs are `f64` **in the
//! same raw units** (an SMA of `Price(6_183_763)` at scale 2 is `6183763.0`,
//! that is 61837.63): divide by `10^scale` only for display. RSI is the
//! exception, a unitless 0..=100. Running sums of mantissas are exact `i128`;
//! `f64` appears only in divisions, square roots and the exponential and
//! Wilder recurrences. Every indicator answers `None` until warmed up.

mod atr;
mod bollinger;
mod ema;
mod macd;
mod rsi;
mod sma;
mod vwap;
mod window;

pub use atr::{Atr, Hlc};
pub use bollinger::{Bands, Bollinger};
pub use ema::Ema;
pub use macd::{Macd, MacdValue};
pub use rsi::Rsi;
pub use sma::Sma;
pub use vwap::Vwap;

/// The shape every indicator shares, so strategies and the UI can hold them alike.
pub trait Indicator {
    type Input;
    type Output: Copy;
    /// Feeds one input; returns the new output once warmed up.
    fn update(&mut self, input: Self::Input) -> Option<Self::Output>;
    /// The latest output, `None` until warmed up.
    fn value(&self) -> Option<Self::Output>;
    /// Forgets every input, as if just constructed.
    fn reset(&mut self);
}

/// A parameter an indicator cannot work with.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum IndicatorError {
    #[error("{name} period must be at least 1, got 0")]
    ZeroPeriod { name: &'static str },
    #[error("MACD fast period ({fast}) must be shorter than the slow period ({slow})")]
    FastNotShorter { fast: usize, slow: usize },
    #[error("Bollinger width k must be finite and non-negative, got {0}")]
    BadWidth(f64),
}

/// Refuses a zero period, naming the indicator.
fn check_period(name: &'static str, period: usize) -> Result<usize, IndicatorError> {
    if period == 0 { Err(IndicatorError::ZeroPeriod { name }) } else { Ok(period) }
}
