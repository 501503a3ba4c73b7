//! Signed trading on the sim venue over real sockets on 127.0.0.1: hand-built
//! signed query strings (`Query` + `Signer`) through reqwest, and the
//! WebSocket API user data stream through tokio-tungstenite.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a panic is a failed test

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Duration;
use tickdesk::domain::{Notional, Price, Qty};
use tickdesk::sim::exchange::ExchangeConfig;
use tickdesk::sim::venue::{MarketSource, SimVenue, SimVenueConfig, VenueOptions};
use tickdesk::sim::{SymbolSpec, SyntheticConfig};
use tickdesk::venue::sign::{Credentials, Query};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const DEADLINE: Duration = Duration::from_secs(15);

/// BTCUSDT with a 0.05 tick (scale 2) and a 0.005 step (scale 3), so that
/// PRICE_FILTER and LOT_SIZE can fail on values of the right precision.
fn market() -> SyntheticConfig {
    SyntheticConfig {
        rate: 1_000.0,
        symbols: vec![SymbolSpec::new("BTCUSDT", "0.05", "0.005", "60000")],
        ..SyntheticConfig::default()
    }
}

fn config() -> SimVenueConfig {
    let exchange = ExchangeConfig {
        maker_fee_bps: 10,
        taker_fee_bps: 10,
        starting_balances: [("USDT", "100000"), ("BTC", "1")].into_iter().map(|(a, v)| (a.into(), v.into())).collect(),
        ..ExchangeConfig::default()
    };
    SimVenueConfig { kline_history: 30, exchange, ..SimVenueConfig::default() }
}

async fn start(config: SimVenueConfig) -> SimVenue {
    let opts =
        VenueOptions { listen: "127.0.0.1:0".parse().unwrap(), market: MarketSource::Synthetic(market()), config };
    SimVenue::start(opts).await.expect("venue starts")
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(DEADLINE).build().unwrap()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn code(&self) -> i64 {
        self.body["code"].as_i64().unwrap_or(0)
    }
    fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_string())
    }
}

/// A signed request with the demo key: `params` in order, then `timestamp`, then the signature.
async fn signed(venue: &SimVenue, method: reqwest::Method, path: &str, params: &[(&str, &str)]) -> Answer {
    signed_with(venue, method, path, params, Some(&SimVenue::demo_credentials()), now_ms()).await
}

async fn signed_with(
    venue: &SimVenue,
    method: reqwest::Method,
    path: &str,
    params: &[(&str, &str)],
    creds: Option<&Credentials>,
    timestamp: i64,
) -> Answer {
    let demo = SimVenue::demo_credentials();
    let mut q = Query::new();
    for (k, v) in params {
        q.push(k, v);
    }
    q.push("timestamp", &timestamp.to_string());
    let query = q.signed(&demo.signer());
    let mut req = http().request(method, format!("{}{path}?{query}", venue.rest_base()));
    if let Some(c) = creds {
        req = req.header("X-MBX-APIKEY", c.key.expose());
    }
    send(req).await
}

async fn send(req: reqwest::RequestBuilder) -> Answer {
    let r = req.send().await.unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    Answer { status, headers, body }
}

fn post() -> reqwest::Method {
    reqwest::Method::POST
}
fn get() -> reqwest::Method {
    reqwest::Method::GET
}
fn delete() -> reqwest::Method {
    reqwest::Method::DELETE
}

