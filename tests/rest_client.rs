//! The REST client against a scripted HTTP venue on 127.0.0.1: each test
//! queues the answers it wants (429 with Retry-After, 418, 500, bad JSON, a
//! stall, a weight header near the limit, a skewed clock) and checks what the
//! client did, what it counted and what the venue saw. Nothing leaves the machine.

// Test helpers outside #[test] functions may unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tickdesk::domain::{FilterStrings, Instrument, InstrumentId, Level, Price, Qty, Timeframe, Venue};
use tickdesk::feed::rest::{RestClient, RestConfig, RestError};

/// One scripted answer.
#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    delay: Duration,
}

impl Reply {
    fn ok(body: impl Into<String>) -> Self {
        Self::status(200, body)
    }

    fn status(status: u16, body: impl Into<String>) -> Self {
        Self { status, headers: Vec::new(), body: body.into(), delay: Duration::ZERO }
    }

    fn header(mut self, k: &'static str, v: impl ToString) -> Self {
        self.headers.push((k, v.to_string()));
        self
    }

    fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
}

/// What the venue saw of one request.
#[derive(Debug, Clone)]
struct Hit {
    uri: String,
    at: Instant,
    agent: String,
}

type Fallback = Box<dyn Fn(&str) -> Reply + Send + Sync>;

/// The scripted venue: queued answers first, then the fallback for the path.
struct Script {
    queue: Mutex<VecDeque<Reply>>,
    fallback: Fallback,
    hits: Mutex<Vec<Hit>>,
}

struct TestVenue {
    base: String,
    script: Arc<Script>,
}

impl TestVenue {
    fn hits(&self) -> Vec<Hit> {
        self.script.hits.lock().unwrap().clone()
    }
}

async fn handle(State(s): State<Arc<Script>>, headers: HeaderMap, uri: Uri) -> Response {
    let path = uri.path_and_query().map_or_else(|| uri.path().to_string(), |p| p.as_str().to_string());
    let agent = headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    s.hits.lock().unwrap().push(Hit { uri: path.clone(), at: Instant::now(), agent });
    let next = s.queue.lock().unwrap().pop_front();
    let reply = next.unwrap_or_else(|| (s.fallback)(&path));
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut resp = (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
    for (k, v) in reply.headers {
        resp.headers_mut().insert(HeaderName::from_static(k), HeaderValue::from_str(&v).unwrap());
    }
    resp
}

/// Starts a venue on 127.0.0.1:0 (bound before the client exists, so no start-up race).
async fn venue(queue: Vec<Reply>, fallback: impl Fn(&str) -> Reply + Send + Sync + 'static) -> TestVenue {
    let script = Arc::new(Script {
        queue: Mutex::new(queue.into()),
        fallback: Box::new(fallback),
        hits: Mutex::new(Vec::new()),
    });
    let app = Router::new().fallback(handle).with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    TestVenue { base: format!("http://{addr}"), script }
}

fn cfg() -> RestConfig {
    RestConfig { timeout_ms: 2_000, max_retries: 3, retry_base_ms: 10, retry_max_ms: 50, ..RestConfig::default() }
}

fn wall_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

fn time_body() -> Reply {
    Reply::ok(format!(r#"{{"serverTime":{}}}"#, wall_ms()))
}

fn btcusdt() -> Instrument {
    let f = FilterStrings {
        symbol: "BTCUSDT",
        base: "BTC",
        quote: "USDT",
        tick_size: "0.01000000",
        step_size: "0.00001000",
        min_qty: "0.00001000",
        min_notional: "5.00000000",
    };
    Instrument::from_filters(Venue::BinanceSpot, &f).unwrap()
}

const EXCHANGE_INFO: &str = r#"{"timezone":"UTC","serverTime":1,"rateLimits":[
  {"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":1200}],
  "symbols":[{"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","filters":[
  {"filterType":"PRICE_FILTER","minPrice":"0.01000000","maxPrice":"1000000.00000000","tickSize":"0.01000000"},
  {"filterType":"LOT_SIZE","minQty":"0.00001000","maxQty":"9000.00000000","stepSize":"0.00001000"},
  {"filterType":"NOTIONAL","minNotional":"5.00000000"}]}]}"#;

const KLINES: &str = r#"[[1634943780000,"60685.22000000","60729.84000000","60670.90000000","60719.27000000","21.63272000",1634943839999,"1313200.01340410",617,"12.28492000","745719.41022840","0"],
[1634943840000,"60719.28000000","60780.41000000","60707.00000000","60771.81000000","21.91797000",1634943899999,"1331667.75064580",769,"11.54481000","701336.15460230","0"]]"#;

