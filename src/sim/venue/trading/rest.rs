//! The signed REST endpoints: `POST /api/v3/order` (and `/order/test`),
//! `DELETE /api/v3/order`, `GET /api/v3/order`, `GET` / `DELETE
//! /api/v3/openOrders`, `GET /api/v3/account`, `GET /api/v3/myTrades`.
//!
//! Every request goes through [`signed`]: ban (418) → fault (429) → weight
//! (429) → auth → ORDERS limit (429 -1015) → the exchange, under its lock.
//! Successful order placements and cancels cost weight 0 (Binance 2026);
//! failed ones are charged.

use super::Trading;
use super::auth::{self, Caller};
use super::params::{Params, RespType, missing};
use crate::domain::{OrderKind, Side, TimeInForce};
use crate::sim::exchange::{AccountId, Exchange, OrderRef, OrderSnapshot, Outbound, PlaceRequest, Reject};
use crate::sim::venue::render::dec_string;
use crate::sim::venue::rest::respond;
use crate::sim::venue::server::Shared;
use crate::sim::venue::stats::Counters;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// A failed request: HTTP status, Binance code and message, maybe `Retry-After`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fail {
    pub status: StatusCode,
    pub code: i64,
    pub msg: String,
    pub retry_after: Option<u64>,
}

impl Fail {
    pub fn bad(code: i64, msg: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, code, msg: msg.into(), retry_after: None }
    }

    pub fn body(&self) -> String {
        format!(r#"{{"code":{},"msg":{}}}"#, self.code, Value::String(self.msg.clone()))
    }
}

impl From<Reject> for Fail {
    fn from(r: Reject) -> Self {
        let status = if r.code == -2015 { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST };
        Self { status, code: r.code, msg: r.msg, retry_after: None }
    }
}

/// The 418 answer when `ip` is banned (or just earned a ban), else `None`.
pub fn banned(tr: &Trading, used: u32, ip: IpAddr, wall_ms: i64) -> Option<Response> {
    let until = tr.bans.check(ip, wall_ms)?;
    Counters::inc(&tr.counters.trading.bans_418);
    let f = Fail {
        status: StatusCode::IM_A_TEAPOT,
        code: -1003,
        msg: format!(
            "Way too much request weight used; IP banned until {until}. Please use WebSocket Streams for live updates to avoid bans."
        ),
        retry_after: Some((((until - wall_ms) + 999) / 1000).max(1) as u64),
    };
    Some(respond(f.status, used, f.retry_after, f.body()))
}

/// What kind of request it is, for weights and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A new order: counts toward ORDERS; weight 0 when it succeeds.
    Place,
    /// `/order/test`.
    Test,
    /// A single cancel: weight 0 when it succeeds.
    Cancel,
    Other,
}

/// What a handler sees.
struct Ctx<'a> {
    account: AccountId,
    p: &'a Params,
    now_ms: i64,
}

