//! `[sim-venue]`: what the loopback exchange keeps, how it fans out, and the
//! faults it injects. Every fault is off by default; `FaultArgs` (the flags
//! of `tickdesk sim-exchange`) override single fault keys.

use crate::domain::Timeframe;
use serde::{Deserialize, Serialize};

/// `[sim-venue]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct SimVenueConfig {
    /// Candles served by `/api/v3/klines` per symbol and interval (closed ones kept, plus the open one).
    pub kline_history: usize,
    /// The backfill covers `kline-history` candles of this interval before the start (synthetic market).
    pub history_interval: Timeframe,
    /// Messages per second of market time in the backfill (fewer is faster to start, sparser candles).
    pub history_rate: f64,
    /// Price levels per side of each symbol's order book (`/api/v3/depth` and the depth streams).
    pub depth_levels: usize,
    /// Trades per symbol kept for `/api/v3/trades`.
    pub recent_trades: usize,
    /// Frames queued per WebSocket connection; beyond it the connection's frames are dropped and counted.
    pub ws_send_buffer: usize,
    /// Batches the hub keeps for connections that fall behind (each batch is one pacing step).
    pub hub_buffer_batches: usize,
    /// Most messages in one hub batch.
    pub max_batch: usize,
    /// Seconds between the server's WebSocket pings (Binance: 20).
    pub ping_interval_secs: f64,
    /// A connection that leaves a ping unanswered this long is closed (Binance: 60; 0 = never).
    pub pong_timeout_secs: f64,
    /// Connections are closed after this many seconds (Binance: 86400; 0 = never).
    pub max_connection_secs: f64,
    /// Most streams one connection may subscribe to (Binance: 1024).
    pub max_streams_per_connection: usize,
    /// REQUEST_WEIGHT per IP per minute; above it REST answers 429 with Retry-After.
    pub weight_limit_1m: u32,
    /// New orders per account per aligned 10 s window; above it 429 -1015 (Binance: 50).
    pub order_limit_10s: u32,
    /// New orders per account per UTC day; above it 429 -1015 (Binance: 160000).
    pub order_limit_1d: u32,
    /// Largest `recvWindow` a signed request may ask for; above it -1131 (Binance: 60000).
    pub max_recv_window_ms: i64,
    /// Seconds an IP is banned (HTTP 418) for sending a request while a `Retry-After` it got still runs.
    pub ban_secs: u64,
    /// `[sim-venue.exchange]`: the matching core (fees, starting balances).
    pub exchange: crate::sim::exchange::ExchangeConfig,
    /// Fault injection (all off by default).
    pub faults: FaultConfig,
}

impl Default for SimVenueConfig {
    fn default() -> Self {
        Self {
            kline_history: 1000,
            history_interval: Timeframe::M1,
            history_rate: 20.0,
            depth_levels: 100,
            recent_trades: 1000,
            ws_send_buffer: 65_536,
            hub_buffer_batches: 4096,
            max_batch: 1024,
            ping_interval_secs: 20.0,
            pong_timeout_secs: 60.0,
            max_connection_secs: 86_400.0,
            max_streams_per_connection: 1024,
            weight_limit_1m: 6000,
            order_limit_10s: 50,
            order_limit_1d: 160_000,
            max_recv_window_ms: 60_000,
            ban_secs: 120,
            exchange: crate::sim::exchange::ExchangeConfig::default(),
            faults: FaultConfig::default(),
        }
    }
}

