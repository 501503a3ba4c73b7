//! The market-data connection against a bare tokio-tungstenite server on
//! 127.0.0.1: frames in order with stamps, run-time SUBSCRIBE / UNSUBSCRIBE /
//! LIST with ids checked, a refused or unanswered subscription, reconnect
//! with resubscription, ping/pong, and the planned reconnect.

#![allow(clippy::unwrap_used)] // a panic is a failed test

#[path = "ws_support/server.rs"]
mod server;

use futures_util::StreamExt;
use serde_json::json;
use server::{Server, eventually, sink, trade};
use std::time::Duration;
use tickdesk::feed::connection::{ConnState, ConnStatus, FeedError, WsConfig, spawn_connection};
use tokio_tungstenite::tungstenite::Message;

fn cfg() -> WsConfig {
    WsConfig {
        stale_after_ms: 5_000,
        subscribe_timeout_ms: 2_000,
        connect_timeout_ms: 2_000,
        backoff_initial_ms: 100,
        backoff_max_ms: 1_000,
        jitter_seed: 7,
        control_messages_per_sec: 50,
        ..WsConfig::default()
    }
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn frames_arrive_in_order_with_stamps() {
    let mut srv = Server::start().await;
    let (sink, mut ev) = sink();
    let before = tickdesk::telemetry::wall_ns();
    let h = spawn_connection(3, srv.base_url(), names(&["BTCUSDT@trade", "ethusdt@bookTicker"]), cfg(), sink);
    let mut peer = srv.peer().await;
    assert_eq!(peer.path, "/stream?streams=btcusdt@trade/ethusdt@bookTicker");
    assert_eq!(peer.streams(), ["btcusdt@trade", "ethusdt@bookTicker"]);
    let sent: Vec<String> = (1..=2000).map(|i| trade("BTCUSDT", i)).collect();
    for f in &sent {
        peer.send(f).await;
    }
    ev.frames(sent.len()).await;
    assert_eq!(ev.texts(), sent, "every frame, in order");
    let stamps: Vec<_> = ev.frames.iter().map(|(_, s)| *s).collect();
    assert!(stamps.iter().all(|s| s.conn_id == 3 && s.wall_ns >= before));
    assert!(stamps.windows(2).all(|w| w[0].mono_ns <= w[1].mono_ns), "monotonic stamps");
    let bytes: usize = sent.iter().map(String::len).sum();
    eventually("stats", || h.stats().messages == 2000).await;
    let st = h.stats();
    assert_eq!((st.bytes, st.state, st.reconnects), (bytes as u64, ConnState::Connected, 0));
    assert!(st.last_frame_age_ms.is_some());
    assert_eq!(st.streams, ["btcusdt@trade", "ethusdt@bookTicker"]);
    assert!(matches!(&ev.statuses[0], ConnStatus::Connected { reconnect: false, planned: false, .. }));
    h.shutdown().await;
    assert!(peer.closed_by_client().await, "a close frame on shutdown");
    ev.status("closed", |s| *s == ConnStatus::Closed).await;
}

#[tokio::test]
async fn subscribe_unsubscribe_and_list_at_run_time_with_ids_checked() {
    let mut srv = Server::start().await;
    let (sink, mut ev) = sink();
    let h = spawn_connection(1, srv.base_url(), names(&["btcusdt@trade"]), cfg(), sink);
    let mut peer = srv.peer().await;

    let (res, ()) = tokio::join!(h.subscribe(names(&["SOLUSDT@trade", "solusdt@kline_1m"])), async {
        let req = peer.request().await;
        assert_eq!(req["method"], "SUBSCRIBE");
        assert_eq!(req["params"], json!(["solusdt@trade", "solusdt@kline_1m"]));
        let id = req["id"].as_u64().unwrap();
        assert!(id > 0);
        // Data of the new stream before the acknowledgement, and an answer to another id.
        peer.send(&trade("SOLUSDT", 1)).await;
        peer.send(&json!({"result": null, "id": id + 100}).to_string()).await;
        peer.send(&json!({"result": null, "id": id}).to_string()).await;
    });
    res.unwrap();
    assert_eq!(h.stats().streams, ["btcusdt@trade", "solusdt@trade", "solusdt@kline_1m"]);
    ev.status("subscribed", |s| matches!(s, ConnStatus::Subscribed { .. })).await;
    assert!(ev.texts().iter().any(|t| t.contains("solusdt@trade")), "data before the reply is kept");

    let (res, ()) = tokio::join!(h.unsubscribe(names(&["btcusdt@trade"])), async {
        let req = peer.request().await;
        assert_eq!((req["method"].as_str(), &req["params"]), (Some("UNSUBSCRIBE"), &json!(["btcusdt@trade"])));
        peer.send(&json!({"result": null, "id": req["id"]}).to_string()).await;
    });
    res.unwrap();
    assert_eq!(h.stats().streams, ["solusdt@trade", "solusdt@kline_1m"]);

    let (res, ()) = tokio::join!(h.list_subscriptions(), async {
        let req = peer.request().await;
        assert_eq!(req["method"], "LIST_SUBSCRIPTIONS");
        assert!(req.get("params").is_none());
        peer.send(&json!({"result": ["solusdt@trade", "solusdt@kline_1m"], "id": req["id"]}).to_string()).await;
    });
    assert_eq!(res.unwrap(), ["solusdt@trade", "solusdt@kline_1m"]);
    assert_eq!(h.stats().subscribe_errors, 0);

    // Names are checked before anything is sent.
    let e = h.subscribe(names(&["btc/usdt@trade"])).await.unwrap_err();
    assert!(matches!(e, FeedError::InvalidStream { .. }), "{e}");
    assert_eq!(h.stats().subscribe_errors, 1);
    h.shutdown().await;
}

#[tokio::test]
async fn refused_or_unanswered_subscription_is_a_clear_error_and_counted() {
    let mut srv = Server::start().await;
    let (sink, mut ev) = sink();
    let h = spawn_connection(
        1,
        srv.base_url(),
        names(&["btcusdt@trade"]),
        WsConfig { subscribe_timeout_ms: 300, ..cfg() },
        sink,
    );
    let mut peer = srv.peer().await;

    let (res, ()) = tokio::join!(h.subscribe(names(&["nosuch@trade"])), async {
        let req = peer.request().await;
        let reply = json!({"error": {"code": 2, "msg": "Invalid request: unknown stream"}, "id": req["id"]});
        peer.send(&reply.to_string()).await;
    });
    let e = res.unwrap_err();
    assert!(matches!(&e, FeedError::Refused { code: 2, .. }), "{e}");
    let text = e.to_string();
    assert!(text.contains("SUBSCRIBE") && text.contains("nosuch@trade") && text.contains("unknown stream"), "{text}");
    assert_eq!(h.stats().subscribe_errors, 1);
    assert_eq!(h.stats().streams, ["btcusdt@trade"], "a refused stream is not tracked");

    // No answer at all: a timeout, also counted.
    let (res, _) = tokio::join!(h.subscribe(names(&["ethusdt@trade"])), peer.request());
    let e = res.unwrap_err();
    assert!(matches!(&e, FeedError::Timeout { timeout_ms: 300, .. }), "{e}");
    assert_eq!(h.stats().subscribe_errors, 2);

    // The connection carries on.
    peer.send(&trade("BTCUSDT", 9)).await;
    ev.until("the frame after the errors", |e| e.texts().iter().any(|t| t.contains(r#""t":9"#))).await;
    assert_eq!((h.stats().reconnects, h.stats().state), (0, ConnState::Connected));
    h.shutdown().await;
}

#[tokio::test]
async fn reconnects_after_the_server_closes_mid_stream_and_resubscribes_the_tracked_set() {
    let mut srv = Server::start().await;
    let (sink, mut ev) = sink();
    let h = spawn_connection(1, srv.base_url(), names(&["btcusdt@trade", "ethusdt@trade"]), cfg(), sink);
    let mut peer = srv.peer().await;
    let (res, ()) = tokio::join!(h.subscribe(names(&["solusdt@trade"])), async {
        let req = peer.request().await;
        peer.send(&json!({"result": null, "id": req["id"]}).to_string()).await;
    });
    res.unwrap();
    let (res, ()) = tokio::join!(h.unsubscribe(names(&["ethusdt@trade"])), async {
        let req = peer.request().await;
        peer.send(&json!({"result": null, "id": req["id"]}).to_string()).await;
    });
    res.unwrap();
    for i in 1..=5 {
        peer.send(&trade("BTCUSDT", i)).await;
    }
    ev.frames(5 + 2).await;
    drop(peer);

    let mut peer2 = srv.peer().await;
    assert_eq!(peer2.streams(), ["btcusdt@trade", "solusdt@trade"], "the tracked set, in the URL");
    peer2.send(&trade("BTCUSDT", 6)).await;
    ev.until("a frame on the new connection", |e| e.texts().iter().any(|t| t.contains(r#""t":6"#))).await;
    ev.status("reconnected", |s| matches!(s, ConnStatus::Connected { reconnect: true, planned: false, .. })).await;
    let st = h.stats();
    assert_eq!((st.reconnects, st.planned_reconnects, st.state), (1, 0, ConnState::Connected));
    assert!(st.last_disconnect.is_some());
    h.shutdown().await;
}

#[tokio::test]
async fn ping_is_answered_with_pong() {
    let mut srv = Server::start().await;
    let (sink, _ev) = sink();
    let h = spawn_connection(1, srv.base_url(), names(&["btcusdt@trade"]), cfg(), sink);
    let mut peer = srv.peer().await;
    use futures_util::SinkExt;
    peer.ws.send(Message::Ping(b"20s keep-alive".to_vec().into())).await.unwrap();
    let pong = tokio::time::timeout(server::DEADLINE, peer.ws.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(pong, Message::Pong(b"20s keep-alive".to_vec().into()), "same payload");
    eventually("ping counted", || h.stats().pings == 1).await;
    h.shutdown().await;
}

#[tokio::test]
async fn planned_reconnect_opens_the_new_connection_before_dropping_the_old() {
    let mut srv = Server::start().await;
    let (sink, mut ev) = sink();
    let cfg = WsConfig { planned_reconnect_after_secs: 1, ..cfg() };
    let h = spawn_connection(1, srv.base_url(), names(&["btcusdt@trade"]), cfg, sink);
    let mut old = srv.peer().await;
    old.send(&trade("BTCUSDT", 1)).await;
    let opened_old = old.at;
    // Watch the old socket: when does the client close it?
    let old_closed = tokio::spawn(async move {
        assert!(old.closed_by_client().await, "the old connection is closed after the switch");
        tokio::time::Instant::now()
    });
    let mut new = srv.peer().await;
    assert!(new.at.duration_since(opened_old) >= Duration::from_secs(1));
    assert!(old_closed.await.unwrap() >= new.at, "the new connection was open before the old one closed");
    new.send(&trade("BTCUSDT", 3)).await;
    ev.until("frames 1..3", |e| e.texts().iter().any(|t| t.contains(r#""t":3"#))).await;
    let st = h.stats();
    assert_eq!((st.reconnects, st.planned_reconnects), (1, 1));
    assert!(ev.statuses.iter().any(|s| matches!(s, ConnStatus::Connected { planned: true, .. })));
    assert!(!ev.statuses.iter().any(|s| matches!(s, ConnStatus::Disconnected { .. })), "no outage reported");
    assert_eq!(new.streams(), ["btcusdt@trade"]);
    h.shutdown().await;
}
