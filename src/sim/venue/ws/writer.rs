//! The only part of a connection that writes to its socket: market
//! frames (with the frame faults), replies, pings, and the goodbyes.

use super::connection::{Conn, Out};
use crate::sim::venue::stats::Counters;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

/// Items the writer takes from its queue before it flushes.
const DRAIN: usize = 256;
/// How long a goodbye (close frame, flush) may take.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// "No limit" for timers that are off.
const FOREVER: Duration = Duration::from_secs(86_400 * 365);

/// Why the writer woke up.
enum Wake {
    Stop(Interrupt),
    ReaderDone(String),
    StallChanged,
    Ping,
    Item(Option<Out>),
}

/// What ends a connection from the venue's side.
enum Interrupt {
    Shutdown,
    Dropped,
    Expired,
    /// A write did not finish within the pong timeout.
    Stuck,
}

/// Runs `f` unless the venue shuts down, drops connections, the
/// connection's lifetime ends, or `limit` passes first.
async fn guarded<T>(
    f: impl std::future::Future<Output = T>,
    shutdown: &mut watch::Receiver<bool>,
    drops: &mut watch::Receiver<u64>,
    expiry: std::pin::Pin<&mut tokio::time::Sleep>,
    limit: Option<Duration>,
) -> Result<T, Interrupt> {
    tokio::select! {
        biased;
        _ = shutdown.changed() => Err(Interrupt::Shutdown),
        _ = drops.changed() => Err(Interrupt::Dropped),
        _ = expiry => Err(Interrupt::Expired),
        _ = tokio::time::sleep(limit.unwrap_or(FOREVER)) => Err(Interrupt::Stuck),
        r = f => Ok(r),
    }
}

/// The only part that writes to the socket.
pub(super) struct Writer {
    sink: SplitSink<WebSocket, Message>,
    conn: Arc<Conn>,
    /// Data frames written (for the every-Nth faults).
    frames: u64,
    /// A frame held back by the reorder fault.
    held: Option<Bytes>,
    unanswered_ping: Option<Instant>,
}

impl Writer {
    pub(super) fn new(sink: SplitSink<WebSocket, Message>, conn: Arc<Conn>) -> Self {
        Self { sink, conn, frames: 0, held: None, unanswered_ping: None }
    }

    /// Writes until the connection ends; returns why it ended.
    pub(super) async fn run(
        mut self,
        mut rx: mpsc::UnboundedReceiver<Out>,
        mut done: oneshot::Receiver<String>,
    ) -> String {
        let sh = self.conn.sh.clone();
        let cfg = &sh.cfg;
        let mut shutdown = sh.shutdown.subscribe();
        let mut drops = sh.faults.drops.subscribe();
        let mut stalls = sh.faults.stalled.subscribe();
        let every = Duration::from_secs_f64(cfg.ping_interval_secs);
        let mut ping = tokio::time::interval_at(Instant::now() + every, every);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let lifetime = (cfg.max_connection_secs > 0.0).then(|| Duration::from_secs_f64(cfg.max_connection_secs));
        let expiry = tokio::time::sleep(lifetime.unwrap_or(FOREVER));
        tokio::pin!(expiry);
        // A write that cannot finish in this time means the client stopped reading.
        let stuck = (cfg.pong_timeout_secs > 0.0).then(|| Duration::from_secs_f64(cfg.pong_timeout_secs));
        if *shutdown.borrow_and_update() {
            return "the venue is shutting down".into();
        }
        loop {
            let stalled = *stalls.borrow_and_update();
            let wake = tokio::select! {
                biased;
                _ = shutdown.changed() => Wake::Stop(Interrupt::Shutdown),
                _ = drops.changed() => Wake::Stop(Interrupt::Dropped),
                r = &mut done => Wake::ReaderDone(r.unwrap_or_else(|_| "the reader ended".into())),
                _ = &mut expiry => Wake::Stop(Interrupt::Expired),
                _ = stalls.changed() => Wake::StallChanged,
                _ = ping.tick(), if !stalled => Wake::Ping,
                item = rx.recv(), if !stalled => Wake::Item(item),
            };
            let step = match wake {
                Wake::Stop(i) => return self.interrupted(i).await,
                Wake::ReaderDone(reason) => {
                    // Sends tungstenite's answer to a client's close frame.
                    let _ = tokio::time::timeout(CLOSE_TIMEOUT, self.sink.flush()).await;
                    return reason;
                }
                Wake::StallChanged => Ok(Ok(())),
                Wake::Ping => guarded(self.ping(), &mut shutdown, &mut drops, expiry.as_mut(), stuck).await,
                Wake::Item(None) => return "the queue closed".into(),
                Wake::Item(Some(item)) => {
                    guarded(self.write_all(item, &mut rx), &mut shutdown, &mut drops, expiry.as_mut(), stuck).await
                }
            };
            match step {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return e,
                Err(i) => return self.interrupted(i).await,
            }
        }
    }

