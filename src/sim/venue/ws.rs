//! WebSocket market streams: `/ws/<a>/<b>` (bare payloads), `/stream?streams=a/b`
//! (combined), and bare `/ws` or `/stream` filled by `SUBSCRIBE`.
//!
//! Each connection runs three parts, so that a slow client never slows the
//! hub or anyone else:
//!
//! ```text
//!  hub ──broadcast──▶ pump ──(bounded by ws-send-buffer, frames)──▶ writer ──▶ socket
//!                     filters by subscription;      feeds frames, flushes when idle,
//!                     a full buffer drops frames    pings, injects frame faults,
//!                     and counts them               stalls, drops, closes
//!          socket ──▶ reader: JSON methods → replies (through the writer), pongs
//! ```

use super::batch::Batch;
use super::methods::{self, Subscriptions};
use super::server::Shared;
use super::stats::{ClientCounters, Counters};
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::Instant;

/// Largest client message (method requests are tiny).
const MAX_CLIENT_MESSAGE: usize = 64 << 10;
/// Unanswered method requests a connection may have queued before it is closed.
const MAX_PENDING_REPLIES: usize = 1024;
/// Items the writer takes from its queue before it flushes.
const DRAIN: usize = 256;
/// How long a goodbye (close frame, flush) may take.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// "No limit" for timers that are off.
const FOREVER: Duration = Duration::from_secs(86_400 * 365);
/// A connection copies the frames it takes out of a batch when they are
/// less than this share of it, so a sparse subscriber does not keep whole
/// batches alive in its queue.
const SPARSE: usize = 8;

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

type Params = Query<HashMap<String, String>>;

/// `/ws`: raw frames, streams added by `SUBSCRIBE`.
pub async fn raw_bare(
    ws: WebSocketUpgrade,
    Query(q): Params,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(sh): State<Arc<Shared>>,
) -> Response {
    if let Some(r) = refuse_time_unit(&q) {
        return r;
    }
    upgrade(ws, peer, sh, Vec::new(), false, "/ws".into())
}

/// `/ws/<a>/<b>`: raw frames of those streams.
pub async fn raw_path(
    ws: WebSocketUpgrade,
    Path(streams): Path<String>,
    Query(q): Params,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(sh): State<Arc<Shared>>,
) -> Response {
    if let Some(r) = refuse_time_unit(&q) {
        return r;
    }
    let names = streams.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect();
    upgrade(ws, peer, sh, names, false, format!("/ws/{streams}"))
}

/// Times are milliseconds; asking for microseconds is refused rather than ignored.
fn refuse_time_unit(q: &HashMap<String, String>) -> Option<Response> {
    let u = q.get("timeUnit")?.to_ascii_uppercase();
    (u != "MILLISECOND").then(|| refuse(&format!("Invalid request: timeUnit {u} is not supported by the sim venue")))
}

/// `/stream?streams=a/b`: combined frames.
pub async fn combined(
    ws: WebSocketUpgrade,
    Query(q): Params,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(sh): State<Arc<Shared>>,
) -> Response {
    if let Some(r) = refuse_time_unit(&q) {
        return r;
    }
    let list = q.get("streams").cloned().unwrap_or_default();
    let names = list.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect();
    upgrade(ws, peer, sh, names, true, format!("/stream?streams={list}"))
}

fn upgrade(
    ws: WebSocketUpgrade,
    peer: SocketAddr,
    sh: Arc<Shared>,
    names: Vec<String>,
    combined: bool,
    path: String,
) -> Response {
    let mut subs = Subscriptions::new(combined);
    for n in &names {
        match sh.streams.resolve(n) {
            Ok(id) => {
                subs.add(id);
            }
            Err(e) => return refuse(&format!("Invalid request: {e}")),
        }
    }
    if subs.len() > sh.cfg.max_streams_per_connection {
        return refuse(&format!(
            "Invalid request: at most {} streams per connection",
            sh.cfg.max_streams_per_connection
        ));
    }
    ws.max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| run(socket, sh, peer, subs, path))
}

