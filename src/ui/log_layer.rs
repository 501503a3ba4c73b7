//! An in-memory `tracing` layer for the log pane.
//!
//! While the UI runs nothing may be written to the terminal, so logs go to
//! the rolling file and, through this layer, into a bounded ring the log pane
//! reads. Pushing never blocks the logging thread: a full channel counts the
//! line as dropped.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// One formatted log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Wall time, ms since the epoch.
    pub time_ms: i64,
    pub level: tracing::Level,
    pub target: String,
    /// The message followed by its fields (`key=value`).
    pub message: String,
}

/// Lines kept by the ring unless told otherwise.
pub const RING_LINES: usize = 500;
/// Lines that may wait in the channel between two UI frames.
pub const CHANNEL_LINES: usize = 1024;

/// The writing half: a `tracing` layer that formats events and `try_send`s them.
#[derive(Debug, Clone)]
pub struct MemoryLayer {
    tx: SyncSender<LogLine>,
    dropped: Arc<AtomicU64>,
}

/// The reading half, owned by the UI thread: the last lines, oldest first.
#[derive(Debug)]
pub struct LogRing {
    rx: Receiver<LogLine>,
    ring: VecDeque<LogLine>,
    capacity: usize,
    dropped: Arc<AtomicU64>,
}

/// A layer and its ring: `channel` lines may wait unread, `lines` are kept.
pub fn memory(channel: usize, lines: usize) -> (MemoryLayer, LogRing) {
    let (tx, rx) = sync_channel(channel.max(1));
    let dropped = Arc::new(AtomicU64::new(0));
    let capacity = lines.max(1);
    (
        MemoryLayer { tx, dropped: dropped.clone() },
        LogRing { rx, ring: VecDeque::with_capacity(capacity), capacity, dropped },
    )
}

impl<S: Subscriber> Layer<S> for MemoryLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut v = LineVisitor::default();
        event.record(&mut v);
        let line = LogLine {
            time_ms: wall_ms(),
            level: *meta.level(),
            target: meta.target().to_string(),
            message: v.finish(),
        };
        match self.tx.try_send(line) {
            Ok(()) => {}
            // A disconnected ring (UI gone) is not a drop worth counting, but it is harmless too.
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl LogRing {
    /// Moves waiting lines into the ring, evicting the oldest beyond capacity.
    pub fn drain(&mut self) {
        while let Ok(line) = self.rx.try_recv() {
            if self.ring.len() == self.capacity {
                self.ring.pop_front();
            }
            self.ring.push_back(line);
        }
    }

    /// The kept lines, oldest first (drain first to see new ones).
    pub fn lines(&mut self) -> &[LogLine] {
        self.ring.make_contiguous()
    }

    /// Lines lost because the channel was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Collects the message and `key=value` fields of one event.
#[derive(Default)]
struct LineVisitor {
    message: String,
    fields: String,
}

impl LineVisitor {
    fn finish(mut self) -> String {
        if !self.fields.is_empty() {
            if !self.message.is_empty() {
                self.message.push(' ');
            }
            self.message.push_str(&self.fields);
        }
        self.message
    }
    fn sep(&mut self) {
        if !self.fields.is_empty() {
            self.fields.push(' ');
        }
    }
}

impl Visit for LineVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.sep();
            let _ = write!(self.fields, "{}={value}", field.name());
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            self.sep();
            let _ = write!(self.fields, "{}={value:?}", field.name());
        }
    }
}

fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::prelude::*;

    #[test]
    fn events_arrive_with_level_target_and_fields() {
        let (layer, mut ring) = memory(16, 4);
        let sub = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(sub, || {
            tracing::warn!(target: "tickdesk::feed", symbol = "BTCUSDT", n = 3, "feed stale");
            tracing::info!(symbol = %"ETHUSDT", "risk rejected order: too big");
        });
        ring.drain();
        let lines = ring.lines();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].level, tracing::Level::WARN);
        assert_eq!(lines[0].target, "tickdesk::feed");
        assert_eq!(lines[0].message, "feed stale symbol=BTCUSDT n=3");
        assert_eq!(lines[1].message, "risk rejected order: too big symbol=ETHUSDT");
        assert!(lines[1].target.contains("log_layer"));
        assert!(lines[0].time_ms > 0);
        assert_eq!(ring.dropped(), 0);
    }

    #[test]
    fn a_full_channel_counts_drops_without_blocking() {
        let (layer, mut ring) = memory(2, 10);
        let sub = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(sub, || {
            for i in 0..5 {
                tracing::info!(i, "line");
            }
        });
        assert_eq!(ring.dropped(), 3);
        ring.drain();
        assert_eq!(ring.lines().len(), 2);
        assert_eq!(ring.lines()[1].message, "line i=1");
    }

    #[test]
    fn the_ring_keeps_the_newest_lines() {
        let (layer, mut ring) = memory(16, 3);
        let sub = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(sub, || {
            for i in 0..5 {
                tracing::info!("n{i}");
            }
        });
        ring.drain();
        let msgs: Vec<_> = ring.lines().iter().map(|l| l.message.as_str()).collect();
        assert_eq!(msgs, ["n2", "n3", "n4"]);
    }
}
