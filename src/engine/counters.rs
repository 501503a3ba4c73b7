//! Plain counters the engine keeps; the summary and the status line read them.

use crate::domain::MarketEvent;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EngineCounters {
    pub trades: u64,
    pub agg_trades: u64,
    pub book_tickers: u64,
    pub depth_updates: u64,
    pub depth_snapshots: u64,
    /// Breaks in a depth book's update chain (the book is then out of sync).
    pub depth_gaps: u64,
    pub klines: u64,
    pub commands: u64,
    pub timers: u64,
    pub instruments: u64,
    /// Events naming an instrument the engine does not know (skipped).
    pub unknown_instrument: u64,
    /// Sequence numbers missing between consecutive events (source drops).
    pub seq_gaps: u64,
    pub candles_closed: u64,
    pub intents: u64,
    pub orders_submitted: u64,
    pub risk_rejected: u64,
    pub fills: u64,
    pub kill_switch_trips: u64,
    /// Router reports the state machine refused (a bug if ever non-zero).
    pub illegal_transitions: u64,
    /// Answers from a real venue (sandbox route).
    pub venue_updates: u64,
    /// Feed stale/recovered notices.
    pub status_changes: u64,
    /// Candles taken from a REST backfill into the chart history.
    pub backfilled_candles: u64,
    /// Events whose exchange time is later than our receive time after the
    /// clock-offset correction (clocks disagree); not put in the histogram.
    pub negative_exchange_latency: u64,
}

impl EngineCounters {
    #[inline]
    pub fn count_market(&mut self, m: &MarketEvent) {
        match m {
            MarketEvent::Trade(t) if t.aggregated => self.agg_trades += 1,
            MarketEvent::Trade(_) => self.trades += 1,
            MarketEvent::BookTicker(_) => self.book_tickers += 1,
            MarketEvent::Depth(_) => self.depth_updates += 1,
            MarketEvent::DepthSnapshot(_) => self.depth_snapshots += 1,
            MarketEvent::Kline(_) => self.klines += 1,
        }
    }

    /// Market events of every kind.
    pub fn market_events(&self) -> u64 {
        self.trades + self.agg_trades + self.book_tickers + self.depth_updates + self.depth_snapshots + self.klines
    }
}
