//! One connection's pump (hub batches → its frames, bounded, drops
//! counted) and reader (JSON methods, pings, pongs); the writer is in
//! [`super::writer`].

use super::writer::Writer;
use crate::sim::venue::batch::{Batch, Entry};
use crate::sim::venue::methods::{self, Subscriptions};
use crate::sim::venue::server::Shared;
use crate::sim::venue::stats::{ClientCounters, Counters};
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket};
use futures_util::StreamExt;
use futures_util::stream::SplitStream;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, mpsc, oneshot};

/// Unanswered method requests a connection may have queued before it is closed.
const MAX_PENDING_REPLIES: usize = 1024;
/// A connection copies the frames it takes out of a batch when they are
/// less than this share of it, so a sparse subscriber does not keep whole
/// batches alive in its queue.
const SPARSE: usize = 8;

/// What the writer sends.
pub(super) enum Out {
    /// Market frames, counted against the send buffer.
    Data(Vec<Bytes>),
    /// A method reply.
    Reply(String),
    /// A client ping was read: tungstenite queued the pong, a flush sends it.
    Flush,
}

/// What the parts of one connection share.
pub(super) struct Conn {
    pub(super) sh: Arc<Shared>,
    pub(super) client: Arc<ClientCounters>,
    subs: Mutex<Subscriptions>,
    /// Data frames queued for the writer.
    pub(super) queued: AtomicUsize,
    /// Replies queued for the writer.
    pub(super) replies: AtomicUsize,
    pub(super) pong_seen: AtomicBool,
}

impl Conn {
    pub(super) fn subs(&self) -> std::sync::MutexGuard<'_, Subscriptions> {
        self.subs.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Serves one upgraded connection until it ends, then accounts for it.
pub(super) async fn run(socket: WebSocket, sh: Arc<Shared>, peer: SocketAddr, subs: Subscriptions, path: String) {
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
            let pick = |e: &Entry| if s.combined { batch.combined(e) } else { batch.raw(e) };
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
