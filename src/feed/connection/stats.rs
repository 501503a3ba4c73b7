//! Per-connection statistics, written by the connection task and read by
//! anyone at any time without making the task wait.
//!
//! The per-frame counters are plain atomic stores by the one writer; the
//! rare things (close codes, the stream list, the last disconnect) sit
//! behind a mutex that is only taken on those rare events and by readers.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

pub use crate::domain::feed_status::{ConnState, ConnStatsSnapshot};

impl ConnState {
    fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::Connecting,
            1 => Self::Connected,
            2 => Self::Backoff,
            3 => Self::Stale,
            _ => Self::Closed,
        }
    }

    fn as_u8(self) -> u8 {
        match self {
            Self::Connecting => 0,
            Self::Connected => 1,
            Self::Backoff => 2,
            Self::Stale => 3,
            Self::Closed => 4,
        }
    }
}

#[derive(Debug, Default)]
struct Rare {
    close_codes: BTreeMap<u16, u64>,
    streams: Vec<String>,
    last_disconnect: Option<String>,
}

/// The shared half: atomics plus the rare part.
#[derive(Debug)]
pub(crate) struct SharedStats {
    conn_id: u32,
    state: AtomicU8,
    messages: AtomicU64,
    bytes: AtomicU64,
    msg_rate: AtomicU64,
    byte_rate: AtomicU64,
    reconnects: AtomicU64,
    planned_reconnects: AtomicU64,
    connect_failures: AtomicU64,
    stale_events: AtomicU64,
    server_shutdowns: AtomicU64,
    /// `telemetry::mono_ns` of the last frame, 0 before the first.
    last_frame_mono: AtomicU64,
    subscribe_errors: AtomicU64,
    oversize_frames: AtomicU64,
    pings: AtomicU64,
    /// ms + 1, 0 = none.
    last_backoff: AtomicU64,
    rare: Mutex<Rare>,
}

/// The counters the task bumps.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Counter {
    Reconnects,
    PlannedReconnects,
    ConnectFailures,
    StaleEvents,
    ServerShutdowns,
    SubscribeErrors,
    OversizeFrames,
    Pings,
}

impl SharedStats {
    pub(crate) fn new(conn_id: u32, streams: Vec<String>) -> Self {
        Self {
            conn_id,
            state: AtomicU8::new(ConnState::Connecting.as_u8()),
            messages: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            msg_rate: AtomicU64::new(0),
            byte_rate: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            planned_reconnects: AtomicU64::new(0),
            connect_failures: AtomicU64::new(0),
            stale_events: AtomicU64::new(0),
            server_shutdowns: AtomicU64::new(0),
            last_frame_mono: AtomicU64::new(0),
            subscribe_errors: AtomicU64::new(0),
            oversize_frames: AtomicU64::new(0),
            pings: AtomicU64::new(0),
            last_backoff: AtomicU64::new(0),
            rare: Mutex::new(Rare { streams, ..Rare::default() }),
        }
    }

    fn counter(&self, c: Counter) -> &AtomicU64 {
        match c {
            Counter::Reconnects => &self.reconnects,
            Counter::PlannedReconnects => &self.planned_reconnects,
            Counter::ConnectFailures => &self.connect_failures,
            Counter::StaleEvents => &self.stale_events,
            Counter::ServerShutdowns => &self.server_shutdowns,
            Counter::SubscribeErrors => &self.subscribe_errors,
            Counter::OversizeFrames => &self.oversize_frames,
            Counter::Pings => &self.pings,
        }
    }

    pub(crate) fn bump(&self, c: Counter) {
        self.counter(c).fetch_add(1, Relaxed);
    }

    pub(crate) fn set_state(&self, s: ConnState) {
        self.state.store(s.as_u8(), Relaxed);
    }

    pub(crate) fn state(&self) -> ConnState {
        ConnState::from_u8(self.state.load(Relaxed))
    }

    /// Per frame: the task keeps the totals and publishes them (one writer,
    /// so stores suffice).
    #[inline]
    pub(crate) fn publish_frame(&self, messages: u64, bytes: u64, mono_ns: u64) {
        self.messages.store(messages, Relaxed);
        self.bytes.store(bytes, Relaxed);
        self.last_frame_mono.store(mono_ns.max(1), Relaxed);
    }

    pub(crate) fn publish_rates(&self, msgs: f64, bytes: f64) {
        self.msg_rate.store(msgs.to_bits(), Relaxed);
        self.byte_rate.store(bytes.to_bits(), Relaxed);
    }

