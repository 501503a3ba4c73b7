//! The connection task: connect, read until something goes wrong, back off,
//! reconnect; commands and timers served all along.
//!
//! State that outlives one socket (tracked streams, pending requests,
//! backoff, counters) lives in [`Task`]; [`Task::session`] runs one socket.

use super::backoff::Backoff;
use super::config::WsConfig;
use super::control::{self, Control, Method};
use super::pending::{Answer, Pending, Request};
use super::stats::{ConnState, Counter, Rates, SharedStats};
use super::streams::{Tracked, combined_url};
use super::watchdog::Watchdog;
use super::{ConnStatus, DisconnectReason, Envelope, FeedCommand, FeedError, FrameSink, RecvStamp};
use crate::telemetry::{mono_ns, wall_ns};
use futures_util::{FutureExt, SinkExt, StreamExt};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior, interval, sleep, sleep_until, timeout};
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
type Connecting = Pin<Box<dyn Future<Output = Result<Ws, DisconnectReason>> + Send>>;

/// Frames read in one go once the socket has data, before timers and
/// commands are looked at again.
const BATCH: usize = 64;
/// How long a polite close may take before the socket is just dropped.
const CLOSE_GRACE: Duration = Duration::from_millis(500);

/// How a session ended.
enum End {
    Shutdown,
    Lost(DisconnectReason),
    /// Planned reconnect: the new socket is open, with the streams in its URL.
    Replace(Box<Ws>, Vec<String>),
}

pub(super) struct Task<S> {
    conn_id: u32,
    base_url: String,
    cfg: WsConfig,
    sink: S,
    stats: Arc<SharedStats>,
    cmds: mpsc::Receiver<Envelope>,
    tracked: Tracked,
    pending: Pending,
    backoff: Backoff,
    messages: u64,
    bytes: u64,
    rates: Rates,
    origin: Instant,
    sessions: u64,
    next_control_at: Instant,
}

impl<S: FrameSink> Task<S> {
    pub(super) fn new(
        conn_id: u32,
        base_url: String,
        streams: Vec<String>,
        cfg: WsConfig,
        sink: S,
        stats: Arc<SharedStats>,
        cmds: mpsc::Receiver<Envelope>,
    ) -> Self {
        let seed = match cfg.jitter_seed {
            0 => (wall_ns() as u64) ^ (u64::from(conn_id) << 32),
            s => s,
        };
        let now = Instant::now();
        Self {
            conn_id,
            base_url,
            backoff: Backoff::new(cfg.backoff_policy(), seed),
            cfg,
            sink,
            stats,
            cmds,
            tracked: Tracked::new(streams),
            pending: Pending::default(),
            messages: 0,
            bytes: 0,
            rates: Rates::default(),
            origin: now,
            sessions: 0,
            next_control_at: now,
        }
    }

    pub(super) async fn run(mut self) {
        let mut ready: Option<(Box<Ws>, Vec<String>)> = None;
        let mut planned = false;
        loop {
            let (ws, url_streams) = match ready.take() {
                Some(r) => r,
                None => {
                    self.stats.set_state(ConnState::Connecting);
                    let streams = self.tracked.as_slice().to_vec();
                    let url = combined_url(&self.base_url, &streams);
                    tracing::debug!(conn_id = self.conn_id, %url, "connecting");
                    match self.offline(connect(url, &self.cfg)).await {
                        None => break,
                        Some(Ok(ws)) => (Box::new(ws), streams),
                        Some(Err(reason)) => {
                            self.stats.bump(Counter::ConnectFailures);
                            if !self.back_off(reason).await {
                                break;
                            }
                            continue;
                        }
                    }
                }
            };
            let started = Instant::now();
            match self.session(ws, url_streams, planned).await {
                End::Shutdown => break,
                End::Replace(ws, streams) => {
                    ready = Some((ws, streams));
                    planned = true;
                }
                End::Lost(reason) => {
                    planned = false;
                    if started.elapsed() >= self.cfg.backoff_reset_after() {
                        self.backoff.reset();
                    }
                    if !self.back_off(reason).await {
                        break;
                    }
                }
            }
        }
        self.finish();
    }

