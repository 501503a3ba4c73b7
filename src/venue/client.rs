//! [`TradingClient`]: the signed REST calls of Binance Spot trading.
//!
//! Every signed request carries `recvWindow` and `timestamp` (our clock plus
//! the offset from `/api/v3/time`), all parameters in the query string in a
//! fixed order, an empty body, and `X-MBX-APIKEY`. The policy of one request
//! is in `request`; the bodies go to the pure parsers in [`super::parse`].
//!
//! Order placement is never retried blindly: [`TradingClient::new_order`]
//! tries once (plus once after a clock resync on -1021), and
//! [`TradingClient::submit`] resolves an unknown outcome by querying the
//! client order id before it would ever send the order again.

mod request;
mod stats;

pub use stats::TradingStats;

use super::error::{ApiCode, TradeError};
use super::limits::{Limits, LimitsState};
use super::parse::{self, AccountInfo, BodyError, MyTrade, OrderView};
use super::sign::{Credentials, Query, Signer};
use crate::domain::{Instrument, OrderKind, Price, Qty, Side, TimeInForce};
use crate::feed::rest::client::{is_loopback, wall_us};
use crate::feed::rest::clock::{self, Probe};
use crate::feed::rest::server_time;
use crate::telemetry::wall_ms;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use request::Call;
use reqwest::{Method, Url};
use serde::{Deserialize, Serialize};
use stats::{Counter, Counters};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// `/api/v3/time` probes per clock sync; the tightest wins.
const CLOCK_PROBES: usize = 3;

/// `[route.binance]`: the trading client's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct TradingConfig {
    /// `recvWindow` sent with every signed request, in ms (Binance: at most 60000).
    pub recv_window_ms: u64,
    /// Whole-request timeout, in ms; an order without an answer by then has an unknown status.
    pub timeout_ms: u64,
    /// Request weight allowed per minute (Binance REQUEST_WEIGHT).
    pub weight_limit_per_min: u32,
    /// Requests (and orders) wait once this percentage of a limit is used.
    pub throttle_at_percent: u8,
    /// Orders allowed per 10 s (Binance ORDERS, per account).
    pub order_limit_10s: u32,
    /// Orders allowed per UTC day.
    pub order_limit_1d: u32,
    /// Longest wait (429 Retry-After, throttle) the client sits out; a longer one fails at once.
    pub max_retry_after_secs: u64,
    /// Queries by client order id after a placement with an unknown outcome.
    pub query_attempts: u32,
    /// Gap between those queries, in ms (order queries read memory, then the database).
    pub query_gap_ms: u64,
}

impl Default for TradingConfig {
    fn default() -> Self {
        Self {
            recv_window_ms: 5_000,
            timeout_ms: 5_000,
            weight_limit_per_min: 6_000,
            throttle_at_percent: 80,
            order_limit_10s: 50,
            order_limit_1d: 160_000,
            max_retry_after_secs: 120,
            query_attempts: 3,
            query_gap_ms: 250,
        }
    }
}

/// An order to place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub symbol: String,
    pub side: Side,
    pub kind: OrderKind,
    pub tif: TimeInForce,
    pub qty: Qty,
    /// Required for every kind but MARKET.
    pub price: Option<Price>,
    /// Required for STOP_LOSS_LIMIT and TAKE_PROFIT_LIMIT.
    pub stop_price: Option<Price>,
    /// Deterministic and unique: the key of every reconciliation.
    pub client_order_id: String,
}

/// How [`TradingClient::submit`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// Accepted at the first attempt.
    Placed(OrderView),
    /// The first answer was lost; a query found the order.
    Found(OrderView),
    /// Every query said the venue never got it; sent once more with the same id.
    Resent(OrderView),
}

impl Submitted {
    pub fn view(&self) -> &OrderView {
        match self {
            Self::Placed(v) | Self::Found(v) | Self::Resent(v) => v,
        }
    }
}

/// The Binance Spot trading client. Cloning is cheap and shares the
/// connection pool, the limits, the counters and the clock offset.
#[derive(Clone)]
pub struct TradingClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    cfg: TradingConfig,
    creds: Credentials,
    signer: Signer,
    limits: Mutex<Limits>,
    offset_ms: AtomicI64,
    counters: Counters,
    rng: Mutex<ChaCha8Rng>,
}

impl std::fmt::Debug for TradingClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TradingClient")
            .field("base", &self.inner.base.as_str())
            .field("key", &self.inner.creds.key)
            .field("offset_ms", &self.offset_ms())
            .finish_non_exhaustive()
    }
}

