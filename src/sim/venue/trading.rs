//! Signed trading on Binance's paths: the matching core ([`Exchange`])
//! behind one lock, the API-key registry, the ORDERS limits, 418 bans, and
//! the user data stream over the WebSocket API.
//!
//! ```text
//!  REST /api/v3/order… (rest) ──▶ ban? fault? weight → auth (auth) → params (params)
//!                                 → ORDERS limit → Exchange (locked) → answer
//!  hub: every bookTicker / trade ──▶ Exchange::on_book / on_market_trade
//!  Outbound events ──render──▶ broadcast<UserEvent> ──▶ /ws-api/v3 subscribers (ws_api)
//! ```

pub mod auth;
mod limits;
pub mod params;
pub mod rest;
pub mod ws_api;

use super::stats::Counters;
use crate::domain::{BookTicker, Trade};
use crate::sim::exchange::{BalanceRow, Exchange, ExecType, Outbound};
use crate::venue::sign::Credentials;
use auth::Keys;
pub use limits::{Bans, OrderLimits};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{broadcast, watch};

/// User events kept for subscribers that fall behind.
const EVENT_BUFFER: usize = 4096;

/// One user-data event for one account: the inner `event` object as JSON.
#[derive(Debug, Clone)]
pub struct UserEvent {
    pub account: u32,
    pub json: String,
}

/// The trading half of the venue.
#[derive(Debug)]
pub struct Trading {
    /// `None` when the venue cannot trade (a recorded file): `unavailable` says why.
    exchange: Option<Mutex<Exchange>>,
    pub unavailable: String,
    pub keys: Keys,
    pub limits: OrderLimits,
    pub bans: Bans,
    pub events: broadcast::Sender<Arc<UserEvent>>,
    /// Moves when every WebSocket API connection must be cut.
    pub drops: watch::Sender<u64>,
    pub counters: Arc<Counters>,
    /// The venue's clock offset from wall time (the clock-skew fault).
    pub skew_ms: i64,
    pub max_recv_window_ms: i64,
    exec_ids: AtomicI64,
    pub signed_requests: AtomicU64,
}

impl Trading {
    pub fn new(
        exchange: Result<Exchange, String>,
        cfg: &super::config::SimVenueConfig,
        counters: Arc<Counters>,
    ) -> Self {
        let (exchange, unavailable) = match exchange {
            Ok(e) => (Some(Mutex::new(e)), String::new()),
            Err(why) => (None, why),
        };
        let t = Self {
            exchange,
            unavailable,
            keys: Keys::default(),
            limits: OrderLimits::new(cfg.order_limit_10s, cfg.order_limit_1d),
            bans: Bans::new(cfg.ban_secs),
            events: broadcast::channel(EVENT_BUFFER).0,
            drops: watch::channel(0).0,
            counters,
            skew_ms: cfg.faults.clock_skew_ms,
            max_recv_window_ms: cfg.max_recv_window_ms,
            exec_ids: AtomicI64::new(1),
            signed_requests: AtomicU64::new(0),
        };
        t.register_key(&auth::demo_credentials());
        t
    }

    /// The venue's clock (wall time plus the clock-skew fault), in ms.
    pub fn now_ms(&self) -> i64 {
        wall_ms() + self.skew_ms
    }

