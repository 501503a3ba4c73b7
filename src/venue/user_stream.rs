//! The user data stream over the WebSocket API (`binance-spot.md` §4.1):
//! connect, `userDataStream.subscribe.signature`, forward the events, and
//! reconnect with backoff whenever anything goes wrong, until told to stop.
//!
//! Events missed while down are not replayed, so the consumer reconciles
//! over REST after every [`UserStreamEvent::Subscribed`] (§4.4). Events that
//! arrive before the subscription is confirmed are held and forwarded right
//! after `Subscribed`. `eventStreamTerminated` resubscribes on the same
//! connection. The consumer is a gateway task, so sends wait for room.

use super::client::TradingClient;
use super::parse::{self, UserEvent, WsFrame};
use crate::domain::Instruments;
use crate::feed::rest::backoff;
use futures_util::{SinkExt, StreamExt};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::time::{Duration, Instant, timeout, timeout_at};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// `[route.binance.user-stream]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct UserStreamConfig {
    /// First reconnect delay in ms; doubles per failed attempt, with jitter.
    pub reconnect_base_ms: u64,
    /// Longest reconnect delay in ms.
    pub reconnect_max_ms: u64,
    /// Connecting, and the subscription's answer, must each come within this many ms.
    pub subscribe_timeout_ms: u64,
}

impl Default for UserStreamConfig {
    fn default() -> Self {
        Self { reconnect_base_ms: 250, reconnect_max_ms: 10_000, subscribe_timeout_ms: 5_000 }
    }
}

/// What the stream task reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserStreamEvent {
    /// Subscribed (again): reconcile orders and balances over REST now.
    /// `connection` counts the connections that reached a subscription.
    Subscribed {
        connection: u64,
    },
    /// The connection or the subscription was lost; a reconnect follows.
    Down {
        reason: String,
    },
    Event(UserEvent),
    /// A frame that could not be read; the stream goes on.
    Malformed {
        detail: String,
    },
}

/// Runs the user data stream until `stop` turns true (or its sender, or
/// the receiver of `out`, is gone).
pub fn spawn(
    client: TradingClient,
    ws_api_url: String,
    instruments: Instruments,
    cfg: UserStreamConfig,
    out: mpsc::Sender<UserStreamEvent>,
    stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let task = Task { client, url: ws_api_url, instruments, cfg, out, stop, connection: 0, request: 0 };
    tokio::spawn(task.run())
}

struct Task {
    client: TradingClient,
    url: String,
    instruments: Instruments,
    cfg: UserStreamConfig,
    out: mpsc::Sender<UserStreamEvent>,
    stop: watch::Receiver<bool>,
    connection: u64,
    request: u64,
}

/// How a session ended.
enum End {
    Stopped,
    Down(String),
}

/// The consumer is gone.
struct Gone;