type Handler = dyn FnOnce(&Ctx<'_>, &mut Exchange, &mut Vec<Outbound>) -> Result<String, Fail> + Send;

#[allow(clippy::too_many_arguments)]
async fn signed(
    sh: &Shared,
    peer: SocketAddr,
    headers: &HeaderMap,
    query: Option<String>,
    body: String,
    weight: impl FnOnce(&Params) -> u32,
    kind: Kind,
    handler: Box<Handler>,
) -> Response {
    let (tr, c) = (&sh.trading, &sh.counters);
    let tc = &c.trading;
    Counters::inc(&c.rest_requests);
    let ip = peer.ip();
    let wall = super::wall_ms();
    if let Some(r) = banned(tr, sh.weights.used(ip, wall), ip, wall) {
        Counters::inc(&c.rest_errors);
        return r;
    }
    let n = tr.signed_requests.fetch_add(1, Ordering::Relaxed) + 1;
    let f = &sh.cfg.faults;
    if f.order_429_every_n > 0 && n % f.order_429_every_n == 0 {
        Counters::inc(&c.faults.order_429);
        Counters::inc(&tc.rate_limited_429);
        tr.bans.arm(ip, wall, 1);
        let e = Fail {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: -1003,
            msg: format!(
                "Too much request weight used; current limit is {} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
                sh.weights.limit()
            ),
            retry_after: Some(1),
        };
        return respond(e.status, sh.weights.used(ip, wall), e.retry_after, e.body());
    }
    let query = query.unwrap_or_default();
    let p = Params::parse(&query, &body);
    let w = weight(&p);
    let free_on_success = matches!(kind, Kind::Place | Kind::Cancel);
    let charge = sh.weights.charge(ip, if free_on_success { 0 } else { w }, wall);
    if charge.over {
        Counters::inc(&c.rest_rate_limited);
        Counters::inc(&tc.rate_limited_429);
        tr.bans.arm(ip, wall, charge.retry_after_secs);
        let e = Fail {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: -1003,
            msg: format!(
                "Too much request weight used; current limit is {} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
                sh.weights.limit()
            ),
            retry_after: Some(charge.retry_after_secs),
        };
        return respond(e.status, charge.used, e.retry_after, e.body());
    }
    let now_ms = tr.now_ms();
    let mut counts = None;
    let result = (|| {
        let caller: Caller = auth::check_rest(&tr.keys, headers, &query, &body, &p, now_ms, tr.max_recv_window_ms)?;
        let Some(mut ex) = tr.exchange() else {
            return Err(Fail::bad(-1000, tr.unavailable.clone()));
        };
        if kind == Kind::Place {
            let n = tr.limits.count(caller.account, wall);
            counts = Some((n.in_10s, n.in_1d));
            if let Some((msg, retry)) = n.over {
                tr.bans.arm(ip, wall, retry);
                return Err(Fail { status: StatusCode::TOO_MANY_REQUESTS, code: -1015, msg, retry_after: Some(retry) });
            }
        }
        let ctx = Ctx { account: AccountId(caller.account), p: &p, now_ms };
        let mut out = Vec::new();
        let r = handler(&ctx, &mut ex, &mut out);
        if !out.is_empty() {
            tr.emit(&ex, out);
        }
        r
    })();
    let mut used = charge.used;
    if result.is_err() && free_on_success {
        used = sh.weights.charge(ip, w, wall).used;
    }
    if kind == Kind::Place && f.order_delay_ms > 0 {
        Counters::inc(&c.faults.order_delayed);
        tokio::time::sleep(std::time::Duration::from_millis(f.order_delay_ms)).await;
    }
    let mut r = match result {
        Ok(b) => {
            if kind == Kind::Place {
                Counters::inc(&tc.orders_placed);
            }
            respond(StatusCode::OK, used, None, b)
        }
        Err(e) => {
            Counters::inc(&c.rest_errors);
            match e.code {
                -1022 => Counters::inc(&tc.bad_signatures),
                -1021 => Counters::inc(&tc.timestamp_rejects),
                -1015 => Counters::inc(&tc.rate_limited_429),
                _ if kind == Kind::Place => Counters::inc(&tc.orders_rejected),
                _ => 0,
            };
            respond(e.status, used, e.retry_after, e.body())
        }
    };
    if let Some((s10, d1)) = counts {
        let h = r.headers_mut();
        h.insert("x-mbx-order-count-10s", HeaderValue::from(s10));
        h.insert("x-mbx-order-count-1d", HeaderValue::from(d1));
    }
    r
}

/// `(price, qty, quote)` string makers for one symbol.
struct Fmt {
    ps: u8,
    qs: u8,
}

impl Fmt {
    fn of(ex: &Exchange, symbol: &str) -> Self {
        let (ps, qs) =
            ex.symbol_index(symbol).and_then(|i| ex.instrument(i)).map_or((8, 8), |i| (i.price_scale, i.qty_scale));
        Self { ps, qs }
    }
    fn p(&self, v: crate::domain::Price) -> String {
        dec_string(i128::from(v.0), self.ps)
    }
    fn q(&self, v: crate::domain::Qty) -> String {
        dec_string(i128::from(v.0), self.qs)
    }
}

fn order_result(ex: &Exchange, o: &OrderSnapshot, transact: i64, resp: RespType) -> Value {
    let f = Fmt::of(ex, &o.symbol);
    let mut v = json!({
        "symbol": o.symbol, "orderId": o.order_id, "orderListId": -1,
        "clientOrderId": o.client_order_id, "transactTime": transact,
    });
    if resp == RespType::Ack {
        return v;
    }
    let m = v.as_object_mut().expect("an object");
    for (k, x) in [
        ("price", json!(f.p(o.price))),
        ("origQty", json!(f.q(o.orig_qty))),
        ("executedQty", json!(f.q(o.executed_qty))),
        ("origQuoteOrderQty", json!("0.00000000")),
        ("cummulativeQuoteQty", json!(super::money(o.cum_quote))),
        ("status", json!(o.status.as_str())),
        ("timeInForce", json!(o.tif.as_str())),
        ("type", json!(o.kind.as_str())),
        ("side", json!(o.side.as_str())),
        ("workingTime", json!(if o.working || o.kind != OrderKind::Market { o.time_ms } else { -1 })),
        ("selfTradePreventionMode", json!("NONE")),
    ] {
        m.insert(k.into(), x);
    }
    if o.stop_price.0 != 0 {
        m.insert("stopPrice".into(), json!(f.p(o.stop_price)));
    }
    if resp == RespType::Full {
        let fills: Vec<Value> = o
            .fills
            .iter()
            .map(|x| {
                json!({"price": f.p(x.price), "qty": f.q(x.qty), "commission": super::money(x.commission),
                       "commissionAsset": x.commission_asset, "tradeId": x.trade_id})
            })
            .collect();
        m.insert("fills".into(), Value::Array(fills));
    }
    v
}

fn order_query(ex: &Exchange, o: &OrderSnapshot) -> Value {
    let f = Fmt::of(ex, &o.symbol);
    json!({
        "symbol": o.symbol, "orderId": o.order_id, "orderListId": -1, "clientOrderId": o.client_order_id,
        "price": f.p(o.price), "origQty": f.q(o.orig_qty), "executedQty": f.q(o.executed_qty),
        "cummulativeQuoteQty": super::money(o.cum_quote), "status": o.status.as_str(),
        "timeInForce": o.tif.as_str(), "type": o.kind.as_str(), "side": o.side.as_str(),
        "stopPrice": f.p(o.stop_price), "icebergQty": f.q(crate::domain::Qty::ZERO),
        "time": o.time_ms, "updateTime": o.update_time_ms, "isWorking": o.working,
        "workingTime": o.time_ms, "origQuoteOrderQty": "0.00000000", "selfTradePreventionMode": "NONE",
    })
}

fn cancel_result(ex: &Exchange, o: &OrderSnapshot, cancel_id: &str, transact: i64) -> Value {
    let f = Fmt::of(ex, &o.symbol);
    json!({
        "symbol": o.symbol, "origClientOrderId": o.client_order_id, "orderId": o.order_id, "orderListId": -1,
        "clientOrderId": cancel_id, "transactTime": transact, "price": f.p(o.price),
        "origQty": f.q(o.orig_qty), "executedQty": f.q(o.executed_qty), "origQuoteOrderQty": "0.00000000",
        "cummulativeQuoteQty": super::money(o.cum_quote), "status": o.status.as_str(),
        "timeInForce": o.tif.as_str(), "type": o.kind.as_str(), "side": o.side.as_str(),
        "selfTradePreventionMode": "NONE",
    })
}

/// The symbol's instrument, or -1121.
fn instrument<'a>(ex: &'a Exchange, p: &Params) -> Result<(&'a crate::domain::Instrument, String), Fail> {
    let s = p.req("symbol")?;
    let i = ex.symbol_index(s).ok_or_else(|| Fail::bad(-1121, "Invalid symbol."))?;
    let inst = ex.instrument(i).ok_or_else(|| Fail::bad(-1121, "Invalid symbol."))?;
    Ok((inst, s.to_string()))
}

