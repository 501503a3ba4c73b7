//! The Binance trading client against a mock venue on 127.0.0.1 that checks
//! every signature (`Signer::verify` over the exact query minus
//! `&signature=…`, and the `X-MBX-APIKEY` header), loses answers, skews its
//! clock, storms 429s (and bans whoever comes back early), and sends broken
//! bodies. Plus the user data stream against a WebSocket API mock.

// Test helpers outside #[test] functions may unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message as AxMessage, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tickdesk::domain::{FilterStrings, Instrument, Instruments, OrderKind, Price, Qty, Side, TimeInForce, Venue};
use tickdesk::venue::user_stream::{self, UserStreamConfig, UserStreamEvent};
use tickdesk::venue::{
    ApiCode, Credentials, NewOrder, Signer, Submitted, TradeError, TradingClient, TradingConfig, UserEvent,
};

const KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

fn creds() -> Credentials {
    Credentials::new(KEY, SECRET)
}

fn wall_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// What the mock does and what it saw.
#[derive(Default)]
struct MockState {
    /// Client ids of the orders the venue holds.
    orders: Vec<String>,
    /// The next N placements are lost: not recorded, answered after `stall`.
    lose_next: usize,
    /// Placements are recorded, then answered after `stall`.
    stall_recorded: bool,
    stall: Duration,
    /// The venue's clock runs this far ahead; timestamps are checked against it.
    skew_ms: i64,
    check_timestamp: bool,
    /// Answer this many placements with -1021 whatever their timestamp.
    force_1021: usize,
    /// Body of the placement answer instead of a good one (the order is still recorded).
    order_body: Option<String>,
    /// Body of the query answer instead of a good one.
    query_body: Option<String>,
    /// 429s still to hand out; a request arriving inside a Retry-After window gets 418.
    storm: usize,
    blocked_until: Option<Instant>,
    seen_418: usize,
    rate_limited: usize,
    bad_signatures: usize,
    hits: Vec<String>,
}

type Shared = Arc<Mutex<MockState>>;

fn params(q: &str) -> Vec<(String, String)> {
    q.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn param<'a>(p: &'a [(String, String)], k: &str) -> Option<&'a str> {
    p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

fn reply(status: u16, body: impl Into<String>) -> Response {
    (StatusCode::from_u16(status).unwrap(), body.into()).into_response()
}

fn api(status: u16, code: i64, msg: &str) -> Response {
    reply(status, format!(r#"{{"code":{code},"msg":"{msg}"}}"#))
}

fn order_json(id: usize, cid: &str) -> String {
    format!(
        r#"{{"symbol":"BTCUSDT","orderId":{id},"orderListId":-1,"clientOrderId":"{cid}","transactTime":1700000000000,"price":"30000.00","origQty":"0.00100","executedQty":"0.00000","cummulativeQuoteQty":"0.00","status":"NEW","timeInForce":"GTC","type":"LIMIT","side":"BUY","fills":[]}}"#
    )
}

async fn handle(State(s): State<Shared>, method: Method, headers: HeaderMap, uri: Uri) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or_default().to_string();
    let p = params(&query);
    let stall = {
        let mut v = s.lock().unwrap();
        v.hits.push(format!("{method} {path}"));
        let now = Instant::now();
        if v.blocked_until.is_some_and(|t| now < t) {
            v.seen_418 += 1;
            return (
                StatusCode::IM_A_TEAPOT,
                [("retry-after", "120")],
                r#"{"code":-1003,"msg":"Way too much request weight used; IP banned"}"#,
            )
                .into_response();
        }
        if v.storm > 0 {
            v.storm -= 1;
            v.rate_limited += 1;
            v.blocked_until = Some(now + Duration::from_secs(1));
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "1")],
                r#"{"code":-1003,"msg":"Too much request weight used"}"#,
            )
                .into_response();
        }
        let server_now = wall_ms() + v.skew_ms;
        if path == "/api/v3/time" {
            return reply(200, format!(r#"{{"serverTime":{server_now}}}"#));
        }
        // (f) every signed request proves its signature and key.
        let signed = query.rsplit_once("&signature=");
        let key_ok = headers.get("x-mbx-apikey").and_then(|h| h.to_str().ok()) == Some(KEY);
        let sig_ok = signed.is_some_and(|(payload, sig)| Signer::new(&creds().secret).verify(payload.as_bytes(), sig));
        if !key_ok || !sig_ok {
            v.bad_signatures += 1;
            return api(401, -1022, "Signature for this request is not valid.");
        }
        let ts: i64 = param(&p, "timestamp").unwrap().parse().unwrap();
        let window: i64 = param(&p, "recvWindow").unwrap().parse().unwrap();
        let late = server_now - ts > window || ts > server_now + 1000;
        match (method.as_str(), path.as_str()) {
            ("POST", "/api/v3/order") => {
                if v.force_1021 > 0 || (v.check_timestamp && late) {
                    v.force_1021 = v.force_1021.saturating_sub(1);
                    return api(400, -1021, "Timestamp for this request is outside of the recvWindow.");
                }
                let cid = param(&p, "newClientOrderId").unwrap().to_string();
                if v.lose_next > 0 {
                    v.lose_next -= 1;
                    v.stall
                } else {
                    v.orders.push(cid.clone());
                    if let Some(b) = v.order_body.clone() {
                        return reply(200, b);
                    }
                    if v.stall_recorded {
                        v.stall
                    } else {
                        return reply(200, order_json(v.orders.len(), &cid));
                    }
                }
            }
            ("GET", "/api/v3/order") => {
                if let Some(b) = v.query_body.clone() {
                    return reply(200, b);
                }
                let cid = param(&p, "origClientOrderId").unwrap();
                return match v.orders.iter().position(|c| c == cid) {
                    Some(i) => reply(200, order_json(i + 1, cid)),
                    None => api(400, -2013, "Order does not exist."),
                };
            }
            ("DELETE", "/api/v3/order") => return api(400, -2011, "Unknown order sent."),
            ("GET", "/api/v3/account") => {
                assert_eq!(param(&p, "omitZeroBalances"), Some("true"));
                return reply(
                    200,
                    r#"{"canTrade":true,"updateTime":1,"balances":[{"asset":"USDT","free":"100.5","locked":"0"}]}"#,
                );
            }
            _ => return api(400, -1100, "unexpected path"),
        }
    };
    // Only the stalled placements get here: the client gives up before this answer.
    tokio::time::sleep(stall).await;
    reply(503, "")
}

