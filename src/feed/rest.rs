//! The Binance REST client: instruments at start, kline backfill, book and
//! trade snapshots, and the clock offset, over one shared `reqwest` client.
//!
//! * [`client`] holds the shared state and the endpoints; `request` is the
//!   policy of one call, which survives the venue's answers: request weight
//!   tracked from `X-MBX-USED-WEIGHT-1M` and throttled before the limit
//!   ([`weight`]), 429/418 honoured with `Retry-After`, timeouts, and retries
//!   with backoff ([`backoff`]) on 5xx and network errors. Every incident is
//!   counted ([`stats`]) and logged once with its path.
//! * The bodies are read by pure parsers, no I/O, never a panic:
//!   [`klines`], [`server_time`], [`trades`], [`depth`], [`rate_limits`],
//!   plus the decoder's own exchangeInfo reader. A malformed body is an error
//!   that names the field (`[3][1] (open): bad decimal "x": ...`).
//! * [`clock`] turns `/api/v3/time` probes into a clock offset.
//!
//! Timers (throttle, Retry-After, backoff) run on tokio time, so tests can
//! pause it; logs go through `tracing`.

pub mod backoff;
pub mod client;
pub mod clock;
pub mod depth;
pub mod error;
pub mod klines;
pub mod rate_limits;
mod request;
pub mod server_time;
pub mod stats;
pub mod trades;
pub mod weight;

pub use client::{RestClient, RestTap};
pub use clock::ClockOffset;
pub use error::{BodyError, RestError};
pub use stats::RestStats;
pub use weight::WeightState;

use serde::{Deserialize, Serialize};

/// `[feed.rest]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct RestConfig {
    /// Whole-request timeout (connect, send, receive the body), in milliseconds.
    pub timeout_ms: u64,
    /// Retries after a 5xx, a timeout or a network error (4xx are never retried).
    pub max_retries: u32,
    /// First retry delay in milliseconds; doubles per retry, with jitter.
    pub retry_base_ms: u64,
    /// Longest delay between two retries, in milliseconds.
    pub retry_max_ms: u64,
    /// Request weight allowed per minute (Binance REQUEST_WEIGHT); lowered if exchangeInfo says less.
    pub weight_limit_per_min: u32,
    /// Once the used weight reaches this percentage of the limit, requests wait for the window to roll.
    pub throttle_at_percent: u8,
    /// Length of the weight window in milliseconds (Binance: one minute, aligned to :00).
    pub weight_window_ms: u64,
    /// Longest `Retry-After` (429) the client waits out; a longer one fails the call at once.
    pub max_retry_after_secs: u64,
    /// Response bodies larger than this are refused (a full exchangeInfo is about 2 MB).
    pub max_body_bytes: usize,
    /// The User-Agent header sent with every request (empty: `tickdesk/<version>`).
    pub user_agent: String,
    /// `/api/v3/time` probes used to estimate the clock offset.
    pub clock_probes: usize,
}

impl Default for RestConfig {
    fn default() -> Self {
        Self {
            timeout_ms: 10_000,
            max_retries: 3,
            retry_base_ms: 250,
            retry_max_ms: 5_000,
            weight_limit_per_min: 6_000,
            throttle_at_percent: 80,
            weight_window_ms: 60_000,
            max_retry_after_secs: 120,
            max_body_bytes: 16 << 20,
            user_agent: String::new(),
            clock_probes: 5,
        }
    }
}