impl TradingClient {
    /// A client for `rest_base` (`https://testnet.binance.vision`, `http://127.0.0.1:PORT`).
    pub fn new(rest_base: &str, creds: Credentials, cfg: &TradingConfig) -> Result<Self, TradeError> {
        let bad = |detail: String| TradeError::Config { detail };
        let base = Url::parse(rest_base).map_err(|e| bad(format!("base URL {rest_base:?}: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(bad(format!("base URL {rest_base:?}: expected http:// or https://")));
        }
        if base.query().is_some() {
            return Err(bad(format!("base URL {rest_base:?}: a base takes no query")));
        }
        if cfg.timeout_ms == 0 {
            return Err(bad("timeout-ms must be above 0".into()));
        }
        if cfg.recv_window_ms == 0 || cfg.recv_window_ms > 60_000 {
            return Err(bad(format!("recv-window-ms = {}: between 1 and 60000", cfg.recv_window_ms)));
        }
        if cfg.throttle_at_percent > 100 || cfg.throttle_at_percent == 0 {
            return Err(bad(format!("throttle-at-percent = {}: between 1 and 100", cfg.throttle_at_percent)));
        }
        if cfg.weight_limit_per_min == 0 || cfg.order_limit_10s == 0 || cfg.order_limit_1d == 0 {
            return Err(bad("weight-limit-per-min, order-limit-10s and order-limit-1d must be above 0".into()));
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let timeout = Duration::from_millis(cfg.timeout_ms);
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("tickdesk/", env!("CARGO_PKG_VERSION")));
        if is_loopback(&base) {
            // A proxy from the environment must not capture the local venue.
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| bad(format!("HTTP client: {e}")))?;
        let limits = Limits::new(
            cfg.weight_limit_per_min,
            cfg.order_limit_10s,
            cfg.order_limit_1d,
            cfg.throttle_at_percent,
            cfg.max_retry_after_secs.saturating_mul(1000),
        );
        let signer = creds.signer();
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                cfg: cfg.clone(),
                creds,
                signer,
                limits: Mutex::new(limits),
                offset_ms: AtomicI64::new(0),
                counters: Counters::default(),
                rng: Mutex::new(ChaCha8Rng::seed_from_u64(wall_ms().unsigned_abs())),
            }),
        })
    }

    /// Probes `/api/v3/time` and keeps the offset (venue − local, ms) that
    /// every signed timestamp adds.
    pub async fn sync_time(&self) -> Result<i64, TradeError> {
        let call = Call {
            method: Method::GET,
            path: "/api/v3/time",
            params: Query::new(),
            weight: 1,
            order: false,
            signed: false,
            retry: false,
        };
        let mut probes = Vec::with_capacity(CLOCK_PROBES);
        let mut last_err = None;
        for _ in 0..CLOCK_PROBES {
            let send_us = wall_us();
            match self.send(&call).await {
                Ok(body) => match server_time::parse(&body) {
                    Ok(server_ms) => probes.push(Probe { send_us, recv_us: wall_us(), server_ms }),
                    Err(e) => last_err = Some(self.malformed(&call.label(), e)),
                },
                Err(e @ (TradeError::Banned { .. } | TradeError::RateLimited { .. })) => return Err(e),
                Err(e) => last_err = Some(e),
            }
        }
        let Some(est) = clock::estimate(&probes) else {
            return Err(last_err.unwrap_or_else(|| TradeError::Config { detail: "no clock probe answered".into() }));
        };
        self.inner.offset_ms.store(est.offset_ms, Ordering::Relaxed);
        tracing::debug!(offset_ms = est.offset_ms, rtt_ms = est.rtt_ms, "venue clock offset");
        Ok(est.offset_ms)
    }

    /// `POST /api/v3/order` once (and once more after a clock resync on -1021).
    /// A status-unknown error means the order may exist: see [`submit`](Self::submit).
    pub async fn new_order(&self, o: &NewOrder, inst: &Instrument) -> Result<OrderView, TradeError> {
        let call = Call {
            method: Method::POST,
            path: "/api/v3/order",
            params: order_params(o, inst)?,
            weight: 1,
            order: true,
            signed: true,
            retry: false,
        };
        let body = self.call(&call).await?;
        self.parsed(&call.label(), parse::order(&body, inst))
    }

    /// Places `o` exactly once at the venue: after an unknown outcome the
    /// order is looked up by its client id, and sent again (same id) only
    /// when every lookup says the venue never got it.
    pub async fn submit(&self, o: &NewOrder, inst: &Instrument) -> Result<Submitted, TradeError> {
        let first = match self.new_order(o, inst).await {
            Ok(v) => return Ok(Submitted::Placed(v)),
            Err(e) if e.status_unknown() => e,
            Err(e) => return Err(e),
        };
        self.count(Counter::StatusUnknown);
        let cid = o.client_order_id.as_str();
        tracing::warn!(client_order_id = cid, "order status unknown ({first}); querying by origClientOrderId");
        let mut never_got_it = true;
        let mut last = first.to_string();
        for i in 0..self.inner.cfg.query_attempts.max(1) {
            tokio::time::sleep(Duration::from_millis(if i == 0 { 0 } else { self.inner.cfg.query_gap_ms })).await;
            match self.query_order(inst, None, Some(cid)).await {
                Ok(v) => {
                    self.count(Counter::QueriedAfterUnknown);
                    tracing::info!(
                        client_order_id = cid,
                        status = v.status.as_str(),
                        "order found after unknown outcome"
                    );
                    return Ok(Submitted::Found(v));
                }
                Err(e) if e.api_code() == Some(ApiCode::NoSuchOrder) => last = e.to_string(),
                Err(e) => {
                    never_got_it = false;
                    last = e.to_string();
                }
            }
        }
        let unknown = |detail: String| {
            tracing::error!(client_order_id = cid, "{detail}");
            TradeError::StatusUnknown { client_order_id: cid.to_string(), detail }
        };
        if !never_got_it {
            return Err(unknown(format!("first attempt: {first}; last query: {last}")));
        }
        self.count(Counter::Resent);
        tracing::warn!(client_order_id = cid, "every query said -2013: resending once with the same id");
        match self.new_order(o, inst).await {
            Ok(v) => Ok(Submitted::Resent(v)),
            Err(e) if e.status_unknown() => Err(unknown(format!("resend after -2013: {e}"))),
            Err(e) => Err(e),
        }
    }

    /// `POST /api/v3/order/test`: validated by the venue, never executed.
    pub async fn test_order(&self, o: &NewOrder, inst: &Instrument) -> Result<(), TradeError> {
        let call = Call {
            method: Method::POST,
            path: "/api/v3/order/test",
            params: order_params(o, inst)?,
            weight: 1,
            order: false,
            signed: true,
            retry: true,
        };
        self.call(&call).await.map(drop)
    }

    /// `DELETE /api/v3/order` by order id and/or client order id.
    pub async fn cancel(
        &self,
        inst: &Instrument,
        order_id: Option<i64>,
        client_order_id: Option<&str>,
    ) -> Result<OrderView, TradeError> {
        self.one_order(Method::DELETE, 1, inst, order_id, client_order_id).await
    }

    /// `DELETE /api/v3/openOrders`: cancels every open order of `inst` (the kill switch).
    pub async fn cancel_all(&self, inst: &Instrument) -> Result<Vec<OrderView>, TradeError> {
        let call = self.symbol_call(Method::DELETE, "/api/v3/openOrders", inst, 1);
        let body = self.call(&call).await?;
        self.parsed(&call.label(), parse::orders(&body, inst))
    }

    /// `GET /api/v3/order` by order id and/or client order id.
    pub async fn query_order(
        &self,
        inst: &Instrument,
        order_id: Option<i64>,
        client_order_id: Option<&str>,
    ) -> Result<OrderView, TradeError> {
        self.one_order(Method::GET, 4, inst, order_id, client_order_id).await
    }

    /// `/api/v3/order` by order id and/or client order id (cancel or query).
    async fn one_order(
        &self,
        method: Method,
        weight: u32,
        inst: &Instrument,
        order_id: Option<i64>,
        client_order_id: Option<&str>,
    ) -> Result<OrderView, TradeError> {
        let params = id_params(inst, order_id, client_order_id)?;
        let call = Call { method, path: "/api/v3/order", params, weight, order: false, signed: true, retry: true };
        let body = self.call(&call).await?;
        self.parsed(&call.label(), parse::order(&body, inst))
    }

    /// `GET /api/v3/openOrders` for `inst`.
    pub async fn open_orders(&self, inst: &Instrument) -> Result<Vec<OrderView>, TradeError> {
        let call = self.symbol_call(Method::GET, "/api/v3/openOrders", inst, 6);
        let body = self.call(&call).await?;
        self.parsed(&call.label(), parse::orders(&body, inst))
    }

    /// `GET /api/v3/account?omitZeroBalances=true`.
    pub async fn account(&self) -> Result<AccountInfo, TradeError> {
        let mut params = Query::new();
        params.push("omitZeroBalances", "true");
        let call = Call {
            method: Method::GET,
            path: "/api/v3/account",
            params,
            weight: 20,
            order: false,
            signed: true,
            retry: true,
        };
        let body = self.call(&call).await?;
        self.parsed(&call.label(), parse::account(&body))
    }

    /// `GET /api/v3/myTrades` for `inst`, of one order and/or from a trade id.
    pub async fn my_trades(
        &self,
        inst: &Instrument,
        order_id: Option<i64>,
        from_id: Option<i64>,
    ) -> Result<Vec<MyTrade>, TradeError> {
        let mut params = Query::new();
        params.push("symbol", &inst.symbol);
        params.push_opt("orderId", order_id.map(|i| i.to_string()).as_deref());
        params.push_opt("fromId", from_id.map(|i| i.to_string()).as_deref());
        let weight = if order_id.is_some() { 5 } else { 20 };
        let call = Call {
            method: Method::GET,
            path: "/api/v3/myTrades",
            params,
            weight,
            order: false,
            signed: true,
            retry: true,
        };
        let body = self.call(&call).await?;
        self.parsed(&call.label(), parse::my_trades(&body, inst))
    }

    /// Venue clock minus ours, in ms, from the last [`sync_time`](Self::sync_time).
    pub fn offset_ms(&self) -> i64 {
        self.inner.offset_ms.load(Ordering::Relaxed)
    }

    /// Our clock plus the offset: the venue's time as best we know it.
    pub fn now_venue_ms(&self) -> i64 {
        wall_ms().saturating_add(self.offset_ms())
    }

    pub fn credentials(&self) -> &Credentials {
        &self.inner.creds
    }

    pub fn limits(&self) -> LimitsState {
        let now = self.now_venue_ms();
        self.limits_mut().state(now)
    }

    pub fn stats(&self) -> TradingStats {
        self.inner.counters.snapshot()
    }

    pub(super) fn signer(&self) -> &Signer {
        &self.inner.signer
    }

    fn symbol_call(&self, method: Method, path: &'static str, inst: &Instrument, weight: u32) -> Call {
        let mut params = Query::new();
        params.push("symbol", &inst.symbol);
        Call { method, path, params, weight, order: false, signed: true, retry: true }
    }

    fn limits_mut(&self) -> MutexGuard<'_, Limits> {
        self.inner.limits.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn count(&self, c: Counter) {
        self.inner.counters.inc(c);
    }

    fn malformed(&self, label: &str, e: BodyError) -> TradeError {
        self.count(Counter::Malformed);
        tracing::warn!(path = %label, "malformed answer: {e}");
        TradeError::Malformed { path: label.to_string(), detail: e.0 }
    }

    fn parsed<T>(&self, label: &str, r: Result<T, BodyError>) -> Result<T, TradeError> {
        r.map_err(|e| self.malformed(label, e))
    }
}

