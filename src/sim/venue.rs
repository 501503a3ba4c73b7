//! The sim venue: the Binance Spot market-data protocol on loopback, so
//! that tests, demos and the default run use the same network code path as
//! production. Any Binance client works against it by changing only its
//! base URLs ([`SimVenue::rest_base`], [`SimVenue::ws_base`]).
//!
//! ```text
//!  hub thread (hub / replay): Generator or recording, paced to wall time
//!     │  appends frames + derived aggTrade / kline / depthUpdate to a Batch,
//!     │  updates MarketState (klines, book, recent trades) under one lock
//!     ▼
//!  broadcast<Arc<Batch>> ──▶ per connection (ws): pump → bounded queue → writer
//!                                              reader: SUBSCRIBE & co (methods)
//!  axum router (server): /api/v3/* (rest, weight) and /ws, /ws/<s>, /stream
//!  faults: timed drops and stalls; every-Nth frame, trade and request faults
//! ```
//!
//! Served: streams `<sym>@trade`, `@aggTrade` (one per trade), `@bookTicker`,
//! `@kline_<1s..1M>`, `@depth` / `@depth@1000ms` / `@depth@100ms`; the JSON
//! methods; server pings; `serverShutdown` before closing. REST `ping`,
//! `time`, `exchangeInfo`, `depth`, `trades`, `klines`. Signed trading
//! (`trading`): `order` (POST/GET/DELETE), `order/test`, `openOrders`
//! (GET/DELETE), `account`, `myTrades`, with signature, timestamp and
//! recvWindow checks, order-rate limits and 418 bans, over the matching core
//! [`crate::sim::exchange`] that the hub feeds with the generated book tops
//! and prints; the WebSocket API at `/ws-api/v3` with the user data stream.
//!
//! Not served (documented departures): partial depth (`@depth5` …), tickers,
//! `@avgPrice`, `aggTrades`/`uiKlines`/ticker REST, `allOrders`,
//! `rateLimit/order`, `quoteOrderQty`, cancel restrictions, `session.logon`,
//! the legacy listenKey stream, and the 5 messages/s incoming limit. A
//! venue replaying a recorded file does not trade (-1000). Refused rather than
//! ignored: a stream name the venue does not know (HTTP 400 at connect,
//! error code 2 on `SUBSCRIBE`), `timeUnit=MICROSECOND` (HTTP 400), klines
//! in another `timeZone` (-1100). Unknown REST query parameters are ignored.
//! A stall drops the frames of its duration (nothing is queued for later);
//! the recent trades of the backfill are not served (live ids are a new
//! series). A replay forwards the recording's own streams and derives none.

mod batch;
mod book;
mod candles;
mod config;
mod faults;
mod history;
mod hub;
mod market;
mod methods;
mod render;
mod replay;
mod rest;
mod server;
mod stats;
mod streams;
mod trading;
mod weight;
mod ws;

pub use config::{FaultArgs, FaultConfig, SimVenueConfig};
pub use stats::{ClientStats, FaultStats, TradingStats, VenueStats};
pub use trading::auth::{DEMO_API_KEY, DEMO_API_SECRET};

use crate::sim::exchange::{BalanceRow, Exchange};
use crate::venue::sign::Credentials;

use crate::config::Speed;
use crate::feed::input::InputReader;
use crate::sim::{Generator, SyntheticConfig};
use hub::{HubCtx, SyntheticHub};
use market::{Keep, MarketState};
use server::Shared;
use stats::Counters;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use streams::StreamTable;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

/// How long shutdown waits for connections to say goodbye.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Where the venue's market comes from.
#[derive(Debug, Clone)]
pub enum MarketSource {
    /// The seeded generator; its `rate` is messages per second of market
    /// time, paced to wall time.
    Synthetic(SyntheticConfig),
    /// A recorded file replayed at `speed`.
    Recorded { path: PathBuf, speed: Speed },
}