/// A connection refused before the upgrade: HTTP 400 with Binance's error shape.
fn refuse(msg: &str) -> Response {
    let body = format!(r#"{{"code":2,"msg":{}}}"#, serde_json::Value::String(msg.to_string()));
    (StatusCode::BAD_REQUEST, [("content-type", "application/json;charset=UTF-8")], body).into_response()
}

/// What the writer sends.
enum Out {
    /// Market frames, counted against the send buffer.
    Data(Vec<Bytes>),
    /// A method reply.
    Reply(String),
    /// A client ping was read: tungstenite queued the pong, a flush sends it.
    Flush,
}

/// What the parts of one connection share.
struct Conn {
    sh: Arc<Shared>,
    client: Arc<ClientCounters>,
    subs: Mutex<Subscriptions>,
    /// Data frames queued for the writer.
    queued: AtomicUsize,
    /// Replies queued for the writer.
    replies: AtomicUsize,
    pong_seen: AtomicBool,
}

impl Conn {
    fn subs(&self) -> std::sync::MutexGuard<'_, Subscriptions> {
        self.subs.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

async fn run(socket: WebSocket, sh: Arc<Shared>, peer: SocketAddr, subs: Subscriptions, path: String) {
    let (id, client) = sh.counters.open_client(peer, path.clone());
    client.streams.store(subs.len() as u64, Ordering::Relaxed);
    tracing::debug!("sim venue: connection {id} from {peer} on {path}");
    let conn = Arc::new(Conn {
        sh: sh.clone(),
        client,
        subs: Mutex::new(subs),
        queued: AtomicUsize::new(0),
        replies: AtomicUsize::new(0),
        pong_seen: AtomicBool::new(false),
    });
    let (sink, stream) = socket.split();
    let (out_tx, out_rx) = mpsc::unbounded_channel();
    let (done_tx, done_rx) = oneshot::channel();
    let pump = tokio::spawn(pump(sh.tx.subscribe(), conn.clone(), out_tx.clone()));
    let reader = tokio::spawn(read(stream, conn.clone(), out_tx, done_tx));
    let reason = Writer::new(sink, conn.clone()).run(out_rx, done_rx).await;
    pump.abort();
    reader.abort();
    let (sent, dropped) = (conn.client.sent.load(Ordering::Relaxed), conn.client.dropped.load(Ordering::Relaxed));
    if dropped > 0 {
        tracing::warn!(
            "sim venue: connection {id} from {peer} closed ({reason}); sent {sent}, dropped {dropped} (slow client)"
        );
    } else {
        tracing::debug!("sim venue: connection {id} from {peer} closed ({reason}); sent {sent}");
    }
    sh.counters.close_client(id);
}

/// Hub batches → this connection's frames, never waiting on the socket.
async fn pump(mut rx: broadcast::Receiver<Arc<Batch>>, conn: Arc<Conn>, out: mpsc::UnboundedSender<Out>) {
    let (sh, counters) = (&conn.sh, &conn.sh.counters);
    let cap = sh.cfg.ws_send_buffer;
    let stalled = sh.faults.stalled.subscribe();
    let mut next_seq: Option<u64> = None;
    let (mut reported_drops, mut lagged, mut reported_lag) = (0u64, 0u64, 0u64);
    loop {
        let batch = match rx.recv().await {
            Ok(b) => b,
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if let Some(expected) = next_seq {
            if batch.first_seq > expected {
                let missed = batch.first_seq - expected;
                Counters::add(&counters.lagged_messages, missed);
                lagged += missed;
                if lagged >= reported_lag.saturating_mul(2).max(1) {
                    reported_lag = lagged;
                    tracing::warn!("sim venue: {} fell behind the hub: {lagged} messages missed", conn.client.peer);
                }
            }
        }
        next_seq = Some(batch.next_seq());
        let mut frames = {
            let s = conn.subs();
            if s.is_empty() {
                continue;
            }
            let pick = |e: &super::batch::Entry| if s.combined { batch.combined(e) } else { batch.raw(e) };
            batch.entries.iter().filter(|e| s.has(e.stream)).map(pick).collect::<Vec<_>>()
        };
        let taken: usize = frames.iter().map(Bytes::len).sum();
        if taken * SPARSE < batch.buf.len() {
            frames = copy_out(&frames, taken);
        }
        if frames.is_empty() {
            continue;
        }
        if *stalled.borrow() {
            Counters::add(&counters.faults.stalled_messages, frames.len() as u64);
            continue;
        }
        let free = cap.saturating_sub(conn.queued.load(Ordering::Acquire));
        if frames.len() > free {
            let n = (frames.len() - free) as u64;
            frames.truncate(free);
            Counters::add(&counters.slow_client_drops, n);
            let total = conn.client.dropped.fetch_add(n, Ordering::Relaxed) + n;
            // Log at the first drop and then at every doubling.
            if total >= reported_drops.saturating_mul(2).max(1) {
                reported_drops = total;
                tracing::warn!("sim venue: slow client {}: send buffer full, {total} frames dropped", conn.client.peer);
            }
        }
        if frames.is_empty() {
            continue;
        }
        conn.queued.fetch_add(frames.len(), Ordering::AcqRel);
        if out.send(Out::Data(frames)).is_err() {
            return;
        }
    }
}

/// Client frames: method requests, pings, pongs, close.
async fn read(
    mut stream: SplitStream<WebSocket>,
    conn: Arc<Conn>,
    out: mpsc::UnboundedSender<Out>,
    done: oneshot::Sender<String>,
) {
    let reason = loop {
        let text = match stream.next().await {
            None => break "the client went away".to_string(),
            Some(Err(e)) => break format!("read error: {e}"),
            Some(Ok(Message::Close(_))) => break "the client closed".to_string(),
            Some(Ok(Message::Pong(_))) => {
                conn.pong_seen.store(true, Ordering::Relaxed);
                continue;
            }
            Some(Ok(Message::Ping(_))) => {
                let _ = out.send(Out::Flush);
                continue;
            }
            Some(Ok(Message::Text(t))) => t.as_str().to_string(),
            Some(Ok(Message::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
        };
        let counters = &conn.sh.counters;
        Counters::inc(&counters.ws_requests);
        let reply = {
            let mut s = conn.subs();
            let r = methods::handle(&text, &mut s, &conn.sh.streams, conn.sh.cfg.max_streams_per_connection);
            conn.client.streams.store(s.len() as u64, Ordering::Relaxed);
            r
        };
        if reply.error {
            Counters::inc(&counters.ws_errors);
            tracing::debug!("sim venue: {} sent a bad request: {}", conn.client.peer, reply.text);
        }
        if conn.replies.fetch_add(1, Ordering::AcqRel) >= MAX_PENDING_REPLIES {
            break "too many unanswered requests".to_string();
        }
        if out.send(Out::Reply(reply.text)).is_err() {
            break "writer gone".to_string();
        }
    };
    let _ = done.send(reason);
}

/// The only part that writes to the socket.
struct Writer {
    sink: SplitSink<WebSocket, Message>,
    conn: Arc<Conn>,
    /// Data frames written (for the every-Nth faults).
    frames: u64,
    /// A frame held back by the reorder fault.
    held: Option<Bytes>,
    unanswered_ping: Option<Instant>,
}

impl Writer {
    fn new(sink: SplitSink<WebSocket, Message>, conn: Arc<Conn>) -> Self {
        Self { sink, conn, frames: 0, held: None, unanswered_ping: None }
    }

    /// Writes until the connection ends; returns why it ended.
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Out>, mut done: oneshot::Receiver<String>) -> String {
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

/// The frames in one buffer of their own.
fn copy_out(frames: &[Bytes], total: usize) -> Vec<Bytes> {
    let mut buf = Vec::with_capacity(total);
    let mut ends = Vec::with_capacity(frames.len());
    for f in frames {
        buf.extend_from_slice(f);
        ends.push(buf.len());
    }
    let buf = Bytes::from(buf);
    let mut start = 0;
    ends.into_iter()
        .map(|end| {
            let b = buf.slice(start..end);
            start = end;
            b
        })
        .collect()
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