#[tokio::test]
async fn happy_path_instruments_backfill_book_trades_and_weight() {
    let v = venue(vec![], |path| {
        let (body, used) = if path.starts_with("/api/v3/exchangeInfo") {
            (EXCHANGE_INFO.to_string(), 20)
        } else if path.starts_with("/api/v3/klines") {
            (KLINES.to_string(), 22)
        } else if path.starts_with("/api/v3/depth") {
            (r#"{"lastUpdateId":7,"bids":[["60650.00","0.5"]],"asks":[["60650.01","1.25"]]}"#.into(), 27)
        } else if path.starts_with("/api/v3/trades") {
            (r#"[{"id":9,"price":"60650.01","qty":"0.001","quoteQty":"60.65","time":5,"isBuyerMaker":false,"isBestMatch":true}]"#.into(), 52)
        } else if path.starts_with("/api/v3/ping") {
            ("{}".into(), 53)
        } else {
            return Reply::status(404, "");
        };
        Reply::ok(body).header("x-mbx-used-weight-1m", used)
    })
    .await;
    let c = RestClient::new(&v.base, &cfg()).unwrap();
    c.ping().await.unwrap();
    let list = c.exchange_info(&["btcusdt".to_string()]).await.unwrap();
    assert_eq!(list, vec![btcusdt()]);
    // The venue's 1200/min is below the configured 6000: the lower one rules.
    assert_eq!((c.weight().limit, c.weight().throttle_at), (1200, 960));

    let inst = &list[0];
    let id = InstrumentId(3);
    let candles = c.klines(inst, id, Timeframe::M1, 2).await.unwrap();
    assert_eq!(candles.len(), 2);
    assert_eq!((candles[0].instrument, candles[0].open, candles[0].trades), (id, Price(6_068_522), 617));
    let book = c.depth(inst, id, 100).await.unwrap();
    assert_eq!(book.bids, vec![Level { price: Price(6_065_000), qty: Qty(50_000) }]);
    let trades = c.trades(inst, id, 1).await.unwrap();
    assert_eq!((trades[0].trade_id, trades[0].price, trades[0].qty), (9, Price(6_065_001), Qty(100)));

    assert_eq!(v.hits()[0].agent, concat!("tickdesk/", env!("CARGO_PKG_VERSION")));
    let uris: Vec<String> = v.hits().into_iter().map(|h| h.uri).collect();
    assert_eq!(
        uris,
        [
            "/api/v3/ping",
            "/api/v3/exchangeInfo?symbols=%5B%22BTCUSDT%22%5D",
            "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=2",
            "/api/v3/depth?symbol=BTCUSDT&limit=100",
            "/api/v3/trades?symbol=BTCUSDT&limit=1",
        ]
    );
    let w = c.weight();
    assert_eq!((w.used, w.throttling, w.banned), (52, false, false));
    let s = c.stats();
    assert_eq!((s.requests, s.retries, s.parse_errors, s.throttled_waits), (5, 0, 0, 0));
}

#[tokio::test]
async fn rate_limited_429_waits_retry_after_then_succeeds() {
    let limited = Reply::status(
        429,
        r#"{"code":-1003,"msg":"Too much request weight used; current limit is 6000 request weight per 1 MINUTE."}"#,
    )
    .header("retry-after", 1);
    let v = venue(vec![limited], |_| time_body()).await;
    let c = RestClient::new(&v.base, &cfg()).unwrap();
    let t = c.server_time().await.unwrap();
    assert!((t - wall_ms()).abs() < 5_000);
    let hits = v.hits();
    assert_eq!(hits.len(), 2);
    let gap = hits[1].at - hits[0].at;
    assert!(gap >= Duration::from_millis(1_000), "retried after {gap:?}, before Retry-After");
    let s = c.stats();
    assert_eq!((s.requests, s.rate_limited, s.retries, s.refused), (2, 1, 1, 0));
    assert_eq!(c.weight().blocked_ms, 0);
}

#[tokio::test]
async fn retry_after_beyond_the_cap_fails_fast_and_blocks_the_host() {
    let v = venue(vec![Reply::status(429, "").header("retry-after", 30)], |_| time_body()).await;
    let c = RestClient::new(&v.base, &RestConfig { max_retry_after_secs: 5, ..cfg() }).unwrap();
    assert_eq!(c.server_time().await, Err(RestError::RateLimited { retry_after_secs: 30 }));
    // No further request reaches the host while the block lasts.
    let e = c.ping().await.unwrap_err();
    assert!(matches!(e, RestError::RateLimited { retry_after_secs: 29..=30 }), "{e}");
    assert_eq!(v.hits().len(), 1);
    let s = c.stats();
    assert_eq!((s.rate_limited, s.refused, s.retries), (1, 1, 0));
    assert!(c.weight().throttling);
}

#[tokio::test]
async fn banned_418_surfaces_and_no_request_goes_out_during_the_ban() {
    let ban = Reply::status(
        418,
        r#"{"code":-1003,"msg":"Way too much request weight used; IP banned until 1659146400000."}"#,
    )
    .header("retry-after", 120);
    let v = venue(vec![ban], |_| time_body()).await;
    let c = RestClient::new(&v.base, &cfg()).unwrap();
    let e = c.server_time().await.unwrap_err();
    assert_eq!(e, RestError::Banned { retry_after_secs: 120 });
    assert!(e.to_string().contains("IP banned"), "{e}");
    let e = c.server_time().await.unwrap_err();
    assert!(matches!(e, RestError::Banned { retry_after_secs: 119..=120 }), "{e}");
    assert_eq!(v.hits().len(), 1, "a request went out during the ban");
    let s = c.stats();
    assert_eq!((s.banned, s.refused, s.retries, s.requests), (1, 1, 0, 1));
    let w = c.weight();
    assert!(w.banned && w.throttling && w.blocked_ms > 100_000);
}

#[tokio::test]
async fn server_error_500_is_retried() {
    let v = venue(vec![Reply::status(500, "Internal Server Error")], |_| time_body()).await;
    let c = RestClient::new(&v.base, &cfg()).unwrap();
    c.server_time().await.unwrap();
    let s = c.stats();
    assert_eq!((s.requests, s.server_errors, s.retries), (2, 1, 1));
    assert_eq!(v.hits().len(), 2);
}

#[tokio::test]
async fn server_error_forever_gives_up_after_max_retries() {
    let v = venue(vec![], |_| Reply::status(500, "Internal Server Error")).await;
    let c = RestClient::new(&v.base, &RestConfig { max_retries: 2, ..cfg() }).unwrap();
    let e = c.server_time().await.unwrap_err();
    assert_eq!(e, RestError::Http { status: 500, path: "/api/v3/time".into() });
    assert_eq!(e.to_string(), "/api/v3/time: HTTP 500");
    assert_eq!(v.hits().len(), 3);
    let s = c.stats();
    assert_eq!((s.requests, s.server_errors, s.retries), (3, 3, 2));
    // A Binance body on a 5xx is kept in the error.
    let v = venue(vec![], |_| {
        Reply::status(503, r#"{"code":-1007,"msg":"Timeout waiting for response from backend server."}"#)
    })
    .await;
    let c = RestClient::new(&v.base, &RestConfig { max_retries: 0, ..cfg() }).unwrap();
    let e = c.ping().await.unwrap_err();
    assert!(matches!(e, RestError::Api { status: 503, code: -1007, .. }), "{e}");
}

#[tokio::test]
async fn client_error_4xx_is_not_retried() {
    let v = venue(vec![], |_| Reply::status(400, r#"{"code":-1121,"msg":"Invalid symbol."}"#)).await;
    let c = RestClient::new(&v.base, &cfg()).unwrap();
    let e = c.klines(&btcusdt(), InstrumentId(0), Timeframe::M1, 5).await.unwrap_err();
    assert_eq!(
        e,
        RestError::Api {
            status: 400,
            code: -1121,
            msg: "Invalid symbol.".into(),
            path: "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=5".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=5: HTTP 400, Binance error -1121: Invalid symbol."
    );
    assert_eq!(v.hits().len(), 1);
    let s = c.stats();
    assert_eq!((s.client_errors, s.retries), (1, 0));
}

#[tokio::test]
async fn malformed_bodies_are_parse_errors_naming_path_and_field() {
    let bad_row = r#"[[1,"1","1","1","1","1",2,"1",3],[4,"1","1","1","6e4","1",5,"1",6]]"#;
    let v =
        venue(vec![Reply::ok("{not json"), Reply::ok(bad_row), Reply::ok("x".repeat(1_000))], |_| time_body()).await;
    let c = RestClient::new(&v.base, &RestConfig { max_body_bytes: 512, ..cfg() }).unwrap();
    let path = "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=2";
    let e = c.klines(&btcusdt(), InstrumentId(0), Timeframe::M1, 2).await.unwrap_err();
    let RestError::Parse { path: p, detail } = &e else { panic!("{e}") };
    assert_eq!(p, path);
    assert!(detail.starts_with("body: not valid JSON"), "{detail}");
    let e = c.klines(&btcusdt(), InstrumentId(0), Timeframe::M1, 2).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{path}: malformed body: [1][4] (close): bad decimal \"6e4\": exponent notation not allowed")
    );
    let e = c.ping().await.unwrap_err();
    assert_eq!(e, RestError::Parse { path: "/api/v3/ping".into(), detail: "body larger than 512 bytes".into() });
    let s = c.stats();
    assert_eq!((s.parse_errors, s.retries, s.requests), (3, 0, 3));
    // The client is still usable.
    c.server_time().await.unwrap();
}

#[tokio::test]
async fn slow_answer_times_out() {
    let v = venue(vec![], |_| time_body().delay(Duration::from_secs(5))).await;
    let c = RestClient::new(&v.base, &RestConfig { timeout_ms: 150, max_retries: 1, ..cfg() }).unwrap();
    let started = Instant::now();
    let e = c.server_time().await.unwrap_err();
    assert_eq!(e, RestError::Timeout { path: "/api/v3/time".into() });
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    let s = c.stats();
    assert_eq!((s.timeouts, s.retries, s.requests), (2, 1, 2));
}

#[tokio::test]
async fn refused_connection_is_retried_then_a_network_error() {
    // A port that was just free: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let c = RestClient::new(&format!("http://127.0.0.1:{port}"), &RestConfig { max_retries: 2, ..cfg() }).unwrap();
    let e = c.ping().await.unwrap_err();
    let RestError::Network { path, detail } = &e else { panic!("{e}") };
    assert_eq!(path, "/api/v3/ping");
    assert!(!detail.is_empty());
    let s = c.stats();
    assert_eq!((s.network_errors, s.retries, s.requests), (3, 2, 3));
}

#[tokio::test]
async fn used_weight_near_the_limit_throttles_until_the_window_rolls() {
    // 95 of 100 used, throttle at 80: the next request must wait for the
    // window (shortened to 400 ms for the test) to roll, without a 429.
    let v = venue(vec![], |_| Reply::ok("{}").header("x-mbx-used-weight-1m", 95)).await;
    let rc = RestConfig { weight_limit_per_min: 100, throttle_at_percent: 80, weight_window_ms: 400, ..cfg() };
    let c = RestClient::new(&v.base, &rc).unwrap();
    // A header that lands after its window rolled is stale and ignored: retry until it counts.
    for _ in 0..5 {
        c.ping().await.unwrap();
        if c.weight().throttling {
            break;
        }
    }
    let w = c.weight();
    assert_eq!((w.used, w.limit, w.throttle_at, w.throttling), (95, 100, 80, true));
    let before = c.stats();
    assert_eq!(before.throttled_waits, 0);
    c.ping().await.unwrap();
    let s = c.stats();
    assert_eq!(s.throttled_waits, 1);
    assert!(s.throttled_ms > 0 && s.throttled_ms <= 400, "{s:?}");
    let hits = v.hits();
    let gap = hits[hits.len() - 1].at - hits[hits.len() - 2].at;
    assert!(gap + Duration::from_millis(2) >= Duration::from_millis(s.throttled_ms), "{gap:?} vs {s:?}");
    assert_eq!(s.rate_limited, 0);
}

#[tokio::test]
async fn clock_offset_is_within_the_round_trip_of_the_skew() {
    for skew in [5_000i64, -3_000] {
        let v = venue(vec![], move |_| Reply::ok(format!(r#"{{"serverTime":{}}}"#, wall_ms() + skew))).await;
        let c = RestClient::new(&v.base, &cfg()).unwrap();
        assert_eq!(c.clock_offset(), None);
        let o = c.estimate_clock_offset(5).await.unwrap();
        assert_eq!(o.probes, 5);
        assert!((o.offset_ms - skew).abs() as f64 <= o.rtt_ms + 1.0, "skew {skew}: {o:?}");
        assert_eq!(c.clock_offset(), Some(o));
        assert_eq!(v.hits().len(), 5);
    }
}

#[tokio::test]
async fn bad_setup_is_refused_with_a_reason() {
    for (base, rc) in [
        ("not a url", cfg()),
        ("ftp://127.0.0.1", cfg()),
        ("http://127.0.0.1:1", RestConfig { timeout_ms: 0, ..cfg() }),
        ("http://127.0.0.1:1", RestConfig { throttle_at_percent: 101, ..cfg() }),
    ] {
        let e = RestClient::new(base, &rc).unwrap_err();
        assert!(matches!(e, RestError::Config { .. }), "{base}: {e}");
    }
    // A base with a path prefix keeps it.
    let v = venue(vec![], |_| Reply::ok("{}")).await;
    let c = RestClient::new(&format!("{}/prefix/", v.base), &cfg()).unwrap();
    c.ping().await.unwrap();
    assert_eq!(v.hits()[0].uri, "/prefix/api/v3/ping");
}