/// The new-order parameters in Binance's documented order, decimals at the
/// instrument's scales; refused before sending when one is missing.
fn order_params(o: &NewOrder, inst: &Instrument) -> Result<Query, TradeError> {
    let bad = |detail: String| TradeError::Config { detail };
    if !o.symbol.eq_ignore_ascii_case(&inst.symbol) {
        return Err(bad(format!("order for {} priced with the instrument {}", o.symbol, inst.symbol)));
    }
    check_client_id(&o.client_order_id)?;
    let mut q = Query::new();
    q.push("symbol", &inst.symbol).push("side", o.side.as_str()).push("type", o.kind.as_str());
    if !matches!(o.kind, OrderKind::Market | OrderKind::LimitMaker) {
        q.push("timeInForce", o.tif.as_str());
    }
    q.push("quantity", &inst.fmt_qty(o.qty));
    if o.kind != OrderKind::Market {
        let p = o.price.ok_or_else(|| bad(format!("{} order {} needs a price", o.kind.as_str(), o.client_order_id)))?;
        q.push("price", &inst.fmt_price(p));
    }
    if matches!(o.kind, OrderKind::StopLossLimit | OrderKind::TakeProfitLimit) {
        let p = o
            .stop_price
            .ok_or_else(|| bad(format!("{} order {} needs a stop price", o.kind.as_str(), o.client_order_id)))?;
        q.push("stopPrice", &inst.fmt_price(p));
    }
    q.push("newClientOrderId", &o.client_order_id).push("newOrderRespType", "FULL");
    Ok(q)
}

