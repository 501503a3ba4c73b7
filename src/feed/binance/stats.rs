//! Counters of what the decoder saw, for the run summary.

use super::error::Malformed;
use serde::ser::{Serialize, SerializeMap, Serializer};

/// What a successfully decoded frame was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DecodedKind {
    Trade,
    AggTrade,
    BookTicker,
    DepthUpdate,
    DepthSnapshot,
    Kline,
    SubscriptionReply,
    ErrorFrame,
    ExchangeInfo,
    /// Valid JSON that is no event we decode (user data, REST shapes, tickers).
    Unknown,
}

impl DecodedKind {
    pub const ALL: [Self; 10] = [
        Self::Trade,
        Self::AggTrade,
        Self::BookTicker,
        Self::DepthUpdate,
        Self::DepthSnapshot,
        Self::Kline,
        Self::SubscriptionReply,
        Self::ErrorFrame,
        Self::ExchangeInfo,
        Self::Unknown,
    ];

    /// The counter name; the same words as `MarketEvent::kind_name`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Trade => "trade",
            Self::AggTrade => "agg_trade",
            Self::BookTicker => "book_ticker",
            Self::DepthUpdate => "depth_update",
            Self::DepthSnapshot => "depth_snapshot",
            Self::Kline => "kline",
            Self::SubscriptionReply => "subscription_reply",
            Self::ErrorFrame => "error_frame",
            Self::ExchangeInfo => "exchange_info",
            Self::Unknown => "unknown",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Counts per decoded kind and per refusal reason. Plain arrays: counting is
/// one increment on the hot path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodeStats {
    decoded: [u64; 10],
    malformed: [u64; 6],
    exchange_info_skipped: u64,
}

impl DecodeStats {
    #[inline]
    pub(crate) fn count(&mut self, kind: DecodedKind) {
        self.decoded[kind as usize] += 1;
    }

    #[inline]
    pub(crate) fn refuse(&mut self, reason: Malformed) {
        self.malformed[reason.index()] += 1;
    }

    pub(crate) fn skip_instruments(&mut self, n: u64) {
        self.exchange_info_skipped += n;
    }

    /// Frames decoded as `kind`.
    pub fn decoded(&self, kind: DecodedKind) -> u64 {
        self.decoded[kind as usize]
    }

    /// Frames refused for `reason`.
    pub fn malformed(&self, reason: Malformed) -> u64 {
        self.malformed[reason.index()]
    }

    /// A counter by its summary name (`"trade"`, `"bad_json"`, `"exchange_info_skipped"`).
    pub fn get(&self, name: &str) -> Option<u64> {
        if name == "exchange_info_skipped" {
            return Some(self.exchange_info_skipped);
        }
        if let Some(k) = DecodedKind::from_name(name) {
            return Some(self.decoded(k));
        }
        Malformed::ALL.into_iter().find(|r| r.as_str() == name).map(|r| self.malformed(r))
    }

    pub fn total_decoded(&self) -> u64 {
        self.decoded.iter().sum()
    }

    pub fn total_malformed(&self) -> u64 {
        self.malformed.iter().sum()
    }

    /// exchangeInfo symbols skipped because their filters did not fit.
    pub fn exchange_info_skipped(&self) -> u64 {
        self.exchange_info_skipped
    }

    /// `(name, count)` per decoded kind, in a fixed order.
    pub fn iter_decoded(&self) -> impl Iterator<Item = (&'static str, u64)> + Clone + '_ {
        DecodedKind::ALL.into_iter().map(|k| (k.as_str(), self.decoded(k)))
    }

    /// `(name, count)` per refusal reason, in a fixed order.
    pub fn iter_malformed(&self) -> impl Iterator<Item = (&'static str, u64)> + Clone + '_ {
        Malformed::ALL.into_iter().map(|r| (r.as_str(), self.malformed(r)))
    }

    /// Adds another decoder's counts (one decoder per connection).
    pub fn merge(&mut self, other: &Self) {
        for (a, b) in self.decoded.iter_mut().zip(other.decoded) {
            *a += b;
        }
        for (a, b) in self.malformed.iter_mut().zip(other.malformed) {
            *a += b;
        }
        self.exchange_info_skipped += other.exchange_info_skipped;
    }
}

/// `{"decoded":{"trade":n,..},"malformed":{"bad_json":n,..},"exchange_info_skipped":n}`
impl Serialize for DecodeStats {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Counts<I>(I);
        impl<I: Iterator<Item = (&'static str, u64)> + Clone> Serialize for Counts<I> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(None)?;
                for (k, v) in self.0.clone() {
                    m.serialize_entry(k, &v)?;
                }
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("decoded", &Counts(self.iter_decoded()))?;
        m.serialize_entry("malformed", &Counts(self.iter_malformed()))?;
        m.serialize_entry("exchange_info_skipped", &self.exchange_info_skipped)?;
        m.end()
    }
}
