//! The sandbox gateway: the task between the engine and a Binance-compatible
//! venue. The engine hands it [`VenueRequest`]s without waiting; it places
//! and cancels orders with the signed client, listens to the user data
//! stream, and sends back [`VenueUpdate`] events — each fill once, however
//! many ways it was learned (FULL answer, executionReport, query, myTrades).
//!
//! ```text
//!  engine ──try_send──▶ requests ──▶ gateway loop ──spawn──▶ client (REST)
//!     ▲                                 │  ▲  ▲                  │
//!     └──── Venue events ◀──────────────┘  │  └──── outcomes ◀───┘
//!                                user data stream (WS API) / polling
//! ```
//!
//! Faults: a submission whose fate is unknown is never re-sent blindly (the
//! client queries by client order id first); the order stays as it is in the
//! engine, marked unknown, until a query or the stream says. When the user
//! data stream is down, open orders are polled; after every (re)subscription
//! and at start, open orders, fills and balances are reconciled against the
//! venue and every discrepancy is logged, counted and resolved.

mod apply;
pub mod filters;
mod reconcile;
mod track;

pub use reconcile::BalanceView;

use super::client::TradingClient;
use super::user_stream::{self, UserStreamConfig, UserStreamEvent};
use crate::domain::Instruments;
use crate::engine::{Event, EventKind};
use crate::route::{RequestSink, VenueRequest, VenueUpdate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{Duration, Instant};
use track::Track;

/// `[route.gateway]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct GatewayConfig {
    /// Requests the engine may queue before new ones are refused (`route_queue_full`).
    pub queue: usize,
    /// While the user data stream is down, open orders are queried this often (ms).
    pub poll_ms: u64,
    /// Cancel this session's open orders when the run ends.
    pub cancel_on_exit: bool,
    /// Cancel open orders found at the venue that this session did not place
    /// (left by an earlier session). Off: they are reported only.
    pub cancel_orphans: bool,
    /// How long the end of a run waits for answers still in flight (ms).
    pub drain_ms: u64,
    /// The user data stream connection.
    pub user_stream: UserStreamConfig,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            queue: 1024,
            poll_ms: 1000,
            cancel_on_exit: true,
            cancel_orphans: true,
            drain_ms: 3000,
            user_stream: UserStreamConfig::default(),
        }
    }
}

/// What the gateway did, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GatewayReport {
    pub submitted: u64,
    pub accepted: u64,
    pub fills: u64,
    /// Fills learned more than once (answer and stream) and sent once.
    pub duplicate_fills_skipped: u64,
    pub canceled: u64,
    pub rejected_by_venue: u64,
    /// Orders refused before sending by the instrument's filters (same code as the venue).
    pub rejected_locally: u64,
    pub cancel_rejected: u64,
    /// Submissions and cancels whose outcome was still unknown after the client's queries.
    pub status_unknown: u64,
    /// Submissions whose answer was lost and that the venue turned out to have (found by client id).
    pub found_by_client_id: u64,
    /// Submissions the venue never received, sent again once under the same client id.
    pub resent: u64,
    pub reconciliations: u64,
    /// Differences between our view and the venue's, each logged and resolved.
    pub discrepancies: u64,
    pub orphans_canceled: u64,
    pub polls: u64,
    pub stream_subscriptions: u64,
    pub stream_drops: u64,
    /// Commissions charged in an asset that is neither base nor quote (not in P&L).
    pub fees_in_other_assets: u64,
    /// Balances at the venue when the run started and when it ended.
    pub balances_start: Vec<BalanceView>,
    pub balances_end: Vec<BalanceView>,
    pub errors: Vec<String>,
}

/// The engine's end of the request queue.
struct QueueSink(mpsc::Sender<VenueRequest>);

impl RequestSink for QueueSink {
    fn try_send(&mut self, r: VenueRequest) -> bool {
        self.0.try_send(r).is_ok()
    }
}

/// A running gateway.
pub struct GatewayHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<GatewayReport>,
}

impl GatewayHandle {
    /// Ends the session: open orders are canceled (`cancel-on-exit`), answers
    /// in flight are awaited, the last updates reach the engine, and the
    /// final balances are read. The engine's channel is released after it.
    pub async fn finish(self) -> GatewayReport {
        self.stop.send_replace(true);
        self.task
            .await
            .unwrap_or_else(|e| GatewayReport { errors: vec![format!("gateway task: {e}")], ..Default::default() })
    }
}