impl SimVenueConfig {
    /// Checks every field; the error starts with the key (`sim-venue.depth-levels: ...`).
    pub fn validate(&self) -> Result<(), String> {
        let k = |key: &str, msg: &str| Err(format!("sim-venue.{key}: {msg}"));
        if self.kline_history > 100_000 {
            return k("kline-history", "at most 100000");
        }
        if self.history_interval == Timeframe::Mo1 {
            return k("history-interval", "1M is not supported for the backfill");
        }
        if !(self.history_rate.is_finite() && (0.001..=100_000.0).contains(&self.history_rate)) {
            return k("history-rate", "must be within [0.001, 100000]");
        }
        if !(1..=5000).contains(&self.depth_levels) {
            return k("depth-levels", "must be within [1, 5000]");
        }
        if !(1..=100_000).contains(&self.recent_trades) {
            return k("recent-trades", "must be within [1, 100000]");
        }
        if self.ws_send_buffer == 0 {
            return k("ws-send-buffer", "must be at least 1");
        }
        if !(2..=1_000_000).contains(&self.hub_buffer_batches) {
            return k("hub-buffer-batches", "must be within [2, 1000000]");
        }
        if !(1..=1_000_000).contains(&self.max_batch) {
            return k("max-batch", "must be within [1, 1000000]");
        }
        if !(self.ping_interval_secs.is_finite() && self.ping_interval_secs >= 0.01) {
            return k("ping-interval-secs", "must be at least 0.01");
        }
        for (key, v) in
            [("pong-timeout-secs", self.pong_timeout_secs), ("max-connection-secs", self.max_connection_secs)]
        {
            if !(v.is_finite() && v >= 0.0) {
                return k(key, "must be 0 or positive");
            }
        }
        if self.max_streams_per_connection == 0 {
            return k("max-streams-per-connection", "must be at least 1");
        }
        if self.weight_limit_1m == 0 {
            return k("weight-limit-1m", "must be at least 1");
        }
        if self.order_limit_10s == 0 || self.order_limit_1d == 0 {
            return k("order-limit-10s", "the order limits must be at least 1");
        }
        if !(1..=86_400_000).contains(&self.max_recv_window_ms) {
            return k("max-recv-window-ms", "must be within [1, 86400000]");
        }
        if !(1..=259_200).contains(&self.ban_secs) {
            return k("ban-secs", "must be within [1, 259200] (3 days)");
        }
        self.exchange.validate()?;
        self.faults.validate()
    }
}

/// `[sim-venue.faults]`: deliberate misbehaviour for tests and demos.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct FaultConfig {
    /// Every N seconds every WebSocket connection is cut without a close frame (0 = off).
    pub drop_every_secs: f64,
    /// Every N seconds all connections stall: nothing is sent, the sockets stay open (0 = off).
    pub stall_every_secs: f64,
    /// How long a stall lasts, in seconds; the frames of that time are lost.
    pub stall_secs: f64,
    /// Every Nth frame to a connection is preceded by a malformed (truncated) frame (0 = off).
    pub malformed_every_n: u64,
    /// Every Nth trade is sent twice (`trade` and `aggTrade`, same ids) (0 = off).
    pub duplicate_every_n: u64,
    /// Every Nth trade is not sent (a gap in trade ids; candles still count it) (0 = off).
    pub skip_every_n: u64,
    /// Every Nth depth diff of each depth stream speed is not sent (a break
    /// in the update-id chain; the client must fetch a new snapshot) (0 = off).
    pub depth_skip_every_n: u64,
    /// Every Nth frame to a connection is held back and sent after the next one (0 = off).
    pub reorder_every_n: u64,
    /// Every Nth REST request answers 429 with `Retry-After` (0 = off).
    pub rest_429_every_n: u64,
    /// The `Retry-After` seconds of those 429s.
    pub retry_after_secs: u64,
    /// Every Nth REST request answers 500 (0 = off).
    pub rest_500_every_n: u64,
    /// Every REST answer is delayed this many milliseconds (0 = off).
    pub rest_delay_ms: u64,
    /// New orders are executed, then their answer is delayed this many milliseconds (0 = off).
    pub order_delay_ms: u64,
    /// The venue's clock (timestamp checks, `serverTime`) runs this far ahead (or behind, negative).
    pub clock_skew_ms: i64,
    /// Every Nth signed request answers 429 -1003 with `Retry-After: 1` (0 = off).
    pub order_429_every_n: u64,
    /// Every N seconds every WebSocket API connection is cut without a close frame (0 = off).
    pub user_stream_drop_every_secs: f64,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            drop_every_secs: 0.0,
            stall_every_secs: 0.0,
            stall_secs: 5.0,
            malformed_every_n: 0,
            duplicate_every_n: 0,
            skip_every_n: 0,
            depth_skip_every_n: 0,
            reorder_every_n: 0,
            rest_429_every_n: 0,
            retry_after_secs: 1,
            rest_500_every_n: 0,
            rest_delay_ms: 0,
            order_delay_ms: 0,
            clock_skew_ms: 0,
            order_429_every_n: 0,
            user_stream_drop_every_secs: 0.0,
        }
    }
}

