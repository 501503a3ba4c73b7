//! REST market data on Binance's paths, shapes and error codes:
//! `/api/v3/ping`, `/time`, `/exchangeInfo`, `/depth`, `/trades`, `/klines`.
//!
//! Every answer carries `X-MBX-USED-WEIGHT-1M`; a request over the weight
//! limit gets 429 with `Retry-After` (seconds to the next minute) and
//! `-1003`. The REST faults (429 / 500 every N requests, delays) are applied
//! here, before the weight is charged.

use super::render::{self, Scales};
use super::server::Shared;
use super::stats::Counters;
use super::streams::INTERVALS;
use crate::domain::Timeframe;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

type Params = Query<HashMap<String, String>>;

/// A Binance error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: i64,
    pub msg: String,
}

impl ApiError {
    fn bad(code: i64, msg: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, code, msg: msg.into() }
    }

    fn body(&self) -> String {
        format!(r#"{{"code":{},"msg":{}}}"#, self.code, Value::String(self.msg.clone()))
    }

    fn missing(name: &str) -> Self {
        Self::bad(-1102, format!("Mandatory parameter '{name}' was not sent, was empty/null, or malformed."))
    }

    fn illegal(name: &str) -> Self {
        Self::bad(-1100, format!("Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'."))
    }

    fn invalid_symbol() -> Self {
        Self::bad(-1121, "Invalid symbol.")
    }
}

use crate::telemetry::wall_ms as now_ms;

pub(super) fn respond(status: StatusCode, used: u32, retry_after: Option<u64>, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert("content-type", HeaderValue::from_static("application/json;charset=UTF-8"));
    h.insert("x-mbx-used-weight-1m", HeaderValue::from(used));
    if let Some(s) = retry_after {
        h.insert("retry-after", HeaderValue::from(s));
    }
    r
}

/// Applies faults and weight, then answers with `body()`.
async fn answer(sh: &Shared, ip: IpAddr, weight: u32, body: impl FnOnce() -> Result<String, ApiError>) -> Response {
    let c = &sh.counters;
    let n = Counters::inc(&c.rest_requests);
    if let Some(r) = super::trading::rest::banned(&sh.trading, sh.weights.used(ip, now_ms()), ip, now_ms()) {
        Counters::inc(&c.rest_errors);
        return r;
    }
    let f = &sh.cfg.faults;
    if f.rest_delay_ms > 0 {
        Counters::inc(&c.faults.rest_delayed);
        tokio::time::sleep(std::time::Duration::from_millis(f.rest_delay_ms)).await;
    }
    let every = |k: u64| k > 0 && n % k == 0;
    if every(f.rest_429_every_n) {
        Counters::inc(&c.faults.rest_429);
        tracing::debug!("sim venue fault: REST request {n} answered 429");
        let e = ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: -1003,
            msg: "Too many requests; please use the websocket for live updates to avoid polling the API.".into(),
        };
        return respond(e.status, sh.weights.used(ip, now_ms()), Some(f.retry_after_secs), e.body());
    }
    if every(f.rest_500_every_n) {
        Counters::inc(&c.faults.rest_500);
        tracing::debug!("sim venue fault: REST request {n} answered 500");
        let e = ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: -1000,
            msg: "An unknown error occurred while processing the request.".into(),
        };
        return respond(e.status, sh.weights.used(ip, now_ms()), None, e.body());
    }
    let charge = sh.weights.charge(ip, weight, now_ms());
    if charge.over {
        Counters::inc(&c.rest_rate_limited);
        let msg = format!(
            "Too much request weight used; current limit is {} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
            sh.weights.limit()
        );
        let e = ApiError { status: StatusCode::TOO_MANY_REQUESTS, code: -1003, msg };
        sh.trading.bans.arm(ip, now_ms(), charge.retry_after_secs);
        return respond(e.status, charge.used, Some(charge.retry_after_secs), e.body());
    }
    match body() {
        Ok(b) => respond(StatusCode::OK, charge.used, None, b),
        Err(e) => {
            Counters::inc(&c.rest_errors);
            respond(e.status, charge.used, None, e.body())
        }
    }
}

/// An optional unsigned integer parameter.
fn number<T: std::str::FromStr>(q: &HashMap<String, String>, name: &str) -> Result<Option<T>, ApiError> {
    match q.get(name) {
        None => Ok(None),
        Some(v) if v.is_empty() => Err(ApiError::missing(name)),
        Some(v) => v.parse().map(Some).map_err(|_| ApiError::illegal(name)),
    }
}

fn symbol_index(sh: &Shared, q: &HashMap<String, String>) -> Result<usize, ApiError> {
    let s = q.get("symbol").filter(|s| !s.is_empty()).ok_or_else(|| ApiError::missing("symbol"))?;
    sh.lock().find(s).ok_or_else(ApiError::invalid_symbol)
}