/// A validated order request from the parameters.
struct NewOrder {
    symbol: String,
    side: Side,
    kind: OrderKind,
    tif: Option<TimeInForce>,
    qty: crate::domain::Qty,
    price: Option<crate::domain::Price>,
    stop_price: Option<crate::domain::Price>,
    client: Option<String>,
    resp: RespType,
}

impl NewOrder {
    fn parse(ex: &Exchange, p: &Params) -> Result<Self, Fail> {
        let (inst, symbol) = instrument(ex, p)?;
        let side = p.side()?;
        let kind = p.kind()?;
        let tif = p.tif()?;
        let qty = p.qty("quantity", inst)?;
        let price = p.price("price", inst)?;
        let stop_price = p.price("stopPrice", inst)?;
        if p.has("quoteOrderQty") {
            return Err(Fail::bad(-1106, "Parameter 'quoteOrderQty' sent when not required by the sim venue."));
        }
        let qty = qty.ok_or_else(|| missing("quantity"))?;
        match kind {
            OrderKind::Market => {
                if price.is_some() {
                    return Err(Fail::bad(-1106, "Parameter 'price' sent when not required."));
                }
                if tif.is_some() {
                    return Err(Fail::bad(-1106, "Parameter 'timeInForce' sent when not required."));
                }
            }
            OrderKind::Limit | OrderKind::StopLossLimit | OrderKind::TakeProfitLimit => {
                tif.ok_or_else(|| missing("timeInForce"))?;
                price.ok_or_else(|| missing("price"))?;
            }
            OrderKind::LimitMaker => {
                price.ok_or_else(|| missing("price"))?;
            }
        }
        if matches!(kind, OrderKind::StopLossLimit | OrderKind::TakeProfitLimit) && stop_price.is_none() {
            return Err(missing("stopPrice"));
        }
        let client = p.opt("newClientOrderId")?.map(str::to_string);
        if let Some(c) = &client {
            let ok = c.len() <= 36 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b".:/_-".contains(&b));
            if !ok {
                return Err(Fail::bad(
                    -1100,
                    "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
                ));
            }
        }
        let resp = p.resp_type()?.unwrap_or(match kind {
            OrderKind::Market | OrderKind::Limit => RespType::Full,
            _ => RespType::Ack,
        });
        Ok(Self { symbol, side, kind, tif, qty, price, stop_price, client, resp })
    }

    fn request(&self) -> PlaceRequest<'_> {
        PlaceRequest {
            symbol: &self.symbol,
            side: self.side,
            kind: self.kind,
            tif: self.tif,
            qty: self.qty,
            price: self.price,
            stop_price: self.stop_price,
            client_order_id: self.client.as_deref(),
        }
    }
}

