//! What every handler shares, and the routes: Binance's paths on one port.

use super::batch::Batch;
use super::config::SimVenueConfig;
use super::faults::FaultSignals;
use super::market::MarketState;
use super::stats::Counters;
use super::streams::StreamTable;
use super::trading::{self, Trading};
use super::weight::Weights;
use super::{rest, ws};
use axum::Router;
use axum::routing::{get, post};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{broadcast, watch};

/// The venue's shared parts.
#[derive(Debug)]
pub struct Shared {
    pub cfg: SimVenueConfig,
    pub counters: Arc<Counters>,
    pub streams: Arc<StreamTable>,
    pub state: Arc<Mutex<MarketState>>,
    pub tx: broadcast::Sender<Arc<Batch>>,
    pub weights: Weights,
    pub faults: Arc<FaultSignals>,
    /// Signed trading and the user data stream.
    pub trading: Arc<Trading>,
    /// True once the venue shuts down.
    pub shutdown: watch::Sender<bool>,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, MarketState> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// REST under `/api/v3`, raw streams under `/ws`, combined under `/stream`,
/// the WebSocket API under `/ws-api/v3`.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v3/ping", get(rest::ping))
        .route("/api/v3/time", get(rest::time))
        .route("/api/v3/exchangeInfo", get(rest::exchange_info))
        .route("/api/v3/depth", get(rest::depth))
        .route("/api/v3/trades", get(rest::trades))
        .route("/api/v3/klines", get(rest::klines))
        .route(
            "/api/v3/order",
            post(trading::rest::new_order).delete(trading::rest::cancel_order).get(trading::rest::query_order),
        )
        .route("/api/v3/order/test", post(trading::rest::test_order))
        .route("/api/v3/openOrders", get(trading::rest::open_orders).delete(trading::rest::cancel_open_orders))
        .route("/api/v3/account", get(trading::rest::account))
        .route("/api/v3/myTrades", get(trading::rest::my_trades))
        .route("/ws-api/v3", get(trading::ws_api::upgrade))
        .route("/ws", get(ws::raw_bare))
        .route("/ws/", get(ws::raw_bare))
        .route("/ws/{*streams}", get(ws::raw_path))
        .route("/stream", get(ws::combined))
        .fallback(rest::not_found)
        .with_state(shared)
}