    /// Ends the connection for `i`; returns why.
    async fn interrupted(&mut self, i: Interrupt) -> String {
        match i {
            Interrupt::Shutdown => {
                self.server_shutdown().await;
                "the venue shut down".into()
            }
            Interrupt::Dropped => {
                Counters::inc(&self.conn.sh.counters.faults.connections_dropped);
                tracing::debug!("sim venue fault: connection from {} dropped", self.conn.client.peer);
                "dropped (fault injection)".into()
            }
            Interrupt::Expired => {
                self.close(1000, "connection lifetime reached").await;
                "connection lifetime reached".into()
            }
            Interrupt::Stuck => {
                tracing::warn!("sim venue: {} stopped reading; connection dropped", self.conn.client.peer);
                "the client stopped reading".into()
            }
        }
    }

    /// Writes `first` and whatever else is queued (up to [`DRAIN`]), then flushes.
    async fn write_all(&mut self, first: Out, rx: &mut mpsc::UnboundedReceiver<Out>) -> Result<(), String> {
        let mut item = Some(first);
        let mut n = 0;
        while let Some(it) = item.take() {
            self.write(it).await.map_err(|e| format!("write error: {e}"))?;
            n += 1;
            if n < DRAIN {
                item = rx.try_recv().ok();
            }
        }
        self.sink.flush().await.map_err(|e| format!("write error: {e}"))
    }

    async fn write(&mut self, item: Out) -> Result<(), axum::Error> {
        match item {
            Out::Data(frames) => {
                let n = frames.len();
                let bytes: usize = frames.iter().map(Bytes::len).sum();
                for f in frames {
                    self.data(f).await?;
                }
                self.conn.queued.fetch_sub(n, Ordering::AcqRel);
                let c = &self.conn.sh.counters;
                Counters::add(&c.messages_sent, n as u64);
                Counters::add(&c.bytes_sent, bytes as u64);
                Counters::add(&self.conn.client.sent, n as u64);
                Ok(())
            }
            Out::Reply(text) => {
                self.conn.replies.fetch_sub(1, Ordering::AcqRel);
                self.sink.feed(Message::Text(text.into())).await
            }
            Out::Flush => Ok(()),
        }
    }

    /// One market frame, with the frame faults.
    async fn data(&mut self, frame: Bytes) -> Result<(), axum::Error> {
        let f = &self.conn.sh.cfg.faults;
        let counters = &self.conn.sh.counters.faults;
        self.frames += 1;
        let n = self.frames;
        if f.malformed_every_n > 0 && n % f.malformed_every_n == 0 {
            Counters::inc(&counters.malformed);
            tracing::debug!("sim venue fault: malformed frame to {}", self.conn.client.peer);
            self.sink.feed(text(truncated(&frame))).await?;
        }
        if f.reorder_every_n > 0 && n % f.reorder_every_n == 0 && self.held.is_none() {
            self.held = Some(frame);
            return Ok(());
        }
        self.sink.feed(text(frame)).await?;
        if let Some(h) = self.held.take() {
            Counters::inc(&counters.reordered);
            tracing::debug!("sim venue fault: frame to {} delivered out of order", self.conn.client.peer);
            self.sink.feed(text(h)).await?;
        }
        Ok(())
    }

    async fn ping(&mut self) -> Result<(), String> {
        if self.conn.pong_seen.swap(false, Ordering::Relaxed) {
            self.unanswered_ping = None;
        }
        let timeout = self.conn.sh.cfg.pong_timeout_secs;
        if let Some(since) = self.unanswered_ping {
            if timeout > 0.0 && since.elapsed() > Duration::from_secs_f64(timeout) {
                self.close(1008, "pong timeout").await;
                return Err("no pong in time".into());
            }
        }
        let payload = Bytes::from(crate::telemetry::wall_ns().div_euclid(1_000_000).to_string());
        self.sink.send(Message::Ping(payload)).await.map_err(|e| format!("write error: {e}"))?;
        self.unanswered_ping.get_or_insert_with(Instant::now);
        Ok(())
    }

    /// Binance's `serverShutdown` event, then a close frame.
    async fn server_shutdown(&mut self) {
        let ms = crate::telemetry::wall_ns().div_euclid(1_000_000);
        let event = format!(r#"{{"e":"serverShutdown","E":{ms}}}"#);
        let frame =
            if self.conn.subs().combined { format!(r#"{{"stream":"!serverShutdown","data":{event}}}"#) } else { event };
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, self.sink.feed(Message::Text(frame.into()))).await;
        self.close(1001, "server shutdown").await;
    }

    /// A close frame, unless the client does not even take that.
    async fn close(&mut self, code: u16, reason: &'static str) {
        let frame = Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) }));
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, self.sink.send(frame)).await;
    }
}

fn text(b: Bytes) -> Message {
    // Frames are ASCII JSON; a recording's invalid UTF-8 becomes U+FFFD.
    match Utf8Bytes::try_from(b.clone()) {
        Ok(t) => Message::Text(t),
        Err(_) => Message::Text(String::from_utf8_lossy(&b).into_owned().into()),
    }
}

/// The first half of a frame: invalid JSON that still is valid UTF-8.
fn truncated(frame: &Bytes) -> Bytes {
    let cut = frame.len() / 2;
    if frame[..cut].is_ascii() { frame.slice(..cut) } else { Bytes::from_static(br#"{"e":"#) }
}
