//! What a feed connection reports about itself: plain data, so the engine
//! snapshot can carry it without depending on the network code that fills it
//! (`feed::connection`).

use serde::Serialize;
use std::collections::BTreeMap;

/// Where the connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ConnState {
    #[default]
    Connecting,
    Connected,
    /// Waiting before the next attempt.
    Backoff,
    /// No frame for `stale_after_ms`; about to reconnect.
    Stale,
    /// Shut down; the task has ended.
    Closed,
}

/// A copy of the statistics at one moment (for snapshots and the summary).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ConnStatsSnapshot {
    pub conn_id: u32,
    pub state: ConnState,
    /// Text and binary frames received (over all connections of this task).
    pub messages: u64,
    /// Their payload bytes.
    pub bytes: u64,
    /// Exponentially weighted over about one second.
    pub messages_per_sec: f64,
    pub bytes_per_sec: f64,
    /// Connections opened after the first (planned ones included).
    pub reconnects: u64,
    /// Of those, the planned ones before the 24 h limit.
    pub planned_reconnects: u64,
    /// Attempts that failed to connect (refused, timed out, handshake error).
    pub connect_failures: u64,
    /// Times the watchdog found the feed silent.
    pub stale_events: u64,
    /// `serverShutdown` events received.
    pub server_shutdowns: u64,
    /// Milliseconds since the last frame; `None` before the first.
    pub last_frame_age_ms: Option<u64>,
    /// SUBSCRIBE / UNSUBSCRIBE / LIST requests refused, timed out or lost.
    pub subscribe_errors: u64,
    /// Close frames from the server, by close code.
    pub close_codes: BTreeMap<u16, u64>,
    /// Messages over `max_frame_bytes`.
    pub oversize_frames: u64,
    /// Pings from the server (each answered with a pong).
    pub pings: u64,
    /// The last backoff delay drawn, in ms.
    pub last_backoff_ms: Option<u64>,
    /// Why the last connection ended.
    pub last_disconnect: Option<String>,
    /// The tracked streams, resubscribed after every reconnect.
    pub streams: Vec<String>,
}
