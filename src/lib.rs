//! # tickdesk
//!
//! A terminal live-trading workstation built around one deterministic engine.
//!
//! ```text
//!  venue (Binance, testnet, sim::venue on loopback)     recorded file │ synthetic generator
//!    │ feed::rest: exchangeInfo, klines backfill, time       │
//!    │ feed::connection: WebSocket, backoff, watchdog        │
//!        │ raw frames + receive stamp (mono + wall ns)
//!        ▼
//!  feed::binance::decode   pure: bytes → MarketEvent, fixed-point, bad input counted
//!  feed::sequence          trade ids: duplicates dropped, gaps counted
//!        │ bounded channel (drops counted when live)
//!        ▼
//!  engine  one thread, Clock from the events, sequence numbers
//!    ├─ aggregate   candles per symbol × timeframe, O(1) per tick
//!    ├─ indicators  incremental SMA/EMA/RSI/MACD/Bollinger/VWAP/ATR
//!    ├─ strategy    trait objects → order intents
//!    ├─ risk        ordered checks → typed reasons, kill switch
//!    ├─ route       paper fills on the event clock, or orders to a venue's
//!    │              sandbox via `venue::gateway` (answers come back as events);
//!    │              one order state machine
//!    ├─ portfolio   positions, exact P&L
//!    └─ telemetry   HDR histograms per stage
//!        │
//!        └─ Snapshot / Summary → headless status lines, JSON summary
//!
//!  record   every frame (before decoding), input, drop and decision of a
//!           session, on the writer's own thread → sessions/<start>-<venue>/
//!  replay   `tickdesk replay`: the session's frames through the same decoder
//!           and engine, paced by their receive stamps; `--verify` compares
//!           decisions
//! ```
//!
//! The core (`domain`, `aggregate`, `indicators`, `strategy`, `risk`,
//! `route`, `portfolio`, `engine`) does no I/O and imports no tokio: the
//! commands in `cmd` wire it to venues, files, the synthetic market and the
//! terminal; `feed` brings market data in and `venue` takes orders out. `sim::venue` is a Binance-compatible exchange on loopback, so
//! the default run and the tests use the same network code as production.

pub mod aggregate;
pub mod book;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod domain;
pub mod engine;
pub mod feed;
pub mod indicators;
pub mod portfolio;
pub mod record;
pub mod replay;
pub mod risk;
pub mod route;
pub mod sim;
pub mod strategy;
pub mod telemetry;
pub mod ui;
pub mod venue;