struct Mock {
    base: String,
    state: Shared,
}

impl Mock {
    fn with<T>(&self, f: impl FnOnce(&mut MockState) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    fn held(&self, cid: &str) -> usize {
        self.with(|v| v.orders.iter().filter(|c| *c == cid).count())
    }

    fn hits(&self, what: &str) -> usize {
        self.with(|v| v.hits.iter().filter(|h| *h == what).count())
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        // (f): no request of any test had a bad signature or key.
        if !std::thread::panicking() {
            assert_eq!(self.state.lock().unwrap().bad_signatures, 0, "a request was badly signed");
        }
    }
}

async fn mock(setup: impl FnOnce(&mut MockState)) -> Mock {
    let mut v = MockState { stall: Duration::from_secs(2), ..MockState::default() };
    setup(&mut v);
    let state = Arc::new(Mutex::new(v));
    let app = Router::new().fallback(handle).with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Mock { base: format!("http://{addr}"), state }
}

fn cfg() -> TradingConfig {
    TradingConfig { timeout_ms: 400, query_gap_ms: 20, ..TradingConfig::default() }
}

fn client(m: &Mock) -> TradingClient {
    TradingClient::new(&m.base, creds(), &cfg()).unwrap()
}

fn inst() -> Instrument {
    let f = FilterStrings {
        symbol: "BTCUSDT",
        base: "BTC",
        quote: "USDT",
        tick_size: "0.01",
        step_size: "0.00001",
        min_qty: "0",
        min_notional: "0",
    };
    Instrument::from_filters(Venue::BinanceSpot, &f).unwrap()
}

fn order(cid: &str) -> NewOrder {
    NewOrder {
        symbol: "BTCUSDT".into(),
        side: Side::Buy,
        kind: OrderKind::Limit,
        tif: TimeInForce::Gtc,
        qty: Qty(100),
        price: Some(Price(3_000_000)),
        stop_price: None,
        client_order_id: cid.into(),
    }
}

#[tokio::test]
async fn placed_at_once_and_signed() {
    let m = mock(|_| {}).await;
    let c = client(&m);
    let s = c.submit(&order("td-1"), &inst()).await.unwrap();
    assert!(matches!(&s, Submitted::Placed(v) if v.client_order_id == "td-1" && v.orig_qty == Qty(100)));
    assert_eq!(m.held("td-1"), 1);
    let a = c.account().await.unwrap();
    assert_eq!(a.balances[0].asset, "USDT");
    assert_eq!(c.stats().orders_sent, 1);
}

#[tokio::test]
async fn lost_answer_of_a_recorded_order_is_found_not_resent() {
    let m = mock(|v| v.stall_recorded = true).await;
    let c = client(&m);
    let s = c.submit(&order("td-a1"), &inst()).await.unwrap();
    assert!(matches!(&s, Submitted::Found(v) if v.client_order_id == "td-a1"), "{s:?}");
    assert_eq!(m.held("td-a1"), 1);
    assert_eq!(m.hits("POST /api/v3/order"), 1);
    let st = c.stats();
    assert_eq!((st.status_unknown, st.queried_after_unknown, st.resent), (1, 1, 0));
}

#[tokio::test]
async fn lost_order_is_resent_exactly_once() {
    let m = mock(|v| v.lose_next = 1).await;
    let c = client(&m);
    let s = c.submit(&order("td-a2"), &inst()).await.unwrap();
    assert!(matches!(&s, Submitted::Resent(v) if v.client_order_id == "td-a2"), "{s:?}");
    assert_eq!(m.held("td-a2"), 1);
    assert_eq!(m.hits("POST /api/v3/order"), 2);
    assert_eq!(m.hits("GET /api/v3/order"), cfg().query_attempts as usize);
    assert_eq!(c.stats().resent, 1);
}

#[tokio::test]
async fn a_429_storm_is_waited_out_without_a_ban() {
    let m = mock(|v| v.storm = 3).await;
    let c = client(&m);
    let t0 = Instant::now();
    for _ in 0..3 {
        c.account().await.unwrap();
    }
    m.with(|v| v.storm = 1);
    // The order's own 429 is reported, not retried; the next one waits for the window.
    let e = c.new_order(&order("td-b1"), &inst()).await.unwrap_err();
    assert_eq!(e, TradeError::RateLimited { retry_after_secs: 1 });
    assert!(c.limits().blocked_for_ms > 0);
    let v = c.new_order(&order("td-b2"), &inst()).await.unwrap();
    assert_eq!(v.client_order_id, "td-b2");
    assert!(t0.elapsed() >= Duration::from_secs(4), "{:?}", t0.elapsed());
    assert_eq!(m.with(|v| (v.rate_limited, v.seen_418)), (4, 0));
    assert_eq!(c.stats().rate_limited, 4);
}

#[tokio::test]
async fn clock_skew_resyncs_and_retries_once() {
    let m = mock(|v| {
        v.skew_ms = 20_000;
        v.check_timestamp = true;
    })
    .await;
    let c = client(&m);
    let v = c.new_order(&order("td-c1"), &inst()).await.unwrap();
    assert_eq!(v.client_order_id, "td-c1");
    assert!((c.offset_ms() - 20_000).abs() < 1_000, "{}", c.offset_ms());
    assert_eq!(m.hits("POST /api/v3/order"), 2);
    assert!(m.hits("GET /api/v3/time") >= 1);
    assert_eq!(c.stats().resyncs, 1);
    // -1021 again after the resync: the typed error, no third attempt.
    m.with(|v| v.force_1021 = 2);
    let e = c.new_order(&order("td-c2"), &inst()).await.unwrap_err();
    assert_eq!(e.api_code(), Some(ApiCode::InvalidTimestamp), "{e}");
    assert_eq!(m.hits("POST /api/v3/order"), 4);
    assert_eq!(m.held("td-c2"), 0);
}

#[tokio::test]
async fn malformed_and_truncated_answers_never_guess_a_state() {
    let truncated = order_json(1, "td-d1");
    let truncated = truncated[..truncated.len() / 2].to_string();
    let m = mock(|v| v.order_body = Some(truncated.clone())).await;
    let c = client(&m);
    let e = c.new_order(&order("td-d1"), &inst()).await.unwrap_err();
    assert!(matches!(&e, TradeError::Malformed { detail, .. } if detail.starts_with("body: not valid JSON")), "{e}");
    assert!(e.status_unknown());
    // The queries are broken too: status unknown, and no resend.
    m.with(|v| {
        v.order_body = Some(r#"{"symbol":"BTCUSDT","orderId":"x"}"#.into());
        v.query_body = Some(truncated.clone());
    });
    let e = c.submit(&order("td-d2"), &inst()).await.unwrap_err();
    assert!(matches!(&e, TradeError::StatusUnknown { client_order_id, .. } if client_order_id == "td-d2"), "{e}");
    assert_eq!(m.held("td-d2"), 1);
    assert_eq!(c.stats().malformed, 2 + cfg().query_attempts as u64);
}

#[tokio::test]
async fn cancel_of_an_unknown_order_is_cancel_rejected() {
    let m = mock(|_| {}).await;
    let c = client(&m);
    let e = c.cancel(&inst(), Some(999), None).await.unwrap_err();
    match &e {
        TradeError::Api { status, code, msg, path } => {
            assert_eq!((*status, *code, msg.as_str()), (400, ApiCode::CancelRejected, "Unknown order sent."));
            assert!(path.starts_with("DELETE /api/v3/order?symbol=BTCUSDT&orderId=999"), "{path}");
            assert!(!path.contains("signature") && !path.contains("timestamp"), "{path}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("CANCEL_REJECTED (-2011): Unknown order sent."), "{e}");
}

#[tokio::test]
async fn debug_output_holds_no_secret() {
    let m = mock(|v| v.stall_recorded = true).await;
    let c = client(&m);
    let e = c.new_order(&order("td-g1"), &inst()).await.unwrap_err();
    assert!(matches!(e, TradeError::Timeout { .. }), "{e:?}");
    let shown = format!("{c:?} {e:?} {e} {:?}", c.credentials());
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(!shown.contains("signature="), "{shown}");
}

// ---- the user data stream ----------------------------------------------------

const EXEC: &str = r#"{"subscriptionId":0,"event":{"e":"executionReport","E":1,"s":"BTCUSDT","c":"td-u1","S":"BUY","o":"LIMIT","f":"GTC","q":"0.00100","p":"30000.00","C":"","x":"NEW","X":"NEW","r":"NONE","i":7,"l":"0","z":"0","L":"0","n":"0","N":null,"T":1,"t":-1,"I":11,"w":true,"m":false,"Z":"0"}}"#;

#[derive(Default)]
struct WsVenue {
    connections: usize,
    bad_signatures: usize,
}

async fn ws_handler(State(s): State<Arc<Mutex<WsVenue>>>, up: WebSocketUpgrade) -> Response {
    up.on_upgrade(move |socket| ws_session(s, socket))
}

async fn ws_session(s: Arc<Mutex<WsVenue>>, mut socket: WebSocket) {
    let n = {
        let mut v = s.lock().unwrap();
        v.connections += 1;
        v.connections
    };
    let Some(Ok(AxMessage::Text(t))) = socket.recv().await else { return };
    let req: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
    assert_eq!(req["method"], "userDataStream.subscribe.signature");
    let ts = req["params"]["timestamp"].as_i64().unwrap().to_string();
    let key = req["params"]["apiKey"].as_str().unwrap();
    let payload = format!("apiKey={key}&timestamp={ts}");
    let sig = req["params"]["signature"].as_str().unwrap();
    if key != KEY || !Signer::new(&creds().secret).verify(payload.as_bytes(), sig) {
        s.lock().unwrap().bad_signatures += 1;
        return;
    }
    let answer = serde_json::json!({"id": req["id"], "status": 200, "result": {"subscriptionId": 0}});
    socket.send(AxMessage::Text(answer.to_string().into())).await.unwrap();
    socket.send(AxMessage::Text(EXEC.into())).await.unwrap();
    if n == 1 {
        // The first connection drops right after the event.
        return;
    }
    while let Some(Ok(_)) = socket.recv().await {}
}

#[tokio::test]
async fn user_stream_resubscribes_after_a_drop() {
    let state = Arc::new(Mutex::new(WsVenue::default()));
    let app = Router::new().route("/ws-api/v3", get(ws_handler)).with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let c = TradingClient::new(&format!("http://{addr}"), creds(), &cfg()).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let cfg = UserStreamConfig { reconnect_base_ms: 20, reconnect_max_ms: 100, subscribe_timeout_ms: 2_000 };
    let table = Instruments::fixed(vec![inst()]);
    let task = user_stream::spawn(c, format!("ws://{addr}/ws-api/v3"), table, cfg, tx, stop_rx);

    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seen.iter().filter(|e| matches!(e, UserStreamEvent::Subscribed { .. })).count() < 2
        || seen.iter().filter(|e| matches!(e, UserStreamEvent::Event(_))).count() < 2
    {
        let ev = tokio::time::timeout_at(deadline, rx.recv()).await.unwrap().unwrap();
        seen.push(ev);
    }
    stop_tx.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task).await.unwrap().unwrap();

    assert_eq!(seen[0], UserStreamEvent::Subscribed { connection: 1 });
    assert!(matches!(&seen[1], UserStreamEvent::Event(UserEvent::Execution(r)) if r.client_order_id == "td-u1"));
    assert!(matches!(&seen[2], UserStreamEvent::Down { .. }), "{seen:?}");
    assert_eq!(seen[3], UserStreamEvent::Subscribed { connection: 2 });
    assert!(matches!(&seen[4], UserStreamEvent::Event(UserEvent::Execution(_))));
    let v = state.lock().unwrap();
    assert_eq!((v.connections, v.bad_signatures), (2, 0));
}