    /// Reports the loss, draws the delay and waits it out (serving
    /// commands); `false` when told to shut down meanwhile.
    async fn back_off(&mut self, reason: DisconnectReason) -> bool {
        tracing::warn!(conn_id = self.conn_id, "market data connection lost: {reason}");
        self.stats.set_last_disconnect(reason.to_string());
        self.sink.on_status(ConnStatus::Disconnected { reason });
        self.stats.set_state(ConnState::Backoff);
        let attempt = self.backoff.attempt() + 1;
        let delay = self.backoff.next_delay();
        self.stats.set_backoff(delay);
        tracing::info!(conn_id = self.conn_id, attempt, delay_ms = delay.as_millis() as u64, "reconnecting");
        self.sink.on_status(ConnStatus::Reconnecting { attempt, delay });
        self.offline(sleep(delay)).await.is_some()
    }

    /// Runs `fut` while no socket is open, queueing commands, expiring
    /// requests and letting the rates decay; `None` on shutdown.
    async fn offline<F: Future>(&mut self, fut: F) -> Option<F::Output> {
        tokio::pin!(fut);
        let mut tick = interval(self.cfg.tick());
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                out = &mut fut => return Some(out),
                env = self.cmds.recv() => {
                    if !self.command(env) {
                        return None;
                    }
                }
                _ = tick.tick() => self.on_tick(Instant::now()),
            }
        }
    }

    /// Queues a command; `false` for shutdown (or every handle gone).
    fn command(&mut self, env: Option<Envelope>) -> bool {
        let Some(Envelope { cmd, reply }) = env else { return false };
        let (method, streams) = match cmd {
            FeedCommand::Shutdown => return false,
            FeedCommand::Subscribe(s) => (Method::Subscribe, s),
            FeedCommand::Unsubscribe(s) => (Method::Unsubscribe, s),
            FeedCommand::ListSubscriptions => (Method::ListSubscriptions, Vec::new()),
        };
        let deadline = Instant::now() + self.cfg.subscribe_timeout();
        self.pending.push(Request { method, streams, deadline, id: None, reply });
        true
    }

    /// One socket, from open to loss.
    async fn session(&mut self, mut ws: Box<Ws>, url_streams: Vec<String>, planned: bool) -> End {
        if self.sessions > 0 {
            self.stats.bump(Counter::Reconnects);
            if planned {
                self.stats.bump(Counter::PlannedReconnects);
            }
        }
        self.sessions += 1;
        self.stats.set_state(ConnState::Connected);
        tracing::info!(conn_id = self.conn_id, streams = url_streams.len(), planned, "market data connected");
        self.sink.on_status(ConnStatus::Connected {
            streams: url_streams.clone(),
            reconnect: self.sessions > 1,
            planned,
        });
        self.pending.resend_all();
        self.reconcile(&url_streams);

        let now = Instant::now();
        let mut watchdog = Watchdog::new(self.cfg.stale_after(), now, self.messages);
        let mut tick = interval(self.cfg.tick());
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut planned_at = self.cfg.planned_reconnect_after().map(|d| now + d);
        let mut replacement: Option<(Connecting, Vec<String>)> = None;

        loop {
            if let Err(reason) = self.send_controls(&mut ws).await {
                return End::Lost(reason);
            }
            let control_due = self.pending.has_unsent();
            tokio::select! {
                msg = ws.next() => {
                    if let Err(reason) = self.on_message(msg) {
                        close_politely(ws).await;
                        return End::Lost(reason);
                    }
                    // Whatever else is already in, before looking at timers again.
                    for _ in 1..BATCH {
                        let Some(msg) = ws.next().now_or_never() else { break };
                        if let Err(reason) = self.on_message(msg) {
                            close_politely(ws).await;
                            return End::Lost(reason);
                        }
                    }
                    // Nothing more is ready: hand the burst over as one batch.
                    self.sink.flush();
                }
                env = self.cmds.recv() => {
                    if !self.command(env) {
                        close_politely(ws).await;
                        return End::Shutdown;
                    }
                }
                _ = tick.tick() => {
                    let now = Instant::now();
                    self.on_tick(now);
                    if let Some(silent) = watchdog.check(now, self.messages) {
                        let silent_ms = silent.as_millis() as u64;
                        self.stats.set_state(ConnState::Stale);
                        self.stats.bump(Counter::StaleEvents);
                        tracing::warn!(conn_id = self.conn_id, silent_ms, "market data stale");
                        self.sink.on_status(ConnStatus::Stale { silent_ms });
                        close_politely(ws).await;
                        return End::Lost(DisconnectReason::Stale { silent_ms });
                    }
                    if planned_at.is_some_and(|t| now >= t) && replacement.is_none() {
                        planned_at = None;
                        let streams = self.tracked.as_slice().to_vec();
                        let url = combined_url(&self.base_url, &streams);
                        tracing::info!(conn_id = self.conn_id, "planned reconnect: opening the new connection first");
                        replacement = Some((Box::pin(connect(url, &self.cfg)), streams));
                    }
                }
                res = async {
                    match replacement.as_mut() {
                        Some((c, _)) => c.await,
                        None => std::future::pending().await,
                    }
                } => {
                    let streams = replacement.take().map(|(_, s)| s).unwrap_or_default();
                    match res {
                        Ok(new_ws) => {
                            close_politely(ws).await;
                            return End::Replace(Box::new(new_ws), streams);
                        }
                        Err(e) => {
                            // Keep the old connection; try again after the longest backoff.
                            self.stats.bump(Counter::ConnectFailures);
                            tracing::warn!(conn_id = self.conn_id, "planned reconnect failed: {e}; keeping the old connection");
                            planned_at = Some(Instant::now() + self.backoff.policy().max);
                        }
                    }
                }
                _ = sleep_until(self.next_control_at), if control_due => {}
            }
        }
    }

    /// The streams in the URL differ from the tracked set when it changed
    /// while connecting: send the difference.
    fn reconcile(&mut self, url_streams: &[String]) {
        let tracked = self.tracked.as_slice();
        let add: Vec<String> = tracked.iter().filter(|s| !url_streams.contains(s)).cloned().collect();
        let remove: Vec<String> = url_streams.iter().filter(|s| !tracked.contains(s)).cloned().collect();
        let deadline = Instant::now() + self.cfg.subscribe_timeout();
        for (method, streams) in [(Method::Subscribe, add), (Method::Unsubscribe, remove)] {
            if !streams.is_empty() {
                self.pending.push(Request { method, streams, deadline, id: None, reply: None });
            }
        }
    }

    /// Sends queued requests, at most `control_messages_per_sec`.
    async fn send_controls(&mut self, ws: &mut Ws) -> Result<(), DisconnectReason> {
        while self.pending.has_unsent() {
            let now = Instant::now();
            if now < self.next_control_at {
                break;
            }
            let Some(r) = self.pending.next_to_send() else { break };
            let id = r.id.unwrap_or_default();
            let text = control::request(r.method, &r.streams, id);
            tracing::debug!(conn_id = self.conn_id, "sending {text}");
            self.next_control_at = now + self.cfg.control_spacing();
            match timeout(self.cfg.subscribe_timeout(), ws.send(Message::text(text))).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(DisconnectReason::Error(format!("sending a request: {e}"))),
                Err(_) => return Err(DisconnectReason::Error("sending a request timed out".into())),
            }
        }
        Ok(())
    }

    /// One message off the socket; `Err` ends the session.
    #[inline]
    fn on_message(&mut self, msg: Option<Result<Message, WsError>>) -> Result<(), DisconnectReason> {
        match msg {
            Some(Ok(Message::Text(t))) => self.on_frame(text_bytes(&t)),
            Some(Ok(Message::Binary(b))) => self.on_frame(&b),
            // tungstenite has queued the pong; it goes out on the next read.
            Some(Ok(Message::Ping(_))) => {
                self.stats.bump(Counter::Pings);
                Ok(())
            }
            Some(Ok(Message::Pong(_) | Message::Frame(_))) => Ok(()),
            Some(Ok(Message::Close(frame))) => {
                let (code, reason) = frame.map_or((1005, String::new()), |f| (u16::from(f.code), f.reason.to_string()));
                self.stats.record_close(code);
                tracing::warn!(conn_id = self.conn_id, code, reason = %reason, "close frame from the server");
                Err(DisconnectReason::Closed { code, reason })
            }
            Some(Err(WsError::Capacity(CapacityError::MessageTooLong { size, max_size }))) => {
                self.stats.bump(Counter::OversizeFrames);
                tracing::error!(conn_id = self.conn_id, size, max_size, "message over the size limit; reconnecting");
                Err(DisconnectReason::Oversize { size, max: max_size })
            }
            Some(Err(e)) => Err(DisconnectReason::Error(e.to_string())),
            None => Err(DisconnectReason::Eof),
        }
    }

    /// A data or control frame: stamp, count, hand over, then act on control.
    #[inline]
    fn on_frame(&mut self, frame: &[u8]) -> Result<(), DisconnectReason> {
        let stamp = RecvStamp { conn_id: self.conn_id, mono_ns: mono_ns(), wall_ns: wall_ns() };
        self.messages += 1;
        self.bytes += frame.len() as u64;
        self.stats.publish_frame(self.messages, self.bytes, stamp.mono_ns);
        self.sink.on_frame(frame, stamp);
        match control::classify(frame) {
            Control::Data => Ok(()),
            Control::Reply { id, result } => {
                self.on_reply(id, Ok(result));
                Ok(())
            }
            Control::Error { id, code, msg } => {
                self.on_reply(id, Err((code, msg)));
                Ok(())
            }
            Control::ServerShutdown => {
                self.stats.bump(Counter::ServerShutdowns);
                Err(DisconnectReason::ServerShutdown)
            }
        }
    }

    /// Matches an answer to its request by id.
    fn on_reply(&mut self, id: Option<u64>, answer: Result<serde_json::Value, (i64, String)>) {
        let Some(req) = id.and_then(|id| self.pending.take(id)) else {
            match answer {
                Err((code, msg)) => {
                    tracing::warn!(conn_id = self.conn_id, ?id, code, msg, "error frame for no pending request")
                }
                Ok(_) => tracing::warn!(conn_id = self.conn_id, ?id, "reply to no pending request"),
            }
            return;
        };
        let id = req.id.unwrap_or_default();
        let method = req.method.name();
        let result = match answer {
            Err((code, msg)) => Err(FeedError::Refused { method, streams: req.streams.clone(), id, code, msg }),
            Ok(v) => self.apply(&req, v),
        };
        if let Err(e) = &result {
            self.stats.bump(Counter::SubscribeErrors);
            tracing::warn!(conn_id = self.conn_id, "{e}");
        }
        req.answer(result);
    }

    /// A successful answer changes the tracked set.
    fn apply(&mut self, req: &Request, v: serde_json::Value) -> Result<Answer, FeedError> {
        let streams = req.streams.clone();
        match req.method {
            Method::Subscribe => {
                self.tracked.add(&streams);
                self.stats.set_streams(self.tracked.as_slice());
                self.sink.on_status(ConnStatus::Subscribed { streams });
                Ok(Answer::Done)
            }
            Method::Unsubscribe => {
                self.tracked.remove(&streams);
                self.stats.set_streams(self.tracked.as_slice());
                self.sink.on_status(ConnStatus::Unsubscribed { streams });
                Ok(Answer::Done)
            }
            Method::ListSubscriptions => serde_json::from_value::<Vec<String>>(v).map(Answer::List).map_err(|e| {
                FeedError::BadReply { method: req.method.name(), id: req.id.unwrap_or_default(), detail: e.to_string() }
            }),
        }
    }

    fn on_tick(&mut self, now: Instant) {
        let (m, b) = self.rates.update(now - self.origin, self.messages, self.bytes);
        self.stats.publish_rates(m, b);
        self.expire(now);
    }

    fn expire(&mut self, now: Instant) {
        for req in self.pending.take_expired(now) {
            let e = FeedError::Timeout {
                method: req.method.name(),
                streams: req.streams.clone(),
                timeout_ms: self.cfg.subscribe_timeout_ms,
            };
            self.stats.bump(Counter::SubscribeErrors);
            tracing::warn!(conn_id = self.conn_id, "{e}");
            req.answer(Err(e));
        }
    }

    fn finish(&mut self) {
        for req in self.pending.take_all() {
            req.answer(Err(FeedError::Closed));
        }
        self.stats.publish_rates(0.0, 0.0);
        self.stats.set_state(ConnState::Closed);
        tracing::info!(conn_id = self.conn_id, "market data connection closed");
        self.sink.on_status(ConnStatus::Closed);
    }
}

#[inline]
fn text_bytes(t: &Utf8Bytes) -> &[u8] {
    t.as_str().as_bytes()
}

/// Opens a socket to `url` within the connect timeout.
fn connect(url: String, cfg: &WsConfig) -> impl Future<Output = Result<Ws, DisconnectReason>> + Send + 'static {
    let limit = cfg.connect_timeout();
    let ws_cfg = WebSocketConfig::default()
        .max_message_size(Some(cfg.max_frame_bytes))
        .max_frame_size(Some(cfg.max_frame_bytes));
    async move {
        match timeout(limit, tokio_tungstenite::connect_async_with_config(url.as_str(), Some(ws_cfg), true)).await {
            Err(_) => Err(DisconnectReason::ConnectTimeout { ms: limit.as_millis() as u64 }),
            Ok(Err(e)) => Err(DisconnectReason::ConnectFailed(format!("{url}: {e}"))),
            Ok(Ok((ws, _response))) => Ok(ws),
        }
    }
}

/// A close frame if the socket still takes one, without waiting long.
async fn close_politely(mut ws: Box<Ws>) {
    let _ = timeout(CLOSE_GRACE, ws.close(None)).await;
}
