//! Moving-average crossover: long when the fast average crosses above the slow one.

use serde::{Deserialize, Serialize};

/// `[[strategies]] kind = "ma-cross"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct MaCrossConfig {
    /// Symbol traded, e.g. `BTCUSDT`.
    pub symbol: String,
    /// Candle timeframe the averages run on.
    pub timeframe: crate::domain::Timeframe,
    /// Fast average length in candles.
    pub fast: usize,
    /// Slow average length in candles.
    pub slow: usize,
    /// Order quantity as a decimal string.
    pub qty: String,
    /// `sma` or `ema`.
    #[serde(default = "default_average")]
    pub average: String,
    /// Also go short on a downward cross (otherwise flat).
    #[serde(default)]
    pub allow_short: bool,
}

fn default_average() -> String {
    "sma".into()
}