/// Everything [`SimVenue::start`] needs.
#[derive(Debug, Clone)]
pub struct VenueOptions {
    /// `127.0.0.1:0` picks a free port.
    pub listen: SocketAddr,
    pub market: MarketSource,
    pub config: SimVenueConfig,
}

/// A running venue. Dropping it stops the hub; [`SimVenue::shutdown`] also
/// closes the connections politely and waits for them.
#[derive(Debug)]
pub struct SimVenue {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    server: Option<JoinHandle<()>>,
    hub: Option<std::thread::JoinHandle<()>>,
    timers: Vec<JoinHandle<()>>,
}

impl SimVenue {
    /// Binds, backfills the klines, starts the hub and the server, and
    /// returns once the port accepts connections.
    pub async fn start(opts: VenueOptions) -> Result<SimVenue, String> {
        let cfg = opts.config;
        cfg.validate()?;
        let listener = tokio::net::TcpListener::bind(opts.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", opts.listen))?;
        let addr = listener.local_addr().map_err(|e| format!("cannot read the listening address: {e}"))?;
        let now_ms = crate::telemetry::wall_ns().div_euclid(1_000_000);
        let (streams, state, source) = prepare(opts.market, &cfg, now_ms).await?;
        let counters = Arc::new(Counters::default());
        let exchange = match &source {
            Source::Synthetic(g) => {
                Ok(Exchange::new(&cfg.exchange, &g.instruments()).map_err(|e| format!("sim-venue.exchange: {e}"))?)
            }
            Source::Recorded(..) => {
                Err("Trading is not available on this venue: it replays a recorded file (market data only).".into())
            }
        };
        let trading = Arc::new(trading::Trading::new(exchange, &cfg, counters.clone()));
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Shared {
            weights: weight::Weights::new(cfg.weight_limit_1m),
            tx: broadcast::channel(cfg.hub_buffer_batches).0,
            cfg,
            counters: counters.clone(),
            streams: Arc::new(streams),
            state: Arc::new(Mutex::new(state)),
            faults: Arc::new(faults::FaultSignals::new()),
            trading,
            shutdown: watch::channel(false).0,
        });
        let ctx = HubCtx {
            state: shared.state.clone(),
            tx: shared.tx.clone(),
            counters: counters.clone(),
            streams: shared.streams.clone(),
            faults: shared.cfg.faults.clone(),
            max_batch: shared.cfg.max_batch,
            stop: stop.clone(),
            trading: shared.trading.clone(),
        };
        let hub = std::thread::Builder::new()
            .name("sim-venue-hub".into())
            .spawn(move || match source {
                Source::Synthetic(generator) => SyntheticHub::new(*generator, now_ms, ctx).run(),
                Source::Recorded(reader, speed) => replay::run(*reader, speed, ctx),
            })
            .map_err(|e| format!("cannot start the hub thread: {e}"))?;
        let mut timers =
            faults::spawn_timers(&shared.cfg.faults, shared.faults.clone(), counters, shared.shutdown.subscribe());
        timers.extend(trading::ws_api::spawn_drop_timer(
            &shared.cfg.faults,
            shared.trading.drops.clone(),
            shared.shutdown.subscribe(),
        ));
        let app = server::router(shared.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let mut down = shared.shutdown.subscribe();
        let server = tokio::spawn(async move {
            let stopped = async move {
                let _ = down.wait_for(|d| *d).await;
            };
            if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stopped).await {
                tracing::error!("sim venue: server error: {e}");
            }
        });
        if shared.cfg.faults.any() {
            tracing::info!("sim venue: fault injection on: {:?}", shared.cfg.faults);
        }
        tracing::info!("sim venue listening on {addr}");
        Ok(SimVenue { addr, shared, stop, server: Some(server), hub: Some(hub), timers })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `ws://127.0.0.1:PORT`; clients add `/ws/<stream>` or `/stream?streams=...`.
    pub fn ws_base(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT`; clients add `/api/v3/...`.
    pub fn rest_base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://127.0.0.1:PORT/ws-api/v3`: the WebSocket API (user data stream).
    pub fn ws_api_url(&self) -> String {
        format!("ws://{}/ws-api/v3", self.addr)
    }

    /// Registers an API key pair (replacing one with the same key) and opens
    /// its account with the configured starting balances.
    pub fn register_key(&self, credentials: &Credentials) {
        self.shared.trading.register_key(credentials);
    }

    /// The venue's demo key pair ([`DEMO_API_KEY`], [`DEMO_API_SECRET`]),
    /// registered at every start. It is public: it trades only this
    /// venue's simulated balances.
    pub fn demo_credentials() -> Credentials {
        trading::auth::demo_credentials()
    }

    /// The balances of `api_key`'s account; `None` for an unknown key or a
    /// venue that does not trade (a recording).
    pub fn balances(&self, api_key: &str) -> Option<Vec<BalanceRow>> {
        self.shared.trading.balances(api_key)
    }

    /// Cuts every WebSocket API connection without a close frame (tests).
    pub fn drop_user_streams(&self) {
        self.shared.trading.drop_user_streams();
    }

    pub fn stats(&self) -> VenueStats {
        self.shared.counters.snapshot()
    }

    /// Sends `serverShutdown` and a close frame to every connection, stops
    /// the hub and the server, and waits (briefly) for all of it.
    pub async fn shutdown(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.shared.shutdown.send_replace(true);
        let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
        while self.shared.counters.connections_active.load(Ordering::Relaxed) > 0
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if let Some(server) = self.server.take() {
            let abort = server.abort_handle();
            if tokio::time::timeout_at(deadline, server).await.is_err() {
                abort.abort();
            }
        }
        for t in self.timers.drain(..) {
            t.abort();
        }
        if let Some(hub) = self.hub.take() {
            let _ = tokio::task::spawn_blocking(move || hub.join()).await;
        }
    }
}

/// What the hub thread will drive.
enum Source {
    Synthetic(Box<Generator>),
    Recorded(Box<InputReader>, Speed),
}

/// The stream table, the market state (backfilled) and the hub's source.
async fn prepare(
    market: MarketSource,
    cfg: &SimVenueConfig,
    now_ms: i64,
) -> Result<(StreamTable, MarketState, Source), String> {
    let keep = |ladder: bool, seed: u64| Keep {
        kline_history: cfg.kline_history,
        depth_levels: cfg.depth_levels,
        recent_trades: cfg.recent_trades,
        ladder,
        seed,
    };
    match market {
        MarketSource::Synthetic(sc) => {
            sc.validate().map_err(|e| format!("synthetic: {e}"))?;
            let instruments = Generator::new(&sc, now_ms).map_err(|e| format!("synthetic: {e}"))?.instruments();
            let mut state = MarketState::new(keep(true, sc.seed));
            for inst in &instruments {
                state.add(inst);
            }
            // The backfill takes a fraction of a second of CPU: off the runtime's threads.
            let vc = cfg.clone();
            let (live, state) = tokio::task::spawn_blocking(move || {
                let live = history::backfill(&sc, &vc, now_ms, &mut state);
                (live, state)
            })
            .await
            .map_err(|e| format!("backfill failed: {e}"))?;
            let generator = Generator::new(&live?, now_ms).map_err(|e| format!("synthetic: {e}"))?;
            let symbols: Vec<String> = instruments.iter().map(|i| i.symbol.clone()).collect();
            Ok((StreamTable::fixed(&symbols), state, Source::Synthetic(Box::new(generator))))
        }
        MarketSource::Recorded { path, speed } => {
            let reader = InputReader::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            Ok((StreamTable::open(), MarketState::new(keep(false, 0)), Source::Recorded(Box::new(reader), speed)))
        }
    }
}

impl Drop for SimVenue {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.shared.shutdown.send_replace(true);
        if let Some(s) = self.server.take() {
            s.abort();
        }
        for t in self.timers.drain(..) {
            t.abort();
        }
    }
}
