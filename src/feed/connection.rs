//! The WebSocket market-data connection: one combined-stream connection per
//! venue that survives the faults of real networks.
//!
//! [`spawn_connection`] starts a tokio task that connects to
//! `<base>/stream?streams=a/b/c`, stamps every frame on arrival and hands it
//! to a [`FrameSink`] (which decodes and `try_send`s: the task never waits
//! on the engine). The task answers pings, reconnects with exponential
//! backoff and full jitter when the connection drops, closes, goes silent
//! ([`watchdog`]), sends an oversized frame or announces `serverShutdown`,
//! and resubscribes the tracked set through the new URL. Before the venue's
//! 24-hour limit it reconnects on purpose, opening the new connection before
//! dropping the old one, so no trade is missed (the overlap's duplicates are
//! dropped by [`crate::feed::sequence`]).
//!
//! Streams are added and removed at run time through the
//! [`ConnectionHandle`] (JSON `SUBSCRIBE` / `UNSUBSCRIBE`, ids checked).
//! Statistics are shared through atomics ([`ConnStatsSnapshot`]).

pub mod backoff;
pub mod config;
pub mod control;
pub mod pending;
pub mod stats;
pub mod streams;
mod task;
pub mod watchdog;

pub use backoff::{Backoff, BackoffPolicy};
pub use config::WsConfig;
pub use stats::{ConnState, ConnStatsSnapshot};

use pending::{Answer, ReplyTx};
use stats::SharedStats;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// When and where a frame arrived, taken as it came off the socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvStamp {
    pub conn_id: u32,
    /// [`crate::telemetry::mono_ns`]: for latency.
    pub mono_ns: u64,
    /// [`crate::telemetry::wall_ns`]: for exchange-to-receive latency.
    pub wall_ns: i64,
}

/// Where the frames go. Called on the connection task: it must not block
/// (decode, `try_send`, count what does not fit).
pub trait FrameSink: Send + 'static {
    /// Every text or binary frame, replies and garbage included, in order.
    fn on_frame(&mut self, frame: &[u8], stamp: RecvStamp);

    /// Changes of the connection (mark symbols STALE on `Disconnected` / `Stale`).
    fn on_status(&mut self, _status: ConnStatus) {}

    /// Called after a burst of frames, when no further frame is ready: a
    /// sink that batches hands its batch over here (one channel send per
    /// burst instead of one per frame, and nothing waits for a full batch).
    fn flush(&mut self) {}
}

/// A change of the connection, reported to the sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnStatus {
    /// Connected; `streams` (the tracked set) were subscribed through the URL.
    /// `reconnect` after the first connection, `planned` before the 24 h limit.
    Connected { streams: Vec<String>, reconnect: bool, planned: bool },
    /// No frame for `silent_ms`: the feed is stale; a reconnect follows.
    Stale { silent_ms: u64 },
    /// The connection ended, or an attempt failed.
    Disconnected { reason: DisconnectReason },
    /// The next attempt, after `delay` (the backoff drawn).
    Reconnecting { attempt: u32, delay: Duration },
    /// The server confirmed these streams.
    Subscribed { streams: Vec<String> },
    /// The server confirmed these are gone.
    Unsubscribed { streams: Vec<String> },
    /// Shut down for good.
    Closed,
}

/// Why a connection ended or could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisconnectReason {
    #[error("connect failed: {0}")]
    ConnectFailed(String),
    #[error("connect timed out after {ms} ms")]
    ConnectTimeout { ms: u64 },
    #[error("the server closed the socket")]
    Eof,
    #[error("close frame from the server: code {code}, reason {reason:?}")]
    Closed { code: u16, reason: String },
    #[error("serverShutdown event")]
    ServerShutdown,
    #[error("no frame for {silent_ms} ms")]
    Stale { silent_ms: u64 },
    #[error("message of {size} bytes over the limit of {max}")]
    Oversize { size: usize, max: usize },
    #[error("socket error: {0}")]
    Error(String),
}

/// Commands the handle sends to the task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedCommand {
    Subscribe(Vec<String>),
    Unsubscribe(Vec<String>),
    ListSubscriptions,
    Shutdown,
}