impl FaultConfig {
    pub fn validate(&self) -> Result<(), String> {
        for (key, v) in [
            ("drop-every-secs", self.drop_every_secs),
            ("stall-every-secs", self.stall_every_secs),
            ("stall-secs", self.stall_secs),
            ("user-stream-drop-every-secs", self.user_stream_drop_every_secs),
        ] {
            if !(v.is_finite() && (0.0..=1e9).contains(&v)) {
                return Err(format!("sim-venue.faults.{key}: must be within [0, 1e9]"));
            }
            if v > 0.0 && v < 0.01 {
                return Err(format!("sim-venue.faults.{key}: must be 0 (off) or at least 0.01"));
            }
        }
        if self.stall_every_secs > 0.0 && self.stall_secs <= 0.0 {
            return Err("sim-venue.faults.stall-secs: must be positive when stall-every-secs is on".into());
        }
        if self.rest_delay_ms > 600_000 {
            return Err("sim-venue.faults.rest-delay-ms: at most 600000".into());
        }
        if self.order_delay_ms > 600_000 {
            return Err("sim-venue.faults.order-delay-ms: at most 600000".into());
        }
        if self.clock_skew_ms.abs() > 86_400_000 {
            return Err("sim-venue.faults.clock-skew-ms: within a day either way".into());
        }
        Ok(())
    }

    /// True when any fault is on.
    pub fn any(&self) -> bool {
        *self != Self { stall_secs: self.stall_secs, retry_after_secs: self.retry_after_secs, ..Self::default() }
    }
}

/// Fault-injection flags of `tickdesk sim-exchange`; each overrides its `[sim-venue.faults]` key.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FaultArgs {
    /// Cut every WebSocket connection every N seconds (no close frame).
    #[arg(long, value_name = "SECS")]
    pub drop_every_secs: Option<f64>,
    /// Stall all connections every N seconds (nothing sent, socket kept).
    #[arg(long, value_name = "SECS")]
    pub stall_every_secs: Option<f64>,
    /// Length of each stall in seconds.
    #[arg(long, value_name = "SECS")]
    pub stall_secs: Option<f64>,
    /// Precede every Nth frame to a connection with a malformed frame.
    #[arg(long, value_name = "N")]
    pub malformed_every_n: Option<u64>,
    /// Send every Nth trade twice (duplicate trade ids).
    #[arg(long, value_name = "N")]
    pub duplicate_every_n: Option<u64>,
    /// Leave out every Nth trade (a gap in trade ids).
    #[arg(long, value_name = "N")]
    pub skip_every_n: Option<u64>,
    /// Leave out every Nth depth diff (a break in the update-id chain).
    #[arg(long, value_name = "N")]
    pub depth_skip_every_n: Option<u64>,
    /// Send every Nth frame to a connection after the one that follows it.
    #[arg(long, value_name = "N")]
    pub reorder_every_n: Option<u64>,
    /// Answer every Nth REST request with 429 and Retry-After.
    #[arg(long = "rest-429-every-n", value_name = "N")]
    pub rest_429_every_n: Option<u64>,
    /// Retry-After seconds of the injected 429s.
    #[arg(long, value_name = "SECS")]
    pub retry_after_secs: Option<u64>,
    /// Answer every Nth REST request with 500.
    #[arg(long = "rest-500-every-n", value_name = "N")]
    pub rest_500_every_n: Option<u64>,
    /// Delay every REST answer by this many milliseconds.
    #[arg(long, value_name = "MS")]
    pub rest_delay_ms: Option<u64>,
    /// Execute every new order, then delay its answer by this many milliseconds.
    #[arg(long, value_name = "MS")]
    pub order_delay_ms: Option<u64>,
    /// Run the venue's clock this many milliseconds ahead (negative: behind).
    #[arg(long, value_name = "MS", allow_hyphen_values = true)]
    pub clock_skew_ms: Option<i64>,
    /// Answer every Nth signed request with 429 and Retry-After: 1.
    #[arg(long = "order-429-every-n", value_name = "N")]
    pub order_429_every_n: Option<u64>,
    /// Cut every WebSocket API connection every N seconds (no close frame).
    #[arg(long, value_name = "SECS")]
    pub user_stream_drop_every_secs: Option<f64>,
}

