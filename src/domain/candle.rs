//! Candles and the timeframes they are bucketed by.

use super::fixed::{Notional, Price, Qty};
use super::instrument::InstrumentId;
use std::fmt;
use std::str::FromStr;

/// A candle interval. Bucket boundaries are aligned to the Unix epoch in UTC,
/// as Binance aligns its klines (weeks start on Monday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Timeframe {
    S1,
    #[default]
    M1,
    M3,
    M5,
    M15,
    M30,
    H1,
    H2,
    H4,
    H6,
    H8,
    H12,
    D1,
    D3,
    W1,
    /// Calendar month (Binance `1M`); decoded from klines, not aggregated.
    Mo1,
}

impl Timeframe {
    /// The timeframes the aggregator runs by default.
    pub const DEFAULTS: [Self; 6] = [Self::S1, Self::M1, Self::M5, Self::M15, Self::H1, Self::D1];

    const ALL: [Self; 16] = [
        Self::S1,
        Self::M1,
        Self::M3,
        Self::M5,
        Self::M15,
        Self::M30,
        Self::H1,
        Self::H2,
        Self::H4,
        Self::H6,
        Self::H8,
        Self::H12,
        Self::D1,
        Self::D3,
        Self::W1,
        Self::Mo1,
    ];

    /// Length in milliseconds; `None` for the calendar month.
    pub const fn duration_ms(self) -> Option<i64> {
        const S: i64 = 1_000;
        const M: i64 = 60 * S;
        const H: i64 = 60 * M;
        const D: i64 = 24 * H;
        Some(match self {
            Self::S1 => S,
            Self::M1 => M,
            Self::M3 => 3 * M,
            Self::M5 => 5 * M,
            Self::M15 => 15 * M,
            Self::M30 => 30 * M,
            Self::H1 => H,
            Self::H2 => 2 * H,
            Self::H4 => 4 * H,
            Self::H6 => 6 * H,
            Self::H8 => 8 * H,
            Self::H12 => 12 * H,
            Self::D1 => D,
            Self::D3 => 3 * D,
            Self::W1 => 7 * D,
            Self::Mo1 => return None,
        })
    }

    /// Offset of bucket boundaries from the epoch: weeks start on Monday
    /// (the epoch was a Thursday).
    pub const fn offset_ms(self) -> i64 {
        match self {
            Self::W1 => 4 * 86_400_000,
            _ => 0,
        }
    }

    /// The Binance spelling (`1s`, `1m`, `1h`, `1d`, `1w`, `1M`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::S1 => "1s",
            Self::M1 => "1m",
            Self::M3 => "3m",
            Self::M5 => "5m",
            Self::M15 => "15m",
            Self::M30 => "30m",
            Self::H1 => "1h",
            Self::H2 => "2h",
            Self::H4 => "4h",
            Self::H6 => "6h",
            Self::H8 => "8h",
            Self::H12 => "12h",
            Self::D1 => "1d",
            Self::D3 => "3d",
            Self::W1 => "1w",
            Self::Mo1 => "1M",
        }
    }

    /// Parses the Binance spelling from wire bytes.
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str().as_bytes() == b)
    }

    /// Every spelling, for error messages.
    pub fn all_names() -> Vec<&'static str> {
        Self::ALL.iter().map(|t| t.as_str()).collect()
    }
}

impl fmt::Display for Timeframe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Timeframe {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::from_bytes(s.as_bytes())
            .ok_or_else(|| format!("unknown timeframe {s:?}, expected one of {}", Self::all_names().join(", ")))
    }
}

impl serde::Serialize for Timeframe {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Timeframe {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// An OHLCV candle built from trades.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candle {
    pub instrument: InstrumentId,
    pub timeframe: Timeframe,
    /// Start of the bucket, exchange ms.
    pub open_time_ms: i64,
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    pub volume: Qty,
    pub quote_volume: Notional,
    pub trades: u64,
}