    pub(crate) fn set_backoff(&self, d: Duration) {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX - 1);
        self.last_backoff.store(ms + 1, Relaxed);
    }

    fn rare(&self) -> std::sync::MutexGuard<'_, Rare> {
        // A panic while holding this lock cannot leave the plain data inconsistent.
        self.rare.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn record_close(&self, code: u16) {
        *self.rare().close_codes.entry(code).or_insert(0) += 1;
    }

    pub(crate) fn set_streams(&self, streams: &[String]) {
        let mut r = self.rare();
        r.streams.clear();
        r.streams.extend_from_slice(streams);
    }

    pub(crate) fn set_last_disconnect(&self, why: String) {
        self.rare().last_disconnect = Some(why);
    }

    pub(crate) fn snapshot(&self, now_mono_ns: u64) -> ConnStatsSnapshot {
        let last = self.last_frame_mono.load(Relaxed);
        let backoff = self.last_backoff.load(Relaxed);
        let rare = self.rare();
        ConnStatsSnapshot {
            conn_id: self.conn_id,
            state: self.state(),
            messages: self.messages.load(Relaxed),
            bytes: self.bytes.load(Relaxed),
            messages_per_sec: f64::from_bits(self.msg_rate.load(Relaxed)),
            bytes_per_sec: f64::from_bits(self.byte_rate.load(Relaxed)),
            reconnects: self.reconnects.load(Relaxed),
            planned_reconnects: self.planned_reconnects.load(Relaxed),
            connect_failures: self.connect_failures.load(Relaxed),
            stale_events: self.stale_events.load(Relaxed),
            server_shutdowns: self.server_shutdowns.load(Relaxed),
            last_frame_age_ms: (last > 0).then(|| now_mono_ns.saturating_sub(last) / 1_000_000),
            subscribe_errors: self.subscribe_errors.load(Relaxed),
            close_codes: rare.close_codes.clone(),
            oversize_frames: self.oversize_frames.load(Relaxed),
            pings: self.pings.load(Relaxed),
            last_backoff_ms: (backoff > 0).then(|| backoff - 1),
            last_disconnect: rare.last_disconnect.clone(),
            streams: rare.streams.clone(),
        }
    }
}

/// Messages/s and bytes/s, exponentially weighted with a one-second time
/// constant, fed with the running totals at each timer tick.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rates {
    last: Option<(Duration, u64, u64)>,
    msgs: f64,
    bytes: f64,
}

impl Rates {
    const TAU_SECS: f64 = 1.0;

    /// `at` is any monotonic time; returns (messages/s, bytes/s).
    pub(crate) fn update(&mut self, at: Duration, messages: u64, bytes: u64) -> (f64, f64) {
        if let Some((t0, m0, b0)) = self.last {
            let dt = at.saturating_sub(t0).as_secs_f64();
            if dt > 0.0 {
                let alpha = 1.0 - (-dt / Self::TAU_SECS).exp();
                self.msgs += alpha * (messages.saturating_sub(m0) as f64 / dt - self.msgs);
                self.bytes += alpha * (bytes.saturating_sub(b0) as f64 / dt - self.bytes);
            }
        }
        self.last = Some((at, messages, bytes));
        (self.msgs, self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_converge_to_a_steady_flow() {
        let mut r = Rates::default();
        let step = Duration::from_millis(100);
        let mut t = Duration::ZERO;
        let (mut m, mut b) = (0u64, 0u64);
        let mut last = (0.0, 0.0);
        for _ in 0..100 {
            last = r.update(t, m, b);
            t += step;
            m += 1_000; // 10,000 messages/s
            b += 100_000; // 1 MB/s
        }
        assert!((last.0 - 10_000.0).abs() < 1.0, "{last:?}");
        assert!((last.1 - 1_000_000.0).abs() < 100.0, "{last:?}");
        // Silence decays the rate.
        for _ in 0..50 {
            last = r.update(t, m, b);
            t += step;
        }
        assert!(last.0 < 100.0, "{last:?}");
    }

    #[test]
    fn snapshot_reads_everything() {
        let s = SharedStats::new(7, vec!["btcusdt@trade".into()]);
        s.publish_frame(3, 300, 1_000_000);
        s.bump(Counter::Reconnects);
        s.record_close(1011);
        s.record_close(1011);
        s.set_backoff(Duration::from_millis(250));
        s.set_state(ConnState::Backoff);
        let snap = s.snapshot(11_000_000);
        assert_eq!((snap.conn_id, snap.messages, snap.bytes, snap.reconnects), (7, 3, 300, 1));
        assert_eq!(snap.last_frame_age_ms, Some(10));
        assert_eq!(snap.close_codes.get(&1011), Some(&2));
        assert_eq!(snap.last_backoff_ms, Some(250));
        assert_eq!(snap.state, ConnState::Backoff);
        let v = serde_json::to_value(&snap).unwrap();
        assert_eq!(v["state"], "backoff");
        assert_eq!(v["close_codes"]["1011"], 2);
        assert_eq!(v["streams"][0], "btcusdt@trade");
    }
}