impl FaultArgs {
    /// Writes the flags that were given over `f`.
    pub fn apply(&self, f: &mut FaultConfig) {
        fn set<T: Copy>(dst: &mut T, v: Option<T>) {
            if let Some(v) = v {
                *dst = v;
            }
        }
        set(&mut f.drop_every_secs, self.drop_every_secs);
        set(&mut f.stall_every_secs, self.stall_every_secs);
        set(&mut f.stall_secs, self.stall_secs);
        set(&mut f.malformed_every_n, self.malformed_every_n);
        set(&mut f.duplicate_every_n, self.duplicate_every_n);
        set(&mut f.skip_every_n, self.skip_every_n);
        set(&mut f.depth_skip_every_n, self.depth_skip_every_n);
        set(&mut f.reorder_every_n, self.reorder_every_n);
        set(&mut f.rest_429_every_n, self.rest_429_every_n);
        set(&mut f.retry_after_secs, self.retry_after_secs);
        set(&mut f.rest_500_every_n, self.rest_500_every_n);
        set(&mut f.rest_delay_ms, self.rest_delay_ms);
        set(&mut f.order_delay_ms, self.order_delay_ms);
        set(&mut f.clock_skew_ms, self.clock_skew_ms);
        set(&mut f.order_429_every_n, self.order_429_every_n);
        set(&mut f.user_stream_drop_every_secs, self.user_stream_drop_every_secs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_faults_are_off() {
        let c = SimVenueConfig::default();
        c.validate().unwrap();
        assert!(!c.faults.any());
    }

    #[test]
    fn flags_override_single_keys_and_errors_name_the_key() {
        let mut f = FaultConfig::default();
        FaultArgs { skip_every_n: Some(7), rest_delay_ms: Some(5), ..FaultArgs::default() }.apply(&mut f);
        assert_eq!((f.skip_every_n, f.rest_delay_ms, f.duplicate_every_n), (7, 5, 0));
        assert!(f.any());
        let bad = SimVenueConfig { depth_levels: 0, ..SimVenueConfig::default() };
        assert!(bad.validate().unwrap_err().starts_with("sim-venue.depth-levels:"));
        let bad = FaultConfig { drop_every_secs: f64::NAN, ..FaultConfig::default() };
        assert!(bad.validate().unwrap_err().starts_with("sim-venue.faults.drop-every-secs:"));
    }

    #[test]
    fn toml_keys_are_kebab_case() {
        let c: SimVenueConfig =
            toml::from_str("kline-history = 5\n[faults]\nrest-429-every-n = 3\n").expect("valid toml");
        assert_eq!((c.kline_history, c.faults.rest_429_every_n), (5, 3));
        assert!(toml::from_str::<SimVenueConfig>("nope = 1").is_err());
    }
}