/// `GET /api/v3/ping` → `{}`
pub async fn ping(ConnectInfo(peer): ConnectInfo<SocketAddr>, State(sh): State<Arc<Shared>>) -> Response {
    answer(&sh, peer.ip(), 1, || Ok("{}".into())).await
}

/// `GET /api/v3/time` → `{"serverTime":..}`
pub async fn time(ConnectInfo(peer): ConnectInfo<SocketAddr>, State(sh): State<Arc<Shared>>) -> Response {
    answer(&sh, peer.ip(), 1, || Ok(format!(r#"{{"serverTime":{}}}"#, sh.trading.now_ms()))).await
}

/// `GET /api/v3/exchangeInfo[?symbol=X | ?symbols=["X","Y"]]`
pub async fn exchange_info(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(sh): State<Arc<Shared>>,
    Query(q): Params,
) -> Response {
    answer(&sh, peer.ip(), 20, || exchange_info_body(&sh, &q)).await
}

fn exchange_info_body(sh: &Shared, q: &HashMap<String, String>) -> Result<String, ApiError> {
    let wanted: Option<Vec<String>> = match (q.get("symbol"), q.get("symbols")) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad(-1128, "Combination of optional parameters invalid."));
        }
        (Some(s), None) => Some(vec![s.clone()]),
        (None, Some(list)) => Some(
            serde_json::from_str::<Vec<String>>(list)
                .map_err(|_| ApiError::bad(-1100, "Illegal characters found in parameter 'symbols'."))?,
        ),
        (None, None) => None,
    };
    let st = sh.lock();
    let indices: Vec<usize> = match &wanted {
        Some(list) => list.iter().map(|s| st.find(s).ok_or_else(ApiError::invalid_symbol)).collect::<Result<_, _>>()?,
        None => (0..st.symbols().len()).collect(),
    };
    let symbols: Vec<Value> =
        indices.iter().filter_map(|&i| st.get(i)).map(|s| symbol_entry(&s.inst, s.scales)).collect();
    drop(st);
    let body = json!({
        "timezone": "UTC",
        "serverTime": now_ms(),
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": sh.weights.limit()},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 50},
            {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 160_000},
            {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 300_000}
        ],
        "exchangeFilters": [],
        "symbols": symbols,
    });
    Ok(body.to_string())
}

fn symbol_entry(inst: &crate::domain::Instrument, s: Scales) -> Value {
    let d = |raw: i64, scale: u8| render::dec_string(i128::from(raw), scale);
    let big = |scale: u8| render::dec_string(9_000_000 * 10i128.pow(u32::from(scale)), scale);
    json!({
        "symbol": inst.symbol,
        "status": "TRADING",
        "baseAsset": inst.base,
        "baseAssetPrecision": 8,
        "quoteAsset": inst.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"],
        "icebergAllowed": true,
        "ocoAllowed": true,
        "otoAllowed": true,
        "quoteOrderQtyMarketAllowed": true,
        "allowTrailingStop": false,
        "cancelReplaceAllowed": false,
        "amendAllowed": false,
        "isSpotTradingAllowed": true,
        "isMarginTradingAllowed": false,
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": d(inst.tick_size.0, s.price),
             "maxPrice": render::dec_string(100_000_000 * 10i128.pow(u32::from(s.price)), s.price),
             "tickSize": d(inst.tick_size.0, s.price)},
            {"filterType": "LOT_SIZE", "minQty": d(inst.min_qty.0.max(inst.step_size.0), s.qty),
             "maxQty": big(s.qty), "stepSize": d(inst.step_size.0, s.qty)},
            {"filterType": "NOTIONAL", "minNotional": render::dec_string(inst.min_notional.0, 18),
             "applyMinToMarket": true, "maxNotional": big(8), "applyMaxToMarket": false, "avgPriceMins": 5}
        ],
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"]
    })
}

