//! The sim venue over real sockets on 127.0.0.1: a tokio-tungstenite client
//! for the streams and reqwest for REST, every frame checked by tickdesk's
//! own Binance decoder. Nothing leaves the loopback interface.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a panic is a failed test

use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::time::Duration;
use tickdesk::domain::{Instruments, MarketEvent};
use tickdesk::feed::binance::{BinanceDecoder, Decoded, DecodedKind};
use tickdesk::sim::SyntheticConfig;
use tickdesk::sim::venue::{FaultConfig, MarketSource, SimVenue, SimVenueConfig, VenueOptions};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Long enough for a loaded 2-core machine, short enough to fail quickly.
const DEADLINE: Duration = Duration::from_secs(15);

/// A small backfill keeps start-up fast.
fn quick() -> SimVenueConfig {
    SimVenueConfig { kline_history: 60, ..SimVenueConfig::default() }
}

fn with_faults(faults: FaultConfig) -> SimVenueConfig {
    SimVenueConfig { faults, ..quick() }
}

async fn start(config: SimVenueConfig, rate: f64) -> SimVenue {
    let sc = SyntheticConfig { rate, ..SyntheticConfig::default() };
    let opts = VenueOptions { listen: "127.0.0.1:0".parse().unwrap(), market: MarketSource::Synthetic(sc), config };
    SimVenue::start(opts).await.expect("venue starts")
}

async fn connect(url: &str) -> Ws {
    connect_async(url).await.unwrap_or_else(|e| panic!("connect {url}: {e}")).0
}

/// The next text frame before `until`; `None` when the stream ends or time runs out.
async fn next_text(ws: &mut Ws, until: Instant) -> Option<String> {
    loop {
        match tokio::time::timeout_at(until, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return Some(t.to_string()),
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) | Err(_) => return None,
            Ok(Some(Ok(_))) => continue,
        }
    }
}

/// Reads text frames until `f` says stop (true) or the deadline passes; returns whether `f` stopped it.
async fn read_until(ws: &mut Ws, mut f: impl FnMut(&str) -> bool) -> bool {
    let until = Instant::now() + DEADLINE;
    while let Some(t) = next_text(ws, until).await {
        if f(&t) {
            return true;
        }
    }
    false
}

/// Sends a method request and returns its reply (skipping market data).
async fn request(ws: &mut Ws, req: &str) -> serde_json::Value {
    ws.send(Message::text(req)).await.unwrap();
    let mut reply = None;
    read_until(ws, |t| {
        let v: serde_json::Value = serde_json::from_str(t).unwrap();
        let is_reply = v.get("result").is_some() || v.get("code").is_some();
        if is_reply {
            reply = Some(v);
        }
        is_reply
    })
    .await;
    reply.expect("a reply before the deadline")
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(DEADLINE).build().unwrap()
}

