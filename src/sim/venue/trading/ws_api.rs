//! The WebSocket API at `/ws-api/v3`: `{"id","method","params"}` requests,
//! `{"id","status","result"|"error"}` answers, and the user data stream
//! (`userDataStream.subscribe.signature`, `userDataStream.unsubscribe`,
//! `session.subscriptions`) whose events arrive as
//! `{"subscriptionId":N,"event":{...}}`. Also `ping` and `time`.
//!
//! The server pings like the stream connections; on shutdown every
//! subscription gets `eventStreamTerminated` and the socket a close frame;
//! [`super::Trading::drop_user_streams`] and the `user-stream-drop-every-secs`
//! fault cut every connection without one.

use super::Trading;
use super::auth;
use super::rest::Fail;
use crate::sim::venue::config::FaultConfig;
use crate::sim::venue::server::Shared;
use crate::sim::venue::stats::Counters;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Largest client message.
const MAX_CLIENT_MESSAGE: usize = 64 << 10;
/// How long a close frame may take to write.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// `GET /ws-api/v3` (upgrade).
pub async fn upgrade(
    ws: WebSocketUpgrade,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(sh): State<Arc<Shared>>,
) -> Response {
    ws.max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| run(socket, sh, peer))
}

/// One connection's user-data subscriptions: `(subscriptionId, account)`.
#[derive(Debug, Default)]
struct Session {
    subs: Vec<(u64, u32)>,
    next_id: u64,
}

async fn run(socket: WebSocket, sh: Arc<Shared>, peer: SocketAddr) {
    let (id, _client) = sh.counters.open_client(peer, "/ws-api/v3".into());
    let reason = serve(socket, &sh).await;
    tracing::debug!("sim venue: ws-api connection {id} from {peer} closed ({reason})");
    sh.counters.close_client(id);
}