/// Places an order, retrying while the exchange has not seen a top of book yet.
async fn place(venue: &SimVenue, params: &[(&str, &str)]) -> Answer {
    let until = Instant::now() + DEADLINE;
    loop {
        let a = signed(venue, post(), "/api/v3/order", params).await;
        if a.body["msg"] != "Market is closed." || Instant::now() > until {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn far_limit(client_id: &str) -> Vec<(&str, &str)> {
    vec![
        ("symbol", "BTCUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "0.010"),
        ("price", "1000.00"),
        ("newClientOrderId", client_id),
    ]
}

fn balance(venue: &SimVenue, asset: &str) -> (Notional, Notional) {
    let rows = venue.balances(SimVenue::demo_credentials().key.expose()).expect("demo account");
    rows.iter().find(|b| b.asset == asset).map_or((Notional::ZERO, Notional::ZERO), |b| (b.free, b.locked))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limit_order_lifecycle_query_cancel_and_errors() {
    let venue = start(config()).await;
    let a = place(&venue, &far_limit("my-order-1")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "NEW");
    assert_eq!(a.body["price"], "1000.00000000");
    assert_eq!(a.body["origQty"], "0.01000000");
    assert_eq!(a.body["fills"], Value::Array(vec![]), "FULL by default for LIMIT");
    assert_eq!(a.header("x-mbx-order-count-10s").as_deref(), Some("1"));
    assert_eq!(a.header("x-mbx-order-count-1d").as_deref(), Some("1"));
    assert!(a.header("x-mbx-used-weight-1m").is_some());
    let id = a.body["orderId"].as_i64().unwrap();
    // 10 USDT + 0.1 % fee reserve locked.
    assert_eq!(balance(&venue, "USDT").1, Notional::parse("10.01").unwrap());

    let id_s = id.to_string();
    let by_id = signed(&venue, get(), "/api/v3/order", &[("symbol", "BTCUSDT"), ("orderId", &id_s)]).await;
    assert_eq!((by_id.status, by_id.body["clientOrderId"].as_str()), (200, Some("my-order-1")), "{}", by_id.body);
    assert_eq!(by_id.body["isWorking"], true);
    let by_client =
        signed(&venue, get(), "/api/v3/order", &[("symbol", "BTCUSDT"), ("origClientOrderId", "my-order-1")]).await;
    assert_eq!(by_client.body["orderId"].as_i64(), Some(id));
    let open = signed(&venue, get(), "/api/v3/openOrders", &[("symbol", "BTCUSDT")]).await;
    assert_eq!(open.body.as_array().unwrap().len(), 1);
    assert_eq!(open.body[0]["orderId"].as_i64(), Some(id));

    let cancel = signed(
        &venue,
        delete(),
        "/api/v3/order",
        &[("symbol", "BTCUSDT"), ("orderId", &id_s), ("newClientOrderId", "my-cancel-1")],
    )
    .await;
    assert_eq!(cancel.status, 200, "{}", cancel.body);
    assert_eq!(cancel.body["status"], "CANCELED");
    assert_eq!(cancel.body["origClientOrderId"], "my-order-1", "the swap: the order's own id");
    assert_eq!(cancel.body["clientOrderId"], "my-cancel-1", "the swap: the cancel's id");
    assert_eq!(balance(&venue, "USDT"), (Notional::parse("100000").unwrap(), Notional::ZERO));

    let again = signed(&venue, delete(), "/api/v3/order", &[("symbol", "BTCUSDT"), ("orderId", &id_s)]).await;
    assert_eq!((again.status, again.code()), (400, -2011));
    assert_eq!(again.body["msg"], "Unknown order sent.");
    let unknown = signed(&venue, get(), "/api/v3/order", &[("symbol", "BTCUSDT"), ("orderId", "987654")]).await;
    assert_eq!((unknown.code(), unknown.body["msg"].as_str()), (-2013, Some("Order does not exist.")));
    let open = signed(&venue, get(), "/api/v3/openOrders", &[]).await;
    assert_eq!(open.body, Value::Array(vec![]));
    let test = signed(&venue, post(), "/api/v3/order/test", &far_limit("t1")).await;
    assert_eq!((test.status, &test.body), (200, &serde_json::json!({})));
    let bad_symbol = signed(&venue, get(), "/api/v3/openOrders", &[("symbol", "NOPEUSDT")]).await;
    assert_eq!(bad_symbol.code(), -1121);
    let stats = venue.stats().trading;
    assert_eq!((stats.orders_placed, stats.orders_canceled), (1, 1));
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn market_order_fills_and_balances_move_exactly() {
    let venue = start(config()).await;
    let (usdt0, btc0) = (balance(&venue, "USDT").0, balance(&venue, "BTC").0);
    let a = place(&venue, &[("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.005")]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "FILLED");
    assert_eq!(a.body["executedQty"], "0.00500000");
    let fills = a.body["fills"].as_array().unwrap();
    assert!(!fills.is_empty(), "FULL by default for MARKET: {}", a.body);
    let mut spent = Notional::ZERO;
    let mut fees = Notional::ZERO;
    for f in fills {
        let price = Price::parse(f["price"].as_str().unwrap(), 2).unwrap();
        let qty = Qty::parse(f["qty"].as_str().unwrap(), 3).unwrap();
        let n = Notional::of(price, qty, 2, 3);
        let fee = Notional(n.0 * 10 / 10_000);
        assert_eq!(f["commission"].as_str().unwrap(), format!("{}", fee.display_rounded(8)), "fee at 10 bps");
        assert_eq!(f["commissionAsset"], "USDT");
        spent += n;
        fees += fee;
    }
    assert_eq!(a.body["cummulativeQuoteQty"].as_str().unwrap(), format!("{}", spent.display_rounded(8)));
    assert_eq!(balance(&venue, "USDT").0, usdt0 - spent - fees, "quote paid: notional + fee");
    assert_eq!(balance(&venue, "BTC").0, btc0 + Notional::parse("0.005").unwrap(), "base received");
    let trades = signed(&venue, get(), "/api/v3/myTrades", &[("symbol", "BTCUSDT")]).await;
    let rows = trades.body.as_array().unwrap();
    assert_eq!(rows.len(), fills.len(), "{}", trades.body);
    assert_eq!(rows[0]["orderId"], a.body["orderId"]);
    assert_eq!((rows[0]["isBuyer"].as_bool(), rows[0]["isMaker"].as_bool()), (Some(true), Some(false)));
    assert_eq!(rows[0]["id"], fills[0]["tradeId"]);
    let account = signed(&venue, get(), "/api/v3/account", &[("omitZeroBalances", "true")]).await;
    let balances = account.body["balances"].as_array().unwrap();
    let btc = balances.iter().find(|b| b["asset"] == "BTC").unwrap();
    assert_eq!(btc["free"], "1.00500000");
    assert_eq!(account.body["accountType"], "SPOT");
    assert_eq!(venue.stats().trading.fills, fills.len() as u64);
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_params_and_filters_answer_binance_codes() {
    let venue = start(config()).await;
    let demo = SimVenue::demo_credentials();
    // Bad signature: signed with another secret.
    let mut q = Query::new();
    q.push("symbol", "BTCUSDT").push("timestamp", &now_ms().to_string());
    let query = q.signed(&Credentials::new("x", "wrong secret").signer());
    let r = send(
        http()
            .get(format!("{}/api/v3/openOrders?{query}", venue.rest_base()))
            .header("X-MBX-APIKEY", demo.key.expose()),
    )
    .await;
    assert_eq!((r.status, r.code()), (400, -1022));
    assert_eq!(r.body["msg"], "Signature for this request is not valid.");
    // Stale timestamp.
    let r = signed_with(&venue, get(), "/api/v3/account", &[], Some(&demo), now_ms() - 10_000).await;
    assert_eq!(
        (r.code(), r.body["msg"].as_str()),
        (-1021, Some("Timestamp for this request is outside of the recvWindow."))
    );
    let r = signed_with(&venue, get(), "/api/v3/account", &[], Some(&demo), now_ms() + 5_000).await;
    assert_eq!(r.code(), -1021);
    let r = signed(&venue, get(), "/api/v3/account", &[("recvWindow", "70000")]).await;
    assert_eq!((r.code(), r.body["msg"].as_str()), (-1131, Some("recvWindow must be less than 60000")));
    // Keys.
    let r = signed_with(&venue, get(), "/api/v3/account", &[], None, now_ms()).await;
    assert_eq!((r.status, r.code()), (401, -2014));
    let other = Credentials::new("not-registered", "s");
    let r = signed_with(&venue, get(), "/api/v3/account", &[], Some(&other), now_ms()).await;
    assert_eq!((r.status, r.code()), (401, -2015));
    // A registered key gets its own account.
    let mine = Credentials::new("my-key", "my-secret");
    venue.register_key(&mine);
    assert!(venue.balances("my-key").is_some());
    // Parameters and filters.
    let order = |price: &'static str, qty: &'static str| {
        vec![
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", qty),
            ("price", price),
        ]
    };
    let r = place(&venue, &order("1000.03", "0.010")).await;
    assert_eq!((r.code(), r.body["msg"].as_str()), (-1013, Some("Filter failure: PRICE_FILTER")));
    let r = place(&venue, &order("1000.001", "0.010")).await;
    assert_eq!((r.code(), r.body["msg"].as_str()), (-1111, Some("Parameter 'price' has too much precision.")));
    let r = place(&venue, &order("1000.00", "0.007")).await;
    assert_eq!((r.code(), r.body["msg"].as_str()), (-1013, Some("Filter failure: LOT_SIZE")));
    let r = place(&venue, &order("500.00", "0.005")).await;
    assert_eq!((r.code(), r.body["msg"].as_str()), (-1013, Some("Filter failure: NOTIONAL")));
    let r = place(&venue, &order("1000.00", "500.000")).await;
    assert_eq!(r.code(), -2010, "insufficient balance: {}", r.body);
    let r = place(&venue, &[("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "LIMIT"), ("quantity", "0.010")]).await;
    assert_eq!(r.code(), -1102, "{}", r.body);
    let r = place(&venue, &[("symbol", "BTCUSDT"), ("side", "UP"), ("type", "MARKET"), ("quantity", "0.010")]).await;
    assert_eq!(r.code(), -1100, "{}", r.body);
    let stats = venue.stats().trading;
    assert_eq!((stats.bad_signatures, stats.timestamp_rejects), (1, 2));
    assert!(stats.orders_rejected >= 6, "{stats:?}");
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_rate_limit_answers_429_then_418_for_ignoring_retry_after() {
    let venue = start(SimVenueConfig { order_limit_10s: 3, ban_secs: 120, ..config() }).await;
    let mut limited = None;
    for k in 0..10 {
        let a = place(&venue, &far_limit(&format!("rl-{k}"))).await;
        if a.status == 429 {
            limited = Some(a);
            break;
        }
        assert_eq!(a.status, 200, "{}", a.body);
    }
    let a = limited.expect("the ORDERS limit answers 429");
    assert_eq!(a.code(), -1015);
    assert_eq!(a.body["msg"], "Too many new orders; current limit is 3 orders per 10 SECOND.");
    let retry: u64 = a.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=10).contains(&retry), "{retry}");
    // Not waiting: banned, on any endpoint.
    let r = send(http().get(format!("{}/api/v3/time", venue.rest_base()))).await;
    assert_eq!((r.status, r.code()), (418, -1003));
    assert!(r.body["msg"].as_str().unwrap().starts_with("Way too much request weight used; IP banned until "));
    let ban: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((100..=120).contains(&ban), "{ban}");
    let r = signed(&venue, get(), "/api/v3/account", &[]).await;
    assert_eq!(r.status, 418);
    let stats = venue.stats().trading;
    assert!(stats.rate_limited_429 >= 1 && stats.bans_418 >= 2, "{stats:?}");
    venue.shutdown().await;
}

async fn next_json(ws: &mut Ws, until: Instant) -> Option<Value> {
    loop {
        match tokio::time::timeout_at(until, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return Some(serde_json::from_str(&t).unwrap()),
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) | Err(_) => return None,
            Ok(Some(Ok(_))) => continue,
        }
    }
}

fn subscribe_request(c: &Credentials, signer_of: &Credentials, id: &str) -> String {
    let ts = now_ms().to_string();
    let sig = signer_of.signer().sign_ws(&[("apiKey", c.key.expose()), ("timestamp", &ts)]);
    serde_json::json!({
        "id": id,
        "method": "userDataStream.subscribe.signature",
        "params": {"apiKey": c.key.expose(), "timestamp": ts.parse::<i64>().unwrap(), "signature": sig.as_str()},
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_api_user_data_stream() {
    let venue = start(config()).await;
    let demo = SimVenue::demo_credentials();
    let (mut ws, _) = connect_async(venue.ws_api_url()).await.unwrap();
    let until = Instant::now() + DEADLINE;
    ws.send(Message::text(r#"{"id":1,"method":"ping"}"#)).await.unwrap();
    let r = next_json(&mut ws, until).await.unwrap();
    assert_eq!((r["id"].as_i64(), r["status"].as_i64()), (Some(1), Some(200)));
    ws.send(Message::text(subscribe_request(&demo, &demo, "uds-1"))).await.unwrap();
    let r = next_json(&mut ws, until).await.unwrap();
    assert_eq!(r["status"], 200, "{r}");
    let sid = r["result"]["subscriptionId"].as_u64().unwrap();
    ws.send(Message::text(subscribe_request(&demo, &demo, "uds-2"))).await.unwrap();
    let r = next_json(&mut ws, until).await.unwrap();
    assert_eq!(r["error"]["code"], -2035, "{r}");
    ws.send(Message::text(r#"{"id":"s","method":"session.subscriptions"}"#)).await.unwrap();
    let r = next_json(&mut ws, until).await.unwrap();
    assert_eq!(r["result"][0]["subscriptionId"].as_u64(), Some(sid));

    let a = place(&venue, &far_limit("ws-order")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let id = a.body["orderId"].as_i64().unwrap();
    let c = signed(
        &venue,
        delete(),
        "/api/v3/order",
        &[("symbol", "BTCUSDT"), ("origClientOrderId", "ws-order"), ("newClientOrderId", "ws-cancel")],
    )
    .await;
    assert_eq!(c.status, 200, "{}", c.body);
    let mut reports = Vec::new();
    let mut positions = 0;
    while reports.len() < 2 {
        let Some(v) = next_json(&mut ws, until).await else { panic!("events: {reports:?}") };
        assert_eq!(v["subscriptionId"].as_u64(), Some(sid), "{v}");
        let e = &v["event"];
        match e["e"].as_str() {
            Some("executionReport") => reports.push(e.clone()),
            Some("outboundAccountPosition") => {
                positions += 1;
                assert!(e["B"].as_array().unwrap().iter().any(|b| b["a"] == "USDT"), "{e}");
            }
            other => panic!("unexpected {other:?}: {v}"),
        }
    }
    let (new, canceled) = (&reports[0], &reports[1]);
    for f in [
        "e", "E", "s", "c", "S", "o", "f", "q", "p", "P", "F", "g", "C", "x", "X", "r", "i", "l", "z", "L", "n", "N",
        "T", "t", "I", "w", "m", "M", "O", "Z", "Y", "Q", "W", "V",
    ] {
        assert!(new.get(f).is_some(), "executionReport lacks {f}: {new}");
    }
    assert_eq!((new["x"].as_str(), new["X"].as_str(), new["i"].as_i64()), (Some("NEW"), Some("NEW"), Some(id)));
    assert_eq!((new["c"].as_str(), new["C"].as_str(), new["t"].as_i64()), (Some("ws-order"), Some(""), Some(-1)));
    assert!(new["N"].is_null());
    assert_eq!(new["q"], "0.01000000");
    assert_eq!((canceled["x"].as_str(), canceled["X"].as_str()), (Some("CANCELED"), Some("CANCELED")));
    assert_eq!((canceled["c"].as_str(), canceled["C"].as_str()), (Some("ws-cancel"), Some("ws-order")));
    assert_ne!(new["I"], canceled["I"], "execution ids are unique");
    assert!(
        positions >= 1 || next_json(&mut ws, until).await.is_some_and(|v| v["event"]["e"] == "outboundAccountPosition")
    );

    // A bad signature on another connection.
    let (mut other, _) = connect_async(venue.ws_api_url()).await.unwrap();
    other.send(Message::text(subscribe_request(&demo, &Credentials::new("x", "wrong"), "bad"))).await.unwrap();
    let r = next_json(&mut other, until).await.unwrap();
    assert_eq!(
        (r["id"].as_str(), r["status"].as_i64(), r["error"]["code"].as_i64()),
        (Some("bad"), Some(400), Some(-1022))
    );

    // Dropped without a close frame.
    venue.drop_user_streams();
    let end = loop {
        match tokio::time::timeout_at(until, ws.next()).await {
            Ok(Some(Ok(Message::Close(c)))) => break format!("close frame {c:?}"),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => break format!("error {e}"),
            Ok(None) => break "end".into(),
            Err(_) => panic!("not dropped in time"),
        }
    };
    assert!(!end.starts_with("close frame"), "{end}");
    assert!(venue.stats().trading.user_streams_dropped >= 1);
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_terminates_subscriptions() {
    let venue = start(config()).await;
    let demo = SimVenue::demo_credentials();
    let (mut ws, _) = connect_async(venue.ws_api_url()).await.unwrap();
    let until = Instant::now() + DEADLINE;
    ws.send(Message::text(subscribe_request(&demo, &demo, "u"))).await.unwrap();
    assert_eq!(next_json(&mut ws, until).await.unwrap()["status"], 200);
    let down = tokio::spawn(venue.shutdown());
    let mut saw = false;
    while let Some(v) = next_json(&mut ws, until).await {
        saw |= v["event"]["e"] == "eventStreamTerminated";
    }
    assert!(saw);
    down.await.unwrap();
}

#[cfg(unix)]
#[test]
fn sim_exchange_prints_the_demo_pair_and_wants_both_key_flags() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let cmd = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tickdesk"));
        c.env("TICKDESK_LOG__DIR", dir.path()).env("TICKDESK_SIM_VENUE__KLINE_HISTORY", "30").env_remove("RUST_LOG");
        c
    };
    let out = cmd().args(["sim-exchange", "--listen", "127.0.0.1:0", "--api-key", "k"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--api-secret"), "{out:?}");

    let mut child = cmd()
        .args(["sim-exchange", "--listen", "127.0.0.1:0", "--rate", "500"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (mut first, mut second) = (String::new(), String::new());
    out.read_line(&mut first).unwrap();
    out.read_line(&mut second).unwrap();
    let words: Vec<&str> = first.split_whitespace().collect();
    assert_eq!(words[..3], ["sim-exchange", "listening:", "rest"], "{first}");
    assert_eq!(words[6], "ws-api", "{first}");
    assert!(words[7].starts_with("ws://127.0.0.1:") && words[7].ends_with("/ws-api/v3"), "{first}");
    let demo = SimVenue::demo_credentials();
    assert_eq!(
        second.trim(),
        format!("demo API key: {} secret: {}", demo.key.expose(), tickdesk::sim::venue::DEMO_API_SECRET)
    );
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(child.wait().unwrap().success());
}
