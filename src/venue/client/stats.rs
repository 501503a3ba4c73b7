//! What the trading client did, counted without locks.

use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of the trading client, for status lines and the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TradingStats {
    /// HTTP requests sent (every attempt).
    pub requests: u64,
    /// Order placements sent (`POST /api/v3/order`).
    pub orders_sent: u64,
    /// HTTP 429 answers.
    pub rate_limited: u64,
    /// HTTP 418 answers.
    pub banned: u64,
    /// Clock resyncs after a -1021.
    pub resyncs: u64,
    /// Placements whose outcome was unknown (timeout, 5xx, network, malformed, -1007).
    pub status_unknown: u64,
    /// Of those, orders found by a query afterwards.
    pub queried_after_unknown: u64,
    /// Of those, orders resent after every query said -2013.
    pub resent: u64,
    /// Binance error answers (`{"code","msg"}`).
    pub api_errors: u64,
    /// 2xx bodies that were not what the endpoint returns.
    pub malformed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counter {
    Requests,
    OrdersSent,
    RateLimited,
    Banned,
    Resyncs,
    StatusUnknown,
    QueriedAfterUnknown,
    Resent,
    ApiErrors,
    Malformed,
}

const N: usize = 10;

#[derive(Debug, Default)]
pub(crate) struct Counters([AtomicU64; N]);

impl Counters {
    pub(crate) fn inc(&self, c: Counter) {
        self.0[c as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> TradingStats {
        let g = |c: Counter| self.0[c as usize].load(Ordering::Relaxed);
        TradingStats {
            requests: g(Counter::Requests),
            orders_sent: g(Counter::OrdersSent),
            rate_limited: g(Counter::RateLimited),
            banned: g(Counter::Banned),
            resyncs: g(Counter::Resyncs),
            status_unknown: g(Counter::StatusUnknown),
            queried_after_unknown: g(Counter::QueriedAfterUnknown),
            resent: g(Counter::Resent),
            api_errors: g(Counter::ApiErrors),
            malformed: g(Counter::Malformed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_land_in_their_field() {
        let c = Counters::default();
        c.inc(Counter::Malformed);
        c.inc(Counter::Resent);
        c.inc(Counter::Resent);
        let s = c.snapshot();
        assert_eq!((s.malformed, s.resent, s.requests), (1, 2, 0));
    }
}