/// `orderId` or `origClientOrderId`.
fn order_ref(p: &Params) -> Result<OrderRef<'_>, Fail> {
    match (p.int("orderId")?, p.opt("origClientOrderId")?) {
        (Some(id), _) => Ok(OrderRef::Id(id)),
        (None, Some(c)) => Ok(OrderRef::Client(c)),
        (None, None) => {
            Err(Fail::bad(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"))
        }
    }
}

/// When both ids are given the order found by id must carry the client id.
fn both_ids_match(p: &Params, o: &OrderSnapshot) -> bool {
    match (p.int("orderId"), p.get("origClientOrderId")) {
        (Ok(Some(_)), Some(c)) if !c.is_empty() => o.client_order_id == c,
        _ => true,
    }
}

macro_rules! endpoint {
    ($(#[$doc:meta])* $name:ident, $weight:expr, $kind:expr, $handler:expr) => {
        $(#[$doc])*
        pub async fn $name(
            ConnectInfo(peer): ConnectInfo<SocketAddr>,
            State(sh): State<Arc<Shared>>,
            RawQuery(query): RawQuery,
            headers: HeaderMap,
            body: String,
        ) -> Response {
            signed(&sh, peer, &headers, query, body, $weight, $kind, Box::new($handler)).await
        }
    };
}

endpoint!(
    /// `POST /api/v3/order`
    new_order, |_| 1, Kind::Place, |c: &Ctx<'_>, ex: &mut Exchange, out: &mut Vec<Outbound>| {
        let o = NewOrder::parse(ex, c.p)?;
        let snap = ex.place(c.account, &o.request(), c.now_ms, out)?;
        Ok(order_result(ex, &snap, c.now_ms, o.resp).to_string())
    }
);

endpoint!(
    /// `POST /api/v3/order/test` → `{}`
    test_order, |_| 1, Kind::Test, |c: &Ctx<'_>, ex: &mut Exchange, _: &mut Vec<Outbound>| {
        let o = NewOrder::parse(ex, c.p)?;
        ex.validate(c.account, &o.request())?;
        Ok("{}".to_string())
    }
);

endpoint!(
    /// `DELETE /api/v3/order`
    cancel_order, |_| 1, Kind::Cancel, |c: &Ctx<'_>, ex: &mut Exchange, out: &mut Vec<Outbound>| {
        let (_, symbol) = instrument(ex, c.p)?;
        let which = order_ref(c.p)?;
        if let OrderRef::Id(_) = which {
            if let Ok(o) = ex.query(c.account, &symbol, which) {
                if !both_ids_match(c.p, &o) {
                    return Err(Fail::bad(-2011, "Unknown order sent."));
                }
            }
        }
        let cancel_id = match c.p.opt("newClientOrderId")? {
            Some(id) => id.to_string(),
            None => format!("simcancel{}", c.now_ms),
        };
        let snap = ex.cancel(c.account, &symbol, which, Some(&cancel_id), c.now_ms, out)?;
        Ok(cancel_result(ex, &snap, &cancel_id, c.now_ms).to_string())
    }
);