/// `symbol` plus `orderId` and/or `origClientOrderId` (at least one).
fn id_params(inst: &Instrument, order_id: Option<i64>, client_order_id: Option<&str>) -> Result<Query, TradeError> {
    if order_id.is_none() && client_order_id.is_none() {
        return Err(TradeError::Config { detail: "an order id or a client order id is needed".into() });
    }
    let mut q = Query::new();
    q.push("symbol", &inst.symbol);
    q.push_opt("orderId", order_id.map(|i| i.to_string()).as_deref());
    q.push_opt("origClientOrderId", client_order_id);
    Ok(q)
}

/// Binance's documented rule: 1 to 36 of `[A-Za-z0-9_-]`.
fn check_client_id(id: &str) -> Result<(), TradeError> {
    let ok =
        !id.is_empty() && id.len() <= 36 && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
    if ok {
        Ok(())
    } else {
        Err(TradeError::Config { detail: format!("client order id {id:?}: 1 to 36 of [A-Za-z0-9_-]") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{FilterStrings, Venue};

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

    fn order(kind: OrderKind) -> NewOrder {
        NewOrder {
            symbol: "BTCUSDT".into(),
            side: Side::Buy,
            kind,
            tif: TimeInForce::Gtc,
            qty: Qty(100),
            price: Some(Price(3_000_000)),
            stop_price: Some(Price(2_900_000)),
            client_order_id: "td-000001".into(),
        }
    }

    #[test]
    fn order_parameters_in_the_documented_order() {
        let i = inst();
        assert_eq!(
            order_params(&order(OrderKind::Limit), &i).unwrap().as_str(),
            "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.00100&price=30000.00\
             &newClientOrderId=td-000001&newOrderRespType=FULL"
        );
        assert_eq!(
            order_params(&order(OrderKind::Market), &i).unwrap().as_str(),
            "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.00100&newClientOrderId=td-000001&newOrderRespType=FULL"
        );
        assert_eq!(
            order_params(&order(OrderKind::LimitMaker), &i).unwrap().as_str(),
            "symbol=BTCUSDT&side=BUY&type=LIMIT_MAKER&quantity=0.00100&price=30000.00\
             &newClientOrderId=td-000001&newOrderRespType=FULL"
        );
        assert_eq!(
            order_params(&order(OrderKind::StopLossLimit), &i).unwrap().as_str(),
            "symbol=BTCUSDT&side=BUY&type=STOP_LOSS_LIMIT&timeInForce=GTC&quantity=0.00100&price=30000.00\
             &stopPrice=29000.00&newClientOrderId=td-000001&newOrderRespType=FULL"
        );
    }

    #[test]
    fn refuses_incomplete_orders_before_sending() {
        let i = inst();
        let mut o = order(OrderKind::Limit);
        o.price = None;
        assert!(matches!(order_params(&o, &i), Err(TradeError::Config { .. })));
        let mut o = order(OrderKind::TakeProfitLimit);
        o.stop_price = None;
        assert!(matches!(order_params(&o, &i), Err(TradeError::Config { .. })));
        let mut o = order(OrderKind::Limit);
        o.client_order_id = "has space".into();
        assert!(matches!(order_params(&o, &i), Err(TradeError::Config { .. })));
        let mut o = order(OrderKind::Limit);
        o.symbol = "ETHUSDT".into();
        assert!(matches!(order_params(&o, &i), Err(TradeError::Config { .. })));
        assert!(id_params(&i, None, None).is_err());
        assert_eq!(id_params(&i, Some(5), Some("a")).unwrap().as_str(), "symbol=BTCUSDT&orderId=5&origClientOrderId=a");
    }

    #[test]
    fn config_defaults_and_checks() {
        let c: TradingConfig = toml::from_str("query-gap-ms = 10").unwrap();
        assert_eq!((c.recv_window_ms, c.query_gap_ms, c.order_limit_10s), (5_000, 10, 50));
        assert!(toml::from_str::<TradingConfig>("nope = 1").is_err());
        let creds = Credentials::new("k", "s");
        assert!(TradingClient::new("ftp://x", creds.clone(), &c).is_err());
        assert!(TradingClient::new("http://127.0.0.1:1/?a=b", creds.clone(), &c).is_err());
        let bad = TradingConfig { recv_window_ms: 70_000, ..TradingConfig::default() };
        assert!(TradingClient::new("http://127.0.0.1:1", creds.clone(), &bad).is_err());
        let c = TradingClient::new("http://127.0.0.1:1", creds, &TradingConfig::default()).unwrap();
        assert!(is_loopback(&c.inner.base));
        assert_eq!(c.limits().weight_limit, 6_000);
    }
}
