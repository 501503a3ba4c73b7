//! What the screen shows, as plain owned data.
//!
//! Built on the engine thread by [`ScreenBuilder`] at most once per frame
//! interval (never per event), handed to the UI thread through a `watch`
//! channel, and read there without locks. Prices and quantities stay exact
//! fixed-point values with their scales; panes format them.

pub mod build;

pub use build::ScreenBuilder;

use crate::domain::{BookTicker, Candle, Level, Notional, Price, Qty, Side, Timeframe};
use crate::engine::Snapshot;
use crate::telemetry::LatencyStats;

/// Which symbol and timeframe the chart shows, and how many candles it may
/// need; the UI sets it, the builder reads it when it builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewRequest {
    /// Index into [`ScreenData::symbols`].
    pub symbol: usize,
    pub timeframe: Timeframe,
    /// Candles to carry for the chart (visible width plus indicator warm-up).
    pub candles: usize,
}

impl Default for ViewRequest {
    fn default() -> Self {
        Self { symbol: 0, timeframe: Timeframe::M1, candles: 400 }
    }
}

/// Facts about the run that the engine does not know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionInfo {
    /// `sim`, `binance`, `binance-testnet`, `synthetic`, or the file replayed.
    pub venue: String,
    /// `paper` or `sandbox`.
    pub route: String,
    /// Whether the engine is driven by a replay (the status bar shows its clock).
    pub replay: bool,
    /// Events the source dropped because the engine's channel was full.
    pub source_drops: u64,
}

/// Everything the panes draw, at one instant of the engine.
#[derive(Debug, Clone, Default)]
pub struct ScreenData {
    /// Counters, P&L strings, positions, kill switch, feeds, stale symbols.
    pub core: Snapshot,
    pub session: SessionInfo,
    pub symbols: Vec<SymbolView>,
    pub chart: ChartData,
    pub book: BookView,
    /// Open orders, newest first.
    pub orders: Vec<OrderRow>,
    /// Recent fills, newest first.
    pub fills: Vec<FillRow>,
    pub strategies: Vec<StrategyRow>,
    /// Equity sampled once per second of event time, oldest first.
    pub equity: Vec<EquityPoint>,
    /// Exact P&L totals for colouring and the equity line.
    pub pnl: PnlNumbers,
    /// Per-stage latency, in [`crate::telemetry::Stage::ALL`] order.
    pub latency: Vec<StageLatency>,
    /// Strategies halted by the kill switch.
    pub halted: bool,
}

/// One row of the watchlist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SymbolView {
    pub symbol: String,
    pub price_scale: u8,
    pub qty_scale: u8,
    pub tick_size: Price,
    pub step_size: Qty,
    pub min_qty: Qty,
    /// NOTIONAL / MIN_NOTIONAL filter (zero: none), checked by the order ticket.
    pub min_notional: Notional,
    /// Last trade price.
    pub last: Option<Price>,
    /// Reference for the change figure: open of the current day candle when
    /// days are aggregated, else the first trade of the session.
    pub ref_open: Option<Price>,
    /// Base volume over the same span as `ref_open`.
    pub volume: Qty,
    pub book: Option<BookTicker>,
    pub stale: bool,
    /// Recent closes for the sparkline, oldest first.
    pub spark: Vec<Price>,
}

/// Candles of the selected symbol and timeframe.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChartData {
    pub symbol: usize,
    pub timeframe: Timeframe,
    pub price_scale: u8,
    pub qty_scale: u8,
    /// Closed candles followed by the forming one, oldest first. Missing
    /// buckets are absent (the chart places candles by time, so a gap shows).
    pub candles: Vec<Candle>,
    /// Whether the last element of `candles` is still forming.
    pub last_forming: bool,
    /// Own fills of this symbol, oldest first.
    pub fills: Vec<FillMark>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FillMark {
    pub time_ms: i64,
    pub side: Side,
    pub price: Price,
}

/// Top of book and, when depth is subscribed, a ladder for the selected symbol.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookView {
    pub symbol: usize,
    pub top: Option<BookTicker>,
    /// Best first.
    pub bids: Vec<Level>,
    /// Best first.
    pub asks: Vec<Level>,
    /// Whether a depth book is maintained for this symbol.
    pub has_depth: bool,
    /// Whether that book follows the venue's update chain (else best-effort).
    pub synced: bool,
}

/// An order as the orders pane lists it (decimals already exact strings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderRow {
    pub id: u64,
    pub symbol: String,
    pub side: Option<Side>,
    pub kind: &'static str,
    pub qty: String,
    pub filled: String,
    pub price: String,
    pub state: String,
    /// Strategy name, or `manual`.
    pub owner: String,
    pub created_ms: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FillRow {
    pub order_id: u64,
    pub time_ms: i64,
    pub symbol: String,
    pub side: Option<Side>,
    pub price: String,
    pub qty: String,
    pub fee: String,
    /// `maker` or `taker`.
    pub liquidity: &'static str,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StrategyRow {
    pub id: u16,
    pub name: String,
    pub paused: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EquityPoint {
    pub time_ms: i64,
    pub equity: Notional,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PnlNumbers {
    pub realized: Notional,
    pub unrealized: Notional,
    pub fees: Notional,
    pub total: Notional,
    pub equity: Notional,
}

/// One stage of the latency pane.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageLatency {
    pub name: &'static str,
    pub stats: LatencyStats,
    /// Log-scale buckets: (upper bound in ns, count), ascending, covering
    /// every recorded value.
    pub buckets: Vec<(u64, u64)>,
}