endpoint!(
    /// `GET /api/v3/order`
    query_order, |_| 4, Kind::Other, |c: &Ctx<'_>, ex: &mut Exchange, _: &mut Vec<Outbound>| {
        let (_, symbol) = instrument(ex, c.p)?;
        let which = order_ref(c.p)?;
        let o = ex.query(c.account, &symbol, which)?;
        if !both_ids_match(c.p, &o) {
            return Err(Fail::bad(-2013, "Order does not exist."));
        }
        Ok(order_query(ex, &o).to_string())
    }
);

endpoint!(
    /// `GET /api/v3/openOrders[?symbol=X]`
    open_orders, |p: &Params| if p.has("symbol") { 6 } else { 80 }, Kind::Other,
    |c: &Ctx<'_>, ex: &mut Exchange, _: &mut Vec<Outbound>| {
        let symbol = match c.p.opt("symbol")? {
            Some(_) => Some(instrument(ex, c.p)?.1),
            None => None,
        };
        let list = ex.open_orders(c.account, symbol.as_deref())?;
        Ok(Value::Array(list.iter().map(|o| order_query(ex, o)).collect()).to_string())
    }
);

endpoint!(
    /// `DELETE /api/v3/openOrders?symbol=X`
    cancel_open_orders, |_| 1, Kind::Other, |c: &Ctx<'_>, ex: &mut Exchange, out: &mut Vec<Outbound>| {
        let (_, symbol) = instrument(ex, c.p)?;
        let list = ex.cancel_all(c.account, &symbol, c.now_ms, out)?;
        let rows: Vec<Value> = list
            .iter()
            .map(|o| cancel_result(ex, o, &format!("simcancel{}-{}", c.now_ms, o.order_id), c.now_ms))
            .collect();
        Ok(Value::Array(rows).to_string())
    }
);

endpoint!(
    /// `GET /api/v3/account[?omitZeroBalances=true]`
    account, |_| 20, Kind::Other, |c: &Ctx<'_>, ex: &mut Exchange, _: &mut Vec<Outbound>| {
        let omit = c.p.boolean("omitZeroBalances")?;
        let balances: Vec<Value> = ex
            .balances(c.account)
            .iter()
            .filter(|b| !omit || b.free.0 != 0 || b.locked.0 != 0)
            .map(|b| json!({"asset": b.asset, "free": super::money(b.free), "locked": super::money(b.locked)}))
            .collect();
        Ok(json!({
            "makerCommission": 0, "takerCommission": 0, "buyerCommission": 0, "sellerCommission": 0,
            "commissionRates": {"maker": "0.00000000", "taker": "0.00000000", "buyer": "0.00000000", "seller": "0.00000000"},
            "canTrade": true, "canWithdraw": false, "canDeposit": false, "brokered": false,
            "requireSelfTradePrevention": false, "preventSor": false, "updateTime": c.now_ms,
            "accountType": "SPOT", "balances": balances, "permissions": ["SPOT"], "uid": c.account.0,
        })
        .to_string())
    }
);

endpoint!(
    /// `GET /api/v3/myTrades?symbol=X[&orderId][&fromId][&limit]`
    my_trades, |p: &Params| if p.has("orderId") { 5 } else { 20 }, Kind::Other,
    |c: &Ctx<'_>, ex: &mut Exchange, _: &mut Vec<Outbound>| {
        let (_, symbol) = instrument(ex, c.p)?;
        let limit = c.p.int("limit")?.unwrap_or(500).clamp(1, 1000) as usize;
        let rows = ex.trades(c.account, &symbol, c.p.int("orderId")?, c.p.int("fromId")?, limit)?;
        let f = Fmt::of(ex, &symbol);
        let list: Vec<Value> = rows
            .iter()
            .map(|t| {
                json!({"symbol": t.symbol, "id": t.id, "orderId": t.order_id, "orderListId": -1,
                       "price": f.p(t.price), "qty": f.q(t.qty), "quoteQty": super::money(t.quote_qty),
                       "commission": super::money(t.commission), "commissionAsset": t.commission_asset,
                       "time": t.time_ms, "isBuyer": t.is_buyer, "isMaker": t.is_maker, "isBestMatch": true})
            })
            .collect();
        Ok(Value::Array(list).to_string())
    }
);
