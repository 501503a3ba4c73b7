//! What the REST client did, counted without locks and read as a snapshot.

use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of the REST client, for status lines and the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RestStats {
    /// Requests sent (every attempt, retries included).
    pub requests: u64,
    /// Attempts repeated after a 5xx, timeout, network error or 429.
    pub retries: u64,
    /// Requests held back because the used weight reached the throttle mark.
    pub throttled_waits: u64,
    /// Total time those requests waited, in ms.
    pub throttled_ms: u64,
    /// HTTP 429 answers (rate limit; Retry-After honoured).
    pub rate_limited: u64,
    /// HTTP 418 answers (IP banned).
    pub banned: u64,
    /// Calls refused without a request during a ban or an over-long Retry-After.
    pub refused: u64,
    /// HTTP 5xx answers.
    pub server_errors: u64,
    /// Other 4xx answers (not retried).
    pub client_errors: u64,
    /// Requests that timed out.
    pub timeouts: u64,
    /// Connection, TLS or transport failures.
    pub network_errors: u64,
    /// Bodies that were not what the endpoint returns.
    pub parse_errors: u64,
}

/// Which counter to move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counter {
    Requests,
    Retries,
    ThrottledWaits,
    ThrottledMs,
    RateLimited,
    Banned,
    Refused,
    ServerErrors,
    ClientErrors,
    Timeouts,
    NetworkErrors,
    ParseErrors,
}

const N: usize = 12;

/// The live counters behind [`RestStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters([AtomicU64; N]);

impl Counters {
    pub(crate) fn add(&self, c: Counter, n: u64) {
        self.0[c as usize].fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn inc(&self, c: Counter) {
        self.add(c, 1);
    }

    pub(crate) fn snapshot(&self) -> RestStats {
        let g = |c: Counter| self.0[c as usize].load(Ordering::Relaxed);
        RestStats {
            requests: g(Counter::Requests),
            retries: g(Counter::Retries),
            throttled_waits: g(Counter::ThrottledWaits),
            throttled_ms: g(Counter::ThrottledMs),
            rate_limited: g(Counter::RateLimited),
            banned: g(Counter::Banned),
            refused: g(Counter::Refused),
            server_errors: g(Counter::ServerErrors),
            client_errors: g(Counter::ClientErrors),
            timeouts: g(Counter::Timeouts),
            network_errors: g(Counter::NetworkErrors),
            parse_errors: g(Counter::ParseErrors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_serializes() {
        let c = Counters::default();
        c.inc(Counter::Requests);
        c.add(Counter::ThrottledMs, 250);
        c.inc(Counter::ParseErrors);
        let s = c.snapshot();
        assert_eq!((s.requests, s.throttled_ms, s.parse_errors, s.retries), (1, 250, 1, 0));
        let v = serde_json::to_value(s).unwrap();
        assert_eq!(v["parse_errors"], 1);
        assert_eq!(v.as_object().unwrap().len(), N);
    }
}
