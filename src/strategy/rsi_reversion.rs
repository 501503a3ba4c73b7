//! RSI mean reversion: buy when oversold, sell back when overbought.

use serde::{Deserialize, Serialize};

/// `[[strategies]] kind = "rsi-reversion"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RsiReversionConfig {
    pub symbol: String,
    pub timeframe: crate::domain::Timeframe,
    /// RSI length in candles (Wilder).
    pub period: usize,
    /// Buy below this RSI.
    pub oversold: f64,
    /// Sell above this RSI.
    pub overbought: f64,
    /// Order quantity as a decimal string.
    pub qty: String,
    /// Also go short when overbought (otherwise only flatten).
    #[serde(default)]
    pub allow_short: bool,
}
