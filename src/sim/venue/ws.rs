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

mod connection;
mod writer;

use super::methods::Subscriptions;
use super::server::Shared;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// Largest client message (method requests are tiny).
const MAX_CLIENT_MESSAGE: usize = 64 << 10;

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
        .on_upgrade(move |socket| connection::run(socket, sh, peer, subs, path))
}

/// A connection refused before the upgrade: HTTP 400 with Binance's error shape.
fn refuse(msg: &str) -> Response {
    let body = format!(r#"{{"code":2,"msg":{}}}"#, serde_json::Value::String(msg.to_string()));
    (StatusCode::BAD_REQUEST, [("content-type", "application/json;charset=UTF-8")], body).into_response()
}
