//! `[feed.ws]`: timings and limits of the market-data connection.
//!
//! Integers only (milliseconds, seconds, a whole multiplier) so the config
//! tree stays `Eq` and every value reads back exactly as written.

use super::backoff::BackoffPolicy;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// `[feed.ws]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct WsConfig {
    /// No frame for this long marks the connection stale and reconnects it.
    pub stale_after_ms: u64,
    /// A connection attempt (TCP, TLS, WebSocket handshake) gives up after this long.
    pub connect_timeout_ms: u64,
    /// The first retry after a failure is immediate; the next waits up to this long (full jitter).
    pub backoff_initial_ms: u64,
    /// The longest wait between two attempts.
    pub backoff_max_ms: u64,
    /// Each further failed attempt multiplies the longest wait by this (at least 1).
    pub backoff_multiplier: u32,
    /// A connection that stayed up this long resets the backoff to an immediate retry.
    pub backoff_reset_after_ms: u64,
    /// Seed of the backoff jitter; 0 seeds it from the clock and the connection id.
    pub jitter_seed: u64,
    /// Reconnect on purpose after this long, before Binance's 24 h limit (0 = never); 84600 = 23.5 h.
    pub planned_reconnect_after_secs: u64,
    /// A message or frame larger than this ends the connection (counted) and it is re-established.
    pub max_frame_bytes: usize,
    /// SUBSCRIBE, UNSUBSCRIBE and LIST_SUBSCRIPTIONS fail when not answered within this long.
    pub subscribe_timeout_ms: u64,
    /// Control messages sent per second at most (Binance allows 5 incoming messages per second).
    pub control_messages_per_sec: u32,
}

impl Default for WsConfig {
    fn default() -> Self {
        Self {
            stale_after_ms: 10_000,
            connect_timeout_ms: 10_000,
            backoff_initial_ms: 100,
            backoff_max_ms: 10_000,
            backoff_multiplier: 2,
            backoff_reset_after_ms: 30_000,
            jitter_seed: 0,
            planned_reconnect_after_secs: 84_600,
            max_frame_bytes: 1 << 20,
            subscribe_timeout_ms: 5_000,
            control_messages_per_sec: 4,
        }
    }
}

impl WsConfig {
    pub fn stale_after(&self) -> Duration {
        Duration::from_millis(self.stale_after_ms.max(1))
    }

    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms.max(1))
    }

    pub fn subscribe_timeout(&self) -> Duration {
        Duration::from_millis(self.subscribe_timeout_ms.max(1))
    }

    pub fn backoff_reset_after(&self) -> Duration {
        Duration::from_millis(self.backoff_reset_after_ms)
    }

    /// `None` when planned reconnects are off.
    pub fn planned_reconnect_after(&self) -> Option<Duration> {
        (self.planned_reconnect_after_secs > 0).then(|| Duration::from_secs(self.planned_reconnect_after_secs))
    }

    pub fn backoff_policy(&self) -> BackoffPolicy {
        BackoffPolicy {
            initial: Duration::from_millis(self.backoff_initial_ms),
            max: Duration::from_millis(self.backoff_max_ms),
            multiplier: self.backoff_multiplier.max(1),
        }
    }

    /// How often the connection checks its timers (staleness, reply
    /// deadlines, rates): often enough for the shortest of them.
    pub fn tick(&self) -> Duration {
        let shortest = self.stale_after_ms.min(self.subscribe_timeout_ms).max(1);
        Duration::from_millis((shortest / 4).clamp(5, 250))
    }

    /// Interval between two control messages.
    pub fn control_spacing(&self) -> Duration {
        Duration::from_nanos(1_000_000_000 / u64::from(self.control_messages_per_sec.max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_strict_toml() {
        let c: WsConfig = toml::from_str("stale-after-ms = 500\nplanned-reconnect-after-secs = 0").unwrap();
        assert_eq!(c.stale_after(), Duration::from_millis(500));
        assert_eq!(c.planned_reconnect_after(), None);
        assert_eq!(c.tick(), Duration::from_millis(125));
        assert!(toml::from_str::<WsConfig>("stale-after = 1").is_err());
        let d = WsConfig::default();
        assert_eq!(d.planned_reconnect_after(), Some(Duration::from_secs(23 * 3600 + 1800)));
        assert_eq!(d.control_spacing(), Duration::from_millis(250));
        assert_eq!(d.tick(), Duration::from_millis(250));
    }
}