/// Starts the gateway; the returned sink goes into the engine's router.
pub fn spawn(
    client: TradingClient,
    ws_api_url: Option<String>,
    instruments: Instruments,
    cfg: GatewayConfig,
    events: mpsc::Sender<Vec<Event>>,
) -> (Box<dyn RequestSink>, GatewayHandle) {
    let (req_tx, req_rx) = mpsc::channel(cfg.queue.max(1));
    let (stop_tx, stop_rx) = watch::channel(false);
    let (user_tx, user_rx) = mpsc::channel(1024);
    let stream = ws_api_url.map(|url| {
        user_stream::spawn(client.clone(), url, instruments.clone(), cfg.user_stream.clone(), user_tx, stop_rx.clone())
    });
    let (done_tx, done_rx) = mpsc::channel(1024);
    let gw = Gateway {
        client,
        instruments,
        cfg,
        events,
        tracks: HashMap::new(),
        by_order: HashMap::new(),
        done_tx,
        stream_up: false,
        in_flight: 0,
        report: GatewayReport::default(),
    };
    let task = tokio::spawn(gw.run(req_rx, user_rx, done_rx, stop_rx, stream));
    (Box::new(QueueSink(req_tx)), GatewayHandle { stop: stop_tx, task })
}

/// The answer of a request task, applied by the loop (which owns all state).
enum Outcome {
    Submitted {
        client_id: String,
        result: Result<super::client::Submitted, super::error::TradeError>,
    },
    Canceled {
        client_id: String,
        result: Result<super::parse::OrderView, super::error::TradeError>,
    },
    Queried {
        client_id: String,
        result: Result<super::parse::OrderView, super::error::TradeError>,
    },
    Trades {
        client_id: String,
        result: Result<Vec<super::parse::MyTrade>, super::error::TradeError>,
    },
    Reconciled(Box<reconcile::Snapshot>),
    /// A cancel of an open order an earlier session left.
    Orphan {
        symbol: String,
        result: Result<super::parse::OrderView, super::error::TradeError>,
    },
}

struct Gateway {
    client: TradingClient,
    instruments: Instruments,
    cfg: GatewayConfig,
    events: mpsc::Sender<Vec<Event>>,
    /// This session's orders by client order id.
    tracks: HashMap<String, Track>,
    by_order: HashMap<crate::domain::OrderId, String>,
    done_tx: mpsc::Sender<Outcome>,
    stream_up: bool,
    in_flight: usize,
    report: GatewayReport,
}

impl Gateway {
    async fn run(
        mut self,
        mut requests: mpsc::Receiver<VenueRequest>,
        mut user: mpsc::Receiver<UserStreamEvent>,
        mut done: mpsc::Receiver<Outcome>,
        mut stop: watch::Receiver<bool>,
        stream: Option<JoinHandle<()>>,
    ) -> GatewayReport {
        if let Err(e) = self.client.sync_time().await {
            self.error(format!("clock sync at start: {e}"));
        }
        // A restart: what the venue holds before this session places anything.
        self.spawn_reconcile(true);
        let mut poll = tokio::time::interval(Duration::from_millis(self.cfg.poll_ms.max(50)));
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                Some(o) = done.recv() => {
                    self.in_flight = self.in_flight.saturating_sub(1);
                    self.on_outcome(o).await;
                }
                Some(r) = requests.recv() => self.on_request(r).await,
                Some(u) = user.recv() => self.on_user(u).await,
                _ = poll.tick() => {
                    if !self.stream_up {
                        self.poll_open();
                    }
                }
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        break;
                    }
                }
            }
        }
        // Requests the engine queued before the end are still carried out.
        while let Ok(r) = requests.try_recv() {
            self.on_request(r).await;
        }
        if self.cfg.cancel_on_exit {
            self.cancel_open();
        }
        let deadline = Instant::now() + Duration::from_millis(self.cfg.drain_ms);
        while self.in_flight > 0 {
            tokio::select! {
                Some(o) = done.recv() => {
                    self.in_flight = self.in_flight.saturating_sub(1);
                    self.on_outcome(o).await;
                }
                Some(u) = user.recv() => self.on_user(u).await,
                _ = tokio::time::sleep_until(deadline) => {
                    self.error(format!("{} answers still in flight at the end", self.in_flight));
                    break;
                }
            }
        }
        // The final truth: anything the stream did not tell, then the balances.
        let snap = reconcile::fetch(&self.client, &self.instruments, self.open_symbols(), false).await;
        self.apply_reconcile(snap, false).await;
        if let Some(s) = stream {
            s.abort();
        }
        self.report
    }

    /// Sends updates to the engine; waits when its queue is full (the
    /// gateway may wait, the engine never does).
    async fn emit(&mut self, updates: Vec<VenueUpdate>) {
        if updates.is_empty() {
            return;
        }
        let batch: Vec<Event> = updates
            .into_iter()
            .map(|u| Event { seq: 0, stamp: Default::default(), kind: EventKind::Venue(Box::new(u)) })
            .collect();
        if self.events.send(batch).await.is_err() {
            tracing::debug!("gateway: the engine has stopped; update dropped");
        }
    }

    fn error(&mut self, msg: String) {
        tracing::warn!("gateway: {msg}");
        if self.report.errors.len() < 32 {
            self.report.errors.push(msg);
        }
    }

    fn spawn_task(&mut self, fut: impl std::future::Future<Output = Outcome> + Send + 'static) {
        self.in_flight += 1;
        let tx = self.done_tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(fut.await).await;
        });
    }
}