/// `GET /api/v3/depth?symbol=X[&limit=N]` (limit 1..5000, default 100).
pub async fn depth(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(sh): State<Arc<Shared>>,
    Query(q): Params,
) -> Response {
    let limit = number::<u32>(&q, "limit");
    let weight = match limit {
        Ok(Some(l)) if l > 1000 => 250,
        Ok(Some(l)) if l > 500 => 50,
        Ok(Some(l)) if l > 100 => 25,
        _ => 5,
    };
    answer(&sh, peer.ip(), weight, || {
        let limit = limit?.unwrap_or(100).clamp(1, 5000) as usize;
        let i = symbol_index(&sh, &q)?;
        let st = sh.lock();
        let s = st.get(i).ok_or_else(ApiError::invalid_symbol)?;
        let snap = s.book.snapshot(limit);
        let mut b = Vec::with_capacity(64 + 48 * (snap.bids.len() + snap.asks.len()));
        b.extend_from_slice(br#"{"lastUpdateId":"#);
        render::u64(&mut b, snap.last_update_id);
        b.extend_from_slice(br#","bids":"#);
        render::levels(&mut b, &snap.bids, s.scales);
        b.extend_from_slice(br#","asks":"#);
        render::levels(&mut b, &snap.asks, s.scales);
        b.push(b'}');
        Ok(String::from_utf8_lossy(&b).into_owned())
    })
    .await
}

/// `GET /api/v3/trades?symbol=X[&limit=N]` (limit 1..1000, default 500), oldest first.
pub async fn trades(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(sh): State<Arc<Shared>>,
    Query(q): Params,
) -> Response {
    answer(&sh, peer.ip(), 25, || {
        let limit = number::<u32>(&q, "limit")?.unwrap_or(500).clamp(1, 1000) as usize;
        let i = symbol_index(&sh, &q)?;
        let st = sh.lock();
        let s = st.get(i).ok_or_else(ApiError::invalid_symbol)?;
        let sc = s.scales;
        let skip = s.trades.len().saturating_sub(limit);
        let mut b = Vec::with_capacity(160 * limit.min(s.trades.len()) + 2);
        b.push(b'[');
        for (k, t) in s.trades.iter().skip(skip).enumerate() {
            if k > 0 {
                b.push(b',');
            }
            b.extend_from_slice(br#"{"id":"#);
            render::u64(&mut b, t.id);
            b.extend_from_slice(br#","price":"#);
            render::dec(&mut b, i128::from(t.price), sc.price);
            b.extend_from_slice(br#","qty":"#);
            render::dec(&mut b, i128::from(t.qty), sc.qty);
            b.extend_from_slice(br#","quoteQty":"#);
            render::dec(&mut b, i128::from(t.price) * i128::from(t.qty), sc.quote());
            b.extend_from_slice(br#","time":"#);
            render::i64(&mut b, t.time_ms);
            b.extend_from_slice(if t.buyer_is_maker {
                br#","isBuyerMaker":true"#
            } else {
                br#","isBuyerMaker":false"#
            });
            b.extend_from_slice(br#","isBestMatch":true}"#);
        }
        b.push(b']');
        Ok(String::from_utf8_lossy(&b).into_owned())
    })
    .await
}

/// `GET /api/v3/klines?symbol=X&interval=1m[&startTime][&endTime][&limit]` (limit 1..1000, default 500).
pub async fn klines(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(sh): State<Arc<Shared>>,
    Query(q): Params,
) -> Response {
    answer(&sh, peer.ip(), 2, || {
        let i = symbol_index(&sh, &q)?;
        let iv = q.get("interval").filter(|s| !s.is_empty()).ok_or_else(|| ApiError::missing("interval"))?;
        let tf: Timeframe = INTERVALS
            .iter()
            .copied()
            .find(|t| t.as_str() == iv)
            .ok_or_else(|| ApiError::bad(-1120, "Invalid interval."))?;
        if let Some(tz) = q.get("timeZone") {
            if !matches!(tz.as_str(), "0" | "+0" | "00:00" | "+00:00" | "0:00") {
                return Err(ApiError::bad(-1100, "Only timeZone=0 is supported by the sim venue."));
            }
        }
        let start = number::<i64>(&q, "startTime")?;
        let end = number::<i64>(&q, "endTime")?;
        let limit = number::<u32>(&q, "limit")?.unwrap_or(500).clamp(1, 1000) as usize;
        let st = sh.lock();
        let s = st.get(i).ok_or_else(ApiError::invalid_symbol)?;
        let bars = s.candles.query(tf, start, end, limit);
        let sc = s.scales;
        drop(st);
        let mut b = Vec::with_capacity(200 * bars.len() + 2);
        b.push(b'[');
        for (k, bar) in bars.iter().enumerate() {
            if k > 0 {
                b.push(b',');
            }
            b.push(b'[');
            render::i64(&mut b, bar.open_time);
            for p in [bar.open, bar.high, bar.low, bar.close] {
                b.push(b',');
                render::dec(&mut b, i128::from(p), sc.price);
            }
            b.push(b',');
            render::dec(&mut b, bar.volume, sc.qty);
            b.push(b',');
            render::i64(&mut b, bar.close_time);
            b.push(b',');
            render::dec(&mut b, bar.quote_volume, sc.quote());
            b.push(b',');
            render::u64(&mut b, bar.trades);
            b.push(b',');
            render::dec(&mut b, bar.taker_base, sc.qty);
            b.push(b',');
            render::dec(&mut b, bar.taker_quote, sc.quote());
            b.extend_from_slice(br#","0"]"#);
        }
        b.push(b']');
        Ok(String::from_utf8_lossy(&b).into_owned())
    })
    .await
}

/// Any other path: 404, still with the weight header.
pub async fn not_found(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(sh): State<Arc<Shared>>,
    uri: Uri,
) -> Response {
    Counters::inc(&sh.counters.rest_requests);
    Counters::inc(&sh.counters.rest_errors);
    let used = sh.weights.used(peer.ip(), now_ms());
    let e = ApiError {
        status: StatusCode::NOT_FOUND,
        code: -1000,
        msg: format!("The sim venue does not serve {}", uri.path()),
    };
    respond(e.status, used, None, e.body())
}