async fn serve(socket: WebSocket, sh: &Shared) -> &'static str {
    let tr = &sh.trading;
    let (mut sink, mut stream) = socket.split();
    let mut events = tr.events.subscribe();
    let mut drops = tr.drops.subscribe();
    let mut shutdown = sh.shutdown.subscribe();
    if *shutdown.borrow_and_update() {
        return "the venue is shutting down";
    }
    let every = Duration::from_secs_f64(sh.cfg.ping_interval_secs);
    let mut ping = tokio::time::interval_at(Instant::now() + every, every);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let pong_timeout = (sh.cfg.pong_timeout_secs > 0.0).then(|| Duration::from_secs_f64(sh.cfg.pong_timeout_secs));
    let mut unanswered: Option<Instant> = None;
    let mut session = Session::default();
    loop {
        tokio::select! {
            biased;
            _ = shutdown.changed() => {
                let now = tr.now_ms();
                for (sid, _) in std::mem::take(&mut session.subs) {
                    let _ = sink.send(text(terminated(sid, now))).await;
                }
                let close = Message::Close(Some(CloseFrame { code: 1001, reason: Utf8Bytes::from_static("server shutdown") }));
                let _ = tokio::time::timeout(CLOSE_TIMEOUT, sink.send(close)).await;
                return "the venue shut down";
            }
            _ = drops.changed() => {
                Counters::inc(&sh.counters.trading.user_streams_dropped);
                return "dropped (user stream drop)";
            }
            msg = stream.next() => {
                let t = match msg {
                    None => return "the client went away",
                    Some(Err(_)) => return "read error",
                    Some(Ok(Message::Close(_))) => {
                        let _ = tokio::time::timeout(CLOSE_TIMEOUT, sink.flush()).await;
                        return "the client closed";
                    }
                    Some(Ok(Message::Pong(_))) => {
                        unanswered = None;
                        continue;
                    }
                    Some(Ok(Message::Ping(_))) => {
                        let _ = sink.flush().await;
                        continue;
                    }
                    Some(Ok(Message::Text(t))) => t.as_str().to_string(),
                    Some(Ok(Message::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
                };
                Counters::inc(&sh.counters.ws_requests);
                let (reply, extra) = handle(tr, &mut session, &t);
                for e in extra {
                    if sink.send(text(e)).await.is_err() {
                        return "write error";
                    }
                }
                if sink.send(text(reply)).await.is_err() {
                    return "write error";
                }
            }
            ev = events.recv(), if !session.subs.is_empty() => match ev {
                Ok(ev) => {
                    for (sid, acct) in &session.subs {
                        if *acct == ev.account {
                            let frame = format!(r#"{{"subscriptionId":{sid},"event":{}}}"#, ev.json);
                            if sink.send(text(frame)).await.is_err() {
                                return "write error";
                            }
                        }
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!("sim venue: a ws-api subscriber fell behind: {n} user events missed");
                }
                Err(broadcast::error::RecvError::Closed) => return "the venue stopped",
            },
            _ = ping.tick() => {
                if let (Some(since), Some(limit)) = (unanswered, pong_timeout) {
                    if since.elapsed() >= limit {
                        return "no pong";
                    }
                }
                unanswered.get_or_insert_with(Instant::now);
                if sink.send(Message::Ping(axum::body::Bytes::from_static(b"sim"))).await.is_err() {
                    return "write error";
                }
            }
        }
    }
}

fn text(s: String) -> Message {
    Message::Text(Utf8Bytes::from(s))
}

fn terminated(sid: u64, now_ms: i64) -> String {
    format!(r#"{{"subscriptionId":{sid},"event":{{"e":"eventStreamTerminated","E":{now_ms}}}}}"#)
}

fn ok(id: &Value, result: Value) -> String {
    json!({"id": id, "status": 200, "result": result}).to_string()
}

fn err(id: &Value, f: &Fail) -> String {
    json!({"id": id, "status": f.status.as_u16(), "error": {"code": f.code, "msg": f.msg}}).to_string()
}

/// Answers one request; the second part holds frames to send before the answer.
fn handle(tr: &Trading, session: &mut Session, text: &str) -> (String, Vec<String>) {
    let c = &tr.counters;
    let fail = |id: &Value, f: Fail| {
        Counters::inc(&c.ws_errors);
        match f.code {
            -1022 => Counters::inc(&c.trading.bad_signatures),
            -1021 => Counters::inc(&c.trading.timestamp_rejects),
            _ => 0,
        };
        (err(id, &f), Vec::new())
    };
    let Ok(req) = serde_json::from_str::<Value>(text) else {
        return fail(
            &Value::Null,
            Fail::bad(-1100, "Illegal characters found in a parameter: the request is not JSON."),
        );
    };
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let params = req.get("params").and_then(Value::as_object).cloned().unwrap_or_default();
    let Some(method) = req.get("method").and_then(Value::as_str) else {
        return fail(&id, Fail::bad(-1102, "Mandatory parameter 'method' was not sent, was empty/null, or malformed."));
    };
    match method {
        "ping" => (ok(&id, json!({})), Vec::new()),
        "time" => (ok(&id, json!({"serverTime": tr.now_ms()})), Vec::new()),
        "userDataStream.subscribe.signature" => {
            let pairs: Vec<(String, String)> = params
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string)))
                .collect();
            let caller = match auth::check_ws(&tr.keys, &pairs, tr.now_ms(), tr.max_recv_window_ms) {
                Ok(c) => c,
                Err(f) => return fail(&id, f),
            };
            if tr.exchange().is_none() {
                return fail(&id, Fail::bad(-1000, tr.unavailable.clone()));
            }
            if session.subs.iter().any(|(_, a)| *a == caller.account) {
                return fail(&id, Fail::bad(-2035, "User Data Stream subscription already active."));
            }
            let sid = session.next_id;
            session.next_id += 1;
            session.subs.push((sid, caller.account));
            (ok(&id, json!({"subscriptionId": sid})), Vec::new())
        }
        "userDataStream.unsubscribe" => {
            let now = tr.now_ms();
            let removed: Vec<u64> = match params.get("subscriptionId") {
                None => std::mem::take(&mut session.subs).into_iter().map(|(s, _)| s).collect(),
                Some(v) => {
                    let Some(sid) = v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())) else {
                        return fail(&id, super::params::missing("subscriptionId"));
                    };
                    if !session.subs.iter().any(|(s, _)| *s == sid) {
                        return fail(&id, Fail::bad(-2036, "User Data Stream subscription not active."));
                    }
                    session.subs.retain(|(s, _)| *s != sid);
                    vec![sid]
                }
            };
            (ok(&id, json!({})), removed.into_iter().map(|s| terminated(s, now)).collect())
        }
        "session.subscriptions" => {
            let list: Vec<Value> = session.subs.iter().map(|(s, _)| json!({"subscriptionId": s})).collect();
            (ok(&id, Value::Array(list)), Vec::new())
        }
        _ => fail(&id, Fail::bad(-1020, format!("This operation is not supported by the sim venue: {method}"))),
    }
}

/// The `user-stream-drop-every-secs` timer.
pub fn spawn_drop_timer(
    f: &FaultConfig,
    drops: watch::Sender<u64>,
    mut shutdown: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    if f.user_stream_drop_every_secs <= 0.0 {
        return None;
    }
    let every = Duration::from_secs_f64(f.user_stream_drop_every_secs);
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(Instant::now() + every, every);
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = tick.tick() => {
                    drops.send_modify(|e| *e += 1);
                    tracing::debug!("sim venue fault: dropping every WebSocket API connection");
                }
            }
        }
    }))
}