impl Task {
    async fn run(mut self) {
        let seed = self.client.now_venue_ms().unsigned_abs();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut attempt = 0u32;
        loop {
            if self.stopped() {
                return;
            }
            let reason = match self.session(&mut attempt).await {
                Ok(End::Stopped) | Err(Gone) => return,
                Ok(End::Down(reason)) => reason,
            };
            tracing::warn!(url = %self.url, "user data stream down: {reason}");
            if self.out.send(UserStreamEvent::Down { reason }).await.is_err() {
                return;
            }
            let d = backoff::delay_ms(attempt, self.cfg.reconnect_base_ms, self.cfg.reconnect_max_ms, rng.random());
            attempt = attempt.saturating_add(1);
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(d)) => {}
                () = wait_stop(&mut self.stop) => return,
            }
        }
    }

    fn stopped(&self) -> bool {
        *self.stop.borrow()
    }

    async fn emit(&self, ev: UserStreamEvent) -> Result<(), Gone> {
        self.out.send(ev).await.map_err(|_| Gone)
    }

    /// One connection: connect, subscribe, forward until it fails or we stop.
    async fn session(&mut self, attempt: &mut u32) -> Result<End, Gone> {
        let limit = Duration::from_millis(self.cfg.subscribe_timeout_ms.max(1));
        let mut ws: Ws = match timeout(limit, tokio_tungstenite::connect_async(self.url.as_str())).await {
            Err(_) => return Ok(End::Down(format!("connect timed out after {} ms", limit.as_millis()))),
            Ok(Err(e)) => return Ok(End::Down(format!("connect failed: {e}"))),
            Ok(Ok((ws, _))) => ws,
        };
        self.connection += 1;
        if let Some(end) = self.subscribe(&mut ws).await? {
            return Ok(end);
        }
        *attempt = 0;
        loop {
            let msg = tokio::select! {
                biased;
                () = wait_stop(&mut self.stop) => {
                    let _ = timeout(Duration::from_millis(500), ws.close(None)).await;
                    return Ok(End::Stopped);
                }
                msg = ws.next() => msg,
            };
            match msg {
                None => return Ok(End::Down("connection closed".into())),
                Some(Err(e)) => return Ok(End::Down(format!("read failed: {e}"))),
                Some(Ok(Message::Close(f))) => {
                    let why = f.map_or_else(String::new, |f| format!(": {} {}", f.code, f.reason));
                    return Ok(End::Down(format!("closed by the venue{why}")));
                }
                Some(Ok(Message::Ping(p))) => {
                    if let Err(e) = ws.send(Message::Pong(p)).await {
                        return Ok(End::Down(format!("pong failed: {e}")));
                    }
                }
                Some(Ok(Message::Text(t))) => match parse::ws_frame(t.as_bytes(), &self.instruments) {
                    Ok(WsFrame::Event(ev @ UserEvent::StreamTerminated { .. })) => {
                        self.emit(UserStreamEvent::Event(ev)).await?;
                        tracing::info!("user data subscription terminated by the venue: resubscribing");
                        if let Some(end) = self.subscribe(&mut ws).await? {
                            return Ok(end);
                        }
                    }
                    Ok(WsFrame::Event(ev)) => self.emit(UserStreamEvent::Event(ev)).await?,
                    Ok(WsFrame::Response(r)) if r.status != 200 => {
                        let (code, msg) = r.error.unwrap_or_default();
                        tracing::warn!(id = ?r.id, code, "WebSocket API error {}: {msg}", r.status);
                    }
                    Ok(WsFrame::Response(_)) => {}
                    Err(e) => self.emit(UserStreamEvent::Malformed { detail: e.0 }).await?,
                },
                Some(Ok(_)) => {}
            }
        }
    }

    /// Sends the signed subscription and waits for its answer; `Some` when
    /// the session is over. Events arriving meanwhile follow `Subscribed`.
    async fn subscribe(&mut self, ws: &mut Ws) -> Result<Option<End>, Gone> {
        self.request += 1;
        let id = format!("uds-{}", self.request);
        let ts = self.client.now_venue_ms();
        let key = self.client.credentials().key.expose();
        let sig = self.client.signer().sign_ws(&[("apiKey", key), ("timestamp", &ts.to_string())]);
        let req = serde_json::json!({
            "id": id,
            "method": "userDataStream.subscribe.signature",
            "params": { "apiKey": key, "timestamp": ts, "signature": sig.as_str() },
        });
        if let Err(e) = ws.send(Message::text(req.to_string())).await {
            return Ok(Some(End::Down(format!("subscribe send failed: {e}"))));
        }
        let deadline = Instant::now() + Duration::from_millis(self.cfg.subscribe_timeout_ms.max(1));
        let mut held = Vec::new();
        loop {
            let msg = tokio::select! {
                biased;
                () = wait_stop(&mut self.stop) => return Ok(Some(End::Stopped)),
                msg = timeout_at(deadline, ws.next()) => msg,
            };
            let msg = match msg {
                Err(_) => return Ok(Some(End::Down("no answer to the subscription in time".into()))),
                Ok(None) => return Ok(Some(End::Down("connection closed while subscribing".into()))),
                Ok(Some(Err(e))) => return Ok(Some(End::Down(format!("read failed while subscribing: {e}")))),
                Ok(Some(Ok(m))) => m,
            };
            match msg {
                Message::Text(t) => match parse::ws_frame(t.as_bytes(), &self.instruments) {
                    Ok(WsFrame::Response(r)) if r.id.as_deref() == Some(id.as_str()) => {
                        if r.status == 200 {
                            break;
                        }
                        let (code, msg) = r.error.unwrap_or_default();
                        if code == super::ApiCode::InvalidTimestamp.code() {
                            let _ = self.client.sync_time().await;
                        }
                        return Ok(Some(End::Down(format!(
                            "subscription refused: status {} code {code}: {msg}",
                            r.status
                        ))));
                    }
                    Ok(WsFrame::Response(_)) => {}
                    Ok(WsFrame::Event(ev)) => held.push(UserStreamEvent::Event(ev)),
                    Err(e) => held.push(UserStreamEvent::Malformed { detail: e.0 }),
                },
                Message::Ping(p) => {
                    if let Err(e) = ws.send(Message::Pong(p)).await {
                        return Ok(Some(End::Down(format!("pong failed: {e}"))));
                    }
                }
                Message::Close(_) => return Ok(Some(End::Down("closed by the venue while subscribing".into()))),
                _ => {}
            }
        }
        tracing::info!(connection = self.connection, "user data stream subscribed");
        self.emit(UserStreamEvent::Subscribed { connection: self.connection }).await?;
        for ev in held {
            self.emit(ev).await?;
        }
        Ok(None)
    }
}

/// Resolves once `stop` is true or its sender is gone.
async fn wait_stop(stop: &mut watch::Receiver<bool>) {
    loop {
        if *stop.borrow_and_update() {
            return;
        }
        if stop.changed().await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_defaults() {
        let c: UserStreamConfig = toml::from_str("reconnect-base-ms = 10").unwrap();
        assert_eq!((c.reconnect_base_ms, c.reconnect_max_ms, c.subscribe_timeout_ms), (10, 10_000, 5_000));
        assert!(toml::from_str::<UserStreamConfig>("x = 1").is_err());
    }
}
