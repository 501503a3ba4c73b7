//! Test helpers for the WebSocket connection tests: a bare tokio-tungstenite
//! server on 127.0.0.1 (port bound before the client starts) whose side of
//! each connection the test scripts by hand, and a sink that forwards what
//! the connection hands over.

// Each test file uses a part; a panic is a failed test; the handshake callback's error type is tungstenite's.
#![allow(dead_code, clippy::unwrap_used, clippy::result_large_err)]

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;
use tickdesk::feed::connection::{ConnStatus, FrameSink, RecvStamp};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

/// Generous: these only bound a test that would otherwise hang.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// One accepted client connection.
pub struct Peer {
    /// Path and query of the upgrade request (`/stream?streams=a/b`).
    pub path: String,
    pub ws: WebSocketStream<TcpStream>,
    /// When the handshake completed.
    pub at: Instant,
}

impl Peer {
    /// The streams named in the URL.
    pub fn streams(&self) -> Vec<String> {
        match self.path.split_once("streams=") {
            Some((_, s)) => s.split('&').next().unwrap_or("").split('/').map(str::to_owned).collect(),
            None => Vec::new(),
        }
    }

    pub async fn send(&mut self, text: &str) {
        self.ws.send(Message::text(text.to_owned())).await.unwrap();
    }

    /// The next request the client sent (pongs skipped), parsed.
    pub async fn request(&mut self) -> Value {
        loop {
            let msg = timeout(DEADLINE, self.ws.next()).await.expect("no request from the client");
            match msg.expect("client went away").unwrap() {
                Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
                Message::Pong(_) | Message::Ping(_) => continue,
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    /// Reads until the client's close frame or the end of the socket.
    pub async fn closed_by_client(&mut self) -> bool {
        loop {
            match timeout(DEADLINE, self.ws.next()).await {
                Err(_) => return false,
                Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => {}
            }
        }
    }
}

/// A combined-stream trade frame with trade id `id`.
pub fn trade(symbol: &str, id: u64) -> String {
    format!(
        r#"{{"stream":"{}@trade","data":{{"e":"trade","E":{t},"s":"{symbol}","t":{id},"p":"100.00","q":"1.5","T":{t},"m":false,"M":true}}}}"#,
        symbol.to_ascii_lowercase(),
        t = 1_700_000_000_000u64 + id
    )
}

/// Accepts WebSocket connections on 127.0.0.1 and hands each to the test.
pub struct Server {
    pub addr: SocketAddr,
    peers: mpsc::UnboundedReceiver<Peer>,
}

impl Server {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener)
    }

    /// Serves on a listener the test bound itself (e.g. a port chosen earlier).
    pub fn serve(listener: TcpListener) -> Self {
        let addr = listener.local_addr().unwrap();
        let (tx, peers) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut path = String::new();
                    let cb = |req: &Request, resp: Response| {
                        path = req.uri().to_string();
                        Ok(resp)
                    };
                    if let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, cb).await {
                        let _ = tx.send(Peer { path, ws, at: Instant::now() });
                    }
                });
            }
        });
        Self { addr, peers }
    }

    pub fn base_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    pub async fn peer(&mut self) -> Peer {
        timeout(DEADLINE, self.peers.recv()).await.expect("no connection from the client").unwrap()
    }

    /// A connection within `d`, if any.
    pub async fn peer_within(&mut self, d: Duration) -> Option<Peer> {
        timeout(d, self.peers.recv()).await.ok().flatten()
    }
}

/// What the connection handed to the sink.
#[derive(Debug, Clone)]
pub enum Seen {
    Frame(Vec<u8>, RecvStamp),
    Status(ConnStatus),
}

pub struct TestSink(pub mpsc::UnboundedSender<Seen>);

impl FrameSink for TestSink {
    fn on_frame(&mut self, frame: &[u8], stamp: RecvStamp) {
        let _ = self.0.send(Seen::Frame(frame.to_vec(), stamp));
    }

    fn on_status(&mut self, status: ConnStatus) {
        let _ = self.0.send(Seen::Status(status));
    }
}

pub fn sink() -> (TestSink, Events) {
    let (tx, rx) = mpsc::unbounded_channel();
    (TestSink(tx), Events { rx, frames: Vec::new(), statuses: Vec::new() })
}

/// The receiving end, with everything seen so far kept for assertions.
pub struct Events {
    rx: mpsc::UnboundedReceiver<Seen>,
    pub frames: Vec<(Vec<u8>, RecvStamp)>,
    pub statuses: Vec<ConnStatus>,
}

impl Events {
    /// Waits (bounded) until `pred` holds for what was seen so far.
    pub async fn until(&mut self, what: &str, mut pred: impl FnMut(&Self) -> bool) {
        let deadline = Instant::now() + DEADLINE;
        while !pred(self) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(Seen::Frame(f, s))) => self.frames.push((f, s)),
                Ok(Some(Seen::Status(s))) => self.statuses.push(s),
                Ok(None) => panic!("sink dropped while waiting for {what}"),
                Err(_) => panic!("timed out waiting for {what}; statuses: {:?}", self.statuses),
            }
        }
    }

    pub async fn frames(&mut self, n: usize) {
        self.until(&format!("{n} frames"), |e| e.frames.len() >= n).await;
    }

    pub async fn status(&mut self, what: &str, pred: impl Fn(&ConnStatus) -> bool) -> ConnStatus {
        self.until(what, |e| e.statuses.iter().any(&pred)).await;
        self.statuses.iter().find(|s| pred(s)).cloned().unwrap()
    }

    pub fn texts(&self) -> Vec<String> {
        self.frames.iter().map(|(f, _)| String::from_utf8_lossy(f).into_owned()).collect()
    }

    pub fn connects(&self) -> usize {
        self.statuses.iter().filter(|s| matches!(s, ConnStatus::Connected { .. })).count()
    }
}

/// Polls `cond` until it holds or the deadline passes.
pub async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