    /// The exchange, locked; `None` when the venue does not trade.
    pub fn exchange(&self) -> Option<MutexGuard<'_, Exchange>> {
        self.exchange.as_ref().map(|m| m.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Registers (or replaces) a key pair, opening its account.
    pub fn register_key(&self, c: &Credentials) {
        let key = c.key.expose();
        let account = self.exchange().map(|mut ex| ex.open_account(key).0);
        self.keys.insert(key, c.signer(), account);
    }

    pub fn balances(&self, api_key: &str) -> Option<Vec<BalanceRow>> {
        let ex = self.exchange()?;
        let acct = ex.account(api_key)?;
        Some(ex.balances(acct))
    }

    /// Cuts every WebSocket API connection (no close frame).
    pub fn drop_user_streams(&self) {
        self.drops.send_modify(|e| *e += 1);
    }

    /// A generated bookTicker (hub thread).
    pub fn on_book(&self, i: usize, b: &BookTicker, now_ms: i64) {
        let Some(mut ex) = self.exchange() else { return };
        let mut out = Vec::new();
        ex.on_book(i, b.bid, b.bid_qty, b.ask, b.ask_qty, now_ms, &mut out);
        if !out.is_empty() {
            self.emit(&ex, out);
        }
    }

    /// A generated trade (hub thread).
    pub fn on_trade(&self, i: usize, t: &Trade) {
        let Some(mut ex) = self.exchange() else { return };
        let mut out = Vec::new();
        ex.on_market_trade(i, t.price, t.qty, t.buyer_is_maker, t.time_ms, &mut out);
        if !out.is_empty() {
            self.emit(&ex, out);
        }
    }

    /// Counts and renders the exchange's events and hands them to the subscribers.
    pub fn emit(&self, ex: &Exchange, out: Vec<Outbound>) {
        let c = &self.counters.trading;
        for o in out {
            let (account, event) = match o {
                Outbound::Execution { account, report } => {
                    match report.exec_type {
                        ExecType::Trade => Counters::inc(&c.fills),
                        ExecType::Canceled => Counters::inc(&c.orders_canceled),
                        _ => 0,
                    };
                    let id = self.exec_ids.fetch_add(1, Ordering::Relaxed);
                    (account.0, execution_report(ex, &report, id))
                }
                Outbound::Balances { account, time_ms, balances } => (account.0, account_position(time_ms, &balances)),
            };
            let _ = self.events.send(Arc::new(UserEvent { account, json: event.to_string() }));
        }
    }
}

pub use crate::telemetry::wall_ms;

/// A Notional (18 decimals) as Binance's 8-decimal string.
pub fn money(n: crate::domain::Notional) -> String {
    super::render::dec_string(n.0, 18)
}

/// `executionReport` with every field of the docs (§4.3).
fn execution_report(ex: &Exchange, r: &crate::sim::exchange::ExecReport, exec_id: i64) -> Value {
    let o = &r.order;
    let (ps, qs) =
        ex.symbol_index(&o.symbol).and_then(|i| ex.instrument(i)).map_or((8, 8), |i| (i.price_scale, i.qty_scale));
    let p = |v: crate::domain::Price| super::render::dec_string(i128::from(v.0), ps);
    let q = |v: crate::domain::Qty| super::render::dec_string(i128::from(v.0), qs);
    let canceled = matches!(r.exec_type, ExecType::Canceled);
    let x = match r.exec_type {
        ExecType::New => "NEW",
        ExecType::Canceled => "CANCELED",
        ExecType::Rejected => "REJECTED",
        ExecType::Trade => "TRADE",
        ExecType::Expired => "EXPIRED",
    };
    let last_quote = crate::domain::Notional::of(r.last_price, r.last_qty, ps, qs);
    json!({
        "e": "executionReport",
        "E": r.time_ms,
        "s": o.symbol,
        "c": o.client_order_id,
        "S": o.side.as_str(),
        "o": o.kind.as_str(),
        "f": o.tif.as_str(),
        "q": q(o.orig_qty),
        "p": p(o.price),
        "P": p(o.stop_price),
        "F": q(crate::domain::Qty::ZERO),
        "g": -1,
        "C": if canceled { r.orig_client_order_id.clone().unwrap_or_default() } else { String::new() },
        "x": x,
        "X": o.status.as_str(),
        "r": "NONE",
        "i": o.order_id,
        "l": q(r.last_qty),
        "z": q(o.executed_qty),
        "L": p(r.last_price),
        "n": money(r.commission),
        "N": r.commission_asset,
        "T": r.time_ms,
        "t": if matches!(r.exec_type, ExecType::Trade) { r.trade_id } else { -1 },
        "I": exec_id,
        "w": o.working,
        "m": r.maker,
        "M": false,
        "O": o.time_ms,
        "Z": money(o.cum_quote),
        "Y": money(last_quote),
        "Q": money(crate::domain::Notional::ZERO),
        "W": o.time_ms,
        "V": "NONE",
    })
}

/// `outboundAccountPosition`.
fn account_position(time_ms: i64, balances: &[BalanceRow]) -> Value {
    let b: Vec<Value> =
        balances.iter().map(|b| json!({"a": b.asset, "f": money(b.free), "l": money(b.locked)})).collect();
    json!({"e": "outboundAccountPosition", "E": time_ms, "u": time_ms, "B": b})
}