async fn get(venue: &SimVenue, path: &str) -> (reqwest::StatusCode, reqwest::header::HeaderMap, String) {
    let r = http().get(format!("{}{path}", venue.rest_base())).send().await.unwrap();
    let (status, headers) = (r.status(), r.headers().clone());
    (status, headers, r.text().await.unwrap())
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// A strict decoder: the venue's own exchangeInfo defines every instrument.
async fn decoder(venue: &SimVenue) -> BinanceDecoder {
    let (_, _, body) = get(venue, "/api/v3/exchangeInfo").await;
    let mut d = BinanceDecoder::default();
    let Ok(Decoded::ExchangeInfo(list)) = d.decode(body.as_bytes()) else { panic!("exchangeInfo: {body}") };
    BinanceDecoder::new(Instruments::fixed(list))
}

/// Polls `f` until it holds or the deadline passes.
async fn eventually(mut f: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + DEADLINE;
    while Instant::now() < until {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    f()
}

fn trade_id(frame: &str) -> Option<(String, u64)> {
    let v = json(frame);
    let d = v.get("data").unwrap_or(&v);
    (d["e"] == "trade").then(|| (d["s"].as_str().unwrap().to_string(), d["t"].as_u64().unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn combined_stream_delivers_every_kind_decodable() {
    let venue = start(quick(), 5_000.0).await;
    let mut dec = decoder(&venue).await;
    let streams = "btcusdt@trade/btcusdt@aggTrade/btcusdt@bookTicker/btcusdt@kline_1s/btcusdt@kline_1m/btcusdt@depth@100ms/ethusdt@trade/ethusdt@depth";
    let mut ws = connect(&format!("{}/stream?streams={streams}", venue.ws_base())).await;
    let mut seen: HashMap<String, u64> = HashMap::new();
    let all = read_until(&mut ws, |t| {
        let v = json(t);
        let stream = v["stream"].as_str().expect("combined frames name their stream").to_string();
        assert!(streams.split('/').any(|s| s == stream), "unasked stream {stream}");
        let decoded = dec.decode(t.as_bytes()).unwrap_or_else(|e| panic!("{e}: {t}"));
        let Decoded::Market(m) = decoded else { panic!("not market data: {t}") };
        let kind = match &m {
            MarketEvent::Trade(tr) if tr.aggregated => "aggTrade",
            MarketEvent::Trade(_) => "trade",
            MarketEvent::BookTicker(_) => "bookTicker",
            MarketEvent::Kline(_) => "kline",
            MarketEvent::Depth(_) => "depth",
            _ => "other",
        };
        assert!(stream.contains(&format!("@{kind}")), "{kind} on {stream}");
        *seen.entry(stream).or_default() += 1;
        seen.len() == streams.split('/').count()
    })
    .await;
    assert!(all, "every stream delivered: {seen:?}");
    assert_eq!(dec.stats().total_malformed(), 0);
    assert_eq!(dec.stats().decoded(DecodedKind::Unknown), 0);
    let s = venue.stats();
    assert!(s.messages_generated > 0 && s.messages_derived > 0 && s.messages_sent > 0, "{s:?}");
    assert_eq!((s.connections_active, s.hub_decode_errors), (1, 0));
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_streams_give_bare_payloads() {
    let venue = start(quick(), 5_000.0).await;
    let mut dec = decoder(&venue).await;
    let mut ws = connect(&format!("{}/ws/btcusdt@trade/ethusdt@bookTicker", venue.ws_base())).await;
    let (mut trades, mut books) = (0, 0);
    let done = read_until(&mut ws, |t| {
        assert!(!t.starts_with(r#"{"stream""#), "raw frames have no envelope: {t}");
        match dec.decode(t.as_bytes()) {
            Ok(Decoded::Market(MarketEvent::Trade(tr))) if !tr.aggregated => trades += 1,
            Ok(Decoded::Market(MarketEvent::BookTicker(_))) => books += 1,
            other => panic!("{other:?}: {t}"),
        }
        trades >= 5 && books >= 5
    })
    .await;
    assert!(done, "trades {trades}, books {books}");
    assert_eq!(dec.instruments().by_name("BTCUSDT").map(|i| i.0), Some(0));
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_list_unsubscribe_and_properties_echo_ids() {
    let venue = start(quick(), 5_000.0).await;
    let mut ws = connect(&format!("{}/ws", venue.ws_base())).await;
    let r = request(&mut ws, r#"{"method":"SUBSCRIBE","params":["btcusdt@trade","ethusdt@aggTrade"],"id":1}"#).await;
    assert_eq!(r, serde_json::json!({"result": null, "id": 1}));
    let r = request(&mut ws, r#"{"method":"LIST_SUBSCRIPTIONS","id":2}"#).await;
    assert_eq!(r, serde_json::json!({"result": ["btcusdt@trade", "ethusdt@aggTrade"], "id": 2}));
    assert!(read_until(&mut ws, |t| t.starts_with(r#"{"e":"trade""#)).await, "bare trades on /ws");
    let r = request(&mut ws, r#"{"method":"SET_PROPERTY","params":["combined",true],"id":"p1"}"#).await;
    assert_eq!(r, serde_json::json!({"result": null, "id": "p1"}));
    assert!(read_until(&mut ws, |t| t.starts_with(r#"{"stream":"#)).await, "combined after SET_PROPERTY");
    let r = request(&mut ws, r#"{"method":"GET_PROPERTY","params":["combined"],"id":4}"#).await;
    assert_eq!(r, serde_json::json!({"result": true, "id": 4}));
    let r =
        request(&mut ws, r#"{"method":"UNSUBSCRIBE","params":["btcusdt@trade","ethusdt@aggTrade"],"id":312}"#).await;
    assert_eq!(r, serde_json::json!({"result": null, "id": 312}));
    let r = request(&mut ws, r#"{"method":"LIST_SUBSCRIPTIONS","id":5}"#).await;
    assert_eq!(r, serde_json::json!({"result": [], "id": 5}));
    // Once the list is empty, only replies come: the next frame answers the next request.
    ws.send(Message::text(r#"{"method":"LIST_SUBSCRIPTIONS","id":6}"#)).await.unwrap();
    let next = next_text(&mut ws, Instant::now() + DEADLINE).await.unwrap();
    assert_eq!(json(&next), serde_json::json!({"result": [], "id": 6}));
    let s = venue.stats();
    assert_eq!((s.ws_requests, s.ws_errors), (7, 0));
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_binance_error_codes() {
    let venue = start(quick(), 1_000.0).await;
    let mut ws = connect(&format!("{}/stream", venue.ws_base())).await;
    let r = request(&mut ws, r#"{"method":"SUBSCRIBE","params":["btcusdt@trade""#).await;
    assert_eq!(r["code"], 3);
    assert!(r["msg"].as_str().unwrap().starts_with("Invalid JSON: "), "{r}");
    let r = request(&mut ws, r#"{"method":"FOO","id":9}"#).await;
    assert_eq!((r["code"].as_i64(), r["id"].as_i64()), (Some(2), Some(9)));
    assert!(r["msg"].as_str().unwrap().starts_with("Invalid request: unknown variant `FOO`"), "{r}");
    let r = request(&mut ws, r#"{"method":"SUBSCRIBE","params":["xrpusdt@trade"],"id":10}"#).await;
    assert_eq!((r["code"].as_i64(), r["id"].as_i64()), (Some(2), Some(10)));
    let r = request(&mut ws, r#"{"method":"SET_PROPERTY","params":["speed",true],"id":11}"#).await;
    assert_eq!(r, serde_json::json!({"code": 0, "msg": "Unknown property", "id": 11}));
    // The connection survives bad requests.
    let r = request(&mut ws, r#"{"method":"LIST_SUBSCRIPTIONS","id":12}"#).await;
    assert_eq!(r, serde_json::json!({"result": [], "id": 12}));
    assert_eq!(venue.stats().ws_errors, 4);
    // An unknown stream or microseconds in the URL are refused before the upgrade.
    for path in ["/ws/btcusdt@nope", "/stream?streams=btcusdt@trade&timeUnit=MICROSECOND"] {
        match connect_async(format!("{}{path}", venue.ws_base())).await.unwrap_err() {
            tokio_tungstenite::tungstenite::Error::Http(resp) => assert_eq!(resp.status(), 400),
            other => panic!("{other}"),
        }
    }
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_endpoints_answer_in_binance_shapes() {
    let venue = start(quick(), 5_000.0).await;
    let (status, headers, body) = get(&venue, "/api/v3/ping").await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "{}"));
    let w1: u32 = headers["x-mbx-used-weight-1m"].to_str().unwrap().parse().unwrap();
    let (_, headers, body) = get(&venue, "/api/v3/time").await;
    let server_time = json(&body)["serverTime"].as_i64().unwrap();
    assert!(server_time > 1_600_000_000_000);
    let w2: u32 = headers["x-mbx-used-weight-1m"].to_str().unwrap().parse().unwrap();
    assert_eq!(w2, w1 + 1, "weight counts per IP");

    let (_, headers, body) = get(&venue, "/api/v3/exchangeInfo").await;
    assert_eq!(headers["x-mbx-used-weight-1m"].to_str().unwrap().parse::<u32>().unwrap(), w2 + 20);
    let Ok(Decoded::ExchangeInfo(list)) = BinanceDecoder::default().decode(body.as_bytes()) else { panic!("{body}") };
    let names: Vec<&str> = list.iter().map(|i| i.symbol.as_str()).collect();
    assert_eq!(names, ["BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT"]);
    assert_eq!((list[0].price_scale, list[0].qty_scale, list[3].price_scale, list[3].qty_scale), (2, 5, 5, 0));
    let (_, _, body) = get(&venue, "/api/v3/exchangeInfo?symbol=ETHUSDT").await;
    assert_eq!(json(&body)["symbols"].as_array().unwrap().len(), 1);
    let (_, _, body) = get(&venue, r#"/api/v3/exchangeInfo?symbols=%5B%22BTCUSDT%22,%22SOLUSDT%22%5D"#).await;
    assert_eq!(json(&body)["symbols"][1]["symbol"], "SOLUSDT");
    let (status, _, body) = get(&venue, "/api/v3/exchangeInfo?symbol=NOPE").await;
    assert_eq!((status.as_u16(), json(&body)), (400, serde_json::json!({"code": -1121, "msg": "Invalid symbol."})));
    let (status, _, body) = get(&venue, "/api/v3/depth").await;
    assert_eq!((status.as_u16(), json(&body)["code"].as_i64()), (400, Some(-1102)));
    let (status, _, body) = get(&venue, "/api/v3/klines?symbol=BTCUSDT&interval=7m").await;
    assert_eq!((status.as_u16(), json(&body)["code"].as_i64()), (400, Some(-1120)));
    let (status, _, body) = get(&venue, "/api/v3/trades?symbol=BTCUSDT&limit=x").await;
    assert_eq!((status.as_u16(), json(&body)["code"].as_i64()), (400, Some(-1100)));

    // Klines: the backfill gives a full history, aligned and continuous.
    let (_, _, body) = get(&venue, "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1000").await;
    let rows = json(&body);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 61, "60 closed klines and the open one");
    let mut prev_close = None;
    for r in rows {
        let r = r.as_array().unwrap();
        assert_eq!(r.len(), 12);
        let (open, close) = (r[0].as_i64().unwrap(), r[6].as_i64().unwrap());
        assert_eq!((open % 60_000, close - open), (0, 59_999));
        assert!(r[8].is_u64());
        for i in [1, 2, 3, 4, 5, 7, 9, 10, 11] {
            let s = r[i].as_str().unwrap();
            assert!(i == 11 || s.len() > 9 && s.as_bytes()[s.len() - 9] == b'.', "8 decimals: {s}");
        }
        let (h, l) = (r[2].as_str().unwrap().parse::<f64>().unwrap(), r[3].as_str().unwrap().parse::<f64>().unwrap());
        assert!(h >= l);
        if let Some(p) = prev_close {
            assert_eq!(open, p + 1, "continuous");
        }
        prev_close = Some(close);
    }
    let start = rows[10][0].as_i64().unwrap();
    let (_, _, body) =
        get(&venue, &format!("/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime={start}&limit=5")).await;
    let some = json(&body);
    assert_eq!((some.as_array().unwrap().len(), some[0][0].as_i64()), (5, Some(start)));
    let (_, _, body) = get(&venue, "/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=2").await;
    assert!(json(&body)[0][0].as_i64().unwrap() % 3_600_000 == 0);

    // Recent trades fill from the live market.
    let mut trades = serde_json::Value::Null;
    for _ in 0..500 {
        let (_, _, body) = get(&venue, "/api/v3/trades?symbol=ETHUSDT&limit=3").await;
        trades = json(&body);
        if trades.as_array().unwrap().len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let t = trades.as_array().unwrap();
    assert_eq!(t.len(), 3);
    assert!(t[0]["id"].as_u64().unwrap() < t[2]["id"].as_u64().unwrap(), "oldest first");
    for k in ["price", "qty", "quoteQty"] {
        assert!(t[0][k].is_string(), "{k}");
    }
    assert!(t[0]["time"].is_i64() && t[0]["isBuyerMaker"].is_boolean() && t[0]["isBestMatch"] == true);
    let (status, headers, _) = get(&venue, "/api/v3/nope").await;
    assert_eq!(status.as_u16(), 404);
    assert!(headers.contains_key("x-mbx-used-weight-1m"));
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn depth_snapshot_chains_with_the_diff_stream() {
    let venue = start(quick(), 5_000.0).await;
    let mut dec = decoder(&venue).await;
    let mut ws = connect(&format!("{}/ws/btcusdt@depth@100ms", venue.ws_base())).await;
    let mut buffered = Vec::new();
    // Binance's procedure: buffer, then fetch the snapshot.
    assert!(
        read_until(&mut ws, |t| {
            buffered.push(t.to_string());
            true
        })
        .await
    );
    let (_, _, body) = get(&venue, "/api/v3/depth?symbol=BTCUSDT&limit=50").await;
    let snap = json(&body);
    let last = snap["lastUpdateId"].as_u64().unwrap();
    assert_eq!(snap["bids"].as_array().unwrap().len(), 50);
    let (bid, ask) = (&snap["bids"][0][0], &snap["asks"][0][0]);
    assert!(bid.as_str().unwrap().parse::<f64>().unwrap() < ask.as_str().unwrap().parse::<f64>().unwrap());
    let Ok(Decoded::Market(MarketEvent::DepthSnapshot(s))) =
        dec.decode_rest("/api/v3/depth?symbol=BTCUSDT", body.as_bytes())
    else {
        panic!("{body}")
    };
    assert_eq!(s.last_update_id, last);
    let mut diffs: Vec<(u64, u64)> = Vec::new();
    let mut parse = |t: &str| {
        let Ok(Decoded::Market(MarketEvent::Depth(d))) = dec.decode(t.as_bytes()) else { panic!("{t}") };
        (d.first_update_id, d.final_update_id)
    };
    for t in &buffered {
        diffs.push(parse(t));
    }
    assert!(diffs[0].0 <= last + 1, "the snapshot is not older than the stream");
    read_until(&mut ws, |t| {
        diffs.push(parse(t));
        diffs.iter().filter(|d| d.1 > last).count() >= 3
    })
    .await;
    let live: Vec<(u64, u64)> = diffs.iter().copied().filter(|d| d.1 > last).collect();
    assert!(live.len() >= 3);
    assert!(
        live[0].0 <= last + 1 && last < live[0].1 + 1,
        "first diff straddles the snapshot: {last} in {:?}",
        live[0]
    );
    assert!(diffs.windows(2).all(|w| w[1].0 == w[0].1 + 1), "ids chain: {diffs:?}");
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weight_over_the_limit_answers_429_with_retry_after() {
    let venue = start(SimVenueConfig { weight_limit_1m: 30, ..quick() }, 1_000.0).await;
    let (status, _, _) = get(&venue, "/api/v3/exchangeInfo").await;
    assert_eq!(status.as_u16(), 200);
    let (status, headers, body) = get(&venue, "/api/v3/exchangeInfo").await;
    assert_eq!(status.as_u16(), 429);
    assert_eq!(json(&body)["code"], -1003);
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert!(headers["x-mbx-used-weight-1m"].to_str().unwrap().parse::<u32>().unwrap() > 30);
    assert_eq!(venue.stats().rest_rate_limited, 1);
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_drop_cuts_connections_without_a_close_frame() {
    let venue = start(with_faults(FaultConfig { drop_every_secs: 0.3, ..FaultConfig::default() }), 2_000.0).await;
    let mut ws = connect(&format!("{}/ws/btcusdt@bookTicker", venue.ws_base())).await;
    let until = Instant::now() + DEADLINE;
    let mut frames = 0;
    let end = loop {
        match tokio::time::timeout_at(until, ws.next()).await {
            Ok(Some(Ok(Message::Text(_)))) => frames += 1,
            Ok(Some(Ok(Message::Close(c)))) => break format!("close frame {c:?}"),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => break format!("error {e}"),
            Ok(None) => break "end".to_string(),
            Err(_) => panic!("not dropped in time"),
        }
    };
    assert!(!end.starts_with("close frame"), "dropped, not closed: {end}");
    assert!(eventually(|| venue.stats().faults.connections_dropped >= 1).await);
    assert!(eventually(|| venue.stats().connections_active == 0).await);
    // The venue keeps serving: a new connection gets data (until the next drop).
    let mut served = false;
    for _ in 0..5 {
        let mut ws = connect(&format!("{}/ws/btcusdt@bookTicker", venue.ws_base())).await;
        if next_text(&mut ws, Instant::now() + DEADLINE).await.is_some() {
            served = true;
            break;
        }
    }
    assert!(served, "after {frames} frames: {end}");
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_stall_silences_the_stream_and_keeps_the_socket() {
    let faults = FaultConfig { stall_every_secs: 0.3, stall_secs: 0.8, ..FaultConfig::default() };
    let venue = start(with_faults(faults), 5_000.0).await;
    let mut ws = connect(&format!("{}/ws/btcusdt@bookTicker", venue.ws_base())).await;
    let mut last = Instant::now();
    let mut longest = Duration::ZERO;
    let mut after_stall = 0;
    read_until(&mut ws, |_| {
        let now = Instant::now();
        longest = longest.max(now - last);
        last = now;
        if longest >= Duration::from_millis(600) {
            after_stall += 1;
        }
        after_stall >= 10
    })
    .await;
    assert!(longest >= Duration::from_millis(600), "longest silence {longest:?}");
    assert!(after_stall >= 10, "frames resume on the same socket");
    let s = venue.stats();
    assert!(s.faults.stalls >= 1 && s.faults.stalled_messages > 0, "{:?}", s.faults);
    assert_eq!(s.faults.connections_dropped, 0);
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_malformed_frames_are_refused_and_counted_by_the_decoder() {
    let venue = start(with_faults(FaultConfig { malformed_every_n: 10, ..FaultConfig::default() }), 5_000.0).await;
    let mut dec = decoder(&venue).await;
    let mut ws = connect(&format!("{}/stream?streams=btcusdt@trade/btcusdt@bookTicker", venue.ws_base())).await;
    let mut frames = 0;
    read_until(&mut ws, |t| {
        frames += 1;
        let _ = dec.decode(t.as_bytes());
        frames >= 330
    })
    .await;
    let bad = dec.stats().total_malformed();
    let good = dec.stats().total_decoded();
    assert_eq!(bad + good, 330);
    assert_eq!(bad, 30, "one in every 11 frames: {bad} bad, {good} good");
    assert!(venue.stats().faults.malformed >= 30);
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_duplicated_and_skipped_trade_ids_are_visible() {
    let faults = FaultConfig { duplicate_every_n: 5, skip_every_n: 7, ..FaultConfig::default() };
    let venue = start(with_faults(faults), 10_000.0).await;
    let url = format!("{}/stream?streams=btcusdt@trade/ethusdt@trade/solusdt@trade/dogeusdt@trade", venue.ws_base());
    let mut ws = connect(&url).await;
    let mut last: HashMap<String, u64> = HashMap::new();
    let (mut dups, mut gaps) = (0, 0);
    read_until(&mut ws, |t| {
        let (sym, id) = trade_id(t).unwrap();
        if let Some(&prev) = last.get(&sym) {
            assert!(id >= prev, "in order");
            dups += u32::from(id == prev);
            gaps += u32::from(id > prev + 1);
        }
        last.insert(sym, id);
        dups >= 5 && gaps >= 5
    })
    .await;
    assert!(dups >= 5 && gaps >= 5, "dups {dups}, gaps {gaps}");
    let f = venue.stats().faults;
    assert!(f.duplicated >= 5 && f.skipped >= 5, "{f:?}");
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_reorder_delivers_frames_out_of_order() {
    let venue = start(with_faults(FaultConfig { reorder_every_n: 5, ..FaultConfig::default() }), 10_000.0).await;
    let mut ws = connect(&format!("{}/ws/btcusdt@trade", venue.ws_base())).await;
    let mut ids = Vec::new();
    read_until(&mut ws, |t| {
        ids.push(trade_id(t).unwrap().1);
        ids.len() >= 50
    })
    .await;
    // Sent order 1 2 3 4 6 5 7 8 9 11 10 ...: one step back in every five.
    let back: Vec<usize> = (1..ids.len()).filter(|&i| ids[i] < ids[i - 1]).collect();
    assert_eq!(back.len(), 9, "{ids:?}");
    assert!(back.iter().all(|&i| ids[i] + 1 == ids[i - 1] && i % 5 == 0), "{ids:?}");
    // Nothing lost: all but the last frame are consecutive ids (the last one jumped a held frame).
    let mut sorted = ids[..ids.len() - 1].to_vec();
    sorted.sort_unstable();
    assert!(sorted.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
    assert!(venue.stats().faults.reordered >= 9);
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_faults_answer_429_500_and_slowly() {
    let faults = FaultConfig {
        rest_429_every_n: 3,
        retry_after_secs: 7,
        rest_500_every_n: 4,
        rest_delay_ms: 150,
        ..FaultConfig::default()
    };
    let venue = start(with_faults(faults), 1_000.0).await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let t0 = Instant::now();
        let (status, headers, body) = get(&venue, "/api/v3/time").await;
        assert!(t0.elapsed() >= Duration::from_millis(150), "delayed answer");
        assert!(headers.contains_key("x-mbx-used-weight-1m"));
        if status == 429 {
            assert_eq!(headers["retry-after"], "7");
            assert_eq!(json(&body)["code"], -1003);
        }
        if status == 500 {
            assert_eq!(json(&body)["code"], -1000);
        }
        statuses.push(status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 429, 500]);
    let f = venue.stats().faults;
    assert_eq!((f.rest_429, f.rest_500, f.rest_delayed), (1, 1, 4));
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_does_not_stall_another() {
    let config = SimVenueConfig { ws_send_buffer: 4096, ..quick() };
    let venue = start(config, 50_000.0).await;
    let all: Vec<String> = ["btcusdt", "ethusdt", "solusdt", "dogeusdt"]
        .iter()
        .flat_map(|s| ["trade", "aggTrade", "bookTicker", "depth@100ms"].map(|k| format!("{s}@{k}")))
        .collect();
    // The slow client subscribes to everything and never reads.
    let _slow = connect(&format!("{}/stream?streams={}", venue.ws_base(), all.join("/"))).await;
    let mut fast = connect(&format!("{}/ws/btcusdt@trade", venue.ws_base())).await;
    let mut last = Instant::now();
    let mut longest = Duration::ZERO;
    let mut frames = 0u64;
    let dropped = read_until(&mut fast, |_| {
        let now = Instant::now();
        longest = longest.max(now - last);
        last = now;
        frames += 1;
        frames % 256 == 0 && venue.stats().slow_client_drops > 1_000
    })
    .await;
    assert!(dropped, "the slow client overflowed its buffer: {:?}", venue.stats());
    assert!(longest < Duration::from_secs(1), "the fast client was held up {longest:?}");
    let s = venue.stats();
    let (slow, fast): (Vec<_>, Vec<_>) = s.clients.iter().partition(|c| c.path.starts_with("/stream"));
    assert!(slow[0].dropped > 1_000);
    assert_eq!(fast[0].dropped, 0, "{frames} frames to the fast client, none dropped");
    venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_says_server_shutdown_then_closes() {
    let venue = start(quick(), 1_000.0).await;
    let mut ws = connect(&format!("{}/stream?streams=btcusdt@bookTicker", venue.ws_base())).await;
    assert!(next_text(&mut ws, Instant::now() + DEADLINE).await.is_some());
    let stop = tokio::spawn(venue.shutdown());
    let mut saw_shutdown = false;
    let until = Instant::now() + DEADLINE;
    loop {
        match tokio::time::timeout_at(until, ws.next()).await.expect("closed in time") {
            Some(Ok(Message::Text(t))) => saw_shutdown |= t.contains(r#""e":"serverShutdown""#),
            Some(Ok(Message::Close(c))) => {
                assert_eq!(c.map(|c| u16::from(c.code)), Some(1001));
                break;
            }
            Some(Ok(_)) => {}
            other => panic!("{other:?}"),
        }
    }
    assert!(saw_shutdown);
    stop.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_is_replayed_on_its_streams() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rec.jsonl");
    let t0: i64 = 1_723_161_254_000;
    let mut lines = String::new();
    for i in 0..120i64 {
        let t = t0 + i * 25;
        let trade = format!(
            r#"{{"e":"trade","E":{t},"s":"BTCUSDT","t":{},"p":"61837.{:02}000000","q":"0.01000000","T":{t},"m":true,"M":true}}"#,
            1000 + i,
            i % 100
        );
        if i % 2 == 0 {
            lines.push_str(&format!("{}000000 {{\"stream\":\"btcusdt@trade\",\"data\":{trade}}}\n", t));
        } else {
            lines.push_str(&format!("{}000000 {trade}\n", t));
        }
    }
    std::fs::write(&path, lines).unwrap();
    let speed = tickdesk::config::Speed::Times(1.0);
    let opts = VenueOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        market: MarketSource::Recorded { path, speed },
        config: quick(),
    };
    let venue = SimVenue::start(opts).await.unwrap();
    let mut ws = connect(&format!("{}/stream?streams=btcusdt@trade", venue.ws_base())).await;
    let mut ids = Vec::new();
    read_until(&mut ws, |t| {
        assert!(t.starts_with(r#"{"stream":"btcusdt@trade","data":{"e":"trade""#), "{t}");
        ids.push(trade_id(t).unwrap().1);
        ids.last() == Some(&1119)
    })
    .await;
    assert!(ids.len() >= 40, "most of the 3 s recording arrives after connecting: {}", ids.len());
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1));
    let (_, _, body) = get(&venue, "/api/v3/trades?symbol=BTCUSDT&limit=1").await;
    assert_eq!(json(&body)[0]["id"], 1119);
    let (_, _, body) = get(&venue, "/api/v3/exchangeInfo").await;
    assert_eq!(json(&body)["symbols"][0]["symbol"], "BTCUSDT");
    venue.shutdown().await;
}

/// The real binary: one line with the base URLs on stdout, serves, and
/// prints its stats as JSON after SIGTERM.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_exchange_command_serves_until_sigterm() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tickdesk"))
        .env("TICKDESK_LOG__DIR", dir.path())
        .env("TICKDESK_SIM_VENUE__KLINE_HISTORY", "30")
        .env_remove("RUST_LOG")
        .args(["sim-exchange", "--listen", "127.0.0.1:0", "--seed", "7", "--rate", "2000", "--rest-500-every-n", "2"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words[..3], ["sim-exchange", "listening:", "rest"], "{line}");
    let (rest, ws) = (words[3].to_string(), words[5].to_string());
    assert!(rest.starts_with("http://127.0.0.1:") && ws.starts_with("ws://127.0.0.1:"), "{line}");
    let mut demo = String::new();
    out.read_line(&mut demo).unwrap();
    assert!(demo.starts_with("demo API key: "), "without --api-key the demo pair is printed: {demo}");
    let ok = http().get(format!("{rest}/api/v3/ping")).send().await.unwrap();
    let failed = http().get(format!("{rest}/api/v3/ping")).send().await.unwrap();
    assert_eq!((ok.status().as_u16(), failed.status().as_u16()), (200, 500));
    let mut socket = connect(&format!("{ws}/ws/btcusdt@trade")).await;
    assert!(next_text(&mut socket, Instant::now() + DEADLINE).await.unwrap().starts_with(r#"{"e":"trade""#));
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let mut rest_of_output = String::new();
    out.read_to_string(&mut rest_of_output).unwrap();
    assert!(child.wait().unwrap().success());
    let stats = json(&rest_of_output);
    assert_eq!((stats["rest_requests"].as_u64(), stats["faults"]["rest_500"].as_u64()), (Some(2), Some(1)));
    assert!(stats["messages_sent"].as_u64().unwrap() >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_both_ways_and_a_client_that_stops_reading_is_dropped() {
    let config = SimVenueConfig { ping_interval_secs: 0.1, pong_timeout_secs: 1.0, ws_send_buffer: 64, ..quick() };
    let venue = start(config, 20_000.0).await;
    // The server pings; the client pings and gets its payload back.
    let mut ws = connect(&format!("{}/ws", venue.ws_base())).await;
    ws.send(Message::Ping(b"hi".to_vec().into())).await.unwrap();
    let (mut server_pings, mut pong) = (0, false);
    let until = Instant::now() + DEADLINE;
    while !(pong && server_pings >= 2) {
        match tokio::time::timeout_at(until, ws.next()).await.expect("pings in time") {
            Some(Ok(Message::Ping(_))) => server_pings += 1,
            Some(Ok(Message::Pong(p))) => pong |= &p[..] == b"hi",
            other => panic!("{other:?}"),
        }
    }
    // Meanwhile the first client keeps reading (and so answers pings).
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let reader = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = &mut stop_rx => return ws,
                m = ws.next() => assert!(matches!(m, Some(Ok(_))), "the reading client stays connected: {m:?}"),
            }
        }
    });
    // A client that subscribes to busy streams and never reads is cut off:
    // it answers no ping, and its writes wait longer than the pong timeout.
    let _deaf = connect(&format!("{}/stream?streams=btcusdt@bookTicker/ethusdt@bookTicker", venue.ws_base())).await;
    // Wait for the server to count the deaf client first: until then one
    // active connection is the reading client alone, and proves nothing.
    assert!(eventually(|| venue.stats().connections_total == 2).await, "{:?}", venue.stats().clients);
    assert!(eventually(|| venue.stats().connections_active == 1).await, "{:?}", venue.stats().clients);
    assert_eq!(venue.stats().connections_total, 2);
    stop_tx.send(()).unwrap();
    let mut ws = reader.await.unwrap();
    assert!(request(&mut ws, r#"{"method":"LIST_SUBSCRIPTIONS","id":1}"#).await["result"].is_array());
    venue.shutdown().await;
}