/// Why a command failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    #[error("invalid stream name {name:?}: {why}")]
    InvalidStream { name: String, why: String },
    #[error("{method} {streams:?} (id {id}) refused by the server: code {code}: {msg}")]
    Refused { method: &'static str, streams: Vec<String>, id: u64, code: i64, msg: String },
    #[error("{method} {streams:?}: no reply within {timeout_ms} ms")]
    Timeout { method: &'static str, streams: Vec<String>, timeout_ms: u64 },
    #[error("{method} (id {id}): unexpected reply: {detail}")]
    BadReply { method: &'static str, id: u64, detail: String },
    #[error("the connection task has stopped")]
    Closed,
}

#[derive(Debug)]
struct Envelope {
    cmd: FeedCommand,
    reply: Option<ReplyTx>,
}

/// Controls one running connection task.
#[derive(Debug)]
pub struct ConnectionHandle {
    conn_id: u32,
    cmds: mpsc::Sender<Envelope>,
    stats: Arc<SharedStats>,
    join: JoinHandle<()>,
}

/// Starts the connection task (call inside a tokio runtime). `base_url` is
/// a scheme, host and port (`ws://127.0.0.1:PORT`,
/// `wss://stream.binance.com:9443`); `/stream?streams=..` is added here.
/// Invalid stream names are logged, counted as subscribe errors and left out.
pub fn spawn_connection<S: FrameSink>(
    conn_id: u32,
    base_url: String,
    streams: Vec<String>,
    cfg: WsConfig,
    sink: S,
) -> ConnectionHandle {
    // TLS for wss:// (a second install fails harmlessly).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut valid = Vec::with_capacity(streams.len());
    let mut invalid = 0;
    for s in &streams {
        match streams::normalize(s) {
            Ok(n) if !valid.contains(&n) => valid.push(n),
            Ok(_) => {}
            Err(e) => {
                tracing::error!(conn_id, "{e}; left out");
                invalid += 1;
            }
        }
    }
    let stats = Arc::new(SharedStats::new(conn_id, valid.clone()));
    for _ in 0..invalid {
        stats.bump(stats::Counter::SubscribeErrors);
    }
    let (tx, rx) = mpsc::channel(64);
    let task = task::Task::new(conn_id, base_url, valid, cfg, sink, Arc::clone(&stats), rx);
    let join = tokio::spawn(task.run());
    ConnectionHandle { conn_id, cmds: tx, stats, join }
}

impl ConnectionHandle {
    pub fn conn_id(&self) -> u32 {
        self.conn_id
    }

    /// Adds streams; `Ok` once the server confirmed them (answered by id).
    /// While disconnected the request waits for the next connection, within
    /// `subscribe_timeout_ms`.
    pub async fn subscribe(&self, streams: Vec<String>) -> Result<(), FeedError> {
        let streams = self.checked(&streams)?;
        self.request(FeedCommand::Subscribe(streams)).await.map(|_| ())
    }

    /// Removes streams; `Ok` once the server confirmed.
    pub async fn unsubscribe(&self, streams: Vec<String>) -> Result<(), FeedError> {
        let streams = self.checked(&streams)?;
        self.request(FeedCommand::Unsubscribe(streams)).await.map(|_| ())
    }

    /// What the server says this connection carries (`LIST_SUBSCRIPTIONS`).
    pub async fn list_subscriptions(&self) -> Result<Vec<String>, FeedError> {
        match self.request(FeedCommand::ListSubscriptions).await? {
            Answer::List(l) => Ok(l),
            Answer::Done => Ok(Vec::new()),
        }
    }

    /// The statistics now, without waiting for the task.
    pub fn stats(&self) -> ConnStatsSnapshot {
        self.stats.snapshot(crate::telemetry::mono_ns())
    }

    /// Whether the task has ended.
    pub fn is_finished(&self) -> bool {
        self.join.is_finished()
    }

    /// Closes the connection (a close frame, then the socket) and waits for the task.
    pub async fn shutdown(self) {
        let _ = self.cmds.send(Envelope { cmd: FeedCommand::Shutdown, reply: None }).await;
        if let Err(e) = self.join.await {
            tracing::error!(conn_id = self.conn_id, "connection task ended abnormally: {e}");
        }
    }

    fn checked(&self, streams: &[String]) -> Result<Vec<String>, FeedError> {
        streams::normalize_all(streams).inspect_err(|e| {
            self.stats.bump(stats::Counter::SubscribeErrors);
            tracing::warn!(conn_id = self.conn_id, "{e}");
        })
    }

    async fn request(&self, cmd: FeedCommand) -> Result<Answer, FeedError> {
        let (tx, rx) = oneshot::channel();
        self.cmds.send(Envelope { cmd, reply: Some(tx) }).await.map_err(|_| FeedError::Closed)?;
        rx.await.map_err(|_| FeedError::Closed)?
    }
}
